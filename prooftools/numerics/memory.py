"""A memory budget checked before allocating: say what is needed, what is available, what fits.

:func:`require` is called with the bytes an operation will allocate *before* it allocates them
(dataset generators, file loaders, the data checks; the verify engines may call it too). The
budget is the smaller of the machine's available memory (``MemAvailable``) and what the
address-space limit (``RLIMIT_AS``, e.g. ``ulimit -v``) still leaves this process.

>>> require(1024, "a tiny array") > 1024  # fits: returns the budget in bytes
True
"""

from __future__ import annotations

import math
import os
import resource

from prooftools.errors import UserInputError

__all__ = ["MemoryBudgetError", "available_bytes", "available_memory", "format_bytes", "require",
           "require_memory"]

#: Share of the available memory one operation may take.
SHARE = 0.8
_FALLBACK = 4 * 2**30


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _address_space_left() -> int | None:
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            used = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        used = 0
    return max(0, soft - used)


def available_bytes() -> int:
    """Bytes this process can still allocate (the smaller of free memory and RLIMIT_AS room)."""
    limits = [v for v in (_meminfo_available(), _address_space_left()) if v is not None]
    return min(limits) if limits else _FALLBACK


def format_bytes(n: float) -> str:
    """'1.5 GiB' style.

    >>> format_bytes(3 * 2**30 / 2)
    '1.5 GiB'
    """
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} bytes"


class MemoryBudgetError(UserInputError):
    """The matrix (or its working copy) would not fit in the memory available."""


def available_memory() -> int:
    """Bytes available now for one n×n kernel (:func:`available_bytes`, the same budget)."""
    return available_bytes()


def require_memory(n: int, what: str, *, matrices: int = 1, extra: int = 0,
                   available: int | None = None) -> int:
    """Bytes ``matrices`` n×n float64 matrices plus ``extra`` need; raise a one-line
    :class:`MemoryBudgetError` saying what would fit when they exceed 90% of what is available.

    >>> require_memory(1000, "test")
    8000000
    >>> try:
    ...     require_memory(10**5, "λ0", available=2**30)
    ... except MemoryBudgetError as e:
    ...     print(str(e).split("), ")[1])
    1.07 GB available: n ≤ 10990 would fit
    """
    need = 8 * matrices * n * n + extra
    have = available_memory() if available is None else available
    budget = int(0.9 * have)
    if need > budget:
        fit = math.isqrt(max(budget - extra, 0) // (8 * matrices))
        plural = "matrix" if matrices == 1 else "matrices"
        raise MemoryBudgetError(
            f"{what} for n = {n} needs {need / 1e9:.1f} GB ({matrices} n×n float64 {plural}), "
            f"{have / 1e9:.2f} GB available: n ≤ {fit} would fit")
    return need


def require(nbytes: float, what: str, *, fits: str | None = None) -> int:
    """Raise a one-line :class:`UserInputError` when ``nbytes`` exceed the budget.

    ``fits`` says what would fit (e.g. "at most n = 40000 at d = 784"); returns the budget.
    """
    budget = int(available_bytes() * SHARE)
    if nbytes > budget:
        tail = f"; {fits}" if fits else ""
        raise UserInputError(f"{what} needs about {format_bytes(nbytes)} of memory, "
                             f"{format_bytes(budget)} is available{tail}")
    return budget
