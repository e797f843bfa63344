#!/usr/bin/python3
"""PyTorch peer for InitLab's MLP training speed benchmark.

Trains a plain Linear+ReLU MLP on MNIST-format IDX data with Adam and
cross-entropy, timing each epoch, and prints one JSON line to stdout.

Usage:
  /usr/bin/python3 bench/peers/torch_mlp.py --data DIR [--threads N] [--epochs 3]
      [--layers 784,256,256,10] [--batch-size 100] [--lr 0.001] [--seed 777]

DIR holds train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz),
t10k-images-idx3-ubyte(.gz), t10k-labels-idx1-ubyte(.gz).
"""
import argparse
import json
import os
import sys
import time

import numpy as np

from idx import blas_library, read_idx
import torch
import torch.nn as nn


def load_split(data_dir, prefix):
    images = read_idx(data_dir, f"{prefix}-images-idx3-ubyte")
    labels = read_idx(data_dir, f"{prefix}-labels-idx1-ubyte")
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{prefix}: {images.shape[0]} images but {labels.shape[0]} labels")
    x = torch.from_numpy(images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255.0))
    y = torch.from_numpy(labels.astype(np.int64))
    return x.contiguous(), y.contiguous()



def build_model(layers):
    modules = []
    for i in range(len(layers) - 1):
        linear = nn.Linear(layers[i], layers[i + 1])
        nn.init.xavier_uniform_(linear.weight)
        modules.append(linear)
        if i < len(layers) - 2:
            modules.append(nn.ReLU())
    return nn.Sequential(*modules)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="folder with the four MNIST IDX files")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--layers", default="784,256,256,10")
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--lr", type=float, default=0.001)
    p.add_argument("--seed", type=int, default=777)
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(args.seed)

    layers = [int(s) for s in args.layers.split(",") if s.strip()]
    if len(layers) < 2:
        p.error("--layers needs at least two sizes")

    X, Y = load_split(args.data, "train")
    Xt, Yt = load_split(args.data, "t10k")
    if X.shape[1] != layers[0]:
        p.error(f"input size {X.shape[1]} does not match first layer {layers[0]}")

    model = build_model(layers)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()

    n = X.shape[0]
    bs = args.batch_size
    batches = n // bs  # drop the last partial batch
    if batches == 0:
        p.error(f"batch size {bs} exceeds training set size {n}")

    epoch_seconds = []
    epoch_costs = []
    model.train()
    for _ in range(args.epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        total = torch.zeros(())
        for i in range(batches):
            idx = perm[i * bs:(i + 1) * bs]
            x = X.index_select(0, idx)
            y = Y.index_select(0, idx)
            optimizer.zero_grad(set_to_none=True)
            out = model(x)
            loss = loss_fn(out, y)
            loss.backward()
            optimizer.step()
            total += loss.detach()
        epoch_seconds.append(time.perf_counter() - t0)
        epoch_costs.append(total.item() / batches)

    model.eval()
    with torch.no_grad():
        pred = model(Xt).argmax(dim=1)
        accuracy = (pred == Yt).float().mean().item()

    result = {
        "peer": "torch",
        "torch": torch.__version__,
        "threads": args.threads,
        "blas": blas_library(),
        "train_examples": n,
        "epochs": args.epochs,
        "epoch_seconds": [round(s, 6) for s in epoch_seconds],
        "best_epoch_seconds": round(min(epoch_seconds), 6) if epoch_seconds else None,
        "mean_epoch_seconds": round(sum(epoch_seconds) / len(epoch_seconds), 6) if epoch_seconds else None,
        "test_accuracy": round(accuracy, 6),
        "final_cost": round(epoch_costs[-1], 6) if epoch_costs else None,
        "epoch_costs": [round(c, 6) for c in epoch_costs],
    }
    print(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
