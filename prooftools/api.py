"""The Python API: everything the CLI does, as functions.

Registry and bounds (``load_registry``, ``evaluate_statement``, ``compare_widths``,
``derive``, the report tables), data checks (``load_dataset``, ``measure``,
``check_dataset``), verification (``verify`` with keywords, or ``verify_config`` with a
:class:`~prooftools.engines.RunConfig`; render the result with
:mod:`prooftools.reporting.verify_reports`) and sweeps (``sweep``, ``read_sweep``, ``read_rows``,
``read_curves``; render with :mod:`prooftools.reporting.sweep_reports`).

>>> from prooftools.api import load_registry, evaluate_statement
>>> reg = load_registry()
>>> [b.name for b in evaluate_statement(reg, "du2019.thm4.1", {"n": 100}, kinds=("width",))]
['width', 'width_explicit']
"""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names below load on first use (the CLI starts without them)
    from prooftools.checking.report import VerifyReport
    from prooftools.engines import RunConfig
    from prooftools.theory import Registry
    from prooftools.theory.derivation import Derivation

#: Every name of the API and the module it comes from; a name loads its module on first use.
_LAZY = {
    "Registry": "prooftools.theory",
    "load_registry": "prooftools.theory",
    "evaluate_bound": "prooftools.theory.bounds",
    "evaluate_grid": "prooftools.theory.bounds",
    "evaluate_statement": "prooftools.theory.bounds",
    "compare_widths": "prooftools.theory.compare",
    "crossovers": "prooftools.theory.compare",
    "exponents": "prooftools.theory.compare",
    "leading_exponent": "prooftools.theory.compare",
    "Derivation": "prooftools.theory.derivation",
    "bounds_report": "prooftools.reporting.registry_reports",
    "compare_report": "prooftools.reporting.registry_reports",
    "graph_report": "prooftools.reporting.registry_reports",
    "list_table": "prooftools.reporting.registry_reports",
    "show_statement": "prooftools.reporting.registry_reports",
    "statement_dict": "prooftools.reporting.registry_reports",
    "width_table": "prooftools.reporting.registry_reports",
    "list_datasets": "prooftools.numerics.data.datasets",
    "load_dataset": "prooftools.numerics.data.datasets",
    "measure": "prooftools.numerics.data.quantities",
    "check_dataset": "prooftools.checking.data_hypotheses",
    "DataCheckReport": "prooftools.checking.data_hypotheses",
    "VerifyReport": "prooftools.checking.report",
    "RunConfig": "prooftools.engines",
    "RUN_OPTIONS": "prooftools.engines.config",
    "registered_engines": "prooftools.engines.registry",
    "sweep": "prooftools.sweep.entry",
    "execute_sweep": ("prooftools.sweep.execute", "execute"),
    "read_sweep": "prooftools.sweep.entry",
    "read_rows": "prooftools.sweep",
    "read_curves": "prooftools.sweep",
    "load_sweep": "prooftools.sweep.frame",
    "DEFAULT_RUNNER": "prooftools.sweep.spec",
    "SWEEP_MAX_VALUES": ("prooftools.sweep.spec", "MAX_VALUES"),
    "SWEEP_MAX_GROW": ("prooftools.sweep.spec", "MAX_GROW"),
    "du2019_spec": "prooftools.sweep.presets",
    "du2019_replication": "prooftools.sweep.presets",
    "replicate_chatterjee": "prooftools.numerics.replication.chatterjee",
    "CHATTERJEE_POLICIES": ("prooftools.numerics.replication.chatterjee", "POLICIES"),
}

__all__ = sorted([*_LAZY, "chatterjee_plan", "derive", "verify", "verify_config"])


