"""prooftools: a symbolic-plus-numeric proof assistant for the optimization theory of deep learning.

Papers prove that gradient descent drives over-parameterized networks to zero training loss if
the width, the step size and the data satisfy their bounds. prooftools registers those theorems
as data (``theorems/*.toml``), evaluates their bounds exactly, checks their data hypotheses on
a dataset with certified numbers, and verifies a training run against every lemma of the proof.

The functions below load lazily (``import prooftools`` stays fast); all live in
:mod:`prooftools.api`::

    >>> import prooftools
    >>> reg = prooftools.load_registry()
    >>> [b.decimal for b in prooftools.evaluate_statement(
    ...     reg, "du2019.thm4.1", {"n": 1000, "lambda0": "1e-3", "delta": "0.1"},
    ...     kinds=("width",))][:1]
    ['1.0e+33']

Registry and bounds: load_registry, evaluate_statement, evaluate_bound, compare_widths,
derive, crossovers. Data: load_dataset, list_datasets, measure, check_dataset.
Training runs: verify. Tables: list_table, width_table, compare_report, bounds_report,
show_statement, graph_report (each table renders as text, markdown, latex or json).
The command line is ``prooftools --help``.
"""

from __future__ import annotations

_API = ("Registry", "bounds_report", "check_dataset", "compare_report", "compare_widths",
        "crossovers", "derive", "evaluate_bound", "evaluate_grid", "evaluate_statement",
        "exponents", "graph_report", "leading_exponent", "list_datasets", "list_table",
        "load_dataset", "load_registry", "measure", "show_statement", "statement_dict",
        "verify", "width_table")
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name == "__version__":  # looked up on use: metadata scans are slow at start-up
        from importlib import metadata

        try:
            return metadata.version("prooftools")
        except metadata.PackageNotFoundError:  # a source tree that is not installed
            return "0.1.0+unknown"
    if name in _API:
        from prooftools import api

        return getattr(api, name)
    raise AttributeError(f"module 'prooftools' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API) | {"__version__"})
