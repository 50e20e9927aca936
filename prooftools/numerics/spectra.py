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
2048 rows in panels: :mod:`prooftools.numerics.blocked_cholesky`); its strict upper triangle is
never written, so the matrix is restored from it (no copy, no
re-forming) when a second factorisation needs it. The shift comes from a few block-Krylov steps
(matrix products): t₁ = θ/4 of the Krylov estimate θ ≥ λ_min proves positivity with one
factorisation (``fast=True`` stops there); shift-inverted Krylov steps with that factor (two
triangular solves each) then give λ_min to high relative accuracy, and one more factorisation at
t₂ = θ(1 − rtol/2) gives a lower bound within ``rtol`` (default 0.1%) of λ_min. For n ≤
``exact_limit`` LAPACK's eigh gives θ and one factorisation suffices.
"""

from __future__ import annotations

import contextlib
import math
import os
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse.linalg
from scipy.linalg import eigh
from scipy.linalg.blas import dtrmv
from scipy.linalg.lapack import dpotrf, dpotrs
from threadpoolctl import ThreadpoolController

from prooftools.errors import UserInputError
from prooftools.numerics import blocked_cholesky
from prooftools.numerics.quantity import Quantity
from prooftools.numerics.rounding import UNIT_ROUNDOFF

__all__ = [
    "MemoryBudgetError", "available_memory", "certified_lambda_min",
    "certified_lambda_min_and_quadratic", "certified_sigma_min", "cholesky_error_bound",
    "lambda_min", "lambda_min_warm", "one_blas_thread", "require_memory", "spectral_norm",
    "sym_norm2", "sym_norm2_warm",
]

_U = UNIT_ROUNDOFF


_CONTROLLER: list[ThreadpoolController] = []
#: Above this order the bundled multithreaded OpenBLAS crashed (SIGSEGV at n = 20000 with 2
#: threads: dpotrf, also on a fresh copy and with lower=1, and the threaded trsm/syrk of the
#: blocked factorisation; fine at n = 12000 and single-threaded at 20000), so larger matrices are
#: factorised with one BLAS thread.
_POTRF_THREADED_MAX = 12000
#: panel width of the blocked in-place factorisation (prooftools.numerics.blocked_cholesky)
_PANEL = 2048


class _Fraction:
    """Adapts a 0…1 fraction of the work done to a tqdm bar of 1000 units (its ETA)."""

    def __init__(self, bar):
        self.bar = bar

    def update(self, frac: float) -> None:
        self.bar.update(max(0, round(1000 * frac) - self.bar.n))


def threadpool_limits(limits: int, user_api: str):
    """threadpoolctl's limiter from one cached controller (a fresh one rescans the loaded
    libraries, ~10 ms a call)."""
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=limits, user_api=user_api)


class MemoryBudgetError(UserInputError):
    """The matrix (or its working copy) would not fit in the memory available."""


def available_memory() -> int:
    """Bytes of memory available now (Linux MemAvailable; else physical memory / 2).

    >>> available_memory() > 0
    True
    """
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    try:  # pragma: no cover - not Linux
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return 1 << 34


def require_memory(n: int, what: str, *, matrices: int = 1, extra: int = 0,
                   available: int | None = None) -> int:
    """Bytes ``matrices`` n×n float64 matrices plus ``extra`` need; raise a one-line
    :class:`MemoryBudgetError` saying what would fit when they exceed 90% of what is available.

    >>> require_memory(1000, "test")
    8000000
    >>> try:
    ...     require_memory(10**5, "λ0", available=2**30)
    ... except MemoryBudgetError as e:
    ...     print(str(e).split("), ")[1])
    1.07 GB available: n ≤ 10990 would fit
    """
    need = 8 * matrices * n * n + extra
    have = available_memory() if available is None else available
    budget = int(0.9 * have)
    if need > budget:
        fit = math.isqrt(max(budget - extra, 0) // (8 * matrices))
        plural = "matrix" if matrices == 1 else "matrices"
        raise MemoryBudgetError(
            f"{what} for n = {n} needs {need / 1e9:.1f} GB ({matrices} n×n float64 {plural}), "
            f"{have / 1e9:.2f} GB available: n ≤ {fit} would fit")
    return need


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


def _bar(progress, total: int, desc: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="step", leave=False,
                disable=(not progress) if progress is not None else None)


class _SymWork:
    """A symmetric n×n C-ordered buffer used as LAPACK workspace.

    Its strict upper triangle always holds the matrix (potrf on the F-ordered view ``A = W.T``
    with ``lower=0`` writes only W's lower triangle and diagonal), and the true diagonal is kept
    aside (O(n)): products with the matrix read the untouched triangle (BLAS symm) and correct
    the diagonal, and :meth:`restore` mirrors the triangle back for the next factorisation."""

    def __init__(self, W: np.ndarray):
        self.W = W
        self.A = W.T  # F-contiguous view of the same memory: what LAPACK/BLAS see
        self.n = W.shape[0]
        self.diag = np.diagonal(W).copy()
        self.dirty = False  # lower triangle/diagonal overwritten by a factor
        self.factored_at: float | None = None  # shift of the successful factor in the buffer
        self.fro = math.inf  # ‖H‖_F rounded up (set by the caller's scan)
        self.progress: bool | None = False

    def _dview(self) -> np.ndarray:
        return self.W.reshape(-1)[:: self.n + 1]

    def matmul(self, V: np.ndarray) -> np.ndarray:
        """H @ V from the untouched triangle and the kept diagonal."""
        W, n = self.W, self.n
        V = V.reshape(n, -1)
        out = self.diag[:, None] * V
        b = 256
        # memory-bound skinny products: one BLAS thread is as fast and does not spin
        with threadpool_limits(limits=1, user_api="blas"):
            for i0 in range(0, n, b):  # each upper entry read once, used twice
                i1 = min(n, i0 + b)
                if i1 < n:
                    B = W[i0:i1, i1:]
                    out[i0:i1] += B @ V[i1:]
                    out[i1:] += (V[i0:i1].T @ B).T
                D = np.triu(W[i0:i1, i0:i1], 1)
                out[i0:i1] += D @ V[i0:i1] + D.T @ V[i0:i1]
        return out

    def restore(self) -> None:
        """Mirror the strict upper triangle onto the lower one and put the diagonal back."""
        if not self.dirty:
            return
        W, n = self.W, self.n
        tiles = _tiles(n)
        for k, (i0, i1) in enumerate(tiles):  # tiled transpose: cache-friendly at any n
            blk = W[i0:i1, i0:i1]
            low = np.tril_indices(i1 - i0, -1)
            blk[low] = blk.T[low]
            for j0, j1 in tiles[k + 1:]:
                W[j0:j1, i0:i1] = W[i0:i1, j0:j1].T
        self._dview()[:] = self.diag
        self.dirty = False
        self.factored_at = None

    def factor(self, t: float) -> tuple[bool, float, float]:
        """fl-Cholesky of fl(H − tI) in place. Returns (success, trace bound, max|diag|)."""
        self.restore()
        dv = self._dview()
        dv -= t
        self.dirty = True
        self.factored_at = None
        tr = float(np.sum(np.abs(dv))) * (1.0 + _gamma(self.n))
        dmax = float(np.max(np.abs(dv)))
        if np.any(dv <= 0):
            return False, tr, dmax
        if blocked_cholesky.AVAILABLE and self.n > _PANEL:  # panels: progress with an ETA
            threads = 1 if self.n > _POTRF_THREADED_MAX else None  # see _POTRF_THREADED_MAX
            with _bar(self.progress, 1000, f"Cholesky (n={self.n})") as bar, \
                    threadpool_limits(limits=threads, user_api="blas"):
                info = blocked_cholesky.blocked_potrf_upper(
                    self.A, panel=_PANEL, progress=_Fraction(bar))
            R = self.A
        elif self.n > _POTRF_THREADED_MAX:  # see _POTRF_THREADED_MAX
            with threadpool_limits(limits=1, user_api="blas"):
                R, info = dpotrf(self.A, lower=0, clean=0, overwrite_a=1)
        else:
            R, info = dpotrf(self.A, lower=0, clean=0, overwrite_a=1)
        if not np.shares_memory(R, self.W):  # pragma: no cover - f2py would have copied
            raise RuntimeError("LAPACK potrf did not factor in place")
        ok = info == 0 and self._consistent(t, tr)
        if ok:
            self.factored_at = t
        return ok, tr, dmax

    def _consistent(self, t: float, tr: float, seed: int = 7) -> bool:
        """A posteriori check of the certificate's premise, O(n²): for a factor that potrf
        computed, ‖(R̂ᵀR̂ − Ã)v‖ ≤ γ_{n+1}‖R̂‖_F²‖v‖ with ‖R̂‖_F² ≤ tr(Ã)/(1 − γ_{n+1}); the
        check's own rounding adds ≤ 4γ_{n+2}(tr(Ã) + ‖Ã‖_F)‖v‖. A factor that was altered (or a
        LAPACK that lied) fails it with high probability, and the certificate then refuses."""
        n = self.n
        v = np.random.default_rng(seed).standard_normal(n)
        Rv = dtrmv(self.A, v, lower=0)
        RtRv = dtrmv(self.A, Rv, lower=0, trans=1)
        Av = self.matmul(v)[:, 0] - t * v
        g = _gamma(n + 2)
        fro_t = self.fro + abs(t) * math.sqrt(n)
        limit = (_gamma(n + 1) / (1 - _gamma(n + 1)) * tr + 4 * g * (tr + fro_t)) * 2.0
        return float(np.linalg.norm(RtRv - Av)) <= limit * float(np.linalg.norm(v))

    def solve(self, B: np.ndarray) -> np.ndarray:
        """(H − tI)⁻¹B with the factor in the buffer (after a successful :meth:`factor`)."""
        X, info = dpotrs(self.A, np.asfortranarray(B), lower=0)
        if info != 0:  # pragma: no cover
            raise RuntimeError(f"LAPACK potrs failed (info={info})")
        return X


def _orth(W: np.ndarray, Q: np.ndarray | None) -> np.ndarray:
    if Q is not None:
        for _ in range(2):
            W = W - Q @ (Q.T @ W)
    return np.linalg.qr(W)[0]


def _ritz(work: _SymWork, Q: np.ndarray):
    HQ = work.matmul(Q)
    w, Z = eigh(Q.T @ HQ)
    v = Q @ Z[:, 0]
    res = float(np.linalg.norm(HQ @ Z[:, 0] - w[0] * v))
    return float(w[0]), v, res


def _krylov_estimate(work: _SymWork, seed: int = 0, p: int = 4, steps: int = 6):
    """Smallest Ritz pair of H on the block Krylov space span{V, HV, …, H^s V} (matrix
    products only; θ ≥ λ_min up to rounding)."""
    n = work.n
    p = max(1, min(p, n // 2))
    steps = max(0, min(steps, n // p - 1))  # at most n columns in all
    rng = np.random.default_rng(seed)
    blocks = [np.linalg.qr(rng.standard_normal((n, p)))[0]]
    for _ in range(steps):
        blocks.append(_orth(work.matmul(blocks[-1]), np.hstack(blocks)))
    return _ritz(work, np.hstack(blocks))


def _inverse_estimate(work: _SymWork, t: float, tol: float, seed: int = 1, p: int = 4,
                      max_steps: int = 25):
    """Smallest eigenpair of H by block Lanczos on M = (H − tI)⁻¹ (two triangular solves per
    step with the factor in the buffer; no products with H): the largest Ritz value μ of M gives
    θ = t + 1/μ ≥ λ_min. Stops when the estimated error of θ, from the Ritz residual ‖r‖ and the
    gap to the next Ritz value (‖r‖²/gap, converted to λ), is below ``tol``·θ. Returns
    (θ, v, estimated error of θ)."""
    n = work.n
    p = min(n, p)
    rng = np.random.default_rng(seed)
    blocks = [np.linalg.qr(rng.standard_normal((n, p)))[0]]
    images: list[np.ndarray] = []
    theta, v, est = math.inf, blocks[0][:, 0], math.inf
    for _ in range(max(1, min(max_steps, n // p))):
        images.append(work.solve(blocks[-1]))
        Q, MQ = np.hstack(blocks), np.hstack(images)
        T = Q.T @ MQ
        mu, Z = eigh(0.5 * (T + T.T))
        if mu[-1] > 0:
            theta, v = t + 1.0 / float(mu[-1]), Q @ Z[:, -1]
            r = float(np.linalg.norm(MQ @ Z[:, -1] - mu[-1] * v))
            gap = float(mu[-1] - mu[-2]) if mu.size > 1 else float(mu[-1])
            err_mu = min(r, r * r / gap) if gap > 0 else r
            est = err_mu / (float(mu[-1]) * max(float(mu[-1]) - err_mu, 1e-300))
            if est <= tol * abs(theta):
                break
        if Q.shape[1] + p > n:
            break
        blocks.append(_orth(images[-1], Q))
    Hv = work.matmul(v)[:, 0]
    rq = float(v @ Hv) / float(v @ v)
    return min(theta, rq), v, est


def _witness(v: np.ndarray) -> str:
    """The two largest entries of the eigenvector (the pair that makes λ small); one for n = 1."""
    order = sorted(int(k) for k in np.argsort(-np.abs(v))[:2])
    return f"i={order[0]}" if len(order) == 1 else f"i={order[0]}, j={order[1]}"


@dataclass
class _Scan:
    asym: float
    maxabs: float
    fro: float
    rowabs: np.ndarray


def _tiles(n: int, b: int = 256):
    return [(i0, min(n, i0 + b)) for i0 in range(0, n, b)]


def _scan(H: np.ndarray) -> _Scan:
    """One tiled pass (tile (I, J) with its mirror (J, I), cache-friendly): asymmetry, max|H|,
    ‖H‖_F (rounded up) and Σ_j|H_ij|."""
    n = H.shape[0]
    asym = maxabs = fro2 = 0.0
    rowabs = np.zeros(n)
    tiles = _tiles(n)
    for k, (i0, i1) in enumerate(tiles):
        for j0, j1 in tiles[k:]:
            a = H[i0:i1, j0:j1]
            pair = (a,) if i0 == j0 else (a, H[j0:j1, i0:i1])
            for t in pair:
                if not np.all(np.isfinite(t)):
                    raise UserInputError("matrix contains NaN or inf; expected finite entries")
                fro2 += float(np.einsum("ij,ij->", t, t))
                ta = np.abs(t)
                maxabs = max(maxabs, float(np.max(ta)))
            rowabs[i0:i1] += np.abs(a).sum(axis=1)
            if i0 != j0:
                m = pair[1]
                rowabs[j0:j1] += np.abs(m).sum(axis=1)
                asym = max(asym, float(np.max(np.abs(a - m.T))))
            else:
                asym = max(asym, float(np.max(np.abs(a - a.T))))
    return _Scan(asym, maxabs, math.sqrt(fro2 * (1 + _gamma(n * n + 2))), rowabs)


def _symmetrize_in_place(H: np.ndarray) -> None:
    n = H.shape[0]
    b = max(16, min(n, (1 << 18) // max(n, 1)))
    for i0 in range(0, n, b):
        i1 = min(n, i0 + b)
        avg = 0.5 * (H[i0:i1, i0:] + H[i0:, i0:i1].T)
        H[i0:i1, i0:] = avg
        H[i0:, i0:i1] = avg.T


def certified_lambda_min(
    H,
    *,
    error_bound: float = 0.0,
    exact_limit: int = 1500,
    rtol: float = 1e-3,
    max_tries: int = 8,
    fast: bool = False,
    in_place: bool = False,
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
    restored bit for bit on return if it was exactly symmetric, else symmetrized).

    >>> q = certified_lambda_min(np.array([[2.0, 1.0], [1.0, 2.0]]))
    >>> round(q.value, 12), 0.999999 < q.lower <= 1.0 <= q.upper
    (1.0, True)
    """
    return _certify(H, error_bound=error_bound, exact_limit=exact_limit, rtol=rtol,
                    max_tries=max_tries, fast=fast, in_place=in_place, progress=progress)[0]


