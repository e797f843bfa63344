#!/usr/bin/python3
"""The five matrix products of one scikit-learn BernoulliRBM step, timed alone.

scikit-learn 1.2's BernoulliRBM._fit does, per mini-batch of B rows (V visible,
H hidden units, W = components_ of shape (H, V)):
  h_pos  = v_pos @ W.T          (B x V) @ (V x H)
  p_neg  = h_samples @ W        (B x H) @ (H x V)
  h_neg  = v_neg @ W.T          (B x V) @ (V x H)
  update = (v_pos.T @ h_pos).T  (V x B) @ (B x H), transposed
  update -= h_neg.T @ v_neg     (H x B) @ (B x V)
plus elementwise work (logistic, sampling, the update). v_neg is a boolean array
there (uniform < p), which numpy converts to float32 before its two products;
that conversion counts as elementwise work here. This script times the five
products alone on float32 operands, W in Fortran order as scikit-learn keeps
components_, in numpy (the BLAS the process loads: set
OPENBLAS_NUM_THREADS and unset OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE as for the
peer), each in a loop by itself, and prints one JSON line with the best time
per step and per epoch (steps = samples / batch): the part of scikit-learn's
epoch that is matrix products, the rest being its elementwise work.

Usage: /usr/bin/python3 bench/peers/sklearn_rbm_gemms.py [--visible 784]
           [--hidden 500] [--batch-size 100] [--samples 60000]
"""
import argparse
import json
import os
import time

import numpy as np

from idx import blas_library


def best_seconds(f, reps=50, rounds=7):
    for _ in range(10):
        f()
    best = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(reps):
            f()
        best = min(best, (time.perf_counter() - t) / reps)
    return best


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--visible", type=int, default=784)
    p.add_argument("--hidden", type=int, default=500)
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--samples", type=int, default=60000)
    a = p.parse_args()
    b, v, h = a.batch_size, a.visible, a.hidden
    rng = np.random.default_rng(0)
    w = np.asfortranarray(rng.random((h, v), dtype=np.float32))  # components_ is order="F"
    v_pos = rng.random((b, v), dtype=np.float32)
    h_pos = rng.random((b, h), dtype=np.float32)
    products = {
        "h_pos = v_pos @ W.T": lambda: v_pos @ w.T,
        "p_neg = h @ W": lambda: h_pos @ w,
        "h_neg = v_neg @ W.T": lambda: v_pos @ w.T,
        "(v_pos.T @ h_pos).T": lambda: (v_pos.T @ h_pos).T,
        "h_neg.T @ v_neg": lambda: h_pos.T @ v_pos,
    }
    seconds = {name: best_seconds(f) for name, f in products.items()}
    step = sum(seconds.values())
    steps = a.samples // b
    print(json.dumps({
        "blas": blas_library(),
        "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "product_microseconds": {k: round(s * 1e6, 1) for k, s in seconds.items()},
        "step_seconds": step,
        "gflops": 5 * 2 * b * v * h / step / 1e9,
        "epoch_seconds": step * steps,
    }))


if __name__ == "__main__":
    main()
