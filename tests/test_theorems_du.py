"""Du et al. 2019 (arXiv 1810.02054v2) as encoded, against the formulas printed in the paper.

The printed formulas are typed here independently of theorems/du2019.toml (read from the full
text, §3, §4 and Appendices A–B); the encoded expressions come from the loaded registry (already
parsed sympy objects, never re-parsed from text) and are compared numerically.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from sympy.core.function import AppliedUndef

from prooftools.checking.verdict import Why
from prooftools.theory import load_registry


@pytest.fixture(scope="module")
def reg():
    return load_registry()


def _num(reg, expr, resid0=None, **values):
    """Evaluate a parsed expression at named values (observable calls resid_sq(0) → resid0)."""
    calls = {c: sp.Float(resid0) for c in expr.atoms(AppliedUndef)
             if c.func.__name__ == "resid_sq"}
    consts = {reg.symbol(k): v for k, v in reg.derived_constants().items()}
    subs = {reg.symbol(k): sp.Float(v, 30) for k, v in values.items()}
    out = expr.xreplace(calls).xreplace(subs).xreplace(consts)
    return out if isinstance(out, sp.logic.boolalg.BooleanAtom) else float(sp.N(out, 30))


# ----------------------------------------------------------------------------- Lemma 3.1 constant


def explicit_width_31(n, delta, lam0):
    """Hoeffding (terms in [−1, 1]) per entry at failure δ/n², union bound, ‖·‖₂ ≤ ‖·‖_F:
    ‖H(0) − H^∞‖₂ ≤ n·sqrt(2 ln(2n²/δ)/m) ≤ λ0/4  ⇔  m ≥ 32 n² ln(2n²/δ)/λ0²."""
    return 32.0 * n**2 * math.log(2.0 * n**2 / delta) / lam0**2


def omega_width_31(reg, n, delta, lam0, C=None):
    b = reg.get("du2019.lemma3.1").bound("width")
    expr = b.expr if C is None else b.expr.xreplace({reg.symbol("C_du_m31"): sp.Float(C)})
    return _num(reg, expr, n=n, delta=delta, lambda0=lam0)


def test_lemma31_constant_makes_the_omega_width_sufficient(reg):
    # the point: with C = 32 the Ω-form is 2.95e14 against the explicit 5.38e14
    n, delta, lam0 = 1000, 0.1, 1e-3
    assert explicit_width_31(n, delta, lam0) == pytest.approx(5.38e14, rel=2e-3)
    assert omega_width_31(reg, n, delta, lam0, C=32) == pytest.approx(2.95e14, rel=2e-3)
    assert omega_width_31(reg, n, delta, lam0, C=32) < explicit_width_31(n, delta, lam0)
    assert omega_width_31(reg, n, delta, lam0) >= explicit_width_31(n, delta, lam0)
    # and on a grid of n ≥ 2, δ ∈ (0, 1), λ0 (λ0 cancels, kept to exercise the expression)
    for n in (2, 3, 5, 10, 100, 1000, 10**6):
        for delta in (1e-9, 1e-3, 0.1, 0.5, 0.9, 0.999):
            for lam0 in (1e-6, 1e-3, 0.5):
                assert omega_width_31(reg, n, delta, lam0) >= explicit_width_31(n, delta, lam0)


def test_lemma31_constant_is_the_smallest_that_works_for_all_n_ge_2(reg):
    # ratio 32 ln(2n²/δ)/ln(n/δ) → 96 as n = 2, δ → 1: any smaller C fails somewhere
    assert omega_width_31(reg, 2, 0.999, 0.1, C=95) < explicit_width_31(2, 0.999, 0.1)
    assert reg.derived_constants()["C_du_m31"] == 96


# ----------------------------------------------------------------------------- provenance


def test_tags_raised_only_where_the_printed_formula_is_encoded(reg):
    st = reg.get
    assert st("du2019.lemma3.1").bound("width").provenance == "verified"
    dev = next(c for c in st("du2019.lemma3.2").conclusions if c.name == "gram_deviation")
    assert dev.provenance == "verified"
    assert st("du2019.thm3.3").bound("width").provenance == "verified"
    assert st("du2019.lemmaA.6").provenance == "verified"
    mv = next(c for c in st("du2019.cor4.1").conclusions if c.name == "movement")
    assert mv.provenance == "verified"
    # the corrected radius is not the printed one: it stays 'derived' and says why
    mv33 = next(c for c in st("du2019.lemma3.3").conclusions if c.name == "movement")
    assert mv33.provenance == "derived"
    assert "without the factor 2" in st("du2019.lemma3.3").notes
    assert "error" in st("du2019.lemma3.3").notes and "corrected" in st("du2019.lemma3.3").notes
    assert "WITHOUT δ" in st("du2019.lemma4.1").notes


def test_lemma33_radius_has_the_factor_two_the_paper_misprints(reg):
    """Integrating ‖dw_r/ds‖ ≤ (√n/√m) e^{−λ0 s/2}‖y − u(0)‖ gives 2√n‖y − u(0)‖/(√m λ0)."""
    n, m, lam0, r0 = 50, 10**6, 0.05, 40.0
    c = next(c for c in reg.get("du2019.lemma3.3").conclusions if c.name == "movement")
    radius = _num(reg, c.expr.rhs, resid0=r0, n=n, m=m, lambda0=lam0)
    s = np.linspace(0.0, 400.0 / lam0, 400001)
    speed = math.sqrt(n) / math.sqrt(m) * np.exp(-lam0 * s / 2) * math.sqrt(r0)
    integral = float(np.sum((speed[1:] + speed[:-1]) / 2 * np.diff(s)))
    assert radius == pytest.approx(integral, rel=1e-6)
    printed = math.sqrt(n) * math.sqrt(r0) / (math.sqrt(m) * lam0)
    assert radius == pytest.approx(2 * printed)


# ----------------------------------------------------------------------------- Lemma A.6


def printed_radii(n, m, delta, lam0, r0):
    """App. A.1, before Lemma A.3 (typed from the paper)."""
    res = math.sqrt(r0)
    return {
        "R_w": math.sqrt(2 * math.pi) * lam0 * delta / (32 * n**2),
        "R_a": lam0 / (16 * n**2),
        "R_w_prime": 4 * math.sqrt(n) * res / (math.sqrt(m) * lam0),
        "R_a_prime": 8 * math.sqrt(n) * res * math.sqrt(math.log(m * n / delta))
        / (math.sqrt(m) * lam0),
    }


@pytest.mark.parametrize("n,m,delta,lam0,r0", [(10, 10**12, 0.1, 0.2, 5.0),
                                               (3, 500, 0.05, 0.01, 2.0),
                                               (40, 10**20, 0.3, 0.07, 33.0)])
def test_lemmaA6_hypotheses_and_conclusions_are_the_printed_ones(reg, n, m, delta, lam0, r0):
    st = reg.get("du2019.lemmaA.6")
    want = printed_radii(n, m, delta, lam0, r0)
    vals = dict(n=n, m=m, delta=delta, lambda0=lam0)
    for name, value in want.items():
        assert _num(reg, st.bound(name).expr, resid0=r0, **vals) == pytest.approx(value, rel=1e-12)
    hyp = {h.name: h for h in st.hypotheses}
    assert set(hyp) >= {"radius_w", "radius_a"}
    for name, (lhs, rhs) in {"radius_w": ("R_w_prime", "R_w"),
                             "radius_a": ("R_a_prime", "R_a")}.items():
        h = hyp[name].expr
        assert isinstance(h, sp.StrictLessThan)
        assert _num(reg, h.lhs, resid0=r0, **vals) == pytest.approx(want[lhs], rel=1e-12)
        assert _num(reg, h.rhs, resid0=r0, **vals) == pytest.approx(want[rhs], rel=1e-12)
    con = {c.name: c for c in st.conclusions}
    assert set(con) == {"eigenvalue", "movement_w", "movement_a", "decay"}
    assert all(c.forall == ("t",) for c in con.values())
    names = {c.name: {f.func.__name__ for f in c.expr.atoms(AppliedUndef)} for c in con.values()}
    assert names["eigenvalue"] == {"ntk_first_min"}  # Lemma A.6's H(t) is the first-layer block
    assert names["movement_a"] == {"resid_sq", "dist_out_max"}
    assert _num(reg, con["movement_w"].expr.rhs, resid0=r0, **vals) == pytest.approx(
        want["R_w_prime"], rel=1e-12)
    assert _num(reg, con["movement_a"].expr.rhs, resid0=r0, **vals) == pytest.approx(
        want["R_a_prime"], rel=1e-12)
    # the eigenvalue floor is λ0/2
    lam_floor = con["eigenvalue"].expr.rhs.xreplace({reg.symbol("lambda0"): sp.Float(lam0)})
    assert float(lam_floor) == pytest.approx(lam0 / 2)


def test_lemmaA6_hypotheses_can_fail_and_hold(reg):
    """Narrow: R'_w ≫ R_w (fails); astronomically wide: both hold."""
    st = reg.get("du2019.lemmaA.6")
    hyp = {h.name: h.expr for h in st.hypotheses}
    narrow = dict(n=8, m=200, delta=0.1, lambda0=0.1)
    wide = dict(n=8, m=10**30, delta=0.1, lambda0=0.1)
    for name in ("radius_w", "radius_a"):
        assert _num(reg, hyp[name], resid0=4.0, **narrow) == sp.false
        assert _num(reg, hyp[name], resid0=4.0, **wide) == sp.true


