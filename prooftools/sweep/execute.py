"""Run a sweep: threshold searches (or a fixed width grid) on Dask, each run stored as it finishes.

Schedulers: ``"local"`` (default) starts a ``dask.distributed`` LocalCluster with one
single-threaded worker process per core; ``"tcp://HOST:PORT"`` connects to an existing cluster
(for Slurm or Kubernetes, start one with dask-jobqueue or dask-kubernetes and pass its address);
a ``distributed.Client`` object is used as it is (and left open); ``"synchronous"`` runs
everything in this process, in submission order (for debugging). Each run
is a pure task of (data, configuration); BLAS is pinned to one thread inside every task, so the
same seeds give identical rows whichever scheduler ran them.

Data: each grid point's data are loaded once, by the client, checked against the statement's
engine (labels, depth, normalization: :func:`prooftools.checking.verify.preflight`, so a user
error is one line before anything is submitted) and scattered once to every worker. A user error
a run still meets is returned by the task (never raised on the worker: no "Compute Failed"
tracebacks, no retries) and reported once, in one line.
Searches: one per (grid point, target), all concurrent; a search's next width is submitted the
moment the previous width's seeds have answered. Runs shared by several searches (the same width
of the same point) are run once. Finished runs found in the store are read, never recomputed.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prooftools.checking.verdict import Verdict
from prooftools.errors import UserInputError
from prooftools.sweep.dask_executor import DaskExecutor as _Dask
from prooftools.sweep.dask_executor import local_cluster
from prooftools.sweep.preflight import load_points, preflight_points
from prooftools.sweep.runner import TASK_ERROR, load_point_data, run_task
from prooftools.sweep.spec import GridPoint, SweepSpec
from prooftools.sweep.store import Store, run_id
from prooftools.sweep.threshold import ThresholdResult, ThresholdSearch

#: A run counts for a threshold only when its target held as measured (undecided does not).
HOLDS = str(Verdict.HOLDS)

__all__ = ["SweepRun", "default_targets", "execute", "local_cluster", "replay"]


@dataclass
class SweepRun:
    """What :func:`execute` produced: the spec, the store, its rows and the searches' answers."""

    spec: SweepSpec
    store: Path
    rows: list[dict[str, Any]]
    thresholds: dict[tuple[str, str], ThresholdResult] = field(default_factory=dict)
    computed: int = 0  # runs computed now (the others were read from the store)
    points: list[GridPoint] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- executors


class _Synchronous:
    """In-process executor: runs tasks in submission order when results are asked for."""

    def __init__(self) -> None:
        self._queue: deque = deque()

    def load(self, dataset: str, n: int | None, seed: int):
        return load_point_data(dataset, n, seed)

    def put(self, data):
        return data

    def submit(self, tag, key: str, fn, *args) -> None:
        self._queue.append((tag, fn, args))

    def results(self) -> Iterator[tuple[Any, Any]]:
        while self._queue:
            tag, fn, args = self._queue.popleft()
            yield tag, fn(*args)

    def close(self) -> None:
        self._queue.clear()


class _ReadOnly(_Synchronous):
    """Computes nothing: replays the searches from the stored rows and counts what is missing."""

    def __init__(self) -> None:
        super().__init__()
        self.missing = 0

    def submit(self, tag, key: str, fn, *args) -> None:
        self.missing += 1

    def load(self, dataset: str, n: int | None, seed: int):
        return None


def replay(spec: SweepSpec, store: str | Path) -> SweepRun:
    """The sweep as far as its store holds it (nothing is run)."""
    ex = _ReadOnly()
    run = _drive(spec, Store.open(spec, store), spec.points(), ex, False, None)
    if ex.missing:
        run.notes.append(f"{ex.missing} run(s) the searches would ask for next are not stored "
                         "(the sweep is unfinished; rerun it to resume)")
    return run


