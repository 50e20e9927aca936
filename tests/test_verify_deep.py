"""verify() on the deep ReLU papers (Zou et al., Allen-Zhu et al.): runs, failures, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from prooftools.api import verify
from prooftools.checking.verdict import Verdict
from prooftools.cli import main
from prooftools.errors import UserInputError
from prooftools.numerics.data.datasets import load_dataset
from prooftools.reporting.tables import FORMATS
from prooftools.reporting.verify_reports import plot_report, render_report
from prooftools.theory import load_registry


@pytest.fixture(scope="module")
def reg():
    return load_registry()


@pytest.fixture(scope="module")
def zou_rep(reg):
    ds = load_dataset("breast_cancer")
    return verify(reg, "zou2018.thm4.1", ds.X[:40], ds.y[:40], width=32, depth=2, steps=12,
                  lr=0.05, loss="cross-entropy", eps=0.69, progress=False)


def test_zou_chain_is_judged_with_its_observables(reg, zou_rep):
    ids = {*reg.dependencies("zou2018.thm4.1"), "zou2018.thm4.1"}
    assert set(zou_rep.graph) == ids
    assert zou_rep.verdict("zou2018.asm3.4", "unit_norm") == Verdict.HOLDS
    assert zou_rep.verdict("zou2018.asm3.4", "last_coordinate") == Verdict.HOLDS
    assert zou_rep.verdict("zou2018.setup", "binary_labels") == Verdict.HOLDS
    assert zou_rep.data["zou_p"] == 1.0 and zou_rep.data["zou_alpha0_inv"] == 2.0
    assert zou_rep.data["K_zou"] == 12 and zou_rep.data["zou_M"] == 32
    obs = zou_rep.trajectory.observables
    for name in ("zou_dist_spec_max", "zou_flip_max", "zou_sum_lprime", "zou_W_norm"):
        assert name in obs
    assert obs["zou_dist_spec_max"][0] == 0.0
    # sum |ℓ'| at k = 0 equals the independent closed form from the recorded outputs' margins
    assert 0 < obs["zou_sum_lprime"][0] <= 40
    assert any("not measured" in line for line in zou_rep.lines)  # e.g. zou_sparse_out
    j = zou_rep.to_dict()
    json.dumps(j)
    for fmt in FORMATS:
        assert "zou2018.thm4.1" in render_report(zou_rep, fmt)


def test_zou_huge_step_breaks_loss_eps(reg):
    ds = load_dataset("breast_cancer")
    rep = verify(reg, "zou2018.thm4.1", ds.X[:40], ds.y[:40], width=32, depth=2, steps=6,
                 lr=50.0, eps=0.69, progress=False)
    item = rep.item("zou2018.thm4.1", "loss_eps").judgement
    assert item.verdict == Verdict.FAILS
    assert rep.verdict("zou2018.thm4.1", "eta") == Verdict.UNKNOWN  # hidden constant: range only
    assert "C_zou_gd_eta" in rep.item("zou2018.thm4.1", "eta").judgement.implied_constants


def test_allenzhu_rate_holds_then_fails_above_the_step(reg, tmp_path):
    ds = load_dataset("sphere:n=10,d=6")
    good = verify(reg, "allenzhu2019.thm1", ds.X, ds.y, width=64, depth=2, steps=15, lr=1e-3,
                  progress=False)
    rate = good.item("allenzhu2019.thm1", "linear_rate").judgement
    assert rate.verdict == Verdict.UNKNOWN  # C_az_rate hidden: admissible range reported
    assert any("all indices" in k for k in rate.implied_constants)
    assert good.verdict("allenzhu2019.lemma4.1", "norm_upper") in (Verdict.HOLDS, Verdict.FAILS)
    assert sorted(p.rsplit(".", 1)[1] for p in plot_report(good, tmp_path)) == ["pdf", "png"]
    bad = verify(reg, "allenzhu2019.thm1", ds.X, ds.y, width=64, depth=2, steps=15, lr=5.0,
                 progress=False)
    rate = bad.item("allenzhu2019.thm1", "linear_rate").judgement
    assert rate.verdict == Verdict.FAILS  # no single constant makes (1 − Cηδm/(dn²))^k fit
    assert rate.first_failure is not None and rate.first_failure >= 1
    assert bad.first_failing_link is not None


@pytest.mark.slow  # ~20 s of deep SGD training: make test-all
def test_sgd_theorem_records_minibatch_observables(reg):
    ds = load_dataset("digits:0-vs-1")
    rep = verify(reg, "zou2018.thm4.5", ds.X[:40], ds.y[:40], width=16, depth=2, steps=5,
                 batch_size=8, lr=0.01, progress=False)
    assert rep.config["algorithm"] == "sgd" and rep.data["b"] == 8
    obs = rep.trajectory.observables
    assert np.all(obs["zou_batch_sum_lprime"][:-1] <= obs["zou_sum_lprime"][:-1] + 1e-12)


def test_bad_input_is_one_line(reg, capsys):
    ds = load_dataset("sphere:n=10,d=6")
    with pytest.raises(UserInputError, match="--depth"):
        verify(reg, "zou2018.thm4.1", ds.X, np.sign(ds.y), width=16, steps=2)
    wine = load_dataset("wine")
    with pytest.raises(UserInputError, match="2 label classes"):
        verify(reg, "zou2018.thm4.1", wine.X, wine.y, width=16, depth=2, steps=2)
    with pytest.raises(UserInputError, match="--batch"):
        verify(reg, "zou2018.thm4.5", ds.X, np.sign(ds.y), width=16, depth=2, steps=2)
    assert main(["verify", "zou2018.thm4.1", "--dataset", "wine", "--width", "16",
                 "--steps", "2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
