"""Every seed bound evaluates to a number (issue 18, item 4).

Õ log powers that no derivation gives are 0 and the value is marked as an estimate; unknown
degrees come from a statement's cases or a cited restatement; step sizes and iteration counts are
taken at the required width; ``--sep`` sets φ; what remains missing is named with its meaning and
the ``--set`` that gives it. Values are checked against independent mpmath computations.
"""

from __future__ import annotations

import json
import sys
import types

import mpmath
import pytest

from prooftools.cli import main
from prooftools.reporting.registry_reports import compare_report
from prooftools.theory import load_registry
from prooftools.theory.bounds import evaluate_statement
from prooftools.theory.hidden import hidden_log_power

SEEDS = ("du2019", "zou2018", "allenzhu2019", "chatterjee2022", "zhouliang2017")
#: The README's compare example.
README = ["compare", "--n", "1e3", "1e4", "1e5", "--L", "3", "--delta", "0.1", "--lambda0",
          "1e-3", "--sep", "0.05", "--set", "eps=1e-3", "d=100", "zou_p=0.5",
          "zou_alpha0_inv=0", "zou_ell0=0.693", "zou_beta=1e-3"]
ZOU = {"n": "1000", "L": "3", "delta": "0.1", "phi": "0.05", "eps": "1e-3"}


@pytest.fixture(scope="module")
def reg():
    return load_registry()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    cap = capsys.readouterr()
    return status, cap.out, cap.err


def by_name(results):
    return {bv.name: bv for bv in results}


def test_readme_compare_every_seed_row_has_a_number(capsys):
    status, out, err = run(capsys, *README, "--format", "json")
    assert status == 0, err
    doc = json.loads(out)
    seed = [r for r in doc["rows"] if r["statement"].split(".")[0] in SEEDS]
    assert len(seed) >= 15
    # the classification result of Allen-Zhu et al. hides a degree that no source available
    # gives: it must say what it needs (next test), not a number
    lacking = {r["statement"] for r in seed if None in r["log10"].values()}
    assert lacking == {"allenzhu2019.thm.ce"}, lacking
    for row in seed:
        if row["statement"] not in lacking:
            assert all(isinstance(v, float) for v in row["log10"].values()), row


def test_readme_compare_text_names_the_cases_and_what_is_missing(capsys):
    status, out, _ = run(capsys, *README, "--wide")
    assert status == 0
    assert "zou2018.thm4.1 width: from case zou2018.thm4.1.ainf_peq" in out
    assert "cited restatement allenzhu2019.thm1.n30" in out
    # a case the given p excludes is left out, and said so
    assert "zou2018.thm4.1.ainf_plt (loss_p: zou_p < 1/2)" in out
    # one line for the whole table: each symbol with its meaning (cut at its first clause)
    assert "values to give with --set NAME=VALUE: " in out
    assert "a_az_ce (unknown degree of the polynomial width / time of the classification" in out
    assert "a_zou_43_poly" not in out  # the corollaries' degrees come from their cases
    assert "zou2018.cor4.3 width: from case zou2018.cor4.3.ainf_peq" in out


def test_needs_line_gives_meaning_and_set(capsys):
    status, out, _ = run(capsys, "bounds", "zou2018.thm4.1", "--n", "1000", "--L", "3",
                         "--delta", "0.1", "--phi", "0.05", "--wide")
    assert status == 0
    assert ("needs eps: target accuracy (training loss to reach); a number > 0; give it with "
            "--set eps=VALUE") in out
    assert "needs zou_p: exponent p of the loss-class lower bound" in out
    assert "--set zou_alpha0_inv=VALUE" in out
    # the Õ log power and the unknown degree are not asked of the user
    assert "needs a_zou_gd_m" not in out and "needs a_zou_41_poly" not in out


def test_needs_in_json(capsys):
    status, out, _ = run(capsys, "bounds", "zou2018.thm4.1", "--n", "1000", "--L", "3",
                         "--delta", "0.1", "--phi", "0.05", "--format", "json")
    assert status == 0
    needs = {n["symbol"]: n for n in json.loads(out)["needs"]}
    assert set(needs) >= {"eps", "zou_p", "zou_alpha0_inv"}
    assert needs["eps"]["meaning"] == "target accuracy (training loss to reach)"
    assert needs["eps"]["give_with"] == "--set eps=VALUE"