def _executor(scheduler, workers: int | None):
    if hasattr(scheduler, "submit"):
        return _Dask(scheduler, None)
    if scheduler == "synchronous":
        return _Synchronous()
    if scheduler in ("local", "auto", None):
        return _Dask(None, workers)
    if scheduler.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        from prooftools.dask_connect import check_address

        return _Dask(check_address(scheduler), None)
    raise UserInputError(f"scheduler must be 'local', 'synchronous' or an address "
                         f"tcp://HOST:PORT; got {scheduler!r}")


# ----------------------------------------------------------------------------- the driver


def _validate_targets(spec: SweepSpec) -> None:
    if spec.runner != "prooftools.sweep.runner:run_verify":
        return
    from prooftools.sweep.runner import _registry, split_target

    reg = _registry(spec.theorems)
    st = reg.get(spec.statement)
    chain = {*reg.dependencies(st.id), st.id}
    for t in spec.targets:
        sid, item = split_target(t)
        if sid not in chain:
            raise UserInputError(f"target {t}: {sid} is not {spec.statement} or a statement it "
                                 "rests on")
        s = reg.get(sid)
        names = {c.name for c in (*s.conclusions, *reg.hypotheses_of(s))}
        if item not in names:
            raise UserInputError(f"target {t}: {sid} has no item {item!r}; it has "
                                 f"{', '.join(sorted(names))}")


def default_targets(spec: SweepSpec) -> tuple[str, ...]:
    """The statement's conclusions (when no target is given)."""
    from prooftools.sweep.runner import _registry

    st = _registry(spec.theorems).get(spec.statement)
    return tuple(f"{st.id}.{c.name}" for c in st.conclusions)


def execute(spec: SweepSpec, *, store: str | Path | None = None, scheduler: str = "local",
            workers: int | None = None, progress: bool | None = None,
            data: tuple | None = None) -> SweepRun:
    """Run (or resume) ``spec``; every finished run is in the store before this returns.

    ``data=(X, y)`` or ``(X, y, name)`` replaces ``spec.dataset`` for every grid point (API use;
    then n must not vary).
    """
    if not spec.targets:
        raise UserInputError("sweep: no target; give --target STATEMENT.ITEM")
    _validate_targets(spec)
    if data is not None and spec.n:
        raise UserInputError("sweep: with arrays given, n cannot vary (subsample them first)")
    points = spec.points()
    loaded = load_points(spec, points, data)
    preflight_points(spec, points, loaded)
    st = Store.open(spec, store)
    ex, held = _shielded_start(scheduler, workers)
    try:
        if held:  # Ctrl-C while the cluster started: raised now, so the cluster is closed
            _raise_held(held)
        return _drive(spec, st, points, ex, progress, data, loaded)
    finally:
        ex.close()


