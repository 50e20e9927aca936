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


_SHAPES = {"assumption": "box", "condition": "box", "definition": "note",
           "theorem": "doubleoctagon",
           "corollary": "octagon", "lemma": "ellipse"}


def to_dot(graph: nx.DiGraph) -> str:
    r"""DOT text written by networkx through pydot; a node's ``fillcolor`` attribute colours it
    (reports colour nodes by verdict; the theory layer knows no verdicts).

    Labels put the id and the title on two lines (DOT's ``\n`` escape, a real line break in
    Graphviz).

    >>> g = nx.DiGraph([("a.lemma", "a.thm")])
    >>> g.nodes["a.thm"].update(kind="theorem", title="Main result", fillcolor="palegreen")
    >>> text = to_dot(g)
    >>> '"a.thm\\nMain result"' in text and "doubleoctagon" in text and "palegreen" in text
    True
    """
    styled = nx.DiGraph(name="proof")
    styled.graph.update(graph={"rankdir": "LR"}, node={"style": "filled", "fillcolor": "white"})
    for n, data in graph.nodes(data=True):
        title = " ".join(str(data.get("title", "")).split())
        title = title if len(title) <= 60 else title[:59] + "…"
        attrs = {"label": _dot_quote(f"{n}\\n{title}" if title else str(n)),
                 "shape": _SHAPES.get(data.get("kind", ""), "ellipse")}
        if data.get("fillcolor"):
            attrs["fillcolor"] = str(data["fillcolor"])
        styled.add_node(_dot_quote(n), **attrs)
    styled.add_edges_from((_dot_quote(u), _dot_quote(v)) for u, v in graph.edges)
    return nx.nx_pydot.to_pydot(styled).to_string()


def _dot_quote(text: object) -> str:
    """A DOT double-quoted string (pydot leaves quoted strings as they are)."""
    return '"' + str(text).replace('"', '\\"') + '"'
