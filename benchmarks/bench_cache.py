"""Benchmark the on-disk cache of data quantities: `check` with a cold cache, a warm cache and
--no-cache on the same data (ratios measured in the same run).

    .venv/bin/python benchmarks/bench_cache.py [--quick]

The peer is the same `check_dataset` call without the cache; the warm run pays only the data
hash (sha256 of X and y), the normalizations and the cheap quantities (norms, n, d).
Each timing is the best of ``repeat`` runs (the machine may be shared); every run gets a fresh
cache folder except the warm ones, which read the folder the cold run filled.
"""

from __future__ import annotations

import argparse
import tempfile
import time

from prooftools.checking.data_hypotheses import check_dataset
from prooftools.numerics.data.datasets import load_dataset
from prooftools.theory import load_registry

IDS = ["du2019.asm3.1", "allenzhu2019.asm2.1", "du2019.thm3.1"]  # λ0, sep, nonpar


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes (smoke test)")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    n, d = (500, 50) if args.quick else (3000, 100)
    ds, reg = load_dataset(f"sphere:n={n},d={d}"), load_registry()

    def timed(cache) -> float:
        t = time.perf_counter()
        check_dataset(ds, reg, IDS, progress=False, cache=cache)
        return time.perf_counter() - t

    nones, cold, warm = [], [], []
    for _ in range(args.repeat):  # interleaved, so a busy moment of the machine hits all three
        nones.append(timed(False))
        with tempfile.TemporaryDirectory() as folder:
            cold.append(timed(folder))
            warm.append(timed(folder))
    none = min(nones)
    print(f"check on sphere:n={n},d={d} ({', '.join(IDS)}), best of {args.repeat}:")
    print(f"  --no-cache   {none:8.3f} s   (peer)")
    print(f"  cold cache   {min(cold):8.3f} s   ×{min(cold) / none:.2f} of the peer (writes)")
    print(f"  warm cache   {min(warm):8.3f} s   ×{min(warm) / none:.3f} of the peer "
          f"({none / min(warm):.0f}× faster)")


if __name__ == "__main__":
    main()
