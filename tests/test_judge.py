"""The judge against hand-made trajectories: both sides of a bound, `when`, tolerance, constants."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy

from prooftools.checking.judge import judge_condition, series_verdicts
from prooftools.checking.verdict import Verdict, Why
from prooftools.numerics.networks.two_layer.observers import sperp_lookup
from prooftools.numerics.quantity import Quantity
from prooftools.numerics.trajectory import Trajectory
from prooftools.theory import load_registry


@pytest.fixture(scope="module")
def reg():
    return load_registry()


def cond(reg, sid, name):
    st = reg.get(sid)
    for c in (*reg.hypotheses_of(st), *st.conclusions):
        if c.name == name:
            return c
    raise KeyError(name)


def traj(index, index_name="k", eta=0.1, dense=None, **obs):
    index = np.asarray(index, dtype=float)
    kw = {}
    if dense is not None:
        kw = {"dense_index": np.arange(len(next(iter(dense.values()))), dtype=float),
              "dense": {k: np.asarray(v, float) for k, v in dense.items()}}
    return Trajectory(config={"index": index_name, "eta": eta}, index=index,
                      observables={k: np.asarray(v, float) for k, v in obs.items()}, **kw)


RATE_VALUES = {"eta": 0.5, "lambda0": 0.4}  # contraction ρ = 1 − ηλ0/2 = 0.9


def rate_series(k, factor=1.0):
    return 10.0 * 0.9 ** np.asarray(k, float) * factor


def test_rate_holds_below_the_envelope(reg):
    c = cond(reg, "du2019.thm4.1", "linear_rate")
    k = np.arange(0, 50)
    r = rate_series(k) * np.r_[1.0, np.full(49, 0.8)]
    j = judge_condition(c, RATE_VALUES, trajectory=traj(k, resid_sq=r))
    assert j.verdict == Verdict.HOLDS
    assert j.first_failure is None
    assert j.margin == pytest.approx(0.2)  # (rhs − lhs)/rhs with lhs = 0.8 rhs; k = 0 skipped


def test_rate_fails_above_the_envelope_and_names_the_first_index(reg):
    c = cond(reg, "du2019.thm4.1", "linear_rate")
    k = np.arange(0, 50)
    r = rate_series(k)
    r[17:] *= 1.5  # violation from k = 17 on
    j = judge_condition(c, RATE_VALUES, trajectory=traj(k, resid_sq=r))
    assert j.verdict == Verdict.FAILS
    assert j.first_failure == 17.0
    assert j.margin == pytest.approx((1 - 1.5) / 1.5)
    assert j.worst_index is not None and j.worst_index >= 17


def test_dense_record_checks_every_step(reg):
    """A violation between recorded indices is caught when resid_sq was recorded every step."""
    c = cond(reg, "du2019.thm4.1", "linear_rate")
    dense = rate_series(np.arange(21))
    dense[13] *= 2.0  # only k = 13, not a recorded index (stride 10)
    tr = traj([0, 10, 20], resid_sq=dense[[0, 10, 20]], dense={"resid_sq": dense})
    j = judge_condition(c, RATE_VALUES, trajectory=tr)
    assert (j.verdict, j.first_failure) == (Verdict.FAILS, 13.0)
    assert j.why(Why.COVERAGE).subjects == ("every step",)


def test_nan_entries_are_skipped_and_counted(reg):
    c = cond(reg, "du2019.lemma3.3", "eigenvalue_floor")  # ntk_min(t) >= lambda0/2, forall t
    tr = traj([0, 1, 2, 3], index_name="t", ntk_min=[0.3, np.nan, 0.25, np.nan])
    j = judge_condition(c, {"lambda0": 0.4}, trajectory=tr)
    assert j.verdict == Verdict.HOLDS
    assert j.why(Why.COVERAGE).counts == (2, 4, 2)  # 2 of 4 checked, 2 not measured
    tr = traj([0, 1, 2, 3], index_name="t", ntk_min=[0.3, np.nan, 0.15, np.nan])
    j = judge_condition(c, {"lambda0": 0.4}, trajectory=tr)
    assert (j.verdict, j.first_failure) == (Verdict.FAILS, 2.0)


def test_when_restricts_the_range(reg):
    """Lemma 3.2 promises ntk_min > λ0/2 only while dist_max ≤ R; violations outside don't count."""
    c = cond(reg, "du2019.lemma3.2", "gram_eigenvalue")
    consts = {k: v for k, v in reg.derived_constants().items()}
    values = {"n": 2, "delta": 0.1, "lambda0": 0.4}
    R = float(sympy.sqrt(2 * sympy.pi) / 16) * 0.1 * 0.4 / 4
    dist = np.array([0.0, 0.5 * R, 2 * R, 3 * R])
    ntk = np.array([0.35, 0.3, 0.1, 0.05])  # below λ0/2 = 0.2 only outside the ball
    tr = traj([0, 1, 2, 3], ntk_min=ntk, dist_max=dist)
    j = judge_condition(c, values, trajectory=tr, constants=consts)
    assert j.verdict == Verdict.HOLDS and j.why(Why.WHEN_RANGE).counts == (2, 4)
    ntk[1] = 0.1  # now inside the ball
    j = judge_condition(c, values, trajectory=tr, constants=consts)
    assert (j.verdict, j.first_failure) == (Verdict.FAILS, 1.0)
    tr = traj([0, 1], ntk_min=[0.3, 0.3], dist_max=[2 * R, 3 * R])
    j = judge_condition(c, values, trajectory=tr, constants=consts)
    assert j.verdict == Verdict.UNKNOWN and j.reasons[0].why == Why.NO_INDEX_IN_WHEN


