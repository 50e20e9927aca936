"""Datasets: loaders, generators, normalizations and every bad input."""

import math

import numpy as np
import pytest

from prooftools.errors import UserInputError
from prooftools.numerics.data.datasets import list_datasets, load_dataset, make_dataset
from prooftools.numerics.data.normalize import (
    append_constant_coordinate,
    apply_normalization,
    binary_labels,
    center_labels,
    unit_norm,
)


@pytest.mark.parametrize(
    "spec, shape",
    [
        ("digits:0-vs-1", (360, 64)),
        ("iris", (150, 4)),
        ("wine:standardized", (178, 13)),
        ("breast_cancer", (569, 30)),
        ("sphere:n=200,d=50", (200, 50)),
        ("clusters:n=40,d=6,k=3,sep=2", (40, 6)),
        ("duplicates:n=10,d=4", (10, 4)),
        ("parallel:n=10,d=4", (10, 4)),
        ("opposite:n=10,d=4", (10, 4)),
        ("synthetic-square:d=8", (8, 8)),
        ("mnist-like:n=500", (500, 784)),
    ],
)
def test_named_datasets_load(spec, shape):
    ds = load_dataset(spec)
    assert ds.X.shape == shape and ds.X.dtype == np.float64
    assert ds.y.shape[0] == shape[0]


def test_generators_have_their_defects_and_are_deterministic():
    dup = load_dataset("duplicates:n=10,d=4")
    assert np.array_equal(dup.X[0], dup.X[9])
    par = load_dataset("parallel:n=10,d=4,scale=-1")
    assert np.allclose(par.X[1], -par.X[0])
    opp = load_dataset("opposite:n=10,d=4")
    assert np.array_equal(opp.X[0], opp.X[9]) and opp.y[0] == -opp.y[9]
    sq = load_dataset("synthetic-square:d=5")
    assert sq.y.shape == (5, 5)
    a, b = load_dataset("mnist-like:n=300", seed=3), load_dataset("mnist-like:n=300", seed=3)
    assert np.array_equal(a.X, b.X) and 0.0 <= a.X.min() and a.X.max() <= 1.0
    assert not np.array_equal(a.X, load_dataset("mnist-like:n=300", seed=4).X)
    sph = load_dataset("sphere:n=30,d=5")
    assert np.allclose(np.linalg.norm(sph.X, axis=1), 1.0)


def test_clusters_are_separated():
    ds = load_dataset("clusters:n=60,d=5,k=4,sep=1")
    D = np.linalg.norm(ds.X[:, None] - ds.X[None], axis=2)
    opposite = ds.y[:, None] != ds.y[None]
    assert D[opposite].min() >= 0.5 - 1e-12


def test_sklearn_options():
    ds = load_dataset("wine:standardized,1-vs-2")
    assert set(np.unique(ds.y)) == {1.0, 2.0}
    assert np.allclose(ds.X.mean(axis=0), 0.0, atol=1e-12)
    assert len(ds.changes) == 2


def test_files_round_trip(tmp_path):
    X = np.arange(12.0).reshape(4, 3) + 1
    y = np.array([1.0, -1.0, 1.0, -1.0])
    np.savez(tmp_path / "a.npz", X=X, y=y)
    assert np.array_equal(load_dataset(str(tmp_path / "a.npz")).X, X)
    np.save(tmp_path / "b.npy", np.column_stack([X, y]))
    ds = load_dataset(str(tmp_path / "b.npy"))
    assert np.array_equal(ds.X, X) and np.array_equal(ds.y, y)
    ds = load_dataset(str(tmp_path / "b.npy"), label_column="0")
    assert np.array_equal(ds.y, X[:, 0])
    (tmp_path / "c.csv").write_text("a,label,b\n1,0,2\n3,1,4\n5,0,6\n")
    ds = load_dataset(str(tmp_path / "c.csv"), label_column="label")
    assert ds.X.tolist() == [[1, 2], [3, 4], [5, 6]] and ds.y.tolist() == [0, 1, 0]
    (tmp_path / "d.csv").write_text("a,b,y\n1,2,0\n3,4,1\n")
    assert load_dataset(str(tmp_path / "d.csv")).y.tolist() == [0, 1]


