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

import math
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from tqdm import tqdm

from prooftools.errors import UserInputError
from prooftools.numerics.networks.deep.network import (
    DeepReLUNet,
    Forward,
    forward,
    gradients,
    loss_and_dout,
    train_error,
)
from prooftools.numerics.networks.deep.ntk import ntk_lambda_min
from prooftools.numerics.spectra import spectral_norm
from prooftools.numerics.trajectory import Trajectory

__all__ = [
    "LoopResult", "StepObserver", "StepState", "gd_dense", "run_deep", "train_deep", "train_loop",
]

_KEYS = (
    "k loss train_error grad_norm_sq dist_total ntk_min loss_ratio semi_smooth_residual "
    "step_norm_fro step_norm_spec dist_layer dist_layer_fro flip_layer"
).split()


@dataclass(frozen=True)
class StepState:
    """What an observer sees at a recorded step ``k`` (read only; arrays are the loop's own).

    ``grads`` is the full-batch gradient at ``W(k)``; ``step`` the update ``W(k+1) − W(k)`` per
    trained layer (``None`` at the last step or when the run stops there); ``batch`` the SGD
    minibatch drawn at ``k`` with its gradient ``batch_grads`` (GD: ``None`` and ``grads``; both
    ``None`` when the run stops at ε before drawing).
    """

    k: int
    net: DeepReLUNet
    net0: DeepReLUNet
    fwd: Forward
    fwd0: Forward
    pat0: list[np.ndarray]
    loss: float
    grads: list[np.ndarray | None]
    step: dict[int, np.ndarray] | None
    batch: np.ndarray | None
    batch_grads: list[np.ndarray | None] | None


class StepObserver(Protocol):
    """Observables of a training run, computed by :func:`train_loop` at the recorded steps."""

    def observe(self, s: StepState) -> dict[str, Any]:
        """Named values at the recorded step ``s.k``."""

    def observe_next(self, fwd: Forward) -> dict[str, Any]:
        """Values of the last recorded step that need the forward pass at ``W(k+1)``."""


@dataclass
class LoopResult:
    """Output of :func:`train_loop`: recorded steps ``k`` and one column per observable."""

    k: list[int]
    columns: dict[str, list]
    dense_loss: list[float]
    iters_to_eps: int
    net: DeepReLUNet
    net0: DeepReLUNet
    fwd0: Forward

    def column(self, key: str) -> list:
        """Column ``key`` with one entry per record (NaN where nothing was recorded)."""
        col = self.columns.get(key, [])
        return (col + [math.nan] * len(self.k))[: len(self.k)]


@dataclass
class _Columns:
    data: dict[str, list] = field(default_factory=dict)

    def put(self, i: int, values: dict[str, Any]) -> None:
        for key, val in values.items():
            col = self.data.setdefault(key, [])
            col.extend([math.nan] * (i + 1 - len(col)))
            col[i] = val