def test_joint_training_observables_are_declared(reg):
    for name in ("ntk_first_min", "dist_out_max"):
        assert reg.symbols[name].role == "observable"
        assert reg.symbols[name].args == ("k",)


# ----------------------------------------------------------------------------- Lemma A.6 on runs


def _narrow_joint_data():
    ang = np.linspace(0, np.pi, 7)[:-1] + 0.1  # six non-parallel unit vectors in the plane
    return np.c_[np.cos(ang), np.sin(ang)], np.random.default_rng(0).standard_normal(6)


def _wide_joint_data(m, seed):
    """Two orthogonal inputs (λ0 = 1/2) with labels 1e-3 from the network's initial outputs, so
    ‖y − u(0)‖ is tiny and R'_w < R_w, R'_a < R_a hold at a width a test can afford."""
    from prooftools.numerics.networks.two_layer.network import forward, init_params

    X = np.eye(3)[:2]
    W0, a0 = init_params(m, 3, np.random.default_rng(seed))
    return X, forward(W0, a0, X) + 1e-3 * np.array([1.0, -1.0])


def _verify_joint(reg, X, y, m, *, seed, delta, steps=30, lr=0.05):
    """Lemma A.6 through ``verify`` (the two-layer engine trains both layers for the statement's
    network tag two_layer_relu_joint; gradient flow from its algorithm tag)."""
    from prooftools.api import verify

    rep = verify(reg, "du2019.lemmaA.6", X, y, width=m, steps=steps, lr=lr, seed=seed,
                 delta=delta, stride=1, expensive_stride=1, progress=False)
    assert rep.config["trained"] == "W and a (joint training)"
    assert rep.config["algorithm"] == "flow"
    by = {it.judgement.item: it for it in rep.items
          if it.judgement.statement == "du2019.lemmaA.6"}
    return by, rep.graph, rep.failing_links


