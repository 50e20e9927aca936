"""Issue 20, item 6: user errors and Ctrl-C inside a sweep's Dask tasks.

What can be checked on the client is checked there, for every grid point, before anything is
submitted (labels: Zou et al.'s theorem needs two classes, and the wine data have three; the
depth of a deep theorem). A user error a run still meets is one line, once: no "Compute Failed"
worker tracebacks, no retries. A terminal's Ctrl-C (SIGINT to the whole process group) is the
one interrupt line, with no worker tracebacks. Runs finished before either are kept.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from prooftools.cli import main

execute_mod = importlib.import_module("prooftools.sweep.execute")  # the package's execute()

ROOT = Path(__file__).resolve().parent.parent.parent
ZOU = ["sweep", "zou2018.thm4.1", "--n", "30", "--seeds", "1", "--m-range", "8", "64",
       "--steps", "3", "--no-progress"]


@pytest.fixture
def nothing_submitted(monkeypatch):
    """Fail the test if an executor (a cluster, or the in-process one) is ever started."""
    def refuse(*a, **k):
        raise AssertionError("an executor was started: the error was not caught on the client")

    monkeypatch.setattr(execute_mod, "_executor", refuse)


@pytest.mark.parametrize("extra, message", [
    (["--dataset", "wine", "--depth", "2"], "need exactly 2 label classes, found 3"),
    (["--dataset", "wine:0-vs-1"], "give the depth with --depth L"),
])
def test_engine_requirements_are_checked_on_the_client(tmp_path, capsys, nothing_submitted,
                                                       extra, message):
    rc = main([*ZOU, *extra, "--store", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert rc == 2 and len(err.splitlines()) == 1 and message in err, err
    assert "wine:a-vs-b" in err or "depth" in message
    assert not (tmp_path / "s").exists()  # not even a store was made


def test_every_grid_point_is_checked_before_any_run(tmp_path, capsys, nothing_submitted):
    """The second n's subsample is checked too, though the first one passes."""
    rc = main(["sweep", "zou2018.thm4.1", "--dataset", "wine:0-vs-1", "--depth", "2",
               "--n", "20", "200", "--seeds", "1", "--m-range", "8", "64", "--steps", "3",
               "--no-progress", "--store", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert rc == 2 and "cannot take n = 200" in err and len(err.splitlines()) == 1, err


FAILING_RUNNER = textwrap.dedent("""
    from prooftools.errors import UserInputError
    from prooftools.sweep.synthetic import planted

    def fail_wide(data, statement, targets, theorems, config):
        if config.width >= 64:
            raise UserInputError(f"width {config.width}: the data cannot be fitted this wide")
        return planted(data, statement, targets, theorems, config)
    """)
PLANTED = ["sweep", "planted", "--target", "planted.holds", "--dataset", "sphere:d=3",
           "--n", "8", "--seeds", "1", "--m-range", "2", "4096", "--resolution", "0",
           "--option", "c=1", "--option", "a=2", "--workers", "1", "--no-progress"]


def _env(tmp_path: Path) -> dict:
    return {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{tmp_path}", "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1"}


def test_a_user_error_inside_a_task_is_one_line_without_worker_noise(tmp_path):
    (tmp_path / "h20_failing_runner.py").write_text(FAILING_RUNNER)
    store = tmp_path / "s"
    done = subprocess.run([sys.executable, "-m", "prooftools", *PLANTED, "--runner",
                           "h20_failing_runner:fail_wide", "--store", str(store)],
                          env=_env(tmp_path), cwd=tmp_path, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("prooftools: error: width "), done.stderr
    assert lines[0].endswith(": the data cannot be fitted this wide"), done.stderr
    rows = [json.loads(p.read_text()) for p in (store / "runs").glob("*.json")]
    assert rows and all(r["width"] < 64 for r in rows)  # the finished runs are kept


def test_the_task_error_is_returned_not_raised_on_the_worker():
    """The mechanism: run_task returns the error (Dask neither logs nor retries a return)."""
    from prooftools.engines.config import RunConfig
    from prooftools.sweep.runner import TASK_ERROR, run_task

    out = run_task("prooftools.sweep.runner:run_verify", ([[1.0, 0.0]], [1.0], "x"),
                   "zou2018.thm4.1", ("zou2018.thm4.1.loss_decreases",), (),
                   RunConfig(width=8).to_json())
    assert set(out) == {TASK_ERROR} and "depth" in out[TASK_ERROR]


def _wait_for_rows(store: Path, proc: subprocess.Popen) -> None:
    runs = store / "runs"
    while proc.poll() is None and not (runs.is_dir() and any(runs.glob("*.json"))):
        time.sleep(0.05)


def test_terminal_ctrl_c_prints_no_worker_tracebacks(tmp_path):
    """SIGINT to the whole process group (what a terminal's Ctrl-C does) once runs are stored."""
    store = tmp_path / "s"
    argv = [sys.executable, "-m", "prooftools", *PLANTED, "--workers", "2", "--runner",
            "prooftools.sweep.synthetic:planted", "--option", "sleep=0.2", "--seeds", "4",
            "--store", str(store)]
    proc = subprocess.Popen(argv, env=_env(tmp_path), cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    _wait_for_rows(store, proc)
    assert proc.poll() is None, proc.communicate()[1]
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert len(err.splitlines()) == 1 and err.startswith("prooftools: interrupted"), err
    for p in (store / "runs").glob("*.json"):
        json.loads(p.read_text())  # every stored row whole
