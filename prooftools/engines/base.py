"""The engine protocol: what a network family declares, what it is given and what it returns.

An engine is one class per network family. It *declares* the ``network`` tags and papers it serves,
the algorithms and step-size policies it runs, its own options (type, default, valid range) and the
observables it records; :meth:`Engine.run` takes a :class:`RunRequest` and returns
:class:`Measurements` — values by symbol name, a recorded trajectory and functions for observables
with non-index arguments. Engines never judge: verdicts are made in :mod:`prooftools.checking`.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from prooftools.engines.config import RunConfig
from prooftools.errors import UserInputError
from prooftools.numerics.observables import Observable, declared
from prooftools.numerics.trajectory import Trajectory
from prooftools.options import Option, close_match

__all__ = ["Engine", "Measurements", "Option", "RunRequest", "RunSettings", "apply_overrides"]


@dataclass(frozen=True)
class RunRequest:
    """What an engine is given: the statement and its proof chain, the data and the configuration.

    ``ids`` lists the statement's dependencies first and the statement last (topological order);
    ``X``/``y`` are the user's data before any normalization (the engine applies the theorem's).
    """

    registry: Any
    statement: Any
    ids: tuple[str, ...]
    X: np.ndarray
    y: np.ndarray
    config: RunConfig
    dataset: str = ""
    progress: bool | None = False

    def option(self, name: str) -> Any:
        """The engine option ``name`` as the user set it (``None`` when not set)."""
        return self.config.options.get(name)

    def apply_overrides(self, values: dict[str, object]) -> dict[str, object]:
        """Replace measured or default values by the configuration's overrides, in place, before
        the engine uses them (a step size from λ0 sees the overridden λ0); returns the record
        ``{name: {"value": …, "measured": …}}`` that the report shows."""
        return apply_overrides(self.registry, values, self.config.overrides)


def apply_overrides(registry, values: dict[str, object],
                    overrides: Mapping[str, object]) -> dict[str, object]:
    """Set ``values[name] = float(value)`` for each override of a data, parameter or constant
    symbol (anything else is an error); return ``{name: {"value", "measured"}}``."""
    record: dict[str, object] = {}
    for name, val in overrides.items():
        sym = registry.symbols.get(name)
        if sym is None or sym.role in ("observable", "index"):
            raise UserInputError(f"override {name!r} is not a data, parameter or constant "
                                 "symbol")
        if isinstance(val, bool) or not isinstance(val, int | float):
            raise UserInputError(f"override {name}: expected a number, got {val!r}")
        record[name] = {"value": float(val), "measured": _json_value(values.get(name))}
        values[name] = float(val)
    return record


def _json_value(v):
    if hasattr(v, "to_dict"):
        return v.to_dict()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


@dataclass(frozen=True)
class RunSettings:
    """The settings a run used, typed: the report's header reads these fields, so every report
    states n, d and where η came from (a plug-in engine that gives less is completed from the
    data and the configuration by :meth:`of`). ``extra`` holds a family's own settings (loss, μ,
    initialization, …), recorded in the report's config after the typed ones.

    >>> RunSettings(n=20, d=30, width=64, eta=0.05).eta_source
    'given by the engine'
    """

    n: int
    d: int
    width: int | None = None
    depth: int | None = None
    steps: int | None = None
    eta: float | None = None
    eta_source: str = ""
    theorem_eta: float | None = None
    algorithm: str | None = None
    batch_size: int | None = None
    normalization: str = "none"
    extra: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("n", "d"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
                raise TypeError(f"RunSettings.{name} must be a count; got {value!r}")
            object.__setattr__(self, name, int(value))
        if self.eta is not None:
            object.__setattr__(self, "eta", float(self.eta))
        if not self.eta_source:
            object.__setattr__(self, "eta_source", "no step size" if self.eta is None
                               else "given by the engine")

    @classmethod
    def of(cls, given: RunSettings | Mapping[str, object] | None, *, X: np.ndarray,
           config: RunConfig) -> RunSettings:
        """``given`` as a record: a mapping's typed keys become fields, the rest ``extra``;
        what it leaves out comes from the data (n, d) and the configuration."""
        if isinstance(given, RunSettings):
            return given
        rest = {k: v for k, v in dict(given or {}).items() if k != "overridden"}
        typed = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        fields = {"n": int(np.shape(X)[0]), "d": int(np.shape(X)[1]), "width": config.width,
                  "depth": config.depth, "steps": config.steps, "algorithm": config.algorithm,
                  "batch_size": config.batch_size}
        fields.update({k: rest.pop(k) for k in list(rest) if k in typed})
        return cls(**fields, extra=rest)

    def to_dict(self) -> dict[str, object]:
        """The typed fields, then ``extra`` (the report's config holds them)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
               if f.name != "extra"}
        out.update(self.extra)
        return out


