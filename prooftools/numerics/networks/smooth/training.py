"""Plain gradient descent on Chatterjee's smooth networks, through the shared training loop.

``x_{k+1} = x_k − η ∇f(x_k)`` on the flat parameter vector of a
:class:`~prooftools.numerics.networks.smooth.network.SmoothMLP`; every step is recorded (the rate
check needs every loss ratio). The run stops once ``f ≤ rel_floor · f(x0)`` (below that, loss
ratios are rounding noise) or at a non-finite loss. A run returns the families' one record
type, a :class:`~prooftools.numerics.trajectory.Trajectory`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from prooftools.errors import UserInputError
from prooftools.numerics.training import LoopState, train_loop
from prooftools.numerics.trajectory import Trajectory

if TYPE_CHECKING:
    from prooftools.numerics.networks.smooth.network import SmoothMLP

__all__ = ["check_rate", "gd"]


@dataclass(kw_only=True, slots=True)
class _State(LoopState):
    w: np.ndarray
    g: np.ndarray


class _GD:
    """Full-batch GD on ``prob``'s loss from ``w0`` (the loop's trainer)."""

    def __init__(self, prob: SmoothMLP, w0: np.ndarray, eta: float, floor: float) -> None:
        self.prob, self.w, self.eta, self.floor = prob, w0.copy(), eta, floor

    def full_state(self, k: int, *, record: bool, after_record: bool) -> _State:
        with np.errstate(over="ignore", invalid="ignore"):
            f, g = self.prob.loss_grad(self.w)
        stop = "floor" if not np.isfinite(f) or f <= self.floor else None
        return _State(k=k, loss=f, stop=stop, w=self.w, g=g)

    def plan(self, s: _State) -> _State:
        return s

    def apply(self, s: _State) -> bool:
        self.w = self.w - self.eta * s.g
        return True


class _Path:
    """``loss``, ``grad_norm_sq``, ``dist`` = ‖x_k − x0‖ and optionally the point itself."""

    def __init__(self, w0: np.ndarray, keep_path: bool) -> None:
        self.w0, self.keep_path = w0, keep_path

    def observe(self, s: _State) -> dict[str, Any]:
        with np.errstate(over="ignore", invalid="ignore"):
            out = {"loss": s.loss, "grad_norm_sq": float(s.g @ s.g),
                   "dist": float(np.linalg.norm(s.w - self.w0))}
        if self.keep_path:
            out["path"] = s.w.copy()
        return out


def gd(
    prob: SmoothMLP,
    w0: np.ndarray,
    eta: float,
    steps: int,
    *,
    keep_path: bool = True,
    rel_floor: float = 1e-16,
    progress: bool | None = None,
) -> Trajectory:
    """Plain GD ``x_{k+1} = x_k − η ∇f(x_k)``; its trajectory records ``loss``,
    ``grad_norm_sq``, ``dist`` (‖x_k − x0‖) and ``loss_ratio`` (f(x_{k+1})/f(x_k), NaN at the
    last k); its scalars hold ``eta``, ``final``, the last iterate (the one of ``loss[-1]``),
    and the ``path`` (one row x_k per k; ``None`` unless ``keep_path``).

    Stops once ``f ≤ rel_floor · f(x0)``: below that, loss ratios are rounding noise.

    >>> from prooftools.numerics.networks.smooth.network import SmoothMLP, positive_init
    >>> rng = np.random.default_rng(0)
    >>> prob = SmoothMLP(rng.standard_normal((4, 3)), rng.standard_normal(4), 8, 2)
    >>> run = gd(prob, positive_init(prob, 2.0), 0.01, 20, progress=False)
    >>> run.observables["loss"].shape, bool(np.all(run.observables["loss_ratio"][:-1] < 1))
    ((21,), True)
    """
    if not (eta > 0 and np.isfinite(eta)):
        raise UserInputError(f"step size must be positive and finite, got {eta}")
    trainer = _GD(prob, w0, eta, rel_floor * prob.loss(w0))
    rec = train_loop(trainer, _Path(w0, keep_path), steps=steps, progress=progress, desc="GD")
    path = np.array(rec.columns.pop("path")) if keep_path else None
    obs = rec.arrays()
    losses = obs["loss"]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        obs["loss_ratio"] = np.append(losses[1:] / losses[:-1], np.nan)
    return Trajectory(config={"index": "k", "eta": eta}, index=np.asarray(rec.k, dtype=float),
                      observables=obs, scalars={"eta": eta, "final": trainer.w, "path": path})


def check_rate(run: Trajectory, q: float, r: float | None = None, *,
               rtol: float = 1e-6) -> dict:
    """Check every loss ratio ``f(x_{k+1})/f(x_k)`` of a :func:`gd` run against ``q`` and, with
    r, containment ``‖x_k − x0‖ ≤ r``.

    >>> run = Trajectory(config={"index": "k"}, index=np.arange(3.0), observables={
    ...     "loss": np.array([1.0, 0.5, 0.3]), "loss_ratio": np.array([0.5, 0.6, np.nan]),
    ...     "dist": np.array([0.0, 0.1, 0.2])})
    >>> check_rate(run, 0.55)["rate_satisfied"], check_rate(run, 0.6, 0.15)["contained"]
    (False, False)
    """
    run = run.observables
    ratios = run["loss_ratio"][np.isfinite(run["loss_ratio"])]
    worst = float(ratios.max()) if ratios.size else float("nan")
    out = {
        "q": q,
        "max_ratio": worst,
        "rate_satisfied": bool(
            ratios.size and worst <= q * (1 + rtol) and np.all(np.isfinite(run["loss"]))
        ),
    }
    if r is not None:
        out["max_dist"] = float(np.max(run["dist"]))
        out["contained"] = bool(out["max_dist"] <= r)
    return out
