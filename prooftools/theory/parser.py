"""Theorem files → raw, positioned records (phase 1 of loading).

This module knows TOML and line numbers; it does not know sympy. Expressions stay text here and
are parsed by the registry once every file's symbols are known, so order does not matter.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prooftools.errors import FileProblem

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
    "hypotheses", "bounds", "conclusions",
}
ENTRY_KEYS = {
    "hypotheses": {"name", "expr", "provenance", "source", "notes", "forall", "when"},
    "conclusions": {"name", "expr", "provenance", "source", "notes", "forall", "when"},
    "bounds": {
        "name", "kind", "expr", "provenance", "source", "notes", "symbol", "relation", "form",
    },
}
TOP_KEYS = {"format", "paper", "vocabulary", "symbols", "statements"}


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
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raw = RawFile(path, {}, LineMap(""))
            raw.problem(f"cannot read file: {exc}")
            return raw
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raw = RawFile(path, {}, LineMap(""))
        line = getattr(exc, "lineno", None)
        match = re.search(r"line (\d+)", str(exc))
        if line is None and match:
            line = int(match.group(1))
        raw.problems.append(FileProblem(path, line, None, None, f"TOML syntax error: {exc}"))
        return raw
    raw = RawFile(path, data, LineMap(text))
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
