"""Floating-point rounding constants, in one place (every rounding bound is built from these).

>>> UNIT_ROUNDOFF == 2.0**-53, gamma(2) == 2 * UNIT_ROUNDOFF / (1 - 2 * UNIT_ROUNDOFF)
(True, True)
"""

from __future__ import annotations

import numpy as np

__all__ = ["UNIT_ROUNDOFF", "UNIT_ROUNDOFF_32", "gamma"]

#: u = ε/2 for float64: |fl(x ∘ y) − x ∘ y| ≤ u |x ∘ y| (round to nearest).
UNIT_ROUNDOFF = float(np.finfo(np.float64).eps) / 2
#: u for float32 (the float32 scans of separations).
UNIT_ROUNDOFF_32 = float(np.finfo(np.float32).eps) / 2


def gamma(k: float, u: float = UNIT_ROUNDOFF) -> float:
    """Higham's γ_k = k u / (1 − k u): the relative error bound of k rounded operations."""
    return k * u / (1.0 - k * u)
