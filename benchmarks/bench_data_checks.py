"""Benchmark the dataset checks against the obvious baselines (ratios measured in the same run).

    .venv/bin/python benchmarks/bench_data_checks.py [--quick] [--only lambda0] [--cpu]

1. min pairwise distance, n = 8000, d = 784: blocked certified scan vs scipy pdist(X).min();
2. certified λ0 for n = 5000 (tight: within 0.1%; ``fast``: positivity only) vs
   numpy.linalg.eigvalsh of the same H^∞ and vs one scipy.linalg.cholesky of it, 3 rounds,
   the median of the per-round ratios;
3. H^∞ and the depth-3 NTK for n = 4000, d = 64 vs one n×n×d matrix product X Xᵀ (the NTK
   both by its default fused kernel and by its numpy path).
Other timings are the best of ``repeat`` runs (the machine may be shared).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from scipy.linalg import cholesky
from scipy.spatial.distance import pdist

from prooftools.numerics.data.separation import min_pairwise_distance
from prooftools.numerics.kernels.infinite import FUSED_MIN_SAMPLES, ntk_relu, relu_gram_h_inf
from prooftools.numerics.spectra import certified_lambda_min

CLOCK = [time.perf_counter]


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = CLOCK[0]()
        out = fn()
        best = min(best, CLOCK[0]() - t)
    return best, out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes (smoke test)")
    ap.add_argument("--only", choices=["distance", "lambda0", "kernels"], help="one section")
    ap.add_argument("--cpu", action="store_true",
                    help="one BLAS thread, CPU time of this process (steadier on a busy machine)")
    args = ap.parse_args(argv)
    if args.cpu:
        from threadpoolctl import threadpool_limits

        CLOCK[0] = time.process_time
        with threadpool_limits(limits=1):
            return _sections(args)
    return _sections(args)


def _sections(args) -> None:
    s = 4 if args.quick else 1
    rng = np.random.default_rng(0)
    sections = {"distance": _distance, "lambda0": _lambda0, "kernels": _kernels}
    for name, fn in sections.items():
        if args.only in (None, name):
            fn(rng, s)



def _distance(rng, s: int) -> None:
    n, d = 8000 // s, 784
    X = rng.random((n, d))
    t_pd, ref = best_of(lambda: pdist(X).min(), 1)
    t_us, q = best_of(lambda: min_pairwise_distance(X), 3)
    assert q.lower <= ref <= q.upper
    print(f"min distance n={n} d={d}: pdist {t_pd:.2f}s, blocked {t_us:.2f}s, "
          f"speed-up {t_pd / t_us:.1f}x")



def _lambda0(rng, s: int, repeat: int = 3) -> None:
    """Certified λ0 (tight and fast) against eigvalsh and one Cholesky of the same H^∞: each
    round times all four back to back (so a busy neighbour slows them alike); the ratios are
    per round, reported as their median over ``repeat`` rounds with the load average."""
    n = 5000 // s
    U = rng.standard_normal((n, 64))
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    H, err = relu_gram_h_inf(U, return_error=True)
    ev = float(np.linalg.eigvalsh(H)[0])
    rounds: dict[str, list[float]] = {k: [] for k in
                                      ("eig", "chol", "tight", "fast", "tight/chol", "fast/chol",
                                       "eig/tight")}
    quant = {}
    for _ in range(repeat):
        t_eig, _ = best_of(lambda: np.linalg.eigvalsh(H)[0], 1)
        t_chol, _ = best_of(lambda: cholesky(H, check_finite=False), 1)
        for fast in (False, True):
            t_cert, q = best_of(lambda f=fast: certified_lambda_min(
                H, error_bound=err, exact_limit=0, fast=f, in_place=True), 1)
            assert q.lower <= ev <= q.upper
            key = "fast" if fast else "tight"
            rounds[key].append(t_cert)
            rounds[key + "/chol"].append(t_cert / t_chol)
            quant[key] = q
        rounds["eig"].append(t_eig)
        rounds["chol"].append(t_chol)
        rounds["eig/tight"].append(t_eig / rounds["tight"][-1])
    med = {k: float(np.median(v)) for k, v in rounds.items()}
    load = os.getloadavg()[0]
    clock = "CPU time, 1 thread" if CLOCK[0] is time.process_time else "wall"
    print(f"lambda0 n={n}, median of {repeat} rounds ({clock}; load average {load:.1f} on "
          f"{os.cpu_count()} cores): eigvalsh {med['eig']:.2f}s, one cholesky {med['chol']:.2f}s")
    for key in ("tight", "fast"):
        q = quant[key]
        print(f"  certified {key}: {med[key]:.2f}s = {med[key + '/chol']:.2f}x one cholesky "
              f"(rounds: {', '.join(f'{r:.2f}' for r in rounds[key + '/chol'])}); lower bound "
              f"{q.lower / ev:.5f}·λ; {q.note.split(';')[1].strip()[:60]}")
    print(f"  eigvalsh / certified tight: {med['eig/tight']:.1f}x")



def _kernels(rng, s: int) -> None:
    n, d = 4000 // s, 64
    X = rng.standard_normal((n, d))
    t_mm, _ = best_of(lambda: X @ X.T, 5)
    t_h, _ = best_of(lambda: relu_gram_h_inf(X), 5)
    ntk_relu(X[:FUSED_MIN_SAMPLES], 3)  # load (or compile) the fused kernel outside the timing
    t_k, _ = best_of(lambda: ntk_relu(X, 3), 5)
    t_np, _ = best_of(lambda: ntk_relu(X, 3, compiled=False), 5)
    print(f"kernels n={n} d={d}: X Xᵀ {t_mm * 1e3:.0f}ms, H^∞ {t_h * 1e3:.0f}ms "
          f"({t_h / t_mm:.1f}x), depth-3 NTK {t_k * 1e3:.0f}ms ({t_k / t_mm:.1f}x; "
          f"numpy path {t_np * 1e3:.0f}ms, {t_np / t_mm:.1f}x)")


if __name__ == "__main__":
    main()
