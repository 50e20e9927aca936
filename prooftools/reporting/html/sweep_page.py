"""A sweep (run now or read back from its store) as an HTML page: its tables and figures."""

from __future__ import annotations

import tempfile

from prooftools.reporting.html.figures import png_files
from prooftools.reporting.html.pages import sweep_document

__all__ = ["sweep_figures", "sweep_html", "sweep_tables"]


def sweep_tables(rep) -> list:
    """The tables ``render_sweep`` prints, in its order (only those with rows)."""
    from prooftools.reporting import sweep_reports as sr

    pairs = ((rep.thresholds, sr.threshold_table), (rep.width_fits, sr.width_fit_table),
             (rep.observable_fits, sr.observable_table), (rep.exponent_checks,
                                                         sr.exponent_table),
             (rep.constants, sr.constants_table))
    return [make(rep) for rows, make in pairs if rows]


def sweep_figures(rep, figures_dir: str | None = None) -> list[tuple[str, str]]:
    """The sweep's PNG figures as ``data:`` URIs (also kept in ``figures_dir`` when given)."""
    from prooftools.reporting.sweep_plots import plot_sweep

    if figures_dir:
        return png_files(plot_sweep(rep, figures_dir))
    with tempfile.TemporaryDirectory(prefix="prooftools-html-") as tmp:
        return png_files(plot_sweep(rep, tmp))


def heading(rep) -> str:
    """The sweep's one-line summary (as ``render_sweep`` starts)."""
    sp = rep.run.spec
    return (f"sweep {sp.key}: {sp.statement} on {sp.dataset}, mode {sp.mode}, "
            f"{len(rep.run.rows)} runs ({rep.run.computed} computed now), store {rep.run.store}")


def sweep_html(rep, *, figures_dir: str | None = None) -> str:
    """``sweep --format html``: the whole page."""
    return sweep_document(rep, sweep_tables(rep), sweep_figures(rep, figures_dir), heading(rep))
