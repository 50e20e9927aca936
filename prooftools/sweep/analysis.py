"""Read a sweep's rows against the theorem: fitted exponents, looseness, admitted constants.

Everything here reads stored rows (never live runs) and the registry:

* **thresholds** — m* per (grid point, target) with its bracket and monotonicity notes, the
  theorem's width at that point (hidden constants at 1, and with the derived constants), the
  width its proof implies (the statement's derivation, :mod:`prooftools.theory.proof_width`) and
  the looseness log10(theorem width / m*), split into the statement's part log10(stated /
  proof) and the proof's part log10(proof / m*);
* **width fits** — log m* = a·log x + b along each varying axis x (n, L, 1/δ) with a bootstrap
  95% interval over seeds, beside the theorem's exponent from :func:`prooftools.theory.compare.
  exponents` and the theorem's own slope along the sweep (its width evaluated at each point's
  measured λ0, so that λ0's change with n is not mistaken for a wrong exponent);
* **observable fits** (scaling mode) — see :mod:`prooftools.sweep.observables`;
* **admitted constants** — for each hidden constant, the intersection of the ranges every run
  implied (``C ≥ 2.8`` …), and the width constant the thresholds admit (C ≥ max m*/f).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy

from prooftools.sweep.execute import SweepRun
from prooftools.sweep.fit import Fit, bootstrap_exponent
from prooftools.sweep.observables import ExponentCheck, ObservableFit, observable_fits
from prooftools.sweep.runner import split_target
from prooftools.sweep.spec import GridPoint
from prooftools.sweep.store import run_id
from prooftools.sweep.threshold import m_star
from prooftools.theory.proof_width import LoosenessSplit, ProofWidths, split

__all__ = ["SweepReport", "analyze"]

#: Axis → (label used by compare.exponents, transform of the axis value to the growing variable).
_AXIS = {"n": ("n", lambda v: v), "depth": ("L", lambda v: v), "delta": ("1/delta",
                                                                        lambda v: 1.0 / v)}



@dataclass
class ThresholdRow:
    point: dict
    target: str
    m_star: int | None
    status: str
    bracket: tuple[int | None, int | None]
    monotone: bool
    notes: list[str]
    runs: int
    lambda0: float | None
    theorem_log10: float | None  # hidden constants at 1
    theorem_log10_derived: float | None
    derived_used: tuple[str, ...] = ()
    #: the width the statement's proof implies (its derivation, derived constants, hidden at 1)
    proof_log10: float | None = None

    @property
    def split(self) -> LoosenessSplit:
        """looseness (derived constants) = statement's part + proof's part."""
        star = None if self.m_star is None else math.log10(self.m_star)
        return split(self.theorem_log10_derived, self.proof_log10, star)

    @property
    def looseness(self) -> float | None:
        if self.m_star is None or self.theorem_log10 is None:
            return None
        return self.theorem_log10 - math.log10(self.m_star)

    @property
    def looseness_derived(self) -> float | None:
        if self.m_star is None or self.theorem_log10_derived is None:
            return None
        return self.theorem_log10_derived - math.log10(self.m_star)


@dataclass
class WidthFit:
    target: str
    axis: str
    fixed: dict
    fit: Fit | None
    theorem: str
    theorem_exponent: float | None
    theorem_slope: float | None  # slope of the theorem's width along this sweep
    bound: str
    points: list[tuple[float, int | None]] = field(default_factory=list)
    censored: int = 0
    provenance: str = "verified"


@dataclass
class SweepReport:
    """The analysis of one sweep; render it with :mod:`prooftools.sweep.report`."""

    run: SweepRun
    thresholds: list[ThresholdRow]
    width_fits: list[WidthFit]
    observable_fits: list[ObservableFit]
    exponent_checks: list[ExponentCheck]
    constants: dict[str, dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-ready summary (the rows stay in the store)."""
        sp = self.run.spec
        return {
            "spec": sp.to_dict(), "spec_key": sp.key, "store": str(self.run.store),
            "runs": len(self.run.rows), "computed": self.run.computed,
            "thresholds": [{**t.point, "target": t.target, "m_star": t.m_star,
                            "status": t.status, "bracket": list(t.bracket),
                            "monotone": t.monotone, "notes": t.notes, "lambda0": t.lambda0,
                            "theorem_log10": t.theorem_log10,
                            "theorem_log10_derived": t.theorem_log10_derived,
                            "looseness": t.looseness,
                            "looseness_derived": t.looseness_derived,
                            "proof_log10": t.proof_log10,
                            "looseness_statement": t.split.statement,
                            "looseness_proof": t.split.proof}
                           for t in self.thresholds],
            "width_fits": [{"target": w.target, "axis": w.axis, "fixed": w.fixed,
                            "fit": w.fit.to_dict() if w.fit else None,
                            "theorem": w.theorem, "theorem_exponent": w.theorem_exponent,
                            "theorem_slope": w.theorem_slope, "bound": w.bound,
                            "censored": w.censored} for w in self.width_fits],
            "observable_fits": [{"observable": o.observable, "summary": o.summary,
                                 "axis": o.axis, "at": o.at,
                                 "fit": o.fit.to_dict() if o.fit else None}
                                for o in self.observable_fits],
            "exponent_checks": [{"statement": e.statement, "item": e.item,
                                 "observable": e.observable, "stated": e.stated,
                                 "fit": e.fit.to_dict(), "at": e.at, "verdict": e.verdict,
                                 "tight": e.tight} for e in self.exponent_checks],
            "constants": self.constants, "notes": self.notes,
        }

    def records(self) -> list[dict]:
        """The summary one row per grid point and target (the thresholds) in threshold mode,
        one row per fitted observable exponent in scaling mode; runs: :func:`load_sweep`."""
        from prooftools.sweep.frame import summary_records

        return summary_records(self)

    def to_pandas(self):
        """:meth:`records` as a pandas DataFrame (pandas is optional)."""
        from prooftools.frames import data_frame

        return data_frame(self.records())

    def _repr_html_(self) -> str:  # Jupyter
        from prooftools.frames import html_table

        return html_table(self.records(), caption=f"sweep {self.run.spec.statement} "
                          f"({len(self.run.rows)} runs)")


