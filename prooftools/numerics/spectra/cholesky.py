"""Rounding bounds of the Cholesky certificate, thread limits and progress: the shared parts of
:mod:`prooftools.numerics.spectra`.
"""


from __future__ import annotations

import numpy as np
from threadpoolctl import ThreadpoolController

from prooftools.numerics.rounding import gamma

_CONTROLLER: list[ThreadpoolController] = []
#: Above this order one threaded LAPACK potrf call may crash in OpenBLAS's threaded dsyrk (see
#: :mod:`prooftools.numerics.spectra.blocked_cholesky`, which avoids it): used only when that
#: module's Cython BLAS is unavailable, then larger matrices are factorised with one BLAS thread.
POTRF_THREADED_MAX = 12000
#: panel width of the blocked in-place factorisation (prooftools.numerics.spectra.blocked_cholesky)
PANEL = 2048


class FractionBar:
    """Adapts a 0…1 fraction of the work done to a tqdm bar of 1000 units (its ETA)."""

    def __init__(self, bar):
        self.bar = bar

    def update(self, frac: float) -> None:
        self.bar.update(max(0, round(1000 * frac) - self.bar.n))


def threadpool_limits(limits: int, user_api: str):
    """threadpoolctl's limiter from one cached controller (a fresh one rescans the loaded
    libraries, ~10 ms a call)."""
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=limits, user_api=user_api)






def next_down(x: float, k: int = 2) -> float:
    for _ in range(k):
        x = float(np.nextafter(x, -np.inf))
    return x


def next_up(x: float, k: int = 2) -> float:
    for _ in range(k):
        x = float(np.nextafter(x, np.inf))
    return x


def cholesky_error_bound(n: int, trace: float) -> float:
    """β = γ_{n+1}/(1 − 2γ_{n+1})·tr(A): if fl-Cholesky of A succeeds, λ_min(A) ≥ −β.

    >>> 1e-14 < cholesky_error_bound(100, 50.0) < 1e-12
    True
    """
    g = gamma(n + 1)
    return next_up(g / (1.0 - 2.0 * g) * next_up(abs(trace)))


def progress_bar(progress, total: int, desc: str):
    from prooftools.progress import bar

    return bar(total, progress, desc, unit="step")
