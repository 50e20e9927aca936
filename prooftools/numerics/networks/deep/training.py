"""Full-batch GD and minibatch SGD for deep ReLU networks, recording observables at a stride.

Updates follow the papers: Zou et al. (1811.08888v3 §3.3) ``W_l ← W_l − η ∇_{W_l} L_S`` with the
mean loss, SGD gradient ``(1/B) Σ_{i∈batch} ∇ℓ_i``; Allen-Zhu et al. ``W ← W − η ∇F`` with the
summed loss, SGD ``W ← W − η (n/b) Σ_{i∈S_t} ∇F_i``. In both cases the stochastic gradient is the
unbiased estimate of the full objective's gradient; minibatches are uniform subsets of ``[n]``
without replacement, drawn from a seeded generator.

:func:`train_deep_loop` records ``loss``, the observer's values, and once W(k+1) is known
``loss_ratio`` (loss(k+1)/loss(k)) and ``semi_smooth_residual`` = L(W_{k+1}) − L(W_k) −
⟨∇L(W_k), W_{k+1} − W_k⟩ for the actual step (Allen-Zhu Thm 4's semi-smoothness probe). The one
entry point of a verify run is :func:`~prooftools.numerics.networks.deep.observed.run_deep_observed`
with its observer :class:`~prooftools.numerics.networks.deep.observed.PaperObserver`, whose
``OBSERVABLES`` declare what is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from prooftools.numerics.networks.deep.network import (
    DeepReLUNet,
    Forward,
    forward,
    gradients,
    loss_and_dout,
)
from prooftools.numerics.observables import observe_declared
from prooftools.numerics.training import LoopRecord, LoopState, Observer, train_loop

__all__ = ["LoopResult", "StepState", "gd_dense", "train_deep_loop"]


@dataclass(kw_only=True, slots=True)
class StepState(LoopState):
    """What an observer sees at a recorded step ``k`` (read only; arrays are the loop's own).

    ``grads`` is the full-batch gradient at ``W(k)``; ``update`` the step ``W(k+1) − W(k)`` per
    trained layer (``None`` at the last step or when the run stops there); ``batch`` the SGD
    minibatch drawn at ``k`` with its gradient ``batch_grads`` (GD: ``None`` and ``grads``; both
    ``None`` when the run stops at ε before drawing).
    """

    net: DeepReLUNet
    net0: DeepReLUNet
    fwd: Forward | None
    fwd0: Forward
    pat0: list[np.ndarray]
    grads: list[np.ndarray | None] | None
    batch: np.ndarray | None = None
    batch_grads: list[np.ndarray | None] | None = None


@dataclass(kw_only=True, slots=True)
class LoopResult(LoopRecord):
    """Output of :func:`train_deep_loop`: the loop's record plus the run's family data."""

    dense_loss: list[float]
    iters_to_eps: int
    net: DeepReLUNet
    net0: DeepReLUNet
    fwd0: Forward


class _DeepTrainer:
    """GD / SGD on the trained layers of a copy of ``net`` (update rules: module docstring).

    Stopping: ``divergence="loss"`` evaluates the loss every step and stops at the first
    non-finite one; ``"weights"`` stops after an update that makes a weight non-finite;
    ``stop_at_eps`` stops at the first computed loss ≤ ``eps`` (with the full gradient there).
    """

    def __init__(self, net, X, y, *, eta, steps, algorithm, batch_size, seed, eps, stop_at_eps,
                 divergence):
        self.X, self.y, self.eta, self.steps = X, y, eta, steps
        self.gd, self.batch_size = algorithm == "gd", batch_size
        self.eps, self.stop_at_eps, self.divergence = eps, stop_at_eps, divergence
        self.rng = np.random.default_rng(seed)
        self.net0, self.net = net.copy(), net.copy()
        self.fwd0 = forward(self.net0, X)
        self.pat0 = self.fwd0.patterns(net.strict)
        self.dense_loss: list[float] = []
        self.iters_to_eps = -1
        self.grads = None
        self.grads_at = -1  # the step whose full-batch gradient ``grads`` holds

    def full_state(self, k: int, *, record: bool, after_record: bool) -> StepState:
        net, X, y = self.net, self.X, self.y
        fwd = loss_k = None
        if self.gd or record:
            loss_k, self.grads, fwd = gradients(net, X, y)
            self.grads_at = k
        if self.gd:
            self.dense_loss.append(loss_k)
        if loss_k is None and (after_record or self.divergence == "loss"):
            fwd = forward(net, X)
            loss_k = loss_and_dout(net, fwd.out, y)[0]
        stop = None
        if self.divergence == "loss" and not np.isfinite(loss_k):
            stop = "diverged"
        elif (loss_k is not None and self.eps is not None and self.iters_to_eps < 0
              and loss_k <= self.eps):
            self.iters_to_eps = k
            if self.stop_at_eps:
                stop = "eps"
                if self.grads_at != k:  # SGD off a record step: the gradient is from an older k
                    loss_k, self.grads, fwd = gradients(net, X, y)
                    self.grads_at = k
        return StepState(k=k, loss=loss_k, stop=stop, net=net, net0=self.net0, fwd=fwd,
                         fwd0=self.fwd0, pat0=self.pat0, grads=self.grads)

    def plan(self, s: StepState) -> StepState:
        tr = self.net.trained_indices
        if self.gd:
            s.batch, s.batch_grads = None, s.grads
        else:
            s.batch = self.rng.choice(self.X.shape[0], size=self.batch_size, replace=False)
            _, s.batch_grads, _ = gradients(self.net, self.X[s.batch], self.y[s.batch])
        if s.k < self.steps:
            mean = self.gd or self.net.reduction == "mean"
            factor = 1.0 if mean else self.X.shape[0] / self.batch_size
            s.update = {j: -self.eta * factor * s.batch_grads[j] for j in tr}
        return s

    def apply(self, s: StepState) -> bool:
        tr = self.net.trained_indices
        for j in tr:
            self.net.layers[j] += s.update[j]
        return self.divergence != "weights" or all(
            np.all(np.isfinite(self.net.layers[j])) for j in tr)


class _LossColumns:
    """Wraps a deep observer: ``loss`` first, then its values; once W(k+1) is known
    ``loss_ratio``, ``semi_smooth_residual`` and its ``observe_next``. A step where the loss
    diverged records the loss only."""

    def __init__(self, inner: Observer) -> None:
        self.inner = inner

    def observe(self, s: StepState) -> dict[str, Any]:
        if s.stop == "diverged":
            return {"loss": s.loss}
        return {"loss": s.loss, **self.inner.observe(s),
                **observe_declared(self.inner, s, expensive=s.expensive)}

    def observe_next(self, s: StepState, nxt: StepState) -> dict[str, Any]:
        inner = float(sum(np.sum(s.grads[j] * s.update[j]) for j in s.net.trained_indices))
        out = {"loss_ratio": nxt.loss / s.loss if s.loss > 0 else float("nan"),
               "semi_smooth_residual": nxt.loss - s.loss - inner}
        nxt_values = getattr(self.inner, "observe_next", None)
        return {**out, **nxt_values(s, nxt)} if nxt_values is not None else out


def train_deep_loop(
    net: DeepReLUNet,
    X: np.ndarray,
    y: np.ndarray,
    observer: Observer,
    *,
    eta: float,
    steps: int,
    algorithm: str,
    batch_size: int | None,
    seed: int,
    every: int,
    ntk_every: int | None = None,
    eps: float | None = None,
    stop_at_eps: bool = False,
    divergence: str = "weights",
    progress: bool | None = None,
) -> LoopResult:
    """Deep ReLU GD / SGD through :func:`prooftools.numerics.training.train_loop`.

    Trains a copy of ``net`` (inputs already validated) and records, at steps ``k`` with
    ``k % every == 0`` and at ``k = steps``: ``loss``, whatever ``observer.observe`` returns
    (``state.expensive`` marks the ``ntk_every`` steps), and once ``W(k+1)`` is known
    ``loss_ratio``, ``semi_smooth_residual`` and ``observer.observe_next``.
    ``divergence="weights"`` stops after an update that makes a weight non-finite; ``"loss"``
    evaluates the loss every step and stops at the first non-finite one, recording it. ``eps``:
    ``iters_to_eps`` is the first k with a computed loss ≤ eps (every step for GD, at and right
    after records for SGD); ``stop_at_eps`` records that step and stops.

    >>> from prooftools.numerics.networks.deep.network import zou_network, zou_inputs
    >>> class Nothing:
    ...     def observe(self, s): return {}
    >>> X = zou_inputs(np.random.default_rng(0).standard_normal((4, 3)), 0.5)
    >>> res = train_deep_loop(zou_network(4, 8, depth=2), X, np.array([1, -1, 1, -1.0]),
    ...                       Nothing(), eta=0.1, steps=4, algorithm="gd", batch_size=None,
    ...                       seed=0, every=2, progress=False)
    >>> res.k, list(res.columns)
    ([0, 2, 4], ['loss', 'loss_ratio', 'semi_smooth_residual'])
    """
    trainer = _DeepTrainer(net, X, y, eta=eta, steps=steps, algorithm=algorithm,
                           batch_size=batch_size, seed=seed, eps=eps, stop_at_eps=stop_at_eps,
                           divergence=divergence)
    rec = train_loop(trainer, _LossColumns(observer), steps=steps, stride=every,
                     expensive_stride=ntk_every, progress=progress, desc=f"{algorithm} deep")
    return LoopResult(k=rec.k, columns=rec.columns, stopped=rec.stopped,
                      dense_loss=trainer.dense_loss, iters_to_eps=trainer.iters_to_eps,
                      net=trainer.net, net0=trainer.net0, fwd0=trainer.fwd0)


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
