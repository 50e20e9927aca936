"""Kernels against Monte Carlo and against the empirical NTK of wide random ReLU networks."""

import math

import numpy as np
import pytest

from prooftools.errors import UserInputError
from prooftools.numerics.kernels.infinite import kappa0, kappa1, ntk_relu, relu_gram_h_inf


def _data(n=5, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def test_h_inf_matches_monte_carlo():
    X = _data() * np.array([1.0, 2.0, 0.5, 1.0, 3.0])[:, None]  # formula holds for any norms
    rng = np.random.default_rng(1)
    N = 200_000
    A = (rng.standard_normal((N, X.shape[1])) @ X.T >= 0).astype(np.float64)
    P = A.T @ A / N  # P(wᵀx_i ≥ 0, wᵀx_j ≥ 0)
    G = X @ X.T
    mc = G * P
    se = np.abs(G) * np.sqrt(P * (1 - P) / N)
    H = relu_gram_h_inf(X)
    assert np.all(np.abs(H - mc) <= 5 * se + 1e-12)
    # and the check fails for a wrong normalisation (missing the 1/2)
    assert not np.all(np.abs(2 * H - mc) <= 5 * se + 1e-12)


def test_h_inf_error_bound_covers_high_precision_truth():
    mp = pytest.importorskip("mpmath")
    X = _data(6, 3, 2)
    X[5] = X[0] * (1 + 1e-9)  # a near-parallel pair exercises the per-entry bound
    H, err = relu_gram_h_inf(X, return_error=True)
    mp.mp.dps = 40
    E = np.zeros_like(H)
    for i in range(6):
        for j in range(6):
            xi, xj = [mp.mpf(float(v)) for v in X[i]], [mp.mpf(float(v)) for v in X[j]]
            g = mp.fsum(a * b for a, b in zip(xi, xj, strict=True))
            ni, nj = mp.sqrt(mp.fsum(a * a for a in xi)), mp.sqrt(mp.fsum(a * a for a in xj))
            rho = max(min(g / (ni * nj), 1), -1)
            exact = g * (mp.pi - mp.acos(rho)) / (2 * mp.pi) if i != j else ni * nj / 2
            E[i, j] = float(H[i, j] - exact)
    assert np.linalg.norm(E) <= err


def test_kappa_closed_forms_against_monte_carlo():
    rng = np.random.default_rng(3)
    rho = 0.3
    u = rng.standard_normal(400_000)
    v = rho * u + math.sqrt(1 - rho**2) * rng.standard_normal(u.size)
    e1 = 2 * np.mean(np.maximum(u, 0) * np.maximum(v, 0))
    e0 = 2 * np.mean((u > 0) & (v > 0))
    se1 = 2 * np.std(np.maximum(u, 0) * np.maximum(v, 0)) / math.sqrt(u.size)
    assert abs(float(kappa1(np.array(rho))) - e1) < 5 * se1
    assert abs(float(kappa0(np.array(rho))) - e0) < 0.005


def _empirical_ntk(X, L, m, seed, c=2.0, beta=0.0):
    """NTK of h1 = W1 x/√d + βb1, α = √c·relu(h), h_{l+1} = W α/√m + βb, f = vᵀα_L/√m + βb_out."""
    rng = np.random.default_rng(seed)
    n, d = X.shape
    Ws = [rng.standard_normal((d, m))] + [rng.standard_normal((m, m)) for _ in range(L - 1)]
    v = rng.standard_normal(m)
    acts, pres = [X], []
    a = X
    for l, W in enumerate(Ws):
        fan = d if l == 0 else m
        h = a @ W / math.sqrt(fan) + beta * rng.standard_normal(W.shape[1])
        pres.append(h)
        a = math.sqrt(c) * np.maximum(h, 0)
        acts.append(a)
    K = acts[-1] @ acts[-1].T / m + beta**2  # output layer weights and bias
    delta = np.tile(v / math.sqrt(m), (n, 1)) * math.sqrt(c) * (pres[-1] > 0)
    for l in range(L - 1, -1, -1):
        fan = d if l == 0 else m
        K += (delta @ delta.T) * (acts[l] @ acts[l].T / fan + beta**2)
        if l > 0:
            delta = (delta @ Ws[l].T / math.sqrt(m)) * math.sqrt(c) * (pres[l - 1] > 0)
    return K


@pytest.mark.parametrize("L", [1, 2, 3])
def test_deep_ntk_matches_wide_network(L):
    X = _data(5, 4, 7)
    K = ntk_relu(X, L)
    errs = []
    for m in (256, 2048):
        E = np.mean([_empirical_ntk(X, L, m, s) for s in range(3)], axis=0)
        errs.append(np.linalg.norm(E - K) / np.linalg.norm(K))
    assert errs[1] < errs[0] and errs[1] < 0.12
    # the wrong normalisation is far off
    E = np.mean([_empirical_ntk(X, L, 2048, s) for s in range(3)], axis=0)
    assert np.linalg.norm(E - ntk_relu(X, L, normalization="jacot")) / np.linalg.norm(K) > 0.3


def test_jacot_with_bias_matches_network():
    X = _data(4, 3, 8)
    K = ntk_relu(X, 2, normalization="jacot", beta=0.5)
    E = np.mean([_empirical_ntk(X, 2, 2048, s, c=1.0, beta=0.5) for s in range(3)], axis=0)
    assert np.linalg.norm(E - K) / np.linalg.norm(K) < 0.12


def test_ntk_identities():
    X = _data(6, 5, 9) * 2.0
    for L in (1, 2, 3):
        K = ntk_relu(X, L)
        assert np.allclose(np.diag(K), (L + 1) * 4.0 / 5)
        assert np.allclose(ntk_relu(X, L, normalization="jacot"), K / 2**L)
        assert np.allclose(K, K.T)
    # L = 1: Θ = Σ0 κ0 + Σ0-scaled κ1 (closed form)
    G = X @ X.T / 5
    rho = np.clip(G / np.sqrt(np.outer(np.diag(G), np.diag(G))), -1, 1)
    ref = G * kappa0(rho) + np.sqrt(np.outer(np.diag(G), np.diag(G))) * kappa1(rho)
    np.fill_diagonal(ref, 2 * np.diag(G))
    assert np.allclose(ntk_relu(X, 1), ref, rtol=1e-12, atol=1e-12)


def test_kernel_bad_input():
    with pytest.raises(UserInputError, match="depth"):
        ntk_relu(np.eye(2), 0)
    with pytest.raises(UserInputError, match="normalization"):
        ntk_relu(np.eye(2), 1, normalization="xavier")
    with pytest.raises(UserInputError, match="NaN"):
        relu_gram_h_inf(np.array([[np.nan, 1.0], [0.0, 1.0]]))
    with pytest.raises(UserInputError, match="n×d"):
        relu_gram_h_inf(np.ones(3))


@pytest.mark.parametrize("L", [1, 3])
def test_tiled_ntk_matches_plain_recursion(L):
    """The threaded, tiled β = 0 path (several row blocks and tiles) against the textbook
    recursion with kappa0/kappa1, including zero, parallel and antiparallel rows."""
    rng = np.random.default_rng(10)
    X = rng.standard_normal((700, 7))
    X[1], X[2], X[3] = 0.0, 3.0 * X[4], -0.5 * X[5]
    K = ntk_relu(X, L)
    S = X @ X.T / 7
    nrm = np.sqrt(np.diag(S))
    outer = np.outer(nrm, nrm)
    rho = np.clip(np.divide(S, outer, out=np.zeros_like(S), where=outer > 0), -1, 1)
    Th = rho.copy()
    for _ in range(L):
        Th = Th * kappa0(rho) + kappa1(rho)
        rho = np.clip(kappa1(rho), -1, 1)
    ref = outer * Th
    np.fill_diagonal(ref, (L + 1) * np.diag(S))
    assert np.array_equal(K, K.T)
    # (anti)parallel pairs have ρ = ±1 only up to rounding, where κ1 is not Lipschitz
    # (sqrt(1 − ρ²)): there any two correct evaluations differ by ~sqrt(u)
    ok = np.ones(700, bool)
    ok[2:6] = False
    assert np.max(np.abs(K - ref)[np.ix_(ok, ok)]) <= 1e-13 * np.max(np.abs(ref))
    assert np.max(np.abs(K - ref)) <= 1e-7 * np.max(np.abs(ref))


def test_h_inf_tiles_cover_the_matrix_exactly_symmetric():
    """Past one row block and one column tile (n = 2300 > 2048 columns): every entry against
    the closed form ‖x‖‖x'‖ρ(π − arccos ρ)/(2π), and the lower triangle the exact mirror."""
    rng = np.random.default_rng(11)
    X = rng.standard_normal((2300, 5)) * rng.uniform(0.5, 2.0, size=(2300, 1))
    H = relu_gram_h_inf(X)
    nrm = np.linalg.norm(X, axis=1)
    rho = np.clip((X @ X.T) / np.outer(nrm, nrm), -1.0, 1.0)
    ref = np.outer(nrm, nrm) * rho * (np.pi - np.arccos(rho)) / (2 * np.pi)
    far = np.abs(rho) < 0.99  # arccos of the dot product is accurate there only
    assert np.allclose(H[far], ref[far], rtol=0, atol=1e-11)
    assert np.allclose(H, ref, rtol=0, atol=1e-6)
    assert np.array_equal(H, H.T)
