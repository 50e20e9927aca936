"""Verdicts: judge one sympy relation at measured numbers, with margin and implied constants.

A verdict must be able to fail. A relation is decided only when the numbers decide it beyond
rounding; a relation that still contains a hidden constant (O/Ω) is not guessed: we report the
range of that constant for which it holds (the *implied constant*) and call it ``unknown`` unless
the constant has an explicit value that the caller chose to substitute.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping

import mpmath
import sympy

from prooftools.checking.judgement import Judgement, Reason, Verdict, Why, combine, verdict_rank
from prooftools.checking.relations import DPS, as_mpf, evaluate, relative_margin, sides
from prooftools.numerics.quantity import Quantity

__all__ = ["DPS", "Judgement", "Reason", "Verdict", "Why", "combine", "estimated_criterion_verdict",
           "evaluate", "implied_constant", "judge_relation", "rounding_level", "sides"]


def rounding_level(verdict: Verdict, margin: float, rtol: float) -> tuple[float, tuple]:
    """A negative margin inside the rounding tolerance: clamped to 0 when the verdict holds
    (equal within rounding), kept but explained when it is undecided; with its reason."""
    if margin is None or not math.isfinite(margin) or margin > 0 or abs(margin) > rtol:
        return margin, ()
    if margin == 0:  # an equation met exactly: no slack, and never "-0"
        return 0.0, ()
    if verdict == Verdict.HOLDS:
        return 0.0, (Reason(Why.ROUNDING, detail="counted as 0", value=margin, tolerance=rtol),)
    if verdict == Verdict.UNKNOWN:
        return margin, (Reason(Why.ROUNDING, detail="undecided", value=margin, tolerance=rtol),)
    return margin, ()


def _decide(small, large, op: str, rtol: float) -> tuple[Verdict, float]:
    if mpmath.isnan(small) or mpmath.isnan(large):
        return Verdict.UNKNOWN, math.nan
    margin = relative_margin(small, large)
    if op == "==":
        return (Verdict.HOLDS if abs(margin) <= rtol else Verdict.FAILS), -abs(margin)
    if abs(margin) <= rtol:
        # Within rounding: a non-strict inequality at equality holds; anything else is undecided.
        if op == "<=" and small <= large:
            return Verdict.HOLDS, margin
        return Verdict.UNKNOWN, margin
    holds = small < large if op == "<" else small <= large
    return (Verdict.HOLDS if holds else Verdict.FAILS), margin


def implied_constant(
    rel: sympy.Rel, constant: sympy.Symbol, values: Mapping[str, mpmath.mpf]
) -> str | None:
    """The range of a hidden positive constant for which ``rel`` holds at ``values``.

    Returns a string such as ``"<= 3.1e-05"``, ``">= 12"``, ``"any"`` or ``"none"``.

    >>> m, C, n = sympy.symbols("m C n", positive=True)
    >>> implied_constant(m >= C * n**2, C, {"m": mpmath.mpf(400), "n": mpmath.mpf(10)})
    '<= 4'
    """
    small, large, op = sides(rel)
    diff = (large - small).xreplace(
        {s: sympy.Float(values[s.name], DPS) for s in rel.free_symbols if s.name in values}
    )
    if diff.free_symbols - {constant}:
        return None
    roots = []
    try:
        for root in sympy.solve(diff, constant):  # safe: solving an already-built sympy expression
            val = complex(sympy.N(root, DPS))
            if abs(val.imag) <= 1e-12 * max(1.0, abs(val.real)) and val.real > 0:
                roots.append(val.real)
    except (NotImplementedError, TypeError, ValueError):
        return None

    def ok(c: float) -> bool:
        v = diff.xreplace({constant: sympy.Float(c, DPS)})
        v = float(sympy.N(v, DPS))  # safe: numeric sympy expression
        return v > 0 if op == "<" else (v >= 0 if op == "<=" else v == 0)

    if not roots:
        return "any" if ok(1.0) else "none"
    if len(roots) > 1:
        return "between " + ", ".join(f"{r:.4g}" for r in sorted(roots))
    root = roots[0]
    if ok(root / 2):
        return f"<= {root:.4g}"
    if ok(root * 2):
        return f">= {root:.4g}"
    return f"= {root:.4g}"


def _with_open_constants(rel, point, unbound_hidden, rtol, base) -> Judgement:
    """Hidden constants left open: the margin with each at 1, the implied range of each, and a
    decided verdict only when every range is "any" (holds) or one is "none" (fails)."""
    small_e, large_e, op = sides(rel)
    implied = {}
    for name in unbound_hidden:
        others = {**point, **{o: mpmath.mpf(1) for o in unbound_hidden if o != name}}
        sym = next(s for s in rel.free_symbols if s.name == name)
        got = implied_constant(rel, sym, others)
        if got is not None:
            implied[name] = got
    ones = {**point, **{o: mpmath.mpf(1) for o in unbound_hidden}}
    small, large = evaluate(small_e, ones), evaluate(large_e, ones)
    verdict, margin = _decide(small, large, op, rtol)
    decided = [v for v in implied.values() if v in ("any", "none")]
    if decided and len(decided) == len(unbound_hidden):
        verdict = Verdict.HOLDS if all(v == "any" for v in decided) else Verdict.FAILS
    else:
        verdict = Verdict.UNKNOWN
    return Judgement(
        verdict=verdict,
        margin=margin,
        lhs=float(small),
        rhs=float(large),
        implied_constants=implied,
        reasons=(Reason(Why.HIDDEN_CONSTANT, tuple(unbound_hidden)),),
        tolerance=rtol,
        **base,
    )


def judge_relation(
    rel: sympy.Basic,
    values: Mapping[str, float | int | Quantity],
    *,
    statement: str = "",
    item: str = "",
    kind: str = "hypothesis",
    text: str | None = None,
    constants: Mapping[str, float | sympy.Basic] | None = None,
    hidden: set[str] | frozenset[str] = frozenset(),
    rtol: float = 1e-9,
) -> Judgement:
    """Judge ``rel`` (a sympy relation or ``And`` of relations) at ``values``.

    ``constants`` gives explicit values for hidden constants (e.g. derived ones); names in
    ``hidden`` that stay unbound make the verdict ``unknown`` and are reported through the
    implied constant. Quantities with proven ``lower``/``upper`` bounds are checked at every
    corner of their box, so a verdict on a certified quantity is a proof (for relations monotone
    in each such quantity, which covers the hypotheses of the encoded papers).

    >>> lam = sympy.Symbol("lambda0", nonnegative=True)
    >>> judge_relation(lam > 0, {"lambda0": Quantity(1e-3, lower=9e-4)}).verdict
    <Verdict.HOLDS: 'holds'>
    >>> judge_relation(lam > 0, {"lambda0": Quantity(1e-18, lower=-1e-15)}).verdict
    <Verdict.UNKNOWN: 'unknown'>
    """
    text = text if text is not None else str(rel)
    base = dict(statement=statement, item=item, kind=kind, inequality=text)
    if isinstance(rel, sympy.And):
        parts = [
            judge_relation(a, values, statement=statement, item=item, kind=kind, text=text,
                           constants=constants, hidden=hidden, rtol=rtol)
            for a in rel.args
        ]
        worst = min(parts, key=lambda j: verdict_rank(j.verdict) * 10 + (j.margin or 0))
        return worst
    if rel in (sympy.true, sympy.false):
        verdict = Verdict.HOLDS if rel == sympy.true else Verdict.FAILS
        return Judgement(verdict=verdict, reasons=(Reason(Why.SYMBOLIC),), **base)
    constants = dict(constants or {})
    with mpmath.workdps(DPS):
        point = {k: as_mpf(v) for k, v in values.items()}
        point.update({k: as_mpf(v) for k, v in constants.items()})
        names = {s.name for s in rel.free_symbols}
        unbound_hidden = sorted(names & set(hidden) - set(point))
        missing = sorted(names - set(point) - set(unbound_hidden))
        if missing:
            return Judgement(verdict=Verdict.UNKNOWN,
                             reasons=(Reason(Why.NOT_MEASURED, tuple(missing)),), **base)
        small_e, large_e, op = sides(rel)
        if unbound_hidden:
            return _with_open_constants(rel, point, unbound_hidden, rtol, base)
        small, large = evaluate(small_e, point), evaluate(large_e, point)
        verdict, margin = _decide(small, large, op, rtol)
        reasons: tuple[Reason, ...] = ()
        boxed = [
            k
            for k, v in values.items()
            if isinstance(v, Quantity)
            and k in names
            and (v.lower is not None or v.upper is not None)
        ]
        if boxed and op != "==":
            verdict, why = _certify(small_e, large_e, op, point, values, boxed)
            reasons = (why,)
        margin, rounding = rounding_level(verdict, margin, rtol)
        return Judgement(verdict=verdict, margin=margin, lhs=float(small), rhs=float(large),
                         reasons=reasons + rounding, tolerance=rtol, **base)


def _certify(small_e, large_e, op, point, values, boxed) -> tuple[Verdict, Reason]:
    """Decide with proven bounds: the slack large − small is checked at every corner of the box
    of the bounded quantities. It holds if the slack is positive (≥ 0 for <=) at every corner,
    and fails if it is ≤ 0 (< 0 for <=) at every corner — e.g. ``sep > 0`` with sep proven 0."""
    def bound(q: Quantity, side: str) -> float:
        b = q.lower if side == "lower" else q.upper
        return q.value if b is None else b

    slacks = []
    for corner in itertools.product(("lower", "upper"), repeat=len(boxed)):
        pt = {**point, **{k: as_mpf(bound(values[k], c)) for k, c in zip(boxed, corner,
                                                                      strict=True)}}
        slacks.append(evaluate(large_e, pt) - evaluate(small_e, pt))
    if any(mpmath.isnan(s) for s in slacks):
        return Verdict.UNKNOWN, Reason(Why.UNDEFINED_AT_BOUNDS)
    lo, hi = min(slacks), max(slacks)
    names = tuple(boxed)
    if (lo > 0) if op == "<" else (lo >= 0):
        return Verdict.HOLDS, Reason(Why.CERTIFIED, names)
    if (hi <= 0) if op == "<" else (hi < 0):
        return Verdict.FAILS, Reason(Why.CERTIFIED, names)
    return Verdict.UNKNOWN, Reason(Why.UNDECIDED_IN_BOUNDS, names)


def estimated_criterion_verdict(criterion: Mapping[str, object]) -> str:
    """The verdict on a criterion whose right side is an upper-bound *estimate* (Chatterjee's
    α): a violation is rigorous, a satisfied inequality only estimated.

    >>> estimated_criterion_verdict({"satisfied": True}), estimated_criterion_verdict(
    ...     {"satisfied": True, "satisfied_gd": False})
    ('holds (estimated)', 'fails')
    """
    ok = criterion.get("satisfied_gd", criterion["satisfied"])
    return f"{Verdict.HOLDS} (estimated)" if ok else str(Verdict.FAILS)
