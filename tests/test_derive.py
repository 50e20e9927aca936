"""Derivations as data: Du's theorems re-derived from their lemmas, verdicts that can fail."""

from __future__ import annotations

import json
from pathlib import Path
from textwrap import dedent

import pytest
import sympy

from prooftools.errors import UserInputError
from prooftools.theory import load_registry
from prooftools.theory.derivation import (
    AGREES,
    NOT_DERIVABLE,
    STATED_LOOSER,
    STATED_TIGHTER,
    derive,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def reg():
    return load_registry()


def _s(reg, name):
    return reg.symbol(name)


def test_du_thm41_width_follows_from_its_lemmas(reg):
    d = derive(reg, "du2019.thm4.1")
    assert d.verdicts == {"width": AGREES, "width_explicit": AGREES, "step_size": AGREES}
    # hand derivation: 4√n√r/(√m λ0) < c δ λ0/n², r ≤ n(y²+1/2)/δ
    #   ⇒ m > 16 n⁶ (y² + 1/2) / (c² δ³ λ0⁴), the file's explicit width
    explicit = reg.get("du2019.thm4.1").bound("width_explicit").expr
    assert sympy.simplify(d.derived["width"] - explicit) == 0
    width = next(s for s in d.stated if s.bound.name == "width")
    y, c = _s(reg, "y_max"), _s(reg, "c_R_gd")
    assert sympy.simplify(width.implied_constant - 16 * (y**2 + sympy.Rational(1, 2)) / c**2) == 0
    orders = {k: (v.power, v.log_power) for k, v in width.cases[0].derived_orders.items()}
    assert orders == {"n": (6, 0), "1/delta": (3, 0), "1/lambda0": (4, 0)}
    step = next(s for s in d.stated if s.bound.name == "step_size")
    assert step.implied_constant == sympy.Rational(1, 4)
    assert [s.verb for s in d.results[0].steps] == ["take", "substitute", "solve"]
    assert d.results[0].method == "algebraic"


def test_du_thm32_width_is_a_quarter_of_gd(reg):
    d = derive(reg, "du2019.thm3.2")
    assert d.verdicts["width"] == AGREES
    d41 = derive(reg, "du2019.thm4.1")
    c, c_gd = _s(reg, "c_R"), _s(reg, "c_R_gd")
    ratio = sympy.simplify(d41.derived["width"] / d.derived["width"])
    assert sympy.simplify(ratio - 4 * c**2 / c_gd**2) == 0


SMALL = """
    format = 1

    [paper]
    key = "small"
    title = "A hand-made paper"

    [symbols.C_small]
    role = "constant"
    domain = "positive"

    [[statements]]
    id = "lemma1"
    kind = "lemma"
    title = "Movement"
    source = "§1"
    provenance = "derived"

    [[statements.conclusions]]
    name = "movement"
    expr = "dist_max(k) <= n * sqrt(resid_sq(0)) / sqrt(m)"
    forall = ["k"]

    [[statements]]
    id = "lemma2"
    kind = "lemma"
    title = "Initial residual"
    source = "§1"
    provenance = "derived"

    [[statements.conclusions]]
    name = "residual"
    expr = "resid_sq(0) <= n / delta"

    [[statements]]
    id = "thm"
    kind = "theorem"
    title = "Width"
    source = "§2"
    provenance = "derived"
    uses = ["lemma1", "lemma2"]

    [[statements.hypotheses]]
    name = "radius"
    expr = "n * sqrt(resid_sq(0)) / sqrt(m) < lambda0 / n"

    [[statements.bounds]]
    name = "width"
    kind = "width"
    symbol = "m"
    relation = ">="
    expr = "C_small * WIDTH"

    [[statements.derivations]]
    name = "width"
    kind = "width"

    [[statements.derivations.steps]]
    take = "thm:radius"

    [[statements.derivations.steps]]
    substitute = "lemma2:residual"
    into = "radius"

    [[statements.derivations.steps]]
    solve = "radius"
    for = "m"
"""


def _small(tmp_path, width: str, *, key="small") -> object:
    text = dedent(SMALL).lstrip().replace("WIDTH", width).replace('"small"', f'"{key}"')
    (tmp_path / f"{key}.toml").write_text(text, encoding="utf-8")
    return load_registry(extra_dirs=[tmp_path])


def test_small_paper_agrees(tmp_path):
    # n √(n/δ)/√m < λ0/n  ⇔  m > n⁵/(δ λ0²)
    reg = _small(tmp_path, "n**5 / (delta * lambda0**2)")
    d = derive(reg, "small.thm")
    assert d.verdicts == {"width": AGREES}
    assert d.stated[0].implied_constant == 1


def test_small_paper_stated_tighter(tmp_path):
    reg = _small(tmp_path, "n**4 / (delta * lambda0**2)")
    d = derive(reg, "small.thm")
    s = d.stated[0]
    assert s.verdict == STATED_TIGHTER
    assert s.factor == sympy.Symbol("n")


def test_small_paper_stated_looser_by_n_squared(tmp_path):
    reg = _small(tmp_path, "n**7 / (delta * lambda0**2)")
    s = derive(reg, "small.thm").stated[0]
    assert s.verdict == STATED_LOOSER
    assert s.factor == sympy.Symbol("n") ** 2


def test_small_paper_looser_by_a_log(tmp_path):
    reg = _small(tmp_path, "n**5 * log(1/delta) / (delta * lambda0**2)")
    s = derive(reg, "small.thm").stated[0]
    x = sympy.Symbol("1/delta")
    assert s.verdict == STATED_LOOSER and s.factor == sympy.log(x)


def test_statement_without_derivation_is_not_derivable(reg):
    d = derive(reg, "du2019.lemma3.1")
    assert d.results == ()
    assert set(d.verdicts.values()) == {NOT_DERIVABLE}
    assert "declares no derivation" in d.stated[0].reason


def test_step_sympy_cannot_do_is_one_line_error(tmp_path):
    reg = _small(tmp_path, "n**5 / (delta * lambda0**2)")
    text = (tmp_path / "small.toml").read_text().replace('for = "m"', 'for = "n"\nmethod = '
                                                          '"lambertw"')
    (tmp_path / "small.toml").write_text(text)
    reg = load_registry(extra_dirs=[tmp_path])
    with pytest.raises(UserInputError) as info:
        derive(reg, "small.thm")
    message = str(info.value)
    assert "\n" not in message
    assert "small.toml:" in message and "small.thm" in message and "step 3 (solve)" in message


def test_wrong_substitution_direction_is_refused(tmp_path):
    reg = _small(tmp_path, "n**5 / (delta * lambda0**2)")
    text = (tmp_path / "small.toml").read_text().replace('"resid_sq(0) <= n / delta"',
                                                         '"resid_sq(0) >= n / delta"')
    (tmp_path / "small.toml").write_text(text)
    reg = load_registry(extra_dirs=[tmp_path])
    with pytest.raises(UserInputError, match="would weaken the requirement"):
        derive(reg, "small.thm")


def test_json_has_a_verdict_per_bound(reg):
    from prooftools.reporting.derivation_reports import render_derivation

    data = json.loads(render_derivation(reg, derive(reg, "du2019.thm4.1"), "json"))
    assert {b["name"]: b["verdict"] for b in data["bounds"]} == {
        "width": AGREES, "width_explicit": AGREES, "step_size": AGREES}
