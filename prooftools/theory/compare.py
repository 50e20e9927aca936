"""Symbolic comparison of requirements: leading exponents, crossovers, least width."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import sympy
from scipy.optimize import brentq

from prooftools.errors import UserInputError
from prooftools.theory.bounds import exact, substitution
from prooftools.theory.magnitude import (
    EvaluationTimeout,
    floating,
    substitute,
    time_limit,
)

if TYPE_CHECKING:
    from prooftools.theory.registry import Registry

#: Variables whose growth we report, with the direction in which a requirement grows.
GROWTH = {"n": "n", "L": "L", "delta": "1/delta", "lambda0": "1/lambda0", "sep": "1/sep",
          "phi": "1/phi"}


@lru_cache(maxsize=4096)
def leading_exponent(expr: sympy.Expr, name: str, inverse: bool) -> sympy.Expr | None:
    """Exponent e with expr ~ x^e (up to log factors) as x = name (or 1/name) grows.

    Computed structurally: products add exponents, powers scale them, sums and Max take the
    largest, logarithms count as order 0 (polylog factors are reported separately by the
    formula itself). Symbolic exponents stay symbolic (26 − 2p); None when undecidable.

    >>> n, p = sympy.symbols("n p", positive=True)
    >>> leading_exponent(n**6 * sympy.log(n), "n", False)
    6
    >>> leading_exponent(n**(26 - 2*p) + n**3, "n", False)
    Max(3, 26 - 2*p)
    """
    syms = [s for s in expr.free_symbols if s.name == name]
    if not syms:
        return sympy.Integer(0)
    x = sympy.Dummy("x", positive=True)  # a Dummy never equals a user's symbol
    return _growth(expr.xreplace({syms[0]: 1 / x if inverse else x}), x)


def _growth(e: sympy.Basic, x: sympy.Symbol) -> sympy.Expr | None:
    if x not in e.free_symbols:
        return sympy.Integer(0)
    if e == x:
        return sympy.Integer(1)
    if isinstance(e, sympy.Mul):
        parts = [_growth(a, x) for a in e.args]
        return None if any(p is None for p in parts) else sympy.Add(*parts)
    if isinstance(e, sympy.Pow):
        if x in e.exp.free_symbols:
            return None
        base = _growth(e.base, x)
        return None if base is None else sympy.expand(e.exp * base)
    if isinstance(e, (sympy.Add, sympy.Max)):
        parts = [_growth(a, x) for a in e.args]
        return None if any(p is None for p in parts) else sympy.Max(*parts)
    if isinstance(e, sympy.Min):
        parts = [_growth(a, x) for a in e.args]
        return None if any(p is None for p in parts) else sympy.Min(*parts)
    if isinstance(e, sympy.log):
        return sympy.Integer(0)
    if isinstance(e, (sympy.Abs, sympy.ceiling, sympy.floor)):
        return _growth(e.args[0], x)
    return None


def exponents(expr: sympy.Expr) -> dict[str, sympy.Expr | None]:
    """Leading exponents of ``expr`` in n, L, 1/δ, 1/λ0, 1/sep, 1/φ (those that appear)."""
    names = {s.name for s in expr.free_symbols}
    return {
        label: leading_exponent(expr, var, label.startswith("1/"))
        for var, label in GROWTH.items()
        if var in names
    }


@dataclass(frozen=True)
class WidthRow:
    """One statement's width requirement at several sizes."""

    statement: str
    bound: str
    expr: str
    provenance: str
    log10: tuple[float | None, ...]
    hidden_constants: tuple[str, ...]
    missing: tuple[str, ...]
    exponents: dict[str, str]
    #: per size, why there is no log10 when nothing is missing ("> 10^(10^k)", …); else None
    shortfalls: tuple[str | None, ...] = ()
    #: per size, "lower"/"upper"/"estimate" when the value is an estimate (theory/hidden.py)
    estimates: tuple[str | None, ...] = ()
    #: how the values were obtained (a case, a cited restatement), from the first size
    notes: tuple[str, ...] = ()
    #: the statement's hypotheses the given values make false ("name: text")
    failing: tuple[str, ...] = ()
    #: the evaluated bounds, one per size (for the notes a report derives from them)
    values: tuple = ()


def width_bounds(registry: Registry, *, include_derived: bool = False):
    """(statement, bound) for every width requirement that constrains m (theorems, corollaries)."""
    for st in registry:
        if st.kind not in ("theorem", "corollary"):
            continue
        for b in st.bounds_of_kind("width"):
            if b.symbol is not None or include_derived:
                yield st, b


def compare_widths(
    registry: Registry,
    values: Mapping[str, object],
    sizes: Mapping[str, list],
    *,
    constants: str = "hidden",
    include_derived: bool = False,
) -> list[WidthRow]:
    """log10 of every width requirement at each point of ``sizes`` (one varying symbol)."""
    from prooftools.theory.cases import failing_hypotheses
    from prooftools.theory.statement_values import bound_value
    from prooftools.theory.values import check_value, check_values

    (var, points), = sizes.items()
    values = check_values(registry, values)
    points = [check_value(registry, var, p) for p in points]
    rows = []
    for st, b in width_bounds(registry, include_derived=include_derived):
        bvs = [bound_value(registry, st, b, {**values, var: p}, constants=constants)
               for p in points]
        last = bvs[-1]
        shown = b.expr
        if last.via:  # the orders of the case or restatement that gave the value
            sid, _, name = last.via.rpartition(":")
            shown = registry.get(sid).bound(name).expr
        exps = {k: (str(v) if v is not None else "?") for k, v in exponents(shown).items()}
        rows.append(WidthRow(
            st.id, b.name, b.text, b.provenance, tuple(bv.log10 for bv in bvs),
            last.hidden_constants, last.missing, exps,
            tuple(None if bv.log10 is not None or bv.missing else bv.shortfall for bv in bvs),
            tuple(bv.estimate if bv.log10 is not None else None for bv in bvs),
            bvs[0].notes, tuple(failing_hypotheses(st, {**values, var: points[0]})),
            tuple(bvs)))
    return rows


