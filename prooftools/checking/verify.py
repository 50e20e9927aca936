"""Verify a theorem end to end: normalize the data, train its network, judge its whole proof chain.

:func:`verify` applies the theorem's normalization, measures the data quantities (n, d, λ0, …),
picks the step size from the theorem's ``step_size`` bound, runs the numeric engine
(:func:`prooftools.numerics.networks.two_layer.training.run_du`), then judges every hypothesis
and conclusion of the
statement and of every statement it rests on (``registry.dependencies``).

Verdict of a conclusion (documented rule)
- ``fails``: the inequality is false somewhere on this run. A failure is always shown, even when
  the statement's hypotheses failed too; then the note says it is *not a counterexample*.
- ``not guaranteed``: the measured inequality holds (or is undecided) but one of the statement's
  own hypotheses (bounds such as ``m ≥ …``, ``η ≤ …`` included) or of the assumptions/conditions
  it assumes (``registry.assumed_hypotheses``) failed; the measured outcome is in the note and in
  ``measured``.
- ``unknown``: the measurement is undecided, or it holds but an assumed hypothesis is undecided by
  the data (e.g. λ0 > 0 within rounding). Hypotheses undecided only because of a hidden O/Ω
  constant do not downgrade: their implied constant range is listed instead.
- ``holds`` otherwise.

Proof graph: each statement gets a combined verdict — ``fails`` if one of its conclusions fails (for
assumptions and conditions: one of their hypotheses), ``not guaranteed`` if only its hypotheses
fail, else the weakest of its items. A *failing link* is a failing statement none of whose
ancestors fails; the first in topological order is ``first_failing_link``.
"""

from __future__ import annotations

import importlib.metadata
import math
import platform
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import sympy

from prooftools.checking.judge import RTOL, judge_condition, observable_calls
from prooftools.checking.verdict import Judgement, Verdict, combine
from prooftools.errors import UserInputError
from prooftools.numerics.quantity import Quantity
from prooftools.numerics.trajectory import Trajectory

__all__ = ["CheckedItem", "VerifyReport", "verify"]

#: Statement tag ``algorithm`` → engine algorithm.
_ALGORITHMS = {"gd": "gd", "sgd": "sgd", "gradient_flow": "flow", "flow": "flow"}
_KIND_OF_CONCLUSION = {"theorem": "conclusion", "lemma": "lemma", "corollary": "corollary",
                       "definition": "definition"}


@dataclass(frozen=True)
class CheckedItem:
    """One judged hypothesis or conclusion: the final judgement and the raw measured verdict."""

    judgement: Judgement
    measured: Verdict
    role: str  # "hypothesis" or "conclusion"

    def to_dict(self) -> dict:
        """The JSON row: statement, kind, inequality, verdict, margin, first_failure, and more."""
        j = self.judgement.to_dict()
        return {
            "statement": j["statement"],
            "kind": j["kind"],
            "item": j["item"],
            "inequality": j["inequality"],
            "verdict": j["verdict"],
            "margin": j["margin"],
            "first_failure": j["first_failure"],
            "measured": str(self.measured),
            "worst_index": j["worst_index"],
            "lhs": j["lhs"],
            "rhs": j["rhs"],
            "implied_constants": j["implied_constants"],
            "note": j["note"],
        }


