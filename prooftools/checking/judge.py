"""Judge one theorem condition over a recorded run: "for all k" checked at every recorded index.

A :class:`~prooftools.theory.definitions.Condition` is a sympy relation in data, parameters,
hidden constants and observables (``resid_sq(k)``, ``ntk_min(0)``, ``sperp_sum(R)``, …). This
module meets the two layers: observables are looked up by their vocabulary *names* in a
:class:`~prooftools.numerics.trajectory.Trajectory`.

How a condition is judged
- Observables with fixed arguments (``resid_sq(0)``, ``ntk_init_dev()``, ``sperp_sum(c δ λ0/n²)``)
  become numbers first; an argument is itself evaluated at the data (so ``sperp_sum`` needs R).
- Without ``forall`` the relation goes to :func:`~prooftools.checking.verdict.judge_relation`
  (exact-then-mpmath evaluation, certified boxes for :class:`Quantity`, implied hidden constants).
- With ``forall = ["k"]`` (or ``["t"]``) the two sides are lambdified with each indexed
  observable replaced by its array, and evaluated at every recorded index at once. When every
  indexed observable was recorded at every step (``trajectory.dense``, e.g. ``resid_sq`` and
  ``loss_ratio`` for full-batch GD) the check covers every k, otherwise the recorded ones; indices
  where an observable was not measured (NaN, e.g. the NTK's coarser stride) are skipped and
  counted. ``when`` restricts the range to the indices where it holds. A ``k``-quantified condition
  on a gradient-flow run is read at k = t/η, a ``t``-quantified one on a GD run at t = η·k.
- margin = the worst relative slack ``(rhs − lhs)/max(|lhs|, |rhs|)`` over the range (negative when
  violated), reported with its index (``worst_index``); ``first_failure`` is the first index where
  the relation fails.

Rounding tolerance
  At each index the relation is decided only beyond ``tol = rtol · scale`` with ``rtol = 1e-9`` and
  ``scale = max(|lhs|, |rhs|, 1e-4·S)``, S the largest magnitude either side reaches over the
  range. Within the tolerance a non-strict inequality at equality holds, anything else is
  ``unknown``. The floor 1e-4·S (i.e. an absolute 1e-13·S) keeps values that decayed to the
  float64 noise floor of a run whose quantities were of size S from being over-interpreted.

Hidden constants
  An O/Ω constant without a substituted value is set to 1 to locate the worst index; the implied
  range of the constant (e.g. ``C ≤ m λ0⁴ δ³ / n⁶`` for a width hypothesis) is then solved at that
  index. This is exact when the constant is a positive factor of one side, as every O/Ω in the
  theorem files is. The verdict is ``unknown`` with the implied range, as in ``judge_relation``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np
import sympy
from sympy.core.function import AppliedUndef

from prooftools.checking.verdict import Judgement, Verdict, combine, judge_relation, sides
from prooftools.numerics.quantity import Quantity
from prooftools.numerics.trajectory import Trajectory
from prooftools.theory.definitions import Condition

__all__ = ["FLOOR", "RTOL", "judge_condition", "observable_calls", "series_verdicts"]

#: Relative rounding tolerance of every decision.
RTOL = 1e-9
#: The scale of an index is never taken below FLOOR times the largest magnitude over the range.
FLOOR = 1e-4

_INDEX_NAMES = ("k", "t")


def observable_calls(expr: sympy.Basic) -> list[sympy.Basic]:
    """Observable applications in ``expr`` (``resid_sq(k)``, ``resid_sq(0)``, …), sorted by text.

    >>> k = sympy.Symbol("k")
    >>> [str(c) for c in observable_calls(sympy.Function("resid_sq")(k) <= 2)]
    ['resid_sq(k)']
    """
    return sorted(expr.atoms(AppliedUndef), key=str)


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


def _fixed_value(
    call: sympy.Basic, values: Mapping[str, object], trajectory: Trajectory | None,
    functions: Mapping[str, Callable[..., object]] | None = None,
) -> tuple[object | None, str]:
    """The number an observable with fixed arguments stands for, or (None, why not).

    ``functions`` maps an observable whose argument is not an index (``ch_alpha(r)``,
    ``zou_small_preact(β)``) to a function of the evaluated arguments (``None``: not measured).
    """
    name = call.func.__name__
    if trajectory is None and not (functions and name in functions):
        return None, f"{name}: no run recorded"
    args = []
    for arg in call.args:
        free = sorted(s.name for s in arg.free_symbols)
        missing = [f for f in free if f not in values]
        if missing:
            return None, f"argument of {name} needs {', '.join(missing)}"
        num = arg.xreplace({s: sympy.Float(_scalar(values[s.name]), 30) for s in arg.free_symbols})
        args.append(float(sympy.N(num, 30)))  # safe: numeric sympy expression from our parser
    if functions and name in functions:
        got = functions[name](*args)
        if got is None:
            return None, f"{name}({', '.join(f'{a:.4g}' for a in args)}) not measured"
        return got, ""
    if name == "sperp_sum":
        if trajectory.sperp_R is None or "sperp_sum" not in trajectory.scalars:
            return None, "sperp_sum not recorded"
        R = args[0]
        Rs = np.asarray(trajectory.sperp_R, dtype=float)
        counts = np.asarray(trajectory.scalars["sperp_sum"], dtype=float)
        j = int(np.searchsorted(Rs, R, side="left"))
        if j < len(Rs) and Rs[j] == R:
            return float(counts[j]), ""
        upper = float(counts[j]) if j < len(Rs) else math.inf
        lower = float(counts[j - 1]) if j > 0 else 0.0
        return Quantity(upper, lower=lower, upper=upper, note="bracketed by sampled radii"), (
            f"sperp_sum at R = {R:.4g} bracketed by the sampled radii"
        )
    if not args:
        if name in trajectory.scalars:
            return float(trajectory.scalars[name]), ""
        return None, f"{name} not recorded"
    if len(args) != 1:
        return None, f"{name} with {len(args)} fixed arguments is not supported"
    at = args[0]
    for idx, table in ((trajectory.dense_index, trajectory.dense),
                       (trajectory.index, trajectory.observables)):
        if idx is None or name not in table:
            continue
        hit = np.nonzero(np.asarray(idx, dtype=float) == at)[0]
        if hit.size and math.isfinite(float(table[name][hit[0]])):
            return float(table[name][hit[0]]), ""
    return None, f"{name}({at:g}) not recorded"


def _bind(expr: sympy.Basic, calls: list[sympy.Basic], fixed: dict[str, object]) -> sympy.Basic:
    return expr.xreplace({c: sympy.Symbol(str(c)) for c in calls if str(c) in fixed})


def judge_condition(
    cond: Condition,
    values: Mapping[str, object],
    *,
    trajectory: Trajectory | None = None,
    statement: str = "",
    kind: str = "hypothesis",
    constants: Mapping[str, sympy.Basic] | None = None,
    hidden: set[str] | frozenset[str] = frozenset(),
    rtol: float = RTOL,
    functions: Mapping[str, Callable[..., object]] | None = None,
) -> Judgement:
    """Judge ``cond`` at data/parameter ``values`` and, for observables, over ``trajectory``.

    ``constants`` maps hidden-constant names to the values to substitute (e.g. the derived ones);
    names in ``hidden`` left unbound yield ``unknown`` with the implied range of the constant.

    >>> from prooftools.theory.definitions import Condition
    >>> k = sympy.Symbol("k", nonnegative=True, integer=True)
    >>> r = sympy.Function("resid_sq")
    >>> cond = Condition("rate", r(k) <= sympy.Rational(1, 2)**k * r(0), "…", "verified", "",
    ...                  forall=("k",))
    >>> tr = Trajectory(config={"index": "k"}, index=np.arange(4.0),
    ...                 observables={"resid_sq": np.array([8.0, 4.0, 3.0, 1.0])})
    >>> j = judge_condition(cond, {}, trajectory=tr)
    >>> j.verdict, j.first_failure
    (<Verdict.FAILS: 'fails'>, 2.0)
    """
    expr = cond.expr
    base = dict(statement=statement, item=cond.name, kind=kind, inequality=cond.text)
    if isinstance(expr, sympy.And):
        parts = [
            judge_condition(replace(cond, expr=a), values, trajectory=trajectory,
                            statement=statement, kind=kind, constants=constants, hidden=hidden,
                            rtol=rtol, functions=functions)
            for a in expr.args
        ]
        worst = combine([p.verdict for p in parts])
        pick = min((p for p in parts if p.verdict == worst),
                   key=lambda p: p.margin if p.margin is not None and
                   math.isfinite(p.margin) else math.inf)
        return replace(pick, inequality=cond.text)
    subs = {s: constants[s.name] for s in expr.free_symbols if constants and s.name in constants}
    expr = expr.xreplace(subs)
    when = cond.when.xreplace(subs) if cond.when is not None else None
    if when is not None and constants:
        when = when.xreplace({s: constants[s.name] for s in when.free_symbols
                              if s.name in constants})
    index_vars = [v for v in cond.forall]
    idx_syms = {s for s in expr.free_symbols if s.name in index_vars}
    calls = observable_calls(expr) + (observable_calls(when) if when is not None else [])
    indexed = [c for c in calls if any(s.name in index_vars for s in c.free_symbols)]
    fixed_calls = [c for c in calls if c not in indexed]
    fixed: dict[str, object] = {}
    notes: list[str] = []
    for call in fixed_calls:
        val, why = _fixed_value(call, values, trajectory, functions)
        if val is None:
            return Judgement(verdict=Verdict.UNKNOWN, note="not measured: " + why, **base)
        fixed[str(call)] = val
        if why:
            notes.append(why)
    point = {**values, **fixed}
    expr_b = _bind(expr, fixed_calls, fixed)
    when_b = _bind(when, fixed_calls, fixed) if when is not None else None
    if not indexed and not idx_syms:
        if when_b is not None:
            wj = judge_relation(when_b, point, hidden=hidden, rtol=rtol)
            if wj.verdict != Verdict.HOLDS:
                return Judgement(verdict=Verdict.UNKNOWN, note="`when` clause not met", **base)
        fast = _fast_hidden(expr_b, point, hidden, rtol, base)
        if fast is not None:
            return replace(fast, note="; ".join(n for n in [*notes, fast.note] if n))
        try:
            j = judge_relation(expr_b, point, hidden=hidden, rtol=rtol, text=cond.text, **{
                k: v for k, v in base.items() if k != "inequality"})
        except (TypeError, ValueError, ZeroDivisionError) as exc:  # e.g. 1/λ0 at λ0 = 0
            return Judgement(verdict=Verdict.UNKNOWN,
                             note=f"not evaluable at these values ({exc})", **base)
        return replace(j, note="; ".join(n for n in [*notes, j.note] if n))
    return _judge_series(cond, expr_b, when_b, indexed, point, trajectory, base, hidden, rtol,
                         notes)


def _judge_series(cond, expr, when, indexed, point, trajectory, base, hidden, rtol, notes):
    if trajectory is None:
        return Judgement(verdict=Verdict.UNKNOWN, note="not measured: no run recorded", **base)
    if len(cond.forall) != 1:
        return Judgement(verdict=Verdict.UNKNOWN,
                         note=f"quantifier over {cond.forall} is not supported", **base)
    var = cond.forall[0]
    offsets: dict[sympy.Basic, int] = {}
    for c in indexed:
        shift = (c.args[0] - sympy.Symbol(var)).xreplace(
            {s: sympy.Symbol(var) for s in c.args[0].free_symbols if s.name == var}
        ) if len(c.args) == 1 else None
        shift = sympy.simplify(shift) if shift is not None else None
        if shift is None or not shift.is_Integer:
            return Judgement(verdict=Verdict.UNKNOWN,
                             note=f"indexed observable {c} must take ({var}) or ({var} + integer)",
                             **base)
        offsets[c] = int(shift)
    names = sorted({c.func.__name__ for c in indexed})
    dense_ok = trajectory.dense_index is not None and all(n in trajectory.dense for n in names)
    if dense_ok:
        grid, table = np.asarray(trajectory.dense_index, float), trajectory.dense
        where = "every step"
    else:
        grid, table = np.asarray(trajectory.index, float), trajectory.observables
        where = "the recorded indices"
        absent = [n for n in names if n not in table]
        if absent:
            return Judgement(verdict=Verdict.UNKNOWN,
                             note="not measured: " + ", ".join(absent) + " not recorded", **base)
    run_index = trajectory.config.get("index", "k")
    eta = trajectory.config.get("eta")
    var_values = grid
    if var in _INDEX_NAMES and var != run_index:
        if eta is None:
            return Judgement(verdict=Verdict.UNKNOWN,
                             note=f"cannot read {var} on a run indexed by {run_index}", **base)
        var_values = grid / eta if var == "k" else grid * eta
        notes.append(f"{var} read as {'t/η' if var == 'k' else 'η·k'} on this "
                     f"{'flow' if run_index == 't' else 'discrete'} run")
    if any(offsets.values()) and var != run_index:
        return Judgement(verdict=Verdict.UNKNOWN,
                         note=f"shifted index on a run indexed by {run_index}", **base)
    placeholders = {c: sympy.Symbol(f"_obs_{c.func.__name__}_{i}") for i, c in enumerate(indexed)}
    var_sym = sympy.Symbol(f"_idx_{var}")
    bind = {**placeholders}
    for s in set().union(expr.free_symbols, *([] if when is None else [when.free_symbols])):
        if s.name == var:
            bind[s] = var_sym
    unbound_hidden = sorted({s.name for s in expr.free_symbols} & set(hidden) - set(point))
    ones = {n: 1.0 for n in unbound_hidden}
    arrays = {var_sym.name: var_values, **{p.name: _shifted(grid, table[c.func.__name__],
                                                            offsets[c])
                                           for c, p in placeholders.items()}}

    def series(e: sympy.Expr, extra: Mapping[str, np.ndarray] | None = None) -> np.ndarray | str:
        e = e.xreplace(bind)
        extra = extra or {}
        scal = {}
        for s in e.free_symbols:
            if s.name in arrays or s.name in extra:
                continue
            if s.name in point:
                scal[s] = sympy.Float(_scalar(point[s.name]), 30)
            elif s.name in ones:
                scal[s] = sympy.Integer(1)
            else:
                return s.name
        e = e.xreplace(scal)
        if e.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):  # e.g. division by λ0 = 0
            e = e.xreplace({sympy.zoo: sympy.nan, sympy.oo: sympy.nan, -sympy.oo: sympy.nan})
        syms = sorted(e.free_symbols, key=lambda s: s.name)
        fn = sympy.lambdify(syms, e, modules="numpy")
        with np.errstate(all="ignore"):
            out = fn(*[extra[s.name] if s.name in extra else arrays[s.name] for s in syms])
        shape = np.broadcast_shapes(grid.shape, *[np.shape(v) for v in extra.values()])
        return np.broadcast_to(np.asarray(out, dtype=float), shape).copy()

    small_e, large_e, op = sides(expr)
    small, large = series(small_e), series(large_e)
    for got in (small, large):
        if isinstance(got, str):
            return Judgement(verdict=Verdict.UNKNOWN, note=f"not measured: {got}", **base)
    mask = ~(np.isnan(small) | np.isnan(large))
    n_measured = int(mask.sum())
    if when is not None:
        inside = np.ones(grid.shape, dtype=bool)
        for part in (when.args if isinstance(when, sympy.And) else (when,)):
            ws, wl, wop = sides(part)
            a, b = series(ws), series(wl)
            if isinstance(a, str) or isinstance(b, str):
                return Judgement(verdict=Verdict.UNKNOWN, note="`when` clause not measurable",
                                 **base)
            wcodes, _ = series_verdicts(a, b, wop, rtol=rtol)
            inside &= (wcodes == 1) & ~(np.isnan(a) | np.isnan(b))
        mask &= inside
        notes.append(f"`when` {cond.when_text} true at {int(inside.sum())} of {grid.size}")
    if not mask.any():
        why = "no index satisfies the `when` clause" if when is not None else "never measured"
        return Judgement(verdict=Verdict.UNKNOWN, note="; ".join([why, *notes]), **base)
    sel = np.nonzero(mask)[0]
    codes, margins = series_verdicts(small[sel], large[sel], op, rtol=rtol)
    # indices where both sides are bitwise equal (e.g. k = 0 of a rate) say nothing about slack
    informative = small[sel] != large[sel]
    pool = np.where(np.isnan(margins) | ~(informative if informative.any() else True),
                    np.inf, margins)
    worst = int(np.argmin(pool))
    fail = np.nonzero(codes == -1)[0]
    verdict = Verdict.FAILS if fail.size else (Verdict.UNKNOWN if (codes == 0).any()
                                                else Verdict.HOLDS)
    skipped = grid.size - n_measured
    notes.insert(0, f"checked at {sel.size} of {grid.size} indices ({where})"
                 + (f", {skipped} not measured" if skipped else ""))
    at = sel[worst]
    result = Judgement(
        verdict=verdict,
        margin=float(margins[worst]),
        lhs=float(small[at]),
        rhs=float(large[at]),
        worst_index=float(var_values[at]),
        first_failure=float(var_values[sel[fail[0]]]) if fail.size else None,
        note="; ".join(notes),
        **base,
    )
    if unbound_hidden:
        pt = {**point, var: float(var_values[at]),
              **{p.name: float(arrays[p.name][at]) for p in placeholders.values()}}
        rel = expr.xreplace(placeholders)
        single = judge_relation(rel, pt, hidden=hidden, rtol=rtol)
        result = replace(result, verdict=Verdict.UNKNOWN,
                         implied_constants=single.implied_constants,
                         first_failure=None,
                         note=result.note + "; hidden constant(s) " + ", ".join(unbound_hidden)
                         + " set to 1 for the margin; implied range at the worst index")
        if len(unbound_hidden) == 1:
            result = _scan_constant(result, unbound_hidden[0], series, small_e, large_e, op,
                                    sel, var_values, rtol)
    return result


#: Grid of values tried for a single hidden constant that must serve every index at once.
CONSTANT_GRID = np.logspace(-60, 60, 1201)


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
                       note=result.note + f"; one {name} serves every index only if {name} {rng}")
    dead = int(np.argmax(~alive.any(axis=0)))
    return replace(result, verdict=Verdict.FAILS,
                   first_failure=float(var_values[sel[dead]]),
                   implied_constants={**result.implied_constants, name: "none"},
                   note=result.note + f"; no single {name} in [1e-60, 1e60] makes it hold at every "
                   "index: fails for every value of the hidden constant")


def _shifted(grid: np.ndarray, values: np.ndarray, offset: int) -> np.ndarray:
    """``values`` read at ``grid + offset`` (NaN where that index was not recorded)."""
    values = np.asarray(values, float)
    if offset == 0:
        return values
    want = grid + offset
    pos = np.clip(np.searchsorted(grid, want), 0, grid.size - 1)
    return np.where(grid[pos] == want, values[pos], np.nan)


def _fast_hidden(rel, point, hidden, rtol, base) -> Judgement | None:
    """Unbound O/Ω constants without ``sympy.solve``: the margin with every constant set to 1,
    and, for each constant C that is a power factor of one side once the others are 1
    (``a·C^p op b``), the implied range ``C op' (b/a)^{1/p}`` in closed form (other constants,
    e.g. unknown exponents, get no range). ``None`` when no constant is unbound."""
    import mpmath

    from prooftools.checking.verdict import _as_mpf, evaluate

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
            pt = {k: _as_mpf(v) for k, v in point.items()}
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
                     implied_constants=implied,
                     note=f"hidden constant(s) {', '.join(unbound)} set to 1 for the margin",
                     **base)


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
