"""Benchmark: sweep execution overhead, scaling over workers, and two real threshold sweeps.

1. ``overhead``: 16 planted runs of about 0.5 s of CPU work each, executed by the sweep on a
   warm one-worker local cluster, against the peer: the same 16 run functions called in a plain
   loop in this process (target: overhead below 5%).
2. ``workers``: the same sweep on two single-threaded workers against one (target ≥ 1.7×).
3. ``lemma31``: Du et al. Lemma 3.1 (init_deviation, at initialization: no training) threshold
   sweep, n ∈ {32, 64, 128, 256}, 8 seeds, m ∈ [8, 2^16] (target under 2 minutes on 2 cores).
4. ``thm41``: Du et al. Theorem 4.1 linear rate, n ∈ {32, 64, 128}, 5 seeds, 100 GD steps with
   the practical step 0.5/λ_max(H^∞) (the theorem's η = λ0/(4n²) would need ~10^5+ steps to
   move), m ∈ [8, 2^14] (target under 10 minutes).

Run: ``.venv/bin/python benchmarks/bench_sweep.py [overhead workers lemma31 thm41]``
"""

from __future__ import annotations

import argparse
import tempfile
import time

from threadpoolctl import threadpool_limits

from prooftools.engines.config import RunConfig
from prooftools.sweep import SweepSpec, execute
from prooftools.sweep.analysis import analyze
from prooftools.sweep.dask_executor import local_cluster
from prooftools.sweep.runner import load_point_data
from prooftools.sweep.synthetic import planted

PLANTED = "prooftools.sweep.synthetic:planted"


def _calibrate(seconds: float = 0.5) -> int:
    data = load_point_data("sphere:d=3", 8)
    with threadpool_limits(1):
        start = time.perf_counter()
        planted(data, "s", ("t.x",), (), RunConfig(width=8, options={"work": 40}))
        per = (time.perf_counter() - start) / 40
    return max(1, round(seconds / per))


def _spec(work: int) -> SweepSpec:
    return SweepSpec("planted", targets=("planted.holds",), dataset="sphere:d=3", n=(8,),
                     seeds=(0,), mode="scaling", widths=tuple(2 ** k for k in range(3, 19)),
                     runner=PLANTED, base=RunConfig(steps=0, options={"work": work}))


def _client(workers: int):
    from distributed import Client

    cluster = local_cluster(workers)
    client = Client(cluster)
    client.run(lambda: __import__("prooftools.sweep.runner"))  # warm the workers' imports
    return client, cluster


def _timed_sweep(spec, scheduler) -> tuple[float, float]:
    """(wall time, summed time inside the run tasks)."""
    with tempfile.TemporaryDirectory() as d:
        start = time.perf_counter()
        run = execute(spec, store=d, scheduler=scheduler, progress=False)
        return time.perf_counter() - start, sum(r["timing"]["run_s"] for r in run.rows)


def bench_overhead_and_workers(which: set[str]) -> None:
    work = _calibrate()
    spec = _spec(work)
    data = load_point_data(spec.dataset, 8)
    with threadpool_limits(1):
        start = time.perf_counter()
        for w in spec.widths:
            planted(data, "s", spec.targets, (), spec.config(spec.points()[0], w, 0))
        plain = time.perf_counter() - start
    print(f"16 planted runs, {work} products each: plain loop {plain:.2f} s "
          f"({plain / 16:.2f} s per run)")
    times, inside = {}, {}
    for workers in (1, 2) if "workers" in which else (1,):
        client, cluster = _client(workers)
        try:
            times[workers], inside[workers] = _timed_sweep(spec, client)
        finally:
            client.close()
            cluster.close()
        print(f"  sweep on {workers} local worker(s): {times[workers]:.2f} s "
              f"({inside[workers]:.2f} s inside the run tasks)")
    print(f"overhead (1 worker vs plain loop): {100 * (times[1] / plain - 1):+.1f}% "
          "(target < 5%)")
    print(f"scheduler overhead (1 worker: wall vs time inside the tasks): "
          f"{100 * (times[1] / inside[1] - 1):+.1f}%")
    if 2 in times:
        print(f"speed-up 2 workers vs 1: {times[1] / times[2]:.2f}x (target >= 1.7x)")


def _real(name: str, spec: SweepSpec) -> None:
    with tempfile.TemporaryDirectory() as d:
        start = time.perf_counter()
        run = execute(spec, store=d, scheduler="local", progress=True)
        wall = time.perf_counter() - start
        rep = analyze(run, resamples=200)
    cpu = sum(r["timing"]["run_s"] for r in run.rows)
    print(f"{name}: {len(run.rows)} runs in {wall:.1f} s wall (cluster start included), "
          f"{cpu:.1f} s of run time in workers")
    for t in rep.thresholds:
        print(f"  n={t.point['n']}: m* = {t.m_star} ({t.status}), looseness (C=1) "
              f"{t.looseness if t.looseness is None else round(t.looseness, 2)}")
    for w in rep.width_fits:
        print(f"  exponent in n: measured {w.fit.text() if w.fit else '—'}, theorem "
              f"{w.theorem} (slope along the sweep {w.theorem_slope:.2f})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("which", nargs="*", default=["overhead", "workers", "lemma31", "thm41"])
    which = set(ap.parse_args(argv).which)
    if which & {"overhead", "workers"}:
        bench_overhead_and_workers(which)
    if "lemma31" in which:
        _real("Lemma 3.1 threshold sweep", SweepSpec(
            "du2019.lemma3.1", targets=("du2019.lemma3.1.init_deviation",),
            dataset="sphere:d=50", n=(32, 64, 128, 256), seeds=tuple(range(8)),
            m_range=(8, 2**16), resolution=0.1, base=RunConfig(steps=0)))
    if "thm41" in which:
        _real("Theorem 4.1 linear-rate sweep (practical step)", SweepSpec(
            "du2019.thm4.1", targets=("du2019.thm4.1.linear_rate",), dataset="sphere:d=50",
            n=(32, 64, 128), seeds=tuple(range(5)), m_range=(8, 2**14), resolution=0.1,
            base=RunConfig(steps=100, step_policy="practical")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
