"""Training loops for Du et al. (2019): full-batch GD, minibatch SGD, gradient flow, joint training.

All runs train W (and ``a`` when ``train_output``) on L = Σ_i ½ (f(x_i) − y_i)² and feed a
:class:`~prooftools.numerics.networks.two_layer.observers.DuObserver` at recorded steps; GD, SGD
and the Euler flow run the shared loop of :mod:`prooftools.numerics.training`, and the
``solve_ivp`` flow feeds the DuObserver through the same observer protocol.
:func:`run_du` is the entry
point used by the checker; it returns a :class:`~prooftools.numerics.trajectory.Trajectory`.

Conventions
- GD: W(k+1) = W(k) − η ∇L(W(k)). resid_sq is known at *every* k for free (each step's forward
  pass), so ``dense["resid_sq"]`` and ``dense["loss_ratio"]`` (resid_sq(k+1)/resid_sq(k), NaN at the
  last k) cover all steps; ``observables["loss_ratio"]`` is the same one-step ratio at recorded k.
- SGD: each epoch is a fresh random permutation (sampling without replacement); batches are
  consecutive slices of it (the last one may be smaller). The step uses the unbiased estimate
  (n/|B|) ∇ Σ_{i∈B} ½(f(x_i) − y_i)². Observables are full-batch, computed at recorded k (plus one
  extra full forward pass at k+1 so loss_ratio(k) is the exact one-step ratio).
- Gradient flow: dθ/dt = −∇L(θ) integrated by ``scipy.integrate.solve_ivp`` (RK45 or LSODA,
  rtol = atol = ``flow_tol``) segment by segment between record times t = k·η (horizon steps·η);
  or ``flow_method="euler"``: GD with step η/s and η/(2s) (s = ``flow_substeps``), reporting the
  largest relative resid_sq difference between the two in ``config["flow_euler_diff"]``.
  loss_ratio(t_j) = resid_sq(t_{j+1})/resid_sq(t_j) over one record spacing
  (``config["loss_ratio_span"]``).
  The right-hand side is discontinuous where a pattern 𝟙{w_rᵀx_i ≥ 0} flips (and solutions may
  slide along such a surface), so adaptive solvers can need many tiny steps at tight tolerances;
  ``flow_max_nfev`` caps the work and turns a runaway integration into a UserInputError.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.integrate import solve_ivp

from prooftools.errors import UserInputError
from prooftools.numerics.networks.two_layer.network import StepWorkspace, init_params
from prooftools.numerics.networks.two_layer.observers import (
    SPARSE_GRAM_COST,
    DuObserver,
    DuState,
    sperp_lookup,
)
from prooftools.numerics.training import (
    LoopRecord,
    LoopState,
    progress_bar,
    record_steps,
    train_loop,
)
from prooftools.numerics.trajectory import Trajectory
from prooftools.options import Option

__all__ = ["auto_expensive_stride", "run_du"]

ALGORITHMS = ("gd", "sgd", "flow")
FLOW_METHODS = ("RK45", "LSODA", "euler")


def auto_expensive_stride(n: int, m: int, d: int, stride: int) -> int:
    """Stride (a multiple of ``stride``) keeping the NTK observers near 5% of the training cost,
    so that all observers together stay within 15% (the cheap ones cost ~4% at stride 10).

    Cost model in float64-GEMM flop equivalents, calibrated at n = 1000, d = 100, m = 8192 on two
    cores (step 49 ms; dense float32 P Pᵀ 38 ms; two Cholesky factorizations + solves ~30 ms):
    one step ≈ 4ndm; one H(k) ≈ 2n³ (certified warm λ_min, Lanczos ‖H − H(0)‖) plus the
    incremental Gram update n²m·min(1, 128 f)/3 at an expected flip fraction f = 1e-3 between
    expensive observations (the regime of Du et al.'s theorems; denser flips fall back to the
    dense product, n²m/3). When that fits, the answer is ``stride`` itself.

    >>> auto_expensive_stride(1000, 8192, 100, 10)
    20
    >>> auto_expensive_stride(4000, 1024, 10, 10)
    15720
    """
    flips = 1e-3
    cost_h = 2.0 * n**3 + n * n * m * min(1.0, SPARSE_GRAM_COST * flips) / 3.0
    cost_step = 4.0 * n * d * m
    s = max(1, math.ceil(cost_h / (0.05 * cost_step)))
    return stride * math.ceil(s / stride)


#: run_du's scalar parameters, declared once (the one constraint type of :mod:`prooftools.options`)
PARAMETERS = (
    Option("width", int, low=1, closed="left", optional=False),
    Option("steps", int, low=0, closed="left", optional=False),
    Option("lr", float, low=0, optional=False),
    Option("stride", int, low=1, closed="left", optional=False),
    Option("expensive_stride", int, low=1, closed="left"),
    Option("algorithm", str, choices=ALGORITHMS, optional=False),
    Option("flow_tol", float, low=0, high=1, optional=False),
    Option("flow_method", str, choices=FLOW_METHODS, optional=False),
    Option("flow_substeps", int, low=1, closed="left", optional=False),
    Option("flow_max_nfev", int, low=1, closed="left", optional=False),
)


def _validate(X, y, params: dict, batch_size):
    """The data as float arrays and ``params`` checked against :data:`PARAMETERS` (in place)."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise UserInputError(f"X must be a non-empty n×d array, got shape {X.shape}")
    if y.shape != (X.shape[0],):
        raise UserInputError(f"y must have shape ({X.shape[0]},) to match X, got {y.shape}")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise UserInputError("X and y must be finite (found NaN or inf)")
    for opt in PARAMETERS:
        params[opt.name] = opt.check(params[opt.name], who=opt.name)
    if params["algorithm"] == "sgd":
        Option("batch_size", int, low=1, high=X.shape[0], closed="both", optional=False).check(
            batch_size, who="SGD's batch_size")
    elif batch_size is not None:
        raise UserInputError(f"batch_size is only used with algorithm='sgd' (got "
                             f"{params['algorithm']!r})")
    return X, y


