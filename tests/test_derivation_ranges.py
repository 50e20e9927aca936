"""Signs of exponent differences on the ranges a statement's side conditions give."""

import sympy

from prooftools.theory import load_registry
from prooftools.theory.derivation import ranges


def _p_range(reg, *conds):
    p = reg.symbol("zou_p")
    return p, ranges.intervals_from(list(conds), reg.symbols, {"zou_p"})


def test_branch_conditions_sign_the_exponents():
    reg = load_registry()
    p, below = _p_range(reg, reg.symbol("zou_p") < sympy.Rational(1, 2))
    assert below[p] == (0, False, sympy.Rational(1, 2), True)  # domain nonnegative, p < 1/2
    with ranges.assumed(below):
        assert ranges.sign(1 - 2 * p) == 1
        assert ranges.sign(-2 * p) is None  # zero at p = 0: not strictly signed …
        assert ranges.sign(-2 * p, weak=True) == -1  # … but never positive
    _, above = _p_range(reg, reg.symbol("zou_p") > sympy.Rational(1, 2))
    with ranges.assumed(above):
        assert ranges.sign(2 * p - 1) == 1 and ranges.sign(26 - 2 * p - 26) == -1
        assert ranges.sign(p - 3) is None  # p is unbounded above: both signs occur
    _, half = _p_range(reg, sympy.Eq(reg.symbol("zou_p"), sympy.Rational(1, 2)))
    with ranges.assumed(half):
        assert ranges.sign(2 * p - 1) == 0
    # outside a block nothing is assumed
    assert ranges.sign(1 - 2 * p) is None
