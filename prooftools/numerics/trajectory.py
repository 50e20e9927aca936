"""A recorded training run: configuration, index (k or t), observables and scalars; JSON round trip.

Names of observables and scalars are those of ``theorems/vocabulary.toml`` (resid_sq, loss,
loss_ratio, dist_max, dist_total, flip_frac, ntk_min, ntk_dev, grad_norm_sq, pl_ratio,
ntk_init_dev, sperp_sum). ``config["index"]`` says whether ``index`` holds iterations ``"k"`` or
gradient-flow times ``"t"``. Observables with their own (coarser) stride hold NaN at the index
entries where they were not measured.

``dense`` holds observables recorded at *every* step (currently ``resid_sq`` and ``loss_ratio``
for full-batch GD), aligned with ``dense_index``; they let a checker test "for all k" exactly.
Scalars may be arrays: e.g. ``scalars["sperp_R"]``/``scalars["sperp_sum"]`` are a family's
exact samples of a function observable.

A trajectory is also the one record type every family's training run returns: ``functions``
holds the run's observables that take a non-index argument (``zou_small_preact(β)``,
``sperp_sum(R)``), called as ``f(*args)``. They are not part of the JSON (a trajectory read back
has none; its samples, if any, stay in ``scalars``) and not part of equality.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from prooftools.errors import UserInputError

__all__ = ["Trajectory"]


def _encode_array(x: np.ndarray) -> list:
    return [None if not math.isfinite(v) else float(v) for v in np.asarray(x, float).ravel()]


def _decode_array(x: list) -> np.ndarray:
    return np.array([math.nan if v is None else v for v in x], dtype=float)


def _encode_value(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return {"__array__": _encode_array(v)}
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return {"__float__": repr(v)}
    if isinstance(v, dict):
        return {str(k): _encode_value(w) for k, w in v.items()}
    if isinstance(v, list | tuple):
        return [_encode_value(w) for w in v]
    return v


def _decode_value(v: Any) -> Any:
    if isinstance(v, dict):
        if set(v) == {"__array__"}:
            return _decode_array(v["__array__"])
        if set(v) == {"__float__"}:
            return float(v["__float__"])
        return {k: _decode_value(w) for k, w in v.items()}
    if isinstance(v, list):
        return [_decode_value(w) for w in v]
    return v


@dataclass(frozen=True)
class Trajectory:
    """One run's record. Arrays in ``observables`` are aligned with ``index``.

    >>> tr = Trajectory(config={"index": "k"}, index=np.array([0.0, 1.0]),
    ...                 observables={"resid_sq": np.array([2.0, 1.0])},
    ...                 scalars={"ntk_init_dev": 0.1})
    >>> Trajectory.from_json(tr.to_json()).observables["resid_sq"].tolist()
    [2.0, 1.0]
    """

    config: dict
    index: np.ndarray
    observables: dict[str, np.ndarray]
    scalars: dict[str, Any] = field(default_factory=dict)
    dense_index: np.ndarray | None = None
    dense: dict[str, np.ndarray] = field(default_factory=dict)
    functions: Mapping[str, Callable[..., Any]] = field(default_factory=dict, compare=False,
                                                         repr=False)

    def __post_init__(self) -> None:
        idx = np.asarray(self.index, dtype=float)
        object.__setattr__(self, "index", idx)
        for name, arr in self.observables.items():
            if np.shape(arr) != idx.shape:
                raise UserInputError(
                    f"observable {name!r} has shape {np.shape(arr)}; expected {idx.shape}"
                )

    @property
    def iterations(self) -> np.ndarray:
        """The index as iterations k (only for discrete-time runs)."""
        if self.config.get("index") != "k":
            raise UserInputError("this trajectory is indexed by time t; use .index")
        return self.index.astype(np.int64)

    def to_dict(self) -> dict:
        """JSON-friendly dict (NaN/inf encoded explicitly)."""
        return {
            "config": _encode_value(self.config),
            "index": _encode_array(self.index),
            "observables": {k: _encode_array(v) for k, v in self.observables.items()},
            "scalars": _encode_value(self.scalars),
            "dense_index": None if self.dense_index is None else _encode_array(self.dense_index),
            "dense": {k: _encode_array(v) for k, v in self.dense.items()},
        }

    def to_json(self, path: str | Path | None = None) -> str:
        """Serialize to a JSON string (and write it to ``path`` if given)."""
        text = json.dumps(self.to_dict())
        if path is not None:
            from prooftools.atomic import write_text

            write_text(path, text)
        return text

    @classmethod
    def from_json(cls, text_or_path: str | Path) -> Trajectory:
        """Inverse of :meth:`to_json` (accepts the JSON text or a path to a file)."""
        if isinstance(text_or_path, Path) or not str(text_or_path).lstrip().startswith("{"):
            text = Path(text_or_path).read_text()
        else:
            text = str(text_or_path)
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserInputError(f"trajectory JSON is malformed: {exc}") from None
        di = raw.get("dense_index")
        scalars = _decode_value(raw.get("scalars", {}))
        if raw.get("sperp_R") is not None:  # files written before samples moved into scalars
            scalars["sperp_R"] = _decode_array(raw["sperp_R"])
        return cls(
            config=_decode_value(raw["config"]),
            index=_decode_array(raw["index"]),
            observables={k: _decode_array(v) for k, v in raw["observables"].items()},
            scalars=scalars,
            dense_index=None if di is None else _decode_array(di),
            dense={k: _decode_array(v) for k, v in raw.get("dense", {}).items()},
        )
