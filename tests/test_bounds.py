"""Exact bound evaluation, huge magnitudes, derived constants, iterations, grids, comparisons.

Every expected value is computed independently here: by hand in exact rationals, with math/mpmath
closed forms, or by per-point ``sympy.subs``.
"""

from __future__ import annotations

import math
from textwrap import dedent

import mpmath
import numpy as np
import pytest
import sympy

from prooftools.errors import UserInputError
from prooftools.theory import load_registry
from prooftools.theory.bounds import (
    evaluate_bound,
    evaluate_expr,
    evaluate_grid,
    evaluate_statement,
    exact,
    format_decimal,
    iterations_from_rate,
    log10_of,
    substitution,
)
from prooftools.theory.compare import crossovers, exponents, leading_exponent

DU_POINT = {"n": "1e3", "lambda0": "1e-3", "delta": "0.1"}


@pytest.fixture(scope="module")
def reg():
    return load_registry()


def _width(reg, sid="du2019.thm4.1", name="width"):
    st = reg.get(sid)
    return st, st.bound(name)


# ------------------------------------------------------------------------------ exact values
def test_exact_reads_decimals_as_written():
    assert exact("1e-3") == sympy.Rational(1, 1000)
    assert exact("0.1") == sympy.Rational(1, 10)
    assert exact(0.1) == sympy.Rational(1, 10)  # via str(), not the binary double
    assert exact("1e300") == sympy.Integer(10) ** 300
    assert exact("3/4") == sympy.Rational(3, 4)
    for bad in ("abc", "1e3x", "inf", "nan", "", "1/0"):
        with pytest.raises(UserInputError, match="expected a number"):
            exact(bad)


def test_du_width_is_exactly_ten_to_the_33(reg):
    _, b = _width(reg)
    expr, hidden, used, missing = substitution(reg, b.expr, DU_POINT)
    assert hidden == ("C_du_m",) and used == () and missing == ()
    rational = expr.xreplace({reg.symbol("C_du_m"): 1})
    assert isinstance(rational, sympy.Integer)
    assert rational == sympy.Integer(10) ** 33  # exact, before any N()
    st = reg.get("du2019.thm4.1")
    bv = evaluate_bound(reg, st, b, DU_POINT)
    assert abs(bv.value - sympy.Integer(10) ** 33) <= sympy.Integer(10) ** 5  # 30 digits
    assert bv.log10 == pytest.approx(33.0, abs=1e-12)
    assert bv.decimal == "1.0e+33"
    assert bv.hidden_constants == ("C_du_m",)


@pytest.mark.parametrize(("n", "digits"), [("1e50", 300), ("1e500", 3000)])
def test_huge_widths_do_not_overflow(reg, n, digits):
    st, b = _width(reg)
    bv = evaluate_bound(reg, st, b, {"n": n, "lambda0": "1", "delta": "1"})
    assert bv.log10 == pytest.approx(digits, abs=1e-9)
    assert bv.decimal == f"1.0e+{digits}"
    assert math.isfinite(bv.log10)
    # with non-trivial mantissa: 2^6 * 10^(6k) / (1e-3^4 * 0.1^3)
    bv = evaluate_bound(reg, st, b, {"n": "2" + n[1:], "lambda0": "1e-3", "delta": "0.1"})
    assert bv.log10 == pytest.approx(digits + 6 * math.log10(2) + 15, rel=1e-14)


def test_log10_and_decimal_helpers():
    big = sympy.Integer(10) ** 3000 * 3
    assert log10_of(big) == pytest.approx(3000 + math.log10(3), rel=1e-15)
    assert format_decimal(big).startswith("3.0e+3000")
    assert log10_of(sympy.Integer(-2)) is None
    assert log10_of(sympy.Integer(0)) is None
    assert format_decimal(sympy.Integer(0)) == "0"


def test_missing_symbols_are_reported_not_guessed(reg):
    st, b = _width(reg)
    bv = evaluate_bound(reg, st, b, {"n": "10"})
    assert bv.value is None and bv.log10 is None
    assert set(bv.missing) == {"delta", "lambda0"}


