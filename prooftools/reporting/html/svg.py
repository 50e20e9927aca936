"""The proof graph as inline SVG, and its legend.

Each node is a link to its panel (``<a href="#panel">``, so it works without JavaScript and from
the keyboard) drawn with shape = kind, border = provenance, fill = verdict (colour, pattern and
icon), and two text lines: the id with its provenance mark, then kind and verdict in words. The
first failing link gets a dark red double outline and a flag label.
"""

from __future__ import annotations

from dataclasses import dataclass

from prooftools.reporting.html.encoding import (
    KIND_SHAPES,
    PROVENANCE_STYLE,
    VERDICTS,
    verdict_style,
)
from prooftools.reporting.html.layout import Layout
from prooftools.reporting.html.markup import esc, raw_tag, tag

__all__ = ["NodeView", "graph_svg", "legend_html", "node_size"]

FONT_W, NODE_H, FLAG_H = 7.0, 44.0, 16.0
#: a graph up to this width shrinks to fit its column; a wider one keeps its size and scrolls
FIT_WIDTH = 1400.0


@dataclass(frozen=True)
class NodeView:
    """What the SVG shows of one statement (``key``: its panel's HTML id)."""

    id: str
    key: str
    kind: str
    provenance: str
    title: str
    verdict: str | None = None
    first: bool = False

    @property
    def label(self) -> str:
        mark = PROVENANCE_STYLE.get(self.provenance, (None, ""))[1]
        return f"{verdict_style(self.verdict).icon} {self.id}{mark}"

    @property
    def sub(self) -> str:
        return f"{self.kind} · {verdict_style(self.verdict).word}"


def node_size(view: NodeView) -> tuple[float, float]:
    """Room for the two text lines inside the node's shape (ellipses and octagons need more)."""
    chars = max(len(view.label), len(view.sub) * 0.9)
    grow = {"ellipse": 1.3, "doubleoctagon": 1.12, "octagon": 1.08, "parallelogram": 1.1}
    w = (chars * FONT_W + 22) * grow.get(KIND_SHAPES.get(view.kind, "rect"), 1.0)
    return round(max(w, 120.0), 1), NODE_H + (FLAG_H if view.first else 0.0)


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _points(pts) -> str:
    return " ".join(f"{_f(x)},{_f(y)}" for x, y in pts)


def _octagon(x, y, w, h, c=9.0):
    l, r, t, b = x - w / 2, x + w / 2, y - h / 2, y + h / 2
    return [(l + c, t), (r - c, t), (r, t + c), (r, b - c), (r - c, b), (l + c, b), (l, b - c),
            (l, t + c)]


def shape_svg(kind: str, x: float, y: float, w: float, h: float, style: str) -> str:
    """The outline of a node of this kind centred at (x, y); ``style`` its attributes."""
    shape = KIND_SHAPES.get(kind, "rect")
    l, t = x - w / 2, y - h / 2
    if shape == "ellipse":
        return f'<ellipse class="shape" cx="{_f(x)}" cy="{_f(y)}" rx="{_f(w / 2)}" ' \
               f'ry="{_f(h / 2)}" {style}/>'
    if shape == "parallelogram":
        k = 10.0
        pts = [(l + k, t), (l + w, t), (l + w - k, t + h), (l, t + h)]
    elif shape == "note":
        k = 10.0
        pts = [(l, t), (l + w - k, t), (l + w, t + k), (l + w, t + h), (l, t + h)]
    elif shape in ("octagon", "doubleoctagon"):
        pts = _octagon(x, y, w, h)
        if shape == "doubleoctagon":
            inner = _octagon(x, y, w - 8, h - 8, 7.0)
            return (f'<polygon class="shape" points="{_points(pts)}" {style}/>'
                    f'<polygon points="{_points(inner)}" fill="none" stroke="#333" '
                    'stroke-width="1"/>')
    else:
        return f'<rect class="shape" x="{_f(l)}" y="{_f(t)}" width="{_f(w)}" ' \
               f'height="{_f(h)}" {style}/>'
    return f'<polygon class="shape" points="{_points(pts)}" {style}/>'


def _defs(prefix: str) -> str:
    """Fill patterns of the verdicts that have one, and the arrowhead."""
    out = [f'<marker id="{prefix}-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
           'markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" '
           'fill="#666"/></marker>']
    for v in VERDICTS:
        if v.pattern == "hatch":
            mark = '<path d="M0,8 L8,0" stroke="#b71c1c" stroke-width="1.2"/>'
        elif v.pattern == "dots":
            mark = '<circle cx="4" cy="4" r="1.3" fill="#a65c00"/>'
        else:
            continue
        out.append(f'<pattern id="{prefix}-{v.pattern}" width="8" height="8" '
                   f'patternUnits="userSpaceOnUse"><rect width="8" height="8" '
                   f'fill="{v.fill}"/>{mark}</pattern>')
    return "<defs>" + "".join(out) + "</defs>"


def _fill(prefix: str, verdict: str | None) -> str:
    st = verdict_style(verdict)
    return f"url(#{prefix}-{st.pattern})" if st.pattern else st.fill


def _style(prefix: str, view: NodeView) -> str:
    dash = PROVENANCE_STYLE.get(view.provenance, (None, ""))[0]
    return (f'fill="{_fill(prefix, view.verdict)}" stroke="#333" stroke-width="1.6"'
            + (f' stroke-dasharray="{dash}"' if dash else ""))


