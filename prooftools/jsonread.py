"""Read a small JSON file that someone else may have written: regular files only, size and
nesting depth capped before parsing.

The sweep store's rows and the quantity cache's entries are files a killed process, a full disk,
a copy from elsewhere or a hostile user may have left in any state: truncated, empty, a symlink
to ``/dev/zero``, a FIFO (opening it would wait for a writer forever), 100,000 nested brackets
(``json`` would recurse until RecursionError) or gigabytes. :func:`read_json` refuses each with
:class:`BadFile` and a short reason, never blocks, and never reads more than ``max_bytes + 1``.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "r.json"
>>> _ = p.write_text('{"a": [1, 2]}')
>>> read_json(p)
{'a': [1, 2]}
>>> _ = p.write_text("[" * 1000 + "]" * 1000)
>>> read_json(p)
Traceback (most recent call last):
...
prooftools.jsonread.BadFile: nested deeper than 64 levels
"""

from __future__ import annotations

import json
import os
import re
import stat
from itertools import accumulate
from pathlib import Path
from typing import Any

__all__ = ["BadFile", "json_depth", "read_json"]

MAX_BYTES = 16 * 2**20
MAX_DEPTH = 64
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


class BadFile(ValueError):
    """The file is not what it should be (the message says why, without the path)."""


def json_depth(text: str) -> int:
    """Deepest bracket nesting of JSON ``text`` (brackets inside strings do not count).

    >>> json_depth('{"a": [[1], "[[["]}'), json_depth("3")
    (3, 0)
    """
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    steps = (1 if c in "[{" else -1 for c in brackets)
    return max(accumulate(steps, initial=0))


def _read_regular(path: Path, max_bytes: int) -> bytes:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if os.path.islink(path):
            raise BadFile("a symbolic link, not a regular file") from None
        raise BadFile(exc.strerror or str(exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise BadFile("not a regular file")
        if info.st_size > max_bytes:
            raise BadFile(f"larger than {max_bytes} bytes")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(max_bytes + 1)
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise BadFile(f"larger than {max_bytes} bytes")
    return data


def read_json(path: str | Path, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value in the regular file ``path``; :class:`BadFile` for anything else."""
    data = _read_regular(Path(path), max_bytes)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadFile("not UTF-8 text") from None
    if json_depth(text) > max_depth:
        raise BadFile(f"nested deeper than {max_depth} levels")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BadFile(f"not JSON ({str(exc).splitlines()[0][:80]})") from None
