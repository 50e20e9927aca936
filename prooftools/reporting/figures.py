"""Figure plumbing shared by the report and replication plots: headless pyplot, PNG + PDF saving.

Every figure of the package is written twice, as ``<stem>.png`` and ``<stem>.pdf``, with
matplotlib's non-interactive Agg backend so that plotting works without a display.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prooftools.atomic import FileSet

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
