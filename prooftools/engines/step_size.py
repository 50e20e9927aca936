"""Step sizes from a theorem's own ``step_size`` bound, shared by every engine.

The bound is evaluated with measured quantities at their certified lower bounds (a step size that
is proven ≤ the theorem's at the true values) and derived constants substituted; hidden constants
left in it are set to 1 and said so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from prooftools.numerics.quantity import Quantity

__all__ = ["conservative", "theorem_step"]


def conservative(v) -> float:
    """A measured value for choosing a step size: its certified lower bound when positive.

    >>> conservative(Quantity(2.0, lower=1.5)), conservative(Quantity(2.0, lower=-1.0))
    (1.5, 0.0)
    """
    if isinstance(v, Quantity):
        if v.lower is None:
            return float(v.value)
        return float(v.lower) if v.lower > 0 else 0.0  # not proven positive: no step from it
    return float(v)


def theorem_step(registry, ids: Sequence[str],
                 values: Mapping[str, object]) -> tuple[float | None, str | None]:
    """(η, source) from the first ``step_size`` bound among ``ids`` (``None``s when none applies).

    >>> from prooftools.theory import load_registry
    >>> eta, how = theorem_step(load_registry(), ["du2019.thm4.1"],
    ...                         {"n": 10, "lambda0": Quantity(0.4, lower=0.3)})
    >>> round(eta, 6), how.split(":")[0]
    (0.00075, 'du2019.thm4.1 bound step_size')
    """
    from prooftools.theory.bounds import evaluate_expr

    for sid in ids:
        st = registry.get(sid)
        for b in st.bounds_of_kind("step_size"):
            exact = {k: repr(conservative(v)) if not isinstance(v, int) else v
                     for k, v in values.items()}
            val, hidden, used, missing = evaluate_expr(registry, b.expr, exact,
                                                       constants="derived")
            if val is None or missing:
                continue
            eta = float(val)
            if not (math.isfinite(eta) and eta > 0):
                continue
            eta = float(np.nextafter(eta, 0.0))  # so that η ≤ bound survives rounding
            how = (f"{sid} bound {b.name}: {b.text} (measured quantities at their certified "
                   "lower bounds)")
            if used:
                how += " with derived " + ", ".join(
                    f"{u}={registry.derived_constants()[u]}" for u in used)
            if hidden:
                how += " with hidden " + ", ".join(hidden) + " = 1"
            return eta, how
    return None, None
