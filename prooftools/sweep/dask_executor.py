"""The Dask executor of a sweep: a ``dask.distributed`` client (a new LocalCluster, an existing
cluster by address, or a client the caller holds) that loads or receives each point's data once,
submits runs, yields their results as they complete, and submits again a run the scheduler lost
with a killed worker (with its data made or sent again). See :mod:`prooftools.sweep.execute`.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from typing import Any

from prooftools.errors import UserInputError
from prooftools.sweep.runner import load_point_data

__all__ = ["RESUBMITS", "DaskExecutor", "local_cluster"]

#: how often a run whose future the cluster lost is submitted again before the sweep gives up
RESUBMITS = 3


class DaskExecutor:
    """A dask.distributed client: a new LocalCluster, or an existing cluster by address."""

    def __init__(self, address, workers: int | None) -> None:
        try:
            from distributed import Client, as_completed
        except ImportError:
            raise UserInputError("the Dask schedulers need dask[distributed]; install it or "
                                 "use --scheduler synchronous") from None
        self._as_completed = as_completed
        self.cluster = None
        self._own = not hasattr(address, "submit")
        if not self._own:  # a distributed.Client the caller holds (and closes)
            self.client = address
        elif address is None:
            self.cluster = local_cluster(workers)
            self.client = Client(self.cluster)
        else:
            from prooftools.dask_connect import connect_client

            self.client = connect_client(address)  # the whole handshake bounded
        self._ac = None
        self._tags: dict[str, Any] = {}
        #: data future key → how to make it again (a lost one is made anew for a resubmitted run)
        self._remake: dict[str, Any] = {}

    def load(self, dataset: str, n: int | None, seed: int, attempt: int = 0):
        key = "sweep-data-" + hashlib.sha256(f"{dataset}|{n}|{seed}".encode()).hexdigest()[:16]
        fut = self.client.submit(load_point_data, dataset, n, seed, pure=True,
                                 key=key + (f"-again{attempt}" if attempt else ""))
        self._remake[fut.key] = lambda: self.load(dataset, n, seed, attempt + 1)
        return fut

    def put(self, data, *, again: bool = False):
        # sent again: under a new key (the forgotten one may still be cancelled in the client)
        fut = self.client.scatter(data, broadcast=True, hash=not again)
        # scattered data cannot be recomputed: a worker that joined after the scatter holds
        # none, and killing the one that did loses it; the client still has it to send again
        parts = zip(fut, data, strict=True) if type(fut) in (list, tuple) else [(fut, data)]
        for f, d in parts:
            if hasattr(f, "key"):
                self._remake[f.key] = lambda d=d: self.put(d, again=True)
        return fut

    def _live(self, args: tuple) -> tuple:
        """``args`` with each data future made again, once per future: the scheduler that
        forgot a run may have forgotten its data too (``lost dependencies``), while the
        client still sees that future as finished. Runs resubmitted later share the new one."""
        return tuple(self._live_one(a) for a in args)

    def _live_one(self, a):
        if type(a) in (list, tuple):  # a scattered tuple is a tuple of futures
            return type(a)(self._live_one(x) for x in a)
        if getattr(a, "key", None) not in self._remake:
            return a
        remade = self._remake[a.key]
        if callable(remade):  # the first resubmitted run to meet it makes it again
            remade = self._remake[a.key] = remade()
        return remade

    def submit(self, tag, key: str, fn, *args, attempt: int = 0) -> None:
        name = f"sweep-run-{key}" + (f"-again{attempt}" if attempt else "")
        args = self._live(args) if attempt else args
        fut = self.client.submit(fn, *args, key=name, pure=False, retries=2)
        self._tags[fut.key] = (tag, key, fn, args, attempt)
        if self._ac is None:
            self._ac = self._as_completed([fut])
        else:
            self._ac.add(fut)

    def results(self) -> Iterator[tuple[Any, Any]]:
        """Each run's result as it completes. A run whose future the cluster lost (a killed
        worker can make the scheduler forget a key: ``FutureCancelledError: … already
        forgotten``) is submitted again under a new key, at most :data:`RESUBMITS` times."""
        if self._ac is None:
            return
        from distributed.client import FutureCancelledError

        for fut in self._ac:
            tag, key, fn, args, attempt = self._tags.pop(fut.key)
            try:
                result = fut.result()
            except FutureCancelledError:
                fut.release()
                if attempt >= RESUBMITS:
                    raise
                self.submit(tag, key, fn, *args, attempt=attempt + 1)
                continue
            fut.release()
            yield tag, result

    def close(self) -> None:
        if not self._own:
            return
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()



def local_cluster(workers: int | None = None):
    """A LocalCluster of ``workers`` (default: one per core) single-threaded worker processes.

    Dask's nanny sets ``MALLOC_TRIM_THRESHOLD_=65536`` in workers, which disables glibc's
    adaptive mmap threshold: every numpy temporary above 128 KiB is then mmap'd and unmapped
    again, and our runs ran 1.4-2× slower in a worker than in a plain process. We leave it out
    (BLAS/OpenMP thread variables stay at 1).
    """
    import dask
    from distributed import LocalCluster

    _quiet_resource_tracker()
    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}) or {})
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    # workers ignore SIGINT (a terminal's Ctrl-C reaches the whole process group; the client
    # reports it once and closes the cluster): see prooftools.sweep.worker_setup
    preload = [*(dask.config.get("distributed.worker.preload", []) or []),
               "prooftools.sweep.worker_setup"]
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ,
                          "distributed.worker.preload": preload}):
        # CRITICAL: a task's error comes back as its result and is reported once, in one line;
        # what Dask's own loggers say while a Ctrl-C tears the cluster down (a scatter to a
        # worker already gone) is noise after the one-line message
        return LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                            processes=True, dashboard_address=":0",
                            silence_logs=logging.CRITICAL)


def _quiet_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with its leak warning filtered out.

    After Ctrl-C the CLI exits 2 s later at the latest (``prooftools.cli.interrupt``), possibly
    before a busy cluster has closed; the tracker then still removes the workers' semaphores,
    but would print a three-line warning after the one-line message. Nothing else changes.
    """
    import sys
    from multiprocessing import resource_tracker

    quiet = "ignore::UserWarning:multiprocessing.resource_tracker"
    sys.warnoptions.append(quiet)
    try:
        resource_tracker.ensure_running()
    finally:
        sys.warnoptions.remove(quiet)
