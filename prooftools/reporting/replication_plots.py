"""Figures and data files of the paper replications (:mod:`prooftools.numerics.replication.du`).

The numerics return data; this module draws it (PNG + PDF through
:mod:`prooftools.reporting.figures`) and writes the replication's JSON next to the figures.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from prooftools.errors import UserInputError
from prooftools.reporting.figures import pyplot, save_figure

__all__ = ["plot_chatterjee_replication", "plot_du_replication", "write_du_replication"]


def write_du_replication(result: dict, out_dir: str | Path) -> dict:
    """Draw :func:`~prooftools.numerics.replication.du.replicate_du`'s ``result`` and write
    ``du2019_replication.{png,pdf,json}`` to ``out_dir``; return ``result`` with ``figures``.

    Raises :class:`UserInputError` (after drawing, before the JSON) when GD diverged.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    runs, config = result["runs"], result["config"]
    widths = tuple(config["widths"])
    figures = plot_du_replication(runs, widths, config, out)
    if not all(math.isfinite(v) for m in widths for v in runs[m]["loss_all"][-1:]):
        raise UserInputError(f"GD diverged at step size {config['eta']:.3g}; pass a smaller lr")
    result = {**result, "figures": figures}
    (out / "du2019_replication.json").write_text(
        json.dumps({**result, "runs": {str(k): v for k, v in runs.items()}})
    )
    return result


def plot_du_replication(runs: dict, widths: tuple[int, ...], config: dict, out: Path) -> list[str]:
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
    return save_figure(fig, out, "du2019_replication", dpi=120)


def plot_chatterjee_replication(res: dict, out_dir: str | Path) -> list[str]:
    """Loss curves of positive vs random initialization: ``chatterjee_loss_curves.{png,pdf}``."""
    plt = pyplot()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 4))
    styles = ("-", "--", ":", "-.")
    for kind, color in (("positive", "C0"), ("random", "C3")):
        for i, run in enumerate(res[kind]):
            loss = np.asarray(run["loss"], dtype=float)
            ax.semilogy(np.where(loss > 0, loss, np.nan),  # exact zeros: a gap, not log 0
                        color=color, ls=styles[i % len(styles)], alpha=0.85,
                        label=f"{kind} init, seed {run['seed']}")
    ax.set_xlabel("GD step k")
    ax.set_ylabel("training loss f(x_k) = (1/n) Σ (y_i − out_i)²")
    ax.set_title(f"Chatterjee: GD from a positive vs a random initialization\n"
                 f"{res['activation']}, width {res['width']}, depth {res['depth']}, "
                 f"s = {res['s']}", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, out_dir, "chatterjee_loss_curves")
