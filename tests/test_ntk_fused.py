"""The compiled NTK path against independent truth: its arccos/sin primitive against mpmath, its
coefficients against a fresh fit, and whole kernels against the numpy path (SIMD arccos + sqrt)."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prooftools.numerics.kernels import fused as ntk_fused
from prooftools.numerics.kernels import infinite as kernels

pytestmark = pytest.mark.skipif(not ntk_fused.AVAILABLE, reason="numba not installed")
EPS = np.finfo(np.float64).eps


def _exact(rho: float) -> tuple[mpmath.mpf, mpmath.mpf]:
    with mpmath.workdps(40):
        x = mpmath.mpf(rho)
        return mpmath.pi - mpmath.acos(x), mpmath.sqrt(1 - x * x)


def _assert_close_to_exact(rho: np.ndarray) -> None:
    p, s = ntk_fused.pi_minus_theta_and_sin(rho)
    for x, pp, ss in zip(rho, p, s, strict=True):
        P, S = _exact(float(x))
        assert abs(pp - P) <= 2 * EPS * P, (x, pp, P)  # relative: ~1 ulp seen
        assert abs(ss - S) <= 2 * EPS * max(S, 1e-300), (x, ss, S)


def test_primitive_matches_mpmath_where_it_is_hardest():
    rho = np.concatenate(
        [
            [-1.0, 1.0, 0.0, 0.5, -0.5, np.nextafter(0.5, 1), np.nextafter(-0.5, -1), 1e-300],
            1 - np.logspace(-16, -0.4, 400),  # ρ → 1: π − θ → π, sin θ → 0
            -1 + np.logspace(-16, -0.4, 400),  # ρ → −1: π − θ → 0
            np.linspace(0.49, 0.51, 201),  # the switch between the two reductions
            np.linspace(-0.51, -0.49, 201),
            np.random.default_rng(0).uniform(-1, 1, 2000),
        ]
    )
    _assert_close_to_exact(rho)


@settings(max_examples=300)
@given(st.floats(min_value=-1.0, max_value=1.0, allow_nan=False))
def test_primitive_property(rho):
    _assert_close_to_exact(np.array([rho]))


def test_coefficients_are_the_fit_they_claim_to_be():
    A, C = ntk_fused.fit_coefficients()
    assert np.allclose(A, ntk_fused.ASIN_COEFFS, rtol=1e-15, atol=0)
    assert np.allclose(C, ntk_fused.SQRT_COEFFS, rtol=1e-15, atol=0)


def _numpy_path(X, depth, **kw):
    return kernels.ntk_relu(X, depth, compiled=False, **kw)


@pytest.mark.parametrize("depth", [1, 2, 3, 5])
@pytest.mark.parametrize("normalization", ["he", "jacot"])
def test_fused_kernel_equals_numpy_path(depth, normalization):
    rng = np.random.default_rng(depth)
    n = kernels.FUSED_MIN_SAMPLES + 37  # not a multiple of the row block
    X = rng.standard_normal((n, 9)) * rng.uniform(0.1, 10, (n, 1))
    X[3] = 0.0  # zero input: its row and column are 0
    X[10] = X[11]  # duplicate: ρ = 1
    X[20] = -2.5 * X[21]  # opposite: ρ = −1
    X[30] = 1e-3 * X[31]  # parallel, different norm
    K = kernels.ntk_relu(X, depth, normalization=normalization)
    ref = _numpy_path(X, depth, normalization=normalization)
    assert np.array_equal(K, K.T)
    assert np.all(K[3] == 0.0)
    scale = np.sqrt(np.outer(np.diag(ref), np.diag(ref))) + 1e-300
    assert np.max(np.abs(K - ref) / scale) < 1e-13


def test_small_inputs_stay_on_the_numpy_path():
    assert kernels._fused_kernel(kernels.FUSED_MIN_SAMPLES - 1) is None
    assert kernels._fused_kernel(kernels.FUSED_MIN_SAMPLES) is ntk_fused.layers_rows
