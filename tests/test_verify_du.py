"""verify() end to end on Du et al.: verdicts that hold, that fail, and that are not guaranteed."""

from __future__ import annotations

import json

import numpy as np
import pytest

from prooftools.api import verify
from prooftools.checking.verdict import Verdict, Why
from prooftools.cli import main
from prooftools.engines.two_layer import _lambda_max_inf
from prooftools.errors import UserInputError
from prooftools.numerics.data.datasets import load_dataset
from prooftools.reporting.tables import FORMATS
from prooftools.reporting.verify_reports import plot_report, render_report
from prooftools.theory import load_registry

THM = "du2019.thm4.1"


@pytest.fixture(scope="module")
def reg():
    return load_registry()


@pytest.fixture(scope="module")
def sphere():
    return load_dataset("sphere:n=12,d=30")


@pytest.fixture(scope="module")
def healthy(reg, sphere):
    return verify(reg, THM, sphere.X, sphere.y, width=1024, steps=100, seed=1, progress=False)


def test_healthy_run_holds(healthy):
    assert healthy.verdict(THM, "linear_rate") == Verdict.HOLDS
    assert healthy.verdict(THM, "step_size") == Verdict.HOLDS  # default η = λ0/(4n²)
    assert healthy.verdict("du2019.step4.1", "step_size") == Verdict.HOLDS
    assert healthy.verdict("du2019.asm3.1", "lambda0_positive") == Verdict.HOLDS
    assert healthy.verdict("du2019.cond4.1", "decay_so_far") == Verdict.HOLDS
    assert healthy.verdict("du2019.lemma3.2", "gram_eigenvalue") == Verdict.HOLDS
    lam = healthy.data["lambda0"].lower
    assert healthy.config["eta"] == pytest.approx(lam / (4 * 12**2), rel=1e-12)
    assert healthy.config["eta"] <= lam / (4 * 12**2)
    # the width hypothesis has a hidden constant: its implied range C ≤ m λ0⁴ δ³ / n⁶
    width = healthy.item(THM, "width").judgement
    assert width.verdict == Verdict.UNKNOWN
    op, val = width.implied_constants["C_du_m"].split()
    lam0 = healthy.data["lambda0"].value
    assert op == "<=" and float(val) == pytest.approx(1024 * lam0**4 * 0.1**3 / 12**6, rel=1e-3)
    # lemma 4.1 is a Markov bound (probability 1 − δ): a seed may legitimately fail it
    assert THM not in healthy.failing_links


def test_every_statement_of_the_chain_is_judged(reg, healthy):
    judged = {it.judgement.statement for it in healthy.items}
    assert judged == {*reg.dependencies(THM), THM} - {"du2019.lemmaA.1"} or judged >= {
        *reg.dependencies(THM), THM}
    assert set(healthy.graph) == {*reg.dependencies(THM), THM}


def test_report_dict_and_renderings(healthy, tmp_path):
    d = healthy.to_dict()
    assert d["statement"] == THM
    row = d["verdicts"][0]
    assert {"statement", "kind", "inequality", "verdict", "margin", "first_failure"} <= set(row)
    assert len(d["trajectory"]["resid_sq"]) == len(d["trajectory"]["index"])
    cfg = d["config"]
    assert {"numpy", "scipy", "sympy", "prooftools"} <= set(cfg["versions"])
    assert cfg["seed"] == 1 and cfg["algorithm"] == "gd" and cfg["constants"] == "derived"
    json.dumps(d)  # JSON-serializable as is
    for fmt in FORMATS:
        text = render_report(healthy, fmt)
        assert "linear" in text and "holds" in text
    paths = plot_report(healthy, tmp_path)
    assert sorted(p.rsplit(".", 1)[1] for p in paths) == ["pdf", "png"]
    assert all((tmp_path / p.rsplit("/", 1)[1]).stat().st_size > 1000 for p in paths)


