"""The one discrete-time training loop and its observer protocol (every network family uses it).

A family supplies a :class:`Trainer` — how to evaluate the state at step k, how to choose the
update there and how to apply it — and an :class:`Observer` that turns a state into named values.
The loop owns everything else: iteration k = 0..steps, the record and expensive strides, the
progress bar, the next-step hook (values that need W(k+1), e.g. loss(k+1)/loss(k)) and stopping.

Order within one step k (the same for every family, so seeded runs replay exactly)::

    state = trainer.full_state(k, record=…, after_record=…)   # evaluate at W(k)
    observer.observe_next(previous record, state)             # if step k−1 was recorded
    if state.stop: observer.observe(state); stop               # the family's stopping rule
    state = trainer.plan(state)                                # choose the update (draw a batch)
    if recorded: observer.observe(state)                       # sees W(k) and the planned update
    if k == steps: stop
    trainer.apply(state) or stop                               # W(k+1); False = diverged

Continuous-time runs (an ODE solver) are not loops; they feed the same :class:`Observer` with
:class:`LoopState` objects at their record times and write into a :class:`LoopRecord`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from prooftools.progress import bar as new_bar

__all__ = [
    "LoopRecord", "LoopState", "Observer", "Trainer", "progress_bar", "record_steps", "train_loop",
]


@dataclass(kw_only=True, slots=True)
class LoopState:
    """The state at step ``k`` as the loop and its observers see it (families subclass it).

    ``loss`` is the objective at W(k) when the trainer evaluated it (``None`` otherwise);
    ``record`` and ``expensive`` are filled in by the loop from its strides; ``stop`` names the
    trainer's reason to end the run at k (the step is recorded, no update follows); ``update``
    is what :meth:`Trainer.plan` chose (``None`` when no update follows k).
    """

    k: int
    loss: float | None = None
    record: bool = False
    expensive: bool = False
    stop: str | None = None
    update: Any = None


class Trainer(Protocol):
    """One family's dynamics: evaluate, plan and apply the update at step k."""

    def full_state(self, k: int, *, record: bool, after_record: bool) -> LoopState:
        """Evaluate at W(k): what a record needs if ``record``, at least the loss if
        ``after_record`` (the previous step was recorded); set ``stop`` to end the run here."""

    def plan(self, state: LoopState) -> LoopState:
        """Choose the update at ``state.k`` (draw the minibatch, form the step); do not apply it."""

    def apply(self, state: LoopState) -> bool:
        """Apply the planned update (W(k) → W(k+1)); return False to stop (diverged)."""


class Observer(Protocol):
    """Named values of a run at recorded steps.

    An observer may also define ``observe_next(state, nxt) -> dict``: values of the recorded
    step ``state`` that need the next step's state ``nxt`` (e.g. the one-step loss ratio).
    """

    def observe(self, state: LoopState) -> dict[str, Any]:
        """Values at the recorded step ``state.k`` (keys become columns of the record)."""


@dataclass
class LoopRecord:
    """Output of :func:`train_loop`: recorded steps ``k`` and one column per observed name."""

    k: list[int] = field(default_factory=list)
    columns: dict[str, list] = field(default_factory=dict)
    stopped: str | None = None

    def put(self, i: int, values: dict[str, Any]) -> None:
        """Store ``values`` at record ``i`` (columns first seen later are NaN-padded)."""
        for key, val in values.items():
            col = self.columns.setdefault(key, [])
            col.extend([math.nan] * (i + 1 - len(col)))
            col[i] = val

    def append(self, k: int, values: dict[str, Any]) -> None:
        """Record ``values`` at step ``k`` (a new record after the last one)."""
        self.k.append(k)
        self.put(len(self.k) - 1, values)

    def column(self, key: str) -> list:
        """Column ``key`` with one entry per record (NaN where nothing was recorded)."""
        col = self.columns.get(key, [])
        return (col + [math.nan] * len(self.k))[: len(self.k)]

    def arrays(self, rename: Mapping[str, str] | None = None) -> dict[str, np.ndarray]:
        """Every column as a float array aligned with ``k``, keyed by ``rename``'s name for it
        (the record's own name when ``rename`` has none), in the order first recorded."""
        rename = rename or {}
        return {rename.get(key, key): np.array(self.column(key), dtype=float)
                for key in self.columns}


def record_steps(steps: int, stride: int) -> np.ndarray:
    """Recorded iterations of :func:`train_loop`: 0, stride, 2·stride, … and always the last.

    >>> record_steps(25, 10).tolist()
    [0, 10, 20, 25]
    """
    ks = np.arange(0, steps + 1, stride, dtype=np.int64)
    if ks[-1] != steps:
        ks = np.append(ks, steps)
    return ks


def progress_bar(total: int, progress: bool | None, desc: str):
    """A tqdm bar: ``True`` shows it, ``False`` hides it, ``None`` shows it on a terminal once
    the run has lasted a second (short runs and logs stay clean)."""
    return new_bar(total, progress, desc, delay=1.0 if progress is None else 0.0)


def train_loop(
    trainer: Trainer,
    observer: Observer,
    *,
    steps: int,
    stride: int = 1,
    expensive_stride: int | None = None,
    progress: bool | None = None,
    desc: str = "train",
) -> LoopRecord:
    """Run ``trainer`` for ``steps`` updates, recording ``observer`` (order: module docstring).

    Step k is recorded when ``k % stride == 0`` or ``k == steps`` (see :func:`record_steps`),
    and when the trainer stops there; ``state.expensive`` is set where ``k % expensive_stride
    == 0`` or ``k == steps`` (never when ``expensive_stride`` is None).

    >>> class Halve:  # f(w) = w², GD with step 1/4 halves w
    ...     w = 1.0
    ...     def full_state(self, k, *, record, after_record):
    ...         return LoopState(k=k, loss=self.w ** 2)
    ...     def plan(self, s): return s
    ...     def apply(self, s):
    ...         self.w -= 0.25 * 2 * self.w
    ...         return True
    >>> class Loss:
    ...     def observe(self, s): return {"loss": s.loss}
    ...     def observe_next(self, s, nxt): return {"ratio": nxt.loss / s.loss}
    >>> rec = train_loop(Halve(), Loss(), steps=4, stride=2, progress=False)
    >>> rec.k, rec.columns["loss"], rec.column("ratio")
    ([0, 2, 4], [1.0, 0.0625, 0.00390625], [0.25, 0.25, nan])
    """
    rec = LoopRecord()
    observe_next = getattr(observer, "observe_next", None)
    pending: tuple[int, LoopState] | None = None
    with progress_bar(steps, progress, desc) as bar:
        for k in range(steps + 1):
            is_rec = k % stride == 0 or k == steps
            state = trainer.full_state(k, record=is_rec, after_record=pending is not None)
            state.record = is_rec or state.stop is not None
            state.expensive = expensive_stride is not None and (
                k % expensive_stride == 0 or k == steps)
            if pending is not None:
                if observe_next is not None:
                    rec.put(pending[0], observe_next(pending[1], state))
                pending = None
            if state.stop is not None:
                rec.append(k, observer.observe(state))
                rec.stopped = state.stop
                break
            state = trainer.plan(state)
            if is_rec:
                rec.append(k, observer.observe(state))
                if state.loss is not None:
                    bar.set_postfix(loss=f"{state.loss:.4g}", refresh=False)
                if k < steps:
                    pending = (len(rec.k) - 1, state)
            if k == steps:
                break
            if not trainer.apply(state):
                rec.stopped = "diverged"
                break
            bar.update(1)
    return rec
