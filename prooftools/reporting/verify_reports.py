"""Render a :class:`~prooftools.checking.verify.VerifyReport`: verdict table and plots.

The table comes in the four :class:`~prooftools.reporting.tables.Table` formats (text, markdown,
latex, json). The figure (PNG and PDF, matplotlib's Agg backend) has one panel per judged
quantified item (``report.panels``, made in :mod:`prooftools.checking.panels`): the item's
left-hand side over the run against the statement's own bound. Reports render; the numbers and
the formulas come from the report.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from prooftools.atomic import dumps
from prooftools.checking.judgement import Why
from prooftools.numerics.quantity import Quantity
from prooftools.reporting.latex import registry_names
from prooftools.reporting.tables import Formula, Table
from prooftools.reporting.verify_figure import plot_report

if TYPE_CHECKING:
    from prooftools.checking.verify import VerifyReport

__all__ = ["counterexample_notes", "plot_report", "render_report", "verdict_table",
           "width_notes"]


def _fmt(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x:.3g}"


def _index(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:g}"


def inequality_formulas(report: VerifyReport):
    """``formula(j)``: a judged item as a formula, its text and LaTeX math from the statement's
    own sympy condition with the registry's symbol names (text only when the item is not a
    registry condition, e.g. a probe). The names are read once per report."""
    reg = report.registry
    if reg is None:
        return lambda j: Formula(j.inequality)
    from prooftools.reporting.latex import registry_names, registry_params
    from prooftools.reporting.registry_reports import condition_formula

    names = (registry_names(reg), registry_params(reg))

    def formula(j) -> Formula:
        st = reg.statements.get(j.statement)
        for cond in (*reg.hypotheses_of(st), *st.conclusions) if st is not None else ():
            if cond.name == j.item and cond.text == j.inequality:
                return condition_formula(cond, names, quantifier=False)
        return Formula(j.inequality)

    return formula


def verdict_table(report: VerifyReport, *, compact: bool = False) -> Table:
    """One row per judged item: statement, kind, item, verdict, margin, first failure, note.

    ``compact`` (the LaTeX rendering) has five columns, so that a page holds them without
    hyphenating words or breaking ids: the item (statement, name and kind in one cell), the
    inequality, verdict, margin and first failure; implied constants go into the notes.
    """
    cfg, run = report.config, _settings(report)
    parts = [f"n={run.n}", f"d={run.d}"]
    if run.depth is not None:
        parts.append(f"L={run.depth}")
    parts += [f"m={_or_dash(run.width)}", f"η={run.eta:.4g}" if run.eta is not None else "η=—",
              _or_dash(run.algorithm), f"steps={_or_dash(run.steps)}", f"seed={cfg.get('seed')}",
              f"δ={cfg.get('delta')}", f"constants={cfg.get('constants')}"]
    caption = f"verify {report.statement}: " + ", ".join(parts)
    rows, implied_notes = [], []
    inequality = inequality_formulas(report)
    for it in report.items:
        j = it.judgement
        implied = ", ".join(f"{k} {v}" for k, v in j.implied_constants.items())
        if compact:
            rows.append([f"{j.statement} {j.item} ({j.kind})", inequality(j), str(j.verdict),
                         _fmt(j.margin), _index(j.first_failure)])
            if implied:
                implied_notes.append(f"{j.statement} {j.item}: {implied}")
            continue
        rows.append([
            j.statement, j.kind, j.item, inequality(j), str(j.verdict), _fmt(j.margin),
            _index(j.first_failure), implied,
        ])
    notes = [f"implied constants, {n}" for n in implied_notes]
    notes += [f"data: {_data_line(report)}", f"η: {run.eta_source}"]
    notes += _flow_line(report)
    notes += [f"changed: {c}" for c in report.changes]
    notes += list(getattr(report, "lines", []))
    notes += counterexample_notes(report)
    notes += [f"{j.statement}:{j.item} {r.text}" for it in report.items
              for j in [it.judgement] for r in j.reasons if r.why == Why.ROUNDING]
    notes += width_notes(report)
    link = report.first_failing_link
    notes.append(f"first failing link: {link}" if link else "no failing link")
    rtol = cfg.get("rtol")
    notes.append("margin: worst relative slack (rhs − lhs)/max(|lhs|,|rhs|); negative = violated"
                 + (f" (decided beyond the rounding tolerance rtol = {rtol:g})" if rtol else ""))
    columns = (["item", "inequality", "verdict", "margin", "first failure"] if compact else
               ["statement", "kind", "item", "inequality", "verdict", "margin", "first failure",
                "implied constants"])
    reg = report.registry
    return Table(columns=columns, rows=rows, caption=caption, notes=notes, label="tab:verify",
                 json_rows=[it.to_dict() for it in report.items],
                 tex_names=registry_names(reg) if reg is not None else None)


def _flow_line(report: VerifyReport) -> list[str]:
    """How a gradient flow was integrated: the ODE solver and its tolerances (none for GD).

    >>> from types import SimpleNamespace as NS
    >>> tr = NS(config={"flow_method": "RK45", "flow_rtol": 1e-6, "flow_atol": 1e-6,
    ...                 "flow_nfev": 812})
    >>> _flow_line(NS(trajectory=tr))
    ['gradient flow: scipy solve_ivp RK45, rtol = 1e-06, atol = 1e-06, 812 gradient evaluations']
    """
    cfg = getattr(getattr(report, "trajectory", None), "config", None) or {}
    method = cfg.get("flow_method")
    if method is None:
        return []
    if method == "euler":
        s1, s2 = cfg.get("flow_substeps") or ("s", "2s")
        diff = cfg.get("flow_euler_diff")
        return [f"gradient flow: explicit Euler, GD with steps η/{s1} and η/{s2} (their largest "
                f"relative difference in resid_sq: {diff:.2g})" if isinstance(diff, float) else
                f"gradient flow: explicit Euler, GD with steps η/{s1} and η/{s2}"]
    nfev = cfg.get("flow_nfev")
    return [f"gradient flow: scipy solve_ivp {method}, rtol = {cfg.get('flow_rtol'):g}, "
            f"atol = {cfg.get('flow_atol'):g}"
            + (f", {nfev} gradient evaluations" if nfev is not None else "")]


def _settings(report: VerifyReport):
    """The run's typed settings (a report built by hand may carry only its config)."""
    if getattr(report, "settings", None) is not None:
        return report.settings
    from types import SimpleNamespace

    cfg = report.config
    return SimpleNamespace(**{k: cfg.get(k) for k in (
        "n", "d", "depth", "width", "eta", "algorithm", "steps", "eta_source")})


