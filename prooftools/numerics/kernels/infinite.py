"""Infinite-width ReLU kernels: Du et al.'s H^∞ and the depth-L NTK (arc-cosine recursion).

Closed forms (reference note followups.md §12, Cho & Saul 2009), with ρ = cos∠(x, x'), θ = arccos ρ:

* κ0(ρ) = (π − θ)/π,   κ1(ρ) = (sin θ + ρ(π − θ))/π;
* Du et al. (2019): H^∞_ij = x_iᵀx_j (π − θ_ij)/(2π) = E_w[x_iᵀx_j 1{wᵀx_i ≥ 0, wᵀx_j ≥ 0}],
  w ~ N(0, I) (the formula holds for any non-zero inputs; on unit inputs H^∞_ii = 1/2);
* depth-L NTK, L hidden layers, bias scale β, activation scale c (c = 2: He / Arora et al. /
  Du et al. deep style, ``normalization="he"``; c = 1: Jacot et al.'s plain ReLU,
  ``normalization="jacot"``)::

      Σ0 = xᵀx'/d + β²,      Θ0 = Σ0
      Σh = (c/2)·sqrt(Σ_{h−1}(x,x)Σ_{h−1}(x',x'))·κ1(ρ_h) + β²,  Σ̇h = (c/2)·κ0(ρ_h)
      Θh = Θ_{h−1}·Σ̇h + Σh,  NTK = Θ_L.

  With β = 0, jacot = he / 2^L; he has diagonal (L+1)‖x‖²/d.

Implementation: only the upper block-triangle is computed, with in-place numpy ufuncs (out=) on a
few block-sized buffers, then mirrored: H^∞ in row blocks of about 2^18 entries; the bias-free NTK
two threads at a time, for n ≥ 1024 in row blocks through one compiled loop (kernels/fused.py),
otherwise in 64×512 tiles that go through every layer while in L2 cache. Extra memory beyond the
n×n result: O(block) (a few MiB).
"""

from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits

from prooftools.errors import UserInputError
from prooftools.numerics.rounding import UNIT_ROUNDOFF

__all__ = ["NORMALIZATIONS", "kappa0", "kappa1", "ntk_relu", "relu_gram_h_inf"]

NORMALIZATIONS = {
    "he": 2.0,  # c_σ = 2 (He); Arora et al. 2019, Du et al. deep K^(h) with ReLU
    "du": 2.0,
    "arora": 2.0,
    "jacot": 1.0,  # Jacot et al. 2018, NTK parameterisation, plain ReLU
}

_U = UNIT_ROUNDOFF


def _gamma(k: float) -> float:
    """Higham's γ_k = k u / (1 − k u)."""
    return k * _U / (1.0 - k * _U)


def kappa0(rho: np.ndarray) -> np.ndarray:
    """Arc-cosine kernel of order 0 on cosines: (π − arccos ρ)/π.

    >>> float(kappa0(np.array(0.0)))
    0.5
    """
    rho = np.clip(np.asarray(rho, dtype=np.float64), -1.0, 1.0)
    return (math.pi - np.arccos(rho)) / math.pi


def kappa1(rho: np.ndarray) -> np.ndarray:
    """Arc-cosine kernel of order 1 on cosines: (sqrt(1 − ρ²) + ρ(π − arccos ρ))/π.

    >>> float(kappa1(np.array(1.0)))
    1.0
    """
    rho = np.clip(np.asarray(rho, dtype=np.float64), -1.0, 1.0)
    th = np.arccos(rho)
    return (np.sin(th) + rho * (math.pi - th)) / math.pi


