"""Chatterjee's criterion solved for the output scale and the step, and Allen-Zhu et al.'s
Theorem 1 (restated n^30 L^30 variant) from Theorems 3, 4 and the trajectory bound.

Each derived bound is checked against an independent numeric evaluation of the statements it
comes from (the registry's own expressions, evaluated with mpmath at random points), and each
verdict against what the algebra by hand gives.
"""

from __future__ import annotations

import random

import mpmath
import pytest
import sympy

from prooftools.theory import load_registry
from prooftools.theory.derivation import derive


@pytest.fixture(scope="module")
def reg():
    return load_registry()


def _item(reg, sid: str, name: str):
    st = reg.get(sid)
    return next(c for c in (*st.hypotheses, *st.conclusions) if c.name == name).expr


def _num(expr, vals: dict):
    """``expr`` at ``vals`` (names of symbols and of observables called at any argument)."""
    repl = {}
    for a in expr.atoms(sympy.Symbol):
        if a.name in vals:
            repl[a] = sympy.Float(vals[a.name], 40)
    for f in expr.atoms(sympy.core.function.AppliedUndef):
        repl[f] = sympy.Float(vals[f.func.__name__], 40)
    return sympy.N(expr.xreplace(repl), 40)


def _partial(expr, vals: dict, m_, om_=None):
    """``expr`` with every value of ``vals`` in place, m as ``m_`` and ω as ``om_``."""
    repl = {}
    for a in expr.atoms(sympy.Symbol):
        if a.name == "m":
            repl[a] = m_
        elif a.name == "az_omega" and om_ is not None:
            repl[a] = om_
        elif a.name in vals:
            repl[a] = sympy.Float(vals[a.name], 40)
    for f in expr.atoms(sympy.core.function.AppliedUndef):
        v = vals[f.func.__name__]
        repl[f] = v if isinstance(v, sympy.Basic) else sympy.Float(v, 40)
    return expr.xreplace(repl)


def test_output_scale_solves_the_criterion(reg):
    d = derive(reg, "chatterjee.network_threshold")
    assert d.verdicts == {"output_scale": "agrees"}
    (s,) = d.stated
    assert s.implied_constant == 1
    thr = d.derived["output_scale"]
    crit = _item(reg, "chatterjee.criterion", "criterion")
    scale = _item(reg, "chatterjee.network_threshold", "alpha_scales")
    rng = random.Random(3)
    for _ in range(5):
        vals = {"loss": rng.uniform(0.1, 5), "ch_r": rng.uniform(0.1, 10),
                "ch_kappa": rng.uniform(0.01, 3)}
        s_star = float(_num(thr, vals))
        for factor, holds in ((1.001, True), (0.999, False)):
            # α at its scaling s²κ: the criterion holds just above s*, fails just below
            alpha = _num(scale.rhs, {**vals, "ch_s": s_star * factor})
            assert bool(_num(crit.lhs, vals) < _num(crit.rhs, {**vals, "ch_alpha": alpha})) \
                == holds


def test_gd_step_is_the_root_below_two_over_beta(reg):
    d = derive(reg, "chatterjee.gd")
    eta_max = d.derived["step_size"]
    crit = _item(reg, "chatterjee.gd", "gd_criterion")
    rng = random.Random(5)
    for _ in range(5):
        vals = {"loss": rng.uniform(0.1, 2), "ch_alpha": rng.uniform(0.5, 3),
                "ch_beta": rng.uniform(0.5, 4)}
        vals["ch_r"] = 3 * float(mpmath.sqrt(vals["loss"] / vals["ch_alpha"])) * rng.uniform(1, 5)
        e = float(_num(eta_max, vals))
        assert 0 < e < 2 / vals["ch_beta"]
        for factor, holds in ((0.999, True), (1.001, False)):
            v = {**vals, "eta": e * factor}
            assert bool(_num(crit.lhs, v) < _num(crit.rhs, v)) == holds
    # the stated range 2/β is not comparable in orders (its observables depend on r)
    assert d.verdicts["step_size"] == "not derivable"


def test_allenzhu_width_from_theorems_3_4_and_the_trajectory(reg):
    d = derive(reg, "allenzhu2019.thm1.n30")
    v = {s.bound.name: s for s in d.stated}
    # against the restated n^30 L^30 log²(1/ε): the restatement drops δ and d
    assert v["width"].verdict == "stated tighter"
    assert v["width"].factor.has(sympy.Symbol("1/sep")) and v["width"].factor.has(
        sympy.Symbol("d"))
    assert v["T"].verdict == "stated tighter"
    # the derived orders: d n^12 L^13 / sep^5 (× log³), T ∝ n^6 L² log(n/ε)/sep²
    case = v["width"].cases[0]
    assert case.derived_orders["n"].power == 12 and case.derived_orders["L"].power == 13
    assert case.derived_orders["1/sep"].power == 5
    assert v["T"].cases[0].derived_orders["1/sep"].power == 2


def test_allenzhu_width_matches_the_chain_by_bisection(reg):
    """m* from the chain evaluated directly: ω*(m) is the largest ω for which the semi-smooth
    residual of a GD step (Theorem 4, with ‖W'‖ ≤ η‖∇F‖ and ‖∇F‖² at Theorem 3's lower bound) is
    at most η‖∇F‖²/2; the movement bound must stay below ω*(m)."""
    d = derive(reg, "allenzhu2019.thm1.n30")
    derived = d.derived["width"]
    ss = _item(reg, "allenzhu2019.thm4", "semi_smooth").rhs
    glo = _item(reg, "allenzhu2019.thm3", "gradient_lower").rhs
    move = _item(reg, "allenzhu2019.traj", "movement").rhs
    eta = reg.get("allenzhu2019.thm1.n30").bound("eta").expr
    rng = random.Random(11)
    mpmath.mp.dps = 40
    for _ in range(3):
        vals = {"n": rng.randint(50, 500), "L": rng.randint(2, 20), "d": rng.randint(5, 50),
                "sep": rng.uniform(0.01, 0.2)}
        for name, s in reg.symbols.items():
            if s.role == "constant" and name.startswith("C_az"):
                vals[name] = rng.uniform(0.5, 2)
        F = vals["C_az_F0"] * vals["n"]
        m_, om_ = sympy.symbols("m_ om_", positive=True)
        fix = {**vals, "loss": F}
        e_m = _partial(eta, fix, m_)
        g_m = _partial(glo, fix, m_)
        step = e_m * sympy.sqrt(g_m)
        resid = sympy.lambdify((m_, om_), _partial(ss, {**fix, "az_step_spec": step}, m_, om_),
                               "mpmath")
        budget = sympy.lambdify(m_, e_m * g_m / 2, "mpmath")
        movement = sympy.lambdify(m_, _partial(move, fix, m_), "mpmath")

        def gap(log_m, resid=resid, budget=budget, movement=movement):
            m = mpmath.e ** log_m
            lo, hi = mpmath.mpf(10) ** -80, mpmath.mpf(10) ** 10
            for _ in range(200):  # ω*(m): bisection in log ω
                mid = mpmath.sqrt(lo * hi)
                lo, hi = (mid, hi) if resid(m, mid) <= budget(m) else (lo, mid)
            return mpmath.log(movement(m)) - mpmath.log(lo)

        root = mpmath.findroot(gap, (mpmath.mpf(1), mpmath.mpf(2000)), solver="bisect",
                               tol=mpmath.mpf(10) ** -12)
        want = _num(derived, {**vals})
        assert abs(float(mpmath.log(want)) - float(root)) < 1e-6, (vals, root, want)
