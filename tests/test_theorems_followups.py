"""Checks of the Zhou–Liang, Chatterjee and follow-up theorem files against independent numerics.

Every formula is taken from the loaded registry (parsed sympy, never sympified text) and evaluated
on random instances computed with numpy; each check has a companion that fails when it should.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy

from prooftools.theory import load_registry

MY_IDS = [
    "zhouliang2017.linear", "zhouliang2017.residual", "zhouliang2017.one_hidden",
    "zhouliang2017.regularity_linear", "zhouliang2017.regularity_residual",
    "zhouliang2017.regularity_one_hidden", "zhouliang2017.min_linear",
    "zhouliang2017.min_residual", "zhouliang2017.gd_pointwise",
    "chatterjee.alpha", "chatterjee.criterion", "chatterjee.gf", "chatterjee.gd",
    "chatterjee.network", "chatterjee.network_pl_init", "chatterjee.network_threshold",
    "chatterjee.random_init",
    "du2019deep.fc", "du2019deep.resnet", "du2019deep.conv_resnet", "du2019deep.ntk_ge_KH",
    "du2019deep.relu_gram",
    "arora2019.thm4.1", "arora2019.lemma5.3", "arora2019.thm5.1", "arora2019.complexity_bound",
    "oymak2020.headline", "oymak2020.meta", "oymak2020.smooth_width", "oymak2020.relu_quadratic",
    "oymak2020.relu_quartic", "oymak2020.relu_covariance", "oymak2020.sep_bridge",
    "songyang2019.intermediate", "songyang2019.quadratic", "songyang2019.chernoff_init",
    "jitelgarsky2020.thm2.2", "jitelgarsky2020.headline", "jitelgarsky2020.li2025_width",
    "jitelgarsky2020.l2_margin_bridge",
    "liuzhubelkin2022.thm_loss", "liuzhubelkin2022.thm_system", "liuzhubelkin2022.wide_nets",
]


@pytest.fixture(scope="module")
def reg():
    return load_registry()


def _sym(reg, name):
    return reg.symbol(name)


def _conclusion(reg, sid, name):
    return next(c for c in reg.get(sid).conclusions if c.name == name)


def _value(reg, expr, numbers: dict[str, float], calls: dict | None = None) -> float:
    """Substitute plain symbols and observable calls (sympy Function applications) numerically."""
    subs = {_sym(reg, k): v for k, v in numbers.items()}
    out = expr.subs(subs)
    for (fname, args), v in (calls or {}).items():
        out = out.subs(sympy.Function(fname)(*args), v)
    return float(out)


# ------------------------------------------------------------------ registry-level facts
def test_all_statements_loaded_with_honest_provenance(reg):
    for sid in MY_IDS:
        st = reg.get(sid)
        assert st.source and st.provenance in ("verified", "derived", "secondary", "recollection")
    # the qualitative network claim is verified, its hidden threshold has no invented value
    assert reg.get("chatterjee.network").provenance == "verified"
    assert reg.symbols["ch_s_star"].value is None
    assert reg.symbols["C_os_sep"].value is None
    assert reg.get("oymak2020.sep_bridge").provenance == "recollection"
    assert reg.get("chatterjee.random_init").provenance == "recollection"
    # bridges are tagged with the quantity they bound
    assert reg.get("oymak2020.sep_bridge").tags["bridge"] == "lambda0"
    assert reg.get("du2019deep.ntk_ge_KH").tags["bridge"] == "lambda_ntk"


def _n_degree(reg, expr) -> float:
    """Leading power of n of a width expression (hidden constants 1, other data fixed)."""
    n = _sym(reg, "n")
    others = {s: sympy.Rational(1, 3) for s in expr.free_symbols if s != n}
    e = expr.subs(others)
    return float(sympy.limit(sympy.log(e) / sympy.log(n), n, sympy.oo))


def test_songyang_width_has_lower_n_exponent_than_du(reg):
    quad = reg.get("songyang2019.quadratic").bound("width").expr
    inter = reg.get("songyang2019.intermediate").bound("width").expr
    assert _n_degree(reg, quad) == pytest.approx(2)
    assert _n_degree(reg, inter) == pytest.approx(4)
    du_exp = 6.0  # Du et al. 2019 width n^6/(λ0^4 δ^3) [V], du_zhouliang_chatterjee.md §1.3
    if "du2019.thm4.1" in reg.statements:
        du_exp = _n_degree(reg, reg.get("du2019.thm4.1").bound("width").expr)
    assert _n_degree(reg, quad) < _n_degree(reg, inter) < du_exp
    # fails when it should: Arora et al.'s n^7 is not below Du's n^6
    assert not _n_degree(reg, reg.get("arora2019.thm4.1").bound("width").expr) < du_exp


def test_jitelgarsky_width_expands_to_verified_forms(reg):
    width = reg.get("jitelgarsky2020.thm2.2").bound("width").expr
    g, eps = _sym(reg, "jt_gamma"), _sym(reg, "eps")
    fixed = {_sym(reg, "n"): 100, _sym(reg, "delta"): sympy.Rational(1, 10)}
    w = width.subs(fixed)
    # 1/γ^8 scaling (Li–Guo–Lei–Ying's Ω̃(1/γ^8) [S])
    assert sympy.simplify(w.subs(eps, sympy.Rational(1, 10)) * g**8).free_symbols == set()
    # ln²(1/ε) growth (verified intro width Ω(ln(n/δ) + ln(1/ε)²))
    ratio = sympy.limit(w.subs(g, 1) / sympy.log(1 / eps) ** 2, eps, 0, "+")
    assert ratio == 16 * 4096
    assert sympy.limit(w.subs(g, 1) / sympy.log(1 / eps), eps, 0, "+") == sympy.oo


# ------------------------------------------------------------------ Zhou & Liang (derived)
def _linear_instance(rng, d=3, n=7, ell=3):
    X = rng.standard_normal((d, n))
    Y = rng.standard_normal((d, n))
    P = Y @ X.T @ np.linalg.inv(X @ X.T)
    Ws = [rng.standard_normal((d, d)) + 2 * np.eye(d) for _ in range(ell - 1)]
    prod = np.eye(d)
    for W in Ws:
        prod = W @ prod
    Ws.append(P @ np.linalg.inv(prod))  # W_ell* so that W_ell* ... W_1* = P*
    return X, Y, P, Ws


def _lin_loss_grad(Ws, X, Y):
    d = X.shape[0]
    ell = len(Ws)
    prod = np.eye(d)
    for W in Ws:
        prod = W @ prod
    E = prod @ X - Y
    grads = []
    for k in range(ell):
        left = np.eye(d)
        for W in Ws[k + 1:]:
            left = W @ left
        right = np.eye(d)
        for W in Ws[:k]:
            right = W @ right
        grads.append(left.T @ E @ X.T @ right.T)
    return 0.5 * np.sum(E**2), grads


def _smin(A):
    return np.linalg.svd(A, compute_uv=False)[-1]


def test_zhouliang_linear_gradient_dominance_in_neighbourhood(reg):
    rng = np.random.default_rng(0)
    concl = _conclusion(reg, "zhouliang2017.linear", "gradient_dominance")
    lam_expr = reg.get("zhouliang2017.linear").bound("gd_constant").expr
    worst = 0.0
    for _ in range(40):
        X, Y, P, Ws = _linear_instance(rng)
        fstar = 0.5 * np.sum((P @ X - Y) ** 2)
        rho = rng.uniform(0.05, 0.6)
        smins = [_smin(W) for W in Ws]
        S = sum(np.prod([s**2 for j, s in enumerate(smins) if j != k]) for k in range(len(Ws)))
        nums = {"zl_sigma_min_X": _smin(X), "zl_rho": rho, "zl_ell": len(Ws), "zl_S_star": S}
        lam = _value(reg, lam_expr, nums)
        for _ in range(10):
            pts = []
            for W, s in zip(Ws, smins, strict=True):
                D = rng.standard_normal(W.shape)
                pts.append(W + D * rho * s * rng.uniform(0, 1) / np.linalg.norm(D, 2))
            rel = max(np.linalg.norm(Q - W, 2) / s for Q, W, s in zip(pts, Ws, smins, strict=True))
            f, grads = _lin_loss_grad(pts, X, Y)
            ratio = (f - fstar) / sum(np.sum(g**2) for g in grads)
            calls = {("zl_gd_ratio", (_sym(reg, "k"),)): ratio,
                     ("zl_nbhd", (_sym(reg, "k"),)): rel}
            assert bool(concl.when.subs(_subs_all(reg, nums, calls)))
            assert bool(concl.expr.subs(_subs_all(reg, nums, calls))), (ratio, lam)
            worst = max(worst, ratio / lam)
    assert 0 < worst <= 1


def _subs_all(reg, nums, calls):
    out = {_sym(reg, k): v for k, v in nums.items()}
    out.update({sympy.Function(f)(*a): v for (f, a), v in calls.items()})
    return out


def test_zhouliang_constant_is_tight_for_one_matrix_and_a_smaller_one_fails(reg):
    """ℓ = 1: the ratio equals 1/(2σ_min(X)²) along the bottom singular direction."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((3, 6))
    Y = rng.standard_normal((3, 6))
    P = Y @ X.T @ np.linalg.inv(X @ X.T)
    U, s, _ = np.linalg.svd(X)
    W = P + 0.3 * np.outer(rng.standard_normal(3), U[:, -1])
    f, grads = _lin_loss_grad([W], X, Y)
    ratio = (f - 0.5 * np.sum((P @ X - Y) ** 2)) / np.sum(grads[0] ** 2)
    lam_expr = reg.get("zhouliang2017.linear").bound("gd_constant").expr
    lam = _value(reg, lam_expr, {"zl_sigma_min_X": s[-1], "zl_rho": 0.5, "zl_ell": 1,
                                 "zl_S_star": 1.0})
    assert ratio == pytest.approx(lam, rel=1e-9)
    assert not ratio <= 0.99 * lam  # a 1% smaller constant is refuted