@dataclass
class VerifyReport:
    """Everything :func:`verify` found; ``to_dict()`` is the JSON of ``prooftools verify``."""

    statement: str
    config: dict
    data: dict[str, object]
    items: list[CheckedItem]
    graph: dict[str, str]
    failing_links: list[str]
    trajectory: Trajectory
    changes: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def first_failing_link(self) -> str | None:
        """The first statement (topological order) that fails while nothing it rests on fails."""
        return self.failing_links[0] if self.failing_links else None

    def item(self, statement: str, name: str) -> CheckedItem:
        """The checked item ``name`` of ``statement``, e.g. ``("du2019.thm4.1", "linear_rate")``."""
        for it in self.items:
            if it.judgement.statement == statement and it.judgement.item == name:
                return it
        raise KeyError(f"{statement} has no checked item {name!r}")

    def verdict(self, statement: str, name: str) -> Verdict:
        """Shortcut for ``item(statement, name).judgement.verdict``."""
        return self.item(statement, name).judgement.verdict

    def to_dict(self) -> dict:
        """JSON-friendly dict: statement, config, data, verdicts, graph, trajectory."""
        tr = self.trajectory
        traj = {"index_name": tr.config.get("index", "k"), "index": _floats(tr.index)}
        traj.update({k: _floats(v) for k, v in tr.observables.items()})
        if tr.dense_index is not None:
            traj["dense"] = {"index": _floats(tr.dense_index),
                             **{k: _floats(v) for k, v in tr.dense.items()}}
        return {
            "statement": self.statement,
            "config": self.config,
            "changes": list(self.changes),
            "lines": list(self.lines),
            "data": {k: _data_json(v) for k, v in self.data.items()},
            "verdicts": [it.to_dict() for it in self.items],
            "graph": dict(self.graph),
            "first_failing_link": self.first_failing_link,
            "failing_links": list(self.failing_links),
            "trajectory": traj,
        }


def _floats(a) -> list:
    return [None if not math.isfinite(float(v)) else float(v) for v in np.asarray(a).ravel()]


def _data_json(v):
    if isinstance(v, Quantity):
        return v.to_dict()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


# ----------------------------------------------------------------------------- data


def _normalize(X: np.ndarray, how: str | None) -> tuple[np.ndarray, list[str]]:
    """Apply a theorem's input normalization; return the new X and what changed."""
    if how in (None, "", "none"):
        return X, []
    if how != "unit_norm":
        raise UserInputError(f"normalization {how!r} is not supported by verify; expected "
                             "unit_norm or none")
    norms = np.linalg.norm(X, axis=1)
    if np.any(norms == 0):
        i = int(np.nonzero(norms == 0)[0][0])
        raise UserInputError(f"row {i} of X is zero; unit-norm normalization needs non-zero rows")
    changed = int(np.count_nonzero(np.abs(norms - 1.0) > 1e-12))
    if not changed:
        return X, []
    return X / norms[:, None], [
        f"unit_norm: rescaled {changed} of {X.shape[0]} rows to ‖x_i‖ = 1 "
        f"(norms were in [{norms.min():.4g}, {norms.max():.4g}])"
    ]


def _measure_private(X: np.ndarray, y: np.ndarray) -> dict[str, object]:
    """n, d, λ0 (certified), y_max, norms, non-parallelism (with a rounding bound)."""
    from prooftools.numerics.kernels.infinite import relu_gram_h_inf
    from prooftools.numerics.spectra import certified_lambda_min

    n, d = X.shape
    H, err = relu_gram_h_inf(X, return_error=True)
    lam = certified_lambda_min(H, error_bound=err)
    norms = np.linalg.norm(X, axis=1)
    G = X @ X.T
    with np.errstate(all="ignore"):
        cos = np.abs(G / np.outer(norms, norms))
    np.fill_diagonal(cos, 0.0)
    worst = np.unravel_index(int(np.argmax(cos)), cos.shape)
    nonpar = 1.0 - float(cos[worst])
    e = 4.0 * (d + 6) * np.finfo(float).eps  # rounding of a normalized inner product
    return {
        "n": n,
        "d": d,
        "lambda0": lam,
        "y_max": float(np.max(np.abs(y))),
        "norm_min": float(norms.min()),
        "norm_max": float(norms.max()),
        "nonpar": Quantity(nonpar, lower=nonpar - e, upper=nonpar + e,
                           witness=f"i={min(worst)}, j={max(worst)}"),
    }


