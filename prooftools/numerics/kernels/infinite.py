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
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits

from prooftools.errors import UserInputError
from prooftools.numerics.kernels.fused import D_COEFFS, NEAR
from prooftools.numerics.rounding import gamma

__all__ = ["NORMALIZATIONS", "kappa0", "kappa1", "ntk_relu", "relu_gram_h_inf"]

NORMALIZATIONS = {
    "he": 2.0,  # c_σ = 2 (He); Arora et al. 2019, Du et al. deep K^(h) with ReLU
    "du": 2.0,
    "arora": 2.0,
    "jacot": 1.0,  # Jacot et al. 2018, NTK parameterisation, plain ReLU
}

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


#: tile of the H^∞ formation: rows per block, columns per Gram product
_ROWS, _COLS = 128, 2048


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


def _mirror_into_rows(H: np.ndarray, i0: int, i1: int) -> None:
    """Fill rows i0:i1 left of the diagonal from the upper triangle (in place). Writes go along
    rows: the first touch of fresh pages column by column (as :func:`_mirror_row_block` does)
    took 5.3 s for 1280 columns of a new 20000² matrix against 0.16 s on touched pages; tiles
    of 256 columns keep the transposed reads in cache."""
    for j0 in range(0, i0, 256):  # tiles: the transposed reads stay in cache
        j1 = min(i0, j0 + 256)
        H[i0:i1, j0:j1] = H[j0:j1, i0:i1].T
    blk = H[i0:i1, i0:i1]
    low = np.tril_indices(i1 - i0, -1)
    blk[low] = blk.T[low]


def _mirror_upper(H: np.ndarray) -> None:
    """Copy the upper block-triangle onto the lower one (in place)."""
    for i0, i1 in _row_blocks(H.shape[0]):
        _mirror_row_block(H, i0, i1)


