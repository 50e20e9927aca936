"""Du et al. two-layer network: gradients, Grams and init against independent truth."""

from __future__ import annotations

import math

import numpy as np
import pytest

from prooftools.errors import UserInputError
from prooftools.numerics.kernels.infinite import relu_gram_h_inf as relu_gram_inf
from prooftools.numerics.networks.two_layer.network import (
    StepWorkspace,
    feature_gram,
    first_layer_gram,
    forward,
    gradient,
    init_params,
    loss,
    pattern,
)


def _data(n=6, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X, rng.standard_normal(n)


def test_forward_matches_a_brute_force_loop():
    X, _ = _data()
    W, a = init_params(9, 4, np.random.default_rng(1))
    brute = [sum(a[r] * max(W[r] @ x, 0.0) for r in range(9)) / 3.0 for x in X]
    assert np.allclose(forward(W, a, X), brute, rtol=1e-13, atol=1e-14)


def test_gradients_match_central_finite_differences():
    X, y = _data()
    W, a = init_params(7, 4, np.random.default_rng(2))
    gW, ga, _ = gradient(W, a, X, y)
    h = 1e-6
    fd_W = np.zeros_like(W)
    for r in range(W.shape[0]):
        for j in range(W.shape[1]):
            E = np.zeros_like(W)
            E[r, j] = h
            fd_W[r, j] = (loss(W + E, a, X, y) - loss(W - E, a, X, y)) / (2 * h)
    fd_a = np.array([(loss(W, a + h * e, X, y) - loss(W, a - h * e, X, y)) / (2 * h)
                     for e in np.eye(7)])
    assert np.min(np.abs(X @ W.T)) > 1e-3  # no kink within h of the point
    assert np.allclose(gW, fd_W, rtol=1e-6, atol=1e-8)
    assert np.allclose(ga, fd_a, rtol=1e-6, atol=1e-8)
    # the check fails when it should: a gradient missing the 1/sqrt(m) factor is caught
    assert not np.allclose(gW * math.sqrt(7), fd_W, rtol=1e-6, atol=1e-8)


def test_indicator_uses_greater_or_equal_at_zero():
    W = np.array([[1.0, 0.0]])
    X = np.array([[0.0, 1.0]])  # w^T x = 0 exactly
    gW, _, _ = gradient(W, np.array([1.0]), X, np.array([1.0]))
    assert pattern(W, X)[0, 0]
    assert np.allclose(gW, [[0.0, -1.0]])  # (u - y) a x 1{>=0}, u = 0, y = 1


def test_workspace_matches_reference_including_minibatch_scale():
    X, y = _data(8, 5)
    W, a = init_params(11, 5, np.random.default_rng(3))
    ws = StepWorkspace(8, 11, 5)
    rs = ws.run(W, a, X[:3], y[:3], scale=8 / 3, grad_a=True)
    gW, ga, u = gradient(W, a, X[:3], y[:3])
    assert np.isclose(rs, np.sum((u - y[:3]) ** 2))
    assert np.allclose(ws.G, gW * 8 / 3) and np.allclose(ws.ga, ga * 8 / 3)
    assert np.array_equal(ws.D[:3], pattern(W, X[:3]))


def _jacobian_fd(W, a, X, h=1e-6):
    m, d = W.shape
    J = np.zeros((X.shape[0], m * d))
    for c in range(m * d):
        E = np.zeros(m * d)
        E[c] = h
        E = E.reshape(m, d)
        J[:, c] = (forward(W + E, a, X) - forward(W - E, a, X)) / (2 * h)
    return J


def test_first_layer_gram_equals_jacobian_gram_by_finite_differences():
    X, _ = _data(5, 3)
    W, a = init_params(6, 3, np.random.default_rng(4))
    J = _jacobian_fd(W, a, X)
    H = first_layer_gram(X, pattern(W, X))
    assert np.allclose(H, J @ J.T, atol=1e-8)
    # with a general output layer, the a-weighted gram is the W-Jacobian gram
    a2 = np.random.default_rng(5).standard_normal(6)
    J2 = _jacobian_fd(W, a2, X)
    assert np.allclose(first_layer_gram(X, pattern(W, X), a2), J2 @ J2.T, atol=1e-8)
    assert not np.allclose(first_layer_gram(X, pattern(W, X)), J2 @ J2.T, atol=1e-8)


def test_feature_gram_is_the_output_layer_jacobian_gram():
    X, _ = _data(5, 3)
    W, _ = init_params(6, 3, np.random.default_rng(6))
    Ja = np.maximum(X @ W.T, 0.0) / math.sqrt(6)  # du/da_r, linear in a
    assert np.allclose(feature_gram(W, X), Ja @ Ja.T)


@pytest.mark.peer
def test_gram_against_torch_jacrev():
    torch = pytest.importorskip("torch")
    from torch.func import jacrev

    X, _ = _data(5, 3)
    W, a = init_params(8, 3, np.random.default_rng(7))
    Xt, at = torch.tensor(X), torch.tensor(a)

    def u_of(Wt):
        return torch.relu(Xt @ Wt.T) @ at / math.sqrt(8)

    J = jacrev(u_of)(torch.tensor(W)).reshape(5, -1).numpy()
    assert np.allclose(first_layer_gram(X, pattern(W, X)), J @ J.T, atol=1e-12)


def test_h0_converges_to_h_inf_at_inverse_sqrt_width_rate():
    X, _ = _data(8, 5, seed=11)
    H_inf = relu_gram_inf(X)
    widths = np.array([2**k for k in range(6, 15)])

    def mean_err(H_target):
        errs = []
        for m in widths:
            e = []
            for s in range(12):
                W, _ = init_params(int(m), 5, np.random.default_rng(1000 * s + int(m)))
                e.append(np.linalg.norm(first_layer_gram(X, pattern(W, X)) - H_target, 2))
            errs.append(np.mean(e))
        return np.polyfit(np.log(widths), np.log(errs), 1)[0]

    slope = mean_err(H_inf)
    assert -0.62 < slope < -0.38, slope
    # fails when it should: against a slightly wrong kernel the error plateaus (slope near 0)
    assert mean_err(1.05 * H_inf) > -0.3


def test_h_inf_closed_form_against_monte_carlo():
    X, _ = _data(4, 3, seed=12)
    w = np.random.default_rng(13).standard_normal((400_000, 3))
    P = (X @ w.T >= 0).astype(float)
    mc = (X @ X.T) * (P @ P.T) / w.shape[0]
    assert np.allclose(relu_gram_inf(X), mc, atol=5e-3)
    assert np.allclose(np.diag(relu_gram_inf(X)), 0.5)


def test_init_is_reproducible_and_has_the_right_law():
    W1, a1 = init_params(5000, 3, np.random.default_rng(42))
    W2, a2 = init_params(5000, 3, np.random.default_rng(42))
    assert np.array_equal(W1, W2) and np.array_equal(a1, a2)
    assert set(np.unique(a1)) == {-1.0, 1.0}
    assert abs(W1.mean()) < 0.05 and abs(W1.std() - 1) < 0.05 and abs(a1.mean()) < 0.05


@pytest.mark.parametrize("m,d", [(0, 3), (3, 0), (2.5, 3)])
def test_bad_shapes_raise_user_input_error(m, d):
    with pytest.raises(UserInputError):
        init_params(m, d, np.random.default_rng(0))
