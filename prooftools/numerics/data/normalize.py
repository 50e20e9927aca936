"""Normalizations that theorems impose on the data, each reporting what it changed.

Every function returns ``(new_dataset, changes)`` where ``changes`` is a tuple of sentences (also
appended to ``new_dataset.changes``); an empty tuple means the data already complied.

* :func:`unit_norm` — ‖x_i‖ = 1 (Du et al. 2019 §3; Arora et al.; Jacot's sphere).
* :func:`append_constant_coordinate` — ‖x_i‖ = 1 with a constant last coordinate: Zou et al.
  (Assumption 3.4: (x_i)_d = μ ∈ (0, 1), acting as a bias) and Allen-Zhu et al. ((x_i)_d = 1/√2).
  We map x ↦ (sqrt(1 − μ²)·x/‖x‖, μ) ∈ R^{d+1}, which has norm 1 and last coordinate μ.
* :func:`binary_labels` — two classes → ±1 (Zou et al.'s y ∈ {−1, +1}).
* :func:`center_labels` — subtract the label mean.
* :func:`apply_normalization` — a spec string such as ``"unit_norm"``, ``"zou:0.5"``,
  ``"allen_zhu"``, ``"none"``, or several joined with ``+``.
"""

from __future__ import annotations

import math

import numpy as np

from prooftools.errors import UserInputError
from prooftools.numerics.data.datasets import Dataset, make_dataset
from prooftools.numerics.data.scaling import row_norms
from prooftools.numerics.rounding import UNIT_ROUNDOFF

__all__ = [
    "append_constant_coordinate",
    "apply_normalization",
    "binary_labels",
    "center_labels",
    "norm_at_most_one",
    "normalize_for",
    "unit_norm",
]

_TOL = 1e-12


def _with(ds: Dataset, X=None, y=None, changes: tuple[str, ...] = ()) -> tuple[Dataset, tuple]:
    if not changes:
        return ds, ()
    new = make_dataset(
        ds.X if X is None else X,
        ds.y if y is None else y,
        name=ds.name,
        description=ds.description,
        changes=ds.changes + tuple(changes),
    )
    return new, tuple(changes)


def _norms(ds: Dataset) -> np.ndarray:
    nrm = row_norms(ds.X)  # scaled: correct for entries near 1e308 or 1e-308
    zero = np.flatnonzero(nrm == 0)
    if zero.size:
        raise UserInputError(
            f"dataset {ds.name!r}: input row {int(zero[0])} is zero and cannot be scaled to unit "
            f"norm ({zero.size} zero row{'s' if zero.size > 1 else ''}); remove it first"
        )
    return nrm


def unit_norm(ds: Dataset) -> tuple[Dataset, tuple[str, ...]]:
    """Scale every input to Euclidean norm 1.

    >>> from prooftools.numerics.data.datasets import make_dataset
    >>> ds, ch = unit_norm(make_dataset([[3.0, 4.0], [0.0, 2.0]], [1, 2], name="t"))
    >>> ds.X.tolist(), ch
    ([[0.6, 0.8], [0.0, 1.0]], ('scaled every input to unit norm (norms were in [2, 5])',))
    """
    nrm = _norms(ds)
    if np.all(np.abs(nrm - 1.0) <= _TOL):
        return ds, ()
    if not np.all(np.isfinite(nrm)):
        i = int(np.flatnonzero(~np.isfinite(nrm))[0])
        raise UserInputError(f"dataset {ds.name!r}: the norm of input row {i} exceeds the "
                             "floating-point range; rescale the data")
    X = ds.X / nrm[:, None]
    lo, hi = float(nrm.min()), float(nrm.max())
    return _with(ds, X=X, changes=(f"scaled every input to unit norm (norms were in [{lo:.4g}, "
                                   f"{hi:.4g}])",))


