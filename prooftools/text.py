"""Terminal-safe text: control characters, escape sequences and bidi overrides shown escaped.

Strings from theorem files (titles, sources, notes, authors, meanings) and from the command line
reach the terminal through ``list``, ``show`` and error messages. An ANSI/OSC escape could
recolour or retitle the terminal, a bidi override could make ``n**6`` read as something else;
:func:`clean` makes each such character visible as its escape instead.

>>> clean("title\\x1b[31m red\\u202e")
'title\\\\x1b[31m red\\\\u202e'
>>> clean("line one\\nline two\\ttab")
'line one\\nline two\\ttab'
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["clean", "clean_tree"]

#: C0/C1 controls except tab and newline, DEL, bidi embeddings/overrides/isolates and marks,
#: line/paragraph separators, and the zero-width characters that hide text.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]"
)


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str) -> str:
    """``text`` with every unsafe character replaced by its visible escape."""
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def clean_tree(obj: Any) -> Any:
    """:func:`clean` applied to every string (keys too) of nested dicts and lists."""
    if isinstance(obj, str):
        return clean(obj)
    if isinstance(obj, dict):
        return {clean_tree(k): clean_tree(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [clean_tree(v) for v in obj]
    return obj
