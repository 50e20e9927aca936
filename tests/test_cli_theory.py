"""The registry commands of the CLI: list, show, bounds, compare, graph, table, and mistakes."""

from __future__ import annotations

import json
from decimal import Decimal
from textwrap import dedent

import networkx as nx
import pytest

from prooftools.cli import main

DU = ["--n", "1e3", "--lambda0", "1e-3", "--delta", "0.1"]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    cap = capsys.readouterr()
    return status, cap.out, cap.err


def assert_user_error(capsys, *argv: str, match: str) -> str:
    status, out, err = run(capsys, *argv)
    assert status == 2, (out, err)
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("prooftools: error: ")
    assert "Traceback" not in err
    assert match in lines[0]
    return lines[0]


def test_list(capsys):
    status, out, err = run(capsys, "list")
    assert status == 0 and err == ""
    assert "du2019.thm4.1" in out and "Convergence rate of gradient descent" in out


def test_list_json_every_statement_has_id(capsys):
    status, out, _ = run(capsys, "list", "--format", "json")
    assert status == 0
    rows = json.loads(out)["rows"]
    assert rows and all("id" in r and r["id"] for r in rows)
    assert "du2019.thm4.1" in {r["id"] for r in rows}


def test_list_filters(capsys):
    _, out, _ = run(capsys, "list", "--paper", "du2019", "--kind", "assumption", "--format",
                    "json")
    rows = json.loads(out)["rows"]
    assert {r["id"] for r in rows} >= {"du2019.setting", "du2019.asm3.1"}
    assert all(r["kind"] == "assumption" and r["paper"] == "du2019" for r in rows)


def test_show(capsys):
    status, out, _ = run(capsys, "show", "du2019.thm4.1")
    assert status == 0
    assert "m >= C_du_m * n**6 / (lambda0**4 * delta**3)" in out
    assert "du2019.setting:unit_norm" in out  # assumed hypothesis
    status, out, _ = run(capsys, "show", "du2019.thm4.1", "--format", "json")
    data = json.loads(out)
    assert data["id"] == "du2019.thm4.1" and data["paper"]["key"] == "du2019"
    assert "C_du_m" in data["hidden_constants"]


def test_bounds_json_schema(capsys):
    status, out, _ = run(capsys, "bounds", "du2019.thm4.1", *DU, "--format", "json")
    assert status == 0
    data = json.loads(out)
    assert data["statement"] == "du2019.thm4.1"
    assert data["values"] == {"n": "1e3", "lambda0": "1e-3", "delta": "0.1"}
    assert data["bounds"]
    for b in data["bounds"]:
        assert {"name", "expr", "value", "log10", "hidden_constants"} <= set(b)
        assert isinstance(b["hidden_constants"], list)
        if b["value"] is not None:
            assert isinstance(b["value"], str)
            Decimal(b["value"])  # a decimal string
            assert isinstance(b["log10"], float)
    width = next(b for b in data["bounds"] if b["name"] == "width")
    assert width["value"] == "1.0e+33" and width["log10"] == pytest.approx(33.0)
    assert width["hidden_constants"] == ["C_du_m"]


def test_bounds_text_and_derived_constants(capsys):
    status, out, _ = run(capsys, "bounds", "du2019.thm4.1", *DU, "--constants", "derived",
                         "--set", "y_max=1", "--format", "json")
    assert status == 0
    step = next(b for b in json.loads(out)["bounds"] if b["name"] == "step_size")
    assert step["derived_constants"] == ["C_du_eta"]
    assert Decimal(step["value"]) == Decimal("1e-3") / Decimal("1e6") / 4
    status, out, _ = run(capsys, "bounds", "du2019.thm4.1", *DU)
    assert status == 0 and "1e+33" in out


def test_compare(capsys):
    status, out, _ = run(capsys, "compare", "--n", "1e3", "1e4", "--lambda0", "1e-3",
                         "--delta", "0.1")
    assert status == 0
    assert "du2019.thm4.1" in out and "least width" in out
    assert "log10 m @ n=1e3" in out and "log10 m @ n=1e4" in out


def test_graph_writes_dot_and_graphml(capsys, tmp_path):
    dot, gml = tmp_path / "g.dot", tmp_path / "g.graphml"
    status, out, _ = run(capsys, "graph", "du2019.thm4.1", "--dot", str(dot), "--graphml",
                         str(gml))
    assert status == 0
    assert out.splitlines()[0].startswith("du2019.thm4.1")
    assert "width follows from its lemmas" in out
    assert dot.read_text().startswith("digraph proof {")
    assert '"du2019.step4.1" -> "du2019.thm4.1";' in dot.read_text()
    graph = nx.read_graphml(gml)
    assert graph.has_edge("du2019.step4.1", "du2019.thm4.1")
    assert graph.nodes["du2019.thm4.1"]["kind"] == "theorem"
    assert nx.is_directed_acyclic_graph(graph)


def test_table_latex(capsys, tmp_path):
    status, out, _ = run(capsys, "table", *DU, "--format", "latex")
    assert status == 0
    assert "\\toprule" in out and "\\bottomrule" in out and "du2019.thm4.1" in out
    target = tmp_path / "t.tex"
    status, out, _ = run(capsys, "table", *DU, "--format", "latex", "-o", str(target))
    assert status == 0 and out == ""
    assert "\\midrule" in target.read_text()


# ------------------------------------------------------------------------------ user mistakes
def test_unknown_id(capsys):
    line = assert_user_error(capsys, "show", "du2019.thm4.2", match="unknown statement")
    assert "did you mean" in line
    assert_user_error(capsys, "bounds", "nope", *DU, match="unknown statement 'nope'")


def test_graph_unknown_id(capsys):
    assert_user_error(capsys, "graph", "nope", match="unknown statement")


def test_bad_number(capsys):
    assert_user_error(capsys, "bounds", "du2019.thm4.1", "--n", "1e3x",
                      match="invalid value for n: 1e3x (expected a positive integer)")
    assert_user_error(capsys, "bounds", "du2019.thm4.1", "--n", "inf",
                      match="invalid value for n: inf (expected a positive integer)")


def test_unknown_set_symbol(capsys):
    assert_user_error(capsys, "bounds", "du2019.thm4.1", *DU, "--set", "foo=1",
                      match="unknown symbol 'foo'")
    assert_user_error(capsys, "bounds", "du2019.thm4.1", "--set", "foo",
                      match="--set expects NAME=VALUE")


def test_compare_needs_n(capsys):
    assert_user_error(capsys, "compare", "--lambda0", "1e-3", match="compare needs --n")


def test_missing_theorem_folder(capsys, tmp_path):
    assert_user_error(capsys, "list", "--theorems", str(tmp_path / "absent"),
                      match="theorem folder does not exist")


def test_unknown_paper_filter(capsys):
    assert_user_error(capsys, "list", "--paper", "nobody2099", match="unknown paper")


def test_non_comparable_min_in_user_file_is_a_user_error(capsys, tmp_path):
    (tmp_path / "bad.toml").write_text(dedent("""
        format = 1
        [paper]
        key = "bad"
        title = "t"
        [[statements]]
        id = "x"
        kind = "theorem"
        title = "t"
        source = "s"
        provenance = "verified"
        [[statements.bounds]]
        name = "width"
        kind = "width"
        expr = "Min(sqrt(-1), 1)"
    """).lstrip(), encoding="utf-8")
    assert_user_error(capsys, "list", "--theorems", str(tmp_path), match="bad.toml:14")
