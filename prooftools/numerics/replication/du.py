"""Replication of Du et al. (2019) §5: GD on random sphere data at several widths.

n points uniform on the unit sphere S^{d−1}, labels y_i ~ N(0, 1), full-batch GD with one fixed
step size for every width. The paper's observation: larger m converges faster, flips fewer
activation patterns, and moves the neurons less (max_r ‖w_r(k) − w_r(0)‖).
The paper does not state its step size; we use η = 0.5/λ_max(H^∞) (a stable step for the
linearized dynamics u(k+1) − y = (I − ηH)(u(k) − y) at every width tried), recorded in the output.
"""

from __future__ import annotations

import numpy as np

from prooftools.errors import UserInputError
from prooftools.numerics.kernels.infinite import relu_gram_h_inf as relu_gram_inf
from prooftools.numerics.networks.two_layer.training import run_du
from prooftools.numerics.spectra import lambda_min

__all__ = ["replicate_du", "sphere_data"]

DEFAULT_WIDTHS = (100, 200, 400, 800, 1600, 3200, 6400)
FULL_WIDTHS = (1000, 2000, 4000, 8000, 16000)


def sphere_data(n: int, d: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n points uniform on the unit sphere in R^d (normalized Gaussians) and N(0, 1) labels.

    >>> X, y = sphere_data(3, 5, np.random.default_rng(0))
    >>> np.allclose(np.linalg.norm(X, axis=1), 1.0), y.shape
    (True, (3,))
    """
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = rng.standard_normal(n)
    return X, y


def replicate_du(
    n: int = 200,
    d: int = 200,
    widths: tuple[int, ...] | None = None,
    steps: int = 300,
    seed: int = 0,
    full: bool = False,
    lr: float | None = None,
    stride: int = 5,
    progress: bool | None = None,
) -> dict:
    """Run the §5 experiment and return its data (no files; the figures and the JSON are written
    by :func:`prooftools.reporting.replication_plots.write_du_replication`).

    ``full=True`` switches to the paper's size: n = d = 1000, 100 GD epochs, widths 1000…16000.
    Returned dict: ``config`` (n, d, η, λ0, λ_max(H^∞), seed, widths, steps), ``runs`` (per width:
    iterations, loss at every step, flip_frac and dist_max at the stride, final ntk_min) and
    ``summary`` (final loss / flip_frac / dist_max per width).
    """
    if full:
        n, d, steps = 1000, 1000, 100
        widths = FULL_WIDTHS if widths is None else widths
    widths = tuple(DEFAULT_WIDTHS if widths is None else widths)
    if not widths or any((not isinstance(m, int)) or m < 1 for m in widths):
        raise UserInputError(f"widths must be positive integers, got {widths!r}")
    rng = np.random.default_rng(seed)
    X, y = sphere_data(n, d, rng)
    H_inf = relu_gram_inf(X)
    lam_max = float(np.linalg.eigvalsh(H_inf)[-1])
    lam0 = lambda_min(H_inf)
    eta = 0.5 / lam_max if lr is None else float(lr)
    runs: dict[int, dict] = {}
    for j, m in enumerate(widths):
        tr = run_du(X, y, width=m, steps=steps, lr=eta, seed=seed + 1 + j, stride=stride,
                    expensive_stride=max(steps, 1), progress=progress)
        ob = tr.observables
        runs[m] = {
            "iterations": tr.iterations.tolist(),
            "loss_all": (0.5 * tr.dense["resid_sq"]).tolist(),
            "flip_frac": ob["flip_frac"].tolist(),
            "dist_max": ob["dist_max"].tolist(),
            "ntk_min_final": float(ob["ntk_min"][-1]),
            "ntk_init_dev": float(tr.scalars["ntk_init_dev"]),
        }
    summary = {
        "widths": list(widths),
        "final_loss": [runs[m]["loss_all"][-1] for m in widths],
        "final_flip_frac": [runs[m]["flip_frac"][-1] for m in widths],
        "final_dist_max": [runs[m]["dist_max"][-1] for m in widths],
    }
    config = {"n": n, "d": d, "steps": steps, "eta": eta, "lambda0": lam0,
              "lambda_max_Hinf": lam_max, "seed": seed, "widths": list(widths), "full": full}
    return {"config": config, "runs": runs, "summary": summary}