def test_sep_sets_phi_with_a_note(capsys, reg):
    args = ["bounds", "zou2018.thm4.1.ce", "--n", "1000", "--L", "3", "--delta", "0.1",
            "--set", "eps=1e-3", "--format", "json"]
    _, with_sep, _ = run(capsys, *args, "--sep", "0.05")
    _, with_phi, _ = run(capsys, *args, "--phi", "0.05")
    a, b = json.loads(with_sep), json.loads(with_phi)
    assert a["values"]["phi"] == "0.05"
    assert [x["value"] for x in a["bounds"]] == [x["value"] for x in b["bounds"]]
    assert any(n.startswith("phi set to sep = 0.05") for n in a["notes"])
    assert not any(n.startswith("phi set to sep") for n in b["notes"])
    # --phi wins over --sep
    _, both, _ = run(capsys, *args, "--sep", "0.05", "--phi", "0.1")
    assert json.loads(both)["values"]["phi"] == "0.1"


def test_width_and_chain_match_an_independent_computation(reg):
    """zou2018 Thm 4.1, α0 = ∞, p = 1/2: m = n^25 log(1/ε) L^38/φ^8 · log(nLm/δ)^3 (the Õ log
    power the derivation gives, a_zou_gd_Keta + 3 with Lemma 5.4's power 0), then
    η = φ/(n³L⁹m) and K = n⁴ log(1/ε)/(m φ η) = n⁷ L⁹ log(1/ε)/φ², hidden constants 1."""
    out = by_name(evaluate_statement(reg, "zou2018.thm4.1.ainf_peq", ZOU))
    mpmath.mp.dps = 40
    n, L, phi, eps = mpmath.mpf(1000), mpmath.mpf(3), mpmath.mpf("0.05"), mpmath.mpf("1e-3")
    delta = mpmath.mpf("0.1")
    a = n**25 * mpmath.log(1 / eps) * L**38 / phi**8
    # in x = log m: x = log a + 3 log(log(nL/δ) + x), increasing past its root
    c = mpmath.log(n * L / delta)
    m = mpmath.exp(mpmath.findroot(lambda x: x - mpmath.log(a) - 3 * mpmath.log(c + x),
                                   mpmath.log(a)))
    eta = phi / (n**3 * L**9 * m)
    k = n**7 * L**9 * mpmath.log(1 / eps) / phi**2
    for name, want in (("width", m), ("eta", eta), ("K_min", k), ("K_closed_form", k)):
        got = mpmath.mpf(out[name].decimal)
        assert abs(got / want - 1) < 1e-9, (name, got, want)
    assert out["width"].estimate == "lower" and out["K_min"].estimate == "lower"
    assert out["eta"].estimate == "upper"  # η ∝ 1/m: a larger true m gives a smaller η


def test_given_log_power_solves_the_implicit_width(reg):
    """With the log power given (1), m = A log(nLm/δ) is implicit; mpmath's root agrees and the
    value is no longer marked as an estimate."""
    out = by_name(evaluate_statement(reg, "zou2018.thm4.1.ainf_peq",
                                     {**ZOU, "a_zou_gd_m": "1"}, kinds=("width",)))
    mpmath.mp.dps = 40
    a = mpmath.mpf(1000)**25 * mpmath.log(1000) * mpmath.mpf(3)**38 / mpmath.mpf("0.05")**8
    m = mpmath.findroot(lambda x: x - a * mpmath.log(3000 * x / mpmath.mpf("0.1")),
                        (a, 1000 * a), solver="anderson")
    got = mpmath.mpf(out["width"].decimal)
    assert abs(got / m - 1) < 1e-9
    assert out["width"].estimate is None
    # a smaller power gives less; the derived power (a_zou_gd_Keta + 3 ≥ 3) more
    zero = by_name(evaluate_statement(reg, "zou2018.thm4.1.ainf_peq",
                                      {**ZOU, "a_zou_gd_m": "0.5"}, kinds=("width",)))
    derived = by_name(evaluate_statement(reg, "zou2018.thm4.1.ainf_peq", ZOU, kinds=("width",)))
    assert zero["width"].value < out["width"].value < derived["width"].value