def _shielded_start(scheduler, workers):
    """The executor, with SIGINT held while it starts (a local cluster interrupted half-way would
    leave worker processes behind); returns it and the held signal, if any."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return _executor(scheduler, workers), None
    held: list = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: held.append(previous))
    try:
        return _executor(scheduler, workers), (held[0] if held else None)
    finally:
        signal.signal(signal.SIGINT, previous)


def _raise_held(previous) -> None:
    """Deliver a held SIGINT to the handler that was in place (it raises KeyboardInterrupt)."""
    import signal

    if callable(previous):
        previous(signal.SIGINT, None)
    raise KeyboardInterrupt


def _drive(spec, st: Store, points, ex, progress, data, loaded=None) -> SweepRun:
    from prooftools.progress import bar as progress_bar

    if loaded is not None:  # loaded by the client: each distinct dataset sent once
        sent: dict[int, Any] = {}
        for value in loaded.values():
            if id(value) not in sent:
                sent[id(value)] = ex.put(value)
        handles = {k: sent[id(v)] for k, v in loaded.items()}
    elif data is not None:
        arrays = (data[0], data[1], data[2] if len(data) > 2 else "arrays")
        handle = ex.put(arrays)
        handles = {p.key(): handle for p in points}
    elif Path(spec.dataset).suffix.lower() in (".npz", ".npy", ".csv"):
        # a file lives where the client runs: read it here, send each point's data once
        handles = {p.key(): ex.put(load_point_data(spec.dataset, p.values.get("n"),
                                                   spec.data_seed)) for p in points}
    else:  # generators and shipped sets: a task of its own, recomputed if its worker dies
        handles = {p.key(): ex.load(spec.dataset, p.values.get("n"), spec.data_seed)
                   for p in points}
    searches: dict[tuple[str, str], ThresholdSearch] = {}
    if spec.mode == "threshold":
        for p in points:
            for t in spec.targets:
                searches[(p.key(), t)] = ThresholdSearch(
                    *spec.m_range, q=spec.q_at(p), resolution=spec.resolution,
                    check_above=spec.check_above, widths=spec.widths or None,
                    grow=spec.grow or None)
    by_key = {p.key(): p for p in points}
    rows: dict[str, dict] = {}
    waiting: dict[tuple[str, int], set] = defaultdict(set)  # (point, width) → searches
    seeds_left: dict[tuple[str, int], set] = {}
    in_flight: set[str] = set()
    ready: deque = deque()  # (point key, width) whose seeds are all answered
    computed = 0
    bar = progress_bar(spec.estimated_runs(), progress, "sweep", unit="run", leave=True)

    def request(pkey: str, width: int, who) -> None:
        if who is not None:
            waiting[(pkey, width)].add(who)
        if (pkey, width) in seeds_left:
            if not seeds_left[(pkey, width)]:
                ready.append((pkey, width))
            return
        point = by_key[pkey]
        left = set()
        for seed in spec.seeds:
            rid = run_id(spec, point, width, seed)
            if rid in rows:
                continue
            stored = st.get(rid)  # None: absent, or bad and moved aside (recomputed)
            if stored is not None:
                rows[rid] = stored
                bar.update(1)
                continue
            left.add(rid)
            if rid not in in_flight:
                in_flight.add(rid)
                cfg = spec.config(point, width, seed)
                ex.submit((pkey, width, seed, rid), rid, run_task, spec.runner, handles[pkey],
                          spec.statement, spec.targets, spec.theorems, cfg.to_json(),
                          spec.curves)
        seeds_left[(pkey, width)] = left
        if not left:
            ready.append((pkey, width))

    def answer(pkey: str, width: int) -> None:
        point = by_key[pkey]
        for who in sorted(waiting.pop((pkey, width), ())):
            search = searches[who]
            held = []
            for seed in spec.seeds:
                row = rows[run_id(spec, point, width, seed)]
                held.append(row["targets"][who[1]]["measured"] == HOLDS)
            search.tell(width, held)
            for w in search.pending():
                request(pkey, w, who)

    for p in points:
        if spec.mode == "scaling":
            for w in spec.widths:
                request(p.key(), w, None)
        for t in spec.targets if spec.mode == "threshold" else ():
            who = (p.key(), t)
            for w in searches[who].pending():
                request(p.key(), w, who)

    def drain() -> None:
        while ready:
            answer(*ready.popleft())

    drain()
    for (pkey, width, seed, rid), result in ex.results():
        if TASK_ERROR in result:  # a user error met inside a run: one line, the sweep stops
            raise UserInputError(result[TASK_ERROR])
        row = {"run_id": rid, "spec_key": spec.key, "point": by_key[pkey].values,
               "width": width, "seed": seed,
               "config": spec.config(by_key[pkey], width, seed).to_dict(), **result}
        st.put(row)
        computed += 1
        rows[rid] = row
        in_flight.discard(rid)
        bar.update(1)
        left = seeds_left[(pkey, width)]
        left.discard(rid)
        if not left:
            ready.append((pkey, width))
        drain()
    drain()
    bar.total = bar.n
    bar.refresh()
    bar.close()
    thresholds = {who: s.result() for who, s in searches.items()}
    return SweepRun(spec, st.root, sorted(rows.values(), key=lambda r: r["run_id"]),
                    thresholds, computed, points)
