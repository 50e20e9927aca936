"""Planted run functions with known answers, for tests and benchmarks (no theorem is run).

:func:`planted` reads its law from the run configuration's ``options``: seed s at grid point n
holds at width m iff ``m >= c · n**a · exp(noise · z)`` with z a fixed standard normal of (n, s);
``window_lo``/``window_hi`` plant a failing window (a non-monotone predicate) and ``sleep`` makes
each run take that many seconds and ``work`` does that many 256×256 matrix products (benchmarks'
stand-ins for real work). The answer depends only on
(configuration, data), never on which worker ran it.

>>> from prooftools.engines.config import RunConfig
>>> cfg = RunConfig(width=100, options={"c": 1.0, "a": 2.0})
>>> data = (np.zeros((8, 1)), np.zeros(8), "toy")
>>> planted(data, "s", ("t.x",), (), cfg)["targets"]["t.x"]["measured"]
'holds'
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

import numpy as np

from prooftools.checking.verdict import Verdict
from prooftools.engines.config import RunConfig

__all__ = ["planted", "planted_threshold"]


def planted_threshold(n: int, seed: int, c: float, a: float, noise: float) -> float:
    """The per-seed threshold c·n^a·exp(noise·z(n, seed))."""
    h = hashlib.sha256(f"{n}:{seed}".encode()).digest()
    z = np.random.default_rng(int.from_bytes(h[:8], "little")).standard_normal()
    return float(c * n**a * np.exp(noise * z))


def planted(data: tuple, statement: str, targets: tuple[str, ...], theorems: tuple[str, ...],
            config: RunConfig) -> dict[str, Any]:
    """A run whose targets hold above a planted threshold (see the module docstring)."""
    X = np.asarray(data[0])
    n = X.shape[0]
    opt = config.option
    sleep = float(opt("sleep", 0.0) or 0.0)
    if sleep:
        time.sleep(sleep)
    work = int(opt("work", 0) or 0)  # CPU work: that many 256×256 matrix products
    if work:
        a = np.random.default_rng(0).standard_normal((256, 256)) / 16.0
        b = a.copy()
        for _ in range(work):
            b = np.tanh(a @ b)
    t = planted_threshold(n, config.seed, float(opt("c", 1.0)), float(opt("a", 1.0)),
                          float(opt("noise", 0.0)))
    m = int(config.width)
    held = m >= t and not (float(opt("window_lo", 0.0)) <= m < float(opt("window_hi", 0.0)))
    verdict = str(Verdict.HOLDS if held else Verdict.FAILS)
    margin = float(np.log(m / t))
    out = {t_: {"measured": verdict, "verdict": verdict, "margin": margin,
                "first_failure": None, "implied_constants": {}} for t_ in targets}
    obs = float(3.0 / np.sqrt(m) * n ** 0.5)  # an observable ∝ m^-1/2 n^1/2, exactly
    return {"targets": out, "implied_constants": {}, "data": {"n": n},
            "observables": {"planted_obs": {"first": obs, "last": obs, "max": obs, "min": obs}},
            "run": {"threshold": t}, "graph": {}, "versions": {}}
