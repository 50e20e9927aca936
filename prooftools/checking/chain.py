"""Judge a statement's whole proof chain and combine the verdicts into the proof graph.

Verdict of a conclusion (documented rule)
- ``fails``: the inequality is false somewhere on this run. A failure is always shown, even when
  the statement's hypotheses failed too; then the note says it is *not a counterexample*.
- ``not guaranteed``: the measured inequality holds (or is undecided) but one of the statement's
  own hypotheses (bounds such as ``m ≥ …``, ``η ≤ …`` included) or of the assumptions/conditions
  it assumes (``registry.assumed_hypotheses``) failed; the measured outcome is in the note and in
  ``measured``.
- ``unknown``: the measurement is undecided, or it holds but an assumed hypothesis is undecided by
  the data (e.g. λ0 > 0 within rounding). Hypotheses undecided only because of a hidden O/Ω
  constant do not downgrade: their implied constant range is listed instead.
- ``holds`` otherwise.

Proof graph: each statement gets a combined verdict — ``fails`` if one of its conclusions fails (for
assumptions and conditions: one of their hypotheses), ``not guaranteed`` if only its hypotheses
fail, else the weakest of its items. A *failing link* is a failing statement none of whose
ancestors fails; the first in topological order is ``first_failing_link``.
"""

from __future__ import annotations

import math
from dataclasses import replace

import sympy

from prooftools.checking.context import JudgeContext
from prooftools.checking.judge import judge_condition
from prooftools.checking.judgement import Judgement, Reason, Verdict, Why, combine
from prooftools.checking.report import CheckedItem

__all__ = ["judge_chain", "proof_graph"]

_KIND_OF_CONCLUSION = {"theorem": "conclusion", "lemma": "lemma", "corollary": "corollary",
                       "definition": "definition"}


def _hidden_only(j: Judgement) -> bool:
    """Undecided only because of an open O/Ω constant (such a hypothesis does not downgrade)."""
    first = j.reasons[0].why if j.reasons else None
    return bool(j.implied_constants) or first == Why.HIDDEN_CONSTANT


def judge_chain(ctx: JudgeContext, ids, probe_outside=False) -> list[CheckedItem]:
    """Judge every hypothesis and conclusion of the statements ``ids`` (dependencies first) in
    ``ctx`` (its registry, values, run, constants substituted and hidden names left open).

    With ``probe_outside``, a conclusion restricted by ``when`` is also judged where ``when`` is
    false (a probe, not a verdict on the statement).
    """
    registry = ctx.registry
    cache: dict[tuple[str, str], CheckedItem] = {}
    order: list[CheckedItem] = []
    for sid in ids:
        st = registry.get(sid)
        hyp_kind = "condition" if st.kind == "condition" else (
            "assumption" if st.kind == "assumption" else "hypothesis")
        for cond in registry.hypotheses_of(st):
            j = judge_condition(cond, ctx, statement=sid, kind=hyp_kind)
            item = CheckedItem(j, j.verdict, "hypothesis")
            cache[(sid, cond.name)] = item
            order.append(item)
        for cond in st.conclusions:
            j = judge_condition(cond, ctx, statement=sid,
                                kind=_KIND_OF_CONCLUSION.get(st.kind, "conclusion"))
            order.append(CheckedItem(_guard(ctx, sid, j, cache), j.verdict, "conclusion"))
            if (probe_outside and cond.forall
                    and isinstance(cond.when, sympy.core.relational.Relational)):
                order.append(_probe_outside(ctx, cond, sid))
    return order


def _probe_outside(ctx: JudgeContext, cond, sid) -> CheckedItem:
    """Judge a ``when``-restricted conclusion on the indices where ``when`` is false: the
    statement promises nothing there, so a failure here shows the restriction is needed."""
    probe = replace(cond, name=cond.name + "@outside", when=cond.when.negated,
                    when_text=f"not ({cond.when_text})")
    j = judge_condition(probe, ctx, statement=sid, kind="probe")
    return CheckedItem(replace(j, reasons=(Reason(Why.OUTSIDE_WHEN), *j.reasons)), j.verdict,
                       "probe")


