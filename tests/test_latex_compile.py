"""Every LaTeX output the CLI produces compiles with pdflatex, with no overfull box over 1 pt.

The outputs are the README's commands, the demo's ``out/widths.tex``, a ``check`` and a ``verify``
report, the ``show`` and ``bounds`` table of every registered statement, and every Unicode
character pylatexenc can convert. Skipped, with the reason shown, only where pdflatex is absent
(``.ci/run`` installs it, so CI always runs it).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from prooftools.cli import main
from prooftools.reporting.latex import escape, standalone

PDFLATEX = shutil.which("pdflatex")
pytestmark = pytest.mark.skipif(
    PDFLATEX is None, reason="pdflatex not found (Debian: texlive-latex-recommended, "
                             "texlive-latex-extra); the LaTeX compile tests need it")

_OVERFULL = re.compile(r"^Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)(.*)$", re.M)


def compile_problems(document: str, folder: Path, name: str = "doc") -> list[str]:
    """pdflatex ``document``; return its errors and its overfull boxes wider than 1 pt."""
    tex = folder / f"{name}.tex"
    tex.write_text(document, encoding="utf-8")
    for _ in range(3):  # longtable settles its column widths over runs ("Rerun LaTeX")
        proc = subprocess.run(
            [PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", tex.name],
            cwd=folder, capture_output=True, timeout=300, check=False)
        log = (folder / f"{name}.log").read_text(encoding="latin-1")
        if proc.returncode != 0 or "Rerun LaTeX" not in log:
            break
    problems = [ln for ln in log.splitlines() if ln.startswith("!")]
    if proc.returncode != 0 and not problems:
        problems.append(f"pdflatex exited with {proc.returncode}")
    problems += [f"Overfull \\hbox {w}pt{where}" for w, where in _OVERFULL.findall(log)
                 if float(w) > 1.0]
    return problems


def cli_latex(capsys, *argv: str) -> str:
    """Run the CLI with ``--format latex --standalone`` and return what it printed."""
    status = main([*argv, "--format", "latex", "--standalone"])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert out.startswith("\\documentclass"), out[:200]
    return out


README = {
    "table": ["table", "--n", "1e4", "--L", "5", "--delta", "0.1", "--lambda0", "1e-3"],
    "compare": ["compare", "--n", "1e3", "1e4", "1e5", "--L", "3", "--delta", "0.1",
                "--lambda0", "1e-3", "--sep", "0.05"],
    "bounds": ["bounds", "du2019.thm4.1", "--n", "1000", "--lambda0", "1e-3", "--delta", "0.1"],
    "bounds_derived": ["bounds", "du2019.thm4.1", "--n", "1000", "--lambda0", "1e-3",
                       "--delta", "0.1", "--constants", "derived"],
    "show": ["show", "du2019.thm4.1"],
    "graph": ["graph", "du2019.thm4.1"],
    "list": ["list"],
    "datasets": ["datasets"],
}


@pytest.mark.parametrize("name", sorted(README))
def test_readme_commands_compile(capsys, tmp_path, name):
    doc = cli_latex(capsys, *README[name])
    assert compile_problems(doc, tmp_path) == []


def test_demo_widths_table_compiles(tmp_path):
    from prooftools.demo import widths_document, widths_table
    from prooftools.theory import load_registry

    reg = load_registry()
    fragment = widths_table(reg).render("latex")
    assert fragment.startswith("% requires \\usepackage{")
    assert "xltabular" in fragment  # 55 rows: a long table that breaks across pages
    doc = widths_document(reg)  # what the demo writes: compiles as it is
    assert doc.lstrip().startswith("\\documentclass") and fragment.strip() in doc
    assert compile_problems(doc, tmp_path) == []


def test_check_report_compiles(capsys, tmp_path):
    doc = cli_latex(capsys, "check", "sphere:n=12,d=5", "--theorem", "du2019.thm4.1")
    assert compile_problems(doc, tmp_path) == []


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) absent")
def test_wrapped_cells_start_on_the_row_s_first_line(capsys, tmp_path):
    """A wrapping column whose first word is wider than the column must not begin with an empty
    line (the row's statement then sat one line below its verdict)."""
    doc = cli_latex(capsys, "check", "digits:0-vs-1", "--theorem", "du2019.thm4.1")
    assert compile_problems(doc, tmp_path) == []
    text = subprocess.run(["pdftotext", "-layout", "doc.pdf", "-"], cwd=tmp_path, check=True,
                          capture_output=True, text=True).stdout
    rows = [ln for ln in text.splitlines()
            if ("holds" in ln or "unknown" in ln) and not ln.startswith("verdicts")]
    assert rows and all("du2019." in ln for ln in rows), rows


def test_verify_report_compiles(capsys, tmp_path):
    doc = cli_latex(capsys, "verify", "du2019.thm4.1", "--dataset", "sphere:n=8,d=12",
                    "--width", "256", "--steps", "30")
    assert "\\toprule" in doc
    assert compile_problems(doc, tmp_path) == []


def test_every_statement_table_compiles(tmp_path):
    """``show`` and ``bounds`` of every statement: long formulas wrap instead of overflowing."""
    from prooftools.reporting.registry_reports import bounds_report, show_statement
    from prooftools.theory import load_registry

    reg = load_registry()
    values = {"n": "1000", "delta": "0.1", "lambda0": "1e-3", "L": "3"}
    parts = []
    for st in reg:
        parts.append(show_statement(reg, st.id, fmt="latex"))
        if st.bounds:
            parts.append(bounds_report(reg, st.id, values).table.render("latex"))
        parts.append("\\clearpage")
    assert compile_problems(standalone("\n".join(parts)), tmp_path) == []


def test_every_unicode_character_pylatexenc_knows_compiles(tmp_path):
    from pylatexenc.latexencode import get_builtin_conversion_rules

    chars = sorted({c for rule in get_builtin_conversion_rules("defaults")
                    for c in rule.rule if c < 0x10000})
    assert len(chars) > 1000
    body = "\n".join(f"x{escape(chr(c))}x\\par" for c in chars)
    body += "\n" + escape("unknown: \U0001f600 \u4e2d")  # not in any table: [U+XXXX]
    assert compile_problems(standalone(body), tmp_path) == []


def test_the_check_fails_on_errors_and_overfull_boxes(tmp_path):
    """The compile check itself can fail: raw Unicode and an overwide line are reported."""
    raw = compile_problems(standalone("Ω − ‖ ²"), tmp_path, "raw")
    assert raw and "Unicode character" in " ".join(raw)
    wide = compile_problems(standalone("\\noindent\\rule{400pt}{1pt}"), tmp_path, "wide")
    assert wide and wide[0].startswith("Overfull \\hbox")
    assert compile_problems(standalone(escape("Ω − ‖ ²")), tmp_path, "ok") == []


def _pdf_text(folder: Path, name: str = "doc") -> str:
    return subprocess.run(["pdftotext", "-layout", f"{name}.pdf", "-"], cwd=folder, check=True,
                          capture_output=True, text=True).stdout


_HYPHENATED = re.compile(r"[A-Za-z]-(?=\s|$)")  # a word broken at a hyphen: "as-", "guaran-"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) absent")
def test_verify_table_fits_without_hyphenation_or_broken_ids(capsys, tmp_path):
    """The verify table used to hyphenate "as-sump-tion" and break ids over three lines at 8
    columns; now no word is hyphenated, every id prints whole and no box is overfull."""
    doc = cli_latex(capsys, "verify", "du2019.thm4.1", "--dataset", "sphere:n=8,d=12",
                    "--width", "256", "--steps", "30")
    assert compile_problems(doc, tmp_path) == []
    text = _pdf_text(tmp_path)
    assert _HYPHENATED.findall(text) == [], [ln for ln in text.splitlines()
                                             if _HYPHENATED.search(ln)]
    for sid in ("du2019.setting", "du2019.asm3.1", "du2019.lemma3.1", "du2019.step4.1",
                "du2019.thm4.1"):
        assert sid in text
    assert "(1 − η λ0 /2)k" in text  # the rate as the paper writes it, not (−ηλ0/2 + 1)^k


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) absent")
def test_the_hyphenation_check_sees_a_hyphenated_word(tmp_path):
    """The check above can fail: a column too narrow for its words hyphenates them."""
    compile_problems(standalone("\\parbox{3em}{\\hspace{0pt}assumption guaranteed}"), tmp_path)
    assert _HYPHENATED.search(_pdf_text(tmp_path))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) absent")
