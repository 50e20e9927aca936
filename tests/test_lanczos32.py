"""The float32 route of the certificate (issue 14): tiled solves with a Cholesky factor, Lanczos
on the float32 inverse, its error estimate, and the refactorisation closer below θ — against
matrices whose spectrum is known by construction."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prooftools.numerics.spectra import certified, certified_lambda_min
from prooftools.numerics.spectra.krylov import SymWork
from prooftools.numerics.spectra.lanczos32 import _lanczos_error, lanczos_inverse32
from prooftools.numerics.spectra.trisolve import FactorSolver


def _with_spectrum(eigenvalues, seed=0):
    """Q diag(λ) Qᵀ for a random orthogonal Q (λ known; the product's rounding is ~1e-14·λ_max)."""
    n = len(eigenvalues)
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, n)))
    H = (Q * np.asarray(eigenvalues)) @ Q.T
    return 0.5 * (H + H.T)


def _dense_bottom(n=600, seed=0):
    """λ = 1, 1.0007, 1.0012, …: a dozen eigenvalues within 0.5% above 1 (like H^∞ of random
    points on a sphere), then a bulk up to 50."""
    rng = np.random.default_rng(seed)
    bottom = 1.0 + np.sort(np.concatenate([[0.0, 7e-4, 1.2e-3], rng.uniform(1.5e-3, 5e-3, 9)]))
    bulk = np.sort(rng.uniform(1.01, 50.0, n - bottom.size))
    return np.concatenate([bottom, bulk])


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 90), tile=st.integers(1, 40), k=st.integers(1, 3),
       single=st.booleans(), seed=st.integers(0, 2**16))
