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

Near ρ = ±1 the cosine has lost the angle (identical unit rows give 1 − 1.1e-16, an angle of
1.5e-8). So each entry carries the state (ρ, z) with z = (1 − |ρ|)/2 kept without cancellation
where |ρ| > 1/2: at layer 0 from a direct distance, z = ‖x̂_i ∓ x̂_j‖²/4, where |ρ| > 1 − NEAR;
at later layers from 1 − κ1(ρ) = (π(1 − ρ) − D(θ))/π, D(θ) = sin θ − θ cos θ = θ³Q(θ²) by its
Taylor series. Duplicates give z = 0 and θ = 0 at every layer; near-duplicates keep their digits.

The numpy twin (libm arcsin, in :mod:`.infinite`) runs below FUSED_MIN_SAMPLES; tests compare the
two entry by entry, and both against mpmath. The compiled path's rounding is *proven*
(:mod:`.errors`). Needs numba; :data:`AVAILABLE` is False without it and ``ntk_relu`` then uses
the numpy path.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "AVAILABLE", "NEAR", "fit_coefficients", "h_inf_rows", "layer", "layers_rows",
    "pi_minus_theta_and_sin",
]

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
_INV_2PI = 0.5 / math.pi
#: |ρ| above 1 − NEAR: the angle comes from a direct distance, not from the dot product
NEAR = 1.0 / 64.0
#: D(θ) = sin θ − θ cos θ = θ³·Q(θ²): Taylor coefficients (−1)^{k+1}·2k/(2k+1)!, k = 1…10,
#: highest degree first (alternating and decreasing for θ ≤ π/3: truncation < 1e-20 relative)
D_COEFFS = tuple(
    (-1) ** (k + 1) * 2 * k / math.factorial(2 * k + 1) for k in range(10, 0, -1)
)


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
    _Q = D_COEFFS

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
    def _p_s(rho, z):
        """(π − θ, sin θ, arccos|ρ|) from the state (ρ, z), z = (1 − |ρ|)/2 where |ρ| > 1/2."""
        a = abs(rho)
        big = a > 0.5
        zz = z if big else a * a
        root = math.sqrt(z)  # computed in every lane: keeps the loop branch-free
        s = root if big else a
        asin_s = s + s * zz * _horner(_A, zz)
        c = _horner(_C, zz)
        alpha = 2.0 * asin_s  # arccos |ρ| on the big branch
        sin_theta = 2.0 * s * c if big else c
        p_big = alpha if rho < 0 else (_PI - alpha) + _PI_LO
        p_small = _PIO2 + (asin_s if rho >= 0 else -asin_s) + _PIO2_LO
        return (p_big if big else p_small), sin_theta, alpha

    @_jit_inline
    def _layer(rho, z):
        """One layer on the state (ρ, z), z = (1 − |ρ|)/2 kept accurately where |ρ| > 1/2:
        returns (π − θ, π κ1(ρ), ρ', z') with ρ' = κ1(ρ) and z' = (1 − |ρ'|)/2."""
        p, sin_theta, alpha = _p_s(rho, z)
        u = sin_theta + rho * p  # π κ1(ρ)
        if abs(rho) > 0.5 and rho > 0:  # 1 − κ1 = (π(1 − ρ) − D(θ))/π, D = sin θ − θ cos θ
            t = alpha * alpha
            z_next = max(0.0, z - alpha * t * _horner(_Q, t) * _INV_2PI)
            rho_next = 1.0 - 2.0 * z_next
        else:  # κ1 ≤ κ1(1/2) < 0.61 here: 1 − ρ' is exact (Sterbenz) where it is used
            rho_next = min(1.0, u * _INV_PI)
            z_next = (1.0 - abs(rho_next)) * 0.5
        return p, u, rho_next, z_next

    @_jit_inline
    def _state0(g, xi, xj, near):
        """Layer-0 state from a cosine g = x̂_iᵀx̂_j (clamped). Where |g| > 1 − ``near`` the
        dot product has lost the angle: z = ‖x̂_i ∓ x̂_j‖²/4 by direct differences (0 exactly for
        duplicates) and ρ = ±(1 − 2z)."""
        rho = min(1.0, max(-1.0, g))
        a = abs(rho)
        if a > 1.0 - near:
            sgn = 1.0 if rho > 0 else -1.0
            acc = 0.0
            for t in range(xi.shape[0]):
                diff = xi[t] - sgn * xj[t]
                acc += diff * diff
            z = 0.25 * acc
            return sgn * (1.0 - 2.0 * z), z
        return rho, (1.0 - a) * 0.5

    @_jit()
    def _p_s_array(rho, z, p, s):
        for k in range(rho.shape[0]):
            p[k], s[k], _ = _p_s(rho[k], z[k])

    @_jit()
    def _layer_array(rho, z, p, u, rn, zn):
        for k in range(rho.shape[0]):
            p[k], u[k], rn[k], zn[k] = _layer(rho[k], z[k])

    @_jit_inline
    def _states0(g, xi, Xc, near, R0, Z0):
        """The layer-0 states of one row: from the cosines in a branch-free (vectorized) pass,
        then by :func:`_state0`'s direct distance for the few entries near ρ = ±1 (the same
        values as :func:`_state0` on every entry; the distance loop kept the first pass scalar)."""
        for j in range(g.shape[0]):
            rho = min(1.0, max(-1.0, g[j]))
            R0[j] = rho
            Z0[j] = (1.0 - abs(rho)) * 0.5
        for j in range(g.shape[0]):
            if abs(R0[j]) > 1.0 - near:
                R0[j], Z0[j] = _state0(g[j], xi, Xc[j], near)

    @_jit(nogil=True)
    def _layers_rows(G, depth, row_scale, col_scale, out, Xr, Xc, near):
        m, k = G.shape
        R = np.empty(k)
        Z = np.empty(k)
        T = np.empty(k)
        R0 = np.empty(k)
        Z0 = np.empty(k)
        for i in range(m):
            g = G[i]
            _states0(g, Xr[i], Xc, near, R0, Z0)
            for j in range(k):  # layer 1: Θ̂_0 = ρ0
                rho = R0[j]
                p, u, R[j], Z[j] = _layer(rho, Z0[j])
                T[j] = rho * p + u  # π Θ̂_1
            for _ in range(1, depth):
                for j in range(k):
                    p, u, R[j], Z[j] = _layer(R[j], Z[j])
                    T[j] = T[j] * p * _INV_PI + u  # π Θ̂_h = π Θ̂_{h−1}·κ0 + π κ1
            scale = row_scale[i]
            o = out[i]
            for j in range(k):
                o[j] = T[j] * scale * col_scale[j]

    @_jit(nogil=True)
    def _h_inf_rows(G, Xr, Xc, nr, nc, out, near):
        """H^∞ on a row block: out = n_i n_j ρ (π − θ)/(2π) (rows of X̂ unit, G their Gram)."""
        m, k = G.shape
        R0 = np.empty(k)
        Z0 = np.empty(k)
        for i in range(m):
            _states0(G[i], Xr[i], Xc, near, R0, Z0)
            for j in range(k):
                rho = R0[j]
                p, _u, _rn, _zn = _layer(rho, Z0[j])
                out[i, j] = (rho * (nr[i] * nc[j])) * (p * _INV_2PI)


