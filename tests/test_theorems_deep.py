"""Facts of the deep-ReLU encodings (zou2018, allenzhu2019, zougu2019) that the reference states.

Expressions are taken from the loaded registry (already parsed), never re-parsed from text.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from prooftools.theory import load_registry

PAPERS = ("zou2018", "allenzhu2019", "zougu2019")
TAGS = ("verified", "derived", "secondary", "recollection")


@pytest.fixture(scope="module")
def reg():
    return load_registry()


def _bound(reg, sid, name):
    return next(b for b in reg.get(sid).bounds if b.name == name)


def _sym(reg, name):
    return reg.symbol(name)


def _leading_degree(reg, expr, var="n", drop=()):
    """Degree in ``var`` after setting polylog factors and the listed symbols to 1."""
    expr = expr.replace(sp.log, lambda *a: sp.Integer(1))
    expr = expr.subs({_sym(reg, s): 1 for s in drop})
    return sp.Poly(sp.expand(expr), _sym(reg, var)).degree()


def test_every_statement_has_source_and_provenance(reg):
    ours = [st for st in reg if st.paper in PAPERS]
    assert {st.paper for st in ours} == set(PAPERS)
    for st in ours:
        assert st.source and st.provenance in TAGS, st.id
        for item in (*st.hypotheses, *st.bounds, *st.conclusions):
            assert item.provenance in TAGS, (st.id, item.name)


def test_zou_gd_cross_entropy_width_is_n26_and_printed_form_n26_over_eps(reg):
    width = _bound(reg, "zou2018.thm4.1.ce", "width").expr
    eps = _sym(reg, "eps")
    assert _leading_degree(reg, width) == 26
    # the ε-term carries n^24 in the derived form, n^26 in the printed (swapped) form
    assert _leading_degree(reg, sp.limit(width * eps, eps, 0)) == 24
    printed = _bound(reg, "zou2018.thm4.1.ce", "m_printed").expr
    assert _leading_degree(reg, sp.limit(printed * eps, eps, 0)) == 26


def test_zou_gd_general_width_exponent_and_depth(reg):
    p = _sym(reg, "zou_p")
    width = _bound(reg, "zou2018.thm4.1.ainf_plt", "width").expr
    n = _sym(reg, "n")
    stripped = width.subs(p, sp.Rational(1, 4)).replace(sp.log, lambda *a: sp.Integer(1))
    assert sp.limit(sp.log(stripped) / sp.log(n), n, sp.oo) == sp.Rational(51, 2)  # n^{26 - 2p}
    assert _leading_degree(reg, width.subs(p, 0), var="L") == 38


def test_zou_sgd_width_exceeds_gd_width_in_n(reg):
    for case in ("afin_plt", "ainf_pgt"):
        gd = _bound(reg, f"zou2018.thm4.1.{case}", "width").expr
        sgd = _bound(reg, f"zou2018.thm4.5.{case}", "width").expr
        p = _sym(reg, "zou_p")
        gd_d = _leading_degree(reg, gd.subs(p, 1), drop=("eps",))
        sgd_d = _leading_degree(reg, sgd.subs(p, 1), drop=("eps",))
        # Remark 4.7: SGD is worse by a factor between n^2 and n^4
        assert 2 <= sgd_d - gd_d <= 4, (case, gd_d, sgd_d)
    assert _leading_degree(reg, _bound(reg, "zou2018.thm4.5.ce", "width").expr, drop=("eps",)) == 28


def test_zou_width_solves_keta_le_T(reg):
    """The §5.1 widths come from Kη (Lemma 5.4) ≤ T = L^-38 n^-21 φ^7 (reference Part 4, item 3)."""
    n, L, phi, m = (_sym(reg, s) for s in ("n", "L", "phi", "m"))
    keta = n**5 / (m * phi)
    solved = sp.solve(sp.Eq(keta, phi**7 / (L**38 * n**21)), m)[0]
    assert sp.simplify(solved - n**26 * L**38 / phi**8) == 0
    width = _bound(reg, "zou2018.cor4.3.ce", "width").expr
    assert _leading_degree(reg, width) == 26
    # SGD, alpha0 < inf: T = n^-9 L^-19 m^-1/2 φ^3 gives n^28
    msgd = sp.solve(sp.Eq(keta, phi**3 / (n**9 * L**19 * sp.sqrt(m))), m)[0]
    assert sp.simplify(msgd - n**28 * L**38 / phi**8) == 0


def test_zou_step_size_hypothesis_is_the_lemma_form(reg):
    st = reg.get("zou2018.thm4.1.afin_pgt")
    eta = _bound(reg, st.id, "eta")
    printed = _bound(reg, st.id, "eta_printed")
    assert eta.symbol == "eta" and printed.symbol is None  # printed form is not a hypothesis
    assert sp.simplify(eta.expr / printed.expr).has(_sym(reg, "phi"))


def test_cross_entropy_loss_class_numerically():
    """def.cross_entropy: −ℓ' ≥ min(1/2, ℓ/2), |ℓ''| ≤ 1/4, |ℓ'| ≤ min(1, ℓ) on a grid."""
    z = np.linspace(-30, 30, 20001)
    ell = np.logaddexp(0, -z)
    dneg = 1 / (1 + np.exp(z))
    d2 = np.exp(z) / (1 + np.exp(z)) ** 2
    assert np.all(dneg >= np.minimum(0.5, 0.5 * ell) - 1e-15)
    assert np.max(d2) <= 0.25 + 1e-15
    assert np.all(dneg <= np.minimum(1.0, ell) + 1e-15)
    assert not np.all(dneg >= np.minimum(0.5, 2 * ell))  # α1 = 2 is too large: the check can fail
    assert np.max(d2) > 0.2  # and λ = 1/5 would be too small


def test_lemma_c1_concavity_numerically(reg):
    st = reg.get("zou2018.lemmaC.1")
    a, b, p = (_sym(reg, s) for s in ("zou_ca", "zou_cb", "zou_p"))
    rng = np.random.default_rng(0)
    for c in st.conclusions:
        for _ in range(200):
            av, bv = rng.uniform(0.01, 5, 2)
            pv = {"concavity_p_lt_half": rng.uniform(0, 0.49),
                  "concavity_p_gt_half": rng.uniform(0.51, 1),
                  "concavity_log": 0.5}[c.name]
            vals = {a: av, b: bv, p: pv}
            lhs, rhs = float(c.expr.lhs.subs(vals)), float(c.expr.rhs.subs(vals))
            assert lhs >= rhs - 1e-12, (c.name, av, bv, pv)
    # for p < 0 the function is convex and the inequality fails (the check can fail)
    vals = {p: -1, a: 3, b: 1}
    concl = st.conclusions[0].expr
    assert float(concl.lhs.subs(vals)) < float(concl.rhs.subs(vals))


def test_separation_product_is_at_least_half():
    """Cor. A.5: [1 − log2/(2L)]^L ≥ 1/2 for every L ≥ 1 (Bernoulli), limit e^{−log2/2} ≈ 0.707."""
    L = np.arange(1, 10001)
    vals = (1 - np.log(2) / (2 * L)) ** L
    assert vals.min() >= 0.5 and abs(vals[-1] - 2**-0.5) < 1e-4


def test_allenzhu_keeps_both_width_versions(reg):
    n30 = reg.get("allenzhu2019.thm1.n30")
    n24 = reg.get("allenzhu2019.thm1.n24")
    assert n30.tags["width_variant"] == "n30" and n24.tags["width_variant"] == "n24"
    assert _leading_degree(reg, _bound(reg, n30.id, "width").expr) == 30
    assert _leading_degree(reg, _bound(reg, n30.id, "width").expr, var="L") == 30
    w24 = _bound(reg, n24.id, "width").expr
    assert _leading_degree(reg, w24) == 24 and _leading_degree(reg, w24, var="L") == 12
    assert n30.provenance == "secondary"
    assert _bound(reg, n24.id, "width").provenance == "recollection"


def test_allenzhu_derived_step_size_matches_iterations(reg):
    """η ≈ dδ/(n^4 L² m) with contraction ηδm/(dn²) gives T ∝ n^6 L² log(1/ε)/δ² (§2.3)."""
    eta = _bound(reg, "allenzhu2019.thm1.n24", "eta").expr
    d, sep, m, n, L, eps = (_sym(reg, s) for s in ("d", "sep", "m", "n", "L", "eps"))
    c = eta * sep * m / (d * n**2)
    T = sp.log(1 / eps) / c
    T24 = _bound(reg, "allenzhu2019.thm1.n24", "T").expr
    ratio = sp.simplify(T / T24)
    assert not ratio.free_symbols & {n, L, sep, m, d, eps}


def test_allenzhu_trajectory_derivation(reg):
    """η√(Lnm/d)·2√F0/c with c = ηδm/(dn²) equals 2 n^{5/2} √(Ld) √F0/(δ√m)."""
    eta, L, n, m, d, sep, F0 = sp.symbols("eta L n m d sep F0", positive=True)
    c = eta * sep * m / (d * n**2)
    moved = eta * sp.sqrt(L * n * m / d) * 2 * sp.sqrt(F0) / c
    expected = 2 * n**sp.Rational(5, 2) * sp.sqrt(L * d) * sp.sqrt(F0) / (sep * sp.sqrt(m))
    assert sp.simplify(moved - expected) == 0
    rhs = reg.get("allenzhu2019.traj").conclusions[0].expr.rhs
    n_, m_ = _sym(reg, "n"), _sym(reg, "m")
    assert sp.limit(sp.log(rhs) / sp.log(n_), n_, sp.oo) == sp.Rational(5, 2)
    assert sp.limit(sp.log(rhs) / sp.log(m_), m_, sp.oo) == sp.Rational(-1, 2)


def test_zougu_milder_than_predecessors(reg):
    gd = _bound(reg, "zougu2019.thm.gd", "width").expr
    az = _bound(reg, "allenzhu2019.thm1.n24", "width").expr
    assert _leading_degree(reg, gd) == 8 < _leading_degree(reg, az)
    assert reg.get("zougu2019.thm.gd").provenance == "recollection"


def test_uses_graph_follows_reference(reg):
    deps = set(reg.dependencies("zou2018.cor4.3"))
    for needed in ("zou2018.thm4.1", "zou2018.lemma5.5", "zou2018.thm5.1", "zou2018.thm5.3",
                   "zou2018.eqC.6", "zou2018.lemmaA.15", "zou2018.lemmaB.5", "zou2018.lemmaC.1"):
        assert needed in deps, needed
    sgd = set(reg.dependencies("zou2018.thm4.5.ainf_plt"))
    assert {"zou2018.lemma5.7.ainf", "zou2018.lemmaD.3", "zou2018.asm4.4"} <= sgd
    assert {"allenzhu2019.thm3", "allenzhu2019.thm4", "allenzhu2019.claim8.2"} <= set(
        reg.dependencies("allenzhu2019.thm1"))