def _guard(ctx: JudgeContext, sid, j, cache) -> Judgement:
    """Apply the documented not-guaranteed / unknown rule to a measured conclusion."""
    failed, undecided = [], []
    for hsid, cond in ctx.registry.assumed_hypotheses(sid):
        key = (hsid, cond.name)
        if key not in cache:
            hj = judge_condition(cond, ctx, statement=hsid, kind="hypothesis")
            cache[key] = CheckedItem(hj, hj.verdict, "hypothesis")
        hj = cache[key].judgement
        label = f"{hsid}:{cond.name}"
        if hj.verdict == Verdict.FAILS:
            failed.append(label)
        elif hj.verdict == Verdict.UNKNOWN and not _hidden_only(hj):
            undecided.append(label)
    measured = Reason(Why.MEASURED, detail=f"{j.verdict}" + (
        f", margin {j.margin:.3g}" if j.margin is not None and math.isfinite(j.margin) else ""))
    if j.verdict == Verdict.FAILS:
        if failed:
            return replace(j, reasons=(*j.reasons,
                                       Reason(Why.NOT_A_COUNTEREXAMPLE, tuple(failed))))
        return j
    if failed:
        also = (Reason(Why.ALSO_UNDECIDED, tuple(undecided)),) if undecided else ()
        return replace(j, verdict=Verdict.NOT_GUARANTEED,
                       reasons=(measured, Reason(Why.HYPOTHESIS_FAILED, tuple(failed)), *also,
                                *j.reasons))
    if undecided and j.verdict == Verdict.HOLDS:
        return replace(j, verdict=Verdict.UNKNOWN,
                       reasons=(measured, Reason(Why.HYPOTHESIS_UNDECIDED, tuple(undecided)),
                                *j.reasons))
    return j


def proof_graph(registry, ids, items) -> tuple[dict[str, str], list[str]]:
    """Combined verdict per statement and the failing links (see the module docstring)."""
    by: dict[str, list[CheckedItem]] = {sid: [] for sid in ids}
    for it in items:
        if it.role == "probe":
            continue
        by.setdefault(it.judgement.statement, []).append(it)
    def hyps_with(verdict: Verdict) -> set[tuple[str, str]]:
        return {(it.judgement.statement, it.judgement.item) for it in items
                if it.role == "hypothesis" and it.judgement.verdict == verdict}

    failed_hyps, open_hyps = hyps_with(Verdict.FAILS), hyps_with(Verdict.UNKNOWN)
    node: dict[str, Verdict] = {}
    for sid in ids:
        st = registry.get(sid)
        its = by.get(sid, [])
        if not its:
            node[sid] = Verdict.UNKNOWN
            continue
        claims = [it for it in its if it.role == "conclusion"]
        # A statement whose own or assumed hypotheses failed promises nothing here: a measured
        # failure of its conclusions is reported on the item, but the statement is not refuted.
        # A failed conclusion refutes the statement only when every hypothesis is known to hold;
        # with one undecided (a hidden constant, say) the statement is unknown.
        assumed = [(s, h.name) for s, h in registry.assumed_hypotheses(sid)]
        hyp_failed = any(key in failed_hyps for key in assumed)
        hyp_open = any(key in open_hyps for key in assumed)
        if st.kind in ("assumption", "condition") or not claims:
            node[sid] = combine([it.judgement.verdict for it in its])
        elif hyp_failed:
            node[sid] = Verdict.NOT_GUARANTEED
        elif any(it.judgement.verdict == Verdict.FAILS for it in claims):
            node[sid] = Verdict.UNKNOWN if hyp_open else Verdict.FAILS
        else:
            node[sid] = combine([it.judgement.verdict for it in its])
    graph = registry.graph
    # a failing link: its claim fails while nothing it rests on failed or lost its guarantee
    broken = (Verdict.FAILS, Verdict.NOT_GUARANTEED)
    links = [sid for sid in ids if node[sid] == Verdict.FAILS
             and not any(node.get(a) in broken for a in _ancestors(graph, sid))]
    return {sid: str(v) for sid, v in node.items()}, links


def _ancestors(graph, sid) -> set[str]:
    import networkx as nx

    return nx.ancestors(graph, sid)
