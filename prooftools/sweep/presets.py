"""Presets: a paper's experiment written as a sweep spec, and its result read from the stored rows.

``prooftools replicate du2019`` is :func:`du2019_spec` run by the sweep executor
(:func:`prooftools.sweep.execute.execute`: the same runner, store and schedulers as
``prooftools sweep``) and :func:`du2019_replication`, which reads the figures' data and the
replication's JSON from the stored rows only — one code path, resumable like any sweep.

Du et al. (2019) §5: n = d = 200 points uniform on the unit sphere with N(0, 1) labels (the
generator ``sphere:d=200,n=200``, drawn with the data seed), full-batch GD for 300 steps at
widths 100 … 6400 (``full``: n = d = 1000, 100 steps, widths 1000 … 16000), one step size for
every width. The paper does not state its step; the preset uses the engine's practical step
η = 0.5/λ_max(H^∞) (step policy ``practical``), recorded in the output. Each run judges
Theorem 4.1's linear rate as measured (the figure's dashed envelope).

>>> spec = du2019_spec(seeds=2)
>>> spec.mode, spec.widths[-1], spec.seeds, spec.base.steps, spec.step_policy, spec.curves
('scaling', 6400, (0, 1), 300, ('practical',), True)
"""

from __future__ import annotations

from typing import Any

from prooftools.engines.config import RunConfig
from prooftools.errors import UserInputError
from prooftools.sweep.spec import SweepSpec

__all__ = ["DU2019", "du2019_replication", "du2019_spec"]

#: The default and the paper's full setting of Du et al. §5.
DU2019 = {
    "default": {"n": 200, "d": 200, "steps": 300,
                "widths": (100, 200, 400, 800, 1600, 3200, 6400)},
    "full": {"n": 1000, "d": 1000, "steps": 100, "widths": (1000, 2000, 4000, 8000, 16000)},
}
DU_STATEMENT = "du2019.thm4.1"
DU_TARGET = "du2019.thm4.1.linear_rate"
#: Observables recorded every ``DU_STRIDE`` steps (the loss every step is in ``resid_sq``).
DU_STRIDE = 5
#: The curves the figures draw.
DU_SERIES = ("loss", "flip_frac", "dist_max")


def du2019_spec(*, full: bool = False, seeds: int = 1, seed: int = 0,
                widths: tuple[int, ...] | None = None) -> SweepSpec:
    """The sweep spec of Du et al. §5: ``seeds`` initialization seeds ``seed`` … per width, data
    drawn with seed ``seed`` (so ``seed=0`` draws the same points at every call)."""
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise UserInputError(f"seeds: expected a positive integer; got {seeds!r}")
    size = DU2019["full" if full else "default"]
    return SweepSpec(
        DU_STATEMENT, targets=(DU_TARGET,), dataset=f"sphere:d={size['d']},n={size['n']}",
        mode="scaling", widths=tuple(widths or size["widths"]),
        step_policy=("practical",), seeds=tuple(range(seed, seed + seeds)), data_seed=seed,
        curves=True, base=RunConfig(steps=size["steps"], stride=DU_STRIDE))


def _final(series: dict) -> float | None:
    values = series["values"]
    return values[-1] if values else None


def _one(row: dict) -> dict[str, Any]:
    """The replication's record of one stored run (its curves and finals, nothing recomputed)."""
    series = row["curves"]["series"]
    missing = [s for s in DU_SERIES if s not in series]
    if missing:
        raise UserInputError(f"run {row['run_id']} has no curve {', '.join(missing)}")
    obs = row["observables"]
    out = {"width": row["width"], "seed": row["seed"], "run_id": row["run_id"],
           **{name: series[name] for name in DU_SERIES}}
    for name in DU_SERIES:
        out[f"final_{name}"] = _final(series[name])
    out["ntk_min_final"] = obs.get("ntk_min", {}).get("last")
    out["ntk_init_dev"] = obs.get("ntk_init_dev", {}).get("last")
    out["linear_rate_measured"] = row["targets"][DU_TARGET]["measured"]
    return out


def du2019_replication(spec: SweepSpec, rows: list[dict[str, Any]], *, store: str = "",
                       computed: int = 0) -> dict[str, Any]:
    """The replication's data from the stored rows of :func:`du2019_spec`: ``config`` (n, d,
    steps, η, λ0, λ_max(H^∞) = 0.5/η, seeds, widths, the store), ``runs`` (one per width and
    seed, sorted: curves and final values) and ``summary`` (finals per width, one per seed)."""
    want = {(m, s) for m in spec.widths for s in spec.seeds}
    rows = sorted((r for r in rows if (r["width"], r["seed"]) in want),
                  key=lambda r: (r["width"], r["seed"]))
    if {(r["width"], r["seed"]) for r in rows} != want:
        raise UserInputError("the sweep store lacks some runs of the replication; rerun it")
    etas = {r["run"]["eta"] for r in rows}
    lam0 = {r["data"]["lambda0"] for r in rows}
    if len(etas) != 1 or len(lam0) != 1 or None in etas:
        raise UserInputError(f"the stored runs disagree on η or λ0 ({sorted(map(str, etas))}, "
                             f"{sorted(map(str, lam0))}): not one replication")
    eta, lambda0 = etas.pop(), lam0.pop()
    runs = [_one(r) for r in rows]
    first = rows[0]
    config = {
        "n": int(first["data"]["n"]), "d": int(first["data"]["d"]),
        "steps": int(spec.base.steps), "stride": int(spec.base.stride), "eta": eta,
        "eta_source": first["run"]["eta_source"], "lambda0": lambda0,
        "lambda_max_Hinf": 0.5 / eta if first["config"]["step_policy"] == "practical" else None,
        "seeds": list(spec.seeds), "data_seed": spec.data_seed, "widths": list(spec.widths),
        "dataset": spec.dataset, "statement": spec.statement, "target": DU_TARGET,
        "spec_key": spec.key, "store": str(store), "runs": len(rows), "computed": computed,
        "curve_points": int(first["curves"]["points"]),
    }
    summary = [{"width": m, **{f"final_{name}": [r[f"final_{name}"] for r in runs
                                                  if r["width"] == m] for name in DU_SERIES}}
               for m in spec.widths]
    return {"config": config, "runs": runs, "summary": summary}
