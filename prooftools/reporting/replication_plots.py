"""Figures and data files of the paper replications (:mod:`prooftools.numerics.replication`).

The numerics return data; this module draws it (PNG + PDF through
:mod:`prooftools.reporting.figures`) and writes the replication's JSON next to the figures.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np

from prooftools.atomic import FileSet, json_safe
from prooftools.errors import UserInputError
from prooftools.reporting.figures import pyplot, save_figure

__all__ = [
    "plot_chatterjee_replication",
    "plot_du_replication",
    "write_chatterjee_replication",
    "write_du_replication",
]


def write_du_replication(result: dict, out_dir: str | Path) -> dict:
    """Draw :func:`~prooftools.numerics.replication.du.replicate_du`'s ``result`` and write
    ``du2019_replication.{png,pdf,json}`` to ``out_dir``; return ``result`` with ``figures``.

    Raises :class:`UserInputError` when GD diverged; then nothing is written (the previous
    files stay). Figures and JSON are replaced together (:class:`~prooftools.atomic.FileSet`).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    runs, config = result["runs"], result["config"]
    widths = tuple(config["widths"])
    if not all(math.isfinite(v) for m in widths for v in runs[m]["loss_all"][-1:]):
        raise UserInputError(f"GD diverged at step size {config['eta']:.3g}; pass a smaller lr")
    with FileSet() as files:  # figures and JSON: all new or all old
        figures = plot_du_replication(runs, widths, config, out, files=files)
        result = {**result, "figures": figures}
        files.write_text(out / "du2019_replication.json", json.dumps(
            json_safe({**result, "runs": {str(k): v for k, v in runs.items()}}),
            allow_nan=False))
    return result


def plot_du_replication(runs: dict, widths: tuple[int, ...], config: dict, out: Path, *,
                        files: FileSet | None = None) -> list[str]:
    """Du et al. §5's three panels (loss, pattern flips, distance from init) against k."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    cmap = plt.get_cmap("viridis")
    for j, m in enumerate(widths):
        c = cmap(j / max(1, len(widths) - 1))
        r = runs[m]
        axes[0].semilogy(np.arange(len(r["loss_all"])), r["loss_all"], color=c, label=f"m={m}")
        axes[1].plot(r["iterations"], r["flip_frac"], color=c, label=f"m={m}")
        axes[2].plot(r["iterations"], r["dist_max"], color=c, label=f"m={m}")
    widest = runs[widths[-1]]["loss_all"]
    rho = 1.0 - config["eta"] * config["lambda0"] / 2
    if len(widest) and np.isfinite(widest[0]) and 0 < rho < 1:
        k = np.arange(len(widest))
        axes[0].semilogy(k, widest[0] * rho ** k, "k--", lw=1,
                         label=rf"Thm 4.1 envelope $(1-\eta\lambda_0/2)^k L(0)$, m={widths[-1]}")
    axes[0].set(xlabel="iteration k", ylabel="training loss L(k) (log scale)",
                title="(a) training loss against Theorem 4.1's linear rate")
    axes[1].set(xlabel="iteration k", ylabel="fraction of activation patterns changed",
                title="(b) ReLU pattern flips since initialization")
    axes[2].set(xlabel="iteration k", ylabel=r"$\max_r\|w_r(k)-w_r(0)\|_2$",
                title="(c) largest weight movement from initialization")
    for ax in axes:
        ax.legend(fontsize=8)
    fig.suptitle(
        f"Du et al. 2019 §5 replication: n={config['n']}, d={config['d']}, "
        f"η={config['eta']:.3g}, λ0={config['lambda0']:.3g}"
    )
    fig.tight_layout()
    return save_figure(fig, out, "du2019_replication", dpi=120, files=files)


def write_chatterjee_replication(result: dict, out_dir: str | Path) -> list[str]:
    """Draw :func:`~prooftools.numerics.replication.chatterjee.replicate_chatterjee`'s result
    (:func:`plot_chatterjee_replication`) and write ``chatterjee_replication.json`` atomically
    (temporary file in the same folder, then rename); return every path written."""
    from prooftools.numerics.replication.chatterjee import as_json

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = plot_chatterjee_replication(result, out)
    target = out / "chatterjee_replication.json"
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".chatterjee_replication.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(as_json(result), fh)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return [*paths, str(target)]


def _padded(curves: list[np.ndarray], length: int) -> np.ndarray:
    """Curves of f/f0 padded with their last value (GD stops early only at f = 0)."""
    out = np.empty((len(curves), length))
    for i, c in enumerate(curves):
        out[i, : len(c)] = c
        out[i, len(c):] = c[-1] if len(c) else np.nan
    return out


def plot_chatterjee_replication(res: dict, out_dir: str | Path) -> list[str]:
    """Relative loss f(x_k)/f(x0) of positive vs random initialization, median over seeds with a
    10–90% band, one column per size and one row per step-size policy (own β, common step);
    panel titles give the speed-up T_random/T_positive with its interval. Writes
    ``chatterjee_loss_curves.{png,pdf}``."""
    from prooftools.numerics.replication.chatterjee import POLICIES

    plt = pyplot()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sizes = res["sizes"]
    cfg = res["config"]
    fig, axes = plt.subplots(len(POLICIES), len(sizes), figsize=(4.6 * len(sizes), 7.2),
                             squeeze=False, sharey=True)
    length = int(cfg["steps"]) + 1
    k = np.arange(length)
    for j, per in enumerate(sizes):
        for i, pol in enumerate(POLICIES):
            ax = axes[i, j]
            for kind, color in (("positive", "C0"), ("random", "C3")):
                runs = per["runs"][pol][kind]
                rel = _padded([np.asarray(r["loss"]) / r["f0"] for r in runs], length)
                rel = np.maximum(rel, 1e-300)
                lo, med, hi = np.nanquantile(rel, [0.1, 0.5, 0.9], axis=0)
                ax.fill_between(k, lo, hi, color=color, alpha=0.2, lw=0)
                ax.semilogy(k, med, color=color, label=f"{kind} init (median, 10–90%)")
            ax.axhline(cfg["eps"], color="k", ls="--", lw=0.8, label="ε = " + f"{cfg['eps']:g}")
            sm = per["summary"][pol]
            lo_i, hi_i = sm["interval"]
            ge = "≥ " if sm["lower_bound"] else ""
            ax.set_title(f"{per['size'].label()}\n{pol} step: speed-up {ge}{sm['speedup']:.2f}× "
                         f"[{lo_i:.2f}, {hi_i:.2f}], {sm['verdict']}", fontsize=9)
            ax.set_ylim(1e-14, 10.0)
            ts = [r["steps"] for kind in ("positive", "random") for r in per["runs"][pol][kind]]
            if all(t is not None for t in ts):  # zoom on where the runs settle
                ax.set_xlim(-0.02 * length, min(length, 1.5 * max(ts) + 10))
            if i == len(POLICIES) - 1:
                ax.set_xlabel("GD step k")
            if j == 0:
                ax.set_ylabel("f(x_k) / f(x_0)")
    axes[0, 0].legend(fontsize=8, loc="lower left")
    fig.suptitle(f"Chatterjee: positive vs random initialization ({cfg['activation']}, "
                 f"s = {cfg['s']}, {len(cfg['seeds'])} seeds); top: each at η = 1/β(x0), "
                 "bottom: both at the smaller step", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, out_dir, "chatterjee_loss_curves", dpi=110)
