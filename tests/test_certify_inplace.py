"""The in-place certificate (issue 14): bounds against mpmath on nearly singular kernels, one or
two factorisations, H restored, yᵀH⁻¹y enclosed, memory refused in one line, and a perturbed
factor refused."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from mp_reference import mp_h_inf

from prooftools.errors import UserInputError
from prooftools.numerics.kernels.infinite import relu_gram_h_inf
from prooftools.numerics.spectra import (
    MemoryBudgetError,
    certified_lambda_min,
    certified_lambda_min_and_quadratic,
    require_memory,
)
from prooftools.numerics.spectra import krylov as spectra


def _near_duplicate_data(gap: float, n: int = 10, d: int = 4, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    if gap == 0.0:
        X[-1] = X[2]
    else:
        v = rng.standard_normal(d)
        v -= (v @ X[2]) * X[2]
        X[-1] = X[2] + gap * v / np.linalg.norm(v)
    return X


def _mp_lambda_min_exact_kernel(X) -> float:
    with mpmath.workdps(60):
        M = mpmath.matrix([[mp_h_inf(a, b) for b in X] for a in X])
        return float(min(mpmath.eigsy(M)[0]))


@pytest.mark.parametrize("gap", [0.0, 1e-10, 1e-7, 1e-4, 1e-2])
@pytest.mark.parametrize("exact_limit", [1500, 0])
def test_lower_bound_below_mpmath_on_nearly_singular_kernels(gap, exact_limit):
    X = _near_duplicate_data(gap)
    H, err = relu_gram_h_inf(X, return_error=True)
    true = _mp_lambda_min_exact_kernel(X)
    q = certified_lambda_min(H, error_bound=err, exact_limit=exact_limit)
    assert q.lower <= true <= q.upper + err
    if gap == 0.0:
        assert q.lower <= 0 and q.witness == "i=2, j=9"
    if gap >= 1e-4:  # λ ~ gap²: far above the rounding, so proven and within 0.1%
        assert q.proven_positive and q.lower >= (1 - 1e-3) * true - 10 * err


@pytest.mark.parametrize("fast", [False, True])
def test_krylov_route_one_or_two_factorisations_in_place(fast):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((400, 12))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    H, err = relu_gram_h_inf(X, return_error=True)
    before = H.copy()
    q = certified_lambda_min(H, error_bound=err, exact_limit=0, fast=fast, in_place=True)
    assert np.array_equal(H, before)  # restored bit for bit from the untouched triangle
    ev = np.linalg.eigvalsh(before)[0]
    assert q.lower <= ev <= q.upper
    assert "(1 in-place factorisation)" in q.note and q.proven_positive
    if not fast:  # one float64 factorisation after the float32 estimate, and within 0.1%
        assert "float32" in q.note and "two-step" not in q.note
        assert q.lower >= (1 - 1e-3) * ev


@pytest.mark.parametrize("kind", ["sphere", "near-duplicates", "clusters"])
def test_a_wrong_float32_estimate_falls_back_to_two_steps(monkeypatch, kind):
    """θ fed 20% too high into the one-factorisation path: its shift lies above λ_min, the
    factorisation fails, and the two-step scheme still certifies within 0.1% — never above."""
    from prooftools.numerics.spectra import certified

    rng = np.random.default_rng(6)
    X = rng.standard_normal((300, 8))
    if kind == "near-duplicates":
        X[-1] = X[3] + 1e-3 * rng.standard_normal(8)
    elif kind == "clusters":
        X = np.repeat(rng.standard_normal((30, 8)), 10, axis=0) + 0.05 * X
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    H, err = relu_gram_h_inf(X, return_error=True)
    ev = np.linalg.eigvalsh(H)[0]
    real, real_two_step = certified.lanczos_inverse32, certified.inverse_estimate
    calls = []

    def too_high(work, rtol, **kw):
        theta, v, steps, _est = real(work, rtol, **kw)
        calls.append("float32")
        return 1.2 * theta, v, steps, 0.0  # and claims to have converged

    def two_step(*a, **kw):
        calls.append("two-step")
        return real_two_step(*a, **kw)

    monkeypatch.setattr(certified, "lanczos_inverse32", too_high)
    monkeypatch.setattr(certified, "inverse_estimate", two_step)
    q = certified_lambda_min(H, error_bound=err, exact_limit=0)
    assert calls == ["float32", "two-step"]  # the float32 estimate, then the two-step one
    assert "two-step scheme follows" in q.note and "(3 in-place factorisations)" in q.note
    assert q.lower <= ev <= q.upper and q.lower >= (1 - 1e-3) * ev


def test_quadratic_enclosure_against_mpmath_and_its_failure():
    X = _near_duplicate_data(1e-3, n=12)
    H, err = relu_gram_h_inf(X, return_error=True)
    y = np.random.default_rng(1).standard_normal(12)
    with mpmath.workdps(60):
        M = mpmath.matrix([[mp_h_inf(a, b) for b in X] for a in X])
        Y = mpmath.matrix(y.tolist())
        true = float((Y.T * mpmath.lu_solve(M, Y))[0])
    for limit in (1500, 0):
        lam, q = certified_lambda_min_and_quadratic(H, y, error_bound=err, exact_limit=limit)
        assert lam.proven_positive and q.lower <= true <= q.upper
        assert (q.upper - q.lower) < 1e-6 * true
    # duplicates: H singular, no enclosure is claimed
    Xd = _near_duplicate_data(0.0, n=12)
    Hd, errd = relu_gram_h_inf(Xd, return_error=True)
    _, qd = certified_lambda_min_and_quadratic(Hd, y, error_bound=errd)
    assert qd.lower is None and qd.upper is None and "not proven positive" in qd.note


def test_quadratic_with_the_float32_preconditioner_against_mpmath():
    """The one-factorisation route solves yᵀH⁻¹y by CG preconditioned with the float32 factor:
    enclosed against 30 digits, narrow, and in a few steps (unpreconditioned CG took 60)."""
    rng = np.random.default_rng(8)
    X = rng.standard_normal((60, 5))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    H, err = relu_gram_h_inf(X, return_error=True)
    y = rng.standard_normal(60)
    with mpmath.workdps(30):
        M = mpmath.matrix([[mp_h_inf(a, b) for b in X] for a in X])
        Y = mpmath.matrix(y.tolist())
        true = float((Y.T * mpmath.lu_solve(M, Y))[0])
    lam, q = certified_lambda_min_and_quadratic(H, y, error_bound=err, exact_limit=0)
    assert "float32" in lam.note and "two-step" not in lam.note
    assert lam.proven_positive and q.lower <= true <= q.upper
    assert (q.upper - q.lower) < 1e-6 * true
    steps = int(q.note.split(" steps)")[0].rsplit("(", 1)[1])
    assert steps <= 25


def test_perturbed_factor_is_refused(monkeypatch):
    """A LAPACK that returns the factor of Ã + 10⁻³I as if it were Ã's: the a-posteriori check
    refuses it in both routes (two-step on a singular kernel; one factorisation after an
    estimate 20% too high), and without the check the lie would be believed."""
    from prooftools.numerics.spectra import certified

    X = _near_duplicate_data(0.0, n=30, d=6)
    H, err = relu_gram_h_inf(X, return_error=True)
    real = spectra.dpotrf

    def lying_potrf(A, **kw):
        A += 1e-3 * np.eye(A.shape[0])  # a shifted factor: R̂ᵀR̂ = Ã + cI
        R, _info = real(A, **kw)
        return R, 0

    honest = certified_lambda_min(H, error_bound=err, exact_limit=0)
    assert honest.lower <= 0
    monkeypatch.setattr(spectra, "dpotrf", lying_potrf)
    with monkeypatch.context() as m:  # the two-step route (no float32 estimate)
        m.setattr(certified, "_factor32", lambda *a: None)
        assert certified_lambda_min(H, error_bound=err, exact_limit=0).lower <= 0
        m.setattr(spectra.SymWork, "_consistent", lambda *a, **k: True)
        assert certified_lambda_min(H, error_bound=err, exact_limit=0).lower > 0  # fooled
    Y = _near_duplicate_data(0.3, n=30, d=6)  # λ_min ≈ 0.02: the one-factorisation route
    G, err = relu_gram_h_inf(Y, return_error=True)
    ev = np.linalg.eigvalsh(G)[0]
    real_est = certified.lanczos_inverse32

    def too_high(work, rtol, **kw):
        theta, v, steps, _est = real_est(work, rtol, **kw)
        return 1.2 * theta, v, steps, 0.0

    monkeypatch.setattr(certified, "lanczos_inverse32", too_high)
    q = certified_lambda_min(G, error_bound=err, exact_limit=0)
    assert "two-step" in q.note and q.lower <= ev  # the lie at 1.2θ refused, then fallback
    monkeypatch.setattr(spectra.SymWork, "_consistent", lambda *a, **k: True)
    assert certified_lambda_min(G, error_bound=err, exact_limit=0).lower > ev  # fooled


def test_memory_budget_refuses_in_one_line():
    with pytest.raises(MemoryBudgetError) as e:
        require_memory(40000, "λ0", available=4 * 2**30)
    msg = str(e.value)
    assert "\n" not in msg and "12.8 GB" in msg and "n ≤ 21" in msg
    assert isinstance(e.value, UserInputError)


def test_blocked_in_place_factorisation_gives_the_same_certificate(monkeypatch):
    """Panels of 64 (the path used above 2048 rows) against one LAPACK potrf, and against
    scipy's factor directly."""
    from scipy.linalg import cholesky

    from prooftools.numerics.spectra.blocked_cholesky import blocked_potrf_upper

    rng = np.random.default_rng(3)
    X = rng.standard_normal((300, 9))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    H, err = relu_gram_h_inf(X, return_error=True)
    A = np.asfortranarray(H.copy())
    assert blocked_potrf_upper(A, panel=64) == 0
    assert np.allclose(np.triu(A), cholesky(H), rtol=0, atol=1e-12)
    assert np.array_equal(np.tril(A, -1), np.tril(H, -1))  # the other triangle is untouched
    ref = certified_lambda_min(H, error_bound=err, exact_limit=0)
    monkeypatch.setattr(spectra, "PANEL", 64)
    q = certified_lambda_min(H, error_bound=err, exact_limit=0, progress=True)
    # the float32 estimate's rounding depends on the panels: same bound to its accuracy
    assert q.lower == pytest.approx(ref.lower, rel=1e-6) and q.proven_positive
    assert (1 - 1e-3) * np.linalg.eigvalsh(H)[0] <= q.lower <= np.linalg.eigvalsh(H)[0]
    Hd = relu_gram_h_inf(_near_duplicate_data(0.0, n=200))  # singular: the panels must fail
    assert certified_lambda_min(Hd, exact_limit=0).lower <= 0


