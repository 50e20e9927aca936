"""A measured number with optional rigorous bounds and a witness."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Quantity:
    """A measured value; ``lower``/``upper`` are proven bounds when given.

    ``witness`` names what realises the value (e.g. the pair of samples at minimum distance).

    >>> q = Quantity(0.25, lower=0.2499)
    >>> q.proven_positive
    True
    """

    value: float
    lower: float | None = None
    upper: float | None = None
    witness: str | None = None
    note: str | None = None

    @property
    def proven_positive(self) -> bool:
        """True when the lower bound is a proof that the quantity is > 0."""
        return self.lower is not None and self.lower > 0

    def to_dict(self) -> dict:
        """JSON-friendly dict (NaN becomes None, absent bounds are dropped)."""
        out = {}
        for key, val in asdict(self).items():
            if val is None:
                continue
            if isinstance(val, float) and not math.isfinite(val):
                val = None if math.isnan(val) else ("inf" if val > 0 else "-inf")
            out["lower_bound" if key == "lower" else "upper_bound" if key == "upper" else key] = val
        return out
