"""Lanczos on the inverse of the float32 factor in the certificate's buffer: the estimate θ of
λ_min that the float64 factorisation then proves (:mod:`prooftools.numerics.spectra.certified`),
with the stopping and restart rules that keep its cost near that of one factorisation.
"""


from __future__ import annotations

import math

import numpy as np
from scipy.linalg import eigh

from prooftools.numerics.spectra.cholesky import PANEL, progress_bar
from prooftools.numerics.spectra.krylov import SymWork

#: the most Lanczos steps of :func:`lanczos_inverse32` (two n×this float64 bases)
LANCZOS_MAX_STEPS = 150


def lanczos_inverse32(work: SymWork, rtol: float, seed: int = 1,
                      max_steps: int = LANCZOS_MAX_STEPS,
                      start: np.ndarray | None = None, window: int = 4,
                      restart_steps: float | None = None, sublinear: bool = True,
                      floor: float = -math.inf):
    """Smallest eigenpair of H by single-vector Lanczos (full reorthogonalisation) on
    M̃ ≈ (H − σI)⁻¹, σ = ``work.f32_at``, one float32 solve pair per step (a few ms at
    n = 5000; a block of vectors would cost about the same per step, but on a clustered bottom
    only the polynomial degree counts).

    Stops when the estimated error of θ_k = σ + 1/μ_k (:func:`_lanczos_error`) is below
    ``rtol``/4, or after ``max_steps``. The estimate is a heuristic, never a proof: a stop too
    early only makes the caller's factorisation fail and its fallback run. With
    ``restart_steps`` (what a fresh float32 factor closer to λ_min costs, in steps) it also
    stops, unconverged but with θ within a few per cent, once finishing is predicted
    (:func:`_steps_to_go`) to cost more than twice that plus ten steps, or after that many steps
    (the caller then refactors closer, where convergence is fast). Counting steps, not
    seconds, keeps the result independent of the machine's load.

    The returned θ is the Rayleigh quotient with H itself of v = M̃Qz (the Ritz vector after
    one more inverse step, free: M̃Q is kept), so θ ≥ λ_min up to rounding whatever M̃'s
    errors. ``start``: the first Lanczos vector (default random); ``sublinear``: see
    :func:`_lanczos_error`; ``floor``: stop once θ_k ≤ floor (λ_min at the rounding level:
    no tight bound to refine). Returns (θ, v, steps, estimated relative error of θ; inf if
    unknown); θ = inf when the first solve was not finite (the caller falls back).
    """
    n, sigma = work.n, work.f32_at
    if sigma is None:
        raise RuntimeError("no float32 factor in the buffer")
    steps_max = max(1, min(max_steps, n, LANCZOS_MAX_STEPS))  # the memory budget counts on it
    Q = np.empty((n, steps_max))
    MQ = np.empty((n, steps_max))
    T = np.empty((steps_max, steps_max))
    q = np.random.default_rng(seed).standard_normal(n) if start is None else np.array(start)
    Q[:, 0] = q / np.linalg.norm(q)
    history: list[float] = []
    # a bar with an ETA against the step cap (convergence usually ends it sooner)
    with progress_bar(work.progress if n > PANEL else False, steps_max,
                      f"Lanczos, float32 inverse (n={n})") as bar:
        k, est, z = _lanczos_steps(work, Q, MQ, T, history, rtol, window, restart_steps,
                                   sublinear, floor, bar)
    if k == 0:
        return math.inf, Q[:, 0], 0, math.inf
    v = MQ[:, :k] @ z
    v /= np.linalg.norm(v)
    theta = float(v @ work.matmul(v)[:, 0])
    return theta, v, k, est