def test_zhouliang_residual_gradient_dominance(reg):
    rng = np.random.default_rng(2)
    lam_expr = reg.get("zhouliang2017.residual").bound("gd_constant").expr
    d, n, ell = 3, 8, 4
    for _ in range(200):
        X = rng.standard_normal((d, n))
        Y = rng.standard_normal((d, n))
        P = Y @ X.T @ np.linalg.inv(X @ X.T)
        tau = rng.uniform(0.05, 0.8)
        As = []
        for _ in range(ell):
            D = rng.standard_normal((d, d))
            As.append(D * tau * rng.uniform(0, 1) / np.linalg.norm(D, 2))
        f, grads = _lin_loss_grad([np.eye(d) + A for A in As], X, Y)
        ratio = (f - 0.5 * np.sum((P @ X - Y) ** 2)) / sum(np.sum(g**2) for g in grads)
        lam = _value(reg, lam_expr, {"zl_sigma_min_X": _smin(X), "zl_tau": tau, "zl_ell": ell})
        assert ratio <= lam * (1 + 1e-9)


def test_zhouliang_regularity_and_block_dominance(reg):
    rng = np.random.default_rng(3)
    concl = _conclusion(reg, "zhouliang2017.regularity_one_hidden", "regularity")
    block = _conclusion(reg, "zhouliang2017.one_hidden", "block_gradient_dominance")
    k = _sym(reg, "k")
    worst = np.inf
    for trial in range(300):
        d, n = 3, 9
        X, Y = rng.standard_normal((d, n)), rng.standard_normal((d, n))
        Z = np.tanh(rng.standard_normal((d, d)) @ X)          # Φ = σ(W_1 X), W_1 fixed
        Wstar = Y @ Z.T @ np.linalg.inv(Z @ Z.T)
        W = Wstar + rng.standard_normal((d, d)) * rng.uniform(0.01, 3)
        G = (W @ Z - Y) @ Z.T
        sv = np.linalg.svd(Z, compute_uv=False)
        calls = {("zl_reg_inner", (k,)): float(np.sum(G * (W - Wstar))),
                 ("zl_block_grad_sq", (k,)): float(np.sum(G**2)),
                 ("zl_block_dist_sq", (k,)): float(np.sum((W - Wstar) ** 2))}
        nums = {"zl_sigma_min_Z": sv[-1], "zl_sigma_max_Z": sv[0]}
        if trial < 40:  # the registry formula itself (sympy) on a subset; numpy on all
            assert bool(concl.expr.subs(_subs_all(reg, nums, calls)))
        alpha, beta = 1 / (2 * sv[0] ** 2), sv[-1] ** 2 / 2
        worst = min(worst, calls[("zl_reg_inner", (k,))] / (
            alpha * calls[("zl_block_grad_sq", (k,))] + beta * calls[("zl_block_dist_sq", (k,))]))
        f = 0.5 * np.sum((W @ Z - Y) ** 2)
        fmin = 0.5 * np.sum((Wstar @ Z - Y) ** 2)
        bcalls = {("zl_excess_W2", (k,)): f - fmin, ("zl_grad_W2_sq", (k,)): float(np.sum(G**2)),
                  ("zl_sigma_min_Phi", (k,)): sv[-1]}
        if trial < 40:
            assert bool(block.expr.subs(_subs_all(reg, {}, bcalls)))
        assert f - fmin <= np.sum(G**2) / (2 * sv[-1] ** 2) * (1 + 1e-9)
    assert worst >= 1 - 1e-9
    # fails when it should: doubling β breaks the inequality somewhere along the bottom direction
    Z = np.diag([1.0, 2.0, 3.0]) @ np.eye(3, 9)
    D = np.zeros((3, 3))
    D[0, 0] = 1.0
    G = D @ Z @ Z.T
    inner = np.sum(G * D)
    assert not inner >= np.sum(G**2) / (2 * 9.0) + 2 * (1.0 / 2) * np.sum(D**2)


