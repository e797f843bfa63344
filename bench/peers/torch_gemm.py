"""GEMM GFLOP/s of PyTorch's CPU BLAS at the seed network's training shapes, for comparison
with `dotnet run -c Release --project bench/InitLab.Bench -- --filter '*' --job short`.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/peers/torch_gemm.py
"""
import time
import torch

SHAPES = [  # name, transA, transB, m, n, k (row-major, as in InitLab's GemmBenchmarks)
    ("fwd1 NT", False, True, 100, 256, 784),
    ("dW1 TN", True, False, 256, 784, 100),
    ("fwd2 NT", False, True, 100, 256, 256),
    ("dW2 TN", True, False, 256, 256, 100),
    ("dx2 NN", False, False, 100, 256, 256),
    ("square NN", False, False, 1000, 1000, 1000),
]

torch.set_num_threads(1)
for name, ta, tb, m, n, k in SHAPES:
    a = torch.rand(k, m) if ta else torch.rand(m, k)
    b = torch.rand(n, k) if tb else torch.rand(k, n)
    opa = a.t() if ta else a
    opb = b.t() if tb else b
    c = torch.empty(m, n)
    reps = max(20, int(2e9 / (2 * m * n * k)))
    for _ in range(reps // 4 + 5):
        torch.mm(opa, opb, out=c)
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(reps):
            torch.mm(opa, opb, out=c)
        best = min(best, (time.perf_counter() - t) / reps)
    print(f"{name} {m}x{n}x{k}: {best * 1e6:9.1f} us  {2 * m * n * k / best / 1e9:7.1f} GFLOP/s")
