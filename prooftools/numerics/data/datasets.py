"""Datasets for checking theorems' data hypotheses: files, scikit-learn's shipped sets, generators.

A :class:`Dataset` holds inputs ``X`` (n×d, float64, row i = x_i) and labels ``y`` ((n,) or
(n, k) for vector labels), a name, a description and the list of changes made to it (filled in by
:mod:`prooftools.numerics.data.normalize`). :func:`load_dataset` accepts one spec string:

* a file: ``.npz`` (arrays ``X`` and ``y``; ``label_column`` names another label array),
  ``.npy`` (one 2-D array; the LAST column is y, or the column whose integer index is given as
  ``label_column``; ``label_column="none"`` means no labels and y = 0), ``.csv`` (header row;
  label column by name, default ``y`` if present else the last column);
* a scikit-learn dataset shipped with the package (no download): ``digits``, ``iris``, ``wine``,
  ``breast_cancer``, with options ``a-vs-b`` (keep two classes) and ``standardized``,
  e.g. ``digits:0-vs-1`` or ``wine:standardized,1-vs-2``;
* a generator with ``name:key=value,...``, e.g. ``sphere:n=200,d=50`` (see :func:`list_datasets`).

Every problem with the input raises :class:`~prooftools.errors.UserInputError` with one line.
"""

from __future__ import annotations

import math
import os
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from prooftools.errors import UserInputError
from prooftools.numerics.data.files import FILE_LOADERS, sniff_format
from prooftools.numerics.memory import require

__all__ = ["Dataset", "list_datasets", "load_dataset", "make_dataset"]


@dataclass(frozen=True, eq=False)
class Dataset:
    """Inputs X (n×d float64), labels y ((n,) or (n, k)), provenance and applied changes.

    >>> ds = make_dataset([[1.0, 0.0], [0.0, 2.0]], [1.0, -1.0], name="toy")
    >>> ds.n, ds.d, ds.changes
    (2, 2, ())
    """

    X: np.ndarray
    y: np.ndarray
    name: str
    description: str = ""
    changes: tuple[str, ...] = field(default=())

    @property
    def n(self) -> int:
        """Number of samples."""
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        """Input dimension."""
        return int(self.X.shape[1])

    def summary(self) -> dict:
        """JSON-friendly description (no arrays)."""
        return {
            "name": self.name,
            "description": self.description,
            "n": self.n,
            "d": self.d,
            "label_shape": list(self.y.shape),
            "changes": list(self.changes),
        }


def _first_bad(a: np.ndarray) -> tuple[int, tuple[int, ...]]:
    bad = ~np.isfinite(a)
    count = int(np.count_nonzero(bad))
    where = tuple(int(i) for i in np.argwhere(bad)[0]) if count else ()
    return count, where


