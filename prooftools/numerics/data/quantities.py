"""Measure every data quantity of ``theorems/vocabulary.toml`` on a dataset, with certificates.

Keys are the vocabulary's data names (n, d, norm_min, norm_max, y_max, sep, phi, nonpar,
sigma_min_X, rank_X, lambda0, lambda_ntk, last_coord) plus extras prefixed ``x_``.
``phi`` is present only for two label classes; ``lambda_ntk`` only when ``depth`` is given.
Not measured here: ``r0`` (it depends on the network's initialization) and paper-specific data
symbols (lam_K_H, jt_gamma, lam_X, …). λ0 and λ_ntk need the n×n kernel: above
``max_kernel_n`` (default 20000) they are NaN with a note. Cost for n = 60000, d = 784
(MNIST-sized): about two minutes on 2 cores (two blocked n×n×d scans plus an SVD), with O(block²)
extra memory.

>>> from prooftools.numerics.data.datasets import load_dataset
>>> q = measure(load_dataset("duplicates:n=10,d=3"))
>>> q["sep"].value, q["sep"].witness, q["lambda0"].proven_positive
(0.0, 'i=0, j=9', False)
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from prooftools.numerics.data.datasets import Dataset
from prooftools.numerics.data.scaling import row_norms, scale_exponent
from prooftools.numerics.data.separation import (
    exactly_parallel,
    min_cross_distance,
    min_pairwise_distance,
    non_parallelism,
)
from prooftools.numerics.kernels.infinite import ntk_relu, relu_gram_h_inf
from prooftools.numerics.quantity import Quantity
from prooftools.numerics.rounding import UNIT_ROUNDOFF
from prooftools.numerics.spectra import certified_lambda_min, certified_sigma_min

__all__ = ["DATA_NAMES", "measure"]

DATA_NAMES = (
    "n", "d", "norm_min", "norm_max", "y_max", "sep", "phi", "nonpar", "sigma_min_X", "rank_X",
    "lambda0", "lambda_ntk", "last_coord",
)
_U = UNIT_ROUNDOFF


def _gamma(k: float) -> float:
    return k * _U / (1.0 - k * _U)


def _exact(v: float, note: str | None = None) -> Quantity:
    return Quantity(float(v), lower=float(v), upper=float(v), note=note)


def _norms(X: np.ndarray) -> tuple[Quantity, Quantity]:
    nrm = row_norms(X)  # scaled by powers of two: correct near 1e308 and 1e-308
    rel = _gamma(X.shape[1] + 2)
    i, j = int(np.argmin(nrm)), int(np.argmax(nrm))
    lo, hi = float(nrm[i]), float(nrm[j])
    return (
        Quantity(lo, lower=lo * (1 - rel), upper=lo * (1 + rel), witness=f"i={i}"),
        Quantity(hi, lower=hi * (1 - rel), upper=hi * (1 + rel), witness=f"i={j}"),
    )


def _rank(M: np.ndarray, limit: int = 4000, s: np.ndarray | None = None) -> tuple[float, str]:
    """Numerical rank (numpy's rule: σ > max(shape)·eps·σ_max) by SVD (or given σ's)."""
    if s is None and min(M.shape) > limit:
        return math.nan, f"skipped: min dimension {min(M.shape)} > {limit}"
    if s is None:
        s = np.linalg.svd(M, compute_uv=False)
    tol = max(M.shape) * np.finfo(np.float64).eps * (s[0] if s.size else 0.0)
    return float(np.count_nonzero(s > tol)), f"numerical rank, σ > {tol:.3g} (max(shape)·eps·σ_max)"


def _unit_rows(X: np.ndarray) -> tuple[np.ndarray | None, str | None]:
    nrm = np.sqrt(np.einsum("ij,ij->i", X, X))
    zero = np.flatnonzero(nrm == 0)
    if zero.size:
        return None, f"input row {int(zero[0])} is zero; Du's normalization ‖x‖ = 1 impossible"
    return X / nrm[:, None], None


def measure(
    ds: Dataset,
    *,
    depth: int | None = None,
    certify: bool = True,
    progress: bool | None = None,
    ntk_normalization: str = "he",
    max_kernel_n: int = 20000,
    names: Callable[[str], bool] | None = None,
) -> dict[str, Quantity]:
    """All data quantities of ``ds`` as :class:`Quantity` objects keyed by vocabulary name.

    ``certify=False`` skips the Cholesky certificates of λ0/λ_ntk/σ_min (values only, faster).
    Kernel quantities (λ0, λ_ntk) are computed only for n ≤ ``max_kernel_n`` (the n×n matrix and
    its factor need 16·n² bytes); above it they are NaN with a note. ``names`` filters which
    quantities are computed (e.g. ``lambda s: s in {"sep"}``); n, d are always present.
    """
    want = names or (lambda _s: True)
    X, y = ds.X, ds.y
    n, d = X.shape
    out: dict[str, Quantity] = {"n": _exact(n), "d": _exact(d)}
    if want("norm_min") or want("norm_max"):
        out["norm_min"], out["norm_max"] = _norms(X)
    # Data near the float limits: products and squares are formed on X·2^-k (exact scaling);
    # distances and singular values scale back by 2^k, scale-free quantities need nothing.
    k = scale_exponent(X)
    if k:
        X = np.ldexp(X, -k)
    if want("y_max"):
        k = int(np.argmax(np.abs(y).reshape(n, -1).max(axis=1)))
        top = float(np.max(np.abs(y)))
        out["y_max"] = Quantity(top, lower=top, upper=top, witness=f"i={k}")
    if want("last_coord"):
        col = X[:, -1]
        const = bool(np.all(col == col[0]))
        out["last_coord"] = (
            _exact(float(col[0]), "last coordinate is the same for every sample")
            if const else Quantity(math.nan, note="last coordinate varies across samples")
        )
    labels = np.unique(y) if y.ndim == 1 else None
    out["x_label_classes"] = _exact(
        float(labels.size) if labels is not None else math.nan,
        None if labels is not None else f"vector labels of width {y.shape[1]}",
    )
    if want("sep"):
        out["sep"] = min_pairwise_distance(X, progress=progress)
    if want("phi") and labels is not None and labels.size == 2:
        ia, ib = np.flatnonzero(y == labels[0]), np.flatnonzero(y == labels[1])
        out["phi"] = min_cross_distance(X[ia], X[ib], progress=progress, index_a=ia, index_b=ib)
    nonpar = None
    if want("nonpar") or want("lambda0"):
        nonpar = non_parallelism(X, progress=progress)
        if want("nonpar"):
            out["nonpar"] = nonpar
    sv = None  # singular values of X, computed once when affordable
    want_smin = want("sigma_min_X") or want("x_sigma_min_smaller_side")
    if (want_smin or want("rank_X")) and min(n, d) <= 4000:
        sv = np.linalg.svd(X, compute_uv=False)
    if want_smin:
        if certify:
            smin = certified_sigma_min(X, singular_values=sv)
        elif sv is not None:
            smin = Quantity(float(sv[-1]), note="SVD, not certified")
        else:
            smin = Quantity(math.nan, note="min(n, d) > 4000: not computed")
        # σ_min(X) as the vocabulary defines it: the n-th singular value of the n×d matrix,
        # > 0 iff the n inputs are linearly independent. With n > d it is 0 by counting.
        out["x_sigma_min_smaller_side"] = smin
        out["sigma_min_X"] = smin if n <= d else Quantity(
            0.0, lower=0.0, upper=0.0, witness=f"n = {n} > d = {d}",
            note="n > d: n vectors in R^d are linearly dependent (σ_n(X) = 0 exactly)")
    if want("rank_X"):
        r, note = _rank(X, s=sv)
        out["rank_X"] = Quantity(r, note=note)
    # Zhou–Liang full-rank conditions, in their orientation (samples as columns): X_ZL = Xᵀ,
    # Y_ZL = Yᵀ, so X_ZL X_ZLᵀ = XᵀX (d×d) and Y_ZL X_ZLᵀ = YᵀX (k×d).
    if want("x_rank_XXt"):
        r, note = _rank(X.T @ X)
        out["x_rank_XXt"] = Quantity(r, note="rank of XᵀX (Zhou–Liang's X Xᵀ, d×d); " + note)
    if want("x_rank_YXt"):
        Y = y.reshape(n, -1)
        r, note = _rank(Y.T @ X)
        out["x_rank_YXt"] = Quantity(r, note="rank of YᵀX (Zhou–Liang's Y Xᵀ); " + note)
    if want("lambda0"):
        out["lambda0"] = _lambda0(X, certify, max_kernel_n, nonpar)
    if depth is not None and want("lambda_ntk"):
        if k:
            out["lambda_ntk"] = Quantity(math.nan, note=f"data entries near 2^{k}: the NTK of "
                                         "the inputs as given is beyond floating point; rescale")
        else:
            out["lambda_ntk"] = _lambda_ntk(X, depth, certify, max_kernel_n, ntk_normalization)
    if k:
        for key in ("sep", "phi", "sigma_min_X", "x_sigma_min_smaller_side"):
            if key in out:
                out[key] = _rescaled(out[key], k)
    return out


def _rescaled(q: Quantity, k: int) -> Quantity:
    """A length measured on X·2^-k, back in the units of X (exact: a power of two)."""
    from dataclasses import replace

    def up(v):
        return None if v is None else float(np.ldexp(v, k))

    note = f"measured on the data scaled by 2^{-k} (exact), then scaled back"
    return replace(q, value=up(q.value), lower=up(q.lower), upper=up(q.upper),
                   note=f"{q.note}; {note}" if q.note else note)


def _lambda0(X, certify: bool, max_n: int, nonpar: Quantity | None) -> Quantity:
    n = X.shape[0]
    if n > max_n:
        return Quantity(math.nan, note=f"not computed: n = {n} > {max_n} (n×n kernel too large)")
    U, why = _unit_rows(X)
    if U is None:
        return Quantity(math.nan, note=why)
    base = "λ_min(H^∞), Du et al. normalization (H^∞_ii = 1/2), on the unit-normalized inputs"
    if not certify:
        w = np.linalg.eigvalsh(relu_gram_h_inf(U))[0]
        return Quantity(float(w), note=base + "; not certified")
    H, err = relu_gram_h_inf(U, return_error=True)
    q = certified_lambda_min(H, error_bound=err)
    witness = None if q.proven_positive else q.witness
    value, upper, note = q.value, q.upper, f"{base}; {q.note}"
    if not q.proven_positive and nonpar is not None and nonpar.lower is not None \
            and nonpar.lower <= 0:
        witness = f"{nonpar.witness} (parallel inputs)"
        i, j = (int(t.split("=")[1]) for t in nonpar.witness.split(", "))
        if exactly_parallel(X[i], X[j]) > 0:  # same direction: equal unit rows, H^∞ singular
            value, upper = 0.0, 0.0
            note += (f"; x_{j} is a positive multiple of x_{i} exactly, so after unit "
                     f"normalization H^∞ has two equal rows: λ0 = 0 exactly (floating estimate "
                     f"{q.value:.3g})")
    return Quantity(float(value), lower=float(q.lower), upper=float(upper), witness=witness,
                    note=note)


def _lambda_ntk(X, depth: int, certify: bool, max_n: int, normalization: str) -> Quantity:
    n = X.shape[0]
    if n > max_n:
        return Quantity(math.nan, note=f"not computed: n = {n} > {max_n} (n×n kernel too large)")
    K = ntk_relu(X, depth, normalization=normalization)
    base = (f"λ_min of the infinite-width NTK, {depth} hidden ReLU layers, {normalization!r} "
            "normalization (all layers trained, no bias), on the inputs as given")
    if not certify:
        return Quantity(float(np.linalg.eigvalsh(K)[0]), note=base + "; not certified")
    q = certified_lambda_min(K)
    note = (f"{base}; the Cholesky certificate λ ≥ {q.lower:.6g} covers the computed matrix only "
            "(kernel rounding not bounded), so no proven lower bound is reported")
    witness = q.witness if q.lower <= 0 else None
    return Quantity(q.value, lower=None, upper=None, witness=witness, note=note)
