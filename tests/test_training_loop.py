"""The shared training loop: call order, strides, next-step hook, stopping, progress, seeded replay.

Truth is independent of the loop: closed-form GD iterates on a quadratic, a hand-written loop,
and a replay of the seeded generators.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prooftools.numerics.networks.deep.network import zou_inputs, zou_network
from prooftools.numerics.networks.deep.training import train_deep_loop
from prooftools.numerics.networks.two_layer.training import _DuTrainer
from prooftools.numerics.training import LoopState, record_steps, train_loop


class Quadratic:
    """GD on f(w) = ½ wᵀ diag(lam) w: w_k = (1 − η lam)^k w0 in closed form."""

    def __init__(self, lam, w0, eta, stop_below=None, diverge_at=None, log=None):
        self.lam, self.w, self.eta = np.asarray(lam, float), np.asarray(w0, float), eta
        self.stop_below, self.diverge_at, self.log = stop_below, diverge_at, log
        self.applied = 0

    def full_state(self, k, *, record, after_record):
        if self.log is not None:
            self.log.append(("full_state", k, record, after_record))
        f = 0.5 * float(self.lam @ self.w**2)
        stop = "small" if self.stop_below is not None and f < self.stop_below else None
        return LoopState(k=k, loss=f, stop=stop)

    def plan(self, s):
        if self.log is not None:
            self.log.append(("plan", s.k))
        s.update = -self.eta * self.lam * self.w
        return s

    def apply(self, s):
        if self.log is not None:
            self.log.append(("apply", s.k))
        self.w = self.w + s.update
        self.applied += 1
        return self.diverge_at is None or s.k + 1 < self.diverge_at


class LossAndRatio:
    def __init__(self, log=None):
        self.log = log

    def observe(self, s):
        if self.log is not None:
            self.log.append(("observe", s.k))
        return {"loss": s.loss, "expensive": s.expensive, "planned": s.update is not None}

    def observe_next(self, s, nxt):
        if self.log is not None:
            self.log.append(("observe_next", s.k, nxt.k))
        return {"ratio": nxt.loss / s.loss}


def test_records_match_closed_form_gd_on_a_quadratic():
    lam, w0, eta = np.array([1.0, 3.0]), np.array([1.0, -2.0]), 0.1
    rec = train_loop(Quadratic(lam, w0, eta), LossAndRatio(), steps=25, stride=10,
                     progress=False)
    ks = np.array(rec.k)
    assert rec.k == [0, 10, 20, 25] and rec.stopped is None
    wk = (1 - eta * lam)[None, :] ** ks[:, None] * w0
    np.testing.assert_allclose(rec.columns["loss"], 0.5 * (wk**2) @ lam, rtol=1e-13)
    w1 = (1 - eta * lam) * wk  # one step after each record
    np.testing.assert_allclose(rec.column("ratio")[:3],
                               ((w1**2) @ lam / ((wk**2) @ lam))[:3], rtol=1e-13)
    assert math.isnan(rec.column("ratio")[3])  # no step follows the last record
    assert rec.columns["planned"] == [True, True, True, True]


def test_a_step_above_two_over_lambda_max_shows_in_the_ratio():
    """The one-step ratio is (1 − η λ)² in 1-D: below 1 for η < 2/λ, above 1 beyond it."""
    for eta, above in ((0.5, False), (2.5, True)):
        rec = train_loop(Quadratic([1.0], [1.0], eta), LossAndRatio(), steps=3, progress=False)
        np.testing.assert_allclose(rec.column("ratio")[:3], (1 - eta) ** 2, rtol=1e-14)
        assert (max(rec.column("ratio")[:3]) > 1) == above


def test_call_order_within_a_step():
    log = []
    train_loop(Quadratic([1.0], [1.0], 0.1, log=log), LossAndRatio(log), steps=2, stride=2,
               progress=False)
    assert log == [
        ("full_state", 0, True, False), ("plan", 0), ("observe", 0), ("apply", 0),
        ("full_state", 1, False, True), ("observe_next", 0, 1), ("plan", 1), ("apply", 1),
        ("full_state", 2, True, False), ("plan", 2), ("observe", 2),
    ]


@settings(max_examples=60, deadline=None)
@given(steps=st.integers(0, 40), stride=st.integers(1, 12),
       es=st.one_of(st.none(), st.integers(1, 12)))
def test_record_and_expensive_schedules(steps, stride, es):
    rec = train_loop(Quadratic([1.0], [1.0], 0.01), LossAndRatio(), steps=steps, stride=stride,
                     expensive_stride=es, progress=False)
    assert rec.k == record_steps(steps, stride).tolist()
    want = [es is not None and (k % es == 0 or k == steps) for k in rec.k]
    assert rec.columns["expensive"] == want


def test_trainer_stop_records_that_step_and_nothing_after():
    q = Quadratic([1.0], [1.0], 0.25, stop_below=0.5 * 0.75**14)  # f_k = ½ (0.75²)^k
    rec = train_loop(q, LossAndRatio(), steps=100, stride=5, progress=False)
    assert rec.stopped == "small" and rec.k[-1] == 8 and q.applied == 8
    assert rec.columns["planned"][-1] is False  # stopping states are not planned
    assert not math.isnan(rec.column("ratio")[-2])  # the record at 5 got its loss(6)/loss(5)


def test_apply_returning_false_stops_as_diverged():
    q = Quadratic([1.0], [1.0], 0.1, diverge_at=3)
    rec = train_loop(q, LossAndRatio(), steps=10, stride=2, progress=False)
    assert rec.stopped == "diverged" and rec.k == [0, 2] and q.applied == 3
    assert math.isnan(rec.column("ratio")[1])  # loss(3) was never evaluated


def test_observer_without_observe_next():
    class Plain:
        def observe(self, s):
            return {"loss": s.loss}

    rec = train_loop(Quadratic([1.0], [1.0], 0.1), Plain(), steps=3, progress=False)
    assert list(rec.columns) == ["loss"] and rec.k == [0, 1, 2, 3]


def test_progress_true_draws_a_bar_and_false_draws_none(capsys):
    train_loop(Quadratic([1.0], [1.0], 0.1), LossAndRatio(), steps=3, progress=False,
               desc="quiet")
    assert "quiet" not in capsys.readouterr().err
    train_loop(Quadratic([1.0], [1.0], 0.1), LossAndRatio(), steps=3, progress=True,
               desc="loud")
    assert "loud" in capsys.readouterr().err


def test_deep_sgd_batches_replay_the_seeded_generator():
    """Minibatches: rng.choice(n, B, replace=False) once per step from default_rng(seed)."""
    rng = np.random.default_rng(0)
    X = zou_inputs(rng.standard_normal((10, 3)), 0.5)
    y = np.where(np.arange(10) % 2 == 0, 1.0, -1.0)

    class Batches:
        def observe(self, s):
            return {"batch": s.batch.copy()}

    res = train_deep_loop(zou_network(4, 8, depth=2), X, y, Batches(), eta=0.05, steps=6,
                          algorithm="sgd", batch_size=4, seed=7, every=1, progress=False)
    replay = np.random.default_rng(7)
    for got in res.columns["batch"]:
        assert np.array_equal(got, replay.choice(10, size=4, replace=False))


def test_du_sgd_epochs_are_permutations_in_consecutive_batches():
    rng = np.random.default_rng(0)
    n, d, m, b = 7, 3, 5, 3
    X, y = rng.standard_normal((n, d)), rng.standard_normal(n)
    W, a = rng.standard_normal((m, d)), np.sign(rng.standard_normal(m))

    class Batches:
        def observe(self, s):
            return {"batch": None if s.update is None else s.update.copy()}

    trainer = _DuTrainer(X, y, W, a, steps=9, lr=1e-3, train_output=False, batch_size=b,
                         rng=np.random.default_rng(3))
    rec = train_loop(trainer, Batches(), steps=9, progress=False)
    replay = np.random.default_rng(3)
    perms = [replay.permutation(n) for _ in range(3)]
    want = [p[i:i + b] for p in perms for i in range(0, n, b)][:9]
    got = rec.columns["batch"]
    assert got[-1] is None  # no update after the last step
    assert all(np.array_equal(g, w) for g, w in zip(got[:9], want, strict=True))


def test_du_sgd_step_is_the_unbiased_minibatch_gradient():
    """One SGD update equals −η (n/|B|) ∇ Σ_{i∈B} ½(f(x_i) − y_i)², by central differences."""
    rng = np.random.default_rng(2)
    n, d, m, b, eta = 6, 3, 4, 2, 0.1
    X, y = rng.standard_normal((n, d)), rng.standard_normal(n)
    W0, a = rng.standard_normal((m, d)), np.sign(rng.standard_normal(m))
    trainer = _DuTrainer(X, y, W0.copy(), a, steps=1, lr=eta, train_output=False,
                         batch_size=b, rng=np.random.default_rng(1))
    s = trainer.plan(trainer.full_state(0, record=True, after_record=False))
    idx = s.update.copy()
    trainer.apply(s)

    def f(W):
        u = np.maximum(X[idx] @ W.T, 0) @ a / np.sqrt(m)
        return 0.5 * np.sum((u - y[idx]) ** 2)

    g = np.zeros_like(W0)
    h = 1e-6
    for i in np.ndindex(*W0.shape):
        e = np.zeros_like(W0)
        e[i] = h
        g[i] = (f(W0 + e) - f(W0 - e)) / (2 * h)
    np.testing.assert_allclose(trainer.W, W0 - eta * (n / b) * g, rtol=1e-6, atol=1e-9)
    with pytest.raises(AssertionError):  # the biased (unscaled) step is visibly different
        np.testing.assert_allclose(trainer.W, W0 - eta * g, rtol=1e-6, atol=1e-9)