def crossovers(
    registry: Registry,
    first: tuple[str, str],
    second: tuple[str, str],
    values: Mapping[str, object],
    var: str = "n",
    *,
    lo: float = 1.0,
    hi: float = 1e15,
    constants: str = "hidden",
) -> list[float]:
    """Values of ``var`` where two bounds are equal (other symbols fixed at ``values``).

    Solved symbolically in log space when possible (monomial bounds), numerically otherwise.
    """
    from prooftools.theory.values import check_values

    values = check_values(registry, values)
    exprs = []
    for sid, name in (first, second):
        expr, hidden, _, _ = substitution(
            registry, registry.get(sid).bound(name).expr,
            {k: v for k, v in values.items() if k != var}, constants=constants,
        )
        expr = substitute(expr, {s: sympy.Integer(1) for s in expr.free_symbols
                                 if s.name in hidden})
        exprs.append(expr)
    free = set().union(*(e.free_symbols for e in exprs))
    others = {s.name for s in free} - {var}
    if others:
        raise UserInputError(f"the crossover of {first[0]} and {second[0]} needs values for "
                             + ", ".join(sorted(others)) + " (pass them with --set)")
    syms = [s for s in free if s.name == var]
    if not syms:
        return []
    symbolic = _symbolic_crossovers(exprs, syms[0], lo, hi)
    if symbolic is not None:
        return symbolic
    sym = syms[0]

    def g(t: float) -> float:
        """log10(first / second) at var = t by the bounded evaluation (nan when undefined)."""
        logs = []
        for e in exprs:
            ev = floating(substitute(e, {sym: sympy.Float(t, 30)}))
            if ev.value is not None and ev.value.is_zero:
                logs.append(-math.inf)
                continue
            if ev.value is None or not ev.value > 0 or ev.log10 is None:
                return float("nan")
            logs.append(ev.log10)
        if logs[0] == logs[1]:  # both 0 (or equal infinities): no information here
            return float("nan") if math.isinf(logs[0]) else 0.0
        return logs[0] - logs[1]

    grid = np.logspace(math.log10(lo), math.log10(hi), 400)
    vals = np.array([g(t) for t in grid])
    roots = []
    for a, b, fa, fb in zip(grid[:-1], grid[1:], vals[:-1], vals[1:], strict=True):
        if np.isnan(fa) or np.isnan(fb) or np.sign(fa) * np.sign(fb) >= 0:
            continue
        # an infinite end (log of 0 at n = lo) is nudged inwards until finite
        while not np.isfinite(g(a)) and a < b:
            a = a + (b - a) * 1e-6 if a + (b - a) * 1e-6 > a else b
        while not np.isfinite(g(b)) and b > a:
            b = b - (b - a) * 1e-6
        if np.isfinite(g(a)) and np.isfinite(g(b)) and g(a) * g(b) < 0:
            roots.append(brentq(g, a, b, xtol=1e-14 * b, rtol=1e-12))
    return roots


#: Largest numeric exponent the symbolic crossover accepts (exact powers are computed).
_SYMBOLIC_MAX_POWER = 1_000


def _symbolic_crossovers(exprs, sym, lo: float, hi: float) -> list[float] | None:
    """Crossovers of monomial-like bounds solved exactly in log space; None when not safe.

    Only expressions whose numeric powers and exponentials are small are evaluated exactly
    (the substituted trees are unevaluated); everything else goes the numeric way.
    """
    for e in exprs:
        for p in e.atoms(sympy.Pow):
            if not p.exp.is_number:
                return None
            ev = floating(p.exp)
            if ev.value is None or abs(ev.value) > _SYMBOLIC_MAX_POWER:
                return None
        for f in e.atoms(sympy.exp):
            if f.args[0].is_number:
                ev = floating(f.args[0])
                if ev.value is None or abs(ev.value) > _SYMBOLIC_MAX_POWER:
                    return None
    x = sympy.Dummy("x", real=True)
    try:
        with time_limit(2.0):
            first, second = (e.doit() for e in exprs)  # safe: sizes checked above
            diff = sympy.expand_log(sympy.log(first) - sympy.log(second), force=True)
            diff = diff.xreplace({sym: sympy.exp(x)})
            diff = sympy.expand_log(diff, force=True)
            if sympy.Poly(diff, x).degree() > 1:
                return None
            sols = sympy.solve(diff, x)  # safe: already-built sympy expression
            out = []
            for s in sols:
                if not s.is_real:
                    continue
                t = float(s)
                if math.log(lo) <= t <= math.log(hi):
                    out.append(math.exp(t))
            return sorted(out)
    except (sympy.PolynomialError, sympy.GeneratorsNeeded, EvaluationTimeout, OverflowError,
            TypeError, ValueError):
        return None


def least_width(rows: list[WidthRow]) -> list[str | None]:
    """For each size, the statement whose requirement is smallest (None if none evaluated)."""
    out = []
    for j in range(len(rows[0].log10) if rows else 0):
        cands = [(r.log10[j], r.statement) for r in rows if r.log10[j] is not None]
        out.append(min(cands)[1] if cands else None)
    return out


__all__ = ["compare_widths", "crossovers", "exact", "exponents", "leading_exponent", "least_width"]
