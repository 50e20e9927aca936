"""Factorized empirical NTK against Jacobians computed other ways."""

import numpy as np
import pytest

from prooftools.numerics.networks.deep.network import (
    allen_zhu_inputs,
    allen_zhu_network,
    flat_params,
    forward,
    set_flat_params,
    zou_inputs,
    zou_network,
)
from prooftools.numerics.networks.deep.ntk import empirical_ntk, ntk_lambda_min, ntk_layer_blocks


def _fd_jacobian(net, X, h=1e-6):
    theta = flat_params(net)
    cols = []
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = h
        up = forward(set_flat_params(net, theta + e), X).out
        dn = forward(set_flat_params(net, theta - e), X).out
        cols.append(((up - dn) / (2 * h)).T.ravel())  # output-major (a, i)
    return np.array(cols).T


def test_zou_ntk_equals_fd_jacobian_gram():
    X = zou_inputs(np.random.default_rng(0).standard_normal((6, 3)), 0.5)
    net = zou_network(X.shape[1], 6, depth=3, seed=1)
    J = _fd_jacobian(net, X)
    np.testing.assert_allclose(empirical_ntk(net, X), J @ J.T, rtol=1e-6, atol=1e-8)
    assert ntk_lambda_min(net, X) == pytest.approx(np.linalg.eigvalsh(J @ J.T)[0], abs=1e-7)


def test_allen_zhu_multi_output_ntk_only_trained_layers():
    X = allen_zhu_inputs(np.random.default_rng(1).standard_normal((5, 3)))
    net = allen_zhu_network(X.shape[1], 5, 2, n_outputs=2, seed=0)
    J = _fd_jacobian(net, X)  # only W_1, W_2 are in flat_params (A fixed)
    K = empirical_ntk(net, X)
    assert K.shape == (10, 10)
    np.testing.assert_allclose(K, J @ J.T, rtol=1e-6, atol=1e-8)
    blocks = ntk_layer_blocks(net, X)
    assert sorted(blocks) == [1, 2]
    np.testing.assert_allclose(sum(blocks.values()), K, rtol=1e-12)


def test_ntk_lambda_min_detects_duplicate_inputs():
    """Fails when it should: two identical inputs make the NTK singular."""
    X = zou_inputs(np.random.default_rng(2).standard_normal((5, 4)), 0.5)
    X[3] = X[1]
    net = zou_network(X.shape[1], 32, depth=2, seed=0)
    assert abs(ntk_lambda_min(net, X)) < 1e-10
    assert ntk_lambda_min(net, np.delete(X, 3, axis=0)) > 1e-3


@pytest.mark.peer
def test_ntk_matches_torch_func_jacobian():
    torch = pytest.importorskip("torch")
    from torch.func import jacrev, vmap

    rng = np.random.default_rng(3)
    X = zou_inputs(rng.standard_normal((7, 4)), 0.5)
    net = zou_network(X.shape[1], 8, depth=3, seed=2)
    params = {f"w{j}": torch.tensor(w) for j, w in enumerate(net.layers)}
    v = torch.tensor(net.output[:, 0])

    def f(p, x):
        h = x
        for j in range(len(net.layers)):
            h = torch.relu(h @ p[f"w{j}"])
        return h @ v

    jac = vmap(jacrev(f), in_dims=(None, 0))(params, torch.tensor(X))
    J = torch.cat([jac[k].reshape(X.shape[0], -1) for k in params], dim=1).numpy()
    np.testing.assert_allclose(empirical_ntk(net, X), J @ J.T, rtol=1e-10, atol=1e-12)
