"""Engine adapter for the deep ReLU papers: Zou et al. (1811.08888v3) and Allen-Zhu et al.

Zou et al.: binary labels mapped to ±1, inputs ``x ↦ (√(1−μ²) x/‖x‖, μ)`` (Assumption 3.4, μ =
``mu``, default 1/√2), network
:func:`~prooftools.numerics.networks.deep.network.zou_network` (all L layers
trained, He init, fixed ±1 output, mean loss), loss ``cross-entropy`` = logistic log(1+e^{−z})
(default), ``exponential`` or ``smoothed-hinge`` with their Assumption 3.2–4.4 constants. Allen-Zhu
et al.: scalar regression targets, inputs with last coordinate 1/√2, network
:func:`~prooftools.numerics.networks.deep.network.allen_zhu_network` (A, B fixed, summed
square loss).

Parameters given values: ``n, d`` (after the normalization: d includes the constant coordinate),
``m`` (width), ``zou_M``, ``L`` (depth), ``phi`` (opposite-label separation) / ``sep`` (all-pairs),
``norm_min, norm_max, last_coord, y_max, delta, eps, eta, b``, ``K_zou = T_az = steps``, the loss
constants, and the radii actually reached by the run: ``zou_tau`` = max_k zou_dist_spec_max(k),
``az_omega`` = max_k az_dist_max(k) (so the τ/ω-region statements are judged on the region the
run really visited).
"""

from __future__ import annotations

import math

import numpy as np

from prooftools.checking.engines import EngineOptions, EngineResult
from prooftools.errors import UserInputError
from prooftools.numerics.data.datasets import make_dataset

#: Zou et al.'s loss class constants (Assumptions 3.2, 3.3, 4.4), derived in def.cross_entropy.
LOSS_CONSTANTS = {
    "logistic": {"zou_p": 1.0, "zou_alpha0_inv": 2.0, "zou_alpha1": 0.5, "zou_lambda": 0.25,
                 "zou_rho0_inv": 1.0, "zou_rho1": 1.0, "zou_ell0": math.log(2.0)},
    "exponential": {"zou_p": 1.0, "zou_alpha0_inv": 0.0, "zou_alpha1": 1.0,
                    "zou_rho0_inv": 0.0, "zou_rho1": 1.0, "zou_ell0": 1.0},
    "smoothed_hinge": {"zou_p": 0.5, "zou_alpha0_inv": 1.0, "zou_alpha1": math.sqrt(2.0),
                       "zou_lambda": 1.0, "zou_rho0_inv": 1.0, "zou_rho1": math.sqrt(2.0),
                       "zou_ell0": 0.5},
}
_LOSS_NAMES = {"cross-entropy": "logistic", "cross_entropy": "logistic", "logistic": "logistic",
               "exponential": "exponential", "smoothed-hinge": "smoothed_hinge",
               "smoothed_hinge": "smoothed_hinge"}
DEFAULT_STEPS = 50


def _min_dist(X: np.ndarray, mask: np.ndarray | None = None) -> float:
    sq = np.sum(X * X, axis=1)
    D2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * X @ X.T, 0.0)
    sel = ~np.eye(X.shape[0], dtype=bool) if mask is None else mask
    return float(np.sqrt(D2[sel].min())) if sel.any() else float("nan")


def _loss_of(st, opts: EngineOptions, zou: bool) -> str:
    tag = st.tags.get("loss")
    if not zou:
        if opts.loss not in (None, "square", "squared"):
            raise UserInputError(f"{st.id} is a square-loss regression theorem; got --loss "
                                 f"{opts.loss!r}")
        return "squared"
    name = _LOSS_NAMES.get((opts.loss or "cross-entropy").lower())
    if name is None:
        raise UserInputError(f"--loss {opts.loss!r} is not in Zou et al.'s loss class; expected "
                             "cross-entropy, exponential or smoothed-hinge")
    if tag == "cross_entropy" and name != "logistic":
        raise UserInputError(f"{st.id} is stated for the cross-entropy loss; got --loss "
                             f"{opts.loss!r}")
    return name


def _algorithm(registry, ids, opts: EngineOptions) -> str:
    tag = next((registry.get(s).tags.get("algorithm") for s in reversed(ids)
                if registry.get(s).tags.get("algorithm")), "gd")
    algo = opts.algorithm or ("sgd" if opts.batch_size is not None else tag)
    if algo not in ("gd", "sgd"):
        raise UserInputError(f"deep ReLU engines run gd or sgd; got {algo!r}")
    if algo == "sgd" and opts.batch_size is None:
        raise UserInputError(f"{ids[-1]} is an SGD theorem; give the minibatch size with --batch B")
    return algo


