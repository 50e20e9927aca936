"""The one-call entry point: build a spec from keywords, run or resume it, analyze it.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as d:
...     rep = sweep("planted", targets=("planted.holds",), dataset="sphere:d=3", n=(8, 16, 32),
...                 seeds=(0, 1), m_range=(2, 4096), resolution=0.0, scheduler="synchronous",
...                 store=d, runner="prooftools.sweep.synthetic:planted",
...                 options={"c": 1.0, "a": 2.0}, progress=False)
>>> [t.m_star for t in rep.thresholds], round(rep.width_fits[0].fit.slope, 6)
([64, 256, 1024], 2.0)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prooftools.engines.config import RunConfig
from prooftools.sweep.analysis import SweepReport, analyze
from prooftools.sweep.execute import default_targets, execute
from prooftools.sweep.spec import SweepSpec

__all__ = ["read_sweep", "sweep"]

_SPEC_FIELDS = ("targets", "dataset", "n", "depth", "delta", "step_policy", "seeds", "mode",
                "widths", "m_range", "resolution", "q", "check_above", "grow", "data_seed",
                "runner", "theorems", "curves")


def sweep(statement: str, *, scheduler: str = "local", store: str | Path | None = None,
          workers: int | None = None, progress: bool | None = None, data: tuple | None = None,
          resamples: int = 1000, **fields: Any) -> SweepReport:
    """Run (or resume) a sweep of ``statement`` and return its analysis.

    Keywords are :class:`SweepSpec` fields (``targets``, ``dataset``, ``n``, ``seeds``,
    ``widths``, ``mode`` …) and :class:`RunConfig` fields for every run (``steps``,
    ``step_size``, ``constants``, ``options`` …; ``steps`` defaults to 0: no training).
    """
    spec_kw = {k: fields.pop(k) for k in list(fields) if k in _SPEC_FIELDS}
    for k in ("n", "depth", "delta", "step_policy", "seeds", "widths", "targets", "theorems"):
        if k in spec_kw and not isinstance(spec_kw[k], range):  # a range is checked by its
            spec_kw[k] = tuple(spec_kw[k])  # length (range(10**12) is refused, not listed)
    fields.setdefault("steps", 0)
    spec = SweepSpec(statement, base=RunConfig(**fields), **spec_kw)
    if not spec.targets:
        spec = SweepSpec.from_dict({**spec.to_dict(), "targets": list(default_targets(spec))})
    run = execute(spec, store=store, scheduler=scheduler, workers=workers, progress=progress,
                  data=data)
    return analyze(run, resamples=resamples)


def read_sweep(store: str | Path, *, resamples: int = 1000) -> SweepReport:
    """Analyze a store folder without running anything (its spec is read from ``spec.json``).

    Searches are replayed from the stored rows; a search that would need an unstored run stops
    there (the report then says so in its notes).
    """
    import json

    from prooftools.sweep.execute import replay

    meta = json.loads((Path(store) / "spec.json").read_text(encoding="utf-8"))
    spec = SweepSpec.from_dict(meta["spec"])
    return analyze(replay(spec, store), resamples=resamples)