def certified_lambda_min_and_quadratic(H, y, *, error_bound: float = 0.0, **kw):
    """(λ_min(H), yᵀH⁻¹y) as Quantities, the second with a rigorous enclosure from the same
    factorisation (module :func:`_quadratic`). ``y``: a vector or an n×k array (then the sum over
    columns, tr(YᵀH⁻¹Y)). Keywords as :func:`certified_lambda_min`.

    >>> lam, q = certified_lambda_min_and_quadratic(np.diag([2.0, 4.0]), np.array([2.0, 2.0]))
    >>> round(q.value, 12), q.lower <= 3.0 <= q.upper
    (3.0, True)
    """
    y = np.asarray(y, dtype=np.float64)
    lam, parts = _certify(H, error_bound=error_bound, quad_y=y, **kw)
    return lam, _enclose(parts, lam, error_bound)


def _certify(H, *, error_bound, exact_limit=1500, rtol=1e-3, max_tries=8, fast=False,
             in_place=False, progress=False, quad_y=None):
    if not in_place or not isinstance(H, np.ndarray):
        H = np.asarray(H, dtype=np.float64)
    if H.ndim != 2 or H.shape[0] != H.shape[1] or H.shape[0] == 0:
        raise UserInputError(f"expected a non-empty square matrix, got shape {H.shape}")
    if not (error_bound >= 0 and math.isfinite(error_bound)):
        raise UserInputError(f"error_bound must be finite and ≥ 0, got {error_bound!r}")
    n = H.shape[0]
    if in_place and (H.dtype != np.float64 or not H.flags.c_contiguous or not H.flags.writeable):
        raise ValueError("in_place needs a writeable C-contiguous float64 array")
    sc = _scan(H)
    if sc.asym > 1e-8 * max(sc.maxabs, 1e-300):
        raise UserInputError(f"matrix is not symmetric (max |H − Hᵀ| = {sc.asym:.3g})")
    if not in_place:
        require_memory(n, "the working copy of the matrix")
        H = np.array(H, dtype=np.float64, order="C")
    if sc.asym > 0:  # certify the symmetric part (within 1e-8 relative of H)
        _symmetrize_in_place(H)
    work = _SymWork(H)
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
        with _bar(progress, steps + 1, f"certified λ_min (n={n})") as bar:
            return _certify_steps(work, sc, error_bound, exact, rtol, max_tries, fast, bar,
                                  quad_y)
    finally:
        work.restore()