def __getattr__(name: str) -> Any:
    """An API name from its module, loaded on first use (PEP 562)."""
    if name == "verify_config":
        target: str | tuple[str, str] = ("prooftools.checking.verify", "verify")
    elif name in _LAZY:
        target = _LAZY[name]
    else:
        raise AttributeError(f"module 'prooftools.api' has no attribute {name!r}")
    module, attr = target if isinstance(target, tuple) else (target, name)
    # looked up at each use (modules load once): the API always hands out the defining
    # module's current object
    return getattr(importlib.import_module(module), attr)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def chatterjee_plan(full: bool = False, seed: int = 0) -> tuple[tuple, tuple[int, ...], int]:
    """The sizes, seeds and horizon of Chatterjee's replication (``full``: the larger plan)."""
    from prooftools.numerics.replication import chatterjee as rc

    sizes = rc.FULL_SIZES if full else rc.DEFAULT_SIZES
    seeds = tuple(range(seed, seed + (rc.FULL_SEEDS if full else rc.DEFAULT_SEEDS)))
    return sizes, seeds, rc.FULL_STEPS if full else rc.DEFAULT_STEPS


def derive(statement_id: str, theorems=None, *,
           registry: Registry | None = None) -> Derivation:
    """Run the derivations ``statement_id`` declares and judge its stated bounds
    (docs/derivations.md). ``theorems``: extra theorem folders or files (one path or a list),
    loaded with the built-in ones; or pass a loaded ``registry``.

    >>> d = derive("du2019.thm4.1")
    >>> d.verdicts["width"]
    'agrees'
    """
    from prooftools.theory import load_registry
    from prooftools.theory.derivation import derive as _derive

    if registry is None:
        paths = [] if theorems is None else (
            [theorems] if isinstance(theorems, (str, bytes)) or hasattr(theorems, "__fspath__")
            else list(theorems))
        from pathlib import Path

        dirs = [p for p in paths if Path(p).is_dir()]
        files = [p for p in paths if not Path(p).is_dir()]
        registry = load_registry(dirs, files=files)
    return _derive(registry, statement_id)


def verify(registry, statement_id: str, X, y=None, *, config: RunConfig | None = None,
           progress: bool | None = None, dataset_name: str = "", run=None,
           **keywords) -> VerifyReport:
    """Verify a statement on (X, y) — or a Dataset as ``X`` — with the run given as keywords.

    Keywords are :class:`~prooftools.engines.RunConfig`'s fields (``width``, ``depth``,
    ``steps``, ``seed``, ``delta``, ``constants``, ``stride``, ``batch_size`` …), ``lr`` (the
    step size), ``flow=True`` (gradient flow), ``overrides`` and the engine's own options
    (``loss``, ``mu``, ``eps``, ``activation``, ``init``, ``scale``, ``radius``,
    ``near_minimizer``, ``points``, ``find_scale``, ``flow_tol``). ``config`` gives the whole
    configuration instead; ``run`` replaces the two-layer network's trainer (tests).

    >>> import numpy as np
    >>> from prooftools.api import RunConfig, load_registry
    >>> rng = np.random.default_rng(0); X = rng.standard_normal((6, 8)); y = rng.standard_normal(6)
    >>> rep = verify(load_registry(), "du2019.thm4.1", X, y, width=256, steps=40)
    >>> str(rep.verdict("du2019.thm4.1", "linear_rate"))
    'holds'
    >>> rep.config["config_key"] == RunConfig(width=256, steps=40).key
    True
    """
    import numpy as np

    from prooftools.checking.verify import verify as verify_config
    from prooftools.engines import RunConfig

    if config is not None and keywords:
        raise TypeError("give either config or keywords, not both")
    cfg = config if config is not None else RunConfig.from_keywords(**keywords)
    data = X if y is None else (X, y)
    if dataset_name and y is not None:
        data = SimpleNamespace(X=np.asarray(X), y=np.asarray(y), name=dataset_name)
    engine = None
    if run is not None:
        from prooftools.engines.two_layer import TwoLayerEngine

        engine = TwoLayerEngine(trainer=run)
    return verify_config(registry, statement_id, data, cfg, progress=progress, engine=engine)