def measure_data(X: np.ndarray, y: np.ndarray) -> dict[str, object]:
    """Data quantities by name; uses ``dataset_quantities.measure`` when that module exists."""
    out = _measure_private(X, y)
    try:
        from prooftools.numerics.data.datasets import make_dataset
        from prooftools.numerics.data.quantities import measure
    except ImportError:
        return out
    shared = measure(make_dataset(X, y, name="verify"))
    for key in ("lambda0", "nonpar", "sep", "sigma_min_X", "rank_X"):
        if key in shared:
            out[key] = shared[key]
    return out


def _lambda_max_inf(X: np.ndarray) -> float:
    from prooftools.numerics.kernels.infinite import relu_gram_h_inf

    return float(np.linalg.eigvalsh(relu_gram_h_inf(X))[-1])


# ----------------------------------------------------------------------------- settings


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("numpy", "scipy", "sympy", "prooftools"):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "unknown"
    return out


def _scalar(v) -> float:
    return float(v.value) if isinstance(v, Quantity) else float(v)


def _conservative(v) -> float:
    """A measured value for choosing a step size: its certified lower bound when positive."""
    if isinstance(v, Quantity):
        if v.lower is None:
            return float(v.value)
        return float(v.lower) if v.lower > 0 else 0.0  # not proven positive: no step from it
    return float(v)


def _theorem_step(registry, ids: list[str], values: Mapping[str, object]):
    """(η, source) from the first ``step_size`` bound of the statement or what it rests on."""
    from prooftools.theory.bounds import evaluate_expr

    for sid in ids:
        st = registry.get(sid)
        for b in st.bounds_of_kind("step_size"):
            exact = {k: repr(_conservative(v)) if not isinstance(v, int) else v
                     for k, v in values.items()}
            val, hidden, used, missing = evaluate_expr(registry, b.expr, exact,
                                                       constants="derived")
            if val is None or missing:
                continue
            eta = float(val)
            if not (math.isfinite(eta) and eta > 0):
                continue
            eta = float(np.nextafter(eta, 0.0))  # so that η ≤ bound survives rounding
            how = (f"{sid} bound {b.name}: {b.text} (measured quantities at their certified "
                   "lower bounds)")
            if used:
                how += " with derived " + ", ".join(
                    f"{u}={registry.derived_constants()[u]}" for u in used)
            if hidden:
                how += " with hidden " + ", ".join(hidden) + " = 1"
            return eta, how
    return None, None


def _pick_algorithm(registry, statement_id, algorithm, flow, batch_size) -> str:
    if algorithm is not None:
        if algorithm not in ("gd", "sgd", "flow"):
            raise UserInputError(f"algorithm must be gd, sgd or flow; got {algorithm!r}")
        return algorithm
    if flow:
        return "flow"
    if batch_size is not None:
        return "sgd"
    tag = registry.get(statement_id).tags.get("algorithm")
    return _ALGORITHMS.get(tag, "gd")


def _normalization_of(registry, ids: list[str]) -> str | None:
    for sid in reversed(ids):
        how = registry.get(sid).tags.get("normalization")
        if how:
            return how
    return None


def _sperp_radii(registry, ids, values, constants) -> list[float]:
    """Radii R at which the conditions call sperp_sum, so the engine samples them exactly."""
    radii = []
    for sid in ids:
        st = registry.get(sid)
        for cond in (*registry.hypotheses_of(st), *st.conclusions):
            for call in observable_calls(cond.expr):
                if call.func.__name__ != "sperp_sum" or len(call.args) != 1:
                    continue
                arg = call.args[0].xreplace(
                    {s: constants[s.name] for s in call.args[0].free_symbols
                     if s.name in constants})
                if any(s.name not in values for s in arg.free_symbols):
                    continue
                num = arg.xreplace({s: sympy.Float(_scalar(values[s.name]), 30)
                                    for s in arg.free_symbols})
                R = float(sympy.N(num, 30))  # safe: numeric sympy expression from our parser
                if math.isfinite(R) and R > 0:
                    radii.append(R)
    return radii


# ----------------------------------------------------------------------------- judging


def _hidden_only(j: Judgement) -> bool:
    return bool(j.implied_constants) or j.note.startswith("hidden constant")


