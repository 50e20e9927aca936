"""Hidden exponents (Õ log powers, hidden degrees) determined by the derivations
(prooftools/theory/derivation/exponents.py) and used by bounds/compare/table."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sympy

from prooftools.reporting.bound_notes import DERIVED_LEGEND, estimate_notes
from prooftools.theory import load_registry
from prooftools.theory.bounds import evaluate_bound
from prooftools.theory.derivation import hidden_exponent
from prooftools.theory.hidden import NOT_DERIVED, hidden_log_power
from prooftools.theory.statement_values import bound_value

THEOREMS = Path(__file__).resolve().parent.parent / "theorems"
#: Lemma 5.4 (α0 = ∞, p < 1/2), (C.6): τ = O(φ³ n^-9 L^-17 (log M)^-3/2); T ∝ τ² ⇒ (log M)^-3
TAU = 'expr = "C_zou_54_tau*phi**3/(n**9*L**17*log(zou_M)**(3/2))"'
VALUES = {"n": 100, "L": 3, "phi": "0.01", "delta": "0.1", "zou_p": "0.25",
          "zou_alpha0_inv": 0}


def test_trajectory_log_power_is_derived_exactly():
    reg = load_registry()
    value, source = hidden_exponent(reg, "a_zou_gd_T")
    assert value == 3 and source == "zou2018.thm4.1.ainf_plt@K_window"
    hp = hidden_log_power(reg, "a_zou_gd_T")
    assert hp.value == 3 and not hp.estimate and hp.source.startswith("derivation: ")


def test_width_log_power_names_lemma_power_and_stays_an_estimate():
    reg = load_registry()
    value, _ = hidden_exponent(reg, "a_zou_gd_m")
    assert value == reg.symbol("a_zou_gd_Keta") + 3
    value, _ = hidden_exponent(reg, "a_zou_sgd_m")
    assert value == 2 * reg.symbol("a_zou_sgd_Keta") + 3
    hp = hidden_log_power(reg, "a_zou_gd_m")
    # Lemma 5.4's own power is given by no derivation: 0, so a_zou_gd_m = 3 is a lower estimate
    assert hp.value == 3 and hp.estimate
    assert "a_zou_gd_Keta = 0" in hp.source and NOT_DERIVED in hp.source


def test_nothing_derived_where_no_derivation_determines_it():
    reg = load_registry()
    # Lemma 5.4's power only restates itself; AZ's degree would differ per variable (n^24 L^12)
    for name in ("a_zou_gd_Keta", "a_zou_41_poly", "a_az_m", "C_zou_gd_m", "n"):
        assert hidden_exponent(reg, name) is None, name


def test_bounds_use_the_derived_power_and_say_so():
    reg = load_registry()
    st = reg.get("zou2018.thm4.1.ainf_plt")
    b = st.bound("width")
    bv = bound_value(reg, st, b, VALUES)
    powers = {s: (v, src) for s, v, src in bv.log_powers}
    assert powers["a_zou_gd_m"][0] == "3"
    assert powers["a_zou_gd_m"][1].startswith("derivation: zou2018.thm4.1.ainf_plt@width")
    at3 = evaluate_bound(reg, st, b, {**VALUES, "a_zou_gd_m": 3})
    at0 = evaluate_bound(reg, st, b, {**VALUES, "a_zou_gd_m": 0})
    assert bv.log10 == at3.log10 != at0.log10
    assert bv.estimate == "lower"  # a_zou_gd_Keta is still 0
    notes = estimate_notes([bv])
    assert notes[0].startswith(DERIVED_LEGEND) and "a_zou_gd_m = 3" in notes[0]


def test_mutated_derivation_changes_the_number(tmp_path):
    d = tmp_path / "theorems"
    shutil.copytree(THEOREMS, d)
    text = (d / "zou2018.toml").read_text(encoding="utf-8")
    start = text.index('id = "lemma5.4.ainf_plt"')
    at = text.index(TAU, start)
    text = text[:at] + TAU.replace("(3/2)", "(5/2)") + text[at + len(TAU):]
    (d / "zou2018.toml").write_text(text, encoding="utf-8")
    reg = load_registry(extra_dirs=[d], builtin=False)
    assert hidden_exponent(reg, "a_zou_gd_T")[0] == 5
    assert hidden_exponent(reg, "a_zou_gd_m")[0] == reg.symbol("a_zou_gd_Keta") + 5
    st = reg.get("zou2018.thm4.1.ainf_plt")
    bv = bound_value(reg, st, st.bound("width"), VALUES)
    assert dict((s, v) for s, v, _ in bv.log_powers)["a_zou_gd_m"] == "5"
    assert sympy.Integer(hidden_log_power(reg, "a_zou_gd_T").value) == 5


def test_sweep_states_the_width_bounds_prints(capsys):
    """A sweep's stated width (prooftools/sweep/analysis.py) is the number ``bounds`` prints for
    the same values, Õ log power included; the plain formula (power left symbolic) has none."""
    from prooftools.cli import main
    from prooftools.sweep.analysis import _stated, _values

    reg = load_registry()
    row = {"data": {"n": 100, "delta": 0.1}, "config": {"depth": 3}}
    vals = {**_values(row), "phi": "0.01", "zou_p": "0.25", "zou_alpha0_inv": "0"}
    st = reg.get("zou2018.thm4.1.ainf_plt")
    got = _stated(reg, st, st.bound("width"), vals, "hidden")
    argv = ["bounds", st.id, "--format", "json", "--set",
            *(f"{k}={v}" for k, v in vals.items())]
    assert main(argv) == 0
    printed = {b["name"]: b for b in json.loads(capsys.readouterr().out)["bounds"]}["width"]
    assert printed["log10"] == pytest.approx(got.log10, abs=1e-12)
    assert got.log10 == evaluate_bound(reg, st, st.bound("width"),
                                       {**vals, "a_zou_gd_m": 3}).log10
    assert evaluate_bound(reg, st, st.bound("width"), vals).log10 is None  # the old path


def test_registries_with_the_same_content_share_derivations_and_an_edit_is_a_new_key(
        tmp_path, monkeypatch):
    """Each command loads its own registry: the derivations behind a hidden exponent run once per
    content (exponents.py caches on Registry.content_key), and a file edited in place is new."""
    import importlib

    derive_module = importlib.import_module("prooftools.theory.derivation.derive")
    d = tmp_path / "theorems"
    shutil.copytree(THEOREMS, d)
    first = load_registry(extra_dirs=[d], builtin=False)
    assert hidden_exponent(first, "a_zou_gd_T")[0] == 3
    calls: list[str] = []
    real = derive_module.derive
    monkeypatch.setattr(derive_module, "derive",
                        lambda reg, sid, *a, **k: calls.append(sid) or real(reg, sid, *a, **k))
    again = load_registry(extra_dirs=[d], builtin=False)
    assert again is not first and again.content_key == first.content_key
    assert hidden_exponent(again, "a_zou_gd_T")[0] == 3 and calls == []
    path = d / "zou2018.toml"
    text = path.read_text(encoding="utf-8")
    at = text.index(TAU, text.index('id = "lemma5.4.ainf_plt"'))
    path.write_text(text[:at] + TAU.replace("(3/2)", "(5/2)") + text[at + len(TAU):],
                    encoding="utf-8")
    edited = load_registry(extra_dirs=[d], builtin=False)
    assert edited.content_key != first.content_key
    assert hidden_exponent(edited, "a_zou_gd_T")[0] == 5 and calls
