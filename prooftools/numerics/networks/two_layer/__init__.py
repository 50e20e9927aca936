"""Two-layer ReLU network (Du et al. 2019): network, training loops (GD, SGD, flow), observers."""
