"""Engine: Zhou & Liang (1710.06910): points near a full-rank global minimizer.

Data: X (n×d rows) and labels y (n×d) become the paper's d×n matrices ``X = Xᵀ``, ``Y = yᵀ``
(square layers: the label dimension must equal d, and n ≥ d so that X Xᵀ is invertible).
The minimizer is the balanced factorization W* of ``P* = Y Xᵀ(X Xᵀ)⁻¹`` (``ℓ = depth`` factors;
the residual network's theorem is about the ball ‖A_j‖₂ ≤ τ around A = 0, which is sampled
instead, with τ = δ). ``--near-minimizer δ`` is the relative radius:
``points`` points are drawn in N_δ(W*) (relative radii u·δ, u ~ U(0, 1]) and as many *outside*
(relative radii between δ and max(1.5, 4δ), and a quarter of them on the segment from W* to the
critical point W = 0, where the ratio is +∞), in one record indexed k = 0, 1, …; the theorem's
``when = zl_nbhd(k) <= zl_rho`` picks the inside ones and the outside ones are judged as probes.

Regularity observables (``zl_reg_*``, ``zl_block_*``) at point k move the last layer only: the
point ``(W_1*, …, W_{ℓ−1}*, W_ℓ(k))``, so that Z = W*_{ℓ−1:1} X is the fixed feature matrix of
``zl_sigma_min_Z``/``zl_sigma_max_Z`` (the theorem's "along certain directions").

One-hidden-layer network ``f(W_1, W_2) = ½‖W_2 σ(W_1X) − Y‖_F²`` (``tags.network =
one_hidden_square``): σ is ``--activation`` (default leaky ReLU, slope 0.1, the numerics'
default: strictly increasing and invertible, the class the reference recalls; the theorem file
names none). The reference point is ``W* = (I, W_2♯(I))`` with ``W_2♯(W_1) = YΦᵀ(ΦΦᵀ)⁻¹``,
``Φ = σ(W_1X)``: a global minimizer (f = 0) when n = d, the block minimizer at W_1 = I otherwise.
Points are drawn in ``N_δ(W*)`` and outside it as above (``zl_nbhd``). ``zl_sigma_min_Phi``,
``zl_excess_W2``, ``zl_grad_W2_sq`` are measured at the point itself; the regularity observables
move W_2 only, at ``(I, W_2(k))``, so Z = Φ(I) is fixed (``zl_sigma_min_Z``, ``zl_sigma_max_Z``).
The three one-hidden statements have no ``when`` (neighbourhood) clause: they claim every point
with Φ of full row rank, so the outside points are part of their verdicts (no ``@outside``
probe exists for them) and are summarized separately in the report lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from prooftools.engines.base import Engine, Measurements, Option, RunRequest, RunSettings
from prooftools.errors import UserInputError
from prooftools.numerics.networks.linear import network as zl
from prooftools.numerics.observables import Observable
from prooftools.numerics.training import LoopRecord
from prooftools.numerics.trajectory import Trajectory

DEFAULT_POINTS = 40


def _data(st, X, y) -> tuple[np.ndarray, np.ndarray]:
    X, y = np.asarray(X, float), np.asarray(y, float)
    if y.ndim != 2 or y.shape != X.shape:
        raise UserInputError(f"{st.id} needs a square setting: labels of the same dimension as "
                             f"the inputs (y of shape {X.shape}); got X {X.shape}, y {y.shape} — "
                             "try --dataset synthetic-square:d=8")
    if X.shape[0] < X.shape[1]:
        raise UserInputError(f"{st.id} needs n >= d samples so that X Xᵀ is invertible; "
                             f"got n = {X.shape[0]}, d = {X.shape[1]}")
    return X.T.copy(), y.T.copy()


def _point_obs(Ws, Ws_star, Xz, Yz, fstar, residual, alpha, beta) -> dict[str, float]:
    d = Xz.shape[0]
    eye = np.eye(d)
    mats = [eye + A for A in Ws] if residual else Ws
    P = zl.partial_product(mats, len(mats), 1)
    Pstar = zl.optimal_product(Xz, Yz)
    loss = zl.linear_loss(mats, Xz, Yz)
    out = {
        "loss": loss,
        "zl_gd_ratio": zl.gradient_dominance_ratio(mats, Xz, Yz),
        "zl_lam_pt": zl.gd_lambda_pointwise(mats, Xz),
        "zl_prod_dev": float(np.linalg.norm(P - Pstar)),
        "zl_prod_dev_X": float(np.linalg.norm((P - Pstar) @ Xz)),
        "grad_norm_sq": float(sum(np.sum(g * g) for g in zl.linear_grad(mats, Xz, Yz))),
    }
    if residual:
        out["zl_res_norm"] = zl.residual_radius(Ws)
    else:
        out["zl_nbhd"] = zl.neighbourhood_radius(Ws, Ws_star)
        moved = [*Ws_star[:-1], Ws[-1]]
        reg = zl.layer_regularity(moved, Xz, Yz, alpha=alpha, beta=beta)
        g = zl.linear_grad(moved, Xz, Yz)[-1]
        diff = Ws[-1] - reg["W_sharp"]
        out.update(zl_reg_inner=float(np.sum(g * diff)), zl_block_grad_sq=float(np.sum(g * g)),
                   zl_block_dist_sq=float(np.sum(diff * diff)),
                   zl_reg_ratio=1.0 if not np.any(diff) else float(reg["ratio"]))
    return out


@dataclass(frozen=True)
class _Settings:
    depth: int | None
    near_minimizer: float | None
    points: int | None
    seed: int
    activation: str | None


class LinearEngine(Engine):
    """Deep linear, linear residual and one-hidden-layer square networks: sampled points."""

    name = "linear_square"
    networks = ("linear_square", "linear_residual_square", "one_hidden_square")
    papers = ("zhouliang2017",)
    algorithms = ("gd",)
    step_policies = ("theorem",)
    options = (
        Option("near_minimizer", float, None, "relative radius δ of the neighbourhood sampled "
               "(default 0.1)", low=0, high=1, metavar="DELTA"),
        Option("points", int, None, f"points sampled inside, and as many outside (default "
               f"{DEFAULT_POINTS})", low=1, closed="left", metavar="N"),
        Option("activation", str, None, "the one-hidden-layer network's σ (default leaky_relu)",
               choices=zl.ACTIVATIONS, metavar="NAME"),
    )
    observables = (
        *(Observable(name) for name in (
            "loss", "grad_norm_sq", "zl_block_dist_sq", "zl_block_grad_sq", "zl_excess_W2",
            "zl_gd_ratio", "zl_grad_W2_sq", "zl_lam_pt", "zl_nbhd", "zl_prod_dev",
            "zl_prod_dev_X", "zl_reg_inner", "zl_reg_ratio", "zl_res_norm")),
        Observable("zl_sigma_min_Phi", summary="min"),
    )
    description = "Zhou–Liang square networks near a full-rank global minimizer (no training)"

    def run(self, request: RunRequest) -> Measurements:
        """Sample points inside and outside the neighbourhood and measure the ratios."""
        opts = self.validate(request.config)
        settings = _Settings(depth=request.config.depth, near_minimizer=opts["near_minimizer"],
                             points=opts["points"], seed=request.config.seed,
                             activation=opts["activation"])
        return _run(request.statement, request.X, request.y, settings)


def _run(st, X, y, opts: _Settings) -> Measurements:
    """Sample points inside and outside the neighbourhood and measure the Zhou–Liang ratios."""
    net = st.tags.get("network")
    if net == "one_hidden_square":
        return _run_one_hidden(st, X, y, opts)
    if net not in ("linear_square", "linear_residual_square"):
        raise UserInputError(f"{st.id}: verify supports the linear, linear residual and "
                             f"one-hidden-layer square networks of Zhou & Liang; not {net!r}")
    residual = net == "linear_residual_square"
    Xz, Yz = _data(st, X, y)
    d, n = Xz.shape
    if opts.depth is None:
        raise UserInputError(f"{st.id} is a deep linear theorem; give the number of layers with "
                             "--depth L")
    ell = int(opts.depth)
    rho = 0.1 if opts.near_minimizer is None else float(opts.near_minimizer)
    npts = int(opts.points or DEFAULT_POINTS)
    rng = np.random.default_rng(opts.seed)
    sv = np.linalg.svd(Xz, compute_uv=False)
    fstar = zl.f_star(Xz, Yz)
    values: dict[str, object] = {
        "d": d, "n": n, "zl_ell": ell, "zl_rho": rho, "zl_tau": rho,
        "zl_rank_XXt": int(np.linalg.matrix_rank(Xz @ Xz.T)),
        "zl_rank_YXt": int(np.linalg.matrix_rank(Yz @ Xz.T)),
        "zl_sigma_min_X": float(sv[-1]), "zl_sigma_max_X": float(sv[0]), "zl_fstar": fstar,
    }
    Pstar = zl.optimal_product(Xz, Yz)
    Ws_star = zl.balanced_factorization(Pstar, ell)
    smins = np.array([zl.sigma_min(W) for W in Ws_star])
    values["zl_S_star"] = float(sum(np.prod(np.delete(smins, k) ** 2) for k in range(ell)))
    Zfix = zl.partial_product(Ws_star, ell - 1, 1) @ Xz
    zs = np.linalg.svd(Zfix, compute_uv=False)
    values.update(zl_sigma_min_Z=float(zs[-1]), zl_sigma_max_Z=float(zs[0]))
    alpha, beta = 1.0 / (2.0 * zs[0] ** 2), zs[-1] ** 2 / 2.0
    out_hi = max(1.5, 4.0 * rho)
    npath = max(1, npts // 4)
    if residual:
        def ball(r: float) -> list[np.ndarray]:
            pts = []
            for _ in range(ell):
                D = rng.standard_normal((d, d))
                pts.append(r * D / zl.sigma_max(D))
            return pts
        inside = [ball(rho * rng.uniform(0, 1)) for _ in range(npts)]
        outside = [ball(rng.uniform(rho, out_hi)) for _ in range(npts - npath)]
        # the segment A = −t I towards the critical point I + A = 0 (ratio +inf there, ℓ ≥ 3)
        outside += [[-t * np.eye(d) for _ in range(ell)]
                    for t in np.linspace(rho, 1.0, npath + 1)[1:]]
        start = [np.zeros((d, d)) for _ in range(ell)]
    else:
        inside = zl.sample_neighbourhood(Ws_star, rho, npts, rng)
        outside = [zl.sample_neighbourhood(Ws_star, 1.0, 1, rng,
                                           radius=float(rng.uniform(rho, out_hi)))[0]
                   for _ in range(npts - npath)]
        # the segment (1 − t)W* towards the critical point W = 0 (ratio +inf there, ℓ ≥ 3)
        kappa = max(zl.sigma_max(W) / zl.sigma_min(W) for W in Ws_star)
        outside += [[(1.0 - t) * W for W in Ws_star]
                    for t in np.geomspace(min(1.0, 1.01 * rho / kappa), 1.0, npath)]
        start = Ws_star
    pts = [start, *inside, *outside]
    rec = LoopRecord()  # the training loop's record: one entry per sampled point k
    for k, W in enumerate(pts):
        rec.append(k, _point_obs(W, Ws_star, Xz, Yz, fstar, residual, alpha, beta))
    obs = rec.arrays()
    traj = Trajectory(config={"index": "k", "engine": "zhouliang", "network": net,
                              "points_inside": npts + 1, "points_outside": npts,
                              "radius_outside": [rho, out_hi]},
                      index=np.arange(len(pts), dtype=float), observables=obs)
    key = "zl_res_norm" if residual else "zl_nbhd"
    lam = (zl.residual_gd_lambda(Xz, rho, ell) if residual
           else zl.gd_lambda_neighbourhood(Ws_star, Xz, rho))
    out_mask = obs[key] > rho
    worst_out = float(np.max(obs["zl_gd_ratio"][out_mask])) if out_mask.any() else float("nan")
    lines = [
        f"points: k = 0 is the minimizer ({'A = 0' if residual else 'balanced W*'}), k = 1.."
        f"{npts} inside (relative radius ≤ {rho:g}), k = {npts + 1}..{2 * npts} outside "
        f"(radius > {rho:g}: random, and {npath} on the segment to the critical point "
        f"{'I + A = 0' if residual else 'W = 0'})",
        f"derived λ = {lam:.4g}; max gradient-dominance ratio inside = "
        f"{float(np.max(obs['zl_gd_ratio'][~out_mask])):.4g}, outside = {worst_out:.4g}",
    ]
    if not residual:
        lines.append(f"regularity along the last layer: α = 1/(2σ_max(Z)²) = {alpha:.4g}, "
                     f"β = σ_min(Z)²/2 = {beta:.4g}; min ratio = "
                     f"{float(np.nanmin(obs['zl_reg_ratio'])):.4g} (≥ 1 required)")
    return Measurements(values=values, trajectory=traj, lines=lines, probe_outside=True,
                        settings=_sampling_settings(n, d, ell, len(pts) - 1, {
                            "near_minimizer": rho, "points": npts, "network": net}))


def _one_hidden_sample(Ws_star, rho, npts, rng, out_hi):
    inside = zl.sample_neighbourhood(Ws_star, rho, npts, rng)
    outside = [zl.sample_neighbourhood(Ws_star, 1.0, 1, rng,
                                       radius=float(rng.uniform(rho, out_hi)))[0]
               for _ in range(npts)]
    return inside, outside


def _run_one_hidden(st, X, y, opts: _Settings) -> Measurements:
    """Sample points near ``W* = (I, W_2♯(I))`` and measure the output-block observables."""
    Xz, Yz = _data(st, X, y)
    d, n = Xz.shape
    if opts.depth not in (None, 2):
        raise UserInputError(f"{st.id} is about the one-hidden-layer network (two d×d matrices); "
                             f"--depth must be 2 or left out, got {opts.depth}")
    act = opts.activation or "leaky_relu"
    rho = 0.1 if opts.near_minimizer is None else float(opts.near_minimizer)
    npts = int(opts.points or DEFAULT_POINTS)
    rng = np.random.default_rng(opts.seed)
    W1s = np.eye(d)
    # W_2♯(I) (also rejects an unknown activation with a UserInputError)
    W2s = zl.square_net_block_regularity(W1s, np.zeros((d, d)), Xz, Yz, act)["W_sharp"]
    ob0 = zl.square_net_block_observables(W1s, W2s, Xz, Yz, act)
    smin_Z, smax_Z = ob0["sigma_min_Phi"], ob0["sigma_max_Phi"]
    if not smin_Z > 1e-12 * smax_Z or not zl.sigma_min(W2s) > 1e-12 * zl.sigma_max(W2s):
        raise UserInputError(f"{st.id}: no full-rank reference point: Φ = σ(X) or W_2♯ = "
                             f"YΦᵀ(ΦΦᵀ)⁻¹ is rank deficient for activation {act!r} (σ_min(Φ) = "
                             f"{smin_Z:.3g}); try another --activation or data")
    sv = np.linalg.svd(Xz, compute_uv=False)
    values: dict[str, object] = {
        "d": d, "n": n, "zl_rho": rho,
        "zl_rank_XXt": int(np.linalg.matrix_rank(Xz @ Xz.T)),
        "zl_sigma_min_X": float(sv[-1]), "zl_sigma_max_X": float(sv[0]),
        "zl_sigma_min_Z": smin_Z, "zl_sigma_max_Z": smax_Z,
    }
    alpha, beta = 1.0 / (2.0 * smax_Z**2), smin_Z**2 / 2.0
    Ws_star = [W1s, W2s]
    out_hi = max(1.5, 4.0 * rho)
    inside, outside = _one_hidden_sample(Ws_star, rho, npts, rng, out_hi)
    pts = [Ws_star, *inside, *outside]
    rec = LoopRecord()  # the training loop's record: one entry per sampled point k
    for k, (W1, W2) in enumerate(pts):
        ob = zl.square_net_block_observables(W1, W2, Xz, Yz, act)
        reg = zl.square_net_block_regularity(W1s, W2, Xz, Yz, act, alpha=alpha, beta=beta)
        rec.append(k, {
            "loss": ob["loss"], "grad_norm_sq": ob["grad_sq"],
            "zl_nbhd": zl.neighbourhood_radius([W1, W2], Ws_star),
            "zl_sigma_min_Phi": ob["sigma_min_Phi"], "zl_excess_W2": ob["excess_W2"],
            "zl_grad_W2_sq": ob["grad_W2_sq"],
            "zl_reg_inner": reg["inner"], "zl_block_grad_sq": reg["grad_sq"],
            "zl_block_dist_sq": reg["dist_sq"], "zl_reg_ratio": reg["ratio"],
        })
    obs = rec.arrays()
    traj = Trajectory(config={"index": "k", "engine": "zhouliang", "network": "one_hidden_square",
                              "activation": act, "points_inside": npts + 1,
                              "points_outside": npts, "radius_outside": [rho, out_hi]},
                      index=np.arange(len(pts), dtype=float), observables=obs)
    out_mask = obs["zl_nbhd"] > rho
    in_mask = ~out_mask & (np.arange(len(pts)) > 0)  # k = 0 (W* itself) is summarized apart
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = obs["zl_grad_W2_sq"] / (2.0 * obs["zl_sigma_min_Phi"] ** 2)
        block = np.where(obs["zl_excess_W2"] == 0, 0.0, obs["zl_excess_W2"] / bound)

    def worst(a: np.ndarray, mask: np.ndarray, fn) -> str:
        return f"{float(fn(a[mask])):.4g}" if mask.any() else "n/a"

    kind = ("a global minimizer: n = d, zero loss" if n == d else "the block minimizer at "
            "W_1 = I; for n > d no closed-form global minimizer is used")
    lines = [
        f"network f = ½‖W_2 σ(W_1X) − Y‖_F², σ = {act}; W* = (I, W_2♯(I)) with f(W*) = "
        f"{ob0['loss']:.3g} ({kind})",
        f"points: k = 0 is W*, k = 1..{npts} inside (relative radius ≤ {rho:g}), k = {npts + 1}.."
        f"{2 * npts} outside (radius in ({rho:g}, {out_hi:g}]); the one-hidden statements have no "
        "`when` clause, so outside points are judged as part of the claim (no @outside probe)",
        f"block dominance excess/(‖∇_W2 f‖²/(2σ_min(Φ)²)) ≤ 1 required: max inside = "
        f"{worst(block, in_mask, np.nanmax)}, outside = {worst(block, out_mask, np.nanmax)}",
        f"regularity along W_2 at W_1 = I: α = 1/(2σ_max(Φ)²) = {alpha:.4g}, β = σ_min(Φ)²/2 = "
        f"{beta:.4g}; min ratio inside = {worst(obs['zl_reg_ratio'], in_mask, np.nanmin)}, "
        f"outside = {worst(obs['zl_reg_ratio'], out_mask, np.nanmin)} (≥ 1 required)",
    ]
    return Measurements(values=values, trajectory=traj, lines=lines, probe_outside=True,
                        settings=_sampling_settings(n, d, 2, len(pts) - 1, {
                            "near_minimizer": rho, "points": npts,
                            "network": "one_hidden_square", "activation": act}))


def _sampling_settings(n: int, d: int, depth: int, points: int, extra: dict) -> RunSettings:
    """Settings of a run that samples points instead of training (d×d layers: width d)."""
    return RunSettings(n=n, d=d, width=d, depth=depth, steps=points, eta=None,
                       eta_source="no training: sampled points", algorithm="sampling",
                       normalization="none", extra=extra)