# ----------------------------------------------------------------------------- helpers


def _registry(run: SweepRun, registry):
    if registry is not None:
        return registry
    if run.spec.runner != "prooftools.sweep.runner:run_verify":
        return None
    from prooftools.sweep.runner import _registry as load

    return load(run.spec.theorems)


def _width_bound(registry, sid: str, fallback: str):
    """The width hypothesis (``m >= …``) of ``sid``, else of ``fallback``: (statement, bound)."""
    for s in (sid, fallback):
        st = registry.get(s)
        for b in st.bounds_of_kind("width"):
            if b.symbol == "m":
                return st, b
    return None, None


def _stated(reg, st, b, vals: dict, constants: str):
    """The stated width as ``bounds`` prints it: Õ log powers from the derivations (or 0),
    unknown degrees through the statement's cases (:mod:`prooftools.theory.statement_values`)."""
    from prooftools.theory.statement_values import bound_value

    return bound_value(reg, st, b, vals, constants=constants)


def _proof(reg, st, pb, vals: dict) -> float | None:
    """log10 of the proof's width, its hidden log powers filled like the stated width's."""
    from prooftools.theory.bounds import evaluate_bound
    from prooftools.theory.hidden import log_power_values

    powers = {k: hp.value for k, hp in log_power_values(reg, pb.expr).items() if k not in vals}
    return evaluate_bound(reg, st, pb, {**vals, **powers}, constants="derived").log10


