"""The visual encoding of the proof graph, in one place (the legend is drawn from it).

shape = kind, border = provenance, fill = verdict; every channel also has a text label (the
node's second line names kind and verdict, the id carries the provenance mark) and the verdicts
have an icon and a pattern besides their colour, so no information is colour-only.
"""

from __future__ import annotations

from dataclasses import dataclass

from prooftools.checking.verdict import Verdict
from prooftools.theory.definitions import KINDS, PROVENANCE, PROVENANCE_MARK

__all__ = ["KIND_SHAPES", "NOT_MEASURED", "PROVENANCE_STYLE", "VERDICTS", "VerdictStyle",
           "verdict_class", "verdict_style"]

#: fill of a node no run has judged (a registry graph, or a statement outside the run)
NOT_MEASURED = "not measured"


@dataclass(frozen=True)
class VerdictStyle:
    """How one verdict is drawn: colour, icon, pattern (SVG ``<pattern>`` id or none)."""

    word: str
    fill: str
    icon: str
    pattern: str | None


VERDICTS: tuple[VerdictStyle, ...] = (
    VerdictStyle(str(Verdict.HOLDS), "#c8e6c9", "✓", None),
    VerdictStyle(str(Verdict.FAILS), "#ffcdd2", "✗", "hatch"),
    VerdictStyle(str(Verdict.UNKNOWN), "#fff3c4", "?", None),
    VerdictStyle(str(Verdict.NOT_GUARANTEED), "#ffe0b2", "!", "dots"),
    VerdictStyle(NOT_MEASURED, "#eeeeee", "–", None),
)
_BY_WORD = {v.word: v for v in VERDICTS}


def verdict_style(word: str | None) -> VerdictStyle:
    """The style of a verdict word (anything unknown to the encoding: not measured)."""
    return _BY_WORD.get(str(word) if word else NOT_MEASURED, _BY_WORD[NOT_MEASURED])


def verdict_class(word: str | None) -> str:
    """The CSS class of a verdict (``v-not-guaranteed``)."""
    return "v-" + verdict_style(word).word.replace(" ", "-")


#: SVG dash pattern of the border per provenance (solid: verified) and its mark (†, ‡, ?)
PROVENANCE_STYLE: dict[str, tuple[str | None, str]] = {
    p: (d, PROVENANCE_MARK.get(p, ""))
    for p, d in zip(PROVENANCE, (None, "7 3", "2 3", "9 3 2 3"), strict=True)
}

#: one shape per kind (drawn in svg.py)
KIND_SHAPES: dict[str, str] = dict(zip(
    KINDS, ("rect", "note", "parallelogram", "ellipse", "doubleoctagon", "octagon"),
    strict=True))
