"""Chatterjee's criterion: gradients, Hessian, α/β estimates, criterion, rate, output scale."""

import numpy as np
import pytest

from prooftools.checking.verdict import estimated_criterion_verdict
from prooftools.errors import UserInputError
from prooftools.numerics.networks.smooth import network as ch


def _problem(act="tanh", n=4, d=6, m=8, depth=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return ch.SmoothMLP(X, rng.standard_normal(n), m, depth, act)


@pytest.mark.parametrize("act", ch.ACTIVATIONS)
def test_gradient_matches_finite_differences(act):
    prob = _problem(act, n=3, d=4, m=3, depth=3)
    w = ch.random_init(prob, seed=1)
    _, g = prob.loss_grad(w)
    fd = np.array(
        [(prob.loss(w + 1e-6 * e) - prob.loss(w - 1e-6 * e)) / 2e-6 for e in np.eye(w.size)]
    )
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-9)


def test_loss_normalization_is_mean_without_half():
    prob = _problem()
    w = ch.random_init(prob)
    e = prob.y - prob.outputs(w)
    assert prob.loss(w) == pytest.approx(np.sum(e**2) / len(e))


def test_hvp_matches_finite_difference_hessian_and_power_iteration():
    prob = _problem(n=2, d=3, m=3, depth=2)
    w = ch.random_init(prob, seed=2)
    p, h = w.size, 1e-4
    E = np.eye(p) * h
    H = np.array(
        [
            [
                (
                    prob.loss(w + E[i] + E[j])
                    - prob.loss(w + E[i] - E[j])
                    - prob.loss(w - E[i] + E[j])
                    + prob.loss(w - E[i] - E[j])
                )
                / (4 * h * h)
                for j in range(p)
            ]
            for i in range(p)
        ]
    )
    Hv = np.array([prob.hvp(w, e) for e in np.eye(p)])
    np.testing.assert_allclose(Hv, H, atol=1e-5)
    assert ch.hessian_norm(prob, w, iters=200) == pytest.approx(
        np.abs(np.linalg.eigvalsh(H)).max(), rel=1e-4
    )


def test_positive_init_mechanism():
    """W_1 = 0: outputs vanish (φ(0) = 0), f(x0) = ‖y‖²/n, PL ratio ≥ (4/n)‖g‖² λ_min(XXᵀ)."""
    prob = _problem()
    x0 = ch.positive_init(prob, s=2.0)
    assert np.all(prob.outputs(x0) == 0)
    assert prob.loss(x0) == pytest.approx(np.mean(prob.y**2))
    g = prob.first_layer_backvector(x0)
    assert np.all(g > 0)
    lam = np.linalg.eigvalsh(prob.X @ prob.X.T)[0]
    assert ch.pl_ratio(prob, x0) >= 4 / len(prob.y) * (g @ g) * lam * (1 - 1e-12)
    assert ch.linear_independence(prob.X).value > 0.1


def test_linear_independence_fails_for_dependent_inputs():
    prob = _problem()
    X = prob.X.copy()
    X[3] = X[0] + X[1]
    assert ch.linear_independence(X).value < 1e-12
    assert ch.linear_independence(np.ones((5, 3))).value == 0


def test_alpha_estimate_is_min_over_probed_points():
    prob = _problem()
    x0 = ch.positive_init(prob, s=3.0)
    a = ch.estimate_alpha(prob, x0, 0.5, n_uniform=30, n_line=5)
    assert a.upper == a.value <= ch.pl_ratio(prob, x0)
    pts = ch.ball_samples(x0, 0.5, 30, 5, prob.loss_grad(x0)[1], 0)
    assert np.all(np.linalg.norm(pts - x0, axis=1) <= 0.5 + 1e-12)
    brute = min(ch.pl_ratio(prob, x0), *(ch.pl_ratio(prob, q) for q in pts))
    assert a.value == pytest.approx(brute)


def test_criterion_and_rate_hold_for_large_output_scale():
    prob = _problem()
    res = ch.assess(prob, ch.positive_init(prob, s=3.0), 1.0, steps=300, n_uniform=100)
    assert res["criterion"]["satisfied"] and res["criterion"]["satisfied_gd"]
    assert res["rate"]["rate_satisfied"] and res["rate"]["contained"]
    assert res["run"]["loss"][-1] < 1e-12 * res["f0"]
    # path length bound 2√(f0/α)/(1 − βη/2) (note §3.1)
    bound = 2 * np.sqrt(res["f0"] / res["alpha"].value) / (1 - res["beta"].value * res["eta"] / 2)
    assert res["rate"]["max_dist"] <= bound


def test_criterion_fails_for_small_output_scale():
    """Fails when it should: s below the criterion's threshold."""
    prob = _problem()
    x0 = ch.positive_init(prob, s=0.3)
    a = ch.estimate_alpha(prob, x0, 1.0, n_uniform=50)
    c = ch.criterion(prob.loss(x0), a.value, 1.0)
    assert not c["satisfied"] and estimated_criterion_verdict(c) == "fails"


def test_step_above_two_over_beta_breaks_rate():
    """Fails when it should: η = 4/β makes the loss go up, beyond any valid q < 1."""
    prob = _problem()
    x0 = ch.positive_init(prob, s=3.0)
    beta = ch.estimate_beta(prob, x0, 1.0).value
    alpha = ch.estimate_alpha(prob, x0, 1.0, n_uniform=50).value
    q_valid = ch.rate_q(alpha, beta, 1 / beta)
    bad = ch.gd(prob, x0, 4 / beta, 50)
    assert not ch.check_rate(bad, q_valid)["rate_satisfied"]
    assert np.nanmax(bad["loss_ratio"]) > 1
    c = ch.criterion(prob.loss(x0), alpha, 1.0, beta=beta, eta=4 / beta)
    assert c["satisfied"] and not c["satisfied_gd"] and c["q"] > 1


def test_smallest_output_scale_brackets_threshold():
    prob = _problem()
    out = ch.smallest_output_scale(prob.X, prob.y, width=8, depth=2, r=1.0, n_uniform=40)
    s = out["s"]
    lo, hi = out["bracket"]
    assert lo < s == hi and hi / lo < 1.03

    def holds(scale):
        x0 = ch.positive_init(prob, scale)
        a = ch.estimate_alpha(prob, x0, 1.0, n_uniform=40, n_line=10).value
        return 4 * prob.loss(x0) < a

    assert holds(s) and not holds(lo)


def test_bad_input():
    with pytest.raises(UserInputError):
        ch.SmoothMLP(np.ones((3, 2)), np.ones(4), 3, 2)
    with pytest.raises(UserInputError):
        ch.activation("relu", np.zeros(2))


def test_replicate_writes_figures_and_compares(tmp_path):
    from prooftools.numerics.replication.chatterjee import default_dataset, replicate_chatterjee
    from prooftools.reporting.replication_plots import plot_chatterjee_replication

    X, y = default_dataset(4, 6)
    out = replicate_chatterjee(X, y, 6, 2, seeds=(0, 1), steps=200, n_uniform=20)
    assert len(out["positive"]) == len(out["random"]) == 2
    figures = plot_chatterjee_replication(out, tmp_path)
    for p in figures:
        assert (tmp_path / p.split("/")[-1]).stat().st_size > 0
    assert {p.split(".")[-1] for p in figures} == {"png", "pdf"}
    pos = out["positive"][0]
    assert pos["loss"][0] == pytest.approx(np.mean(y**2)) and pos["steps_to_eps"] > 0
