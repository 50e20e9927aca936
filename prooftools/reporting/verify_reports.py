"""Render a :class:`~prooftools.checking.verify.VerifyReport`: verdict table and plots.

The table comes in the four :class:`~prooftools.reporting.tables.Table` formats (text, markdown,
latex, json). The plots (PNG and PDF, matplotlib's Agg backend) show the loss against the
theorem's envelope — (1 − ηλ0/2)^k r0 for GD/SGD, exp(−λ0 t) r0 for gradient flow — and each
observable against its bound: dist_max against R' and R, ntk_min against λ0/2 and 3λ0/4, the
one-step loss ratio against 1 − ηλ0/2. Reports render; the numbers come from the report.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from prooftools.atomic import dumps
from prooftools.numerics.quantity import Quantity
from prooftools.reporting.figures import pyplot, save_figure
from prooftools.reporting.tables import Table

if TYPE_CHECKING:
    from prooftools.checking.verify import VerifyReport

__all__ = ["du_reference_lines", "plot_report", "render_report", "verdict_table"]

#: per engine: the observables drawn next to the loss (first three that were recorded)
_PANELS = ("zou_dist_spec_max", "az_dist_max", "zou_flip_max", "az_flip_max", "zou_sum_lprime",
           "az_semismooth_resid", "zl_gd_ratio", "zl_lam_pt", "zl_reg_ratio", "zl_nbhd",
           "zl_res_norm", "dist_total", "ch_loss_ratio", "grad_norm_sq")


def _fmt(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x:.3g}"


def _index(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:g}"


def verdict_table(report: VerifyReport) -> Table:
    """One row per judged item: statement, kind, item, verdict, margin, first failure, note."""
    cfg = report.config
    eta = cfg.get("eta")
    parts = [f"n={cfg.get('n')}", f"d={cfg.get('d')}"]
    if cfg.get("depth") is not None:
        parts.append(f"L={cfg['depth']}")
    parts += [f"m={cfg.get('width')}", f"η={eta:.4g}" if eta is not None else "η=—",
              str(cfg.get("algorithm")), f"steps={cfg.get('steps')}", f"seed={cfg.get('seed')}",
              f"δ={cfg.get('delta')}", f"constants={cfg.get('constants')}"]
    caption = f"verify {report.statement}: " + ", ".join(parts)
    rows = []
    for it in report.items:
        j = it.judgement
        implied = ", ".join(f"{k} {v}" for k, v in j.implied_constants.items())
        rows.append([
            j.statement, j.kind, j.item, j.inequality, str(j.verdict), _fmt(j.margin),
            _index(j.first_failure), implied,
        ])
    notes = [f"data: {_data_line(report)}", f"η: {cfg.get('eta_source')}"]
    notes += [f"changed: {c}" for c in report.changes]
    notes += list(getattr(report, "lines", []))
    link = report.first_failing_link
    notes.append(f"first failing link: {link}" if link else "no failing link")
    notes.append("margin: worst relative slack (rhs − lhs)/max(|lhs|,|rhs|); negative = violated")
    return Table(
        columns=["statement", "kind", "item", "inequality", "verdict", "margin", "first failure",
                 "implied constants"],
        rows=rows,
        caption=caption,
        notes=notes,
        label="tab:verify",
        json_rows=[it.to_dict() for it in report.items],
    )


def _data_line(report: VerifyReport) -> str:
    parts = []
    for key in ("n", "d", "lambda0", "nonpar", "phi", "sep", "last_coord", "y_max", "norm_min",
                "norm_max", "zl_sigma_min_X", "zl_fstar", "sigma_min_X", "ch_r", "ch_s"):
        if key in report.data:
            v = report.data[key]
            parts.append(f"{key}={_fmt(v.value if isinstance(v, Quantity) else float(v))}")
    return ", ".join(parts)


def graph_lines(report: VerifyReport) -> list[str]:
    """The proof-graph annotation, one ``statement: verdict`` line each."""
    return [f"  {sid}: {v}" for sid, v in report.graph.items()]


def render_report(report: VerifyReport, fmt: str = "text") -> str:
    """The report in one format; ``json`` is the full ``VerifyReport.to_dict()``."""
    if fmt == "json":
        return dumps(report.to_dict(), indent=2, default=str)
    text = verdict_table(report).render(fmt)
    if fmt == "text":
        text += "\nproof graph (combined verdicts):\n" + "\n".join(graph_lines(report))
    return text


def du_reference_lines(report: VerifyReport) -> dict[str, float]:
    """Du et al.'s reference values at the report's data: λ0/2, 3λ0/4, R, R', the rate ρ."""
    d = report.data
    lam = d["lambda0"]
    lam = float(lam.value) if isinstance(lam, Quantity) else float(lam)
    n, m, delta, eta = float(d["n"]), float(d["m"]), float(d["delta"]), float(d["eta"])
    tr = report.trajectory
    r0 = _r0(tr)
    flow = tr.config.get("index") == "t"
    c_gd, c_gf = math.sqrt(2 * math.pi) / 32, math.sqrt(2 * math.pi) / 16
    out = {"lambda0/2": lam / 2, "3lambda0/4": 0.75 * lam, "r0": r0}
    if lam > 0:
        out["R"] = (c_gf if flow else c_gd) * delta * lam / n**2
        out["R_prime"] = (2.0 if flow else 4.0) * math.sqrt(n * r0) / (math.sqrt(m) * lam)
    if not flow:
        out["rho"] = 1.0 - eta * lam / 2
    return out