class _DuTrainer:
    """Du et al.'s full-batch GD (``rng`` None) or minibatch SGD on (W, a), in place.

    SGD: per-epoch permutations, consecutive batches, unbiased (n/|B|) scaling (module
    docstring). Dense records: GD's resid_sq at every step (``dense``); SGD's full-batch
    resid_sq at the records and the step after each (``full_rs``).
    """

    def __init__(self, X, y, W, a, *, steps, lr, train_output, batch_size=None, rng=None):
        self.X, self.y, self.W, self.a = X, y, W, a
        self.steps, self.lr, self.train_output = steps, lr, train_output
        self.ws = StepWorkspace(X.shape[0], W.shape[0], X.shape[1])
        self.rng, self.batch_size = rng, batch_size
        self.dense = np.empty(steps + 1) if rng is None else None
        self.full_rs: dict[int, float] = {}
        self.perm = None if rng is None else rng.permutation(X.shape[0])
        self.pos = 0

    def full_state(self, k: int, *, record: bool, after_record: bool) -> DuState:
        if self.rng is None:
            rs = self.dense[k] = self.ws.run(self.W, self.a, self.X, self.y,
                                             grad_a=self.train_output)
        elif record or after_record:
            rs = self.full_rs[k] = self.ws.run(self.W, self.a, self.X, self.y,
                                               grad_a=self.train_output, grad_w=record)
        else:
            return DuState(k=k, ws=self.ws, W=self.W, a=self.a)
        return DuState(k=k, loss=0.5 * rs, ws=self.ws, W=self.W, a=self.a)

    def plan(self, s: LoopState) -> LoopState:
        if self.rng is None or s.k == self.steps:
            return s
        n = self.X.shape[0]
        if self.pos >= n:
            self.perm = self.rng.permutation(n)
            self.pos = 0
        s.update = self.perm[self.pos : self.pos + self.batch_size]
        self.pos += self.batch_size
        return s

    def apply(self, s: LoopState) -> bool:
        ws, lr = self.ws, self.lr
        if s.update is not None:  # SGD: minibatch gradient, scaled to estimate the full one
            idx = s.update
            ws.run(self.W, self.a, self.X[idx], self.y[idx], scale=self.X.shape[0] / idx.size,
                   grad_a=self.train_output)
        ws.G *= lr
        self.W -= ws.G
        if self.train_output:
            self.a -= lr * ws.ga
        return True


def _discrete(X, y, W, a, obs, *, steps, lr, stride, expensive_stride, train_output, progress,
              batch_size=None, rng=None, desc="GD") -> tuple[LoopRecord, _DuTrainer]:
    """GD or SGD through the shared loop; returns its record and the trainer (dense records)."""
    trainer = _DuTrainer(X, y, W, a, steps=steps, lr=lr, train_output=train_output,
                         batch_size=batch_size, rng=rng)
    rec = train_loop(trainer, obs, steps=steps, stride=stride,
                     expensive_stride=expensive_stride, progress=progress, desc=desc)
    return rec, trainer


class _FlowBudgetExceeded(Exception):
    pass


