"""The registry commands of the CLI: list, show, bounds, compare, graph, table, and mistakes."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
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


def test_list_caption_counts_the_listed_statements(capsys):
    """A filtered list's caption counts what it lists (it said "169 statements from 12 papers"
    above Du et al.'s 22, also in the HTML report of ``report --paper du2019``)."""
    from prooftools.theory import load_registry

    reg = load_registry()
    _, out, _ = run(capsys, "list", "--paper", "du2019", "--format", "json")
    rows = json.loads(out)["rows"]
    mine = [st for st in reg if st.paper == "du2019"]
    assert len(rows) == len(mine) < len(reg)
    _, out, _ = run(capsys, "list", "--paper", "du2019")
    assert out.splitlines()[0] == (f"{len(mine)} statements from 1 paper "
                                   f"(of {len(reg)} registered)")
    _, out, _ = run(capsys, "list")
    assert out.splitlines()[0] == f"{len(reg)} statements from {len(reg.papers)} papers"


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
            assert isinstance(b["value"], float)  # numbers as numbers where a double holds them
            Decimal(b["value"])
            assert isinstance(b["log10"], float)
    width = next(b for b in data["bounds"] if b["name"] == "width")
    assert width["value"] == 1e33 and width["log10"] == pytest.approx(33.0)
    assert width["hidden_constants"] == ["C_du_m"]


def test_bounds_text_and_derived_constants(capsys):
    status, out, _ = run(capsys, "bounds", "du2019.thm4.1", *DU, "--constants", "derived",
                         "--set", "y_max=1", "--format", "json")
    assert status == 0
    step = next(b for b in json.loads(out)["bounds"] if b["name"] == "step_size")
    assert step["derived_constants"] == ["C_du_eta"]
    assert Decimal(repr(step["value"])) == Decimal("1e-3") / Decimal("1e6") / 4
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
    assert "derived width: m > " in out and "width: agrees" in out
    assert dot.read_text().startswith("strict digraph \"proof\" {")
    assert "\\\\n" not in dot.read_text()  # a line break in labels, not a literal \\n
    assert '"du2019.step4.1" -> "du2019.thm4.1";' in dot.read_text()
    graph = nx.read_graphml(gml)
    assert graph.has_edge("du2019.step4.1", "du2019.thm4.1")
    assert graph.nodes["du2019.thm4.1"]["kind"] == "theorem"
    assert nx.is_directed_acyclic_graph(graph)


def test_table_latex(capsys, tmp_path):
    status, out, _ = run(capsys, "table", *DU, "--format", "latex")
    out = out.replace("\\allowbreak{}", "")  # identifiers may break after . _ :
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


def test_graph_formats(capsys):
    status, out, _ = run(capsys, "graph", "du2019.thm4.1", "--format", "json")
    data = json.loads(out)
    assert status == 0 and data["statement"] == "du2019.thm4.1"
    assert {"from": "du2019.step4.1", "to": "du2019.thm4.1"} in data["edges"]
    assert "width: agrees" in data["derivation"]
    _, md, _ = run(capsys, "graph", "du2019.thm4.1", "--format", "markdown")
    assert md.startswith("**Proof chain of du2019.thm4.1**") and "```" in md
    _, tex, _ = run(capsys, "graph", "du2019.thm4.1", "--format", "latex")
    assert "\\toprule" in tex and "du2019.step4.1" in tex.replace("\\allowbreak{}", "")


def test_argparse_mistakes_are_one_line_with_a_suggestion(capsys):
    for argv, match in ((["tabel"], "did you mean 'table'?"),
                        (["table", "--format", "ltx"], "argument --format: invalid choice 'ltx'; "
                                                       "did you mean 'latex'?"),
                        (["bounds"], "the following arguments are required: id")):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert len(err.splitlines()) == 1 and err.startswith("prooftools: error: ")
        assert match in err and "usage:" not in err


def test_version_set_with_several_values_and_theorem_files(capsys, tmp_path):
    import prooftools

    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"prooftools {prooftools.__version__}"
    status, out, _ = run(capsys, "bounds", "du2019.thm4.1", "--n", "1e3",
                         "--set", "lambda0=1e-3", "delta=0.1", "--format", "json")
    assert status == 0 and json.loads(out)["values"] == {"n": "1e3", "lambda0": "1e-3",
                                                         "delta": "0.1"}
    extra = tmp_path / "mine.toml"
    extra.write_text(dedent("""
        format = 1
        [paper]
        key = "mine2024"
        title = "Mine"
        [[statements]]
        id = "mine2024.def"
        kind = "definition"
        title = "A definition"
        source = "§1"
        provenance = "verified"
    """).lstrip(), encoding="utf-8")
    status, out, err = run(capsys, "list", "--theorems", str(extra), "--paper", "mine2024")
    assert status == 0, err
    assert "mine2024.def" in out


SCHEMAS = Path(__file__).resolve().parent.parent / "prooftools" / "schemas"


@pytest.mark.parametrize(("schema", "argv"), [
    ("table", ["list"]),
    ("table", ["table", *DU]),
    ("table", ["compare", "--n", "1e3", "1e4", "--lambda0", "1e-3", "--delta", "0.1"]),
    ("table", ["datasets"]),
    ("table", ["engines"]),
    ("bounds", ["bounds", "du2019.thm4.1", *DU]),
    ("bounds", ["bounds", "allenzhu2019.thm1", "--n", "1e3", "--L", "3"]),
    ("graph", ["graph", "du2019.thm4.1"]),
])
def test_json_outputs_match_their_schema(capsys, schema, argv):
    jsonschema = pytest.importorskip("jsonschema")
    _, out, _ = run(capsys, *argv, "--format", "json")
    data = json.loads(out)
    jsonschema.validate(data, json.loads((SCHEMAS / f"{schema}.schema.json").read_text()))
    if schema == "table":
        for row in data["rows"]:
            assert list(row) == [c for c in data["columns"] if c in row]


def test_json_keys_do_not_depend_on_spelling(capsys):
    outs = [json.loads(run(capsys, "compare", "--n", *ns, "--lambda0", "1e-3", "--delta",
                           "0.1", "--format", "json")[1]) for ns in (["1e3"], ["1000"])]
    assert outs[0]["rows"][0]["log10"].keys() == outs[1]["rows"][0]["log10"].keys() == {"1000"}


def test_schema_rejects_a_wrong_shape():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((SCHEMAS / "bounds.schema.json").read_text())
    bad = {"statement": "x", "values": {}, "constants": "hidden",
           "bounds": [{"name": "w", "kind": "width", "expr": "m", "value": [1],
                       "log10": None, "hidden_constants": [], "provenance": "verified"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_quiet_and_verbose_set_the_progress_bars():
    from prooftools.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["-q", "datasets"]).progress is False
    assert parser.parse_args(["--verbose", "datasets"]).progress is True
    assert parser.parse_args(["datasets"]).progress is None  # bars on a terminal only
    with pytest.raises(SystemExit):
        parser.parse_args(["-q", "-v", "datasets"])
