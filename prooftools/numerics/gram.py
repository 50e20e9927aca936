"""The Gram matrix A Aᵀ of the rows of A, computed in column slabs.

Why not ``A @ A.T``: numpy sends it to BLAS ``syrk``, and the multithreaded ``syrk`` of the
OpenBLAS that numpy and scipy bundle overruns its packing buffer once the matrix has more than
about 16,000 rows (SIGSEGV, measured here at n = 16,000–20,000 with two threads; OpenBLAS issue
#2821 — see :mod:`prooftools.numerics.spectra.blocked_cholesky`). Slabs of at most ``CHUNK``
columns are ``gemm`` calls (the two operands differ), which pack a bounded block whatever n;
below the threshold the single product is used, so small problems are unchanged bit for bit.
"""

from __future__ import annotations

import numpy as np

__all__ = ["gram"]

#: above this many rows the product goes in slabs (syrk was safe at 15,000 rows here)
SAFE_ROWS = 8192
#: columns per slab: the slab's temporary (n × CHUNK) stays a few percent of the n × n result
CHUNK = 1024


def gram(A: np.ndarray, chunk: int | None = None) -> np.ndarray:
    """A Aᵀ (n×n, A's dtype, exactly symmetric) for an n×k matrix A.

    ``chunk``: columns per slab (default: one product up to ``SAFE_ROWS`` rows, else ``CHUNK``).
    Each slab computes only the block column above and on the diagonal (half the work of the
    full product) and mirrors it, so the result is symmetric bit for bit.

    >>> A = np.arange(6.0).reshape(3, 2)
    >>> gram(A).tolist() == (A @ A.T).tolist(), gram(A, chunk=1).tolist() == (A @ A.T).tolist()
    (True, True)
    """
    A = np.asarray(A)
    n = A.shape[0]
    if chunk is None:
        chunk = n if n <= SAFE_ROWS else CHUNK
    if chunk >= n:
        return A @ A.T
    G = np.empty((n, n), dtype=np.result_type(A, A))
    for j0 in range(0, n, chunk):
        j1 = min(n, j0 + chunk)
        B = np.ascontiguousarray(A[j0:j1])  # a distinct operand: gemm, not syrk
        G[:j1, j0:j1] = A[:j1] @ B.T
        blk = G[j0:j1, j0:j1]
        low = np.tril_indices(j1 - j0, -1)
        blk[low] = blk.T[low]
        G[j0:j1, :j0] = G[:j0, j0:j1].T
    return G
