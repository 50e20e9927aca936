"""Numeric engine: data, networks, kernels, training and observables (no sympy here).

The convenience names below are imported on first use, so that importing one submodule
(e.g. :mod:`prooftools.numerics.quantity`) does not load the training engine and its solvers.
"""

from __future__ import annotations

import importlib

_LAZY = {
    "Dataset": "prooftools.numerics.data.datasets",
    "list_datasets": "prooftools.numerics.data.datasets",
    "load_dataset": "prooftools.numerics.data.datasets",
    "run_du": "prooftools.numerics.networks.two_layer.training",
    "Trajectory": "prooftools.numerics.trajectory",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'prooftools.numerics' has no attribute {name!r}")
