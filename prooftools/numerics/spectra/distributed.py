"""Certified λ0 beyond one machine: H^∞ in tiles formed on Dask workers, a blocked Cholesky on the
tiles, the same rounding bound as :mod:`prooftools.numerics.spectra`.

The matrix never exists in one place: tile (I, J), I ≤ J, of H^∞ − tI is formed by a task on a
worker from the unit rows (scattered once, n×d), and the right-looking blocked Cholesky
R_KK = chol(A_KK), R_KJ = R_KK⁻ᵀA_KJ, A_IJ −= R_KIᵀR_KJ runs as tasks on those tiles (so workers
whose memory limit is below the matrix's size spill tiles to disk). Higham's Theorem 10.3 holds for
any order of the inner products' summation, hence for this blocking: success proves
λ_min ≥ t − γ_{n+1}/(1 − 2γ_{n+1})·tr|diag(H − tI)| − u·max|diag| − ‖E‖₂, with ‖E‖₂ the kernel's
proven rounding bound. The shifts follow the in-memory certificate: a block-Krylov estimate θ
(tile products), positivity at θ/4, block Lanczos on (H − tI)⁻¹ by tile triangular solves, and a
second factorisation (tiles re-formed from the data, not kept) at 0.09% below the refined θ.

    from dask.distributed import Client
    q = certified_lambda0_dask(X, Client("tcp://scheduler:8786"))
"""

from __future__ import annotations

import math

import numpy as np
from scipy.linalg import eigh
from scipy.linalg.lapack import dpotrf, dtrtrs

from prooftools.numerics.kernels.errors import h_inf_entry_error
from prooftools.numerics.quantity import Quantity
from prooftools.numerics.rounding import UNIT_ROUNDOFF, gamma
from prooftools.numerics.spectra.cholesky import cholesky_error_bound, next_down

__all__ = ["certified_lambda0_dask"]


# ---- tasks (run on workers) -------------------------------------------------------------
def _form_tile(U, nrm, r0, r1, c0, c1, shift):
    from prooftools.numerics.kernels import fused, infinite

    G = U[r0:r1] @ U[c0:c1].T
    out = np.empty((r1 - r0, c1 - c0))
    if fused.AVAILABLE:
        fused.h_inf_rows(G, U[r0:r1], U[c0:c1], nrm[r0:r1], nrm[c0:c1], out)
    else:  # pragma: no cover - numba is a declared dependency
        rho, z = infinite._state0_np(G, U[r0:r1], U[c0:c1])
        p = infinite._layer_np(rho, z)[0]
        np.multiply(rho * np.outer(nrm[r0:r1], nrm[c0:c1]), p * (0.5 / math.pi), out=out)
    if r0 == c0:
        out[np.diag_indices_from(out)] -= shift
    return out


def _diag(A):
    return np.diagonal(A).copy()


def _potrf(A):
    R, info = dpotrf(np.asfortranarray(A), lower=0, clean=1)
    return R, info


def _ok(f):
    return f[1] == 0


def _factor(f):
    return f[0]


def _trsm_left(Rkk_info, A):  # R_KKᵀ X = A
    X, _ = dtrtrs(Rkk_info[0], A, lower=0, trans=1)
    return X


def _update(A, Rki, Rkj):
    return A - Rki.T @ Rkj


def _matvec_tile(A, vr, vc, diag_block):
    """(A v_c, Aᵀ v_r) for one upper tile (the diagonal tile contributes once)."""
    if diag_block:
        return A @ vc, None
    return A @ vc, A.T @ vr


def _solve_lower(Rkk, b):  # R_kkᵀ y = b
    return dtrtrs(Rkk, b, lower=0, trans=1)[0]


def _solve_upper(Rkk, b):  # R_kk x = b
    return dtrtrs(Rkk, b, lower=0, trans=0)[0]


def _sub_rt(b, Rki, y):  # b − R_kiᵀ y
    return b - Rki.T @ y


