"""Allen-Zhu, Li & Song's hidden degrees through cited restatements (issue 18).

Theorem 2 (SGD) takes its width from ``allenzhu2019.thm2.n24``, the Ω(n^24) that Rolland et al.
(ICLR 2022 submission, Table 1) restate for SGD; its step size and iteration count, and every bound
of the classification result ``thm.ce``, have no available source and keep saying what they need.
Values are checked against mpmath; the controls remove, demote or change the restatement in a copy
of the theorem files and watch the number go away or move.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import mpmath
import pytest

from prooftools.cli import main
from prooftools.errors import TheoremFileError
from prooftools.theory import load_registry
from prooftools.theory.bounds import evaluate_statement
from prooftools.theory.compare import compare_widths

THEOREMS = Path(__file__).resolve().parent.parent / "theorems"
VALUES = {"n": "1000", "L": "3", "sep": "0.05", "eps": "1e-3", "d": "100", "b": "10"}
SGD_SOURCE = "Rolland, Ramezani-Kebrya, Song, Latorre, Cevher"


@pytest.fixture(scope="module")
def reg():
    return load_registry()


def by_name(results):
    return {bv.name: bv for bv in results}


def _small(tmp_path: Path, edit=None):
    """vocabulary + allenzhu2019 only (fast), the latter optionally edited."""
    d = tmp_path / "theorems"
    d.mkdir()
    shutil.copy(THEOREMS / "vocabulary.toml", d)
    text = (THEOREMS / "allenzhu2019.toml").read_text(encoding="utf-8")
    (d / "allenzhu2019.toml").write_text(edit(text) if edit else text, encoding="utf-8")
    return load_registry(extra_dirs=[d], builtin=False)


def _thm2_n24_block(text: str) -> tuple[int, int]:
    start = text.index('[[statements]]\nid = "thm2.n24"')
    return start, text.index("[[statements]]", start + 1)


def _without_thm2_n24(text: str) -> str:
    start, end = _thm2_n24_block(text)
    return text[:start] + text[end:]


def _edit_thm2_n24(text: str, old: str, new: str) -> str:
    start, end = _thm2_n24_block(text)
    block = text[start:end]
    assert block.count(old) == 1, old
    return text[:start] + block.replace(old, new) + text[end:]


@pytest.mark.parametrize("n", ["1000", "12345"])
def test_sgd_width_comes_from_the_restatement(reg, n):
    out = by_name(evaluate_statement(reg, "allenzhu2019.thm2", {**VALUES, "n": n}))
    width = out["width"]
    with mpmath.workdps(40):
        expected = mpmath.mpf(n) ** 24  # Ω(n^24), the hidden constant set to 1
        assert abs(mpmath.mpf(str(width.value)) / expected - 1) < mpmath.mpf(10) ** -25
        assert abs(mpmath.mpf(width.decimal) / expected - 1) < 1e-9  # what is printed
    assert width.exact
    assert width.via == "allenzhu2019.thm2.n24:width"
    assert width.provenance == "secondary"
    assert width.missing == ()
    assert "C_az_m24sgd" in width.hidden_constants
    assert any("cited restatement allenzhu2019.thm2.n24" in note and SGD_SOURCE in note
               for note in width.notes)


def test_the_restatement_is_marked_and_sourced(reg):
    st = reg.get("allenzhu2019.thm2.n24")
    assert st.provenance == "secondary" and list(st.uses) == ["allenzhu2019.thm2"]
    assert "Table 1" in st.source and "HdnUQk9jbUO" in st.source
    assert st.tags["algorithm"] == "sgd" and st.tags["width_variant"] == "n24"
    # the restatement gives the width only: no step size or iteration count is invented
    assert [b.name for b in st.bounds] == ["width"]
    assert "n-degree only" in st.notes


def test_sgd_step_size_and_iterations_still_need_their_degrees(reg):
    out = by_name(evaluate_statement(reg, "allenzhu2019.thm2", VALUES))
    assert out["eta"].value is None and out["eta"].missing == ("a_az_eta",)
    assert out["T"].value is None and out["T"].missing == ("a_az_T",)
    assert out["eta"].via is None and out["T"].via is None
    for sym in ("a_az_eta", "a_az_T"):
        assert "Theorem 2's (SGD) from no source available to us" in reg.symbols[sym].meaning


def test_classification_result_still_needs_its_degree(reg, capsys):
    out = by_name(evaluate_statement(reg, "allenzhu2019.thm.ce", VALUES))
    assert set(out) == {"width", "eta", "T"}
    for bv in out.values():
        assert bv.value is None and bv.missing == ("a_az_ce",) and bv.via is None
    assert main(["bounds", "allenzhu2019.thm.ce", "--n", "1000", "--L", "3", "--sep", "0.05",
                 "--batch", "10", "--set", "eps=1e-3", "d=100", "--wide"]) == 0
    text = capsys.readouterr().out
    assert re.search(r"needs a_az_ce: unknown degree [^\n]*; no source available to us gives it",
                     text)


def test_compare_rows(tmp_path):
    """The compare rows: thm2 has a number at every n (log10 = 24 log10 n), thm.ce none."""
    small = _small(tmp_path)
    values = {k: v for k, v in VALUES.items() if k != "n"}
    rows = {r.statement: r for r in compare_widths(small, values, {"n": ["1e3", "1e4", "1e5"]})}
    for sid in ("allenzhu2019.thm2", "allenzhu2019.thm2.n24"):
        assert rows[sid].log10 == pytest.approx((72.0, 96.0, 120.0), abs=1e-9)
        assert rows[sid].exponents == {"n": "24"}
    assert rows["allenzhu2019.thm.ce"].log10 == (None, None, None)
    assert rows["allenzhu2019.thm.ce"].missing == ("a_az_ce",)


def test_control_without_the_restatement_the_width_needs_its_degree(tmp_path):
    small = _small(tmp_path, _without_thm2_n24)
    assert "allenzhu2019.thm2.n24" not in small.statements
    width = by_name(evaluate_statement(small, "allenzhu2019.thm2", VALUES))["width"]
    assert width.value is None and width.via is None
    assert width.missing == ("a_az_m",)


def test_control_a_recollected_restatement_is_not_used(tmp_path):
    """Only a ``secondary`` statement restates: the same numbers as recollection do not count."""
    small = _small(tmp_path, lambda t: _edit_thm2_n24(t, 'provenance = "secondary"\nuses',
                                                      'provenance = "recollection"\nuses'))
    width = by_name(evaluate_statement(small, "allenzhu2019.thm2", VALUES))["width"]
    assert width.value is None and width.missing == ("a_az_m",)


def test_control_the_number_follows_the_restated_exponent(tmp_path):
    small = _small(tmp_path, lambda t: _edit_thm2_n24(t, 'expr = "C_az_m24sgd*n**24"',
                                                      'expr = "C_az_m24sgd*n**25"'))
    width = by_name(evaluate_statement(small, "allenzhu2019.thm2", VALUES))["width"]
    assert width.via == "allenzhu2019.thm2.n24:width"
    with mpmath.workdps(40):
        expected = mpmath.mpf(1000) ** 25
        assert abs(mpmath.mpf(str(width.value)) / expected - 1) < mpmath.mpf(10) ** -25


def test_a_restatement_of_the_n_degree_only_is_a_lower_estimate(reg, capsys):
    """thm2.n24 leaves out the L, 1/δ and d factors (each ≥ 1): the file declares its width a
    lower estimate, and every value through it is marked ≥ with the reason."""
    width = by_name(evaluate_statement(reg, "allenzhu2019.thm2", VALUES))["width"]
    assert width.estimate == "lower"
    assert any(note.startswith("lower estimate as encoded in allenzhu2019.thm2.n24: ")
               and "degree in n only" in note for note in width.notes)
    assert main(["bounds", "allenzhu2019.thm2", "--n", "1000", "--L", "3", "--sep", "0.05",
                 "--set", "eps=1e-3", "d=100", "b=10", "--wide"]) == 0
    text = capsys.readouterr().out
    assert "≥ 1e+72" in text and "≥ x: a lower estimate" in text


def test_control_without_the_declared_estimate_the_value_is_plain(tmp_path):
    small = _small(tmp_path, lambda t: _edit_thm2_n24(t, 'estimate = "lower"\n', ""))
    width = by_name(evaluate_statement(small, "allenzhu2019.thm2", VALUES))["width"]
    assert width.value is not None and width.estimate is None


def test_a_bad_declared_estimate_names_file_line_and_key(tmp_path):
    edit = lambda t: _edit_thm2_n24(t, 'estimate = "lower"', 'estimate = "maybe"')  # noqa: E731
    with pytest.raises(TheoremFileError) as info:
        _small(tmp_path, edit)
    (line,) = str(info.value).splitlines()
    assert re.search(r"allenzhu2019\.toml:\d+: allenzhu2019\.thm2\.n24, "
                     r"bounds\.width\.estimate: ", line)
    assert "estimate must be 'lower' or 'upper'; got 'maybe'" in line