def test_check_report_typesets_names_and_relations(capsys, tmp_path):
    """``lambda0=0.0876`` and ``holds iff C_du_y >= 2.2`` are math with the registry's names."""
    doc = cli_latex(capsys, "check", "sphere:n=12,d=5", "--theorem", "du2019.thm4.1")
    assert r"$\lambda_0=" in doc and r"C_{\text{du\_y}}\geq" in doc
    assert compile_problems(doc, tmp_path) == []
    text = _pdf_text(tmp_path)
    assert re.search(r"lambda0\s*=", text) is None and ">=" not in text
    assert "λ0 = 0.0876" in text and "≥ 2.204" in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) absent")
def test_graph_derivation_is_typeset_not_sympy_text(capsys, tmp_path):
    doc = cli_latex(capsys, "graph", "du2019.thm4.1")
    assert compile_problems(doc, tmp_path) == []
    text = _pdf_text(tmp_path)
    assert "{'" not in text and "**" not in text and "lambda0" not in text, text
    flat = " ".join(text.split())
    assert "width: agrees" in flat and "λ0" in flat and "δ 3" in flat, flat


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) absent")
def test_width_table_caption_and_notes_in_math_and_ids_whole(capsys, tmp_path):
    """``delta = 0.1, lambda0 = 1e-3`` and ``10^k`` are typeset (δ = 0.1, λ0 = 10⁻³, 10^k), and
    no identifier is broken at an underscore."""
    doc = cli_latex(capsys, *README["table"])
    assert r"$\delta=0.1$" in doc and r"$\lambda_0=10^{-3}$" in doc and "$10^{k}$" in doc
    # the registry's meanings of the symbols to give are quoted prose; everything else is ours
    ours = "\n".join(ln for ln in doc.splitlines() if "values to give" not in ln)
    assert "textasciicircum" not in ours
    assert compile_problems(doc, tmp_path) == []
    text = _pdf_text(tmp_path)
    assert not [ln for ln in text.splitlines() if ln.rstrip().endswith("_")]
    assert "delta" not in text and "lambda0" not in text


