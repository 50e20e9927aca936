"""Escaping and the few tags the HTML report writes; every piece of text goes through here.

>>> esc('<img src=x onerror="alert(1)">')
'&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
>>> tag("td", "a < b", cls="num", data_v=3)
'<td class="num" data-v="3">a &lt; b</td>'
"""

from __future__ import annotations

import base64
import html
import re

from prooftools.text import clean

__all__ = ["anchor_id", "data_uri", "esc", "raw_tag", "tag", "void"]


def esc(text: object) -> str:
    """Text (or anything printable) as HTML text or an attribute value: ``<>&"'`` escaped, and
    control characters, escape sequences and bidi overrides shown as their escapes (a page
    printed to a terminal must not drive it; a title must not read backwards).

    >>> esc("a\x1b[31m\u202eb")
    'a\\\\x1b[31m\\\\u202eb'
    """
    return html.escape(clean(str(text)), quote=True)


def _attrs(attrs: dict) -> str:
    out = []
    for key, val in attrs.items():
        if val is None or val is False:
            continue
        name = {"cls": "class", "for_": "for"}.get(key, key.replace("_", "-"))
        out.append(f" {name}" if val is True else f' {name}="{esc(val)}"')
    return "".join(out)


def tag(name: str, text: object = "", /, **attrs) -> str:
    """``<name attrs>text</name>`` with ``text`` escaped (``cls`` is ``class``, ``data_x`` is
    ``data-x``; None and False leave an attribute out)."""
    return f"<{name}{_attrs(attrs)}>{esc(text)}</{name}>"


def void(name: str, /, **attrs) -> str:
    """A void element (``<meta …>``, ``<img …>``, ``<input …>``): attributes only."""
    return f"<{name}{_attrs(attrs)}>"


def raw_tag(name: str, inner: str = "", /, **attrs) -> str:
    """``<name attrs>inner</name>`` with ``inner`` already HTML (built by this package)."""
    return f"<{name}{_attrs(attrs)}>{inner}</{name}>"


def anchor_id(prefix: str, text: str) -> str:
    """A stable HTML id for any text: letters, digits and ``-`` only, unique per text.

    >>> anchor_id("p", "du2019.thm4.1"), anchor_id("p", "<x>") != anchor_id("p", "_x_")
    ('p-du2019-thm4-1', True)
    """
    safe = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")
    if safe == text.replace(".", "-").replace(":", "-") and safe:
        return f"{prefix}-{safe}"
    import hashlib

    return f"{prefix}-{safe[:40]}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def data_uri(data: bytes, mime: str) -> str:
    """Bytes inlined as a ``data:`` URI (figures: the report needs no other file)."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
