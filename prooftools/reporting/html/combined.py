"""``prooftools report``: several sources in one page — a paper (its statements, proof graph and
bounds at given values), verify runs (live or from their JSON), sweep stores and dataset checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from prooftools.reporting.html.document import Document
from prooftools.reporting.html.graphblock import graph_block
from prooftools.reporting.html.markup import esc, raw_tag, tag
from prooftools.reporting.html.pages import verify_sections
from prooftools.reporting.html.tables import table_html

__all__ = ["ReportSources", "combined_document"]


@dataclass
class ReportSources:
    """What one combined report shows; every part is optional (but not all at once)."""

    paper: str | None = None
    values: Mapping[str, object] = field(default_factory=dict)
    constants: str = "hidden"
    #: (VerifyReport.to_dict() or its JSON file, figures by (statement, item), notes)
    verifies: list[tuple[dict, dict, list[str]]] = field(default_factory=list)
    sweeps: list = field(default_factory=list)  # SweepReport
    checks: list = field(default_factory=list)  # (DataReport, its tables)


def _paper_sections(doc: Document, registry, src: ReportSources) -> None:
    from prooftools.reporting.registry_reports import bounds_report, list_table

    paper = registry.papers[src.paper]
    ids = [st.id for st in registry if st.paper == src.paper]
    doc.add(f"{paper.short}: {paper.title}", table_html(list_table(registry, paper=src.paper)))
    doc.add(f"Proof graph of {paper.short}", graph_block(registry, ids, "g-paper"))
    if src.values:
        tables = [bounds_report(registry, sid, src.values, constants=src.constants).table
                  for sid in ids if registry.get(sid).bounds]
        doc.add("Bounds at the given values", "".join(table_html(t) for t in tables))


def _sweep_sections(doc: Document, reps: list) -> None:
    from prooftools.reporting.html.sweep_page import heading, sweep_figures, sweep_tables

    for rep in reps:
        body = tag("p", heading(rep), cls="meta")
        body += "".join(table_html(t) for t in sweep_tables(rep))
        body += "".join(raw_tag("figure", f'<img alt="{esc(name)}" src="{esc(uri)}">'
                                + tag("figcaption", name)) for name, uri in sweep_figures(rep))
        body += "".join(tag("p", f"note: {n}", cls="meta") for n in rep.notes)
        doc.add(f"Sweep of {rep.run.spec.statement}", body)


def combined_document(registry, src: ReportSources, title: str = "prooftools report") -> str:
    """The combined page, sections in the order paper, verify runs, sweeps, checks."""
    parts = ([f"paper {src.paper}"] if src.paper else []) + [
        f"verify {p['statement']}" for p, _, _ in src.verifies] + [
        f"sweep {r.run.spec.statement}" for r in src.sweeps] + [
        f"check {r.dataset['name']}" for r, _ in src.checks]
    doc = Document(title, ["contents: " + "; ".join(parts)])
    if src.paper:
        _paper_sections(doc, registry, src)
    for i, (payload, figures, notes) in enumerate(src.verifies):
        verify_sections(doc, payload, registry, figures=figures, notes=notes,
                        prefix=f"g-verify{i}", heading=f"verify {payload['statement']}: "
                        + _config_line(payload.get("config", {})))
    _sweep_sections(doc, src.sweeps)
    for report, tables in src.checks:
        doc.add(f"Data hypotheses on {report.dataset['name']}",
                "".join(table_html(t) for t in tables))
    return doc.render()


def _config_line(cfg: dict) -> str:
    keys = ("dataset", "n", "d", "width", "steps", "seed", "algorithm")
    return ", ".join(f"{k}={cfg[k]}" for k in keys if cfg.get(k) is not None) or "run"