def _sub_r(b, Rik, x):  # b − R_ik x
    return b - Rik @ x


# ---- driver -------------------------------------------------------------------------------
class _Tiles:
    def __init__(self, client, U, nrm, tile):
        self.client, self.n, self.tile = client, U.shape[0], tile
        self.edges = [*range(0, self.n, tile), self.n]
        self.N = len(self.edges) - 1
        self.U = client.scatter(U, broadcast=True)
        self.nrm = client.scatter(nrm, broadcast=True)
        self.A: dict = {}

    def form(self, shift: float) -> None:
        e, s = self.edges, self.client.submit
        self.A = {(i, j): s(_form_tile, self.U, self.nrm, e[i], e[i + 1], e[j], e[j + 1], shift,
                            pure=False)
                  for i in range(self.N) for j in range(i, self.N)}

    def diag(self) -> np.ndarray:
        fs = [self.client.submit(_diag, self.A[i, i]) for i in range(self.N)]
        return np.concatenate(self.client.gather(fs))

    def matmul(self, V: np.ndarray, shift: float) -> np.ndarray:
        """(H − shift·I + shift·I) V = H V from the formed tiles of H − shift·I."""
        e, N = self.edges, self.N
        Vf = [self.client.scatter(V[e[k]:e[k + 1]]) for k in range(N)]
        fs = {(i, j): self.client.submit(_matvec_tile, self.A[i, j], Vf[i], Vf[j], i == j)
              for i in range(N) for j in range(i, N)}
        out = shift * V.copy()
        for (i, j), (a, b) in zip(fs, self.client.gather(list(fs.values())), strict=True):
            out[e[i]:e[i + 1]] += a
            if b is not None:
                out[e[j]:e[j + 1]] += b
        return out

    def cholesky(self) -> bool:
        """Right-looking blocked Cholesky in place of the tiles (upper: A = RᵀR)."""
        s, N = self.client.submit, self.N
        A, R = dict(self.A), {}
        for k in range(N):
            f = s(_potrf, A[k, k])
            if not self.client.submit(_ok, f).result():
                self.A = {}
                return False
            R[k, k] = s(_factor, f)
            for j in range(k + 1, N):
                R[k, j] = s(_trsm_left, f, A[k, j])
            for i in range(k + 1, N):
                for j in range(i, N):
                    A[i, j] = s(_update, A[i, j], R[k, i], R[k, j])
            for j in range(k, N):
                A.pop((k, j), None)
        self.A, self.R = {}, R
        return True

    def solve(self, B: np.ndarray) -> np.ndarray:
        """(RᵀR)⁻¹B by tile forward and back substitution (tasks)."""
        e, N, s, R = self.edges, self.N, self.client.submit, self.R
        y = {}
        for i in range(N):
            b = self.client.scatter(B[e[i]:e[i + 1]])
            for k in range(i):
                b = s(_sub_rt, b, R[k, i], y[k])
            y[i] = s(_solve_lower, R[i, i], b)
        x = {}
        for i in reversed(range(N)):
            b = y[i]
            for k in range(i + 1, N):
                b = s(_sub_r, b, R[i, k], x[k])
            x[i] = s(_solve_upper, R[i, i], b)
        return np.concatenate(self.client.gather([x[i] for i in range(N)]))


