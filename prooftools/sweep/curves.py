"""Per-step curves in sweep rows: down-sampled so the store stays small, and their reader.

A spec with ``curves=True`` makes every run row carry ``row["curves"]``::

    {"index": "k",                       # "k": iterations; "t": gradient-flow times
     "points": 200,                      # the most points one series keeps
     "series": {NAME: {"at": [...], "values": [...]}, ...}}

one entry per observable the engine recorded. A series recorded at every step (the engine's
``dense`` records, e.g. the residual of full-batch GD) replaces the same name's strided record.

**Down-sampling.** Record points where a series is NaN (not measured there: observables with a
coarser stride) are left out, except the first and the last record, which are always kept (a NaN
or ±inf there is stored as ``null``: a run that diverged shows it). Of the remaining N points a
series keeps all when N ≤ 200, else the points at ``round(linspace(0, N − 1, 200))`` — evenly
spaced in record order, first and last included. Values are stored exactly (no rounding), so a
stored point equals what the run recorded.

>>> s = downsample(np.arange(1001.0), np.arange(1001.0) ** 2, points=5)
>>> s["at"], s["values"][-1]
([0, 250, 500, 750, 1000], 1000000.0)
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["CURVE_POINTS", "curves_of", "downsample", "read_curves", "trajectory_curves"]

#: The most points one stored series keeps (first and last step included).
CURVE_POINTS = 200


def _number(v: float) -> float | int | None:
    return float(v) if math.isfinite(v) else None


def downsample(at: np.ndarray, values: np.ndarray, points: int = CURVE_POINTS) -> dict:
    """``{"at": [...], "values": [...]}``: NaN records dropped (first and last kept), then at
    most ``points`` points evenly spaced in record order (module docstring)."""
    at = np.asarray(at, dtype=float).ravel()
    values = np.asarray(values, dtype=float).ravel()
    if at.size == 0:
        return {"at": [], "values": []}
    keep = ~np.isnan(values)
    keep[0] = keep[-1] = True
    idx = np.flatnonzero(keep)
    if idx.size > points:
        idx = idx[np.unique(np.round(np.linspace(0, idx.size - 1, max(points, 2))).astype(int))]
    whole = bool(np.all(at[idx] == np.round(at[idx])))
    return {"at": [int(a) if whole else float(a) for a in at[idx]],
            "values": [_number(v) for v in values[idx]]}


def trajectory_curves(trajectory, points: int = CURVE_POINTS) -> dict[str, Any]:
    """The ``curves`` entry of a row from a recorded :class:`~prooftools.numerics.trajectory.
    Trajectory` (its observables, with the every-step ``dense`` records where there are some)."""
    series = {name: downsample(trajectory.index, v, points)
              for name, v in trajectory.observables.items()}
    if trajectory.dense_index is not None:
        for name, v in trajectory.dense.items():
            series[name] = downsample(trajectory.dense_index, v, points)
    return {"index": trajectory.config.get("index", "k"), "points": int(points),
            "series": dict(sorted(series.items()))}


def curves_of(row: dict[str, Any]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """One row's curves as arrays: ``{name: (at, values)}`` (``null`` read back as NaN).

    >>> row = {"curves": {"index": "k", "points": 200,
    ...                   "series": {"loss": {"at": [0, 5], "values": [1.0, None]}}}}
    >>> at, v = curves_of(row)["loss"]; at.tolist(), bool(np.isnan(v[1]))
    ([0.0, 5.0], True)
    """
    stored = row.get("curves")
    if not isinstance(stored, dict):
        from prooftools.errors import UserInputError

        raise UserInputError(f"run {row.get('run_id', '?')} holds no curves (the sweep was run "
                             "without curves=True / --curves)")
    return {name: (np.asarray(s["at"], dtype=float),
                   np.array([math.nan if v is None else v for v in s["values"]], dtype=float))
            for name, s in stored["series"].items()}


def read_curves(store: str | Path) -> list[dict[str, Any]]:
    """Every run of a store folder with its curves as arrays (the API reader): one dict per run
    with ``run_id``, ``point``, ``width``, ``seed``, ``index`` ("k" or "t") and ``curves``
    (``{name: (at, values)}``), sorted by grid point, width and seed."""
    from prooftools.sweep.store import read_rows

    out = [{"run_id": r["run_id"], "point": r.get("point", {}), "width": r["width"],
            "seed": r["seed"], "index": r.get("curves", {}).get("index", "k"),
            "curves": curves_of(r)} for r in read_rows(store)]
    return sorted(out, key=lambda r: (sorted(r["point"].items()), r["width"], r["seed"]))
