"""Each width hypothesis of a verified chain beside the width its proof implies.

For every ``m >= …`` bound of the statements a run judged, the report states the width the
statement asks for and, when the statement carries a derivation, the width the derivation gives
(:mod:`prooftools.theory.proof_width`), both at the run's measured values with the run's
constants choice, and their ratio in decades: the statement's share of the looseness.
"""

from __future__ import annotations

from dataclasses import dataclass

from prooftools.theory.bounds import evaluate_bound
from prooftools.theory.proof_width import ProofWidths, values_for_bounds

__all__ = ["WidthLine", "width_lines"]


@dataclass(frozen=True)
class WidthLine:
    """One width hypothesis: stated and proof widths (log10) at the run, and the run's width."""

    statement: str
    bound: str
    stated_log10: float | None
    proof_log10: float | None
    run_width: int | None

    @property
    def looseness_statement(self) -> float | None:
        """log10(stated / proof): how much wider the statement asks than its proof needs."""
        if self.stated_log10 is None or self.proof_log10 is None:
            return None
        return self.stated_log10 - self.proof_log10

    def to_dict(self) -> dict:
        return {"statement": self.statement, "bound": self.bound,
                "stated_log10": self.stated_log10, "proof_log10": self.proof_log10,
                "looseness_statement": self.looseness_statement, "run_width": self.run_width}


def width_lines(registry, ids, values, *, constants: str = "hidden",
                derive=None) -> list[WidthLine]:
    """Every ``m >= …`` width bound of the statements ``ids``, evaluated at the run's values.

    The run's own width is left out of the values, so an implicit width (m inside a log) is
    reported as its least fixed point for the stated and the proof bound alike.
    """
    vals = values_for_bounds(values)
    run_width = vals.pop("m", None)
    proofs = ProofWidths(registry, derive=derive)
    out = []
    for sid in ids:
        st = registry.get(sid)
        for b in st.bounds_of_kind("width"):
            if b.symbol != "m":
                continue
            stated = evaluate_bound(registry, st, b, vals, constants=constants).log10
            pb = proofs.bound(st, b)
            proof = None if pb is None else evaluate_bound(registry, st, pb, vals,
                                                           constants=constants).log10
            out.append(WidthLine(st.id, b.name, stated, proof,
                                 None if run_width is None else int(run_width)))
    return out