def _flow_ivp(X, y, W, a, obs, *, steps, lr, rec, exp, train_output, method, tol, max_nfev,
              progress) -> tuple[LoopRecord, int]:
    """Gradient flow by solve_ivp between consecutive record times, observed at each of them
    through the loop's observer protocol into the loop's record (steps k, times k·η); leaves
    the end point in (W, a); returns the record and nfev."""
    n, d = X.shape
    m = W.shape[0]
    ws = StepWorkspace(n, m, d)
    md = m * d
    calls = [0]

    def rhs(_t: float, z: np.ndarray) -> np.ndarray:
        calls[0] += 1
        if calls[0] > max_nfev:
            raise _FlowBudgetExceeded
        Wz = z[:md].reshape(m, d)
        az = z[md:] if train_output else a
        ws.run(Wz, az, X, y, grad_a=train_output)
        if train_output:
            return -np.concatenate([ws.G.ravel(), ws.ga])
        return -ws.G.ravel()

    z = np.concatenate([W.ravel(), a]) if train_output else W.ravel().copy()
    nfev = 0
    out = LoopRecord()
    exp_set = set(exp.tolist())
    with progress_bar(len(rec) - 1, progress, f"flow[{method}]") as bar:
        for j, k in enumerate(rec.tolist()):
            if j > 0:
                t0, t1 = rec[j - 1] * lr, k * lr
                try:
                    sol = solve_ivp(rhs, (t0, t1), z, method=method, rtol=tol, atol=tol,
                                    t_eval=[t1])
                except _FlowBudgetExceeded:
                    raise UserInputError(
                        f"gradient flow ({method}, tol={tol:g}) needed more than {max_nfev} "
                        f"gradient evaluations before t={t1:g} (ReLU kinks, possibly sliding); "
                        "use a larger flow_tol, flow_method='euler', or a larger flow_max_nfev"
                    ) from None
                if not sol.success:
                    raise UserInputError(f"gradient flow integration failed: {sol.message}")
                nfev += int(sol.nfev)
                z = sol.y[:, -1].copy()
                bar.update(1)
            Wk = z[:md].reshape(m, d)
            ak = z[md:] if train_output else a
            ws.run(Wk, ak, X, y, grad_a=train_output)
            values = obs.observe(DuState(k=k, record=True, expensive=k in exp_set, ws=ws, W=Wk,
                                         a=ak))
            out.append(k, values)
            bar.set_postfix(loss=f"{values['loss']:.4g}", refresh=False)
    W[...] = z[:md].reshape(m, d)
    if train_output:
        a[...] = z[md:]
    return out, nfev


