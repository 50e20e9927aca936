"""Render a :class:`~prooftools.checking.verify.VerifyReport`: verdict table and plots.

The table comes in the four :class:`~prooftools.reporting.tables.Table` formats (text, markdown,
latex, json). The figure (PNG and PDF, matplotlib's Agg backend) has one panel per judged
quantified item (``report.panels``, made in :mod:`prooftools.checking.panels`): the item's
left-hand side over the run against the statement's own bound. Reports render; the numbers and
the formulas come from the report.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from prooftools.atomic import dumps
from prooftools.numerics.quantity import Quantity
from prooftools.reporting.figures import pyplot, save_figure
from prooftools.reporting.tables import Formula, Table

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


def _inequality_formulas(report: VerifyReport):
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


def verdict_table(report: VerifyReport) -> Table:
    """One row per judged item: statement, kind, item, verdict, margin, first failure, note."""
    cfg, run = report.config, _settings(report)
    parts = [f"n={run.n}", f"d={run.d}"]
    if run.depth is not None:
        parts.append(f"L={run.depth}")
    parts += [f"m={_or_dash(run.width)}", f"η={run.eta:.4g}" if run.eta is not None else "η=—",
              _or_dash(run.algorithm), f"steps={_or_dash(run.steps)}", f"seed={cfg.get('seed')}",
              f"δ={cfg.get('delta')}", f"constants={cfg.get('constants')}"]
    caption = f"verify {report.statement}: " + ", ".join(parts)
    rows = []
    inequality = _inequality_formulas(report)
    for it in report.items:
        j = it.judgement
        implied = ", ".join(f"{k} {v}" for k, v in j.implied_constants.items())
        rows.append([
            j.statement, j.kind, j.item, inequality(j), str(j.verdict), _fmt(j.margin),
            _index(j.first_failure), implied,
        ])
    notes = [f"data: {_data_line(report)}", f"η: {run.eta_source}"]
    notes += [f"changed: {c}" for c in report.changes]
    notes += list(getattr(report, "lines", []))
    notes += counterexample_notes(report)
    notes += width_notes(report)
    link = report.first_failing_link
    notes.append(f"first failing link: {link}" if link else "no failing link")
    notes.append("margin: worst relative slack (rhs − lhs)/max(|lhs|,|rhs|); negative = violated")
    return Table(
        columns=["statement", "kind", "item", "inequality", "verdict", "margin", "first failure",
                 "implied constants"],
        rows=rows,
        caption=caption,
        notes=notes,
        label="tab:verify",
        json_rows=[it.to_dict() for it in report.items],
    )


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
    >>> j = NS(statement="s", item="rate", verdict="fails",
    ...        note="checked at 3 of 3 indices; not a counterexample: hypotheses failed: s:eta")
    >>> counterexample_notes(NS(items=[NS(judgement=j)]))
    ['s:rate fails, not a counterexample: hypotheses failed: s:eta']
    """
    out = []
    for it in report.items:
        j = it.judgement
        for part in j.note.split("; "):
            if part.startswith("not a counterexample"):
                out.append(f"{j.statement}:{j.item} {j.verdict}, {part}")
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


def render_report(report: VerifyReport, fmt: str = "text") -> str:
    """The report in one format; ``json`` is the full ``VerifyReport.to_dict()``."""
    if fmt == "json":
        return dumps(report.to_dict(), indent=2, default=str)
    text = verdict_table(report).render(fmt)
    if fmt == "text":
        text += "\nproof graph (combined verdicts):\n" + "\n".join(graph_lines(report))
    elif fmt == "markdown":
        text += "\n\n**Proof graph (combined verdicts)**\n\n" + "\n".join(
            f"- `{sid}`: {v}" for sid, v in report.graph.items())
    return text


