"""Tables for ``prooftools check``: data hypotheses and the quantities behind them."""

from __future__ import annotations

import math

from prooftools.checking.verdict import Verdict
from prooftools.reporting.tables import Table

_QUANTITY_ORDER = ("n", "d", "norm_min", "norm_max", "y_max", "last_coord", "sep", "phi",
                   "nonpar", "sigma_min_X", "rank_X", "lambda0", "lambda_ntk")


def _num(v) -> float | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return float(v)


def quantity_table(report, label: str, tex_names: dict[str, str] | None = None) -> Table:
    """The measured quantities of one normalization of the dataset, with proven bounds
    (``tex_names``: the registry's LaTeX names, for the LaTeX rendering)."""
    qs = report.quantities[label]
    names = [k for k in _QUANTITY_ORDER if k in qs] + sorted(k for k in qs if k.startswith("x_"))
    t = Table(columns=["quantity", "value", "proven lower bound", "witness"],
              caption=f"Data quantities ({label}): " + ("; ".join(report.changes[label])
                                                        or "data unchanged"),
              tex_names=tex_names)
    for k in names:
        q = qs[k]
        t.rows.append([k, _num(q.value), _num(q.lower), q.witness or ""])
    cached = getattr(report, "cached", {}).get(label)
    if cached:
        t.notes.append("read from the on-disk cache (--no-cache recomputes): "
                       + ", ".join(cached))
    return t


def _needs_depth(h: dict) -> bool:
    """A hypothesis left unknown because lambda_ntk was not measured (no depth given)."""
    return "not measured" in h["note"] and "lambda_ntk" in h["note"]


def hypothesis_table(report, names: dict[str, str] | None = None) -> Table:
    """One row per judged data hypothesis: verdict, values, implied constants (``names``: the
    registry's LaTeX names, for the LaTeX rendering)."""
    t = Table(columns=["statement", "hypothesis", "verdict", "values", "note"],
              caption=f"Data hypotheses on {report.dataset['name']}", tex_names=names)
    for h in report.hypotheses:
        mine = h.get("user_supplied", ())
        vals = ", ".join((f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}")
                         + (" (set)" if k in mine else "") for k, v in h["value"].items())
        wit = "; ".join(f"{k}: {w}" for k, w in h["witness"].items()
                        if h["verdict"] != str(Verdict.HOLDS))
        note = h["note"]
        if h["implied_constants"]:
            note = "holds iff " + ", ".join(f"{c} {r}" for c, r in h["implied_constants"].items())
        elif _needs_depth(h):
            note += " (needs --depth L)"
        t.rows.append([h["statement"], h["hypothesis"], h["verdict"],
                       vals + (f" [{wit}]" if wit else ""), note])
    counts = report.verdict_counts()
    t.notes.append("verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    supplied = getattr(report, "supplied", {})
    if supplied:
        t.notes.append("given with --set (user-supplied, not measured): " + ", ".join(
            f"{k}={v['value']:.6g}" + ("" if v["used"] else " (no hypothesis here uses it)")
            for k, v in supplied.items()))
    if any(_needs_depth(h) for h in report.hypotheses):
        t.notes.append("lambda_ntk (λ_min of the depth-L infinite-width NTK) is measured only "
                       "for a given depth: add --depth L (e.g. `prooftools check DATA --depth "
                       "3`; Python: check_dataset(..., depth=3))")
    if report.skipped:
        t.notes.append(f"{len(report.skipped)} hypotheses mention parameters or observables "
                       "and are not data hypotheses (skipped)")
    return t
