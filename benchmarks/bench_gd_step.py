"""One full-batch GD step of Du et al.'s network: prooftools (numpy/BLAS) vs PyTorch CPU autograd.

n = 1000, d = 100, m = 8192, float64, same thread count for both.
Run: python benchmarks/bench_gd_step.py
"""

from __future__ import annotations

import math
import os
import time

import numpy as np

from prooftools.numerics.networks.two_layer.network import StepWorkspace, init_params


def _blas_threads() -> int:
    try:
        from threadpoolctl import threadpool_info

        counts = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
        if counts:
            return int(max(counts))
    except ImportError:
        pass
    return os.cpu_count() or 1


def _best(fn, repeats: int = 15) -> float:
    for _ in range(3):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def main(n: int = 1000, d: int = 100, m: int = 8192, lr: float = 1e-3) -> dict:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = rng.standard_normal(n)
    W, a = init_params(m, d, rng)
    W_np = W.copy()
    ws = StepWorkspace(n, m, d)

    def numpy_step():
        ws.run(W_np, a, X, y)
        ws.G *= lr
        np.subtract(W_np, ws.G, out=W_np)

    t_np = _best(numpy_step)
    threads = _blas_threads()
    result = {"n": n, "d": d, "m": m, "threads": threads, "numpy_s": t_np}
    try:
        import torch
    except ImportError:
        print(f"numpy step {t_np * 1e3:.1f} ms; torch not installed, no ratio")
        return result
    torch.set_num_threads(threads)
    Xt, yt, at = torch.tensor(X), torch.tensor(y), torch.tensor(a)
    Wt = torch.tensor(W.copy(), requires_grad=True)
    inv = 1.0 / math.sqrt(m)

    def torch_step():
        u = torch.relu(Xt @ Wt.T) @ at * inv
        loss = 0.5 * ((u - yt) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            Wt.sub_(lr * Wt.grad)
            Wt.grad = None

    t_torch = _best(torch_step)
    result.update(torch_s=t_torch, speedup=t_torch / t_np)
    print(f"GD step n={n} d={d} m={m} float64, {threads} threads: numpy {t_np * 1e3:.1f} ms, "
          f"torch autograd {t_torch * 1e3:.1f} ms, speedup {t_torch / t_np:.2f}x")
    return result


if __name__ == "__main__":
    main()
