"""``make demo``: the main job on a built-in real dataset (scikit-learn's digits).

1. measure the data quantities the theorems talk about (λ0, separations) on digits;
2. evaluate every registered theorem's width requirement there and for n = 10^4, L = 5, and
   write the LaTeX table;
3. check every anchor theorem's data hypotheses on digits;
4. verify Du et al. Theorem 4.1 by training its network on a subset of digits;
5. verify one statement of each other anchor paper (Zou et al., Allen-Zhu et al., Zhou–Liang,
   Chatterjee) on built-in data, with the theorems' own step sizes and normalizations.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from prooftools.atomic import write_text

OUT = Path("out")


def _section(title: str) -> None:
    print("\n" + "=" * len(title) + f"\n{title}\n" + "=" * len(title), flush=True)


def main(argv: list[str] | None = None) -> int:
    from prooftools.api import compare_report, load_registry, width_table
    from prooftools.checking.data_hypotheses import check_dataset
    from prooftools.numerics.data.datasets import load_dataset
    from prooftools.numerics.data.normalize import unit_norm
    from prooftools.numerics.data.quantities import measure

    OUT.mkdir(exist_ok=True)
    start = time.perf_counter()
    registry = load_registry()
    print(f"registry: {len(registry)} statements from {len(registry.papers)} papers "
          f"({', '.join(sorted(registry.papers))})")

    _section("1. Data quantities of scikit-learn's digits (unit-normalized, as Du et al. require)")
    digits = load_dataset("digits")
    normed, changes = unit_norm(digits)
    q = measure(normed)
    for name in ("n", "d", "lambda0", "sep", "nonpar", "sigma_min_X", "rank_X"):
        if name in q:
            qq = q[name]
            proven = qq.lower is not None and name in ("lambda0", "sep", "nonpar")
            lb = f"   proven ≥ {qq.lower:.6g}" if proven else ""
            why = f"   ({qq.witness})" if name == "sigma_min_X" and qq.witness else ""
            print(f"  {name:12s} {qq.value:.6g}{lb}{why}")
    print("  changes: " + "; ".join(changes))

    _section("2. Width each theorem requires (hidden O/Ω constants = 1; † derived, ? recollection)")
    # proven lower bounds: a requirement evaluated there is one the data certainly needs
    values = {"n": str(int(q["n"].value)), "lambda0": f"{q['lambda0'].lower:.6g}",
              "sep": f"{q['sep'].lower:.6g}", "phi": f"{q['sep'].lower:.6g}",
              "d": str(int(q["d"].value)), "delta": "0.1", "L": "5", "eps": "0.01"}
    print(compare_report(registry, {k: v for k, v in values.items() if k != "n"},
                         [values["n"], "1e4"], only_evaluated=True).render("text"))
    print("(φ, the opposite-label separation, is taken as the all-pairs separation, a lower "
          "bound of it)")
    table = width_table(registry, {"n": "1e4", "L": "5", "delta": "0.1", "lambda0": "1e-3",
                                   "sep": "0.05", "phi": "0.05"})
    write_text(OUT / "widths.tex", table.render("latex") + "\n")
    print(f"\nwrote {OUT / 'widths.tex'} (n = 10^4, L = 5, δ = 0.1, λ0 = 10^-3, sep = φ = 0.05)")

    _section("3. Data hypotheses of the anchor theorems on digits")
    from prooftools.reporting.data_reports import hypothesis_table

    report = check_dataset(digits, registry, None, depth=3)
    print(hypothesis_table(report).render("text"))

    _section("4. Verify Du et al. Theorem 4.1 on digits 0-vs-1 (first 60 samples)")
    from prooftools.checking.verify import verify
    from prooftools.reporting.verify_reports import plot_report, render_report

    small = load_dataset("digits:0-vs-1")
    X, y = small.X[:60], small.y[:60]
    result = verify(registry, "du2019.thm4.1", X, y, width=4096, steps=300, seed=0,
                    dataset_name="digits:0-vs-1 (first 60)")
    print(render_report(result, "text"))
    written = list(plot_report(result, OUT))

    _section("5. One statement of each other anchor paper, on built-in data")
    others = [
        ("zou2018.thm4.1", "breast_cancer", dict(depth=3, width=256, steps=50,
                                                 loss="cross-entropy")),
        ("allenzhu2019.thm1", "sphere:n=50,d=20", dict(depth=3, width=512, steps=50)),
        ("zhouliang2017.linear", "synthetic-square:d=8", dict(depth=3, near_minimizer=0.1)),
        ("chatterjee.gd", "wine:standardized", dict(depth=3, width=64, activation="tanh",
                                                    init="positive")),
    ]
    for sid, spec, opts in others:
        data = load_dataset(spec)
        res = verify(registry, sid, data.X, data.y, seed=0, dataset_name=spec, **opts)
        print(render_report(res, "text") + "\n")
        written += plot_report(res, OUT)
    print("plots: " + ", ".join(str(p) for p in written))
    print(f"\ndone in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
