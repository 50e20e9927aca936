"""Observers against brute-force loops and dense linear algebra."""

from __future__ import annotations

import math

import numpy as np
import pytest

from prooftools.errors import UserInputError
from prooftools.numerics.kernels.infinite import relu_gram_h_inf as relu_gram_inf
from prooftools.numerics.networks.two_layer.network import (
    StepWorkspace,
    first_layer_gram,
    forward,
    gradient,
    init_params,
)
from prooftools.numerics.networks.two_layer.observers import (
    DuObserver,
    DuState,
    gram_counts_update,
    pattern_delta,
    sperp_lookup,
    sperp_sum,
)
from prooftools.numerics.networks.two_layer.training import run_du
from prooftools.numerics.spectra import (
    lambda_min,
    lambda_min_warm,
    sym_norm2,
    sym_norm2_warm,
)
from prooftools.numerics.training import LoopRecord
from prooftools.numerics.trajectory import Trajectory


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
    lookup = sperp_lookup(tr.scalars["sperp_R"], tr.scalars["sperp_sum"])
    assert lookup(0.3) == brute[2]
    # unsampled radius: the neighbouring samples bracket the value
    assert lookup(0.2).upper == brute[2] and lookup(0.2).lower == brute[1]
    assert lookup(0.2).lower <= sperp_sum(W0, X, 0.2)[0] <= lookup(0.2).upper
    assert lookup(5.0).upper == math.inf


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


@pytest.mark.parametrize("flip_frac", [1e-3, 0.02, 0.5])
def test_incremental_gram_counts_equal_the_dense_product(flip_frac):
    rng = np.random.default_rng(3)
    n, m = 40, 700
    P0 = rng.random((n, m)) < 0.5
    P1 = P0 ^ (rng.random((n, m)) < flip_frac)
    C0 = P0.astype(float) @ P0.T
    PT = np.ascontiguousarray(P0.T, dtype=np.float32)
    dense = P1.astype(float) @ P1.T
    assert np.array_equal(gram_counts_update(C0, PT, pattern_delta(P1, P0)), dense)
    # the comparison has teeth: a stale P_refᵀ (one more flip than recorded) gives other counts
    r = pattern_delta(P1, P0).indices[0]  # a neuron whose pattern flipped somewhere
    PT[r, 0] = 1.0 - PT[r, 0]
    assert not np.array_equal(gram_counts_update(C0, PT, pattern_delta(P1, P0)), dense)


def test_observer_gram_is_bit_identical_along_sparse_and_dense_updates():
    X, _ = _data(30, 5)
    W0, a0 = init_params(400, 5, np.random.default_rng(0))
    obs = DuObserver(X, W0, a0)
    rng = np.random.default_rng(1)
    P = obs.P0.copy()
    XXt_m = X @ X.T / 400
    for frac in (0.0, 1e-3, 1e-3, 0.3, 1e-3):  # unchanged, sparse, sparse, dense, sparse
        P ^= rng.random(P.shape) < frac
        H, dH = obs.ntk(P)
        Pf = P.astype(np.float32)
        assert np.array_equal(H, np.multiply(Pf @ Pf.T, XXt_m, dtype=np.float64))  # old formula
        assert np.allclose(H, first_layer_gram(X, P), rtol=1e-15, atol=0)
        assert np.allclose(dH, H - obs.H0, rtol=0, atol=1e-15)
    assert obs.gram_updates == {"sparse": 3, "dense": 1, "unchanged": 1}


def test_warm_observers_agree_with_dense_linear_algebra_on_a_real_run():
    """ntk_min: certified |θ − λ_min| ≤ τ + β, τ = 1e-9|θ| (β ~ 1e-12 here) when warm, else evr;
    ntk_dev: the Ritz residual is ≤ 1e-8|θ| and |θ| ≤ ‖·‖₂, so |θ − ‖·‖₂| ≤ 1e-8|θ| unless a
    larger eigenvalue was missed; both against LAPACK truth (good to ~n·u·‖H‖). With stride 1
    and a small step the bottom eigenvector moves little, so the warm path is exercised."""
    rng = np.random.default_rng(0)
    n, d, m, lr = 120, 8, 600, 5e-4
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = rng.standard_normal(n)
    W, a = init_params(m, d, np.random.default_rng(1))
    obs = DuObserver(X, W, a, eig_dense_below=0)
    ws = StepWorkspace(n, m, d)
    truth, rec = [], LoopRecord()
    for k in range(13):
        ws.run(W, a, X, y)
        rec.append(k, obs.observe(DuState(k=k, ws=ws, W=W, a=a, expensive=True)))
        H = first_layer_gram(X, ws.D)
        truth.append((np.linalg.eigvalsh(H)[0], np.linalg.norm(H - obs.H0, 2)))
        W -= lr * ws.G
    ob = rec.arrays()
    lam, dev = np.array(truth).T
    assert obs.eig_methods["warm"] >= 6 and obs.eig_methods["evr"] >= 2  # both paths checked
    assert obs.gram_updates["sparse"] >= 6
    assert np.all(np.abs(ob["ntk_min"] - lam) <= 1e-9 * np.abs(lam) + 1e-11)
    assert np.all(np.abs(ob["ntk_dev"] - dev) <= 1e-8 * dev + 1e-14)
    assert dev[-1] > 0 and ob["flip_frac"][-1] > 0


