"""Figures inlined in the page as ``data:`` PNGs (the report is one file).

Each judged quantified item of a verify run gets a small figure of its own (its left-hand side
over the run against the statement's bound, drawn as in ``verify --plots``). PNG bytes carry no
date or software tag, so the same run gives the same bytes.
"""

from __future__ import annotations

import io
from pathlib import Path

from prooftools.reporting.html.markup import data_uri

__all__ = ["figure_uri", "panel_figures", "png_files"]

DPI = 96
MARGINS = {"left": 0.15, "right": 0.97, "top": 0.82, "bottom": 0.15}


def figure_uri(fig) -> str:
    """A matplotlib figure as a PNG ``data:`` URI (the figure is closed)."""
    from prooftools.reporting.figures import pyplot, tidy_axes

    for ax in fig.axes:
        tidy_axes(ax)
    fig.subplots_adjust(**MARGINS)  # fixed margins: tight_layout would double the cost
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    finally:
        pyplot().close(fig)
    return data_uri(buf.getvalue(), "image/png")


def panel_figures(report) -> dict[tuple[str, str], str]:
    """One PNG per judged quantified item of a verify run, keyed by (statement, item)."""
    from prooftools.reporting.figures import pyplot
    from prooftools.reporting.verify_figure import draw_panel, index_label

    plt = pyplot()
    xlabel = index_label(report)
    out = {}
    for panel in report.panels:
        fig, ax = plt.subplots(figsize=(4.6, 3.2))
        draw_panel(ax, panel, xlabel)
        out[(panel.statement, panel.item)] = figure_uri(fig)
    return out


def png_files(paths) -> list[tuple[str, str]]:
    """Written PNG figures (a sweep's) as (file name, ``data:`` URI) pairs."""
    return [(Path(p).name, data_uri(Path(p).read_bytes(), "image/png"))
            for p in paths if str(p).endswith(".png")]
