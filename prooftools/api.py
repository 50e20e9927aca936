"""The Python API: everything the CLI does, as functions.

>>> from prooftools.api import load_registry, evaluate_statement
>>> reg = load_registry()
>>> [b.name for b in evaluate_statement(reg, "du2019.thm4.1", {"n": 100}, kinds=("width",))]
['width', 'width_explicit']
"""

from __future__ import annotations

from prooftools.reporting.registry_reports import (
    bounds_report,
    compare_report,
    graph_report,
    list_table,
    show_statement,
    statement_dict,
    width_table,
)
from prooftools.theory import Registry, load_registry
from prooftools.theory.bounds import evaluate_bound, evaluate_grid, evaluate_statement
from prooftools.theory.compare import compare_widths, crossovers, exponents, leading_exponent
from prooftools.theory.proofcheck import derive_width

__all__ = [
    "Registry",
    "bounds_report",
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
    "list_table",
    "load_registry",
    "show_statement",
    "statement_dict",
    "width_table",
]
