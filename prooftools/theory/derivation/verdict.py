"""Verdicts of a derivation on each stated bound: the four words, and how they are decided.

- ``agrees``: same orders in every variable;
- ``stated looser``: the stated bound asks for more than the proof needs (a larger width or
  iteration count, a smaller step size), by the factor shown;
- ``stated tighter``: the statement claims more than its proof supports somewhere (a possible
  error in the paper or in the encoding);
- ``not derivable``: the derivation gives no comparable bound (the reason is shown).

These words are the derivation's own; checking/'s verdicts (holds, fails …) are different words.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from prooftools.theory.derivation import ranges
from prooftools.theory.derivation.orders import Order, factor

AGREES = "agrees"
STATED_LOOSER = "stated looser"
STATED_TIGHTER = "stated tighter"
NOT_DERIVABLE = "not derivable"
VERDICTS = (AGREES, STATED_LOOSER, STATED_TIGHTER, NOT_DERIVABLE)
#: Severity, for the verdict of a bound compared with several branches (the worst one wins).
SEVERITY = {AGREES: 0, STATED_LOOSER: 1, NOT_DERIVABLE: 2, STATED_TIGHTER: 3}


@dataclass(frozen=True)
class Judgement:
    """A verdict, the factor (stated/derived in orders, as a looser requirement) and why."""

    verdict: str
    factor: sympy.Expr | None = None  # looser (or tighter) by this, e.g. n**2
    reason: str = ""


def judge(stated: dict[str, Order | None], derived: dict[str, Order | None],
          lower: bool) -> Judgement:
    """Compare orders variable by variable. ``lower``: the bound is a lower bound on its symbol
    (m ≥ …, K ≥ …), so a larger stated bound is looser; otherwise a smaller one is."""
    looser: dict[str, Order] = {}
    tighter: dict[str, Order] = {}
    uncompared: list[str] = []
    for label in sorted(set(stated) | set(derived)):
        s = stated.get(label) or (Order(sympy.Integer(0), sympy.Integer(0))
                                  if label not in stated else None)
        d = derived.get(label) or (Order(sympy.Integer(0), sympy.Integer(0))
                                   if label not in derived else None)
        if s is None or d is None:
            side = "stated" if s is None else "derived"
            return Judgement(NOT_DERIVABLE, None, f"the {side} order in {label} cannot be "
                                                  "determined")
        dp = sympy.simplify(s.power - d.power)
        dl = sympy.simplify(s.log_power - d.log_power)
        if not lower:
            dp, dl = -dp, -dl
        sign = _sign(dp) if not dp.is_zero else _sign(dl)
        if sign is None and dp.is_zero:  # symbolic log powers (Õ's hidden degrees): not judged
            uncompared.append(f"{label}: log power {s.log_power} stated, {d.log_power} derived")
            dl, sign = sympy.Integer(0), 0
        if sign is None:
            return Judgement(NOT_DERIVABLE, None, f"the orders in {label} cannot be compared "
                                                  f"(difference {dp})")
        if sign > 0:
            looser[label] = Order(dp, dl)
        elif sign < 0:
            tighter[label] = Order(-dp, -dl)
    note = ("log powers not compared (" + "; ".join(uncompared) + ")") if uncompared else ""
    if tighter:
        why = ("the statement claims more than the derivation supports in "
               + ", ".join(sorted(tighter)))
        return Judgement(STATED_TIGHTER, factor(tighter), "; ".join(filter(None, [why, note])))
    if looser:
        return Judgement(STATED_LOOSER, factor(looser), note)
    return Judgement(AGREES, sympy.Integer(1), note)


def _sign(e: sympy.Expr) -> int | None:
    return ranges.sign(e)


def worst(verdicts: list[str]) -> str:
    """The most severe of several verdicts (a bound judged against every branch)."""
    return max(verdicts, key=SEVERITY.__getitem__)