def _judge_all(registry, ids, values, trajectory, constants, hidden, rtol, functions=None,
               probe_outside=False):
    cache: dict[tuple[str, str], CheckedItem] = {}
    order: list[CheckedItem] = []
    for sid in ids:
        st = registry.get(sid)
        hyp_kind = "condition" if st.kind == "condition" else (
            "assumption" if st.kind == "assumption" else "hypothesis")
        for cond in registry.hypotheses_of(st):
            j = judge_condition(cond, values, trajectory=trajectory, statement=sid,
                                kind=hyp_kind, constants=constants, hidden=hidden, rtol=rtol,
                                functions=functions)
            item = CheckedItem(j, j.verdict, "hypothesis")
            cache[(sid, cond.name)] = item
            order.append(item)
        for cond in st.conclusions:
            j = judge_condition(cond, values, trajectory=trajectory, statement=sid,
                                kind=_KIND_OF_CONCLUSION.get(st.kind, "conclusion"),
                                constants=constants, hidden=hidden, rtol=rtol,
                                functions=functions)
            item = CheckedItem(_guard(registry, sid, j, cache, values, trajectory, constants,
                                      hidden, rtol, functions), j.verdict, "conclusion")
            order.append(item)
            if (probe_outside and cond.forall
                    and isinstance(cond.when, sympy.core.relational.Relational)):
                order.append(_probe_outside(cond, sid, values, trajectory, constants, hidden,
                                            rtol, functions))
    return order


def _probe_outside(cond, sid, values, trajectory, constants, hidden, rtol, functions):
    """Judge a ``when``-restricted conclusion on the indices where ``when`` is false: the
    statement promises nothing there, so a failure here shows the restriction is needed."""
    probe = replace(cond, name=cond.name + "@outside", when=cond.when.negated,
                    when_text=f"not ({cond.when_text})")
    j = judge_condition(probe, values, trajectory=trajectory, statement=sid, kind="probe",
                        constants=constants, hidden=hidden, rtol=rtol, functions=functions)
    note = _join("outside the `when` range the statement claims nothing (probe, not a verdict "
                 "on the statement)", j.note)
    return CheckedItem(replace(j, note=note), j.verdict, "probe")


