"""A :class:`~prooftools.reporting.tables.Table` as a plain, sortable HTML table.

The table is complete markup (it reads the same without JavaScript); the page's script only
adds sort buttons to the headers. A cell's sort key is its ``data-v`` attribute where the shown
text would sort wrongly (magnitudes sort by log10, so 1e+300 comes after 5e+12).

>>> from prooftools.reporting.tables import Table
>>> out = table_html(Table(["id", "m"], rows=[["<b>", 3.5]], caption="c"))
>>> "&lt;b&gt;" in out and 'class="num" data-v="3.5"' in out and "sortable" in out
True
>>> _cell(Marked("n^2 · λ0^-2 · log n", "verified"))  # a theorem's width: powers raised
'<td data-v="n^2 · λ0^-2 · log n">n<sup>2</sup> · λ0<sup>-2</sup> · log n</td>'
"""

from __future__ import annotations

import math
import re

from prooftools.reporting.html.encoding import VERDICTS, verdict_class, verdict_style
from prooftools.reporting.html.markup import esc, raw_tag, tag
from prooftools.reporting.html.mathml import formula_html
from prooftools.reporting.tables import LEGEND, Formula, Magnitude, Marked, Table, cell_text

__all__ = ["badge", "table_html"]

_WORDS = {v.word for v in VERDICTS}


def badge(word: str) -> str:
    """A verdict as a labelled badge: icon, word and colour (never colour alone)."""
    st = verdict_style(word)
    return tag("span", f"{st.icon} {word}", cls=f"badge {verdict_class(word)}")


def _cell(cell, label: str | None = None) -> str:
    """One ``<td>``; ``label`` (its column, for a stacked table) becomes ``data-label``."""
    if isinstance(cell, Formula):
        return raw_tag("td", formula_html(cell), data_label=label)
    if isinstance(cell, Magnitude):
        key = "" if cell.log10 is None else repr(cell.log10)
        return tag("td", cell.text(), cls="num", data_v=key, data_label=label)
    if isinstance(cell, bool):
        return tag("td", str(cell), data_label=label)
    if isinstance(cell, int | float):
        key = repr(cell) if math.isfinite(cell) else ("inf" if cell > 0 else "-inf")
        return tag("td", cell_text(cell), cls="num", data_v=key, data_label=label)
    if isinstance(cell, Marked):  # an id with its mark, or a width's shape (n^2 · λ0^-2)
        shown = re.sub(r"\^(-?[\w.?]+)", r"<sup>\1</sup>", esc(str(cell)))
        return raw_tag("td", shown, data_v=cell.text, data_label=label)
    if isinstance(cell, str) and cell in _WORDS:
        return raw_tag("td", badge(cell), data_v=cell, data_label=label)
    return tag("td", cell_text(cell), data_label=label)


def table_html(table: Table, *, stacked: bool = False) -> str:
    """The table with its caption and notes (and the provenance legend when marks appear).

    ``stacked``: each row is shown as a block of ``column: value`` lines (every cell carries its
    column in ``data-label``) — for a narrow box such as a statement's panel, where eight
    columns would scroll sideways; it is the same table without CSS.
    """
    cap = tag("caption", table.caption) if table.caption else ""
    head = raw_tag("thead", raw_tag("tr", "".join(tag("th", h, scope="col")
                                                  for h in table.columns)))
    labels = list(table.columns) if stacked else []
    body = raw_tag("tbody", "".join(
        raw_tag("tr", "".join(_cell(c, labels[i] if i < len(labels) else None)
                              for i, c in enumerate(row)))
        for row in table.rows))
    notes = list(table.notes) + ([LEGEND] if table.has_marks else [])
    cls = "sortable stacked" if stacked else "sortable"
    out = raw_tag("div", raw_tag("table", cap + head + body, cls=cls), cls="tablewrap")
    if notes:
        out += raw_tag("ul", "".join(tag("li", n) for n in notes), cls="notes")
    return out
