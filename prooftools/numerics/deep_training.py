"""Full-batch GD and minibatch SGD for deep ReLU networks, recording observables at a stride.

Updates follow the papers: Zou et al. (1811.08888v3 §3.3) ``W_l ← W_l − η ∇_{W_l} L_S`` with the
mean loss, SGD gradient ``(1/B) Σ_{i∈batch} ∇ℓ_i``; Allen-Zhu et al. ``W ← W − η ∇F`` with the
summed loss, SGD ``W ← W − η (n/b) Σ_{i∈S_t} ∇F_i``. In both cases the stochastic gradient is the
unbiased estimate of the full objective's gradient; minibatches are uniform subsets of ``[n]``
without replacement, drawn from a seeded generator.

Recorded observables (names from ``theorems/vocabulary.toml`` where one exists):
``loss``, ``train_error``, ``grad_norm_sq``, ``dist_layer`` / ``dist_layer_fro`` / ``flip_layer``
(arrays ``(records, trained layers)``, columns labelled by ``layer_labels``), ``dist_total``,
``ntk_min`` (NaN where not computed), ``loss_ratio`` (loss(k+1)/loss(k)), and — not yet in the
vocabulary — ``semi_smooth_residual`` = L(W_{k+1}) − L(W_k) − ⟨∇L(W_k), W_{k+1} − W_k⟩ for the
actual step, with ``step_norm_fro`` (‖W_{k+1} − W_k‖_F over all trained layers) and
``step_norm_spec`` (max over layers of ‖ΔW_l‖₂), for the semi-smoothness probe (Allen-Zhu Thm 4).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from tqdm import tqdm

from prooftools.errors import UserInputError
from prooftools.numerics.deep import (
    DeepReLUNet,
    forward,
    gradients,
    loss_and_dout,
    spectral_norm,
    train_error,
)
from prooftools.numerics.deep_ntk import ntk_lambda_min
from prooftools.numerics.trajectory import Trajectory


def _layer_stats(net: DeepReLUNet, net0: DeepReLUNet, fwd, pat0, spectral: bool):
    tr = net.trained_indices
    dspec, dfro = [], []
    for j in tr:
        D = net.layers[j] - net0.layers[j]
        dfro.append(float(np.linalg.norm(D)))
        dspec.append(spectral_norm(D) if spectral else float("nan"))
    pats = fwd.patterns(net.strict)
    flips = [float(np.mean(pats[j] != pat0[j])) for j in tr]
    return dspec, dfro, flips


def run_deep(
    net: DeepReLUNet,
    X: np.ndarray,
    y: np.ndarray,
    *,
    eta: float,
    steps: int,
    algorithm: str = "gd",
    batch_size: int | None = None,
    seed: int = 0,
    record_every: int = 1,
    ntk_every: int | None = None,
    spectral: bool = True,
    eps: float | None = None,
    stop_at_eps: bool = False,
    progress: bool = False,
) -> dict[str, Any]:
    """Train ``net`` (a copy; the argument is not modified) and return a dict of arrays.

    :func:`train_deep` wraps this into a :class:`~prooftools.numerics.trajectory.Trajectory`.

    Every key of the result holds one entry per recorded step ``k`` (``result["k"]``); scalars:
    ``iters_to_eps`` (first k with loss(k) ≤ eps, −1 if never; checked every step for GD and at
    recorded steps for SGD), ``final_net`` (the trained copy), ``net0``, ``eta``, ``algorithm``,
    ``batch_size``, ``layer_labels``.

    >>> from prooftools.numerics.deep import zou_network, zou_inputs
    >>> X = zou_inputs(np.random.default_rng(0).standard_normal((6, 3)), 0.5)
    >>> y = np.array([1, -1, 1, -1, 1, -1.0])
    >>> tr = run_deep(zou_network(4, 16, depth=2), X, y, eta=0.1, steps=20, record_every=5)
    >>> tr["k"].tolist(), bool(tr["loss"][-1] < tr["loss"][0])
    ([0, 5, 10, 15, 20], True)
    """
    if algorithm not in ("gd", "sgd"):
        raise UserInputError(f"algorithm must be 'gd' or 'sgd', got {algorithm!r}")
    if not (eta > 0 and np.isfinite(eta)):
        raise UserInputError(f"step size eta must be a positive finite number, got {eta}")
    if steps < 0 or record_every < 1:
        raise UserInputError("steps must be >= 0 and record_every >= 1")
    X = np.asarray(X, dtype=net.layers[0].dtype)
    y = np.asarray(y)
    n = X.shape[0]
    if algorithm == "sgd":
        if batch_size is None or not 1 <= batch_size <= n:
            raise UserInputError(f"SGD needs 1 <= batch_size <= n = {n}, got {batch_size}")
    rng = np.random.default_rng(seed)
    net0 = net.copy()
    net = net.copy()
    tr = net.trained_indices
    fwd0 = forward(net0, X)
    pat0 = fwd0.patterns(net.strict)

    keys = (
        "k loss train_error grad_norm_sq dist_total ntk_min loss_ratio semi_smooth_residual "
        "step_norm_fro step_norm_spec dist_layer dist_layer_fro flip_layer"
    ).split()
    rec: dict[str, list] = {key: [] for key in keys}
    iters_to_eps = -1
    dense_loss: list[float] = []
    pending = None  # (record index, loss_k, <grad, step>) waiting for loss(k+1)

    def record_step(k, loss_k, grads, fwd):
        rec["k"].append(k)
        rec["loss"].append(loss_k)
        rec["train_error"].append(train_error(net, fwd.out, y))
        rec["grad_norm_sq"].append(float(sum(np.sum(grads[j] ** 2) for j in tr)))
        ds, df, fl = _layer_stats(net, net0, fwd, pat0, spectral)
        rec["dist_layer"].append(ds)
        rec["dist_layer_fro"].append(df)
        rec["flip_layer"].append(fl)
        rec["dist_total"].append(float(np.sqrt(np.sum(np.square(df)))))
        do_ntk = ntk_every is not None and (k % ntk_every == 0 or k == steps)
        rec["ntk_min"].append(ntk_lambda_min(net, X, fwd) if do_ntk else float("nan"))
        for key in ("loss_ratio", "semi_smooth_residual", "step_norm_fro", "step_norm_spec"):
            rec[key].append(float("nan"))

    for k in tqdm(range(steps + 1), disable=not progress or None, desc=f"{algorithm} deep"):
        is_rec = k % record_every == 0 or k == steps
        if algorithm == "gd" or is_rec:
            loss_k, grads, fwd = gradients(net, X, y)
        else:
            loss_k = None
        if algorithm == "gd":
            dense_loss.append(loss_k)
        if pending is not None and loss_k is None:
            fwd = forward(net, X)
            loss_k = loss_and_dout(net, fwd.out, y)[0]
        if pending is not None:
            i, l_prev, inner = pending
            rec["loss_ratio"][i] = loss_k / l_prev if l_prev > 0 else float("nan")
            rec["semi_smooth_residual"][i] = loss_k - l_prev - inner
            pending = None
        if loss_k is not None and eps is not None and iters_to_eps < 0 and loss_k <= eps:
            iters_to_eps = k
            if stop_at_eps:
                record_step(k, loss_k, grads, fwd)
                break
        if is_rec:
            record_step(k, loss_k, grads, fwd)
        if k == steps:
            break
        if algorithm == "gd":
            step = {j: -eta * grads[j] for j in tr}
        else:
            idx = rng.choice(n, size=batch_size, replace=False)
            _, gb, _ = gradients(net, X[idx], y[idx])
            factor = 1.0 if net.reduction == "mean" else n / batch_size
            step = {j: -eta * factor * gb[j] for j in tr}
        if is_rec:
            i = len(rec["k"]) - 1
            inner = float(sum(np.sum(grads[j] * step[j]) for j in tr))
            pending = (i, loss_k, inner)
            rec["step_norm_fro"][i] = float(np.sqrt(sum(np.sum(s * s) for s in step.values())))
            rec["step_norm_spec"][i] = (
                max(spectral_norm(s) for s in step.values()) if spectral else float("nan")
            )
        for j in tr:
            net.layers[j] += step[j]
        if not all(np.all(np.isfinite(net.layers[j])) for j in tr):
            break  # diverged; the record so far shows it

    out: dict[str, Any] = {key: np.asarray(val, dtype=float) for key, val in rec.items()}
    out["k"] = out["k"].astype(int)
    out["dense_loss"] = np.asarray(dense_loss, dtype=float)  # GD: loss at every step 0..K
    out.update(
        iters_to_eps=iters_to_eps,
        eps=eps,
        eta=eta,
        algorithm=algorithm,
        batch_size=batch_size if algorithm == "sgd" else n,
        layer_labels=tuple(net.layer_labels[j] for j in tr),
        final_net=net,
        net0=net0,
    )
    return out


def train_deep(
    net: DeepReLUNet, X: np.ndarray, y: np.ndarray, *, eta: float, steps: int, **kwargs: Any
) -> Trajectory:
    """:func:`run_deep` packaged as a :class:`Trajectory` (JSON-serializable).

    Per-layer observables become one series per layer, named ``"dist_layer[l]"``,
    ``"dist_layer_fro[l]"``, ``"flip_layer[l]"`` with the paper's layer index ``l``. For GD,
    ``dense`` holds ``loss`` and ``loss_ratio`` at every step.

    >>> from prooftools.numerics.deep import zou_network, zou_inputs
    >>> X = zou_inputs(np.random.default_rng(0).standard_normal((4, 3)), 0.5)
    >>> tr = train_deep(zou_network(4, 8, depth=2), X, np.array([1, -1, 1, -1.0]), eta=0.1,
    ...                 steps=4, record_every=2)
    >>> sorted(k for k in tr.observables if k.startswith("flip"))
    ['flip_layer[1]', 'flip_layer[2]']
    """
    raw = run_deep(net, X, y, eta=eta, steps=steps, **kwargs)
    obs = {
        key: raw[key]
        for key in (
            "loss train_error grad_norm_sq dist_total ntk_min loss_ratio semi_smooth_residual "
            "step_norm_fro step_norm_spec"
        ).split()
    }
    for key in ("dist_layer", "dist_layer_fro", "flip_layer"):
        for c, lab in enumerate(raw["layer_labels"]):
            obs[f"{key}[{lab}]"] = raw[key][:, c]
    dense: dict[str, np.ndarray] = {}
    dense_index = None
    if raw["algorithm"] == "gd" and raw["dense_loss"].size:
        dl = raw["dense_loss"]
        dense_index = np.arange(dl.size, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            dense = {"loss": dl, "loss_ratio": np.append(dl[1:] / dl[:-1], np.nan)}
    config = {
        "index": "k",
        "engine": "deep",
        "parameterization": net.parameterization,
        "loss_name": net.loss,
        "reduction": net.reduction,
        "algorithm": raw["algorithm"],
        "eta": float(eta),
        "steps": int(steps),
        "batch_size": int(raw["batch_size"]),
        "L": len(raw["layer_labels"]),
        "m": int(min(w.shape[1] for w in net.layers)),
        "n": int(np.asarray(X).shape[0]),
        "d": int(np.asarray(X).shape[1]),
        "layer_labels": list(raw["layer_labels"]),
    }
    scalars = {
        "iters_to_eps": int(raw["iters_to_eps"]),
        "eps": None if raw["eps"] is None else float(raw["eps"]),
    }
    return Trajectory(
        config=config,
        index=raw["k"].astype(float),
        observables=obs,
        scalars=scalars,
        dense_index=dense_index,
        dense=dense,
    )
