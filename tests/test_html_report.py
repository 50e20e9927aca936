"""The HTML report (issue 19) without a browser: every command's page, offline and escaped,
the proof graph's encoding and both layouts, determinism, ``-o`` and ``prooftools report``.

The browser itself (clicks, focus, JavaScript off, screenshots) is tests/test_html_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re

import networkx as nx
import pytest

from prooftools.cli import main
from prooftools.reporting.html import graphblock, layout
from prooftools.reporting.html.combined import ReportSources, combined_document
from prooftools.reporting.html.encoding import KIND_SHAPES, PROVENANCE_STYLE
from prooftools.theory import load_registry

DU = ["--n", "1e3", "--lambda0", "1e-3", "--delta", "0.1"]
PLANTED = ["sweep", "planted", "--target", "planted.holds", "--dataset", "sphere:d=3",
           "--n", "8", "16", "--seeds", "2", "--m-range", "2", "4096", "--resolution", "0",
           "--runner", "prooftools.sweep.synthetic:planted", "--option", "c=1", "--option",
           "a=2", "--scheduler", "synchronous", "--no-progress"]
HOSTILE = '<img src=x onerror=alert(1)></script><script>alert(2)</script>'


def page(capsys, *argv: str) -> str:
    assert main([*argv, "--format", "html"]) == 0
    return capsys.readouterr().out


def assert_document(doc: str) -> None:
    """One complete, self-contained page: nothing it loads lies outside it."""
    assert doc.startswith("<!DOCTYPE html>\n<html") and doc.rstrip("\n").endswith("</html>")
    assert doc.count("<html") == 1 and doc.count("</body>") == 1
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", doc)
    assert not re.search(r"https?:|//[a-z]|<link|@import|<iframe|<object|<embed", text, re.I)
    for attr in re.findall(r'\b(?:src|href)="([^"]*)"', doc):
        assert attr.startswith(("data:image/png;base64,", "#")), attr
    assert not re.search(r"url\((?!#)", doc)


def nodes(doc: str, prefix: str = "") -> dict[str, dict[str, str]]:
    """The SVG nodes of a page: data-id → their data attributes."""
    out = {}
    for m in re.finditer(r'<a class="node" ([^>]*)>', doc):
        attrs = dict(re.findall(r'([a-z-]+)="([^"]*)"', m.group(1)))
        if attrs["data-key"].startswith(prefix):
            out[attrs["data-id"]] = attrs
    return out


@pytest.mark.parametrize("argv", [
    ["list"], ["list", "--paper", "du2019"], ["show", "du2019.thm4.1"],
    ["bounds", "du2019.thm4.1", *DU], ["compare", "--n", "1e3", "1e4", "--lambda0", "1e-3",
                                        "--delta", "0.1"],
    ["graph", "du2019.thm4.1"], ["table", *DU], ["engines"], ["datasets"],
], ids=lambda a: "-".join(a[:2]))
def test_every_registry_command_gives_one_offline_page(capsys, argv):
    assert_document(page(capsys, *argv))


def test_statements_are_mathml_and_tables_sortable(capsys):
    doc = page(capsys, "bounds", "du2019.thm4.1", *DU)
    assert '<table class="sortable">' in doc
    cells = re.findall(r"<td>(<math.*?</math>)</td>", doc)
    assert cells and all("**" not in c and "sqrt(" not in c for c in cells)
    assert "<msup><mi>n</mi><mn>6</mn></msup>" in doc  # m ≥ C n⁶/(δ³λ0⁴)
    # magnitudes sort by log10, not by their text
    assert re.search(r'class="num" data-v="-?\d+(\.\d+)?(e[+-]?\d+)?"', doc)


def test_show_has_the_whole_proof_chain(capsys):
    doc = page(capsys, "show", "du2019.thm4.1")
    reg = load_registry()
    chain = set(reg.dependencies("du2019.thm4.1")) | {"du2019.thm4.1"}
    assert set(nodes(doc)) == chain
    panels = re.findall(r'<section class="panel" id="([^"]+)"', doc)
    assert len(panels) == len(chain)
    assert {v["data-key"] for v in nodes(doc).values()} == set(panels)


def test_graph_page_and_its_files(capsys, tmp_path):
    dot = tmp_path / "g.dot"
    doc = page(capsys, "graph", "du2019.thm4.1", "--dot", str(dot))
    assert dot.read_text().startswith("strict digraph")
    assert "derived width: m &gt;" in doc and "width: agrees" in doc  # as in the text format
    assert {v["data-verdict"] for v in nodes(doc).values()} == {"not measured"}


def test_encoding_of_kind_and_provenance(capsys):
    doc = page(capsys, "graph", "du2019.thm4.1")
    reg = load_registry()
    for sid, attrs in nodes(doc).items():
        st = reg.get(sid)
        assert attrs["data-kind"] == st.kind and attrs["data-provenance"] == st.provenance
        body = doc[doc.index(f'data-id="{sid}"'):]
        body = body[:body.index("</a>")]
        dash, mark = PROVENANCE_STYLE[st.provenance]
        shape = body[body.index('class="shape"'):]
        shape = shape[:shape.index("/>")]
        assert (f'stroke-dasharray="{dash}"' in shape) == (dash is not None)
        assert f"{sid}{mark}</text>" in body  # the provenance also as a mark in words
        assert f"{st.kind} · not measured" in body  # kind and verdict also in words
        expected = {"ellipse": "<ellipse", "rect": "<rect"}.get(KIND_SHAPES[st.kind],
                                                                "<polygon")
        assert expected + ' class="shape"' in body
    for word in ("assumption", "lemma", "theorem", "derived †", "first failing link"):
        assert word in doc  # the legend


@pytest.fixture(scope="module")
def verify_report():
    from prooftools.api import verify
    from prooftools.numerics.data.datasets import load_dataset

    ds = load_dataset("sphere:n=12,d=6")
    return verify(load_registry(), "du2019.thm4.1", ds, width=64, steps=20, seed=0,
                  dataset_name="sphere:n=12,d=6")


def test_verify_page_colours_each_node_by_its_verdict(verify_report):
    from prooftools.reporting.html import verify_document

    doc = verify_document(verify_report)
    assert_document(doc)
    got = {sid: a["data-verdict"] for sid, a in nodes(doc).items()}
    assert got == verify_report.graph
    assert doc.count("<img alt=") == len(verify_report.panels) > 0  # one figure per item
    assert doc == verify_document(verify_report)  # the same bytes


def test_the_first_failing_link_is_marked(verify_report):
    payload = verify_report.to_dict()
    payload["graph"]["du2019.lemma3.1"] = "fails"
    payload["first_failing_link"] = "du2019.lemma3.1"
    doc = combined_document(verify_report.registry, ReportSources(verifies=[(payload, {}, [])]))
    flagged = re.findall(r'data-id="([^"]+)"[^>]*>(?:(?!</a>).)*⚑ first failing link', doc)
    assert flagged == ["du2019.lemma3.1"]
    assert nodes(doc)["du2019.lemma3.1"]["data-verdict"] == "fails"
    assert "url(#g-verify0-hatch)" in doc  # fails: a pattern besides the colour


def test_both_layouts_draw_every_node_and_edge(monkeypatch):
    reg = load_registry()
    ids = [*reg.dependencies("du2019.thm4.1"), "du2019.thm4.1"]
    sub = reg.graph.subgraph(ids)
    sizes = {n: (150.0, 44.0) for n in ids}
    python = layout.layered_layout(sub, sizes)
    for u, v in sub.edges:  # every edge points down the page: a proof reads top to bottom
        assert python.boxes[u][1] < python.boxes[v][1]
    assert set(python.edges) == set(sub.edges)
    for a in python.boxes.values():  # no two boxes overlap
        for b in python.boxes.values():
            if a is not b:
                assert abs(a[0] - b[0]) >= (a[2] + b[2]) / 2 or abs(a[1] - b[1]) > 0
    import shutil

    if shutil.which("dot") is None:
        pytest.skip("graphviz dot is not installed: only the Python layout was checked")
    dot = layout.dot_layout(sub, sizes)
    assert dot.engine == "dot" and set(dot.boxes) == set(ids) and set(dot.edges) == set(sub.edges)


def test_a_report_never_fails_for_lack_of_graphviz(capsys, monkeypatch):
    import pydot

    def missing(*a, **k):
        raise FileNotFoundError(2, "No such file or directory", "dot")

    monkeypatch.setattr(pydot.Dot, "create", missing)
    doc = page(capsys, "graph", "du2019.thm4.1")
    assert 'data-layout="python"' in doc and len(nodes(doc)) > 5
    monkeypatch.setattr(graphblock, "USE_DOT", False)
    assert 'data-layout="python"' in page(capsys, "show", "du2019.thm4.1")


def test_csp_allows_only_the_pages_own_style_and_script(capsys):
    doc = page(capsys, "list")
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', doc).group(1)
    csp = csp.replace("&#x27;", "'")
    assert "default-src 'none'" in csp and "unsafe" not in csp
    for name in ("style", "script"):
        body = re.search(rf"<{name}>(.*?)</{name}>", doc, re.S).group(1)
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{name}-src 'sha256-{digest}'" in csp
    markup = re.sub(r"<script>.*?</script>", "", doc, flags=re.S)
    assert not re.search(r"<[^>]*\s(style|on[a-z]+)=", markup)  # inline styles, handlers


def _hostile_theorems(tmp_path):
    path = tmp_path / "evil.toml"
    title = HOSTILE.replace('"', '\\"')
    path.write_text(f'''format = 1
[paper]
key = "evil"
title = "{title}"
authors = ["{title}"]
year = 2024

[[statements]]
id = "thm1"
kind = "theorem"
title = "{title}"
source = "{title}"
provenance = "derived"
notes = "{title}"
[[statements.bounds]]
name = "b"
kind = "width"
symbol = "m"
relation = ">="
expr = "n**2"
''', encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("argv", [["list", "--paper", "evil"], ["show", "evil.thm1"],
                                  ["graph", "evil.thm1"]])
def test_hostile_theorem_text_appears_as_text(capsys, tmp_path, argv):
    doc = page(capsys, *argv, "--theorems", _hostile_theorems(tmp_path))
    assert "<img src=x" not in doc and "<script>alert" not in doc and "onerror=alert" in doc
    assert "&lt;img src=x onerror=alert(1)&gt;" in doc
    assert doc.count("<script>") == 1
    assert_document(doc)


def test_output_file_is_written_atomically(capsys, tmp_path):
    target = tmp_path / "r.html"
    assert main(["show", "du2019.thm4.1", "--format", "html", "-o", str(target)]) == 0
    assert capsys.readouterr().out == ""
    first = target.read_bytes()
    assert first.endswith(b"</html>\n")
    assert main(["show", "du2019.nope", "--format", "html", "-o", str(target)]) == 2
    assert target.read_bytes() == first  # a failed command leaves the previous file
    assert main(["show", "du2019.thm4.1", "--format", "html", "-o", str(target)]) == 0
    assert target.read_bytes() == first  # deterministic


def test_check_and_sweep_pages(capsys, tmp_path):
    doc = page(capsys, "check", "sphere:n=12,d=4", "--theorem", "du2019.thm4.1")
    assert_document(doc)
    assert "Data hypotheses on sphere:n=12,d=4" in doc and "lambda0" in doc
    doc = page(capsys, *PLANTED, "--store", str(tmp_path / "s"))
    assert_document(doc)
    assert "Threshold widths m*" in doc and doc.count('<img alt="') >= 1


def test_report_combines_its_sources(capsys, tmp_path, verify_report):
    vj = tmp_path / "v.json"
    vj.write_text(json.dumps(verify_report.to_dict()), encoding="utf-8")
    assert main([*PLANTED, "--store", str(tmp_path / "s"), "--format", "json"]) == 0
    capsys.readouterr()
    out = tmp_path / "r.html"
    assert main(["report", "--paper", "du2019", *DU, "--verify-json", str(vj), "--sweep",
                 str(tmp_path / "s"), "-o", str(out)]) == 0
    doc = out.read_text(encoding="utf-8")
    assert_document(doc)
    reg = load_registry()
    paper = {st.id for st in reg if st.paper == "du2019"}
    assert set(nodes(doc, "g-paper")) == paper
    assert {k: v["data-verdict"] for k, v in nodes(doc, "g-verify0").items()} == \
        verify_report.graph
    assert "Bounds at the given values" in doc and "Threshold widths m*" in doc


@pytest.mark.parametrize("argv,match", [
    (["report"], "report needs a source"),
    (["report", "--paper", "nope"], "unknown paper 'nope'"),
    (["report", "--verify", "du2019.thm4.1"], "needs --dataset"),
    (["report", "--sweep", "."], "not a sweep store"),
])
def test_report_mistakes_are_one_line(capsys, argv, match):
    assert main(argv) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("prooftools: error: ") and match in err[0]


def test_report_bad_verify_json(capsys, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"statement": "x",\n "graph": }', encoding="utf-8")
    assert main(["report", "--verify-json", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.json: line 2: not JSON" in err
    bad.write_text(json.dumps({"statement": "x", "graph": {"x.y": "holds"}, "verdicts": []}))
    assert main(["report", "--verify-json", str(bad)]) == 2
    assert "'x.y' is not registered here" in capsys.readouterr().err
    bad.write_text(json.dumps({"statement": "x", "graph": {}, "verdicts": [{"item": "a"}]}))
    assert main(["report", "--verify-json", str(bad)]) == 2
    assert "verdicts[0]: key 'statement' missing" in capsys.readouterr().err


def test_layered_layout_is_deterministic():
    g = nx.gnp_random_graph(30, 0.1, seed=1, directed=True)
    dag = nx.DiGraph([(u, v) for u, v in g.edges if u < v])
    dag = nx.relabel_nodes(dag, {n: f"s{n}" for n in dag})
    sizes = {n: (100.0, 40.0) for n in dag}
    assert layout.layered_layout(dag, sizes) == layout.layered_layout(dag.copy(), sizes)


def test_same_bytes_in_another_process(tmp_path):
    """Nothing depends on the process (hash seeds order sets and dicts of strings)."""
    import os
    import subprocess
    import sys

    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"g{seed}.html"
        subprocess.run([sys.executable, "-m", "prooftools", "graph", "du2019.thm4.1",
                        "--format", "html", "-o", str(out)], check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}, timeout=300)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_verify_command_writes_its_page(capsys, tmp_path):
    out = tmp_path / "v.html"
    assert main(["-q", "verify", "du2019.thm4.1", "--dataset", "sphere:n=12,d=6", "--width", "64",
                 "--steps", "20", "--format", "html", "-o", str(out)]) == 0
    assert capsys.readouterr().out == ""
    doc = out.read_text(encoding="utf-8")
    assert_document(doc)
    chain = set(load_registry().dependencies("du2019.thm4.1")) | {"du2019.thm4.1"}
    assert set(nodes(doc)) == chain and "Judged items of du2019.thm4.1" in doc
