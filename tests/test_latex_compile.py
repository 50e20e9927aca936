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
    from prooftools.demo import widths_table
    from prooftools.theory import load_registry

    fragment = widths_table(load_registry()).render("latex")
    assert fragment.startswith("% requires \\usepackage{")
    assert "xltabular" in fragment  # 55 rows: a long table that breaks across pages
    assert compile_problems(standalone(fragment), tmp_path) == []


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


@pytest.mark.parametrize("sid", ["du2019.thm4.1", "du2019.thm3.3"])
def test_derive_latex_compiles(capsys, tmp_path, sid):
    doc = cli_latex(capsys, "derive", sid)
    assert compile_problems(doc, tmp_path) == []
