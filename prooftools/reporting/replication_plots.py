"""Figures and data files of the paper replications (:mod:`prooftools.numerics.replication.du`).

The numerics return data; this module draws it (PNG + PDF through
:mod:`prooftools.reporting.figures`) and writes the replication's JSON next to the figures.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from prooftools.atomic import FileSet, json_safe
from prooftools.errors import UserInputError
from prooftools.reporting.figures import pyplot, save_figure

__all__ = ["plot_chatterjee_replication", "plot_du_replication", "write_du_replication"]


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
    axes[0].set(xlabel="iteration k", ylabel="training loss", title="(a) loss")
    axes[1].set(xlabel="iteration k", ylabel="pattern-flip fraction", title="(b) activation flips")
    axes[2].set(xlabel="iteration k", ylabel=r"$\max_r\|w_r(k)-w_r(0)\|_2$",
                title="(c) max distance from init")
    axes[0].legend(fontsize=8)
    fig.suptitle(
        f"Du et al. 2019 §5 replication: n={config['n']}, d={config['d']}, "
        f"η={config['eta']:.3g}, λ0={config['lambda0']:.3g}"
    )
    fig.tight_layout()
    return save_figure(fig, out, "du2019_replication", dpi=120, files=files)


def plot_chatterjee_replication(res: dict, out_dir: str | Path) -> list[str]:
    """Loss curves of positive vs random initialization: ``chatterjee_loss_curves.{png,pdf}``."""
    plt = pyplot()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 4))
    for kind, color in (("positive", "C0"), ("random", "C3")):
        for i, run in enumerate(res[kind]):
            ax.semilogy(
                np.maximum(run["loss"], 1e-300),
                color=color,
                alpha=0.8,
                label=f"{kind} init" if i == 0 else None,
            )
    ax.set_xlabel("GD step k")
    ax.set_ylabel("f(x_k) = (1/n) Σ (y_i − out_i)²")
    ax.set_title(f"{res['activation']}, width {res['width']}, depth {res['depth']}, s = {res['s']}")
    ax.legend()
    fig.tight_layout()
    return save_figure(fig, out_dir, "chatterjee_loss_curves")