def test_step_size_beyond_two_over_lambda_max_breaks_the_rate(reg, sphere, healthy):
    eta = 2.5 / _lambda_max_inf(sphere.X)
    rep = verify(reg, THM, sphere.X, sphere.y, width=512, steps=25, lr=eta, seed=1,
                 progress=False)
    rate = rep.item(THM, "linear_rate")
    assert rate.judgement.verdict == Verdict.FAILS
    assert rate.judgement.first_failure is not None and rate.judgement.first_failure >= 1
    assert f"{THM}:step_size" in rate.judgement.why(Why.NOT_A_COUNTEREXAMPLE).subjects
    assert rep.verdict(THM, "step_size") == Verdict.FAILS
    assert rep.config["overridden"]["eta"]["value"] == eta
    assert rep.first_failing_link is not None
    assert rep.to_dict()["verdicts"][-1]["first_failure"] == rate.judgement.first_failure
    # every report format says so, not only the JSON; a run whose hypotheses hold does not
    for fmt in ("text", "markdown"):
        shown = render_report(rep, fmt).replace("\\_", "_")  # Markdown escapes _
        assert f"{THM}:linear_rate fails, not a counterexample: hypotheses failed: " \
               f"{THM}:step_size" in shown
    assert r"linear\_rate fails, not a counterexample" in render_report(rep, "latex")
    assert "not a counterexample" not in render_report(healthy, "text")


def test_narrow_width_breaks_the_radius_condition(reg, sphere):
    rep = verify(reg, THM, sphere.X, sphere.y, width=4, steps=60, seed=1, progress=False)
    assert rep.verdict("du2019.step4.1", "radius_condition") == Verdict.FAILS
    contraction = rep.item("du2019.step4.1", "contraction")
    assert contraction.judgement.verdict in (Verdict.NOT_GUARANTEED, Verdict.FAILS)
    if contraction.measured != Verdict.FAILS:
        assert contraction.judgement.verdict == Verdict.NOT_GUARANTEED
        assert "du2019.step4.1:radius_condition" in \
            contraction.judgement.why(Why.HYPOTHESIS_FAILED).subjects
    assert rep.graph["du2019.step4.1"] in ("not guaranteed", "fails")


@pytest.mark.parametrize("spec", ["duplicates:n=10,d=20", "parallel:n=10,d=20"])
def test_lambda0_zero_makes_everything_needing_it_unguaranteed(reg, spec):
    ds = load_dataset(spec)
    rep = verify(reg, THM, ds.X, ds.y, width=256, steps=20, progress=False)
    assert rep.verdict("du2019.asm3.1", "lambda0_positive") in (Verdict.UNKNOWN, Verdict.FAILS)
    assert "fallback" in rep.config["eta_source"]  # λ0/(4n²) is no step size at λ0 ≈ 0
    for sid, name in ((THM, "linear_rate"), ("du2019.lemma3.1", "init_eigenvalue")):
        assert rep.verdict(sid, name) in (Verdict.UNKNOWN, Verdict.NOT_GUARANTEED, Verdict.FAILS)
    rate = rep.item(THM, "linear_rate").judgement
    if rate.verdict != Verdict.FAILS:
        named = {s for r in rate.reasons for s in r.subjects}  # failed or undecided
        assert "du2019.asm3.1:lambda0_positive" in named


def test_permuting_samples_leaves_every_verdict_unchanged(reg, sphere, healthy):
    perm = np.random.default_rng(5).permutation(sphere.n)
    rep = verify(reg, THM, sphere.X[perm], sphere.y[perm], width=1024, steps=100, seed=1,
                 progress=False)
    key = [(it.judgement.statement, it.judgement.item, it.judgement.verdict) for it in rep.items]
    assert key == [(it.judgement.statement, it.judgement.item, it.judgement.verdict)
                   for it in healthy.items]


def test_normalization_is_applied_and_listed(reg):
    rng = np.random.default_rng(0)
    X = 3.0 * rng.standard_normal((6, 8))
    rep = verify(reg, THM, X, rng.standard_normal(6), width=128, steps=10, progress=False)
    assert rep.changes and "unit_norm" in rep.changes[0]
    assert rep.verdict("du2019.setting", "unit_norm") == Verdict.HOLDS


def test_gradient_flow_theorem(reg):
    """Gradient flow through ReLU kinks at verify's default ODE tolerance (1e-6)."""
    ds = load_dataset("sphere:n=6,d=10")
    rep = verify(reg, "du2019.thm3.2", ds.X, ds.y, width=64, steps=8, stride=4,
                 progress=False)
    assert rep.config["algorithm"] == "flow"
    assert rep.verdict("du2019.thm3.2", "linear_rate") == Verdict.HOLDS
    assert rep.verdict("du2019.lemma3.3", "eigenvalue_floor") == Verdict.HOLDS


