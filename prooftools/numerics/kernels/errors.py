"""Proven entrywise rounding bounds for the computed H^∞ and depth-L NTK (bias-free).

Everything is relative to the exact kernel of the floating-point inputs; u = 2⁻⁵³, γ_k = ku/(1−ku)
(Higham 2002, §3.1; the bounds hold for any summation order, with or without FMA).

**Primitives** (compiled path, :mod:`.fused`). Horner's rule on a degree-m polynomial errs by at
most γ_{2m}·Σ|c_k||z|^k (Higham (5.3)); the fits A(z) ≈ (asin√z/√z − 1)/z and C(z) ≈ √(1 − z)
on [0, 1/4] differ from the functions by at most :data:`FIT_ERROR_A`, :data:`FIT_ERROR_C`, proven
by :func:`prove_fit_errors`: E = P − T_N (T_N the degree-N Taylor polynomial, exact rationals, tail
≤ (4/3)·4^−(N+1) since every Taylor coefficient is ≤ 1) is a degree-N polynomial, so Markov's
inequality max|E'| ≤ 8N²·max|E| on [0, 1/4] turns its maximum on a grid of spacing δ into
max|E| ≤ max_grid|E|/(1 − 4δN²). Q(t) = D(θ)/θ³ (D = sin θ − θ cos θ, t = θ² ≤ 1.1) is its
alternating Taylor series, truncated after 10 terms (error < 1e-20 relative).

**Angles.** Each entry carries a state (ρ, z) that *represents* an angle ϑ: arccos ρ where
|ρ| ≤ 1/2, else 2 asin √z (or π − that for ρ < 0), with ρ = ±(1 − 2z) within u. Layer 0 (the
inputs): |ϑ_0 − θ_0| ≤ a_0 (:func:`angle0_error`: Gram branch by the Lipschitz constant of arccos on
|ρ| ≤ 1 − NEAR + e, direct-distance branch by the chord). One layer maps θ to
g(θ) = arccos κ1(cos θ) with |g'| ≤ 1 (with q = π − θ: 1 − κ1² − κ0² sin²θ ≥ 0 ⟺
h(q) = sin²q − q sin 2q + q² ≤ π², and h' = 4q sin²q ≥ 0, h(π) = π²), and the computed next state
represents an angle within ε_loc of g(ϑ) (:func:`layer_local_error`), so a_h ≤ a_0 + h·ε_loc.
κ0 = (π − θ)/π and κ1 are 1/π- and 1-Lipschitz in θ (dκ1/dθ = −κ0 sin θ).

**Kernel.** π Θ̂_h = π Θ̂_{h−1}·κ0 + π κ1 with Θ̂_h ≤ h + 1 gives the error recursion of
:func:`ntk_entry_error`; |K̂_ij − K_ij| ≤ c·(c_σ/2)^L·w_i w_j, w_i = ‖x_i‖/√d, and
‖ΔK‖₂ ≤ ‖ |ΔK| ‖₂ ≤ c·(c_σ/2)^L·Σ w_i² (a rank-one majorant).
"""

from __future__ import annotations

import math

from prooftools.numerics.kernels.fused import ASIN_COEFFS, D_COEFFS, NEAR, SQRT_COEFFS
from prooftools.numerics.rounding import UNIT_ROUNDOFF, gamma

__all__ = [
    "FIT_ERROR_A", "FIT_ERROR_C", "angle0_error", "h_inf_entry_error", "layer_local_error",
    "ntk_entry_error", "primitive_errors", "prove_fit_errors",
]

_U = UNIT_ROUNDOFF

#: proven bounds of |A_fit − A| and |C_fit − C| on [0, 1/4] (re-proven by a test)
FIT_ERROR_A = 3.0e-17
FIT_ERROR_C = 1.5e-17
_F_A_MAX = 0.19  # (asin√z/√z − 1)/z ≤ its value at 1/4 = 0.18879… (positive Taylor coefficients)
_F_A_SLOPE = 0.12  # its derivative ≤ the derivative at 1/4 = 0.1079…
_Q_MIN = 0.29  # Q(t) ≥ 1/3 − t/30 ≥ 0.296 on t ≤ 1.1 (alternating, decreasing terms)
#: libm arcsin (the numpy path) is assumed within 4 ulp; only the compiled path is proven
NUMPY_ASIN_ULPS = 4


def _abs_poly(coeffs, z: float) -> float:
    acc = 0.0
    for c in coeffs:
        acc = acc * z + abs(c)
    return acc