def _ratio_next(values: np.ndarray) -> np.ndarray:
    out = np.full(values.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[:-1] = values[1:] / values[:-1]
    return out


def run_du(
    X: np.ndarray,
    y: np.ndarray,
    *,
    width: int,
    steps: int,
    lr: float,
    seed: int | None,
    algorithm: str = "gd",
    batch_size: int | None = None,
    train_output: bool = False,
    stride: int = 10,
    expensive_stride: int | None = None,
    flow_tol: float = 1e-8,
    flow_method: str = "RK45",
    flow_substeps: int = 16,
    flow_max_nfev: int = 200_000,
    sperp_radii: np.ndarray | None = None,
    init: tuple[np.ndarray, np.ndarray] | None = None,
    progress: bool | None = None,
) -> Trajectory:
    """Train Du et al.'s two-layer ReLU network on (X, y) and record its observables.

    ``lr`` is η for GD/SGD; for ``algorithm="flow"`` the horizon is T = steps·η and the index holds
    times t = k·η (``config["index"] == "t"``). ``expensive_stride`` (NTK observers) defaults to
    :func:`auto_expensive_stride`; ``init=(W0, a0)`` overrides the seeded initialization (the seed
    still drives SGD sampling). The theorem's step size (e.g. η = λ0/(4n²)) is passed in by the
    caller; nothing here reads theorem files.

    >>> rng = np.random.default_rng(1); X = rng.standard_normal((6, 4))
    >>> X /= np.linalg.norm(X, axis=1, keepdims=True); y = rng.standard_normal(6)
    >>> tr = run_du(X, y, width=64, steps=20, lr=0.1, seed=0, stride=5, progress=False)
    >>> tr.iterations.tolist(), bool(tr.observables["loss"][-1] < tr.observables["loss"][0])
    ([0, 5, 10, 15, 20], True)
    """
    params = dict(width=width, steps=steps, lr=lr, stride=stride,
                  expensive_stride=expensive_stride, algorithm=algorithm, flow_tol=flow_tol,
                  flow_method=flow_method, flow_substeps=flow_substeps,
                  flow_max_nfev=flow_max_nfev)
    X, y = _validate(X, y, params, batch_size)
    width, steps, lr, stride, expensive_stride = (params[k] for k in (
        "width", "steps", "lr", "stride", "expensive_stride"))
    n, d = X.shape
    rng = np.random.default_rng(seed)
    W0, a0 = init_params(width, d, rng)
    if init is not None:
        W0 = np.array(init[0], dtype=np.float64)
        a0 = np.array(init[1], dtype=np.float64)
        if W0.shape != (width, d) or a0.shape != (width,):
            raise UserInputError(
                f"init must be (W0 of shape ({width}, {d}), a0 of shape ({width},)), "
                f"got {W0.shape} and {a0.shape}"
            )
    W, a = W0.copy(), a0.copy()
    if expensive_stride is None:
        expensive_stride = auto_expensive_stride(n, width, d, stride)
    rec = record_steps(steps, stride)
    exp = np.union1d(record_steps(steps, expensive_stride), [0, steps])
    obs = DuObserver(X, W0, a0, train_output=train_output, sperp_radii=sperp_radii)
    config: dict = {
        "paper": "du2019",
        "algorithm": algorithm,
        "index": "t" if algorithm == "flow" else "k",
        "n": n, "d": d, "m": int(width), "eta": float(lr), "steps": int(steps),
        "seed": seed, "stride": int(stride), "expensive_stride": int(expensive_stride),
        "batch_size": batch_size, "train_output": bool(train_output),
        "loss": "sum", "dtype": "float64", "init_given": init is not None,
    }
    dense_index = None
    dense: dict[str, np.ndarray] = {}
    if algorithm == "gd":
        record, trainer = _discrete(X, y, W, a, obs, steps=steps, lr=lr, stride=stride,
                                    expensive_stride=expensive_stride,
                                    train_output=train_output, progress=progress)
        rs_all = trainer.dense
        index = record.k
        dense_index = np.arange(steps + 1, dtype=float)
        dense = {"resid_sq": rs_all, "loss_ratio": _ratio_next(rs_all)}
        loss_ratio = dense["loss_ratio"][rec]
    elif algorithm == "sgd":
        record, trainer = _discrete(X, y, W, a, obs, steps=steps, lr=lr, stride=stride,
                                    expensive_stride=expensive_stride,
                                    train_output=train_output, progress=progress,
                                    batch_size=batch_size, rng=rng, desc="SGD")
        full, index = trainer.full_rs, record.k
        loss_ratio = np.array([full[k + 1] / full[k] if k < steps and full[k] > 0 else math.nan
                               for k in rec.tolist()])
        config["sgd_gradient_scale"] = "n/|B|"
        config["sgd_sampling"] = "without replacement, reshuffled every epoch"
    else:
        config["loss_ratio_span"] = float(stride * lr)
        config["flow_method"] = flow_method
        if flow_method == "euler":
            record, index = _flow_euler(
                X, y, W, a, W0, a0, obs, config, steps=steps, lr=lr, stride=stride,
                expensive_stride=expensive_stride, train_output=train_output,
                substeps=flow_substeps, sperp_radii=sperp_radii, progress=progress)
        else:
            config["flow_rtol"] = config["flow_atol"] = float(flow_tol)
            record, config["flow_nfev"] = _flow_ivp(
                X, y, W, a, obs, steps=steps, lr=lr, rec=rec, exp=exp,
                train_output=train_output, method=flow_method, tol=flow_tol,
                max_nfev=flow_max_nfev, progress=progress)
            index = [k * lr for k in record.k]
        loss_ratio = _ratio_next(np.asarray(record.column("resid_sq"), dtype=float))
    observables = record.arrays()
    observables["loss_ratio"] = np.asarray(loss_ratio, dtype=float)
    return Trajectory(
        config=config,
        index=np.asarray(index, dtype=float),
        observables=observables,
        scalars=dict(obs.scalars),
        dense_index=dense_index,
        dense=dense,
        functions={"sperp_sum": sperp_lookup(obs.scalars["sperp_R"], obs.scalars["sperp_sum"])},
    )


def _flow_euler(X, y, W, a, W0, a0, obs, config, *, steps, lr, stride, expensive_stride,
                train_output, substeps, sperp_radii, progress) -> tuple[LoopRecord, list[float]]:
    """Small-step GD as a gradient-flow surrogate: steps η/s and η/(2s); report their gap.
    Returns the finer run's record and its times."""
    results = []
    for s in (substeps, 2 * substeps):
        Wc, ac = W0.copy(), a0.copy()
        o = DuObserver(X, W0, a0, train_output=train_output, sperp_radii=sperp_radii) \
            if results else obs
        record, _ = _discrete(X, y, Wc, ac, o, steps=steps * s, lr=lr / s, stride=stride * s,
                              expensive_stride=expensive_stride * s, train_output=train_output,
                              progress=progress, desc=f"flow[euler/{s}]")
        results.append((record, [k * lr / s for k in record.k], Wc, ac))
    coarse, fine = (np.asarray(r[0].column("resid_sq"), dtype=float) for r in results)
    config["flow_substeps"] = [substeps, 2 * substeps]
    config["flow_euler_diff"] = float(np.max(np.abs(coarse - fine)) / max(fine[0], 1e-300))
    record, index, Wc, ac = results[1]
    W[...] = Wc
    a[...] = ac
    return record, index

