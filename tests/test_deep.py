"""Deep ReLU networks (Zou et al., Allen-Zhu et al.): conventions, gradients, GD/SGD observables."""

import numpy as np
import pytest

from prooftools.errors import UserInputError
from prooftools.numerics.networks.deep.network import (
    allen_zhu_inputs,
    allen_zhu_network,
    flat_params,
    forward,
    gradients,
    loss_value,
    margin_loss,
    set_flat_params,
    zou_inputs,
    zou_network,
)
from prooftools.numerics.networks.deep.observed import (
    OBSERVABLES,
    PaperObserver,
    run_deep_observed,
)
from prooftools.numerics.networks.deep.training import train_deep_loop
from prooftools.numerics.spectra import spectral_norm


def _data(n=8, d=5, seed=0, mu=0.5):
    rng = np.random.default_rng(seed)
    X = zou_inputs(rng.standard_normal((n, d)), mu)
    y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    return X, y


def _fd_grad(net, X, y, h=1e-6):
    theta = flat_params(net)
    g = np.zeros_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = h
        g[i] = (
            loss_value(set_flat_params(net, theta + e), X, y)
            - loss_value(set_flat_params(net, theta - e), X, y)
        ) / (2 * h)
    return g


def _flat_grads(net, grads):
    return np.concatenate([grads[j].ravel() for j in net.trained_indices])


def test_zou_conventions():
    net = zou_network(6, [40, 60, 80], seed=3)
    assert [w.shape for w in net.layers] == [(6, 40), (40, 60), (60, 80)]
    v = net.output.ravel()
    assert np.sum(v == 1) == 40 and np.sum(v == -1) == 40
    assert net.trained == (True, True, True) and net.reduction == "mean"
    # He variance with the layer's own width (also for W_1): Var = 2/m_l
    big = zou_network(50, [400, 400], seed=0)
    assert np.var(big.layers[0]) == pytest.approx(2 / 400, rel=0.05)
    assert np.var(big.layers[1]) == pytest.approx(2 / 400, rel=0.05)
    with pytest.raises(UserInputError):
        zou_network(3, 7, depth=2)  # odd m_L cannot be half +1, half -1


def test_allen_zhu_conventions():
    net = allen_zhu_network(5, 30, 3, n_outputs=2, seed=0)
    assert net.trained == (False, True, True, True)
    assert net.reduction == "sum" and net.output.shape == (30, 2)
    X = allen_zhu_inputs(np.random.default_rng(0).standard_normal((4, 4)))
    np.testing.assert_allclose(X[:, -1], 1 / np.sqrt(2))
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0)


def test_forward_matches_paper_formula_loop():
    """f_W(x) = vᵀσ(W_Lᵀσ(...σ(W_1ᵀx))) evaluated sample by sample."""
    X, _ = _data()
    net = zou_network(X.shape[1], 10, depth=3, seed=1)
    out = forward(net, X).out[:, 0]
    for i, x in enumerate(X):
        h = x
        for W in net.layers:
            h = np.maximum(W.T @ h, 0)
        assert out[i] == pytest.approx(net.output[:, 0] @ h)


