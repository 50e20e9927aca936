"""``make demo``: the main job on a built-in real dataset (scikit-learn's digits).

1. measure the data quantities the theorems talk about (λ0, separations) on digits;
2. evaluate every registered theorem's width requirement there and for n = 10^4, L = 5, and
   write the LaTeX table;
3. check every anchor theorem's data hypotheses on digits;
4. verify Du et al. Theorem 4.1 by training its network on a subset of digits;
5. verify one statement of each other anchor paper (Zou et al., Allen-Zhu et al., Zhou–Liang,
   Chatterjee) on built-in data, with the theorems' own step sizes and normalizations;
6. a short threshold sweep: the smallest width at which Du et al.'s Lemma 3.1 held, against n.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from prooftools.atomic import write_text

OUT = Path("out")


def _write(table, stem: str) -> Path:
    """Write a table's full text to ``out/STEM.txt`` (the terminal gets a summary)."""

    path = OUT / f"{stem}.txt"
    write_text(str(path), table.render("text") + "\n")
    return path


def _summary(result) -> None:
    """Verdict counts, the first failing link, and where the full report is."""
    from prooftools.reporting.verify_reports import render_report

    path = OUT / (result.statement.replace(".", "_") + "_verify.txt")

    write_text(str(path), render_report(result, "text") + "\n")
    counts: dict[str, int] = {}
    for it in result.items:
        counts[str(it.judgement.verdict)] = counts.get(str(it.judgement.verdict), 0) + 1
    print(f"  {result.statement}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
          + f"; first failing link: {result.first_failing_link or 'none'}; full report: {path}")


def _section(title: str) -> None:
    print("\n" + "=" * len(title) + f"\n{title}\n" + "=" * len(title), flush=True)


#: the point at which the demo's LaTeX table is evaluated
WIDTHS_AT = {"n": "1e4", "L": "5", "delta": "0.1", "lambda0": "1e-3", "sep": "0.05",
             "phi": "0.05"}


def widths_table(registry):
    """The demo's ``out/widths.tex`` table: every theorem's requirements at :data:`WIDTHS_AT`."""
    from prooftools.api import width_table

    return width_table(registry, WIDTHS_AT)


def main(argv: list[str] | None = None) -> int:
    from prooftools.api import compare_report, load_registry
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
    compared = compare_report(registry, {k: v for k, v in values.items() if k != "n"},
                              [values["n"], "1e4"], only_evaluated=True)
    _write(compared, "widths_digits")
    ranked = sorted((r for r in compared.rows if isinstance(r[2], float)), key=lambda r: r[2])
    print(f"  {len(ranked)} width requirements evaluated at n = {values['n']}; the five least "
          "(log10 m):")
    for r in ranked[:5]:
        print(f"    {r[2]:>7.4g}  {r[0]}")
    print("  (φ, the opposite-label separation, is taken as the all-pairs separation, a lower "
          "bound of it)")
    table = widths_table(registry)
    write_text(OUT / "widths.tex", table.render("latex") + "\n")
    print(f"  wrote {OUT / 'widths.tex'} (every theorem at n = 10^4, L = 5, δ = 0.1, "
          "λ0 = 10^-3, sep = φ = 0.05; compile it with prooftools' LaTeX packages)")

    _section("3. Data hypotheses of the anchor theorems on digits")
    from prooftools.checking.verdict import Verdict
    from prooftools.reporting.data_reports import hypothesis_table

    report = check_dataset(digits, registry, None, depth=3)
    path = _write(hypothesis_table(report), "hypotheses_digits")
    counts = report.verdict_counts()
    print("  verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for h in report.hypotheses:
        if h["verdict"] == str(Verdict.FAILS):
            print(f"  fails: {h['statement']} {h['hypothesis']}")
    print(f"  full table: {path}")

    _section("4. Verify Du et al. Theorem 4.1 on digits 0-vs-1 (first 60 samples)")
    from prooftools.api import verify
    from prooftools.reporting.verify_reports import plot_report

    small = load_dataset("digits:0-vs-1")
    X, y = small.X[:60], small.y[:60]
    result = verify(registry, "du2019.thm4.1", X, y, width=4096, steps=300, seed=0,
                    dataset_name="digits:0-vs-1 (first 60)")
    _summary(result)
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
        _summary(res)
        written += plot_report(res, OUT)
    print("plots: " + ", ".join(str(p) for p in written))
    _sweep_section()
    _html_report(registry, result, report)
    print(f"\ndone in {time.perf_counter() - start:.0f} s")
    return 0


def _sweep_section() -> None:
    """6. A short threshold sweep: the width Du et al.'s Lemma 3.1 really needs (< 30 s)."""
    from prooftools.reporting.sweep_plots import plot_thresholds
    from prooftools.reporting.sweep_reports import render_sweep
    from prooftools.sweep import sweep

    _section("6. Sweep: smallest width m* at which Du et al. Lemma 3.1 held, n = 16, 32, 64")
    rep = sweep("du2019.lemma3.1", targets=("du2019.lemma3.1.init_deviation",),
                dataset="sphere:d=50", n=(16, 32, 64), seeds=(0, 1), m_range=(8, 8192),
                resolution=0.25, scheduler="synchronous", store=None,
                progress=False, resamples=300)
    print(render_sweep(rep, "text"))
    print("figure: " + ", ".join(p for p in plot_thresholds(rep, OUT) if p.endswith(".png")))


def _html_report(registry, result, checked) -> None:
    """7. One offline HTML page: Du et al.'s paper, the verify run of its Theorem 4.1 (proof
    graph by verdict, a panel and figure per item) and the data hypotheses on digits."""
    from prooftools.reporting.data_reports import hypothesis_table, quantity_table
    from prooftools.reporting.html.combined import ReportSources, combined_document
    from prooftools.reporting.html.figures import panel_figures
    from prooftools.reporting.verify_reports import verdict_table

    _section("7. HTML report (one self-contained file; open it in any browser, offline)")
    tables = [hypothesis_table(checked)] + [quantity_table(checked, q) for q in checked.quantities]
    src = ReportSources(paper="du2019", verifies=[(result.to_dict(), panel_figures(result),
                                                   verdict_table(result).notes)],
                        checks=[(checked, tables)])
    path = OUT / "report.html"
    write_text(path, combined_document(registry, src, "prooftools demo report") + "\n")
    print(f"  wrote {path}")


if __name__ == "__main__":
    sys.exit(main())
