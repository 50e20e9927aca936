"""What a judgement is: the verdict, the numbers behind it, and structured reasons.

A :class:`Judgement` carries its reasons as :class:`Reason` records (a :class:`Why` and the
names, text and numbers it concerns); the note users read is rendered from them, so code and
tests ask ``j.why(Why.HIDDEN_CONSTANT)`` instead of parsing prose.

Margin sign: ``margin`` is the relative slack ``(rhs − lhs)/max(|lhs|, |rhs|)`` of
``lhs ≤ rhs``; negative means violated. A decision is taken only beyond the rounding
tolerance ``rtol`` (:attr:`Judgement.tolerance`); a verdict that *holds* at a rounding-level
negative slack (an equation equal within rounding) reports margin 0 and a
:attr:`Why.ROUNDING` reason with the raw value and the tolerance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["Judgement", "Reason", "Verdict", "Why", "combine", "verdict_rank"]


class Verdict(StrEnum):
    """Outcome of one check."""

    HOLDS = "holds"
    FAILS = "fails"
    UNKNOWN = "unknown"
    NOT_GUARANTEED = "not guaranteed"  # measured, but the statement's own hypotheses failed


class Why(StrEnum):
    """The kinds of reason a judgement gives (each renders one phrase of the note)."""

    NOT_MEASURED = "not measured"
    NEVER_MEASURED = "never measured"
    SYMBOLIC = "decided symbolically"
    HIDDEN_CONSTANT = "hidden constant"
    CONSTANT_RANGE = "one constant for every index"
    CONSTANT_NONE = "no constant for every index"
    CERTIFIED = "certified"
    UNDECIDED_IN_BOUNDS = "undecided within certified bounds"
    UNDEFINED_AT_BOUNDS = "not defined at certified bounds"
    ROUNDING = "rounding-level margin"
    WHEN_NOT_MET = "when not met"
    WHEN_NOT_MEASURABLE = "when not measurable"
    WHEN_RANGE = "when range"
    NO_INDEX_IN_WHEN = "no index in when range"
    OUTSIDE_WHEN = "outside when range"
    COVERAGE = "indices checked"
    INDEX_READING = "index reading"
    OBSERVED = "observable note"
    NOT_EVALUABLE = "not evaluable"
    UNSUPPORTED = "unsupported"
    MEASURED = "measured"
    HYPOTHESIS_FAILED = "hypothesis failed"
    NOT_A_COUNTEREXAMPLE = "not a counterexample"
    HYPOTHESIS_UNDECIDED = "hypothesis undecided"
    ALSO_UNDECIDED = "also undecided"


def _names(r: Reason) -> str:
    return ", ".join(r.subjects)


_TEXT = {
    Why.NOT_MEASURED: lambda r: "not measured: " + " ".join(p for p in (_names(r), r.detail) if p),
    Why.NEVER_MEASURED: lambda r: "never measured",
    Why.SYMBOLIC: lambda r: "decided symbolically",
    Why.HIDDEN_CONSTANT: lambda r: f"hidden constant(s) {_names(r)} set to 1 for the margin"
    + (f"; {r.detail}" if r.detail else ""),
    Why.CONSTANT_RANGE: lambda r: f"one {_names(r)} serves every index only if {_names(r)} "
    f"{r.detail}",
    Why.CONSTANT_NONE: lambda r: f"no single {_names(r)} in [1e-60, 1e60] makes it hold at every "
    "index: fails for every value of the hidden constant",
    Why.CERTIFIED: lambda r: f"certified (checked at the bounds of {_names(r)})",
    Why.UNDECIDED_IN_BOUNDS: lambda r: f"undecided within the certified bounds of {_names(r)}",
    Why.UNDEFINED_AT_BOUNDS: lambda r: "undecided: not defined at the certified bounds",
    Why.ROUNDING: lambda r: f"margin {r.value:.3g} is within the rounding tolerance "
    f"(rtol {r.tolerance:g}): {r.detail}",
    Why.WHEN_NOT_MET: lambda r: "`when` clause not met",
    Why.WHEN_NOT_MEASURABLE: lambda r: "`when` clause not measurable",
    Why.WHEN_RANGE: lambda r: f"`when` {_names(r)} true at {r.counts[0]} of {r.counts[1]}",
    Why.NO_INDEX_IN_WHEN: lambda r: "no index satisfies the `when` clause",
    Why.OUTSIDE_WHEN: lambda r: "outside the `when` range the statement claims nothing (probe, "
    "not a verdict on the statement)",
    Why.COVERAGE: lambda r: f"checked at {r.counts[0]} of {r.counts[1]} indices ({_names(r)})"
    + (f", {r.counts[2]} not measured" if r.counts[2] else ""),
    Why.INDEX_READING: lambda r: "{} read as {} on this {} run".format(*r.subjects),
    Why.OBSERVED: lambda r: r.detail,
    Why.NOT_EVALUABLE: lambda r: f"not evaluable at these values ({r.detail})",
    Why.UNSUPPORTED: lambda r: r.detail,
    Why.MEASURED: lambda r: f"measured: {r.detail}",
    Why.HYPOTHESIS_FAILED: lambda r: "hypotheses failed: " + _names(r),
    Why.NOT_A_COUNTEREXAMPLE: lambda r: "not a counterexample: hypotheses failed: " + _names(r),
    Why.HYPOTHESIS_UNDECIDED: lambda r: "hypotheses undecided: " + _names(r),
    Why.ALSO_UNDECIDED: lambda r: "undecided: " + _names(r),
}


@dataclass(frozen=True)
class Reason:
    """One reason of a judgement: its kind, the names it concerns, free detail and numbers
    (``value`` and ``tolerance`` of a rounding-level margin, ``counts`` of indices).

    >>> Reason(Why.NOT_MEASURED, ("n",)).text
    'not measured: n'
    """

    why: Why
    subjects: tuple[str, ...] = ()
    detail: str = ""
    value: float | None = None
    tolerance: float | None = None
    counts: tuple[int, ...] = ()

    @property
    def text(self) -> str:
        """The phrase of the note this reason renders."""
        return _TEXT[self.why](self)


@dataclass(frozen=True)
class Judgement:
    """The verdict on one inequality, with the numbers and the reasons behind it.

    ``margin`` is the relative slack, positive when the inequality holds:
    ``(rhs - lhs) / max(|lhs|, |rhs|)`` for ``lhs <= rhs`` (see the module docstring for
    rounding-level values); ``tolerance`` is the relative tolerance the decision used.
    """

    statement: str
    item: str
    kind: str
    inequality: str
    verdict: Verdict
    margin: float | None = None
    lhs: float | None = None
    rhs: float | None = None
    worst_index: float | None = None
    first_failure: float | None = None
    implied_constants: dict[str, str] = field(default_factory=dict)
    reasons: tuple[Reason, ...] = ()
    tolerance: float | None = None

    @property
    def note(self) -> str:
        """How the verdict was reached, rendered from :attr:`reasons`."""
        return "; ".join(t for t in (r.text for r in self.reasons) if t)

    def why(self, kind: Why) -> Reason | None:
        """The first reason of ``kind``, or ``None``."""
        return next((r for r in self.reasons if r.why == kind), None)

    def to_dict(self) -> dict:
        """JSON-friendly dict (the reasons rendered as ``note``)."""
        out = {
            "statement": self.statement, "item": self.item, "kind": self.kind,
            "inequality": self.inequality, "verdict": str(self.verdict),
            "margin": self.margin, "lhs": self.lhs, "rhs": self.rhs,
            "worst_index": self.worst_index, "first_failure": self.first_failure,
            "implied_constants": dict(self.implied_constants), "note": self.note,
        }
        for key in ("margin", "lhs", "rhs"):
            val = out[key]
            if isinstance(val, float) and not math.isfinite(val):
                out[key] = None if math.isnan(val) else str(val)
        return out


def verdict_rank(v: Verdict) -> int:
    """Order of verdicts from weakest: fails < unknown < not guaranteed < holds."""
    return {Verdict.FAILS: 0, Verdict.UNKNOWN: 1, Verdict.NOT_GUARANTEED: 2, Verdict.HOLDS: 3}[v]


def combine(verdicts: list[Verdict]) -> Verdict:
    """The weakest of several verdicts (fails < unknown < not guaranteed < holds).

    >>> combine([Verdict.HOLDS, Verdict.UNKNOWN])
    <Verdict.UNKNOWN: 'unknown'>
    """
    if not verdicts:
        return Verdict.UNKNOWN
    return min(verdicts, key=verdict_rank)
