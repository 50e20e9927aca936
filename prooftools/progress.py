"""Progress bars: the one factory every long computation uses (a tqdm bar).

``progress``: ``True`` shows the bar, ``False`` hides it, ``None`` (the default of the CLI and
the API) shows it when stderr is a terminal (and in a notebook, as tqdm does). A terminal that
reports no size — a pseudo-terminal whose window was never set, ``script`` run from a pipe —
or columns but no rows (``stty cols 120`` in such a window) would make tqdm draw nothing at
all, so such a bar gets ``$COLUMNS`` (or 80) columns and ``$LINES`` (or 24) rows in place of
the missing ones.
"""

from __future__ import annotations

import os
import sys

__all__ = ["bar"]


def _size() -> dict[str, int]:
    """The bar's width and the screen's height where stderr is a terminal that reports 0 for
    either (tqdm would draw nothing: 0 rows leave no line to draw on); empty elsewhere (a sized
    terminal, a pipe, a notebook: tqdm decides as usual)."""
    try:
        if not sys.stderr.isatty():
            return {}
        size = os.get_terminal_size(sys.stderr.fileno())
    except (AttributeError, ValueError, OSError):
        return {}
    out = {}
    for key, name, default, have in (("ncols", "COLUMNS", 80, size.columns),
                                     ("nrows", "LINES", 24, size.lines)):
        if have > 0:
            continue
        try:
            out[key] = max(int(os.environ.get(name, "")), 2)
        except ValueError:
            out[key] = default
    return out


def bar(total: int | None, progress: bool | None, desc: str, *, unit: str = "it",
        delay: float = 0.0, leave: bool = False):
    """A tqdm bar of ``total`` units (see the module docstring for ``progress``); ``delay``
    seconds pass before it first draws (short runs leave no trace).

    >>> with bar(3, False, "hidden") as b:
    ...     b.update(3)
    >>> b.disable
    True
    """
    from tqdm.auto import tqdm

    # None: tqdm's own rule (a terminal shows it; a notebook shows its widget)
    disable = None if progress is None else not progress
    return tqdm(total=total, desc=desc, unit=unit, leave=leave, disable=disable, delay=delay,
                **_size())
