"""Zou et al.'s Corollaries 4.3 and 4.6 evaluate through their cases (issue 18, item 4).

Each corollary runs Theorem 4.1 (4.5) to ε = ℓ(0)/(2n) < ℓ(0)/n, where L_S ≤ ε forces every
margin positive. The file states one case per loss-class branch (``cor4.3.ainf_plt`` …): the
branch's bounds at that ε, with derivations that take the branch's derivations there. Checked
here: the case the given values select (and ``via``), the width against an independent mpmath
computation, the derive verdicts against the branch's, the cross-entropy instance written
independently in the file, a mutated lemma exponent, and the "needs zou_ell0" line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import mpmath
import pytest

from prooftools.cli import main
from prooftools.theory import load_registry
from prooftools.theory.bounds import evaluate_statement
from prooftools.theory.derivation import derive

BRANCHES = ["ainf_plt", "ainf_peq", "ainf_pgt", "afin_plt", "afin_peq", "afin_pgt"]
PAIRS = [("cor4.3", "thm4.1"), ("cor4.6", "thm4.5")]
ZOU = {"n": "1000", "L": "3", "delta": "0.1", "phi": "0.05", "zou_ell0": "0.693"}


@pytest.fixture(scope="module")
def reg():
    return load_registry()


@pytest.fixture(scope="module")
def derivations(reg):
    return {f"{s}.{b}": derive(reg, f"zou2018.{s}.{b}")
            for pair in PAIRS for s in pair for b in BRANCHES}


def by_name(results):
    return {bv.name: bv for bv in results}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    cap = capsys.readouterr()
    return status, cap.out, cap.err


def test_the_selected_case_gives_every_bound(reg):
    out = by_name(evaluate_statement(reg, "zou2018.cor4.3",
                                     {**ZOU, "zou_p": "0.5", "zou_alpha0_inv": "0"}))
    assert set(out) == {"width", "eta", "K_min", "K_max"}
    assert all(bv.value is not None for bv in out.values()), out
    assert out["width"].via == "zou2018.cor4.3.ainf_peq:width"
    assert out["K_min"].via == "zou2018.cor4.3.ainf_peq:K_min"
    assert "the one the given values select" in out["width"].notes[0]
    # SGD (the step size needs the batch size b)
    sgd = by_name(evaluate_statement(reg, "zou2018.cor4.6",
                                     {**ZOU, "zou_p": "0.75", "zou_alpha0_inv": "1", "b": "10"}))
    assert all(bv.value is not None for bv in sgd.values()), sgd
    assert sgd["width"].via == "zou2018.cor4.6.afin_pgt:width"


def test_width_matches_an_independent_computation(reg):
    """α0 = ∞, p = 1/2 at ε = ℓ(0)/(2n): m = n^25 log(2n/ℓ(0)) L^38/φ^8 · log(nLm/δ)^3 (the Õ
    log power the derivation gives), K = n^7 L^9 log(2n/ℓ(0))/φ², hidden constants 1."""
    out = by_name(evaluate_statement(reg, "zou2018.cor4.3",
                                     {**ZOU, "zou_p": "0.5", "zou_alpha0_inv": "0"}))
    mpmath.mp.dps = 40
    n, L, phi = mpmath.mpf(1000), mpmath.mpf(3), mpmath.mpf("0.05")
    delta, ell0 = mpmath.mpf("0.1"), mpmath.mpf("0.693")
    a = n**25 * mpmath.log(2 * n / ell0) * L**38 / phi**8
    c = mpmath.log(n * L / delta)
    m = mpmath.exp(mpmath.findroot(lambda x: x - mpmath.log(a) - 3 * mpmath.log(c + x),
                                   mpmath.log(a)))
    eta = phi / (n**3 * L**9 * m)
    k = n**7 * L**9 * mpmath.log(2 * n / ell0) / phi**2
    for name, want in (("width", m), ("eta", eta), ("K_min", k)):
        got = mpmath.mpf(out[name].decimal)
        assert abs(got / want - 1) < 1e-9, (name, got, want)


def test_p_above_half_matches_an_independent_computation(reg):
    """α0 < ∞, p = 3/4: m = (n^26 + n^(26−2p) (ℓ(0)/(2n))^(1−2p)) L^38/φ^8 · log(nLm/δ)^3."""
    out = by_name(evaluate_statement(reg, "zou2018.cor4.3",
                                     {**ZOU, "zou_p": "0.75", "zou_alpha0_inv": "1"}))
    assert out["width"].via == "zou2018.cor4.3.afin_pgt:width"
    mpmath.mp.dps = 40
    n, L, phi, p = mpmath.mpf(1000), mpmath.mpf(3), mpmath.mpf("0.05"), mpmath.mpf("0.75")
    eps = mpmath.mpf("0.693") / (2 * n)
    a = (n**26 + n**(26 - 2 * p) * eps**(1 - 2 * p)) * L**38 / phi**8
    c = mpmath.log(n * L / mpmath.mpf("0.1"))
    m = mpmath.exp(mpmath.findroot(lambda x: x - mpmath.log(a) - 3 * mpmath.log(c + x),
                                   mpmath.log(a)))
    assert abs(mpmath.mpf(out["width"].decimal) / m - 1) < 1e-9


@pytest.mark.parametrize("cor", ["cor4.3", "cor4.6"])
def test_cross_entropy_instance_is_the_case_at_p_1(reg, cor):
    """The file's cross-entropy corollary (written on its own, ε = log(2)/(2n)) is the α0 < ∞,
    p > 1/2 case at p = 1, ℓ(0) = log 2."""
    vals = {**ZOU, "zou_ell0": str(mpmath.log(2)), "zou_p": "1", "zou_alpha0_inv": "2", "b": "10"}
    case = by_name(evaluate_statement(reg, f"zou2018.{cor}.afin_pgt", vals))
    ce = by_name(evaluate_statement(reg, f"zou2018.{cor}.ce", vals))
    for name in ("width", "K_min", "K_closed_form"):
        assert abs(mpmath.mpf(case[name].decimal) / mpmath.mpf(ce[name].decimal) - 1) < 1e-9, name


@pytest.mark.parametrize("cor,thm", PAIRS)
@pytest.mark.parametrize("branch", BRANCHES)
def test_case_verdicts_are_the_branch_verdicts(derivations, cor, thm, branch):
    case, theorem = derivations[f"{cor}.{branch}"], derivations[f"{thm}.{branch}"]
    assert case.verdicts, cor
    assert case.verdicts == {k: v for k, v in theorem.verdicts.items() if k in case.verdicts}
    # the derived width is the branch's at ε = ℓ(0)/(2n): no ε left, ℓ(0) where ε was
    names = {s.name for s in case.derived["width"].free_symbols}
    assert "eps" not in names
    assert ("zou_ell0" in names) == ("eps" in {s.name for s in
                                               theorem.derived["width"].free_symbols})


def test_umbrella_width_branches_over_the_cases(derivations, reg):
    d = derive(reg, "zou2018.cor4.3")
    (res,) = [r for r in d.results if r.name == "width"]
    assert len(res.cases) == 6
    peq = dict((str(c), e) for c, e in res.cases)
    assert any("zou_ell0" in str(e) for e in peq.values())


def _mutant(tmp_path: Path, old: str, new: str) -> Path:
    src = Path(__file__).resolve().parent.parent / "theorems" / "zou2018.toml"
    text = src.read_text(encoding="utf-8")
    # the copy declares no symbols (they are global and already declared by the shipped file)
    text = re.sub(r"(?ms)^\[symbols\.[A-Za-z0-9_]+\]\n.*?(?=^\[)", "", text)
    text = text.replace('key = "zou2018"', 'key = "zoumut"', 1)
    assert old in text
    text = text.replace(old, new, 1)  # the first occurrence: the lemma, before its users
    d = tmp_path / "mine"
    d.mkdir()
    (d / "zoumut.toml").write_text(text, encoding="utf-8")
    return d


def test_mutated_lemma_exponent_is_reported_for_the_corollary(tmp_path, capsys):
    # Lemma 5.4 (α0 = ∞, p = 1/2): Kη ∝ n^4 log(1/ε) changed to n^5 log(1/ε)
    old = 'expr = "(C_zou_gd_Keta*n**4*log(1/eps))*log(n*L*m/delta)**a_zou_gd_Keta/(m*phi)/eta"'
    folder = _mutant(tmp_path, old, old.replace("n**4", "n**5"))
    status, out, err = run(capsys, "derive", "zoumut.cor4.3.ainf_peq", "--theorems", str(folder),
                           "--format", "json")
    assert status == 0, err
    bounds = {b["name"]: b for b in json.loads(out)["bounds"]}
    assert bounds["width"]["verdict"] == "stated tighter"
    assert bounds["K_min"]["verdict"] == "stated tighter"
    assert bounds["K_max"]["verdict"] == "agrees"  # T does not involve Lemma 5.4's Kη
    # the shipped corollary, loaded beside it, still agrees
    status, out, _ = run(capsys, "derive", "zou2018.cor4.3.ainf_peq", "--theorems", str(folder),
                         "--format", "json")
    assert {b["name"]: b["verdict"] for b in json.loads(out)["bounds"]}["width"] == "agrees"


def test_needs_zou_ell0_with_meaning_and_set(capsys):
    status, out, _ = run(capsys, "bounds", "zou2018.cor4.3", "--n", "1000", "--L", "3",
                         "--delta", "0.1", "--phi", "0.05", "--set", "zou_p=0.5",
                         "zou_alpha0_inv=0", "--wide")
    assert status == 0
    assert re.search(r"^width .*needs zou_ell0 ", out, re.M), out
    assert ("needs zou_ell0: value ℓ(0) of the loss function at margin 0 (Corollaries 4.3, 4.6)"
            in out)
    assert "give it with --set zou_ell0=VALUE" in out
    # given ℓ(0), every bound has its number: test_the_selected_case_gives_every_bound


def test_umbrella_hidden_degree_says_what_the_derivation_implies(capsys, reg):
    """§5.1 of the paper: the branch widths are n^(26−2p) … n^26 · L^38/φ^8, so (nL/φ)^a covers
    every branch exactly when a ≥ 38 (n alone needs 26, 1/φ 8); SGD (§5.2) n^(30−4p): 30."""
    want = ("the stated bound hides a degree; the derivation implies a_zou_41_poly ≥ 38 "
            "(L: ≥ 38, n: ≥ 26, 1/phi: ≥ 8)")
    status, out, err = run(capsys, "derive", "zou2018.thm4.1", "--format", "json")
    assert status == 0, err
    width = {b["name"]: b for b in json.loads(out)["bounds"]}["width"]
    assert width["verdict"] == "not derivable"
    assert width["reason"].startswith(want)
    status, out, _ = run(capsys, "derive", "zou2018.thm4.1")
    assert f"width: not derivable: {want}" in out
    cor = derive(reg, "zou2018.cor4.6").stated[0]
    assert cor.reason.startswith("the stated bound hides a degree; the derivation implies "
                                 "a_zou_46_poly ≥ 38 (L: ≥ 38, n: ≥ 30, 1/phi: ≥ 8)")
