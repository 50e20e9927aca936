"""Theorem files → raw, positioned records (phase 1 of loading).

This module knows TOML and line numbers; it does not know sympy. Expressions stay text here and
are parsed by the registry once every file's symbols are known, so order does not matter.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prooftools.errors import FileProblem
from prooftools.text import clean_tree

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\"\- ]+?)\s*(\]\]?)\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")
IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
STATEMENT_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]*$")

PAPER_KEYS = {"key", "title", "authors", "year", "venue", "arxiv", "version", "notes"}
SYMBOL_KEYS = {
    "role", "domain", "latex", "meaning", "args", "value", "value_provenance", "value_source",
}
STATEMENT_KEYS = {
    "id", "kind", "title", "source", "provenance", "uses", "probability", "notes", "tags",
    "hypotheses", "bounds", "conclusions", "derivations",
}
ENTRY_KEYS = {
    "hypotheses": {"name", "expr", "provenance", "source", "notes", "forall", "when"},
    "conclusions": {"name", "expr", "provenance", "source", "notes", "forall", "when"},
    "bounds": {
        "name", "kind", "expr", "provenance", "source", "notes", "symbol", "relation", "form",
        "printed", "estimate",
    },
}
TOP_KEYS = {"format", "paper", "vocabulary", "symbols", "statements"}

#: Largest theorem file read (bytes), checked with stat before reading.
MAX_FILE_BYTES = 2_000_000
#: Deepest nesting of arrays / inline tables accepted (tomllib recurses per level).
MAX_NESTING = 24
#: Most dots in one dotted key or table header (tomllib recurses and allocates per part).
MAX_KEY_DOTS = 32
#: Longest key or bare value outside strings (Python reads no integer of over 4300 digits).
MAX_TOKEN_CHARS = 1000


def read_limited(path: str | Path, limit: int = MAX_FILE_BYTES) -> str:
    """Text of a regular file of at most ``limit`` bytes; anything else is an ``OSError``.

    FIFOs, devices and sockets are refused *before* opening (a FIFO would block, ``/dev/zero``
    never ends); a symlink is followed only to a regular file; the size is checked by ``stat``
    and again while reading (the file may grow).
    """
    path = str(path)
    info = os.stat(path)  # follows symlinks: a link to /dev/zero is a character device here
    if not stat.S_ISREG(info.st_mode):
        raise OSError(f"not a regular file ({_kind(info.st_mode)})")
    if info.st_size > limit:
        raise OSError(f"file too large ({info.st_size} bytes; at most {limit})")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # replaced between stat and open
            raise OSError("not a regular file")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"file too large (more than {limit} bytes)")
    return data.decode("utf-8")


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISDIR, "a directory")):
        if test(mode):
            return name
    return "a special file"


_STRINGS_AND_COMMENTS = re.compile(
    r'"""(?:\\.|[^\\])*?"""|\'\'\'.*?\'\'\'|"(?:\\.|[^"\\\n])*"|\'[^\'\n]*\'|#[^\n]*',
    re.S,
)


def nesting_depth(text: str) -> int:
    """Deepest ``[``/``{`` nesting outside strings and comments (an upper bound for TOML).

    >>> nesting_depth('a = [[1, "]]]"], {b = [2]}]  # [[[[')
    3
    """
    bare = _STRINGS_AND_COMMENTS.sub("", text)
    depth = deepest = 0
    for c in re.findall(r"[\[\]{}]", bare):
        if c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    return deepest


def key_problem(text: str) -> str | None:
    """Why ``text``'s keys would make TOML parsing blow up (None: they would not), checked
    before parsing: a dotted key or header of more than :data:`MAX_KEY_DOTS` dots (a 200 KB
    ``a.a.a…`` is gigabytes in tomllib, a 200 KB ``[a.a.a…]`` a RecursionError), or a key or
    bare value of more than :data:`MAX_TOKEN_CHARS` characters outside strings.

    >>> key_problem("a.b.c = 1"), key_problem("a" + ".a" * 40 + " = 1")
    (None, 'a dotted key or table header with more than 32 dots')
    """
    bare = _STRINGS_AND_COMMENTS.sub("", text)
    for segment in re.split(r"[=\[\]{},\n]", bare):
        if segment.count(".") > MAX_KEY_DOTS:
            return f"a dotted key or table header with more than {MAX_KEY_DOTS} dots"
        if len(segment.strip()) > MAX_TOKEN_CHARS:
            return f"a key or bare value longer than {MAX_TOKEN_CHARS} characters"
    return None


class LineMap:
    """Map TOML key paths such as ``("statements", 3, "bounds", 0, "expr")`` to line numbers."""

    def __init__(self, text: str):
        self.lines: dict[tuple, int] = {}
        counters: dict[tuple, int] = {}
        path: tuple = ()
        for number, raw in enumerate(text.splitlines(), start=1):
            header = _HEADER.match(raw)
            if header and not _KEY.match(raw):
                parts = tuple(p.strip().strip('"') for p in header.group(2).split("."))
                is_array = header.group(1) == "[["
                path = self._resolve(parts, is_array, counters, path)
                self.lines.setdefault(path, number)
                continue
            key = _KEY.match(raw)
            if key:
                self.lines.setdefault((*path, key.group(1)), number)

    @staticmethod
    def _resolve(parts, is_array, counters, current) -> tuple:
        # Rebuild an indexed path: array tables get the running index of their parent array.
        resolved: list = []
        for depth, part in enumerate(parts):
            resolved.append(part)
            prefix = tuple(resolved)
            last = depth == len(parts) - 1
            if last and is_array:
                counters[prefix] = counters.get(prefix, -1) + 1
                # reset child counters of a new array element
                stale = [k for k in counters if len(k) > len(prefix) and k[: len(prefix)] == prefix]
                for key in stale:
                    del counters[key]
                resolved.append(counters[prefix])
            elif prefix in counters:
                resolved.append(counters[prefix])
        return tuple(resolved)

    def line(self, *path) -> int | None:
        """Line of ``path``, or of its nearest enclosing table."""
        for cut in range(len(path), 0, -1):
            if path[:cut] in self.lines:
                return self.lines[path[:cut]]
        return None


@dataclass
class RawFile:
    """One theorem file after TOML parsing, with its problems so far."""

    path: str
    data: dict[str, Any]
    lines: LineMap
    problems: list[FileProblem] = field(default_factory=list)

    def problem(self, message: str, *path, statement: str | None = None, key: str | None = None):
        line = self.lines.line(*path)
        self.problems.append(FileProblem(self.path, line, statement, key, message))


def read_file(path: str | Path, text: str | None = None) -> RawFile:
    """Read and structurally check one theorem file (keys, types); never raises on content."""
    path = str(path)
    if text is None:
        try:
            text = read_limited(path)
        except (OSError, UnicodeDecodeError) as exc:
            raw = RawFile(path, {}, LineMap(""))
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raw.problem(f"cannot read file: {why}")
            return raw
    if len(text) > MAX_FILE_BYTES:
        raw = RawFile(path, {}, LineMap(""))
        raw.problem(f"file too large (more than {MAX_FILE_BYTES} characters)")
        return raw
    if nesting_depth(text) > MAX_NESTING:
        raw = RawFile(path, {}, LineMap(""))
        raw.problem(f"arrays or tables nested deeper than {MAX_NESTING} levels")
        return raw
    bomb = key_problem(text)
    if bomb:
        raw = RawFile(path, {}, LineMap(""))
        raw.problem(f"{bomb} (refused before parsing)")
        return raw
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raw = RawFile(path, {}, LineMap(""))
        raw.problem(f"arrays or tables nested deeper than {MAX_NESTING} levels")
        return raw
    except tomllib.TOMLDecodeError as exc:
        raw = RawFile(path, {}, LineMap(""))
        line = getattr(exc, "lineno", None)
        match = re.search(r"line (\d+)", str(exc))
        if line is None and match:
            line = int(match.group(1))
        raw.problems.append(FileProblem(path, line, None, None, f"TOML syntax error: {exc}"))
        return raw
    # every string is made terminal-safe here, where it is loaded: control characters, ANSI/OSC
    # escapes and bidi overrides become visible escapes (a formula with one then fails to parse)
    raw = RawFile(path, clean_tree(data), LineMap(text))
    _check_structure(raw)
    return raw


def _check_structure(raw: RawFile) -> None:
    data = raw.data
    for key in data:
        if key not in TOP_KEYS:
            raw.problem(f"unknown top-level key {key!r} (expected one of {sorted(TOP_KEYS)})", key,
                        key=key)
    if data.get("format", 1) != 1:
        raw.problem(f"unsupported format {data.get('format')!r} (this version reads format 1)",
                    "format", key="format")
    head = "paper" if "paper" in data else "vocabulary" if "vocabulary" in data else None
    if head is None:
        raw.problem("missing [paper] table (or [vocabulary] for a vocabulary file)")
    else:
        paper = data[head]
        if not isinstance(paper, dict):
            raw.problem(f"[{head}] must be a table", head, key=head)
        else:
            for key in paper:
                if key not in PAPER_KEYS:
                    raw.problem(f"unknown key {key!r} in [{head}]", head, key, key=key)
            for key in ("key", "title"):
                if not isinstance(paper.get(key), str) or not paper.get(key):
                    raw.problem(f"[{head}] needs a non-empty string {key!r}", head, key, key=key)
            if isinstance(paper.get("key"), str) and not IDENT.match(paper["key"]):
                raw.problem(f"paper key {paper['key']!r} must be letters, digits and _",
                            head, "key", key="key")
            authors = paper.get("authors", [])
            if not (isinstance(authors, list)
                    and all(isinstance(a, str) and a.strip() for a in authors)):
                raw.problem("'authors' must be a list of non-empty names", head, "authors",
                            key="authors")
                paper["authors"] = []
            if "year" in paper and (not isinstance(paper["year"], int)
                                    or isinstance(paper["year"], bool)):
                raw.problem("'year' must be an integer", head, "year", key="year")
    symbols = data.get("symbols", {})
    if not isinstance(symbols, dict):
        raw.problem("'symbols' must be a table of tables", "symbols", key="symbols")
        data["symbols"] = {}
    else:
        for name, spec in list(symbols.items()):
            if not isinstance(spec, dict):
                raw.problem("a symbol must be a table", "symbols", name, key=name)
                del symbols[name]
                continue
            for key in spec:
                if key not in SYMBOL_KEYS:
                    raw.problem(f"unknown key {key!r} for symbol {name!r} (expected one of "
                                f"{sorted(SYMBOL_KEYS)})", "symbols", name, key, key=key)
    statements = data.get("statements", [])
    if not isinstance(statements, list) or not all(isinstance(s, dict) for s in statements):
        raw.problem("'statements' must be an array of tables ([[statements]])", "statements",
                    key="statements")
        data["statements"] = []
        return
    for index, st in enumerate(statements):
        sid = st.get("id") if isinstance(st.get("id"), str) else f"#{index + 1}"
        for key in st:
            if key not in STATEMENT_KEYS:
                raw.problem(f"unknown key {key!r} (expected one of {sorted(STATEMENT_KEYS)})",
                            "statements", index, key, statement=sid, key=key)
        _check_tags(raw, st, index, sid)
        for section, allowed in ENTRY_KEYS.items():
            entries = st.get(section, [])
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                raw.problem(f"'{section}' must be an array of tables ([[statements.{section}]])",
                            "statements", index, section, statement=sid, key=section)
                st[section] = []
                continue
            for j, entry in enumerate(entries):
                for key in entry:
                    if key not in allowed:
                        raw.problem(f"unknown key {key!r} in {section} (expected one of "
                                    f"{sorted(allowed)})", "statements", index, section, j, key,
                                    statement=sid, key=f"{section}.{key}")


def _check_tags(raw: RawFile, st: dict, index: int, sid: str) -> None:
    """Tags are a table of scalars."""
    tags = st.get("tags")
    if tags is None or not isinstance(tags, dict):
        return  # a non-table is reported by the statement builder
    for name, value in list(tags.items()):
        if not isinstance(value, (str, int, float, bool)):
            raw.problem(f"tag {name!r} must be a string, number or boolean, got "
                        f"{type(value).__name__}", "statements", index, "tags", name,
                        statement=sid, key=f"tags.{name}")
            del tags[name]
