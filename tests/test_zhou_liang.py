"""Zhou–Liang landscapes: exact gradients, minimizers, gradient dominance, regularity."""

import numpy as np
import pytest

from prooftools.errors import UserInputError
from prooftools.numerics.networks.linear import network as zl


def _data(d=3, m=7, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((d, m)), rng.standard_normal((d, m))


def _fd(fun, Ws, h=1e-6):
    out = []
    for k, W in enumerate(Ws):
        G = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            up = [w.copy() for w in Ws]
            dn = [w.copy() for w in Ws]
            up[k][idx] += h
            dn[k][idx] -= h
            G[idx] = (fun(up) - fun(dn)) / (2 * h)
        out.append(G)
    return out


def test_linear_and_residual_gradients_match_fd():
    X, Y = _data()
    rng = np.random.default_rng(1)
    Ws = [rng.standard_normal((3, 3)) for _ in range(3)]
    fd_lin = _fd(lambda w: zl.linear_loss(w, X, Y), Ws)
    for g, fd in zip(zl.linear_grad(Ws, X, Y), fd_lin, strict=True):
        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-7)
    As = [0.3 * w for w in Ws]
    fd_res = _fd(lambda a: zl.residual_loss(a, X, Y), As)
    for g, fd in zip(zl.residual_grad(As, X, Y), fd_res, strict=True):
        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("act", ["leaky_relu", "tanh", "softplus"])
