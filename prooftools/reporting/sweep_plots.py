"""Figures of a sweep: m* against n (log-log) beside the theorem, and each observable against m.

:func:`plot_thresholds` draws, for every width fit, the measured m* (censored points hollow), the
fitted power law with its bootstrap 95% band, and the theorem's width shape through the first
point (its exponent alone, and its curve at the measured λ0 when that differs), with the width
its proof implies shifted by the same amount (the gap is the statement's looseness).
:func:`plot_observables` draws one figure per observable, one line per grid point, with the
fitted exponent and any stated exponent. Files are PNG + PDF (see :mod:`figures`).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from prooftools.reporting.figures import pyplot, save_figure

__all__ = ["plot_observables", "plot_sweep", "plot_thresholds"]


def _stem(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")


def plot_thresholds(rep, out_dir: str | Path) -> list[str]:
    """One log-log figure of m* per width fit; returns the written paths."""
    plt = pyplot()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for w in rep.width_fits:
        fig, ax = plt.subplots(figsize=(6.0, 4.4))
        xs = np.array([x for x, m in w.points if m is not None], float)
        ms = np.array([m for x, m in w.points if m is not None], float)
        found = [t for t in rep.thresholds if t.target == w.target
                 and all(t.point.get(k) == v for k, v in w.fixed.items())]
        key = {"L": "depth", "1/delta": "delta"}.get(w.axis, w.axis)
        ok = [t for t in found if t.status == "found"]
        cens = [t for t in found if t.status != "found" and t.m_star is not None]
        tx = (lambda v: 1.0 / v) if w.axis == "1/delta" else (lambda v: v)
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
                      label=f"fit: {w.axis}^{w.fit.slope:.2f}")
            if w.fit.low is not None:
                lo = np.exp(ly0 + w.fit.low * (np.log(grid) - lx0))
                hi = np.exp(ly0 + w.fit.high * (np.log(grid) - lx0))
                ax.fill_between(grid, np.minimum(lo, hi), np.maximum(lo, hi), color="C0",
                                alpha=0.18, label=f"95% band [{w.fit.low:.2f}, {w.fit.high:.2f}]")
            if w.theorem_exponent is not None:
                ax.loglog(grid, ms[0] * (grid / xs[0]) ** w.theorem_exponent, "--", color="C3",
                          label=f"theorem exponent {w.axis}^{w.theorem_exponent:g} "
                                "(through first point)")
            _width_lines(ax, ok, key, tx, ms[0], w.theorem_slope)
        ax.set_xlabel(w.axis)
        ax.set_ylabel("m* (smallest width that held)")
        fixed = ", ".join(f"{k}={v}" for k, v in w.fixed.items())
        ax.set_title(f"{rep.run.spec.statement}: {w.target.rpartition('.')[2]}"
                     + (f" ({fixed})" if fixed else ""), fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
        fig.tight_layout()
        stem = _stem(f"sweep_{rep.run.spec.key}_{w.target}_{w.axis}_{fixed}")
        written += save_figure(fig, out_dir, stem, dpi=130)
    return written


def _width_lines(ax, ok, key, tx, first_m, slope) -> None:
    """The theorem's width and its proof's width at the measured λ0, shifted together so that the
    theorem's passes through the first m*: the gap between them is the statement's looseness."""
    th = [(tx(t.point[key]), t.theorem_log10_derived, t.proof_log10) for t in ok
          if t.theorem_log10_derived is not None]
    if len(th) < 2 or slope is None:
        return
    shift = math.log10(first_m) - th[0][1]
    ax.loglog([x for x, _, _ in th], [10 ** (v + shift) for _, v, _ in th], ":", color="C3",
              marker="x", label=f"theorem width at measured λ0 (slope {slope:.2f})")
    pr = [(x, p) for x, _, p in th if p is not None]
    if len(pr) >= 2:
        gap = th[0][1] - pr[0][1] if pr[0][0] == th[0][0] else None
        ax.loglog([x for x, _ in pr], [10 ** (p + shift) for _, p in pr], "-.", color="C2",
                  marker="+", label="width the proof implies, same shift"
                  + (f" (statement's looseness {gap:.2f} decades)" if gap is not None else ""))


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
        fig, ax = plt.subplots(figsize=(6.0, 4.4))
        for i, o in enumerate(fits):
            m, v = np.array(o.values, float).T
            label = ", ".join(f"{k}={x}" for k, x in o.at.items()) or "sweep"
            ax.loglog(m, v, "o", color=f"C{i % 10}")
            ax.loglog(m, np.exp(o.fit.intercept) * m ** o.fit.slope, "-", color=f"C{i % 10}",
                      label=f"{label}: m^{o.fit.text()}")
            if name in stated and i == 0:
                e, who = stated[name]
                ax.loglog(m, v[0] * (m / m[0]) ** e, "--", color="k",
                          label=f"stated m^{e:g} ({who})")
        ax.set_xlabel("width m")
        ax.set_ylabel(f"{name} ({fits[0].summary} over the run)")
        ax.set_title(f"{rep.run.spec.statement}: {name} against m", fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        written += save_figure(fig, out_dir, _stem(f"sweep_{rep.run.spec.key}_{name}"), dpi=130)
    return written


def plot_sweep(rep, out_dir: str | Path) -> list[str]:
    """Every figure of the sweep."""
    return plot_thresholds(rep, out_dir) + plot_observables(rep, out_dir)