def _guard(registry, sid, j, cache, values, trajectory, constants, hidden, rtol,
           functions=None) -> Judgement:
    """Apply the documented not-guaranteed / unknown rule to a measured conclusion."""
    failed, undecided = [], []
    for hsid, cond in registry.assumed_hypotheses(sid):
        key = (hsid, cond.name)
        if key not in cache:
            hj = judge_condition(cond, values, trajectory=trajectory, statement=hsid,
                                 kind="hypothesis", constants=constants, hidden=hidden, rtol=rtol,
                                 functions=functions)
            cache[key] = CheckedItem(hj, hj.verdict, "hypothesis")
        hj = cache[key].judgement
        label = f"{hsid}:{cond.name}"
        if hj.verdict == Verdict.FAILS:
            failed.append(label)
        elif hj.verdict == Verdict.UNKNOWN and not _hidden_only(hj):
            undecided.append(label)
    measured = f"measured: {j.verdict}" + (f", margin {j.margin:.3g}" if j.margin is not None
                                           and math.isfinite(j.margin) else "")
    if j.verdict == Verdict.FAILS:
        if failed:
            return replace(j, note=_join(j.note, "not a counterexample: hypotheses failed: "
                                         + ", ".join(failed)))
        return j
    if failed:
        return replace(j, verdict=Verdict.NOT_GUARANTEED,
                       note=_join(measured, "hypotheses failed: " + ", ".join(failed),
                                  "undecided: " + ", ".join(undecided) if undecided else "",
                                  j.note))
    if undecided and j.verdict == Verdict.HOLDS:
        return replace(j, verdict=Verdict.UNKNOWN,
                       note=_join(measured, "hypotheses undecided: " + ", ".join(undecided),
                                  j.note))
    return j


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _graph(registry, ids, items) -> tuple[dict[str, str], list[str]]:
    by: dict[str, list[CheckedItem]] = {sid: [] for sid in ids}
    for it in items:
        if it.role == "probe":
            continue
        by.setdefault(it.judgement.statement, []).append(it)
    def hyps_with(verdict: Verdict) -> set[tuple[str, str]]:
        return {(it.judgement.statement, it.judgement.item) for it in items
                if it.role == "hypothesis" and it.judgement.verdict == verdict}

    failed_hyps, open_hyps = hyps_with(Verdict.FAILS), hyps_with(Verdict.UNKNOWN)
    node: dict[str, Verdict] = {}
    for sid in ids:
        st = registry.get(sid)
        its = by.get(sid, [])
        if not its:
            node[sid] = Verdict.UNKNOWN
            continue
        claims = [it for it in its if it.role == "conclusion"]
        # A statement whose own or assumed hypotheses failed promises nothing here: a measured
        # failure of its conclusions is reported on the item, but the statement is not refuted.
        # A failed conclusion refutes the statement only when every hypothesis is known to hold;
        # with one undecided (a hidden constant, say) the statement is unknown.
        assumed = [(s, h.name) for s, h in registry.assumed_hypotheses(sid)]
        hyp_failed = any(key in failed_hyps for key in assumed)
        hyp_open = any(key in open_hyps for key in assumed)
        if st.kind in ("assumption", "condition") or not claims:
            node[sid] = combine([it.judgement.verdict for it in its])
        elif hyp_failed:
            node[sid] = Verdict.NOT_GUARANTEED
        elif any(it.judgement.verdict == Verdict.FAILS for it in claims):
            node[sid] = Verdict.UNKNOWN if hyp_open else Verdict.FAILS
        else:
            node[sid] = combine([it.judgement.verdict for it in its])
    graph = registry.graph
    # a failing link: its claim fails while nothing it rests on failed or lost its guarantee
    broken = (Verdict.FAILS, Verdict.NOT_GUARANTEED)
    links = [sid for sid in ids if node[sid] == Verdict.FAILS
             and not any(node.get(a) in broken for a in _ancestors(graph, sid))]
    return {sid: str(v) for sid, v in node.items()}, links


def _ancestors(graph, sid) -> set[str]:
    import networkx as nx

    return nx.ancestors(graph, sid)


# ----------------------------------------------------------------------------- entry point


#: Iterations (GD/SGD steps, or gradient-flow time steps·η) when the user gives none.
DEFAULT_STEPS = 1000


