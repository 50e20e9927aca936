"""Row norms and dataset scale without overflow or underflow (data near 1e308 or 1e-308).

Squares of entries beyond ~1.3e154 overflow and those below ~1.5e-154 underflow, so
``sqrt(sum(x**2))`` is wrong long before the data themselves are. Here each row is scaled by a
power of two (exact in binary floating point) before squaring, so the usual rounding bound
γ_{d+2} of the norm still holds and the result is correct up to the range of floats itself.

>>> nrm = row_norms(np.array([[1e308, 1e308], [0.0, 0.0], [3e-320, 4e-320]]))
>>> bool(np.isclose(nrm[0], 2**0.5 * 1e308, rtol=1e-15)), float(nrm[1]), float(nrm[2])
(True, 0.0, 5e-320)
"""

from __future__ import annotations

import numpy as np

__all__ = ["row_norms", "scale_exponent"]

#: Data whose largest |entry| lies outside [2^-SAFE_EXP, 2^SAFE_EXP] is rescaled for products.
SAFE_EXP = 400


def row_norms(X: np.ndarray) -> np.ndarray:
    """Euclidean norm of every row, each row scaled by a power of two before squaring."""
    X = np.asarray(X, dtype=np.float64)
    top = np.max(np.abs(X), axis=1) if X.shape[1] else np.zeros(X.shape[0])
    with np.errstate(divide="ignore"):
        _, e = np.frexp(top)  # top = f·2^e with f in [0.5, 1); e = 0 for a zero row
    scaled = np.ldexp(X, -e[:, None])
    return np.ldexp(np.sqrt(np.einsum("ij,ij->i", scaled, scaled)), e)


def scale_exponent(X: np.ndarray) -> int:
    """k such that X·2^-k has entries of safe size (0 when X is already safe)."""
    top = float(np.max(np.abs(X))) if X.size else 0.0
    if top == 0.0:
        return 0
    _, e = np.frexp(top)
    return int(e) if abs(int(e)) > SAFE_EXP else 0