# ------------------------------------------------------------------ Chatterjee / Liu–Zhu–Belkin
def _least_squares(rng, n=5, p=12):
    A = rng.standard_normal((n, p)) / np.sqrt(p)
    y = rng.standard_normal(n)
    return A, y


def test_chatterjee_gd_conclusions_on_least_squares(reg):
    rng = np.random.default_rng(4)
    A, y = _least_squares(rng)
    st = reg.get("chatterjee.gd")
    ev = np.linalg.eigvalsh(A @ A.T)
    alpha, beta = 2 * ev[0], ev[-1]          # ‖∇f‖²/f ≥ 2λ_min(AAᵀ) for f = ½‖Aw − y‖²; ∇²f = AᵀA
    eta = 1 / beta
    w = np.zeros(A.shape[1])
    f0 = 0.5 * np.sum((A @ w - y) ** 2)
    path = _value(reg, st.bound("path_length").expr, {"eta": eta},
                  {("loss", (0,)): f0, ("ch_alpha", (_sym(reg, "ch_r"),)): alpha,
                   ("ch_beta", (_sym(reg, "ch_r"),)): beta})
    r = 1.01 * path
    q = _value(reg, st.bound("rate").expr, {"eta": eta},
               {("ch_alpha", (_sym(reg, "ch_r"),)): alpha, ("ch_beta", (_sym(reg, "ch_r"),)): beta})
    crit = st.hypotheses[0].expr.subs(_subs_all(
        reg, {"eta": eta, "ch_r": r},
        {("loss", (0,)): f0, ("ch_alpha", (_sym(reg, "ch_r"),)): alpha,
         ("ch_beta", (_sym(reg, "ch_r"),)): beta}))
    assert bool(crit)
    fk = f0
    for k in range(1, 400):
        w = w - eta * A.T @ (A @ w - y)
        f_new = 0.5 * np.sum((A @ w - y) ** 2)
        assert f_new <= q**k * f0 * (1 + 1e-9)
        assert np.linalg.norm(w) <= path
        fk = f_new
    assert fk < 1e-6 * f0
    # fails when it should: a radius just below the path-length bound violates the criterion
    short = st.hypotheses[0].expr.subs(_subs_all(
        reg, {"eta": eta, "ch_r": 0.99 * path},
        {("loss", (0,)): f0, ("ch_alpha", (_sym(reg, "ch_r"),)): alpha,
         ("ch_beta", (_sym(reg, "ch_r"),)): beta}))
    assert not bool(short)