def _require() -> None:
    if not AVAILABLE:  # pragma: no cover - numba is a declared dependency
        raise RuntimeError("numba is not installed; ntk_relu falls back to its numpy path")


def pi_minus_theta_and_sin(rho: np.ndarray, z: np.ndarray | None = None):
    """The kernel's primitive on an array: (π − arccos ρ, sin arccos ρ), compiled with the kernel's
    flags (needs numba; exposed for tests). ``z`` = (1 − |ρ|)/2 where |ρ| > 1/2, when known more
    accurately than from ρ (default: computed from ρ, exact there by Sterbenz).

    >>> p, s = pi_minus_theta_and_sin(np.array([-1.0, 0.0, 1.0]))
    >>> np.allclose(p, [0, np.pi / 2, np.pi]), np.allclose(s, [0, 1, 0])
    (True, True)
    """
    rho = np.ascontiguousarray(rho, dtype=np.float64).ravel()
    z = (1.0 - np.abs(rho)) * 0.5 if z is None else np.ascontiguousarray(z, np.float64).ravel()
    p, s = np.empty_like(rho), np.empty_like(rho)
    _require()
    _p_s_array(rho, z, p, s)
    return p, s


def layer(rho: np.ndarray, z: np.ndarray):
    """One layer of the recursion on arrays of states (ρ, z): (π − θ, π κ1(ρ), ρ', z')
    (compiled; exposed for tests).

    >>> p, u, r, z = layer(np.array([1.0]), np.array([0.0]))
    >>> float(r[0]), float(z[0])   # duplicates stay duplicates exactly
    (1.0, 0.0)
    """
    _require()
    rho = np.ascontiguousarray(rho, dtype=np.float64).ravel()
    z = np.ascontiguousarray(z, dtype=np.float64).ravel()
    out = [np.empty_like(rho) for _ in range(4)]
    _layer_array(rho, z, *out)
    return tuple(out)


def layers_rows(G, depth, row_scale, col_scale, out, Xr=None, Xc=None) -> None:
    """out[i, j] = row_scale[i]·col_scale[j]·π Θ̂_depth(ρ = G[i, j]) (G holds cosines; clamped).

    ``Xr``, ``Xc``: the unit rows behind G's rows and columns; where |G[i, j]| > 1 − NEAR the
    angle is taken from ‖Xr[i] ∓ Xc[j]‖ instead of from G (without them, from G everywhere).
    Releases the GIL; call from several threads on disjoint row blocks.

    >>> G = np.array([[1.0, 0.0]]); out = np.empty((1, 2))
    >>> layers_rows(G, 1, np.ones(1), np.ones(2), out)
    >>> np.allclose(out, [[2 * np.pi, 1.0]])   # π(ρκ0 + κ1): ρ = 1 → 2π, ρ = 0 → 1
    True
    """
    _require()
    near = NEAR
    if Xr is None or Xc is None:
        Xr = Xc = np.zeros((max(G.shape), 1))
        near = -1.0  # never
    _layers_rows(G, int(depth), row_scale, col_scale, out, Xr, Xc, near)


def h_inf_rows(G, Xr, Xc, nr, nc, out) -> None:
    """out[i, j] = nr[i]·nc[j]·ρ(π − θ)/(2π) for the cosines G of the unit rows Xr, Xc (angles
    from direct distances where |ρ| > 1 − NEAR). Releases the GIL.

    >>> X = np.array([[1.0, 0.0], [1.0, 0.0]]); out = np.empty((2, 2))
    >>> h_inf_rows(X @ X.T, X, X, np.ones(2), np.ones(2), out); out.tolist()
    [[0.5, 0.5], [0.5, 0.5]]
    """
    _require()
    _h_inf_rows(G, Xr, Xc, nr, nc, out, NEAR)
