"""Figures of a sweep: m* against n (log-log) beside the theorem, and each observable against m.

:func:`plot_thresholds` draws, for every width fit, the measured m* (censored points hollow), the
fitted power law with its bootstrap 95% band, the theorem's exponent shifted through the first
point, and the theorem's own width at each point's measured λ0 (hidden constants at 1) at its real
values. The x axis is labelled with the grid's values. Beside them, the width the
statement's proof implies (its derivation with the derived constants), also at its real values:
the gap between the two is the statement's looseness.
:func:`plot_observables` draws one figure per observable, one line per grid point, with the
fitted exponent and any stated exponent. Files are PNG + PDF (see :mod:`figures`).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from prooftools.reporting.figures import label_values, pyplot, save_figure

__all__ = ["plot_observables", "plot_sweep", "plot_thresholds"]


#: the sweep's axes as a reader writes them (δ, λ0), in labels, legends and titles
_AXIS_NAMES = {"1/delta": "1/δ", "delta": "δ", "lambda0": "λ0"}


def _stem(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")


def plot_thresholds(rep, out_dir: str | Path) -> list[str]:
    """One log-log figure of m* per width fit; returns the written paths."""
    plt = pyplot()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for w in rep.width_fits:
        fig, ax = plt.subplots(figsize=(6.4, 5.6))
        xs = np.array([x for x, m in w.points if m is not None], float)
        ms = np.array([m for x, m in w.points if m is not None], float)
        found = [t for t in rep.thresholds if t.target == w.target
                 and all(t.point.get(k) == v for k, v in w.fixed.items())]
        key = {"L": "depth", "1/delta": "delta"}.get(w.axis, w.axis)
        ok = [t for t in found if t.status == "found"]
        cens = [t for t in found if t.status != "found" and t.m_star is not None]
        tx = (lambda v: 1.0 / v) if w.axis == "1/delta" else (lambda v: v)
        name = _AXIS_NAMES.get(w.axis, w.axis)
        ax.loglog([tx(t.point[key]) for t in ok], [t.m_star for t in ok], "o", color="C0",
                  label="measured m*", zorder=3)
        if cens:
            ax.loglog([tx(t.point[key]) for t in cens], [t.m_star for t in cens], "o",
                      mfc="none", color="C0", label="censored (m* ≤ shown)")
        if w.fit is not None and xs.size >= 2:
            grid = np.geomspace(xs.min(), xs.max(), 50)
            lx0 = float(np.mean(np.log(xs)))
            ly0 = w.fit.intercept + w.fit.slope * lx0
            ax.loglog(grid, np.exp(w.fit.intercept) * grid ** w.fit.slope, "-", color="C0",
                      label=f"fit: ${name}^{{{round(w.fit.slope, 2) + 0.0:.2f}}}$")  # no -0.00
            if w.fit.low is not None:
                lo = np.exp(ly0 + w.fit.low * (np.log(grid) - lx0))
                hi = np.exp(ly0 + w.fit.high * (np.log(grid) - lx0))
                ax.fill_between(grid, np.minimum(lo, hi), np.maximum(lo, hi), color="C0",
                                alpha=0.18, label=f"95% band [{w.fit.low:.2f}, {w.fit.high:.2f}]")
            if w.theorem_exponent is not None:
                ax.loglog(grid, ms[0] * (grid / xs[0]) ** w.theorem_exponent, "--", color="C3",
                          label=f"theorem exponent ${name}^{{{w.theorem_exponent:g}}}$ "
                                "(shifted through the first point)")
        _theorem_width(ax, w, [(tx(t.point[key]), t.theorem_log10) for t in ok
                               if t.theorem_log10 is not None])
        _proof_width(ax, [(tx(t.point[key]), t.proof_log10, t.theorem_log10_derived) for t in ok
                          if t.proof_log10 is not None])
        label_values(ax.xaxis, [tx(t.point[key]) for t in found] or xs)
        ax.set_xlabel(name if name != "L" else "depth L")
        ax.set_ylabel("m* (smallest width that held)")
        fixed = ", ".join(f"{k}={v}" for k, v in w.fixed.items())
        shown = ", ".join(f"{_AXIS_NAMES.get(k, k)} = {v}" for k, v in w.fixed.items())
        ax.set_title(f"{rep.run.spec.statement}: {w.target.rpartition('.')[2]}"
                     + (f" ({shown})" if shown else ""), fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
        fig.tight_layout()
        stem = _stem(f"sweep_{rep.run.spec.key}_{w.target}_{w.axis}_{fixed}")
        written += save_figure(fig, out_dir, stem, dpi=130)
    return written


def _theorem_width(ax, w, points: list[tuple[float, float]]) -> None:
    """The theorem's own width (hidden constants at 1) at each grid point's measured λ0, drawn at
    its real values (``points``: grid value, log10 width)."""
    if len(points) < 2:
        return
    x, log10 = np.array(points).T
    slope = f", slope {w.theorem_slope:.2f}" if w.theorem_slope is not None else ""
    ax.loglog(x, 10 ** log10, ":", color="C3", marker="x",
              label=f"theorem width at measured λ0, C = 1 (its value{slope})")


def _proof_width(ax, points: list[tuple[float, float, float | None]]) -> None:
    """The width the statement's proof implies (its derivation, derived constants) at each grid
    point's measured λ0, at its real values (``points``: grid value, log10 width, log10 of the
    stated width with the same constants); the label gives the statement's looseness, the gap."""
    if len(points) < 2:
        return
    x, log10 = np.array([p[:2] for p in points]).T
    stated = points[0][2]
    gap = (f" (statement's looseness {stated - points[0][1]:.2f} decades)"
           if stated is not None else "")
    ax.loglog(x, 10 ** log10, "-.", color="C2", marker="+",
              label="width the proof implies, derived constants" + gap)


