"""Sweeps: how much over-parameterization each theorem really needs.

A sweep runs a statement over a grid (n, depth, δ, step-size policy) and seeds, finds for each
grid point the smallest width m* at which the target items held as measured (threshold mode) or
records every observable at fixed widths (scaling mode), stores each run as it finishes, and fits
exponents against the theorem's own. See ``docs/sweeps.md``.
"""

from prooftools.sweep.curves import read_curves
from prooftools.sweep.entry import read_sweep, sweep
from prooftools.sweep.execute import SweepRun, execute
from prooftools.sweep.spec import GridPoint, SweepSpec
from prooftools.sweep.store import Store, read_rows
from prooftools.sweep.threshold import ThresholdResult, ThresholdSearch

__all__ = ["GridPoint", "Store", "SweepRun", "SweepSpec", "ThresholdResult", "ThresholdSearch",
           "execute", "read_curves", "read_rows", "read_sweep", "sweep"]