@dataclass
class Measurements:
    """What an engine returns: numbers only, never verdicts.

    ``values`` binds symbol names to numbers (or :class:`~prooftools.numerics.quantity.Quantity`),
    ``trajectory`` the recorded observables, ``functions`` observables with non-index arguments
    (called by the judge as ``f(*args)``), ``settings`` the :class:`RunSettings` the run used
    (a mapping is accepted and completed by :meth:`RunSettings.of`), ``overridden`` the record of
    :meth:`RunRequest.apply_overrides`, ``changes`` what was done to the data and ``lines``
    report lines (what was approximated and how).
    """

    values: dict[str, object]
    trajectory: Trajectory
    settings: RunSettings | Mapping[str, object] | None = None
    overridden: dict[str, object] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)
    functions: Mapping[str, Callable[..., object]] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    #: also judge quantified conclusions with a ``when`` on the indices *outside* it (probes)
    probe_outside: bool = False


class Engine(ABC):
    """One network family. Subclass, fill the declarations, implement :meth:`run`, register.

    ``networks``: the statement ``network`` tags it serves; ``papers``: paper keys it serves when
    no engine serves the statement's ``network`` tag; ``default``: serves untagged statements of
    papers no engine names. ``observer``: the family's observer class (or its ``"module:Class"``
    path, imported when the declarations are first read), whose declared
    observables (its ``OBSERVABLES`` table and marked methods,
    :mod:`prooftools.numerics.observables`) the engine records; ``observables``: further
    :class:`~prooftools.numerics.observables.Observable` declarations (a bare name is a cheap
    series summarized by its maximum); ``not_measured``: declared observables it knows of but
    cannot measure, each with the reason. :meth:`declared_observables` is the one list.
    """

    name: ClassVar[str]
    networks: ClassVar[tuple[str, ...]] = ()
    papers: ClassVar[tuple[str, ...]] = ()
    default: ClassVar[bool] = False
    algorithms: ClassVar[tuple[str, ...]] = ("gd",)
    step_policies: ClassVar[tuple[str, ...]] = ("theorem", "fixed")
    options: ClassVar[tuple[Option, ...]] = ()
    observer: ClassVar[type | str | None] = None  # a class, or "module:Class" (loaded on use)
    observables: ClassVar[tuple[Observable | str, ...] | frozenset[str]] = ()
    not_measured: ClassVar[Mapping[str, str]] = {}
    description: ClassVar[str] = ""

    def validate(self, config: RunConfig) -> dict[str, Any]:
        """The engine's options with defaults filled in; unknown or out-of-range ones are errors
        (one message formula, :mod:`prooftools.options`)."""
        known = {o.name: o for o in self.options}
        unknown = sorted(set(config.options) - set(known))
        if unknown:
            hint = close_match(unknown[0], known)
            raise UserInputError(f"the {self.name} engine has no option(s) {', '.join(unknown)}"
                                 f"{f' ({hint})' if hint else ''}; it takes "
                                 f"{', '.join(sorted(known)) or 'none'}")
        Option("algorithm", str, choices=self.algorithms).check(
            config.algorithm, who=f"the {self.name} engine's algorithm")
        Option("step_policy", str, choices=self.step_policies).check(
            config.step_policy, who=f"the {self.name} engine's step policy")
        out = {name: opt.default for name, opt in known.items()}
        out.update({k: known[k].check(v) for k, v in config.options.items()})
        return out

    def check_request(self, request: RunRequest) -> None:
        """Cheap checks of a run before any work (raise ``UserInputError``): what the data and
        configuration must satisfy whatever the width and seed (labels, depth, normalization).
        A sweep calls it on the client for each grid point before submitting a single run."""
        return None

    @abstractmethod
    def run(self, request: RunRequest) -> Measurements:
        """Normalize the data as the theorem says, run the network, measure its observables."""

    def declared_observables(self) -> dict[str, Observable]:
        """Every observable this engine records, by name: its observer's, then its own."""
        observer = self.observer
        if isinstance(observer, str):  # "module:Class": the numerics load only when asked
            module, _, name = observer.partition(":")
            observer = getattr(importlib.import_module(module), name)
        return declared(observer, sorted(self.observables, key=str)
                        if isinstance(self.observables, frozenset | set) else self.observables)

    def produces(self) -> frozenset[str]:
        """Every observable name this engine accounts for (measured or declared not measured)."""
        return frozenset(self.declared_observables()) | frozenset(self.not_measured)
