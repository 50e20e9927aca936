"""Metamorphic tests: symmetries of Du et al.'s model leave every observable unchanged."""

from __future__ import annotations

import numpy as np
from scipy.stats import ortho_group

from prooftools.numerics.networks.two_layer.network import init_params
from prooftools.numerics.networks.two_layer.training import run_du

N, D, M, STEPS = 8, 5, 40, 20
KW = dict(width=M, steps=STEPS, lr=0.05, stride=5, expensive_stride=5, progress=False)
NAMES = ("resid_sq", "loss", "loss_ratio", "dist_max", "dist_total", "flip_frac",
         "grad_norm_sq", "pl_ratio", "ntk_min", "ntk_dev")


def _setup():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, D))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = rng.standard_normal(N)
    W0, a0 = init_params(M, D, np.random.default_rng(1))
    return X, y, W0, a0


def _same(t1, t2, rtol=1e-9, atol=1e-11):
    for name in NAMES:
        assert np.allclose(t1.observables[name], t2.observables[name], rtol=rtol, atol=atol,
                           equal_nan=True), name
    assert np.isclose(t1.scalars["ntk_init_dev"], t2.scalars["ntk_init_dev"], rtol=rtol)
    assert np.array_equal(t1.scalars["sperp_sum"], t2.scalars["sperp_sum"])


def test_permuting_samples_changes_nothing():
    X, y, W0, a0 = _setup()
    p = np.random.default_rng(2).permutation(N)
    _same(run_du(X, y, seed=0, init=(W0, a0), **KW),
          run_du(X[p], y[p], seed=0, init=(W0, a0), **KW))


def test_permuting_neurons_changes_nothing():
    X, y, W0, a0 = _setup()
    q = np.random.default_rng(3).permutation(M)
    _same(run_du(X, y, seed=0, init=(W0, a0), **KW),
          run_du(X, y, seed=0, init=(W0[q], a0[q]), **KW))


def test_rotating_inputs_and_weights_together_changes_nothing():
    X, y, W0, a0 = _setup()
    Q = ortho_group.rvs(D, random_state=4)
    _same(run_du(X, y, seed=0, init=(W0, a0), **KW),
          run_du(X @ Q, y, seed=0, init=(W0 @ Q, a0), **KW))


def test_joint_training_is_also_permutation_invariant():
    X, y, W0, a0 = _setup()
    q = np.random.default_rng(5).permutation(M)
    _same(run_du(X, y, seed=0, init=(W0, a0), train_output=True, **KW),
          run_du(X, y, seed=0, init=(W0[q], a0[q]), train_output=True, **KW))


def test_rotating_inputs_alone_is_detected():
    """The comparison can fail: rotating X but not W changes the run."""
    X, y, W0, a0 = _setup()
    Q = ortho_group.rvs(D, random_state=4)
    base = run_du(X, y, seed=0, init=(W0, a0), **KW)
    moved = run_du(X @ Q, y, seed=0, init=(W0, a0), **KW)
    assert not np.allclose(base.observables["resid_sq"], moved.observables["resid_sq"],
                           rtol=1e-9)
