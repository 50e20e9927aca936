"""A proof-graph block: controls, legend, the SVG and one panel per statement.

The controls (focus on a node's ancestors or dependents, filters by id, verdict and provenance)
are in the markup but ``hidden`` until the script shows them: without JavaScript they would do
nothing, and the graph and every panel are there anyway.
"""

from __future__ import annotations

from prooftools.reporting.html.encoding import VERDICTS, verdict_style
from prooftools.reporting.html.layout import layout
from prooftools.reporting.html.markup import anchor_id, esc, raw_tag, tag, void
from prooftools.reporting.html.panels import PanelData, statement_panel
from prooftools.reporting.html.svg import NodeView, graph_svg, legend_html, node_size
from prooftools.theory.definitions import PROVENANCE

__all__ = ["graph_block"]

#: use graphviz where it is installed (tests switch it off to exercise the Python layout)
USE_DOT = True


def _select(name: str, label: str, options: list[tuple[str, str]]) -> str:
    opts = "".join(tag("option", text, value=value) for value, text in options)
    return raw_tag("label", esc(label) + " " + raw_tag("select", opts, name=name))


def _controls(views: dict[str, NodeView]) -> str:
    nodes = [(v.key, v.id) for v in sorted(views.values(), key=lambda v: v.id)]
    present = {verdict_style(v.verdict).word for v in views.values()}
    verdicts = [("", "any")] + [(v.word, f"{v.icon} {v.word}") for v in VERDICTS
                                if v.word in present]
    provs = [("", "any")] + [(p, p) for p in PROVENANCE
                             if any(v.provenance == p for v in views.values())]
    parts = [
        _select("focus", "node", nodes),
        _select("mode", "show", [("all", "all statements"), ("ancestors", "its ancestors only"),
                                 ("dependents", "its dependents only")]),
        raw_tag("label", "id contains " + void("input", name="id", type="search", size="18")),
        _select("verdict", "verdict", verdicts),
        _select("provenance", "provenance", provs),
        tag("button", "reset", type="button", name="reset"),
    ]
    return raw_tag("div", "".join(parts), cls="controls", hidden=True,
                   aria_label="focus and filters")


def graph_block(registry, ids: list[str], prefix: str, data: dict[str, PanelData] | None = None,
                *, open_id: str | None = None) -> str:
    """The graph of the statements ``ids`` (edges: ``uses``) with their panels."""
    data = data or {}
    keys = {sid: anchor_id(prefix, sid) for sid in ids}
    views = {}
    for sid in ids:
        st = registry.get(sid)
        d = data.get(sid, PanelData())
        views[sid] = NodeView(sid, keys[sid], st.kind, st.provenance, st.title, d.verdict,
                              d.first)
    sub = registry.graph.subgraph(ids)
    edges = sorted(sub.edges)
    lay = layout(sub, {sid: node_size(v) for sid, v in views.items()}, use_dot=USE_DOT)
    svg = graph_svg(prefix, views, edges, lay)
    order = sorted(ids)
    panels = "".join(statement_panel(registry, sid, keys[sid], keys, data.get(sid))
                     for sid in order)
    note = raw_tag("noscript", tag("p", "Without JavaScript: each node links to its panel, "
                                        "listed beside or below the graph.", cls="nojs-note"))
    wrap = raw_tag("div", raw_tag("div", svg, cls="graph") + raw_tag("div", panels,
                                                                     cls="panels"),
                   cls="graphwrap")
    first = keys.get(open_id or "", keys[order[-1]] if order else "")
    return raw_tag("div", _controls(views) + note + wrap + legend_html(prefix + "-legend"),
                   cls="graphblock", data_open=first, id=prefix)