def test_flow_statement_runs_the_flow_engine(reg):
    """thm3.2 is tagged gradient_flow: verify asks the engine for algorithm='flow' (stub run)."""
    from prooftools.numerics.trajectory import Trajectory

    seen = {}

    def fake_run(X, y, *, width, steps, lr, seed, algorithm, **kw):
        seen.update(algorithm=algorithm, lr=lr)
        t = np.arange(steps + 1) * lr
        r0 = float(np.sum(y**2))
        obs = {"resid_sq": r0 * np.exp(-2.0 * t), "dist_max": 1e-3 * t,
               "ntk_min": np.full(t.shape, 10.0), "ntk_dev": np.zeros(t.shape),
               "loss_ratio": np.full(t.shape, 0.5)}
        return Trajectory(config={"index": "t", "eta": lr}, index=t, observables=obs,
                          scalars={"ntk_init_dev": 0.0})

    ds = load_dataset("sphere:n=6,d=10")
    rep = verify(reg, "du2019.thm3.2", ds.X, ds.y, width=64, steps=8, run=fake_run)
    assert seen["algorithm"] == "flow"
    assert rep.verdict("du2019.thm3.2", "linear_rate") == Verdict.HOLDS  # exp(-2t) ≤ exp(-λ0 t)
    assert rep.verdict("du2019.lemma3.3", "eigenvalue_floor") == Verdict.HOLDS


def test_bad_input(reg, sphere):
    with pytest.raises(UserInputError):
        verify(reg, THM, sphere.X, sphere.y, width=16, steps=5, delta=1.5)
    with pytest.raises(UserInputError):
        verify(reg, THM, sphere.X, sphere.y[:3], width=16, steps=5)
    with pytest.raises(UserInputError):
        verify(reg, THM, sphere.X, sphere.y, width=16, steps=5, overrides={"resid_sq": 1})


def test_cli_verify_json_and_errors(capsys):
    rc = main(["verify", THM, "--dataset", "sphere:n=8,d=12", "--width", "256", "--steps", "30",
               "--format", "json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["statement"] == THM and out["verdicts"]
    assert main(["verify", THM, "--dataset", "nope:n=3", "--width", "8", "--steps", "3"]) == 2
    assert "unknown dataset" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["verify", THM, "--dataset", "sphere", "--width", "0", "--steps", "3"])


BOGUS = '''
format = 1
[paper]
key = "bogus"
title = "A deliberately false lemma on top of Du et al.'s network"

[[statements]]
id = "halving"
kind = "lemma"
title = "The residual halves at every step (false)"
source = "test"
provenance = "recollection"
[statements.tags]
network = "two_layer_relu"
algorithm = "gd"
[[statements.conclusions]]
name = "halves"
expr = "resid_sq(k) <= resid_sq(0) / 2**k"
forall = ["k"]

[[statements]]
id = "thm"
kind = "theorem"
title = "Uses the false lemma"
source = "test"
provenance = "recollection"
uses = ["halving"]
[statements.tags]
network = "two_layer_relu"
algorithm = "gd"
[[statements.conclusions]]
name = "no_increase"
expr = "resid_sq(k) <= resid_sq(0)"
forall = ["k"]
'''


def test_first_failing_link_is_the_refuted_lemma(tmp_path, sphere):
    """A lemma whose claim fails while everything it uses holds is named as the first link."""
    (tmp_path / "bogus.toml").write_text(BOGUS, encoding="utf-8")
    reg = load_registry(extra_dirs=[tmp_path])
    rep = verify(reg, "bogus.thm", sphere.X, sphere.y, width=256, steps=20, lr=1e-3, seed=0,
                 progress=False)
    assert rep.verdict("bogus.halving", "halves") == Verdict.FAILS
    assert rep.verdict("bogus.thm", "no_increase") == Verdict.HOLDS
    assert rep.first_failing_link == "bogus.halving"


def test_latex_report_typesets_each_inequality_from_its_sympy_condition(healthy):
    """The inequality column is math with the registry's names, not the Python source text."""
    tex = render_report(healthy, "latex")
    assert r"\lambda_0" in tex and r"resid\_\allowbreak{}sq" not in tex
    assert r"\|H(0)-H^\infty\|_2 \leq" in tex.replace(" ", "").replace(r"\leq", r" \leq")
    assert "()" not in tex  # a scalar observable prints as its name, with no empty call
    # the text form keeps the statement's own source text
    assert "resid_sq(k) <= (1 - eta*lambda0/2)**k * resid_sq(0)" in render_report(healthy, "text")
