#!/usr/bin/python3
"""scikit-learn peer for InitLab's RBM benchmark (BernoulliRBM, PCD-1).

Trains sklearn.neural_network.BernoulliRBM on MNIST-format IDX images scaled
to [0, 1] (x / 255, float64 unless --float32) and prints one JSON line.

Usage (Debian's Python has scikit-learn; the python3 on PATH may not):
  /usr/bin/python3 bench/peers/sklearn_rbm.py --data DIR [--hidden 256]
      [--lr 0.06] [--batch-size 100] [--epochs 10] [--seed 0]
      [--train-limit N] [--float32]

DIR holds train-images-idx3-ubyte(.gz) and t10k-images-idx3-ubyte(.gz).

Measurements:
  fit_seconds      one BernoulliRBM(n_iter=epochs, random_state=seed).fit(X)
                   (this is the model whose pseudo-likelihoods are reported)
  epoch_seconds    best of 2 separate fit() calls with n_iter=1 (each
                   re-initialises the model; init cost is negligible);
                   epoch_cpu_seconds_all is process CPU time (all threads)
                   of both, a cross-check when the machine is busy
  heldout_pseudo_likelihood / train_pseudo_likelihood
                   mean of rbm.score_samples on the t10k images / the first
                   10000 training images (score_samples flips one random
                   feature per row, drawn from check_random_state(seed)).

sklearn's fit() visits the mini-batches in data order every epoch (no
shuffling). BLAS threads are not set here: OPENBLAS_NUM_THREADS etc. from the
environment apply and are echoed in the output.
"""
import argparse
import json
import os
import time

import numpy as np

from idx import blas_library, read_idx
import sklearn
from sklearn.neural_network import BernoulliRBM


def load_images(data_dir, prefix, dtype):
    images = read_idx(data_dir, f"{prefix}-images-idx3-ubyte")
    x = images.reshape(images.shape[0], -1).astype(dtype) / dtype(255.0)
    return np.ascontiguousarray(x)



def make_rbm(args, n_iter):
    return BernoulliRBM(n_components=args.hidden, learning_rate=args.lr,
                        batch_size=args.batch_size, n_iter=n_iter,
                        random_state=args.seed)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="folder with the MNIST IDX image files")
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--lr", type=float, default=0.06)
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--train-limit", type=int, default=None,
                   help="use only the first N training images")
    p.add_argument("--float32", action="store_true",
                   help="train/score in float32 instead of float64")
    args = p.parse_args()

    dtype = np.float32 if args.float32 else np.float64
    X = load_images(args.data, "train", dtype)
    if args.train_limit is not None:
        if args.train_limit <= 0:
            p.error("--train-limit must be positive")
        X = X[:args.train_limit]
    Xt = load_images(args.data, "t10k", dtype)

    epoch_times, epoch_cpu = [], []
    for _ in range(2):
        rbm1 = make_rbm(args, 1)
        c0, t0 = time.process_time(), time.perf_counter()
        rbm1.fit(X)
        epoch_times.append(time.perf_counter() - t0)
        epoch_cpu.append(time.process_time() - c0)
    del rbm1

    rbm = make_rbm(args, args.epochs)
    t0 = time.perf_counter()
    rbm.fit(X)
    fit_seconds = time.perf_counter() - t0

    heldout = float(np.mean(rbm.score_samples(Xt)))
    train = float(np.mean(rbm.score_samples(X[:10000])))

    env_keys = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_CORETYPE",
                "OPENBLAS_L2_SIZE")
    print(json.dumps({
        "peer": "sklearn",
        "version": sklearn.__version__,
        "numpy_version": np.__version__,
        "dtype": np.dtype(dtype).name,
        "hidden": args.hidden,
        "lr": args.lr,
        "batch_size": args.batch_size,
        "epochs": args.epochs,
        "seed": args.seed,
        "train_examples": int(X.shape[0]),
        "test_examples": int(Xt.shape[0]),
        "fit_seconds": fit_seconds,
        "epoch_seconds": min(epoch_times),
        "epoch_seconds_all": epoch_times,
        "epoch_cpu_seconds_all": epoch_cpu,
        "heldout_pseudo_likelihood": heldout,
        "train_pseudo_likelihood": train,
        "blas": blas_library(),
        "env": {k: os.environ[k] for k in env_keys if k in os.environ},
    }))


if __name__ == "__main__":
    main()