def _lanczos_steps(work, Q, MQ, T, history, rtol, window, restart_steps, sublinear, floor,
                   bar):
    """The iteration of :func:`lanczos_inverse32`; returns (steps, error estimate, Ritz
    coefficients of the last step)."""
    sigma, steps_max = work.f32_at, Q.shape[1]
    k, est = 0, math.inf
    z = np.ones(1)
    target = 0.25 * rtol
    while k < steps_max:
        w = work.solve32(Q[:, k])[:, 0]
        if not np.all(np.isfinite(w)):  # float32 overflow: keep what was computed
            est = math.inf
            break
        MQ[:, k] = w
        col = Q[:, : k + 1].T @ w  # T = QᵀM̃Q (its upper triangle: M̃ is nearly symmetric)
        T[: k + 1, k] = col
        T[k, : k + 1] = col
        mu, Z = eigh(T[: k + 1, : k + 1], subset_by_index=[k, k])
        z = Z[:, 0]
        history.append(sigma + 1.0 / float(mu[0]) if mu[0] > 0 else math.inf)
        k += 1
        bar.update(1)
        est = _lanczos_error(history, window, sublinear)
        if est <= target or k == steps_max or history[-1] <= floor:
            break
        if restart_steps is not None and k >= restart_steps:
            break
        # the prediction is a guess (Lanczos may sit on a plateau, then drop: seen at
        # n = 20000), the refactorisation a sure cost: restart on a prediction of twice it
        if (restart_steps is not None and est <= 0.03
                and _steps_to_go(history, window, target) > 2 * restart_steps + 10):
            break
        for _ in range(2):  # full reorthogonalisation, twice is enough
            w = w - Q[:, :k] @ (Q[:, :k].T @ w)
        norm = float(np.linalg.norm(w))
        if not norm > 1e-12 * float(np.linalg.norm(MQ[:, k - 1])):  # invariant subspace
            est = 0.0
            break
        Q[:, k] = w / norm
    return k, est, z


def _steps_to_go(history: list[float], window: int, target: float) -> float:
    """Predicted Lanczos steps until the relative error is ``target``: geometric at the last
    window's rate while the rate is not getting worse, else (convergence slowing down, as on a
    densely populated bottom) as an error falling like 1/k² from :func:`_lanczos_error`'s
    (conservative, 1/k) estimate — the hopeful reading, since a restart is a sure cost. 0 when
    there is too little to say (no restart on a guess)."""
    k = len(history)
    if k < 3 * window + 1 or not target > 0:
        return 0.0
    h3, h2, h1, h0 = (history[-1 - j * window] for j in (3, 2, 1, 0))
    if not (math.isfinite(h3) and h0 > 0 and h2 > h1 and h3 > h2):
        return 0.0
    rate, before = (h1 - h0) / (h2 - h1), (h2 - h1) / (h3 - h2)
    if rate <= before + 0.02:
        geo = _lanczos_error(history, window, sublinear=False)
        if geo <= target:
            return 0.0
        return window * math.log(target / geo) / math.log(min(max(rate, 1e-3), 0.95))
    return k * (math.sqrt(_lanczos_error(history, window) / target) - 1.0)


def _lanczos_error(history: list[float], window: int, sublinear: bool = True) -> float:
    """Relative error estimate of the last Lanczos value from its decrease d over the last
    ``window`` of k steps: the larger of a geometric continuation (at the rate of the window
    before, at most 0.95) and d·k/window, the rest of an error that falls like 1/k — what
    Lanczos does on a densely populated bottom of the spectrum, where the geometric guess alone
    was 2–5× low (``sublinear=False``: the geometric guess only, for a shift close to λ_min,
    where convergence is geometric). inf until 2·window + 1 values exist or while they are not
    finite and positive."""
    k = len(history)
    if k < 2 * window + 1:
        return math.inf
    h2, h1, h0 = history[-1 - 2 * window], history[-1 - window], history[-1]
    if not (math.isfinite(h2) and h0 > 0):
        return math.inf
    d1, d0 = max(h1 - h0, 0.0), h2 - h1
    rate = min(0.95, d1 / d0) if d0 > 0 else 0.95
    return max(d1 * rate / (1.0 - rate), d1 * k / window if sublinear else 0.0) / h0
