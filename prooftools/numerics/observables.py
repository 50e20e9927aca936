"""Observables declared once: name, cost class, summary direction and shape.

Each network family declares every observable it produces in one place — its observer's
``OBSERVABLES`` table, plus any observer method marked with :func:`observable` — and everything
else reads that declaration: the observer's schedule (cheap ones at every record, expensive ones
at the expensive stride, NaN elsewhere), the engine's contract with the theorem files, the
sweep's summaries (an observable's maximum or minimum over a run), and the ``prooftools engines
--observables`` listing. Adding an observable is its vocabulary entry plus one marked method::

    class DuObserver:
        @observable(summary="min")
        def margin_min(self, state):          # the name is the method's
            return float(np.min(state.ws.e))

``state`` is what the family's observer sees at a recorded step (for the two-layer network the
workspace of the full-batch pass, ``state.ws``, and the weights ``state.W``, ``state.a``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["COSTS", "SHAPES", "SUMMARIES", "Observable", "declared", "declared_methods",
           "observable", "observe_declared"]

COSTS = ("cheap", "expensive")  # every recorded step / at the expensive stride (NaN elsewhere)
SUMMARIES = ("max", "min")  # the summary of a run: its maximum or its minimum over the index
SHAPES = ("series", "scalar", "function")  # per index / one number per run / R ↦ value


@dataclass(frozen=True)
class Observable:
    """One observable a family produces (see the module docstring).

    >>> Observable("ntk_min", cost="expensive", summary="min")
    Observable(name='ntk_min', cost='expensive', summary='min', shape='series')
    """

    name: str
    cost: str = "cheap"
    summary: str = "max"
    shape: str = "series"

    def __post_init__(self) -> None:
        for field_, allowed in (("cost", COSTS), ("summary", SUMMARIES), ("shape", SHAPES)):
            if getattr(self, field_) not in allowed:
                raise ValueError(f"observable {self.name}: {field_} must be one of "
                                 f"{', '.join(allowed)}; got {getattr(self, field_)!r}")


def observable(*, cost: str = "cheap", summary: str = "max") -> Callable:
    """Mark an observer method ``(self, state) -> float`` as the observable of its name."""
    def mark(fn: Callable) -> Callable:
        fn.__observable__ = Observable(fn.__name__, cost=cost, summary=summary)
        return fn
    return mark


def declared_methods(cls: type) -> dict[str, Observable]:
    """The observables of ``cls``'s methods marked with :func:`observable`, by name."""
    out: dict[str, Observable] = {}
    for klass in reversed(cls.__mro__):
        for name, member in vars(klass).items():
            obs = getattr(member, "__observable__", None)
            if isinstance(obs, Observable):
                out[name] = obs
    return out


def declared(cls: type | None, extra: Iterable[Observable | str] = ()) -> dict[str, Observable]:
    """Every observable a family declares: ``cls.OBSERVABLES``, its marked methods, then
    ``extra`` (a bare name is a cheap series summarized by its maximum), by name in order."""
    out: dict[str, Observable] = {}
    table = getattr(cls, "OBSERVABLES", ()) if cls is not None else ()
    for obs in (*table, *(declared_methods(cls).values() if cls is not None else ()), *extra):
        obs = obs if isinstance(obs, Observable) else Observable(str(obs))
        out[obs.name] = obs
    return out


def observe_declared(observer: Any, state: Any, *, expensive: bool) -> dict[str, float]:
    """The values of ``observer``'s marked methods at ``state`` (an expensive one only where
    ``expensive``; NaN elsewhere)."""
    out = {}
    for name, obs in declared_methods(type(observer)).items():
        if obs.cost == "expensive" and not expensive:
            out[name] = math.nan
        else:
            out[name] = float(getattr(observer, name)(state))
    return out
