"""Figure plumbing shared by the report and replication plots: headless pyplot, PNG + PDF saving.

Every figure of the package is written twice, as ``<stem>.png`` and ``<stem>.pdf``, with
matplotlib's non-interactive Agg backend so that plotting works without a display. Before saving,
every axis is tidied (:func:`tidy_axes`): no offset notation, log scale only where the data span
a decade, and no line drawn into log 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prooftools.atomic import FileSet

__all__ = ["label_values", "plain_log_ticks", "plain_number", "pyplot", "save_figure",
           "tidy_axes"]


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend (imported lazily: matplotlib is slow to load).

    >>> pyplot().get_backend().lower()
    'agg'
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Any, out_dir: str | Path, stem: str, *, dpi: float | None = None,
                files: FileSet | None = None) -> list[str]:
    """Write ``fig`` as ``out_dir/stem.png`` and ``out_dir/stem.pdf``, close it, return the paths.

    Both files are written atomically and together (a :class:`~prooftools.atomic.FileSet`);
    with ``files`` they join a larger set that the caller commits.

    >>> import tempfile
    >>> plt = pyplot()
    >>> with tempfile.TemporaryDirectory() as d:
    ...     [Path(p).name for p in save_figure(plt.figure(), d, "demo")]
    ['demo.png', 'demo.pdf']
    """
    for ax in fig.axes:
        tidy_axes(ax)
    if fig.get_layout_engine() is None or fig.get_layout_engine().__class__.__name__ == \
            "TightLayoutEngine":
        fig.tight_layout()  # tick labels may have changed width
    kwargs = {} if dpi is None else {"dpi": dpi}
    try:
        if files is not None:
            return [files.save_figure(fig, Path(out_dir) / f"{stem}.{ext}", **kwargs)
                    for ext in ("png", "pdf")]
        with FileSet() as own:
            return [own.save_figure(fig, Path(out_dir) / f"{stem}.{ext}", **kwargs)
                    for ext in ("png", "pdf")]
    finally:
        pyplot().close(fig)


def tidy_axes(ax: Any) -> None:
    """Make one axis honest: plain tick labels (no ``1e-5+9.999e-1`` offset), a log y axis only
    where the plotted values span at least a decade, and non-positive values left out of a log
    axis (instead of a line dropping to log 0).

    >>> plt = pyplot()
    >>> fig, ax = plt.subplots()
    >>> _ = ax.semilogy([0, 1, 2], [82.0, 0.0, 83.2])
    >>> tidy_axes(ax)
    >>> ax.get_yscale(), ax.lines[0].get_ydata().tolist()
    ('linear', [82.0, nan, 83.2])
    >>> plt.close(fig)
    """
    import numpy as np
    from matplotlib.ticker import ScalarFormatter

    if ax.get_yscale() == "log":
        values = []
        for line in ax.lines:
            y = np.asarray(line.get_ydata(), dtype=float)
            y = np.where(y > 0, y, np.nan)  # log 0 is not a value: leave a gap
            line.set_ydata(y)
            values.append(y[np.isfinite(y)])
        data = np.concatenate(values) if values else np.array([])
        if data.size and data.max() < 10 * data.min():
            ax.set_yscale("linear")
    for axis in (ax.xaxis, ax.yaxis):
        fmt = axis.get_major_formatter()
        if isinstance(fmt, ScalarFormatter):
            fmt.set_useOffset(False)
            fmt.set_scientific(True)
            fmt.set_powerlimits((-3, 4))


def label_values(axis: Any, values) -> None:
    """Ticks of a log axis at exactly ``values`` (a sweep's grid: n = 16, 32, 64), labelled as
    the numbers they are, with no minor labels (``2×10^1, 3×10^1`` named none of them).

    >>> plt = pyplot()
    >>> fig, ax = plt.subplots()
    >>> _ = ax.loglog([16, 32, 64], [1, 2, 3])
    >>> label_values(ax.xaxis, [16, 32, 64])
    >>> fig.canvas.draw()
    >>> [t.get_text() for t in ax.get_xticklabels()], ax.xaxis.get_minorticklabels()
    (['16', '32', '64'], [])
    >>> plt.close(fig)
    """
    from matplotlib.ticker import FixedFormatter, FixedLocator, NullFormatter, NullLocator

    values = sorted({float(v) for v in values})
    axis.set_major_locator(FixedLocator(values))
    axis.set_major_formatter(FixedFormatter([f"{v:g}" for v in values]))
    axis.set_minor_locator(NullLocator())
    axis.set_minor_formatter(NullFormatter())


def plain_log_ticks(axis: Any, low: float, high: float) -> None:
    """A log axis over less than two decades: ticks at 1, 2, 5 × 10^k labelled as plain
    numbers (``0.2, 0.5, 1, 2, 5``) instead of one decade label and crowded minor labels."""
    import math

    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    if not (0 < low < high) or math.log10(high / low) >= 2:
        return
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(plain_number))
    axis.set_minor_formatter(NullFormatter())


def plain_number(v: float, _pos=None) -> str:
    r"""A log tick as a plain number, or as mathtext ``2\times10^{5}`` when it is huge or tiny.

    >>> plain_number(0.5), plain_number(2e5), plain_number(1e-5)
    ('0.5', '$2\\times10^{5}$', '$10^{-5}$')
    """
    if 1e-3 <= v < 1e4:
        return f"{v:g}"
    mant, exp = f"{v:.0e}".split("e")
    return f"$10^{{{int(exp)}}}$" if mant == "1" else f"${mant}\\times10^{{{int(exp)}}}$"