def append_constant_coordinate(ds: Dataset, value: float) -> tuple[Dataset, tuple[str, ...]]:
    """x ↦ (sqrt(1 − μ²)·x/‖x‖, μ): unit norm with constant last coordinate μ = ``value``.

    If the data already have unit norm and last coordinate μ, nothing changes.

    >>> from prooftools.numerics.data.datasets import make_dataset
    >>> ds, ch = append_constant_coordinate(make_dataset([[2.0], [-1.0]], [1, -1], name="t"), 0.6)
    >>> np.round(ds.X, 12).tolist()
    [[0.8, 0.6], [-0.8, 0.6]]
    """
    mu = float(value)
    if not (0.0 < mu < 1.0):
        raise UserInputError(f"constant last coordinate must lie in (0, 1), got {value!r}")
    nrm = _norms(ds)
    if np.all(np.abs(nrm - 1.0) <= _TOL) and np.all(np.abs(ds.X[:, -1] - mu) <= _TOL):
        return ds, ()
    X = np.empty((ds.n, ds.d + 1))
    X[:, :-1] = ds.X * (math.sqrt(1.0 - mu * mu) / nrm)[:, None]
    X[:, -1] = mu
    msg = (
        f"scaled inputs to norm sqrt(1 − μ²) and appended a constant coordinate μ = {mu:.6g} "
        f"(now ‖x‖ = 1, d = {ds.d + 1})"
    )
    return _with(ds, X=X, changes=(msg,))


def binary_labels(ds: Dataset) -> tuple[Dataset, tuple[str, ...]]:
    """Map two label classes a < b to −1, +1; more classes or one class is an error.

    >>> from prooftools.numerics.data.datasets import make_dataset
    >>> binary_labels(make_dataset([[0.0], [1.0]], [3, 7], name="t"))[1]
    ('mapped labels 3 → −1 and 7 → +1',)
    """
    if ds.y.ndim != 1:
        raise UserInputError(f"dataset {ds.name!r}: binary labels need 1-D y, got {ds.y.shape}")
    classes = np.unique(ds.y)
    if classes.size != 2:
        shown = ", ".join(f"{c:g}" for c in classes[:10]) + (" …" if classes.size > 10 else "")
        hint = (f"; keep two classes with '{ds.name.split(':')[0].split(' (')[0]}:a-vs-b'"
                if classes.size > 2 else "")
        raise UserInputError(
            f"dataset {ds.name!r}: need exactly 2 label classes, found {classes.size} ({shown})"
            + hint
        )
    a, b = float(classes[0]), float(classes[1])
    if a == -1.0 and b == 1.0:
        return ds, ()
    y = np.where(ds.y == b, 1.0, -1.0)
    return _with(ds, y=y, changes=(f"mapped labels {a:g} → −1 and {b:g} → +1",))


def center_labels(ds: Dataset) -> tuple[Dataset, tuple[str, ...]]:
    """Subtract the mean label (per column for vector labels).

    >>> from prooftools.numerics.data.datasets import make_dataset
    >>> center_labels(make_dataset([[0.0], [1.0]], [1.0, 3.0], name="t"))[0].y.tolist()
    [-1.0, 1.0]
    """
    mean = ds.y.mean(axis=0)
    if np.all(np.abs(mean) <= _TOL):
        return ds, ()
    shown = f"{float(mean):.6g}" if np.ndim(mean) == 0 else "per-column means"
    return _with(ds, y=ds.y - mean, changes=(f"subtracted the label mean ({shown})",))


