"""Network families, one sub-package each: two-layer ReLU, deep ReLU, smooth deep, linear/square."""
