"""Engine: deep fully connected ReLU networks: Zou et al. (1811.08888v3) and Allen-Zhu et al.

Zou et al.: binary labels mapped to ±1, inputs ``x ↦ (√(1−μ²) x/‖x‖, μ)`` (Assumption 3.4, μ =
``mu``, default 1/√2), network
:func:`~prooftools.numerics.networks.deep.network.zou_network` (all L layers
trained, He init, fixed ±1 output, mean loss), loss ``cross-entropy`` = logistic log(1+e^{−z})
(default), ``exponential`` or ``smoothed-hinge`` with their Assumption 3.2–4.4 constants. Allen-Zhu
et al.: scalar regression targets, inputs with last coordinate 1/√2, network
:func:`~prooftools.numerics.networks.deep.network.allen_zhu_network` (A, B fixed, summed
square loss).

Parameters given values: ``n, d`` (after the normalization: d includes the constant coordinate),
``m`` (width), ``zou_M``, ``L`` (depth), ``phi`` (opposite-label separation) / ``sep`` (all-pairs),
``norm_min, norm_max, last_coord, y_max, delta, eps, eta, b``, ``K_zou = T_az = steps``, the loss
constants, and the radii actually reached by the run: ``zou_tau`` = max_k zou_dist_spec_max(k),
``az_omega`` = max_k az_dist_max(k) (so the τ/ω-region statements are judged on the region the
run really visited).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from prooftools.engines.base import Engine, Measurements, Option, RunRequest, RunSettings
from prooftools.engines.step_size import theorem_step
from prooftools.errors import UserInputError
from prooftools.numerics.data.datasets import make_dataset
from prooftools.numerics.gram import gram
from prooftools.numerics.memory import require

__all__ = ["LOSS_CONSTANTS", "DeepReLUEngine"]

#: Zou et al.'s loss class constants (Assumptions 3.2, 3.3, 4.4), derived in def.cross_entropy.
LOSS_CONSTANTS = {
    "logistic": {"zou_p": 1.0, "zou_alpha0_inv": 2.0, "zou_alpha1": 0.5, "zou_lambda": 0.25,
                 "zou_rho0_inv": 1.0, "zou_rho1": 1.0, "zou_ell0": math.log(2.0)},
    "exponential": {"zou_p": 1.0, "zou_alpha0_inv": 0.0, "zou_alpha1": 1.0,
                    "zou_rho0_inv": 0.0, "zou_rho1": 1.0, "zou_ell0": 1.0},
    "smoothed_hinge": {"zou_p": 0.5, "zou_alpha0_inv": 1.0, "zou_alpha1": math.sqrt(2.0),
                       "zou_lambda": 1.0, "zou_rho0_inv": 1.0, "zou_rho1": math.sqrt(2.0),
                       "zou_ell0": 0.5},
}
_LOSS_NAMES = {"cross-entropy": "logistic", "cross_entropy": "logistic", "logistic": "logistic",
               "exponential": "exponential", "smoothed-hinge": "smoothed_hinge",
               "smoothed_hinge": "smoothed_hinge"}
DEFAULT_STEPS = 50
#: Normalization tags the input map x ↦ (√(1−μ²) x/‖x‖, μ) satisfies.
_INPUT_MAPS = ("unit_norm_last_coord", "unit_norm")


def _min_dist(X: np.ndarray, mask: np.ndarray | None = None) -> float:
    sq = np.sum(X * X, axis=1)
    D2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * gram(X), 0.0)
    sel = ~np.eye(X.shape[0], dtype=bool) if mask is None else mask
    return float(np.sqrt(D2[sel].min())) if sel.any() else float("nan")


def _loss_of(st, loss: str | None, zou: bool) -> str:
    tag = st.tags.get("loss")
    if not zou:
        if loss not in (None, "square", "squared"):
            raise UserInputError(f"{st.id} is a square-loss regression theorem; got --loss "
                                 f"{loss!r}")
        return "squared"
    name = _LOSS_NAMES.get((loss or "cross-entropy").lower())
    if name is None:
        raise UserInputError(f"--loss {loss!r} is not in Zou et al.'s loss class; expected "
                             "cross-entropy, exponential or smoothed-hinge")
    if tag == "cross_entropy" and name != "logistic":
        raise UserInputError(f"{st.id} is stated for the cross-entropy loss; got --loss "
                             f"{loss!r}")
    return name


def _algorithm(registry, ids, algorithm: str | None, batch_size: int | None) -> str:
    tag = next((registry.get(s).tags.get("algorithm") for s in reversed(ids)
                if registry.get(s).tags.get("algorithm")), "gd")
    algo = algorithm or ("sgd" if batch_size is not None else tag)
    if algo not in ("gd", "sgd"):
        raise UserInputError(f"deep ReLU engines run gd or sgd; got {algo!r}")
    if algo == "sgd" and batch_size is None:
        raise UserInputError(f"{ids[-1]} is an SGD theorem; give the minibatch size with --batch B")
    return algo


def _is_zou(st) -> bool:
    """Whether ``st`` is one of Zou et al.'s statements (binary labels, their network)."""
    return st.tags.get("network") == "deep_relu_zou" or st.id.startswith("zou2018.")