def verify(
    registry,
    statement_id: str,
    X,
    y,
    *,
    width: int | None = None,
    steps: int | None = None,
    lr: float | None = None,
    seed: int | None = 0,
    algorithm: str | None = None,
    flow: bool = False,
    batch_size: int | None = None,
    delta: float = 0.1,
    constants: str = "derived",
    stride: int = 10,
    expensive_stride: int | None = None,
    progress: bool | None = None,
    overrides: Mapping[str, float] | None = None,
    dataset_name: str = "",
    rtol: float = RTOL,
    run: Callable[..., Trajectory] | None = None,
    depth: int | None = None,
    loss: str | None = None,
    activation: str | None = None,
    init: str | None = None,
    scale: float | None = None,
    radius: float | None = None,
    near_minimizer: float | None = None,
    eps: float | None = None,
    mu: float | None = None,
    points: int | None = None,
    find_scale: bool = False,
    flow_tol: float = 1e-6,
) -> VerifyReport:
    """Train the theorem's network on (X, y) and judge the statement and its whole proof chain.

    ``overrides`` replaces measured or default symbol values by name (e.g. ``{"lambda0": 0.1}``);
    each is recorded in ``config["overridden"]``. ``run`` replaces the engine (tests).

    Statements of the other anchor papers go to their engine adapter (see
    :mod:`prooftools.checking.engines`): ``depth``, ``loss`` (Zou: cross-entropy, exponential,
    smoothed-hinge), ``mu`` (last input coordinate), ``eps`` (target loss), ``activation``,
    ``init`` (positive/random), ``scale`` (output scale s), ``radius`` (ball radius r),
    ``find_scale`` (Chatterjee), ``near_minimizer`` (relative radius δ) and ``points`` (Zhou–Liang)
    are read there; ``width``/``steps`` then have engine defaults where sensible.

    >>> from prooftools.theory import load_registry
    >>> rng = np.random.default_rng(0); X = rng.standard_normal((6, 8)); y = rng.standard_normal(6)
    >>> rep = verify(load_registry(), "du2019.thm4.1", X, y, width=256, steps=40, progress=False)
    >>> str(rep.verdict("du2019.thm4.1", "linear_rate"))
    'holds'
    """
    from prooftools.numerics.networks.two_layer.observers import default_sperp_radii

    if constants not in ("derived", "hidden"):
        raise UserInputError(f"constants must be 'derived' or 'hidden'; got {constants!r}")
    if not (isinstance(delta, int | float) and 0 < delta < 1):
        raise UserInputError(f"delta must be a probability in (0, 1); got {delta!r}")
    st = registry.get(statement_id)
    ids = [*registry.dependencies(st.id), st.id]
    from prooftools.checking.engines import EngineOptions, engine_name

    engine = engine_name(st)
    if engine != "du":
        opts = EngineOptions(
            width=width, depth=depth, steps=steps, lr=lr, seed=0 if seed is None else int(seed),
            algorithm=algorithm, batch_size=batch_size, delta=float(delta), loss=loss,
            activation=activation, init=init, scale=scale, radius=radius,
            near_minimizer=near_minimizer, eps=eps, mu=mu, points=points, find_scale=find_scale,
            stride=int(stride) if stride else 1, progress=progress, dataset=dataset_name)
        return _verify_engine(registry, st, ids, engine, X, y, opts, overrides=overrides,
                              constants=constants, dataset_name=dataset_name, rtol=rtol)
    if width is None:
        raise UserInputError(f"{st.id}: give the width (--width M)")
    if steps is None:
        steps = DEFAULT_STEPS  # recorded in the config like every other setting
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise UserInputError(f"X must be n×d and y of length n (scalar labels); got X {X.shape}, "
                             f"y {y.shape}")
    how = _normalization_of(registry, ids)
    X, changes = _normalize(X, how)
    data = measure_data(X, y)
    algo = _pick_algorithm(registry, st.id, algorithm, flow, batch_size)
    values: dict[str, object] = {**data, "m": int(width), "delta": float(delta)}
    if algo == "sgd" and batch_size is not None:
        values["b"] = int(batch_size)
    overridden: dict[str, object] = {}
    for name, val in (overrides or {}).items():
        if name not in registry.symbols or registry.symbols[name].role in ("observable", "index"):
            raise UserInputError(f"override {name!r} is not a data, parameter or constant symbol")
        overridden[name] = {"value": float(val), "measured": _data_json(values.get(name))}
        values[name] = float(val)
    theorem_eta, eta_source = _theorem_step(registry, [st.id, *reversed(ids[:-1])], values)
    if lr is not None:
        eta = float(lr)
        overridden["eta"] = {"value": eta, "theorem": theorem_eta, "source": eta_source}
        eta_source = "user override"
    elif theorem_eta is not None:
        eta = theorem_eta
    else:
        lam_max = _lambda_max_inf(X)
        eta = 0.5 / lam_max
        eta_source = (f"fallback 0.5/λ_max(H^∞) = 0.5/{lam_max:.4g} (the theorem's step size "
                      "is not positive or not defined at these data)")
    values["eta"] = eta
    derived = registry.derived_constants() if constants == "derived" else {}
    hidden = frozenset(n for n, s in registry.symbols.items() if s.role == "constant")
    radii = np.union1d(default_sperp_radii(), _sperp_radii(registry, ids, values, derived))
    if run is None:
        from prooftools.numerics.networks.two_layer.training import run_du as run
    # ReLU kinks make tight ODE tolerances very expensive (RK45 at 1e-8 can need 10^5+
    # gradient evaluations on a tiny problem); the tolerance used is recorded in the config.
    flow_opts = {"flow_tol": float(flow_tol)} if algo == "flow" else {}
    trajectory = run(X, y, width=int(width), steps=int(steps), lr=eta, seed=seed,
                     algorithm=algo, batch_size=batch_size, stride=stride,
                     expensive_stride=expensive_stride, sperp_radii=radii, progress=progress,
                     **flow_opts)
    items = _judge_all(registry, ids, values, trajectory, derived, hidden, rtol)
    graph, links = _graph(registry, ids, items)
    config = {
        "statement": st.id,
        "dataset": dataset_name,
        "n": int(X.shape[0]), "d": int(X.shape[1]),
        "width": int(width), "steps": int(steps), "eta": eta, "eta_source": eta_source,
        "theorem_eta": theorem_eta, "seed": seed, "algorithm": algo, "batch_size": batch_size,
        "delta": float(delta), "constants": constants,
        "derived_constants": {k: str(v) for k, v in derived.items()},
        "stride": int(stride), "expensive_stride": trajectory.config.get("expensive_stride"),
        "normalization": how or "none", "rtol": rtol, "overridden": overridden,
        "run": {k: v for k, v in trajectory.config.items() if isinstance(v, str | int | float
                                                                           | bool | type(None))},
        "versions": _versions(),
    }
    return VerifyReport(statement=st.id, config=config, data=values, items=items, graph=graph,
                        failing_links=links, trajectory=trajectory, changes=changes)


