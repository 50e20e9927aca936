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
    assert res["run"].observables["loss"][-1] < 1e-12 * res["f0"]
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
    assert np.nanmax(bad.observables["loss_ratio"]) > 1
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


def test_replicate_same_policy_both_inits_and_stay_metric(tmp_path):
    """Both inits get the same policy: own = 1/β(x0) of their own start (β re-measured here by a
    dense Hessian from finite differences of gradients), common = the smaller of the two for both;
    T is recomputed from the recorded loss by a brute-force 'reach and stay' scan."""
    from prooftools.numerics.replication import chatterjee as rc
    from prooftools.reporting.replication_plots import write_chatterjee_replication

    size = rc.Size(3, 6, 4, 2)
    out = rc.replicate_chatterjee([size], seeds=(0, 1, 2), steps=150, n_uniform=5)
    per = out["sizes"][0]
    for i, seed in enumerate((0, 1, 2)):
        X, y = rc.default_dataset(3, 6, seed=seed)
        prob = ch.SmoothMLP(X, y, 4, 2, "tanh")
        etas = {}
        for kind, x0 in (("positive", ch.positive_init(prob, 3.0, seed)),
                         ("random", ch.random_init(prob, seed))):
            H = np.array([prob.hvp(x0, e) for e in np.eye(prob.n_params)])
            beta = np.max(np.abs(np.linalg.eigvalsh((H + H.T) / 2)))
            own = per["runs"]["own"][kind][i]
            assert own["eta"] == pytest.approx(1.0 / beta, rel=1e-3)
            etas[kind] = own["eta"]
            assert own["f0"] == pytest.approx(prob.loss(x0))
        for kind in ("positive", "random"):
            com = per["runs"]["common"][kind][i]
            assert com["eta"] == min(etas.values())
            for run in (com, per["runs"]["own"][kind][i]):
                loss, thr = run["loss"], out["config"]["eps"] * run["f0"]
                stay = next((k for k in range(len(loss)) if all(v <= thr for v in loss[k:])),
                            None)
                assert run["steps"] == stay
    paths = write_chatterjee_replication(out, tmp_path)
    assert {p.rsplit(".", 1)[-1] for p in paths} == {"png", "pdf", "json"}
    assert all((tmp_path / p.split("/")[-1]).stat().st_size > 0 for p in paths)
    assert not list(tmp_path.glob(".*tmp"))  # atomic write left no temporary file


def test_steps_to_stay_ignores_a_touch_that_does_not_last():
    from prooftools.numerics.replication.chatterjee import steps_to_stay

    rng = np.random.default_rng(0)
    for _ in range(300):
        loss = np.exp(rng.normal(size=rng.integers(1, 30)))
        if rng.random() < 0.2:
            loss[rng.integers(len(loss))] = np.nan
        thr = float(np.exp(rng.normal()))
        brute = next((k for k in range(len(loss)) if np.all(loss[k:] <= thr)), None)
        assert steps_to_stay(loss, thr) == brute
    # the pattern: touches ε·f0 at step 2, climbs back, stays only from step 4
    assert steps_to_stay(np.array([1.0, 0.1, 1e-7, 4e-2, 1e-7, 1e-8]), 1e-6) == 4
    assert steps_to_stay(np.array([1.0, 1e-7, 1e-2]), 1e-6) is None


def test_speedup_summary_verdicts_can_go_every_way():
    from prooftools.numerics.replication.chatterjee import speedup_summary

    rng = np.random.default_rng(1)
    base = rng.integers(30, 80, size=12)
    faster = speedup_summary(list(base), list(3 * base), 500)
    assert faster["verdict"] == "reproduced" and faster["speedup"] == pytest.approx(3.0)
    assert faster["interval"] == pytest.approx([3.0, 3.0])
    slower = speedup_summary(list(3 * base), list(base), 500)
    assert slower["verdict"] == "reversed"
    noisy = speedup_summary(list(base), list(rng.permutation(base)), 500)
    assert noisy["verdict"] == "not reproduced"
    lo, hi = noisy["interval"]
    assert lo < noisy["speedup"] < hi and lo < 1 < hi
    # geometric mean and interval against a brute-force bootstrap of the same resamples
    tp, tr = list(base), list(rng.integers(30, 200, size=12))
    got = speedup_summary(tp, tr, 500, n_boot=500, seed=7)
    logr = np.log(np.array(tr, float) / np.array(tp, float))
    idx = np.random.default_rng(7).integers(0, 12, size=(500, 12))
    means = [np.mean([logr[j] for j in row]) for row in idx]
    assert got["interval"] == pytest.approx(np.exp(np.quantile(means, [0.025, 0.975])))
    # censoring: a censored positive run can never yield 'reproduced'
    cens = speedup_summary([None, *base[1:]], list(10 * base), 500)
    assert cens["censored_positive"] == 1 and cens["verdict"] == "not reproduced"
    low = speedup_summary(list(base), [None] * 12, 500)
    assert low["verdict"] == "reproduced" and low["lower_bound"]
    with pytest.raises(UserInputError):
        speedup_summary([1, 2], [3], 10)


def test_replicate_bad_input():
    from prooftools.numerics.replication import chatterjee as rc

    with pytest.raises(UserInputError, match="d ≥ n"):
        rc.replicate_chatterjee([rc.Size(5, 3, 4, 2)], seeds=(0,), steps=5)
    with pytest.raises(UserInputError, match="seed"):
        rc.replicate_chatterjee([rc.Size(3, 5, 4, 2)], seeds=(), steps=5)
