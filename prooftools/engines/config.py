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
from prooftools.options import Option, close_match, must_be

__all__ = ["ALGORITHMS", "CONSTANTS", "RUN_OPTIONS", "STEP_POLICIES", "RunConfig"]

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
            raise UserInputError(must_be(f"{what} names", "non-empty strings", key))
        if not isinstance(value, bool | int | float | str | type(None)) or (
                isinstance(value, float) and not math.isfinite(value)):
            raise UserInputError(must_be(f"{what} {key}", "a finite number, a string or a "
                                         "boolean", value))
        items[key] = value
    return MappingProxyType(dict(sorted(items.items())))


#: Every field of :class:`RunConfig` but the two mappings, declared once (type, default, range,
#: help and command-line flag): ``RunConfig.__post_init__`` checks them and ``verify``'s flags
#: are generated from them.
RUN_OPTIONS: tuple[Option, ...] = (
    Option("width", int, None, "width m (required except for Zhou–Liang, where layers are d×d)",
           low=1, closed="left", metavar="M"),
    Option("depth", int, None, "number of layers (deep ReLU, Zhou–Liang, Chatterjee theorems)",
           low=1, closed="left", metavar="L"),
    Option("steps", int, None, "iterations (gradient flow: horizon steps·η); default 1000 for "
           "Du et al., 50 for deep ReLU, 200 for Chatterjee", low=0, closed="left",
           metavar="K"),
    Option("step_policy", str, "theorem", "theorem: the theorem's step-size bound (default); "
           "practical: the engine's practical step (Du et al.: 0.5/λ_max(H^∞)); fixed: --lr",
           choices=STEP_POLICIES, optional=False),
    Option("step_size", float, None, "step size (default: the theorem's step-size bound, "
           "recorded)", low=0, flag="--lr", metavar="ETA"),
    Option("algorithm", str, None, "the algorithm (each engine runs some of gd, sgd, flow)",
           choices=ALGORITHMS),
    Option("batch_size", int, None, "minibatch SGD with batch B", low=1, closed="left",
           flag="--batch", metavar="B"),
    Option("seed", int, 0, "initialization seed (default 0)", low=0, closed="left",
           optional=False),
    Option("delta", float, 0.1, "failure probability δ in the theorem's bounds (default 0.1)",
           low=0, high=1, optional=False, metavar="D"),
    Option("constants", str, "derived", "derived: substitute the constants re-derived from the "
           "proofs; hidden: leave O/Ω constants open and report their implied ranges",
           choices=CONSTANTS, optional=False),
    Option("stride", int, 10, "record observables every N steps (default 10)", low=1,
           closed="left", optional=False, metavar="N"),
    Option("expensive_stride", int, None, "record the expensive observables every N steps "
           "(default: the engine's)", low=1, closed="left", metavar="N"),
    Option("rtol", float, DEFAULT_RTOL, "relative tolerance of the judge", low=0, high=1,
           closed="left", optional=False),
)
_OPTION = {o.name: o for o in RUN_OPTIONS}


def _declared(name: str):
    """The dataclass field of a declared option (its default is the declaration's)."""
    return field(default=_OPTION[name].default, metadata={"option": _OPTION[name]})


@dataclass(frozen=True)
class RunConfig:
    """Everything that decides one run (``None``: the engine's documented default).

    ``overrides`` replace measured or default symbol values by name (``{"lambda0": 0.1}``) and are
    honoured by the run and recorded; ``options`` are the engine's own settings (``loss``, ``mu``,
    ``flow_tol`` …), checked against what the engine declares. The other fields are declared in
    :data:`RUN_OPTIONS`.
    """

    width: int | None = _declared("width")
    depth: int | None = _declared("depth")
    steps: int | None = _declared("steps")
    step_policy: str = _declared("step_policy")
    step_size: float | None = _declared("step_size")
    algorithm: str | None = _declared("algorithm")
    batch_size: int | None = _declared("batch_size")
    seed: int = _declared("seed")
    delta: float = _declared("delta")
    constants: str = _declared("constants")
    stride: int = _declared("stride")
    expensive_stride: int | None = _declared("expensive_stride")
    rtol: float = _declared("rtol")
    overrides: Mapping[str, _OptionValue] = field(default_factory=dict)
    options: Mapping[str, _OptionValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "overrides", _freeze(self.overrides, "override"))
        set_(self, "options", _freeze(self.options, "option"))
        self._absorb_run_overrides()
        for opt in RUN_OPTIONS:
            set_(self, opt.name, opt.check(getattr(self, opt.name), who=opt.name))
        if self.step_size is not None and self.step_policy == "theorem":
            set_(self, "step_policy", "fixed")  # a given step size is the policy
        if self.step_policy == "fixed" and self.step_size is None:
            raise UserInputError("step_policy 'fixed' needs a step_size")

    def _absorb_run_overrides(self) -> None:
        """``--set eta=…`` (m, L, b likewise) drives the run: it becomes the step size (width,
        depth, batch size) instead of a value that is recorded but not used."""
        overrides = dict(self.overrides)
        for symbol, name in RUN_SYMBOLS.items():
            if symbol not in overrides:
                continue
            value = overrides.pop(symbol)
            if name != "step_size":
                value = Option(symbol, int).check(value, who=f"override {symbol} (the {name})")
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
            hint = close_match(unknown[0], names)
            raise UserInputError(f"run configuration: unknown key(s) {', '.join(unknown)}"
                                 f"{f' ({hint})' if hint else ''}; expected some of "
                                 f"{', '.join(sorted(names))}")
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
