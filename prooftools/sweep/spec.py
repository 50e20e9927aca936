"""The sweep specification: what to vary, what to measure, and its stable hash.

A :class:`SweepSpec` names one statement, the target items whose *measured* verdict decides a
threshold, a dataset (a generator or a file; ``n`` means ``n=`` for a generator and a stratified
subsample otherwise), the grid axes (n, depth L, δ, step-size policy), the seeds and the search
settings. Everything that can change a stored result is in :meth:`SweepSpec.to_dict`, so its
:attr:`SweepSpec.key` names the store folder: a changed spec never mixes with old results.

>>> spec = SweepSpec("du2019.lemma3.1", dataset="sphere:d=50", n=(16, 32), seeds=(0, 1))
>>> [p.values for p in spec.points()]
[{'n': 16}, {'n': 32}]
>>> SweepSpec.from_json(spec.to_json()) == spec, len(spec.key)
(True, 16)
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from typing import Any

from prooftools.engines.config import STEP_POLICIES, RunConfig
from prooftools.errors import UserInputError

__all__ = ["MODES", "GridPoint", "SweepSpec"]

MODES = ("threshold", "scaling")
#: Grid axes in the order they appear in tables, with the RunConfig field each one sets.
AXES = {"n": None, "depth": "depth", "delta": "delta", "step_policy": "step_policy"}
#: The default run function: the adapter over ``verify``.
DEFAULT_RUNNER = "prooftools.sweep.runner:run_verify"


@dataclass(frozen=True)
class GridPoint:
    """One point of the grid: the value of every axis that varies (and of n when given)."""

    values: dict[str, Any]

    @property
    def label(self) -> str:
        """Short text such as ``n=32, depth=3``."""
        return ", ".join(f"{k}={v}" for k, v in self.values.items()) or "(single point)"

    def key(self) -> str:
        """Canonical JSON of the values (a dict key and part of each run's id)."""
        return json.dumps(self.values, sort_keys=True, separators=(",", ":"))

    def __hash__(self) -> int:
        return hash(self.key())


#: Most seeds (and values per axis) one sweep may list: far more runs than any cluster runs,
#: few enough that the list itself is small (``--seeds 10^12`` is refused, not allocated).
MAX_VALUES = 100_000
#: Largest bracket growth factor (``grow``); a larger one climbs in a single step anyway.
MAX_GROW = 2.0**20


def _ints(name: str, values, minimum: int = 1) -> tuple[int, ...]:
    out = []
    if hasattr(values, "__len__") and len(values) > MAX_VALUES:
        raise UserInputError(f"{name}: at most {MAX_VALUES} values; got {len(values)}")
    for v in itertools.islice(values or (), MAX_VALUES + 1):
        if len(out) == MAX_VALUES:
            raise UserInputError(f"{name}: at most {MAX_VALUES} values")
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            raise UserInputError(f"{name}: expected integers >= {minimum}; got {v!r}")
        out.append(int(v))
    if len(set(out)) != len(out):
        raise UserInputError(f"{name}: values repeat ({', '.join(map(str, out))})")
    return tuple(out)


@dataclass(frozen=True)
class SweepSpec:
    """A sweep: a statement, targets, a dataset, grid axes, seeds and search settings.

    ``base`` carries every run setting that does not vary (steps, step size, constants, stride,
    engine options …); the axes override its ``depth``, ``delta`` and ``step_policy``.
    ``q`` (default ``1 − δ``) is the fraction of seeds that must hold at a width; ``resolution``
    is the relative width tolerance of the bisection (0: exact, down to adjacent integers);
    ``check_above`` probes widths 2m*, 4m*, … (below the bracket top) for non-monotonicity;
    ``grow`` is the factor of the bracket's geometric climb from the low end (0: both ends first).
    ``curves=True`` stores every run's down-sampled per-step curves in its row
    (:mod:`prooftools.sweep.curves`).
    """

    statement: str
    targets: tuple[str, ...] = ()
    dataset: str = "sphere:d=50"
    n: tuple[int, ...] = ()
    depth: tuple[int, ...] = ()
    delta: tuple[float, ...] = ()
    step_policy: tuple[str, ...] = ()
    seeds: tuple[int, ...] = (0, 1, 2, 3)
    mode: str = "threshold"
    widths: tuple[int, ...] = ()
    m_range: tuple[int, int] = (8, 65536)
    resolution: float = 0.05
    q: float | None = None
    check_above: int = 1
    grow: float = 4.0
    base: RunConfig = field(default_factory=lambda: RunConfig(steps=0))
    data_seed: int = 0
    runner: str = DEFAULT_RUNNER
    theorems: tuple[str, ...] = ()
    curves: bool = False

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if not isinstance(self.statement, str) or not self.statement:
            raise UserInputError("sweep: give the statement to sweep (e.g. du2019.lemma3.1)")
        if self.mode not in MODES:
            raise UserInputError(f"sweep mode must be one of {', '.join(MODES)}; got "
                                 f"{self.mode!r}")
        set_(self, "targets", tuple(str(t) for t in self.targets))
        set_(self, "n", _ints("n", self.n, 2))
        set_(self, "depth", _ints("depth", self.depth))
        set_(self, "seeds", _ints("seeds", self.seeds, 0))
        set_(self, "widths", tuple(sorted(_ints("widths", self.widths))))
        set_(self, "theorems", tuple(str(t) for t in self.theorems))
        if not self.seeds:
            raise UserInputError("sweep: give at least one seed")
        deltas = []
        for d in self.delta or ():
            if isinstance(d, bool) or not isinstance(d, int | float) or not 0 < d < 1:
                raise UserInputError(f"delta: expected probabilities in (0, 1); got {d!r}")
            deltas.append(float(d))
        set_(self, "delta", tuple(deltas))
        for p in self.step_policy:
            if p not in STEP_POLICIES:
                raise UserInputError(f"step policy must be one of {', '.join(STEP_POLICIES)}; "
                                     f"got {p!r}")
        set_(self, "step_policy", tuple(self.step_policy))
        lo, hi = (int(v) for v in self.m_range)
        if not 1 <= lo < hi:
            raise UserInputError(f"width range must satisfy 1 <= low < high; got {lo} {hi}")
        set_(self, "m_range", (lo, hi))
        if self.mode == "scaling" and not self.widths:
            raise UserInputError("scaling mode needs the widths (--widths 64 128 ...)")
        if not (isinstance(self.resolution, int | float) and 0 <= self.resolution < 1):
            raise UserInputError(f"resolution must lie in [0, 1); got {self.resolution!r}")
        set_(self, "resolution", float(self.resolution))
        if self.q is not None and not (isinstance(self.q, int | float) and 0 < self.q <= 1):
            raise UserInputError(f"q (fraction of seeds) must lie in (0, 1]; got {self.q!r}")
        if isinstance(self.check_above, bool) or not isinstance(self.check_above, int) \
                or self.check_above < 0:
            raise UserInputError(f"check_above must be an integer >= 0; got {self.check_above!r}")
        if isinstance(self.grow, bool) or not isinstance(self.grow, int | float) \
                or not (self.grow == 0 or 1 < self.grow <= MAX_GROW):
            raise UserInputError(f"grow must be 0 (ask both bracket ends at once) or a number "
                                 f"in (1, {MAX_GROW:g}]; got {self.grow!r}")
        set_(self, "grow", float(self.grow))
        if not isinstance(self.curves, bool):
            raise UserInputError(f"curves must be true or false; got {self.curves!r}")
        if not isinstance(self.base, RunConfig):
            raise UserInputError("sweep: base must be a RunConfig")
        if self.mode == "threshold" and self.base.width is not None:
            set_(self, "base", self.base.replace(width=None))

    # ------------------------------------------------------------------ grid

    def points(self) -> list[GridPoint]:
        """Every grid point (the product of the axes that were given), in a stable order."""
        axes = {name: getattr(self, name) for name in AXES if getattr(self, name)}
        names = list(axes)
        return [GridPoint(dict(zip(names, combo, strict=True)))
                for combo in itertools.product(*(axes[k] for k in names))]

    def config(self, point: GridPoint, width: int, seed: int) -> RunConfig:
        """The run configuration of one (grid point, width, seed)."""
        changes = {AXES[k]: v for k, v in point.values.items() if AXES.get(k)}
        return self.base.replace(width=int(width), seed=int(seed), **changes)

    def q_at(self, point: GridPoint) -> float:
        """The fraction of seeds that must hold (default 1 − δ of the point)."""
        if self.q is not None:
            return float(self.q)
        return 1.0 - float(point.values.get("delta", self.base.delta))

    # ------------------------------------------------------------------ identity

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict of every field (``base`` as its own dict).

        ``curves`` appears only when true, so the keys (and stores) of specs without curves are
        those they had before the field existed.
        """
        out = {
            "statement": self.statement, "targets": list(self.targets),
            "dataset": self.dataset, "n": list(self.n), "depth": list(self.depth),
            "delta": list(self.delta), "step_policy": list(self.step_policy),
            "seeds": list(self.seeds), "mode": self.mode, "widths": list(self.widths),
            "m_range": list(self.m_range), "resolution": self.resolution, "q": self.q,
            "check_above": self.check_above, "grow": self.grow, "base": self.base.to_dict(),
            "data_seed": self.data_seed, "runner": self.runner, "theorems": list(self.theorems),
        }
        if self.curves:
            out["curves"] = True
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SweepSpec:
        """Inverse of :meth:`to_dict`."""
        d = dict(data)
        d["base"] = RunConfig.from_dict(d.get("base", {}))
        for k in ("targets", "n", "depth", "delta", "step_policy", "seeds", "widths",
                  "m_range", "theorems"):
            if k in d:
                d[k] = tuple(d[k])
        try:
            return cls(**d)
        except TypeError as e:
            raise UserInputError(f"sweep spec: {e}") from None

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, no spaces)."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"),
                          allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> SweepSpec:
        """Read :meth:`to_json`'s output back."""
        return cls.from_dict(json.loads(text))

    @property
    def key(self) -> str:
        """Stable 16-hex hash of the spec: the default store folder's name."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()[:16]

    def estimated_runs(self) -> int:
        """A rough count of runs (for the progress bar's total): exact in scaling/grid mode."""
        per_width = len(self.seeds)
        if self.widths:
            return len(self.points()) * len(self.widths) * per_width
        lo, hi = self.m_range
        tol = math.log2(1 + self.resolution) if self.resolution > 0 else 1 / hi
        octaves = math.log2(hi / lo)
        climb = math.ceil(octaves / math.log2(self.grow) / 2) if self.grow else 1
        span = 2 * math.log2(self.grow) if self.grow else octaves
        steps = max(1, math.ceil(math.log2(max(span / tol, 2.0))))
        return len(self.points()) * (1 + climb + steps + self.check_above) * per_width
