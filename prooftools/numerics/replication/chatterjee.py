"""Replicate Chatterjee's comparison: positive initialization vs standard random initialization.

Same data, width and depth; for each seed both initializations are trained by GD with the step
``η = 1/β(x0)`` (power-iteration Hessian norm at the start point, each init its own), and we
record loss curves, steps to ε and the estimated criterion at x0. The figure is drawn by
:func:`prooftools.reporting.replication_plots.plot_chatterjee_replication`.
"""

from __future__ import annotations

import numpy as np

from prooftools.errors import UserInputError
from prooftools.numerics.networks.smooth import network as ch


def default_dataset(n: int = 8, d: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Unit-norm Gaussian inputs (linearly independent a.s. when n ≤ d) and N(0,1) labels."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True), rng.standard_normal(n)


def _steps_to(loss: np.ndarray, eps: float) -> int:
    hit = np.nonzero(loss <= eps)[0]
    return int(hit[0]) if hit.size else -1


def replicate_chatterjee(
    X: np.ndarray,
    y: np.ndarray,
    width: int,
    depth: int,
    seeds: tuple[int, ...] = (0, 1, 2),
    steps: int = 500,
    *,
    activation: str = "tanh",
    s: float = 3.0,
    r: float = 1.0,
    eps: float = 1e-6,
    n_uniform: int = 100,
) -> dict:
    """Compare positive (output scale ``s``) and random initializations across ``seeds``.

    Returns ``{"positive": [...], "random": [...], ...}``; each run entry has
    ``seed, eta, f0, loss (array), steps_to_eps, criterion`` (estimated α on B̄(x0, r)).

    >>> X, y = default_dataset(4, 6)
    >>> out = replicate_chatterjee(X, y, 6, 2, seeds=(0,), steps=50, n_uniform=10)
    >>> len(out["positive"]), len(out["random"])
    (1, 1)
    """
    if not seeds:
        raise UserInputError("give at least one seed")
    prob = ch.SmoothMLP(X, y, width, depth, activation)
    out: dict = {
        "positive": [],
        "random": [],
        "eps": eps,
        "width": width,
        "depth": depth,
        "activation": activation,
        "s": s,
        "r": r,
        "sigma_min_X": ch.linear_independence(prob.X).value,
    }
    for seed in seeds:
        for kind, x0 in (
            ("positive", ch.positive_init(prob, s, seed)),
            ("random", ch.random_init(prob, seed)),
        ):
            beta = ch.hessian_norm(prob, x0, seed=seed)
            eta = 1.0 / beta
            run = ch.gd(prob, x0, eta, steps, keep_path=False)
            f0 = run["loss"][0]
            alpha = ch.estimate_alpha(prob, x0, r, n_uniform=n_uniform, seed=seed).value
            out[kind].append(
                {
                    "seed": seed,
                    "eta": eta,
                    "f0": f0,
                    "loss": run["loss"],
                    "steps_to_eps": _steps_to(run["loss"], eps * f0),
                    "criterion": ch.criterion(f0, alpha, r),
                }
            )
    return out