def train_loop(
    net: DeepReLUNet,
    X: np.ndarray,
    y: np.ndarray,
    observer: StepObserver,
    *,
    eta: float,
    steps: int,
    algorithm: str,
    batch_size: int | None,
    seed: int,
    every: int,
    eps: float | None = None,
    stop_at_eps: bool = False,
    divergence: str = "weights",
    progress: bool | None = False,
) -> LoopResult:
    """The one GD / SGD loop for deep ReLU networks (update rules in the module docstring).

    Trains a copy of ``net`` (inputs already validated) and records, at steps ``k`` with
    ``k % every == 0`` and at ``k = steps``: ``loss``, whatever ``observer.observe`` returns,
    and once ``W(k+1)`` is known ``loss_ratio``, ``semi_smooth_residual`` and
    ``observer.observe_next``. ``divergence="weights"`` stops after an update that makes a
    weight non-finite; ``"loss"`` evaluates the loss every step and stops at the first
    non-finite one, recording it. ``eps``: ``iters_to_eps`` is the first k with a computed
    loss ≤ eps (every step for GD, at and right after records for SGD); ``stop_at_eps`` records
    that step and stops.

    >>> from prooftools.numerics.networks.deep.network import zou_network, zou_inputs
    >>> class Nothing:
    ...     def observe(self, s): return {}
    ...     def observe_next(self, fwd): return {}
    >>> X = zou_inputs(np.random.default_rng(0).standard_normal((4, 3)), 0.5)
    >>> res = train_loop(zou_network(4, 8, depth=2), X, np.array([1, -1, 1, -1.0]), Nothing(),
    ...                  eta=0.1, steps=4, algorithm="gd", batch_size=None, seed=0, every=2)
    >>> res.k, list(res.columns)
    ([0, 2, 4], ['loss', 'loss_ratio', 'semi_smooth_residual'])
    """
    rng = np.random.default_rng(seed)
    net0, net = net.copy(), net.copy()
    tr = net.trained_indices
    n = X.shape[0]
    fwd0 = forward(net0, X)
    pat0 = fwd0.patterns(net.strict)
    ks: list[int] = []
    cols = _Columns()
    dense_loss: list[float] = []
    iters_to_eps = -1
    pending = None  # (record index, loss_k, <grad, step>) waiting for loss(k+1)
    grads = None
    grads_at = -1  # the step whose full-batch gradient ``grads`` holds

    def record(k, loss_k, fwd, step, batch, batch_grads) -> int:
        i = len(ks)
        ks.append(k)
        state = StepState(k, net, net0, fwd, fwd0, pat0, loss_k, grads, step, batch, batch_grads)
        cols.put(i, {"loss": loss_k, **observer.observe(state)})
        return i

    for k in tqdm(range(steps + 1), disable=not progress or None, desc=f"{algorithm} deep"):
        is_rec = k % every == 0 or k == steps
        if algorithm == "gd" or is_rec:
            loss_k, grads, fwd = gradients(net, X, y)
            grads_at = k
        else:
            loss_k = None
        if algorithm == "gd":
            dense_loss.append(loss_k)
        if loss_k is None and (pending is not None or divergence == "loss"):
            fwd = forward(net, X)
            loss_k = loss_and_dout(net, fwd.out, y)[0]
        if pending is not None:
            i, l_prev, inner = pending
            cols.put(i, {"loss_ratio": loss_k / l_prev if l_prev > 0 else float("nan"),
                         "semi_smooth_residual": loss_k - l_prev - inner,
                         **observer.observe_next(fwd)})
            pending = None
        if divergence == "loss" and not np.isfinite(loss_k):
            ks.append(k)
            cols.put(len(ks) - 1, {"loss": loss_k})
            break
        if loss_k is not None and eps is not None and iters_to_eps < 0 and loss_k <= eps:
            iters_to_eps = k
            if stop_at_eps:
                if grads_at != k:  # SGD off a record step: the full gradient is from an older k
                    loss_k, grads, fwd = gradients(net, X, y)
                record(k, loss_k, fwd, None, None, None)
                break
        if algorithm == "gd":
            batch, batch_grads = None, grads
            step = {j: -eta * grads[j] for j in tr}
        else:
            batch = rng.choice(n, size=batch_size, replace=False)
            _, batch_grads, _ = gradients(net, X[batch], y[batch])
            factor = 1.0 if net.reduction == "mean" else n / batch_size
            step = {j: -eta * factor * batch_grads[j] for j in tr}
        if is_rec:
            i = record(k, loss_k, fwd, step if k < steps else None, batch, batch_grads)
            if k < steps:
                pending = (i, loss_k, float(sum(np.sum(grads[j] * step[j]) for j in tr)))
        if k == steps:
            break
        for j in tr:
            net.layers[j] += step[j]
        if divergence == "weights" and not all(np.all(np.isfinite(net.layers[j])) for j in tr):
            break  # diverged; the record so far shows it
    return LoopResult(k=ks, columns=cols.data, dense_loss=dense_loss, iters_to_eps=iters_to_eps,
                      net=net, net0=net0, fwd0=fwd0)


