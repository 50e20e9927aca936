"""Engine: Du et al.'s two-layer ReLU network (GD, SGD, gradient flow; first layer or both layers).

Network tags ``two_layer_relu`` (W trained, ``a`` fixed) and ``two_layer_relu_joint`` (W and
``a`` trained, Theorem 3.3 and Lemma A.6); it is also the default for untagged statements of papers
no other engine names. The theorem's normalization is applied, the data quantities are measured
once (λ0 with its certificate), the step size follows the policy (the theorem's ``step_size``
bound by default, with the practical 0.5/λ_max(H^∞) when the theorem's is not defined), and
:func:`~prooftools.numerics.networks.two_layer.training.run_du` records the observables.
``sperp_sum(R)`` is a function observable: exact samples of the step function at the radii the
statements call it with, bracketed elsewhere.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import sympy

from prooftools.engines.base import Engine, Measurements, Option, RunRequest, RunSettings
from prooftools.engines.step_size import theorem_step
from prooftools.errors import UserInputError
from prooftools.numerics.memory import available_bytes, require
from prooftools.numerics.quantity import Quantity

__all__ = ["TwoLayerEngine"]

#: Iterations (GD/SGD steps, or gradient-flow time steps·η) when the user gives none.
DEFAULT_STEPS = 1000
#: Statement tag ``algorithm`` → engine algorithm.
_ALGORITHM_TAGS = {"gd": "gd", "sgd": "sgd", "gradient_flow": "flow", "flow": "flow"}
#: Data quantities the theorems of this family name (measured once, with certificates).
_DATA = ("lambda0", "nonpar", "sep", "sigma_min_X", "rank_X")


class TwoLayerEngine(Engine):
    """Du et al. (2019): f(x) = Σ_r a_r σ(w_rᵀx)/√m, a_r = ±1, W ~ N(0, I)."""

    name = "two_layer_relu"
    networks = ("two_layer_relu", "two_layer_relu_joint")
    papers = ("du2019",)
    default = True
    algorithms = ("gd", "sgd", "flow")
    step_policies = ("theorem", "fixed", "practical")
    options = (
        Option("flow_tol", float, 1e-6, "relative/absolute tolerance of the gradient-flow ODE "
               "solver (ReLU kinks make tight tolerances very expensive)", low=0, high=1,
               metavar="TOL"),
    )
    #: its OBSERVABLES and marked methods: everything this engine records
    observer = "prooftools.numerics.networks.two_layer.observers:DuObserver"
    not_measured: ClassVar[Mapping[str, str]] = {
        "ar_spec_resid": "Arora et al.'s spectral prediction needs H^∞'s eigenvectors at every "
                         "recorded step; not implemented",
        "ar_test_loss": "needs held-out data: verify trains on one dataset, with no test split",
        "jt_test_err": "needs held-out data: verify trains on one dataset, with no test split",
        "jt_avg_risk": "Ji–Telgarsky's logistic risk: this engine trains the square loss",
        "dist_layer_fro": "a per-layer distance of deep networks; this engine records dist_max "
                          "and dist_total",
        "lzb_pl_min": "a PL* infimum over a ball needs ball sampling, implemented only by the "
                      "smooth engine (its α)",
    }
    description = "two-layer ReLU network of Du et al. (first layer, or both layers)"

    def __init__(self, trainer=None) -> None:
        #: the training function (``run_du``'s signature); replaceable for tests
        self.trainer = trainer

    def run(self, request: RunRequest) -> Measurements:
        """Normalize, measure λ0 once, choose η, train and record (see the module docstring)."""
        from prooftools.numerics.networks.two_layer.observers import default_sperp_radii
        from prooftools.numerics.networks.two_layer.training import run_du

        cfg, st = request.config, request.statement
        self.validate(cfg)
        if cfg.width is None:
            raise UserInputError(f"{st.id}: give the width (--width M)")
        steps = DEFAULT_STEPS if cfg.steps is None else cfg.steps
        X, y = _scalar_labels(request.X, request.y)
        n, d, m = X.shape[0], X.shape[1], int(cfg.width)
        # W, W(0), the gradient (m×d); patterns, pre-activations, workspace (n×m); H(k), H(0),
        # H^∞ and the eigen-solver's copy (n×n) — before anything is allocated
        require(8.0 * (3 * m * d + 6 * n * m + 4 * n * n),
                f"{st.id}: the two-layer run (n = {n}, d = {d}, m = {m})",
                fits=f"at n = {n}, widths up to about m = "
                     f"{max(1, int((available_bytes() * 0.8 / 8 - 4 * n * n) / (3 * d + 6 * n)))}")
        how = request.registry.chain_tag(request.ids, "normalization", "none")
        X, changes = _normalize(X, how, request.dataset)
        algo = self._algorithm(request)
        values: dict[str, object] = {**measure_two_layer_data(X, y, request.progress),
                                     "m": int(cfg.width),
                                     "delta": cfg.delta}
        if algo == "sgd" and cfg.batch_size is not None:
            values["b"] = int(cfg.batch_size)
        overridden = request.apply_overrides(values)
        eta, eta_source, theorem_eta = self._step(request, X, values)
        if cfg.step_policy == "fixed":
            overridden["eta"] = {"value": eta, "theorem": theorem_eta, "source": theorem_source(
                request, values)}
        values["eta"] = eta
        derived = (request.registry.derived_constants() if cfg.constants == "derived" else {})
        radii = np.union1d(default_sperp_radii(), _sperp_radii(request, values, derived))
        flow = {"flow_tol": float(cfg.option("flow_tol", 1e-6))} if algo == "flow" else {}
        joint = st.tags.get("network") == "two_layer_relu_joint"
        joint_kw = {"train_output": True} if joint else {}
        train = run_du if self.trainer is None else self.trainer
        trajectory = train(X, y, width=int(cfg.width), steps=int(steps), lr=eta, seed=cfg.seed,
                           algorithm=algo, batch_size=cfg.batch_size, stride=cfg.stride,
                           expensive_stride=cfg.expensive_stride, sperp_radii=radii,
                           progress=request.progress, **flow, **joint_kw)
        extra = {"expensive_stride": trajectory.config.get("expensive_stride")}
        if joint:
            extra["trained"] = "W and a (joint training)"
        settings = RunSettings(
            n=n, d=d, width=m, steps=int(steps), eta=eta, eta_source=eta_source,
            theorem_eta=theorem_eta, algorithm=algo, batch_size=cfg.batch_size,
            normalization=how, extra=extra)
        return Measurements(values=values, trajectory=trajectory, settings=settings,
                            overridden=overridden, changes=changes,
                            functions=dict(trajectory.functions)
                            or {"sperp_sum": _sperp_function(trajectory)})

    def _algorithm(self, request: RunRequest) -> str:
        cfg = request.config
        if cfg.algorithm is not None:
            algo = cfg.algorithm
        elif cfg.batch_size is not None:
            algo = "sgd"
        else:
            algo = _ALGORITHM_TAGS.get(request.statement.tags.get("algorithm"), "gd")
        if algo == "flow" and cfg.batch_size is not None:
            raise UserInputError("gradient flow is full-batch: leave out the batch size")
        return algo

    def _step(self, request: RunRequest, X, values) -> tuple[float, str, float | None]:
        """(η, its source, the theorem's η) under the configuration's step policy."""
        cfg = request.config
        theorem_eta, source = theorem_step(request.registry, _step_ids(request), values)
        if cfg.step_policy == "fixed":
            return float(cfg.step_size), "user override", theorem_eta
        if cfg.step_policy == "theorem" and theorem_eta is not None:
            return theorem_eta, source, theorem_eta
        lam_max = _lambda_max_inf(X)
        why = ("practical step" if cfg.step_policy == "practical" else
               "the theorem's step size is not positive or not defined at these data")
        return 0.5 / lam_max, f"fallback 0.5/λ_max(H^∞) = 0.5/{lam_max:.4g} ({why})", \
            theorem_eta


def theorem_source(request: RunRequest, values) -> str | None:
    """Where the theorem's step size would have come from (for the override record)."""
    return theorem_step(request.registry, _step_ids(request), values)[1]


def _step_ids(request: RunRequest) -> list[str]:
    ids = list(request.ids)
    return [ids[-1], *reversed(ids[:-1])]


def _scalar_labels(X, y) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise UserInputError(f"X must be n×d and y of length n (scalar labels); got X {X.shape}, "
                             f"y {y.shape}")
    return X, y


def _normalize(X: np.ndarray, how: str | None, name: str) -> tuple[np.ndarray, list[str]]:
    from prooftools.numerics.data.datasets import make_dataset
    from prooftools.numerics.data.normalize import apply_normalization

    if how not in (None, "", "none", "unit_norm"):
        raise UserInputError(f"normalization {how!r} is not supported by the two-layer engine; "
                             "expected unit_norm or none")
    ds, changes = apply_normalization(make_dataset(X, np.zeros(X.shape[0]), name=name or "data"),
                                      how)
    return ds.X, [f"{how}: {c}" for c in changes]


#: Per-process memo of what depends on the data only (λ0 and the other data quantities,
#: λ_max(H^∞)), keyed by a hash of the arrays' bytes: a sweep's runs at one grid point share
#: their data, so a worker measures them once and each run forms only its own H(0).
_MEMO: OrderedDict[tuple, object] = OrderedDict()
_MEMO_SIZE = 16


def _memo(kind: str, X: np.ndarray, y: np.ndarray | None, compute):
    """``compute()`` once per (kind, data) in this process (the least recently used go first)."""
    h = hashlib.sha256()
    for a in (X,) if y is None else (X, y):
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    key = (kind, h.hexdigest())
    if key in _MEMO:
        _MEMO.move_to_end(key)
        return _MEMO[key]
    value = _MEMO[key] = compute()
    while len(_MEMO) > _MEMO_SIZE:
        _MEMO.popitem(last=False)
    return value


def measure_two_layer_data(X: np.ndarray, y: np.ndarray,
                           progress: bool | None = None) -> dict[str, object]:
    """n, d, y_max, the norm range, and λ0 (certified), nonpar, sep, σ_min(X), rank(X), measured
    by :func:`prooftools.numerics.data.quantities.measure` once per data in this process (the
    values are immutable :class:`Quantity` objects and numbers; a new dict is returned;
    ``progress``: the bars of a first measurement)."""
    return dict(_memo("data", X, y, lambda: _measure_two_layer_data(X, y, progress)))


def _measure_two_layer_data(X: np.ndarray, y: np.ndarray,
                            progress: bool | None) -> dict[str, object]:
    from prooftools.numerics.data.datasets import make_dataset
    from prooftools.numerics.data.quantities import measure

    norms = np.linalg.norm(X, axis=1)
    out: dict[str, object] = {
        "n": int(X.shape[0]), "d": int(X.shape[1]), "y_max": float(np.max(np.abs(y))),
        "norm_min": float(norms.min()), "norm_max": float(norms.max()),
    }
    shared = measure(make_dataset(X, y, name="verify"), names=lambda s: s in _DATA,
                     progress=progress)
    out.update({k: shared[k] for k in _DATA if k in shared})
    return out


def _lambda_max_inf(X: np.ndarray) -> float:
    from prooftools.numerics.kernels.infinite import relu_gram_h_inf
    from prooftools.numerics.spectra import lambda_max

    return _memo("lambda_max_inf", X, None, lambda: lambda_max(relu_gram_h_inf(X)))


def _sperp_radii(request: RunRequest, values, constants) -> list[float]:
    """Radii R at which the conditions call ``sperp_sum``, so the run samples them exactly."""
    from sympy.core.function import AppliedUndef

    radii = []
    reg = request.registry
    for sid in request.ids:
        st = reg.get(sid)
        for cond in (*reg.hypotheses_of(st), *st.conclusions):
            for call in cond.expr.atoms(AppliedUndef):
                if call.func.__name__ != "sperp_sum" or len(call.args) != 1:
                    continue
                R = _evaluate_argument(call.args[0], values, constants)
                if R is not None and math.isfinite(R) and R > 0:
                    radii.append(R)
    return radii


def _evaluate_argument(arg, values, constants) -> float | None:
    arg = arg.xreplace({s: constants[s.name] for s in arg.free_symbols if s.name in constants})
    if any(s.name not in values for s in arg.free_symbols):
        return None
    num = arg.xreplace({s: sympy.Float(_value(values[s.name]), 30) for s in arg.free_symbols})
    return float(sympy.N(num, 30))  # safe: numeric sympy expression from our parser


def _value(v) -> float:
    return float(v.value) if isinstance(v, Quantity) else float(v)


def _sperp_function(trajectory):
    from prooftools.numerics.networks.two_layer.observers import sperp_lookup

    return sperp_lookup(trajectory.scalars.get("sperp_R"), trajectory.scalars.get("sperp_sum"))
