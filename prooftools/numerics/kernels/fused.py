"""Fused, compiled layer recursion for the bias-free depth-L ReLU NTK (the fast path of
:func:`prooftools.numerics.kernels.infinite.ntk_relu`).

Why: with numpy ufuncs every layer is ~11 passes over a tile (arccos, sqrt and nine cheap ones),
and each pass is a separate GIL-releasing call; for n = 4000 that is 2.6–3.3× one X Xᵀ. Here one
compiled loop (numba, ``nogil``) takes each entry through all layers in registers, and arccos and
sin θ share one square root:

* a = |ρ|; for a ≤ 1/2, z = a², s = a; for a > 1/2, z = (1 − a)/2 (exact), s = sqrt(z);
* asin(s) = s + s·z·A(z) and sqrt(1 − z) = C(z), z ∈ [0, 1/4], with A, C Chebyshev fits of
  degree 12 and 13 (:func:`fit_coefficients`, mpmath at 50 digits; fit error 1.5e-17 and
  1.1e-18);
* a ≤ 1/2: π − θ = π/2 + sign(ρ)·asin(a), sin θ = C(a²);
  a > 1/2: π − θ = 2 asin(s) for ρ < 0 and π − 2 asin(s) for ρ > 0 (the half-angle identity
  arccos a = 2 asin(sqrt((1 − a)/2))), sin θ = 2 s C(z).

The numpy path (SIMD arccos and sqrt) stays the reference: tests compare the two entry by entry
and the primitives against mpmath. Needs numba; :data:`AVAILABLE` is False without it and
``ntk_relu`` then uses the numpy path.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["AVAILABLE", "fit_coefficients", "layers_rows", "pi_minus_theta_and_sin"]

# Horner coefficients, highest degree first: see fit_coefficients() (a test re-fits them).
ASIN_COEFFS = (
    0.028757851367421566,
    -0.014851887071247204,
    0.01740087944269402,
    0.005457506718640358,
    0.01032281435018578,
    0.011479177415184906,
    0.013971212973552933,
    0.017352392720869973,
    0.02237217294214989,
    0.030381944138531247,
    0.04464285714635543,
    0.07499999999998433,
    0.16666666666666669,
)  # asin(√z)/√z = 1 + z·A(z)
SQRT_COEFFS = (
    -0.03486143336663775,
    0.02220132904044821,
    -0.02331758834028454,
    -0.004292463264233535,
    -0.011994108376185898,
    -0.01292903598397512,
    -0.016130373120496453,
    -0.0205065724197494,
    -0.027343810748751328,
    -0.03906249807995615,
    -0.06250000003623023,
    -0.12499999999964427,
    -0.5000000000000013,
    1.0,
)  # sqrt(1 − z) = C(z)

_PI = math.pi
_PI_LO = 1.2246467991473532e-16  # π − fl(π)
_PIO2 = 0.5 * math.pi
_PIO2_LO = 6.123233995736766e-17  # π/2 − fl(π/2)
_INV_PI = 1.0 / math.pi


def fit_coefficients(dps: int = 50) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Re-fit (A, C) on z ∈ [0, 1/4] with mpmath's Chebyshev fit (highest degree first).

    >>> A, C = fit_coefficients()
    >>> len(A), len(C), abs(A[-1] - 1 / 6) < 1e-15, C[-1]
    (13, 14, True, 1.0)
    """
    import mpmath

    with mpmath.workdps(dps):
        A = mpmath.chebyfit(
            lambda z: (mpmath.asin(mpmath.sqrt(z)) / mpmath.sqrt(z) - 1) / z, [0, 0.25], 13
        )
        C = mpmath.chebyfit(lambda z: mpmath.sqrt(1 - z), [0, 0.25], 14)
    return tuple(float(a) for a in A), tuple(float(c) for c in C)


try:  # pragma: no branch - which branch runs depends on the environment
    import numba
except ImportError:  # pragma: no cover - numba is a declared dependency
    numba = None

AVAILABLE = numba is not None

