"""Certified separations: min pairwise distance, min opposite-label distance, non-parallelism.

Distances are scanned in blocks with one BLAS product per block on rows augmented by their
halved squared norms, H_ij = [x_i, −h_i, 1]·[x_j, 1, −h_j] = −D²_ij/2 (h = ‖x‖²/2), so that the
two additions happen inside the product and a block costs one GEMM plus one read (row maxima).

Precision. By default (``precision="auto"``) the scan runs in float32 (SGEMM, ~2× DGEMM) on the
data scaled by a power of two s (‖s·x‖ < 1, no overflow). Rigorous error, with u = 2⁻²⁴, M ≥
max‖s x_i‖², ρ = √M and η = 2⁻¹²⁶ per operation for underflow or flush-to-zero:

* rounding the data, x̃ = fl32(s x), |x̃_k − s x_k| ≤ u|s x_k| + η, moves each difference by at
  most r = 2(uρ + √d η), hence the squared distance by E_a = r(4ρ + r);
* h̃_i = fl32(fl64(‖x̃_i‖²)/2) has error ≤ ε_h h_i + η with ε_h = u + 2γ⁽⁶⁴⁾_d; the length-(d+2)
  float32 product obeys Higham 2002 (3.5) in any summation order, |Ĥ − H| ≤
  γ⁽³²⁾_{d+2}(|x̃_i|ᵀ|x̃_j| + h̃_i + h̃_j) + (d+2)η(1+γ), so the computed −2Ĥ misses
  ‖x̃_i − x̃_j‖² by E_b ≤ 2[γ⁽³²⁾_{d+2}(M̃ + 2h_max) + (d+2)η(1+γ) + ε_h M̃ + 2η],
  M̃ = (ρ + uρ + √d η)² ≥ max‖x̃‖².

So |D̂²_ij − s²D²_ij| ≤ E = E_a + E_b (≈ 4γ⁽³²⁾_{d+2} M). The float64 scan (``precision=
"float64"``, or the fallback) uses the same bound with u = 2⁻⁵³, no data rounding (E_a = 0), and
ε_h = γ_d. Every pair whose computed D̂² is within 2E of the running minimum is kept and then
RE-CHECKED in float64 by direct differences, fl(Σ(a_k − b_k)²) = D²(1 + θ), |θ| ≤ γ_{d+2}. The true
minimum is always kept (its D̂² ≤ D²_min + E ≤ D̂²_any + 2E); a pair not rechecked has true
D² > (computed minimum + E)/s², so the certified lower bound is min(rechecked D²/(1 + γ_{d+2}),
(minimum + E)/s²), rounded and square-rooted downwards. When the float32 margin would keep more
than a budget of candidates (near-duplicate or large-offset data), the float32 scan is abandoned
and the float64 scan is run instead, so value and witness are those of the float64 method.

Memory: besides the data, one block×block buffer plus a boolean mask and two augmented
block×(d+2) row blocks: about 5·block² bytes in float32 (9·block² in float64), independent of n.
"""

from __future__ import annotations

import math

import numpy as np

from prooftools.errors import UserInputError
from prooftools.numerics.quantity import Quantity
from prooftools.numerics.rounding import UNIT_ROUNDOFF, UNIT_ROUNDOFF_32, gamma
from prooftools.progress import bar as new_bar

__all__ = ["exactly_parallel", "min_cross_distance", "min_pairwise_distance", "non_parallelism"]

_U = UNIT_ROUNDOFF
_CAP = 200_000  # most candidate pairs kept for rechecking
_PRECISIONS = ("auto", "float32", "float64")
# per dtype: unit roundoff, absolute error per operation from underflow (or flush-to-zero)
_ARITH = {np.float32: (UNIT_ROUNDOFF_32, 2.0**-126), np.float64: (_U, 2.0**-1022)}


