"""Where each node of the proof graph goes: graphviz ``dot`` (through pydot) where it is
installed, else a layered layout computed here from networkx's topological generations.

Both give the same :class:`Layout` (pixel boxes, edges as polylines or Bézier control points),
so the SVG is drawn the same way whichever ran; a report never fails for lack of graphviz.
Assumptions are at the top and the statement proved at the bottom.

>>> import networkx as nx
>>> lay = layered_layout(nx.DiGraph([("a", "b"), ("a", "c"), ("b", "c")]), {"a": (80, 40),
...                      "b": (80, 40), "c": (80, 40)})
>>> lay.engine, lay.boxes["a"][1] < lay.boxes["b"][1] < lay.boxes["c"][1]
('python', True)
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

__all__ = ["Layout", "dot_layout", "layered_layout", "layout"]

GAP_X, GAP_Y, PAD = 28.0, 46.0, 12.0


@dataclass(frozen=True)
class Layout:
    """Node centres and sizes (pixels), edge paths, the drawing's size, and what computed it.

    ``edges[(u, v)]`` is a list of points: a cubic Bézier spline (``1 + 3k`` points) from the
    tail's box to the head's box.
    """

    boxes: dict[str, tuple[float, float, float, float]]  # x, y (centre), width, height
    edges: dict[tuple[str, str], list[tuple[float, float]]]
    width: float
    height: float
    engine: str  # "dot" or "python"


def layout(graph: nx.DiGraph, sizes: dict[str, tuple[float, float]], *,
           use_dot: bool = True) -> Layout:
    """``dot`` when ``use_dot`` and graphviz is installed, else the layered layout."""
    if use_dot:
        got = dot_layout(graph, sizes)
        if got is not None:
            return got
    return layered_layout(graph, sizes)


def dot_layout(graph: nx.DiGraph, sizes: dict[str, tuple[float, float]]) -> Layout | None:
    """Graphviz's layout (``dot -Tplain``), or None when graphviz cannot run here."""
    import pydot

    order = sorted(graph.nodes)
    name = {n: f"n{i}" for i, n in enumerate(order)}  # ids never reach dot's parser
    dot = pydot.Dot(graph_type="digraph", rankdir="TB", nodesep="0.35", ranksep="0.55")
    for n in order:
        w, h = sizes[n]
        dot.add_node(pydot.Node(name[n], shape="box", fixedsize="true", label="",
                                width=f"{w / 72:.4f}", height=f"{h / 72:.4f}"))
    for u, v in sorted(graph.edges):
        dot.add_edge(pydot.Edge(name[u], name[v]))
    try:
        plain = dot.create(prog="dot", format="plain").decode("utf-8")
    except Exception:  # graphviz missing or failing: the Python layout takes over
        return None
    back = {v: k for k, v in name.items()}
    return _parse_plain(plain, back)


def _parse_plain(plain: str, back: dict[str, str]) -> Layout:
    """Read graphviz's ``plain`` output (inches, y upwards) into pixels, y downwards."""
    boxes, edges, height, width = {}, {}, 0.0, 0.0
    for line in plain.splitlines():
        f = line.split()
        if f and f[0] == "graph":
            width, height = float(f[2]) * 72, float(f[3]) * 72
        elif f and f[0] == "node":
            x, y, w, h = (float(v) * 72 for v in f[2:6])
            boxes[back[f[1]]] = (x + PAD, height - y + PAD, w, h)
        elif f and f[0] == "edge":
            k = int(f[3])
            pts = [(float(f[4 + 2 * i]) * 72 + PAD, height - float(f[5 + 2 * i]) * 72 + PAD)
                   for i in range(k)]
            edges[(back[f[1]], back[f[2]])] = pts
    return Layout(boxes, edges, width + 2 * PAD, height + 2 * PAD, "dot")


def _layers(graph: nx.DiGraph) -> list[list[str]]:
    """Topological generations, each ordered by the mean position of its predecessors
    (a barycentre pass that removes most crossings), ties by id."""
    layers = [sorted(g) for g in nx.topological_generations(graph)]
    pos: dict[str, float] = {}
    for layer in layers:
        def key(n, _pos=pos):
            preds = [_pos[p] for p in graph.predecessors(n) if p in _pos]
            return (sum(preds) / len(preds) if preds else -1.0, n)

        layer.sort(key=key)
        for i, n in enumerate(layer):
            pos[n] = i - (len(layer) - 1) / 2
    return layers


def layered_layout(graph: nx.DiGraph, sizes: dict[str, tuple[float, float]]) -> Layout:
    """Layers top to bottom from the topological generations; edges as vertical S-curves."""
    layers = _layers(graph)
    row_w = [sum(sizes[n][0] for n in layer) + GAP_X * (len(layer) - 1) for layer in layers]
    width = max(row_w, default=0.0) + 2 * PAD
    boxes, y = {}, PAD
    for layer, w_row in zip(layers, row_w, strict=True):
        h_row = max(sizes[n][1] for n in layer)
        x = (width - w_row) / 2
        for n in layer:
            w, h = sizes[n]
            boxes[n] = (x + w / 2, y + h_row / 2, w, h)
            x += w + GAP_X
        y += h_row + GAP_Y
    edges = {}
    for u, v in sorted(graph.edges):
        (x0, y0, _, h0), (x1, y1, _, h1) = boxes[u], boxes[v]
        a, b = (x0, y0 + h0 / 2), (x1, y1 - h1 / 2)
        mid = (a[1] + b[1]) / 2
        edges[(u, v)] = [a, (a[0], mid), (b[0], mid), b]
    return Layout(boxes, edges, width, y - GAP_Y + PAD, "python")
