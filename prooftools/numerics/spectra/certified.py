"""Certified smallest eigenvalues and singular values (rigorous lower bounds, floating point).

Certificate (Demmel 1989; Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed. 2002,
Thm 10.3; Rump, "Verification of positive definiteness", BIT 46 (2006) 433–452, §2): if the
floating-point Cholesky factorisation of a symmetric A ∈ F^{n×n} runs to completion, the computed
factor satisfies R̂ᵀR̂ = A + ΔA with |ΔA| ≤ γ_{n+1}|R̂ᵀ||R̂|, γ_k = ku/(1 − ku). Cauchy–Schwarz on the
columns of R̂ and ‖r̂_i‖² ≤ a_ii/(1 − γ_{n+1}) give
|ΔA_ij| ≤ γ_{n+1}/(1 − γ_{n+1})·sqrt(a_ii a_jj), so
‖ΔA‖₂ ≤ γ_{n+1}/(1 − γ_{n+1})·tr(A) and, R̂ᵀR̂ being PSD, λ_min(A) ≥ −γ_{n+1}/(1 − γ_{n+1})·tr(A).
We use the slightly larger β(A) = γ_{n+1}/(1 − 2γ_{n+1})·tr(A) (Rump's form). Applied to
Ã = fl(H − tI) (its rounding: ≤ u·max|ã_ii| in 2-norm) this proves
    λ_min(H) ≥ t − β(Ã) − u·max_i|ã_ii| − ‖E‖₂,
where ‖E‖₂ bounds the error of H itself (``error_bound``). The bound holds for any summation
order (blocked LAPACK potrf, FMA, tiles on other machines) but not for Strassen-type products,
and assumes no underflow (we reject subnormal-scale traces).

Cost (issue 14): the matrix is factorised **in place** (LAPACK potrf on the buffer itself, above
2048 rows in panels: :mod:`prooftools.numerics.spectra.blocked_cholesky`); its strict upper
triangle is never written, so the matrix is restored from it (no copy, no re-forming) when another
factorisation needs it. The common case costs ONE float64 factorisation: a float32
factorisation of H + εI, written into the buffer's free triangle (about half the time, no
memory), drives single-vector Lanczos on its inverse (two tiled triangular solves a step,
:mod:`prooftools.numerics.spectra.trisolve`); the Rayleigh quotient with H itself of its vector
gives θ ≥ λ_min (up to rounding, whatever the float32 factor's errors). On a densely
populated bottom of the spectrum, where Lanczos at that shift converges only like 1/k to 1/k²,
the float32 factor is recomputed once just below θ (:func:`_closer_lanczos`), where a few steps
suffice. The float64 factorisation at t = θ(1 − 0.9·rtol) then succeeds whenever θ is within
0.9·rtol of λ_min and proves a lower bound within ``rtol`` (default 0.1%). If it fails (θ too
high: an eigenvalue the estimate missed) the two-step scheme follows: positivity at θ/4,
shift-inverted Krylov with that float64 factor, one more factorisation at θ(1 − 0.9·rtol).
``fast=True`` is one float64 factorisation at θ_K/4 of a block-Krylov estimate θ_K (positivity
only). For n ≤ ``exact_limit`` LAPACK's eigh gives θ and one factorisation suffices.
"""


from __future__ import annotations

import math

import numpy as np
from scipy.linalg import eigh

from prooftools.errors import UserInputError
from prooftools.numerics.gram import gram
from prooftools.numerics.memory import require_memory
from prooftools.numerics.quantity import Quantity
from prooftools.numerics.rounding import UNIT_ROUNDOFF, gamma
from prooftools.numerics.spectra.cholesky import (
    cholesky_error_bound,
    next_down,
    next_up,
    progress_bar,
    threadpool_limits,
)
from prooftools.numerics.spectra.krylov import (
    Scan,
    SymWork,
    inverse_estimate,
    krylov_estimate,
    scan_entries,
    symmetrize_in_place,
    witness,
)
from prooftools.numerics.spectra.lanczos32 import LANCZOS_MAX_STEPS, lanczos_inverse32
from prooftools.numerics.spectra.quadratic import enclose_quadratic, solve_quadratic
from prooftools.numerics.spectra.trisolve import TILE


