"""The theorem registry: built-ins load, ids and uses are sound, user files, cross-file errors.

Other files are being added to theorems/ concurrently, so nothing here depends on the number of
statements; du2019 is the fixed reference paper.
"""

from __future__ import annotations

import itertools
import tomllib
from pathlib import Path
from textwrap import dedent

import networkx as nx
import pytest

from prooftools.errors import TheoremFileError, UnknownStatementError
from prooftools.theory import Registry, load_registry
from prooftools.theory.definitions import KINDS, PROVENANCE
from prooftools.theory.resources import default_theorem_files, default_theorems_path

DU = default_theorems_path() / "du2019.toml"


@pytest.fixture(scope="module")
def reg() -> Registry:
    return load_registry()


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() == needle:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(dedent(text).lstrip(), encoding="utf-8")
    return path


def _uses_closure(reg: Registry, sid: str) -> set[str]:
    """Brute force: everything reachable through ``uses``."""
    seen: set[str] = set()
    stack = list(reg.get(sid).uses)
    while stack:
        cur = stack.pop()
        if cur not in seen:
            seen.add(cur)
            stack.extend(reg.get(cur).uses)
    return seen


# ----------------------------------------------------------------------------- built-ins
def test_builtins_load_and_contain_du2019(reg):
    assert "du2019" in reg.papers
    assert reg.get("du2019.thm4.1").kind == "theorem"
    assert len(reg) > 0 and len(reg.symbols) > 0


def test_every_statement_has_source_provenance_and_kind(reg):
    for st in reg:
        assert st.source.strip(), st.id
        assert st.provenance in PROVENANCE, st.id
        assert st.kind in KINDS, st.id
        assert st.id.startswith(st.paper + "."), st.id
        for item in (*st.hypotheses, *st.bounds, *st.conclusions):
            assert item.provenance in PROVENANCE, (st.id, item.name)


def test_statement_ids_unique_across_files():
    ids = []
    for path in default_theorem_files():
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        key = data.get("paper", {}).get("key")
        ids += [f"{key}.{s['id']}" for s in data.get("statements", [])]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(load_registry().statements)


def test_uses_resolve_to_registered_statements(reg):
    for st in reg:
        for used in st.uses:
            assert used in reg.statements, (st.id, used)


def test_proof_graph_is_a_dag_matching_uses(reg):
    graph = reg.graph
    assert nx.is_directed_acyclic_graph(graph)
    assert set(graph.nodes) == set(reg.statements)
    edges = {(u, st.id) for st in reg for u in st.uses}
    assert set(graph.edges) == edges
    assert graph.has_edge("du2019.lemma3.1", "du2019.lemma3.2")


def test_dependencies_are_the_transitive_uses_in_topological_order(reg):
    deps = reg.dependencies("du2019.thm4.1")
    assert set(deps) == _uses_closure(reg, "du2019.thm4.1")
    assert {"du2019.setting", "du2019.step4.1", "du2019.cond4.1", "du2019.markov"} <= set(deps)
    assert "du2019.thm4.1" not in deps
    position = {sid: i for i, sid in enumerate(deps)}
    for sid in deps:
        for used in reg.get(sid).uses:
            assert position[used] < position[sid], (used, sid)
    assert reg.dependencies("du2019.asm3.1") == []


def test_assumed_hypotheses_of_thm41(reg):
    pairs = reg.assumed_hypotheses("du2019.thm4.1")
    got = {(sid, h.name) for sid, h in pairs}
    # assumptions it uses are assumed; its own bounds that constrain symbols become hypotheses
    assert ("du2019.setting", "unit_norm") in got
    assert ("du2019.asm3.1", "lambda0_positive") in got
    assert ("du2019.thm4.1", "width") in got and ("du2019.thm4.1", "step_size") in got
    # lemmas are proof steps, not assumptions: their hypotheses are not assumed
    assert ("du2019.step4.1", "radius_condition") not in got
    # bounds without a constrained symbol (rate) impose nothing
    assert ("du2019.thm4.1", "rate") not in got
    width = next(h for sid, h in pairs if (sid, h.name) == ("du2019.thm4.1", "width"))
    assert width.text.startswith("m >= ")
    assert str(width.expr.lhs) == "m"


