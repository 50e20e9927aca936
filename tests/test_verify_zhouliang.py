"""verify() on Zhou & Liang: sampled points near a full-rank minimizer, probes outside."""

from __future__ import annotations

import numpy as np
import pytest

from prooftools.checking.verdict import Verdict
from prooftools.checking.verify import verify
from prooftools.cli import main
from prooftools.errors import UserInputError
from prooftools.numerics import zhou_liang as zl
from prooftools.numerics.datasets import load_dataset
from prooftools.theory import load_registry


@pytest.fixture(scope="module")
def reg():
    return load_registry()


@pytest.fixture(scope="module")
def square():
    return load_dataset("synthetic-square:d=6")


def test_inside_holds_outside_fails(reg, square):
    rep = verify(reg, "zhouliang2017.linear", square.X, square.y, depth=3, near_minimizer=0.1,
                 points=12)
    assert rep.verdict("zhouliang2017.linear", "gradient_dominance") == Verdict.HOLDS
    probe = rep.item("zhouliang2017.linear", "gradient_dominance@outside")
    assert probe.role == "probe" and probe.judgement.verdict == Verdict.FAILS
    assert rep.graph["zhouliang2017.linear"] == "holds"  # a probe is no verdict on the theorem
    assert rep.verdict("zhouliang2017.data_full_rank", "rank_XXt") == Verdict.HOLDS
    # the derived λ of the report equals the numerics' independent formula
    Xz, Yz = square.X.T, square.y.T
    Ws = zl.balanced_factorization(zl.optimal_product(Xz, Yz), 3)
    lam = zl.gd_lambda_neighbourhood(Ws, Xz, 0.1)
    d = rep.data
    assert 1 / (2 * d["zl_sigma_min_X"] ** 2 * 0.9 ** 4 * d["zl_S_star"]) == pytest.approx(lam)


def test_regularity_and_residual(reg, square):
    rep = verify(reg, "zhouliang2017.regularity_linear", square.X, square.y, depth=2,
                 near_minimizer=0.2, points=8)
    assert rep.verdict("zhouliang2017.regularity_linear", "regularity_ratio") == Verdict.HOLDS
    res = verify(reg, "zhouliang2017.residual", square.X, square.y, depth=3, near_minimizer=0.3,
                 points=8)
    assert res.verdict("zhouliang2017.residual", "gradient_dominance") == Verdict.HOLDS
    assert res.item("zhouliang2017.residual",
                    "gradient_dominance@outside").judgement.verdict == Verdict.FAILS


def test_too_small_constant_fails_inside(reg, square):
    """A λ a million times too small (S* overridden) is violated by the points inside N_δ."""
    rep = verify(reg, "zhouliang2017.linear", square.X, square.y, depth=3, near_minimizer=0.5,
                 points=12, overrides={"zl_S_star": 1e12})
    assert rep.verdict("zhouliang2017.linear", "gradient_dominance") == Verdict.FAILS


def test_bad_input(reg, square, capsys):
    sphere = load_dataset("sphere:n=10,d=6")
    with pytest.raises(UserInputError, match="square"):
        verify(reg, "zhouliang2017.linear", sphere.X, sphere.y, depth=3)
    with pytest.raises(UserInputError, match="--depth"):
        verify(reg, "zhouliang2017.linear", square.X, square.y)
    with pytest.raises(UserInputError, match="near-minimizer"):
        verify(reg, "zhouliang2017.linear", square.X, square.y, depth=2, near_minimizer=1.5)
    assert main(["verify", "zhouliang2017.linear", "--dataset", "sphere:n=10,d=6",
                 "--depth", "3"]) == 2
    assert "square" in capsys.readouterr().err
    assert np.isfinite(square.X).all()
