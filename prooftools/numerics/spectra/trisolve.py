"""Solves with a Cholesky factor by matrix-vector products on its tiles (for few right-hand sides).

LAPACK ``potrs``/BLAS ``trsm`` with one to a few right-hand sides run far below the memory
bandwidth in the OpenBLAS that scipy bundles (it packs the triangle for every call): at
n = 5000, float32, one right-hand side, 30 ms a solve pair against 4–7 ms for the same work as
``gemv`` on 512-row tiles, whose diagonal blocks are inverted once (``trtri``) so that every
step is a product. A shift-inverted Lanczos step and a preconditioned CG step are one such solve
pair, so this is what makes those iterations cheap. The solves feed estimates and
preconditioners only (never a bound), so the inverted diagonal blocks' slightly weaker rounding
behaviour costs nothing.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import lapack

#: rows per tile: the inverted diagonal blocks take n·TILE entries in all
TILE = 512


class FactorSolver:
    """(RᵀR)⁻¹B for the upper Cholesky factor R stored transposed: R[i, j] = V[j, i] (i ≤ j)
    in the lower triangle of a C-ordered view ``V`` (entries above V's diagonal are never used,
    so the buffer may keep other data there). Rows of ``V`` may be strided (the float32 factor
    lives in a float64 buffer's rows).

    >>> A = np.array([[4.0, 2.0], [2.0, 5.0]])
    >>> V = np.linalg.cholesky(A)  # lower L = Rᵀ, so V[j, i] = R[i, j]
    >>> b = np.array([[1.0], [2.0]])
    >>> np.allclose(FactorSolver(V).solve(b), np.linalg.solve(A, b))
    True
    """

    def __init__(self, V: np.ndarray, tile: int = TILE):
        self.V = V
        self.n = n = V.shape[0]
        self.tiles = [(i0, min(n, i0 + tile)) for i0 in range(0, n, tile)]
        trtri = lapack.strtri if V.dtype == np.float32 else lapack.dtrtri
        self.inv = []  # L_kk⁻¹ for the lower diagonal blocks L_kk = R_kkᵀ
        for i0, i1 in self.tiles:
            inv, info = trtri(np.tril(V[i0:i1, i0:i1]), lower=1)
            if info != 0:
                raise ValueError(f"singular diagonal block at rows {i0}:{i1} (info={info})")
            self.inv.append(np.ascontiguousarray(inv))

    def solve(self, B: np.ndarray) -> np.ndarray:
        """(RᵀR)⁻¹B, computed in the factor's precision, returned in float64 (a new array)."""
        V, n = self.V, self.n
        Y = np.array(B.reshape(n, -1), dtype=V.dtype)
        # one column as a 1-D vector: numpy sends an (n, 1) operand to gemm, 2× slower than gemv
        y = Y[:, 0] if Y.shape[1] == 1 else Y
        for k, (i0, i1) in enumerate(self.tiles):  # Rᵀy = b: forward, by block rows of V
            if i0:
                y[i0:i1] -= V[i0:i1, :i0] @ y[:i0]
            y[i0:i1] = self.inv[k] @ y[i0:i1]
        for k in range(len(self.tiles) - 1, -1, -1):  # Rx = y: backward, R[I, J] = V[J, I]ᵀ
            i0, i1 = self.tiles[k]
            if i1 < n:
                y[i0:i1] -= V[i1:, i0:i1].T @ y[i1:]
            y[i0:i1] = self.inv[k].T @ y[i0:i1]
        return Y.astype(np.float64, copy=False)