def _certify_steps(work: _SymWork, sc: _Scan, error_bound, exact, rtol, max_tries, fast, bar,
                   quad_y=None):
    n = work.n
    tr_abs = float(np.sum(np.abs(work.diag)))
    # 1. an estimate θ ≥ λ_min and its eigenvector
    if exact:
        w, V = eigh(work.W, subset_by_index=[0, 0], check_finite=False)
        theta, v = float(w[0]), V[:, 0]
        how = "λ_min by LAPACK eigh"
    else:
        with threadpool_limits(limits=1, user_api="blas"):
            theta, v, _res = _krylov_estimate(work)
        how = "λ_min estimate by block Krylov"
    bar.update(1)
    floor = 4.0 * cholesky_error_bound(n, tr_abs + n * abs(theta))
    lower, t_ok, factors = -math.inf, None, 0
    parts = None  # yᵀH⁻¹y solved while a well-conditioned preconditioner is in the buffer

    def attempt(t: float) -> bool:
        nonlocal lower, t_ok, factors
        ok, tr_t, dmax_t = work.factor(t)
        factors += 1
        bar.update(1)
        if ok:
            beta = cholesky_error_bound(n, tr_t)
            lower = max(lower, _next_down(t - beta - _U * dmax_t * 1.01 - error_bound, 4))
            t_ok = t
        return ok

    if exact:  # θ accurate: certify just below it
        gap = max(floor, 1e-9 * abs(theta))
        for _ in range(max_tries):
            if attempt(theta - gap):
                break
            gap *= 4.0
    else:
        # 2. positivity at t₁ = θ/4 (smaller on failure), one factorisation when θ is sane
        t = 0.25 * theta if theta > floor else -max(floor, 1e-14 * sc.maxabs)
        for _ in range(max_tries):
            if attempt(t):
                break
            # θ/4 too high: λ_min is tiny or ≤ 0 — factor just below 0 (for the refinement)
            t = -max(floor, 1e-14 * sc.maxabs) if t > 0 else 4.0 * t
        if quad_y is not None:
            parts = _solve_quadratic(work, quad_y)
        if t_ok is not None and not fast:
            # 3. shift-inverted Krylov with that factor, then one factorisation at t₂
            with threadpool_limits(limits=1, user_api="blas"):  # skinny, memory-bound work
                theta2, v2, est = _inverse_estimate(work, t_ok, 0.2 * rtol)
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
        parts = _solve_quadratic(work, quad_y)
    if lower == -math.inf:  # fall back to Gershgorin, always valid
        off = sc.rowabs - np.abs(work.diag)
        lower = _next_down(float(np.min(work.diag - off * (1 + _gamma(n)))) - error_bound, 4)
    # 4. an upper bound from the Rayleigh quotient of the computed eigenvector
    vv = float(v @ v)
    rq = float(v @ work.matmul(v)[:, 0]) / vv
    rq_err = _gamma(n + 2) * sc.fro * 1.01  # ≥ |v|ᵀ|H||v|/vᵀv rounding of vᵀHv
    upper = _next_up(rq + rq_err + error_bound + 4 * _U * abs(rq), 4)
    note = (
        how + f"; lower bound by Cholesky of H − tI ({factors} in-place factorisation"
        + ("s" if factors != 1 else "") + ") with backward error "
        "γ_{n+1}/(1−2γ_{n+1})·tr (Demmel 1989, Higham 2002 Thm 10.3, Rump 2006)"
        + (f", plus ‖E‖₂ ≤ {error_bound:.3g} for the matrix entries" if error_bound else "")
        + ("; positivity only (fast)" if fast else "")
    )
    q = Quantity(float(theta), lower=float(lower), upper=float(upper), witness=_witness(v),
                 note=note)
    return q, parts


