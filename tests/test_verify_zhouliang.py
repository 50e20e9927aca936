"""verify() on Zhou & Liang: sampled points near a full-rank minimizer, probes outside."""

from __future__ import annotations

import numpy as np
import pytest

from prooftools.api import verify
from prooftools.checking.verdict import Verdict
from prooftools.cli import main
from prooftools.errors import UserInputError
from prooftools.numerics.data.datasets import load_dataset
from prooftools.numerics.networks.linear import network as zl
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


# ----------------------------------------------------------------------------- one hidden layer

ONE_HIDDEN = ("zhouliang2017.one_hidden", "zhouliang2017.regularity_one_hidden",
              "zhouliang2017.min_one_hidden_block")


def _leaky(z):
    return np.where(z > 0, z, 0.1 * z)


@pytest.mark.parametrize("sid", ONE_HIDDEN)
def test_one_hidden_holds(reg, square, sid):
    rep = verify(reg, sid, square.X, square.y, near_minimizer=0.1, points=8)
    assert all(v == "holds" for v in rep.graph.values()), rep.graph
    assert not any("not measured" in line for line in rep.lines)
    for it in rep.items:
        assert it.judgement.verdict == Verdict.HOLDS, it.judgement
    obs = rep.trajectory.observables
    assert obs["zl_nbhd"][1:9].max() <= 0.1 < obs["zl_nbhd"][9:].min()  # inside, then outside
    # the fixed feature matrix of the regularity direction: Φ = leaky(I·X), by hand
    s = np.linalg.svd(_leaky(square.X.T), compute_uv=False)
    assert rep.data["zl_sigma_min_Z"] == pytest.approx(s[-1])
    assert rep.data["zl_sigma_max_Z"] == pytest.approx(s[0])
    assert obs["zl_excess_W2"][0] == 0 and obs["zl_reg_ratio"][0] == 1


def test_one_hidden_observables_against_independent_truth():
    """Excess = direct loss difference at W_2♯ = YΦᵀ(ΦΦᵀ)⁻¹; gradients = finite differences."""
    rng = np.random.default_rng(3)
    d, n = 4, 7
    X, Y = rng.standard_normal((d, n)), rng.standard_normal((d, n))
    W1, W2 = rng.standard_normal((d, d)), rng.standard_normal((d, d))
    ob = zl.square_net_block_observables(W1, W2, X, Y, "tanh")
    Phi = np.tanh(W1 @ X)
    W2s = Y @ Phi.T @ np.linalg.inv(Phi @ Phi.T)
    direct = 0.5 * np.sum((W2 @ Phi - Y) ** 2) - 0.5 * np.sum((W2s @ Phi - Y) ** 2)
    assert ob["excess_W2"] == pytest.approx(direct, rel=1e-10)
    h, fd = 1e-5, np.zeros((d, d))  # f is quadratic in W_2: central differences are exact
    for i in range(d):
        for j in range(d):
            E = np.zeros((d, d))
            E[i, j] = h
            fd[i, j] = (zl.square_net_loss(W1, W2 + E, X, Y, "tanh")
                        - zl.square_net_loss(W1, W2 - E, X, Y, "tanh")) / (2 * h)
    assert ob["grad_W2_sq"] == pytest.approx(np.sum(fd**2), rel=1e-7)
    assert ob["sigma_min_Phi"] == pytest.approx(np.linalg.svd(Phi, compute_uv=False)[-1])
    r = zl.square_net_block_regularity(W1, W2, X, Y, "tanh")
    assert r["grad_sq"] == pytest.approx(np.sum(fd**2), rel=1e-7)
    assert r["inner"] == pytest.approx(np.sum(fd * (W2 - W2s)), rel=1e-7)
    # n > d (not realizable): verify still runs and holds
    rep = verify(load_registry(), "zhouliang2017.regularity_one_hidden", X.T, Y.T,
                 near_minimizer=0.2, points=4, activation="tanh")
    assert rep.graph["zhouliang2017.regularity_one_hidden"] == "holds"


def test_one_hidden_fails_when_it_should(reg, square):
    # α = 1/(2σ_max(Z)²) made 10⁴ times too large: the regularity inequality is violated
    smax = np.linalg.svd(_leaky(square.X.T), compute_uv=False)[0]
    rep = verify(reg, "zhouliang2017.regularity_one_hidden", square.X, square.y,
                 near_minimizer=0.1, points=6, overrides={"zl_sigma_max_Z": smax / 100})
    assert rep.verdict("zhouliang2017.regularity_one_hidden", "regularity") == Verdict.FAILS
    assert rep.graph["zhouliang2017.regularity_one_hidden"] == "fails"
    # block dominance with a σ_min(Φ) ten times too large (curvature 100× overstated) fails
    from prooftools.checking.judge import judge_condition

    ok = verify(reg, "zhouliang2017.one_hidden", square.X, square.y, points=6)
    cond = next(c for c in reg.get("zhouliang2017.one_hidden").conclusions
                if c.name == "block_gradient_dominance")
    traj = ok.trajectory
    traj.observables["zl_sigma_min_Phi"] = 10 * traj.observables["zl_sigma_min_Phi"]
    assert judge_condition(cond, ok.data, trajectory=traj).verdict == Verdict.FAILS


def test_one_hidden_bad_input(reg, square, capsys):
    sphere = load_dataset("sphere:n=10,d=6")
    with pytest.raises(UserInputError, match="square"):
        verify(reg, "zhouliang2017.one_hidden", sphere.X, sphere.y)
    with pytest.raises(UserInputError, match="activation"):
        verify(reg, "zhouliang2017.one_hidden", square.X, square.y, activation="cube")
    with pytest.raises(UserInputError, match="--depth"):
        verify(reg, "zhouliang2017.one_hidden", square.X, square.y, depth=3)
    with pytest.raises(UserInputError, match="near-minimizer"):
        verify(reg, "zhouliang2017.one_hidden", square.X, square.y, near_minimizer=1.0)
    assert main(["verify", "zhouliang2017.one_hidden", "--dataset", "sphere:n=10,d=6"]) == 2
    err = capsys.readouterr().err.strip()
    assert "square" in err and len(err.splitlines()) == 1
