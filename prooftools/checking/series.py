"""Quantified conditions over a recorded run: both sides evaluated at every index at once.

A condition with ``forall = ["k"]`` (or ``["t"]``) is lambdified with each indexed observable
replaced by its array. :class:`SeriesContext` resolves the grid (every step when each indexed
observable was recorded densely, else the recorded indices), index shifts (``resid_sq(k + 1)``)
and the k ↔ t reading on the other kind of run; :func:`judge_series` decides the relation and
:func:`condition_series` hands the two sides to the report's panels. The rounding rule is the
one of :func:`series_verdicts` (see :mod:`prooftools.checking.judge`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import sympy

from prooftools.checking.context import RTOL, JudgeContext
from prooftools.checking.judgement import Judgement, Reason, Verdict, Why
from prooftools.checking.relations import sides
from prooftools.checking.verdict import judge_relation, rounding_level
from prooftools.numerics.quantity import Quantity

__all__ = ["FLOOR", "RTOL", "SeriesContext", "judge_series", "series_verdicts"]

#: The scale of an index is never taken below FLOOR times the largest magnitude over the range.
FLOOR = 1e-4
#: Grid of values tried for a single hidden constant that must serve every index at once.
CONSTANT_GRID = np.logspace(-60, 60, 1201)

_INDEX_NAMES = ("k", "t")


def series_verdicts(
    small: np.ndarray, large: np.ndarray, op: str, *, rtol: float = RTOL, floor: float = FLOOR
) -> tuple[np.ndarray, np.ndarray]:
    """Per-index verdict codes (1 holds, 0 unknown, -1 fails) and relative margins.

    NaN entries (not measured) get code 0 and margin NaN; callers drop them first.

    >>> codes, _ = series_verdicts(np.array([1.0, 2.0, 1.0]), np.array([2.0, 1.0, 1.0]), "<=")
    >>> codes.tolist()
    [1, -1, 1]
    """
    s = np.asarray(small, dtype=float)
    lg = np.asarray(large, dtype=float)
    with np.errstate(all="ignore"):
        mag = np.maximum(np.abs(s), np.abs(lg))
        finite = mag[np.isfinite(mag)]
        big = float(finite.max()) if finite.size else 0.0
        scale = np.maximum(mag, floor * big)
        diff = lg - s
        margin = np.where(mag > 0, diff / np.where(mag > 0, mag, 1.0), 0.0)
        # inf on one side only: the sign of the difference decides
        inf = ~np.isfinite(mag) & ~np.isnan(diff)
        margin = np.where(inf, np.sign(diff), margin)
        tol = rtol * np.where(np.isfinite(scale), scale, 0.0)
        if op == "==":
            codes = np.where(np.abs(diff) <= tol, 1, -1)
            margin = -np.abs(margin)
        elif op == "<":
            codes = np.where(diff > tol, 1, np.where(diff < -tol, -1, 0))
        else:
            codes = np.where(diff > tol, 1, np.where(diff < -tol, -1, np.where(diff >= 0, 1, 0)))
        nan = np.isnan(s) | np.isnan(lg)
        codes = np.where(nan, 0, codes)
        margin = np.where(nan, np.nan, margin)
    return codes.astype(np.int64), margin.astype(float)


def _scalar(value) -> float:
    return float(value.value) if isinstance(value, Quantity) else float(value)


@dataclass
class SeriesContext:
    """Everything needed to evaluate an expression of a condition at every index of a run."""

    var: str
    grid: np.ndarray
    var_values: np.ndarray
    arrays: dict[str, np.ndarray]
    bind: dict
    point: Mapping[str, object]
    ones: dict[str, float]
    placeholders: dict
    where: str
    notes: list[Reason] = field(default_factory=list)

    def evaluate(self, e: sympy.Expr,
                 extra: Mapping[str, np.ndarray] | None = None) -> np.ndarray | str:
        """``e`` at every index (an array), or the name of a symbol that has no value."""
        e = e.xreplace(self.bind)
        extra = extra or {}
        scal = {}
        for s in e.free_symbols:
            if s.name in self.arrays or s.name in extra:
                continue
            if s.name in self.point:
                scal[s] = sympy.Float(_scalar(self.point[s.name]), 30)
            elif s.name in self.ones:
                scal[s] = sympy.Integer(1)
            else:
                return s.name
        e = e.xreplace(scal)
        if e.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):  # e.g. division by λ0 = 0
            e = e.xreplace({sympy.zoo: sympy.nan, sympy.oo: sympy.nan, -sympy.oo: sympy.nan})
        syms = sorted(e.free_symbols, key=lambda s: s.name)
        fn = sympy.lambdify(syms, e, modules="numpy")
        with np.errstate(all="ignore"):
            out = fn(*[extra[s.name] if s.name in extra else self.arrays[s.name] for s in syms])
        shape = np.broadcast_shapes(self.grid.shape, *[np.shape(v) for v in extra.values()])
        return np.broadcast_to(np.asarray(out, dtype=float), shape).copy()


def _offsets(indexed, var: str) -> dict | str:
    """Index shift of each indexed observable (``f(k + 2)`` → 2), or why it is unsupported."""
    offsets: dict[sympy.Basic, int] = {}
    for c in indexed:
        shift = (c.args[0] - sympy.Symbol(var)).xreplace(
            {s: sympy.Symbol(var) for s in c.args[0].free_symbols if s.name == var}
        ) if len(c.args) == 1 else None
        shift = sympy.simplify(shift) if shift is not None else None
        if shift is None or not shift.is_Integer:
            return f"indexed observable {c} must take ({var}) or ({var} + integer)"
        offsets[c] = int(shift)
    return offsets


def series_context(cond, prep, ctx: JudgeContext) -> SeriesContext | Reason:
    """The grid, arrays and bindings of a quantified condition (``prep``: the condition with
    constants and fixed observables bound), or the reason why it cannot be evaluated."""
    expr, when, indexed, point = prep.expr, prep.when, prep.indexed, prep.point
    trajectory, hidden = ctx.trajectory, ctx.hidden
    if len(cond.forall) != 1:
        return Reason(Why.UNSUPPORTED, detail=f"quantifier over {cond.forall} is not supported")
    var = cond.forall[0]
    offsets = _offsets(indexed, var)
    if isinstance(offsets, str):
        return Reason(Why.UNSUPPORTED, detail=offsets)
    names = sorted({c.func.__name__ for c in indexed})
    if trajectory.dense_index is not None and all(n in trajectory.dense for n in names):
        grid, table = np.asarray(trajectory.dense_index, float), trajectory.dense
        where = "every step"
    else:
        grid, table = np.asarray(trajectory.index, float), trajectory.observables
        where = "the recorded indices"
        absent = [n for n in names if n not in table]
        if absent:
            return Reason(Why.NOT_MEASURED, tuple(absent), detail="not recorded")
    run_index = trajectory.config.get("index", "k")
    eta = trajectory.config.get("eta")
    var_values, notes = grid, []
    if var in _INDEX_NAMES and var != run_index:
        if eta is None:
            return Reason(Why.UNSUPPORTED, detail=f"cannot read {var} on a run indexed by "
                          f"{run_index}")
        var_values = grid / eta if var == "k" else grid * eta
        notes.append(Reason(Why.INDEX_READING, (var, "t/η" if var == "k" else "η·k",
                                                "flow" if run_index == "t" else "discrete")))
    if any(offsets.values()) and var != run_index:
        return Reason(Why.UNSUPPORTED, detail=f"shifted index on a run indexed by {run_index}")
    placeholders = {c: sympy.Symbol(f"_obs_{c.func.__name__}_{i}") for i, c in enumerate(indexed)}
    var_sym = sympy.Symbol(f"_idx_{var}")
    bind = {**placeholders}
    for s in set().union(expr.free_symbols, *([] if when is None else [when.free_symbols])):
        if s.name == var:
            bind[s] = var_sym
    unbound = sorted({s.name for s in expr.free_symbols} & set(hidden) - set(point))
    arrays = {var_sym.name: var_values,
              **{p.name: _shifted(grid, table[c.func.__name__], offsets[c])
                 for c, p in placeholders.items()}}
    return SeriesContext(var=var, grid=grid, var_values=var_values, arrays=arrays, bind=bind,
                         point=point, ones={n: 1.0 for n in unbound},
                         placeholders=placeholders, where=where, notes=notes)


def when_mask(ctx: SeriesContext, when, rtol: float) -> np.ndarray | None:
    """Indices where the ``when`` clause holds (``None``: not measurable)."""
    inside = np.ones(ctx.grid.shape, dtype=bool)
    for part in (when.args if isinstance(when, sympy.And) else (when,)):
        ws, wl, wop = sides(part)
        a, b = ctx.evaluate(ws), ctx.evaluate(wl)
        if isinstance(a, str) or isinstance(b, str):
            return None
        wcodes, _ = series_verdicts(a, b, wop, rtol=rtol)
        inside &= (wcodes == 1) & ~(np.isnan(a) | np.isnan(b))
    return inside


def judge_series(ctx: JudgeContext, cond, prep, base) -> Judgement:
    """Judge a quantified condition over the context's run (``prep``: the condition with
    constants and fixed observables bound)."""
    def unknown(*reasons: Reason) -> Judgement:
        return Judgement(verdict=Verdict.UNKNOWN, reasons=reasons, **base)

    if ctx.trajectory is None:
        return unknown(Reason(Why.NOT_MEASURED, detail="no run recorded"))
    sctx = series_context(cond, prep, ctx)
    if isinstance(sctx, Reason):
        return unknown(sctx)
    reasons = [*prep.reasons, *sctx.notes]
    small_e, large_e, op = sides(prep.expr)
    small, large = sctx.evaluate(small_e), sctx.evaluate(large_e)
    for got in (small, large):
        if isinstance(got, str):
            return unknown(Reason(Why.NOT_MEASURED, (got,)))
    mask = ~(np.isnan(small) | np.isnan(large))
    n_measured = int(mask.sum())
    if prep.when is not None:
        inside = when_mask(sctx, prep.when, ctx.rtol)
        if inside is None:
            return unknown(Reason(Why.WHEN_NOT_MEASURABLE))
        mask &= inside
        reasons.append(Reason(Why.WHEN_RANGE, (cond.when_text,),
                              counts=(int(inside.sum()), int(sctx.grid.size))))
    if not mask.any():
        why = Why.NO_INDEX_IN_WHEN if prep.when is not None else Why.NEVER_MEASURED
        return unknown(Reason(why), *reasons)
    sel = np.nonzero(mask)[0]
    result, at = _decide(sctx, small, large, op, sel, n_measured, ctx.rtol, reasons, base)
    if sctx.ones:
        result = _with_hidden(result, sctx, prep.expr, (small_e, large_e, op), sel, at,
                              ctx.hidden, ctx.rtol)
    return result


def _decide(ctx, small, large, op, sel, n_measured, rtol, reasons, base) -> tuple[Judgement, int]:
    """The verdict, worst margin and first failure over the selected indices, and the worst
    index's position."""
    codes, margins = series_verdicts(small[sel], large[sel], op, rtol=rtol)
    # indices where both sides are bitwise equal (e.g. k = 0 of a rate) say nothing about slack
    informative = small[sel] != large[sel]
    pool = np.where(np.isnan(margins) | ~(informative if informative.any() else True),
                    np.inf, margins)
    worst = int(np.argmin(pool))
    fail = np.nonzero(codes == -1)[0]
    verdict = Verdict.FAILS if fail.size else (Verdict.UNKNOWN if (codes == 0).any()
                                                else Verdict.HOLDS)
    skipped = ctx.grid.size - n_measured
    coverage = Reason(Why.COVERAGE, (ctx.where,),
                      counts=(int(sel.size), int(ctx.grid.size), int(skipped)))
    at = int(sel[worst])
    margin, rounding = rounding_level(verdict, float(margins[worst]), rtol)
    return Judgement(
        verdict=verdict,
        margin=margin,
        lhs=float(small[at]),
        rhs=float(large[at]),
        worst_index=float(ctx.var_values[at]),
        first_failure=float(ctx.var_values[sel[fail[0]]]) if fail.size else None,
        reasons=(coverage, *reasons, *rounding),
        tolerance=rtol,
        **base,
    ), at


