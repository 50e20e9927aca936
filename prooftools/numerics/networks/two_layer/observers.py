"""Observables of Du et al. (2019) recorded along a run (names from theorems/vocabulary.toml).

:data:`OBSERVABLES` declares them. Cheap observables (every ``stride`` steps): resid_sq, loss,
dist_max, dist_out_max, dist_total, flip_frac, grad_norm_sq, pl_ratio. Expensive ones (every
``expensive_stride`` steps, NaN elsewhere): ntk_min = λ_min(H(k)), ntk_first_min = λ_min of its
first-layer block and ntk_dev = ‖H(k) − H(0)‖₂.

How the expensive ones stay cheap (first-layer training):
- Incremental Gram. C(k) = P_k P_kᵀ (integer counts) is updated from the last expensive
  observation's C(ref): with ΔP = P_k − P_ref (entries ±1, sparse: few patterns flip),
  C(k) = C(ref) + A + Aᵀ + ΔP ΔPᵀ, A = ΔP P_refᵀ, by scipy.sparse in O(nnz·n). Every term is an
  integer count < 2²⁴ computed in float32, hence exact, so H(k) = C(k) ∘ (X Xᵀ/m) has the same bits
  as the dense formula. Cost model (measured at n = 1000, m = 8192 on 2 cores): the CSR-by-dense
  product runs at ~1/80 of the float32 GEMM's rate and ΔPΔPᵀ adds ~25%, so the update wins while
  nnz(ΔP) < n·m/:data:`SPARSE_GRAM_COST` (density < 1/128); above it C(k) is the dense product.
  P_refᵀ (m×n float32) is kept current by scattering the flips, never by a transposing copy.
- λ_min (:func:`lambda_min_warm`): shift-and-invert iteration warm-started from the previous
  eigenvector, with a Cholesky factor of H − σI; a second Cholesky at θ − τ certifies the result
  (Sylvester inertia; rounding β from :func:`prooftools.numerics.spectra.cholesky_error_bound`):
  λ_min ∈ [θ − τ − β, θ], τ = max(1e-9·|θ|, 4β). Any failed certificate falls back to LAPACK evr.
  The warm start is tried only while the old eigenvector's residual is below a quarter of the
  last λ2 − λ1; λ_min sits in a cluster (gap ~1e-3 at the benchmark size), so in practice it
  succeeds once H barely moves between observations and evr (~35 ms at n = 1000) does the rest.
  (Plain Lanczos on H is slower than evr: gap/spread ~ 2e-4, ARPACK needed ~570 matrix-vector
  products even warm-started, 113 ms.) The eigen-solves run with one BLAS thread (see
  :func:`_one_blas_thread`).
- ntk_dev: Lanczos (ARPACK, largest magnitude) on (C(k) − C(0)) ∘ (X Xᵀ/m), warm-started; the
  Ritz value is accepted only if its residual is ≤ 1e-8·|θ| (then an eigenvalue lies within it,
  and |θ| ≤ ‖·‖₂ always); otherwise the dense :func:`sym_norm2`.

For first-layer training H(k) = (1/m)(X Xᵀ) ∘ (P Pᵀ); when the output layer is trained too the
recorded NTK is the full one, (1/m)(X Xᵀ) ∘ (P diag(a²) Pᵀ) + (1/m) relu(XWᵀ) relu(XWᵀ)ᵀ
(Du Thm 3.3's H(t) + G(t)), and ntk_first_min is λ_min of the first-layer block (1/m)(X Xᵀ) ∘
(P diag(a(k)²) Pᵀ) alone (Lemma A.6's H(t), one more dense eigen-solve per expensive step);
dist_out_max = max_r |a_r(k) − a_r(0)| (Lemma A.6's output movement). With first-layer training
ntk_first_min is ntk_min and dist_out_max is 0. ntk_init_dev always compares the first-layer H(0)
(a_r = ±1) with H^∞.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg

from prooftools.numerics.gram import gram
from prooftools.numerics.kernels.infinite import relu_gram_h_inf
from prooftools.numerics.networks.two_layer.network import StepWorkspace, first_layer_gram
from prooftools.numerics.observables import Observable, observe_declared
from prooftools.numerics.spectra import (
    lambda_min,
    lambda_min_warm,
    one_blas_thread,
    sym_norm2,
    sym_norm2_warm,
)
from prooftools.numerics.training import LoopState

__all__ = [
    "OBSERVABLES",
    "DuObserver",
    "DuState",
    "default_sperp_radii",
    "gram_counts_update",
    "pattern_delta",
    "sperp_sum",
]

#: Every observable of Du et al.'s runs, declared once (cost, summary direction, shape); the
#: engine, the schedule of :meth:`DuObserver.observe` and the sweep's summaries read it.
OBSERVABLES = (
    *(Observable(name) for name in ("resid_sq", "loss", "dist_max", "dist_out_max", "dist_total",
                                    "flip_frac", "grad_norm_sq")),
    Observable("pl_ratio", summary="min"),
    Observable("ntk_min", cost="expensive", summary="min"),
    Observable("ntk_first_min", cost="expensive", summary="min"),
    Observable("ntk_dev", cost="expensive"),
    Observable("loss_ratio"),  # resid_sq(k+1)/resid_sq(k), formed by the training run
    Observable("ntk_init_dev", shape="scalar"),
    Observable("sperp_sum", shape="function"),
)
SPARSE_GRAM_COST = 128
"""Sparse update of P Pᵀ when nnz(ΔP)·SPARSE_GRAM_COST < n·m (see the module docstring)."""


def pattern_delta(P_new: np.ndarray, P_ref: np.ndarray) -> scipy.sparse.csr_array:
    """ΔP = P_new − P_ref (0/1 patterns, n×m) as a float32 CSR array with entries ±1.

    >>> pattern_delta(np.array([[1, 0], [1, 1]], bool), np.array([[0, 0], [1, 0]], bool)).toarray()
    array([[1., 0.],
           [0., 1.]], dtype=float32)
    """
    n, m = P_new.shape
    idx = np.flatnonzero(np.not_equal(P_new, P_ref))
    return _csr_from_flips(P_new, idx, n, m)


def _csr_from_flips(P_new, idx, n, m):
    rows = idx // m
    cols = idx - rows * m
    vals = np.where(P_new.reshape(-1)[idx], np.float32(1.0), np.float32(-1.0))
    indptr = np.searchsorted(rows, np.arange(n + 1))
    return scipy.sparse.csr_array((vals, cols, indptr), shape=(n, m))


def gram_counts_update(
    C_ref: np.ndarray, P_refT: np.ndarray, dP: scipy.sparse.csr_array
) -> np.ndarray:
    """P Pᵀ for P = P_ref + ΔP from C_ref = P_ref P_refᵀ: C_ref + A + Aᵀ + ΔPΔPᵀ, A = ΔP P_refᵀ.

    ``P_refT`` is P_refᵀ as an m×n float32 array; ``dP`` comes from :func:`pattern_delta`. Cost
    O(nnz(ΔP)·n); every term is an integer count below 2²⁴, so the result is exact.

    >>> rng = np.random.default_rng(0); P0 = rng.random((5, 9)) < 0.5; P1 = P0.copy()
    >>> P1[2, 3] = not P1[2, 3]; P1[4, 0] = not P1[4, 0]
    >>> C0 = P0.astype(float) @ P0.T; PT = P0.T.astype(np.float32)
    >>> C1 = gram_counts_update(C0, PT, pattern_delta(P1, P0))
    >>> bool(np.array_equal(C1, P1.astype(float) @ P1.T))
    True
    """
    A = dP @ P_refT  # float32, exact: integer counts below 2²⁴
    C = C_ref + A
    C += A.T
    DD = scipy.sparse.coo_array(dP @ dP.T)
    DD.sum_duplicates()  # fancy-index += needs each (i, j) once
    C[DD.row, DD.col] += DD.data
    return C


def default_sperp_radii() -> np.ndarray:
    """Log grid of radii 1e-8 … 1 (8 per decade) at which sperp_sum is sampled by default."""
    return np.logspace(-8.0, 0.0, 65)


def sperp_sum(W0: np.ndarray, X: np.ndarray, R: float | np.ndarray) -> np.ndarray:
    """#{(i, r): |w_r(0)ᵀx_i| < R} for each radius R (Du et al.'s Σ_i |S_i^⊥|, Lemma 4.1).

    >>> W0 = np.array([[0.1], [-0.5], [2.0]]); X = np.array([[1.0]])
    >>> sperp_sum(W0, X, np.array([0.05, 0.2, 1.0, 3.0])).tolist()
    [0, 1, 2, 3]
    """
    Rs = np.atleast_1d(np.asarray(R, dtype=float))
    absz = np.abs(X @ W0.T).ravel()
    rmax = float(np.max(Rs)) if Rs.size else 0.0
    small = np.sort(absz[absz < rmax])
    return np.searchsorted(small, Rs, side="left").astype(np.int64)


@dataclass(kw_only=True, slots=True)
class DuState(LoopState):
    """The state the loop (or the flow solver) hands to :class:`DuObserver` at a recorded step:
    the workspace ``ws`` of the full-batch pass at W(k) and the weights ``W`` and ``a``."""

    ws: StepWorkspace
    W: np.ndarray
    a: np.ndarray


class DuObserver:
    """Du et al.'s observables at a recorded step (the loop's observer; :meth:`observe`).

    Its observables are :data:`OBSERVABLES` and the methods marked with
    :func:`~prooftools.numerics.observables.observable` (``(self, state: DuState) -> float``).

    The training loop hands over a :class:`StepWorkspace` on which a *full-batch* pass at the
    current parameters has just run (so ``ws.e``, ``ws.D``, ``ws.G``, ``ws.ga`` describe W(k)).
    """

    OBSERVABLES = OBSERVABLES

    def __init__(
        self,
        X: np.ndarray,
        W0: np.ndarray,
        a0: np.ndarray,
        *,
        train_output: bool = False,
        sperp_radii: np.ndarray | None = None,
        eig_dense_below: int = 200,
    ) -> None:
        self.X = X
        self.n, self.m = X.shape[0], W0.shape[0]
        self.W0 = W0.copy()
        self.a0 = a0.copy()
        self.train_output = bool(train_output)
        self.eig_dense_below = int(eig_dense_below)
        self.XXt = gram(X)
        self.P0 = (X @ W0.T) >= 0.0
        self._flip = np.empty_like(self.P0)
        self._dW = np.empty_like(self.W0)
        self._Pf: np.ndarray | None = None
        self._XXt_m = self.XXt / self.m
        self._incremental = not self.train_output and self.m < 2**24
        self._v_min: np.ndarray | None = None
        self._Hbuf: np.ndarray | None = None
        self._dHbuf: np.ndarray | None = None
        self._gap = math.inf
        self.eig_methods: dict[str, int] = {"warm": 0, "evr": 0, "dense": 0}
        self._v_dev: np.ndarray | None = None
        self.gram_updates = {"sparse": 0, "dense": 0, "unchanged": 0}
        if self._incremental:
            self.C0 = self._dense_counts(self.P0)
            self._Cref = self.C0
            self._Pref = self.P0.copy()
            # P_refᵀ (m×n float32) for the sparse update: one transposing copy (~35 ms at the
            # benchmark size) at set-up, then kept current by scattering flips
            self._PrefT = np.ascontiguousarray(self.P0.T).astype(np.float32)
            self._fl = np.empty_like(self.P0)
            self.H0 = self.C0 * self._XXt_m
        else:
            self.H0 = self._ntk(self.P0, W0, a0)
        H0_first = self.H0 if not self.train_output else first_layer_gram(X, self.P0, XXt=self.XXt)
        self.scalars: dict = {
            "ntk_init_dev": sym_norm2(H0_first - relu_gram_h_inf(X)),
        }
        radii = default_sperp_radii() if sperp_radii is None else np.asarray(sperp_radii, float)
        self.scalars["sperp_R"] = np.unique(radii)
        self.scalars["sperp_sum"] = sperp_sum(W0, X, self.scalars["sperp_R"]).astype(float)

    def _dense_counts(self, P: np.ndarray) -> np.ndarray:
        """P Pᵀ as exact integer counts (float32 GEMM on 0/1, m < 2²⁴), returned in float64."""
        if self._Pf is None:  # preallocated: fresh n×m allocations cost page faults
            self._Pf = np.empty((self.n, self.m), dtype=np.float32)
        np.copyto(self._Pf, P)
        return (self._Pf @ self._Pf.T).astype(np.float64)

    def _first_layer_counts(self, P: np.ndarray) -> np.ndarray:
        """C(k) = P_k P_kᵀ, updated from the last expensive observation (module docstring)."""
        n, m = self.n, self.m
        idx = np.flatnonzero(np.not_equal(P, self._Pref, out=self._fl))
        nnz = idx.size
        if nnz == 0:
            self.gram_updates["unchanged"] += 1
            return self._Cref
        rows = idx // m
        cols = idx - rows * m
        vals = P.reshape(-1)[idx]
        if nnz * SPARSE_GRAM_COST < n * m:
            C = gram_counts_update(self._Cref, self._PrefT, _csr_from_flips(P, idx, n, m))
            self.gram_updates["sparse"] += 1
        else:
            C = self._dense_counts(P)
            self.gram_updates["dense"] += 1
        self._Pref[rows, cols] = vals  # scatter the flips: O(nnz), no transposing copy
        self._PrefT[cols, rows] = vals
        self._Cref = C
        return C

    def _ntk(self, P: np.ndarray, W: np.ndarray, a: np.ndarray, A: np.ndarray | None = None):
        return self._ntk_blocks(P, W, a, A)[0]

    def _ntk_blocks(self, P, W, a, A=None) -> tuple[np.ndarray, np.ndarray]:
        """(full empirical NTK, its first-layer block); the same array twice for first-layer
        training, H_W + (1/m) relu(XWᵀ) relu(XWᵀ)ᵀ and H_W = (1/m)(XXᵀ)∘(P diag(a²) Pᵀ) else."""
        if not self.train_output:
            H = first_layer_gram(self.X, P, XXt=self.XXt)
            return H, H
        Hw = first_layer_gram(self.X, P, a, XXt=self.XXt)
        if A is None:
            A = np.maximum(self.X @ W.T, 0.0)
        return Hw + A @ A.T / self.m, Hw

    def ntk(self, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(H(k), H(k) − H(0)) for first-layer training from the pattern P_k (incremental).

        Both arrays are buffers that the next call overwrites (copy them to keep them).
        """
        C = self._first_layer_counts(P)
        if self._Hbuf is None:  # reused buffers: fresh n×n allocations cost page faults
            self._Hbuf, self._dHbuf = np.empty_like(C), np.empty_like(C)
        dH = np.subtract(C, self.C0, out=self._dHbuf)  # exact integer differences
        dH *= self._XXt_m
        return np.multiply(C, self._XXt_m, out=self._Hbuf), dH

    def _expensive(self, H: np.ndarray, dH: np.ndarray) -> tuple[float, float]:
        if self.n <= self.eig_dense_below:
            self.eig_methods["dense"] += 1
            return lambda_min(H), sym_norm2(dH)
        lam, self._v_min, self._gap, how = lambda_min_warm(H, self._v_min, self._gap)
        self.eig_methods[how] += 1
        dev, self._v_dev = sym_norm2_warm(dH, self._v_dev)
        return lam, dev

    def observe(self, state: DuState) -> dict[str, float]:
        """The observables at ``state`` (the loop's observer protocol): every declared one,
        the expensive ones NaN unless ``state.expensive``; they become the loop record's
        columns, in the order first returned here."""
        ws, W, a, expensive = state.ws, state.W, state.a, state.expensive
        n = self.n
        e = ws.e[:n]
        rs = float(e @ e)
        np.subtract(W, self.W0, out=self._dW)
        row_sq = np.einsum("ij,ij->i", self._dW, self._dW)
        dist_total_sq = float(row_sq.sum())
        gn = float(np.einsum("ij,ij->", ws.G, ws.G))
        out_max = 0.0
        if self.train_output:
            da = a - self.a0
            dist_total_sq += float(da @ da)
            out_max = float(np.max(np.abs(da))) if da.size else 0.0
            gn += float(ws.ga @ ws.ga)
        np.not_equal(ws.D[:n], self.P0, out=self._flip)
        got = {"resid_sq": rs, "loss": 0.5 * rs, "dist_max": math.sqrt(float(row_sq.max())),
               "dist_out_max": out_max, "dist_total": math.sqrt(dist_total_sq),
               "flip_frac": np.count_nonzero(self._flip) / (n * self.m),
               "grad_norm_sq": gn, "pl_ratio": gn / rs if rs > 0 else math.nan}
        got.update({o.name: math.nan for o in OBSERVABLES if o.cost == "expensive"})  # schedule
        if expensive:
            got.update(self._ntk_observables(ws, W, a))
        got.update(observe_declared(self, state, expensive=expensive))
        return got

    def _ntk_observables(self, ws: StepWorkspace, W: np.ndarray, a: np.ndarray) -> dict:
        """ntk_min, ntk_first_min and ntk_dev from the full-batch pass in ``ws``."""
        n = self.n
        Hw = None
        if self._incremental:
            H, dH = self.ntk(ws.D[:n])
        else:
            H, Hw = self._ntk_blocks(ws.D[:n], W, a, ws.Z[:n] if self.train_output else None)
            dH = H - self.H0
        with one_blas_thread():
            lam, dev = self._expensive(H, dH)
            lam_w = lambda_min(Hw) if self.train_output else lam
        return {"ntk_min": lam, "ntk_first_min": lam_w, "ntk_dev": dev}


