"""Deep fully connected ReLU networks (Zou et al., Allen-Zhu et al.): network, NTK, training."""