def _solve_quadratic(work: _SymWork, y: np.ndarray, max_iter: int = 60) -> dict:
    """x̃ ≈ H⁻¹y by conjugate gradients, preconditioned with the factor in the buffer when there
    is one, and what the enclosure needs: yᵀx̃, ‖y‖, ‖x̃‖ and a bound on ‖y − Ĥx̃‖ (computed
    residual plus its rounding γ_{n+4}(‖Ĥ‖_F‖x̃‖ + ‖y‖))."""
    n = work.n
    Y = y.reshape(n, -1)
    precond = work.factored_at is not None
    dabs = float(np.max(np.abs(work.diag)) + np.max(np.abs(work._dview())))
    out = {"value": 0.0, "cols": [], "steps": 0, "n": n}
    for k in range(Y.shape[1]):
        b = Y[:, k].copy()
        x = np.zeros(n)
        r = b.copy()
        z = work.solve(r[:, None])[:, 0] if precond else r.copy()
        pdir = z.copy()
        rz = float(r @ z)
        bn = float(np.linalg.norm(b))
        steps = 0
        while steps < max_iter and bn > 0 and float(np.linalg.norm(r)) > 1e-15 * bn:
            Ap = work.matmul(pdir)[:, 0]
            pAp = float(pdir @ Ap)
            if not pAp > 0:
                break
            alpha = rz / pAp
            x += alpha * pdir
            r -= alpha * Ap
            z = work.solve(r[:, None])[:, 0] if precond else r.copy()
            rz_new = float(r @ z)
            pdir = z + (rz_new / rz) * pdir
            rz = rz_new
            steps += 1
        r_hat = b - work.matmul(x)[:, 0]
        xn = float(np.linalg.norm(x))
        g = _gamma(n + 4)
        r_bound = float(np.linalg.norm(r_hat)) * (1 + g) + g * ((work.fro + 2 * dabs) * xn + bn)
        val = float(b @ x)
        out["value"] += val
        out["cols"].append((val, bn, xn, r_bound))
        out["steps"] = max(out["steps"], steps)
    return out