def gd_dense(algorithm: str, dense_loss: list[float] | np.ndarray
             ) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
    """GD's every-step series: (index 0..K, ``{"loss", "loss_ratio"}``); ``(None, {})`` else.

    >>> idx, d = gd_dense("gd", [4.0, 2.0, 1.0])
    >>> idx.tolist(), d["loss_ratio"].tolist()[:2]
    ([0.0, 1.0, 2.0], [0.5, 0.5])
    """
    dl = np.asarray(dense_loss, dtype=float)
    if algorithm != "gd" or not dl.size:
        return None, {}
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.arange(dl.size, dtype=float), {
            "loss": dl, "loss_ratio": np.append(dl[1:] / dl[:-1], np.nan)}


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


@dataclass
class _VocabularyObserver:
    """The vocabulary observables of :func:`run_deep` (module docstring)."""

    X: np.ndarray
    y: np.ndarray
    steps: int
    ntk_every: int | None
    spectral: bool

    def observe(self, s: StepState) -> dict[str, Any]:
        tr = s.net.trained_indices
        ds, df, fl = _layer_stats(s.net, s.net0, s.fwd, s.pat0, self.spectral)
        do_ntk = self.ntk_every is not None and (s.k % self.ntk_every == 0 or s.k == self.steps)
        out = {
            "train_error": train_error(s.net, s.fwd.out, self.y),
            "grad_norm_sq": float(sum(np.sum(s.grads[j] ** 2) for j in tr)),
            "dist_layer": ds,
            "dist_layer_fro": df,
            "flip_layer": fl,
            "dist_total": float(np.sqrt(np.sum(np.square(df)))),
            "ntk_min": ntk_lambda_min(s.net, self.X, s.fwd) if do_ntk else float("nan"),
        }
        if s.step is not None:
            out["step_norm_fro"] = float(np.sqrt(sum(np.sum(d * d) for d in s.step.values())))
            out["step_norm_spec"] = (
                max(spectral_norm(d) for d in s.step.values()) if self.spectral else float("nan")
            )
        return out

    def observe_next(self, fwd: Forward) -> dict[str, Any]:
        return {}


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

    >>> from prooftools.numerics.networks.deep.network import zou_network, zou_inputs
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
    res = train_loop(
        net, X, y, _VocabularyObserver(X, y, steps, ntk_every, spectral),
        eta=eta, steps=steps, algorithm=algorithm, batch_size=batch_size, seed=seed,
        every=record_every, eps=eps, stop_at_eps=stop_at_eps, progress=progress,
    )
    out: dict[str, Any] = {key: np.asarray(res.column(key), dtype=float) for key in _KEYS[1:]}
    out = {"k": np.asarray(res.k, dtype=float).astype(int), **out}
    out["dense_loss"] = np.asarray(res.dense_loss, dtype=float)  # GD: loss at every step 0..K
    out.update(
        iters_to_eps=res.iters_to_eps,
        eps=eps,
        eta=eta,
        algorithm=algorithm,
        batch_size=batch_size if algorithm == "sgd" else n,
        layer_labels=tuple(res.net.layer_labels[j] for j in res.net.trained_indices),
        final_net=res.net,
        net0=res.net0,
    )
    return out


def train_deep(
    net: DeepReLUNet, X: np.ndarray, y: np.ndarray, *, eta: float, steps: int, **kwargs: Any
) -> Trajectory:
    """:func:`run_deep` packaged as a :class:`Trajectory` (JSON-serializable).

    Per-layer observables become one series per layer, named ``"dist_layer[l]"``,
    ``"dist_layer_fro[l]"``, ``"flip_layer[l]"`` with the paper's layer index ``l``. For GD,
    ``dense`` holds ``loss`` and ``loss_ratio`` at every step.

    >>> from prooftools.numerics.networks.deep.network import zou_network, zou_inputs
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
    dense_index, dense = gd_dense(raw["algorithm"], raw["dense_loss"])
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
