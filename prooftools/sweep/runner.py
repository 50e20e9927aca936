"""One run of a sweep: load a grid point's data, call ``verify``, reduce the report to a row.

:func:`run_one` is the only place that calls :func:`prooftools.checking.verify.verify`, through
the engine seam ``verify(registry, statement, data, config)``: the sweep's RunConfig goes to the
engine unchanged (step policy, options and overrides included).

:func:`run_task` is what a Dask worker executes: it resolves the run function by name, limits BLAS
to one thread (threadpoolctl) and times the run. Every run function has the signature
``fn(data, statement, targets, theorems, config) -> dict`` and returns JSON-ready values only.
"""

from __future__ import annotations

import importlib
import math
import os
import socket
import time
from functools import lru_cache
from typing import Any

import numpy as np

from prooftools.engines.config import RunConfig
from prooftools.errors import ProoftoolsError, UserInputError

__all__ = ["TASK_ERROR", "load_point_data", "run_one", "run_task", "run_verify", "split_target"]

#: the key under which :func:`run_task` returns a user error (instead of raising it on the worker:
#: Dask would log it as "Compute Failed" with a traceback and retry the run twice)
TASK_ERROR = "prooftools_user_error"

def split_target(target: str) -> tuple[str, str]:
    """``du2019.lemma3.1.init_eigenvalue`` → (``du2019.lemma3.1``, ``init_eigenvalue``).

    >>> split_target("du2019.thm4.1.linear_rate")
    ('du2019.thm4.1', 'linear_rate')
    """
    sid, dot, item = target.rpartition(".")
    if not dot or not sid or not item:
        raise UserInputError(f"target {target!r}: expected STATEMENT.ITEM, e.g. "
                             "du2019.lemma3.1.init_eigenvalue")
    return sid, item


# ----------------------------------------------------------------------------- data


def load_point_data(dataset: str, n: int | None, data_seed: int = 0) -> tuple:
    """(X, y, name) of a grid point: ``n=`` for a generator, a stratified subsample otherwise.

    >>> X, y, name = load_point_data("sphere:d=5", 12)
    >>> X.shape, name
    ((12, 5), 'sphere:d=5,n=12')
    """
    from prooftools.numerics.data.datasets import _GENERATORS, load_dataset

    head, _, opts = dataset.partition(":")
    generator = head.strip().lower().replace("_", "-") in _GENERATORS and "n" in \
        _GENERATORS[head.strip().lower().replace("_", "-")][1]
    if n is None:
        ds = load_dataset(dataset, seed=data_seed)
        return np.asarray(ds.X), np.asarray(ds.y), ds.name
    if generator:
        if any(t.strip().startswith("n=") for t in opts.split(",")):
            raise UserInputError(f"dataset {dataset!r} fixes n; leave n= out when sweeping n")
        spec = f"{head}:{opts + ',' if opts else ''}n={int(n)}"
        ds = load_dataset(spec, seed=data_seed)
        return np.asarray(ds.X), np.asarray(ds.y), spec
    ds = load_dataset(dataset, seed=data_seed)
    if n > ds.n:
        raise UserInputError(f"dataset {dataset!r} has {ds.n} samples; cannot take n = {n}")
    idx = _stratified(np.asarray(ds.y), int(n), data_seed)
    return np.asarray(ds.X)[idx], np.asarray(ds.y)[idx], f"{ds.name} (stratified n={n})"


