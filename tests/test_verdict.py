"""judge_relation: three-valued verdicts on one relation, checked on both sides of each bound."""

import mpmath
import pytest
import sympy

from prooftools.checking.verdict import (
    Verdict,
    Why,
    combine,
    implied_constant,
    judge_relation,
)
from prooftools.numerics.quantity import Quantity

m, n, C = sympy.symbols("m n C", positive=True)
lam, sep = sympy.symbols("lambda0 sep", nonnegative=True)  # as the vocabulary declares them


def test_holds_and_fails_on_either_side_of_a_bound():
    rel = m >= n**2
    assert judge_relation(rel, {"m": 101, "n": 10}).verdict == Verdict.HOLDS
    bad = judge_relation(rel, {"m": 99, "n": 10})
    assert bad.verdict == Verdict.FAILS
    assert bad.margin == pytest.approx((99 - 100) / 100)


def test_equality_within_rounding_is_undecided_for_a_strict_relation():
    assert judge_relation(lam > 0, {"lambda0": 0.0}).verdict == Verdict.UNKNOWN
    assert judge_relation(m >= n, {"m": 1.0, "n": 1.0}).verdict == Verdict.HOLDS


def test_certified_bounds_decide_both_ways():
    proven = judge_relation(lam > 0, {"lambda0": Quantity(1e-3, lower=9e-4, upper=1.1e-3)})
    assert proven.verdict == Verdict.HOLDS and proven.why(Why.CERTIFIED).subjects == ("lambda0",)
    zero = judge_relation(sep > 0, {"sep": Quantity(0.0, lower=0.0, upper=0.0)})
    assert zero.verdict == Verdict.FAILS  # proven exactly zero: the strict inequality fails
    straddle = judge_relation(lam > 0, {"lambda0": Quantity(1e-17, lower=-1e-15, upper=1e-15)})
    assert straddle.verdict == Verdict.UNKNOWN


def test_hidden_constant_gives_an_implied_range_not_a_guess():
    rel = m >= C * n**6 / lam**4
    j = judge_relation(rel, {"m": 1e6, "n": 10, "lambda0": 0.1}, hidden={"C"})
    assert j.verdict == Verdict.UNKNOWN
    op, val = j.implied_constants["C"].split()
    assert op == "<=" and float(val) == pytest.approx(1e6 * 0.1**4 / 10**6, rel=1e-3)
    decided = judge_relation(rel, {"m": 1e6, "n": 10, "lambda0": 0.1}, constants={"C": 1})
    assert decided.verdict == Verdict.FAILS


def test_implied_constant_any_and_none():
    pt = {"m": mpmath.mpf(5), "n": mpmath.mpf(2)}
    assert implied_constant(m + C >= n, C, pt) == "any"
    assert implied_constant(m + C <= n, C, pt) == "none"


def test_conjunction_takes_the_weakest_part_and_missing_values_are_unknown():
    both = sympy.And(m >= n, lam > 0)
    assert judge_relation(both, {"m": 1, "n": 2, "lambda0": 1}).verdict == Verdict.FAILS
    assert judge_relation(both, {"m": 3, "n": 2, "lambda0": 1}).verdict == Verdict.HOLDS
    missing = judge_relation(m >= n, {"m": 3})
    assert missing.verdict == Verdict.UNKNOWN and missing.why(Why.NOT_MEASURED).subjects == ("n",)
    assert combine([Verdict.HOLDS, Verdict.NOT_GUARANTEED]) == Verdict.NOT_GUARANTEED


def test_astronomical_values_do_not_overflow():
    j = judge_relation(m >= 10**n, {"m": sympy.Integer(10) ** 3000, "n": 2999})
    assert j.verdict == Verdict.HOLDS


def test_a_rounding_level_negative_margin_is_clamped_or_explained():
    """Negative = violated: an equation equal within rounding holds with margin 0 and a reason
    carrying the raw margin and the tolerance; beyond the tolerance it fails with its margin; a
    strict inequality at rounding level is undecided and keeps its margin, explained."""
    x = sympy.Symbol("x", positive=True)
    eq = sympy.Eq(x, 1)
    near = judge_relation(eq, {"x": 1 - 2.0**-52})
    assert (near.verdict, near.margin, near.tolerance) == (Verdict.HOLDS, 0.0, 1e-9)
    why = near.why(Why.ROUNDING)
    assert why.value == pytest.approx(-(2.0**-52), rel=1e-6) and why.tolerance == 1e-9
    far = judge_relation(eq, {"x": 1 - 1e-6})
    assert far.verdict == Verdict.FAILS and far.margin == pytest.approx(-1e-6, rel=1e-6)
    assert far.why(Why.ROUNDING) is None
    strict = judge_relation(m < n, {"m": 1.0, "n": 1.0 - 1e-12})
    assert strict.verdict == Verdict.UNKNOWN and strict.margin < 0
    assert strict.why(Why.ROUNDING).value == strict.margin
    loose = judge_relation(eq, {"x": 1 - 1e-6}, rtol=1e-5)  # the tolerance is the caller's
    assert (loose.verdict, loose.margin, loose.why(Why.ROUNDING).tolerance) == (
        Verdict.HOLDS, 0.0, 1e-5)


def test_an_exactly_met_equation_has_margin_zero_not_minus_zero():
    x = sympy.Symbol("x", positive=True)
    j = judge_relation(sympy.Eq(x, 1), {"x": 1.0})
    assert j.verdict == Verdict.HOLDS and str(j.margin) == "0.0" and j.why(Why.ROUNDING) is None
