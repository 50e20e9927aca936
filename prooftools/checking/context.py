"""The one frozen context every judging function reads (in place of seven loose parameters).

A :class:`JudgeContext` holds what a judgement may look at: the measured ``values``, the
recorded ``trajectory``, the ``functions`` of function observables, the hidden-constant
``constants`` substituted and the names ``hidden`` left open, the rounding tolerance ``rtol``
and the ``registry`` (for proof chains). It is built once per verify (or check) run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from prooftools.numerics.trajectory import Trajectory

__all__ = ["RTOL", "JudgeContext"]

#: Relative rounding tolerance of every decision.
RTOL = 1e-9


@dataclass(frozen=True)
class JudgeContext:
    """Everything a judgement reads besides the condition itself (immutable).

    >>> ctx = JudgeContext({"n": 3}, hidden={"C"})
    >>> ctx.hidden, ctx.rtol
    (frozenset({'C'}), 1e-09)
    """

    values: Mapping[str, object]
    trajectory: Trajectory | None = None
    constants: Mapping[str, Any] = field(default_factory=dict)
    hidden: frozenset[str] = frozenset()
    rtol: float = RTOL
    functions: Mapping[str, Callable[..., object]] = field(default_factory=dict)
    registry: Any = None

    def __post_init__(self) -> None:
        for name in ("values", "constants", "functions"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name) or {})))
        object.__setattr__(self, "hidden", frozenset(self.hidden or ()))

    @classmethod
    def of(cls, values: JudgeContext | Mapping[str, object], **keywords) -> JudgeContext:
        """``values`` if it is a context already (no keywords then), else a new context."""
        if isinstance(values, JudgeContext):
            if keywords:
                raise TypeError("give a JudgeContext or values with keywords, not both")
            return values
        return cls(values, **{k: v for k, v in keywords.items() if v is not None})