def run(registry, st, ids, X, y, opts: EngineOptions) -> EngineResult:
    """Run Zou et al.'s or Allen-Zhu et al.'s network on (X, y) and measure its observables."""
    from prooftools.checking.verify import _theorem_step
    from prooftools.numerics.data.normalize import binary_labels
    from prooftools.numerics.networks.deep.network import allen_zhu_network, zou_inputs, zou_network
    from prooftools.numerics.networks.deep.observed import run_deep_observed

    zou = st.tags.get("network") == "deep_relu_zou" or st.id.startswith("zou2018.")
    if opts.depth is None:
        raise UserInputError(f"{st.id} is a deep-network theorem; give the depth with --depth L")
    if opts.width is None:
        raise UserInputError(f"{st.id}: give the width with --width M")
    L, m = int(opts.depth), int(opts.width)
    changes: list[str] = []
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if zou:
        ds, ch = binary_labels(make_dataset(X, y, name=opts.dataset or "data"))
        y = ds.y
        changes += list(ch)
        if m % 2:
            raise UserInputError(f"Zou et al.'s width must be even (v is half +1, half −1); "
                                 f"got {m}")
    elif y.ndim != 1:
        raise UserInputError(f"{st.id} needs scalar regression targets; got y of shape {y.shape}")
    mu = float(opts.mu) if opts.mu is not None else 1.0 / math.sqrt(2.0)
    Z = zou_inputs(X, mu)
    changes.append(f"unit_norm_last_coord: x ↦ (√(1−μ²) x/‖x‖, μ) with μ = {mu:.6g}; "
                   f"d {X.shape[1]} → {Z.shape[1]}")
    loss = _loss_of(st, opts, zou)
    algo = _algorithm(registry, ids, opts)
    n, d = Z.shape
    norms = np.linalg.norm(Z, axis=1)
    last = Z[:, -1]
    values: dict[str, object] = {
        "n": n, "d": d, "m": m, "L": L, "delta": float(opts.delta),
        "norm_min": float(norms.min()), "norm_max": float(norms.max()),
        "last_coord": float(last[0]) if np.all(last == last[0]) else float("nan"),
        "y_max": float(np.max(np.abs(y))),
        "eps": float(opts.eps) if opts.eps is not None else 0.1,
    }
    steps = int(opts.steps) if opts.steps is not None else DEFAULT_STEPS
    if zou:
        values.update(zou_M=m, K_zou=steps, phi=_min_dist(Z, y[:, None] != y[None, :]),
                      **LOSS_CONSTANTS[loss])
    else:
        values.update(T_az=steps, sep=_min_dist(Z))
    if algo == "sgd":
        if not 1 <= opts.batch_size <= n:
            raise UserInputError(f"--batch must lie in 1..n = {n}; got {opts.batch_size}")
        values["b"] = int(opts.batch_size)
    theorem_eta, eta_source = _theorem_step(registry, [st.id, *reversed(ids[:-1])], values)
    if opts.lr is not None:
        eta, how = float(opts.lr), "user override"
    elif theorem_eta is not None:
        eta, how = theorem_eta, eta_source
    else:
        eta = float(d / (n * L * L * m))
        how = (f"fallback d/(n L² m) = {eta:.4g}: inverse of the semi-smoothness coefficient "
               "O(nL²m/d) with constant 1 (the theorem's step size has an unknown exponent)")
    values["eta"] = eta
    net = (zou_network(d, m, depth=L, loss=loss, seed=opts.seed) if zou
           else allen_zhu_network(d, m, L, loss="squared", seed=opts.seed))
    traj, functions = run_deep_observed(net, Z, y, eta=eta, steps=steps, algorithm=algo,
                                        batch_size=opts.batch_size, seed=opts.seed,
                                        stride=opts.stride, progress=opts.progress)
    key = "zou_dist_spec_path" if zou else "az_dist_path"
    reached = float(np.nanmax(traj.observables[key]))
    lines = []
    if zou:
        values["zou_tau"] = reached
        lines.append(f"zou_tau := max_k max_l ‖W_l(k) − W_l(0)‖₂ = {reached:.4g} (the region "
                     "this run visited)")
    else:
        values["az_omega"] = reached
        lines.append(f"az_omega := max_k az_dist_max(k) = {reached:.4g} (the region this run "
                     "visited)")
    lines.append("spectral norms of matrices larger than 64: 30 power iterations (lower "
                 "estimates)")
    config = {
        "width": m, "depth": L, "steps": steps, "eta": eta, "eta_source": how,
        "theorem_eta": theorem_eta, "algorithm": algo, "batch_size": opts.batch_size,
        "loss": loss, "mu": mu, "n": n, "d": d,
        "normalization": "unit_norm_last_coord",
    }
    if opts.lr is not None:
        config["overridden_eta"] = {"value": eta, "theorem": theorem_eta, "source": eta_source}
    return EngineResult(values=values, trajectory=traj, config=config, changes=changes,
                        functions=functions, lines=lines)