def certified_lambda0_dask(X, client, *, tile: int = 500, rtol: float = 1e-3,
                           fast: bool = False, max_tries: int = 6) -> Quantity:
    """λ_min(H^∞) of the unit-normalized rows of X, certified, with the matrix in tiles on the
    workers of ``client`` (a ``dask.distributed.Client``). Same bound and shifts as
    :func:`prooftools.numerics.spectra.certified_lambda_min`; memory on the client: O(n·d)."""
    from prooftools.numerics.spectra.krylov import orth

    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    nrm0 = np.sqrt(np.einsum("ij,ij->i", X, X))
    if np.any(nrm0 == 0):
        raise ValueError("a zero input row: unit normalization impossible")
    U0 = X / nrm0[:, None]
    nrm = np.sqrt(np.einsum("ij,ij->i", U0, U0))  # as relu_gram_h_inf does on U0
    U = U0 / nrm[:, None]
    err = h_inf_entry_error(d) * float(np.sum(nrm * nrm)) * (1.0 + gamma(n + d + 2))
    tiles = _Tiles(client, U, nrm, tile)
    # 1. block Krylov estimate (tile products)
    tiles.form(0.0)
    dg = tiles.diag()
    rng = np.random.default_rng(0)
    p = 4
    blocks = [np.linalg.qr(rng.standard_normal((n, p)))[0]]
    for _ in range(min(6, n // p - 1)):
        blocks.append(orth(tiles.matmul(blocks[-1], 0.0), np.hstack(blocks)))
    Q = np.hstack(blocks)
    w, Z = eigh(Q.T @ tiles.matmul(Q, 0.0))
    theta, v = float(w[0]), Q @ Z[:, 0]
    tr_abs = float(np.sum(np.abs(dg)))
    floor = 4.0 * cholesky_error_bound(n, tr_abs + n * abs(theta))
    lower, t_ok, factors = -math.inf, None, 0

    def attempt(t: float) -> bool:
        nonlocal lower, t_ok, factors
        tiles.form(t)
        dv = tiles.diag()
        factors += 1
        tr = float(np.sum(np.abs(dv))) * (1.0 + gamma(n))
        if np.any(dv <= 0) or not tiles.cholesky():
            return False
        beta = cholesky_error_bound(n, tr)
        rounding = UNIT_ROUNDOFF * float(np.max(np.abs(dv))) * 1.01
        lower = max(lower, next_down(t - beta - rounding - err, 4))
        t_ok = t
        return True

    t = 0.25 * theta if theta > floor else -floor
    for _ in range(max_tries):
        if attempt(t):
            break
        t = -floor if t > 0 else 4.0 * t
    if t_ok is not None and not fast:
        # 2. block Lanczos on (H − tI)⁻¹ with the tile factor, then one more factorisation
        blocks = [np.linalg.qr(np.random.default_rng(1).standard_normal((n, p)))[0]]
        images = []
        for _ in range(25):
            images.append(tiles.solve(blocks[-1]))
            Q, MQ = np.hstack(blocks), np.hstack(images)
            mu, Z = eigh(0.5 * (Q.T @ MQ + MQ.T @ Q))
            th2, v2 = t_ok + 1.0 / float(mu[-1]), Q @ Z[:, -1]
            r = float(np.linalg.norm(MQ @ Z[:, -1] - mu[-1] * v2))
            gap = float(mu[-1] - mu[-2])
            est = min(r, r * r / gap) / (float(mu[-1]) ** 2)
            if est <= 0.2 * rtol * th2 or Q.shape[1] + p > n:
                break
            blocks.append(orth(images[-1], Q))
        if th2 < theta:
            theta, v = th2, v2
        gap = max(floor, 0.9 * rtol * abs(theta), min(est, 0.5 * abs(theta)))
        for _ in range(max_tries):
            if theta - gap <= t_ok or attempt(theta - gap):
                break
            gap *= 4.0
    order = np.argsort(-np.abs(v))[:2]
    i, j = sorted(int(k) for k in order)
    note = (f"λ_min(H^∞) on a Dask cluster: {tiles.N}×{tiles.N} tiles of {tile} formed on the "
            f"workers, {factors} blocked Cholesky factorisation(s) of H − tI; bound "
            "γ_{n+1}/(1−2γ_{n+1})·tr (Higham 2002 Thm 10.3, any summation order) plus "
            f"‖E‖₂ ≤ {err:.3g}" + ("; positivity only (fast)" if fast else ""))
    return Quantity(float(theta), lower=float(lower), witness=None if lower > 0 else
                    f"i={i}, j={j}", note=note)
