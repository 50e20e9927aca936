"""Run hostile CLI cases, each in its own forked process with a memory and a time limit.

Usage: ``python tests/hostile/runner.py CASES.json`` → results as JSON on stdout.

Starting Python and importing sympy/numpy costs seconds per process, so this runner imports
prooftools once (with one BLAS/numba thread, so that forking is safe), warms up the commands,
then forks one child per case: the child sets ``RLIMIT_AS`` (memory), an alarm (time),
optionally ``RLIMIT_FSIZE`` (a disk that fills up: writes fail with EFBIG), redirects its
stdout/stderr to files and runs ``prooftools.cli.main(argv)`` exactly as ``python -m prooftools``
would, printing a traceback for an uncaught exception. The parent kills a child that outlives
its time limit and reports exit status, stdout, stderr and the wall time. Two cases run at a time.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import tempfile
import time
import traceback

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
PARALLEL = int(os.environ.get("HOSTILE_PARALLEL", "2"))


def _child(case: dict, out_path: str, err_path: str) -> None:
    os.setsid()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False)
    os.chdir(case.get("cwd") or os.getcwd())
    mem = int(case.get("memory_mb", 4096)) * 2**20
    used = 0
    try:
        with open("/proc/self/statm") as fh:
            used = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        pass
    resource.setrlimit(resource.RLIMIT_AS, (used + mem, used + mem))
    if case.get("fsize_bytes") is not None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a full disk: write() fails with EFBIG
        lim = int(case["fsize_bytes"])
        resource.setrlimit(resource.RLIMIT_FSIZE, (lim, lim))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from prooftools.cli import main

    try:
        code = main(list(case["argv"]))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # what the real interpreter does with an uncaught exception
        traceback.print_exc()
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(int(code or 0))


def _warm_up() -> None:
    """Import and compile what the cases use, once, before forking."""
    from prooftools.cli import build_parser
    from prooftools.numerics.data.datasets import load_dataset
    from prooftools.numerics.data.quantities import measure
    from prooftools.theory import load_registry
    from prooftools.theory.derivation import hidden_exponent

    build_parser()
    registry = load_registry()
    for name, sym in registry.symbols.items():  # the derivations behind table/compare's Õ powers
        if sym.role == "constant":
            hidden_exponent(registry, name)
    measure(load_dataset("sphere:n=6,d=3"), depth=2)


def run_cases(cases: list[dict]) -> list[dict]:
    _warm_up()
    tmp = tempfile.mkdtemp(prefix="hostile-")
    results: list[dict | None] = [None] * len(cases)
    running: dict[int, tuple[int, float, str, str]] = {}
    queue = list(range(len(cases)))
    while queue or running:
        while queue and len(running) < PARALLEL:
            i = queue.pop(0)
            out_path, err_path = os.path.join(tmp, f"{i}.out"), os.path.join(tmp, f"{i}.err")
            pid = os.fork()
            if pid == 0:
                try:
                    _child(cases[i], out_path, err_path)
                finally:
                    os._exit(99)
            running[pid] = (i, time.monotonic(), out_path, err_path)
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            now = time.monotonic()
            for cpid, (i, start, _, _) in list(running.items()):
                if now - start > float(cases[i].get("seconds", 60)):
                    try:
                        os.killpg(cpid, signal.SIGKILL)
                    except OSError:
                        pass
            time.sleep(0.01)
            continue
        i, start, out_path, err_path = running.pop(pid)
        elapsed = time.monotonic() - start
        code = os.waitstatus_to_exitcode(status)
        with open(out_path, encoding="utf-8", errors="replace") as fh:
            out = fh.read()
        with open(err_path, encoding="utf-8", errors="replace") as fh:
            err = fh.read()
        results[i] = {"name": cases[i]["name"], "rc": code, "stdout": out, "stderr": err,
                      "seconds": round(elapsed, 3),
                      "timed_out": elapsed > float(cases[i].get("seconds", 60))}
    return results  # type: ignore[return-value]


if __name__ == "__main__":
    for _var in THREAD_VARS:  # before numpy is imported: one thread, so forking is safe
        os.environ.setdefault(_var, "1")
    with open(sys.argv[1], encoding="utf-8") as fh:
        todo = json.load(fh)
    json.dump(run_cases(todo), sys.stdout)