def prove_fit_errors(degree: int = 30, grid: int = 9000, dps: int = 40) -> tuple[float, float]:
    """(max|A_fit − A|, max|C_fit − C|) on [0, 1/4], proven (module docstring; mpmath, ~5 s).

    >>> a, c = prove_fit_errors(degree=20, grid=2000)   # coarse: a valid but looser bound
    >>> 0 < a < 1e-10 and 0 < c < 1e-10
    True
    """
    import mpmath

    N = degree
    with mpmath.workdps(dps):
        fa = [mpmath.factorial(2 * j) / (4**j * mpmath.factorial(j) ** 2 * (2 * j + 1))
              for j in range(1, N + 2)]  # asin(s)/s = Σ a_j s^{2j}: A(z) = Σ_{j≥1} a_j z^{j−1}
        fc = [mpmath.binomial(mpmath.mpf(1) / 2, j) * (-1) ** j for j in range(N + 1)]
        out = []
        for P, F in ((ASIN_COEFFS, fa), (SQRT_COEFFS, fc)):
            low = [mpmath.mpf(c) for c in P[::-1]]  # the float coefficients, exactly
            E = [(low[k] if k < len(low) else 0) - F[k] for k in range(N + 1)]
            delta = mpmath.mpf(1) / 4 / grid
            top = max(abs(mpmath.polyval(E[::-1], k * delta)) for k in range(grid + 1))
            fac = 4 * delta * N * N
            if fac >= 1:
                raise ValueError("grid too coarse for Markov's inequality")
            tail = mpmath.mpf(4) / 3 * mpmath.mpf(4) ** -(N + 1)
            out.append(float(top / (1 - fac) + tail + mpmath.mpf(10) ** -30) * (1 + 1e-6))
    return out[0], out[1]


def primitive_errors() -> tuple[float, float, float]:
    """(δ_p, δ_s, r_α): |p̂ − (π − ϑ)| ≤ δ_p and |ŝ − sin ϑ| ≤ δ_s for the compiled primitive
    evaluated on a state representing ϑ; on the big branch |α̂ − arccos|ρ|| ≤ r_α·arccos|ρ|.

    >>> dp, ds, ra = primitive_errors(); dp < 1e-14 and ds < 1e-14 and ra < 1e-15
    True
    """
    hA = gamma(2 * (len(ASIN_COEFFS) - 1)) * _abs_poly(ASIN_COEFFS, 0.25)
    hC = gamma(2 * (len(SQRT_COEFFS) - 1)) * _abs_poly(SQRT_COEFFS, 0.25)
    dA = hA + FIT_ERROR_A
    dC = hC + FIT_ERROR_C
    # small branch |ρ| ≤ 1/2: s = a exact, zz = fl(a²)
    e_asin_small = (dA + _F_A_SLOPE * _U / 4 + _F_A_MAX * gamma(3)) / 8 + 0.53 * _U
    dp_small = e_asin_small + 4.2 * _U
    ds_small = dC + 0.15 * _U
    # big branch: s = fl(√z), α̂ = 2·asin_s, relative to asin σ ≥ σ
    r_alpha = 2.0 * _U + (dA + _F_A_MAX * 3 * _U) / 4 + _U
    e_alpha = r_alpha * math.pi / 3
    dp_big = e_alpha + 2 * math.pi * _U
    ds_big = 2 * _U + dC + _U
    slack = 1e-30
    return (float(max(dp_small, dp_big) * 1.01 + slack),
            float(max(ds_small, ds_big) * 1.01 + slack), float(r_alpha * 1.01))


def _u_error(dp: float, ds: float) -> float:
    """|û − π κ1(ϑ)| for the computed u = sin θ + ρ(π − θ)."""
    return ds + dp + math.pi * _U + gamma(2) * (1 + math.pi)


def layer_local_error() -> float:
    """ε_loc: the next state represents an angle within ε_loc of g(ϑ) (module docstring).

    >>> layer_local_error() < 1e-13
    True
    """
    dp, ds, r_alpha = primitive_errors()
    e_u = _u_error(dp, ds)
    # ρ' = fl(û/π) where κ1 ≤ 0.61: arccos is 1.27-Lipschitz on |x| ≤ 0.611
    rest = 1.27 * (e_u / math.pi + 2.1 * _U)
    # big, ρ > 0: relative error of D̂ (θ D'/D ≤ 3.01), of ẑ' (D/2π ≤ z'/3), then of the angle
    hQ = gamma(2 * (len(D_COEFFS) - 1)) * _abs_poly(D_COEFFS, 1.1)
    rel_D = 3.1 * r_alpha + _U + (hQ + _U * _abs_poly(D_COEFFS, 1.1) + 1e-20) / _Q_MIN + 4.2 * _U
    r_z = rel_D / 3 + 1.01 * _U
    big = 0.6 * r_z
    return float(max(rest, big) * 1.01)


