"""`check --set`: user values make parameter hypotheses judgeable, their verdicts follow the
closed form in both directions, overrides of measured quantities are marked, bad values are one
line.

The data: the standard basis e_1..e_4 of R^4. Du et al.'s H^∞_ij = x_i·x_j (π − arccos x_i·x_j)
/ (2π) is then I/2 exactly, so λ0 = 1/2 and Du et al.'s step-size hypothesis
η ≤ λ0 / (4 n²) holds exactly for η ≤ 1/128.
"""

import json

import numpy as np
import pytest

from prooftools.checking.data_hypotheses import check_dataset
from prooftools.cli import main
from prooftools.errors import UserInputError
from prooftools.numerics.data.datasets import make_dataset

LAMBDA0 = 0.5  # closed form: H^∞ = I/2 for orthonormal inputs
N = 4


@pytest.fixture(scope="module")
def registry():
    from prooftools.theory import load_registry

    return load_registry()


@pytest.fixture(scope="module")
def basis():
    return make_dataset(np.eye(N), np.array([2.0, -1.0, 1.0, -1.0]), name="basis")


def _one(report, sid, name):
    (h,) = [h for h in report.hypotheses if (h["statement"], h["hypothesis"]) == (sid, name)]
    return h


def test_without_a_value_the_parameter_hypothesis_is_skipped(registry, basis):
    r = check_dataset(basis, registry, ["du2019.step4.1"])
    assert not [h for h in r.hypotheses if h["hypothesis"] == "step_size"]
    (skip,) = [s for s in r.skipped if s["hypothesis"] == "step_size"]
    assert "eta (parameter)" in skip["reason"] and "--set" in skip["reason"]


@pytest.mark.parametrize("eta, verdict", [
    (LAMBDA0 / (4 * N**2) * 0.99, "holds"),
    (LAMBDA0 / (4 * N**2) * 1.01, "fails"),
    (1e-9, "holds"),
    (1.0, "fails"),
])
def test_step_size_verdict_follows_the_closed_form(registry, basis, eta, verdict):
    r = check_dataset(basis, registry, ["du2019.step4.1"], values={"eta": eta})
    h = _one(r, "du2019.step4.1", "step_size")
    assert h["verdict"] == verdict
    assert h["value"]["eta"] == eta and h["user_supplied"] == ["eta"]
    assert h["value"]["lambda0"] == pytest.approx(LAMBDA0, rel=1e-12)
    assert r.supplied == {"eta": {"value": eta, "role": "parameter", "used": True}}


@pytest.mark.parametrize("b, verdict", [(N, "holds"), (N + 1, "fails"), ("1e0", "holds")])
def test_batch_size_at_most_n(registry, basis, b, verdict):
    r = check_dataset(basis, registry, ["allenzhu2019.thm2"], values={"b": b})
    assert _one(r, "allenzhu2019.thm2", "batch")["verdict"] == verdict


@pytest.mark.parametrize("c, verdict", [(None, "unknown"), (2.5, "holds"), (1.5, "fails")])
def test_a_set_constant_replaces_the_implied_range(registry, basis, c, verdict):
    values = {} if c is None else {"C_du_y": c}
    r = check_dataset(basis, registry, ["du2019.setting"], values=values)
    h = _one(r, "du2019.setting", "bounded_labels")  # y_max = 2 <= C_du_y
    assert h["verdict"] == verdict
    assert bool(h["implied_constants"]) == (c is None)


def test_override_of_a_measured_quantity_is_marked_and_not_measured(registry, basis):
    r = check_dataset(basis, registry, ["du2019.asm3.1"], values={"lambda0": 0})
    h = _one(r, "du2019.asm3.1", "lambda0_positive")
    assert h["verdict"] == "fails" and h["user_supplied"] == ["lambda0"]
    assert "lambda0" not in r.quantities["unit_norm"]  # the user's number, not a measurement
    assert "ar_complexity" not in r.quantities["unit_norm"]
    assert r.to_dict()["set"]["lambda0"] == {"value": 0.0, "role": "data", "used": True}


def test_cli_set_changes_the_verdict_and_says_so(capsys, basis, tmp_path):
    path = tmp_path / "basis.npz"
    np.savez(path, X=basis.X, y=basis.y)
    base = ["check", str(path), "--theorem", "du2019.step4.1", "--wide", "--format", "json"]
    assert main([*base, "--set", "eta=0.0077", "delta=0.05"]) == 0
    out = json.loads(capsys.readouterr().out)
    (h,) = [h for h in out["hypotheses"] if h["hypothesis"] == "step_size"]
    assert h["verdict"] == "holds"
    assert out["set"]["delta"] == {"value": 0.05, "role": "parameter", "used": False}
    assert main([*base, "--set", "eta=0.0079"]) == 0
    out = json.loads(capsys.readouterr().out)
    (h,) = [h for h in out["hypotheses"] if h["hypothesis"] == "step_size"]
    assert h["verdict"] == "fails"
    assert main([*base[:-2], "--set", "eta=0.0079"]) == 0
    text = capsys.readouterr().out
    assert "eta=0.0079 (set)" in text
    assert "given with --set (user-supplied, not measured): eta=0.0079" in text


@pytest.mark.parametrize("item, message", [
    ("n=-5", "invalid value for n: -5 (expected a positive integer)"),
    ("m=2.5", "invalid value for m: 2.5 (expected a positive integer)"),
    ("delta=1.5", "invalid value for delta: 1.5 (expected a probability strictly between 0 and 1)"),
    ("eta=abc", "invalid value for eta: abc (expected a number > 0)"),
    ("lamda0=1", "unknown symbol 'lamda0' in the given values; did you mean lambda0"),
    ("resid_sq=1", "resid_sq is a measured observable, not a value that can be set"),
    ("n=5", "n is counted from the dataset; it cannot be set"),
    ("eta", "--set expects NAME=VALUE, got 'eta'"),
])
def test_bad_values_are_one_line_errors(capsys, item, message):
    assert main(["check", "sphere:n=5,d=3", "--set", item]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_api_refuses_out_of_domain_values(registry, basis):
    with pytest.raises(UserInputError, match="invalid value for delta"):
        check_dataset(basis, registry, ["du2019.step4.1"], values={"delta": 1.5})


@pytest.mark.parametrize("item, message", [
    ("b=1e400", "invalid value for b: 1e400 (beyond the floating-point range"),
    ("rank_X=3", "rank_X is counted from the dataset"),
    ("zl_rank_XXt=3", "zl_rank_XXt is counted from the dataset"),
])
def test_values_the_data_or_floats_contradict(capsys, item, message):
    assert main(["check", "sphere:n=5,d=3", "--set", item]) == 2
    assert message in capsys.readouterr().err


def test_an_unmeasured_integer_data_symbol_may_be_supplied(registry, basis):
    sym = registry.symbols["dd_p"]  # a data symbol no measurement produces
    assert sym.role == "data" and sym.domain == "positive_integer"
    r = check_dataset(basis, registry, ["du2019.setting"], values={"dd_p": 3})
    assert r.supplied["dd_p"]["value"] == 3.0
