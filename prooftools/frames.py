"""Notebook views of the API's results: records as a pandas DataFrame or an HTML table.

pandas is optional (``pip install prooftools[pandas]``): it is imported only inside
:func:`data_frame`, with a one-line message when it is missing. :func:`html_table` needs nothing.

>>> print(html_table([{"a": 1, "b": "<x>"}], caption="t"))
<table><caption>t</caption><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td>&lt;x&gt;</td></tr></tbody></table>
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["data_frame", "html_table"]


def _columns(records: Sequence[Mapping[str, Any]], columns: Iterable[str] | None) -> list[str]:
    if columns is not None:
        return list(columns)
    seen: dict[str, None] = {}
    for r in records:
        seen.update(dict.fromkeys(r))
    return list(seen)


def data_frame(records: Sequence[Mapping[str, Any]], columns: Iterable[str] | None = None):
    """``records`` (one dict per row) as a pandas DataFrame; missing cells are NaN/None."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("to_pandas needs pandas: pip install 'prooftools[pandas]' "
                          "(or pip install pandas)") from None
    cols = _columns(records, columns)
    return pd.DataFrame([[r.get(c) for c in cols] for r in records], columns=cols)


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, Mapping):
        return ", ".join(f"{k} {x}" for k, x in v.items())
    return str(v)


def html_table(records: Sequence[Mapping[str, Any]], columns: Iterable[str] | None = None,
               caption: str = "") -> str:
    """``records`` as an HTML table (Jupyter's ``_repr_html_``), every cell escaped."""
    cols = _columns(records, columns)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(r.get(c)))}</td>" for c in cols)
                   + "</tr>" for r in records)
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
