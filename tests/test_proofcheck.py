"""Re-deriving a theorem's width from its lemmas: agreement for du2019, failure when wrong."""

from __future__ import annotations

from textwrap import dedent

import pytest
import sympy

from prooftools.errors import TheoremFileError, UserInputError
from prooftools.theory import load_registry
from prooftools.theory.proofcheck import derive_width


@pytest.fixture(scope="module")
def reg():
    return load_registry()


def _sym(reg, name):
    return reg.symbol(name)


def test_thm41_width_follows_from_its_lemmas(reg):
    d = derive_width(reg, "du2019.thm4.1")
    assert d.agrees
    assert d.derived_exponents == d.stated_exponents == {"n": "6", "1/delta": "3",
                                                         "1/lambda0": "4"}
    # hand derivation: 4√n√r/(√m λ0) < c δ λ0/n², r ≤ n(y²+1/2)/δ
    #   ⇒ m > 16 n⁶ (y² + 1/2) / (c² δ³ λ0⁴) — the file's own explicit width
    explicit = reg.get("du2019.thm4.1").bound("width_explicit").expr
    assert sympy.simplify(d.derived - explicit) == 0
    n, y, c = _sym(reg, "n"), _sym(reg, "y_max"), _sym(reg, "c_R_gd")
    assert sympy.simplify(d.implied_constant - 16 * (y**2 + sympy.Rational(1, 2)) / c**2) == 0
    assert n in d.derived.free_symbols
    assert "follows from its lemmas" in d.summary()
    assert len(d.steps) == 3


def test_thm32_width_follows_from_its_lemmas(reg):
    d = derive_width(reg, "du2019.thm3.2")
    assert d.agrees
    explicit = reg.get("du2019.thm3.2").bound("width_explicit").expr
    assert sympy.simplify(d.derived - explicit) == 0
    # gradient flow (R' = 2√n…) needs a quarter of gradient descent's 16 at equal c
    d41 = derive_width(reg, "du2019.thm4.1")
    ratio = sympy.simplify(d41.derived / d.derived)
    c, c_gd = _sym(reg, "c_R"), _sym(reg, "c_R_gd")
    assert sympy.simplify(ratio - 4 * c**2 / c_gd**2) == 0


WRONG = """
    format = 1

    [paper]
    key = "wrongdu"
    title = "A mis-transcribed Theorem 4.1"

    [[statements]]
    id = "thm4.1"
    kind = "theorem"
    title = "Width with the wrong power of n"
    source = "test fixture"
    provenance = "recollection"
    uses = ["du2019.step4.1", "du2019.markov"]
    [statements.tags]
    width_derivation = "du2019.step4.1:radius_condition; du2019.markov:initial_residual"

    [[statements.bounds]]
    name = "width"
    kind = "width"
    symbol = "m"
    relation = ">="
    expr = "C_du_m * n**5 / (lambda0**4 * delta**3)"
"""


def test_wrong_n_exponent_is_a_mismatch(tmp_path):
    (tmp_path / "wrong.toml").write_text(dedent(WRONG).lstrip(), encoding="utf-8")
    reg = load_registry(extra_dirs=[tmp_path])
    d = derive_width(reg, "wrongdu.thm4.1")
    assert d.agrees is False
    assert d.stated_exponents["n"] == "5" and d.derived_exponents["n"] == "6"
    assert d.implied_constant is None
    assert "MISMATCH" in d.summary()


def test_derivation_needs_the_tag(reg):
    with pytest.raises(UserInputError, match="names no width_derivation"):
        derive_width(reg, "du2019.lemma3.1")


def test_derivation_reference_must_exist(tmp_path):
    text = dedent(WRONG).lstrip().replace("markov:initial_residual", "markov:no_such")
    (tmp_path / "wrong.toml").write_text(text, encoding="utf-8")
    # refused when the file is loaded (issue 13: a loaded file cannot crash `graph` later)
    with pytest.raises(TheoremFileError, match="has no conclusion 'no_such'") as info:
        load_registry(extra_dirs=[tmp_path])
    problem = info.value.problems[0]
    assert problem.path.endswith("wrong.toml") and problem.line and problem.key == (
        "tags.width_derivation")


@pytest.mark.parametrize("spec", ["du2019.markov", "a:b; c:d; e:f", "x:y;", ":; :"])
def test_malformed_width_derivation_is_refused_at_load(tmp_path, spec):
    text = dedent(WRONG).lstrip()
    start = text.index("width_derivation = ")
    end = text.index("\n", start)
    text = text[:start] + f"width_derivation = {spec!r}" + text[end:]
    (tmp_path / "wrong.toml").write_text(text, encoding="utf-8")
    with pytest.raises(TheoremFileError, match="width_derivation"):
        load_registry(extra_dirs=[tmp_path])
