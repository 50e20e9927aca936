"""The sweep store: one JSON file per finished run, written atomically, keyed by the spec's hash.

Layout of a store folder (default ``out/sweeps/<spec key>/``)::

    spec.json              the SweepSpec (canonical JSON); a different spec is refused
    runs/<run id>.json     one row per finished run (configuration, seed, verdicts, observables …)

A row is written through :mod:`prooftools.atomic` (a temporary file in ``runs/`` renamed into
place), so a killed process never leaves a half-written row (a stray temporary file is ignored
and removed on open). The run id hashes the grid point, the run configuration (width and seed
included) and the spec key, so a rerun finds every finished run and recomputes nothing.
:func:`read_rows` is the reader.

>>> import tempfile
>>> from prooftools.sweep.spec import SweepSpec
>>> with tempfile.TemporaryDirectory() as d:
...     st = Store.open(SweepSpec("du2019.lemma3.1", n=(16,)), d)
...     st.put({"run_id": "abc", "width": 8})
...     [r["width"] for r in read_rows(d)]
[8]
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from prooftools.atomic import write_text
from prooftools.errors import UserInputError
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


class Store:
    """A sweep's folder: the spec and one file per finished run."""

    def __init__(self, root: Path, spec_key: str) -> None:
        self.root = Path(root)
        self.spec_key = spec_key
        self.runs = self.root / "runs"

    @classmethod
    def open(cls, spec: SweepSpec, root: str | Path | None = None) -> Store:
        """Open (or create) the store of ``spec``; a folder holding another spec is an error."""
        root = Path(root) if root is not None else DEFAULT_ROOT / spec.key
        spec_file = root / "spec.json"
        if spec_file.exists():
            try:
                old = json.loads(spec_file.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as e:
                raise UserInputError(f"{spec_file}: not a sweep spec ({e})") from None
            if old.get("key") != spec.key:
                raise UserInputError(
                    f"{root} holds another sweep (spec {old.get('key')}, this one is "
                    f"{spec.key}); results of different specs never mix: use another --store")
        else:
            root.mkdir(parents=True, exist_ok=True)
            write_text(spec_file, json.dumps({"format": FORMAT, "key": spec.key,
                                               "spec": spec.to_dict()}, indent=1))
        (root / "runs").mkdir(exist_ok=True)
        strays = [*(root / "runs").glob(".tmp-*"), *(root / "runs").glob(".*.tmp")]
        for stray in strays:  # an interrupted write's temporary file (atomic.py's, or older)
            try:
                stray.unlink()
            except OSError:
                pass
        return cls(root, spec.key)

    def path(self, rid: str) -> Path:
        """Where run ``rid`` is stored."""
        return self.runs / f"{rid}.json"

    def has(self, rid: str) -> bool:
        """Whether run ``rid`` is finished and stored."""
        return self.path(rid).exists()

    def get(self, rid: str) -> dict[str, Any]:
        """The stored row of run ``rid``."""
        return json.loads(self.path(rid).read_text(encoding="utf-8"))

    def put(self, row: dict[str, Any]) -> None:
        """Store one finished run atomically (an existing row of the same id is replaced)."""
        write_text(self.path(row["run_id"]),
                   json.dumps(row, sort_keys=True, allow_nan=False, default=str))

    def rows(self) -> list[dict[str, Any]]:
        """Every stored row (sorted by run id)."""
        return read_rows(self.root)


def read_rows(root: str | Path) -> list[dict[str, Any]]:
    """Every row of the store folder ``root`` (the API reader), sorted by run id.

    ``pandas.DataFrame(read_rows(d))`` gives the tidy table (one row per run).
    """
    runs = Path(root) / "runs"
    if not runs.is_dir():
        raise UserInputError(f"{root} is not a sweep store (no runs/ folder)")
    return [json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(runs.glob("*.json")) if not p.name.startswith(".tmp-")]