def certified_lambda_min(
    H,
    *,
    error_bound: float = 0.0,
    exact_limit: int = 1500,
    rtol: float = 1e-3,
    max_tries: int = 8,
    fast: bool = False,
    in_place: bool = False,
    restore: bool = True,
    progress: bool | None = False,
) -> Quantity:
    """λ_min of a symmetric matrix with a rigorous floating-point lower bound.

    ``error_bound`` bounds ‖Ĥ − H‖₂ for the exact matrix H that Ĥ approximates (0 if Ĥ is exact).
    ``lower`` is proven (see module docstring), within ``rtol`` of λ_min when the bottom of the
    spectrum allows it (``fast=True``: positivity only, one factorisation); ``upper`` is the
    Rayleigh quotient of the computed eigenvector plus its rounding error. ``witness`` names the
    two largest entries of that eigenvector (for a duplicated or parallel pair, the offending
    pair). If no t > 0 can be certified, ``lower`` ≤ 0: "not proven positive". ``in_place=True``
    uses H itself as the workspace (no copy; H must be a C-contiguous float64 array and is
    restored bit for bit on return if it was exactly symmetric — a 0.0 facing a −0.0
    comes back with the upper triangle's sign — else symmetrized); with ``restore=False`` its
    contents afterwards are unspecified, for a caller that discards it (one pass over n² saved).

    >>> q = certified_lambda_min(np.array([[2.0, 1.0], [1.0, 2.0]]))
    >>> round(q.value, 12), 0.999999 < q.lower <= 1.0 <= q.upper
    (1.0, True)
    """
    return _certify(H, error_bound=error_bound, exact_limit=exact_limit, rtol=rtol,
                    max_tries=max_tries, fast=fast, in_place=in_place, restore=restore,
                    progress=progress)[0]


def certified_lambda_min_and_quadratic(H, y, *, error_bound: float = 0.0, **kw):
    """(λ_min(H), yᵀH⁻¹y) as Quantities, the second with a rigorous enclosure from the same
    factorisation (:mod:`prooftools.numerics.spectra.quadratic`). ``y``: a vector or an n×k
    array (then the sum over columns, tr(YᵀH⁻¹Y)). Keywords as :func:`certified_lambda_min`.

    >>> lam, q = certified_lambda_min_and_quadratic(np.diag([2.0, 4.0]), np.array([2.0, 2.0]))
    >>> round(q.value, 12), q.lower <= 3.0 <= q.upper
    (3.0, True)
    """
    y = np.asarray(y, dtype=np.float64)
    lam, parts = _certify(H, error_bound=error_bound, quad_y=y, **kw)
    return lam, enclose_quadratic(parts, lam, error_bound)


def workspace_bytes(n: int) -> int:
    """What the certificate allocates besides the matrix: the Lanczos bases (two n×150
    float64 arrays) and the inverted diagonal tiles of a factor (n×512, float64 at most).

    >>> workspace_bytes(40000) / 1e6
    259.84
    """
    return 8 * n * (2 * LANCZOS_MAX_STEPS + TILE)


def _certify(H, *, error_bound, exact_limit=1500, rtol=1e-3, max_tries=8, fast=False,
             in_place=False, restore=True, progress=False, quad_y=None):
    if not in_place or not isinstance(H, np.ndarray):
        H = np.asarray(H, dtype=np.float64)
    if H.ndim != 2 or H.shape[0] != H.shape[1] or H.shape[0] == 0:
        raise UserInputError(f"expected a non-empty square matrix, got shape {H.shape}")
    if not (error_bound >= 0 and math.isfinite(error_bound)):
        raise UserInputError(f"error_bound must be finite and ≥ 0, got {error_bound!r}")
    if not 0 < rtol < 1:
        raise UserInputError(f"rtol must lie strictly between 0 and 1, got {rtol!r}")
    n = H.shape[0]
    if in_place and (H.dtype != np.float64 or not H.flags.c_contiguous or not H.flags.writeable):
        raise ValueError("in_place needs a writeable C-contiguous float64 array")
    sc = scan_entries(H)
    if sc.asym > 1e-8 * max(sc.maxabs, 1e-300):
        raise UserInputError(f"matrix is not symmetric (max |H − Hᵀ| = {sc.asym:.3g})")
    if not in_place:
        require_memory(n, "the working copy of the matrix")
        H = np.array(H, dtype=np.float64, order="C")
    if sc.asym > 0:  # certify the symmetric part (within 1e-8 relative of H)
        symmetrize_in_place(H)
    work = SymWork(H)
    work.fro = sc.fro
    work.progress = progress
    if sc.maxabs == 0.0:
        q = Quantity(0.0, lower=-error_bound, upper=error_bound,
                     witness="i=0, j=1" if n > 1 else "i=0", note="zero matrix")
        return q, None
    exact = n <= exact_limit
    steps = (1 if exact else 2) + (0 if fast else 1)
    if quad_y is not None and quad_y.shape[0] != n:
        raise UserInputError(f"y has {quad_y.shape[0]} rows for a {n}×{n} matrix")
    try:
        with progress_bar(progress, steps + 1, f"certified λ_min (n={n})") as bar:
            return _certify_steps(work, sc, error_bound, exact, rtol, max_tries, fast, bar,
                                  quad_y)
    finally:
        if in_place and restore:  # a working copy of ours is dropped as it is
            work.restore()