def test_lemmaA6_too_narrow_run_is_not_guaranteed_not_refuted(reg):
    """m = 3 < n: H(t) is singular, so the eigenvalue conclusion measurably fails; with the
    printed hypotheses failing too the lemma is 'not guaranteed' and no failing link (the old
    encoding, without hypotheses, made this a refutation)."""
    X, y = _narrow_joint_data()
    by, graph, links = _verify_joint(reg, X, y, 3, seed=0, delta=0.1)
    assert str(by["radius_w"].judgement.verdict) == "fails"
    assert str(by["radius_a"].judgement.verdict) == "fails"
    assert str(by["eigenvalue"].measured) == "fails"
    assert by["eigenvalue"].judgement.why(Why.NOT_A_COUNTEREXAMPLE) is not None
    for name in ("movement_w", "movement_a", "decay"):
        assert str(by[name].judgement.verdict) in ("not guaranteed", "fails")
    assert graph["du2019.lemmaA.6"] == "not guaranteed"
    assert "du2019.lemmaA.6" not in links


def test_lemmaA6_holds_when_its_hypotheses_hold(reg):
    X, y = _wide_joint_data(4000, seed=1)
    by, graph, links = _verify_joint(reg, X, y, 4000, seed=1, delta=0.5, steps=20)
    for name in ("radius_w", "radius_a", "eigenvalue", "movement_w", "movement_a", "decay"):
        assert str(by[name].judgement.verdict) == "holds", name
    assert graph["du2019.lemmaA.6"] == "holds" and not links
