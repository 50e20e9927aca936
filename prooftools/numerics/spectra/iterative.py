"""Uncertified spectra for observers along a run: λ_min by LAPACK evr or a certified warm start,
spectral norms by Lanczos (ARPACK), one BLAS thread for eigen-solves.
"""


from __future__ import annotations

import contextlib
import math

import numpy as np
import scipy.linalg
import scipy.sparse.linalg
from scipy.linalg.lapack import dpotrf, dpotrs

from prooftools.numerics.rounding import UNIT_ROUNDOFF
from prooftools.numerics.spectra.cholesky import cholesky_error_bound

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


def lambda_max(H: np.ndarray) -> float:
    """Largest eigenvalue of a symmetric matrix (all eigenvalues by divide and conquer).

    >>> lambda_max(np.diag([3.0, 1.0, 2.0]))
    3.0
    """
    return float(np.linalg.eigvalsh(H)[-1]) if H.shape[0] else math.nan


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
    beta = (cholesky_error_bound(n, float(np.sum(np.abs(diag))))
            + UNIT_ROUNDOFF * float(np.max(np.abs(diag))))
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
