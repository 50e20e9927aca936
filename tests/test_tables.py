"""Table renderings: text, Markdown, LaTeX (booktabs) and JSON, with magnitudes and marks."""

from __future__ import annotations

import json
import math
import re

import pytest

from prooftools.reporting.registry_reports import list_table, width_table
from prooftools.reporting.tables import LEGEND, Magnitude, Marked, Table, latex_escape
from prooftools.theory import load_registry


def _table(marks: bool = True) -> Table:
    prov = "derived" if marks else "verified"
    return Table(
        ["statement", "note_1", "width m"],
        rows=[
            [Marked("du2019.thm4.1", prov), "a_b & 50%", Magnitude(3000.0, "1.0e+3000")],
            [Marked("x.thm", "secondary" if marks else "verified"), "#1 $5 {x}",
             Magnitude(math.log10(2e33), "2.0e+33")],
            [Marked("y.thm", "recollection" if marks else "verified"), "small",
             Magnitude(math.log10(12.5), "12.5")],
            ["none", None, Magnitude(None)],
        ],
        caption="Widths at n = 10^3 & δ = 0.1",
        notes=["hidden constants set to 1"],
        label="tab:w",
    )


def test_latex_uses_booktabs_and_powers_of_ten():
    out = _table().render("latex")
    for rule in ("\\toprule", "\\midrule", "\\bottomrule", "\\begin{tabularx}{\\linewidth}"):
        assert rule in out
    assert out.splitlines()[0] == "% requires \\usepackage{amsmath,amssymb,booktabs,xltabular}"
    assert "$10^{3000}$" in out
    assert "$2$ & $.00\\times10^{33}$" in out  # split at the decimal point (r@{}l)
    assert "$12$ & $.5$" in out
    assert "\\multicolumn{2}{c}{---}" in out  # missing magnitude, across both halves
    assert "\\label{tab:w}" in out


def test_latex_numbers_align_on_the_decimal_point():
    """A number column is two columns, r@{}l: the integer part right-aligned, then the decimal
    point, the fraction and the power of ten; the header spans both halves."""
    from prooftools.reporting.latex_tables import split_number

    t = Table(["name", "value"], rows=[["a", 1797], ["b", 0.0486], ["c", "-2.22e-16"],
                                       ["d", 2e-9], ["e", None]])
    out = t.render("latex")
    spec = re.search(r"\\begin\{tabularx\}\{\\linewidth\}\{(.*)\}$", out, re.M).group(1)
    assert spec.endswith("@{}l") and spec.count("@{}") == 1
    assert "\\multicolumn{2}{c}{value}" in out
    rows = [ln for ln in out.splitlines() if ln.endswith("\\\\") and ln[0] in "abcde"]
    assert rows == ["a & $1797$ &  \\\\", "b & $0$ & $.0486$ \\\\",
                    "c & $-2$ & $.22\\times10^{-16}$ \\\\", "d & $2$ & ${}\\times10^{-9}$ \\\\",
                    "e & \\multicolumn{2}{c}{---} \\\\"]
    # every number is whole again when its halves are joined (nothing lost in the split)
    for tex in ("$1797$", "$-0.998$", "$1.15\\times10^{9}$", "$10^{-5}$", "$\\infty$"):
        left, right = split_number(tex)
        joined = left[:-1] + right[1:] if right else left
        assert joined.replace("{}", "") == tex


def test_latex_escapes_special_characters():
    out = _table().render("latex").replace("\\allowbreak{}", "")
    assert "a\\_b \\& 50\\%" in out
    assert "\\#1 \\$5 \\{x\\}" in out
    assert "note\\_1" in out
    assert "\\ensuremath{\\delta}" in out
    # no raw specials outside math/escapes in the data rows
    data_rows = [ln for ln in out.splitlines() if ln.endswith("\\\\")]
    for ln in data_rows:
        assert "a_b" not in ln and " 50%" not in ln
    assert latex_escape("100% & a_b ~ ^") == \
        "100\\% \\& a\\_b \\textasciitilde{} \\textasciicircum{}"
    # the characters pdflatex stopped on, and those OT1 fonts print wrongly (< > | as ¡ ¿ —)
    for raw, tex in (("Ω", "\\Omega"), ("−", "\\ensuremath{-}"), ("‖", "\\Vert"),
                     ("²", "\\texttwosuperior"), ("<", "\\textless"), ("|", "\\textbar")):
        assert tex in latex_escape(raw) and raw not in latex_escape(raw)


