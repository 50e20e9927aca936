"""Replications of the papers' experiments (data only; figures are drawn in reporting)."""
