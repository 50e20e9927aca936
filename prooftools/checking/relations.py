"""Relations as numbers: read a sympy relation as ``small op large`` and evaluate its sides.

Evaluation is exact-then-mpmath at :data:`DPS` digits, so values such as 10**3000 are normal;
no verdict is taken here (:mod:`prooftools.checking.verdict` decides).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import mpmath
import sympy

from prooftools.numerics.quantity import Quantity
from prooftools.theory.magnitude import evaluate_mpf, substitute

__all__ = ["DPS", "as_mpf", "evaluate", "relative_margin", "sides"]

#: Working precision (decimal digits) for judging; values like 10**3000 are normal here.
DPS = 50


def as_mpf(value: float | int | Quantity | sympy.Basic) -> mpmath.mpf:
    """A measured value (a number, a :class:`Quantity`'s value, a sympy number) as an mpf."""
    if isinstance(value, Quantity):
        value = value.value
    if isinstance(value, sympy.Basic):
        return mpmath.mpf(sympy.N(value, DPS))  # safe: value is an already-built sympy number
    return mpmath.mpf(value)


def sides(rel: sympy.Rel) -> tuple[sympy.Expr, sympy.Expr, str]:
    """(small, large, op): the relation read as ``small op large``, op in <, <=, ==."""
    if isinstance(rel, (sympy.StrictGreaterThan, sympy.GreaterThan)):
        return rel.rhs, rel.lhs, "<" if isinstance(rel, sympy.StrictGreaterThan) else "<="
    if isinstance(rel, (sympy.StrictLessThan, sympy.LessThan)):
        return rel.lhs, rel.rhs, "<" if isinstance(rel, sympy.StrictLessThan) else "<="
    if isinstance(rel, sympy.Eq):
        return rel.lhs, rel.rhs, "=="
    raise TypeError(f"not an inequality or equation: {rel}")


def evaluate(expr: sympy.Expr, values: Mapping[str, mpmath.mpf]) -> mpmath.mpf:
    """Evaluate ``expr`` exactly-then-numerically at ``values`` with mpmath (no overflow).

    >>> n = sympy.Symbol("n", positive=True)
    >>> float(mpmath.log10(evaluate(10**n, {"n": mpmath.mpf(3000)})))
    3000.0
    """
    subs = {s: sympy.Float(values[s.name], DPS) for s in expr.free_symbols if s.name in values}
    missing = sorted(s.name for s in expr.free_symbols if s.name not in values)
    if missing:
        raise KeyError(", ".join(missing))
    if expr.has(sympy.oo, -sympy.oo, sympy.zoo, sympy.nan):
        with mpmath.workdps(DPS):  # symbolic infinities: sympy's own arithmetic decides
            num = sympy.N(expr.xreplace(subs), DPS)  # safe: sympy objects built by our parser
            if num in (sympy.oo, -sympy.oo):
                return mpmath.inf if num == sympy.oo else -mpmath.inf
            return mpmath.mpf(num) if num.is_Float or num.is_Rational else mpmath.nan
    # bounded: unevaluated substitution, magnitude checked before any exact evaluation
    # (a hypothesis such as sep >= floor(exp(exp(n))) is unknown, never a hang or a traceback)
    with mpmath.workdps(DPS):
        return evaluate_mpf(substitute(expr, subs), DPS)


def relative_margin(small: mpmath.mpf, large: mpmath.mpf) -> float:
    """``(large − small)/max(|small|, |large|)`` (0 when both are 0, ±inf beyond the range)."""
    scale = max(abs(small), abs(large))
    if scale == 0:
        return 0.0
    if not mpmath.isfinite(scale):
        return math.inf if large > small else -math.inf
    return float((large - small) / scale)
