"""The sweep store: one JSON file per finished run, written atomically, keyed by the spec's hash.

Layout of a store folder (default ``out/sweeps/<spec key>/``)::

    spec.json              the SweepSpec (canonical JSON); a different spec is refused
    runs/<run id>.json     one row per finished run (configuration, seed, verdicts, observables …)

    runs/bad/              rows that failed validation, moved aside (and recomputed)

Rows are written through :mod:`prooftools.atomic`, so a killed process never leaves a
half-written row (its temporary file is removed by the next write of that row). The run id
hashes the grid point, the run configuration (width and seed included) and the spec key, so a
rerun finds every finished run and recomputes nothing. :func:`read_rows` is the reader.

Every file of the store is read as data someone else may have left in any state
(:func:`prooftools.jsonread.read_json`: regular files only, size and depth capped). A row must be
a JSON object whose ``run_id`` is its file name and whose ``spec_key`` is the store's; with the
spec at hand its grid point, width and seed must also hash to that run id and its targets must
each have a measured verdict. A row that fails is moved to ``runs/bad/`` with a one-line warning
naming it, and the sweep computes it again.

>>> import tempfile
>>> from prooftools.sweep.spec import SweepSpec
>>> with tempfile.TemporaryDirectory() as d:
...     st = Store.open(SweepSpec("du2019.lemma3.1", n=(16,)), d)
...     row = {"run_id": "abc", "spec_key": st.spec_key, "point": {"n": 16}, "width": 8,
...            "seed": 0, "targets": {}}
...     st.put(row)
...     [r["width"] for r in read_rows(d)]
[8]
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from prooftools.atomic import remove_stale_temporaries, write_text
from prooftools.errors import UserInputError
from prooftools.jsonread import BadFile, read_json
from prooftools.sweep.spec import GridPoint, SweepSpec

__all__ = ["DEFAULT_ROOT", "Store", "read_rows", "run_id"]

DEFAULT_ROOT = Path("out") / "sweeps"
FORMAT = 1


def run_id(spec: SweepSpec, point: GridPoint, width: int, seed: int) -> str:
    """Stable 16-hex id of one run of ``spec``."""
    cfg = spec.config(point, width, seed)
    text = json.dumps({"spec": spec.key, "point": point.values, "config": cfg.key},
                      sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


#: a row holds a few numbers per target and, with curves, a few thousand floats
MAX_ROW_BYTES = 8 * 2**20
MAX_SPEC_BYTES = 2**20


def _bad(path: Path, why: str) -> None:
    """Move the bad row ``path`` to ``runs/bad/`` and say so in one line."""
    bad = path.parent / "bad"
    where = "left in place"
    with contextlib.suppress(OSError):
        bad.mkdir(exist_ok=True)
        os.replace(path, bad / path.name)
        where = "moved to runs/bad/"
    print(f"prooftools: warning: sweep row {path}: {why}; {where}, it is recomputed",
          file=sys.stderr)


def _row_problem(row: Any, rid: str, spec_key: str, spec: SweepSpec | None) -> str | None:
    """Why ``row`` is not a valid row ``rid`` of the store of ``spec_key`` (None: it is)."""
    if not isinstance(row, dict):
        return f"not a JSON object ({type(row).__name__})"
    if row.get("run_id") != rid:
        return f"its run_id {str(row.get('run_id'))[:40]!r} is not its file name"
    if row.get("spec_key") != spec_key:
        return f"it belongs to another sweep (spec {str(row.get('spec_key'))[:40]!r})"
    width, seed, point = row.get("width"), row.get("seed"), row.get("point")
    if not (isinstance(width, int) and isinstance(seed, int) and isinstance(point, dict)):
        return "its width, seed or grid point is missing or of the wrong type"
    targets = row.get("targets")
    if not isinstance(targets, dict) or not all(
            isinstance(t, dict) and isinstance(t.get("measured"), str) for t in targets.values()):
        return "its targets have no measured verdicts"
    if spec is None:
        return None
    if set(spec.targets) - set(targets):
        return "it lacks targets of this sweep"
    try:
        expected = run_id(spec, GridPoint(point), width, seed)
    except Exception:  # any value the spec refuses makes the row foreign
        expected = None
    if expected != rid:
        return "its grid point, width and seed are not those of its run id in this sweep"
    return None


def _load_row(path: Path, spec_key: str, spec: SweepSpec | None) -> dict[str, Any] | None:
    """The valid row at ``path``, or None after moving a bad one aside."""
    try:
        row = read_json(path, max_bytes=MAX_ROW_BYTES)
    except BadFile as exc:
        _bad(path, str(exc))
        return None
    why = _row_problem(row, path.stem, spec_key, spec)
    if why:
        _bad(path, why)
        return None
    return row


def _read_spec_file(spec_file: Path) -> dict[str, Any]:
    try:
        old = read_json(spec_file, max_bytes=MAX_SPEC_BYTES)
    except BadFile as exc:
        raise UserInputError(f"{spec_file}: not a sweep spec ({exc})") from None
    if not isinstance(old, dict) or not isinstance(old.get("key"), str):
        raise UserInputError(f"{spec_file}: not a sweep spec (a JSON object with a key)")
    return old


class Store:
    """A sweep's folder: the spec and one file per finished run."""

    def __init__(self, root: Path, spec_key: str, spec: SweepSpec | None = None) -> None:
        self.root = Path(root)
        self.spec_key = spec_key
        self.spec = spec
        self.runs = self.root / "runs"

    @classmethod
    def open(cls, spec: SweepSpec, root: str | Path | None = None) -> Store:
        """Open (or create) the store of ``spec``; a folder holding another spec is an error."""
        root = Path(root) if root is not None else DEFAULT_ROOT / spec.key
        if root.exists() and not root.is_dir():
            raise UserInputError(f"store {root}: not a directory")
        spec_file = root / "spec.json"
        if os.path.lexists(spec_file):
            old = _read_spec_file(spec_file)
            if old["key"] != spec.key or old.get("spec") != json.loads(spec.to_json()):
                raise UserInputError(
                    f"{root} holds another sweep (spec {old['key'][:40]}, this one is "
                    f"{spec.key}); results of different specs never mix: use another --store")
        else:
            try:
                root.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError):
                raise UserInputError(f"store {root}: not a directory") from None
            write_text(spec_file, json.dumps({"format": FORMAT, "key": spec.key,
                                              "spec": spec.to_dict()}, indent=1), own=True)
        runs = root / "runs"
        if os.path.lexists(runs) and (runs.is_symlink() or not runs.is_dir()):
            raise UserInputError(f"store {root}: runs is not a directory")
        runs.mkdir(exist_ok=True)
        for stray in runs.glob(".tmp-*"):  # left by versions before atomic.py wrote rows
            with contextlib.suppress(OSError):
                stray.unlink()
        remove_stale_temporaries(runs)  # atomic.py's, left by a killed writer
        return cls(root, spec.key, spec)

    def path(self, rid: str) -> Path:
        """Where run ``rid`` is stored."""
        return self.runs / f"{rid}.json"

    def has(self, rid: str) -> bool:
        """Whether a file for run ``rid`` is stored (:meth:`get` says whether it is valid)."""
        return os.path.lexists(self.path(rid))

    def get(self, rid: str) -> dict[str, Any] | None:
        """The stored row of run ``rid``; None when absent, or bad (then moved aside)."""
        if not self.has(rid):
            return None
        return _load_row(self.path(rid), self.spec_key, self.spec)

    def put(self, row: dict[str, Any]) -> None:
        """Store one finished run atomically (an existing row of the same id is replaced)."""
        write_text(self.path(row["run_id"]),
                   json.dumps(row, sort_keys=True, allow_nan=False, default=str), own=True)

    def rows(self) -> list[dict[str, Any]]:
        """Every stored row (sorted by run id)."""
        return read_rows(self.root)


def read_rows(root: str | Path) -> list[dict[str, Any]]:
    """Every row of the store folder ``root`` (the API reader), sorted by run id.

    ``pandas.DataFrame(read_rows(d))`` gives the tidy table (one row per run).
    """
    root = Path(root)
    runs = root / "runs"
    if not runs.is_dir():
        raise UserInputError(f"{root} is not a sweep store (no runs/ folder)")
    key = _read_spec_file(root / "spec.json")["key"]
    rows = (_load_row(p, key, None) for p in sorted(runs.glob("*.json"))
            if not p.name.startswith("."))
    return [r for r in rows if r is not None]
