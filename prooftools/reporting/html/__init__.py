"""Self-contained HTML reports: one offline file per command (``--format html``) or combined
(``prooftools report``), with the proof graph as inline SVG, statements in MathML, sortable
tables and inline figures. See docs/reports.md.
"""

from prooftools.reporting.html.pages import (
    check_document,
    graph_document,
    show_document,
    sweep_document,
    table_document,
    verify_document,
)

__all__ = ["check_document", "graph_document", "show_document", "sweep_document",
           "table_document", "verify_document"]