def test_square_net_gradient_matches_fd(act):
    X, Y = _data()
    rng = np.random.default_rng(2)
    W = [rng.standard_normal((3, 3)), rng.standard_normal((3, 3))]
    g = zl.square_net_grad(*W, X, Y, act)
    fd = _fd(lambda w: zl.square_net_loss(*w, X, Y, act), W)
    for a, b in zip(g, fd, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_minimizer_closed_form_and_factorizations():
    X, Y = _data()
    P = zl.optimal_product(X, Y)
    # closed form: least squares solution of min_P ||P X - Y|| (lstsq, independent code path)
    P_ls = np.linalg.lstsq(X.T, Y.T, rcond=None)[0].T
    np.testing.assert_allclose(P, P_ls, atol=1e-10)
    rng = np.random.default_rng(0)
    for ell in (1, 2, 4):
        Ws = zl.balanced_factorization(P, ell)
        Wr = zl.random_refactorization(Ws, rng)
        for fac in (Ws, Wr):
            assert zl.linear_loss(fac, X, Y) == pytest.approx(zl.f_star(X, Y), rel=1e-10)
            assert max(np.abs(g).max() for g in zl.linear_grad(fac, X, Y)) < 1e-9
    # any other product is worse
    Q = P + 0.01 * rng.standard_normal(P.shape)
    assert zl.linear_loss([Q], X, Y) > zl.f_star(X, Y)
    with pytest.raises(UserInputError):
        zl.balanced_factorization(np.diag([1.0, 0.0]), 2)


def test_neighbourhood_sampling_membership():
    X, Y = _data()
    Ws = zl.balanced_factorization(zl.optimal_product(X, Y), 3)
    pts = zl.sample_neighbourhood(Ws, 0.4, 20, np.random.default_rng(0))
    assert all(zl.neighbourhood_radius(p, Ws) <= 0.4 + 1e-12 for p in pts)
    out = zl.sample_neighbourhood(Ws, 0.4, 3, np.random.default_rng(0), radius=2.0)
    assert all(zl.neighbourhood_radius(p, Ws) == pytest.approx(0.8) for p in out)


@pytest.mark.parametrize("ell", [2, 3, 4])
def test_gradient_dominance_holds_inside_neighbourhood(ell):
    X, Y = _data(seed=ell)
    rng = np.random.default_rng(ell)
    Ws = zl.random_refactorization(zl.balanced_factorization(zl.optimal_product(X, Y), ell), rng)
    delta = 0.5
    lam = zl.gd_lambda_neighbourhood(Ws, X, delta)
    for pt in zl.sample_neighbourhood(Ws, delta, 200, rng):
        r = zl.gradient_dominance_ratio(pt, X, Y)
        assert r <= zl.gd_lambda_pointwise(pt, X) * (1 + 1e-9)
        assert r <= lam * (1 + 1e-9)


@pytest.mark.parametrize("ell", [3, 4])
def test_gradient_dominance_fails_near_rank_deficient_saddle(ell):
    """Fails when it should: near W = 0 (a saddle for ℓ ≥ 3) the gradient vanishes."""
    X, Y = _data(seed=1)
    Ws = zl.balanced_factorization(zl.optimal_product(X, Y), ell)
    lam = zl.gd_lambda_neighbourhood(Ws, X, 0.5)
    near0 = [0.05 * W for W in Ws]
    assert zl.neighbourhood_radius(near0, Ws) > 0.5
    assert zl.gradient_dominance_ratio(near0, X, Y) > 10 * lam
    assert zl.gradient_dominance_ratio([np.zeros((3, 3))] * ell, X, Y) == float("inf")


def test_residual_gradient_dominance_inside_and_outside():
    rng = np.random.default_rng(3)
    X, Y = _data(seed=3)
    ell, tau = 3, 0.3
    lam = zl.residual_gd_lambda(X, tau, ell)
    for _ in range(200):
        As = []
        for _ in range(ell):
            D = rng.standard_normal((3, 3))
            As.append(rng.uniform(0, tau) * D / zl.sigma_max(D))
        assert zl.residual_gd_ratio(As, X, Y) <= lam * (1 + 1e-9)
    # outside: A_k = -I + small makes I + A_k nearly singular, ||A_k|| ≈ 1 > tau
    bad = [-0.97 * np.eye(3)] * ell
    assert zl.residual_radius(bad) > tau
    assert zl.residual_gd_ratio(bad, X, Y) > lam


def test_layer_regularity_holds_pointwise_and_inside_neighbourhood():
    X, Y = _data(seed=4)
    rng = np.random.default_rng(4)
    Ws = zl.balanced_factorization(zl.optimal_product(X, Y), 3)
    delta = 0.5
    for layer in (1, 2, 3):
        a, b = zl.neighbourhood_regularity_constants(Ws, X, delta, layer)
        for pt in zl.sample_neighbourhood(Ws, delta, 100, rng):
            assert zl.layer_regularity(pt, X, Y, layer)["ratio"] >= 1 - 1e-9
            assert zl.layer_regularity(pt, X, Y, layer, alpha=a, beta=b)["ratio"] >= 1 - 1e-9


def test_layer_regularity_brute_force_restricted_minimizer():
    """W♯ minimizes the block loss: its gradient w.r.t. that layer vanishes."""
    X, Y = _data(seed=5)
    Ws = [np.random.default_rng(5).standard_normal((3, 3)) for _ in range(3)]
    for layer in (1, 2, 3):
        Ws2 = [w.copy() for w in Ws]
        Ws2[layer - 1] = zl.layer_regularity(Ws, X, Y, layer)["W_sharp"]
        assert np.abs(zl.linear_grad(Ws2, X, Y)[layer - 1]).max() < 1e-8


def test_regularity_fails_outside_neighbourhood():
    """Fails when it should: near W = 0 with the neighbourhood's uniform constants, and the
    full-parameter ratio against W* (gradient ≈ 0 but W far from W*)."""
    X, Y = _data(seed=6)
    Ws = zl.balanced_factorization(zl.optimal_product(X, Y), 3)
    a, b = zl.neighbourhood_regularity_constants(Ws, X, 0.5)
    near0 = [0.05 * W for W in Ws]
    assert zl.layer_regularity(near0, X, Y, alpha=a, beta=b)["ratio"] < 1
    g = zl.linear_grad(near0, X, Y)
    assert zl.regularity_ratio(g, near0, Ws, a, b) < 1


def test_square_net_block_dominance():
    X, Y = _data(seed=7)
    rng = np.random.default_rng(7)
    for _ in range(50):
        W1, W2 = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
        gap, bound = zl.square_net_block_dominance(W1, W2, X, Y)
        assert -1e-10 <= gap <= bound * (1 + 1e-9)


def test_bad_shapes_rejected():
    with pytest.raises(UserInputError):
        zl.linear_loss([np.eye(3)], np.ones((3, 2)), np.ones((3, 2)))
    with pytest.raises(UserInputError):
        zl.gd_lambda_neighbourhood([np.eye(2)], np.eye(2), 1.5)
