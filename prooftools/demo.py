"""``make demo``: the main job on a built-in real dataset (scikit-learn's digits).

1. measure the data quantities the theorems talk about (λ0, separations) on digits;
2. evaluate every registered theorem's width requirement there and for n = 10^4, L = 5, and
   write the LaTeX table;
3. check every anchor theorem's data hypotheses on digits;
4. verify Du et al. Theorem 4.1 by training its network on a subset of digits;
5. verify one statement of each other anchor paper (Zou et al., Allen-Zhu et al., Zhou–Liang,
   Chatterjee) on built-in data, with the theorems' own step sizes and normalizations;
6. a short threshold sweep: the smallest width at which Du et al.'s Lemma 3.1 held, against n.

The steps are :data:`STEPS`, a list; each prints its summary and then how long it took.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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
    """The demo's width table: every theorem's requirements at :data:`WIDTHS_AT`."""
    from prooftools.api import width_table

    return width_table(registry, WIDTHS_AT)


def widths_document(registry) -> str:
    """``out/widths.tex``: :func:`widths_table` as a complete document ``pdflatex`` compiles."""
    from prooftools.reporting.latex import standalone

    return standalone(widths_table(registry).render("latex"))


@dataclass
class Demo:
    """What the steps share: the registry, the digits data and what they measured and wrote."""

    registry: object
    digits: object = None
    quantities: dict = field(default_factory=dict)
    written: list = field(default_factory=list)
    checked: object = None  # step 3's data check, for the HTML report
    du_result: object = None  # step 4's verify report, for the HTML report


def _data_step(demo: Demo) -> None:
    """Step 1: the data quantities of digits, with their proven lower bounds."""
    from prooftools.numerics.data.datasets import load_dataset
    from prooftools.numerics.data.normalize import unit_norm
    from prooftools.numerics.data.quantities import measure

    demo.digits = load_dataset("digits")
    normed, changes = unit_norm(demo.digits)
    q = demo.quantities = measure(normed)
    for name in ("n", "d", "lambda0", "sep", "nonpar", "sigma_min_X", "rank_X"):
        if name in q:
            qq = q[name]
            proven = qq.lower is not None and name in ("lambda0", "sep", "nonpar")
            lb = f"   proven ≥ {qq.lower:.6g}" if proven else ""
            why = f"   ({qq.witness})" if name == "sigma_min_X" and qq.witness else ""
            print(f"  {name:12s} {qq.value:.6g}{lb}{why}")
    print("  changes: " + "; ".join(changes))


def _widths_step(demo: Demo) -> None:
    """Step 2: every theorem's width requirement on digits; the LaTeX table."""
    from prooftools.api import compare_report

    q = demo.quantities
    # proven lower bounds: a requirement evaluated there is one the data certainly needs
    values = {"n": str(int(q["n"].value)), "lambda0": f"{q['lambda0'].lower:.6g}",
              "sep": f"{q['sep'].lower:.6g}", "phi": f"{q['sep'].lower:.6g}",
              "d": str(int(q["d"].value)), "delta": "0.1", "L": "5", "eps": "0.01"}
    compared = compare_report(demo.registry, {k: v for k, v in values.items() if k != "n"},
                              [values["n"], "1e4"], only_evaluated=True)
    _write(compared, "widths_digits")
    ranked = sorted((r for r in compared.rows if isinstance(r[2], float)), key=lambda r: r[2])
    print(f"  {len(ranked)} width requirements evaluated at n = {values['n']}; the five least "
          "(log10 m):")
    for r in ranked[:5]:
        print(f"    {r[2]:>7.4g}  {r[0]}")
    print("  (φ, the opposite-label separation, is taken as the all-pairs separation, a lower "
          "bound of it)")
    write_text(OUT / "widths.tex", widths_document(demo.registry))
    print(f"  wrote {OUT / 'widths.tex'} (every theorem at n = 10^4, L = 5, δ = 0.1, "
          f"λ0 = 10^-3, sep = φ = 0.05; a complete document: pdflatex {OUT / 'widths.tex'})")


