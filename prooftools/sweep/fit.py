"""Power-law fits with bootstrap intervals over seeds.

``log y = a·log x + b`` by least squares (:func:`fit_power_law`); the 95% interval of ``a`` comes
from resampling the seeds with replacement (:func:`bootstrap_exponent`): each resample recomputes
every point's y from the resampled seeds (m* from the per-seed outcomes, or the geometric mean of
an observable) and refits. The generator is seeded, so a report is reproducible.

>>> x = np.array([16, 32, 64, 128.0])
>>> round(fit_power_law(x, 3 * x**2).slope, 12)
2.0
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Fit", "bootstrap_exponent", "fit_power_law"]


#: a fitted slope below this is least-squares rounding of a flat line, shown as 0
_ROUNDING = 1e-12


@dataclass(frozen=True)
class Fit:
    """Slope (the exponent), intercept (log scale), and the bootstrap 95% interval of the slope."""

    slope: float
    intercept: float
    points: int
    low: float | None = None
    high: float | None = None
    resamples: int = 0

    def contains(self, value: float) -> bool | None:
        """Whether ``value`` lies in the 95% interval (None without an interval)."""
        if self.low is None or self.high is None:
            return None
        return self.low <= value <= self.high

    def text(self) -> str:
        """``2.13 [1.98, 2.31]``; a slope at rounding level reads 0 (flat m* gave -8.28e-16).

        >>> Fit(2.1349, 0.0, 4, 1.98, 2.31).text(), Fit(-8.28e-16, 2.7, 3, -0.83, 0.27).text()
        ('2.13 [1.98, 2.31]', '0 [-0.83, 0.27]')
        """
        slope = 0.0 if abs(self.slope) < _ROUNDING else self.slope
        if self.low is None:
            return f"{slope:.3g}"
        return f"{slope:.3g} [{self.low:.3g}, {self.high:.3g}]"

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {"slope": self.slope, "intercept": self.intercept, "points": self.points,
                "low": self.low, "high": self.high, "resamples": self.resamples}


def fit_power_law(x: Sequence[float], y: Sequence[float]) -> Fit:
    """Least squares of log y on log x (natural logs); needs two distinct positive x."""
    lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    if lx.size < 2 or np.ptp(lx) == 0:
        raise ValueError("a power-law fit needs at least two distinct x")
    slope, intercept = np.polyfit(lx, ly, 1)
    return Fit(float(slope), float(intercept), int(lx.size))


def bootstrap_exponent(
    x: Sequence[float],
    y_of: Callable[[int, np.ndarray | None], float | None],
    n_seeds: Sequence[int],
    *,
    resamples: int = 1000,
    seed: int = 0,
) -> Fit | None:
    """Fit y ∝ x^a with a bootstrap 95% interval over seeds.

    ``y_of(i, index)`` is the y of point i computed from the seeds ``index`` (None: all seeds);
    it returns None when that resample leaves the point undefined (censored), and the point is
    then left out of that resample's fit. ``n_seeds[i]`` is point i's number of seeds.

    >>> rng = np.random.default_rng(1); xs = [10.0, 20.0, 40.0]
    >>> data = [x**1.5 * np.exp(0.01 * rng.standard_normal(8)) for x in xs]
    >>> f = bootstrap_exponent(xs, lambda i, ix: float(np.exp(np.log(
    ...     data[i] if ix is None else data[i][ix]).mean())), [8, 8, 8], resamples=200)
    >>> f.low < 1.5 < f.high
    True
    """
    x = np.asarray(x, float)
    full = [y_of(i, None) for i in range(x.size)]
    keep = [i for i, v in enumerate(full) if v is not None and v > 0]
    if len({x[i] for i in keep}) < 2:
        return None
    base = fit_power_law(x[keep], [full[i] for i in keep])
    rng = np.random.default_rng(seed)
    slopes = []
    for _ in range(resamples):
        ys, xs = [], []
        for i in range(x.size):
            v = y_of(i, rng.integers(0, n_seeds[i], n_seeds[i]))
            if v is not None and v > 0:
                xs.append(x[i])
                ys.append(v)
        if len(set(xs)) >= 2:
            slopes.append(fit_power_law(xs, ys).slope)
    if not slopes:
        return base
    low, high = np.percentile(slopes, [2.5, 97.5])
    return Fit(base.slope, base.intercept, base.points, float(low), float(high), len(slopes))