def plot_report(report: VerifyReport, out_dir: str | Path, *, stem: str | None = None) -> list[str]:
    """Write one figure (PNG and PDF) of the judged quantified items; return the paths.

    Each panel shows an item's left-hand side over the run against the theorem's own bound (the
    item's right-hand side as the statement states it), titled with the statement and item;
    log scales only where the data span decades, no lines into log 0.
    """
    plt = pyplot()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = stem or report.statement.replace(".", "_") + "_verify"
    panels = list(report.panels) or [_objective_panel(report)]
    cols = min(3, len(panels))
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.9 * rows), squeeze=False)
    xlabel = _index_label(report)
    for a, panel in zip(axes.ravel(), panels, strict=False):
        _draw_panel(a, panel, xlabel)
    for a in axes.ravel()[len(panels):]:
        a.set_visible(False)
    cfg = report.config
    fig.suptitle(f"verify {report.statement} on {cfg.get('dataset') or 'data'} "
                 f"(n={cfg.get('n')}, m={cfg.get('width')}, seed={cfg.get('seed')}): "
                 f"first failing link {report.first_failing_link or 'none'}", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, out, stem, dpi=110)


def _index_label(report: VerifyReport) -> str:
    if report.config.get("algorithm") == "sampling":
        return "sampled point k"
    return "time t" if report.trajectory.config.get("index") == "t" else "iteration k"


def _draw_panel(a, panel, xlabel: str) -> None:
    x, lhs, rhs = (np.asarray(v, dtype=float) for v in (panel.x, panel.lhs, panel.rhs))
    inside = np.asarray(panel.inside, dtype=bool)
    both = np.concatenate([lhs[np.isfinite(lhs)], rhs[np.isfinite(rhs)]])
    log = both.size > 0 and bool(np.all(both > 0)) and both.max() / both.min() > 100.0
    lhs_label, rhs_label = _math_labels(panel)
    for series, label, style, color in ((lhs, lhs_label, ".-" if x.size < 60 else "-", "C0"),
                                        (rhs, rhs_label, "--", "C3")):
        keep = np.isfinite(series) & ((series > 0) if log else True)
        if keep.any():
            a.plot(x[keep], np.where(inside, series, np.nan)[keep], style, ms=3, color=color,
                   label=label)
        if series is lhs and (keep & ~inside).any():
            a.plot(x[keep & ~inside], series[keep & ~inside], ".", ms=3, color="0.6",
                   label="outside the `when` range (no claim)")
    if log:
        a.set_yscale("log")
    else:
        a.ticklabel_format(axis="y", useOffset=False)
    a.set_xlabel(xlabel)
    a.set_title(_wrap(panel.title, 48) + f"\n[{panel.verdict}]", fontsize=8)
    a.legend(fontsize=7)


_OPS = {"<": "<", "<=": r"\leq", ">": ">", ">=": r"\geq", "==": "="}


def _math_labels(panel) -> tuple[str, str]:
    """Legend labels in mathtext with the registry's symbol names; plain text when matplotlib's
    mathtext cannot typeset the formula."""
    if panel.lhs_expr is None:
        return panel.lhs_label, panel.rhs_label
    from matplotlib.mathtext import MathTextParser

    from prooftools.reporting.latex import formula

    try:
        lhs = formula(panel.lhs_expr, panel.names, panel.params).replace(r"\allowbreak{}", "")
        rhs = formula(panel.rhs_expr, panel.names, panel.params).replace(r"\allowbreak{}", "")
        parser = MathTextParser("path")
        for tex in (lhs, rhs):
            parser.parse(f"${tex}$")
    except Exception:  # any typesetting failure falls back to the text form
        return panel.lhs_label, panel.rhs_label
    at_one = f" ({', '.join(panel.at_one)} = 1)" if panel.at_one else ""
    return f"${lhs}$", f"theorem's bound: ${_OPS.get(panel.op, panel.op)} {rhs}${at_one}"


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def _objective_panel(report: VerifyReport):
    """When no item is quantified over the run: the recorded objective alone."""
    from prooftools.checking.report import Panel

    tr = report.trajectory
    if tr.dense_index is not None and "loss" in tr.dense:
        x, lo = tr.dense_index, tr.dense["loss"]
    else:
        x, lo = tr.index, tr.observables.get("loss", np.full(tr.index.shape, np.nan))
    return Panel(statement=report.statement, item="loss", title=f"{report.statement}: objective "
                 "(no quantified item to draw)", inequality="", verdict="", index_name="k",
                 x=np.asarray(x), lhs=np.asarray(lo), rhs=np.full(np.shape(lo), np.nan),
                 inside=np.ones(np.shape(lo), dtype=bool), lhs_label="loss", rhs_label="")
