"""What a comparison of a stated bound with a derived one takes besides their orders.

* **Side conditions.** A branch statement's hypotheses on a symbol that occurs only in exponents
  (``zou_p < 1/2``), with the symbol's declared domain, give the interval on which exponent
  differences such as 26 − 2p against 26 are signed (:mod:`ranges`).
* **Polylogs hidden by Õ.** A stated Õ/Ω̃ bound writes its polylog as log(…m…)^a with ``a`` a
  declared constant of unknown value: its log power is not a claim. Both bounds are then compared
  with every logarithm of the constrained symbol (and the Lambert W a solve through such a log
  leaves) set to a constant, and the verdict says so. Logarithms of the variables themselves
  (log(1/ε)) are still compared.
* **Exact ratios.** Two bounds whose ratio is free of every variable (an observable such as
  κ(r) may appear in both) have the same orders; the ratio is the implied constant.
* **Joint growth.** Orders taken one variable at a time miss a cross term: n²⁶ + n^{26−2p}ε^{1−2p}
  and n^{26−2p} + n²⁶ε^{1−2p} have the same order in n and in 1/ε alone. Each pair of variables
  is therefore also grown together (both ↦ x); a difference there decides the verdict, named as
  the product of the pair.
"""

from __future__ import annotations

import itertools

import sympy
from sympy.core.function import AppliedUndef

from prooftools.theory.derivation import ranges
from prooftools.theory.derivation import verdict as V
from prooftools.theory.derivation.orders import Order, order_of
from prooftools.theory.special import NegW

__all__ = ["exact_ratio", "joint_judgement", "side_intervals", "strip_hidden_polylog"]


def side_intervals(registry, statement, cond, exprs) -> dict:
    """Intervals of the exponent-only parameters of ``exprs`` from the statement's hypotheses
    (and the branch condition ``cond``) and the declared domains."""
    names = set()
    for e in exprs:
        for p in e.atoms(sympy.Pow):
            names |= {s.name for s in p.exp.free_symbols
                      if getattr(registry.symbols.get(s.name), "role", "") == "parameter"}
    conds = [h.expr for h in statement.hypotheses]
    if cond is not None:
        conds.append(cond)
    return ranges.intervals_from(conds, registry.symbols, names)


def _hidden(registry, e: sympy.Basic) -> set:
    return {s for s in e.free_symbols
            if getattr(registry.symbols.get(s.name), "role", "") == "constant"}


def strip_hidden_polylog(registry, stated: sympy.Expr, derived: sympy.Expr,
                         constrained: sympy.Symbol | None):
    """(stated, derived, note) with the stated bound's hidden polylogs set to 1 on both sides.

    A polylog is hidden when the stated bound raises a log to an unknown constant's power
    (log(nLm/δ)^a): every log of the symbols it names (log(1/δ), log n …) — and the Lambert W
    that solving through them leaves — is set aside in both bounds, while a log of another
    symbol (log(1/ε)) is still compared. Unchanged when nothing is hidden.
    """
    hidden = [p for p in stated.atoms(sympy.Pow)
              if isinstance(p.base, sympy.log) and _hidden(registry, p.exp)]
    if not hidden:
        return stated, derived, ""
    # Õ(·) of log(nLm/δ) hides every log of n, L, m, 1/δ — not a log(1/ε) it does not name
    covered = set().union(*(p.base.free_symbols for p in hidden))

    def strip(e):
        logs = {a: sympy.Integer(1) for a in e.atoms(sympy.log) if a.free_symbols <= covered}
        e = e.xreplace(logs)
        return e.xreplace({w: sympy.Integer(1) for w in e.atoms(sympy.LambertW, NegW)})

    powers = ", ".join(sorted({str(p.exp) for p in hidden}))
    where = ", ".join(sorted({str(p.base) for p in hidden}))
    return strip(stated), strip(derived), (
        f"compared up to the polylog Õ hides ({where} to the unknown power {powers}, set "
        "aside on both sides)")


def exact_ratio(stated: sympy.Expr, derived: sympy.Expr, variables) -> sympy.Expr | None:
    """stated/derived when it is free of every variable of growth (same orders), else None.

    Tried only where an observable makes the orders unknowable (simplify is costly)."""
    if not (stated.atoms(AppliedUndef) or derived.atoms(AppliedUndef)):
        return None
    try:
        ratio = sympy.simplify(stated / derived)
    except (TypeError, ValueError, RecursionError):
        return None
    names = {n for n, _ in variables}
    if any(s.name in names for s in ratio.free_symbols):
        return None
    return ratio


def _joint_order(e, pair, symbols, constrained) -> Order | None:
    x = sympy.Dummy("x", positive=True)
    repl = {symbols[n].sym: (1 / x if inv else x) for n, inv in pair}
    return order_of(e.xreplace(repl), x, False, constrained)


def joint_judgement(stated, derived, variables, symbols, constrained_name,
                    lower: bool) -> V.Judgement | None:
    """The verdict from growing each pair of variables together, when one pair differs."""
    m = symbols[constrained_name].sym if constrained_name in symbols else None
    for pair in itertools.combinations(variables, 2):
        s = _joint_order(stated, pair, symbols, m)
        d = _joint_order(derived, pair, symbols, m)
        if s is None or d is None:
            continue
        dp, dl = s.power - d.power, s.log_power - d.log_power
        if not lower:
            dp, dl = -dp, -dl
        sg = ranges.sign(dp)
        if sg == 0:
            sg = ranges.sign(dl)
        if not sg:
            continue
        label = "·".join(f"1/{n}" if inv else n for n, inv in pair)
        x = sympy.Symbol(f"({label})")
        f = x ** (dp if sg > 0 else -dp) * sympy.log(x) ** (dl if sg > 0 else -dl)
        if sg > 0:
            return V.Judgement(V.STATED_LOOSER, f, f"jointly in {label}")
        return V.Judgement(V.STATED_TIGHTER, f, "the statement claims more than the derivation "
                                                f"supports jointly in {label}")
    return None