def angle0_error(d: int) -> float:
    """a_0: the layer-0 state represents an angle within a_0 of the exact angle of (x_i, x_j).

    x̂ = fl(x/‖x‖) has ‖x̂‖ ∈ 1 ± γ_{d+4} and direction within 1.01u of x. Gram branch
    (|ρ̂| ≤ 1 − NEAR): |ρ̂ − cos θ| ≤ e = γ_d(1 + γ)² + 2.01γ_{d+4} + 2.01u, then arccos's
    Lipschitz constant 1/√(1 − (1 − NEAR + e)²). Direct branch: the chord from
    ‖x̂_i ∓ x̂_j‖² (relative γ_{d+2}, additive (‖x̂_i‖ − ‖x̂_j‖)² ≤ 4γ²) gives
    |ŝ − sin(θ/2)| ≤ 1.85γ_{d+4} + 0.5u, and asin is 1.16-Lipschitz on [0, 1/2].

    >>> angle0_error(3) < 1e-13
    True
    """
    g = gamma(d + 4)
    e = gamma(d) * (1 + g) ** 2 + 2.01 * g + 2.01 * _U
    top = 1.0 - NEAR + e
    gram = e / math.sqrt(1.0 - top * top)
    direct = 2 * 1.16 * (1.85 * g + 0.5 * _U) + 2.01 * _U
    return float(max(gram, direct) * 1.01)


def h_inf_entry_error(d: int, *, compiled: bool = True) -> float:
    """c_H with |Ĥ_ij − H^∞_ij| ≤ c_H·‖x_i‖‖x_j‖ (so ‖ΔH‖₂ ≤ c_H·Σ‖x_i‖²).

    Ĥ_ij = fl(fl(ρ̂·fl(n_i n_j))·fl(p̂/(2π))): |ρ̂ − cos θ| ≤ a_0 + u, |p̂ − (π − θ)| ≤ a_0 + δ_p,
    norms within γ_{d+3} each, four roundings. ``compiled=False``: the numpy path, whose libm
    arcsin is assumed within :data:`NUMPY_ASIN_ULPS` ulp (not proven).

    >>> h_inf_entry_error(784) < 1e-11
    True
    """
    a0 = angle0_error(d)
    dp = primitive_errors()[0]
    if not compiled:
        dp = max(dp, 2 * NUMPY_ASIN_ULPS * 2 * _U * math.pi)
    c = 0.5 * (a0 + _U) + (a0 + dp) / (2 * math.pi) + gamma(2 * d + 6) * 0.5 + 4 * _U
    return float(c * 1.01)


def ntk_entry_error(d: int, depth: int) -> float:
    """c_K with |K̂_ij − K_ij| ≤ c_K·(c_σ/2)^L·w_i w_j, w_i = ‖x_i‖/√d, for the bias-free
    depth-L NTK computed by the compiled path (:func:`ntk_relu`, ``compiled=True``).

    E_1 = π(a_0 + u) + a_0 + δ_p + e_u + π a_0 + 2πγ_2; E_h = E_{h−1} + h(a_{h−1} + δ_p) + e_u
    + π a_{h−1} + γ_4 π(h + 1) (errors of π Θ̂_h); c_K = E_L/π + (L + 1)(2γ_{d+3} + 5u).

    >>> 0 < ntk_entry_error(784, 3) < 1e-10
    True
    """
    dp, ds, _ = primitive_errors()
    e_u = _u_error(dp, ds)
    a = angle0_error(d)
    loc = layer_local_error()
    E = math.pi * (a + _U) + a + dp + e_u + math.pi * a + 2 * math.pi * gamma(2)
    for h in range(2, depth + 1):
        a_prev = a + loc * (h - 1)
        E = E + h * (a_prev + dp) + e_u + math.pi * a_prev + gamma(4) * math.pi * (h + 1)
    return float((E / math.pi + (depth + 1) * (2 * gamma(d + 3) + 5 * _U)) * 1.01)
