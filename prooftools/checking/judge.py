"""Judge one theorem condition over a recorded run: "for all k" checked at every recorded index.

A :class:`~prooftools.theory.definitions.Condition` is a sympy relation in data, parameters,
hidden constants and observables (``resid_sq(k)``, ``ntk_min(0)``, ``sperp_sum(R)``, …). This
module meets the two layers: observables are looked up by their vocabulary *names* in a
:class:`~prooftools.numerics.trajectory.Trajectory`.

How a condition is judged
- Observables with fixed arguments (``resid_sq(0)``, ``ntk_init_dev()``, ``sperp_sum(c δ λ0/n²)``)
  become numbers first; an argument is itself evaluated at the data (``sperp_sum(R)`` is a
  function observable of its engine).
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
from dataclasses import dataclass, replace

import numpy as np
import sympy
from sympy.core.function import AppliedUndef

from prooftools.checking.context import RTOL, JudgeContext
from prooftools.checking.hidden import fast_hidden
from prooftools.checking.judgement import Judgement, Reason, Verdict, Why, combine
from prooftools.checking.relations import sides
from prooftools.checking.series import (
    FLOOR,
    judge_series,
    series_context,
    series_verdicts,
    when_mask,
)
from prooftools.checking.verdict import judge_relation
from prooftools.numerics.quantity import Quantity
from prooftools.numerics.trajectory import Trajectory
from prooftools.theory.definitions import Condition

__all__ = ["FLOOR", "RTOL", "JudgeContext", "condition_series", "judge_condition",
           "observable_calls", "series_verdicts"]


def observable_calls(expr: sympy.Basic) -> list[sympy.Basic]:
    """Observable applications in ``expr`` (``resid_sq(k)``, ``resid_sq(0)``, …), sorted by text.

    >>> k = sympy.Symbol("k")
    >>> [str(c) for c in observable_calls(sympy.Function("resid_sq")(k) <= 2)]
    ['resid_sq(k)']
    """
    return sorted(expr.atoms(AppliedUndef), key=str)


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
        shown = f"{name}({', '.join(f'{a:.4g}' for a in args)})"
        if got is None:
            return None, f"{shown} not measured"
        return got, (f"{shown} {got.note}" if isinstance(got, Quantity) and got.note else "")
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


def judge_condition(cond: Condition, context: JudgeContext | Mapping[str, object], *,
                    statement: str = "", kind: str = "hypothesis", **keywords) -> Judgement:
    """Judge ``cond`` in ``context``: at its data/parameter values and, for observables, over
    its trajectory. ``context`` may also be the values, with the context's other fields as
    keywords (``trajectory``, ``constants``, ``hidden``, ``rtol``, ``functions``).

    Hidden constants in ``constants`` are substituted; names in ``hidden`` left unbound yield
    ``unknown`` with the implied range of the constant.

    >>> from prooftools.theory.definitions import Condition
    >>> k = sympy.Symbol("k", nonnegative=True, integer=True)
    >>> r = sympy.Function("resid_sq")
    >>> cond = Condition("rate", r(k) <= sympy.Rational(1, 2)**k * r(0), "…", "verified", "",
    ...                  forall=("k",))
    >>> tr = Trajectory(config={"index": "k"}, index=np.arange(4.0),
    ...                 observables={"resid_sq": np.array([8.0, 4.0, 3.0, 1.0])})
    >>> j = judge_condition(cond, JudgeContext({}, trajectory=tr))
    >>> j.verdict, j.first_failure
    (<Verdict.FAILS: 'fails'>, 2.0)
    """
    ctx = JudgeContext.of(context, **keywords)
    expr = cond.expr
    base = dict(statement=statement, item=cond.name, kind=kind, inequality=cond.text)
    if isinstance(expr, sympy.And):
        parts = [judge_condition(replace(cond, expr=a), ctx, statement=statement, kind=kind)
                 for a in expr.args]
        worst = combine([p.verdict for p in parts])
        pick = min((p for p in parts if p.verdict == worst),
                   key=lambda p: p.margin if p.margin is not None and
                   math.isfinite(p.margin) else math.inf)
        return replace(pick, inequality=cond.text)
    prep = _prepare(cond, ctx)
    if isinstance(prep, Reason):
        return Judgement(verdict=Verdict.UNKNOWN, reasons=(prep,), **base)
    if prep.indexed or prep.index_symbols:
        return judge_series(ctx, cond, prep, base)
    return _judge_point(ctx, cond, prep, base)


@dataclass
class _Prepared:
    """A condition with constants substituted and observables of fixed arguments bound."""

    expr: sympy.Basic
    when: sympy.Basic | None
    indexed: list[sympy.Basic]
    index_symbols: set
    point: dict[str, object]
    reasons: list[Reason]


def _prepare(cond, ctx: JudgeContext) -> _Prepared | Reason:
    """Substitute the context's constants, evaluate observables with fixed arguments
    (``resid_sq(0)``, ``sperp_sum(R)``) and bind them; the reason when one is not measured."""
    constants = ctx.constants
    expr = cond.expr
    subs = {s: constants[s.name] for s in expr.free_symbols if s.name in constants}
    expr = expr.xreplace(subs)
    when = cond.when.xreplace(subs) if cond.when is not None else None
    if when is not None and constants:
        when = when.xreplace({s: constants[s.name] for s in when.free_symbols
                              if s.name in constants})
    index_vars = list(cond.forall)
    calls = observable_calls(expr) + (observable_calls(when) if when is not None else [])
    indexed = [c for c in calls if any(s.name in index_vars for s in c.free_symbols)]
    fixed_calls = [c for c in calls if c not in indexed]
    fixed: dict[str, object] = {}
    reasons: list[Reason] = []
    for call in fixed_calls:
        val, why = _fixed_value(call, ctx.values, ctx.trajectory, ctx.functions)
        if val is None:
            return Reason(Why.NOT_MEASURED, detail=why)
        fixed[str(call)] = val
        if why:
            reasons.append(Reason(Why.OBSERVED, detail=why))
    return _Prepared(expr=_bind(expr, fixed_calls, fixed),
                     when=_bind(when, fixed_calls, fixed) if when is not None else None,
                     indexed=indexed,
                     index_symbols={s for s in expr.free_symbols if s.name in index_vars},
                     point={**ctx.values, **fixed}, reasons=reasons)


def _judge_point(ctx: JudgeContext, cond, prep: _Prepared, base) -> Judgement:
    """A condition without a quantified index: one exact (then mpmath) decision."""
    if prep.when is not None:
        wj = judge_relation(prep.when, prep.point, hidden=ctx.hidden, rtol=ctx.rtol)
        if wj.verdict != Verdict.HOLDS:
            return Judgement(verdict=Verdict.UNKNOWN, reasons=(Reason(Why.WHEN_NOT_MET),),
                             **base)
    fast = fast_hidden(prep.expr, prep.point, ctx.hidden, ctx.rtol, base)
    if fast is not None:
        return replace(fast, reasons=(*prep.reasons, *fast.reasons))
    try:
        j = judge_relation(prep.expr, prep.point, hidden=ctx.hidden, rtol=ctx.rtol,
                           text=cond.text, **{k: v for k, v in base.items() if k != "inequality"})
    except (TypeError, ValueError, ZeroDivisionError) as exc:  # e.g. 1/λ0 at λ0 = 0
        return Judgement(verdict=Verdict.UNKNOWN,
                         reasons=(Reason(Why.NOT_EVALUABLE, detail=str(exc)),), **base)
    return replace(j, reasons=(*prep.reasons, *j.reasons))


def condition_series(cond: Condition, context: JudgeContext):
    """Both sides of a quantified condition over the run, for plotting: ``(index, lhs, rhs,
    inside)`` with the index as the condition reads it (hidden constants left open at 1) and
    ``inside`` the mask where its ``when`` clause holds (all true without one), or ``None`` when
    the condition is not quantified or not measurable. A conjunction gives its first part.

    >>> k = sympy.Symbol("k", nonnegative=True, integer=True)
    >>> r = sympy.Function("resid_sq")
    >>> cond = Condition("rate", r(k) <= sympy.Rational(1, 2)**k * r(0), "…", "verified", "",
    ...                  forall=("k",))
    >>> tr = Trajectory(config={"index": "k"}, index=np.arange(3.0),
    ...                 observables={"resid_sq": np.array([8.0, 4.0, 3.0])})
    >>> x, lhs, rhs, inside = condition_series(cond, JudgeContext({}, trajectory=tr))
    >>> lhs.tolist(), rhs.tolist()
    ([8.0, 4.0, 3.0], [8.0, 4.0, 2.0])
    """
    if isinstance(cond.expr, sympy.And):
        cond = replace(cond, expr=cond.expr.args[0])
    prep = _prepare(cond, context)
    if isinstance(prep, Reason) or not (prep.indexed or prep.index_symbols):
        return None
    sctx = series_context(cond, prep, context)
    if isinstance(sctx, Reason):
        return None
    small_e, large_e, _op = sides(prep.expr)
    small, large = sctx.evaluate(small_e), sctx.evaluate(large_e)
    if isinstance(small, str) or isinstance(large, str):
        return None
    inside = np.ones(sctx.grid.shape, dtype=bool)
    if prep.when is not None:
        inside = when_mask(sctx, prep.when, RTOL)
        if inside is None:
            return None
    return sctx.var_values, small, large, inside
