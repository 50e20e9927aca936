"""A sweep as a table: one row per run and target, or the summary, for notebooks and pandas.

:func:`load_sweep` opens a store folder (``out/sweeps/<key>/``) without running or analyzing
anything; :meth:`LoadedSweep.to_pandas` gives one row per run and target — the grid values,
width, seed, the target's verdict, measured verdict, margin and first failure, and each
observable's summary over the run in its declared direction (``dist_max`` its maximum,
``ntk_min`` its minimum: column ``dist_max (max)``) — what Ray Tune's
``ResultGrid.get_dataframe()`` gives its users.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prooftools.errors import UserInputError
from prooftools.frames import data_frame, html_table
from prooftools.sweep.observables import summary_of
from prooftools.sweep.spec import SweepSpec
from prooftools.sweep.store import read_rows

__all__ = ["LoadedSweep", "load_sweep", "run_records", "summary_records"]


@dataclass
class LoadedSweep:
    """A store folder's spec and stored rows (one per finished run)."""

    root: Path
    spec: SweepSpec
    rows: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def records(self) -> list[dict[str, Any]]:
        """One flat dict per run and target (see the module docstring)."""
        return run_records(self.rows)

    def to_pandas(self):
        """:meth:`records` as a pandas DataFrame (pandas is optional)."""
        return data_frame(self.records())

    def _repr_html_(self) -> str:  # Jupyter
        return html_table(self.records(), caption=f"sweep {self.spec.statement}: "
                          f"{len(self.rows)} runs in {self.root}")


def load_sweep(root: str | Path) -> LoadedSweep:
    """The sweep stored in folder ``root`` (its ``spec.json`` and ``runs/``)."""
    root = Path(root)
    try:
        meta = json.loads((root / "spec.json").read_text(encoding="utf-8"))
        spec = SweepSpec.from_dict(meta["spec"])
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise UserInputError(f"{root} is not a sweep store ({exc})") from None
    return LoadedSweep(root, spec, read_rows(root))


def run_records(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One flat dict per stored run and target."""
    out = []
    direction = {name: summary_of(name) for row in rows for name in row.get("observables", {})}
    for row in rows:
        base = {**row.get("point", {}), "width": row.get("width"), "seed": row.get("seed"),
                "run_id": row.get("run_id")}
        summaries = {f"{name} ({direction[name]})": s.get(direction[name])
                     for name, s in sorted(row.get("observables", {}).items())}
        for target, t in sorted(row.get("targets", {}).items()):
            out.append({**base, "target": target, "verdict": t.get("verdict"),
                        "measured": t.get("measured"), "margin": t.get("margin"),
                        "first_failure": t.get("first_failure"), **summaries})
    return out


def summary_records(report) -> list[dict[str, Any]]:
    """A :class:`~prooftools.sweep.analysis.SweepReport`'s summary rows (see its ``records``)."""
    d = report.to_dict()
    if d["thresholds"]:
        return [{k: v for k, v in t.items() if k != "notes"} for t in d["thresholds"]]
    return [{"observable": o["observable"], "summary": o["summary"], "axis": o["axis"],
             **o["at"], **{f"fit {k}": v for k, v in (o["fit"] or {}).items()}}
            for o in d["observable_fits"]]
