"""Measure every data quantity of ``theorems/vocabulary.toml`` on a dataset, with certificates.

Keys are the vocabulary's data names (n, d, norm_min, norm_max, y_max, sep, phi, nonpar,
sigma_min_X, rank_X, lambda0, lambda_ntk, last_coord) plus extras prefixed ``x_``.
``phi`` is present only for two label classes; ``lambda_ntk`` only when ``depth`` is given.
Not measured here: ``r0`` (it depends on the network's initialization) and paper-specific data
symbols (lam_K_H, jt_gamma, lam_X, …) except Arora et al.'s ``ar_complexity`` = yᵀ(H^∞)⁻¹y,
enclosed from λ0's factorisation. λ0, λ_ntk and ar_complexity need one n×n kernel in memory
(checked before it is allocated); the other quantities cost, for n = 60000, d = 784
(MNIST-sized), about two minutes on 2 cores (two blocked n×n×d scans plus an SVD), with
O(block²) extra memory.

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
from prooftools.numerics.kernels import fused
from prooftools.numerics.kernels.errors import ntk_entry_error
from prooftools.numerics.kernels.infinite import NORMALIZATIONS, ntk_relu, relu_gram_h_inf
from prooftools.numerics.quantity import Quantity
from prooftools.numerics.rounding import gamma
from prooftools.numerics.spectra import (
    MemoryBudgetError,
    certified_lambda_min,
    certified_lambda_min_and_quadratic,
    certified_sigma_min,
    lambda_min,
    require_memory,
)

__all__ = ["DATA_NAMES", "measure"]

DATA_NAMES = (
    "n", "d", "norm_min", "norm_max", "y_max", "sep", "phi", "nonpar", "sigma_min_X", "rank_X",
    "lambda0", "lambda_ntk", "last_coord",
)


def _exact(v: float, note: str | None = None) -> Quantity:
    return Quantity(float(v), lower=float(v), upper=float(v), note=note)


def _count(v: int | float, note: str | None = None) -> Quantity:
    """An exact count (n, d, a number of classes): an integer, so JSON prints ``20``, not
    ``20.0``; NaN when it does not apply."""
    if not math.isfinite(v):
        return Quantity(math.nan, note=note)
    return Quantity(int(v), lower=int(v), upper=int(v), note=note)


def _norms(X: np.ndarray) -> tuple[Quantity, Quantity]:
    nrm = row_norms(X)  # scaled by powers of two: correct near 1e308 and 1e-308
    rel = gamma(X.shape[1] + 2)
    i, j = int(np.argmin(nrm)), int(np.argmax(nrm))
    lo, hi = float(nrm[i]), float(nrm[j])
    return (
        Quantity(lo, lower=lo * (1 - rel), upper=lo * (1 + rel), witness=f"i={i}"),
        Quantity(hi, lower=hi * (1 - rel), upper=hi * (1 + rel), witness=f"i={j}"),
    )


def _rank(M: np.ndarray, limit: int = 4000, s: np.ndarray | None = None
          ) -> tuple[int | float, str]:
    """Numerical rank (numpy's rule: σ > max(shape)·eps·σ_max) by SVD (or given σ's)."""
    if s is None and min(M.shape) > limit:
        return math.nan, f"skipped: min dimension {min(M.shape)} > {limit}"
    if s is None:
        s = np.linalg.svd(M, compute_uv=False)
    tol = max(M.shape) * np.finfo(np.float64).eps * (s[0] if s.size else 0.0)
    return int(np.count_nonzero(s > tol)), f"numerical rank, σ > {tol:.3g} (max(shape)·eps·σ_max)"


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
    max_kernel_n: int | None = None,
    names: Callable[[str], bool] | None = None,
    fast: bool = False,
    scheduler: str | None = None,
) -> dict[str, Quantity]:
    """All data quantities of ``ds`` as :class:`Quantity` objects keyed by vocabulary name.

    ``certify=False`` skips the Cholesky certificates of λ0/λ_ntk/σ_min (values only, faster).
    Kernel quantities (λ0, λ_ntk, ``ar_complexity`` = yᵀ(H^∞)⁻¹y) need one n×n matrix
    (formed and factorised in place): when it would not fit in the memory available
    (or n > ``max_kernel_n`` when given) they are NaN with a note saying what would fit.
    ``fast=True``: positivity certificates only (one factorisation each). ``scheduler``: the
    address of a Dask scheduler; λ0 is then certified on its workers in tiles
    (:mod:`prooftools.numerics.spectra.distributed`, no local n×n matrix). ``names`` filters which
    quantities are computed (e.g. ``lambda s: s in {"sep"}``); n, d are always present.
    """
    want = names or (lambda _s: True)
    X, y = ds.X, ds.y
    n, d = X.shape
    out: dict[str, Quantity] = {"n": _count(n), "d": _count(d)}
    if want("norm_min") or want("norm_max"):
        out["norm_min"], out["norm_max"] = _norms(X)
    # Data near the float limits: products and squares are formed on X·2^-k (exact scaling);
    # distances and singular values scale back by 2^k, scale-free quantities need nothing.
    k = scale_exponent(X)
    if k:
        X = np.ldexp(X, -k)
    if want("y_max"):
        top_i = int(np.argmax(np.abs(y).reshape(n, -1).max(axis=1)))
        top = float(np.max(np.abs(y)))
        out["y_max"] = Quantity(top, lower=top, upper=top, witness=f"i={top_i}")
    if want("last_coord"):
        col = X[:, -1]
        const = bool(np.all(col == col[0]))
        out["last_coord"] = (
            _exact(float(col[0]), "last coordinate is the same for every sample")
            if const else Quantity(math.nan, note="last coordinate varies across samples")
        )
    labels = np.unique(y) if y.ndim == 1 else None
    out["x_label_classes"] = _count(
        labels.size if labels is not None else math.nan,
        None if labels is not None else f"vector labels of width {y.shape[1]}",
    )
    if want("sep"):
        out["sep"] = min_pairwise_distance(X, progress=progress)
    if want("phi") and labels is not None and labels.size == 2:
        ia, ib = np.flatnonzero(y == labels[0]), np.flatnonzero(y == labels[1])
        out["phi"] = min_cross_distance(X[ia], X[ib], progress=progress, index_a=ia, index_b=ib)
    nonpar = None
    if want("nonpar") or want("lambda0") or (depth is not None and want("lambda_ntk")):
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
    if want("lambda0") or want("ar_complexity"):
        complexity = want("ar_complexity") and y.shape[0] == n
        if scheduler and certify:
            lam, quad = _lambda0_dask(X, scheduler, fast), None
        else:
            lam, quad = _lambda0(X, y, certify, max_kernel_n, nonpar, fast=fast,
                                 progress=progress, complexity=complexity)
        if want("lambda0"):
            out["lambda0"] = lam
        if quad is not None:
            out["ar_complexity"] = quad
    if depth is not None and want("lambda_ntk"):
        if k:
            out["lambda_ntk"] = Quantity(math.nan, note=f"data entries near 2^{k}: the NTK of "
                                         "the inputs as given is beyond floating point; rescale")
        else:
            out["lambda_ntk"] = _lambda_ntk(X, depth, certify, max_kernel_n, ntk_normalization,
                                            nonpar, fast=fast, progress=progress)
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


def _kernel_memory(n: int, d: int, max_n: int | None, what: str) -> tuple[str | None, str]:
    """(None, what the kernel needs) when the n×n kernel may be formed, else (the one-line
    reason, ""): the memory budget or ``max_kernel_n``."""
    if max_n is not None and n > max_n:
        return f"not computed: n = {n} > {max_n} (n×n kernel too large)", ""
    from prooftools.numerics.spectra.certified import workspace_bytes

    try:  # one n×n matrix, the unit rows, the row-block buffers, the certificate's O(n) columns
        need = require_memory(n, what, extra=24 * n * d + workspace_bytes(n) + (64 << 20))
    except MemoryBudgetError as e:
        return f"not computed: {e}", ""
    return None, (f"memory: one n×n matrix formed and factorised in place "
                  f"({need / 1e9:.2f} GB needed)")


def _parallel_pair(nonpar: Quantity | None) -> tuple[int, int] | None:
    if nonpar is None or nonpar.lower is None or nonpar.lower > 0 or not nonpar.witness:
        return None
    i, j = (int(t.split("=")[1]) for t in nonpar.witness.split(", "))
    return i, j


def _lambda0(X, y, certify: bool, max_n: int | None, nonpar: Quantity | None, *, fast=False,
             progress=None, complexity=False) -> tuple[Quantity, Quantity | None]:
    n, d = X.shape
    why, mem = _kernel_memory(n, d, max_n, "λ0 (the n×n kernel H^∞)")
    if why:
        return Quantity(math.nan, note=why), (Quantity(math.nan, note=why) if complexity else None)
    U, why = _unit_rows(X)
    if U is None:
        return Quantity(math.nan, note=why), (Quantity(math.nan, note=why) if complexity else None)
    base = "λ_min(H^∞), Du et al. normalization (H^∞_ii = 1/2), on the unit-normalized inputs"
    H, err = relu_gram_h_inf(U, return_error=True, progress=progress)
    if not certify:
        w = lambda_min(H, method="evd")
        return Quantity(w, note=base + "; not certified"), None
    kw = {"error_bound": err, "in_place": True, "restore": False, "fast": fast,
          "progress": progress}  # H is dropped below: no need to restore it
    if complexity:
        q, quad = certified_lambda_min_and_quadratic(H, y, **kw)
        quad = Quantity(quad.value, lower=quad.lower, upper=quad.upper,
                        note="yᵀ(H^∞)⁻¹y on the unit-normalized inputs; " + (quad.note or ""))
    else:
        q, quad = certified_lambda_min(H, **kw), None
    del H
    witness = None if q.proven_positive else q.witness
    value, upper, note = q.value, q.upper, f"{base}; {q.note}; {mem}"
    pair = None if q.proven_positive else _parallel_pair(nonpar)
    if pair is not None:
        i, j = pair
        witness = f"i={i}, j={j} (parallel inputs)"
        if exactly_parallel(X[i], X[j]) > 0:  # same direction: equal unit rows, H^∞ singular
            value, upper = 0.0, 0.0
            note += (f"; x_{j} is a positive multiple of x_{i} exactly, so after unit "
                     f"normalization H^∞ has two equal rows: λ0 = 0 exactly (floating estimate "
                     f"{q.value:.3g})")
    return Quantity(float(value), lower=float(q.lower), upper=float(upper), witness=witness,
                    note=note), quad


def _lambda0_dask(X, scheduler: str, fast: bool) -> Quantity:
    from prooftools.dask_connect import connect_client
    from prooftools.numerics.spectra.distributed import certified_lambda0_dask

    _, why = _unit_rows(X)
    if why:
        return Quantity(math.nan, note=why)
    with connect_client(scheduler) as client:  # the whole handshake bounded
        return certified_lambda0_dask(X, client, fast=fast)


def _lambda_ntk(X, depth: int, certify: bool, max_n: int | None, normalization: str,
                nonpar: Quantity | None, *, fast=False, progress=None) -> Quantity:
    n, d = X.shape
    why, mem = _kernel_memory(n, d, max_n, f"lambda_ntk (the n×n depth-{depth} NTK)")
    if why:
        return Quantity(math.nan, note=why)
    base = (f"λ_min of the infinite-width NTK, {depth} hidden ReLU layers, {normalization!r} "
            "normalization (all layers trained, no bias), on the inputs as given")
    proven = fused.AVAILABLE  # the compiled path's rounding is proven; libm's is not
    K = ntk_relu(X, depth, normalization=normalization, progress=progress,
                 compiled=True if proven else None)
    if not certify:
        return Quantity(lambda_min(K, method="evd"), note=base + "; not certified")
    c = NORMALIZATIONS[str(normalization).lower()]
    w2 = np.einsum("ij,ij->i", X, X) / d
    err = ntk_entry_error(d, depth) * (0.5 * c) ** depth * float(np.sum(w2)) * (1 + 1e-12)
    q = certified_lambda_min(K, error_bound=err if proven else 0.0, in_place=True,
                             restore=False, fast=fast, progress=progress)  # K is dropped
    del K
    if proven:
        note = (f"{base}; {q.note}; entries' rounding proven ≤ {err:.3g} in 2-norm "
                f"(prooftools.numerics.kernels.errors); {mem}")
        lower, upper = q.lower, q.upper
    else:
        note = (f"{base}; numba missing: the kernel's rounding is not bounded, so no proven "
                f"lower bound (the computed matrix's certificate is λ ≥ {q.lower:.6g})")
        lower = upper = None
    value, witness = q.value, (None if q.proven_positive else q.witness)
    pair = None if q.proven_positive else _parallel_pair(nonpar)
    zero = np.flatnonzero(w2 == 0)
    if zero.size and not q.proven_positive:
        value, upper, witness = 0.0, (0.0 if upper is not None else None), f"i={int(zero[0])}"
        note += f"; input {int(zero[0])} is zero: its kernel row is 0, λ_ntk = 0 exactly"
    elif pair is not None:
        i, j = pair
        witness = f"i={i}, j={j} (parallel inputs)"
        if exactly_parallel(X[i], X[j]) > 0:  # bias-free NTK is 1-homogeneous in each input
            value = 0.0
            upper = 0.0 if upper is not None else None
            note += (f"; x_{j} is a positive multiple of x_{i} exactly and the bias-free NTK is "
                     f"positively homogeneous, so rows {i} and {j} are proportional: "
                     f"λ_ntk = 0 exactly (floating estimate {q.value:.3g})")
    return Quantity(float(value), lower=lower, upper=upper, witness=witness, note=note)
