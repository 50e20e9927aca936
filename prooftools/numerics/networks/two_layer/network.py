"""Du et al. (2019) two-layer ReLU network, its gradient and its Gram matrices.

f(W, a, x) = (1/√m) Σ_r a_r relu(w_rᵀx), loss L = Σ_i ½ (f(x_i) − y_i)² (a sum, eq. (2)).
The gradient uses the indicator 𝟙{w_rᵀx ≥ 0} (eq. (4)). W is stored as an m×d array (row r = w_r),
inputs X as n×d (row i = x_i). Everything is float64 unless stated.

The hot path is :class:`StepWorkspace`: one forward + backward pass is two BLAS products
(n×d · d×m for the pre-activations, then m×n · n×d for the gradient) plus a handful of in-place
elementwise passes over preallocated n×m buffers.
"""

from __future__ import annotations

import math

import numpy as np

from prooftools.errors import UserInputError
from prooftools.numerics.gram import gram

__all__ = [
    "StepWorkspace",
    "feature_gram",
    "first_layer_gram",
    "forward",
    "gradient",
    "init_params",
    "loss",
    "pattern",
]


def init_params(m: int, d: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Du et al.'s initialization: w_r ~ N(0, I_d) (rows of an m×d array), a_r ~ unif{−1, +1}.

    W is drawn first, then a, so a run is reproducible from the generator's seed.

    >>> W, a = init_params(4, 3, np.random.default_rng(0))
    >>> W.shape, sorted(set(a.tolist())) <= [-1.0, 1.0]
    ((4, 3), True)
    """
    if not (isinstance(m, int | np.integer) and m >= 1):
        raise UserInputError(f"width m must be a positive integer, got {m!r}")
    if not (isinstance(d, int | np.integer) and d >= 1):
        raise UserInputError(f"input dimension d must be a positive integer, got {d!r}")
    W = rng.standard_normal((int(m), int(d)))
    a = 2.0 * rng.integers(0, 2, size=int(m)).astype(np.float64) - 1.0
    return W, a


def forward(W: np.ndarray, a: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Predictions u_i = f(W, a, x_i) for every row of X (allocating reference version).

    >>> W = np.array([[1.0, 0.0], [0.0, 1.0]]); a = np.array([1.0, -1.0])
    >>> forward(W, a, np.array([[2.0, 1.0]])).round(6).tolist()
    [0.707107]
    """
    return np.maximum(X @ W.T, 0.0) @ a / math.sqrt(W.shape[0])


def loss(W: np.ndarray, a: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    """Du et al.'s training objective L = Σ_i ½ (f(W, a, x_i) − y_i)²."""
    e = forward(W, a, X) - y
    return 0.5 * float(e @ e)


def pattern(W: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Activation pattern P_ir = 𝟙{w_rᵀx_i ≥ 0} as an n×m boolean array."""
    return (X @ W.T) >= 0.0


def gradient(
    W: np.ndarray, a: np.ndarray, X: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(∂L/∂W, ∂L/∂a, u) by eq. (4): ∂L/∂w_r = (1/√m) Σ_i (u_i − y_i) a_r x_i 𝟙{w_rᵀx_i ≥ 0}.

    Allocating reference implementation; the training loops use :class:`StepWorkspace`.
    """
    m = W.shape[0]
    Z = X @ W.T
    A = np.maximum(Z, 0.0)
    u = A @ a / math.sqrt(m)
    e = u - y
    gW = ((Z >= 0.0) * e[:, None]).T @ X * (a / math.sqrt(m))[:, None]
    ga = A.T @ e / math.sqrt(m)
    return gW, ga, u


def first_layer_gram(
    X: np.ndarray, P: np.ndarray, a: np.ndarray | None = None, *, XXt: np.ndarray | None = None
) -> np.ndarray:
    """First-layer empirical NTK H = (1/m) (X Xᵀ) ∘ (P diag(a²) Pᵀ), P the n×m 0/1 pattern.

    With a_r = ±1 (``a=None``) this is Du et al.'s eq. (6) H_ij = (1/m) x_iᵀx_j #{r: both active},
    computed with one n×m by m×n product. For 0/1 patterns the product is done in float32, which is
    exact (integer counts ≤ m < 2²⁴).
    """
    m = P.shape[1]
    if XXt is None:
        XXt = gram(X)
    if a is None:
        if m >= 2**24:
            raise UserInputError(f"width {m} too large for exact float32 pattern counts")
        Pf = P.astype(np.float32)
        C = gram(Pf).astype(np.float64)
    else:
        Pf = P * a[None, :]
        C = gram(Pf)
    C *= 1.0 / m
    C *= XXt
    return C


def feature_gram(W: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Hidden-feature Gram G_ij = (1/m) Σ_r relu(w_rᵀx_i) relu(w_rᵀx_j) (Du Thm 3.3's G(t))."""
    A = np.maximum(X @ W.T, 0.0)
    return A @ A.T / W.shape[0]


class StepWorkspace:
    """Preallocated buffers for one forward + backward pass at batch sizes up to ``n``.

    After :meth:`run`, ``Z[:b]`` holds the relu activations, ``D[:b]`` the pattern 𝟙{w_rᵀx_i ≥ 0},
    ``u[:b]``/``e[:b]`` predictions and residuals u − y, ``G`` the W-gradient (times ``scale``) and
    ``ga`` the a-gradient (when requested).

    >>> rng = np.random.default_rng(0); X = rng.standard_normal((5, 3)); y = rng.standard_normal(5)
    >>> W, a = init_params(7, 3, rng); ws = StepWorkspace(5, 7, 3)
    >>> rs = ws.run(W, a, X, y, grad_a=True)
    >>> gW, ga, u = gradient(W, a, X, y)
    >>> bool(np.allclose(ws.G, gW) and np.allclose(ws.ga, ga))
    True
    >>> bool(np.isclose(rs, ((u - y) ** 2).sum()))
    True
    """

    def __init__(self, n: int, m: int, d: int) -> None:
        self.n, self.m, self.d = int(n), int(m), int(d)
        self.Z = np.empty((self.n, self.m))
        self.M = np.empty((self.n, self.m))
        self.D = np.empty((self.n, self.m), dtype=bool)
        self.u = np.empty(self.n)
        self.e = np.empty(self.n)
        self.G = np.empty((self.m, self.d))
        self.ga = np.empty(self.m)
        self.b = 0
        self._inv_sqrt_m = 1.0 / math.sqrt(self.m)

    def run(
        self,
        W: np.ndarray,
        a: np.ndarray,
        X: np.ndarray,
        y: np.ndarray,
        *,
        scale: float = 1.0,
        grad_a: bool = False,
        grad_w: bool = True,
    ) -> float:
        """Forward + backward on the rows X (b ≤ n of them); returns ‖u − y‖² on those rows."""
        b = X.shape[0]
        self.b = b
        Z, D, M = self.Z[:b], self.D[:b], self.M[:b]
        u, e = self.u[:b], self.e[:b]
        np.matmul(X, W.T, out=Z)
        np.greater_equal(Z, 0.0, out=D)
        np.maximum(Z, 0.0, out=Z)
        np.matmul(Z, a, out=u)
        u *= self._inv_sqrt_m
        np.subtract(u, y, out=e)
        if grad_a:
            np.matmul(e, Z, out=self.ga)
            self.ga *= scale * self._inv_sqrt_m
        if grad_w:
            np.multiply(D, e[:, None], out=M)
            np.matmul(M.T, X, out=self.G)
            self.G *= (a * (scale * self._inv_sqrt_m))[:, None]
        return float(e @ e)
