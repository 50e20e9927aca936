"""The panel of one statement: the statement in MathML, and what a run found for it.

A panel is a ``<section>`` the graph's node links to. Without JavaScript every panel is on the
page below the graph; with it, the one opened by click or keyboard shows beside the graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prooftools.atomic import dumps
from prooftools.reporting.html.markup import esc, raw_tag, tag
from prooftools.reporting.html.mathml import formula_html
from prooftools.reporting.html.tables import badge, table_html
from prooftools.reporting.tables import Table

__all__ = ["PanelData", "statement_panel", "statement_terms"]


@dataclass
class PanelData:
    """What a run adds to a statement's panel (all optional)."""

    verdict: str | None = None
    first: bool = False
    items: Table | None = None  # the judged items of this statement
    figures: list[tuple[str, str]] = field(default_factory=list)  # (caption, data URI)
    json: dict = field(default_factory=dict)  # the run's rows for this statement


def _names(registry) -> tuple:
    from prooftools.reporting.latex import registry_names, registry_params

    return registry_names(registry), registry_params(registry)


def statement_terms(registry, sid: str) -> str:
    """Assumed hypotheses, hypotheses, bounds and conclusions of a statement as a ``<dl>``."""
    from prooftools.reporting.registry_reports import bound_formula, condition_formula

    st = registry.get(sid)
    names = _names(registry)
    groups = [
        ("assumes", [(f"{s}:{h.name}", condition_formula(h, names))
                     for s, h in registry.assumed_hypotheses(sid) if s != sid]),
        ("hypotheses", [(h.name, condition_formula(h, names)) for h in st.hypotheses]),
        ("bounds", [(f"{b.name} ({b.kind})", bound_formula(registry, b, names))
                    for b in st.bounds]),
        ("conclusions", [(c.name, condition_formula(c, names)) for c in st.conclusions]),
    ]
    out = []
    for title, rows in groups:
        if rows:
            out.append(tag("dt", title))
            out += [raw_tag("dd", tag("span", name, cls="meta") + " " + formula_html(f))
                    for name, f in rows]
    return raw_tag("dl", "".join(out), cls="stmt") if out else ""


def statement_panel(registry, sid: str, key: str, keys: dict[str, str],
                    data: PanelData | None = None) -> str:
    """The panel of ``sid`` (HTML id ``key``; ``keys`` maps the ids it uses to their panels)."""
    from prooftools.reporting.registry_reports import statement_dict

    data = data or PanelData()
    st = registry.get(sid)
    paper = registry.papers[st.paper]
    head = tag("h3", f"{sid} — {st.title}")
    meta = tag("p", f"{st.kind} · {paper.short} · {st.source} · provenance: {st.provenance}",
               cls="meta")
    parts = [head, meta]
    if data.verdict:
        parts.append(raw_tag("p", "verdict: " + badge(data.verdict) + (
            " " + tag("strong", "⚑ first failing link") if data.first else "")))
    uses = [raw_tag("a", esc(u), href=f"#{keys[u]}") if u in keys else esc(u) for u in st.uses]
    if uses:
        parts.append(raw_tag("p", "uses: " + ", ".join(uses), cls="meta"))
    parts.append(statement_terms(registry, sid))
    if data.items is not None and data.items.rows:
        parts.append(table_html(data.items, stacked=True))
    for caption, uri in data.figures:
        parts.append(raw_tag("figure", f'<img alt="{esc(caption)}" src="{esc(uri)}">'
                             + tag("figcaption", caption)))
    payload = {"statement": statement_dict(registry, sid), **data.json}
    parts.append(raw_tag("details", tag("summary", "JSON") + tag(
        "pre", dumps(payload, indent=1, ensure_ascii=False, default=str), cls="json")))
    return raw_tag("section", "".join(p for p in parts if p), cls="panel", id=key,
                   aria_label=f"statement {sid}")