def _node_svg(prefix: str, view: NodeView, box, preds: list[str], succs: list[str]) -> str:
    x, y, w, h = box
    if view.first:  # the flag above, the shape below it
        y, h = y + FLAG_H / 2, h - FLAG_H
    parts = [tag("title", f"{view.id} — {view.title} ({view.kind}, {view.provenance}, "
                          f"{verdict_style(view.verdict).word})")]
    if view.first:
        parts.append(shape_svg(view.kind, x, y, w + 8, h + 8,
                               'fill="none" stroke="#8b0000" stroke-width="3"'))
        parts.append(f'<text class="firstflag" x="{_f(x)}" y="{_f(y - h / 2 - 7)}" '
                     f'text-anchor="middle">⚑ first failing link</text>')
    parts.append(shape_svg(view.kind, x, y, w, h, _style(prefix, view)))
    parts.append(f'<text x="{_f(x)}" y="{_f(y - 3)}" text-anchor="middle">{esc(view.label)}'
                 "</text>")
    parts.append(f'<text class="sub" x="{_f(x)}" y="{_f(y + 12)}" text-anchor="middle">'
                 f"{esc(view.sub)}</text>")
    return raw_tag("a", "".join(parts), cls="node", href=f"#{view.key}", data_key=view.key,
                   data_id=view.id, data_kind=view.kind, data_provenance=view.provenance,
                   data_verdict=verdict_style(view.verdict).word,
                   data_pred=" ".join(preds), data_succ=" ".join(succs),
                   aria_label=f"{view.id}: {view.sub}, {view.provenance}")


def _edge_svg(prefix: str, u: str, v: str, pts) -> str:
    d = f"M{_f(pts[0][0])},{_f(pts[0][1])}"
    for i in range(1, len(pts) - 2, 3):
        d += " C" + " ".join(f"{_f(x)},{_f(y)}" for x, y in pts[i:i + 3])
    return (f'<g class="edge" data-from="{esc(u)}" data-to="{esc(v)}"><path d="{d}" '
            f'marker-end="url(#{prefix}-arrow)"/></g>')


def graph_svg(prefix: str, views: dict[str, NodeView], edges: list[tuple[str, str]],
              lay: Layout) -> str:
    """The whole graph; ``prefix`` keeps its pattern ids apart from another graph's."""
    pred: dict[str, list[str]] = {n: [] for n in views}
    succ: dict[str, list[str]] = {n: [] for n in views}
    for u, v in edges:
        succ[u].append(views[v].key)
        pred[v].append(views[u].key)
    body = [_defs(prefix)]
    body += [_edge_svg(prefix, views[u].key, views[v].key, lay.edges[(u, v)])
             for u, v in sorted(edges)]
    body += [_node_svg(prefix, views[n], lay.boxes[n], sorted(pred[n]), sorted(succ[n]))
             for n in sorted(views)]
    w, h = _f(lay.width), _f(lay.height)
    fit = ' class="fit"' if lay.width <= FIT_WIDTH else ""  # wider graphs scroll instead
    return (f'<svg{fit} viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
            f'aria-label="proof graph, {len(views)} statements" data-layout="{lay.engine}">'
            + "".join(body) + "</svg>")


def _legend_group(title: str, rows: list[tuple[str, str]], width: float = 230.0) -> str:
    """One legend group: a sample drawing and its words per row."""
    h = 30.0 * len(rows) + 4
    inner = "".join(f'<g transform="translate(0,{_f(30.0 * i + 2)})">{sample}'
                    f'<text x="76" y="17" font-size="12">{esc(words)}</text></g>'
                    for i, (sample, words) in enumerate(rows))
    svg = (f'<svg width="{_f(width)}" height="{_f(h)}" viewBox="0 0 {_f(width)} {_f(h)}" '
           f'role="img" aria-label="{esc(title)}">{inner}</svg>')
    return raw_tag("figure", tag("figcaption", title) + svg)


def legend_html(prefix: str) -> str:
    """The legend: shape = kind, border = provenance, fill = verdict, the first failing link."""
    plain = 'fill="#fff" stroke="#333" stroke-width="1.4"'
    kinds = [(shape_svg(k, 34, 13, 60, 24, plain), k) for k in KIND_SHAPES]
    provs = []
    for p, (dash, mark) in PROVENANCE_STYLE.items():
        d = f' stroke-dasharray="{dash}"' if dash else ""
        provs.append((f'<rect x="4" y="2" width="60" height="22" fill="#fff" stroke="#333" '
                      f'stroke-width="1.6"{d}/>', f"{p} {mark}".strip() + (
                          " (mark after the id)" if mark else " (solid)")))
    fills = []
    for v in VERDICTS:
        fill = f"url(#{prefix}-{v.pattern})" if v.pattern else v.fill
        fills.append((f'<rect x="4" y="2" width="60" height="22" fill="{fill}" stroke="#333"/>'
                      f'<text x="34" y="18" text-anchor="middle" font-size="13">{esc(v.icon)}'
                      "</text>", v.word))
    first = [(shape_svg("lemma", 34, 13, 68, 28, 'fill="none" stroke="#8b0000" '
                        'stroke-width="3"') + shape_svg("lemma", 34, 13, 60, 20, plain),
              "⚑ first failing link")]
    defs = f'<svg width="0" height="0" aria-hidden="true">{_defs(prefix)}</svg>'
    return raw_tag("div", defs + _legend_group("shape = kind", kinds)
                   + _legend_group("border = provenance", provs, 300)
                   + _legend_group("fill = verdict (icon and pattern too)", fills)
                   + _legend_group("marks", first), cls="legend")