if AVAILABLE:
    _A = ASIN_COEFFS
    _C = SQRT_COEFFS

    def _jit(**options):
        """numba.njit with FMA contraction and an on-disk cache where one can be written (numba
        refuses ``cache=True`` at decoration when it finds no writable cache directory)."""

        def decorate(fn):
            try:
                return numba.njit(fastmath={"contract"}, cache=True, **options)(fn)
            except RuntimeError:  # pragma: no cover - read-only install without a cache dir
                return numba.njit(fastmath={"contract"}, **options)(fn)

        return decorate

    _jit_inline = _jit(inline="always")

    @_jit_inline
    def _horner(coeffs, z):  # constant trip count: LLVM unrolls it
        acc = coeffs[0]
        for k in range(1, len(coeffs)):
            acc = acc * z + coeffs[k]
        return acc

    @_jit_inline
    def _p_s(rho):
        a = abs(rho)
        big = a > 0.5
        z_big = (1.0 - a) * 0.5
        z = z_big if big else a * a
        root = math.sqrt(z_big)  # computed in every lane: keeps the loop branch-free
        s = root if big else a
        asin_s = s + s * z * _horner(_A, z)
        c = _horner(_C, z)
        sin_theta = 2.0 * s * c if big else c
        p_big = 2.0 * asin_s if rho < 0 else (_PI - 2.0 * asin_s) + _PI_LO
        p_small = _PIO2 + (asin_s if rho >= 0 else -asin_s) + _PIO2_LO
        return (p_big if big else p_small), sin_theta

    @_jit()
    def _p_s_array(rho, p, s):
        for k in range(rho.shape[0]):
            p[k], s[k] = _p_s(rho[k])

    @_jit(nogil=True)
    def _layers_rows(G, depth, row_scale, col_scale, out):
        m, k = G.shape
        R = np.empty(k)
        T = np.empty(k)
        for i in range(m):
            g = G[i]
            for j in range(k):  # layer 1: Θ̂_0 = ρ0
                rho = min(1.0, max(-1.0, g[j]))
                p, s = _p_s(rho)
                u = s + rho * p  # π κ1(ρ)
                T[j] = rho * p + u  # π Θ̂_1
                R[j] = min(1.0, u * _INV_PI)  # κ1 ≥ 0 up to rounding; only ≤ 1 needs a clamp
            for _ in range(1, depth):
                for j in range(k):
                    rho = R[j]
                    p, s = _p_s(rho)
                    u = s + rho * p
                    T[j] = T[j] * p * _INV_PI + u  # π Θ̂_h = π Θ̂_{h−1}·κ0 + π κ1
                    R[j] = min(1.0, u * _INV_PI)
            scale = row_scale[i]
            o = out[i]
            for j in range(k):
                o[j] = T[j] * scale * col_scale[j]


def _require() -> None:
    if not AVAILABLE:  # pragma: no cover - numba is a declared dependency
        raise RuntimeError("numba is not installed; ntk_relu falls back to its numpy path")


def pi_minus_theta_and_sin(rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The kernel's primitive on an array: (π − arccos ρ, sin arccos ρ), compiled with the kernel's
    flags (needs numba; exposed for tests).

    >>> p, s = pi_minus_theta_and_sin(np.array([-1.0, 0.0, 1.0]))
    >>> np.allclose(p, [0, np.pi / 2, np.pi]), np.allclose(s, [0, 1, 0])
    (True, True)
    """
    rho = np.ascontiguousarray(rho, dtype=np.float64).ravel()
    p, s = np.empty_like(rho), np.empty_like(rho)
    _require()
    _p_s_array(rho, p, s)
    return p, s


def layers_rows(G, depth, row_scale, col_scale, out) -> None:
    """out[i, j] = row_scale[i]·col_scale[j]·π Θ̂_depth(ρ = G[i, j]) (G holds cosines; clamped).

    Releases the GIL; call from several threads on disjoint row blocks.

    >>> G = np.array([[1.0, 0.0]]); out = np.empty((1, 2))
    >>> layers_rows(G, 1, np.ones(1), np.ones(2), out)
    >>> np.allclose(out, [[2 * np.pi, 1.0]])   # π(ρκ0 + κ1): ρ = 1 → 2π, ρ = 0 → 1
    True
    """
    _require()
    _layers_rows(G, int(depth), row_scale, col_scale, out)
