"""Kernels near ρ = ±1 against mpmath: angles from distances keep near-duplicates' digits, exact
duplicates give θ = 0, and the proven entrywise bounds hold (and are not vacuous)."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from mp_reference import _mp_angle, mp_h_inf, mp_ntk

from prooftools.numerics.kernels import errors, fused
from prooftools.numerics.kernels.infinite import ntk_relu, relu_gram_h_inf

pytestmark = pytest.mark.skipif(not fused.AVAILABLE, reason="numba not installed")
def _near_pairs(d: int = 5, seed: int = 0) -> np.ndarray:
    """Row 0 and, for each distance 1e-12 … 1e-2, a row that far away (plus the antipodes)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(d)
    x /= np.linalg.norm(x)
    rows = [x]
    for e in np.logspace(-12, -2, 11):
        v = rng.standard_normal(d)
        v -= (v @ x) * x
        v *= e / np.linalg.norm(v)
        rows.append(x + v)
        rows.append(-(x + v) * 1.7)
    rows.append(x.copy())  # exact duplicate
    rows.append(3.0 * x)  # positive multiple
    return np.array(rows)


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("depth", [1, 2, 3, 5])
def test_ntk_near_duplicates_match_mpmath(depth, compiled):
    X = _near_pairs()
    K = ntk_relu(X, depth, compiled=compiled)
    n, d = X.shape
    w = np.linalg.norm(X, axis=1) / math.sqrt(d)
    bound = errors.ntk_entry_error(d, depth)
    worst = 0.0
    for i in range(n):
        for j in range(i, n):
            ref = mp_ntk(X[i], X[j], depth)
            err = abs(float(mpmath.mpf(float(K[i, j])) - ref)) / (w[i] * w[j])
            worst = max(worst, err)
            if compiled:
                assert err <= bound, (i, j, err, bound)
    # the digits of the angle survive: the cosine route would err by ~1e-8 here
    assert worst < 2e-14, worst


def test_old_cosine_route_would_fail_this_test():
    """The reference is sharp enough to see the cosine route's error (the bug of issue 12)."""
    X = _near_pairs()
    worst = 0.0
    for k in range(1, len(X)):
        rho = np.clip((X[0] @ X[k]) / (np.linalg.norm(X[0]) * np.linalg.norm(X[k])), -1, 1)
        th = math.acos(rho)  # what the dot product gives
        worst = max(worst, abs(th - float(_mp_angle(X[0], X[k])[0])))
    assert worst > 1e-9


@pytest.mark.parametrize("compiled", [True, False])
def test_h_inf_near_duplicates_match_mpmath(compiled):
    from prooftools.numerics.kernels import infinite

    X = _near_pairs(seed=1)
    infinite._COMPILED["on"] = compiled
    try:
        H, err = relu_gram_h_inf(X, return_error=True)
    finally:
        infinite._COMPILED["on"] = True
    nrm = np.linalg.norm(X, axis=1)
    c_H = errors.h_inf_entry_error(X.shape[1])
    E = np.zeros_like(H)
    for i in range(len(X)):
        for j in range(len(X)):
            E[i, j] = float(mpmath.mpf(float(H[i, j])) - mp_h_inf(X[i], X[j]))
    assert np.all(np.abs(E) <= c_H * np.outer(nrm, nrm) * (1 if compiled else 10))
    assert np.linalg.norm(E, 2) <= err
    assert np.max(np.abs(E) / np.outer(nrm, nrm)) < 1e-15


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("depth", [1, 3])
def test_duplicates_give_theta_zero_exactly(depth, compiled):
    rng = np.random.default_rng(4)
    X = rng.standard_normal((30, 7))
    X[17] = X[3]
    K = ntk_relu(X, depth, compiled=compiled)
    # θ = 0 exactly: the pair's entry is the diagonal's, bit for bit (the rest of the two rows
    # agree to rounding: BLAS may round a dot product differently in another column)
    assert K[3, 17] == K[3, 3] == K[17, 17]
    assert np.allclose(K[3], K[17], rtol=1e-14, atol=0)
    H = relu_gram_h_inf(X)
    assert H[3, 17] == H[3, 3] == H[17, 17] and np.allclose(H[3], H[17], rtol=1e-14, atol=0)


def test_layer_keeps_duplicates_and_angles():
    p, _u, r, z = fused.layer(np.array([1.0, -1.0]), np.array([0.0, 0.0]))
    assert r[0] == 1.0 and z[0] == 0.0 and p[0] == math.pi and p[1] == 0.0
    # one layer maps θ to g(θ) ≈ θ(1 − θ/(3π)) near 0: z' keeps the digits
    th = 1e-9
    _, _, _r1, z1 = fused.layer(np.array([1 - 2 * math.sin(th / 2) ** 2]),
                               np.array([math.sin(th / 2) ** 2]))
    with mpmath.workdps(50):
        k1 = (mpmath.sin(th) + (mpmath.pi - th) * mpmath.cos(th)) / mpmath.pi
        exact = (1 - k1) / 2
    assert abs(z1[0] - float(exact)) <= 1e-15 * float(exact)


def test_primitive_bound_constants_hold_and_fail_when_they_must():
    """FIT_ERROR_* are re-proven here; a bound claiming 10× less than the fit error fails."""
    a, c = errors.prove_fit_errors()
    assert a <= errors.FIT_ERROR_A and c <= errors.FIT_ERROR_C
    # the true errors are not far below: the bound is not vacuous, and one 10× smaller is false
    with mpmath.workdps(40):
        zs = np.linspace(0, 0.25, 2001)[1:]
        worst = max(abs(mpmath.polyval([mpmath.mpf(q) for q in fused.ASIN_COEFFS], mpmath.mpf(z))
                        - (mpmath.asin(mpmath.sqrt(z)) / mpmath.sqrt(z) - 1) / z) for z in zs)
    assert errors.FIT_ERROR_A / 10 < worst <= errors.FIT_ERROR_A


def test_analytic_constants_of_the_proof():
    with mpmath.workdps(30):
        f = lambda z: (mpmath.asin(mpmath.sqrt(z)) / mpmath.sqrt(z) - 1) / z  # noqa: E731
        assert f(0.25) <= errors._F_A_MAX and mpmath.diff(f, 0.25) <= errors._F_A_SLOPE
        for th in np.linspace(1e-3, math.pi / 3, 400):
            D = mpmath.sin(th) - th * mpmath.cos(th)
            assert th * th * mpmath.sin(th) <= 3.01 * D  # θD'/D ≤ 3.01
            assert D / (2 * mpmath.pi) <= mpmath.sin(th / 2) ** 2 / 4  # D/2π ≤ z/4
        for q in np.linspace(0, math.pi, 400):  # |g'| ≤ 1: h(q) ≤ π²
            assert math.sin(q) ** 2 - q * math.sin(2 * q) + q * q <= math.pi**2 + 1e-12
