"""Numeric engine: data, networks, kernels, training and observables (no sympy here)."""
