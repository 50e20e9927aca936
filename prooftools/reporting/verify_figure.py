"""The figure of a verify report: one panel per judged quantified item, formulas in a caption.

Each panel draws an item's measured side over the run (blue) against the theorem's bound (red,
dashed) with a short legend; the two formulas, typeset by mathtext with the registry's names, go
into a caption area under the panels, one line per panel, so that a long bound (Allen-Zhu's
semi-smoothness) never squeezes or leaves the panels. A bound claimed at a few indices only (its
``when`` range) is drawn with markers and says where it applies; the y axis is logarithmic when
the values span decades, so that a measured curve far under its bound stays readable; a short
last row is centred instead of leaving an empty slot.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from prooftools.reporting.figure_text import plain_math, wrap_words
from prooftools.reporting.figures import plain_log_ticks, pyplot, save_figure

if TYPE_CHECKING:
    from prooftools.checking.verify import VerifyReport

__all__ = ["draw_report", "plot_report"]

_OPS = {"<": "<", "<=": r"\leq", ">": ">", ">=": r"\geq", "==": "="}
#: the y axis turns logarithmic when the positive values drawn span more than this factor
LOG_SPAN = 30.0
#: caption lines: font size (pt), the smallest it may shrink to so a line fits, line height (in)
_CAPTION_PT, _CAPTION_MIN_PT, _LINE_IN = 8.5, 6.0, 0.28


def plot_report(report: VerifyReport, out_dir: str | Path, *, stem: str | None = None) -> list[str]:
    """Write one figure (PNG and PDF) of the judged quantified items; return the paths.

    Panels are lettered (a), (b), …; the caption under them gives each panel's measured side and
    the theorem's bound as formulas; log scales only where the data span decades, no lines into
    log 0.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = stem or report.statement.replace(".", "_") + "_verify"
    return save_figure(draw_report(report), out, stem, dpi=110)


