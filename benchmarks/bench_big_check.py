"""`prooftools check` at the size of a real dataset: wall time and peak resident memory.

    .venv/bin/python benchmarks/bench_big_check.py [--n 20000] [--d 784] [--fast] [--phases]

Runs ``python -m prooftools check mnist-like:n=N,d=D --theorem du2019.thm4.1 --no-cache`` under
``/usr/bin/time -v`` (a separate process, so the peak is the check's own) and prints the wall
time, the peak RSS against one n×n float64 matrix (the issue's goal: ≤ 60 s and ≤ 2 n² doubles
at n = 20000, d = 784) and the certified λ0. WARNING: n = 20000 needs about 4 GB and both
cores for about two minutes (n = 40000: 14 GB, the kernel's 12.8 GB plus O(n·d), about eight
times as long); do not run it on a shared machine casually. ``--phases`` runs the check
under cProfile and prints the time of each phase (data, kernel, scan, Krylov, float32 and float64
factorisations, shift-inverted Lanczos, restore, yᵀH⁻¹y); the machine's load (``uptime``) is
printed with the figures, since a shared machine makes them noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import re
import subprocess
import sys
import tempfile

#: the phases of a check: (label, function name, file suffix) for the cProfile report
PHASES = (
    ("registry (theorem files)", "load_registry", "theory/registry.py"),
    ("dataset", "load_dataset", "data/datasets.py"),
    ("data quantities in all", "measure", "data/quantities.py"),
    ("kernel H^∞", "relu_gram_h_inf", "kernels/infinite.py"),
    ("entry scan", "scan_entries", "spectra/krylov.py"),
    ("Krylov estimate", "krylov_estimate", "spectra/krylov.py"),
    ("float32 factorisation", "factor32", "spectra/krylov.py"),
    ("Lanczos on the float32 inverse", "lanczos_inverse32", "spectra/lanczos32.py"),
    ("  of which float32 solves", "solve32", "spectra/krylov.py"),
    ("shift-inverted block Lanczos (fallback)", "inverse_estimate", "spectra/krylov.py"),
    ("float64 factorisation(s)", "factor", "spectra/krylov.py"),
    ("  of which the a-posteriori check", "_consistent", "spectra/krylov.py"),
    ("restore", "restore", "spectra/krylov.py"),
    ("yᵀH⁻¹y (CG)", "solve_quadratic", "spectra/quadratic.py"),
    ("certificate in all", "_certify", "spectra/certified.py"),
)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--d", type=int, default=784)
    ap.add_argument("--fast", action="store_true", help="positivity certificate only")
    ap.add_argument("--phases", action="store_true", help="time each phase (cProfile)")
    args = ap.parse_args(argv)
    n = args.n
    print(f"WARNING: n = {n} forms a {8 * n * n / 1e9:.1f} GB matrix and uses both cores",
          flush=True)
    prof = tempfile.NamedTemporaryFile(suffix=".prof", delete=False).name if args.phases else ""
    py = [sys.executable] + (["-m", "cProfile", "-o", prof] if prof else [])
    load = os.getloadavg()
    cmd = ["/usr/bin/time", "-v", *py, "-m", "prooftools", "check",
           f"mnist-like:n={n},d={args.d}", "--theorem", "du2019.thm4.1", "--format", "json",
           "--no-cache"]  # a cached λ0 would time nothing
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
          f"{lam.get('value')}, certified lower bound {lam.get('lower_bound')}; load average "
          f"before {load[0]:.2f}, after {os.getloadavg()[0]:.2f} (2 cores)")
    if prof:
        _phases(prof)
        os.unlink(prof)


def _phases(path: str) -> None:
    """Cumulative time of each phase's function (all calls) from the cProfile file."""
    stats = pstats.Stats(path).stats  # {(file, line, name): (cc, nc, tt, ct, callers)}
    for label, name, suffix in PHASES:
        hits = [(v[1], v[3]) for (f, _, fn), v in stats.items()
                if fn == name and f.replace(os.sep, "/").endswith(suffix)]
        if hits:
            calls, secs = sum(h[0] for h in hits), sum(h[1] for h in hits)
            print(f"  {label:<34} {secs:7.1f} s  ({calls} call{'s' if calls != 1 else ''})")


if __name__ == "__main__":
    main()
