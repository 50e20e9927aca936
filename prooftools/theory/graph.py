"""The proof graph: a plain networkx DiGraph over statements (edge u → v: v uses u)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import networkx as nx

from prooftools.atomic import write_bytes, write_text

if TYPE_CHECKING:
    from prooftools.theory.registry import Registry


def build_graph(registry: Registry) -> nx.DiGraph:
    """Graph of every statement, with node attributes kind, title, paper, provenance, source.

    >>> from prooftools.theory import load_registry
    >>> G = load_registry().graph
    >>> G.has_edge("du2019.lemma3.1", "du2019.lemma3.2")
    True
    """
    graph = nx.DiGraph()
    for st in registry:
        graph.add_node(
            st.id,
            kind=st.kind,
            title=st.title,
            paper=st.paper,
            provenance=st.provenance,
            source=st.source,
        )
    for st in registry:
        for used in st.uses:
            graph.add_edge(used, st.id)
    return graph


def proof_tree(graph: nx.DiGraph, statement_id: str) -> nx.DiGraph:
    """The sub-graph of ``statement_id`` and everything it rests on."""
    nodes = nx.ancestors(graph, statement_id) | {statement_id}
    return graph.subgraph(nodes).copy()


def tree_lines(graph: nx.DiGraph, root: str, *, label=None) -> list[str]:
    """The chain from assumptions to ``root`` printed as an indented tree (root first).

    A statement reached twice is printed once in full and then as ``(see above)``.
    """
    label = label or (lambda n: f"{n}  [{graph.nodes[n].get('kind', '?')}] "
                                f"{graph.nodes[n].get('title', '')}")
    lines: list[str] = []
    seen: set[str] = set()
    # (node, prefix, last, top), visited depth-first with an explicit stack so that a chain of
    # thousands of `uses` prints without recursion
    stack: list[tuple[str, str, bool, bool]] = [(root, "", True, True)]
    while stack:
        node, prefix, last, top = stack.pop()
        branch = "" if top else ("└── " if last else "├── ")
        again = node in seen and graph.in_degree(node) > 0
        lines.append(prefix + branch + label(node) + ("  (see above)" if again else ""))
        if again:
            continue
        seen.add(node)
        children = sorted(graph.predecessors(node))
        child_prefix = prefix + ("" if top else ("    " if last else "│   "))
        for i in range(len(children) - 1, -1, -1):
            stack.append((children[i], child_prefix, i == len(children) - 1, False))
    return lines


def write_graph(graph: nx.DiGraph, path: str) -> None:
    """Write DOT (``.dot``/``.gv``) or GraphML (``.graphml``), chosen by the extension."""
    if path.endswith(".graphml"):
        clean = nx.DiGraph()
        for n, data in graph.nodes(data=True):
            clean.add_node(n, **{k: str(v) for k, v in data.items()})
        clean.add_edges_from(graph.edges)
        buf = io.BytesIO()
        nx.write_graphml(clean, buf)
        write_bytes(path, buf.getvalue())
        return
    write_text(path, to_dot(graph))


_COLOURS = {"holds": "palegreen", "fails": "salmon", "unknown": "lightgrey",
            "not guaranteed": "khaki"}
_SHAPES = {"assumption": "box", "condition": "box", "definition": "note",
           "theorem": "doubleoctagon",
           "corollary": "octagon", "lemma": "ellipse"}


def to_dot(graph: nx.DiGraph) -> str:
    """DOT text (no pydot needed); a node's ``verdict`` attribute colours it."""

    def q(s: str) -> str:
        return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'

    out = ["digraph proof {", "  rankdir=LR;", "  node [style=filled, fillcolor=white];"]
    for n, data in graph.nodes(data=True):
        attrs = {"label": f"{n}\\n{data.get('title', '')}"[:80],
                 "shape": _SHAPES.get(data.get("kind", ""), "ellipse")}
        if data.get("verdict"):
            attrs["fillcolor"] = _COLOURS.get(str(data["verdict"]), "white")
        out.append(f"  {q(n)} [" + ", ".join(f"{k}={q(v)}" for k, v in attrs.items()) + "];")
    for u, v in graph.edges:
        out.append(f"  {q(u)} -> {q(v)};")
    out.append("}")
    return "\n".join(out) + "\n"
