"""verify() on Chatterjee's criterion and GD theorem; replicate chatterjee."""

from __future__ import annotations

import pytest

from prooftools.api import verify
from prooftools.checking.verdict import Verdict, Why
from prooftools.cli import main
from prooftools.errors import UserInputError
from prooftools.numerics.networks.smooth import network as ch
from prooftools.numerics.replication.chatterjee import default_dataset
from prooftools.theory import load_registry


@pytest.fixture(scope="module")
def reg():
    return load_registry()


@pytest.fixture(scope="module")
def data():
    return default_dataset(4, 8, seed=0)


def test_large_scale_meets_the_criterion_and_the_rate_holds(reg, data):
    X, y = data
    rep = verify(reg, "chatterjee.gd", X, y, width=8, depth=2, steps=60, scale=30.0, radius=1.0,
                 init="positive")
    assert rep.verdict("chatterjee.gd", "gd_criterion") == Verdict.HOLDS
    assert rep.verdict("chatterjee.gd", "step_size") == Verdict.HOLDS
    assert rep.verdict("chatterjee.gd", "linear_rate") == Verdict.HOLDS
    assert rep.verdict("chatterjee.gd", "descent") == Verdict.HOLDS  # loss(k + 1) is judged
    # α in the report is the numerics' estimate; the criterion's sides are 4 f(x0) and r²α
    item = rep.item("chatterjee.gd", "gd_criterion").judgement
    assert item.lhs == pytest.approx(4 * rep.trajectory.observables["loss"][0])
    assert rep.data["ch_w1_init"] == 0 and rep.data["ch_hidden_min"] > 0


def test_small_scale_fails_the_criterion(reg, data):
    X, y = data
    rep = verify(reg, "chatterjee.network_threshold", X, y, width=8, depth=2, steps=20,
                 scale=0.05, radius=1.0)
    crit = rep.item("chatterjee.criterion", "criterion").judgement
    assert crit.verdict == Verdict.FAILS  # 4 f(x0) ≥ r² α: rigorous, α is an upper estimate
    assert rep.first_failing_link == "chatterjee.criterion"


def test_step_above_two_over_beta_breaks_the_rate(reg, data):
    X, y = data
    prob = ch.SmoothMLP(X, y, 8, 2, "tanh")
    beta = ch.hessian_norm(prob, ch.positive_init(prob, 30.0, 0))
    rep = verify(reg, "chatterjee.gd", X, y, width=8, depth=2, steps=30, scale=30.0,
                 lr=2.5 / beta)
    assert rep.verdict("chatterjee.gd", "step_size") == Verdict.FAILS
    # the loss grows: the per-step contraction q = 1 − αη(1 − βη/2) is broken ...
    one = rep.item("chatterjee.gd", "one_step").judgement
    assert one.verdict == Verdict.FAILS and one.first_failure is not None
    assert "chatterjee.gd:step_size" in one.why(Why.NOT_A_COUNTEREXAMPLE).subjects  # η < 2/β
    # ... while the k-step bound q^k f(x0) is vacuous (q > 1 once βη > 2): it cannot fail
    assert rep.item("chatterjee.gd", "linear_rate").measured == Verdict.HOLDS
    assert rep.trajectory.observables["loss"][5] > rep.trajectory.observables["loss"][0]


def test_find_scale_and_random_init(reg, data):
    X, y = data
    rep = verify(reg, "chatterjee.gd", X, y, width=8, depth=2, steps=10, find_scale=True)
    assert any("smallest output scale" in line for line in rep.lines)
    rnd = verify(reg, "chatterjee.gd", X, y, width=8, depth=2, steps=10, init="random")
    assert "ch_s" not in rnd.data and rnd.config["init"] == "random"


def test_bad_input_and_replicate(reg, data, tmp_path, capsys, monkeypatch):
    X, y = data
    with pytest.raises(UserInputError, match="--depth"):
        verify(reg, "chatterjee.gd", X, y, width=8)
    with pytest.raises(UserInputError, match="init"):
        verify(reg, "chatterjee.gd", X, y, width=8, depth=2, init="zeros")
    from prooftools.numerics.replication import chatterjee as rc

    # the CLI's default setting at a test-sized problem (the default itself takes ~20-30 s)
    monkeypatch.setattr(rc, "DEFAULT_SIZES", (rc.Size(3, 6, 4, 2),))
    monkeypatch.setattr(rc, "DEFAULT_SEEDS", 3)
    monkeypatch.setattr(rc, "DEFAULT_STEPS", 120)
    assert main(["replicate", "chatterjee", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "reach and STAY" in out and "own" in out and "common" in out
    assert "RESULT: speed-up" in out and ("reproduced at" in out or "NOT reproduced" in out)
    assert (tmp_path / "chatterjee_loss_curves.png").stat().st_size > 1000
    assert (tmp_path / "chatterjee_replication.json").stat().st_size > 100