def test_chatterjee_network_pl_at_positive_init(reg):
    """tanh net, W_1 = 0, positive later weights: ‖∇f‖² ≥ (4/n)‖g‖² σ_min(X)² f at w0."""
    rng = np.random.default_rng(5)
    n, d, h = 4, 6, 5
    X = rng.standard_normal((n, d))
    y = rng.standard_normal(n)
    W2 = rng.uniform(0.5, 1.5, (h, h))
    a = 3.0 * rng.uniform(0.5, 1.5, h)
    # out(x) = aᵀ tanh(W2 tanh(W1 x)); at W1 = 0: hidden z1 = 0, u2 = 0, out = 0
    # ∂out/∂(layer-1 pre-activation) = diag(tanh'(0)) W2ᵀ diag(tanh'(0)) a = W2ᵀ a
    g = W2.T @ a
    e = y - np.zeros(n)
    f0 = np.mean(e**2)
    grad_W1 = -(2 / n) * np.outer(g, X.T @ e)       # Σ_i e_i g x_iᵀ
    grad_sq = float(np.sum(grad_W1**2))             # other layers have zero gradient here
    concl = _conclusion(reg, "chatterjee.network_pl_init", "pl_ratio_at_init")
    vals = _subs_all(reg, {"sigma_min_X": np.linalg.svd(X, compute_uv=False)[-1], "n": n},
                     {("grad_norm_sq", (0,)): grad_sq, ("ch_g_sq", (0,)): float(g @ g),
                      ("loss", (0,)): f0})
    assert bool(concl.expr.subs(vals))
    # finite-difference check of the hand gradient
    W1 = np.zeros((h, d))
    def loss(W1):
        out = np.tanh(np.tanh(X @ W1.T) @ W2.T) @ a
        return np.mean((y - out) ** 2)
    E = rng.standard_normal((h, d))
    fd = (loss(W1 + 1e-6 * E) - loss(W1 - 1e-6 * E)) / 2e-6
    assert fd == pytest.approx(np.sum(grad_W1 * E), rel=1e-5)


