"""Train a deep ReLU network (Zou et al. or Allen-Zhu et al.) and record the papers' observables.

:func:`run_deep_observed` runs full-batch GD or minibatch SGD exactly as
:mod:`prooftools.numerics.deep_training` does (same update rules, same seeded minibatches) and
records, besides the vocabulary observables ``loss``, ``grad_norm_sq``, ``dist_total``,
``loss_ratio``, the paper-specific ones declared in ``theorems/zou2018.toml`` (``zou_*``) and
``theorems/allenzhu2019.toml`` (``az_*``), named exactly as declared. Observables at
initialization are ``scalars``; observables that take a non-index argument (``zou_small_preact(β)``,
``zou_signal_frac(c)``) are returned as plain functions in ``functions``.

Spectral norms of matrices whose smaller side exceeds 64 use 30 power iterations from a fixed
start, a lower estimate of ‖·‖₂ (exact SVD below that size). Running maxima
(``zou_dist_spec_path``, ``az_dist_path``) are maxima over the recorded iterations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from tqdm import tqdm

from prooftools.errors import UserInputError
from prooftools.numerics.deep import (
    MARGIN_LOSSES,
    ZOU,
    DeepReLUNet,
    forward,
    gradients,
    loss_and_dout,
    margin_loss,
)
from prooftools.numerics.trajectory import Trajectory

__all__ = ["run_deep_observed", "spec_norm"]


def spec_norm(A: np.ndarray, iters: int = 30) -> float:
    """‖A‖₂: exact when min(A.shape) ≤ 64, else power iteration on AᵀA (a lower estimate).

    >>> spec_norm(np.diag([3.0, 1.0]))
    3.0
    """
    if min(A.shape) <= 64:
        return float(np.linalg.norm(A, 2))
    v = np.random.default_rng(0).standard_normal(A.shape[1])
    v /= np.linalg.norm(v)
    s = 0.0
    for _ in range(iters):
        w = A.T @ (A @ v)
        nw = float(np.linalg.norm(w))
        if nw == 0 or not np.isfinite(nw):
            return 0.0 if nw == 0 else float("inf")
        s, v = np.sqrt(nw), w / nw
    return float(s)


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
    progress: bool | None = False,
) -> tuple[Trajectory, dict[str, Callable[..., float]]]:
    """Train a copy of ``net`` and return (trajectory, functions of the initialization).

    >>> from prooftools.numerics.deep import zou_network, zou_inputs
    >>> X = zou_inputs(np.random.default_rng(0).standard_normal((6, 3)), 0.5)
    >>> y = np.array([1, -1, 1, -1, 1, -1.0])
    >>> tr, fn = run_deep_observed(zou_network(4, 16, depth=2), X, y, eta=0.1, steps=4)
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
    zou = net.parameterization == ZOU
    yy = np.asarray(y, float).reshape(-1) if net.loss in MARGIN_LOSSES else y
    rng = np.random.default_rng(seed)
    net0, net = net.copy(), net.copy()
    tr = net.trained_indices
    fwd0 = forward(net0, X)
    pat0 = fwd0.patterns(net.strict)
    scalars: dict[str, Any] = _init_scalars(net0, fwd0, yy)
    functions = _init_functions(net0, fwd0, yy)
    rec: dict[str, list[float]] = {}
    ks: list[float] = []
    dense_loss: list[float] = []
    pending: tuple | None = None  # (record index, loss_k, <grad, step>, out_k)
    path_max = 0.0

    def put(key: str, i: int, val: float) -> None:
        col = rec.setdefault(key, [])
        while len(col) <= i:
            col.append(float("nan"))
        col[i] = float(val)

    for k in tqdm(range(steps + 1), disable=not progress or None, desc=f"{algorithm} deep"):
        is_rec = k % stride == 0 or k == steps
        loss_k, grads, fwd = gradients(net, X, yy)
        if algorithm == "gd":
            dense_loss.append(loss_k)
        if pending is not None:
            i, l_prev, inner, out_prev = pending
            put("loss_ratio", i, loss_k / l_prev if l_prev > 0 else float("nan"))
            put("az_semismooth_resid", i, loss_k - l_prev - inner)
            if zou:
                put("zou_margin_inc_max", i, float(np.max(yy * (fwd.out[:, 0] - out_prev))))
            pending = None
        if not np.isfinite(loss_k):
            if is_rec or not ks or ks[-1] != k:
                ks.append(k)
                put("loss", len(ks) - 1, loss_k)
            break
        if algorithm == "sgd":
            idx = rng.choice(n, size=batch_size, replace=False)
            _, gb, _ = gradients(net, X[idx], yy[idx])
            factor = 1.0 if net.reduction == "mean" else n / batch_size
            step = {j: -eta * factor * gb[j] for j in tr}
        else:
            idx, gb = None, grads
            step = {j: -eta * grads[j] for j in tr}
        if is_rec:
            i = len(ks)
            ks.append(k)
            put("loss", i, loss_k)
            put("grad_norm_sq", i, sum(float(np.sum(grads[j] ** 2)) for j in tr))
            diffs = [net.layers[j] - net0.layers[j] for j in tr]
            dspec = [spec_norm(D) for D in diffs]
            put("dist_total", i, np.sqrt(sum(float(np.sum(D * D)) for D in diffs)))
            path_max = max(path_max, max(dspec))
            pats = fwd.patterns(net.strict)
            flips = [np.mean(pats[j] != pat0[j], axis=1) for j in range(len(net.layers))]
            hid = max(float(np.max(np.linalg.norm(fwd.post[j + 1] - fwd0.post[j + 1], axis=1)))
                      for j in range(len(net.layers)))
            step_spec = max(spec_norm(s) for s in step.values()) if k < steps else float("nan")
            if zou:
                put("zou_dist_spec_max", i, max(dspec))
                put("zou_dist_spec_path", i, path_max)
                put("zou_dist_spec_sum", i, sum(dspec))
                put("zou_flip_max", i, max(float(f.max()) for f in flips))
                put("zou_flip_last_any", i, float(np.mean(np.any(pats[-1] != pat0[-1], axis=0))))
                put("zou_W_norm", i, max(spec_norm(net.layers[j]) for j in tr))
                put("zou_hidden_dev", i, hid)
                put("zou_gradL_fro_sq", i, float(np.sum(grads[tr[-1]] ** 2)))
                _, dl = margin_loss(net.loss, yy * fwd.out[:, 0])
                put("zou_sum_lprime", i, float(np.sum(np.abs(dl))))
                put("zou_grad_spec_max", i, max(spec_norm(grads[j]) for j in tr))
                if algorithm == "sgd":
                    put("zou_batch_sum_lprime", i, float(np.sum(np.abs(dl[idx]))))
                    put("zou_sgrad_spec_max", i, max(spec_norm(gb[j]) for j in tr))
                else:
                    put("zou_batch_sum_lprime", i, float(np.sum(np.abs(dl))))
                    put("zou_sgrad_spec_max", i, max(spec_norm(grads[j]) for j in tr))
            else:
                put("az_dist_max", i, max(dspec))
                put("az_dist_path", i, path_max)
                put("az_step_spec", i, step_spec)
                put("az_h_dev", i, hid)
                put("az_flip_max", i, max(float(f.max()) for f in flips))
            if k < steps:
                inner = float(sum(np.sum(grads[j] * step[j]) for j in tr))
                pending = (i, loss_k, inner, fwd.out[:, 0].copy())
        if k == steps:
            break
        for j in tr:
            net.layers[j] += step[j]
    m = len(ks)
    obs = {key: np.array((col + [float("nan")] * m)[:m], dtype=float) for key, col in rec.items()}
    dense_index, dense = None, {}
    if algorithm == "gd" and dense_loss:
        dl_arr = np.asarray(dense_loss, dtype=float)
        dense_index = np.arange(dl_arr.size, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            dense = {"loss": dl_arr, "loss_ratio": np.append(dl_arr[1:] / dl_arr[:-1], np.nan)}
    config = {
        "index": "k", "engine": "deep_verify", "parameterization": net.parameterization,
        "loss_name": net.loss, "reduction": net.reduction, "algorithm": algorithm,
        "eta": float(eta), "steps": int(steps), "stride": int(stride),
        "batch_size": int(batch_size) if algorithm == "sgd" else n,
        "L": len(tr), "n": n, "d": int(X.shape[1]),
    }
    traj = Trajectory(config=config, index=np.asarray(ks, dtype=float), observables=obs,
                      scalars=scalars, dense_index=dense_index, dense=dense)
    return traj, functions


def final_loss(net: DeepReLUNet, X: np.ndarray, y: np.ndarray) -> float:
    """Objective at ``net`` (the paper's reduction)."""
    return loss_and_dout(net, forward(net, X).out, y)[0]