def _or_dash(value) -> str:
    return "—" if value is None else str(value)


def _decades(log10: float | None) -> str:
    return "—" if log10 is None else f"10^{log10:.2f}"


def width_notes(report: VerifyReport) -> list[str]:
    """One line per width hypothesis: the stated width, the width its proof implies, their
    ratio in decades (the statement's share of the looseness) and the run's width."""
    out = []
    for w in getattr(report, "widths", []):
        text = f"width {w.statement}:{w.bound}: stated m ≥ {_decades(w.stated_log10)}"
        if w.proof_log10 is None:
            text += ", the proof's width — (no derivation)"
        else:
            text += (f", the proof implies m ≥ {_decades(w.proof_log10)} (statement looseness "
                     f"{w.looseness_statement:.2f} decades)")
        out.append(text + f"; this run m = {_or_dash(w.run_width)}")
    return out


def counterexample_notes(report: VerifyReport) -> list[str]:
    """One line per failed item whose own hypotheses failed too: the failure is *not a
    counterexample* to the statement (the JSON carries the same words in the item's note).

    >>> from types import SimpleNamespace as NS
    >>> from prooftools.checking.judgement import Reason, Why
    >>> j = NS(statement="s", item="rate", verdict="fails",
    ...        reasons=(Reason(Why.NOT_A_COUNTEREXAMPLE, ("s:eta",)),))
    >>> counterexample_notes(NS(items=[NS(judgement=j)]))
    ['s:rate fails, not a counterexample: hypotheses failed: s:eta']
    """
    out = []
    for it in report.items:
        j = it.judgement
        for r in j.reasons:
            if r.why == Why.NOT_A_COUNTEREXAMPLE:
                out.append(f"{j.statement}:{j.item} {j.verdict}, {r.text}")
    return out


def _data_line(report: VerifyReport) -> str:
    parts = []
    for key in ("n", "d", "lambda0", "nonpar", "phi", "sep", "last_coord", "y_max", "norm_min",
                "norm_max", "zl_sigma_min_X", "zl_fstar", "sigma_min_X", "ch_r", "ch_s"):
        if key in report.data:
            v = report.data[key]
            parts.append(f"{key}={_fmt(v.value if isinstance(v, Quantity) else float(v))}")
    return ", ".join(parts)


def graph_lines(report: VerifyReport) -> list[str]:
    """The proof-graph annotation, one ``statement: verdict`` line each."""
    return [f"  {sid}: {v}" for sid, v in report.graph.items()]


def render_report(report: VerifyReport, fmt: str = "text", *, width: int | None = None) -> str:
    """The report in one format; ``json`` is the full ``VerifyReport.to_dict()``; ``width``
    wraps the text table to a terminal's width."""
    if fmt == "json":
        return dumps(report.to_dict(), indent=2, default=str)
    text = verdict_table(report, compact=fmt == "latex").render(fmt, width=width)
    if fmt == "text":
        text += "\nproof graph (combined verdicts):\n" + "\n".join(graph_lines(report))
    elif fmt == "markdown":
        text += "\n\n**Proof graph (combined verdicts)**\n\n" + "\n".join(
            f"- `{sid}`: {v}" for sid, v in report.graph.items())
    return text