def _check_X(X) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise UserInputError(f"kernel input must be a non-empty n×d array, got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise UserInputError("kernel input contains NaN or inf; expected finite numbers")
    return X


def _row_blocks(n: int, target: int = 1 << 18):
    b = max(16, min(n, target // max(n, 1)))
    for i0 in range(0, n, b):
        yield i0, min(n, i0 + b)


def _mirror_row_block(H: np.ndarray, i0: int, i1: int) -> None:
    """Copy rows i0:i1 of the upper triangle onto columns i0:i1 of the lower one (in place)."""
    H[i1:, i0:i1] = H[i0:i1, i1:].T
    blk = H[i0:i1, i0:i1]
    low = np.tril_indices(i1 - i0, -1)
    blk[low] = blk.T[low]


def _mirror_upper(H: np.ndarray) -> None:
    """Copy the upper block-triangle onto the lower one (in place)."""
    for i0, i1 in _row_blocks(H.shape[0]):
        _mirror_row_block(H, i0, i1)


def relu_gram_h_inf(X, *, return_error: bool = False):
    """Du et al.'s H^∞ (n×n) for the rows of X; optionally a bound on its rounding error.

    The diagonal is set to ‖x_i‖²/2 exactly as the closed form says (θ_ii = 0).
    With ``return_error=True`` returns ``(H, err)`` where ``err`` bounds ‖Ĥ − H^∞‖_F for the exact
    kernel of the floating-point inputs: per entry, |ΔG| ≤ γ_d‖x_i‖‖x_j‖ (Higham 2002 (3.5)),
    |Δρ| ≤ e_ρ = 2γ_{d+6}, |Δθ| ≤ e_ρ/sqrt(1 − (|ρ̂| + e_ρ)²) or π·sqrt(e_ρ/2) (Hölder modulus of
    arccos) plus 4 ulp·π for arccos itself; entries with |ρ̂| ≤ 0.99 share one bound, the others
    are bounded one by one.

    >>> H = relu_gram_h_inf(np.array([[1.0, 0.0], [0.0, 1.0]]))
    >>> H.tolist()
    [[0.5, 0.0], [0.0, 0.5]]
    """
    X = _check_X(X)
    n, d = X.shape
    sq = np.einsum("ij,ij->i", X, X)
    nrm = np.sqrt(sq)
    inv = np.divide(1.0, nrm, out=np.zeros_like(nrm), where=nrm > 0)
    H = np.empty((n, n))
    e_rho = 2.0 * _gamma(d + 6)
    near_sq = 0.0  # Σ over |ρ̂| > 0.99 (off-diagonal, both triangles) of the entry bound squared
    cut = 0.99
    for i0, i1 in _row_blocks(n):
        G = H[i0:i1, i0:]
        np.matmul(X[i0:i1], X[i0:].T, out=G)
        T = G * inv[i0:i1, None]
        T *= inv[None, i0:]
        np.clip(T, -1.0, 1.0, out=T)
        if return_error:
            mask = (T > cut) | (T < -cut)
            mask[:, : i1 - i0][np.tri(i1 - i0, dtype=bool)] = False  # diagonal & below
            rows, cols = np.nonzero(mask)
            if rows.size:
                r = np.abs(T[rows, cols])
                a = r + e_rho
                dth = np.where(
                    a < 1.0,
                    e_rho / np.sqrt(np.maximum(1.0 - a * a, 1e-300)),
                    math.pi * math.sqrt(e_rho / 2.0),
                )
                c = _gamma(d) + (dth + 4 * math.pi * _U) / (2 * math.pi)
                w = nrm[i0 + rows] * nrm[i0 + cols] * c
                near_sq += 2.0 * float(np.dot(w, w))
        np.arccos(T, out=T)
        np.subtract(math.pi, T, out=T)
        T *= 1.0 / (2.0 * math.pi)
        G *= T
    idx = np.arange(n)
    H[idx, idx] = 0.5 * sq
    _mirror_upper(H)
    if not return_error:
        return H
    a = cut + e_rho
    c_gen = _gamma(d) + (e_rho / math.sqrt(1.0 - a * a) + 4 * math.pi * _U) / (2 * math.pi)
    total = float(np.sum(sq)) * (1.0 + _gamma(d + 2))  # Σ‖x_i‖² ≥ ‖ |H| ‖_F / 1
    err = c_gen * total + math.sqrt(near_sq) * (1.0 + 1e-12)
    err += 4 * _U * total + math.sqrt(float(np.sum((0.5 * _gamma(d + 1) * sq) ** 2)))
    return H, err * 1.01


def ntk_relu(X, depth: int, *, normalization: str = "he", beta: float = 0.0) -> np.ndarray:
    """Infinite-width NTK Θ_L (n×n) of a ReLU network with ``depth`` = L hidden layers.

    ``normalization``: "he" (c_σ = 2; aliases "du", "arora") or "jacot" (c = 1, Jacot et al.'s
    NTK parameterisation with bias scale ``beta``). All layers trained; Σ0 = xᵀx'/d + β².

    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> np.round(ntk_relu(X, 1), 6).tolist()   # diag (L+1)/d = 1; off-diag κ1(0)/d = 1/(2π)
    [[1.0, 0.159155], [0.159155, 1.0]]
    """
    X = _check_X(X)
    if not (isinstance(depth, int | np.integer) and depth >= 1):
        raise UserInputError(f"depth must be a positive integer (hidden layers), got {depth!r}")
    key = str(normalization).lower()
    if key not in NORMALIZATIONS:
        raise UserInputError(
            f"unknown NTK normalization {normalization!r}; expected one of {sorted(NORMALIZATIONS)}"
        )
    if not (math.isfinite(beta) and beta >= 0):
        raise UserInputError(f"beta must be a finite number ≥ 0, got {beta!r}")
    c = NORMALIZATIONS[key]
    b2 = float(beta) ** 2
    n, d = X.shape
    # diagonal of Σ_h for every sample and layer
    diag = [np.einsum("ij,ij->i", X, X) / d + b2]
    for _ in range(depth):
        diag.append(0.5 * c * diag[-1] + b2)
    K = np.empty((n, n))
    if b2 == 0.0:
        _ntk_no_bias(X, depth, c, diag[0], K)  # fills both triangles
    else:
        _ntk_bias(X, depth, c, b2, diag, K)
        _mirror_upper(K)
    idx = np.arange(n)
    th = diag[0].copy()
    for h in range(1, depth + 1):  # exact diagonal: ρ = 1, κ0 = κ1 = 1
        th = th * (0.5 * c) + diag[h]
    K[idx, idx] = th
    return K


def _n_threads() -> int:
    try:
        return max(1, min(8, len(os.sched_getaffinity(0))))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, min(8, os.cpu_count() or 1))


FUSED_MIN_SAMPLES = 1024  # below this the numpy path takes milliseconds: not worth the import


def _fused_kernel(n: int):
    """The compiled layer recursion (:mod:`.fused`) for n ≥ FUSED_MIN_SAMPLES when
    numba is installed, else None (numpy path)."""
    if n < FUSED_MIN_SAMPLES:
        return None
    from prooftools.numerics.kernels import fused as ntk_fused

    return ntk_fused.layers_rows if ntk_fused.AVAILABLE else None


_TILE_ROWS, _TILE_COLS = 64, 512  # 32K entries: 4 float64 tile buffers fit a 1 MiB L2 cache


def _ntk_no_bias(X: np.ndarray, depth: int, c: float, diag0: np.ndarray, K: np.ndarray) -> None:
    """β = 0: work with cosines, ρ_h = κ1(ρ_{h−1}), Θ̂_h = Θ̂_{h−1}·κ0(ρ_{h−1}) + ρ_h and
    Θ_L = (c/2)^L·sqrt(Σ0(x,x)Σ0(x',x'))·Θ̂_L.

    For n ≥ FUSED_MIN_SAMPLES (and numba installed) each row block of ρ0 = x̂_iᵀx̂_j goes through
    all layers in one compiled loop (prooftools.numerics.kernels.fused). Otherwise, numpy:
    tiles of 64×512 entries of the upper block-triangle are taken through every layer while they
    sit in L2 cache: each tile starts as one small product of row-normalised inputs,
    −ρ0 = (−x̂_i)ᵀx̂_j (no n×n Gram matrix is formed, scaled or re-read), is scaled and written to
    K together with its mirror image. Two threads share the row blocks (ufuncs and BLAS release
    the GIL; BLAS is limited to one thread meanwhile). Per layer, with N = −ρ (so
    π − θ = arccos N, exact identity, no cancellation): P = arccos N, S = sqrt(1 − N²) = sin θ,
    N·P = −ρ(π − θ), U = S − N·P = π κ1(ρ), π Θ̂_h = Θ̂_{h−1}·P + U and N' = U·(−1/π).
    Clamps: ρ0 needs both sides. For h ≥ 1 only N' ≥ −1 (ρ' ≤ 1) can fail (κ1(ρ) ≈ 1 within
    rounding); N' ≤ 1 holds: S ≥ 0, 0 ≤ P ≤ fl(π) and ρ ≥ −1 give fl(ρP) ≥ −fl(π), so
    U ≥ −fl(π) (rounding is monotone) and N' = fl(U·fl(−1/π)) ≤ fl(fl(π)·fl(1/π)) = 1. So one
    clamp per layer, and none after the last layer (np.clip is used: faster than np.maximum)."""
    n, d = X.shape
    nrm = np.sqrt(diag0)  # sqrt(Σ0(x, x)) = ‖x‖/√d
    inv = np.divide(1.0, nrm, out=np.zeros_like(nrm), where=nrm > 0) / math.sqrt(d)
    X_unit = X * inv[:, None]  # zero rows stay zero (their kernel entries are 0)
    X_unit_neg = -X_unit
    row_scale = nrm * ((0.5 * c) ** depth / math.pi)
    inv_pi = 1.0 / math.pi
    local = threading.local()

    def tile(i0: int, i1: int, j0: int, j1: int) -> None:
        shape = (i1 - i0, j1 - j0)
        bufs = getattr(local, "bufs", None)
        if bufs is None:
            bufs = local.bufs = np.empty((4, _TILE_ROWS * _TILE_COLS))
        N, P, S, TH = (b[: shape[0] * shape[1]].reshape(shape) for b in bufs)
        np.matmul(X_unit_neg[i0:i1], X_unit[j0:j1].T, out=N)  # −ρ0
        np.clip(N, -1.0, 1.0, out=N)
        for h in range(1, depth + 1):
            np.arccos(N, out=P)  # π − θ
            np.multiply(N, N, out=S)  # fl(N²) ≤ 1 since |N| ≤ 1: no NaN below
            np.subtract(1.0, S, out=S)
            np.sqrt(S, out=S)  # sin θ
            N *= P  # −ρ(π − θ)
            S -= N  # U = π κ1(ρ)
            if h == 1:  # π Θ̂_1 = ρ(π − θ) + U, since Θ̂_0 = ρ
                np.subtract(S, N, out=TH)
            else:
                TH *= P
                TH *= inv_pi
                TH += S
            if h < depth:
                np.multiply(S, -inv_pi, out=N)
                np.clip(N, -1.0, 1.0, out=N)  # (faster than maximum; see docstring)
        Kt = K[i0:i1, j0:j1]
        TH *= row_scale[i0:i1, None]
        np.multiply(TH, nrm[None, j0:j1], out=Kt)
        if j0 >= i1:
            K[j0:j1, i0:i1] = Kt.T
        else:  # tile on the diagonal block: mirror its upper part below the diagonal
            low = np.arange(j0, j1)[None, :] < np.arange(i0, i1)[:, None]
            np.copyto(Kt, K[j0:j1, i0:i1].T, where=low)
            if j1 > i1:
                K[i1:j1, i0:i1] = Kt[:, i1 - j0 :].T

    def tiled_row_block(i0: int, i1: int) -> None:
        for j0 in range(i0, n, _TILE_COLS):
            tile(i0, i1, j0, min(n, j0 + _TILE_COLS))

    fused = _fused_kernel(n)

    def fused_row_block(i0: int, i1: int) -> None:  # all layers in one compiled pass
        G = getattr(local, "gram", None)
        if G is None:  # one _TILE_ROWS × n buffer per thread
            G = local.gram = np.empty(_TILE_ROWS * n)
        G = G[: (i1 - i0) * (n - i0)].reshape(i1 - i0, n - i0)
        np.matmul(X_unit[i0:i1], X_unit[i0:].T, out=G)  # ρ0
        fused(G, depth, row_scale[i0:i1], nrm[i0:], K[i0:i1, i0:])
        _mirror_row_block(K, i0, i1)

    row_block = tiled_row_block if fused is None else fused_row_block

    blocks = [(i0, min(n, i0 + _TILE_ROWS)) for i0 in range(0, n, _TILE_ROWS)]
    workers = _n_threads()
    # one BLAS thread per worker: idle OpenBLAS threads spin and would take the second core
    with threadpool_limits(limits=1, user_api="blas"):
        if workers == 1 or len(blocks) < 4:
            for b in blocks:
                row_block(*b)
            return
        with ThreadPoolExecutor(workers) as ex:
            list(ex.map(lambda b: row_block(*b), blocks))


def _ntk_bias(X, depth, c, b2, diag, K) -> None:
    """General recursion with bias (Σ and Θ tracked unnormalised)."""
    n, d = X.shape
    inv = [np.divide(1.0, np.sqrt(s), out=np.zeros_like(s), where=s > 0) for s in diag]
    sqr = [np.sqrt(s) for s in diag]
    scale = c / (2.0 * math.pi)
    for i0, i1 in _row_blocks(n):
        S = np.matmul(X[i0:i1], X[i0:].T)
        S *= 1.0 / d
        S += b2
        Th = K[i0:i1, i0:]
        np.copyto(Th, S)
        T = np.empty_like(S)
        P = np.empty_like(S)
        for h in range(1, depth + 1):
            np.multiply(S, inv[h - 1][i0:i1, None], out=T)
            T *= inv[h - 1][None, i0:]
            np.clip(T, -1.0, 1.0, out=T)
            np.arccos(T, out=P)
            np.sin(P, out=T)
            T *= sqr[h - 1][i0:i1, None]
            T *= sqr[h - 1][None, i0:]
            np.subtract(math.pi, P, out=P)  # π − θ
            S *= P
            S += T
            S *= scale
            S += b2
            Th *= P
            Th *= scale
            Th += S
