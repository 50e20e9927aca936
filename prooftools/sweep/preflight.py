"""Before a sweep submits anything: each grid point's data, loaded once on the client, and the
checks ``verify`` makes before it runs (options, observables, the engine's own requirements such
as two label classes or a depth), for every grid point. A user error is then one line, before
a cluster is started or a run is submitted.
"""

from __future__ import annotations

from prooftools.sweep.runner import load_point_data
from prooftools.sweep.spec import SweepSpec

__all__ = ["load_points", "preflight_points"]


def load_points(spec: SweepSpec, points, data) -> dict[str, tuple]:
    """Each grid point's (X, y, name), loaded once, here on the client."""
    if data is not None:
        arrays = (data[0], data[1], data[2] if len(data) > 2 else "arrays")
        return {p.key(): arrays for p in points}
    return {p.key(): load_point_data(spec.dataset, p.values.get("n"), spec.data_seed)
            for p in points}


def preflight_points(spec: SweepSpec, points, loaded: dict[str, tuple]) -> None:
    """What ``verify`` checks before running (labels, depth, options, observables), for every
    grid point, before a single run is submitted (the default run function only)."""
    if spec.runner != "prooftools.sweep.runner:run_verify":
        return
    from prooftools.checking.verify import preflight
    from prooftools.sweep.runner import _Data, _registry

    reg = _registry(spec.theorems)
    width = spec.widths[0] if spec.widths else spec.m_range[0]
    for p in points:
        X, y, name = loaded[p.key()]
        preflight(reg, spec.statement, _Data(X, y, name), spec.config(p, width, spec.seeds[0]))