def _verify_engine(registry, st, ids, engine, X, y, opts, *, overrides, constants, dataset_name,
                   rtol) -> VerifyReport:
    """verify() for the statements of the other anchor papers, through their engine adapter."""
    from prooftools.checking.engines import get_adapter

    res = get_adapter(engine)(registry, st, ids, np.asarray(X), np.asarray(y), opts)
    values = dict(res.values)
    overridden: dict[str, object] = {}
    if "overridden_eta" in res.config:
        overridden["eta"] = res.config.pop("overridden_eta")
    for name, val in (overrides or {}).items():
        if name not in registry.symbols or registry.symbols[name].role in ("observable", "index"):
            raise UserInputError(f"override {name!r} is not a data, parameter or constant symbol")
        overridden[name] = {"value": float(val), "measured": _data_json(values.get(name))}
        values[name] = float(val)
    derived = registry.derived_constants() if constants == "derived" else {}
    hidden = frozenset(n for n, s in registry.symbols.items() if s.role == "constant")
    items = _judge_all(registry, ids, values, res.trajectory, derived, hidden, rtol,
                       functions=res.functions, probe_outside=res.probe_outside)
    graph, links = _graph(registry, ids, items)
    unmeasured = sorted({
        part.split(" not ")[0].strip()
        for it in items for part in it.judgement.note.split(";")
        if part.strip().startswith("not measured")
    })
    lines = list(res.lines)
    if unmeasured:
        lines.append("not measured: " + "; ".join(
            u.replace("not measured:", "").strip() for u in unmeasured))
    traj_cfg = res.trajectory.config
    config = {
        "statement": st.id, "dataset": dataset_name, "engine": engine,
        "seed": opts.seed, "delta": float(opts.delta), "constants": constants,
        "derived_constants": {k: str(v) for k, v in derived.items()},
        "stride": int(opts.stride), "rtol": rtol, "overridden": overridden,
        **res.config,
        "run": {k: v for k, v in traj_cfg.items() if isinstance(v, str | int | float | bool
                                                                  | type(None))},
        "versions": _versions(),
    }
    for key in ("width", "eta", "algorithm", "steps", "n", "d"):
        config.setdefault(key, None)
    config.setdefault("eta_source", "not applicable")
    return VerifyReport(statement=st.id, config=config, data=values, items=items, graph=graph,
                        failing_links=links, trajectory=res.trajectory, changes=res.changes,
                        lines=lines)