@pytest.mark.parametrize("sid", ["du2019.thm4.1", "du2019.thm3.3"])
def test_derive_latex_compiles(capsys, tmp_path, sid):
    doc = cli_latex(capsys, "derive", sid)
    assert compile_problems(doc, tmp_path) == []


def _sweep_report():
    """A threshold sweep's report as render_sweep reads it: the values of the documented
    du2019.thm4.1 sweep (docs/sweeps.md), with a second grid axis (step_policy)."""
    from types import SimpleNamespace as NS

    spec = NS(key="e8fe9a3b0d3ea912", statement="du2019.thm4.1", dataset="sphere:d=50",
              mode="threshold", seeds=[0, 1])
    points = [NS(values={"n": n, "step_policy": "practical"}) for n in (16, 32, 64)]
    rows = []
    for (n, m, lo, lam, th, proof), split in zip(
            [(16, 16, 13, 0.2848, 12.41, 16.36), (32, 11, 9, 0.2452, 14.47, 18.75),
             (64, 16, 13, 0.2121, 16.53, 20.88)],
            [(11.2, -3.95, 15.15), (13.43, -4.28, 17.71), (15.33, -4.35, 19.68)],
            strict=True):
        rows.append(NS(point=points[len(rows)].values, target="du2019.thm4.1.linear_rate",
                       status="found", m_star=m, bracket=(lo, m), runs=10, lambda0=lam,
                       theorem_log10=th, theorem_log10_derived=th, proof_log10=proof,
                       looseness=split[0], looseness_derived=split[0], monotone=True,
                       notes=["1 seed×width outcome(s) held at a width and failed at a larger "
                              "one (different random initializations)"] if n == 16 else [],
                       split=NS(total=split[0], statement=split[1], proof=split[2])))
    fit = NS(target="du2019.thm4.1.linear_rate", axis="n", fixed={"step_policy": "practical"},
             fit=NS(text=lambda: "-8.28e-16 [-0.83, 0.27]"), theorem="n^6 · δ^-3 · λ0^-4",
             provenance="verified", theorem_exponent=6.0, theorem_slope=6.85, points=[1, 2, 3],
             censored=0)
    run = NS(spec=spec, points=points, rows=[None] * 32, computed=0, store="out/sweeps/x")
    return NS(run=run, thresholds=rows, width_fits=[fit], observable_fits=[],
              exponent_checks=[], constants={}, notes=[])


def test_sweep_tables_compile_without_overfull_header(tmp_path):
    """The threshold table of a sweep with two grid axes fits the page: its ``step_policy``
    header is not broken (headers carry no break points) and both looseness values share one
    column; the theorem's width is typeset in math (``n^{6}``, not ``nˆ6``)."""
    from prooftools.reporting.sweep_reports import render_sweep

    doc = render_sweep(_sweep_report(), "latex")
    assert "looseness (" in doc and "$n^{6}$" in doc and "n^6" not in doc
    assert compile_problems(standalone(doc), tmp_path) == []