def test_restatement_gives_the_hidden_degree(reg):
    """allenzhu2019 Thm 1 (unknown degree) through its cited restatement n^30 L^30 log²(1/ε)."""
    vals = {"n": "1000", "L": "3", "sep": "0.05", "eps": "1e-3", "d": "100"}
    out = by_name(evaluate_statement(reg, "allenzhu2019.thm1", vals))
    mpmath.mp.dps = 40
    m = mpmath.mpf(1000)**30 * mpmath.mpf(3)**30 * mpmath.log(1000)**2
    assert abs(mpmath.mpf(out["width"].decimal) / m - 1) < 1e-9
    assert out["width"].via == "allenzhu2019.thm1.n30:width"
    assert out["width"].provenance == "secondary"
    eta = 100 * mpmath.mpf("0.05") / (mpmath.mpf(1000)**4 * 9 * m)
    assert abs(mpmath.mpf(out["eta"].decimal) / eta - 1) < 1e-9


def test_umbrella_cases(reg):
    """The applicable case given p and α0; the most demanding open case without α0; needs
    without p."""
    one = by_name(evaluate_statement(reg, "zou2018.thm4.1",
                                     {**ZOU, "zou_p": "0.3", "zou_alpha0_inv": "0"}))
    assert one["width"].via == "zou2018.thm4.1.ainf_plt:width"
    case = by_name(evaluate_statement(reg, "zou2018.thm4.1.ainf_plt", {**ZOU, "zou_p": "0.3"}))
    assert one["width"].value == case["width"].value
    two = by_name(evaluate_statement(reg, "zou2018.thm4.1", {**ZOU, "zou_p": "0.5"}))
    assert two["width"].via == "zou2018.thm4.1.afin_peq:width"  # the n^26 term dominates
    assert "give zou_alpha0_inv to select one" in two["width"].notes[0]
    none = by_name(evaluate_statement(reg, "zou2018.thm4.1", ZOU))
    assert none["width"].value is None
    assert {"zou_p", "zou_alpha0_inv"} <= set(none["width"].missing)


@pytest.mark.parametrize("fmt,mark", [("text", "≥ 4.57e+111"), ("markdown", "≥ 4.57e+111"),
                                      ("latex", r"$\geq 4$ & $.57\times10^{111}$"),
                                      ("json", '"estimate": "lower"')])
def test_lower_estimate_is_marked_in_every_format(capsys, fmt, mark):
    status, out, _ = run(capsys, "bounds", "zou2018.thm4.1.ainf_peq", "--n", "1000", "--L",
                         "3", "--delta", "0.1", "--phi", "0.05", "--set", "eps=1e-3",
                         "--format", fmt, "--wide")
    assert status == 0
    assert mark in out
    if fmt != "json":
        # the legend names the power (LaTeX may typeset a_zou_gd_m as a_{\text{zou\_gd\_m}})
        assert "a lower estimate" in out and "zou_gd_m" in out.replace("\\_", "_")
    status, out, _ = run(capsys, "table", "--n", "1000", "--L", "3", "--delta", "0.1",
                         "--phi", "0.05", "--set", "eps=1e-3", "zou_p=0.5", "zou_alpha0_inv=0",
                         "--format", fmt, "--wide")
    assert status == 0
    assert ("≥" in out or r"\geq" in out or '"estimate": "lower"' in out)


def test_compare_marks_estimates_in_json(reg):
    table = compare_report(reg, {"L": "3", "delta": "0.1", "phi": "0.05", "eps": "1e-3",
                                 "zou_p": "0.5", "zou_alpha0_inv": "0"}, ["1e3"])
    rows = {r["statement"]: r for r in table.json_rows}
    assert rows["zou2018.thm4.1.ainf_peq"]["estimate"] == {"1000": "lower"}
    assert "estimate" not in rows["du2019.thm4.1"]


