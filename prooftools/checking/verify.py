"""Verify a theorem end to end: run its engine on the data, judge its whole proof chain.

``verify(registry, statement_id, data, config)`` finds the statement's engine
(:func:`prooftools.engines.engine_for`), checks that every observable the proof chain names is
produced by that engine or declared not measured (a misspelt name is an error, not a silent
``unknown``), runs the engine under the frozen :class:`~prooftools.engines.RunConfig`, and judges
every hypothesis and conclusion of the statement and of every statement it rests on
(:mod:`prooftools.checking.chain` states the verdict rules). The same data, configuration and
seed give a byte-identical JSON report.
"""

from __future__ import annotations

import importlib.metadata
import platform
from collections.abc import Mapping, Sequence

import numpy as np

from prooftools.checking.chain import judge_chain, proof_graph
from prooftools.checking.context import JudgeContext
from prooftools.checking.judgement import Why
from prooftools.checking.panels import judged_panels
from prooftools.checking.report import CheckedItem, VerifyReport
from prooftools.checking.widths import width_lines
from prooftools.engines.base import (
    Engine,
    Measurements,
    RunRequest,
    RunSettings,
    apply_overrides,
)
from prooftools.engines.config import RunConfig
from prooftools.engines.contract import check_measurements, require_observables
from prooftools.engines.registry import engine_for

__all__ = ["CheckedItem", "VerifyReport", "preflight", "verify"]


def verify(registry, statement_id: str, data, config: RunConfig | None = None, *,
           progress: bool | None = None, engine: Engine | None = None) -> VerifyReport:
    """Run the statement's engine on ``data`` under ``config`` and judge its whole proof chain.

    ``data`` is a :class:`~prooftools.numerics.data.datasets.Dataset` or an ``(X, y)`` pair;
    ``engine`` replaces the registered engine (tests, experiments).

    >>> from prooftools.theory import load_registry
    >>> rng = np.random.default_rng(0); X = rng.standard_normal((6, 8)); y = rng.standard_normal(6)
    >>> rep = verify(load_registry(), "du2019.thm4.1", (X, y), RunConfig(width=256, steps=40))
    >>> str(rep.verdict("du2019.thm4.1", "linear_rate"))
    'holds'
    """
    config = RunConfig() if config is None else config
    eng, request = _request(registry, statement_id, data, config, engine, progress)
    st, ids, X, name = request.statement, request.ids, request.X, request.dataset
    meas = check_measurements(eng, eng.run(request))
    values = dict(meas.values)
    settings = RunSettings.of(meas.settings, X=X, config=config)
    overridden = dict(meas.overridden or _given_overrides(meas.settings))
    leftover = {k: v for k, v in config.overrides.items() if k not in overridden}
    if leftover:  # values the engine did not use for its run: they enter the judgement only
        overridden.update(apply_overrides(registry, values, leftover))
    derived = registry.derived_constants() if config.constants == "derived" else {}
    hidden = frozenset(n for n, s in registry.symbols.items() if s.role == "constant")
    ctx = JudgeContext(values, trajectory=meas.trajectory, constants=derived, hidden=hidden,
                       rtol=config.rtol, functions=meas.functions or {}, registry=registry)
    items = judge_chain(ctx, ids, probe_outside=meas.probe_outside)
    graph, links = proof_graph(registry, ids, items)
    report_config = _report_config(st.id, name, eng, config, derived, settings, overridden, meas)
    panels = judged_panels(ctx, ids, items)
    widths = width_lines(registry, ids, {**values, "m": settings.width},
                         constants=config.constants)
    return VerifyReport(statement=st.id, config=report_config, data=values, items=items,
                        graph=graph, failing_links=links, trajectory=meas.trajectory,
                        changes=list(meas.changes), lines=_lines(meas, items), panels=panels,
                        registry=registry, settings=settings, widths=widths)


def _request(registry, statement_id: str, data, config: RunConfig, engine: Engine | None,
             progress: bool | None) -> tuple[Engine, RunRequest]:
    """The statement's engine and its request, checked before any work: the configuration's
    options, the observables the chain names, the engine's own ``check_request``."""
    st = registry.get(statement_id)
    ids = (*registry.dependencies(st.id), st.id)
    eng = engine_for(st) if engine is None else engine
    eng.validate(config)
    require_observables(registry, ids, eng)
    X, y, name = _unpack(data)
    request = RunRequest(registry=registry, statement=st, ids=ids, X=X, y=y, config=config,
                         dataset=name, progress=progress)
    eng.check_request(request)
    return eng, request


def preflight(registry, statement_id: str, data, config: RunConfig, *,
              engine: Engine | None = None) -> Engine:
    """Everything :func:`verify` checks before it runs, without running (a sweep calls it on
    the client for each grid point: a user error is one line before anything is submitted)."""
    return _request(registry, statement_id, data, config, engine, False)[0]


def _given_overrides(settings) -> dict:
    """The override record a plug-in engine left in a settings mapping (older engines)."""
    return dict(settings.get("overridden", {})) if isinstance(settings, Mapping) else {}


def _unpack(data) -> tuple[np.ndarray, np.ndarray, str]:
    if hasattr(data, "X") and hasattr(data, "y"):
        return np.asarray(data.X), np.asarray(data.y), str(getattr(data, "name", "") or "")
    if isinstance(data, Sequence) and len(data) == 2:
        return np.asarray(data[0]), np.asarray(data[1]), ""
    raise TypeError("data must be a Dataset or an (X, y) pair")


def _lines(meas: Measurements, items: list[CheckedItem]) -> list[str]:
    """The engine's report lines, then one line naming what could not be measured."""
    unmeasured = sorted({
        r.text.split(" not ")[0].strip()
        for it in items for r in it.judgement.reasons if r.why == Why.NOT_MEASURED
    })
    lines = list(meas.lines)
    if unmeasured:
        lines.append("not measured: " + "; ".join(
            u.replace("not measured:", "").strip() for u in unmeasured))
    return lines


def _report_config(sid, dataset, eng, config, derived, settings, overridden, meas) -> dict:
    """The report's ``config``: the run configuration, its key and the settings the run used."""
    out = {
        "statement": sid, "dataset": dataset, "engine": eng.name, "seed": config.seed,
        "delta": config.delta, "constants": config.constants,
        "derived_constants": {k: str(v) for k, v in derived.items()},
        "stride": config.stride, "rtol": config.rtol, "overridden": overridden,
        **settings.to_dict(),
        "run": {k: v for k, v in meas.trajectory.config.items()
                if isinstance(v, str | int | float | bool | type(None))},
        "run_config": config.to_dict(),
        "config_key": config.key,
        "versions": _versions(),
    }
    return out


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("numpy", "scipy", "sympy", "prooftools"):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "unknown"
    return out