def _certify_steps(work: SymWork, sc: Scan, error_bound, exact, rtol, max_tries, fast, bar,
                   quad_y=None):
    n = work.n
    tr_abs = float(np.sum(np.abs(work.diag)))
    # 1. an estimate θ ≥ λ_min and its eigenvector
    lanczos = False
    parts = None  # yᵀH⁻¹y solved while a well-conditioned preconditioner is in the buffer
    if exact:
        w, V = eigh(work.W, subset_by_index=[0, 0], check_finite=False)
        theta, v = float(w[0]), V[:, 0]
        how = "λ_min by LAPACK eigh"
    elif not fast and _factor32(work):
        # the common case: a float32 factor of H + εI (about half a float64 one, in the
        # buffer's scratch triangle; an estimate, never a proof) and Lanczos on its inverse;
        # it stops early when θ reaches the rounding floor (λ_min ≈ 0: no tight bound to get)
        floor0 = 4.0 * cholesky_error_bound(n, tr_abs)
        theta, v, steps, est = lanczos_inverse32(work, rtol, restart_steps=_factor_steps(n),
                                                 floor=floor0)
        lanczos = math.isfinite(theta)
        how = (f"λ_min estimate by Lanczos ({steps} steps) on the inverse of a float32 "
               "factor, Rayleigh quotient with H")
        if lanczos and quad_y is not None:  # CG preconditioned with that factor (few steps)
            parts = solve_quadratic(work, quad_y, lam_est=theta)
        if lanczos and est > 0.25 * rtol and theta > 4.0 * floor0:
            # not converged (a clustered bottom, or a start vector poor in the lowest
            # eigenvector): a float32 factor just below θ, where (H − σI)⁻¹ separates the
            # bottom eigenvalues, and Lanczos again from the Ritz vector plus noise
            theta, v, more = _closer_lanczos(work, theta, v, est, rtol)
            if more:
                how += f", then {more} steps closer below θ"
    if not exact and not lanczos:
        with threadpool_limits(limits=1, user_api="blas"):
            theta, v, _res = krylov_estimate(work)
        how = "λ_min estimate by block Krylov"
    bar.update(1)
    floor = 4.0 * cholesky_error_bound(n, tr_abs + n * abs(theta))
    lower, t_ok, factors = -math.inf, None, 0

    def attempt(t: float) -> bool:
        nonlocal lower, t_ok, factors
        ok, tr_t, dmax_t = work.factor(t)
        factors += 1
        bar.update(1)
        if ok:
            beta = cholesky_error_bound(n, tr_t)
            lower = max(lower, next_down(t - beta - UNIT_ROUNDOFF * dmax_t * 1.01 - error_bound, 4))
            t_ok = t
        return ok

    one_shot = False
    if lanczos:
        # ONE float64 factorisation 0.9·rtol below θ ≥ λ_min proves a bound within rtol
        bar.update(1)
        gap = max(floor, 0.9 * rtol * abs(theta))
        tried = theta > floor and theta - gap > 0
        one_shot = tried and attempt(theta - gap)
        if not one_shot:
            how += (" (its shift failed" if tried else " (too close to 0 for one shift"
                    ) + ": the two-step scheme follows)"
            parts = None
    if exact:  # θ accurate: certify just below it
        gap = max(floor, 1e-9 * abs(theta))
        for _ in range(max_tries):
            if attempt(theta - gap):
                break
            gap *= 4.0
    elif not one_shot:  # the two-step scheme (fast mode, or the float32 estimate missed)
        # 2. positivity at t₁ = θ/4 (smaller on failure), one factorisation when θ is sane;
        # for θ clearly below 0 (an indefinite H) just below θ, else the bound would stop
        # at the first shifts' −10⁻¹⁴·max|H|·4^k and fall back to Gershgorin
        if theta > floor:
            t = 0.25 * theta
        elif theta < -floor:
            t = theta - max(floor, 0.9 * rtol * abs(theta))
        else:
            t = -max(floor, 1e-14 * sc.maxabs)
        for _ in range(max_tries):
            if attempt(t):
                break
            # θ/4 too high: λ_min is tiny or ≤ 0 — factor just below 0 (for the refinement)
            t = -max(floor, 1e-14 * sc.maxabs) if t > 0 else 4.0 * t
        if quad_y is not None:
            parts = solve_quadratic(work, quad_y, lam_est=theta)
        if t_ok is not None and not fast:
            # 3. shift-inverted Krylov with that factor, then one factorisation at t₂
            with threadpool_limits(limits=1, user_api="blas"):  # skinny, memory-bound work
                theta2, v2, est = inverse_estimate(work, t_ok, 0.2 * rtol)
            if theta2 < theta:
                theta, v = theta2, v2
            how += ", refined by shift-inverted Lanczos with the first factor"
            # θ ≥ λ_min: a shift 0.9·rtol below θ is within rtol of λ_min whenever it succeeds;
            # when θ is still too high (a clustered bottom), it fails, and the next gap is the
            # Ritz error estimate (pessimistic on a clustered bottom, hence tried second)
            gap = max(floor, 0.9 * rtol * abs(theta))
            if theta - gap > t_ok:
                for _ in range(max_tries):
                    if attempt(theta - gap):
                        break
                    gap = max(4.0 * gap, min(est, 0.5 * abs(theta)))
                    if theta - gap <= t_ok:
                        break
    if quad_y is not None and parts is None:
        if theta > floor:  # the tight factor would precondition badly: λ/(λ − t) up to 1e9
            work.factor(0.5 * theta)
        parts = solve_quadratic(work, quad_y, lam_est=theta)
    if lower == -math.inf:  # fall back to Gershgorin, always valid
        off = sc.rowabs - np.abs(work.diag)
        lower = next_down(float(np.min(work.diag - off * (1 + gamma(n)))) - error_bound, 4)
    # 4. an upper bound from the Rayleigh quotient of the computed eigenvector
    vv = float(v @ v)
    rq = float(v @ work.matmul(v)[:, 0]) / vv
    rq_err = gamma(n + 2) * sc.fro * 1.01  # ≥ |v|ᵀ|H||v|/vᵀv rounding of vᵀHv
    upper = next_up(rq + rq_err + error_bound + 4 * UNIT_ROUNDOFF * abs(rq), 4)
    note = (
        how + f"; lower bound by Cholesky of H − tI ({factors} in-place factorisation"
        + ("s" if factors != 1 else "") + ") with backward error "
        "γ_{n+1}/(1−2γ_{n+1})·tr (Demmel 1989, Higham 2002 Thm 10.3, Rump 2006)"
        + (f", plus ‖E‖₂ ≤ {error_bound:.3g} for the matrix entries" if error_bound else "")
        + ("; positivity only (fast)" if fast else "")
    )
    q = Quantity(float(theta), lower=float(lower), upper=float(upper), witness=witness(v),
                 note=note)
    return q, parts