def make_dataset(
    X, y, *, name: str, description: str = "", changes: tuple[str, ...] = ()
) -> Dataset:
    """Validate and freeze arrays into a :class:`Dataset` (float64 copies, read-only).

    Raises UserInputError for: X not 2-D, no or one sample, zero features, len(y) != n,
    non-numeric entries, NaN/inf (with their number and the first position).

    >>> try:
    ...     make_dataset([[0.0, float("nan")]] * 3, [0, 1, 2], name="bad")
    ... except UserInputError as e:
    ...     print(str(e)[:60])
    dataset 'bad': X has 3 NaN/inf entries (first at row 0, colu
    """
    try:
        X = np.array(X, dtype=np.float64)
        y = np.array(y, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise UserInputError(f"dataset {name!r}: non-numeric data ({exc})") from None
    if X.ndim != 2:
        raise UserInputError(
            f"dataset {name!r}: X must be a 2-D array (n samples × d features), got shape {X.shape}"
        )
    n, d = X.shape
    if n == 0:
        raise UserInputError(f"dataset {name!r} is empty (0 samples); expected at least 2")
    if n == 1:
        raise UserInputError(
            f"dataset {name!r} has one sample; pairwise quantities need at least 2"
        )
    if d == 0:
        raise UserInputError(f"dataset {name!r} has 0 features; expected d ≥ 1")
    if y.ndim == 0 or y.ndim > 2 or y.shape[0] != n:
        raise UserInputError(
            f"dataset {name!r}: labels have shape {y.shape} but X has n = {n} rows; "
            "expected y of shape (n,) or (n, k)"
        )
    for label, arr in (("X", X), ("y", y)):
        count, where = _first_bad(arr)
        if count:
            pos = f"row {where[0]}" + (f", column {where[1]}" if len(where) > 1 else "")
            raise UserInputError(
                f"dataset {name!r}: {label} has {count} NaN/inf entr{'y' if count == 1 else 'ies'}"
                f" (first at {pos}); expected finite numbers"
            )
    X.setflags(write=False)
    y.setflags(write=False)
    return Dataset(X=X, y=y, name=name, description=description, changes=tuple(changes))


# ----------------------------------------------------------------------------- option parsing


def _parse_options(name: str, text: str) -> tuple[dict[str, str], list[str]]:
    """'n=5,d=3,standardized' -> ({'n': '5', 'd': '3'}, ['standardized'])."""
    kv: dict[str, str] = {}
    flags: list[str] = []
    for token in (t.strip() for t in text.split(",")):
        if not token:
            continue
        if "=" in token:
            key, _, val = token.partition("=")
            kv[key.strip()] = val.strip()
        else:
            flags.append(token)
    return kv, flags


def _int_opt(name: str, kv: dict[str, str], key: str, default: int, minimum: int = 1) -> int:
    if key not in kv:
        return default
    try:
        val = int(kv[key])
    except ValueError:
        raise UserInputError(
            f"{name}: option {key}={kv[key]!r} is not an integer; expected e.g. {key}={default}"
        ) from None
    if val < minimum:
        raise UserInputError(f"{name}: option {key}={val} must be ≥ {minimum}")
    return val


def _float_opt(name: str, kv: dict[str, str], key: str, default: float) -> float:
    if key not in kv:
        return default
    try:
        val = float(kv[key])
    except ValueError:
        raise UserInputError(
            f"{name}: option {key}={kv[key]!r} is not a number; expected e.g. {key}={default}"
        ) from None
    if not math.isfinite(val):
        raise UserInputError(f"{name}: option {key} must be finite, got {kv[key]!r}")
    return val


def _check_known(name: str, kv: dict[str, str], flags: list[str], keys: set[str], fl: set[str]):
    for key in kv:
        if key not in keys:
            known = ", ".join(sorted(keys)) or "none"
            raise UserInputError(f"{name}: unknown option {key!r}; known options: {known}")
    for flag in flags:
        if flag not in fl:
            known = sorted(keys | fl)
            raise UserInputError(
                f"{name}: unknown option {flag!r}; known options: {', '.join(known) or 'none'}"
            )


# ----------------------------------------------------------------------------- generators


def _sphere_rows(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X


def _gen_sphere(kv, seed):
    n, d = _int_opt("sphere", kv, "n", 200, 2), _int_opt("sphere", kv, "d", 50)
    rng = np.random.default_rng(seed)
    X = _sphere_rows(rng, n, d)
    return X, rng.standard_normal(n), f"{n} points uniform on the unit sphere in R^{d}, y ~ N(0,1)"


def _gen_clusters(kv, seed):
    n, d = _int_opt("clusters", kv, "n", 200, 2), _int_opt("clusters", kv, "d", 10)
    k = _int_opt("clusters", kv, "k", 4, 2)
    sep = _float_opt("clusters", kv, "sep", 1.0)
    if sep <= 0:
        raise UserInputError(f"clusters: sep must be > 0, got {sep}")
    if k > d:
        raise UserInputError(f"clusters: need k ≤ d for separated centres, got k={k}, d={d}")
    rng = np.random.default_rng(seed)
    centres = (sep / math.sqrt(2.0)) * np.eye(d)[:k]  # pairwise distance exactly sep
    lab = np.arange(n) % k
    rng.shuffle(lab)
    noise = _sphere_rows(rng, n, d) * (sep / 4.0) * rng.random((n, 1)) ** (1.0 / d)
    X = centres[lab] + noise  # balls of radius sep/4: different clusters are ≥ sep/2 apart
    y = np.where(lab % 2 == 0, 1.0, -1.0)
    desc = f"{k} clusters in R^{d} (centres {sep} apart, radius {sep / 4}), labels ±1 by parity"
    return X, y, desc


def _gen_duplicates(kv, seed):
    n, d = _int_opt("duplicates", kv, "n", 20, 2), _int_opt("duplicates", kv, "d", 5)
    rng = np.random.default_rng(seed)
    X = _sphere_rows(rng, n, d)
    X[n - 1] = X[0]
    return X, rng.standard_normal(n), f"{n} sphere points in R^{d}; row {n - 1} duplicates row 0"


def _gen_parallel(kv, seed):
    n, d = _int_opt("parallel", kv, "n", 20, 2), _int_opt("parallel", kv, "d", 5)
    scale = _float_opt("parallel", kv, "scale", 2.0)
    if scale == 0:
        raise UserInputError("parallel: scale must be non-zero")
    rng = np.random.default_rng(seed)
    X = _sphere_rows(rng, n, d)
    X[1] = scale * X[0]
    return X, rng.standard_normal(n), f"{n} sphere points in R^{d}; row 1 = {scale:g} × row 0"


def _gen_opposite(kv, seed):
    n, d = _int_opt("opposite", kv, "n", 20, 2), _int_opt("opposite", kv, "d", 5)
    rng = np.random.default_rng(seed)
    X = _sphere_rows(rng, n, d)
    y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    X[n - 1] = X[0]
    y[n - 1] = -y[0]
    desc = f"{n} sphere points in R^{d}, labels ±1; row {n - 1} = row 0 with the opposite label"
    return X, y, desc


def _gen_square(kv, seed):
    d = _int_opt("synthetic-square", kv, "d", 8, 2)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((d, d))
    Y = rng.standard_normal((d, d))
    desc = f"Zhou–Liang square setting: d = {d} samples in R^{d}, labels Y a {d}×{d} matrix"
    return X, Y, desc


def _gen_mnist_like(kv, seed):
    n, d = _int_opt("mnist-like", kv, "n", 60000, 2), _int_opt("mnist-like", kv, "d", 784)
    rng = np.random.default_rng(seed)
    classes = 10
    # each class: a prototype of "ink" pixels (a random contiguous band of ~12% of the pixels)
    protos = np.zeros((classes, d))
    width = max(1, d // 8)
    for c in range(classes):
        start = int(rng.integers(0, max(1, d - width)))
        protos[c, start : start + width] = rng.uniform(0.6, 1.0, size=min(width, d - start))
    lab = rng.integers(0, classes, size=n)
    X = np.empty((n, d))
    chunk = 8192
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        blk = protos[lab[s:e]]
        blk *= rng.random((e - s, d)) < 0.85  # drop some ink
        hot = rng.random((e - s, d)) < 0.02  # a few hot pixels anywhere
        blk[hot] = rng.uniform(0.5, 1.0, size=int(hot.sum()))
        blk += 0.02 * rng.random((e - s, d))  # faint background, keeps points distinct
        np.clip(blk, 0.0, 1.0, out=blk)
        X[s:e] = blk
    desc = f"MNIST-sized synthetic data: {n} samples in [0,1]^{d}, 10 classes of ink patterns"
    return X, lab.astype(np.float64), desc


def _generator_memory(name: str, kv: dict[str, str]) -> None:
    """Refuse a generated dataset that does not fit, before generating it (n·d floats, ×3)."""
    if name == "synthetic-square":
        d = _int_opt(name, kv, "d", 8, 2)
        n = d
    else:
        defaults = {"mnist-like": (60000, 784), "clusters": (200, 10), "sphere": (200, 50)}
        dn, dd = defaults.get(name, (20, 5))
        n, d = _int_opt(name, kv, "n", dn, 2), _int_opt(name, kv, "d", dd)
    need = 3.0 * 8.0 * n * d  # X, a working copy, the validated float64 copy
    fits = max(2, int(require(0, "") / (3 * 8 * d))) if d else 0
    require(need, f"{name}: n = {n}, d = {d}", fits=f"at d = {d} at most n ≈ {fits} fits")


_GENERATORS: dict[str, tuple[Callable, set[str], str]] = {
    "sphere": (_gen_sphere, {"n", "d"}, "uniform on the unit sphere, y ~ N(0,1)"),
    "clusters": (_gen_clusters, {"n", "d", "k", "sep"}, "k separated clusters, labels ±1"),
    "duplicates": (_gen_duplicates, {"n", "d"}, "edge case: contains a duplicated point"),
    "parallel": (_gen_parallel, {"n", "d", "scale"}, "edge case: x and scale·x (default 2)"),
    "opposite": (_gen_opposite, {"n", "d"}, "edge case: the same point with opposite labels"),
    "synthetic-square": (_gen_square, {"d"}, "Zhou–Liang: d samples in R^d, Y a d×d matrix"),
    "mnist-like": (_gen_mnist_like, {"n", "d"}, "generated MNIST-sized data in [0,1]^d"),
}

_SKLEARN = {
    "digits": "scikit-learn digits: 1797 8×8 images, 10 classes",
    "iris": "scikit-learn iris: 150 samples, 4 features, 3 classes",
    "wine": "scikit-learn wine: 178 samples, 13 features, 3 classes",
    "breast_cancer": "scikit-learn breast cancer: 569 samples, 30 features, 2 classes",
}


def list_datasets() -> list[tuple[str, str]]:
    """Named datasets accepted by :func:`load_dataset`, with one-line descriptions.

    >>> dict(list_datasets())["iris"]
    'scikit-learn iris: 150 samples, 4 features, 3 classes (options: a-vs-b, standardized)'
    """
    out = [(k, v + " (options: a-vs-b, standardized)") for k, v in _SKLEARN.items()]
    for name, (_, keys, desc) in _GENERATORS.items():
        out.append((name, f"{desc} (options: {', '.join(sorted(keys))})"))
    return out


def _load_sklearn(name: str, kv: dict[str, str], flags: list[str]) -> tuple:
    from sklearn import datasets as skd

    loader = getattr(skd, f"load_{name}")
    bunch = loader()
    X, y = np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target, dtype=np.float64)
    desc = _SKLEARN[name]
    changes: list[str] = []
    pair = [f for f in flags if "-vs-" in f]
    _check_known(name, kv, [f for f in flags if "-vs-" not in f], set(), {"standardized"})
    if len(pair) > 1:
        raise UserInputError(f"{name}: give at most one 'a-vs-b' option, got {pair}")
    if pair:
        a_txt, _, b_txt = pair[0].partition("-vs-")
        try:
            a, b = float(a_txt), float(b_txt)
        except ValueError:
            raise UserInputError(
                f"{name}: option {pair[0]!r} must name two class labels, e.g. 0-vs-1"
            ) from None
        found = sorted({float(v) for v in np.unique(y)})
        for c in (a, b):
            if c not in found:
                shown = ", ".join(f"{v:g}" for v in found)
                raise UserInputError(f"{name}: class {c:g} not present; classes are {shown}")
        if a == b:
            raise UserInputError(f"{name}: option {pair[0]!r} names the same class twice")
        keep = (y == a) | (y == b)
        X, y = X[keep], y[keep]
        changes.append(f"kept classes {a:g} and {b:g} ({int(keep.sum())} samples)")
    if "standardized" in flags:
        mu, sd = X.mean(axis=0), X.std(axis=0)
        const = sd == 0
        sd[const] = 1.0
        X = (X - mu) / sd
        extra = f"; {int(const.sum())} constant columns only centred" if const.any() else ""
        changes.append("standardized every feature to mean 0, standard deviation 1" + extra)
    return X, y, desc, changes


# ----------------------------------------------------------------------------- files


#: Magic bytes of the file formats we read (the extension is only a hint).

def load_dataset(spec: str, *, label_column: str | None = None, seed: int = 0) -> Dataset:
    """Load a dataset from a file path, a scikit-learn name or a generator spec.

    >>> ds = load_dataset("sphere:n=10,d=3")
    >>> ds.X.shape, round(float(abs(ds.X).max()) <= 1.0)
    ((10, 3), 1)
    >>> load_dataset("digits:0-vs-1").n
    360
    """
    if not isinstance(spec, str) or not spec.strip():
        raise UserInputError("dataset spec is empty; give a file path or a name (see `datasets`)")
    spec = spec.strip()
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise UserInputError(f"invalid value for seed: {seed} (expected an integer ≥ 0)")
    ext = os.path.splitext(spec)[1].lower()
    if ext in FILE_LOADERS:
        try:
            info = os.stat(spec)
        except OSError:
            raise UserInputError(f"dataset file {spec!r} does not exist") from None
        if not stat.S_ISREG(info.st_mode):
            raise UserInputError(f"dataset file {spec!r} is not a regular file")
        try:
            real = sniff_format(spec)
            X, y, changes = FILE_LOADERS[real](spec, label_column)
        except UserInputError:
            raise
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
            raise UserInputError(f"{spec}: cannot read {ext} file ({exc})") from None
        if real != ext:
            changes = [f"read as {real} (the file's contents; its name says {ext})", *changes]
        return make_dataset(
            X, y, name=os.path.basename(spec), description=f"file {spec}", changes=tuple(changes)
        )
    name, _, opts = spec.partition(":")
    name = name.strip().lower()
    kv, flags = _parse_options(name, opts)
    if name.replace("-", "_") in _SKLEARN:
        name = name.replace("-", "_")
        X, y, desc, changes = _load_sklearn(name, kv, flags)
        return make_dataset(X, y, name=spec, description=desc, changes=tuple(changes))
    name = name.replace("_", "-")
    if name in _GENERATORS:
        gen, keys, _ = _GENERATORS[name]
        _check_known(name, kv, flags, keys | {"seed"}, set())
        seed = _int_opt(name, kv, "seed", seed, 0)
        _generator_memory(name, kv)
        X, y, desc = gen(kv, seed)
        return make_dataset(X, y, name=spec, description=f"{desc} (seed {seed})")
    if os.path.sep in spec or "." in os.path.basename(spec):
        raise UserInputError(
            f"dataset {spec!r}: unsupported file type {ext or '(none)'}; "
            "expected .npz, .npy or .csv"
        )
    known = ", ".join(k for k, _ in list_datasets())
    raise UserInputError(
        f"unknown dataset {name!r}; known names: {known}, or a .npz/.npy/.csv path"
    )
