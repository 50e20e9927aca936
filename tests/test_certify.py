"""Certificates: they succeed (and are ≤ the true value) and FAIL when they must."""

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prooftools.errors import UserInputError
from prooftools.numerics.kernels.infinite import relu_gram_h_inf
from prooftools.numerics.spectra import certified_lambda_min, certified_sigma_min


def _mp_lambda_min(H):
    mpmath.mp.dps = 50
    return float(min(mpmath.eigsy(mpmath.matrix(H.tolist()))[0]))


def test_lower_bound_below_high_precision_truth():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 5))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    H = relu_gram_h_inf(X)
    q = certified_lambda_min(H)
    true = _mp_lambda_min(H)
    assert 0 < q.lower <= true <= q.upper
    assert abs(q.value - true) < 1e-12
    assert q.proven_positive


def test_krylov_path_agrees_with_eigvalsh():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((300, 20))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    H, err = relu_gram_h_inf(X, return_error=True)
    q = certified_lambda_min(H, error_bound=err, exact_limit=0)
    ev = np.linalg.eigvalsh(H)[0]
    assert q.lower <= ev <= q.upper
    assert abs(q.value - ev) <= 1e-3 * ev and q.lower > 0.99 * ev


@pytest.mark.parametrize("kind", ["duplicate", "parallel"])
def test_certificate_fails_for_degenerate_data(kind):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((25, 6))
    X[13] = X[4] if kind == "duplicate" else 3.0 * X[4]
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    H, err = relu_gram_h_inf(X, return_error=True)
    for limit in (1500, 0):
        q = certified_lambda_min(H, error_bound=err, exact_limit=limit)
        assert q.lower <= 0 and abs(q.value) <= err  # zero up to the kernel's rounding
        assert q.witness == "i=4, j=13"


def test_sigma_min_certificate():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((6, 9))
    q = certified_sigma_min(X)
    s = np.linalg.svd(X, compute_uv=False)[-1]
    assert 0 < q.lower <= s <= q.upper and abs(q.value - s) < 1e-12
    X[5] = X[1] - 2 * X[2]  # rank deficient: must not be proven positive
    q = certified_sigma_min(X)
    assert q.lower == 0.0 and q.value < 1e-12 and not q.proven_positive
    tall = rng.standard_normal((40, 3))
    q = certified_sigma_min(tall)
    assert 0 < q.lower <= np.linalg.svd(tall, compute_uv=False)[-1]


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 25), seed=st.integers(0, 10_000), scale=st.floats(1e-6, 1e3))
def test_lower_bound_never_exceeds_eigvalsh(n, seed, scale):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    H = scale * (A @ A.T / n + 10.0 ** rng.uniform(-8, 0) * np.eye(n))
    q = certified_lambda_min(H)
    ev = np.linalg.eigvalsh(H)[0]
    tol = 1e-12 * np.abs(H).max() * n  # eigvalsh is itself only backward stable
    assert q.lower <= ev + tol and q.upper >= ev - tol


@settings(max_examples=15, deadline=None)
@given(n=st.integers(3, 12), seed=st.integers(0, 10_000))
def test_lower_bound_valid_for_indefinite(n, seed):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    H = A + A.T
    q = certified_lambda_min(H, exact_limit=0)
    assert q.lower <= np.linalg.eigvalsh(H)[0] + 1e-12


def test_certify_bad_input():
    with pytest.raises(UserInputError, match="square"):
        certified_lambda_min(np.ones((2, 3)))
    with pytest.raises(UserInputError, match="symmetric"):
        certified_lambda_min(np.array([[1.0, 2.0], [0.0, 1.0]]))
    with pytest.raises(UserInputError, match="NaN"):
        certified_sigma_min(np.array([[np.nan]]))
