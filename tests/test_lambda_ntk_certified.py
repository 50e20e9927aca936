"""Certified lambda_ntk (issue 12): a proven lower bound that holds against mpmath, zero with the
pair named on duplicates (iris, the duplicates: generator), and `check --depth L` reports it."""

from __future__ import annotations

import json

import mpmath
import numpy as np
import pytest
from mp_reference import mp_ntk

from prooftools.numerics.data.datasets import load_dataset, make_dataset
from prooftools.numerics.data.quantities import measure
from prooftools.numerics.kernels import fused

pytestmark = pytest.mark.skipif(not fused.AVAILABLE, reason="numba not installed")


def _mp_lambda_ntk(X, depth):
    with mpmath.workdps(60):
        M = mpmath.matrix([[mp_ntk(a, b, depth) for b in X] for a in X])
        return float(min(mpmath.eigsy(M)[0]))


def _data(kind: str, n: int = 9, d: int = 4, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 2.0, (n, 1))
    if kind == "duplicate":
        X[7] = X[1]
    elif kind.startswith("near"):
        gap = float(kind[4:])
        v = rng.standard_normal(d)
        X[7] = X[1] + gap * np.linalg.norm(X[1]) * v / np.linalg.norm(v)
    return X


@pytest.mark.parametrize("depth", [1, 3])
@pytest.mark.parametrize("kind", ["plain", "duplicate", "near1e-10", "near1e-6", "near1e-2"])
def test_certified_lambda_ntk_below_mpmath(kind, depth):
    X = _data(kind)
    q = measure(make_dataset(X, np.zeros(len(X)), name=kind), depth=depth,
                names=lambda s: s in {"lambda_ntk"})["lambda_ntk"]
    true = _mp_lambda_ntk(X, depth)
    assert q.lower is not None and q.lower <= true <= q.upper
    if kind in ("plain", "near1e-2"):
        assert q.proven_positive and q.lower >= (1 - 1e-3) * true - 1e-12
    if kind == "duplicate":
        assert q.value == 0.0 and q.upper == 0.0 and q.witness.startswith("i=1, j=7")


@pytest.mark.parametrize("spec, pair", [("iris", "i=101, j=142"), ("duplicates:n=12,d=4",
                                                                    "i=0, j=11")])
@pytest.mark.parametrize("depth", [3, 5])
def test_duplicates_give_lambda_ntk_zero_with_the_pair(spec, pair, depth):
    q = measure(load_dataset(spec), depth=depth, names=lambda s: s == "lambda_ntk")["lambda_ntk"]
    assert q.value == 0.0 and q.lower <= 0 and q.upper == 0.0
    assert q.witness.startswith(pair), q.witness


def test_check_depth_reports_lambda_ntk(capsys):
    from prooftools.cli import main

    rc = main(["check", "sphere:n=40,d=6", "--theorem", "du2019.thm3.2", "--depth", "2",
               "--format", "json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    q = out["quantities"]["lambda_ntk"]
    assert q["lower_bound"] > 0 and q["lower_bound"] <= q["value"] <= q["upper_bound"]
    assert "ar_complexity" in out["quantities"]