def test_assumed_hypotheses_follow_conditions_transitively(reg):
    got = {(sid, h.name) for sid, h in reg.assumed_hypotheses("du2019.cor4.1")}
    assert ("du2019.cond4.1", "decay_so_far") in got


def test_unknown_statement_suggests_close_ids(reg):
    with pytest.raises(UnknownStatementError, match=r"did you mean du2019\.thm4\.1"):
        reg.get("du2019.thm4.2")
    with pytest.raises(KeyError):
        reg.dependencies("nope.nothing")


def test_constants_and_derived_values(reg):
    st = reg.get("du2019.thm4.1")
    assert reg.constants_in(st.bound("width").expr) == ["C_du_m"]
    derived = reg.derived_constants()
    assert derived["C_du_m31"] == 96
    assert "C_du_m" not in derived
    assert reg.symbols["C_du_eta"].value_provenance == "derived"


def test_file_order_does_not_matter():
    files = default_theorem_files()
    forward = Registry(files)
    backward = Registry(list(reversed(files)))
    assert set(forward.statements) == set(backward.statements)


def test_missing_folder_is_an_error(tmp_path):
    with pytest.raises(TheoremFileError, match="does not exist"):
        load_registry(extra_dirs=[tmp_path / "absent"])


# ----------------------------------------------------------------------------- user files
USER_FILE = """
    format = 1

    [paper]
    key = "usr"
    title = "A user's own theorem"

    [symbols.C_usr]
    role = "constant"
    domain = "positive"

    [[statements]]
    id = "thm1"
    kind = "theorem"
    title = "Sharper width"
    source = "my notes, §2"
    provenance = "derived"
    uses = ["du2019.thm4.1", "lemma1"]

    [[statements.bounds]]
    name = "width"
    kind = "width"
    symbol = "m"
    relation = ">="
    expr = "C_usr * n**4 / (lambda0**2 * delta)"

    [[statements]]
    id = "lemma1"
    kind = "lemma"
    title = "Helper"
    source = "my notes, §1"
    provenance = "derived"
    uses = ["du2019.asm3.1"]
"""


def test_user_folder_may_use_builtin_statements(tmp_path):
    _write(tmp_path, "usr.toml", USER_FILE)
    reg = load_registry(extra_dirs=[tmp_path])
    st = reg.get("usr.thm1")
    assert st.uses == ("du2019.thm4.1", "usr.lemma1")  # full id kept, local id prefixed
    deps = reg.dependencies("usr.thm1")
    assert "du2019.thm4.1" in deps and "du2019.step4.1" in deps and "usr.lemma1" in deps
    assert reg.graph.has_edge("du2019.thm4.1", "usr.thm1")
    assert nx.is_directed_acyclic_graph(reg.graph)
    assert "du2019.thm4.1" in reg.statements  # built-ins still there
    assert str(tmp_path / "usr.toml") in reg.files


def test_user_folder_via_cli(tmp_path, capsys):
    from prooftools.cli import main

    _write(tmp_path, "usr.toml", USER_FILE)
    assert main(["list", "--theorems", str(tmp_path), "--paper", "usr"]) == 0
    out = capsys.readouterr().out
    assert "usr.thm1" in out and "usr.lemma1" in out and "du2019.thm4.1" not in out


