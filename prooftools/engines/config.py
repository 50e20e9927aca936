"""The run configuration: one frozen, validated record of everything that decides a run.

A :class:`RunConfig` replaces ``verify``'s former 32 keyword arguments. Its common fields are the
ones every engine reads (width, depth, steps, step-size policy, algorithm, seed, δ, constants,
strides); everything family-specific lives in ``options`` and is validated by the engine that runs
it (:meth:`prooftools.engines.Engine.validate`). A configuration serialises to JSON and back exactly
(:meth:`RunConfig.to_json`, :meth:`RunConfig.from_json`) and has a stable hash
(:attr:`RunConfig.key`), under which sweeps store their results.

>>> cfg = RunConfig(width=256, steps=40, options={"flow_tol": 1e-6})
>>> RunConfig.from_json(cfg.to_json()) == cfg
True
>>> cfg.replace(seed=3).seed, cfg.key == RunConfig(width=256, steps=40,
...                                                 options={"flow_tol": 1e-6}).key
(3, True)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from prooftools.errors import UserInputError

__all__ = ["ALGORITHMS", "CONSTANTS", "STEP_POLICIES", "RunConfig"]

#: Step-size policies: the theorem's own step-size bound (measured quantities at their certified
#: lower bounds), the user's ``step_size``, or the engine's practical step (e.g. 0.5/λ_max(H^∞)).
STEP_POLICIES = ("theorem", "fixed", "practical")
#: Algorithms an engine may offer (each engine declares which of these it runs).
ALGORITHMS = ("gd", "sgd", "flow")
#: ``derived``: substitute the constants re-derived from the proofs; ``hidden``: leave them open.
CONSTANTS = ("derived", "hidden")
#: Symbols whose override drives the run itself: they set these fields (and so are honoured).
RUN_SYMBOLS = {"eta": "step_size", "m": "width", "L": "depth", "b": "batch_size"}
#: Default relative tolerance of the judge (a comparison within it is "holds, within rounding").
DEFAULT_RTOL = 1e-9

_OptionValue = bool | int | float | str | None


def _freeze(mapping: Mapping[str, Any] | None, what: str) -> Mapping[str, Any]:
    items = {}
    for key, value in dict(mapping or {}).items():
        if not isinstance(key, str) or not key:
            raise UserInputError(f"{what}: names must be non-empty strings; got {key!r}")
        if not isinstance(value, bool | int | float | str | type(None)):
            raise UserInputError(f"{what} {key}: expected a number, string or boolean; "
                                 f"got {type(value).__name__}")
        if isinstance(value, float) and not math.isfinite(value):
            raise UserInputError(f"{what} {key}: expected a finite number; got {value}")
        items[key] = value
    return MappingProxyType(dict(sorted(items.items())))


def _positive_int(name: str, value, *, allow_none: bool = True, minimum: int = 1) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise UserInputError(f"{name} must be an integer >= {minimum}; got {value!r}")


@dataclass(frozen=True)
class RunConfig:
    """Everything that decides one run (``None``: the engine's documented default).

    ``overrides`` replace measured or default symbol values by name (``{"lambda0": 0.1}``) and are
    honoured by the run and recorded; ``options`` are the engine's own settings (``loss``, ``mu``,
    ``flow_tol`` …), checked against what the engine declares.
    """

    width: int | None = None
    depth: int | None = None
    steps: int | None = None
    step_policy: str = "theorem"
    step_size: float | None = None
    algorithm: str | None = None
    batch_size: int | None = None
    seed: int = 0
    delta: float = 0.1
    constants: str = "derived"
    stride: int = 10
    expensive_stride: int | None = None
    rtol: float = DEFAULT_RTOL
    overrides: Mapping[str, _OptionValue] = field(default_factory=dict)
    options: Mapping[str, _OptionValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "overrides", _freeze(self.overrides, "override"))
        set_(self, "options", _freeze(self.options, "option"))
        self._absorb_run_overrides()
        _positive_int("width", self.width)
        _positive_int("depth", self.depth)
        _positive_int("steps", self.steps, minimum=0)
        _positive_int("batch_size", self.batch_size)
        _positive_int("stride", self.stride, allow_none=False)
        _positive_int("expensive_stride", self.expensive_stride)
        _positive_int("seed", self.seed, allow_none=False, minimum=0)
        if self.step_size is not None:
            if isinstance(self.step_size, bool) or not isinstance(self.step_size, int | float) \
                    or not (math.isfinite(self.step_size) and self.step_size > 0):
                raise UserInputError(f"step_size must be a positive number; got "
                                     f"{self.step_size!r}")
            set_(self, "step_size", float(self.step_size))
        policy = self.step_policy
        if self.step_size is not None and policy == "theorem":
            set_(self, "step_policy", policy := "fixed")  # a given step size is the policy
        if policy not in STEP_POLICIES:
            raise UserInputError(f"step_policy must be one of {', '.join(STEP_POLICIES)}; got "
                                 f"{policy!r}")
        if policy == "fixed" and self.step_size is None:
            raise UserInputError("step_policy 'fixed' needs a step_size")
        if self.algorithm is not None and self.algorithm not in ALGORITHMS:
            raise UserInputError(f"algorithm must be one of {', '.join(ALGORITHMS)}; got "
                                 f"{self.algorithm!r}")
        if self.constants not in CONSTANTS:
            raise UserInputError(f"constants must be 'derived' or 'hidden'; got "
                                 f"{self.constants!r}")
        if isinstance(self.delta, bool) or not isinstance(self.delta, int | float) \
                or not 0 < self.delta < 1:
            raise UserInputError(f"delta must be a probability in (0, 1); got {self.delta!r}")
        set_(self, "delta", float(self.delta))
        if isinstance(self.rtol, bool) or not isinstance(self.rtol, int | float) \
                or not 0 <= self.rtol < 1:
            raise UserInputError(f"rtol must lie in [0, 1); got {self.rtol!r}")
        set_(self, "rtol", float(self.rtol))

    def _absorb_run_overrides(self) -> None:
        """``--set eta=…`` (m, L, b likewise) drives the run: it becomes the step size (width,
        depth, batch size) instead of a value that is recorded but not used."""
        overrides = dict(self.overrides)
        for symbol, name in RUN_SYMBOLS.items():
            if symbol not in overrides:
                continue
            value = overrides.pop(symbol)
            if name != "step_size":
                if isinstance(value, bool) or not isinstance(value, int | float) \
                        or value != int(value):
                    raise UserInputError(f"override {symbol} sets the {name}: expected an "
                                         f"integer; got {value!r}")
                value = int(value)
            current = getattr(self, name)
            if current is not None and current != value:
                raise UserInputError(f"override {symbol}={value} contradicts {name}={current}; "
                                     "give one of them")
            object.__setattr__(self, name, value)
        object.__setattr__(self, "overrides", MappingProxyType(overrides))

    # ------------------------------------------------------------------ access

    def option(self, name: str, default: _OptionValue = None) -> _OptionValue:
        """The engine option ``name`` (``default`` when not set)."""
        return self.options.get(name, default)

    def replace(self, **changes) -> RunConfig:
        """A copy with some fields changed (validated again); ``options`` entries merge.

        >>> RunConfig(options={"mu": 0.5}).replace(options={"loss": "exponential"}).options
        mappingproxy({'loss': 'exponential', 'mu': 0.5})
        """
        if "options" in changes:
            changes["options"] = {**self.options, **dict(changes["options"] or {})}
        if "overrides" in changes:
            changes["overrides"] = {**self.overrides, **dict(changes["overrides"] or {})}
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_keywords(cls, *, lr: float | None = None, flow: bool = False,
                      options: Mapping[str, Any] | None = None, **keywords) -> RunConfig:
        """Build a configuration from keywords as the Python API and the CLI take them.

        ``lr`` is the step size, ``flow=True`` the gradient-flow algorithm; a keyword that is no
        field (``loss``, ``mu``, ``flow_tol`` …) is an engine option, kept when it is set (not
        ``None`` or ``False``).

        >>> cfg = RunConfig.from_keywords(width=64, lr=0.1, flow=True, loss=None, mu=0.5)
        >>> cfg.step_policy, cfg.step_size, cfg.algorithm, dict(cfg.options)
        ('fixed', 0.1, 'flow', {'mu': 0.5})
        """
        names = {f.name for f in dataclasses.fields(cls)} - {"options"}
        fields = {k: v for k, v in keywords.items() if k in names}
        opts = {k: v for k, v in keywords.items()
                if k not in names and v is not None and v is not False}
        opts.update(dict(options or {}))
        if lr is not None:
            fields["step_size"] = lr
        if flow:
            if fields.get("algorithm") not in (None, "flow"):
                raise UserInputError(f"flow=True contradicts algorithm={fields['algorithm']!r}")
            fields["algorithm"] = "flow"
        if fields.get("overrides", {}) is None:
            del fields["overrides"]
        return cls(**fields, options=opts)

    # ------------------------------------------------------------------ serialisation

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (every field, sorted mappings)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["overrides"] = dict(self.overrides)
        out["options"] = dict(self.options)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunConfig:
        """Inverse of :meth:`to_dict`; unknown keys are an error naming them."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise UserInputError(f"run configuration: unknown key(s) {', '.join(unknown)}; "
                                 f"expected some of {', '.join(sorted(names))}")
        return cls(**dict(data))

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, no spaces): equal configurations give equal text."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"),
                          allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> RunConfig:
        """Read :meth:`to_json`'s output back (exactly: floats round-trip through repr)."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise UserInputError(f"run configuration is not JSON: {e}") from None
        if not isinstance(data, dict):
            raise UserInputError("run configuration must be a JSON object")
        return cls.from_dict(data)

    @property
    def key(self) -> str:
        """Stable hash of the configuration (hex, 16 characters), the same on every machine."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()[:16]