def apply_normalization(ds: Dataset, spec: str | None) -> tuple[Dataset, tuple[str, ...]]:
    """Apply a normalization spec: ``unit_norm``, ``zou[:μ]`` (default μ = 1/√2, the paper leaves
    μ ∈ (0,1) free), ``allen_zhu`` (1/√2), ``constant_last_coordinate:μ``, ``binary_labels``,
    ``center_labels``, ``none``; join several with ``+``.

    >>> from prooftools.numerics.data.datasets import make_dataset
    >>> ds, ch = apply_normalization(make_dataset([[2.0], [1.0]], [0, 1], name="t"),
    ...                              "unit_norm+binary_labels")
    >>> len(ch), ds.y.tolist()
    (2, [-1.0, 1.0])
    """
    changes: list[str] = []
    for part in (p.strip() for p in (spec or "none").split("+")):
        key, _, arg = part.partition(":")
        key = key.strip().lower().replace("-", "_")
        if key in ("", "none"):
            continue
        if key == "unit_norm":
            ds, ch = unit_norm(ds)
        elif key == "unit_norm_last_coord":  # the registry's tag (Zou et al., Allen-Zhu et al.)
            ds, ch = append_constant_coordinate(ds, 1.0 / math.sqrt(2.0))
        elif key == "norm_le_1":
            ds, ch = norm_at_most_one(ds)
        elif key == "ntk_param":  # a parameterization, not a change of the data
            ch = ()
        elif key in ("zou", "constant_last_coordinate", "allen_zhu"):
            if key == "allen_zhu" or not arg:
                if key == "constant_last_coordinate":
                    raise UserInputError("constant_last_coordinate needs a value, e.g. :0.5")
                mu = 1.0 / math.sqrt(2.0)
            else:
                try:
                    mu = float(arg)
                except ValueError:
                    raise UserInputError(
                        f"normalization {part!r}: {arg!r} is not a number"
                    ) from None
            ds, ch = append_constant_coordinate(ds, mu)
        elif key == "binary_labels":
            ds, ch = binary_labels(ds)
        elif key == "center_labels":
            ds, ch = center_labels(ds)
        else:
            raise UserInputError(
                f"unknown normalization {part!r}; expected unit_norm, unit_norm_last_coord, "
                "norm_le_1, zou[:mu], allen_zhu, constant_last_coordinate:mu, binary_labels, "
                "center_labels or none"
            )
        changes.extend(ch)
    return ds, tuple(changes)


def norm_at_most_one(ds: Dataset) -> tuple[Dataset, tuple[str, ...]]:
    """Divide every input by the largest norm (plus rounding) so that ‖x‖ ≤ 1 provably holds.

    >>> from prooftools.numerics.data.datasets import make_dataset
    >>> ds, ch = norm_at_most_one(make_dataset([[3.0, 4.0], [0.0, 1.0]], [0, 1], name="t"))
    >>> bool(np.linalg.norm(ds.X, axis=1).max() <= 1.0), len(ch)
    (True, 1)
    """
    top = float(row_norms(ds.X).max())  # scaled: correct near the float limits
    if top * (1.0 + 4.0 * (ds.d + 4) * UNIT_ROUNDOFF) <= 1.0:
        return ds, ()
    msg = f"divided all inputs by the largest norm {top:.6g} (+ rounding; now ‖x‖ ≤ 1)"
    top *= 1.0 + 8.0 * (ds.d + 4) * UNIT_ROUNDOFF  # so that rounding cannot leave ‖x‖ > 1
    return _with(ds, X=ds.X / top, changes=(msg,))


def normalize_for(ds: Dataset, how: str | None, *,
                  classification: bool = False) -> tuple[Dataset, list[str]]:
    """A theorem's normalization tag (through :func:`apply_normalization`), then ±1 labels for a
    classification theorem on two-class data; returns the dataset and the list of changes.

    >>> from prooftools.numerics.data.datasets import make_dataset
    >>> ds, ch = normalize_for(make_dataset([[2.0], [1.0]], [3, 5], name="t"), "unit_norm",
    ...                        classification=True)
    >>> ds.y.tolist(), len(ch)  # inputs scaled to norm 1, labels mapped to ±1
    ([-1.0, 1.0], 2)
    """
    ds, ch = apply_normalization(ds, how)
    changes = list(ch)
    if classification and ds.y.ndim == 1:
        k = np.unique(ds.y).size
        if k == 2:
            ds, ch = binary_labels(ds)
            changes.extend(ch)
        else:
            changes.append(f"labels left as given ({k} classes; a classification theorem "
                           "expects two: use NAME:a-vs-b)")
    return ds, changes