def _values(row: dict) -> dict[str, str]:
    """Symbol values of a row for evaluating a bound (λ0 at its certified lower bound)."""
    d = row.get("data", {})
    out = {}
    for k in ("n", "d", "y_max", "delta", "nonpar", "sep"):
        if d.get(k) is not None:
            out[k] = repr(float(d[k])) if k not in ("n", "d") else str(int(d[k]))
    lam = d.get("lambda0_lower") or d.get("lambda0")
    if lam:
        out["lambda0"] = repr(float(lam))
    cfg = row.get("config", {})
    if cfg.get("depth"):
        out["L"] = str(int(cfg["depth"]))
    out.setdefault("delta", repr(float(cfg.get("delta", 0.1))))
    return out


def _exponent_text(expr: sympy.Expr) -> tuple[str, float | None, dict]:
    from prooftools.theory.compare import exponents

    exps = exponents(expr)
    parts = []
    for label, e in exps.items():
        if e is None or e == 0:
            continue
        base = {"1/lambda0": "λ0", "1/delta": "δ", "1/sep": "sep", "1/phi": "φ"}.get(label,
                                                                                   label)
        sign = -1 if label.startswith("1/") else 1
        parts.append(f"{base}^{sympy.sstr(sign * e)}")
    if any(isinstance(a, sympy.log) and any(s.name == "n" for s in a.free_symbols)
           for a in sympy.preorder_traversal(expr)):
        parts.append("log n")
    return " · ".join(parts) or "1", None, exps


def _interval(text: str) -> tuple[float, float] | None:
    """'>= 2.8' → (2.8, inf); '<= 3' → (0, 3); 'any' → (0, inf); 'none' → (1, 0) (empty)."""
    text = text.strip()
    if text == "any":
        return (0.0, math.inf)
    if text == "none":
        return (1.0, 0.0)
    m = re.fullmatch(r"(>=|<=|=)\s*([-+0-9.eE]+)", text)
    if not m:
        return None
    v = float(m.group(2))
    return {"<=": (0.0, v), ">=": (v, math.inf), "=": (v, v)}[m.group(1)]


# ----------------------------------------------------------------------------- analysis


def analyze(run: SweepRun, registry=None, *, resamples: int = 1000,
            derive=None) -> SweepReport:
    """Fits, looseness and admitted constants of a finished (or resumed) sweep.

    ``derive`` replaces :func:`prooftools.theory.derivation.derive` for the proof's width.
    """
    spec = run.spec
    reg = _registry(run, registry)
    proofs = ProofWidths(reg, derive=derive) if reg is not None else None
    rows_by_id = {r["run_id"]: r for r in run.rows}
    notes: list[str] = list(run.notes)

    def rows_at(point: GridPoint, width: int) -> list[dict]:
        return [rows_by_id[rid] for s in spec.seeds
                if (rid := run_id(spec, point, width, s)) in rows_by_id]

    thresholds: list[ThresholdRow] = []
    bounds: dict[str, tuple] = {}
    for (pkey, target), res in run.thresholds.items():
        point = next(p for p in run.points if p.key() == pkey)
        widths = sorted(res.outcomes)
        any_row = next((r for w in widths for r in rows_at(point, w)), None)
        lam, t_hidden, t_derived, used, t_proof = None, None, None, (), None
        if any_row is not None:
            lam = any_row.get("data", {}).get("lambda0")
            if reg is not None:
                sid, _ = split_target(target)
                if target not in bounds:
                    bounds[target] = _width_bound(reg, sid, spec.statement)
                st, b = bounds[target]
                if b is not None:
                    vals = _values(any_row)
                    t_hidden = _stated(reg, st, b, vals, "hidden").log10
                    bv = _stated(reg, st, b, vals, "derived")
                    t_derived, used = bv.log10, tuple(bv.substituted)
                    pb = proofs.bound(st, b)
                    if pb is not None:
                        t_proof = _proof(reg, st, pb, vals)
        thresholds.append(ThresholdRow(point.values, target, res.m_star, res.status,
                                       res.bracket, res.monotone, res.notes,
                                       sum(len(v) for v in res.outcomes.values()), lam,
                                       t_hidden, t_derived, used, t_proof))

    width_fits = _width_fits(run, thresholds, bounds, resamples)
    obs_fits, checks = observable_fits(run, reg, rows_at, resamples)
    constants = _constants(run, thresholds, bounds, reg)
    if any(not t.monotone for t in thresholds):
        notes.append("some searches were not monotone in the seeds run (see their notes)")
    return SweepReport(run, thresholds, width_fits, obs_fits, checks, constants, notes)


