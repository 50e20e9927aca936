"""Tables of a sweep: thresholds, fitted exponents beside the theorem's, checks, constants.

Each function turns a :class:`prooftools.sweep.analysis.SweepReport` into a :class:`Table`
(text, Markdown, LaTeX, JSON); :func:`render_sweep` joins them. Nothing is recomputed here.
"""

from __future__ import annotations

import json
import math
import textwrap

from prooftools.reporting.tables import Magnitude, Marked, Table

__all__ = ["constants_table", "exponent_table", "looseness_table", "observable_table",
           "render_sweep", "threshold_table", "width_fit_table"]


def _pt(values: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items()) or "—"


def _short(target: str) -> str:
    return target.rpartition(".")[2]


def _f(v, digits: str = ".3g"):
    return None if v is None or (isinstance(v, float) and not math.isfinite(v)) else \
        format(v, digits)


def _bracket(lo, hi) -> str:
    """The width bracket of m*: ``(lo, hi]``, ``≤ hi`` for a point censored below the range.

    >>> _bracket(None, 8), _bracket(4, 8), _bracket(4, None)
    ('≤ 8', '(4, 8]', '—')
    """
    if hi is None:
        return "—"
    return f"≤ {hi}" if lo is None else f"({lo}, {hi}]"


def threshold_table(rep, *, compact: bool = False) -> Table:
    """m* per grid point and target, with the theorem's width and the looseness.

    ``compact`` (the LaTeX rendering) gives both looseness values in one column
    (``1.76, 3.74``), so that a page holds the table with an extra grid axis (``step_policy``)
    without an overfull header.
    """
    axes = list(rep.run.points[0].values) if rep.run.points else []
    loose = (["looseness (C = 1, derived)"] if compact else
             ["looseness, C = 1", "looseness, derived"])
    cols = [*axes, "target", "m*", "bracket", "runs", "λ0", "theorem m (C = 1)", *loose,
            "monotone"]
    t = Table(cols, caption=f"Threshold widths m* of {rep.run.spec.statement} "
              f"(smallest width held as measured by ≥ q of {len(rep.run.spec.seeds)} seeds)")
    for r in rep.thresholds:
        lo, hi = r.bracket
        star = str(r.m_star) if r.status == "found" else (
            f"≤ {r.m_star}" if r.status == "below" else f"> {lo}")
        t.rows.append([*(r.point.get(a) for a in axes), _short(r.target), star,
                       _bracket(lo, hi), r.runs,
                       _f(r.lambda0, ".4g"), Magnitude(r.theorem_log10),
                       *([f"{_f(r.looseness, '.2f') or '—'}, "
                          f"{_f(r.looseness_derived, '.2f') or '—'}"] if compact else
                         [_f(r.looseness, ".2f"), _f(r.looseness_derived, ".2f")]),
                       "yes" if r.monotone else "NO"])
    t.notes.append("looseness = log10(theorem width / m*): with hidden constants at 1, and with "
                   "the constants derived from the proofs (— where none is derived)")
    for r in rep.thresholds:
        for n in r.notes:
            t.notes.append(f"{_pt(r.point)} {_short(r.target)}: {n}")
    return t


def looseness_table(rep) -> Table:
    """The looseness in three parts, where the statement's proof gives a width (derivation)."""
    axes = list(rep.run.points[0].values) if rep.run.points else []
    t = Table([*axes, "target", "m*", "stated m", "proof m", "looseness", "= statement",
               "+ proof"],
              caption="Looseness in three parts (derived constants): log10(stated / m*) = "
                      "log10(stated / proof) + log10(proof / m*)")
    for r in rep.thresholds:
        s = r.split
        t.rows.append([*(r.point.get(a) for a in axes), _short(r.target),
                       str(r.m_star) if r.status == "found" else "—",
                       Magnitude(r.theorem_log10_derived), Magnitude(r.proof_log10),
                       _f(s.total, ".2f"), _f(s.statement, ".2f"), _f(s.proof, ".2f")])
    t.notes.append("proof m: the width the statement's proof implies (its derivation, "
                   "prooftools derive), derived constants, hidden ones at 1; statement < 0: the "
                   "stated width (hidden constants at 1) is below what the proof needs")
    return t


