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
order (blocked LAPACK potrf, FMA) but not for Strassen-type products, and assumes no underflow
(we reject subnormal-scale traces). The shift t comes from an inverse subspace iteration that
reuses a Cholesky factor, so the whole certificate costs two Cholesky factorisations (~2n³/3 flops)
instead of an eigendecomposition.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np
import scipy.linalg
import scipy.sparse.linalg
from scipy.linalg import cho_solve, eigh
from scipy.linalg.lapack import dpotrf, dpotrs

from prooftools.errors import UserInputError
from prooftools.numerics.quantity import Quantity
from prooftools.numerics.rounding import UNIT_ROUNDOFF

__all__ = ["certified_lambda_min", "certified_sigma_min", "cholesky_error_bound", "lambda_min",
           "lambda_min_warm", "one_blas_thread", "spectral_norm", "sym_norm2", "sym_norm2_warm"]

_U = UNIT_ROUNDOFF


def _gamma(k: float) -> float:
    return k * _U / (1.0 - k * _U)


def _next_down(x: float, k: int = 2) -> float:
    for _ in range(k):
        x = float(np.nextafter(x, -np.inf))
    return x


def _next_up(x: float, k: int = 2) -> float:
    for _ in range(k):
        x = float(np.nextafter(x, np.inf))
    return x


def cholesky_error_bound(n: int, trace: float) -> float:
    """β = γ_{n+1}/(1 − 2γ_{n+1})·tr(A): if fl-Cholesky of A succeeds, λ_min(A) ≥ −β.

    >>> 1e-14 < cholesky_error_bound(100, 50.0) < 1e-12
    True
    """
    g = _gamma(n + 1)
    return _next_up(g / (1.0 - 2.0 * g) * _next_up(abs(trace)))


def _try_cholesky(H: np.ndarray, shift: float) -> tuple[np.ndarray | None, float, float]:
    """fl-Cholesky of fl(H − shift·I) (H symmetric). Returns (R or None, trace, max|diag|).

    A C-ordered copy is handed to LAPACK as its (F-ordered) transpose, which equals it, so no
    transposing copy is made; R is upper triangular with R̂ᵀR̂ ≈ H − shift·I."""
    n = H.shape[0]
    A = np.empty((n, n), order="F")
    np.copyto(A.T, H)  # A.T is C-contiguous: plain memcpy; A (F-order) = Hᵀ = H
    diag = A.reshape(-1, order="F")[:: n + 1]
    diag -= shift
    tr = float(np.sum(np.abs(diag))) * (1.0 + _gamma(n))
    dmax = float(np.max(np.abs(diag)))
    if np.any(diag <= 0):
        return None, tr, dmax
    R, info = dpotrf(A, lower=0, clean=0, overwrite_a=1)
    return (R if info == 0 else None), tr, dmax


