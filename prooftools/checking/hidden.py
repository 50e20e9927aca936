"""Hidden O/Ω constants left open: margins with the constant at 1 and implied ranges.

An unbound constant is set to 1 to measure the margin; for each constant that is a power factor
of one side once the others are 1 (``a·C^p op b``) the implied range ``C op' (b/a)^{1/p}`` is
solved in closed form (no ``sympy.solve``).
"""

from __future__ import annotations

import math

import sympy

from prooftools.checking.judgement import Judgement, Reason, Verdict, Why
from prooftools.checking.relations import as_mpf, evaluate, sides

__all__ = ["fast_hidden"]


def fast_hidden(rel, point, hidden, rtol, base) -> Judgement | None:
    """Unbound O/Ω constants without ``sympy.solve``: the margin with every constant set to 1,
    and, for each constant C that is a power factor of one side once the others are 1
    (``a·C^p op b``), the implied range ``C op' (b/a)^{1/p}`` in closed form (other constants,
    e.g. unknown exponents, get no range). ``None`` when no constant is unbound."""
    import mpmath

    if not isinstance(rel, sympy.core.relational.Relational) or isinstance(rel, sympy.Eq):
        return None
    names = {s.name for s in rel.free_symbols}
    unbound = sorted(names & set(hidden) - set(point))
    if not unbound or names - set(point) - set(unbound):
        return None
    small_e, large_e, _op = sides(rel)
    implied: dict[str, str] = {}
    try:
        with mpmath.workdps(50):
            pt = {k: as_mpf(v) for k, v in point.items()}
            ones = {**pt, **{u: mpmath.mpf(1) for u in unbound}}
            lhs1, rhs1 = evaluate(small_e, ones), evaluate(large_e, ones)
            for name in unbound:
                got = _closed_form_range(small_e, large_e, name, unbound, pt, evaluate)
                if got is not None:
                    implied[name] = got
    except (TypeError, ValueError, KeyError, ZeroDivisionError):
        return None
    if mpmath.isnan(lhs1) or mpmath.isnan(rhs1):
        return None
    mag = max(abs(lhs1), abs(rhs1))
    if not mpmath.isfinite(mag):
        margin = math.inf if rhs1 > lhs1 else -math.inf
    else:
        margin = float((rhs1 - lhs1) / mag) if mag else 0.0
    return Judgement(verdict=Verdict.UNKNOWN, margin=margin, lhs=float(lhs1), rhs=float(rhs1),
                     implied_constants=implied, tolerance=rtol,
                     reasons=(Reason(Why.HIDDEN_CONSTANT, tuple(unbound)),), **base)


def _closed_form_range(small, large, name, unbound, pt, evaluate) -> str | None:
    import mpmath

    small = small.subs({s: 1 for s in small.free_symbols if s.name in unbound and s.name != name})
    large = large.subs({s: 1 for s in large.free_symbols if s.name in unbound and s.name != name})
    syms = [s for s in (small.free_symbols | large.free_symbols) if s.name == name]
    if not syms:
        return None
    C = syms[0]
    if small.has(C) == large.has(C):
        return None
    side, other = (small, large) if small.has(C) else (large, small)
    coeff, rest = side.as_independent(C, as_Add=False)
    if rest == C:
        p = sympy.Integer(1)
    elif rest.is_Pow and rest.base == C and rest.exp.is_number:
        p = rest.exp
    else:
        return None
    a, b, pe = evaluate(coeff, pt), evaluate(other, pt), mpmath.mpf(sympy.N(p, 50))
    if not (a > 0 and b > 0 and pe != 0 and mpmath.isfinite(a) and mpmath.isfinite(b)):
        return None
    root = (b / a) ** (1 / pe)
    upper = small.has(C) == (pe > 0)  # C on the small side with p > 0: the relation wants C small
    return f"{'<=' if upper else '>='} {float(root):.4g}"
