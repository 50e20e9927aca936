"""Observables of Du et al. (2019) recorded along a run (names from theorems/vocabulary.toml).

Cheap observables (every ``stride`` steps): resid_sq, loss, dist_max, dist_total, flip_frac,
grad_norm_sq, pl_ratio. Expensive ones (every ``expensive_stride`` steps, NaN elsewhere): ntk_min
(λ_min(H(k)) by LAPACK ``evr`` with a one-eigenvalue subset) and ntk_dev (‖H(k) − H(0)‖₂ by
Lanczos for n > 400, full eigvalsh below). H(k) costs one n×m by m×n product (float32 on 0/1
patterns, which is exact) plus the eigen-solves — that is why it has its own stride.

For first-layer training H(k) = (1/m)(X Xᵀ) ∘ (P Pᵀ); when the output layer is trained too the
recorded NTK is the full one, (1/m)(X Xᵀ) ∘ (P diag(a²) Pᵀ) + (1/m) relu(XWᵀ) relu(XWᵀ)ᵀ
(Du Thm 3.3's H(t) + G(t)). ntk_init_dev always compares the first-layer H(0) (a_r = ±1) with H^∞.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg
import scipy.sparse.linalg

from prooftools.numerics.kernels import relu_gram_h_inf
from prooftools.numerics.twolayer import StepWorkspace, first_layer_gram

__all__ = [
    "CHEAP_OBSERVABLES",
    "EXPENSIVE_OBSERVABLES",
    "DuObserver",
    "default_sperp_radii",
    "lambda_min",
    "relu_gram_inf",
    "sperp_sum",
    "sym_norm2",
]

CHEAP_OBSERVABLES = (
    "resid_sq",
    "loss",
    "dist_max",
    "dist_total",
    "flip_frac",
    "grad_norm_sq",
    "pl_ratio",
)
EXPENSIVE_OBSERVABLES = ("ntk_min", "ntk_dev")


def relu_gram_inf(X: np.ndarray) -> np.ndarray:
    """Du et al.'s infinite-width Gram H^∞ (closed form, from :mod:`prooftools.numerics.kernels`).

    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> relu_gram_inf(X).round(3).tolist()
    [[0.5, 0.0], [0.0, 0.5]]
    """
    return relu_gram_h_inf(X)


def lambda_min(H: np.ndarray) -> float:
    """Smallest eigenvalue of a symmetric matrix (LAPACK evr, one-eigenvalue subset)."""
    if H.shape[0] == 0:
        return math.nan
    return float(
        scipy.linalg.eigh(
            H, eigvals_only=True, subset_by_index=[0, 0], driver="evr", check_finite=False
        )[0]
    )


def sym_norm2(A: np.ndarray, *, dense_below: int = 400) -> float:
    """Spectral norm of a symmetric matrix: full eigvalsh for small n, Lanczos (ARPACK) above.

    >>> sym_norm2(np.diag([1.0, -3.0, 2.0]))
    3.0
    """
    n = A.shape[0]
    if n == 0 or not np.any(A):
        return 0.0
    if n <= dense_below:
        w = scipy.linalg.eigvalsh(A, check_finite=False)
        return float(np.max(np.abs(w)))
    try:
        w = scipy.sparse.linalg.eigsh(
            A, k=1, which="LM", v0=np.ones(n), tol=1e-10, return_eigenvectors=False
        )
        return float(abs(w[0]))
    except (scipy.sparse.linalg.ArpackNoConvergence, scipy.sparse.linalg.ArpackError):
        w = scipy.linalg.eigvalsh(A, check_finite=False)
        return float(np.max(np.abs(w)))


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


class DuObserver:
    """Records Du et al.'s observables for one run; call :meth:`observe` at chosen steps.

    The training loop hands over a :class:`StepWorkspace` on which a *full-batch* pass at the
    current parameters has just run (so ``ws.e``, ``ws.D``, ``ws.G``, ``ws.ga`` describe W(k)).
    """

    def __init__(
        self,
        X: np.ndarray,
        W0: np.ndarray,
        a0: np.ndarray,
        *,
        train_output: bool = False,
        sperp_radii: np.ndarray | None = None,
    ) -> None:
        self.X = X
        self.n, self.m = X.shape[0], W0.shape[0]
        self.W0 = W0.copy()
        self.a0 = a0.copy()
        self.train_output = bool(train_output)
        self.XXt = X @ X.T
        self.P0 = (X @ W0.T) >= 0.0
        self._flip = np.empty_like(self.P0)
        self._dW = np.empty_like(self.W0)
        self._Pf: np.ndarray | None = None
        self._C: np.ndarray | None = None
        self.H0 = self._ntk(self.P0, W0, a0)
        H0_first = self.H0 if not self.train_output else first_layer_gram(X, self.P0, XXt=self.XXt)
        self.scalars: dict = {
            "ntk_init_dev": sym_norm2(H0_first - relu_gram_inf(X)),
        }
        radii = default_sperp_radii() if sperp_radii is None else np.asarray(sperp_radii, float)
        self.sperp_R = np.unique(radii)
        self.scalars["sperp_sum"] = sperp_sum(W0, X, self.sperp_R).astype(float)
        self.index: list[float] = []
        self.values: dict[str, list[float]] = {
            name: [] for name in CHEAP_OBSERVABLES + EXPENSIVE_OBSERVABLES
        }

    def _ntk(self, P: np.ndarray, W: np.ndarray, a: np.ndarray, A: np.ndarray | None = None):
        if not self.train_output:
            if self.m >= 2**24:
                return first_layer_gram(self.X, P, XXt=self.XXt)
            if self._Pf is None:  # preallocated: fresh n×m allocations cost page faults
                self._Pf = np.empty((self.n, self.m), dtype=np.float32)
                self._C = np.empty((self.n, self.n), dtype=np.float32)
                self._XXt_m = self.XXt / self.m
            np.copyto(self._Pf, P)
            np.matmul(self._Pf, self._Pf.T, out=self._C)  # exact integer counts
            return np.multiply(self._C, self._XXt_m, dtype=np.float64)
        H = first_layer_gram(self.X, P, a, XXt=self.XXt)
        if A is None:
            A = np.maximum(self.X @ W.T, 0.0)
        H += A @ A.T / self.m
        return H

    def observe(
        self, t: float, ws: StepWorkspace, W: np.ndarray, a: np.ndarray, *, expensive: bool
    ) -> float:
        """Record the observables at index ``t`` from a full-batch pass in ``ws``; returns loss."""
        n = self.n
        e = ws.e[:n]
        rs = float(e @ e)
        np.subtract(W, self.W0, out=self._dW)
        row_sq = np.einsum("ij,ij->i", self._dW, self._dW)
        dist_total_sq = float(row_sq.sum())
        gn = float(np.einsum("ij,ij->", ws.G, ws.G))
        if self.train_output:
            da = a - self.a0
            dist_total_sq += float(da @ da)
            gn += float(ws.ga @ ws.ga)
        np.not_equal(ws.D[:n], self.P0, out=self._flip)
        v = self.values
        v["resid_sq"].append(rs)
        v["loss"].append(0.5 * rs)
        v["dist_max"].append(math.sqrt(float(row_sq.max())))
        v["dist_total"].append(math.sqrt(dist_total_sq))
        v["flip_frac"].append(np.count_nonzero(self._flip) / (n * self.m))
        v["grad_norm_sq"].append(gn)
        v["pl_ratio"].append(gn / rs if rs > 0 else math.nan)
        if expensive:
            H = self._ntk(ws.D[:n], W, a, ws.Z[:n] if self.train_output else None)
            v["ntk_min"].append(lambda_min(H))
            H -= self.H0
            v["ntk_dev"].append(sym_norm2(H))
        else:
            v["ntk_min"].append(math.nan)
            v["ntk_dev"].append(math.nan)
        self.index.append(float(t))
        return 0.5 * rs

    def observables(self) -> dict[str, np.ndarray]:
        """Recorded observables as arrays aligned with the recorded index."""
        return {k: np.asarray(v, dtype=float) for k, v in self.values.items()}
