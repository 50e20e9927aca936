"""Observers against brute-force loops and dense linear algebra."""

from __future__ import annotations

import math

import numpy as np
import pytest

from prooftools.errors import UserInputError
from prooftools.numerics.observers import lambda_min, relu_gram_inf, sperp_sum, sym_norm2
from prooftools.numerics.training import run_du
from prooftools.numerics.trajectory import Trajectory
from prooftools.numerics.twolayer import forward, gradient, init_params


def _data(n=7, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X, rng.standard_normal(n)


def _replay_gd(X, y, W0, a0, lr, steps):
    W = W0.copy()
    Ws = [W.copy()]
    for _ in range(steps):
        W = W - lr * gradient(W, a0, X, y)[0]
        Ws.append(W.copy())
    return Ws


def test_every_observable_matches_brute_force_loops():
    X, y = _data()
    n, m, lr, steps = 7, 20, 0.2, 12
    tr = run_du(X, y, width=m, steps=steps, lr=lr, seed=5, stride=4, expensive_stride=4,
                progress=False)
    W0, a0 = init_params(m, 4, np.random.default_rng(5))
    Ws = _replay_gd(X, y, W0, a0, lr, steps)
    H = []
    for W in Ws:
        Hk = np.zeros((n, n))
        for i in range(n):
            for j in range(n):
                both = sum(1 for r in range(m) if W[r] @ X[i] >= 0 and W[r] @ X[j] >= 0)
                Hk[i, j] = X[i] @ X[j] * both / m
        H.append(Hk)
    for j, k in enumerate(tr.iterations):
        W = Ws[k]
        e = forward(W, a0, X) - y
        flips = sum((W0[r] @ X[i] >= 0) != (W[r] @ X[i] >= 0) for i in range(n) for r in range(m))
        g = gradient(W, a0, X, y)[0]
        ob = {name: v[j] for name, v in tr.observables.items()}
        assert math.isclose(ob["resid_sq"], e @ e, rel_tol=1e-10)
        assert math.isclose(ob["loss"], 0.5 * (e @ e), rel_tol=1e-10)
        assert math.isclose(ob["flip_frac"], flips / (n * m), abs_tol=0)
        assert math.isclose(ob["dist_max"], max(np.linalg.norm(W[r] - W0[r]) for r in range(m)),
                            rel_tol=1e-10, abs_tol=1e-14)
        assert math.isclose(ob["grad_norm_sq"], np.sum(g * g), rel_tol=1e-10)
        assert math.isclose(ob["pl_ratio"], e @ H[k] @ e / (e @ e), rel_tol=1e-9)
        assert math.isclose(ob["ntk_min"], np.linalg.eigvalsh(H[k])[0], rel_tol=1e-9)
        assert math.isclose(ob["ntk_dev"], np.linalg.norm(H[k] - H[0], 2), abs_tol=1e-12)
        if k < steps:
            e1 = forward(Ws[k + 1], a0, X) - y
            assert math.isclose(ob["loss_ratio"], (e1 @ e1) / (e @ e), rel_tol=1e-10)
    assert math.isclose(tr.scalars["ntk_init_dev"],
                        np.linalg.norm(H[0] - relu_gram_inf(X), 2), rel_tol=1e-9)


def test_expensive_observers_follow_their_own_stride():
    X, y = _data()
    tr = run_du(X, y, width=16, steps=25, lr=0.1, seed=0, stride=5, expensive_stride=10,
                progress=False)
    assert tr.iterations.tolist() == [0, 5, 10, 15, 20, 25]
    measured = np.isfinite(tr.observables["ntk_min"])
    assert measured.tolist() == [True, False, True, False, True, True]
    assert np.all(np.isfinite(tr.observables["flip_frac"]))


def test_sperp_sum_against_loops_and_trajectory_samples():
    X, _ = _data(5, 3)
    W0, _ = init_params(30, 3, np.random.default_rng(1))
    radii = np.array([1e-3, 0.05, 0.3, 1.0])
    brute = [sum(abs(W0[r] @ X[i]) < R for i in range(5) for r in range(30)) for R in radii]
    assert sperp_sum(W0, X, radii).tolist() == brute
    y = np.zeros(5)
    tr = run_du(X, y, width=30, steps=0, lr=0.1, seed=1, sperp_radii=radii, progress=False)
    assert tr.scalars["sperp_sum"].tolist() == brute
    assert tr.sperp_sum(0.3) == brute[2]
    assert tr.sperp_sum(0.2) == brute[2]  # unsampled radius: the next sample is an upper bound
    assert tr.sperp_sum(0.2) >= sperp_sum(W0, X, 0.2)[0]
    assert tr.sperp_sum(5.0) == math.inf


def test_lanczos_spectral_norm_agrees_with_dense():
    rng = np.random.default_rng(2)
    A = rng.standard_normal((450, 450))
    A = A + A.T
    assert math.isclose(sym_norm2(A), np.max(np.abs(np.linalg.eigvalsh(A))), rel_tol=1e-8)
    assert sym_norm2(np.zeros((500, 500))) == 0.0


def test_lambda_min_is_the_smallest_eigenvalue():
    A = np.diag([3.0, -2.0, 5.0])
    assert lambda_min(A) == pytest.approx(-2.0)


def test_trajectory_rejects_misaligned_observables():
    with pytest.raises(UserInputError):
        Trajectory(config={"index": "k"}, index=np.arange(3),
                   observables={"loss": np.ones(2)})
    tr = Trajectory(config={"index": "t"}, index=np.arange(2), observables={})
    with pytest.raises(UserInputError):
        _ = tr.iterations
    with pytest.raises(UserInputError):
        Trajectory.from_json("{not json")