def _factor32(work: SymWork) -> bool:
    """The float32 factor for the estimate, of H + εI with ε = 10⁻⁴ of the mean diagonal: far
    above float32's Cholesky rounding (√n·u₃₂ of the diagonal, typically) at every n we can
    store, so it succeeds for any positive semidefinite H, and far enough below λ_min's usual
    size that (H + εI)⁻¹ separates the bottom of the spectrum as H⁻¹ would. (The float32
    matrix is scaled by that mean diagonal, so no entry over- or underflows.)"""
    return work.factor32(-1e-4 * float(np.mean(np.abs(work.diag))))


def _factor_steps(n: int) -> float:
    """What a float32 factorisation costs in Lanczos steps: n³/3 flops against two passes over
    n²/2 floats, ≈ n/128 on this class of machine (measured: 35–40 at n = 5000, 127 at
    n = 20000), and at least 30 (small n: steps are cheap)."""
    return max(30.0, n / 128.0)


def _closer_lanczos(work: SymWork, theta: float, v: np.ndarray, est: float,
                    rtol: float) -> tuple[float, np.ndarray, int]:
    """Lanczos with a float32 factor of H − σI, σ = θ(1 − δ) just below λ_min: δ twice the
    error estimate (at least 1%, so that float32's rounding stays far below λ_min − σ), four
    times larger after a failed factorisation (σ above λ_min), three tries. Returns the better
    (θ, v) and the steps taken (0: no factor succeeded)."""
    delta = min(0.5, max(0.01, 2.0 * est if math.isfinite(est) else 0.1))
    for _ in range(3):
        if work.factor32(theta * (1.0 - delta)):
            break
        delta = min(0.9, 4.0 * delta)
    else:
        return theta, v, 0
    noise = np.random.default_rng(2).standard_normal(work.n)
    start = v / np.linalg.norm(v) + 0.3 * noise / np.linalg.norm(noise)
    theta2, v2, steps, _est = lanczos_inverse32(work, rtol, start=start, sublinear=False,
                                                window=3, max_steps=int(_factor_steps(work.n)))
    if theta2 < theta:
        return theta2, v2, steps
    return theta, v, steps