def width_fit_table(rep) -> Table:
    """Fitted exponent of m* beside the theorem's exponent and its slope along the sweep."""
    t = Table(["target", "in", "at", "measured exponent [95%]", "theorem width",
               "theorem exponent", "theorem slope here", "points"],
              caption="Width exponents: log m* = a·log x + b (bootstrap 95% over seeds)")
    for w in rep.width_fits:
        t.rows.append([_short(w.target), w.axis, _pt(w.fixed),
                       w.fit.text() if w.fit else "— (too few points)",
                       Marked(w.theorem, w.provenance),
                       _f(w.theorem_exponent), _f(w.theorem_slope),
                       f"{len(w.points) - w.censored}" + (f" (+{w.censored} censored)"
                                                           if w.censored else "")])
    t.notes.append("theorem slope here: slope of the theorem's width evaluated at each point's "
                   "certified λ0 (λ0 changes with n, and log factors add to the exponent)")
    return t


def observable_table(rep) -> Table:
    """Each observable's fitted exponent in m at every grid point (scaling mode)."""
    t = Table(["at", "observable", "summary", "in", "exponent [95%]"],
              caption="Observables: value = C·x^a in x = m (or n), geometric mean over seeds")
    for o in rep.observable_fits:
        t.rows.append([_pt(o.at), o.observable, o.summary, o.axis, o.fit.text()])
    return t


def exponent_table(rep) -> Table:
    """Exponents the paper states for observables, judged against the fitted ones."""
    t = Table(["statement", "item", "observable", "stated exponent", "measured [95%]", "at",
               "verdict", "tight"],
              caption="Stated exponents in m (conclusions obs ≤ … m^e), judged on the sweep")
    for e in rep.exponent_checks:
        t.rows.append([e.statement, e.item, e.observable, _f(e.stated), e.fit.text(),
                       _pt(e.at), e.verdict, "yes" if e.tight else "no"])
    t.notes.append("fails: the interval lies above the stated exponent (the observable decays "
                   "more slowly than the bound allows); tight: the stated exponent is inside it")
    return t


def constants_table(rep) -> Table:
    """The range of each hidden constant that every run admits."""
    t = Table(["constant", "admitted range", "runs", "from"],
              caption="Hidden constants: the range every run of the sweep admits")
    for name, c in rep.constants.items():
        if c["empty"]:
            rng = "none (the runs disagree)"
        elif c["high"] is None:
            rng = f"≥ {c['low']:.4g}"
        elif c["low"] <= 0:
            rng = f"≤ {c['high']:.4g}"
        else:
            rng = f"[{c['low']:.4g}, {c['high']:.4g}]"
        t.rows.append([name, rng, c["runs"], c["source"]])
    return t


def render_sweep(rep, fmt: str = "text", *, width: int | None = None) -> str:
    """Every table of the sweep in one format (``json``: the report's full dict); ``width``
    wraps the text tables to a terminal's width."""
    if fmt == "json":
        return json.dumps(rep.to_dict(), indent=2, default=str, allow_nan=False)
    sp = rep.run.spec
    head = {"text": "", "markdown": "", "latex": "% "}[fmt]
    parts = [f"{head}sweep {sp.key}: {sp.statement} on {sp.dataset}, mode {sp.mode}, "
             f"{len(rep.run.rows)} runs ({rep.run.computed} computed now), store "
             f"{rep.run.store}"]
    tables = []
    if rep.thresholds:
        tables.append(threshold_table(rep, compact=fmt == "latex"))
    if any(t.proof_log10 is not None for t in rep.thresholds):
        tables.append(looseness_table(rep))
    if rep.width_fits:
        tables.append(width_fit_table(rep))
    if rep.observable_fits:
        tables.append(observable_table(rep))
    if rep.exponent_checks:
        tables.append(exponent_table(rep))
    if rep.constants:
        tables.append(constants_table(rep))
    parts += [tb.render(fmt, width=width) for tb in tables]
    parts += [f"{head}note: {n}" for n in rep.notes]
    if width and fmt == "text":
        parts[0] = textwrap.fill(parts[0], width, break_on_hyphens=False)
        parts[len(parts) - len(rep.notes):] = [
            textwrap.fill(p, width, break_on_hyphens=False)
            for p in parts[len(parts) - len(rep.notes):]]
    return "\n\n".join(parts)