def test_duplicate_statement_id_across_files_names_both_places(tmp_path):
    user = _write(tmp_path, "clash.toml", """
        format = 1

        [paper]
        key = "du2019"
        title = "Same key"

        [[statements]]
        id = "thm4.1"
        kind = "theorem"
        title = "Clash"
        source = "x"
        provenance = "verified"
    """)
    with pytest.raises(TheoremFileError) as info:
        load_registry(extra_dirs=[tmp_path])
    problems = info.value.problems
    dup = [p for p in problems if "duplicate statement id" in p.message]
    assert dup, info.value.full_report()
    (p,) = dup
    assert p.path == str(user) and p.line == 8 and p.statement == "du2019.thm4.1"
    first_line = _line_of(DU, 'id = "thm4.1"') - 1  # the [[statements]] header above it
    assert f"{DU}:{first_line}" in p.message
    assert any("paper key 'du2019' already used by" in q.message for q in problems)


def test_symbol_redeclaration_names_both_places(tmp_path):
    user = _write(tmp_path, "redecl.toml", """
        format = 1

        [paper]
        key = "redecl"
        title = "Redeclares"

        [symbols.C_du_m]
        role = "constant"
        domain = "positive"
    """)
    with pytest.raises(TheoremFileError) as info:
        load_registry(extra_dirs=[tmp_path])
    (p,) = info.value.problems
    assert p.path == str(user) and p.line == 7
    assert f"already declared at {DU}:{_line_of(DU, '[symbols.C_du_m]')}" in p.message


def test_vocabulary_symbol_redeclared_names_vocabulary(tmp_path):
    _write(tmp_path, "v.toml", """
        format = 1

        [paper]
        key = "vv"
        title = "t"

        [symbols.lambda0]
        role = "data"
    """)
    with pytest.raises(TheoremFileError, match=r"already declared at .*vocabulary\.toml:\d+"):
        load_registry(extra_dirs=[tmp_path])


def test_cyclic_uses_lists_the_cycle(tmp_path):
    body = "format = 1\n\n[paper]\nkey = \"cyc\"\ntitle = \"Cycle\"\n"
    for sid, used in (("a", "b"), ("b", "c"), ("c", "a")):
        body += (f'\n[[statements]]\nid = "{sid}"\nkind = "lemma"\ntitle = "{sid}"\n'
                 f'source = "x"\nprovenance = "verified"\nuses = ["{used}", "du2019.asm3.1"]\n')
    (tmp_path / "cyc.toml").write_text(body, encoding="utf-8")
    with pytest.raises(TheoremFileError) as info:
        load_registry(extra_dirs=[tmp_path])
    (p,) = info.value.problems
    assert p.message.startswith("cyclic uses: ")
    chain = p.message.removeprefix("cyclic uses: ").split(" -> ")
    assert chain[0] == chain[-1]
    assert set(chain) == {"cyc.a", "cyc.b", "cyc.c"}
    uses = {"cyc.a": "cyc.b", "cyc.b": "cyc.c", "cyc.c": "cyc.a"}
    for u, v in itertools.pairwise(chain):
        assert uses[v] == u  # edge u -> v means v uses u
    assert p.path == str(tmp_path / "cyc.toml")


def test_dangling_uses_is_an_error(tmp_path):
    _write(tmp_path, "d.toml", """
        format = 1

        [paper]
        key = "dang"
        title = "t"

        [[statements]]
        id = "x"
        kind = "lemma"
        title = "t"
        source = "s"
        provenance = "verified"
        uses = ["du2019.thm9.9"]
    """)
    with pytest.raises(TheoremFileError, match=r"uses unknown statement 'du2019\.thm9\.9'"):
        load_registry(extra_dirs=[tmp_path])


def test_all_problems_of_a_file_are_collected(tmp_path):
    _write(tmp_path, "many.toml", """
        format = 1

        [paper]
        key = "many"
        title = "t"

        [[statements]]
        id = "x"
        kind = "lemmma"
        title = "t"
        source = "s"
        provenance = "rumour"
    """)
    with pytest.raises(TheoremFileError) as info:
        load_registry(extra_dirs=[tmp_path])
    lines = sorted(p.line for p in info.value.problems)
    assert lines == [9, 12]
    assert "(and 1 more problem)" in str(info.value)
    assert len(info.value.full_report().splitlines()) == 2
