"""The API and the CLI are one code path: `check_dataset` and `prooftools check` judge the same
hypotheses of a statement and the statements it rests on, with the same verdicts and margins."""

import json

import pytest

from prooftools import api
from prooftools.cli import main


@pytest.fixture(scope="module")
def reg():
    return api.load_registry()


@pytest.fixture(scope="module")
def wine():
    return api.load_dataset("wine")


def _cli_check(capsys, *argv) -> dict:
    assert main(["check", *argv, "--format", "json", "--no-cache"]) == 0
    return json.loads(capsys.readouterr().out)


def _rows(hypotheses) -> list[tuple]:
    return [(h["statement"], h["hypothesis"], h["verdict"], h["margin"]) for h in hypotheses]


@pytest.mark.parametrize("sid", ["du2019.thm4.1", "du2019.lemma3.1", "allenzhu2019.thm1",
                                 "zou2018.thm4.1"])
def test_check_dataset_and_the_cli_judge_the_same_hypotheses(capsys, reg, wine, sid):
    got = api.check_dataset(wine, reg, [sid], cache=False, progress=False)
    shown = _cli_check(capsys, "wine", "--theorem", sid)
    assert _rows(got.hypotheses) == _rows(shown["hypotheses"])
    assert [s["hypothesis"] for s in got.skipped] == [s["hypothesis"] for s in shown["skipped"]]
    # the statements it rests on are judged too: the chain's own statements appear
    chain = {*reg.dependencies(sid), sid}
    assert {h["statement"] for h in got.hypotheses} <= chain


def test_a_theorem_brings_its_proof_chain(reg, wine):
    """du2019.thm4.1 has no data hypothesis of its own; those of its chain (the setting's unit
    norm and bounded labels, λ0 > 0) are judged, as `check --theorem` always did."""
    got = api.check_dataset(wine, reg, ["du2019.thm4.1"], cache=False, progress=False)
    assert [(h["statement"], h["hypothesis"]) for h in got.hypotheses] == [
        ("du2019.setting", "unit_norm"), ("du2019.setting", "bounded_labels"),
        ("du2019.asm3.1", "lambda0_positive")]
    own = api.check_dataset(wine, reg, ["du2019.asm3.1"], cache=False, progress=False)
    assert [(h["statement"], h["hypothesis"]) for h in own.hypotheses] == [
        ("du2019.asm3.1", "lambda0_positive")]
