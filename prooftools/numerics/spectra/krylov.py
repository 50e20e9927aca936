"""In-place symmetric work matrix, block Krylov / Lanczos estimates and the entry scan used by
the certificate (:mod:`prooftools.numerics.spectra.certified`).
"""


from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import eigh
from scipy.linalg.blas import dtrmv
from scipy.linalg.lapack import dpotrf, dpotrs

from prooftools.errors import UserInputError
from prooftools.numerics.rounding import gamma
from prooftools.numerics.spectra import blocked_cholesky
from prooftools.numerics.spectra.cholesky import (
    PANEL,
    POTRF_THREADED_MAX,
    FractionBar,
    progress_bar,
    threadpool_limits,
)
from prooftools.numerics.spectra.trisolve import FactorSolver


class SymWork:
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
        self.f32_at: float | None = None  # shift of the float32 factor in the buffer
        self.f32_scale = 1.0  # the float32 factor is of (H − tI)/f32_scale
        self._solver: FactorSolver | None = None  # tiled solves with the factor in the buffer
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
        self.factored_at = self.f32_at = None
        self._solver = None

    def factor(self, t: float) -> tuple[bool, float, float]:
        """fl-Cholesky of fl(H − tI) in place. Returns (success, trace bound, max|diag|)."""
        self.restore()
        dv = self._dview()
        dv -= t
        self.dirty = True
        self.factored_at = self.f32_at = None
        self._solver = None
        tr = float(np.sum(np.abs(dv))) * (1.0 + gamma(self.n))
        dmax = float(np.max(np.abs(dv)))
        if np.any(dv <= 0):
            return False, tr, dmax
        if blocked_cholesky.AVAILABLE and self.n > PANEL:  # panels: progress with an ETA
            with progress_bar(self.progress, 1000, f"Cholesky (n={self.n})") as bar:
                info = blocked_cholesky.blocked_potrf_upper(
                    self.A, panel=PANEL, progress=FractionBar(bar))
            R = self.A
        elif self.n > POTRF_THREADED_MAX:  # see POTRF_THREADED_MAX
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
        g = gamma(n + 2)
        fro_t = self.fro + abs(t) * math.sqrt(n)
        limit = (gamma(n + 1) / (1 - gamma(n + 1)) * tr + 4 * g * (tr + fro_t)) * 2.0
        return float(np.linalg.norm(RtRv - Av)) <= limit * float(np.linalg.norm(v))

    def factor32(self, t: float) -> bool:
        """float32 Cholesky of H − tI inside the scratch triangle (no extra memory; see
        :mod:`prooftools.numerics.spectra.blocked_cholesky`): for estimates only, never a proof. The
        float32 column j of the upper factor (F order, ld = 2n floats) is written at the start of
        the double row j of W (C order), whose entries 0..j are scratch; the matrix is read from
        W's strict upper triangle and the kept diagonal, divided by its mean |diagonal| (no
        float32 over- or underflow at any scale; :meth:`solve32` undoes it). Returns success."""
        if not blocked_cholesky.AVAILABLE:  # pragma: no cover
            return False
        d = self.diag - t
        scale = float(np.mean(np.abs(self.diag)))
        if not (np.all(d > 0) and scale > 0 and math.isfinite(scale)):
            return False
        # no restore(): only W's strict upper triangle and the kept diagonal are read
        self.dirty = True
        self.factored_at = self.f32_at = None
        self._solver = None
        self.f32_scale = scale
        W, n = self.W, self.n
        inv = 1.0 / scale
        Wf = W.view(np.float32)  # n × 2n: Wf[j, i] is element (i, j), i ≤ j, of the f32 matrix
        for j0, j1 in _tiles(n):  # rows j0..j1 of Wf from columns j0..j1 of W's upper part
            for i0, i1 in _tiles(n):
                if i0 >= j0:  # the diagonal tile: only i < j (i > j would reach W's upper)
                    for j in range(j0 + 1, j1):
                        Wf[j, j0:j] = W[j0:j, j] * inv
                    break
                Wf[j0:j1, i0:i1] = W[i0:i1, j0:j1].T * inv
        Wf.reshape(-1)[:: 2 * n + 1][:n] = d * inv  # (j, j) of the f32 matrix: Wf[j, j]
        with progress_bar(self.progress, 1000, f"float32 Cholesky (n={n})") as bar:
            info = blocked_cholesky.potrf_upper_at(W.ctypes.data, n, 2 * n, single=True,
                                                   panel=PANEL, progress=FractionBar(bar))
        self.f32_at = t if info == 0 else None
        return info == 0

    def solve32(self, B: np.ndarray) -> np.ndarray:
        """≈ (H − tI)⁻¹B with the float32 factor of :meth:`factor32` (float64 out, B kept):
        tiled products (:mod:`prooftools.numerics.spectra.trisolve`), ~6× faster than trsm
        for one right-hand side."""
        if self.f32_at is None:
            raise RuntimeError("no float32 factor in the buffer")
        if self._solver is None:
            self._solver = FactorSolver(self.W.view(np.float32)[:, : self.n])
        X = self._solver.solve(B)
        X /= self.f32_scale
        return X

    def solve(self, B: np.ndarray) -> np.ndarray:
        """(H − tI)⁻¹B with the factor in the buffer (after a successful :meth:`factor`):
        tiled products for a few right-hand sides, LAPACK potrs for many."""
        if self.factored_at is None:
            raise RuntimeError("no float64 factor in the buffer")
        B = B.reshape(self.n, -1)
        if B.shape[1] <= 8:
            if self._solver is None:
                self._solver = FactorSolver(self.W)
            return self._solver.solve(B)
        X, info = dpotrs(self.A, np.asfortranarray(B), lower=0)
        if info != 0:  # pragma: no cover
            raise RuntimeError(f"LAPACK potrs failed (info={info})")
        return X