def certified_sigma_min(
    X, *, exact_svd_limit: int = 3000, singular_values: np.ndarray | None = None
) -> Quantity:
    """σ_min(X) = σ_{min(n,d)} of an n×d matrix, with a rigorous lower bound.

    The bound certifies λ_min of the Gram matrix of the smaller side (X Xᵀ if n ≤ d, else XᵀX) with
    entry error |ΔG_ij| ≤ γ_k‖·‖‖·‖ (k the inner length), so ‖ΔG‖₂ ≤ γ_k‖X‖_F², then takes a square
    root; 0.0 means "not proven positive". The value comes from ``singular_values`` when given,
    else an SVD when min(n, d) ≤ ``exact_svd_limit`` (accurate for small σ), else the Gram
    matrix. ``witness`` names the two rows (n ≤ d) or columns (n > d) with the largest weights in
    a near-null combination.

    >>> q = certified_sigma_min(np.array([[3.0, 0.0], [0.0, 4.0]]))
    >>> round(q.value, 12), bool(2.9999 < q.lower <= 3.0)
    (3.0, True)
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or 0 in X.shape:
        raise UserInputError(f"expected a non-empty 2-D matrix, got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise UserInputError("matrix contains NaN or inf; expected finite entries")
    n, d = X.shape
    rows = n <= d
    G = gram(X) if rows else gram(X.T)
    k = d if rows else n
    fro2 = float(np.einsum("ij,ij->", X, X)) * (1.0 + gamma(n * d))
    q = certified_lambda_min(G, error_bound=next_up(gamma(k) * fro2))
    if singular_values is not None and len(singular_values) == min(n, d):
        value = float(np.min(singular_values))
    elif min(n, d) <= exact_svd_limit:
        value = float(np.linalg.svd(X, compute_uv=False)[-1])
    else:
        value = math.sqrt(max(q.value, 0.0))
    lower = float(math.sqrt(q.lower) * (1 - 4 * UNIT_ROUNDOFF)) if q.lower > 0 else 0.0
    lower = min(lower, value) if q.lower > 0 else 0.0
    upper = float(math.sqrt(max(q.upper, 0.0)) * (1 + 4 * UNIT_ROUNDOFF))
    side = "rows (samples)" if rows else "columns (features)"
    note = f"σ_min from the {'X Xᵀ' if rows else 'XᵀX'} Gram matrix ({side}); " + (q.note or "")
    witness = q.witness + (" (samples)" if rows else " (features)")
    return Quantity(value, lower=lower, upper=max(upper, value), witness=witness, note=note)
