"""Sweeps on real processes: a dask scheduler with two workers (one killed mid-sweep), and a
client killed with SIGKILL and resumed. Planted runs (known answers, each sleeping a little)."""

import importlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from prooftools.cli import main
from prooftools.sweep import read_rows

ROOT = Path(__file__).resolve().parent.parent
DASK = Path(sys.executable).parent / "dask"
ARGS = ["sweep", "planted", "--target", "planted.holds", "--dataset", "sphere:d=3",
        "--n", "16", "32", "--seeds", "3", "--m-range", "4", "4096", "--resolution", "0.1",
        "--runner", "prooftools.sweep.synthetic:planted", "--option", "c=2", "--option",
        "a=1.5", "--option", "noise=0.2", "--no-progress", "--format", "json"]


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _sweep(capsys, store, *extra) -> dict:
    assert main([*ARGS, "--store", str(store), *extra]) == 0
    return json.loads(capsys.readouterr().out)


def _results(store) -> dict:
    """(point, width, seed) → what the run found (timings and hosts differ between schedulers;
    the reference runs without the planted sleep, so its run ids differ)."""
    rows = read_rows(store)
    out = {(json.dumps(r["point"]), r["width"], r["seed"]): r["targets"] for r in rows}
    assert len(out) == len(rows)  # every run stored exactly once
    return out


def _wait_rows(store: Path, count: int, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if (store / "runs").is_dir() and len([p for p in (store / "runs").glob("*.json")
                                               if not p.name.startswith(".")]) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} rows after {timeout} s")


@pytest.mark.slow  # three processes and a sweep: ~10-25 s on 2 cores
@pytest.mark.skipif(not DASK.exists(), reason="dask command-line tools not installed")
def test_cluster_with_a_killed_worker_matches_the_synchronous_run(tmp_path, capsys):
    reference = _sweep(capsys, tmp_path / "sync", "--scheduler", "synchronous")
    sched_file = tmp_path / "scheduler.json"
    procs = [subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(sched_file)],
                              env=_env(), cwd=tmp_path, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)]
    try:
        end = time.monotonic() + 120
        while not sched_file.exists() and time.monotonic() < end:
            time.sleep(0.1)
        address = json.loads(sched_file.read_text())["address"]
        for _ in range(2):
            procs.append(subprocess.Popen(
                [str(DASK), "worker", address, "--nthreads", "1", "--no-nanny",
                 "--no-dashboard", "--host", "127.0.0.1"], env=_env(), cwd=tmp_path,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        store = tmp_path / "cluster"
        killer = threading.Thread(target=lambda: (_wait_rows(store, 8),
                                                  procs[1].send_signal(signal.SIGKILL)))
        killer.start()
        got = _sweep(capsys, store, "--scheduler", address, "--option", "sleep=0.1")
        killer.join()
        assert procs[1].wait(timeout=120) == -signal.SIGKILL  # the worker did die mid-sweep
    finally:
        for p in procs:
            p.kill()
            p.wait(timeout=120)
    assert got["thresholds"] == reference["thresholds"]
    assert _results(store) == _results(tmp_path / "sync")
    assert got["runs"] == reference["runs"] == len(_results(store))


def test_sigkilled_client_resumes_every_run_exactly_once(tmp_path, capsys):
    store = tmp_path / "killed"
    cmd = [sys.executable, "-m", "prooftools", *ARGS, "--store", str(store), "--scheduler",
           "synchronous", "--option", "sleep=0.05"]
    proc = subprocess.Popen(cmd, env=_env(), cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        _wait_rows(store, 10)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    stored = [p for p in (store / "runs").glob("*.json") if not p.name.startswith(".tmp-")]
    for p in stored:  # a half-written row never appears under its final name
        json.loads(p.read_text())
    before = len(stored)  # a killed write may leave a .tmp-* file: ignored, removed on resume
    resumed = _sweep(capsys, store, "--scheduler", "synchronous", "--option", "sleep=0.05")
    assert 0 < resumed["computed"] == resumed["runs"] - before
    reference = _sweep(capsys, tmp_path / "whole", "--scheduler", "synchronous")
    assert resumed["thresholds"] == reference["thresholds"]
    assert _results(store) == _results(tmp_path / "whole")
    assert not list((store / "runs").glob(".tmp-*"))


def _slow_square(x):
    time.sleep(0.3)
    return x * x


@pytest.mark.parametrize("resubmits", [3, 0])
def test_a_run_the_cluster_forgot_is_submitted_again(monkeypatch, resubmits):
    """The cause of a flaky killed-worker sweep: the scheduler may forget a run's key when its
    worker dies (``FutureCancelledError: … already forgotten``). A forgotten run is submitted
    again under a new key; control: with no resubmission the error reaches the caller."""
    from distributed import Client, Future
    from distributed.client import FutureCancelledError

    execute = importlib.import_module("prooftools.sweep.dask_executor")
    monkeypatch.setattr(execute, "RESUBMITS", resubmits)
    with Client(processes=False, n_workers=1, threads_per_worker=1,
                dashboard_address=None) as client:
        ex = execute.DaskExecutor(client, None)
        ex.submit("tag", "k1", _slow_square, 7)
        Future("sweep-run-k1", client).cancel()  # as the scheduler forgetting the key would
        if resubmits:
            assert list(ex.results()) == [("tag", 49)]
        else:
            with pytest.raises(FutureCancelledError):
                list(ex.results())


def _first_squared(data):
    time.sleep(0.3)
    return data[0] ** 2


@pytest.mark.parametrize("remake", [True, False])
def test_scattered_data_the_cluster_lost_is_sent_again(monkeypatch, remake):
    """A worker that joined after the scatter holds no copy, so killing the one that did loses
    the data for good (``lost dependencies``): the resubmitted run gets it sent again from the
    client. Control: without sending it again the run cannot be resubmitted."""
    from distributed import Client, Future
    from distributed.client import FutureCancelledError

    with Client(processes=False, n_workers=1, threads_per_worker=1,
                dashboard_address=None) as client:
        ex = importlib.import_module("prooftools.sweep.dask_executor").DaskExecutor(client, None)
        handle = ex.put((5, 6))
        if not remake:
            ex._remake.clear()
        ex.submit("tag", "k2", _first_squared, handle)
        for f in (*handle, Future("sweep-run-k2", client)):  # the data and the run forgotten
            Future(f.key, client).cancel()
        if remake:
            assert list(ex.results()) == [("tag", 25)]
        else:
            with pytest.raises(FutureCancelledError):
                list(ex.results())
