"""Replicate Chatterjee's claim: positive initialization can substantially accelerate GD.

The claim (arXiv 2203.16462, abstract): for a deep network with smooth strictly increasing
activation, fixed width and depth and linearly independent inputs, GD started at the explicit
positive construction (first layer 0, hidden weights > 0, output weights large) converges fast to
a global minimum. The fair test here, fixed in advance and not tuned to a result:

- **Same step-size policy for both initializations**, in two variants: ``own`` (each at
  η = 1/β(x0), β = ‖∇²f(x0)‖ by power iteration at its own start: the step that maximizes the
  descent-lemma decrease η(1 − βη/2)) and ``common`` (both at the smaller of the two, a step
  either start tolerates).
- **Steps to reach and stay** below ε·f(x0): the first k after which every recorded loss up to the
  horizon is ≤ ε·f(x0) (:func:`steps_to_stay`); a run still above at the horizon is *censored*.
- **Paired seeds** (≥ 10 by default): seed i draws the data (unit-norm Gaussian inputs with d ≥ n,
  so linearly independent, N(0, 1) labels) and both initializations; the speed-up of seed i is
  T_random/T_positive and the summary is their geometric mean with a seeded 95% percentile
  bootstrap interval over seeds (:func:`speedup_summary`).
- **Verdict** per size and policy: ``reproduced`` when the interval lies above 1 (no positive run
  censored), ``reversed`` when it lies below 1 (no random run censored), otherwise
  ``not reproduced``. A censored run counts as horizon + 1 steps, a lower bound on its true count.

BLAS is pinned to one thread (threadpoolctl): these matrices are tiny and threading only adds
contention (measured 60x slower GD on two shared cores). Figure:
:func:`prooftools.reporting.replication_plots.plot_chatterjee_replication`.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from prooftools.errors import UserInputError
from prooftools.numerics.networks.smooth import network as ch

__all__ = [
    "DEFAULT_SEEDS",
    "DEFAULT_SIZES",
    "DEFAULT_STEPS",
    "FULL_SEEDS",
    "FULL_SIZES",
    "FULL_STEPS",
    "POLICIES",
    "Size",
    "as_json",
    "default_dataset",
    "replicate_chatterjee",
    "speedup_summary",
    "steps_to_stay",
]

POLICIES = ("own", "common")


@dataclass(frozen=True)
class Size:
    """One problem size: n samples in d dimensions (d ≥ n), ``width`` neurons, ``depth`` layers."""

    n: int
    d: int
    width: int
    depth: int

    def label(self) -> str:
        return f"n={self.n}, d={self.d}, m={self.width}, L={self.depth}"


#: fixed before any run (not tuned): d = 2n (linearly independent inputs), modest fixed widths
DEFAULT_SIZES = (Size(6, 12, 16, 3), Size(10, 20, 32, 3))
FULL_SIZES = (*DEFAULT_SIZES, Size(20, 40, 64, 3), Size(10, 20, 32, 5))
DEFAULT_SEEDS, FULL_SEEDS = 10, 20
DEFAULT_STEPS, FULL_STEPS = 1000, 2000


def default_dataset(n: int = 8, d: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Unit-norm Gaussian inputs (linearly independent a.s. when n ≤ d) and N(0,1) labels."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True), rng.standard_normal(n)


def steps_to_stay(loss: np.ndarray, threshold: float) -> int | None:
    """First k with loss[j] ≤ threshold for every j ≥ k of the record; None if the last recorded
    loss is above it (or not finite). Unlike the first touch, a curve that dips below and climbs
    back is not counted until it stays.

    >>> steps_to_stay(np.array([4.0, 0.5, 2.0, 0.6, 0.4, 0.3]), 1.0)
    3
    >>> steps_to_stay(np.array([4.0, 0.5, 2.0]), 1.0) is None
    True
    """
    above = np.nonzero(~(np.asarray(loss) <= threshold))[0]  # NaN counts as above
    if above.size == 0:
        return 0
    k = int(above[-1]) + 1
    return k if k < len(loss) else None


def speedup_summary(
    t_positive: Sequence[int | None],
    t_random: Sequence[int | None],
    horizon: int,
    *,
    n_boot: int = 4000,
    level: float = 0.95,
    seed: int = 0,
) -> dict:
    """Paired speed-up T_random/T_positive: geometric mean, bootstrap interval, verdict.

    Censored runs (None) count as ``horizon + 1`` steps. The verdict is ``reproduced`` only when
    the interval is above 1 and no positive run was censored (a censored positive run would
    inflate the ratio), ``reversed`` only when it is below 1 and no random run was censored.

    >>> s = speedup_summary([10] * 10, [40] * 10, 100)
    >>> s["speedup"], s["verdict"]
    (4.0, 'reproduced')
    >>> speedup_summary([40] * 10, [40] * 10, 100)["verdict"]
    'not reproduced'
    """
    if len(t_positive) != len(t_random) or not t_positive:
        raise UserInputError("need the same positive number of positive and random runs")
    cap = horizon + 1
    tp = np.array([cap if t is None else max(int(t), 1) for t in t_positive], float)
    tr = np.array([cap if t is None else max(int(t), 1) for t in t_random], float)
    logr = np.log(tr / tp)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, logr.size, size=(n_boot, logr.size))
    boot = logr[idx].mean(axis=1)
    lo, hi = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2])
    cens_p = sum(t is None for t in t_positive)
    cens_r = sum(t is None for t in t_random)
    if lo > 0 and cens_p == 0:
        verdict = "reproduced"
    elif hi < 0 and cens_r == 0:
        verdict = "reversed"
    else:
        verdict = "not reproduced"
    return {
        "speedup": float(np.exp(logr.mean())),
        "interval": [float(np.exp(lo)), float(np.exp(hi))],
        "level": level,
        "per_seed": [float(v) for v in np.exp(logr)],
        "median_steps_positive": float(np.median(tp)),
        "median_steps_random": float(np.median(tr)),
        "censored_positive": int(cens_p),
        "censored_random": int(cens_r),
        "positive_faster_in": int(np.sum(logr > 0)),
        # censored random runs only (counted as horizon + 1): the true speed-up is larger
        "lower_bound": bool(cens_r > 0 and cens_p == 0),
        "seeds": int(logr.size),
        "verdict": verdict,
    }


def _one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _run(prob, x0, eta, steps, eps) -> dict:
    run = ch.gd(prob, x0, eta, steps, keep_path=False, rel_floor=0.0)
    loss = run.observables["loss"]
    f0 = float(loss[0])
    return {"eta": float(eta), "f0": f0, "loss": loss, "steps": steps_to_stay(loss, eps * f0),
            "first_touch": _first_touch(loss, eps * f0)}


def _first_touch(loss: np.ndarray, threshold: float) -> int | None:
    hit = np.nonzero(loss <= threshold)[0]
    return int(hit[0]) if hit.size else None


def _one_size(size: Size, seeds, steps, activation, s, r, eps, n_uniform, progress) -> dict:
    runs = {p: {"positive": [], "random": []} for p in POLICIES}
    crit = []
    for seed in seeds:
        X, y = default_dataset(size.n, size.d, seed=seed)
        prob = ch.SmoothMLP(X, y, size.width, size.depth, activation)
        starts = {"positive": ch.positive_init(prob, s, seed), "random": ch.random_init(prob, seed)}
        beta = {k: ch.hessian_norm(prob, x0, seed=seed) for k, x0 in starts.items()}
        own = {k: _run(prob, x0, 1.0 / beta[k], steps, eps) for k, x0 in starts.items()}
        eta_c = min(1.0 / beta["positive"], 1.0 / beta["random"])
        for kind, x0 in starts.items():
            rec = {"seed": seed, "beta": beta[kind], "sigma_min_X":
                   ch.linear_independence(X).value}
            runs["own"][kind].append({**rec, **own[kind]})
            same = own[kind]["eta"] == eta_c
            runs["common"][kind].append({**rec, **(own[kind] if same
                                                   else _run(prob, x0, eta_c, steps, eps))})
        if n_uniform:
            x0 = starts["positive"]
            alpha = ch.estimate_alpha(prob, x0, r, n_uniform=n_uniform, seed=seed).value
            crit.append(ch.criterion(float(prob.loss(x0)), alpha, r)["satisfied"])
        if progress is not None:
            progress.update(1)
    summary = {p: speedup_summary([x["steps"] for x in runs[p]["positive"]],
                                  [x["steps"] for x in runs[p]["random"]], steps)
               for p in POLICIES}
    return {"size": size, "runs": runs, "summary": summary,
            "criterion_holds": int(sum(crit)), "criterion_checked": len(crit)}


def replicate_chatterjee(
    sizes: Sequence[Size] = DEFAULT_SIZES,
    seeds: Sequence[int] = tuple(range(DEFAULT_SEEDS)),
    steps: int = DEFAULT_STEPS,
    *,
    activation: str = "tanh",
    s: float = 3.0,
    r: float = 1.0,
    eps: float = 1e-6,
    n_uniform: int = 20,
    progress: bool | None = False,
) -> dict:
    """Positive (output scale ``s``) vs random (LeCun Gaussian) initialization at every size.

    Returns ``{"sizes": [per size: size, runs[policy][init] (seed, beta, eta, f0, loss, steps,
    first_touch), summary[policy] (:func:`speedup_summary`), criterion_holds/checked], "verdict":
    overall sentence, "reproduced_at": [size labels], "config": {...}}``. ``criterion_holds``
    counts seeds whose positive start meets the estimated 4f(x0) < r²α(x0, r) (α estimated from
    ``n_uniform`` ball points: an upper bound, so "satisfied" is only estimated).

    >>> out = replicate_chatterjee([Size(3, 6, 4, 2)], seeds=(0, 1), steps=40, n_uniform=0)
    >>> sorted(out["sizes"][0]["summary"]), out["sizes"][0]["summary"]["own"]["seeds"]
    (['common', 'own'], 2)
    """
    seeds = tuple(int(x) for x in seeds)
    if not seeds:
        raise UserInputError("give at least one seed")
    if not (isinstance(steps, int) and steps >= 1):
        raise UserInputError(f"steps must be a positive integer, got {steps!r}")
    if not 0 < eps < 1:
        raise UserInputError(f"eps must be in (0, 1), got {eps!r}")
    for sz in sizes:
        if sz.d < sz.n:
            raise UserInputError(f"size {sz.label()}: the claim needs linearly independent "
                                 "inputs, so d ≥ n")
    bar = None
    if progress is not False:
        from prooftools.progress import bar as progress_bar

        bar = progress_bar(len(sizes) * len(seeds), progress, "replicate chatterjee",
                           leave=True)
    try:
        with _one_blas_thread():
            per = [_one_size(sz, seeds, steps, activation, s, r, eps, n_uniform, bar)
                   for sz in sizes]
    finally:
        if bar is not None:
            bar.close()
    good = [p["size"].label() + f" ({pol} step)" for p in per for pol in POLICIES
            if p["summary"][pol]["verdict"] == "reproduced"]
    if good and len(good) == len(per) * len(POLICIES):
        verdict = ("speed-up reproduced at every size tried, with both step-size policies: "
                   + "; ".join(p["size"].label() for p in per))
    elif good:
        verdict = "speed-up reproduced at: " + "; ".join(good) + " (not at the others)"
    else:
        verdict = "speed-up NOT reproduced at any size tried (either step-size policy)"
    return {
        "sizes": per,
        "verdict": verdict,
        "reproduced_at": good,
        "config": {"activation": activation, "s": s, "r": r, "eps": eps, "steps": steps,
                   "seeds": list(seeds), "n_uniform": n_uniform,
                   "init_positive": "W_1 = 0, hidden U(0.5, 1.5)/m, output s·U(0.5, 1.5)",
                   "init_random": "LeCun Gaussian N(0, 1/fan_in)",
                   "data": "unit-norm Gaussian inputs, d ≥ n, N(0,1) labels; seed i draws data "
                           "and both initializations",
                   "loss": "f = (1/n) Σ (y_i − out_i)²"},
    }


def as_json(result: dict) -> dict:
    """``result`` with arrays as lists and sizes as dicts (for the JSON file)."""
    def conv(v):
        if isinstance(v, np.ndarray):
            return [None if not math.isfinite(float(x)) else float(x) for x in v]
        if isinstance(v, Size):
            return {"n": v.n, "d": v.d, "width": v.width, "depth": v.depth}
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [conv(x) for x in v]
        if isinstance(v, np.generic):
            return v.item()
        return v
    return conv(result)
