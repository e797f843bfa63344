"""The study note's PyTorch program, reading MNIST-format IDX files from a folder instead of
downloading them, and scaling the test set to [0, 1] like the training set (as InitLab does).

    /usr/bin/python3 bench/peers/note_seed.py DATA_DIR [EPOCHS] [--deep]

Prints the note's lines; compare with `initlab seed --data DATA_DIR --epochs EPOCHS`.
"""
import os, random, sys
import torch

from idx import read_idx

def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    deep = "--deep" in sys.argv
    d = args[0]
    epochs = int(args[1]) if len(args) > 1 else 15
    torch.set_num_threads(1)
    xtr = torch.from_numpy(read_idx(d, "train-images-idx3-ubyte").copy()).float().div(255).view(-1, 784)
    ytr = torch.from_numpy(read_idx(d, "train-labels-idx1-ubyte").copy()).long()
    xte = torch.from_numpy(read_idx(d, "t10k-images-idx3-ubyte").copy()).float().div(255).view(-1, 784)
    yte = torch.from_numpy(read_idx(d, "t10k-labels-idx1-ubyte").copy()).long()
    random.seed(777)
    torch.manual_seed(777)
    ds = torch.utils.data.TensorDataset(xtr, ytr)
    loader = torch.utils.data.DataLoader(ds, batch_size=100, shuffle=True, drop_last=True)

    def run(sizes, n_epochs):
        linears = [torch.nn.Linear(a, b, bias=True) for a, b in zip(sizes[:-1], sizes[1:])]
        for l in linears:
            torch.nn.init.xavier_uniform_(l.weight)
        print(linears[-1].weight)
        mods = []
        for i, l in enumerate(linears):
            mods.append(l)
            if i + 1 < len(linears):
                mods.append(torch.nn.ReLU())
        model = torch.nn.Sequential(*mods)
        crit = torch.nn.CrossEntropyLoss()
        opt = torch.optim.Adam(model.parameters(), lr=0.001)
        total = len(loader)
        for epoch in range(n_epochs):
            avg = 0
            for X, Y in loader:
                opt.zero_grad()
                cost = crit(model(X), Y)
                cost.backward()
                opt.step()
                avg += cost / total
            print('Epoch:', '%04d' % (epoch + 1), 'cost =', '{:.9f}'.format(avg))
        print('Learning finished')
        with torch.no_grad():
            acc = (torch.argmax(model(xte), 1) == yte).float().mean()
            print('Accuracy:', acc.item())
            r = random.randint(0, len(yte) - 1)
            print('Label: ', yte[r:r + 1].item())
            print('Prediction: ', torch.argmax(model(xte[r:r + 1]), 1).item())

    run([784, 256, 256, 10], epochs if not deep else 15)
    if deep:
        run([784, 512, 512, 512, 512, 10], epochs)

main()
