"""`prooftools derive` of every seed main theorem that declares a derivation: total time, and the
ratio to sympy's plain ``solve`` on the same chains.

    .venv/bin/python benchmarks/bench_derive.py [--repeat 3]

For each theorem of the five seed papers (du2019, zou2018, allenzhu2019, zhouliang2017,
chatterjee2022) with ``[[statements.derivations]]``, times ``derive`` (steps, orders, verdicts,
implied constants; a fresh run each time, nothing cached). The baseline takes each derivation's
solve steps — the requirement as ``derive`` had built it just before solving — and hands the
equation ``lhs = rhs`` to ``sympy.solve`` with no help (for a log-implicit one sympy answers with
its principal W₀ branch, the wrong root, or gives up). The issue's target: all of them in under
10 s in total on 2 cores. The machine's load is printed, since a shared machine makes the figures
noisy.
"""

from __future__ import annotations

import argparse
import os
import time

import sympy

SEED_PAPERS = ("du2019", "zou2018", "allenzhu2019", "zhouliang2017", "chatterjee2022")


def _plain_solve(derivation) -> float:
    """Seconds sympy.solve takes on the relations the derivation's solve steps solved."""
    from prooftools.theory.derivation.algebra import normalize
    from prooftools.theory.derivation.steps import as_relation

    total = 0.0
    for result in derivation.results:
        previous = {}
        for step in result.steps:
            if step.verb == "solve":
                rel = normalize(as_relation(previous[step.what.split()[1]]))
                start = time.perf_counter()
                try:
                    sympy.solve(sympy.Eq(rel.lhs, rel.rhs), step.value.symbol)
                except NotImplementedError:
                    pass
                total += time.perf_counter() - start
            previous[step.name] = step.value
    return total


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs of the whole set; best is kept")
    args = ap.parse_args(argv)
    from prooftools.theory import load_registry
    from prooftools.theory.derivation import derive

    reg = load_registry()
    ids = [st.id for st in reg if st.paper in SEED_PAPERS and st.kind == "theorem"
           and st.derivations]
    print(f"load: {os.getloadavg()[0]:.2f}; {len(ids)} theorems with derivations")
    best: dict[str, float] = {}
    plain: dict[str, float] = {}
    for _ in range(args.repeat):
        for sid in ids:
            start = time.perf_counter()
            d = derive(reg, sid)
            took = time.perf_counter() - start
            best[sid] = min(best.get(sid, took), took)
            plain[sid] = min(plain.get(sid, float("inf")), _plain_solve(d))
    for sid in ids:
        print(f"{sid:32s} derive {best[sid]:7.3f} s   plain solve {plain[sid]:7.3f} s   "
              f"ratio {best[sid] / max(plain[sid], 1e-9):6.1f}")
    total, base = sum(best.values()), sum(plain.values())
    print(f"{'total':32s} derive {total:7.3f} s   plain solve {base:7.3f} s   "
          f"ratio {total / max(base, 1e-9):6.1f}   (target: derive < 10 s)")


if __name__ == "__main__":
    main()
