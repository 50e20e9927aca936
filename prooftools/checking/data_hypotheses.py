"""Check the data hypotheses of registered theorems on a real dataset.

For every selected statement: apply the statement's data normalization
(:meth:`~prooftools.theory.registry.Registry.chain_tag`, the rule the engines use too: its own
``normalization`` tag, else the nearest one along its proof chain, else the tag most statements of
its paper carry, else ``unit_norm``), measure the
data quantities it mentions (:func:`prooftools.numerics.data.quantities.measure`, certified)
and judge each hypothesis whose free symbols are all data symbols or constants with
:func:`prooftools.checking.verdict.judge_relation`. Hypotheses that mention parameters (m, η, …),
observables or indices are not data hypotheses and are listed as skipped — unless the user
supplies every such parameter's value (``values``, the CLI's ``--set``): then they are judged too.

User values (``--set NAME=VALUE``) are checked against each symbol's declared domain. They may
name parameters (δ, m, L, η, …), constants (a paper's unnamed ``C``: the verdict then needs no
implied range) and data quantities that are *estimated* from the data (λ0, sep, …: the measured
number is replaced and the report marks it user-supplied, not measured); counts read off the
dataset itself (n, d and the ranks: :data:`COUNTS`) cannot be overridden.

Normalization tags understood: ``unit_norm``; ``unit_norm_last_coord`` (‖x‖ = 1 and a constant
last coordinate: 1/√2 for Allen-Zhu et al. as they state; for Zou et al., whose μ ∈ (0, 1) is
free, also 1/√2); ``norm_le_1`` (divide by the largest norm when it exceeds 1); ``none``. For
classification statements with two label classes the labels are mapped to ±1.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from prooftools.atomic import dumps
from prooftools.checking.verdict import judge_relation
from prooftools.errors import UserInputError
from prooftools.numerics.data.cache import QuantityCache, measure_cached
from prooftools.numerics.data.datasets import Dataset
from prooftools.numerics.data.normalize import normalize_for
from prooftools.numerics.quantity import Quantity

__all__ = ["DataCheckReport", "check_dataset"]

#: paper-specific data symbols that are the same number as a measured quantity
ALIASES = {
    "zl_rank_XXt": "x_rank_XXt",  # Zhou–Liang's X (d×n) is our Xᵀ: their X Xᵀ is our XᵀX
    "zl_rank_YXt": "x_rank_YXt",
    "zl_sigma_min_X": "x_sigma_min_smaller_side",  # σ_min of their d×n X = σ_d of ours
}

#: data symbols counted exactly from the dataset: a user value would contradict the data
COUNTS = frozenset({"n", "d", "rank_X", "x_rank_XXt", "x_rank_YXt"})


#: the columns of a check's table in a notebook (``to_pandas`` adds the measured values)
_COLUMNS = ("statement", "hypothesis", "text", "verdict", "margin", "normalization",
            "implied_constants", "note")


@dataclass
class DataCheckReport:
    """Verdicts on data hypotheses, with the measured quantities behind them."""

    dataset: dict
    quantities: dict[str, dict[str, Quantity]]  # normalization -> name -> Quantity
    changes: dict[str, list[str]]  # normalization -> what was changed
    hypotheses: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    #: normalization -> names of the quantities read from the on-disk cache
    cached: dict[str, list[str]] = field(default_factory=dict)
    cache_dir: str | None = None  # None: the cache was not used (--no-cache)
    #: user-supplied values (--set): name -> {"value", "role", "used"}
    supplied: dict[str, dict] = field(default_factory=dict)

    def verdict_counts(self) -> dict[str, int]:
        """How many hypotheses got each verdict."""
        return dict(Counter(h["verdict"] for h in self.hypotheses))

    def to_dict(self) -> dict:
        """JSON-friendly dict: dataset, quantities (per normalization), hypotheses, skipped."""
        first = "unit_norm" if "unit_norm" in self.quantities else next(iter(self.quantities), None)
        return {
            "dataset": self.dataset,
            "quantities": {k: q.to_dict() for k, q in self.quantities.get(first, {}).items()},
            "normalizations": {
                how: {
                    "changes": self.changes.get(how, []),
                    "quantities": {k: q.to_dict() for k, q in qs.items()},
                }
                for how, qs in self.quantities.items()
            },
            "hypotheses": self.hypotheses,
            "skipped": self.skipped,
            "set": self.supplied,
            "cache": {"dir": self.cache_dir,
                      "read": {k: v for k, v in self.cached.items() if v}},
        }

    def records(self) -> list[dict]:
        """One flat dict per judged hypothesis (values and bounds as ``value:NAME`` columns)."""
        out = []
        for h in self.hypotheses:
            row = {k: h.get(k) for k in _COLUMNS}
            row.update({f"value:{n}": v for n, v in h.get("value", {}).items()})
            out.append(row)
        return out

    def to_pandas(self):
        """The judged hypotheses as a pandas DataFrame, one row each (pandas is optional)."""
        from prooftools.frames import data_frame

        return data_frame(self.records())

    def _repr_html_(self) -> str:  # Jupyter
        from prooftools.frames import html_table

        return html_table(self.records(), _COLUMNS,
                          caption=f"check {self.dataset.get('name', '')}".strip())

    def to_json(self) -> str:
        """The report as a JSON string."""
        return dumps(self.to_dict(), indent=2, ensure_ascii=False, default=_json_default)


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    return str(obj)


def _judge(h, values, sid: str, hidden: set[str]):
    """One hypothesis at the measured values (``And`` parts are judged, the worst is kept)."""
    return judge_relation(h.expr, values, statement=sid, item=h.name, text=h.text, hidden=hidden)


def _data_hypotheses(registry, st, supplied=frozenset()):
    """(data hypotheses, skipped records) of one statement; a symbol in ``supplied`` has a
    user value, so it does not make its hypothesis a non-data one."""
    keep, skipped = [], []
    for h in st.hypotheses:
        names = {s.name for s in h.expr.free_symbols}
        roles = {name: (registry.symbols[name].role if name in registry.symbols else "unknown")
                 for name in names}
        other = sorted(n for n, r in roles.items()
                       if r not in ("data", "constant") and n not in supplied)
        if other or not ({"data"} & set(roles.values()) or names & set(supplied)):
            why = ("mentions " + ", ".join(f"{n} ({roles[n]})" for n in other)) if other else \
                "no data symbol"
            if other and all(roles[n] in ("parameter", "constant") for n in other):
                why += " (--set gives a value)"
            skipped.append({"statement": st.id, "hypothesis": h.name, "reason":
                            f"not a data hypothesis: {why}"})
        else:
            keep.append(h)
    return keep, skipped


def check_dataset(
    ds: Dataset,
    registry,
    statement_ids: list[str] | None = None,
    depth: int | None = None,
    *,
    progress: bool | None = None,
    fast: bool = False,
    scheduler: str | None = None,
    cache: bool | str = True,
    values: dict[str, object] | None = None,
) -> DataCheckReport:
    """Judge the data hypotheses of the selected statements (default: all that have any).

    With ``depth`` the depth-L NTK's ``lambda_ntk`` is measured and reported (certified) whatever
    the hypotheses name; wherever λ0 is measured, Arora et al.'s ``ar_complexity`` = yᵀ(H^∞)⁻¹y
    comes from the same factorisation. ``fast``: positivity certificates only. ``scheduler``: a
    Dask scheduler address on whose workers λ0 is certified (for matrices beyond one machine).
    ``cache``: read and fill the on-disk cache of expensive quantities
    (:mod:`prooftools.numerics.data.cache`; a folder path, True for the default folder, False
    to recompute everything); the report lists what came from it. ``values``: user values of
    symbols (``--set``), checked against their domains (see the module docstring). A selected
    statement brings the statements it rests on (its proof chain), as ``check --theorem`` does:
    the API and the CLI share this one code path."""
    ids = _with_dependencies(registry, statement_ids) if statement_ids else sorted(
        registry.statements)
    user = _user_values(registry, values or {})
    plan, skipped = _plan(registry, ids, depth, set(user))
    store = None if cache is False else QuantityCache(None if cache is True else cache)
    report = DataCheckReport(dataset=ds.summary(), quantities={}, changes={},
                             cache_dir=None if store is None else str(store.folder))
    for (how, classification), items in plan.items():
        label = how + ("+binary_labels" if classification else "")
        nds, changes = normalize_for(ds, how, classification=classification)
        wanted = _wanted(items, depth, scheduler, set(user))
        qs, report.cached[label] = measure_cached(nds, label, wanted, cache=store, depth=depth,
                                                  progress=progress, fast=fast,
                                                  scheduler=scheduler)
        report.quantities[label] = qs
        report.changes[label] = changes
        report.hypotheses += _judged(registry, items, qs, label, user)
    report.skipped = skipped
    used = {n for h in report.hypotheses for n in h.get("user_supplied", ())}
    report.supplied = {n: {"value": v, "role": registry.symbols[n].role, "used": n in used}
                       for n, v in user.items()}
    return report


def _with_dependencies(registry, statement_ids) -> list[str]:
    """``statement_ids`` with the statements each rests on, dependencies first, once each."""
    seen: list[str] = []
    for sid in statement_ids:
        registry.get(sid)  # raises UnknownStatementError with the registry's message
        for dep in [*registry.dependencies(sid), sid]:
            if dep not in seen:
                seen.append(dep)
    return seen


def _user_values(registry, values) -> dict[str, float]:
    """The user's values as floats, each checked against its symbol's domain; counts of the
    dataset (:data:`COUNTS`) cannot be set."""
    from prooftools.theory.values import check_value

    out = {}
    for name, raw in values.items():
        q = check_value(registry, name, raw)  # unknown, observable, out of domain: one line
        if ALIASES.get(name, name) in COUNTS:
            raise UserInputError(f"{name} is counted from the dataset; it cannot be set "
                                 "(give a dataset with the value you mean)")
        out[name] = float(q)
        if not math.isfinite(out[name]):
            raise UserInputError(f"invalid value for {name}: {raw} (beyond the floating-point "
                                 "range, about 1.8e308)")
    return out


def _plan(registry, ids, depth, supplied) -> tuple[dict[tuple[str, bool], list], list[dict]]:
    """Statements grouped by the normalization (and label mapping) their hypotheses assume."""
    plan: dict[tuple[str, bool], list] = {}
    skipped: list[dict] = []
    for sid in ids:
        st = registry.get(sid)
        hyps, skip = _data_hypotheses(registry, st, supplied)
        skipped.extend(skip)
        if not hyps:
            continue
        chain = (*registry.dependencies(sid), sid)
        how = registry.chain_tag(chain, "normalization", "unit_norm")
        task = registry.chain_tag(chain, "task")
        plan.setdefault((how, task == "classification"), []).append((st, hyps))
    if depth is not None and not plan:  # lambda_ntk is reported even without a hypothesis
        plan[("none", False)] = []
    return plan, skipped


def _wanted(items, depth, scheduler, user) -> set[str]:
    """The quantities the hypotheses name, plus lambda_ntk with a depth and yᵀH⁻¹y with λ0;
    a quantity the user gave a value (``user``) is not measured."""
    wanted = set()
    for _st, hyps in items:
        for h in hyps:
            wanted |= {ALIASES.get(s.name, s.name) for s in h.expr.free_symbols
                       if s.name not in user}
    if depth is not None:
        wanted.add("lambda_ntk")
    if "lambda0" in wanted:
        wanted.add("ar_complexity")
    if scheduler:
        wanted.discard("ar_complexity")  # needs the factor on the client: not on a cluster
    return wanted


def _judged(registry, items, qs, label, user) -> list[dict]:
    """One record per hypothesis: verdict, values, certified bounds, witnesses, margin."""
    values = dict(qs)
    values.update({alias: qs[name] for alias, name in ALIASES.items() if name in qs})
    values.update({n: Quantity(v, lower=v, upper=v) for n, v in user.items()})  # exact as given
    out = []
    for st, hyps in items:
        hidden = {s.name for h in hyps for s in h.expr.free_symbols
                  if registry.symbols.get(s.name) is not None
                  and registry.symbols[s.name].role == "constant" and s.name not in user}
        for h in hyps:
            j = _judge(h, values, st.id, hidden)
            used = sorted(s.name for s in h.expr.free_symbols if s.name in values)
            mine = [n for n in used if n in user]
            out.append({
                "statement": st.id,
                "hypothesis": h.name,
                "text": h.text,
                "verdict": str(j.verdict),
                "value": {n: values[n].value for n in used},
                "lower_bound": {n: values[n].lower for n in used
                                if values[n].lower is not None and n not in user},
                "witness": {n: values[n].witness for n in used if values[n].witness},
                "margin": j.margin,
                "implied_constants": j.implied_constants,
                "normalization": label,
                "note": j.note,
                **({"user_supplied": mine} if mine else {}),
            })
    return out
