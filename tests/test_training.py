"""Training loops: theorem step contracts, big steps do not, flow vs tiny-step GD, SGD, joint."""

from __future__ import annotations

import math

import numpy as np
import pytest

from prooftools.errors import UserInputError
from prooftools.numerics.kernels.infinite import relu_gram_h_inf as relu_gram_inf
from prooftools.numerics.networks.two_layer.network import (
    feature_gram,
    first_layer_gram,
    init_params,
    pattern,
)
from prooftools.numerics.networks.two_layer.training import record_steps, run_du
from prooftools.numerics.spectra import lambda_min
from prooftools.numerics.trajectory import Trajectory


def _data(n=6, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X, rng.standard_normal(n)


def test_theorem_step_size_contracts_at_the_theorem_rate():
    X, y = _data()
    lam0 = lambda_min(relu_gram_inf(X))
    eta = lam0 / (4 * X.shape[0] ** 2)
    tr = run_du(X, y, width=4096, steps=300, lr=eta, seed=0, stride=50, progress=False)
    ratios = tr.dense["loss_ratio"][:-1]
    assert np.all(ratios <= 1 - eta * lam0 / 2)  # Thm 4.1's one-step rate, every k
    rs = tr.dense["resid_sq"]
    assert np.all(rs <= (1 - eta * lam0 / 2) ** np.arange(rs.size) * rs[0] * (1 + 1e-12))


def test_step_far_above_the_theorem_does_not_contract():
    X, y = _data()
    W0, a0 = init_params(512, 5, np.random.default_rng(0))
    lam_max = np.linalg.eigvalsh(first_layer_gram(X, pattern(W0, X)))[-1]
    tr = run_du(X, y, width=512, steps=30, lr=4.0 / lam_max, seed=0, init=(W0, a0),
                stride=10, progress=False)
    assert tr.dense["resid_sq"][-1] > tr.dense["resid_sq"][0]
    assert np.nanmax(tr.dense["loss_ratio"]) > 1.0


def test_gradient_flow_agrees_with_tiny_step_gd():
    X, y = _data(5, 4)
    common = dict(width=64, seed=3, stride=10, progress=False)
    flow = run_du(X, y, steps=20, lr=0.1, algorithm="flow", flow_tol=1e-7, **common)
    tiny = run_du(X, y, steps=2000, lr=0.001, stride=1000, width=64, seed=3, progress=False)
    assert flow.config["index"] == "t" and np.allclose(flow.index, [0.0, 1.0, 2.0])
    assert flow.config["flow_rtol"] == 1e-7 and flow.config["flow_nfev"] > 0
    assert np.allclose(flow.observables["resid_sq"], tiny.observables["resid_sq"], rtol=5e-3)
    coarse = run_du(X, y, steps=20, lr=0.1, width=64, seed=3, stride=10, progress=False)
    # GD with the big step visibly differs, so the comparison above is not vacuous
    assert not np.allclose(coarse.observables["resid_sq"], flow.observables["resid_sq"], rtol=5e-3)


def test_flow_euler_reports_the_small_step_gap():
    X, y = _data(5, 4)
    tr = run_du(X, y, width=32, steps=10, lr=0.1, seed=1, algorithm="flow", flow_method="euler",
                flow_substeps=20, stride=5, progress=False)
    ref = run_du(X, y, width=32, steps=10, lr=0.1, seed=1, algorithm="flow", stride=5,
                 flow_tol=1e-7, progress=False)
    gap = tr.config["flow_euler_diff"]
    assert 0 < gap < 1e-2
    assert np.allclose(tr.index, ref.index)
    err = np.max(np.abs(tr.observables["resid_sq"] - ref.observables["resid_sq"]))
    assert err / ref.observables["resid_sq"][0] < 2 * gap  # Euler is first order: gap ≈ error


def test_runaway_flow_integration_is_stopped_with_a_clear_error():
    X, y = _data(5, 4)
    with pytest.raises(UserInputError, match="gradient evaluations"):
        run_du(X, y, width=16, steps=20, lr=0.1, seed=3, algorithm="flow", flow_method="LSODA",
               flow_max_nfev=2000, stride=10, progress=False)


def test_sgd_with_full_batch_equals_gd_and_minibatch_is_seeded():
    X, y = _data(8, 4)
    gd = run_du(X, y, width=32, steps=15, lr=0.05, seed=2, stride=5, progress=False)
    sgd_full = run_du(X, y, width=32, steps=15, lr=0.05, seed=2, stride=5, algorithm="sgd",
                      batch_size=8, progress=False)
    for name in ("resid_sq", "dist_max", "loss_ratio", "grad_norm_sq"):
        assert np.allclose(gd.observables[name], sgd_full.observables[name], rtol=1e-10,
                           equal_nan=True)
    kw = dict(width=32, steps=40, lr=0.02, stride=10, algorithm="sgd", batch_size=3,
              progress=False)
    s1, s2, s3 = (run_du(X, y, seed=s, **kw) for s in (5, 5, 6))
    assert np.array_equal(s1.observables["resid_sq"], s2.observables["resid_sq"])
    assert not np.array_equal(s1.observables["resid_sq"], s3.observables["resid_sq"])
    assert s1.observables["loss"][-1] < s1.observables["loss"][0]
    lr_obs = s1.observables["loss_ratio"]
    assert np.isnan(lr_obs[-1]) and np.all(np.isfinite(lr_obs[:-1]))


def test_joint_training_moves_a_and_uses_the_full_ntk():
    X, y = _data(6, 4)
    tr = run_du(X, y, width=64, steps=50, lr=0.05, seed=4, stride=10, train_output=True,
                expensive_stride=10, progress=False)
    W0, a0 = init_params(64, 4, np.random.default_rng(4))
    K0 = first_layer_gram(X, pattern(W0, X), a0) + feature_gram(W0, X)
    e = np.maximum(X @ W0.T, 0.0) @ a0 / 8.0 - y
    assert np.isclose(tr.observables["pl_ratio"][0], e @ K0 @ e / (e @ e))
    assert np.isclose(tr.observables["ntk_min"][0], np.linalg.eigvalsh(K0)[0])
    assert tr.observables["dist_total"][-1] > tr.observables["dist_max"][-1]
    assert tr.observables["loss"][-1] < 0.5 * tr.observables["loss"][0]


def test_seed_reproducibility_and_json_round_trip(tmp_path):
    X, y = _data()
    t1 = run_du(X, y, width=50, steps=12, lr=0.1, seed=9, stride=4, expensive_stride=8,
                progress=False)
    t2 = run_du(X, y, width=50, steps=12, lr=0.1, seed=9, stride=4, expensive_stride=8,
                progress=False)
    for k in t1.observables:
        assert np.array_equal(t1.observables[k], t2.observables[k], equal_nan=True)
    back = Trajectory.from_json(t1.to_json(tmp_path / "t.json"))
    back2 = Trajectory.from_json(tmp_path / "t.json")
    for k in t1.observables:
        assert np.array_equal(back.observables[k], t1.observables[k], equal_nan=True)
        assert np.array_equal(back2.observables[k], t1.observables[k], equal_nan=True)
    assert back.config == t1.config and back.iterations.tolist() == [0, 4, 8, 12]
    assert np.array_equal(back.scalars["sperp_sum"], t1.scalars["sperp_sum"])
    assert np.isnan(back.observables["ntk_min"][1]) and np.isfinite(back.observables["ntk_min"][2])


def test_record_steps_always_include_first_and_last():
    assert record_steps(0, 10).tolist() == [0]
    assert record_steps(30, 10).tolist() == [0, 10, 20, 30]


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(width=0), dict(steps=-1), dict(lr=0.0), dict(lr=math.nan), dict(stride=0),
        dict(algorithm="adam"), dict(algorithm="sgd"), dict(algorithm="sgd", batch_size=99),
        dict(batch_size=2), dict(expensive_stride=0), dict(flow_method="rk4"),
        dict(init=(np.zeros((3, 5)), np.ones(3))),
    ],
)
def test_bad_arguments_raise_user_input_error(kwargs):
    X, y = _data()
    args = dict(width=8, steps=2, lr=0.1, seed=0, progress=False) | kwargs
    with pytest.raises(UserInputError):
        run_du(X, y, **args)


def test_bad_data_raises_user_input_error():
    X, y = _data()
    with pytest.raises(UserInputError):
        run_du(X, y[:-1], width=8, steps=2, lr=0.1, seed=0)
    X[0, 0] = np.nan
    with pytest.raises(UserInputError):
        run_du(X, y, width=8, steps=2, lr=0.1, seed=0)
