"""Benchmark: λ_min of the empirical NTK of deep ReLU MLPs, factorized numpy vs torch.func.

Case 1 (ratio measured in this run): depth-3 ReLU MLP (Zou et al. parameterization, all three
hidden layers trained), n = 256, d = 64, m = 512. Peer: ``vmap(jacrev)`` for the per-sample
Jacobian, then ``J Jᵀ`` and ``eigvalsh``, float64, ``torch.set_num_threads`` = numpy's threads.
Case 2: n = 2048, m = 2048, depth 5, factorized only.

Run: ``.venv/bin/python benchmarks/bench_deep_ntk.py [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from prooftools.numerics.networks.deep.network import zou_inputs, zou_network
from prooftools.numerics.networks.deep.ntk import empirical_ntk, ntk_lambda_min


def _threads() -> int:
    try:
        from threadpoolctl import threadpool_info

        info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if info:
            return int(info[0]["num_threads"])
    except ImportError:
        pass
    return os.cpu_count() or 1


def _best(fn, repeat: int) -> tuple[float, object]:
    best, val = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        val = fn()
        best = min(best, time.perf_counter() - t0)
    return best, val


def torch_lambda_min(net, X) -> float:
    """λ_min(J Jᵀ) with the Jacobian from torch.func (vmap of jacrev)."""
    import torch
    from torch.func import jacrev, vmap

    params = {f"w{j}": torch.from_numpy(w) for j, w in enumerate(net.layers)}
    v = torch.from_numpy(np.ascontiguousarray(net.output[:, 0]))

    def f(p, x):
        h = x
        for j in range(len(net.layers)):
            h = torch.relu(h @ p[f"w{j}"])
        return h @ v

    jac = vmap(jacrev(f), in_dims=(None, 0))(params, torch.from_numpy(X))
    K = sum(J.reshape(X.shape[0], -1) @ J.reshape(X.shape[0], -1).T for J in jac.values())
    return float(torch.linalg.eigvalsh(K)[0])


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller case 2 (n = m = 1024)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    threads = _threads()
    results: dict = {"threads": threads}

    rng = np.random.default_rng(0)
    X = zou_inputs(rng.standard_normal((256, 63)), 0.5)  # d = 64 after the μ coordinate
    net = zou_network(64, 512, depth=3, seed=0)
    t_np, lam_np = _best(lambda: ntk_lambda_min(net, X), args.repeat)
    results.update(case1_numpy_s=t_np, case1_lambda_min=lam_np)
    print(
        f"case 1 (n=256, d=64, m=512, depth 3): factorized numpy {t_np:.4f} s, λ_min = {lam_np:.6g}"
    )
    try:
        import torch

        torch.set_num_threads(threads)
        t_th, lam_th = _best(lambda: torch_lambda_min(net, X), max(1, args.repeat - 1))
        results.update(case1_torch_s=t_th, case1_ratio=t_th / t_np)
        print(
            f"            torch.func vmap(jacrev) + J Jᵀ: {t_th:.3f} s, λ_min = {lam_th:.6g}; "
            f"speed-up {t_th / t_np:.1f}x (threads = {threads})"
        )
        results["case1_agree"] = bool(np.isclose(lam_np, lam_th, rtol=1e-6))
    except ImportError:
        print("            torch not installed: no ratio")

    n = m = 1024 if args.quick else 2048
    X2 = zou_inputs(np.random.default_rng(1).standard_normal((n, 63)), 0.5)
    net2 = zou_network(64, m, depth=5, seed=1)
    t0 = time.perf_counter()
    K = empirical_ntk(net2, X2)
    t1 = time.perf_counter()
    lam2 = ntk_lambda_min(net2, X2, K=K)
    t2 = time.perf_counter()
    results.update(case2_ntk_s=t1 - t0, case2_eig_s=t2 - t1, case2_lambda_min=lam2, case2_n=n)
    print(
        f"case 2 (n={n}, m={m}, depth 5): NTK {t1 - t0:.2f} s + λ_min {t2 - t1:.2f} s "
        f"= {t2 - t0:.2f} s, λ_min = {lam2:.6g}"
    )
    return results


if __name__ == "__main__":
    main()
