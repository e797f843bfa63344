#!/usr/bin/python3
"""PyTorch peer for InitLab's sweep benchmark: a grid of small runs in one process.

For each initializer and seed, builds a Linear+ReLU MLP, initializes its weights
(biases keep PyTorch's default), trains it with Adam and cross-entropy for a few
epochs and measures its test accuracy, all in this one process (data loaded once).
Prints one JSON line: runs, wall seconds, runs per minute, mean accuracy per init.

Usage:
  /usr/bin/python3 bench/peers/torch_sweep.py --data DIR [--threads 1]
      [--layers 784,128,10] [--epochs 2] [--seeds 3] [--batch-size 100] [--lr 0.001]
      [--inits zeros,normal:std=1,xavier-uniform,...]
"""
import argparse
import json
import sys
import time

import torch
import torch.nn as nn

from torch_mlp import load_split

INITS = {
    "zeros": lambda w: nn.init.zeros_(w),
    "normal:std=1": lambda w: nn.init.normal_(w, 0.0, 1.0),
    "xavier-uniform": lambda w: nn.init.xavier_uniform_(w),
    "xavier-normal": lambda w: nn.init.xavier_normal_(w),
    "he-uniform": lambda w: nn.init.kaiming_uniform_(w, nonlinearity="relu"),
    "he-normal": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
    "orthogonal": lambda w: nn.init.orthogonal_(w),
    "default": lambda w: None,
}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--layers", default="784,128,10")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--lr", type=float, default=0.001)
    p.add_argument("--inits", default=",".join(INITS))
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    layers = [int(s) for s in args.layers.split(",")]
    inits = args.inits.split(",")
    for name in inits:
        if name not in INITS:
            p.error(f"unknown init {name}; known: {', '.join(INITS)}")

    start = time.perf_counter()
    X, Y = load_split(args.data, "train")
    Xt, Yt = load_split(args.data, "t10k")
    n, bs = X.shape[0], args.batch_size
    accuracy = {}
    runs = 0
    for name in inits:
        for seed in range(1, args.seeds + 1):
            torch.manual_seed(seed)
            modules = []
            for i in range(len(layers) - 1):
                linear = nn.Linear(layers[i], layers[i + 1])
                INITS[name](linear.weight)
                modules.append(linear)
                if i < len(layers) - 2:
                    modules.append(nn.ReLU())
            model = nn.Sequential(*modules)
            optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
            loss_fn = nn.CrossEntropyLoss()
            model.train()
            for _ in range(args.epochs):
                perm = torch.randperm(n)
                for i in range(n // bs):
                    idx = perm[i * bs:(i + 1) * bs]
                    optimizer.zero_grad(set_to_none=True)
                    loss = loss_fn(model(X.index_select(0, idx)), Y.index_select(0, idx))
                    loss.backward()
                    optimizer.step()
            model.eval()
            with torch.no_grad():
                acc = (model(Xt).argmax(dim=1) == Yt).float().mean().item()
            accuracy.setdefault(name, []).append(acc)
            runs += 1
    seconds = time.perf_counter() - start
    print(json.dumps({
        "peer": "torch", "threads": args.threads, "runs": runs, "seconds": round(seconds, 3),
        "runs_per_minute": round(runs * 60 / seconds, 2),
        "mean_accuracy": {k: round(sum(v) / len(v), 4) for k, v in accuracy.items()},
    }))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
