"""Engine: Chatterjee (2203.16462): smooth deep network, positive or random init.

Network :class:`~prooftools.numerics.networks.smooth.network.SmoothMLP` (no biases, activation
``tanh`` by
default, mean squared loss f = (1/n)Σ(y_i − out_i)²), initialization ``positive`` (W_1 = 0,
positive hidden weights, output weights s·U(0.5, 1.5), s = ``scale``, default 3) or ``random``
(LeCun Gaussian). GD with η = 1/β (β = the ball estimate below; 1/β maximizes
η(1 − βη/2) under the theorem's η < 2/β) unless ``lr`` is given. Over the closed ball B̄(x0, r)
(r = ``radius``, default 1): ``ch_alpha(r)`` = min of ‖∇f‖²/f over the GD path inside the ball and
sampled ball points (an upper estimate of the infimum), ``ch_beta(r)`` = max power-iteration
Hessian norm over sampled ball points (a lower estimate of the sup). With ``find_scale`` the
smallest output scale s meeting the estimated criterion 4 f(x0) < r² α is searched by bisection.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import ClassVar

import numpy as np

from prooftools.engines.base import Engine, Measurements, Option, RunRequest, RunSettings
from prooftools.errors import UserInputError
from prooftools.numerics.networks.smooth import network as ch
from prooftools.numerics.observables import Observable
from prooftools.numerics.trajectory import Trajectory

DEFAULT_STEPS = 200


class SmoothEngine(Engine):
    """Smooth deep networks (Chatterjee's criterion): positive or random initialization."""

    name = "smooth_deep"
    networks = ("deep_fc_smooth_increasing",)
    papers = ("chatterjee",)
    algorithms = ("gd",)
    step_policies = ("theorem", "fixed")
    options = (
        Option("activation", str, None, "tanh (default), softplus, sigmoid, *_centered",
               choices=ch.ACTIVATIONS, metavar="NAME"),
        Option("init", str, None, "positive construction (default) or random Gaussian",
               choices=("positive", "random")),
        Option("scale", float, None, "output scale s of the positive initialization (default 3)",
               low=0, metavar="S"),
        Option("radius", float, None, "radius r of the ball B(x0, r) (default 1)", low=0,
               metavar="R"),
        Option("find_scale", bool, False, "also search the smallest output scale meeting the "
               "criterion"),
    )
    observables = (
        *(Observable(name) for name in ("loss", "grad_norm_sq", "dist_total", "ch_loss_ratio",
                                        "ch_dist_limit", "ch_g_sq")),
        Observable("ch_alpha", summary="min", shape="function"),
        Observable("ch_beta", shape="function"),
    )
    not_measured: ClassVar[Mapping[str, str]] = {
        "ch_kappa": "an s-independent lower bound on the rescaled PL ratio is a heuristic of the "
                    "reference with no estimator here; use --find-scale for the smallest s",
    }
    description = "smooth deep networks of Chatterjee's local PL criterion"

    def run(self, request: RunRequest) -> Measurements:
        """Train from the chosen initialization and estimate α, β on the ball."""
        cfg = request.config
        opts = self.validate(cfg)
        lr = cfg.step_size if cfg.step_policy == "fixed" else None
        return _run(request.statement, request.X, request.y, cfg, opts, lr)


def _run(st, X, y, cfg, opts, lr) -> Measurements:
    """Train the smooth network from the chosen initialization and estimate α, β on the ball."""
    X, y = np.asarray(X, float), np.asarray(y, float)
    if y.ndim != 1:
        raise UserInputError(f"{st.id} needs scalar regression targets; got y of shape {y.shape}")
    if cfg.depth is None or cfg.width is None:
        raise UserInputError(f"{st.id}: give the network's --depth L and --width M")
    act = opts["activation"] or "tanh"
    init = opts["init"] or "positive"
    r = 1.0 if opts["radius"] is None else float(opts["radius"])
    s = 3.0 if opts["scale"] is None else float(opts["scale"])
    prob = ch.SmoothMLP(X, y, int(cfg.width), int(cfg.depth), act)
    x0 = ch.positive_init(prob, s, cfg.seed) if init == "positive" else ch.random_init(
        prob, cfg.seed, s)

    @lru_cache(maxsize=8)
    def beta(rad: float):
        return ch.estimate_beta(prob, x0, rad, n_points=6, iters=20, seed=cfg.seed)

    beta0 = beta(r).value  # computed once: the report's β(r) below is the same estimate
    eta = float(lr) if lr is not None else 1.0 / beta0
    steps = int(cfg.steps) if cfg.steps is not None else DEFAULT_STEPS
    gd_run = ch.gd(prob, x0, eta, steps)
    run_, path = gd_run.observables, gd_run.scalars["path"]
    K = run_["loss"].size
    final = path[-1]
    g_sq = np.array([float(np.sum(prob.first_layer_backvector(w) ** 2)) for w in path[:1]])
    obs = {
        "loss": run_["loss"], "grad_norm_sq": run_["grad_norm_sq"], "dist_total": run_["dist"],
        "ch_loss_ratio": run_["loss_ratio"],
        "ch_dist_limit": np.linalg.norm(path - final, axis=1),
        "ch_g_sq": np.append(g_sq, np.full(K - 1, np.nan)),
    }
    idx = np.arange(K, dtype=float)
    traj = Trajectory(config={"index": "k", "eta": eta, "engine": "chatterjee", "init": init,
                              "activation": act},
                      index=idx, observables=obs, dense_index=idx, dense=dict(obs))

    @lru_cache(maxsize=8)
    def alpha(rad: float):
        return ch.estimate_alpha(prob, x0, rad, path=path, n_uniform=100, n_line=10,
                                 seed=cfg.seed)

    parts = prob.unpack(x0)
    indep = ch.linear_independence(X)
    values: dict[str, object] = {
        "n": int(X.shape[0]), "d": int(X.shape[1]), "eta": eta, "ch_r": r,
        "ch_w1_init": float(np.linalg.norm(parts[0])),
        "ch_hidden_min": float(min(p.min() for p in parts[1:])),
        "sigma_min_X": indep,
    }
    if init == "positive":
        values["ch_s"] = s
    a, b = alpha(r), beta(r)
    crit = ch.criterion(run_["loss"][0], a.value, r, beta=b.value, eta=eta)
    lines = [
        f"init {init}{f' (output scale s = {s:g})' if init == 'positive' else ''}, activation "
        f"{act}; ball radius r = {r:g}",
        f"α(x0, r) ≈ {a.value:.4g} (upper estimate: {a.note}); β ≈ {b.value:.4g} (lower "
        "estimate, power iteration)",
        f"criterion 4 f(x0) = {crit['lhs']:.4g} {'<' if crit['satisfied'] else '≥'} r² α = "
        f"{crit['rhs']:.4g}; GD form: (1 − βη/2)² r² α = {crit['rhs_gd']:.4g}",
        f"linear independence: σ_min(X) = {indep.value:.4g} (n = {X.shape[0]}, d = "
        f"{X.shape[1]}; {'independent' if indep.value > 0 else 'NOT independent'})",
    ]
    extra = {"init": init, "activation": act, "radius": r,
             "scale": s if init == "positive" else None}
    if opts["find_scale"]:
        found = ch.smallest_output_scale(X, y, width=int(cfg.width), depth=int(cfg.depth), r=r,
                                         activation=act, seed=cfg.seed, n_uniform=100,
                                         n_line=10, steps=min(steps, 100), rtol=0.05)
        extra["smallest_scale"] = found["s"]
        lines.append("smallest output scale meeting 4 f(x0) < r² α (estimated as above: GD path "
                     "and ball samples at each s; bisection assuming monotonicity in s): "
                     + (f"s ≈ {found['s']:.4g}" if found["s"] is not None
                        else "none up to s = 1000"))

    def fn_alpha(rad: float):
        return alpha(float(rad))

    def fn_beta(rad: float):
        return beta(float(rad))

    settings = RunSettings(
        n=int(X.shape[0]), d=int(X.shape[1]), width=int(cfg.width), depth=int(cfg.depth),
        steps=steps, eta=eta, algorithm="gd", normalization="none", extra=extra,
        eta_source="user override" if lr is not None else
        f"1/β(x0, r) = 1/{beta0:.4g} (maximizes η(1 − βη/2) under the theorem's η < 2/β)")
    return Measurements(values=values, trajectory=traj, settings=settings, lines=lines,
                        functions={"ch_alpha": fn_alpha, "ch_beta": fn_beta})