def test_liuzhubelkin_radius_contains_gd_and_rate_holds(reg):
    st = reg.get("liuzhubelkin2022.thm_loss")
    # the geometric-sum step of the proof: sqrt(2L0/β)/(1 − sqrt(1 − μ/β)) ≤ 2 sqrt(2βL0)/μ
    x = sympy.Symbol("x", positive=True)
    for xv in np.linspace(0.001, 1, 200):
        assert 1 / (1 - math.sqrt(1 - xv)) <= 2 / xv + 1e-12
    assert sympy.limit((1 / (1 - sympy.sqrt(1 - x))) / (2 / x), x, 0) == 1  # tight as μ/β → 0
    rng = np.random.default_rng(6)
    A, y = _least_squares(rng)
    ev = np.linalg.eigvalsh(A @ A.T)
    mu, beta = ev[0], ev[-1]                      # ½‖∇L‖² = ½ rᵀAAᵀr ≥ μ L
    w = np.zeros(A.shape[1])
    L0 = 0.5 * np.sum(y**2)
    R = _value(reg, st.bound("radius").expr, {"lzb_beta": beta, "lzb_mu": mu},
               {("loss", (0,)): L0})
    rate = _value(reg, st.bound("rate").expr, {"lzb_beta": beta, "lzb_mu": mu})
    too_fast = False
    for k in range(1, 4000):
        w = w - (1 / beta) * A.T @ (A @ w - y)
        loss = 0.5 * np.sum((A @ w - y) ** 2)
        if loss < 1e-24:  # rounding floor
            break
        assert loss <= rate**k * L0 * (1 + 1e-9)
        assert np.linalg.norm(w) <= R
        too_fast |= loss > (1 - 2 * mu / beta) ** k * L0
    # fails when it should: mixing conventions (μ' = 2μ in the ½-convention rate) claims
    # 1 − 2μ/β, which the slowest eigendirection ((1 − μ/β)² per step) eventually violates
    assert too_fast


