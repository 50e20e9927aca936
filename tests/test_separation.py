"""Separations against brute-force double loops; failures named by their pair."""

import itertools

import numpy as np
import pytest

from prooftools.errors import UserInputError
from prooftools.numerics.separation import (
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
