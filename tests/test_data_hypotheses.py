"""check_dataset and `prooftools check`: data hypotheses judged on real and defective data."""

import json

import pytest

from prooftools.checking.data_hypotheses import check_dataset
from prooftools.cli import main
from prooftools.numerics.data.datasets import load_dataset
from prooftools.numerics.data.normalize import normalize_for


@pytest.fixture(scope="module")
def registry():
    theory = pytest.importorskip("prooftools.theory")
    return theory.load_registry()


def _verdicts(report):
    return {(h["statement"], h["hypothesis"]): h for h in report.hypotheses}


def test_separated_data_pass_du_and_zou(registry):
    ids = ["du2019.asm3.1", "du2019.thm3.1", "zou2018.asm3.5", "zou2018.asm3.4"]
    r = check_dataset(load_dataset("digits:0-vs-1"), registry, ids)
    v = _verdicts(r)
    assert v[("du2019.asm3.1", "lambda0_positive")]["verdict"] == "holds"
    assert v[("du2019.thm3.1", "non_parallel")]["verdict"] == "holds"
    assert v[("zou2018.asm3.5", "separation")]["verdict"] == "holds"
    assert v[("zou2018.asm3.4", "last_coordinate")]["verdict"] == "holds"
    assert any("unit norm" in c for c in r.changes["unit_norm"])


@pytest.mark.parametrize("spec, pair", [("duplicates:n=15,d=4", "i=0, j=14"),
                                        ("parallel:n=15,d=4", "i=0, j=1")])
def test_degenerate_data_fail_with_pair(registry, spec, pair):
    r = check_dataset(load_dataset(spec), registry, ["du2019.asm3.1", "allenzhu2019.asm2.1"])
    v = _verdicts(r)
    lam = v[("du2019.asm3.1", "lambda0_positive")]
    assert lam["verdict"] == "fails" and pair in lam["witness"]["lambda0"]
    assert v[("allenzhu2019.asm2.1", "separation")]["verdict"] == "fails"


def test_opposite_labels_fail_zou_separation(registry):
    r = check_dataset(load_dataset("opposite:n=12,d=3"), registry, ["zou2018.asm3.5"])
    h = _verdicts(r)[("zou2018.asm3.5", "separation")]
    assert h["verdict"] == "fails" and h["witness"]["phi"] == "i=0, j=11"


def test_parameter_hypotheses_are_skipped(registry):
    r = check_dataset(load_dataset("sphere:n=20,d=5"), registry, ["allenzhu2019.thm1"])
    # the theorem's own hypotheses name parameters (m, η, …): skipped, never judged (the data
    # hypotheses of the statements it rests on are judged, as by `check --theorem`)
    assert not [h for h in r.hypotheses if h["statement"] == "allenzhu2019.thm1"]
    own = [s for s in r.skipped if s["statement"] == "allenzhu2019.thm1"]
    assert own and all("parameter" in s["reason"] for s in own)


def test_hidden_constant_gives_implied_range(registry):
    r = check_dataset(load_dataset("sphere:n=20,d=5"), registry, ["du2019.setting"])
    h = _verdicts(r)[("du2019.setting", "bounded_labels")]
    assert h["verdict"] == "unknown" and "C_du_y" in h["implied_constants"]


def test_zhou_liang_full_rank(registry):
    ids = ["zhouliang2017.data_full_rank", "zhouliang2017.full_rank_minimizers"]
    v = _verdicts(check_dataset(load_dataset("synthetic-square:d=6"), registry, ids))
    assert all(h["verdict"] == "holds" for h in v.values())
    v = _verdicts(check_dataset(load_dataset("sphere:n=20,d=5"), registry, ids))
    assert v[("zhouliang2017.full_rank_minimizers", "rank_YXt")]["verdict"] == "fails"


def test_normalize_for_tags():
    ds = load_dataset("iris")
    out, ch = normalize_for(ds, "norm_le_1")
    assert (out.X ** 2).sum(axis=1).max() <= 1.0 and ch
    out, ch = normalize_for(load_dataset("digits:0-vs-1"), "unit_norm_last_coord",
                            classification=True)
    assert out.d == 65 and set(out.y.tolist()) == {-1.0, 1.0} and len(ch) == 2


def test_cli_check_and_datasets(registry, capsys):
    assert main(["check", "duplicates:n=10,d=3", "--theorem", "du2019.asm3.1",
                 "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["hypotheses"][0]["verdict"] == "fails"
    assert {"dataset", "quantities", "hypotheses"} <= set(out)
    assert main(["check", "iris", "--theorem", "du2019.thm3.1"]) == 0
    assert "non_parallel" in capsys.readouterr().out
    assert main(["datasets"]) == 0
    assert "mnist-like" in capsys.readouterr().out
    assert main(["check", "no-such-data"]) == 2
    assert "unknown dataset" in capsys.readouterr().err