def test_factor_solver_matches_a_dense_solve(n, tile, k, single, seed):
    """(RᵀR)⁻¹B from tiles equals numpy's solve with the SPD matrix, for any tiling, in a
    strided float32 view laid out like the certificate's (column j of R at the start of row j
    of an n×2n array, garbage elsewhere), and B is left untouched."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n + 2))
    A = X @ X.T / (n + 2) + 0.5 * np.eye(n)
    L = np.linalg.cholesky(A)  # L = Rᵀ: V[j, i] = R[i, j]
    dtype = np.float32 if single else np.float64
    buf = rng.standard_normal((n, 2 * n)).astype(dtype)  # garbage above the diagonal
    V = buf[:, :n]
    V[np.tril_indices(n)] = L[np.tril_indices(n)]
    B = rng.standard_normal((n, k))
    before = B.copy()
    got = FactorSolver(V, tile=tile).solve(B)
    L_stored = np.tril(V).astype(np.float64)  # the factor as stored (rounded to float32)
    want = np.linalg.solve(L_stored @ L_stored.T, B)
    assert np.array_equal(B, before)
    assert got.dtype == np.float64 and got.shape == (n, k)
    tol = 2e-3 if single else 1e-9
    assert np.linalg.norm(got - want) <= tol * max(1.0, np.linalg.norm(want))


def test_solve32_leaves_its_argument_alone():
    """A float32 F-contiguous right-hand side is not overwritten (the old trsm path did)."""
    H = _with_spectrum(np.linspace(1.0, 3.0, 50))
    work = SymWork(H.copy())
    assert work.factor32(0.0)
    b = np.asfortranarray(np.ones((50, 1), dtype=np.float32))
    x = work.solve32(b)
    assert np.array_equal(b, np.ones((50, 1), dtype=np.float32))
    assert np.allclose(x, np.linalg.solve(H, b.astype(np.float64)), rtol=1e-4)


def test_lanczos_error_estimate_against_exact_remainders():
    """Geometric convergence: the estimate is the exact remainder of the series; 1/k²
    convergence (where the geometric guess is low): the estimate is at least the true error."""
    geometric = [1.0 + 0.5 * 0.7 ** k for k in range(20)]
    est = _lanczos_error(geometric, 4, sublinear=False)
    rest = 0.5 * 0.7 ** 19  # Σ of the decrements still to come, relative to the last value
    assert est == pytest.approx(rest / (1.0 + rest), rel=1e-9)
    slow = [1.0 + 0.3 / (k + 1) ** 2 for k in range(40)]
    assert _lanczos_error(slow, 4) >= 0.3 / 40 ** 2
    assert _lanczos_error(slow[:8], 4) == math.inf  # too few values to say


def test_lanczos_finds_a_separated_minimum_in_one_go():
    lam = np.concatenate([[0.5], np.linspace(1.0, 30.0, 399)])
    work = SymWork(_with_spectrum(lam))
    assert work.factor32(-1e-4)
    theta, _v, steps, est = lanczos_inverse32(work, 1e-3)
    assert 0.5 * (1 - 1e-12) <= theta <= 0.5 * (1 + 1e-6)
    assert est <= 0.25e-3 and steps < 40


def test_dense_bottom_is_refactored_closer_and_certified_within_rtol():
    """The dense bottom (Lanczos at ε converges like 1/k²) triggers the second float32 factor
    below θ; the tight bound still costs one float64 factorisation, holds (λ_min = 1 exactly,
    up to the product's rounding) and is within 0.1%."""
    H = _with_spectrum(_dense_bottom(1200))
    q = certified_lambda_min(H, exact_limit=0, error_bound=1e-11)
    assert "closer below θ" in q.note and "(1 in-place factorisation)" in q.note
    assert (1 - 1e-3) <= q.lower <= 1.0 + 1e-11 <= q.upper + 2e-11


def test_closer_lanczos_retries_lower_after_a_shift_above_lambda_min():
    """An error estimate that is 10× too optimistic puts the first shift above λ_min: that
    float32 factorisation fails, the next one 4× lower succeeds, and θ is still ≥ λ_min."""
    H = _with_spectrum(_dense_bottom(500, seed=3))
    work = SymWork(H.copy())
    work.fro = float(np.linalg.norm(H))
    calls = []
    real = work.factor32

    def spy(t):
        ok = real(t)
        calls.append((t, ok))
        return ok

    work.factor32 = spy
    v = np.random.default_rng(0).standard_normal(500)
    theta, _v, steps = certified._closer_lanczos(work, 1.02, v, 1e-3, 1e-3)
    assert [ok for _, ok in calls] == [False, True] and calls[0][0] > 1.0 > calls[1][0]
    assert steps > 0 and 1.0 - 1e-10 <= theta <= 1.0 + 1e-3


@pytest.mark.slow  # a large certificate to make every step long enough: make test-all
def test_each_long_step_has_its_progress_bar(capsys):
    """Above one panel (2048 rows) every step of the certificate shows a bar: both
    factorisations, the Lanczos steps and the CG solve for yᵀH⁻¹y."""
    n = 2100
    lam = np.concatenate([[0.5], np.linspace(1.0, 30.0, n - 1)])
    H = _with_spectrum(lam)
    y = np.random.default_rng(1).standard_normal(n)
    certified.certified_lambda_min_and_quadratic(H, y, exact_limit=0, progress=True)
    err = capsys.readouterr().err
    for label in ("certified λ_min (n=2100)", "float32 Cholesky (n=2100)",
                  "Lanczos, float32 inverse (n=2100)", "yᵀH⁻¹y by CG (n=2100)",
                  "Cholesky (n=2100)"):
        assert label in err, label


def test_rtol_outside_0_1_is_a_user_error():
    from prooftools.errors import UserInputError

    for rtol in (0.0, -1e-3, 1.0, float("nan")):
        with pytest.raises(UserInputError, match="rtol"):
            certified_lambda_min(np.eye(3), rtol=rtol)


def test_singular_gram_stops_at_the_rounding_floor(monkeypatch):
    """λ_min = 0 exactly (rank 20 < n): Lanczos stops once θ reaches the rounding floor, no
    float32 refactorisation is tried, and the bound says "not proven positive"."""
    X = np.random.default_rng(2).standard_normal((400, 20))
    G = X @ X.T
    calls = []
    real = SymWork.factor32
    monkeypatch.setattr(SymWork, "factor32", lambda self, t: calls.append(t) or real(self, t))
    q = certified_lambda_min(G, exact_limit=0)
    assert q.lower <= 0.0 <= q.upper and not q.proven_positive
    assert len(calls) == 1
    steps = int(q.note.split("Lanczos (")[1].split(" steps")[0])
    assert steps < 100


@pytest.mark.parametrize("scale", [1e39, 1e-40])
def test_float32_estimate_at_extreme_scales(scale):
    """Entries beyond float32's range (either way): the float32 matrix is scaled, so the
    estimate works and the bound holds at the matrix's own scale."""
    H = _with_spectrum(np.linspace(1.0, 10.0, 300), seed=4) * scale
    q = certified_lambda_min(H, exact_limit=0)
    assert (1 - 1e-3) * scale <= q.lower <= scale * (1 + 1e-12) and "float32" in q.note


def test_slightly_indefinite_matrix_gets_a_tight_negative_bound():
    """λ_min = −0.001, above the float32 shift −ε (ε = 10⁻⁴ of the mean diagonal, 0.002 here),
    so Lanczos finds it: the bound sits just below it (it used to stop at the first shifts of
    −10⁻¹⁴·max|H|·4^k and fall back to Gershgorin, about −200 here)."""
    lam = np.concatenate([[-0.001], np.linspace(0.5, 40.0, 499)])
    H = _with_spectrum(lam, seed=5)
    q = certified_lambda_min(H, exact_limit=0, error_bound=1e-12)
    assert -0.001 * (1 + 2e-3) <= q.lower <= -0.001 + 1e-10
