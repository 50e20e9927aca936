"""measure(): vocabulary keys, certified values, and failures named by their pair."""

import tomllib
from pathlib import Path

import numpy as np
import pytest

from prooftools.numerics.data.datasets import load_dataset, make_dataset
from prooftools.numerics.data.quantities import DATA_NAMES, measure
from prooftools.numerics.kernels.infinite import ntk_relu, relu_gram_h_inf

VOCAB = Path(__file__).resolve().parents[1] / "theorems" / "vocabulary.toml"


def test_keys_are_vocabulary_data_names():
    vocab = tomllib.loads(VOCAB.read_text())["symbols"]
    # r0 (initial residual of a run) depends on the network's initialization, not on the data
    data = {k for k, v in vocab.items() if v["role"] == "data"} - {"r0"}
    assert set(DATA_NAMES) == data
    q = measure(load_dataset("clusters:n=30,d=5,k=2,sep=1"), depth=2)
    # plus one paper-specific data symbol enclosed from λ0's factorisation (arora2019.toml)
    assert {k for k in q if not k.startswith("x_")} == data | {"ar_complexity"}


def test_values_against_direct_computation():
    ds = load_dataset("clusters:n=40,d=6,k=3,sep=2")
    q = measure(ds, depth=2)
    X, y = ds.X, ds.y
    D = np.linalg.norm(X[:, None] - X[None], axis=2)
    np.fill_diagonal(D, np.inf)
    assert q["sep"].lower <= D.min() <= q["sep"].upper
    assert abs(q["phi"].value - D[y[:, None] != y[None]].min()) < 1e-12
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    ev = np.linalg.eigvalsh(relu_gram_h_inf(U))[0]
    assert q["lambda0"].lower <= ev <= q["lambda0"].upper and q["lambda0"].proven_positive
    assert abs(q["lambda_ntk"].value - np.linalg.eigvalsh(ntk_relu(X, 2))[0]) < 1e-10
    assert q["norm_max"].value == pytest.approx(np.linalg.norm(X, axis=1).max())
    assert q["y_max"].value == 1.0 and q["x_label_classes"].value == 2
    assert q["rank_X"].value == 6 and np.isnan(q["last_coord"].value)
    assert q["sigma_min_X"].lower <= np.linalg.svd(X, compute_uv=False)[-1]


@pytest.mark.parametrize(
    "spec, pair", [("duplicates:n=12,d=4", "i=0, j=11"), ("parallel:n=12,d=4", "i=0, j=1")]
)
def test_degenerate_data_give_lambda0_zero_with_pair(spec, pair):
    q = measure(load_dataset(spec))
    lam = q["lambda0"]
    assert lam.lower <= 0 and abs(lam.value) < 1e-7 and pair in lam.witness
    assert q["nonpar"].lower <= 0 and q["nonpar"].witness == pair


def test_opposite_labels_give_phi_zero():
    q = measure(load_dataset("opposite:n=12,d=4"))
    assert q["phi"].value == 0 and q["phi"].lower <= 0 and q["phi"].witness == "i=0, j=11"


def test_phi_absent_for_many_classes_and_zhou_liang_ranks():
    q = measure(load_dataset("iris"))
    assert "phi" not in q
    sq = measure(load_dataset("synthetic-square:d=6"))
    assert sq["x_rank_XXt"].value == 6 and sq["x_rank_YXt"].value == 6
    assert sq["sigma_min_X"].proven_positive
    X = np.eye(4)
    X[3] = X[0] + X[1]
    low = measure(make_dataset(X, np.eye(4), name="low"))
    assert low["x_rank_XXt"].value == 3 and not low["sigma_min_X"].proven_positive


def test_large_n_kernel_is_skipped_with_note():
    q = measure(load_dataset("sphere:n=50,d=3"), max_kernel_n=10, depth=1)
    assert np.isnan(q["lambda0"].value) and "n = 50 > 10" in q["lambda0"].note
    assert np.isnan(q["lambda_ntk"].value)


def test_constant_last_coordinate_detected():
    from prooftools.numerics.data.normalize import append_constant_coordinate

    ds, _ = append_constant_coordinate(load_dataset("sphere:n=10,d=3"), 0.5)
    assert measure(ds)["last_coord"].value == 0.5


def test_lengths_are_not_rescaled_by_where_the_largest_label_sits():
    """Regression: the index of max |y| once leaked into the scale exponent of X."""
    from scipy.spatial.distance import pdist

    from prooftools.numerics.data.datasets import make_dataset
    from prooftools.numerics.data.quantities import measure

    rng = np.random.default_rng(3)
    X = rng.standard_normal((12, 4))
    y = np.zeros(12)
    y[7] = 5.0
    q = measure(make_dataset(X, y, name="t"), names=lambda s: s in {"sep", "y_max"})
    assert q["y_max"].witness == "i=7"
    assert q["sep"].value == pytest.approx(pdist(X).min(), rel=1e-12)