@pytest.mark.parametrize("loss", ["logistic", "exponential", "smoothed_hinge", "squared"])
def test_zou_gradient_matches_finite_differences(loss):
    X, y = _data(n=5, d=3)
    net = zou_network(X.shape[1], 6, depth=3, loss=loss, seed=2)
    _, grads, _ = gradients(net, X, y)
    np.testing.assert_allclose(_flat_grads(net, grads), _fd_grad(net, X, y), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("loss", ["squared", "cross_entropy"])
def test_allen_zhu_gradient_matches_finite_differences(loss):
    rng = np.random.default_rng(0)
    X = allen_zhu_inputs(rng.standard_normal((5, 3)))
    y = rng.standard_normal((5, 3)) if loss == "squared" else np.array([0, 1, 2, 1, 0])
    net = allen_zhu_network(4, 6, 2, n_outputs=3, loss=loss, seed=1)
    _, grads, _ = gradients(net, X, y)
    assert grads[0] is None  # A is fixed
    np.testing.assert_allclose(_flat_grads(net, grads), _fd_grad(net, X, y), rtol=1e-5, atol=1e-8)


def test_losses_reduction_mean_vs_sum():
    X, y = _data(n=6)
    zn = zou_network(X.shape[1], 8, depth=2, loss="logistic")
    u = forward(zn, X).out[:, 0]
    assert loss_value(zn, X, y) == pytest.approx(np.mean(np.log1p(np.exp(-y * u))))
    az = allen_zhu_network(X.shape[1], 8, 2, loss="squared")
    t = np.linspace(-1, 1, 6)[:, None]
    ua = forward(az, X).out
    assert loss_value(az, X, t) == pytest.approx(0.5 * np.sum((ua - t) ** 2))


def test_margin_loss_derivatives():
    z = np.linspace(-3, 3, 61) + 0.013
    for name in ("logistic", "exponential", "smoothed_hinge"):
        _, der = margin_loss(name, z)
        fd = (margin_loss(name, z + 1e-6)[0] - margin_loss(name, z - 1e-6)[0]) / 2e-6
        np.testing.assert_allclose(der, fd, atol=1e-6)
        assert np.all(der <= 0)


def test_bad_labels_rejected():
    X, _ = _data()
    net = zou_network(X.shape[1], 4, depth=2)
    with pytest.raises(UserInputError):
        loss_value(net, X, np.zeros(X.shape[0]))
    with pytest.raises(UserInputError):
        forward(net, X[:, :-1])


def test_spectral_norm_power_iteration():
    A = np.random.default_rng(0).standard_normal((60, 40))
    assert spectral_norm(A, exact_max_dim=10, iters=300) == pytest.approx(
        np.linalg.norm(A, 2), rel=1e-3
    )


def _loop(net, X, y, *, eta, steps, every=1, **kw):
    """The engine's loop and observer (what verify runs), returning the loop's record."""
    yy = np.asarray(y, float).reshape(-1) if net.loss != "square" else y
    kw.setdefault("algorithm", "gd")
    kw.setdefault("batch_size", None)
    return train_deep_loop(net, X, yy, PaperObserver(net, yy), eta=eta, steps=steps,
                           every=every, seed=kw.pop("seed", 0), progress=False, **kw)


def test_gd_records_observables_and_reaches_eps():
    X, y = _data(n=10, d=6)
    net = zou_network(X.shape[1], 64, depth=2, loss="logistic", seed=0)
    res = _loop(net, X, y, eta=0.5, steps=300, every=50, eps=0.05)
    col = {k: np.asarray(res.column(k), float) for k in res.columns}
    assert res.k == [0, 50, 100, 150, 200, 250, 300]
    assert col["zou_dist_spec_max"][0] == 0.0 and col["zou_flip_max"][0] == 0.0
    assert np.all(col["zou_dist_spec_max"][1:] > 0)
    assert 0 < res.iters_to_eps <= 300
    # brute-force check of the recorded loss and distances
    assert col["loss"][-1] == pytest.approx(loss_value(res.net, X, y))
    spec = max(np.linalg.svd(res.net.layers[j] - net.layers[j], compute_uv=False)[0]
               for j in net.trained_indices)
    assert col["zou_dist_spec_max"][-1] == pytest.approx(spec, rel=1e-6)
    # semi-smoothness residual for GD is L(k+1) - L(k) + eta ||grad||^2 (brute force at k = 0)
    net1 = net.copy()
    _, g0, _ = gradients(net, X, y)
    for j in net.trained_indices:
        net1.layers[j] = net.layers[j] - 0.5 * g0[j]
    expect = loss_value(net1, X, y) - col["loss"][0] + 0.5 * col["grad_norm_sq"][0]
    assert col["semi_smooth_residual"][0] == pytest.approx(expect, rel=1e-9, abs=1e-14)
    assert np.all(col["loss_ratio"][:-1] < 1)


def test_gd_step_above_smoothness_breaks_descent():
    """Fails when it should: a huge step size makes the loss ratio exceed 1."""
    rng = np.random.default_rng(1)
    X = allen_zhu_inputs(rng.standard_normal((8, 5)))
    t = rng.standard_normal((8, 1))
    net = allen_zhu_network(X.shape[1], 32, 2, seed=0)
    good = run_deep_observed(net, X, t, eta=1e-3, steps=20)
    bad = run_deep_observed(net, X, t, eta=1.0, steps=20)
    assert np.nanmax(good.observables["loss_ratio"]) < 1
    assert np.nanmax(bad.observables["loss_ratio"]) > 1


def test_sgd_seeded_and_unbiased_scaling():
    X, y = _data(n=12, d=4)
    net = zou_network(X.shape[1], 32, depth=2, seed=0)
    kw = dict(eta=0.3, steps=40, algorithm="sgd", batch_size=4, seed=7, stride=10)
    a = run_deep_observed(net, X, y, **kw)
    b = run_deep_observed(net, X, y, **kw)
    np.testing.assert_array_equal(a.observables["loss"], b.observables["loss"])
    assert a.observables["loss"][-1] < a.observables["loss"][0]
    # batch = n makes SGD identical to GD (sampling without replacement)
    g = run_deep_observed(net, X, y, eta=0.3, steps=10, stride=5)
    s = run_deep_observed(net, X, y, eta=0.3, steps=10, algorithm="sgd", batch_size=12,
                             stride=5)
    np.testing.assert_allclose(g.observables["loss"], s.observables["loss"], rtol=1e-12)
    with pytest.raises(UserInputError):
        run_deep_observed(net, X, y, eta=0.3, steps=5, algorithm="sgd")


def test_allen_zhu_sgd_full_batch_equals_gd_sum_loss():
    rng = np.random.default_rng(2)
    X = allen_zhu_inputs(rng.standard_normal((6, 3)))
    t = rng.standard_normal((6, 1))
    net = allen_zhu_network(X.shape[1], 16, 2)
    g = run_deep_observed(net, X, t, eta=0.01, steps=6, stride=3)
    s = run_deep_observed(net, X, t, eta=0.01, steps=6, algorithm="sgd", batch_size=6,
                             stride=3)
    np.testing.assert_allclose(g.observables["loss"], s.observables["loss"], rtol=1e-12)
    np.testing.assert_allclose(g.observables["az_flip_max"], s.observables["az_flip_max"])
    assert g.config["L"] == 2


def test_the_deep_run_is_a_trajectory_with_vocabulary_names():
    from prooftools.numerics.trajectory import Trajectory

    X, y = _data(n=6, d=3)
    net = zou_network(X.shape[1], 16, depth=2, seed=0)
    tr = run_deep_observed(net, X, y, eta=0.3, steps=10, stride=5)
    functions = tr.functions
    assert isinstance(tr, Trajectory) and tr.iterations.tolist() == [0, 5, 10]
    declared = {o.name for o in OBSERVABLES}
    assert set(tr.observables) | set(tr.scalars) | set(functions) <= declared
    for name in ("loss", "grad_norm_sq", "zou_dist_spec_max", "zou_flip_max",
                 "az_semismooth_resid" if net.parameterization != "zou" else "zou_W_norm"):
        assert name in tr.observables
    assert tr.dense["loss"].shape == (11,)
    back = Trajectory.from_json(tr.to_json())
    np.testing.assert_allclose(back.observables["loss"], tr.observables["loss"])
    np.testing.assert_allclose(tr.dense["loss"][[0, 5, 10]], tr.observables["loss"])


def test_sgd_stop_at_eps_off_a_record_step_records_the_gradient_of_that_step():
    """SGD checks the loss right after each record too; stopping there must record the full
    gradient at the stopping step, not the one of the record before it."""
    rng = np.random.default_rng(3)
    X = zou_inputs(rng.standard_normal((8, 3)), 0.5)
    y = np.sign(rng.standard_normal(8))
    net = zou_network(4, 32, depth=2, seed=1)
    kw = dict(eta=0.05, steps=60, algorithm="sgd", batch_size=4, seed=2)
    every_step = _loop(net, X, y, every=1, **kw).column("loss")  # same batches, same path
    every = 5
    checked = [k for k in range(61) if k % every in (0, 1)]  # records and the step after each
    stop = next(k for k in checked if k % every == 1 and k > 1
                and all(every_step[j] > every_step[k] for j in checked if j < k))
    res = _loop(net, X, y, every=every, eps=float(every_step[stop]), stop_at_eps=True, **kw)
    assert res.k[-1] == stop == res.iters_to_eps
    _, grads, _ = gradients(res.net, X, y)
    expected = sum(float(np.sum(grads[j] ** 2)) for j in res.net.trained_indices)
    assert res.column("grad_norm_sq")[-1] == pytest.approx(expected, rel=1e-12)