def _with_hidden(result, ctx, expr, sides_, sel, at, hidden, rtol) -> Judgement:
    """Unbound hidden constants: ``unknown`` with the implied range at the worst index, and
    for a single constant the range that serves every index (or ``fails`` if none does)."""
    unbound = sorted(ctx.ones)
    pt = {**ctx.point, ctx.var: float(ctx.var_values[at]),
          **{p.name: float(ctx.arrays[p.name][at]) for p in ctx.placeholders.values()}}
    rel = expr.xreplace(ctx.placeholders)
    single = judge_relation(rel, pt, hidden=hidden, rtol=rtol)
    hidden_reason = Reason(Why.HIDDEN_CONSTANT, tuple(unbound),
                           detail="implied range at the worst index")
    result = replace(result, verdict=Verdict.UNKNOWN,
                     implied_constants=single.implied_constants,
                     first_failure=None, reasons=(*result.reasons, hidden_reason))
    if len(unbound) == 1:
        small_e, large_e, op = sides_
        result = _scan_constant(result, unbound[0], ctx.evaluate, small_e, large_e, op, sel,
                                ctx.var_values, rtol)
    return result


def _scan_constant(result, name, series, small_e, large_e, op, sel, var_values, rtol):
    """One O/Ω constant must make the relation hold at *every* index. Scan C over
    :data:`CONSTANT_GRID` (all indices at once): if no C works the verdict is ``fails`` with the
    first index at which the set of admissible C became empty; otherwise the admissible grid range
    is reported. NaN/undecided entries count as admissible (a failure must be certain)."""
    grid_c = CONSTANT_GRID[:, None]
    try:
        small, large = series(small_e, {name: grid_c}), series(large_e, {name: grid_c})
    except (KeyError, TypeError, ValueError, ZeroDivisionError):  # zoo/nan after substitution
        return result
    if isinstance(small, str) or isinstance(large, str):
        return result
    small, large = small[:, sel], large[:, sel]
    with np.errstate(all="ignore"):
        mag = np.maximum(np.abs(small), np.abs(large))
        diff = large - small
        tol = rtol * np.where(np.isfinite(mag), mag, 0.0)
        bad = (diff < -tol) if op != "<" else (diff <= -tol)
        if op == "==":
            bad = np.abs(diff) > tol
    bad &= ~(np.isnan(small) | np.isnan(large))
    alive = np.logical_and.accumulate(~bad, axis=1)  # C admissible at every index so far
    if alive[:, -1].any():
        ok = CONSTANT_GRID[alive[:, -1]]
        rng = f"in [{ok.min():.3g}, {ok.max():.3g}] (grid)"
        implied = {**result.implied_constants, f"{name} (all indices)": rng}
        return replace(result, implied_constants=implied,
                       reasons=(*result.reasons, Reason(Why.CONSTANT_RANGE, (name,), rng)))
    dead = int(np.argmax(~alive.any(axis=0)))
    return replace(result, verdict=Verdict.FAILS,
                   first_failure=float(var_values[sel[dead]]),
                   implied_constants={**result.implied_constants, name: "none"},
                   reasons=(*result.reasons, Reason(Why.CONSTANT_NONE, (name,))))


def _shifted(grid: np.ndarray, values: np.ndarray, offset: int) -> np.ndarray:
    """``values`` read at ``grid + offset`` (NaN where that index was not recorded)."""
    values = np.asarray(values, float)
    if offset == 0:
        return values
    want = grid + offset
    pos = np.clip(np.searchsorted(grid, want), 0, grid.size - 1)
    return np.where(grid[pos] == want, values[pos], np.nan)