@pytest.mark.parametrize(
    "spec, message",
    [
        ("nonsense", "unknown dataset 'nonsense'; known names: digits"),
        ("sphere:n=abc", "not an integer"),
        ("sphere:bogus=1", "unknown option 'bogus'"),
        ("digits:3-vs-12", "class 12 not present"),
        ("digits:fancy", "unknown option 'fancy'"),
        ("/no/such/file.npz", "does not exist"),
        ("sphere:n=1", "must be ≥ 2"),
        ("data.txt", "unsupported file type"),
        ("", "empty"),
    ],
)
def test_bad_specs(spec, message):
    with pytest.raises(UserInputError, match=message):
        load_dataset(spec)


def test_bad_files(tmp_path):
    (tmp_path / "t.csv").write_text("a,b,y\n1,x,0\n3,4,1\n")
    with pytest.raises(UserInputError, match="column 'b' is not numeric"):
        load_dataset(str(tmp_path / "t.csv"))
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(UserInputError, match="empty"):
        load_dataset(str(tmp_path / "e.csv"))
    (tmp_path / "t2.csv").write_text("a,b\n1,2\n")
    with pytest.raises(UserInputError, match="one sample"):
        load_dataset(str(tmp_path / "t2.csv"))
    with pytest.raises(UserInputError, match="no column named 'z'"):
        load_dataset(str(tmp_path / "t.csv"), label_column="z")
    np.save(tmp_path / "v.npy", np.arange(5.0))
    with pytest.raises(UserInputError, match="2-D"):
        load_dataset(str(tmp_path / "v.npy"))
    np.savez(tmp_path / "n.npz", X=np.ones((3, 2)))
    with pytest.raises(UserInputError, match="no label array 'y'"):
        load_dataset(str(tmp_path / "n.npz"))


def test_make_dataset_validation():
    with pytest.raises(UserInputError, match=r"2 NaN/inf entries \(first at row 1, column 0\)"):
        make_dataset([[0.0, 1.0], [math.nan, math.inf]], [0, 1], name="t")
    with pytest.raises(UserInputError, match="y has 1 NaN/inf entry"):
        make_dataset([[0.0], [1.0]], [0, math.nan], name="t")
    with pytest.raises(UserInputError, match="2-D"):
        make_dataset([1.0, 2.0], [0, 1], name="t")
    with pytest.raises(UserInputError, match="empty"):
        make_dataset(np.zeros((0, 3)), np.zeros(0), name="t")
    with pytest.raises(UserInputError, match="one sample"):
        make_dataset([[1.0]], [0], name="t")
    with pytest.raises(UserInputError, match="labels have shape"):
        make_dataset([[1.0], [2.0]], [0, 1, 2], name="t")
    with pytest.raises(UserInputError, match="non-numeric"):
        make_dataset([["a"], ["b"]], [0, 1], name="t")


def test_list_datasets_names():
    names = [n for n, _ in list_datasets()]
    assert {"digits", "sphere", "mnist-like", "synthetic-square"} <= set(names)


def test_normalizations_report_changes():
    ds = make_dataset([[3.0, 4.0], [0.0, 2.0], [1.0, 0.0]], [2.0, 5.0, 2.0], name="t")
    u, ch = unit_norm(ds)
    assert np.allclose(np.linalg.norm(u.X, axis=1), 1) and ch and u.changes == ch
    assert unit_norm(u)[1] == ()
    z, ch = append_constant_coordinate(ds, 0.3)
    assert z.d == 3 and np.allclose(np.linalg.norm(z.X, axis=1), 1) and np.all(z.X[:, -1] == 0.3)
    a, _ = apply_normalization(ds, "allen_zhu")
    assert np.allclose(a.X[:, -1], 1 / math.sqrt(2))
    b, ch = binary_labels(ds)
    assert b.y.tolist() == [-1.0, 1.0, -1.0] and "2 → −1" in ch[0]
    c, _ = center_labels(ds)
    assert abs(c.y.mean()) < 1e-15


def test_normalization_errors():
    ds = make_dataset([[0.0, 0.0], [1.0, 0.0]], [0.0, 1.0], name="t")
    with pytest.raises(UserInputError, match="row 0 is zero"):
        unit_norm(ds)
    with pytest.raises(UserInputError, match=r"\(0, 1\)"):
        append_constant_coordinate(ds, 1.5)
    iris = load_dataset("iris")
    msg = r"found 3 \(0, 1, 2\); keep two classes with 'iris:a-vs-b'"
    with pytest.raises(UserInputError, match=msg):
        binary_labels(iris)
    with pytest.raises(UserInputError, match="unknown normalization"):
        apply_normalization(iris, "whiten")