def orth(W: np.ndarray, Q: np.ndarray | None) -> np.ndarray:
    if Q is not None:
        for _ in range(2):
            W = W - Q @ (Q.T @ W)
    return np.linalg.qr(W)[0]


def ritz(work: SymWork, Q: np.ndarray):
    HQ = work.matmul(Q)
    w, Z = eigh(Q.T @ HQ)
    v = Q @ Z[:, 0]
    res = float(np.linalg.norm(HQ @ Z[:, 0] - w[0] * v))
    return float(w[0]), v, res


def krylov_estimate(work: SymWork, seed: int = 0, p: int = 4, steps: int = 6):
    """Smallest Ritz pair of H on the block Krylov space span{V, HV, …, H^s V} (matrix
    products only; θ ≥ λ_min up to rounding)."""
    n = work.n
    p = max(1, min(p, n // 2))
    steps = max(0, min(steps, n // p - 1))  # at most n columns in all
    rng = np.random.default_rng(seed)
    blocks = [np.linalg.qr(rng.standard_normal((n, p)))[0]]
    for _ in range(steps):
        blocks.append(orth(work.matmul(blocks[-1]), np.hstack(blocks)))
    return ritz(work, np.hstack(blocks))


def inverse_estimate(work: SymWork, t: float, tol: float, seed: int = 1, p: int = 4,
                      max_steps: int = 25):
    """Smallest eigenpair of H by block Lanczos on M = (H − tI)⁻¹ (two triangular solves per
    step with the factor in the buffer; no products with H): the largest Ritz value μ of M gives
    θ = t + 1/μ ≥ λ_min. Stops when the estimated error of θ, from the Ritz residual ‖r‖ and the
    gap to the next Ritz value (‖r‖²/gap, converted to λ), is below ``tol``·θ. Returns
    (θ, v, estimated error of θ). (The float32 route is :mod:`.lanczos32`.)"""
    n = work.n
    p = min(n, p)
    solve = work.solve
    rng = np.random.default_rng(seed)
    blocks = [np.linalg.qr(rng.standard_normal((n, p)))[0]]
    images: list[np.ndarray] = []
    theta, v, est = math.inf, blocks[0][:, 0], math.inf
    for _ in range(max(1, min(max_steps, n // p))):
        images.append(solve(blocks[-1]))
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
        blocks.append(orth(images[-1], Q))
    Hv = work.matmul(v)[:, 0]
    rq = float(v @ Hv) / float(v @ v)
    return min(theta, rq), v, est


def witness(v: np.ndarray) -> str:
    """The two largest entries of the eigenvector (the pair that makes λ small); one for n = 1."""
    order = sorted(int(k) for k in np.argsort(-np.abs(v))[:2])
    return f"i={order[0]}" if len(order) == 1 else f"i={order[0]}, j={order[1]}"


@dataclass
class Scan:
    asym: float
    maxabs: float
    fro: float
    rowabs: np.ndarray


def _tiles(n: int, b: int = 256):
    return [(i0, min(n, i0 + b)) for i0 in range(0, n, b)]


def scan_entries(H: np.ndarray) -> Scan:
    """One tiled pass (tile (I, J) with its mirror (J, I), cache-friendly): asymmetry, max|H|,
    ‖H‖_F (rounded up) and Σ_j|H_ij|. Non-finite entries are found from the sums (a NaN or an
    infinity makes them non-finite), so each tile costs four vector operations."""
    n = H.shape[0]
    asym = maxabs = fro2 = 0.0
    rowabs = np.zeros(n)
    tiles = _tiles(n, 512)
    buf = np.empty(min(n, 512) ** 2)  # reused: a fresh 2 MB temporary costs its page faults
    for k, (i0, i1) in enumerate(tiles):
        for j0, j1 in tiles[k:]:
            a, m = H[i0:i1, j0:j1], H[j0:j1, i0:i1]  # the tile and its mirror
            for t, (r0, r1) in ((a, (i0, i1)),) if i0 == j0 else ((a, (i0, i1)), (m, (j0, j1))):
                fro2 += float(np.einsum("ij,ij->", t, t))
                ta = np.abs(t, out=buf[: t.size].reshape(t.shape))
                rowabs[r0:r1] += ta.sum(axis=1)
                maxabs = max(maxabs, float(ta.max()))
            m = m.T
            if not np.array_equal(a, m):  # exactly symmetric (the usual case): one pass
                d = np.subtract(a, m, out=buf[: a.size].reshape(a.shape))
                asym = max(asym, float(np.max(np.abs(d, out=d))))
    if not (math.isfinite(fro2) and math.isfinite(maxabs) and math.isfinite(asym)):
        if not np.all(np.isfinite(H)):
            raise UserInputError("matrix contains NaN or inf; expected finite entries")
    return Scan(asym, maxabs, math.sqrt(fro2 * (1 + gamma(n * n + 2))), rowabs)


def symmetrize_in_place(H: np.ndarray) -> None:
    n = H.shape[0]
    b = max(16, min(n, (1 << 18) // max(n, 1)))
    for i0 in range(0, n, b):
        i1 = min(n, i0 + b)
        avg = 0.5 * (H[i0:i1, i0:] + H[i0:, i0:i1].T)
        H[i0:i1, i0:] = avg
        H[i0:, i0:i1] = avg.T