def _width_fits(run: SweepRun, thresholds, bounds, resamples) -> list[WidthFit]:
    spec = run.spec
    out = []
    for axis in ("n", "depth", "delta"):
        if len(getattr(spec, axis)) < 2:
            continue
        label, tx = _AXIS[axis]
        groups: dict[tuple, list[ThresholdRow]] = defaultdict(list)
        for t in thresholds:
            fixed = tuple(sorted((k, v) for k, v in t.point.items() if k != axis))
            groups[(t.target, fixed)].append(t)
        for (target, fixed), ts in groups.items():
            ts.sort(key=lambda t: t.point[axis])
            xs = [tx(t.point[axis]) for t in ts]
            results = [run.thresholds[(_pkey(t.point), target)] for t in ts]

            def y_of(i, idx, results=results):
                m, status = m_star(results[i].outcomes, results[i].q, idx)
                return float(m) if status == "found" else None

            fit = bootstrap_exponent(xs, y_of, [len(spec.seeds)] * len(xs),
                                     resamples=resamples)
            _, b = bounds.get(target, (None, None))
            theorem, texp = "—", None
            if b is not None:
                theorem, _, exps = _exponent_text(b.expr)
                e = exps.get(label)
                texp = float(e) if e is not None and e.is_number else None
            logs = [(x, t.theorem_log10) for x, t in zip(xs, ts, strict=True)
                    if t.theorem_log10 is not None]
            slope = None
            if len(logs) >= 2:
                lx = np.log([a for a, _ in logs])
                ly = np.array([c for _, c in logs]) * math.log(10)
                slope = float(np.polyfit(lx, ly, 1)[0])
            out.append(WidthFit(target, label, dict(fixed), fit, theorem, texp, slope,
                                b.name if b is not None else "",
                                [(x, t.m_star) for x, t in zip(xs, ts, strict=True)],
                                sum(t.status != "found" for t in ts),
                                b.provenance if b is not None else "verified"))
    return out


def _pkey(values: dict) -> str:
    return GridPoint(values).key()


def _constants(run: SweepRun, thresholds, bounds, reg) -> dict[str, dict[str, Any]]:
    ranges: dict[str, tuple] = {}
    items: dict[str, set] = defaultdict(set)
    for r in run.rows:
        for label, per_item in r.get("implied_constants", {}).items():
            for const, text in per_item.items():
                iv = _interval(text)
                if iv is None:
                    continue
                lo, hi, count = ranges.get(const, (0.0, math.inf, 0))
                ranges[const] = (max(lo, iv[0]), min(hi, iv[1]), count + 1)
                items[const].add(label)
    out = {c: {"low": lo, "high": hi if math.isfinite(hi) else None, "runs": k,
               "empty": lo > hi,
               "source": "every run's judgement of " + ", ".join(sorted(items[c]))}
           for c, (lo, hi, k) in sorted(ranges.items())}
    by_target: dict[str, list] = defaultdict(list)
    for t in thresholds:
        if t.looseness is not None:
            by_target[t.target].append(t)
    for target, ts in by_target.items():
        st, b = bounds.get(target, (None, None))
        hidden = sorted(s.name for s in b.expr.free_symbols
                        if reg.symbols[s.name].role == "constant") if b is not None else []
        if len(hidden) != 1:
            continue
        # theorem width C·f ≥ m* at every point ⇔ C ≥ m*/f = 10^(−looseness at C = 1)
        low = max(10 ** (-t.looseness) for t in ts)
        out[f"{hidden[0]} (width of {st.id}, from m* of {target.rpartition('.')[2]})"] = {
            "low": low, "high": None, "runs": len(ts), "empty": False,
            "source": f"smallest C with C·f ≥ m* at all {len(ts)} points ({target})"}
    return out