def test_a_derivation_supplies_the_log_power(monkeypatch, reg):
    """hidden_log_power consults the derivation hook first; its value is then no estimate."""
    import prooftools.theory as theory

    fake = types.ModuleType("prooftools.theory.derivation")
    fake.hidden_exponent = lambda registry, symbol: {
        "a_zou_gd_m": (1, "test chain"), "a_az_m": (30, "test degree")}.get(symbol)
    monkeypatch.setitem(sys.modules, "prooftools.theory.derivation", fake)
    monkeypatch.setattr(theory, "derivation", fake, raising=False)
    hp = hidden_log_power(reg, "a_zou_gd_m")
    assert (int(hp.value), hp.estimate, hp.source) == (1, False, "derivation: test chain")
    given = by_name(evaluate_statement(reg, "zou2018.thm4.1.ainf_peq",
                                       {**ZOU, "a_zou_gd_m": "1"}, kinds=("width",)))
    derived = by_name(evaluate_statement(reg, "zou2018.thm4.1.ainf_peq", ZOU,
                                         kinds=("width",)))
    assert derived["width"].value == given["width"].value
    assert derived["width"].estimate is None
    # an unknown degree a derivation determines is used instead of the cited restatement
    vals = {"n": "10", "L": "2", "sep": "0.5", "eps": "0.1", "d": "3"}
    thm1 = by_name(evaluate_statement(reg, "allenzhu2019.thm1", vals, kinds=("width",)))
    assert thm1["width"].via is None
    assert ("a_az_m", "30", "derivation: test degree") in thm1["width"].log_powers
    assert int(thm1["width"].value) == 3 * 40**30  # d (nL/sep)^30, exactly


def test_bounds_json_with_estimates_cases_and_needs_matches_its_schema(capsys):
    jsonschema = pytest.importorskip("jsonschema")
    from pathlib import Path

    schema = json.loads((Path(__file__).resolve().parent.parent / "prooftools" / "schemas"
                         / "bounds.schema.json").read_text(encoding="utf-8"))
    for extra in (["--set", "eps=1e-3", "zou_p=0.5", "zou_alpha0_inv=0"], []):
        status, out, _ = run(capsys, "bounds", "zou2018.thm4.1", "--n", "1000", "--L", "3",
                             "--delta", "0.1", "--sep", "0.05", *extra, "--format", "json")
        assert status == 0
        doc = json.loads(out)
        jsonschema.validate(doc, schema)
    bad = {**doc, "needs": [{"symbol": "eps"}]}  # meaning and how to give it are required
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_a_power_that_is_also_a_degree_is_not_set_to_zero(reg):
    """``n**a * log(n)**a``: a hides a polynomial degree too, so it is asked for, not zeroed."""
    import sympy

    from prooftools.theory.hidden import log_powers_in, unknown_degrees_in

    n, a, b = sympy.Symbol("n", positive=True), reg.symbol("a_zou_gd_m"), reg.symbol("a_az_m")
    both = n**a * sympy.log(n)**a * sympy.log(n)**b
    assert log_powers_in(reg, both) == ["a_az_m"]
    assert unknown_degrees_in(reg, both) == ["a_zou_gd_m"]


def test_powers_pulling_both_ways_leave_the_direction_unknown(reg):
    """K_max ∝ m/log^a_T at η = the largest step: a_zou_gd_m raises m (so K_max), a_zou_gd_T
    lowers it. a_zou_gd_T is derived (3) and a_zou_gd_m = a_zou_gd_Keta + 3 with Lemma 5.4's
    power unknown, so K_max is a lower estimate; probes moving it both ways give ≈."""
    import dataclasses

    from prooftools.theory.statement_values import _directed

    vals = {**ZOU, "zou_p": "1"}
    base = by_name(evaluate_statement(reg, "zou2018.thm4.1.ce", vals))
    zero = base["K_max"]
    up = by_name(evaluate_statement(reg, "zou2018.thm4.1.ce", {**vals, "a_zou_gd_m": "4"}))
    down = by_name(evaluate_statement(reg, "zou2018.thm4.1.ce", {**vals, "a_zou_gd_T": "4"}))
    assert up["K_max"].value > zero.value > down["K_max"].value
    assert zero.estimate == "lower"
    assert base["width"].estimate == "lower"
    pending = dataclasses.replace(zero, estimate="pending")
    both = [dataclasses.replace(zero, value=zero.value * 2),
            dataclasses.replace(zero, value=zero.value / 2)]
    assert _directed(pending, both).estimate == "estimate"
    assert _directed(pending, both[:1]).estimate == "lower"