def test_warm_lambda_min_rejects_a_start_on_the_wrong_eigenvalue():
    rng = np.random.default_rng(4)
    Q = np.linalg.qr(rng.standard_normal((60, 60)))[0]
    w = np.linspace(1.0, 5.0, 60)
    H = (Q * w) @ Q.T
    theta, v, gap, how = lambda_min_warm(H, Q[:, 1])  # exact eigenvector of λ2: residual 0
    assert how == "evr" and theta == pytest.approx(1.0, abs=1e-12)
    assert gap == pytest.approx(w[1] - w[0])
    theta, v, _, how = lambda_min_warm(H + 1e-4 * np.eye(60), v)
    assert how == "warm" and abs(theta - (1.0 + 1e-4)) <= 1e-9 * theta + 1e-12
    assert lambda_min_warm(H, Q[:, 0] + 0.3 * Q[:, 1], 0.01)[3] == "evr"  # residual > gap/4


def test_warm_spectral_norm_matches_numpy():
    rng = np.random.default_rng(5)
    A = rng.standard_normal((300, 300))
    A = A + A.T
    val, v = sym_norm2_warm(A)
    assert val == pytest.approx(np.linalg.norm(A, 2), rel=1e-9)
    val2, _ = sym_norm2_warm(A + 1e-3 * np.eye(300), v)
    assert val2 == pytest.approx(np.linalg.norm(A + 1e-3 * np.eye(300), 2), rel=1e-9)
    assert sym_norm2_warm(np.zeros((50, 50)))[0] == 0.0


def test_joint_training_observables_match_torch_autograd():
    """Joint training (W and a): dist_out_max = max_r |a_r(k) − a_r(0)| and ntk_first_min =
    λ_min(J_W J_Wᵀ) (Jacobian of u w.r.t. W only, Du et al. Lemma A.6's H(t)), against GD and
    Jacobians replayed independently in torch autograd; ntk_min is the full J Jᵀ."""
    torch = pytest.importorskip("torch")
    X, y = _data(n=6, d=5, seed=3)
    m, lr, steps = 24, 0.3, 9
    tr = run_du(X, y, width=m, steps=steps, lr=lr, seed=2, stride=3, expensive_stride=3,
                train_output=True, progress=False)
    W0, a0 = init_params(m, 5, np.random.default_rng(2))
    Xt, yt = torch.tensor(X), torch.tensor(y)
    W = torch.tensor(W0, requires_grad=True)
    a = torch.tensor(a0, requires_grad=True)

    def predict(W_, a_):
        return torch.relu(Xt @ W_.T) @ a_ / math.sqrt(m)

    got = tr.observables
    for k in range(steps + 1):
        if k % 3 == 0:
            i = k // 3
            JW, Ja = torch.autograd.functional.jacobian(predict, (W.detach(), a.detach()))
            JW = JW.reshape(6, -1).numpy()
            Ja = Ja.numpy()
            lam_w = np.linalg.eigvalsh(JW @ JW.T)[0]
            lam_full = np.linalg.eigvalsh(JW @ JW.T + Ja @ Ja.T)[0]
            assert got["ntk_first_min"][i] == pytest.approx(lam_w, rel=1e-9, abs=1e-12)
            assert got["ntk_min"][i] == pytest.approx(lam_full, rel=1e-9, abs=1e-12)
            move = float(np.max(np.abs(a.detach().numpy() - a0)))
            assert got["dist_out_max"][i] == pytest.approx(move, rel=1e-9, abs=1e-15)
        loss = 0.5 * torch.sum((predict(W, a) - yt) ** 2)
        gW, ga = torch.autograd.grad(loss, (W, a))
        with torch.no_grad():
            W -= lr * gW
            a -= lr * ga
    assert got["dist_out_max"][-1] > 0  # a really moved
    # the first-layer block is strictly below the full kernel here (G(t) is PSD and non-zero)
    assert np.all(got["ntk_first_min"] < got["ntk_min"])


def test_first_layer_training_records_no_output_movement():
    X, y = _data()
    tr = run_du(X, y, width=16, steps=6, lr=0.2, seed=1, stride=2, expensive_stride=2,
                progress=False)
    o = tr.observables
    assert np.all(o["dist_out_max"] == 0.0)
    assert np.array_equal(o["ntk_first_min"], o["ntk_min"], equal_nan=True)