def _check(X, what: str) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] == 0:
        raise UserInputError(f"{what}: expected an n×d array with d ≥ 1, got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise UserInputError(f"{what}: input contains NaN or inf; expected finite numbers")
    return X


def _check_precision(precision: str) -> str:
    if precision not in _PRECISIONS:
        raise UserInputError(f"precision must be one of {_PRECISIONS}, got {precision!r}")
    return precision


def _blocks(n: int, b: int):
    return [(i, min(n, i + b)) for i in range(0, n, b)]


def _progress(total: int, progress: bool | None, desc: str):
    return new_bar(total, progress, desc, unit="block")


class _TooMany(Exception):
    """The float32 margin keeps more candidates than the budget: use the float64 scan."""


class _Candidates:
    """Pairs (i, j) with computed value ≤ best + margin, pruned as the best improves.

    ``limit``: most pairs kept; beyond it the largest are dropped (``dropped_above`` records the
    smallest dropped value) or, with ``strict``, ``_TooMany`` is raised.
    """

    def __init__(self, margin: float, limit: int = _CAP, strict: bool = False):
        self.margin = margin
        self.limit = limit
        self.strict = strict
        self.best = math.inf
        self.i: list[np.ndarray] = []
        self.j: list[np.ndarray] = []
        self.v: list[np.ndarray] = []
        self.count = 0
        self.dropped_above = math.inf  # smallest computed value among dropped candidates
        self.precision = "float64"  # of the scan that produced the values

    def _threshold(self) -> float:
        return float(np.nextafter(self.best + self.margin, np.inf))  # rounded upwards

    def _append(self, i, j, v) -> None:
        self.i.append(i)
        self.j.append(j)
        self.v.append(v)
        self.count += v.size
        if self.count > 2 * self.limit:
            self._prune()

    def add(self, D: np.ndarray, i0: int, j0: int) -> None:
        m = float(D.min())
        if m < self.best:
            self.best = m
        r, c = np.nonzero(D <= self._threshold())
        if r.size:
            self._append(r + i0, c + j0, D[r, c])

    def add_neg_half(self, H: np.ndarray, i0: int, j0: int) -> None:
        """Block of computed −D/2 (any float dtype): one pass for the row maxima, then only the
        rows that can hold a candidate are searched."""
        rm = H.max(axis=1)
        m = -2.0 * float(rm.max())
        if m < self.best:
            self.best = m
        t = -0.5 * self._threshold()  # candidates: H ≥ t
        td = H.dtype.type(t)
        if td > t:  # round the threshold down in H's precision (keep more, never fewer)
            td = np.nextafter(td, H.dtype.type(-np.inf))
        rows = np.flatnonzero(rm >= td)
        if rows.size:
            sub = H[rows]
            r, c = np.nonzero(sub >= td)
            self._append(rows[r] + i0, c + j0, -2.0 * sub[r, c].astype(np.float64))

    def _prune(self) -> None:
        i, j, v = (np.concatenate(x) for x in (self.i, self.j, self.v))
        keep = v <= self._threshold()
        i, j, v = i[keep], j[keep], v[keep]
        if v.size > self.limit:
            if self.strict:
                raise _TooMany
            order = np.argpartition(v, self.limit)
            self.dropped_above = min(self.dropped_above, float(v[order[self.limit:]].min()))
            order = order[: self.limit]
            i, j, v = i[order], j[order], v[order]
        self.i, self.j, self.v, self.count = [i], [j], [v], v.size

    def result(self):
        if not self.v:
            return np.empty(0, int), np.empty(0, int), np.empty(0)
        self._prune()
        return self.i[0], self.j[0], self.v[0]


def _scan_error(d: int, M: float, dtype) -> float:
    """Bound E on |computed D² − s²D²| for the augmented scan (module docstring), M ≥ max‖s x‖²."""
    u, eta = _ARITH[dtype]
    rho = math.sqrt(M) * (1.0 + 4 * _U)
    if dtype is np.float32:
        eps_h = u + 2.0 * gamma(d)
        r1 = u * rho + math.sqrt(d) * eta
        e_a = 2.0 * r1 * (4.0 * rho + 2.0 * r1)
    else:  # the data are used as they are; norms computed in float64 (γ_d, underflow ≤ dη)
        eps_h, r1, e_a = gamma(d), 0.0, 0.0
    Mt = (rho + r1) ** 2
    g = gamma(d + 2, u)
    eta_h = (d + 2) * eta
    h_max = 0.5 * Mt * (1.0 + eps_h) + eta_h
    e_b = 2.0 * (g * (Mt + 2.0 * h_max) + (d + 2) * eta * (1.0 + g) + eps_h * Mt + 2.0 * eta_h)
    return (e_a + e_b) * (1.0 + 1e-10)


def _half_norms(X: np.ndarray, s: float, dtype) -> np.ndarray:
    """h_i = fl(‖x̃_i‖²)/2 rounded to ``dtype``, x̃ = fl_dtype(s·x) (exact products in float64)."""
    h = np.empty(X.shape[0], dtype=dtype)
    for i0, i1 in _blocks(X.shape[0], 4096):
        Y = (X[i0:i1] * s).astype(dtype).astype(np.float64) if dtype is np.float32 else X[i0:i1]
        h[i0:i1] = 0.5 * np.einsum("ij,ij->i", Y, Y)
    return h


def _augment(X, i0, i1, s, h, dtype, left: bool) -> np.ndarray:
    d = X.shape[1]
    Z = np.empty((i1 - i0, d + 2), dtype=dtype)
    np.multiply(X[i0:i1], s, out=Z[:, :d], casting="same_kind")
    Z[:, d + (0 if left else 1)] = -h[i0:i1]
    Z[:, d + (1 if left else 0)] = 1.0
    return Z


def _scan_sq_dist(A, B, block: int, progress, desc: str, precision: str = "auto"):
    """Blocked scan of computed squared distances; B None means pairs i < j within A.

    Returns the candidates and the error bound E, both in the units of the data (D²)."""
    same = B is None
    B = A if same else B
    d = A.shape[1]
    sq_max = max(float(np.einsum("ij,ij->i", Z, Z).max()) for Z in ((A,) if same else (A, B)))
    M = sq_max * (1.0 + 2.0 * gamma(d)) + d * 2.0**-1074  # ≥ max‖x‖² despite rounding/underflow
    na, nb = A.shape[0], B.shape[0]
    npairs = na * (na - 1) // 2 if same else na * nb
    use32 = (
        precision != "float64"
        and 2.0**-400 <= M <= 2.0**400  # scaled values and E stay exact under ldexp
        and (d + 2) * UNIT_ROUNDOFF_32 <= 1e-3  # a float32 margin that is useful at all
    )
    if use32:
        k = -math.frexp(math.sqrt(M))[1]  # s = 2^k puts max‖s x‖ in [1/2, 1)
        try:
            return _scan(A, B, same, k, np.float32, M, block, progress, desc,
                         limit=min(_CAP, max(4096, npairs // 256)), strict=True)
        except _TooMany:
            pass
    return _scan(A, B, same, 0, np.float64, M, block, progress, desc, limit=_CAP, strict=False)


def _scan(A, B, same, k, dtype, M, block, progress, desc, *, limit, strict):
    d = A.shape[1]
    s = math.ldexp(1.0, k)
    E = _scan_error(d, math.ldexp(M, 2 * k), dtype)
    hA = _half_norms(A, s, dtype)
    hB = hA if same else _half_norms(B, s, dtype)
    cands = _Candidates(2.0 * E, limit=limit, strict=strict)
    rb, cb = _blocks(A.shape[0], block), _blocks(B.shape[0], block)
    pairs = [(r, c) for r in rb for c in cb if not same or c[0] >= r[0]]
    buf = np.empty((min(block, A.shape[0]), min(block, B.shape[0])), dtype=dtype)
    tri = np.tri(buf.shape[0], dtype=bool) if same else None  # diagonal & below
    left = None
    with _progress(len(pairs), progress, desc) as bar:
        for (i0, i1), (j0, j1) in pairs:
            if left is None or left[0] != i0:
                left = (i0, _augment(A, i0, i1, s, hA, dtype, True))
            right = _augment(B, j0, j1, s, hB, dtype, False)
            H = buf[: i1 - i0, : j1 - j0]
            np.matmul(left[1], right.T, out=H)  # −D²/2, scaled by s²
            if same and i0 == j0:
                np.copyto(H, -np.inf, where=tri[: i1 - i0, : i1 - i0])
            cands.add_neg_half(H, i0, j0)
            bar.update(1)
    # back to the units of the data: multiplying by 2^(−2k) is exact in the range allowed
    cands.best = math.ldexp(cands.best, -2 * k)
    cands.dropped_above = math.ldexp(cands.dropped_above, -2 * k)
    cands.margin = math.ldexp(cands.margin, -2 * k)
    cands.v = [v * math.ldexp(1.0, -2 * k) for v in cands.v]
    cands.precision = np.dtype(dtype).name
    return cands, math.ldexp(E, -2 * k)


def _recheck(A, B, i, j, chunk: int = 4096):
    out = np.empty(i.size)
    for c0 in range(0, i.size, chunk):
        diff = A[i[c0 : c0 + chunk]] - B[j[c0 : c0 + chunk]]
        out[c0 : c0 + chunk] = np.einsum("ij,ij->i", diff, diff)
    return out


def _down(x: float) -> float:
    """A number ≤ x (covers one rounding to nearest of x)."""
    return x - abs(x) * 4 * _U if math.isfinite(x) else x


def _finish(A, B, cands: _Candidates, e: float, label: str, imap=None, jmap=None) -> Quantity:
    d = A.shape[1]
    i, j, _ = cands.result()
    if i.size == 0:
        return Quantity(math.inf, lower=math.inf, note=f"{label}: no pairs")
    exact = _recheck(A, B, i, j)
    k = int(np.argmin(exact))
    g = gamma(d + 2)
    lower_sq = min(_down(float(exact[k]) / (1.0 + g)), _down(cands.best + e),
                   _down(cands.dropped_above - e))
    lower_sq = max(lower_sq, 0.0)
    lower = float(np.nextafter(math.sqrt(lower_sq), -np.inf)) if lower_sq > 0 else 0.0
    value = math.sqrt(float(exact[k]))
    upper = float(np.nextafter(math.sqrt(float(exact[k]) / (1.0 - g)), np.inf))
    if exact[k] == 0.0:  # identical rows: the distance is exactly 0
        upper = 0.0
    ii = int(i[k]) if imap is None else int(imap[i[k]])
    jj = int(j[k]) if jmap is None else int(jmap[j[k]])
    ii, jj = min(ii, jj), max(ii, jj)
    note = (
        f"{label}: blocked {cands.precision} Gram scan, {i.size} "
        f"near-minimal pair(s) rechecked by direct differences in float64; rounding bound "
        f"{e:.2g} on squared distances"
    )
    return Quantity(value, lower=lower, upper=upper, witness=f"i={ii}, j={jj}", note=note)


def min_pairwise_distance(
    X, *, block: int = 2048, progress: bool | None = False, precision: str = "auto"
) -> Quantity:
    """min_{i<j} ‖x_i − x_j‖₂ with a rigorous lower bound and the minimising pair as witness.

    Extra memory ≈ 5·block² bytes (see module docstring); time one n×n×d product (half of it),
    in float32 unless ``precision="float64"`` (or the float32 margin keeps too many candidates).

    >>> q = min_pairwise_distance(np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]]))
    >>> q.value, q.witness
    (1.0, 'i=0, j=2')
    """
    X = _check(X, "min_pairwise_distance")
    _check_precision(precision)
    if X.shape[0] < 2:
        raise UserInputError("min_pairwise_distance: need at least 2 points")
    cands, e = _scan_sq_dist(X, None, block, progress, "pairwise distances", precision)
    return _finish(X, X, cands, e, "all-pairs separation")


def min_cross_distance(
    A, B, *, block: int = 2048, progress: bool | None = False, index_a=None, index_b=None,
    precision: str = "auto",
) -> Quantity:
    """min_{i,j} ‖a_i − b_j‖₂ between two point sets (e.g. the two label classes, Zou et al.'s φ).

    ``index_a``/``index_b`` map rows back to sample numbers for the witness; ``precision`` as in
    :func:`min_pairwise_distance`.

    >>> q = min_cross_distance(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0], [1.0, 0.0]]))
    >>> q.value, q.witness
    (1.0, 'i=0, j=1')
    """
    A, B = _check(A, "min_cross_distance"), _check(B, "min_cross_distance")
    _check_precision(precision)
    if A.shape[1] != B.shape[1]:
        raise UserInputError(
            f"min_cross_distance: dimensions differ ({A.shape[1]} vs {B.shape[1]})"
        )
    if A.shape[0] == 0 or B.shape[0] == 0:
        raise UserInputError("min_cross_distance: both point sets must be non-empty")
    cands, e = _scan_sq_dist(A, B, block, progress, "cross distances", precision)
    return _finish(A, B, cands, e, "opposite-label separation", index_a, index_b)


def exactly_parallel(a: np.ndarray, b: np.ndarray) -> float:
    """c ≠ 0 with b = c·a proven exactly (c a power of two up to sign, so c·a is exact), else 0.

    >>> exactly_parallel(np.array([1.0, 3.0]), np.array([-2.0, -6.0]))
    -2.0
    """
    k = int(np.argmax(np.abs(a)))
    if a[k] == 0.0:
        return 0.0
    c = float(b[k] / a[k])
    if c == 0.0 or not math.isfinite(c) or math.frexp(abs(c))[0] != 0.5:
        return 0.0
    return c if np.array_equal(b, c * a) else 0.0


def non_parallelism(X, *, block: int = 2048, progress: bool | None = False) -> Quantity:
    """1 − max_{i≠j} |cos∠(x_i, x_j)| with a lower bound; 0 exactly when two inputs are parallel.

    Candidates from a blocked scan of |x̂_iᵀx̂_j| (error ≤ e_c = 2γ_{d+4}) are rechecked as
    min(‖x̂_i − x̂_j‖², ‖x̂_i + x̂_j‖²)/2, which has no cancellation; its error from normalising is
    ≤ 6γ_{d+4} + γ_{d+2}·value (first-order bound). A zero input counts as parallel to every other.

    >>> q = non_parallelism(np.array([[1.0, 0.0], [0.0, 1.0], [-2.0, 0.0]]))
    >>> q.value, q.witness, q.lower <= 0.0
    (0.0, 'i=0, j=2', True)
    """
    X = _check(X, "non_parallelism")
    n, d = X.shape
    if n < 2:
        raise UserInputError("non_parallelism: need at least 2 points")
    nrm = np.sqrt(np.einsum("ij,ij->i", X, X))
    zero = np.flatnonzero(nrm == 0)
    if zero.size:
        i = int(zero[0])
        j = 1 if i == 0 else 0
        return Quantity(0.0, lower=0.0, upper=0.0, witness=f"i={min(i, j)}, j={max(i, j)}",
                        note=f"input {i} is the zero vector (parallel to every input)")
    U = X / nrm[:, None]
    e_c = 2.0 * gamma(d + 4)
    # scan −|cos| so that the candidate logic (minimum) is shared
    cands = _Candidates(2.0 * e_c)
    rb = _blocks(n, block)
    pairs = [(r, c) for r in rb for c in rb if c[0] >= r[0]]
    buf = np.empty((min(block, n), min(block, n)))
    with _progress(len(pairs), progress, "non-parallelism") as bar:
        for (i0, i1), (j0, j1) in pairs:
            C = buf[: i1 - i0, : j1 - j0]
            np.matmul(U[i0:i1], U[j0:j1].T, out=C)
            np.abs(C, out=C)
            np.negative(C, out=C)
            if i0 == j0:
                C[np.tril_indices(i1 - i0)] = np.inf
            cands.add(C, i0, j0)
            bar.update(1)
    i, j, _ = cands.result()
    dm = np.einsum("ij,ij->i", U[i] - U[j], U[i] - U[j])
    dp = np.einsum("ij,ij->i", U[i] + U[j], U[i] + U[j])
    vals = 0.5 * np.minimum(dm, dp)
    k = int(np.argmin(vals))
    value = float(vals[k])
    err = 6.0 * gamma(d + 4) + gamma(d + 2) * value
    not_checked = 1.0 + cands.best - e_c  # lower bound for pairs not rechecked
    lower = min(value - err, not_checked, 1.0 + cands.dropped_above - e_c)
    upper = min(1.0, value + err)
    note = (
        f"non-parallelism: blocked cosine scan, {i.size} candidate pair(s) rechecked by "
        "differences of normalised inputs"
    )
    c = exactly_parallel(X[int(i[k])], X[int(j[k])])
    if c:
        value, lower, upper = 0.0, 0.0, 0.0
        note += f"; x_{int(j[k])} = {c:g}·x_{int(i[k])} exactly, so the value is exactly 0"
    return Quantity(float(value), lower=float(lower), upper=float(upper),
                    witness=f"i={int(i[k])}, j={int(j[k])}", note=note)
