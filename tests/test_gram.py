"""The slab-wise Gram matrix (it keeps OpenBLAS's threaded syrk, which overruns its buffer above
~16,000 rows, out of the picture) against the plain product and exact integer arithmetic."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from prooftools.numerics.gram import gram


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 40), k=st.integers(1, 7), chunk=st.integers(1, 45), seed=st.integers(0, 9))
def test_slabs_give_the_exact_gram_of_integer_matrices(n, k, chunk, seed):
    """Small integers: every product and sum is exact, so the slabs must equal the truth."""
    A = np.random.default_rng(seed).integers(-50, 50, size=(n, k)).astype(np.float64)
    truth = A.astype(np.int64) @ A.astype(np.int64).T
    G = gram(A, chunk=chunk)
    assert G.dtype == np.float64 and (G == truth).all()


def test_float_slabs_are_symmetric_and_match_the_product():
    A = np.random.default_rng(0).standard_normal((300, 17))
    G = gram(A, chunk=64)
    assert (G == G.T).all()  # mirrored, not recomputed: symmetric bit for bit
    np.testing.assert_allclose(G, A @ A.T, rtol=1e-13, atol=1e-12)
    P = (np.random.default_rng(1).standard_normal((50, 9)) > 0).astype(np.float32)
    assert gram(P, chunk=7).dtype == np.float32 and (gram(P, chunk=7) == P @ P.T).all()