def draw_report(report: VerifyReport):
    """The figure of :func:`plot_report`, laid out at 110 dpi and not yet saved."""
    plt = pyplot()
    panels = list(report.panels) or [_objective_panel(report)]
    cols = min(3, len(panels))
    rows = -(-len(panels) // cols)
    captions = [_caption(f"({chr(97 + i)})", p) for i, p in enumerate(panels)]
    caption_in = _LINE_IN * len(captions) + 0.1
    fig = plt.figure(figsize=(5.2 * cols, 4.1 * rows + caption_in), dpi=110)
    grid = fig.add_gridspec(rows + 1, 2 * cols, height_ratios=[4.1] * rows + [caption_in])
    xlabel = index_label(report)
    for i, panel in enumerate(panels):
        r, c = divmod(i, cols)
        shift = cols - min(cols, len(panels) - r * cols)  # centre a short last row
        ax = fig.add_subplot(grid[r, shift + 2 * c: shift + 2 * c + 2])
        draw_panel(ax, panel, xlabel, f"({chr(97 + i)})")
    cap = fig.add_subplot(grid[rows, :])
    cap.axis("off")
    cap.set_label("caption")
    step = 1.0 / len(captions)
    for i, line in enumerate(captions):
        cap.text(0.0, 1.0 - i * step, line, transform=cap.transAxes, va="top", ha="left",
                 fontsize=_CAPTION_PT)
    cfg = report.config
    fig.suptitle(f"verify {report.statement} on {cfg.get('dataset') or 'data'} "
                 f"(n={cfg.get('n')}, m={cfg.get('width')}, seed={cfg.get('seed')}): "
                 f"first failing link {report.first_failing_link or 'none'}", fontsize=10)
    for _ in range(3):  # grow the caption area until its lines fit (tall formulas)
        fig.tight_layout()
        short = _fit_caption(fig, cap) / fig.dpi
        if short <= 0:
            break
        caption_in += short + 0.05
        grid.set_height_ratios([4.1] * rows + [caption_in])
        fig.set_figheight(4.1 * rows + caption_in)
    return fig


def _fit_caption(fig, cap) -> float:
    """Stack the caption lines by their drawn heights (a square root is taller than a line of
    text) and shrink a line that would run past the figure's right edge (down to 6 pt); return
    how many pixels the last line runs below the caption area (0 when they fit)."""
    renderer = fig.canvas.get_renderer()
    right = fig.bbox.x1 - 4
    top = cap.get_window_extent(renderer).y1
    to_axes = cap.transAxes.inverted()
    for text in cap.texts:
        while text.get_window_extent(renderer).x1 > right and \
                text.get_fontsize() > _CAPTION_MIN_PT:
            text.set_fontsize(text.get_fontsize() - 0.5)
        text.set_y(to_axes.transform((0.0, top))[1])
        top = text.get_window_extent(renderer).y0 - 0.45 * text.get_fontsize() * fig.dpi / 72
    return max(0.0, cap.get_window_extent(renderer).y0 - top)


def index_label(report: VerifyReport) -> str:
    if report.config.get("algorithm") == "sampling":
        return "sampled point k"
    return "time t" if report.trajectory.config.get("index") == "t" else "iteration k"


def _use_log(lhs: np.ndarray, rhs: np.ndarray) -> bool:
    """Log y when the positive values drawn span more than :data:`LOG_SPAN` and the measured
    side has at least two positive values to draw (zeros are left out of a log axis)."""
    both = np.concatenate([lhs[np.isfinite(lhs)], rhs[np.isfinite(rhs)]])
    pos = both[both > 0]
    if pos.size == 0 or np.count_nonzero(np.isfinite(lhs) & (lhs > 0)) < 2:
        return False
    return bool(pos.max() / pos.min() > LOG_SPAN) and bool(np.all(both >= 0))


def draw_panel(a, panel, xlabel: str, letter: str = "") -> None:
    x, lhs, rhs = (np.asarray(v, dtype=float) for v in (panel.x, panel.lhs, panel.rhs))
    inside = np.asarray(panel.inside, dtype=bool)
    log = _use_log(lhs, rhs)
    shown = np.isfinite(lhs) & ((lhs > 0) if log else True)
    a.plot(x[shown & inside], lhs[shown & inside], ".-" if x.size < 60 else "-", ms=3,
           color="C0", label="measured")
    if (shown & ~inside).any():
        a.plot(x[shown & ~inside], lhs[shown & ~inside], ".", ms=3, color="0.6",
               label="outside its when-range (no claim)")
    _draw_bound(a, panel, x, rhs, inside, log)
    if log:
        a.set_yscale("log")
        drawn = np.concatenate([lhs[shown], rhs[np.isfinite(rhs) & inside & (rhs > 0)]])
        plain_log_ticks(a.yaxis, float(drawn.min()), float(drawn.max()))
    else:
        a.ticklabel_format(axis="y", useOffset=False)
    a.set_xlabel(xlabel)
    head, _, rest = panel.title.partition(": ")
    title = (f"{letter} {head} [{panel.verdict}]" if panel.verdict else f"{letter} {head}").strip()
    if rest:
        title += "\n" + wrap_words(plain_math(rest), 62)
    a.set_title(title, fontsize=8)
    if a.get_lines():
        a.legend(fontsize=7, loc="best", framealpha=0.85)


def _draw_bound(a, panel, x, rhs, inside, log: bool) -> None:
    """The theorem's bound where the statement claims it: a dashed line, or markers with a note
    when it applies at a few indices only (a line through one point would not show)."""
    keep = np.isfinite(rhs) & inside & ((rhs > 0) if log else True)
    if not keep.any():
        return
    if np.count_nonzero(keep) >= 4:
        a.plot(x[keep], rhs[keep], "--", color="C3", label="theorem's bound")
        return
    where = ", ".join(f"{v:g}" for v in x[keep])
    marker = "v" if panel.op in ("<", "<=") else "^" if panel.op in (">", ">=") else "D"
    a.plot(x[keep], rhs[keep], marker, ms=7, color="C3", linestyle="none",
           label=f"theorem's bound (claimed at {panel.index_name} = {where} only)")


def _caption(letter: str, panel) -> str:
    """One caption line: the measured side and the bound as formulas (plain text when mathtext
    cannot typeset them)."""
    if panel.lhs_expr is None:
        rhs = f";  theorem's bound: {panel.rhs_label}" if panel.rhs_label else ""
        return f"{letter} measured: {plain_math(panel.lhs_label)}{rhs}"
    from matplotlib.mathtext import MathTextParser

    from prooftools.reporting.latex import formula

    try:
        lhs = formula(panel.lhs_expr, panel.names, panel.params).replace(r"\allowbreak{}", "")
        rhs = formula(panel.rhs_expr, panel.names, panel.params).replace(r"\allowbreak{}", "")
        parser = MathTextParser("path")
        for tex in (lhs, rhs):
            parser.parse(f"${tex}$")
    except Exception:  # any typesetting failure falls back to the text form
        return f"{letter} measured: {plain_math(panel.lhs_label)};  {panel.rhs_label}"
    hidden = (f"  (hidden constant{'s' if len(panel.at_one) > 1 else ''} at 1: "
              f"{', '.join(panel.at_one)})" if panel.at_one else "")
    return (f"{letter} measured: ${lhs}$;   theorem's bound: "
            f"${_OPS.get(panel.op, panel.op)} {rhs}${hidden}")


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