def _enclose(parts: dict | None, lam: Quantity, error_bound: float) -> Quantity:
    """yᵀH⁻¹y with a rigorous enclosure (H the exact matrix): yᵀĤ⁻¹y = yᵀx̃ + yᵀĤ⁻¹r,
    |yᵀĤ⁻¹r| ≤ ‖y‖‖r‖/λ̂ with λ̂ the certified lower bound of Ĥ, the rounding of yᵀx̃
    (γ_n‖y‖‖x̃‖), and |yᵀ(H⁻¹ − Ĥ⁻¹)y| ≤ ‖y‖²‖E‖₂/(λ λ̂). Needs λ > 0 proven, else only the
    value."""
    if parts is None:  # zero matrix
        return Quantity(math.inf, note="H = 0: yᵀH⁻¹y undefined")
    value = parts["value"]
    note = (f"yᵀH⁻¹y by conjugate gradients preconditioned with a Cholesky factor of H − tI "
            f"({parts['steps']} steps); enclosure from the residual and the certified λ_min")
    lam_lo = lam.lower if lam.lower is not None else -math.inf
    lam_hat = lam_lo + error_bound
    if not lam_lo > 0:
        return Quantity(value, note=note + "; not bounded: λ_min not proven positive")
    width = 0.0
    for _val, bn, xn, r_bound in parts["cols"]:
        width += (_gamma(parts["n"]) * bn * xn + bn * r_bound / lam_hat
                  + bn * bn * error_bound / (lam_lo * lam_hat))
    width = _next_up(width * 1.01 + 4 * _U * abs(value), 4)
    return Quantity(value, lower=max(0.0, _next_down(value - width, 4)),
                    upper=_next_up(value + width, 4), note=note)



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