def test_provenance_marks_and_legend_in_every_text_format():
    t = _table()
    latex = t.render("latex")
    assert "du2019.\\allowbreak{}thm4.1\\textsuperscript{\\dag}" in latex
    assert "x.\\allowbreak{}thm\\textsuperscript{\\ddag}" in latex
    assert "y.\\allowbreak{}thm?" in latex
    assert latex_escape(LEGEND) in latex
    text = t.render("text")
    assert "du2019.thm4.1†" in text and "x.thm‡" in text and "y.thm?" in text
    assert LEGEND in text
    md = t.render("markdown")
    assert "du2019.thm4.1†" in md and f"*{LEGEND}*" in md
    assert f"*hidden constants set to 1*\n\n*{LEGEND}*" in md  # notes: one paragraph each


def test_no_legend_without_marks():
    t = _table(marks=False)
    for fmt in ("text", "markdown", "latex"):
        assert "derived from the proof" not in t.render(fmt)
        assert "†" not in t.render(fmt)


def test_text_and_markdown_magnitudes():
    t = _table()
    text = t.render("text")
    assert "1e+3000" in text and "2e+33" in text and "12.5" in text
    lines = text.splitlines()
    assert lines[0].startswith("Widths at")
    assert set(lines[2].replace(" ", "")) == {"-"}
    md = t.render("markdown")
    assert "| statement | note\\_1 | width m |" in md  # _ and * escaped: literal, not emphasis
    assert "|---|---|---|" in md
    pipe = Table(["a"], rows=[["x|y"]]).render("markdown")
    assert "x\\|y" in pipe
    note = Table(["a"], rows=[["C_m * n**6"]], notes=["eta: C_du_eta * lambda0 / n**2"])
    md = note.render("markdown")
    assert "C\\_m \\* n\\*\\*6" in md and "*eta: C\\_du\\_eta \\* lambda0 / n\\*\\*2*" in md


def test_magnitude_rounding_to_the_next_power():
    # 9.9999e40 is shown as 10^41, not 10.00 x 10^40
    assert Magnitude(math.log10(9.9999e40)).latex() == "$10^{41}$"
    assert Magnitude(math.log10(9.9999e40)).text() == "1e+41"
    assert Magnitude(-5.0).latex() == "$10^{-5}$"


def test_json_parses_and_keeps_structure():
    t = _table()
    t.rows.append(["inf", "x", float("inf")])
    data = json.loads(t.render("json"))
    assert data["columns"] == ["statement", "note_1", "width m"]
    first = data["rows"][0]
    assert first["statement"] == {"text": "du2019.thm4.1", "provenance": "derived"}
    assert first["width m"] == {"value": "1.0e+3000", "log10": 3000.0}  # beyond a double
    assert data["rows"][1]["width m"]["value"] == 2e33  # a JSON number where a double holds it
    assert data["rows"][-1]["width m"] is None  # non-finite floats become null
    assert data["notes"] == ["hidden constants set to 1"]


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="format must be one of"):
        _table().render("html")


@pytest.fixture(scope="module")
def reg():
    return load_registry()


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "json"])
def test_registry_tables_render(reg, fmt):
    values = {"n": "1e3", "lambda0": "1e-3", "delta": "0.1"}
    for table in (list_table(reg, paper="du2019"), width_table(reg, values)):
        out = table.render(fmt).replace("\\allowbreak{}", "")
        assert "du2019.thm4.1" in out
        if fmt == "json":
            json.loads(out)
        if fmt == "latex":
            assert "\\toprule" in out and "du2019.thm4.1" in out
    latex = width_table(reg, values).render("latex")
    assert "$10^{33}$" in latex  # du2019.thm4.1's width at this point


def test_jupyter_reprs_and_pandas():
    t = _table()
    assert t._repr_markdown_() == t.render("markdown")
    html = t._repr_html_()
    assert "<th>statement</th>" in html and "a_b &amp; 50%" in html
    df = t.to_pandas()
    assert list(df.columns) == t.columns
    assert df["width m"].iloc[1] == pytest.approx(2e33)
    assert math.isinf(df["width m"].iloc[0])  # 10^3000 does not fit in a double
    assert df["statement"].iloc[0] == "du2019.thm4.1"