# ------------------------------------------------------------------------- derived constants
def test_derived_constants_are_substituted(reg):
    st = reg.get("du2019.thm4.1")
    b = st.bound("step_size")  # C_du_eta * lambda0 / n**2, C_du_eta = 1/4 (derived)
    values = {"n": "10", "lambda0": "0.5"}
    hidden = evaluate_bound(reg, st, b, values)
    derived = evaluate_bound(reg, st, b, values, constants="derived")
    assert float(hidden.value) == 1 / 200
    assert hidden.hidden_constants == ("C_du_eta",) and hidden.substituted == ()
    assert float(derived.value) == 1 / 800
    assert derived.hidden_constants == () and derived.substituted == ("C_du_eta",)
    assert derived.to_dict()["derived_constants"] == ["C_du_eta"]


def test_derived_constant_with_irrational_value(reg):
    st = reg.get("du2019.lemma3.2")
    b = st.bound("R")  # c_R * delta * lambda0 / n**2 with c_R = sqrt(2*pi)/16
    bv = evaluate_bound(reg, st, b, {"n": "10", "lambda0": "0.5", "delta": "0.1"},
                        constants="derived")
    expected = mpmath.sqrt(2 * mpmath.pi) / 16 * mpmath.mpf("0.05") / 100
    assert float(bv.value) == pytest.approx(float(expected), rel=1e-14)


def test_constants_mode_is_validated(reg):
    st, b = _width(reg)
    with pytest.raises(UserInputError, match="constants must be"):
        evaluate_bound(reg, st, b, DU_POINT, constants="explicit")


# --------------------------------------------------------------------------------- iterations
def test_iterations_from_discrete_rate_match_closed_form(reg):
    values = {"eta": "0.01", "lambda0": "0.5", "r0": "10", "eps": "1e-3", "n": "10",
              "delta": "0.1"}
    out = evaluate_statement(reg, "du2019.thm4.1", values, kinds=("iterations",))
    (it,) = [b for b in out if b.name == "iterations_from_rate"]
    expected = math.log(10 / 1e-3) / -math.log(1 - 0.01 * 0.5 / 2)
    assert float(it.value) == pytest.approx(expected, rel=1e-12)
    assert it.provenance == "derived" and it.derived_from == "rate"


def test_iterations_from_exponential_rate(reg):
    values = {"lambda0": "0.25", "r0": "4", "eps": "1e-2"}
    out = evaluate_statement(reg, "du2019.thm3.2", values, kinds=("iterations",))
    (it,) = out
    assert float(it.value) == pytest.approx(math.log(400) / 0.25, rel=1e-14)
    symbolic = iterations_from_rate(reg.get("du2019.thm3.2").bound("rate"),
                                    reg.symbol("r0"), reg.symbol("eps"))
    assert sympy.simplify(symbolic - sympy.log(reg.symbol("r0") / reg.symbol("eps"))
                          / reg.symbol("lambda0")) == 0


# ----------------------------------------------------------------------------- implicit bound
def test_implicit_width_is_the_least_fixed_point(reg):
    st, b = _width(reg, "du2019.thm3.3")
    m = reg.symbol("m")
    assert m in b.expr.free_symbols
    values = {"n": "100", "lambda0": "0.1", "delta": "0.1"}
    bv = evaluate_bound(reg, st, b, values)
    assert bv.extra.get("implicit") is True
    # hand form of f(m) = n^6 log(m/delta) / (lambda0^4 delta^3) with C = 1
    def f(x):
        return mpmath.mpf(100) ** 6 * mpmath.log(x / mpmath.mpf("0.1")) / (
            mpmath.mpf("0.1") ** 4 * mpmath.mpf("0.1") ** 3)

    with mpmath.workdps(40):
        v = mpmath.mpf(str(bv.value))
        assert abs(f(v) - v) / v < mpmath.mpf("1e-20")
        # least: just below v the requirement is not met (x < f(x))
        assert f(v * mpmath.mpf("0.999")) > v * mpmath.mpf("0.999")
    # substituting back through the registry's own expression agrees too
    back, *_ = evaluate_expr(reg, b.expr, {**values, "m": str(bv.value)})
    assert float(back) == pytest.approx(float(bv.value), rel=1e-20)


