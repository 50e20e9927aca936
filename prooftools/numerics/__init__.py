"""Numeric engine: data, networks, kernels, training and observables (no sympy here)."""

# dataset checks (datasets, normalizations, kernels, certificates, measured data quantities)
from prooftools.numerics.datasets import Dataset as Dataset
from prooftools.numerics.datasets import list_datasets as list_datasets
from prooftools.numerics.datasets import load_dataset as load_dataset

# Du et al. (2019) two-layer engine: network, training loops, observers, trajectories
from prooftools.numerics.training import run_du as run_du
from prooftools.numerics.trajectory import Trajectory as Trajectory
