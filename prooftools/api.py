"""The Python API: everything the CLI does, as functions.

Registry and bounds (``load_registry``, ``evaluate_statement``, ``compare_widths``,
``derive_width``, the report tables), data checks (``load_dataset``, ``measure``,
``check_dataset``), verification (``verify``; render its result with
:mod:`prooftools.reporting.verify_reports`) and sweeps (``sweep``, ``read_sweep``, ``read_rows``;
render with :mod:`prooftools.reporting.sweep_reports`).

>>> from prooftools.api import load_registry, evaluate_statement
>>> reg = load_registry()
>>> [b.name for b in evaluate_statement(reg, "du2019.thm4.1", {"n": 100}, kinds=("width",))]
['width', 'width_explicit']
"""

from __future__ import annotations

from prooftools.checking.data_hypotheses import check_dataset
from prooftools.checking.verify import verify
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
from prooftools.sweep import read_rows, read_sweep, sweep
from prooftools.theory import Registry, load_registry
from prooftools.theory.bounds import evaluate_bound, evaluate_grid, evaluate_statement
from prooftools.theory.compare import compare_widths, crossovers, exponents, leading_exponent
from prooftools.theory.proofcheck import derive_width

__all__ = [
    "Registry",
    "bounds_report",
    "check_dataset",
    "compare_report",
    "compare_widths",
    "crossovers",
    "derive_width",
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
    "read_rows",
    "read_sweep",
    "show_statement",
    "statement_dict",
    "sweep",
    "verify",
    "width_table",
]