def _stratified(y: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Indices of a subsample of size n keeping label proportions (random for real labels)."""
    rng = np.random.default_rng(seed)
    labels = y if y.ndim == 1 else y.argmax(axis=1)
    classes, counts = np.unique(labels, return_counts=True)
    if classes.size > max(20, labels.size // 2):  # continuous labels: plain random subsample
        return np.sort(rng.choice(labels.size, n, replace=False))
    share = counts / counts.sum() * n
    take = np.floor(share).astype(int)
    for i in np.argsort(-(share - take))[: n - take.sum()]:
        take[i] += 1
    idx = [rng.choice(np.flatnonzero(labels == c), k, replace=False)
           for c, k in zip(classes, take, strict=True) if k]
    return np.sort(np.concatenate(idx))


# ----------------------------------------------------------------------------- the adapter


@lru_cache(maxsize=8)
def _registry(theorems: tuple[str, ...]):
    from prooftools.theory import load_registry

    return load_registry(theorems)


def run_one(registry, statement: str, data: tuple, config: RunConfig):
    """Run ``verify`` for one configuration (THE adapter; returns its VerifyReport)."""
    from prooftools.checking.verify import verify

    X, y, name = data
    return verify(registry, statement, _Data(np.asarray(X), np.asarray(y), name), config,
                  progress=False)


class _Data:
    """The (X, y, name) of a grid point in the shape ``verify`` reads (a Dataset's fields)."""

    def __init__(self, X: np.ndarray, y: np.ndarray, name: str) -> None:
        self.X, self.y, self.name = X, y, name


def _num(v) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def _summary(a) -> dict[str, float | None]:
    a = np.asarray(a, dtype=float).ravel()
    a = a[np.isfinite(a)]
    if a.size == 0:
        return {"first": None, "last": None, "max": None, "min": None}
    return {"first": float(a[0]), "last": float(a[-1]), "max": float(a.max()),
            "min": float(a.min())}


def run_verify(data: tuple, statement: str, targets: tuple[str, ...], theorems: tuple[str, ...],
               config: RunConfig, curves: bool = False) -> dict[str, Any]:
    """The default run function: verify, then keep targets, implied constants, observables
    (and, with ``curves=True``, the down-sampled per-step curves: :mod:`prooftools.sweep.curves`).
    """
    from prooftools.numerics.quantity import Quantity

    registry = _registry(tuple(theorems))
    rep = run_one(registry, statement, data, config)
    out_targets = {}
    for t in targets:
        sid, item = split_target(t)
        it = rep.item(sid, item)
        j = it.judgement
        out_targets[t] = {"measured": str(it.measured), "verdict": str(j.verdict),
                          "margin": _num(j.margin), "first_failure": j.first_failure,
                          "implied_constants": dict(j.implied_constants)}
    implied = {f"{it.judgement.statement}:{it.judgement.item}": dict(it.judgement.implied_constants)
               for it in rep.items if it.judgement.implied_constants}
    values = {}
    for k, v in rep.data.items():
        if isinstance(v, Quantity):
            values[k] = _num(v.value)
            if v.lower is not None:
                values[k + "_lower"] = _num(v.lower)
        elif isinstance(v, int | float) and not isinstance(v, bool):
            values[k] = _num(v)
    tr = rep.trajectory
    obs = {k: _summary(v) for k, v in tr.observables.items()}
    for k, v in tr.scalars.items():
        if isinstance(v, int | float) and not isinstance(v, bool):
            obs[k] = _summary([v])
    cfg = rep.config
    extra = {}
    if curves:
        from prooftools.sweep.curves import trajectory_curves

        extra["curves"] = trajectory_curves(tr)
    return {"targets": out_targets, "implied_constants": implied, "data": values,
            "observables": obs, **extra,
            "run": {"eta": _num(cfg.get("eta")), "eta_source": cfg.get("eta_source"),
                    "steps": cfg.get("steps"), "algorithm": cfg.get("algorithm")},
            "graph": dict(rep.graph), "versions": cfg.get("versions", {})}


# ----------------------------------------------------------------------------- the task


@lru_cache(maxsize=16)
def _resolve(ref: str):
    mod, _, name = ref.partition(":")
    try:
        return getattr(importlib.import_module(mod), name)
    except (ImportError, AttributeError):
        raise UserInputError(f"run function {ref!r} cannot be imported") from None


def run_task(runner: str, data: tuple, statement: str, targets: tuple[str, ...],
             theorems: tuple[str, ...], config_json: str, curves: bool = False) -> dict[str, Any]:
    """Execute one run (on a worker): BLAS pinned to one thread, timed, host recorded.

    ``curves=True`` is passed on as the run function's keyword ``curves`` (only then, so a run
    function without curves keeps the plain signature).
    """
    from threadpoolctl import threadpool_limits

    fn = _resolve(runner)
    config = RunConfig.from_json(config_json)
    kw = {"curves": True} if curves else {}
    start = time.perf_counter()
    with threadpool_limits(limits=1):
        try:
            out = fn(data, statement, tuple(targets), tuple(theorems), config, **kw)
        except ProoftoolsError as e:  # expected: reported once by the client, in one line
            return {TASK_ERROR: str(e)}
        except TypeError as e:
            if kw and "curves" in str(e):
                return {TASK_ERROR: f"run function {runner!r} records no curves (it takes no "
                                    "'curves' keyword); run the sweep without curves"}
            raise
    out["timing"] = {"run_s": time.perf_counter() - start, "host": socket.gethostname(),
                     "pid": os.getpid()}
    return out
