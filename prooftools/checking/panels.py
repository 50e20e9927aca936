"""The series behind a verify report's figures: each judged quantified item, both sides.

The main statement's items come first, then those of the statements it rests on; each panel
carries the item's own right-hand side as the theorem's bound, evaluated by the same code that
judged it (:func:`prooftools.checking.judge.condition_series`).
"""

from __future__ import annotations

import sympy
from sympy.core.function import AppliedUndef

from prooftools.checking.context import JudgeContext
from prooftools.checking.judge import condition_series
from prooftools.checking.relations import sides
from prooftools.checking.report import CheckedItem, Panel

__all__ = ["judged_panels"]

#: At most this many panels per report (the most relevant first).
MAX_PANELS = 6
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _quantified(expr, forall) -> bool:
    """Whether ``expr`` depends on the quantified index (``resid_sq(k)``, ``k``)."""
    return any(s.name in forall for s in expr.free_symbols)


def judged_panels(ctx: JudgeContext, ids, items: list[CheckedItem]) -> list[Panel]:
    """Panels for the quantified items among ``items`` (judged in ``ctx``), the main
    statement's first."""
    registry, values, constants, hidden = ctx.registry, ctx.values, ctx.constants, ctx.hidden
    conds = {}
    for sid in ids:
        st = registry.get(sid)
        for cond in (*registry.hypotheses_of(st), *st.conclusions):
            conds[(sid, cond.name)] = (st, cond)
    order = sorted((it for it in items if it.role != "probe"),
                   key=lambda it: (it.judgement.statement != ids[-1], it.role != "conclusion"))
    index_name = ctx.trajectory.config.get("index", "k")
    panels: list[Panel] = []
    for it in order:
        j = it.judgement
        st, cond = conds.get((j.statement, j.item), (None, None))
        if cond is None or not cond.forall:
            continue
        got = condition_series(cond, ctx)
        if got is None:
            continue
        x, lhs, rhs, inside = got
        small, large, op = sides(cond.expr.args[0] if isinstance(cond.expr, sympy.And)
                                 else cond.expr)
        if _quantified(large, cond.forall) and not _quantified(small, cond.forall):
            small, large, lhs, rhs = large, small, rhs, lhs  # the measured side first
            op = _FLIPPED.get(op, op)
        open_ = sorted({s.name for s in cond.expr.free_symbols} & set(hidden) - set(constants)
                       - set(values))
        at_one = f"; hidden {', '.join(open_)} = 1" if open_ else ""
        used = {s.name for s in small.free_symbols | large.free_symbols} | {
            f.func.__name__ for f in (small.atoms(AppliedUndef) | large.atoms(AppliedUndef))}
        names = {u: registry.symbols[u].latex for u in used
                 if u in registry.symbols and registry.symbols[u].latex}
        params = {u: tuple(registry.symbols[u].args) for u in used
                  if u in registry.symbols and registry.symbols[u].args}
        panels.append(Panel(
            statement=j.statement, item=j.item, title=f"{j.statement} {j.item}: {st.title}",
            inequality=cond.text, verdict=str(j.verdict), index_name=cond.forall[0] or index_name,
            x=x, lhs=lhs, rhs=rhs, inside=inside, lhs_label=str(small),
            rhs_label=f"theorem's bound ({op} {large}{at_one})", lhs_expr=small,
            rhs_expr=large, op=op, at_one=tuple(open_), names=names, params=params))
        if len(panels) == MAX_PANELS:
            break
    return panels
