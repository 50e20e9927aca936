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

from types import SimpleNamespace

import numpy as np

from prooftools.checking.data_hypotheses import check_dataset
from prooftools.checking.report import VerifyReport
from prooftools.checking.verify import verify as verify_config
from prooftools.engines import RunConfig
from prooftools.numerics.data.datasets import list_datasets, load_dataset
from prooftools.numerics.data.quantities import measure
from prooftools.reporting.registry_reports import (
    bounds_report,
    compare_report,
    graph_report,
    list_table,
    show_statement,
    statement_dict,
    width_table,
)
from prooftools.sweep import read_curves, read_rows, read_sweep, sweep
from prooftools.theory import Registry, load_registry
from prooftools.theory.bounds import evaluate_bound, evaluate_grid, evaluate_statement
from prooftools.theory.compare import compare_widths, crossovers, exponents, leading_exponent
from prooftools.theory.derivation import Derivation
from prooftools.theory.derivation import derive as _derive

__all__ = [
    "Registry",
    "RunConfig",
    "bounds_report",
    "check_dataset",
    "compare_report",
    "compare_widths",
    "crossovers",
    "derive",
    "evaluate_bound",
    "evaluate_grid",
    "evaluate_statement",
    "exponents",
    "graph_report",
    "leading_exponent",
    "list_datasets",
    "list_table",
    "load_dataset",
    "load_registry",
    "measure",
    "read_curves",
    "read_rows",
    "read_sweep",
    "show_statement",
    "statement_dict",
    "sweep",
    "verify",
    "verify_config",
    "width_table",
]


def derive(statement_id: str, theorems=None, *,
           registry: Registry | None = None) -> Derivation:
    """Run the derivations ``statement_id`` declares and judge its stated bounds
    (docs/derivations.md). ``theorems``: extra theorem folders or files (one path or a list),
    loaded with the built-in ones; or pass a loaded ``registry``.

    >>> d = derive("du2019.thm4.1")
    >>> d.verdicts["width"]
    'agrees'
    """
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
    >>> rng = np.random.default_rng(0); X = rng.standard_normal((6, 8)); y = rng.standard_normal(6)
    >>> rep = verify(load_registry(), "du2019.thm4.1", X, y, width=256, steps=40)
    >>> str(rep.verdict("du2019.thm4.1", "linear_rate"))
    'holds'
    >>> rep.config["config_key"] == RunConfig(width=256, steps=40).key
    True
    """
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
