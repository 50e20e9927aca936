"""Observables of a scaling sweep: exponents in m and n, and the exponents the paper states.

Each observable's summary over a run (its maximum or minimum over k, as its engine declares:
the minimum for λ_min and the PL ratio; the value for scalars such as ‖H(0) − H^∞‖) is averaged
geometrically over seeds at every width, and ``log value = a·log m + b`` is fitted with a
bootstrap 95% interval over seeds (and likewise in n at every width when n varies). Every
conclusion of the swept paper that bounds one observable from above by an expression with a
numeric exponent e in m (``dist_max(k) ≤ … /√m``) is judged by :func:`judge_exponent`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import sympy

from prooftools.checking.verdict import Verdict
from prooftools.sweep.execute import SweepRun
from prooftools.sweep.fit import Fit, bootstrap_exponent
from prooftools.sweep.spec import GridPoint

__all__ = ["ExponentCheck", "ObservableFit", "judge_exponent", "observable_fits", "summary_of"]

def summary_of(name: str) -> str:
    """The summary of observable ``name`` over a run, ``"min"`` or ``"max"``, as the engine
    that records it declares (:meth:`~prooftools.engines.base.Engine.declared_observables`);
    ``"max"`` for a name no engine declares (a plug-in run function's)."""
    from prooftools.engines.registry import registered_engines

    for eng in registered_engines().values():
        declared = eng.declared_observables().get(name)
        if declared is not None:
            return declared.summary
    return "max"


@dataclass
class ObservableFit:
    observable: str
    summary: str
    axis: str  # "m" or "n"
    at: dict
    fit: Fit | None
    values: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class ExponentCheck:
    statement: str
    item: str
    observable: str
    stated: float
    fit: Fit
    at: dict
    verdict: str
    tight: bool | None



def _seed_values(rows, name: str, summary: str, nseeds: int) -> np.ndarray:
    """One positive summary of observable ``name`` per seed (NaN where missing or ≤ 0)."""
    vals = np.full(nseeds, np.nan)
    for i, r in enumerate(rows):
        v = r.get("observables", {}).get(name, {}).get(summary)
        vals[i] = v if v is not None and v > 0 else np.nan
    return vals

def observable_fits(run: SweepRun, reg, rows_at, resamples):
    spec = run.spec
    if spec.mode != "scaling" or len(spec.widths) < 2:
        return [], []
    names: set[str] = set()
    for r in run.rows:
        names |= set(r.get("observables", {}))
    summaries = {name: summary_of(name) for name in names}  # the engines' declarations
    fits: list[ObservableFit] = []
    by: dict[tuple[str, str], ObservableFit] = {}
    nseeds = len(spec.seeds)
    for p in run.points:
        for name in sorted(names):
            summary = summaries[name]
            table = [_seed_values(rows_at(p, w), name, summary, nseeds) for w in spec.widths]

            def y_of(i, idx, table=table):
                v = table[i] if idx is None else table[i][idx]
                if np.isnan(v).any():
                    return None
                return float(np.exp(np.log(v).mean()))

            fit = bootstrap_exponent(spec.widths, y_of, [nseeds] * len(spec.widths),
                                     resamples=resamples)
            if fit is None:
                continue
            of = ObservableFit(name, summary, "m", dict(p.values), fit,
                               [(float(w), y_of(i, None) or math.nan)
                                for i, w in enumerate(spec.widths)])
            fits.append(of)
            by[(p.key(), name)] = of  # exponent in m, for the stated-exponent checks
    fits += _observable_fits_in_n(run, sorted(names), rows_at, resamples, summaries)
    checks = []
    algos = {r.get("run", {}).get("algorithm") for r in run.rows}
    for sid, item, obs, stated in _stated_exponents(reg, spec.statement, algos):
        for p in run.points:
            of = by.get((p.key(), obs))
            if of is None or of.fit.low is None:
                continue
            verdict, tight = judge_exponent(of.fit, stated)
            checks.append(ExponentCheck(sid, item, obs, stated, of.fit, dict(p.values), verdict,
                                        tight))
    return fits, checks


def _observable_fits_in_n(run: SweepRun, names, rows_at, resamples,
                          summaries) -> list[ObservableFit]:
    """Each observable's exponent in n at every width (when n varies)."""
    spec = run.spec
    if len(spec.n) < 2:
        return []
    groups: dict[str, list[GridPoint]] = defaultdict(list)
    for p in run.points:
        groups[_key({k: v for k, v in p.values.items() if k != "n"})].append(p)
    nseeds = len(spec.seeds)
    out = []
    for pts in groups.values():
        pts.sort(key=lambda p: p.values["n"])
        for w in spec.widths:
            for name in names:
                summary = summaries[name]
                table = [_seed_values(rows_at(p, w), name, summary, nseeds) for p in pts]

                def y_of(i, idx, table=table):
                    v = table[i] if idx is None else table[i][idx]
                    return None if np.isnan(v).any() else float(np.exp(np.log(v).mean()))

                xs = [p.values["n"] for p in pts]
                fit = bootstrap_exponent(xs, y_of, [nseeds] * len(xs), resamples=resamples)
                if fit is not None:
                    at = {k: v for k, v in pts[0].values.items() if k != "n"}
                    out.append(ObservableFit(name, summary, "n", {**at, "m": w}, fit,
                                             [(float(x), y_of(i, None) or math.nan)
                                              for i, x in enumerate(xs)]))
    return out


def judge_exponent(fit: Fit, stated: float) -> tuple[str, bool | None]:
    """(verdict, tight) of a stated upper-bound exponent e (obs ≤ C·m^e) against a fit.

    ``fails`` when the whole 95% interval lies above e: the observable decays more slowly than
    the bound, which must then break at large m whatever C is. An interval below e is
    consistent with the bound (``holds``) but says the stated rate is not tight.

    >>> judge_exponent(Fit(-0.3, 0.0, 4, -0.35, -0.25), -0.5)
    ('fails', False)
    >>> judge_exponent(Fit(-0.5, 0.0, 4, -0.55, -0.45), -0.5)
    ('holds', True)
    """
    if fit.low is None:
        return str(Verdict.UNKNOWN), None
    verdict = Verdict.FAILS if fit.low > stated else Verdict.HOLDS
    return str(verdict), bool(fit.contains(stated))


#: Statement tag ``algorithm`` → the engine's algorithm name.
_ALGO = {"gradient_flow": "flow", "flow": "flow", "gd": "gd", "sgd": "sgd"}


def _stated_exponents(reg, statement: str, algos=frozenset()) -> list[tuple[str, str, str,
                                                                           float]]:
    """(statement, item, observable, exponent in m) of every conclusion of the paper that bounds
    one observable from above by an expression with a numeric exponent in m (statements tagged
    with another algorithm than the runs' are left out: a gradient-flow claim is not judged on
    gradient-descent runs)."""
    if reg is None:
        return []
    from prooftools.checking.relations import sides
    from prooftools.theory.compare import leading_exponent

    paper = statement.split(".")[0]
    out = []
    for st in reg:
        if st.id.split(".")[0] != paper:
            continue
        tag = _ALGO.get(st.tags.get("algorithm", ""))
        if tag is not None and algos and tag not in algos:
            continue
        for c in st.conclusions:
            try:
                small, large, op = sides(c.expr)
            except (TypeError, AttributeError):
                continue
            if op not in ("<", "<=") or not isinstance(small, sympy.core.function.AppliedUndef):
                continue
            if not any(s.name == "m" for s in large.free_symbols):
                continue
            e = leading_exponent(large, "m", False)
            if e is None or not e.is_number:
                continue
            out.append((st.id, c.name, small.func.__name__, float(e)))
    return out


def _key(values: dict) -> str:
    return GridPoint(values).key()