def test_rounding_tolerance():
    s = np.array([1.0, 1.0 + 1e-12, 1.0 + 1e-6])
    codes, _ = series_verdicts(s, np.ones(3), "<=")
    assert codes.tolist() == [1, 0, -1]  # equal: holds; within rounding above: unknown; beyond
    codes, _ = series_verdicts(np.ones(2), np.array([1.0, 1.0 + 1e-12]), "<")
    assert codes.tolist() == [0, 0]  # a strict inequality is not decided within rounding
    # noise floor: values 1e-20 against a series that started at 10 are within rounding
    codes, _ = series_verdicts(np.array([10.0, 2e-20]), np.array([10.0, 1e-20]), "<=")
    assert codes.tolist() == [1, 0]


def test_fixed_arguments_resid_sq_zero_and_sperp_sum(reg):
    c = cond(reg, "du2019.markov", "initial_residual")  # resid_sq(0) <= n (y_max² + 1/2)/δ
    values = {"n": 4, "y_max": 1.0, "delta": 0.5}  # rhs = 12
    assert judge_condition(c, values, trajectory=traj([0, 1], resid_sq=[11.0, 3.0])).verdict \
        == Verdict.HOLDS
    assert judge_condition(c, values, trajectory=traj([0, 1], resid_sq=[13.0, 3.0])).verdict \
        == Verdict.FAILS
    c = cond(reg, "du2019.lemma4.1", "flip_budget")
    consts = reg.derived_constants()
    values = {"n": 2, "delta": 0.5, "lambda0": 0.4, "m": 100}
    R = float(sympy.sqrt(2 * sympy.pi) / 32) * 0.5 * 0.4 / 4
    budget = math.sqrt(2 / math.pi) * 100 * 2 * R / 0.5  # ≈ 2.0
    for count, expect in ((1.0, Verdict.HOLDS), (5.0, Verdict.FAILS)):
        tr = Trajectory(config={"index": "k"}, index=np.array([0.0]),
                        observables={"resid_sq": np.array([1.0])},
                        scalars={})
        fn = {"sperp_sum": sperp_lookup(np.array([R / 10, R, 10 * R]),
                                        np.array([0.0, count, 50.0]))}
        j = judge_condition(c, values, trajectory=tr, constants=consts, functions=fn)
        assert j.verdict == expect, (count, budget, j)
    # R between samples: counts bracket the value; [0, 50] straddles the budget -> unknown
    tr = Trajectory(config={"index": "k"}, index=np.array([0.0]),
                    observables={"resid_sq": np.array([1.0])},
                    scalars={})
    fn = {"sperp_sum": sperp_lookup(np.array([R / 10, 10 * R]), np.array([0.0, 50.0]))}
    assert judge_condition(c, values, trajectory=tr, constants=consts,
                           functions=fn).verdict == Verdict.UNKNOWN


