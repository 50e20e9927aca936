"""Signs of exponents on the ranges a statement's side conditions give (``p < 1/2``, ``p > 1/2``).

Orders like n^(26 − 2p) or ε^(1 − 2p) compare only once the range of p is known: the statement's
own hypotheses on a symbol that occurs only in exponents (a branch condition such as
``zou_p < 1/2``), together with the symbol's declared domain, give an interval. :func:`sign`
decides the sign of an exponent difference on those intervals by sympy's assumptions first and
otherwise by evaluating it at the interval ends (just inside an open end) and at interior points
— exact for the affine exponents of the seed files, a sampled check otherwise — and gives up
(None) when the samples disagree. :func:`assumed` sets the intervals for one comparison.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import itertools
from collections.abc import Iterator

import sympy

__all__ = ["assumed", "current_key", "intervals_from", "sign"]

#: symbol → (low, low_open, high, high_open); ±oo for an unbounded end
_RANGES: contextvars.ContextVar[dict | None] = contextvars.ContextVar("derivation_ranges",
                                                               default=None)
_INSIDE = sympy.Rational(1, 10**6)


@contextlib.contextmanager
def assumed(ranges: dict) -> Iterator[None]:
    """Use ``ranges`` (from :func:`intervals_from`) for every :func:`sign` in the block."""
    token = _RANGES.set(dict(ranges))
    try:
        yield
    finally:
        _RANGES.reset(token)


def current_key() -> tuple:
    """The intervals in force, hashable: part of the key of anything memoized that calls
    :func:`sign` (an order's comparison depends on them)."""
    ranges = _RANGES.get()
    return () if not ranges else tuple(sorted((str(k), k, tuple(v)) for k, v in ranges.items()))


_DOMAIN_LOW = {"positive": (0, True), "nonnegative": (0, False), "positive_integer": (1, False),
               "nonnegative_integer": (0, False), "probability": (0, True)}


def intervals_from(conditions, symbols: dict, names: set[str]) -> dict:
    """Intervals of the symbols ``names`` from relations ``sym REL number`` among
    ``conditions`` and from the symbols' declared domains."""
    out = {}
    for name in names:
        d = symbols.get(name)
        if d is None:
            continue
        lo, lo_open = _DOMAIN_LOW.get(d.domain, (-sympy.oo, True))
        hi, hi_open = (1, True) if d.domain == "probability" else (sympy.oo, True)
        # safe: lo and hi are this module's own numbers (0, 1, ±oo), never theorem text
        out[d.sym] = [sympy.sympify(lo), lo_open, sympy.sympify(hi), hi_open]  # safe: see above
    for rel in conditions:
        for part in (rel.args if isinstance(rel, sympy.And) else (rel,)):
            if not isinstance(part, sympy.core.relational.Relational):
                continue
            lhs, rhs, op = part.lhs, part.rhs, part.rel_op
            if rhs in out and lhs.is_number:
                lhs, rhs = rhs, lhs
                op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
            if lhs not in out or not rhs.is_number:
                continue
            r = out[lhs]
            if op in ("<", "<=") and rhs <= r[2]:
                r[2], r[3] = rhs, op == "<"
            elif op in (">", ">=") and rhs >= r[0]:
                r[0], r[1] = rhs, op == ">"
            elif op == "==":
                r[:] = [rhs, False, rhs, False]
    return {s: tuple(v) for s, v in out.items()}


def _samples(lo, lo_open, hi, hi_open) -> list:
    if lo == hi:
        return [lo]
    if lo.is_infinite and hi.is_infinite:
        return [-100, -1, 0, 1, 100]
    if hi.is_infinite:
        first = lo + _INSIDE if lo_open else lo
        return [first, lo + 1, lo + 10, lo + 1000]
    if lo.is_infinite:
        last = hi - _INSIDE if hi_open else hi
        return [last, hi - 1, hi - 10, hi - 1000]
    a = lo + _INSIDE * (hi - lo) if lo_open else lo
    b = hi - _INSIDE * (hi - lo) if hi_open else hi
    return [a, (2 * a + b) / 3, (a + 2 * b) / 3, b]


def sign(e: sympy.Expr, *, weak: bool = False) -> int | None:
    """1, 0, −1 when ``e`` is positive, zero, negative on the assumed ranges, else None.

    ``weak``: report 1 (−1) also when ``e`` is ≥ 0 (≤ 0) everywhere and zero somewhere — enough to
    pick the larger of two orders.
    """
    ranges = _RANGES.get() or {}
    key = tuple(sorted(ranges.items(), key=lambda kv: sympy.default_sort_key(kv[0])))
    return _sign(e, weak, key)


@functools.lru_cache(maxsize=8192)
def _sign(e: sympy.Expr, weak: bool, assumed_ranges: tuple) -> int | None:
    """:func:`sign` on the ranges ``assumed_ranges`` (memoized: the same exponent differences
    recur across a paper's branches, and ``simplify`` dominates the cost)."""
    ranges = dict(assumed_ranges)
    e = sympy.simplify(e)
    if e.is_zero:
        return 0
    if e.is_positive or (weak and e.is_nonnegative):
        return 1
    if e.is_negative or (weak and e.is_nonpositive):
        return -1
    free = e.free_symbols
    if not free or not free <= set(ranges):
        return None
    syms = sorted(free, key=sympy.default_sort_key)
    values = []
    for point in itertools.product(*(_samples(*ranges[s]) for s in syms)):
        v = e.xreplace(dict(zip(syms, point, strict=True)))
        if not v.is_number or not v.is_real:
            return None
        values.append(v)
    if all(v > 0 for v in values):
        return 1
    if all(v < 0 for v in values):
        return -1
    if all(v == 0 for v in values):
        return 0
    if weak and all(v >= 0 for v in values):
        return 1
    if weak and all(v <= 0 for v in values):
        return -1
    return None