class DeepReLUEngine(Engine):
    """Zou et al. (all L layers trained, He init, ±1 output) and Allen-Zhu et al. (A, B fixed)."""

    name = "deep_relu"
    networks = ("deep_relu_zou", "deep_relu_allenzhu")
    papers = ("zou2018", "allenzhu2019")
    algorithms = ("gd", "sgd")
    step_policies = ("theorem", "fixed", "practical")
    options = (
        Option("loss", str, None, "Zou et al.'s loss: cross-entropy (default), exponential, "
               "smoothed-hinge; square for Allen-Zhu et al.",
               choices=(*_LOSS_NAMES, "square", "squared"), metavar="NAME"),
        Option("mu", float, None, "constant last input coordinate μ (default 1/√2)", low=0,
               high=1, metavar="MU"),
        Option("eps", float, None, "target training loss ε of the theorem (default 0.1)", low=0,
               metavar="EPS"),
    )
    #: its OBSERVABLES and marked methods: everything this engine records
    observer = "prooftools.numerics.networks.deep.observed:PaperObserver"
    not_measured: ClassVar[Mapping[str, str]] = {
        "az_interm_norm": "spectral norms of products over all layer pairs and samples "
                          "(O(n L²) power iterations per record); not implemented",
        "zou_prod_norm": "spectral norms of products over all layer pairs and samples "
                         "(O(n L²) power iterations per record); not implemented",
        "zou_prod_norm_init": "spectral norms of products over all layer pairs and samples; "
                              "not implemented",
        "zou_sparse_bil": "a supremum over s-sparse unit vectors (combinatorial); no certified "
                          "estimate implemented",
        "zou_sparse_out": "a supremum over s-sparse unit vectors (combinatorial); no certified "
                          "estimate implemented",
        "train_error": "the training misclassification fraction is not recorded by the deep "
                       "observers",
    }
    description = "deep fully connected ReLU networks of Zou et al. and Allen-Zhu et al."

    def run(self, request: RunRequest) -> Measurements:
        """Map the data as the paper says, train, and measure the ``zou_*``/``az_*`` observables."""
        from prooftools.numerics.networks.deep.network import (
            allen_zhu_network,
            zou_inputs,
            zou_network,
        )
        from prooftools.numerics.networks.deep.observed import run_deep_observed

        cfg, st = request.config, request.statement
        opts = self.validate(cfg)
        zou = _is_zou(st)
        self.check_request(request)
        if cfg.width is None:
            raise UserInputError(f"{st.id}: give the width with --width M")
        L, m = int(cfg.depth), int(cfg.width)
        n_rows, d_in = np.shape(request.X)[0], np.shape(request.X)[1] + 1
        # L weight matrices, their initial copies and gradients (m×m), forward and backward
        # activations per layer (n×m), the empirical NTK when measured (n×n)
        require(8.0 * (3 * L * m * max(m, d_in) + 4 * L * n_rows * m + 2 * n_rows * n_rows),
                f"{st.id}: the deep run (n = {n_rows}, m = {m}, L = {L})")
        X, y, changes = self._labels(request, zou, m)
        mu = float(opts["mu"]) if opts["mu"] is not None else 1.0 / math.sqrt(2.0)
        Z = zou_inputs(X, mu)
        changes.append(f"unit_norm_last_coord: x ↦ (√(1−μ²) x/‖x‖, μ) with μ = {mu:.6g}; "
                       f"d {X.shape[1]} → {Z.shape[1]}")
        loss = _loss_of(st, opts["loss"], zou)
        algo = _algorithm(request.registry, request.ids, cfg.algorithm, cfg.batch_size)
        steps = int(cfg.steps) if cfg.steps is not None else DEFAULT_STEPS
        values = _values(Z, y, m, L, cfg.delta, opts["eps"], steps, zou, loss)
        n, d = Z.shape
        if algo == "sgd":
            if not 1 <= cfg.batch_size <= n:
                raise UserInputError(f"--batch must lie in 1..n = {n}; got {cfg.batch_size}")
            values["b"] = int(cfg.batch_size)
        overridden = request.apply_overrides(values)
        eta, how, theorem_eta, theorem_how = _step(request, values, n, d, L, m)
        if cfg.step_policy == "fixed":
            overridden["eta"] = {"value": eta, "theorem": theorem_eta, "source": theorem_how}
        values["eta"] = eta
        net = (zou_network(d, m, depth=L, loss=loss, seed=cfg.seed) if zou
               else allen_zhu_network(d, m, L, loss="squared", seed=cfg.seed))
        traj = run_deep_observed(net, Z, y, eta=eta, steps=steps, algorithm=algo,
                                 batch_size=cfg.batch_size, seed=cfg.seed, stride=cfg.stride,
                                 progress=request.progress)
        lines = _reached(values, traj, zou)
        lines.append("spectral norms of matrices larger than 64: ARPACK Lanczos (scipy svds, "
                     "tol 1e-6), exact SVD below")
        settings = RunSettings(
            n=n, d=d, width=m, depth=L, steps=steps, eta=eta, eta_source=how,
            theorem_eta=theorem_eta, algorithm=algo, batch_size=cfg.batch_size,
            normalization="unit_norm_last_coord", extra={"loss": loss, "mu": mu})
        return Measurements(values=values, trajectory=traj, settings=settings,
                            overridden=overridden, changes=changes, functions=dict(traj.functions),
                            lines=lines)

    def check_request(self, request: RunRequest) -> None:
        """Depth given, a normalization the input map satisfies, labels of the right kind (two
        classes for Zou et al., scalar targets otherwise): before any training."""
        from prooftools.numerics.data.normalize import binary_labels

        cfg, st = request.config, request.statement
        if cfg.depth is None:
            raise UserInputError(f"{st.id} is a deep-network theorem; give the depth with "
                                 "--depth L")
        tag = request.registry.chain_tag(request.ids, "normalization", "unit_norm_last_coord")
        if tag not in _INPUT_MAPS:  # the mapping gives both: unit norm, constant last coord
            raise UserInputError(f"{st.id}: normalization {tag!r} is not supported by the deep "
                                 f"ReLU engine; expected {' or '.join(_INPUT_MAPS)}")
        y = np.asarray(request.y, dtype=float)
        if _is_zou(st):
            binary_labels(make_dataset(np.asarray(request.X, dtype=float), y,
                                       name=request.dataset or "data"))
        elif y.ndim != 1:
            raise UserInputError(f"{st.id} needs scalar regression targets; got y of shape "
                                 f"{y.shape}")

    @staticmethod
    def _labels(request: RunRequest, zou: bool, m: int):
        from prooftools.numerics.data.normalize import binary_labels

        st = request.statement
        X = np.asarray(request.X, dtype=float)
        y = np.asarray(request.y, dtype=float)
        changes: list[str] = []
        if zou:
            ds, ch = binary_labels(make_dataset(X, y, name=request.dataset or "data"))
            y = ds.y
            changes += list(ch)
            if m % 2:
                raise UserInputError(f"Zou et al.'s width must be even (v is half +1, half −1); "
                                     f"got {m}")
        elif y.ndim != 1:
            raise UserInputError(f"{st.id} needs scalar regression targets; got y of shape "
                                 f"{y.shape}")
        return X, y, changes