def test_implied_constant_of_the_width_hypothesis(reg):
    c = cond(reg, "du2019.thm4.1", "width")  # m >= C_du_m n^6/(λ0^4 δ^3)
    values = {"m": 10**6, "n": 10, "lambda0": 0.25, "delta": 0.1}
    j = judge_condition(c, values, hidden={"C_du_m"})
    assert j.verdict == Verdict.UNKNOWN
    op, val = j.implied_constants["C_du_m"].split()
    assert op == "<=" and float(val) == pytest.approx(10**6 * 0.25**4 * 0.1**3 / 10**6, rel=1e-3)


def test_implied_constant_over_a_series(reg):
    c = cond(reg, "du2019.remark3.1", "trajectory_rate")  # ntk_dev(t) <= C_du_h sqrt(1/m)
    dev = np.array([0.0, 0.01, 0.03, 0.02])
    j = judge_condition(c, {"m": 400}, trajectory=traj([0, 1, 2, 3], "t", ntk_dev=dev),
                        hidden={"C_du_h"})
    assert j.verdict == Verdict.UNKNOWN
    op, val = j.implied_constants["C_du_h"].split()
    assert op == ">=" and float(val) == pytest.approx(0.03 * 20, rel=1e-3)
    assert j.worst_index == 2.0


def test_data_hypothesis_with_certified_quantity(reg):
    c = cond(reg, "du2019.asm3.1", "lambda0_positive")
    assert judge_condition(c, {"lambda0": Quantity(0.2, lower=0.19)}).verdict == Verdict.HOLDS
    assert judge_condition(c, {"lambda0": Quantity(1e-17, lower=-1e-9, upper=1e-9)}).verdict \
        == Verdict.UNKNOWN
    assert judge_condition(c, {"lambda0": -0.1}).verdict == Verdict.FAILS


def test_k_condition_on_a_flow_run_reads_k_as_t_over_eta(reg):
    c = cond(reg, "du2019.cond4.1", "decay_so_far")
    t = np.array([0.0, 1.0, 2.0])  # eta = 0.5 -> k = 0, 2, 4
    r = 10.0 * 0.9 ** (t / 0.5)
    j = judge_condition(c, RATE_VALUES, trajectory=traj(t, "t", eta=0.5, resid_sq=r))
    assert j.verdict == Verdict.HOLDS and j.why(Why.INDEX_READING).subjects[:2] == ("k", "t/η")
    r[2] *= 1.01
    j = judge_condition(c, RATE_VALUES, trajectory=traj(t, "t", eta=0.5, resid_sq=r))
    assert (j.verdict, j.first_failure) == (Verdict.FAILS, 4.0)


def test_missing_observable_is_unknown(reg):
    c = cond(reg, "du2019.cor4.1", "movement")
    j = judge_condition(c, {"n": 2, "m": 4, "lambda0": 0.3},
                        trajectory=traj([0, 1], resid_sq=[1.0, 0.5]))
    assert j.verdict == Verdict.UNKNOWN and j.why(Why.NOT_MEASURED).subjects == ("dist_max",)
    assert judge_condition(c, {"n": 2}, trajectory=None).verdict == Verdict.UNKNOWN


def test_a_series_equation_within_rounding_holds_at_margin_zero():
    """An equation over the run equal within rounding reports margin 0 (never a negative margin
    with `holds`), with the raw worst margin and the tolerance as a reason; beyond it, it fails."""
    from prooftools.theory.definitions import Condition

    k = sympy.Symbol("k", nonnegative=True, integer=True)
    c = Condition("unit", sympy.Eq(sympy.Function("norm_sq")(k), 1), "norm_sq(k) == 1",
                  "verified", "", forall=("k",))
    j = judge_condition(c, {}, trajectory=traj([0, 1, 2], norm_sq=[1.0, 1 - 2.0**-52, 1.0]))
    assert (j.verdict, j.margin, j.worst_index) == (Verdict.HOLDS, 0.0, 1.0)
    assert j.why(Why.ROUNDING).value < 0 and j.why(Why.ROUNDING).tolerance == 1e-9
    j = judge_condition(c, {}, trajectory=traj([0, 1, 2], norm_sq=[1.0, 1 - 1e-6, 1.0]))
    assert (j.verdict, j.first_failure) == (Verdict.FAILS, 1.0) and j.margin < 0
    assert j.why(Why.ROUNDING) is None
