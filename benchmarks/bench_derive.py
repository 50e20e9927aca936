"""`prooftools derive` of every seed main theorem that declares a derivation: total time, and the
ratio to sympy's plain ``solve`` on the same chains.

    .venv/bin/python benchmarks/bench_derive.py [--repeat 1] [--limit 20]

For each main theorem or corollary of the five seed papers (du2019, zou2018, allenzhu2019,
zhouliang2017, chatterjee) with ``[[statements.derivations]]``, times ``derive`` (steps, orders,
verdicts, implied constants) on a freshly loaded registry, in one process as a user deriving
them one after another would (an umbrella statement reuses its branches' results); those
without a derivation are counted. The baseline takes each derivation's solve steps — the
requirement as ``derive`` had built it just before solving — and hands the equation
``lhs = rhs`` to ``sympy.solve`` with no help (for a log-implicit one sympy answers with its
principal W₀ branch, the wrong root, or stalls). Each baseline solve runs in a forked process
stopped after ``--limit`` seconds; one that is stopped is reported as "did not finish in X s"
and its theorem's ratio as a lower bound. The issue's target: all of them in under 10 s in
total on 2 cores. The machine's load is printed, since a shared machine makes the figures
noisy.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time

import sympy

SEED_PAPERS = ("du2019", "zou2018", "allenzhu2019", "zhouliang2017", "chatterjee")
MAIN_KINDS = ("theorem", "corollary")


def _solve_in_child(equation, symbol, conn) -> None:
    start = time.perf_counter()
    try:
        sympy.solve(equation, symbol)
    except NotImplementedError:
        pass
    conn.send(time.perf_counter() - start)


def _timed_solve(equation, symbol, limit: float) -> float | None:
    """Seconds ``sympy.solve(equation, symbol)`` takes in a forked process; None past ``limit``."""
    ctx = multiprocessing.get_context("fork")
    here, there = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_solve_in_child, args=(equation, symbol, there))
    proc.start()
    proc.join(limit)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return None
    return here.recv() if here.poll() else None


def _plain_solve(derivation, limit: float) -> tuple[float, int]:
    """(seconds sympy.solve took on the derivation's solve steps, how many were stopped)."""
    from prooftools.theory.derivation.algebra import normalize
    from prooftools.theory.derivation.steps import as_relation

    total, stopped = 0.0, 0
    for result in derivation.results:
        previous = {}
        for step in result.steps:
            if step.verb == "solve":
                rel = normalize(as_relation(previous[step.what.split()[1]]))
                took = _timed_solve(sympy.Eq(rel.lhs, rel.rhs), step.value.symbol, limit)
                total += limit if took is None else took
                stopped += took is None
            previous[step.name] = step.value
    return total, stopped


def _plain_text(seconds: float, stopped: int, limit: float) -> str:
    if not stopped:
        return f"{seconds:7.3f} s"
    return f"{seconds:7.3f} s ({stopped} did not finish in {limit:g} s)"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1, help="runs of derive; best is kept")
    ap.add_argument("--limit", type=float, default=20.0,
                    help="seconds one baseline sympy.solve may take (default 20)")
    args = ap.parse_args(argv)
    from prooftools.theory import load_registry
    from prooftools.theory.derivation import derive

    reg = load_registry()
    main_ids = [st.id for st in reg if st.paper in SEED_PAPERS and st.kind in MAIN_KINDS]
    ids = [sid for sid in main_ids if reg.get(sid).derivations]
    print(f"load: {os.getloadavg()[0]:.2f}; {len(main_ids)} seed main statements, {len(ids)} "
          f"with derivations (the others have nothing to derive)", flush=True)
    best: dict[str, float] = {}
    last = {}
    for _ in range(args.repeat):
        reg = load_registry()  # fresh: nothing derived yet (an umbrella reuses its branches')
        for sid in ids:
            start = time.perf_counter()
            last[sid] = derive(reg, sid)
            took = time.perf_counter() - start
            best[sid] = min(best.get(sid, took), took)
    total = sum(best.values())
    print(f"{'derive, all':32s} {total:7.3f} s   (target: < 10 s)", flush=True)
    base, stopped_all = 0.0, 0
    for sid in ids:
        plain, stopped = _plain_solve(last[sid], args.limit)
        base, stopped_all = base + plain, stopped_all + stopped
        ratio = "" if plain == 0 else f"{'≥ ' if stopped else ''}{plain / best[sid]:.1f}"
        print(f"{sid:32s} derive {best[sid]:7.3f} s   plain solve "
              f"{_plain_text(plain, stopped, args.limit)}   plain/derive {ratio}", flush=True)
    print(f"{'total':32s} derive {total:7.3f} s   plain solve "
          f"{_plain_text(base, stopped_all, args.limit)}   plain/derive "
          f"{'≥ ' if stopped_all else ''}{base / max(total, 1e-9):.1f}")


if __name__ == "__main__":
    main()
