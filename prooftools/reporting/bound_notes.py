"""What a table of evaluated bounds says beside its numbers: estimates, sources, what is missing.

Shared by ``bounds``, ``compare`` and ``table``: a value that is an estimate carries ≥/≤ and the
legend; a value taken from a case, a cited restatement or the required width says so; a symbol
the user must supply gets one line with its meaning and the ``--set`` that gives it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sympy

from prooftools.reporting.tables import (
    ESTIMATE_LEGEND,
    ESTIMATE_MARK,
    LOG_POWERS_LEGEND,
    Magnitude,
)
from prooftools.theory.bounds import DIGITS, BoundValue, format_decimal
from prooftools.theory.cases import failing_hypotheses
from prooftools.theory.registry import Registry
from prooftools.theory.values import check_values, implied_values, needs_lines


def prepared(registry: Registry, values: Mapping[str, object]) -> tuple[dict, list[str]]:
    """The values with those they imply (φ from sep), checked, and the notes saying so."""
    out, notes = implied_values(registry, values)
    check_values(registry, out)
    return out, notes


def value_cell(bv: BoundValue):
    """A table cell: the magnitude (with ≥/≤ for an estimate), else why there is none.

    A contraction factor just below 1 is shown as ``1 − x`` (10 digits would print 1.0).
    """
    if bv.value is not None and bv.kind == "rate" and 1 - RATE_NEAR_ONE < bv.value < 1:
        gap = 1 - bv.value
        if gap > sympy.Float(10) ** -(DIGITS - 2):  # digits of the gap that 30 digits carry
            digits = max(1, min(2, int(sympy.floor(sympy.log(gap, 10))) + DIGITS - 1))
            return ESTIMATE_MARK.get(bv.estimate, "") + f"1 − {format_decimal(gap, digits)}"
    if bv.value is not None:
        return Magnitude(bv.log10, bv.decimal, estimate=bv.estimate)
    return bv.shortfall


#: A rate within this of 1 is shown as 1 − x.
RATE_NEAR_ONE = 1e-4


def estimate_notes(results: Iterable[BoundValue]) -> list[str]:
    """The hidden exponents derivations gave, then the estimate legend with the log powers set
    to 0, when any value is an estimate."""
    results = list(results)
    shown = [bv for bv in results if bv.value is not None]
    derived = sorted({(s, v, src.removeprefix("derivation: ")) for bv in shown
                      for s, v, src in bv.log_powers if src.startswith("derivation: ")})
    out = [f"{DERIVED_LEGEND}: " + "; ".join(f"{s} = {v} ({src})" for s, v, src in derived)
           ] if derived else []
    zeroed = sorted({s for bv in shown if bv.estimate
                     for s, v, src in bv.log_powers if v == "0" and "set to 0" in src})
    if zeroed:
        return [*out, f"{ESTIMATE_LEGEND}; {LOG_POWERS_LEGEND} ({', '.join(zeroed)})"]
    return out + ([ESTIMATE_LEGEND] if any(bv.estimate for bv in shown) else [])


#: Heads the list of hidden exponents that derivations determined.
DERIVED_LEGEND = "hidden exponents from the derivations (prooftools derive)"


def source_notes(results: Iterable[BoundValue], *, prefix: bool = True) -> list[str]:
    """One note per bound whose value came through a case, restatement or the chain."""
    out = []
    for bv in results:
        if bv.value is not None and bv.notes:
            head = f"{bv.statement} {bv.name}" if prefix else bv.name
            out.append(f"{head}: {'; '.join(bv.notes)}")
    return out


def missing_notes(registry: Registry, results: Iterable[BoundValue], *,
                  brief: bool = False) -> list[str]:
    """``needs X: meaning; give it with --set X=VALUE`` for every symbol a value lacks (one
    line for all, meanings cut short, with ``brief``)."""
    return needs_lines(registry, {m for bv in results if bv.value is None for m in bv.missing},
                       brief=brief)


def needs_payload(registry: Registry, results: Iterable[BoundValue]) -> list[dict]:
    """The same, for JSON: symbol, meaning and how to give it."""
    names = sorted({m for bv in results if bv.value is None for m in bv.missing
                    if m in registry.symbols})
    return [{"symbol": n, "meaning": registry.symbols[n].meaning,
             "give_with": f"--set {n}=VALUE"} for n in names]


def applicability_notes(registry: Registry, statement_id: str,
                        values: Mapping[str, object]) -> list[str]:
    """A note when the given values make one of the statement's own hypotheses false."""
    checked = check_values(registry, values)
    failing = failing_hypotheses(registry.get(statement_id), checked)
    if not failing:
        return []
    return [f"{statement_id} does not apply at the given values: hypothesis "
            f"{'; '.join(failing)} is false there (its bounds are evaluated all the same)"]
