"""The hidden exponents the derivations determined, kept on disk between commands.

Finding them derives every statement whose bound hides an exponent (about 8 s for the seed
files), and each ``prooftools bounds``/``compare``/``table`` is a new process. What is found is
small — per symbol, its value (a formula in other hidden constants, ``a_zou_gd_Keta + 3``) and
the derivation that gave it, or that none did — and depends only on the theorem files and the
derivation code, so it is kept in one JSON file per (files, code) pair.

Key: sha256 of the store format, the prooftools version, a digest of the source of
``prooftools.theory`` (the derivation code) and :attr:`Registry.content_key` (every theorem
file's path and parsed content); editing a theorem file or the code therefore misses the store.
Entries are written atomically (:mod:`prooftools.atomic`) and read as data anyone may have
changed (:func:`prooftools.jsonread.read_json`: regular files only, size and depth capped); an
entry is used only when its checksum matches and every value parses with the theorem files'
own safe parser into a formula of declared constants — anything else (truncated, edited by
hand, a symlink to a device, another format) is ignored and the exponents are derived again.
The checksum catches accidents and hand edits, not a forger: anyone who can write the cache
folder can change results. Location: :func:`prooftools.cachedir.default_cache_dir`.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import sympy

from prooftools.cachedir import default_cache_dir, package_version, write_entry
from prooftools.jsonread import BadFile, read_json
from prooftools.theory.expressions import ExpressionError, parse_expression

if TYPE_CHECKING:
    from prooftools.theory.registry import Registry

__all__ = ["load", "save", "store_path"]

#: bump when the key or the entry layout changes: old entries are then simply never read
STORE_FORMAT = 1
#: an entry larger than this is neither written nor read
MAX_ENTRY_BYTES = 256 * 1024
#: longest value text and source text kept
MAX_TEXT = 2_000

Found = dict[str, "tuple[sympy.Expr, str] | None"]


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """sha256 of the source files of ``prooftools.theory`` (paths and bytes, sorted)."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def _key(registry: Registry) -> str:
    blob = json.dumps([STORE_FORMAT, package_version(), _code_digest(), registry.content_key])
    return hashlib.sha256(blob.encode()).hexdigest()


def store_path(registry: Registry, folder: Path | None = None) -> Path:
    """Where the hidden exponents of ``registry`` are kept."""
    key = _key(registry)
    return (folder or default_cache_dir()) / f"exponents-v{STORE_FORMAT}" / f"{key}.json"


def _checksum(key: str, found: object) -> str:
    return hashlib.sha256(json.dumps([key, found], sort_keys=True).encode()).hexdigest()


def load(registry: Registry, folder: Path | None = None) -> Found:
    """The exponents kept for ``registry`` ({} when there are none or the entry is not valid)."""
    try:
        entry = read_json(store_path(registry, folder), max_bytes=MAX_ENTRY_BYTES, max_depth=4)
    except BadFile:
        return {}
    try:
        found = entry["found"]
        if (entry.get("format") != STORE_FORMAT
                or entry.get("checksum") != _checksum(_key(registry), found)):
            return {}
        return {symbol: _decode(registry, symbol, item) for symbol, item in found.items()}
    except (KeyError, TypeError, ValueError, AttributeError, ExpressionError):
        return {}


def _decode(registry: Registry, symbol: str, item) -> tuple[sympy.Expr, str] | None:
    sym = registry.symbols.get(symbol)
    if sym is None or sym.role != "constant":
        raise ValueError(f"not a hidden constant: {symbol!r}")
    if item is None:
        return None
    text, source = item
    if not (isinstance(text, str) and isinstance(source, str)) or max(
            len(text), len(source)) > MAX_TEXT:
        raise ValueError("not a value and a source")
    value = parse_expression(text, registry.namespace())
    constants = {n for n, s in registry.symbols.items() if s.role == "constant"}
    if not isinstance(value, sympy.Expr) or any(
            s.name not in constants for s in value.free_symbols):
        raise ValueError("not a formula of hidden constants")
    return value, source


def save(registry: Registry, found: Found, folder: Path | None = None) -> bool:
    """Keep ``found`` for ``registry``; False (nothing written) when the folder is not writable
    or the entry too large — the store is an optimisation, never a failure."""
    encoded = {s: None if v is None else [sympy.sstr(v[0]), v[1]] for s, v in found.items()}
    entry = {"format": STORE_FORMAT, "found": encoded,
             "checksum": _checksum(_key(registry), encoded)}
    return write_entry(store_path(registry, folder), json.dumps(entry, sort_keys=True),
                       MAX_ENTRY_BYTES)