def _unit_rows(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(‖x_i‖, x̂_i = x_i/‖x_i‖); zero rows stay zero."""
    nrm = np.sqrt(np.einsum("ij,ij->i", X, X))
    inv = np.divide(1.0, nrm, out=np.zeros_like(nrm), where=nrm > 0)
    return nrm, X * inv[:, None]


def _state0_np(G: np.ndarray, Xr: np.ndarray, Xc: np.ndarray, chunk: int = 4096):
    """Layer-0 state (ρ, z) from the cosines G of unit rows (numpy twin of fused._state0):
    where |ρ| > 1 − NEAR, z = ‖x̂_i ∓ x̂_j‖²/4 by direct differences and ρ = ±(1 − 2z)."""
    rho = np.clip(G, -1.0, 1.0)
    z = (1.0 - np.abs(rho)) * 0.5
    rows, cols = np.nonzero(np.abs(rho) > 1.0 - NEAR)
    for k0 in range(0, rows.size, chunk):
        r, c = rows[k0 : k0 + chunk], cols[k0 : k0 + chunk]
        sgn = np.where(rho[r, c] > 0, 1.0, -1.0)
        diff = Xr[r] - sgn[:, None] * Xc[c]
        zz = 0.25 * np.einsum("ij,ij->i", diff, diff)
        z[r, c] = zz
        rho[r, c] = sgn * (1.0 - 2.0 * zz)
    return rho, z


def _layer_np(rho: np.ndarray, z: np.ndarray):
    """numpy twin of fused._layer: (π − θ, π κ1(ρ), ρ', z') with libm arcsin and sqrt."""
    a = np.abs(rho)
    big = a > 0.5
    zz = np.where(big, z, a * a)
    s = np.where(big, np.sqrt(z), a)
    asin_s = np.arcsin(s)
    c = np.sqrt(1.0 - zz)
    alpha = 2.0 * asin_s
    sin_t = np.where(big, 2.0 * s * c, c)
    p = np.where(big, np.where(rho < 0, alpha, math.pi - alpha),
                 0.5 * math.pi + np.where(rho >= 0, asin_s, -asin_s))
    u = sin_t + rho * p
    pos = big & (rho > 0)
    t = alpha * alpha
    q = np.zeros_like(t)
    for coef in D_COEFFS:
        q = q * t + coef
    z_pos = np.maximum(0.0, z - alpha * t * q * (0.5 / math.pi))
    rho_next = np.where(pos, 1.0 - 2.0 * z_pos, np.minimum(1.0, u * (1.0 / math.pi)))
    z_next = np.where(pos, z_pos, (1.0 - np.abs(rho_next)) * 0.5)
    return p, u, rho_next, z_next


def _use_fused() -> bool:
    from prooftools.numerics.kernels import fused

    return fused.AVAILABLE and _COMPILED["on"]


_COMPILED = {"on": True}  # tests switch the compiled paths off to reach the numpy twins


def relu_gram_h_inf(X, *, return_error: bool = False, out: np.ndarray | None = None,
                    progress: bool | None = False):
    """Du et al.'s H^∞ (n×n) for the rows of X; optionally a bound on its rounding error.

    H^∞_ij = ‖x_i‖‖x_j‖ ρ (π − θ)/(2π). Angles come from distances where the dot product has
    lost them (|ρ| > 1 − NEAR: θ = 2 asin(‖x̂_i − x̂_j‖/2), or π − 2 asin(‖x̂_i + x̂_j‖/2)), so
    duplicates give θ = 0 and ρ = 1 exactly and the diagonal is ‖x_i‖²/2 up to rounding.
    ``out``: an n×n float64 buffer to fill in place (one matrix, no copy). With
    ``return_error=True`` returns ``(H, err)``, ``err`` ≥ ‖Ĥ − H^∞‖₂ for the exact kernel of the
    floating-point inputs (:func:`prooftools.numerics.kernels.errors.h_inf_entry_error`).

    >>> H = relu_gram_h_inf(np.array([[1.0, 0.0], [0.0, 1.0]]))
    >>> H.tolist()
    [[0.5, 0.0], [0.0, 0.5]]
    """
    from prooftools.numerics.kernels.errors import h_inf_entry_error

    X = _check_X(X)
    n, d = X.shape
    nrm, U = _unit_rows(X)
    H = _buffer(out, n)
    fused = None
    if _use_fused():
        from prooftools.numerics.kernels import fused as fused_mod

        fused = fused_mod.h_inf_rows
    # row blocks of ROWS rows, their upper part in tiles of COLS columns: each Gram tile is a
    # BLAS-3 product (ROWS·COLS·d) reading a COLS-row slab of U once for ROWS rows, and no
    # temporary exceeds a tile (ROWS·COLS doubles)
    blocks = [(i0, min(n, i0 + _ROWS)) for i0 in range(0, n, _ROWS)]
    with threadpool_limits(limits=1, user_api="blas"), _bar(progress, len(blocks), "H^∞") as bar:
        def block(b):
            i0, i1 = b
            for j0 in range(i0, n, _COLS):
                j1 = min(n, j0 + _COLS)
                G = U[i0:i1] @ U[j0:j1].T
                if fused is not None:
                    fused(G, U[i0:i1], U[j0:j1], nrm[i0:i1], nrm[j0:j1], H[i0:i1, j0:j1])
                else:
                    rho, z = _state0_np(G, U[i0:i1], U[j0:j1])
                    p = _layer_np(rho, z)[0]
                    rho *= nrm[i0:i1, None]
                    rho *= nrm[None, j0:j1]
                    np.multiply(rho, p * (0.5 / math.pi), out=H[i0:i1, j0:j1])
            bar.update(1)

        _run_blocks(block, blocks)
        _run_blocks(lambda b: _mirror_into_rows(H, *b), blocks)
    if not return_error:
        return H
    total = float(np.sum(nrm * nrm)) * (1.0 + gamma(n + d + 2))
    return H, h_inf_entry_error(d, compiled=fused is not None) * total


def _buffer(out, n: int) -> np.ndarray:
    if out is None:
        return np.empty((n, n))
    if out.shape != (n, n) or out.dtype != np.float64 or not out.flags.c_contiguous:
        raise ValueError(f"out must be a C-contiguous float64 array of shape {(n, n)}")
    return out


def _bar(progress, total: int, desc: str):
    from prooftools.progress import bar

    return bar(total, progress, desc, unit="block")


def _run_blocks(fn, blocks) -> None:
    """Run fn on every block, two or more threads when there are enough blocks (the compiled
    kernels, ufuncs and BLAS release the GIL; BLAS is limited to one thread meanwhile)."""
    workers = _n_threads()
    if workers == 1 or len(blocks) < 4:
        for b in blocks:
            fn(b)
        return
    with ThreadPoolExecutor(workers) as ex:
        list(ex.map(fn, blocks))


def ntk_relu(X, depth: int, *, normalization: str = "he", beta: float = 0.0,
             out: np.ndarray | None = None, progress: bool | None = False,
             compiled: bool | None = None) -> np.ndarray:
    """Infinite-width NTK Θ_L (n×n) of a ReLU network with ``depth`` = L hidden layers.

    ``normalization``: "he" (c_σ = 2; aliases "du", "arora") or "jacot" (c = 1, Jacot et al.'s
    NTK parameterisation with bias scale ``beta``). All layers trained; Σ0 = xᵀx'/d + β².
    Without bias the recursion runs on angles kept accurate near ρ = ±1 (module
    :mod:`.fused`): duplicates give θ = 0 at every layer and rows equal to the diagonal's.
    ``out``: n×n float64 buffer filled in place. ``compiled``: force (True) or avoid (False)
    the compiled path (default: compiled for n ≥ FUSED_MIN_SAMPLES when numba is installed).

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
    K = _buffer(out, n)
    if b2 == 0.0:
        _ntk_no_bias(X, depth, c, diag[0], K, progress, compiled)  # fills both triangles
        return K
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


def _fused_kernel(n: int, compiled: bool | None = None):
    """The compiled layer recursion (:mod:`.fused`) for n ≥ FUSED_MIN_SAMPLES (or when
    ``compiled``) when numba is installed, else None (numpy path)."""
    if compiled is False or not _COMPILED["on"] or (compiled is None and n < FUSED_MIN_SAMPLES):
        return None
    from prooftools.numerics.kernels import fused as ntk_fused

    return ntk_fused.layers_rows if ntk_fused.AVAILABLE else None


_TILE_ROWS, _TILE_COLS = 64, 512  # 32K entries: 4 float64 tile buffers fit a 1 MiB L2 cache


def _ntk_no_bias(X: np.ndarray, depth: int, c: float, diag0: np.ndarray, K: np.ndarray,
                 progress=False, compiled=None) -> None:
    """β = 0: work with cosines, ρ_h = κ1(ρ_{h−1}), Θ̂_h = Θ̂_{h−1}·κ0(ρ_{h−1}) + ρ_h and
    Θ_L = (c/2)^L·sqrt(Σ0(x,x)Σ0(x',x'))·Θ̂_L.

    Each entry carries the state (ρ, z), z = (1 − |ρ|)/2 computed without cancellation where
    |ρ| > 1/2 (from a direct distance at layer 0, from D(θ) = sin θ − θ cos θ afterwards), so
    near-duplicates keep their angle's digits through every layer and duplicates stay at θ = 0.
    Row blocks of ρ0 = x̂_iᵀx̂_j (one BLAS product per block of 64 rows) go through all layers in
    one compiled loop (:mod:`.fused`) or, without it, through the numpy twin (libm arcsin).
    Two threads share the row blocks; BLAS runs single-threaded meanwhile."""
    n, d = X.shape
    nrm = np.sqrt(diag0)  # sqrt(Σ0(x, x)) = ‖x‖/√d
    inv = np.divide(1.0, nrm, out=np.zeros_like(nrm), where=nrm > 0) / math.sqrt(d)
    X_unit = X * inv[:, None]  # zero rows stay zero (their kernel entries are 0)
    row_scale = nrm * ((0.5 * c) ** depth / math.pi)
    fused = _fused_kernel(n, compiled)

    def fused_row_block(i0: int, i1: int) -> None:  # all layers in one compiled pass
        G = X_unit[i0:i1] @ X_unit[i0:].T  # ρ0
        fused(G, depth, row_scale[i0:i1], nrm[i0:], K[i0:i1, i0:], X_unit[i0:i1], X_unit[i0:])

    def numpy_row_block(i0: int, i1: int) -> None:
        rho, z = _state0_np(X_unit[i0:i1] @ X_unit[i0:].T, X_unit[i0:i1], X_unit[i0:])
        T = None
        for h in range(1, depth + 1):
            p, u, rho_n, z = _layer_np(rho, z)
            T = rho * p + u if h == 1 else T * p * (1.0 / math.pi) + u
            rho = rho_n
        T *= row_scale[i0:i1, None]
        np.multiply(T, nrm[None, i0:], out=K[i0:i1, i0:])

    row_block = numpy_row_block if fused is None else fused_row_block
    blocks = [(i0, min(n, i0 + _TILE_ROWS)) for i0 in range(0, n, _TILE_ROWS)]
    with threadpool_limits(limits=1, user_api="blas"), \
            _bar(progress, len(blocks), f"NTK depth {depth}") as bar:
        def block(b):
            row_block(*b)
            _mirror_row_block(K, *b)
            bar.update(1)

        _run_blocks(block, blocks)


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