def test_implicit_bound_with_m_given_is_explicit(reg):
    st, b = _width(reg, "du2019.thm3.3")
    bv = evaluate_bound(reg, st, b, {"n": "10", "lambda0": "0.5", "delta": "0.5", "m": "1e6"})
    assert not bv.extra
    expected = 10**6 * math.log(1e6 / 0.5) / (0.5**4 * 0.5**3)
    assert float(bv.value) == pytest.approx(expected, rel=1e-14)


# ------------------------------------------------------------------------------------- grids
@pytest.mark.parametrize(("sid", "name"), [("du2019.thm4.1", "width"),
                                           ("du2019.lemma3.1", "width"),
                                           ("du2019.thm4.1", "width_explicit")])
def test_evaluate_grid_matches_pointwise_subs(reg, sid, name):
    expr = reg.get(sid).bound(name).expr
    rng = np.random.default_rng(7)
    size = 25
    grid = {"n": 10 ** rng.uniform(0.5, 6, size), "lambda0": 10 ** rng.uniform(-4, 0, size),
            "delta": rng.uniform(0.01, 0.99, size), "y_max": rng.uniform(0.1, 3, size)}
    hidden = [s for s in expr.free_symbols if s.name in reg.constants_in(expr)]
    grid_used = {k: v for k, v in grid.items()
                 if k in {s.name for s in expr.free_symbols}}
    got = evaluate_grid(reg, expr, grid_used)
    assert got.shape == (size,)
    for i in range(size):
        point = {s: sympy.Float(grid[s.name][i], 30) for s in expr.free_symbols
                 if s.name in grid}
        point.update({s: 1 for s in hidden})
        truth = math.log10(float(expr.subs(point).evalf(30)))
        assert got[i] == pytest.approx(truth, rel=1e-9, abs=1e-9), (i, point)


def test_evaluate_grid_broadcasts_and_survives_huge_values(reg):
    expr = reg.get("du2019.thm4.1").bound("width").expr
    n = np.array([1e50, 1e200])[:, None]
    got = evaluate_grid(reg, expr, {"n": n, "lambda0": np.array([1e-3, 1.0]), "delta": 0.1})
    assert got.shape == (2, 2)
    expected = 6 * np.log10(n) - 4 * np.log10([1e-3, 1.0]) + 3
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert np.all(np.isfinite(got))  # 10^1215 would overflow a float


def test_evaluate_grid_requires_every_symbol(reg):
    expr = reg.get("du2019.thm4.1").bound("width").expr
    with pytest.raises(UserInputError, match="grid lacks values for delta"):
        evaluate_grid(reg, expr, {"n": np.ones(3), "lambda0": np.ones(3)})


# ----------------------------------------------------------------------- leading exponents
def test_leading_exponents_of_du_widths(reg):
    e41 = exponents(reg.get("du2019.thm4.1").bound("width").expr)
    assert e41 == {"n": 6, "1/delta": 3, "1/lambda0": 4}
    e31 = exponents(reg.get("du2019.lemma3.1").bound("width").expr)
    assert e31 == {"n": 2, "1/delta": 0, "1/lambda0": 2}  # log factors have exponent 0


def test_leading_exponent_hand_cases():
    n = sympy.Symbol("n", positive=True)
    assert leading_exponent(n**6 * sympy.log(n), "n", False) == 6
    assert leading_exponent(sympy.sqrt(n) + n**2, "n", False) == 2
    assert leading_exponent(1 / n**3, "n", True) == 3
    assert leading_exponent(sympy.Integer(5), "n", False) == 0
    assert leading_exponent(sympy.exp(n), "n", False) is None  # not polynomial growth