# ------------------------------------------------------------------ bridges
def _hinf(X):
    G = np.clip(X @ X.T, -1, 1)
    return G * (np.pi - np.arccos(G)) / (2 * np.pi)


def test_arora_complexity_bridge(reg):
    concl = _conclusion(reg, "arora2019.complexity_bound", "complexity_le")
    rng = np.random.default_rng(7)
    for _ in range(50):
        X = rng.standard_normal((6, 4))
        X /= np.linalg.norm(X, axis=1, keepdims=True)
        y = rng.uniform(-1, 1, 6)
        H = _hinf(X)
        lam0 = np.linalg.eigvalsh(H)[0]
        comp = y @ np.linalg.solve(H, y)
        vals = {"ar_complexity": comp, "n": 6, "y_max": np.max(np.abs(y)), "lambda0": lam0}
        assert bool(concl.expr.subs({_sym(reg, k): v for k, v in vals.items()}))
    # fails when it should: a bound ten times smaller is violated by aligned labels
    v = np.linalg.eigh(H)[1][:, 0]
    y = v / np.max(np.abs(v))
    assert y @ np.linalg.solve(H, y) > 0.1 * 6 * 1.0 / lam0


def test_l2_margin_bridge_via_kernel_solution():
    rng = np.random.default_rng(8)
    X = rng.standard_normal((7, 5))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = rng.choice([-1.0, 1.0], 7)
    H = _hinf(X)
    margin = 1 / np.sqrt(y @ np.linalg.solve(H, y))
    assert margin >= np.sqrt(np.linalg.eigvalsh(H)[0] / 7) - 1e-12


def test_sep_bridge_is_linear_in_sep_for_two_points():
    """λ_min(H^∞) of two unit vectors at angle θ behaves like θ/(2π) ≈ sep/(2π)."""
    for theta in (1e-2, 1e-3, 1e-4):
        X = np.array([[1.0, 0.0], [np.cos(theta), np.sin(theta)]])
        lam0 = np.linalg.eigvalsh(_hinf(X))[0]
        sep = np.linalg.norm(X[0] - X[1])
        assert lam0 / sep == pytest.approx(1 / (2 * np.pi), abs=theta)
        assert lam0 > sep**2  # a sep² form would be far from tight


def _relu_ntk_and_kh(X, L):
    d = X.shape[1]
    def k0(r):
        return (np.pi - np.arccos(np.clip(r, -1, 1))) / np.pi
    def k1(r):
        r = np.clip(r, -1, 1)
        return (np.sqrt(1 - r**2) + r * (np.pi - np.arccos(r))) / np.pi
    sig = X @ X.T / d
    theta = sig.copy()
    kh = None
    for _ in range(L):
        diag = np.sqrt(np.outer(np.diag(sig), np.diag(sig)))
        rho = sig / diag
        new_sig, dot = diag * k1(rho), k0(rho)
        kh = sig * dot
        theta = theta * dot + new_sig
        sig = new_sig
    return theta, kh