def _hypotheses_step(demo: Demo) -> None:
    """Step 3: the data hypotheses of every anchor theorem on digits."""
    from prooftools.checking.data_hypotheses import check_dataset
    from prooftools.checking.verdict import Verdict
    from prooftools.reporting.data_reports import hypothesis_table

    report = demo.checked = check_dataset(demo.digits, demo.registry, None, depth=3)
    path = _write(hypothesis_table(report), "hypotheses_digits")
    counts = report.verdict_counts()
    print("  verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for h in report.hypotheses:
        if h["verdict"] == str(Verdict.FAILS):
            print(f"  fails: {h['statement']} {h['hypothesis']}")
    print(f"  full table: {path}")


def _du_step(demo: Demo) -> None:
    """Step 4: Du et al. Theorem 4.1, its network trained on 60 digits."""
    from prooftools.api import verify
    from prooftools.numerics.data.datasets import load_dataset
    from prooftools.reporting.verify_reports import plot_report

    small = load_dataset("digits:0-vs-1")
    result = verify(demo.registry, "du2019.thm4.1", small.X[:60], small.y[:60], width=4096,
                    steps=300, seed=0, dataset_name="digits:0-vs-1 (first 60)")
    _summary(result)
    demo.du_result = result
    demo.written += plot_report(result, OUT)


#: step 5's statements: one of each other anchor paper, its data and run options
OTHERS = [
    ("zou2018.thm4.1", "breast_cancer", dict(depth=3, width=256, steps=50, loss="cross-entropy")),
    ("allenzhu2019.thm1", "sphere:n=50,d=20", dict(depth=3, width=512, steps=50)),
    ("zhouliang2017.linear", "synthetic-square:d=8", dict(depth=3, near_minimizer=0.1)),
    ("chatterjee.gd", "wine:standardized", dict(depth=3, width=64, activation="tanh",
                                                init="positive")),
]


def _others_step(demo: Demo) -> None:
    """Step 5: one statement of each other anchor paper, on built-in data."""
    from prooftools.api import verify
    from prooftools.numerics.data.datasets import load_dataset
    from prooftools.reporting.verify_reports import plot_report

    for sid, spec, opts in OTHERS:
        data = load_dataset(spec)
        res = verify(demo.registry, sid, data.X, data.y, seed=0, dataset_name=spec, **opts)
        _summary(res)
        demo.written += plot_report(res, OUT)
    print("  plots: " + ", ".join(str(p) for p in demo.written))


#: the demo, in order: (title, function). A step is a function of the shared :class:`Demo`;
#: append one here to extend the demo (its time is reported like the others').
STEPS: list[tuple[str, Callable[[Demo], None]]] = [
    ("Data quantities of scikit-learn's digits (unit-normalized, as Du et al. require)",
     _data_step),
    ("Width each theorem requires (hidden O/Ω constants = 1; † derived, ? recollection)",
     _widths_step),
    ("Data hypotheses of the anchor theorems on digits", _hypotheses_step),
    ("Verify Du et al. Theorem 4.1 on digits 0-vs-1 (first 60 samples)", _du_step),
    ("One statement of each other anchor paper, on built-in data", _others_step),
    ("Sweep: smallest width m* at which Du et al. Lemma 3.1 held, n = 16, 32, 64",
     lambda demo: _sweep_section()),
    ("HTML report (one self-contained file; open it in any browser, offline)",
     lambda demo: _html_report(demo)),
]


def main(argv: list[str] | None = None) -> int:
    """Run every step of :data:`STEPS`, saying how long each took (wall clock and CPU)."""
    from prooftools.api import load_registry

    OUT.mkdir(exist_ok=True)
    start, cpu = time.perf_counter(), time.process_time()
    demo = Demo(load_registry())
    print(f"registry: {len(demo.registry)} statements from {len(demo.registry.papers)} papers "
          f"({', '.join(sorted(demo.registry.papers))})")
    took = []
    for number, (title, step) in enumerate(STEPS, start=1):
        _section(f"{number}. {title}")
        t0, c0 = time.perf_counter(), time.process_time()
        step(demo)
        took.append((time.perf_counter() - t0, time.process_time() - c0))
        print(f"  [step {number}: {took[-1][0]:.1f} s, CPU {took[-1][1]:.1f} s]", flush=True)
    print("\ntime per step (s): " + ", ".join(f"{k} {w:.1f}" for k, (w, _) in
                                             enumerate(took, start=1)))
    print(f"done in {time.perf_counter() - start:.0f} s (CPU {time.process_time() - cpu:.0f} s)")
    return 0


def _sweep_section() -> None:
    """Step 6: a short threshold sweep, the width Du et al.'s Lemma 3.1 really needs."""
    from prooftools.reporting.sweep_plots import plot_thresholds
    from prooftools.reporting.sweep_reports import render_sweep
    from prooftools.sweep import sweep

    rep = sweep("du2019.lemma3.1", targets=("du2019.lemma3.1.init_deviation",),
                dataset="sphere:d=50", n=(16, 32, 64), seeds=(0, 1), m_range=(8, 8192),
                resolution=0.25, scheduler="synchronous", store=None,
                progress=False, resamples=300)
    print(render_sweep(rep, "text"))
    print("figure: " + ", ".join(p for p in plot_thresholds(rep, OUT) if p.endswith(".png")))


def _html_report(demo: Demo) -> None:
    """Step 7: one offline HTML page: Du et al.'s paper, the verify run of its Theorem 4.1 (proof
    graph by verdict, a panel and figure per item) and the data hypotheses on digits."""
    from prooftools.reporting.data_reports import hypothesis_table, quantity_table
    from prooftools.reporting.html.combined import ReportSources, combined_document
    from prooftools.reporting.html.figures import panel_figures
    from prooftools.reporting.verify_reports import verdict_table

    registry, result, checked = demo.registry, demo.du_result, demo.checked
    tables = [hypothesis_table(checked)] + [quantity_table(checked, q) for q in checked.quantities]
    src = ReportSources(paper="du2019", verifies=[(result.to_dict(), panel_figures(result),
                                                   verdict_table(result).notes)],
                        checks=[(checked, tables)])
    path = OUT / "report.html"
    write_text(path, combined_document(registry, src, "prooftools demo report") + "\n")
    print(f"  wrote {path}")


if __name__ == "__main__":
    sys.exit(main())