# -------------------------------------------------------------------------------- crossovers
PAIR = """
    format = 1

    [paper]
    key = "xo"
    title = "Crossover fixtures"

    [[statements]]
    id = "a"
    kind = "theorem"
    title = "Quadratic with a large constant"
    source = "test"
    provenance = "derived"

    [[statements.bounds]]
    name = "width"
    kind = "width"
    symbol = "m"
    relation = ">="
    expr = "10**6 * n**2 / lambda0"

    [[statements]]
    id = "b"
    kind = "theorem"
    title = "Quartic"
    source = "test"
    provenance = "derived"

    [[statements.bounds]]
    name = "width"
    kind = "width"
    symbol = "m"
    relation = ">="
    expr = "n**4 / lambda0"

    [[statements]]
    id = "c"
    kind = "theorem"
    title = "n log n"
    source = "test"
    provenance = "derived"

    [[statements.bounds]]
    name = "width"
    kind = "width"
    symbol = "m"
    relation = ">="
    expr = "100 * n * log(n)"

    [[statements]]
    id = "d"
    kind = "theorem"
    title = "quadratic"
    source = "test"
    provenance = "derived"

    [[statements.bounds]]
    name = "width"
    kind = "width"
    symbol = "m"
    relation = ">="
    expr = "n**2"
"""


@pytest.fixture(scope="module")
def xo_reg(tmp_path_factory):
    folder = tmp_path_factory.mktemp("xo")
    (folder / "xo.toml").write_text(dedent(PAIR).lstrip(), encoding="utf-8")
    return load_registry(extra_dirs=[folder])


def test_crossover_of_two_monomials(xo_reg):
    # 10^6 n^2 / lambda0 = n^4 / lambda0  <=>  n = 10^3 (independent of lambda0)
    pts = crossovers(xo_reg, ("xo.a", "width"), ("xo.b", "width"), {"lambda0": "0.5"})
    assert pts == [pytest.approx(1000.0, rel=1e-12)]
    none = crossovers(xo_reg, ("xo.a", "width"), ("xo.b", "width"), {"lambda0": "0.5"},
                      hi=100.0)
    assert none == []


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_crossover_numeric_path_against_lambert_w(xo_reg):
    # 100 n log n = n^2  <=>  n = 100 log n  <=>  n = -100 W_{-1}(-1/100)
    pts = crossovers(xo_reg, ("xo.c", "width"), ("xo.d", "width"), {})
    big = float(-100 * mpmath.lambertw(-0.01, -1).real)
    assert any(p == pytest.approx(big, rel=1e-8) for p in pts), pts


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_crossover_finds_root_near_the_lower_end(xo_reg):
    pts = crossovers(xo_reg, ("xo.c", "width"), ("xo.d", "width"), {})
    small = float(-100 * mpmath.lambertw(-0.01, 0).real)
    assert any(p == pytest.approx(small, rel=1e-8) for p in pts), pts


def test_crossover_needs_the_other_values(xo_reg):
    with pytest.raises(ValueError, match="needs values for lambda0"):
        crossovers(xo_reg, ("xo.a", "width"), ("xo.b", "width"), {})


# ------------------------------------------------------------------------- user input limits
def test_absurd_user_number_is_refused_quickly(monkeypatch):
    """The refusal is decided from the exponent's digits, before any number is built: no
    Fraction is made (a mechanism, not a time: issue 20)."""
    import prooftools.theory.bounds as bounds_mod

    def never(*a, **k):
        raise AssertionError("a number was built before the exponent was checked")

    monkeypatch.setattr(bounds_mod, "Fraction", never)
    for text in ("1e999999999", "1e-999999999", "7.5e100001", "1e" + "9" * 5000):
        with pytest.raises(UserInputError, match=r"out of range|expected a number"):
            exact(text)
    monkeypatch.undo()
    big = exact("1e100000")  # the largest exponent accepted: built exactly, never printed
    assert int(big.p).bit_length() == (10**100000).bit_length() and big.q == 1


# ------------------------------------------------------------------------ grid: known defects
@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::numpy.exceptions.ComplexWarning")
def test_evaluate_grid_with_log_of_reciprocal(reg):
    n, eps = reg.symbol("n"), reg.symbol("eps")
    expr = n * sympy.log(1 / eps)
    got = evaluate_grid(reg, expr, {"n": np.array([10.0]), "eps": np.array([1e-3])})
    assert got[0] == pytest.approx(math.log10(10 * math.log(1e3)), rel=1e-12)


def test_evaluate_grid_with_observable_is_a_user_error(reg):
    n = reg.symbol("n")
    expr = n / reg.symbols["resid_sq"].sym(0)
    with pytest.raises(UserInputError):
        evaluate_grid(reg, expr, {"n": np.array([10.0])})