def _r0(tr) -> float:
    if tr.dense_index is not None and "resid_sq" in tr.dense:
        return float(tr.dense["resid_sq"][0])
    return float(tr.observables["resid_sq"][0])


def plot_report(report: VerifyReport, out_dir: str | Path, *, stem: str | None = None) -> list[str]:
    """Write the loss/envelope and observable/bound figure as PNG and PDF; return the paths."""
    plt = pyplot()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = stem or report.statement.replace(".", "_") + "_verify"
    if report.config.get("engine") not in (None, "du"):
        return _plot_generic(report, out, stem, plt)
    tr = report.trajectory
    ref = du_reference_lines(report)
    lam = ref["lambda0/2"] * 2
    flow = tr.config.get("index") == "t"
    xs = tr.index
    label_x = "time t" if flow else "iteration k"
    fig, ax = plt.subplots(2, 2, figsize=(11, 8))
    if tr.dense_index is not None and "resid_sq" in tr.dense:
        kx, rs = tr.dense_index, tr.dense["resid_sq"]
    else:
        kx, rs = xs, tr.observables["resid_sq"]
    with np.errstate(all="ignore"):
        env = ref["r0"] * (np.exp(-lam * kx) if flow else ref["rho"] ** kx)
    a = ax[0, 0]
    a.semilogy(kx, rs, label=r"$\|y-u\|^2$")
    a.semilogy(kx, env, "--", label=r"$e^{-\lambda_0 t}r_0$" if flow
               else r"$(1-\eta\lambda_0/2)^k r_0$")
    a.set(xlabel=label_x, ylabel="squared residual", title="loss vs the theorem's envelope")
    a.legend(fontsize=8)
    a = ax[0, 1]
    a.plot(xs, tr.observables["dist_max"], label=r"$\max_r\|w_r-w_r(0)\|$")
    for key, style, lab in (("R_prime", "--", "R'"), ("R", ":", "R")):
        if key in ref:
            a.axhline(ref[key], ls=style, color="k" if key == "R" else "C1",
                      label=f"{lab} = {ref[key]:.3g}")
    a.set_yscale("log")
    a.set(xlabel=label_x, ylabel="distance", title="movement vs R' and R")
    a.legend(fontsize=8)
    a = ax[1, 0]
    ntk = tr.observables.get("ntk_min")
    if ntk is not None:
        ok = ~np.isnan(ntk)
        a.plot(xs[ok], ntk[ok], "o-", ms=3, label=r"$\lambda_{\min}(H)$")
    a.axhline(ref["lambda0/2"], ls="--", color="C3", label=r"$\lambda_0/2$")
    a.axhline(ref["3lambda0/4"], ls=":", color="C2", label=r"$3\lambda_0/4$")
    a.set(xlabel=label_x, ylabel="eigenvalue", title="NTK eigenvalue vs λ0/2")
    a.legend(fontsize=8)
    a = ax[1, 1]
    if tr.dense_index is not None and "loss_ratio" in tr.dense:
        a.plot(tr.dense_index, tr.dense["loss_ratio"], label="one-step ratio")
    elif "loss_ratio" in tr.observables:
        a.plot(xs, tr.observables["loss_ratio"], label="ratio over one record spacing")
    if "rho" in ref:
        a.axhline(ref["rho"], ls="--", color="C3", label=r"$1-\eta\lambda_0/2$")
    a.set(xlabel=label_x, ylabel="ratio", title="loss ratio vs the contraction")
    a.legend(fontsize=8)
    cfg = report.config
    fig.suptitle(f"{report.statement}: n={cfg['n']}, m={cfg['width']}, η={cfg['eta']:.3g}, "
                 f"λ0={lam:.3g}, first failing link: {report.first_failing_link or 'none'}")
    fig.tight_layout()
    return save_figure(fig, out, stem, dpi=110)


def _plot_generic(report: VerifyReport, out: Path, stem: str, plt) -> list[str]:
    """Loss (every step when recorded densely) and up to three paper observables against k."""
    tr = report.trajectory
    names = [k for k in _PANELS if k in tr.observables][:3]
    fig, axes = plt.subplots(1, 1 + len(names), figsize=(4.2 * (1 + len(names)), 3.6))
    axes = np.atleast_1d(axes)
    if tr.dense_index is not None and "loss" in tr.dense:
        kx, lo = tr.dense_index, tr.dense["loss"]
    else:
        kx, lo = tr.index, tr.observables.get("loss", np.full(tr.index.shape, np.nan))
    with np.errstate(all="ignore"):
        axes[0].semilogy(kx, np.where(lo > 0, lo, np.nan), ".-" if kx.size < 100 else "-")
    axes[0].set(xlabel="k", ylabel="loss", title="objective")
    for a, name in zip(axes[1:], names, strict=False):
        v = tr.observables[name]
        ok = np.isfinite(v)
        a.plot(tr.index[ok], v[ok], ".-", ms=3)
        if name in ("zl_gd_ratio", "zl_lam_pt") and np.all(v[ok] > 0):
            a.set_yscale("log")
        a.set(xlabel="k (point index)" if name.startswith("zl_") else "k", title=name)
    fig.suptitle(f"{report.statement}: first failing link: {report.first_failing_link or 'none'}")
    fig.tight_layout()
    return save_figure(fig, out, stem, dpi=110)
