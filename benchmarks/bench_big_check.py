"""`prooftools check` at the size of a real dataset: wall time and peak resident memory.

    .venv/bin/python benchmarks/bench_big_check.py [--n 20000] [--d 784] [--fast]

Runs ``python -m prooftools check mnist-like:n=N,d=D --theorem du2019.thm4.1`` under
``/usr/bin/time -v`` (a separate process, so the peak is the check's own) and prints the wall
time, the peak RSS against one n×n float64 matrix (the issue's goal: ≤ 60 s and ≤ 2 n² doubles
at n = 20000, d = 784) and the certified λ0. WARNING: n = 20000 needs about 3.5 GB and both
cores for about a minute; do not run it on a shared machine casually.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--d", type=int, default=784)
    ap.add_argument("--fast", action="store_true", help="positivity certificate only")
    args = ap.parse_args(argv)
    n = args.n
    print(f"WARNING: n = {n} forms a {8 * n * n / 1e9:.1f} GB matrix and uses both cores",
          flush=True)
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "prooftools", "check",
           f"mnist-like:n={n},d={args.d}", "--theorem", "du2019.thm4.1", "--format", "json"]
    if args.fast:
        cmd.append("--fast")
    run = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        print(run.stderr[-2000:])
        raise SystemExit(run.returncode)
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr)[1])
    wall = re.search(r"Elapsed \(wall clock\) time.*: (.+)", run.stderr)[1].strip()
    parts = [float(x) for x in wall.split(":")]
    secs = sum(x * 60 ** k for k, x in enumerate(reversed(parts)))
    report = json.loads(run.stdout)
    lam = report["quantities"].get("lambda0", {})
    matrix = 8 * n * n
    print(f"check n={n} d={args.d}{' --fast' if args.fast else ''}: wall {secs:.1f}s, peak RSS "
          f"{rss_kb / 1e6:.2f} GB = {rss_kb * 1024 / matrix:.2f} n×n matrices; λ0 = "
          f"{lam.get('value')}, certified lower bound {lam.get('lower_bound')}")


if __name__ == "__main__":
    main()
