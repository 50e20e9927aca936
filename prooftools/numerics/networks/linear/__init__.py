"""Deep linear, linear residual and one-hidden-layer square networks (Zhou & Liang)."""
