"""Threshold search over the width: bisection in log2 m with a bracket check.

At a width m every seed gives one boolean (the target held as measured); the predicate is
"at least a fraction q of the seeds held". :class:`ThresholdSearch` is a small state machine so
that an executor can run many searches concurrently: :meth:`~ThresholdSearch.pending` lists the
widths to run now, :meth:`~ThresholdSearch.tell` records an answer, and the next width is known
as soon as it arrives. The bracket check asks the low end first and then grows the width by
``grow`` (×4) until the target holds or the high end failed — so no run is paid at widths far
above m* (``grow=None`` asks both ends at once); bisection then halves the bracket in log2 m,
down to adjacent integers when ``resolution`` is 0; then ``check_above`` probes 2m*, 4m*, … to
catch a predicate that is not monotone.

The reported m* is defined from the evaluated widths alone (:func:`m_star`): the smallest
evaluated width from which on the predicate held at every evaluated width. It equals the
bisection's answer when the predicate is monotone, and bootstrap resamples of the seeds reuse it.

>>> s = ThresholdSearch(8, 1024, q=1.0, resolution=0.0, check_above=0)
>>> while not s.done:
...     for w in s.pending():
...         s.tell(w, [w >= 100])
>>> s.result().m_star, s.result().status
(100, 'found')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["ThresholdResult", "ThresholdSearch", "m_star"]


def m_star(outcomes: dict[int, Sequence[bool]], q: float,
           index: np.ndarray | None = None) -> tuple[int | None, str]:
    """(m*, status) from per-width, per-seed outcomes; ``index`` resamples the seeds.

    status: ``found``; ``below`` (held already at the smallest evaluated width: m* ≤ it);
    ``above`` (did not hold at the largest evaluated width: m* > it, m* is None).

    >>> m_star({8: [False], 16: [True], 32: [True]}, 1.0)
    (16, 'found')
    >>> m_star({8: [True], 16: [False], 32: [True]}, 1.0)
    (32, 'found')
    """
    widths = sorted(outcomes)
    ok = []
    for w in widths:
        a = np.asarray(outcomes[w], dtype=bool)
        if index is not None:
            a = a[index]
        ok.append(bool(a.mean() >= q - 1e-12))
    if not ok or not ok[-1]:
        return None, "above"
    i = len(ok) - 1
    while i > 0 and ok[i - 1]:
        i -= 1
    return widths[i], ("below" if i == 0 else "found")


@dataclass
class ThresholdResult:
    """The outcome of one search: m*, how it was bracketed, and monotonicity findings."""

    m_star: int | None
    status: str  # found | below | above
    q: float
    outcomes: dict[int, list[bool]]
    monotone: bool
    notes: list[str] = field(default_factory=list)

    @property
    def fractions(self) -> dict[int, float]:
        """Fraction of seeds that held at each evaluated width."""
        return {w: float(np.mean(v)) for w, v in sorted(self.outcomes.items())}

    @property
    def bracket(self) -> tuple[int | None, int | None]:
        """(largest failing width below m*, m*): the interval the threshold lies in."""
        if self.m_star is None:
            return max(self.outcomes), None
        below = [w for w in self.outcomes if w < self.m_star]
        return (max(below) if below else None), self.m_star

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {"m_star": self.m_star, "status": self.status, "q": self.q,
                "monotone": self.monotone, "notes": list(self.notes),
                "fractions": {str(w): f for w, f in self.fractions.items()}}


class ThresholdSearch:
    """Bisection in log2 m between ``lo`` and ``hi`` (or a full grid when ``widths`` is given)."""

    def __init__(self, lo: int, hi: int, *, q: float, resolution: float = 0.05,
                 check_above: int = 1, widths: Sequence[int] | None = None,
                 grow: float | None = 4.0) -> None:
        if not 1 <= lo < hi:
            raise ValueError(f"need 1 <= lo < hi; got {lo}, {hi}")
        self.lo, self.hi, self.q = int(lo), int(hi), float(q)
        self.grow = float(grow) if grow and grow > 1 else None
        self.resolution, self.check_above = float(resolution), int(check_above)
        self.grid = sorted({int(w) for w in widths}) if widths else None
        self.outcomes: dict[int, list[bool]] = {}
        self._asked: set[int] = set()
        self._phase = "grid" if self.grid else "bracket"
        self._fail, self._hold = self.lo, self.hi  # current bisection interval
        self._queue: list[int] = (list(self.grid) if self.grid else
                                  [self.lo] if self.grow else [self.lo, self.hi])

    # ------------------------------------------------------------------ driving

    @property
    def done(self) -> bool:
        """True when nothing is pending or in flight."""
        return not self._queue and self._asked <= set(self.outcomes)

    def pending(self) -> list[int]:
        """Widths to run now (each returned once)."""
        out = [w for w in self._queue if w not in self._asked]
        self._asked.update(out)
        self._queue = []
        return out

    def holds(self, width: int) -> bool:
        """The predicate at an evaluated width."""
        return bool(np.mean(self.outcomes[width]) >= self.q - 1e-12)

    def tell(self, width: int, held: Sequence[bool]) -> None:
        """Record the per-seed outcomes at ``width`` and plan what follows."""
        self.outcomes[int(width)] = [bool(h) for h in held]
        if self._asked - set(self.outcomes):
            return  # still waiting for another width of this phase
        if self._phase == "bracket" and self.grow:
            top = max(self.outcomes)
            if self.holds(self.lo) or (top >= self.hi and not self.holds(top)):
                self._start_check()
                return
            if not self.holds(top):  # not bracketed yet: grow the width geometrically
                self._queue = [min(self.hi, max(top + 1, round(top * self.grow)))]
                return
            self._phase = "bisect"
            self._fail = max(w for w in self.outcomes if not self.holds(w))
            self._hold = top
            width = top
        elif self._phase == "bracket":
            if self.holds(self.lo) or not self.holds(self.hi):
                self._start_check()
                return
            self._phase = "bisect"
        if self._phase == "bisect":
            if self.holds(width) and width < self._hold:
                self._hold = width
            elif not self.holds(width) and width > self._fail:
                self._fail = width
            mid = self._midpoint()
            if mid is None:
                self._start_check()
            else:
                self._queue = [mid]
        # phases "check" and "grid" end when their widths have answered

    def _midpoint(self) -> int | None:
        a, b = self._fail, self._hold
        if b - a <= 1 or (self.resolution > 0 and b <= a * (1 + self.resolution)):
            return None
        mid = round(2 ** ((math.log2(a) + math.log2(b)) / 2))
        return min(max(mid, a + 1), b - 1)

    def _start_check(self) -> None:
        self._phase = "check"
        m, _ = m_star(self.outcomes, self.q)
        if m is None:
            return
        probes = [m * 2 ** j for j in range(1, self.check_above + 1)]
        self._queue = [w for w in probes if w < self.hi and w not in self.outcomes]

    # ------------------------------------------------------------------ answer

    def result(self) -> ThresholdResult:
        """m*, its status, and what the evaluated widths say about monotonicity."""
        m, status = m_star(self.outcomes, self.q)
        widths = sorted(self.outcomes)
        ok = [self.holds(w) for w in widths]
        notes: list[str] = []
        breaks = [(widths[i], widths[j]) for i in range(len(widths))
                  for j in range(i + 1, len(widths)) if ok[i] and not ok[j]]
        if breaks:
            a, b = breaks[0]
            notes.append(f"not monotone in the seeds run: held at m={a} but not at m={b}")
        seeds = len(next(iter(self.outcomes.values()))) if self.outcomes else 0
        crossings = sum(
            1 for s in range(seeds) for i, w in enumerate(widths)
            if self.outcomes[w][s] and any(not self.outcomes[v][s] for v in widths[i + 1:]))
        if crossings and seeds > 1:
            notes.append(f"{crossings} seed×width outcome(s) held at a width and failed at a "
                         "larger one (different random initializations)")
        if status == "below":
            notes.append(f"held already at the bracket's low end: m* ≤ {m}")
        elif status == "above":
            notes.append(f"did not hold at the largest width run: m* > {max(widths)}"
                         + ("" if max(widths) >= self.hi else " (a failure above the threshold "
                            "found: see the monotonicity note)"))
        return ThresholdResult(m, status, self.q, {w: list(v) for w, v in
                                                   sorted(self.outcomes.items())},
                               monotone=not breaks, notes=notes)
