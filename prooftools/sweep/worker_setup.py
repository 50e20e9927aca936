"""Preloaded into every worker of the sweep's local Dask cluster (``distributed.worker.preload``).

A terminal's Ctrl-C is sent to the whole foreground process group: to the client, which reports
it in one line and closes the cluster, and to every worker process, which would print a
``KeyboardInterrupt`` traceback of its own. The workers therefore ignore SIGINT; they are stopped
by the cluster's close (or by the nanny when the client goes away).
"""

from __future__ import annotations

import signal
import threading


def dask_setup(worker=None) -> None:
    """Ignore SIGINT in this worker process (main thread only: where signals are handled)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