def _values(Z, y, m, L, delta, eps, steps, zou, loss) -> dict[str, object]:
    norms = np.linalg.norm(Z, axis=1)
    last = Z[:, -1]
    n, d = Z.shape
    values: dict[str, object] = {
        "n": n, "d": d, "m": m, "L": L, "delta": float(delta),
        "norm_min": float(norms.min()), "norm_max": float(norms.max()),
        "last_coord": float(last[0]) if np.all(last == last[0]) else float("nan"),
        "y_max": float(np.max(np.abs(y))),
        "eps": float(eps) if eps is not None else 0.1,
    }
    if zou:
        values.update(zou_M=m, K_zou=steps, phi=_min_dist(Z, y[:, None] != y[None, :]),
                      **LOSS_CONSTANTS[loss])
    else:
        values.update(T_az=steps, sep=_min_dist(Z))
    return values


def _step(request: RunRequest, values, n, d, L, m):
    """(η, source, the theorem's η, its source) under the configuration's step policy."""
    cfg = request.config
    ids = list(request.ids)
    theorem_eta, theorem_how = theorem_step(request.registry, [ids[-1], *reversed(ids[:-1])],
                                            values)
    if cfg.step_policy == "fixed":
        return float(cfg.step_size), "user override", theorem_eta, theorem_how
    if cfg.step_policy == "theorem" and theorem_eta is not None:
        return theorem_eta, theorem_how, theorem_eta, theorem_how
    eta = float(d / (n * L * L * m))
    why = ("practical step" if cfg.step_policy == "practical"
           else "the theorem's step size has an unknown exponent")
    how = (f"fallback d/(n L² m) = {eta:.4g}: inverse of the semi-smoothness coefficient "
           f"O(nL²m/d) with constant 1 ({why})")
    return eta, how, theorem_eta, theorem_how


def _reached(values, traj, zou: bool) -> list[str]:
    """Bind the radius the run really visited (τ for Zou et al., ω for Allen-Zhu et al.)."""
    key = "zou_dist_spec_path" if zou else "az_dist_path"
    reached = float(np.nanmax(traj.observables[key]))
    if zou:
        values["zou_tau"] = reached
        return [f"zou_tau := max_k max_l ‖W_l(k) − W_l(0)‖₂ = {reached:.4g} (the region "
                "this run visited)"]
    values["az_omega"] = reached
    return [f"az_omega := max_k az_dist_max(k) = {reached:.4g} (the region this run visited)"]
