"""Pick the numeric engine of a statement and describe what an engine adapter returns.

A statement's ``tags.network`` (or, for Chatterjee's network-agnostic theorems, its paper key)
names the engine: ``two_layer_relu`` (Du et al., handled by :func:`~prooftools.checking.verify.
verify` itself), ``deep_relu_zou`` / ``deep_relu_allenzhu`` (:mod:`.engine_deep`),
``linear_square`` / ``linear_residual_square`` / ``one_hidden_square`` (Zhou–Liang,
:mod:`.engine_zhouliang`),
``deep_fc_smooth_increasing`` / paper ``chatterjee`` (:mod:`.engine_chatterjee`).

An adapter is a function ``run(registry, statement, ids, X, y, options) -> EngineResult``: it
applies the theorem's normalization, measures the data quantities, chooses the step size, runs
the numerics and returns values (by symbol name), the recorded :class:`Trajectory`, functions for
observables with non-index arguments, configuration, the list of changes made to the data and
report lines.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from prooftools.errors import UserInputError
from prooftools.numerics.trajectory import Trajectory

__all__ = ["EngineOptions", "EngineResult", "engine_name", "get_adapter"]

#: tags.network → adapter module (function ``run``)
_NETWORKS = {
    "deep_relu_zou": "deep", "deep_relu_allenzhu": "deep",
    "linear_square": "zhouliang", "linear_residual_square": "zhouliang",
    "deep_fc_smooth_increasing": "chatterjee",
}
_PAPERS = {"zou2018": "deep", "allenzhu2019": "deep", "zhouliang2017": "zhouliang",
           "chatterjee": "chatterjee"}


@dataclass(frozen=True)
class EngineOptions:
    """Everything a user may set for a run (``None``: the engine's documented default)."""

    width: int | None = None
    depth: int | None = None
    steps: int | None = None
    lr: float | None = None
    seed: int = 0
    algorithm: str | None = None
    batch_size: int | None = None
    delta: float = 0.1
    loss: str | None = None
    activation: str | None = None
    init: str | None = None
    scale: float | None = None
    radius: float | None = None
    near_minimizer: float | None = None
    eps: float | None = None
    mu: float | None = None
    points: int | None = None
    find_scale: bool = False
    stride: int = 1
    progress: bool | None = False
    dataset: str = ""  # the user's dataset spec, for messages


@dataclass
class EngineResult:
    """What an adapter hands back to :func:`~prooftools.checking.verify.verify`."""

    values: dict[str, object]
    trajectory: Trajectory
    config: dict
    changes: list[str] = field(default_factory=list)
    functions: Mapping[str, Callable[..., object]] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    #: also judge quantified conclusions with a ``when`` on the indices *outside* it (probes)
    probe_outside: bool = False


def engine_name(statement) -> str:
    """``"du"``, ``"deep"``, ``"zhouliang"`` or ``"chatterjee"`` for a registry statement.

    >>> from prooftools.theory import load_registry
    >>> engine_name(load_registry().get("zou2018.thm4.1"))
    'deep'
    """
    net = statement.tags.get("network")
    if net in _NETWORKS:
        return _NETWORKS[net]
    if net in (None, "", "two_layer_relu") and statement.paper not in _PAPERS:
        return "du"
    if statement.paper in _PAPERS:
        return _PAPERS[statement.paper]
    raise UserInputError(f"{statement.id}: no numeric engine for network {net!r}; verify knows "
                         "two_layer_relu, " + ", ".join(sorted(_NETWORKS)))


def get_adapter(name: str) -> Callable[..., EngineResult]:
    """The ``run`` function of the adapter module for an engine name."""
    return importlib.import_module(f"prooftools.checking.engine_{name}").run


def paper_of(statement) -> str:
    """The paper key of a statement (``zou2018`` for ``zou2018.thm4.1``)."""
    return getattr(statement, "paper", None) or statement.id.split(".", 1)[0]
