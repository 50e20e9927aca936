"""A stated bound that hides a polynomial degree: the smallest degree its derivation implies.

An umbrella statement writes poly(n, 1/φ, L) as (nL/φ)^a with ``a`` a declared constant of
unknown value, so its orders cannot be compared with a derivation's. What the derivation does
fix is how large ``a`` must be: in every variable and every branch, the stated power must reach
the derived one (a lower bound m ≥ … must grow at least as fast; an upper bound η ≤ … at most
as fast), over each branch's range of its exponent parameters (26 − 2p for 0 ≤ p < 1/2 needs
26). :func:`implied_degrees` gives that limit per hidden degree; :func:`degree_text` says it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sympy

from prooftools.theory.derivation.judging import side_intervals

if TYPE_CHECKING:
    from prooftools.theory.definitions import Statement
    from prooftools.theory.registry import Registry

__all__ = ["DegreeLimit", "degree_text", "implied_degrees"]


@dataclass(frozen=True)
class DegreeLimit:
    """``symbol ≥ value`` (``at_least``) or ``symbol ≤ value``, and each variable's own limit."""

    symbol: sympy.Symbol
    at_least: bool
    value: sympy.Expr
    per_variable: tuple[tuple[str, sympy.Expr], ...]


def _hidden(registry: Registry, e: sympy.Expr) -> list[sympy.Symbol]:
    return sorted((s for s in e.free_symbols
                   if getattr(registry.symbols.get(s.name), "role", "") == "constant"),
                  key=sympy.default_sort_key)


def _extreme(r: sympy.Expr, box: dict, largest: bool) -> sympy.Expr | None:
    """The sup (inf) of ``r`` over the box of exponent-parameter intervals: exact for ``r``
    affine in each parameter (its extremes sit at the corners); None otherwise or unbounded."""
    params = sorted(r.free_symbols, key=sympy.default_sort_key)
    if any(p not in box for p in params):
        return None
    if params:
        try:
            poly = sympy.Poly(r, *params)
        except sympy.PolynomialError:
            return None
        if poly.total_degree() > 1:
            return None
    corners = []
    for point in itertools.product(*((box[p][0], box[p][2]) for p in params)):
        v = r.xreplace(dict(zip(params, point, strict=True)))
        if v in (sympy.oo, -sympy.oo):
            if (v == sympy.oo) == largest:
                return None  # unbounded the way that matters
            continue
        if not v.is_number or not v.is_finite:
            return None
        corners.append(v)
    if not corners:
        return None
    return max(corners) if largest else min(corners)


def _case_limits(registry: Registry, st: Statement, case, expr, stated: sympy.Expr,
                 lower: bool) -> dict:
    """(symbol, at_least) → [(variable, limit)] for one branch."""
    box = side_intervals(registry, st, case.condition, (expr, stated))
    out: dict = {}
    for label, so in case.stated_orders.items():
        do = case.derived_orders.get(label)
        if so is None or do is None:
            continue
        hidden = _hidden(registry, so.power)
        if len(hidden) != 1:
            continue
        a = hidden[0]
        slope = sympy.diff(so.power, a)
        roots = sympy.solve(sympy.Eq(so.power, do.power), a)
        if not slope.is_number or slope == 0 or len(roots) != 1:
            continue
        at_least = (slope > 0) == lower  # the stated power must reach the derived one
        limit = _extreme(roots[0], box, largest=at_least)
        if limit is not None:
            out.setdefault((a, at_least), []).append((label, limit))
    return out


def implied_degrees(registry: Registry, st: Statement, stated: sympy.Expr, cases,
                    derived_cases, lower: bool) -> list[DegreeLimit]:
    """The limit on each degree the stated bound hides, over every branch and variable.

    ``cases``: the branch verdicts (orders per variable); ``derived_cases``: (condition, derived
    bound) pairs in the same order; ``lower``: the bound is a lower bound on its symbol.
    """
    merged: dict = {}
    for case, (_, expr) in zip(cases, derived_cases, strict=True):
        for key, limits in _case_limits(registry, st, case, expr, stated, lower).items():
            merged.setdefault(key, []).extend(limits)
    out = []
    for (a, at_least), limits in merged.items():
        pick = max if at_least else min
        per: dict[str, sympy.Expr] = {}
        for label, v in limits:
            per[label] = pick(per[label], v) if label in per else v
        out.append(DegreeLimit(a, at_least, pick(per.values()), tuple(per.items())))
    return out


def degree_text(limits: list[DegreeLimit]) -> str:
    """``the stated bound hides a degree: the derivation implies a ≥ 38 (L: 38, n: 26, …)``."""
    if not limits:
        return ""
    parts = []
    for d in limits:
        rel = "≥" if d.at_least else "≤"
        each = ", ".join(f"{label}: {rel} {sympy.sstr(v)}" for label, v in d.per_variable)
        parts.append(f"{d.symbol} {rel} {sympy.sstr(d.value)} ({each})")
    what = "the smallest" if all(d.at_least for d in limits) else "the extreme"
    return ("the stated bound hides a degree; the derivation implies " + "; ".join(parts)
            + f", {what} value that makes the stated orders reach the derived ones in every "
            "variable and branch")
