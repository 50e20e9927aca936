"""Figures and data files of the paper replications (:mod:`prooftools.numerics.replication`).

The numerics return data; this module draws it (PNG + PDF through
:mod:`prooftools.reporting.figures`) and writes the replication's JSON next to the figures.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from prooftools.atomic import FileSet, json_safe, write_json
from prooftools.errors import UserInputError
from prooftools.reporting.figures import plain_number, pyplot, save_figure

__all__ = [
    "plot_chatterjee_replication",
    "plot_du_replication",
    "write_chatterjee_replication",
    "write_du_replication",
]


def write_du_replication(result: dict, out_dir: str | Path) -> dict:
    """Draw :func:`~prooftools.sweep.presets.du2019_replication`'s ``result`` (read from the
    sweep store) and write ``du2019_replication.{png,pdf,json}`` to ``out_dir``; return
    ``result`` with ``figures``.

    Raises :class:`UserInputError` when GD diverged; then nothing is written (the previous
    files stay). Figures and JSON are replaced together (:class:`~prooftools.atomic.FileSet`).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    config = result["config"]
    bad = [r["width"] for r in result["runs"]
           if not (isinstance(r["final_loss"], int | float) and math.isfinite(r["final_loss"]))]
    if bad:
        raise UserInputError(f"GD diverged at step size {config['eta']:.3g} (width "
                             f"{', '.join(map(str, sorted(set(bad))))})")
    with FileSet() as files:  # figures and JSON: all new or all old
        figures = plot_du_replication(result, out, files=files)
        result = {**result, "figures": figures}
        files.write_text(out / "du2019_replication.json",
                         json.dumps(json_safe(result), allow_nan=False))
    return result


def _by_width(runs: list[dict], width: int, name: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(k, values per seed as rows) of one series at one width, when the seeds share their k."""
    mine = [r[name] for r in runs if r["width"] == width]
    at = np.asarray(mine[0]["at"], dtype=float)
    if any(np.asarray(s["at"], dtype=float).shape != at.shape
           or not np.array_equal(np.asarray(s["at"], dtype=float), at) for s in mine):
        return None
    vals = np.array([[np.nan if v is None else v for v in s["values"]] for s in mine], float)
    return at, vals


def plot_du_replication(result: dict, out: Path, *, files: FileSet | None = None) -> list[str]:
    """Du et al. §5's three panels (loss, pattern flips, distance from init) against k: one
    colour per width; with several seeds the median line and the seeds' min–max band."""
    plt = pyplot()
    config, runs = result["config"], result["runs"]
    widths, seeds = config["widths"], config["seeds"]
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.4))
    cmap = plt.get_cmap("viridis")
    several = len(seeds) > 1
    for j, m in enumerate(widths):
        c = cmap(j / max(1, len(widths) - 1))
        for ax, name in zip(axes, ("loss", "flip_frac", "dist_max"), strict=True):
            draw = ax.semilogy if name == "loss" else ax.plot
            got = _by_width(runs, m, name)
            if got is None:  # seeds recorded at different k: one thin line each
                for r in (r for r in runs if r["width"] == m):
                    draw(r[name]["at"], [np.nan if v is None else v for v in r[name]["values"]],
                         color=c, lw=0.8, label=f"m={m}" if r["seed"] == seeds[0] else None)
                continue
            at, vals = got
            draw(at, np.nanmedian(vals, axis=0), color=c, label=f"m={m}")
            if several:
                ax.fill_between(at, np.nanmin(vals, axis=0), np.nanmax(vals, axis=0),
                                color=c, alpha=0.2, lw=0)
    widest = _by_width(runs, widths[-1], "loss")
    rho = 1.0 - config["eta"] * config["lambda0"] / 2
    if widest is not None and np.isfinite(np.nanmedian(widest[1][:, 0])) and 0 < rho < 1:
        k = np.arange(config["steps"] + 1)
        axes[0].semilogy(k, np.nanmedian(widest[1][:, 0]) * rho ** k, "k--", lw=1,
                         label=rf"Thm 4.1 envelope $(1-\eta\lambda_0/2)^k L(0)$, m={widths[-1]}")
    axes[0].set(xlabel="iteration k", ylabel="training loss L(k) (log scale)",
                title="(a) training loss against Theorem 4.1's linear rate")
    axes[1].set(xlabel="iteration k", ylabel="fraction of activation patterns changed",
                title="(b) ReLU pattern flips since initialization")
    axes[2].set(xlabel="iteration k", ylabel=r"$\max_r\|w_r(k)-w_r(0)\|_2$",
                title="(c) largest weight movement from initialization")
    axes[0].legend(handles=axes[0].get_lines()[-1:], fontsize=8, loc="upper right")
    fig.legend(handles=axes[1].get_lines(), loc="center right", fontsize=9, title="width")
    for ax in axes[1:]:
        ax.ticklabel_format(axis="y", useOffset=False)
    band = (f"; {len(seeds)} seeds per width: median line, min–max band" if several
            else f"; init seed {seeds[0]}")
    fig.suptitle(
        f"Du et al. 2019 §5 replication: n={config['n']}, d={config['d']}, "
        f"η={config['eta']:.3g} = $0.5/\\lambda_{{\\max}}(H^\\infty)$, "
        f"λ0={config['lambda0']:.3g}{band}"
    )
    fig.tight_layout(rect=(0, 0, 0.93, 1))
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
    write_json(target, as_json(result))  # atomic: temporary file in the folder, then rename
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
            ax.axhline(cfg["eps"], color="k", ls="--", lw=0.8,
                       label="ε = " + plain_number(cfg["eps"]))
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
                ax.set_ylabel(r"$f(x_k)\,/\,f(x_0)$")
    axes[0, 0].legend(fontsize=8, loc="lower left")
    fig.suptitle(f"Chatterjee: positive vs random initialization ({cfg['activation']}, "
                 f"s = {cfg['s']}, {len(cfg['seeds'])} seeds); top: each at η = 1/β(x0), "
                 "bottom: both at the smaller step", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, out_dir, "chatterjee_loss_curves", dpi=110)
