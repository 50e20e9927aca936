"""Separations against brute-force double loops; failures named by their pair."""

import itertools

import numpy as np
import pytest

from prooftools.errors import UserInputError
from prooftools.numerics.data.separation import (
    min_cross_distance,
    min_pairwise_distance,
    non_parallelism,
)


def _brute(X):
    best, pair = np.inf, None
    for i, j in itertools.combinations(range(len(X)), 2):
        dist = np.sqrt(np.sum((X[i] - X[j]) ** 2))
        if dist < best:
            best, pair = dist, (i, j)
    return best, pair


@pytest.mark.parametrize("seed", range(4))
def test_min_distance_matches_double_loop(seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((70, 6)) * 10 ** rng.uniform(-3, 3)
    q = min_pairwise_distance(X, block=16)
    best, pair = _brute(X)
    assert q.lower <= best <= q.upper
    assert abs(q.value - best) <= 1e-12 * best
    assert q.witness == f"i={pair[0]}, j={pair[1]}"


def test_cross_and_nonpar_match_double_loop():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((40, 3))
    y = rng.integers(0, 2, 40)
    ia, ib = np.flatnonzero(y == 0), np.flatnonzero(y == 1)
    q = min_cross_distance(X[ia], X[ib], block=8, index_a=ia, index_b=ib)
    ref = min(np.linalg.norm(X[i] - X[j]) for i in ia for j in ib)
    assert q.lower <= ref <= q.upper and abs(q.value - ref) < 1e-12
    q = non_parallelism(X, block=8)
    ref = min(1 - abs(X[i] @ X[j]) / np.linalg.norm(X[i]) / np.linalg.norm(X[j])
              for i, j in itertools.combinations(range(40), 2))
    assert q.lower <= ref + 1e-15 and abs(q.value - ref) < 1e-12


def test_separations_fail_on_defects_and_name_the_pair():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((30, 4))
    X[21] = X[4]
    q = min_pairwise_distance(X)
    assert q.value == 0 and q.lower <= 0 and q.witness == "i=4, j=21"
    X = rng.standard_normal((30, 4))
    X[17] = -2.5 * X[3]
    q = non_parallelism(X)
    assert q.lower <= 0 and q.value < 1e-15 and q.witness == "i=3, j=17"
    X[5] = 0.0
    assert non_parallelism(X).witness in ("i=0, j=5", "i=5, j=0")


def test_near_ties_are_resolved_by_recheck():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0 + 1e-13], [5.0, 5.0]]) + 1e6
    q = min_pairwise_distance(X)
    assert q.witness == "i=0, j=1" and q.lower <= 1.0 <= q.upper


def test_separation_bad_input():
    with pytest.raises(UserInputError, match="at least 2"):
        min_pairwise_distance(np.ones((1, 3)))
    with pytest.raises(UserInputError, match="NaN"):
        min_pairwise_distance(np.array([[np.inf, 0.0], [0.0, 0.0]]))
    with pytest.raises(UserInputError, match="dimensions differ"):
        min_cross_distance(np.ones((2, 3)), np.ones((2, 2)))


def _exact_min_sq(X):
    """Exact min over pairs of the squared distance of the float64 data (rational arithmetic)."""
    from fractions import Fraction

    F = [[Fraction(float(v)) for v in row] for row in X]
    return min(sum((a - b) ** 2 for a, b in zip(F[i], F[j], strict=True))
               for i, j in itertools.combinations(range(len(F)), 2))


@pytest.mark.parametrize("precision", ["float32", "float64"])
def test_near_duplicates_below_float32_resolution_found_exactly(precision):
    rng = np.random.default_rng(11)
    X = rng.standard_normal((300, 20))
    X[123] = X[45] + 1e-12 * rng.standard_normal(20)  # equal after rounding to float32
    q = min_pairwise_distance(X, block=64, precision=precision)
    ref = float(np.linalg.norm(X[123] - X[45]))
    assert q.witness == "i=45, j=123" and abs(q.value - ref) <= 1e-12 * ref
    assert q.lower <= ref <= q.upper and q.lower > 0.99 * ref


def test_duplicates_and_large_norms_float32_scan():
    rng = np.random.default_rng(12)
    X = rng.standard_normal((200, 8)) * 1e30  # squares overflow float32 without the scaling
    X[150] = X[3]
    q = min_pairwise_distance(X, block=32)
    assert q.value == 0.0 and q.upper == 0.0 and q.witness == "i=3, j=150"
    X[150] = X[3] * (1 + 2.0**-40)
    q = min_pairwise_distance(X, block=32)
    ref = float(np.linalg.norm(X[150] - X[3]))
    assert q.witness == "i=3, j=150" and abs(q.value - ref) <= 1e-12 * ref and q.lower <= ref


def test_float32_falls_back_when_margin_keeps_too_many():
    rng = np.random.default_rng(13)
    X = 1e6 + rng.standard_normal((600, 5))  # float32 margin ≫ distances: all pairs candidates
    q = min_pairwise_distance(X)
    assert "float64 Gram scan" in q.note
    d = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    d[np.tril_indices(600)] = np.inf
    i, j = np.unravel_index(np.argmin(d), d.shape)
    assert q.witness == f"i={i}, j={j}" and q.lower <= d[i, j] <= q.upper
    q32 = min_pairwise_distance(rng.standard_normal((600, 5)))
    assert "float32 Gram scan" in q32.note


def test_cross_distance_float32_matches_float64():
    rng = np.random.default_rng(14)
    A, B = rng.standard_normal((150, 30)), rng.standard_normal((170, 30))
    q32 = min_cross_distance(A, B, block=64)
    q64 = min_cross_distance(A, B, block=64, precision="float64")
    assert (q32.value, q32.witness) == (q64.value, q64.witness) and q32.lower <= q32.value


hyp = pytest.importorskip("hypothesis")
st = pytest.importorskip("hypothesis.strategies")


@hyp.settings(max_examples=60, deadline=None)
@hyp.given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 12),
    d=st.integers(1, 5),
    scale_exp=st.integers(-30, 30),
    dup=st.sampled_from(["none", "exact", "tiny"]),
    precision=st.sampled_from(["auto", "float32", "float64"]),
)
def test_bounds_enclose_exact_minimum(seed, n, d, scale_exp, dup, precision):
    from fractions import Fraction

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * 10.0**scale_exp + rng.integers(-3, 4) * 10.0**scale_exp
    if dup != "none" and n >= 3:
        X[n - 1] = X[0] if dup == "exact" else X[0] * (1 + 1e-13)
    q = min_pairwise_distance(X, block=4, precision=precision)
    true_sq = _exact_min_sq(X)
    assert Fraction(q.lower) ** 2 <= true_sq <= Fraction(q.upper) ** 2
    assert q.lower <= q.value <= q.upper
    assert abs(Fraction(q.value) ** 2 - true_sq) <= Fraction(1e-12) * true_sq