@pytest.mark.parametrize("panel,chunk", [(64, 50), (37, 4096), (100, 7)])
def test_chunked_trailing_update_is_cholesky(panel, chunk):
    """The trailing update in column chunks (dsyrk on each diagonal block, dgemm above it: the
    work-around for OpenBLAS's threaded-dsyrk overrun) gives LAPACK's factor for chunks that do
    not divide n, leaves the strict lower triangle alone, and reports the failing minor."""
    from scipy.linalg import cholesky

    from prooftools.numerics.spectra.blocked_cholesky import blocked_potrf_upper

    rng = np.random.default_rng(4)
    G = rng.standard_normal((333, 340))
    H = G @ G.T / 340 + 0.1 * np.eye(333)
    A = np.asfortranarray(H.copy())
    assert blocked_potrf_upper(A, panel=panel, chunk=chunk) == 0
    assert np.allclose(np.triu(A), cholesky(H), rtol=0, atol=1e-12)
    assert np.array_equal(np.tril(A, -1), np.tril(H, -1))
    B = H.copy()
    B[200, 200] = -1.0  # leading minor 201 indefinite (LAPACK's info counts from 1)
    assert blocked_potrf_upper(np.asfortranarray(B), panel=panel, chunk=chunk) == 201


def test_restore_false_gives_the_same_certificate_and_skips_the_mirror_pass(monkeypatch):
    """A caller that drops the matrix (check's kernels) saves the last restore: same bounds,
    one mirror pass fewer."""
    rng = np.random.default_rng(9)
    X = rng.standard_normal((300, 10))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    H, err = relu_gram_h_inf(X, return_error=True)
    counts = []
    real = spectra.SymWork.restore

    def counting(self):
        counts.append(self.dirty)
        return real(self)

    monkeypatch.setattr(spectra.SymWork, "restore", counting)
    kept = certified_lambda_min(H.copy(), error_bound=err, exact_limit=0, in_place=True)
    with_restore = counts.count(True)
    counts.clear()
    dropped = certified_lambda_min(H.copy(), error_bound=err, exact_limit=0, in_place=True,
                                   restore=False)
    assert (dropped.lower, dropped.value, dropped.upper) == (kept.lower, kept.value, kept.upper)
    assert counts.count(True) == with_restore - 1
