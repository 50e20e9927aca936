"""Figure plumbing shared by the report and replication plots: headless pyplot, PNG + PDF saving.

Every figure of the package is written twice, as ``<stem>.png`` and ``<stem>.pdf``, with
matplotlib's non-interactive Agg backend so that plotting works without a display.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["pyplot", "save_figure"]


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend (imported lazily: matplotlib is slow to load).

    >>> pyplot().get_backend().lower()
    'agg'
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Any, out_dir: str | Path, stem: str, *, dpi: float | None = None) -> list[str]:
    """Write ``fig`` as ``out_dir/stem.png`` and ``out_dir/stem.pdf``, close it, return the paths.

    >>> import tempfile
    >>> plt = pyplot()
    >>> with tempfile.TemporaryDirectory() as d:
    ...     [Path(p).name for p in save_figure(plt.figure(), d, "demo")]
    ['demo.png', 'demo.pdf']
    """
    paths = []
    for ext in ("png", "pdf"):
        p = Path(out_dir) / f"{stem}.{ext}"
        fig.savefig(p, **({} if dpi is None else {"dpi": dpi}))
        paths.append(str(p))
    pyplot().close(fig)
    return paths