def _smallest_eig(H: np.ndarray, R: np.ndarray, seed: int = 0, p: int = 8, q: int = 10):
    """Smallest Ritz pair of H from a block Krylov space of H⁻¹ (via the Cholesky factor R of a
    shifted H): span{V, H⁻¹V, …, H⁻ᵍV}, full re-orthogonalisation, Rayleigh–Ritz with H.
    Returns (θ, v, residual); θ ≥ λ_min(H) up to rounding."""
    n = H.shape[0]
    p = min(n, p)
    q = max(1, min(q, (n - 1) // p))
    rng = np.random.default_rng(seed)
    blocks = [np.linalg.qr(rng.standard_normal((n, p)))[0]]
    for _ in range(q):
        W = cho_solve((R, False), blocks[-1], check_finite=False)
        Q = np.hstack(blocks)
        for _ in range(2):
            W -= Q @ (Q.T @ W)
        W = np.linalg.qr(W)[0]
        blocks.append(W)
    Q = np.hstack(blocks)
    HQ = H @ Q
    w, Z = eigh(Q.T @ HQ)
    v = Q @ Z[:, 0]
    res = float(np.linalg.norm(HQ @ Z[:, 0] - w[0] * v))
    return float(w[0]), v, res


def _witness(v: np.ndarray, what: str = "samples") -> str:
    order = np.argsort(-np.abs(v))[:2]
    i, j = sorted(int(k) for k in order)
    return f"i={i}, j={j}"


def certified_lambda_min(
    H,
    *,
    error_bound: float = 0.0,
    exact_limit: int = 1500,
    rtol: float = 1e-6,
    max_tries: int = 8,
) -> Quantity:
    """λ_min of a symmetric matrix with a rigorous floating-point lower bound.

    ``error_bound`` bounds ‖Ĥ − H‖₂ for the exact matrix H that Ĥ approximates (0 if Ĥ is exact).
    ``lower`` is proven (see module docstring); ``upper`` is the Rayleigh quotient of the computed
    eigenvector plus its rounding error. ``witness`` names the two largest entries of that
    eigenvector (for a duplicated or parallel pair, the offending pair). If no t > 0 can be
    certified, ``lower`` ≤ 0: "not proven positive".

    >>> q = certified_lambda_min(np.array([[2.0, 1.0], [1.0, 2.0]]))
    >>> round(q.value, 12), 0.999999 < q.lower <= 1.0 <= q.upper
    (1.0, True)
    """
    H = np.asarray(H, dtype=np.float64)
    if H.ndim != 2 or H.shape[0] != H.shape[1] or H.shape[0] == 0:
        raise UserInputError(f"expected a non-empty square matrix, got shape {H.shape}")
    if not np.all(np.isfinite(H)):
        raise UserInputError("matrix contains NaN or inf; expected finite entries")
    if not (error_bound >= 0 and math.isfinite(error_bound)):
        raise UserInputError(f"error_bound must be finite and ≥ 0, got {error_bound!r}")
    n = H.shape[0]
    asym = max(float(np.max(np.abs(H[i:i + 256] - H[:, i:i + 256].T))) for i in range(0, n, 256))
    scale_H = float(np.max(np.abs(H)))
    if asym > 1e-8 * max(scale_H, 1e-300):
        raise UserInputError(f"matrix is not symmetric (max |H − Hᵀ| = {asym:.3g})")
    if asym > 0:  # certify the symmetric part (within 1e-8 relative of H)
        H = 0.5 * (H + H.T)
    if scale_H == 0.0:
        return Quantity(0.0, lower=-error_bound, upper=error_bound, witness="i=0, j=1" if n > 1
                        else "i=0", note="zero matrix")
    # 1. an estimate θ ≥ λ_min and its eigenvector
    tr_abs = float(np.sum(np.abs(np.diag(H))))
    if n <= exact_limit:
        w, V = eigh(H, subset_by_index=[0, 0], check_finite=False)
        theta, v, res = float(w[0]), V[:, 0], 0.0
        how = "λ_min by LAPACK eigh"
    else:
        s = 0.0
        R, _, _ = _try_cholesky(H, -s)
        step = max(cholesky_error_bound(n, tr_abs + n * scale_H), 1e-14 * scale_H)
        while R is None:
            s = step if s == 0.0 else 4.0 * s
            if s > 4.0 * n * scale_H:
                raise UserInputError("could not factorise the matrix even after a large shift")
            R, _, _ = _try_cholesky(H, -s)
        theta, v, res = _smallest_eig(H, R)
        how = "λ_min estimate by block Krylov (Ritz value, an upper estimate)"
    # 2. certify t = θ − gap by Cholesky of H − tI (success ⇒ λ_min ≥ t − β). After the first
    #    success, the factor of H − tI (t just below λ_min) drives a second, shift-inverted Krylov
    #    pass that resolves a clustered bottom spectrum; then a tight t is certified.
    floor = 4.0 * cholesky_error_bound(n, tr_abs + n * abs(theta))
    lower = -math.inf
    refined = n <= exact_limit
    gap = max(floor, 1e-9 * abs(theta), min(res, 0.5 * abs(theta)))
    for _ in range(max_tries):
        t = theta - gap
        Rt, tr_t, dmax_t = _try_cholesky(H, t)
        if Rt is None:
            gap *= 4.0
            continue
        beta = cholesky_error_bound(n, tr_t)
        lower = max(lower, _next_down(t - beta - _U * dmax_t * 1.01 - error_bound, 4))
        if refined or gap <= max(floor, rtol * abs(theta)):
            break
        theta2, v2, res2 = _smallest_eig(H, Rt, seed=1)
        if theta2 < theta:
            theta, v = theta2, v2
        refined = True
        how += ", refined by shift-inverted Krylov at the certified shift"
        gap = max(floor, 1e-6 * abs(theta), min(0.25 * res2, 0.5 * (theta - t)))
    if lower == -math.inf:  # fall back to Gershgorin, always valid
        off = np.sum(np.abs(H), axis=1) - np.abs(np.diag(H))
        lower = _next_down(float(np.min(np.diag(H) - off * (1 + _gamma(n)))) - error_bound, 4)
    # 3. an upper bound from the Rayleigh quotient of the computed eigenvector
    vv = float(v @ v)
    rq = float(v @ (H @ v)) / vv
    rq_err = _gamma(n + 2) * math.sqrt(float(np.einsum("ij,ij->", H, H))) * 1.01  # ≥ |v|ᵀ|H||v|/vᵀv
    upper = _next_up(rq + rq_err + error_bound + 4 * _U * abs(rq), 4)
    note = (
        how + "; lower bound by Cholesky of H − tI with backward error "
        "γ_{n+1}/(1−2γ_{n+1})·tr (Demmel 1989, Higham 2002 Thm 10.3, Rump 2006)"
        + (f", plus ‖E‖₂ ≤ {error_bound:.3g} for the matrix entries" if error_bound else "")
    )
    return Quantity(
        float(theta), lower=float(lower), upper=float(upper), witness=_witness(v), note=note
    )


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
    G = X @ X.T if rows else X.T @ X
    k = d if rows else n
    fro2 = float(np.einsum("ij,ij->", X, X)) * (1.0 + _gamma(n * d))
    q = certified_lambda_min(G, error_bound=_next_up(_gamma(k) * fro2))
    if singular_values is not None and len(singular_values) == min(n, d):
        value = float(np.min(singular_values))
    elif min(n, d) <= exact_svd_limit:
        value = float(np.linalg.svd(X, compute_uv=False)[-1])
    else:
        value = math.sqrt(max(q.value, 0.0))
    lower = float(math.sqrt(q.lower) * (1 - 4 * _U)) if q.lower > 0 else 0.0
    lower = min(lower, value) if q.lower > 0 else 0.0
    upper = float(math.sqrt(max(q.upper, 0.0)) * (1 + 4 * _U))
    side = "rows (samples)" if rows else "columns (features)"
    note = f"σ_min from the {'X Xᵀ' if rows else 'XᵀX'} Gram matrix ({side}); " + (q.note or "")
    witness = q.witness + (" (samples)" if rows else " (features)")
    return Quantity(value, lower=lower, upper=max(upper, value), witness=witness, note=note)


# ----------------------------------------------------------------------------- uncertified spectra
# λ_min and spectral norms for observers along a run (the certified versions are above).


def lambda_min(H: np.ndarray, *, method: str = "evr") -> float:
    """Smallest eigenvalue of a symmetric matrix: LAPACK evr for one eigenvalue, or ``"evd"``
    (all eigenvalues by divide and conquer, faster on OpenBLAS for n ≳ 1000 despite the work).

    >>> lambda_min(np.diag([3.0, 1.0, 2.0])), lambda_min(np.diag([3.0, 1.0]), method="evd")
    (1.0, 1.0)
    """
    if H.shape[0] == 0:
        return math.nan
    if method == "evd":
        return float(np.linalg.eigvalsh(H)[0])
    return float(
        scipy.linalg.eigh(
            H, eigvals_only=True, subset_by_index=[0, 0], driver="evr", check_finite=False
        )[0]
    )


def sym_norm2(A: np.ndarray, *, dense_below: int = 400) -> float:
    """Spectral norm of a symmetric matrix: full eigvalsh for small n, Lanczos (ARPACK) above.

    >>> sym_norm2(np.diag([1.0, -3.0, 2.0]))
    3.0
    """
    n = A.shape[0]
    if n == 0 or not np.any(A):
        return 0.0
    if n <= dense_below:
        w = scipy.linalg.eigvalsh(A, check_finite=False)
        return float(np.max(np.abs(w)))
    try:
        w = scipy.sparse.linalg.eigsh(
            A, k=1, which="LM", v0=np.ones(n), tol=1e-10, return_eigenvectors=False
        )
        return float(abs(w[0]))
    except (scipy.sparse.linalg.ArpackNoConvergence, scipy.sparse.linalg.ArpackError):
        w = scipy.linalg.eigvalsh(A, check_finite=False)
        return float(np.max(np.abs(w)))


_BLAS_CONTROLLER: list = []
EIG_BLAS_THREADS = 1
"""BLAS threads for the eigen-solves (None: leave the library default)."""


def one_blas_thread():
    """Context running BLAS on one thread (threadpoolctl, a scikit-learn dependency, if present).

    The eigen-solves are BLAS2-bound (tridiagonal reduction, gemv, triangular solves); with
    OpenBLAS's two threads they slow down 3-50x whenever the two cores are shared with another
    process (measured: evr 0.03 s quiet, 0.1-6 s under load), while one thread costs ~1.3x quiet.
    """
    if not _BLAS_CONTROLLER:
        try:
            from threadpoolctl import ThreadpoolController

            _BLAS_CONTROLLER.append(ThreadpoolController())
        except ImportError:  # pragma: no cover - optional
            _BLAS_CONTROLLER.append(None)
    ctl = _BLAS_CONTROLLER[0]
    if ctl is None or EIG_BLAS_THREADS is None:
        return contextlib.nullcontext()
    return ctl.limit(limits=EIG_BLAS_THREADS, user_api="blas")


def _exact_min_pair(H: np.ndarray) -> tuple[float, np.ndarray, float, str]:
    """LAPACK evr for the two smallest eigenpairs (same cost as one): (λ1, v1, λ2 − λ1, "evr")."""
    top = min(1, H.shape[0] - 1)
    w, V = scipy.linalg.eigh(H, subset_by_index=[0, top], driver="evr", check_finite=False)
    return float(w[0]), V[:, 0], float(w[-1] - w[0]) if top else math.inf, "evr"


def _shifted_cholesky(H: np.ndarray, shift: float) -> tuple[np.ndarray | None, float]:
    """Upper Cholesky factor of fl(H − shift·I), or None; and the rounding bound β of the
    certificate: success proves λ_min(H) > shift − β (see prooftools.numerics.spectra)."""
    n = H.shape[0]
    A = np.empty((n, n), order="F")
    np.copyto(A.T, H)  # C-ordered copy = F-ordered Hᵀ = H: a plain memcpy
    diag = A.reshape(-1, order="F")[:: n + 1]
    diag -= shift
    beta = cholesky_error_bound(n, float(np.sum(np.abs(diag)))) + _U * float(np.max(np.abs(diag)))
    if np.any(diag <= 0):
        return None, beta
    R, info = dpotrf(A, lower=0, clean=0, overwrite_a=1)
    return (R if info == 0 else None), beta


def lambda_min_warm(
    H: np.ndarray,
    v0: np.ndarray | None = None,
    gap: float = math.inf,
    *,
    rtol: float = 1e-9,
    max_iter: int = 30,
) -> tuple[float, np.ndarray, float, str]:
    """λ_min of a symmetric H, warm-started from a nearby eigenvector ``v0``.

    Returns (θ, v, gap, how); ``gap`` estimates λ2 − λ1 (from the last evr) and gates the warm
    start: when v0's residual ρ0 exceeds gap/4, v0 no longer tells λ1 from its neighbours and
    evr is used directly (it would be the fallback anyway).

    Shift-and-invert from v0: θ0 = Rayleigh quotient, ρ0 = its residual, σ = θ0 − max(2ρ0, τ);
    if fl-Cholesky of H − σI succeeds, λ_min > σ − β and inverse iteration with that factor
    converges fast (σ is close to λ_min). A second Cholesky at θ − τ then proves
    θ − τ − β < λ_min ≤ θ (θ is a Rayleigh quotient), τ = max(rtol·|θ|, 4β), β the Cholesky
    rounding bound. If any certificate fails (or ``v0`` is None) the answer is LAPACK evr's
    (``how == "evr"``), so the result is always within τ + β of λ_min.

    >>> H = np.diag([3.0, 1.0, 2.0]) + 0.01
    >>> theta, v, gap, how = lambda_min_warm(H, np.array([0.1, 1.0, 0.1]))
    >>> how, bool(abs(theta - np.linalg.eigvalsh(H)[0]) < 1e-9)
    ('warm', True)
    """
    if v0 is None or H.shape[0] < 2 or not np.any(v0):
        return _exact_min_pair(H)
    v = v0 / np.linalg.norm(v0)
    Hv = H @ v
    theta = float(v @ Hv)
    rho = float(np.linalg.norm(Hv - theta * v))
    if 4.0 * rho > gap:
        return _exact_min_pair(H)
    beta0 = cholesky_error_bound(H.shape[0], float(np.sum(np.abs(np.diag(H)))))
    tau = max(rtol * abs(theta), 4.0 * beta0)
    sigma = theta - max(2.0 * rho, tau)
    R, beta = _shifted_cholesky(H, sigma)
    if R is None:
        return _exact_min_pair(H)
    for _ in range(max_iter):
        w, info = dpotrs(R, v, lower=0)
        if info != 0:
            break
        v = w / np.linalg.norm(w)
        Hv = H @ v
        new = float(v @ Hv)
        done = abs(theta - new) <= 0.125 * tau
        theta = new
        if done:
            break
    tau = max(rtol * abs(theta), 4.0 * beta0)
    if theta - (sigma - beta) <= tau + beta:
        return theta, v, gap, "warm"
    R, beta = _shifted_cholesky(H, theta - tau)
    if R is None:
        return _exact_min_pair(H)
    return theta, v, gap, "warm"


def sym_norm2_warm(
    A: np.ndarray, v0: np.ndarray | None = None, *, rtol: float = 1e-8
) -> tuple[float, np.ndarray | None]:
    """‖A‖₂ of a symmetric A by Lanczos (ARPACK, largest magnitude) from ``v0``; returns (‖A‖, v).

    |θ| ≤ ‖A‖₂ for any Ritz value; the answer is accepted when ‖Av − θv‖ ≤ rtol·|θ| (an eigenvalue
    lies that close to θ), otherwise it is the dense :func:`sym_norm2`.

    >>> val, v = sym_norm2_warm(np.diag(np.linspace(-3.0, 1.0, 50)))
    >>> round(val, 12)
    3.0
    """
    n = A.shape[0]
    if n < 3 or not np.any(A):
        return sym_norm2(A), v0
    start = np.ones(n) if v0 is None or not np.any(v0) else v0
    try:
        w, V = scipy.sparse.linalg.eigsh(A, k=1, which="LM", v0=start, tol=1e-10)
    except (scipy.sparse.linalg.ArpackNoConvergence, scipy.sparse.linalg.ArpackError):
        return sym_norm2(A, dense_below=n), v0
    v = V[:, 0]
    theta = float(w[0])
    if np.linalg.norm(A @ v - theta * v) <= rtol * abs(theta):
        return abs(theta), v
    return sym_norm2(A, dense_below=n), v0


def spectral_norm(
    A: np.ndarray, *, exact_max_dim: int = 1024, iters: int = 50, nonfinite_as_inf: bool = False
) -> float:
    """‖A‖₂: exact SVD when the smaller side is ≤ ``exact_max_dim``, else ARPACK's Lanczos
    bidiagonalization (``scipy.sparse.linalg.svds``, k = 1, tol 1e-6: about 1e-13 relative here,
    at the cost of ~30 power iterations that reach only ~1e-2), with ``iters`` power iterations
    on AᵀA from a fixed start as the fallback if ARPACK fails (a lower bound).
    ``nonfinite_as_inf``: ∞ for a matrix with a non-finite entry (else NaN propagates).

    >>> A = np.random.default_rng(0).standard_normal((80, 70))
    >>> bool(abs(spectral_norm(A, exact_max_dim=10) - np.linalg.norm(A, 2)) < 1e-9)
    True
    """
    if nonfinite_as_inf and not np.all(np.isfinite(A)):
        return float("inf")
    if min(A.shape) <= exact_max_dim:
        return float(np.linalg.norm(A, 2))
    try:
        s = scipy.sparse.linalg.svds(A, k=1, tol=1e-6, ncv=min(8, min(A.shape) - 1),
                                     v0=np.ones(min(A.shape)), return_singular_vectors=False)
        return float(s[0])
    except (scipy.sparse.linalg.ArpackNoConvergence, scipy.sparse.linalg.ArpackError):
        return _power_norm(A, iters)


def _power_norm(A: np.ndarray, iters: int) -> float:
    """Power iteration on AᵀA from a fixed start: a lower bound converging from below."""
    v = np.random.default_rng(0).standard_normal(A.shape[1])
    v /= np.linalg.norm(v)
    s = 0.0
    for _ in range(iters):
        w = A.T @ (A @ v)
        nw = np.linalg.norm(w)
        if nw == 0:
            return 0.0
        s, v = np.sqrt(nw), w / nw
    return float(s)