def sperp_lookup(radii: np.ndarray | None, counts: np.ndarray | None):
    """``R ↦ sperp_sum(R)`` from exact samples (``None`` when nothing was sampled).

    The count #{(i, r): |w_r(0)ᵀx_i| < R} is non-decreasing in R: at a sampled radius the value
    is exact; between samples it is bracketed by its neighbours (a :class:`Quantity` with both
    bounds, value the upper one); beyond the last sample the upper bound is ``inf``.

    >>> f = sperp_lookup(np.array([0.1, 0.3]), np.array([2.0, 7.0]))
    >>> f(0.3), f(0.2).lower, f(0.2).upper, f(5.0).upper
    (7.0, 2.0, 7.0, inf)
    """
    from prooftools.numerics.quantity import Quantity

    def at(R: float):
        if radii is None or counts is None:
            return None
        Rs, c = np.asarray(radii, dtype=float), np.asarray(counts, dtype=float)
        j = int(np.searchsorted(Rs, R, side="left"))
        if j < len(Rs) and Rs[j] == R:
            return float(c[j])
        upper = float(c[j]) if j < len(Rs) else math.inf
        lower = float(c[j - 1]) if j > 0 else 0.0
        return Quantity(upper, lower=lower, upper=upper, note="bracketed by the sampled radii")

    return at