def test_ntk_dominates_last_summand(reg):
    concl = _conclusion(reg, "du2019deep.ntk_ge_KH", "ntk_dominates")
    rng = np.random.default_rng(9)
    X = rng.standard_normal((6, 4))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    for L in (1, 2, 3):
        theta, kh = _relu_ntk_and_kh(X, L)
        vals = {"lambda_ntk": np.linalg.eigvalsh(theta)[0], "lam_K_H": np.linalg.eigvalsh(kh)[0]}
        assert bool(concl.expr.subs({_sym(reg, k): v for k, v in vals.items()}))
        assert np.linalg.eigvalsh(theta - kh)[0] >= -1e-10


def test_zhouliang_residual_is_labelled_as_the_projects_analogue(reg):
    """Its ball is around A = 0; the paper's claim is about full-rank global minimizers A*."""
    st = reg.get("zhouliang2017.residual")
    assert st.title.startswith("Project's derived analogue (not Zhou–Liang's theorem)")
    assert st.tags.get("origin") == "project_derived_analogue"
    assert st.provenance == "derived"
    assert "NOT Zhou & Liang's statement" in st.notes
    # the other Zhou–Liang statements are not mislabelled as analogues
    assert reg.get("zhouliang2017.linear").tags.get("origin") is None


def test_du2019deep_relu_gram_is_a_data_hypothesis_that_check_judges(reg):
    """`check --depth L` judges lambda_ntk > 0; without a depth it is not measured."""
    from prooftools.checking.data_hypotheses import check_dataset
    from prooftools.numerics.data.datasets import make_dataset

    rng = np.random.default_rng(0)
    ds = make_dataset(rng.standard_normal((12, 5)), rng.standard_normal(12), name="t")
    got = check_dataset(ds, reg, ["du2019deep.relu_gram"], depth=3, progress=False)
    assert [(h["hypothesis"], h["verdict"]) for h in got.hypotheses] == [("ntk_positive",
                                                                         "holds")]
    assert got.hypotheses[0]["value"]["lambda_ntk"] > 0.05
    none = check_dataset(ds, reg, ["du2019deep.relu_gram"], progress=False)
    assert none.hypotheses[0]["verdict"] == "unknown"
    assert "not measured" in none.hypotheses[0]["note"]


def test_du2019deep_relu_gram_fails_on_a_singular_kernel(reg):
    from prooftools.checking.verdict import Verdict, judge_relation
    from prooftools.numerics.quantity import Quantity

    h = next(h for h in reg.get("du2019deep.relu_gram").hypotheses if h.name == "ntk_positive")
    zero = judge_relation(h.expr, {"lambda_ntk": Quantity(0.0, lower=0.0, upper=0.0)})
    assert zero.verdict == Verdict.FAILS
    pos = judge_relation(h.expr, {"lambda_ntk": Quantity(0.2, lower=0.19, upper=0.21)})
    assert pos.verdict == Verdict.HOLDS
    assert reg.get("du2019deep.relu_gram").tags["origin"] == "project_derived_analogue"


def test_du2019deep_relu_gram_fails_on_duplicate_inputs(reg):
    from prooftools.checking.data_hypotheses import check_dataset
    from prooftools.numerics.data.datasets import make_dataset

    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 5))
    ds = make_dataset(np.vstack([X, X[:1]]), rng.standard_normal(13), name="dup")
    got = check_dataset(ds, reg, ["du2019deep.relu_gram"], depth=3, progress=False)
    assert got.hypotheses[0]["verdict"] == "fails"
