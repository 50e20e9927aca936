"""A verify run as the HTML report needs it, from the run itself or from its JSON.

From a :class:`~prooftools.checking.report.VerifyReport` the panels get the item figures; from
``prooftools verify --format json`` output they get the same verdicts, margins and formulas
(the registry typesets each item's own condition) but no figures (the JSON has no panels).
"""

from __future__ import annotations

from types import SimpleNamespace

from prooftools.reporting.html.panels import PanelData
from prooftools.reporting.tables import Table

__all__ = ["panel_data", "verdict_rows_table"]

_COLUMNS = ["item", "kind", "inequality", "verdict", "margin", "first failure",
            "implied constants", "note"]


def _num(x):
    return "—" if x is None else (float(x) if isinstance(x, int | float) else x)


def verdict_rows_table(rows: list[dict], formula, caption: str = "") -> Table:
    """Judged items (JSON rows of ``verify``) as a table with MathML inequalities."""
    t = Table(list(_COLUMNS), caption=caption)
    for r in rows:
        j = SimpleNamespace(statement=r["statement"], item=r["item"],
                            inequality=r["inequality"])
        implied = ", ".join(f"{k} {v}" for k, v in (r.get("implied_constants") or {}).items())
        t.rows.append([r["item"], r["kind"], formula(j), r["verdict"], _num(r.get("margin")),
                       _num(r.get("first_failure")), implied or "—", r.get("note") or ""])
    return t


def _formulas(registry):
    from prooftools.reporting.verify_reports import inequality_formulas

    return inequality_formulas(SimpleNamespace(registry=registry))


def panel_data(payload: dict, registry, figures: dict | None = None) -> dict[str, PanelData]:
    """Per statement of the run: combined verdict, first-link flag, items, figures, JSON rows.

    ``payload`` is ``VerifyReport.to_dict()`` (or the JSON file); ``figures`` maps
    (statement, item) to a ``data:`` URI.
    """
    formula = _formulas(registry)
    first = payload.get("first_failing_link")
    out = {}
    for sid, verdict in payload.get("graph", {}).items():
        rows = [r for r in payload.get("verdicts", []) if r["statement"] == sid]
        figs = [(f"{sid}:{r['item']} over the run ({r['verdict']})",
                 (figures or {})[(sid, r["item"])])
                for r in rows if (sid, r["item"]) in (figures or {})]
        out[sid] = PanelData(verdict=verdict, first=sid == first,
                             items=verdict_rows_table(rows, formula, f"judged items of {sid}"),
                             figures=figs, json={"verdicts": rows})
    return out
