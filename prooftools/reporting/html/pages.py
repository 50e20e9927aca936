"""The HTML document of each command (``--format html``): the same numbers as its other
formats, laid out as a page. Builders return the document as a string; nothing is recomputed.
"""

from __future__ import annotations

from prooftools.reporting.html.document import Document
from prooftools.reporting.html.graphblock import graph_block
from prooftools.reporting.html.markup import esc, raw_tag, tag
from prooftools.reporting.html.panels import statement_terms
from prooftools.reporting.html.tables import table_html
from prooftools.reporting.tables import Table

__all__ = ["check_document", "graph_command_document", "graph_document", "show_document",
           "sweep_document", "table_document", "verify_document", "verify_sections"]


def table_document(title: str, tables: list[Table], subtitle: list[str] | None = None) -> str:
    """A page of tables (``list``, ``bounds``, ``compare``, ``table``, ``engines`` …)."""
    doc = Document(title, list(subtitle or []))
    for t in tables:
        doc.add("", table_html(t))
    return doc.render()


def _chain(registry, sid: str) -> list[str]:
    return [*registry.dependencies(sid), sid]


def show_document(registry, sid: str) -> str:
    """``show``: the statement in MathML, its notes, and its proof chain with every panel."""
    st = registry.get(sid)
    paper = registry.papers[st.paper]
    doc = Document(f"{sid} — {st.title}", [f"{st.kind} · {paper.short} · {st.source} · "
                                           f"provenance: {st.provenance}"])
    body = statement_terms(registry, sid)
    if st.notes:
        body += tag("p", "notes: " + " ".join(st.notes.split()), cls="meta")
    doc.add("Statement", body)
    doc.add("Proof chain", graph_block(registry, _chain(registry, sid), "g-show", open_id=sid))
    return doc.render()


def graph_document(registry, sid: str, derivation: str | None = None) -> str:
    """``graph``: the proof chain (no run: every node is *not measured*)."""
    doc = Document(f"Proof chain of {sid}", [registry.get(sid).title])
    doc.add("Proof graph", graph_block(registry, _chain(registry, sid), "g-graph", open_id=sid))
    if derivation:
        doc.add("Derivation from the lemmas", tag("pre", derivation))
    return doc.render()


def graph_command_document(registry, sid: str, *, dot: str | None = None,
                           graphml: str | None = None) -> str:
    """``graph --format html``: the page, the derivation from the lemmas, and the DOT/GraphML files
    asked for (written as the other formats write them)."""
    import json

    from prooftools.reporting.registry_reports import graph_report

    info = json.loads(graph_report(registry, sid, dot=dot, graphml=graphml, fmt="json"))
    return graph_document(registry, sid, info.get("derivation"))


def verify_sections(doc: Document, payload: dict, registry, *, figures=None, notes=(),
                    prefix: str = "g-verify", heading: str = "") -> None:
    """Add a verify run's proof graph (coloured by verdict), its items and notes to ``doc``."""
    from prooftools.reporting.html.verify_view import panel_data, verdict_rows_table

    data = panel_data(payload, registry, figures)
    ids = [sid for sid in payload.get("graph", {}) if sid in registry.statements]
    link = payload.get("first_failing_link")
    summary = tag("p", f"first failing link: {link}" if link else "no failing link")
    doc.add(heading or f"Proof graph of {payload['statement']}",
            summary + graph_block(registry, ids, prefix, data, open_id=link or payload[
                "statement"]))
    from prooftools.reporting.html.verify_view import _formulas

    table = verdict_rows_table(payload.get("verdicts", []), _formulas(registry),
                               "every judged item")
    table.columns[0:0] = ["statement"]
    for row, r in zip(table.rows, payload.get("verdicts", []), strict=True):
        row.insert(0, r["statement"])
    table.notes += list(notes)
    doc.add(f"Judged items of {payload['statement']}", table_html(table))


def verify_document(report) -> str:
    """``verify``: caption, proof graph with panels (figures inline), the verdict table."""
    from prooftools.reporting.html.figures import panel_figures
    from prooftools.reporting.verify_reports import verdict_table

    table = verdict_table(report)
    doc = Document(f"verify {report.statement}", [table.caption])
    payload = report.to_dict()
    verify_sections(doc, payload, report.registry, figures=panel_figures(report),
                    notes=table.notes)
    return doc.render()


def check_document(report, tables: list[Table]) -> str:
    """``check``: the data hypotheses and the quantities behind them."""
    doc = Document(f"Data hypotheses on {report.dataset['name']}")
    for t in tables:
        doc.add("", table_html(t))
    return doc.render()


def sweep_document(rep, tables: list[Table], figures: list[tuple[str, str]],
                   heading: str) -> str:
    """``sweep``: its tables (m*, fits, exponents, admitted constants) and figures inline."""
    doc = Document(f"sweep {rep.run.spec.statement}", [heading])
    for t in tables:
        doc.add("", table_html(t))
    for name, uri in figures:
        doc.add("", raw_tag("figure", f'<img alt="{esc(name)}" src="{esc(uri)}">'
                            + tag("figcaption", name)))
    for n in rep.notes:
        doc.add("", tag("p", f"note: {n}", cls="meta"))
    return doc.render()
