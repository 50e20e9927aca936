"""A memory budget checked before allocating: say what is needed, what is available, what fits.

:func:`require` is called with the bytes an operation will allocate *before* it allocates them
(dataset generators, file loaders, the data checks; the verify engines may call it too). The
budget is the smaller of the machine's available memory (``MemAvailable``) and what the
address-space limit (``RLIMIT_AS``, e.g. ``ulimit -v``) still leaves this process.

>>> require(1024, "a tiny array") > 1024  # fits: returns the budget in bytes
True
"""

from __future__ import annotations

import os
import resource

from prooftools.errors import UserInputError

__all__ = ["available_bytes", "format_bytes", "require"]

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
