"""Train a deep ReLU network (Zou et al. or Allen-Zhu et al.) and record the papers' observables.

:func:`run_deep_observed` runs the GD / SGD loop of
:mod:`prooftools.numerics.networks.deep.training`
(:func:`~prooftools.numerics.networks.deep.training.train_deep_loop`, same update rules, same
seeded minibatches) with an observer that records, besides the vocabulary observables ``loss``,
``grad_norm_sq``, ``dist_total``, ``loss_ratio``, the paper-specific ones declared in
``theorems/zou2018.toml`` (``zou_*``) and ``theorems/allenzhu2019.toml`` (``az_*``), named
exactly as declared. Observables at initialization are ``scalars``; observables that take a
non-index argument (``zou_small_preact(β)``, ``zou_signal_frac(c)``) are the trajectory's
``functions``.

Spectral norms of matrices whose smaller side exceeds 64 use 30 power iterations from a fixed
start, a lower estimate of ‖·‖₂ (exact SVD below that size). Running maxima
(``zou_dist_spec_path``, ``az_dist_path``) are maxima over the recorded iterations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from prooftools.errors import UserInputError
from prooftools.numerics.networks.deep.network import (
    MARGIN_LOSSES,
    ZOU,
    DeepReLUNet,
    loss_value,
    margin_loss,
)
from prooftools.numerics.networks.deep.training import StepState, gd_dense, train_deep_loop
from prooftools.numerics.observables import Observable
from prooftools.numerics.spectra import spectral_norm
from prooftools.numerics.trajectory import Trajectory

__all__ = ["run_deep_observed", "spec_norm"]


def spec_norm(A: np.ndarray) -> float:
    """‖A‖₂ of a layer-sized matrix (exact up to 64, ARPACK Lanczos above; ∞ on overflow).

    >>> spec_norm(np.diag([3.0, 1.0]))
    3.0
    """
    return spectral_norm(A, exact_max_dim=64, iters=30, nonfinite_as_inf=True)


def _pairwise_normalized(H: np.ndarray) -> np.ndarray:
    nrm = np.linalg.norm(H, axis=1, keepdims=True)
    U = H / np.where(nrm > 0, nrm, 1.0)
    return U @ U.T


def _init_scalars(net: DeepReLUNet, fwd, y: np.ndarray) -> dict[str, float]:
    n = fwd.out.shape[0]
    hidden = fwd.post[1:]  # x_{l,i}, l = 1..L (Allen-Zhu: h_0..h_L)
    norms = np.stack([np.linalg.norm(h, axis=1) for h in hidden])
    if net.parameterization == ZOU:
        yy = np.asarray(y, float).reshape(-1)
        opp = yy[:, None] != yy[None, :]
        off = ~np.eye(n, dtype=bool)
        sep, inner = np.inf, np.inf
        for h in hidden:
            G = _pairwise_normalized(h)
            dist = np.sqrt(np.maximum(2.0 - 2.0 * G, 0.0))
            if opp.any():
                sep = min(sep, float(dist[opp].min()))
            if off.any():
                inner = min(inner, float(G[off].min()))
        return {"zou_hnorm_dev": float(np.max(np.abs(norms - 1.0))), "zou_sep_feat": sep,
                "zou_inner_min": inner, "zou_out_init": float(np.max(np.abs(fwd.out)))}
    return {"az_hnorm_min": float(norms.min()), "az_hnorm_max": float(norms.max())}


def _init_functions(net: DeepReLUNet, fwd, y: np.ndarray) -> dict[str, Callable[..., float]]:
    if net.parameterization != ZOU:
        return {}
    pre = [p.copy() for p in fwd.pre]
    yy = np.asarray(y, float).reshape(-1)
    n = yy.size
    _, dl = margin_loss(net.loss, yy * fwd.out[:, 0]) if net.loss in MARGIN_LOSSES else (None, None)

    def small_preact(beta: float) -> float:
        return max(float(np.max(np.sum(np.abs(p) <= beta, axis=1))) / p.shape[1] ** 1.5
                   for p in pre)

    def signal_frac(c: float) -> float:
        if dl is None:
            return float("nan")
        a = np.abs(dl)
        V = fwd.post[-2].T @ ((a * yy)[:, None] * (pre[-1] > 0)) / n  # (m_{L-1}, m_L)
        return float(np.mean(np.linalg.norm(V, axis=0) >= c * a.max() / n))

    return {"zou_small_preact": small_preact, "zou_signal_frac": signal_frac}


#: Every observable of the deep runs, declared once (cost, summary direction, shape).
OBSERVABLES = (
    *(Observable(name) for name in (
        "loss", "loss_ratio", "grad_norm_sq", "dist_total",
        "az_dist_max", "az_dist_path", "az_flip_max", "az_h_dev", "az_semismooth_resid",
        "az_step_spec",
        "zou_W_norm", "zou_batch_sum_lprime", "zou_dist_spec_max", "zou_dist_spec_path",
        "zou_dist_spec_sum", "zou_flip_last_any", "zou_flip_max", "zou_gradL_fro_sq",
        "zou_grad_spec_max", "zou_hidden_dev", "zou_margin_inc_max", "zou_sgrad_spec_max",
        "zou_sum_lprime")),
    *(Observable(name, shape="scalar") for name in (
        "az_hnorm_max", "zou_hnorm_dev", "zou_out_init", "zou_sep_feat")),
    Observable("az_hnorm_min", summary="min", shape="scalar"),
    Observable("zou_inner_min", summary="min", shape="scalar"),
    *(Observable(name, shape="function") for name in ("zou_signal_frac", "zou_small_preact")),
)


class PaperObserver:
    """Zou et al.'s ``zou_*`` or Allen-Zhu et al.'s ``az_*`` observables at a recorded step
    (:data:`OBSERVABLES`, and the methods marked with
    :func:`~prooftools.numerics.observables.observable`: ``(self, state: StepState) -> float``).
    """

    OBSERVABLES = OBSERVABLES

    def __init__(self, net: DeepReLUNet, y: np.ndarray) -> None:
        self.zou = net.parameterization == ZOU
        self.y = y
        self.path_max = 0.0
        self.out_prev: np.ndarray | None = None

    def observe(self, s: StepState) -> dict[str, float]:
        net, grads, yy = s.net, s.grads, self.y
        tr = net.trained_indices
        diffs = [net.layers[j] - s.net0.layers[j] for j in tr]
        dspec = [spec_norm(D) for D in diffs]
        out = {"grad_norm_sq": sum(float(np.sum(grads[j] ** 2)) for j in tr),
               "dist_total": np.sqrt(sum(float(np.sum(D * D)) for D in diffs))}
        self.path_max = max(self.path_max, max(dspec))
        pats = s.fwd.patterns(net.strict)
        flips = [np.mean(pats[j] != s.pat0[j], axis=1) for j in range(len(net.layers))]
        hid = max(float(np.max(np.linalg.norm(s.fwd.post[j + 1] - s.fwd0.post[j + 1], axis=1)))
                  for j in range(len(net.layers)))
        flip_max = max(float(f.max()) for f in flips)
        if s.update is not None:
            self.out_prev = s.fwd.out[:, 0].copy()
        if not self.zou:
            step_spec = (max(spec_norm(d) for d in s.update.values()) if s.update is not None
                         else float("nan"))
            return {**out, "az_dist_max": max(dspec), "az_dist_path": self.path_max,
                    "az_step_spec": step_spec, "az_h_dev": hid, "az_flip_max": flip_max}
        _, dl = margin_loss(net.loss, yy * s.fwd.out[:, 0])
        sgrads = grads if s.batch is None else s.batch_grads
        sdl = dl if s.batch is None else dl[s.batch]
        return {
            **out,
            "zou_dist_spec_max": max(dspec),
            "zou_dist_spec_path": self.path_max,
            "zou_dist_spec_sum": sum(dspec),
            "zou_flip_max": flip_max,
            "zou_flip_last_any": float(np.mean(np.any(pats[-1] != s.pat0[-1], axis=0))),
            "zou_W_norm": max(spec_norm(net.layers[j]) for j in tr),
            "zou_hidden_dev": hid,
            "zou_gradL_fro_sq": float(np.sum(grads[tr[-1]] ** 2)),
            "zou_sum_lprime": float(np.sum(np.abs(dl))),
            "zou_grad_spec_max": max(spec_norm(grads[j]) for j in tr),
            "zou_batch_sum_lprime": float(np.sum(np.abs(sdl))),
            "zou_sgrad_spec_max": max(spec_norm(sgrads[j]) for j in tr),
        }

    def observe_next(self, s: StepState, nxt: StepState) -> dict[str, float]:
        if not self.zou:
            return {}
        return {"zou_margin_inc_max": float(np.max(self.y * (nxt.fwd.out[:, 0] - self.out_prev)))}


def run_deep_observed(
    net: DeepReLUNet,
    X: np.ndarray,
    y: np.ndarray,
    *,
    eta: float,
    steps: int,
    algorithm: str = "gd",
    batch_size: int | None = None,
    seed: int = 0,
    stride: int = 1,
    progress: bool | None = None,
) -> Trajectory:
    """Train a copy of ``net``; return its trajectory, with the functions of the
    initialization in ``functions``.

    The run stops at the first non-finite loss, which is recorded.

    >>> from prooftools.numerics.networks.deep.network import zou_network, zou_inputs
    >>> X = zou_inputs(np.random.default_rng(0).standard_normal((6, 3)), 0.5)
    >>> y = np.array([1, -1, 1, -1, 1, -1.0])
    >>> tr = run_deep_observed(zou_network(4, 16, depth=2), X, y, eta=0.1, steps=4)
    >>> tr.index.tolist(), bool(tr.observables["zou_dist_spec_max"][0] == 0)
    ([0.0, 1.0, 2.0, 3.0, 4.0], True)
    """
    if algorithm not in ("gd", "sgd"):
        raise UserInputError(f"algorithm must be 'gd' or 'sgd', got {algorithm!r}")
    if not (eta > 0 and np.isfinite(eta)):
        raise UserInputError(f"step size must be a positive finite number, got {eta}")
    X = np.asarray(X, dtype=float)
    n = X.shape[0]
    if algorithm == "sgd" and (batch_size is None or not 1 <= batch_size <= n):
        raise UserInputError(f"SGD needs a batch size 1 <= B <= n = {n}, got {batch_size}")
    yy = np.asarray(y, float).reshape(-1) if net.loss in MARGIN_LOSSES else y
    res = train_deep_loop(net, X, yy, PaperObserver(net, yy), eta=eta, steps=steps,
                          algorithm=algorithm, batch_size=batch_size, seed=seed, every=stride,
                          divergence="loss", progress=progress)
    scalars: dict[str, Any] = _init_scalars(res.net0, res.fwd0, yy)
    functions = _init_functions(res.net0, res.fwd0, yy)
    obs = res.arrays({"semi_smooth_residual": "az_semismooth_resid"})
    dense_index, dense = gd_dense(algorithm, res.dense_loss)
    config = {
        "index": "k", "engine": "deep_verify", "parameterization": net.parameterization,
        "loss_name": net.loss, "reduction": net.reduction, "algorithm": algorithm,
        "eta": float(eta), "steps": int(steps), "stride": int(stride),
        "batch_size": int(batch_size) if algorithm == "sgd" else n,
        "L": len(net.trained_indices), "n": n, "d": int(X.shape[1]),
    }
    return Trajectory(config=config, index=np.asarray(res.k, dtype=float), observables=obs,
                      scalars=scalars, dense_index=dense_index, dense=dense, functions=functions)


def final_loss(net: DeepReLUNet, X: np.ndarray, y: np.ndarray) -> float:
    """Objective at ``net`` (the paper's reduction)."""
    return loss_value(net, X, y)
