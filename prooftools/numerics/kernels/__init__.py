"""Infinite-width kernels: Du et al.'s H^∞ and the depth-L ReLU NTK (numpy and fused paths)."""