def plot_observables(rep, out_dir: str | Path) -> list[str]:
    """One log-log figure per observable against m (scaling mode); returns the written paths."""
    plt = pyplot()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    by: dict[str, list] = {}
    for o in rep.observable_fits:
        if o.axis == "m":
            by.setdefault(o.observable, []).append(o)
    stated = {}
    for e in rep.exponent_checks:
        stated.setdefault(e.observable, (e.stated, f"{e.statement}:{e.item}"))
    written = []
    for name, fits in sorted(by.items()):
        fig, ax = plt.subplots(figsize=(6.4, 5.6))
        grid: set[float] = set()
        for i, o in enumerate(fits):
            m, v = np.array(o.values, float).T
            grid |= set(m.tolist())
            label = ", ".join(f"{_AXIS_NAMES.get(k, k)} = {x}" for k, x in o.at.items()) or "sweep"
            ax.loglog(m, v, "o", color=f"C{i % 10}")
            band = f" [{o.fit.low:.3g}, {o.fit.high:.3g}]" if o.fit.low is not None else ""
            ax.loglog(m, np.exp(o.fit.intercept) * m ** o.fit.slope, "-", color=f"C{i % 10}",
                      label=f"{label}: $m^{{{o.fit.slope:.3g}}}${band}")
            if name in stated and i == 0:
                e, who = stated[name]
                ax.loglog(m, v[0] * (m / m[0]) ** e, "--", color="k",
                          label=f"stated $m^{{{e:g}}}$ ({who}, through the first point)")
        label_values(ax.xaxis, grid)
        ax.set_xlabel("width m")
        ax.set_ylabel(f"{name} ({fits[0].summary} over the run)")
        ax.set_title(f"{rep.run.spec.statement}: {name} against m", fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=1)
        fig.tight_layout()
        written += save_figure(fig, out_dir, _stem(f"sweep_{rep.run.spec.key}_{name}"), dpi=130)
    return written


def plot_sweep(rep, out_dir: str | Path) -> list[str]:
    """Every figure of the sweep."""
    return plot_thresholds(rep, out_dir) + plot_observables(rep, out_dir)
