"""Zhou & Liang (arXiv 1710.06910): square-matrix networks, global minimizers, gradient dominance
and regularity, with the constants *derived* in the reference note (``du_zhouliang_chatterjee.md``
§2.2–§2.3, provenance [D]; the paper's own constants could not be read).

Conventions (note §2.2): ``X, Y ∈ R^{d×m}`` (samples as columns), every layer matrix ``d×d``,
``X Xᵀ`` invertible. ``Ws = [W_1, …, W_ℓ]``, ``W_{j:i} = W_j ⋯ W_i`` (identity if j < i).

* linear network ``f(W) = ½‖W_ℓ⋯W_1 X − Y‖_F²``;
* linear residual network ``f(A) = ½‖(I+A_ℓ)⋯(I+A_1) X − Y‖_F²``;
* one-hidden-layer square network ``f(W_1, W_2) = ½‖W_2 σ(W_1 X) − Y‖_F²``.
"""

from __future__ import annotations

import numpy as np

from prooftools.errors import UserInputError

# ----------------------------------------------------------------------------- helpers


def _check_data(X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    if X.ndim != 2 or X.shape != Y.shape:
        raise UserInputError(
            f"X and Y must both be d×m arrays of equal shape, got {X.shape}, {Y.shape}"
        )
    if X.shape[0] > X.shape[1]:
        raise UserInputError(f"need m >= d samples so that X Xᵀ is invertible; X is {X.shape}")
    return X, Y


def _sv(A: np.ndarray) -> np.ndarray:
    return np.linalg.svd(A, compute_uv=False)


def sigma_min(A: np.ndarray) -> float:
    """Smallest singular value (of the d×m data matrix: the d-th one)."""
    return float(_sv(A)[-1])


def sigma_max(A: np.ndarray) -> float:
    """Largest singular value."""
    return float(_sv(A)[0])


def partial_product(Ws: list[np.ndarray], hi: int, lo: int) -> np.ndarray:
    """``W_{hi:lo} = W_hi ⋯ W_lo`` (1-based, inclusive); the identity if ``hi < lo``."""
    d = Ws[0].shape[0]
    P = np.eye(d)
    for k in range(lo, hi + 1):
        P = Ws[k - 1] @ P
    return P


def _inner(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    return float(sum(np.sum(x * y) for x, y in zip(a, b, strict=True)))


def _sq(a: list[np.ndarray]) -> float:
    return _inner(a, a)


# ----------------------------------------------------------------------------- linear networks


def linear_loss(Ws: list[np.ndarray], X: np.ndarray, Y: np.ndarray) -> float:
    """``f(W) = ½‖W_ℓ⋯W_1 X − Y‖_F²``.

    >>> X = np.eye(2); Y = 2 * np.eye(2)
    >>> linear_loss([np.eye(2), np.eye(2)], X, Y)
    1.0
    """
    X, Y = _check_data(X, Y)
    E = partial_product(Ws, len(Ws), 1) @ X - Y
    return 0.5 * float(np.sum(E * E))


def linear_grad(Ws: list[np.ndarray], X: np.ndarray, Y: np.ndarray) -> list[np.ndarray]:
    """``∇_{W_k} f = W_{ℓ:k+1}ᵀ E Xᵀ W_{k−1:1}ᵀ`` with ``E = W_{ℓ:1}X − Y`` (note §2.2(a))."""
    X, Y = _check_data(X, Y)
    ell = len(Ws)
    EX = (partial_product(Ws, ell, 1) @ X - Y) @ X.T
    return [
        partial_product(Ws, ell, k + 1).T @ EX @ partial_product(Ws, k - 1, 1).T
        for k in range(1, ell + 1)
    ]


def residual_loss(As: list[np.ndarray], X: np.ndarray, Y: np.ndarray) -> float:
    """``f(A) = ½‖(I+A_ℓ)⋯(I+A_1) X − Y‖_F²``."""
    return linear_loss([np.eye(A.shape[0]) + A for A in As], X, Y)


def residual_grad(As: list[np.ndarray], X: np.ndarray, Y: np.ndarray) -> list[np.ndarray]:
    """Gradient of the residual loss (same as the linear one at ``W_k = I + A_k``)."""
    return linear_grad([np.eye(A.shape[0]) + A for A in As], X, Y)


def optimal_product(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """``P* = Y Xᵀ (X Xᵀ)⁻¹``: every global minimizer has ``W_ℓ⋯W_1 = P*`` (note §2.2(a), [D])."""
    X, Y = _check_data(X, Y)
    return np.linalg.solve(X @ X.T, X @ Y.T).T


def f_star(X: np.ndarray, Y: np.ndarray) -> float:
    """Global minimum ``f* = ½‖P* X − Y‖_F²`` (linear and residual networks alike)."""
    E = optimal_product(X, Y) @ X - Y
    return 0.5 * float(np.sum(E * E))


def balanced_factorization(P: np.ndarray, ell: int) -> list[np.ndarray]:
    """Full-rank factors with ``W_ℓ⋯W_1 = P``: ``P = U S Vᵀ``, ``W_1 = U S^{1/ℓ} Vᵀ``,
    ``W_k = U S^{1/ℓ} Uᵀ`` (k ≥ 2). All factors have singular values ``S^{1/ℓ}``.

    >>> P = np.array([[2.0, 1.0], [0.0, 3.0]])
    >>> Ws = balanced_factorization(P, 3)
    >>> bool(np.allclose(partial_product(Ws, 3, 1), P))
    True
    """
    if ell < 1:
        raise UserInputError(f"depth ell must be >= 1, got {ell}")
    U, s, Vt = np.linalg.svd(P)
    if s[-1] <= 1e-12 * max(s[0], 1e-300):
        raise UserInputError("P* is rank deficient: no full-rank global minimizer exists")
    root = s ** (1.0 / ell)
    return [(U * root) @ Vt] + [(U * root) @ U.T for _ in range(ell - 1)]


def random_refactorization(
    Ws: list[np.ndarray], rng: np.random.Generator, scale: float = 0.3
) -> list[np.ndarray]:
    """Another factorization of the same product: ``W_k ↦ G_k W_k G_{k−1}⁻¹`` with random
    invertible ``G_k = I + scale·N/√d`` (``G_0 = G_ℓ = I``)."""
    d, ell = Ws[0].shape[0], len(Ws)
    Gs = (
        [np.eye(d)]
        + [np.eye(d) + scale * rng.standard_normal((d, d)) / np.sqrt(d) for _ in range(ell - 1)]
        + [np.eye(d)]
    )
    return [Gs[k + 1] @ Ws[k] @ np.linalg.inv(Gs[k]) for k in range(ell)]


def neighbourhood_radius(Ws: list[np.ndarray], Ws_star: list[np.ndarray]) -> float:
    """Smallest δ with ``W ∈ N_δ(W*)``: ``max_k ‖W_k − W_k*‖₂ / σ_min(W_k*)``."""
    return max(sigma_max(W - S) / sigma_min(S) for W, S in zip(Ws, Ws_star, strict=True))


def sample_neighbourhood(
    Ws_star: list[np.ndarray],
    delta: float,
    n_samples: int,
    rng: np.random.Generator,
    *,
    radius: float | None = None,
) -> list[list[np.ndarray]]:
    """Random points of ``N_δ(W*) = {W : ‖W_k − W_k*‖₂ ≤ δ σ_min(W_k*) ∀k}``.

    Each layer moves along a Gaussian direction of unit spectral norm, by ``u δ σ_min(W_k*)``
    with ``u ~ U(0, 1]`` (or ``u = radius`` when given; ``radius > 1`` gives points *outside*).
    """
    if not 0 <= delta or (radius is None and delta >= 1):
        raise UserInputError(f"delta must lie in [0, 1), got {delta}")
    out = []
    for _ in range(n_samples):
        pt = []
        for S in Ws_star:
            D = rng.standard_normal(S.shape)
            u = rng.uniform(0.0, 1.0) if radius is None else radius
            pt.append(S + u * delta * sigma_min(S) * D / sigma_max(D))
        out.append(pt)
    return out


# ----------------------------------------------------------------------------- gradient dominance


def gradient_dominance_ratio(Ws: list[np.ndarray], X: np.ndarray, Y: np.ndarray) -> float:
    """Empirical ``(f(W) − f*) / ‖∇f(W)‖_F²`` (compare with λ; ``inf`` at a non-optimal critical
    point)."""
    gap = linear_loss(Ws, X, Y) - f_star(X, Y)
    g2 = _sq(linear_grad(Ws, X, Y))
    if g2 == 0:
        return float("inf") if gap > 0 else 0.0
    return gap / g2


def gd_lambda_pointwise(Ws: list[np.ndarray], X: np.ndarray) -> float:
    """Derived pointwise constant (note §2.2(a), [D]):
    ``λ(W) = 1 / (2 σ_min(X)² Σ_k σ_min(W_{ℓ:k+1})² σ_min(W_{k−1:1})²)``."""
    ell = len(Ws)
    s = sum(
        sigma_min(partial_product(Ws, ell, k + 1)) ** 2
        * sigma_min(partial_product(Ws, k - 1, 1)) ** 2
        for k in range(1, ell + 1)
    )
    return 1.0 / (2.0 * sigma_min(np.asarray(X, float)) ** 2 * s) if s > 0 else float("inf")


def gd_lambda_neighbourhood(Ws_star: list[np.ndarray], X: np.ndarray, delta: float) -> float:
    """Derived uniform constant on ``N_δ(W*)`` (note §2.2(a), [D]):
    ``λ = 1 / (2 σ_min(X)² (1−δ)^{2(ℓ−1)} Σ_k Π_{j≠k} σ_min(W_j*)²)``."""
    if not 0 <= delta < 1:
        raise UserInputError(f"delta must lie in [0, 1), got {delta}")
    ell = len(Ws_star)
    smins = np.array([sigma_min(S) for S in Ws_star])
    s = sum(np.prod(np.delete(smins, k) ** 2) for k in range(ell))
    return 1.0 / (2.0 * sigma_min(np.asarray(X, float)) ** 2 * (1 - delta) ** (2 * (ell - 1)) * s)


def residual_gd_ratio(As: list[np.ndarray], X: np.ndarray, Y: np.ndarray) -> float:
    """Empirical ``(f(A) − f*) / ‖∇f(A)‖_F²`` for the residual network."""
    return gradient_dominance_ratio([np.eye(A.shape[0]) + A for A in As], X, Y)


def residual_gd_lambda(X: np.ndarray, tau: float, ell: int) -> float:
    """Derived constant on ``{A : ‖A_k‖₂ ≤ τ < 1}`` (note §2.2(b), [D]; Hardt–Ma form):
    ``λ = 1 / (2 ℓ (1 − τ)^{2ℓ−2} σ_min(X)²)``."""
    if not 0 <= tau < 1:
        raise UserInputError(f"tau must lie in [0, 1), got {tau}")
    return 1.0 / (2.0 * ell * (1 - tau) ** (2 * ell - 2) * sigma_min(np.asarray(X, float)) ** 2)


def residual_radius(As: list[np.ndarray]) -> float:
    """``max_k ‖A_k‖₂`` (membership in the residual neighbourhood of radius τ)."""
    return max(sigma_max(A) for A in As)


# ----------------------------------------------------------------------------- regularity


def regularity_ratio(
    grads: list[np.ndarray],
    Ws: list[np.ndarray],
    Ws_ref: list[np.ndarray],
    alpha: float,
    beta: float,
) -> float:
    """``⟨∇f, W − W*⟩ / (α‖∇f‖² + β‖W − W*‖²)``; the regularity condition is ratio ≥ 1.

    >>> W = [np.eye(2)]; Wr = [np.zeros((2, 2))]
    >>> regularity_ratio([2 * np.eye(2)], W, Wr, 0.25, 0.5)  # 4 / (0.25·8 + 0.5·2)
    1.3333333333333333
    """
    diff = [W - R for W, R in zip(Ws, Ws_ref, strict=True)]
    den = alpha * _sq(grads) + beta * _sq(diff)
    return _inner(grads, diff) / den if den > 0 else float("nan")


def _layer_factors(Ws: list[np.ndarray], X: np.ndarray, layer: int):
    ell = len(Ws)
    if not 1 <= layer <= ell:
        raise UserInputError(f"layer must be in 1..{ell}, got {layer}")
    return partial_product(Ws, ell, layer + 1), partial_product(Ws, layer - 1, 1) @ X


def layer_regularity(
    Ws: list[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    layer: int | None = None,
    *,
    alpha: float | None = None,
    beta: float | None = None,
) -> dict:
    """Regularity along the direction that moves only ``layer`` (default the last), note §2.3.

    With ``M = W_{ℓ:k+1}``, ``Z = W_{k−1:1} X`` the block loss ``½‖M W_k Z − Y‖²`` has the
    restricted minimizer ``W♯ = M⁻¹ Y Zᵀ(ZZᵀ)⁻¹``; the derived constants are
    ``α = 1/(2 σ_max(M)² σ_max(Z)²)`` and ``β = σ_min(M)² σ_min(Z)²/2`` (M = I for the last layer:
    the note's ``α = 1/(2σ_max(Z)²)``, ``β = σ_min(Z)²/2``). Pass ``alpha``/``beta`` to judge
    uniform constants (e.g. :func:`neighbourhood_regularity_constants`).
    Returns ``ratio, alpha, beta, W_sharp``.
    """
    X, Y = _check_data(X, Y)
    k = len(Ws) if layer is None else layer
    M, Z = _layer_factors(Ws, X, k)
    W_sharp = np.linalg.solve(M, np.linalg.solve(Z @ Z.T, Z @ Y.T).T)
    a = 1.0 / (2.0 * sigma_max(M) ** 2 * sigma_max(Z) ** 2) if alpha is None else alpha
    b = 0.5 * sigma_min(M) ** 2 * sigma_min(Z) ** 2 if beta is None else beta
    g = linear_grad(Ws, X, Y)[k - 1]
    return {
        "ratio": regularity_ratio([g], [Ws[k - 1]], [W_sharp], a, b),
        "alpha": a,
        "beta": b,
        "W_sharp": W_sharp,
    }


def neighbourhood_regularity_constants(
    Ws_star: list[np.ndarray], X: np.ndarray, delta: float, layer: int | None = None
) -> tuple[float, float]:
    """Uniform (α, β) for :func:`layer_regularity` over ``N_δ(W*)`` [D]: bound σ_max(M), σ_max(Z)
    by ``Π (‖W_j*‖₂ + δσ_min(W_j*))`` and σ_min(M), σ_min(Z) by ``Π (1−δ)σ_min(W_j*)``
    (times σ_max(X), σ_min(X) for Z). Inside the neighbourhood these are weaker than the
    pointwise constants, so the ratio stays ≥ 1; outside it can fail."""
    if not 0 <= delta < 1:
        raise UserInputError(f"delta must lie in [0, 1), got {delta}")
    ell = len(Ws_star)
    k = ell if layer is None else layer
    X = np.asarray(X, float)
    up = [sigma_max(S) + delta * sigma_min(S) for S in Ws_star]
    lo = [(1 - delta) * sigma_min(S) for S in Ws_star]
    others = [j for j in range(ell) if j != k - 1]
    smax = sigma_max(X) * np.prod([up[j] for j in others])
    smin = sigma_min(X) * np.prod([lo[j] for j in others])
    return 1.0 / (2.0 * smax**2), 0.5 * smin**2


# ----------------------------------------------------------------------------- square network

ACTIVATIONS = ("leaky_relu", "relu", "tanh", "softplus")


def _act(name: str, z: np.ndarray, slope: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    if name == "leaky_relu":
        return np.where(z > 0, z, slope * z), np.where(z > 0, 1.0, slope)
    if name == "relu":
        return np.maximum(z, 0), (z > 0).astype(float)
    if name == "tanh":
        t = np.tanh(z)
        return t, 1 - t * t
    if name == "softplus":
        return np.logaddexp(0, z), 0.5 * (1 + np.tanh(z / 2))
    raise UserInputError(f"unknown activation {name!r}; expected one of {ACTIVATIONS}")


def square_net_loss(
    W1: np.ndarray, W2: np.ndarray, X: np.ndarray, Y: np.ndarray, activation: str = "leaky_relu"
) -> float:
    """``f = ½‖W_2 σ(W_1 X) − Y‖_F²`` (note §2.2(c); the paper's activation class is [R])."""
    X, Y = _check_data(X, Y)
    E = W2 @ _act(activation, W1 @ X)[0] - Y
    return 0.5 * float(np.sum(E * E))


def square_net_grad(
    W1: np.ndarray, W2: np.ndarray, X: np.ndarray, Y: np.ndarray, activation: str = "leaky_relu"
) -> tuple[np.ndarray, np.ndarray]:
    """``(∇_{W_1} f, ∇_{W_2} f) = ((W_2ᵀE ∘ σ'(W_1X)) Xᵀ, E Φᵀ)``, ``Φ = σ(W_1X)``."""
    X, Y = _check_data(X, Y)
    Phi, dPhi = _act(activation, W1 @ X)
    E = W2 @ Phi - Y
    return ((W2.T @ E) * dPhi) @ X.T, E @ Phi.T


def square_net_block_minimizer(
    W1: np.ndarray, X: np.ndarray, Y: np.ndarray, activation: str = "leaky_relu"
) -> np.ndarray:
    """``W_2♯(W_1) = Y Φᵀ(ΦΦᵀ)⁻¹``: the minimizer over W_2 (convex quadratic), note §2.2(c)."""
    X, Y = _check_data(X, Y)
    Phi = _act(activation, W1 @ X)[0]
    return np.linalg.solve(Phi @ Phi.T, Phi @ Y.T).T


def square_net_block_dominance(
    W1: np.ndarray, W2: np.ndarray, X: np.ndarray, Y: np.ndarray, activation: str = "leaky_relu"
) -> tuple[float, float]:
    """``(f(W) − f(W_1, W_2♯), ‖∇_{W_2} f‖_F² / (2σ_min(Φ)²))``; derived: first ≤ second."""
    Phi = _act(activation, W1 @ np.asarray(X, float))[0]
    gap = square_net_loss(W1, W2, X, Y, activation) - square_net_loss(
        W1, square_net_block_minimizer(W1, X, Y, activation), X, Y, activation
    )
    g2 = float(np.sum(square_net_grad(W1, W2, X, Y, activation)[1] ** 2))
    return gap, g2 / (2.0 * sigma_min(Phi) ** 2)


def square_net_block_observables(
    W1: np.ndarray, W2: np.ndarray, X: np.ndarray, Y: np.ndarray, activation: str = "leaky_relu"
) -> dict[str, float]:
    """Observables of the output block at ``(W_1, W_2)`` (note §2.2(c), [D]).

    ``sigma_min_Phi``/``sigma_max_Phi`` of ``Φ = σ(W_1X)``; ``excess_W2 = f(W) − f(W_1, W_2♯)``
    (the plain difference; ``W_2♯`` by least squares, so it is the minimum over W_2 even when Φ
    is rank deficient); ``grad_W2_sq = ‖∇_{W_2} f‖_F²`` and ``grad_sq`` (both blocks) from
    :func:`square_net_grad`; ``loss``. The claim is ``excess_W2 ≤ grad_W2_sq / (2σ_min(Φ)²)``.

    >>> X = np.eye(2); Y = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> ob = square_net_block_observables(np.eye(2), np.zeros((2, 2)), X, Y)
    >>> ob["excess_W2"], ob["grad_W2_sq"], ob["sigma_min_Phi"]  # ½‖Y‖², ‖Y‖², Φ = I
    (15.0, 30.0, 1.0)
    """
    X, Y = _check_data(X, Y)
    Phi = _act(activation, W1 @ X)[0]
    s = _sv(Phi)
    W2s = np.linalg.lstsq(Phi.T, Y.T, rcond=None)[0].T
    loss = square_net_loss(W1, W2, X, Y, activation)
    g1, g2 = square_net_grad(W1, W2, X, Y, activation)
    return {
        "loss": loss,
        "excess_W2": loss - square_net_loss(W1, W2s, X, Y, activation),
        "grad_W2_sq": float(np.sum(g2 * g2)),
        "grad_sq": float(np.sum(g1 * g1) + np.sum(g2 * g2)),
        "sigma_min_Phi": float(s[-1]),
        "sigma_max_Phi": float(s[0]),
    }


def square_net_block_regularity(
    W1: np.ndarray,
    W2: np.ndarray,
    X: np.ndarray,
    Y: np.ndarray,
    activation: str = "leaky_relu",
    *,
    alpha: float | None = None,
    beta: float | None = None,
) -> dict:
    """Regularity along the direction that moves only ``W_2`` (W_1 fixed), note §2.3, [D].

    ``Z = Φ = σ(W_1X)``, ``W_2♯ = YΦᵀ(ΦΦᵀ)⁻¹``, ``D = W_2 − W_2♯``; the block gradient is taken in
    the form ``∇_{W_2} f = D ΦΦᵀ`` (equal to ``EΦᵀ`` by the normal equations ``(W_2♯Φ − Y)Φᵀ = 0``;
    this form is exactly 0 at ``W_2 = W_2♯`` instead of rounding noise). Derived constants
    ``α = 1/(2σ_max(Φ)²)``, ``β = σ_min(Φ)²/2`` unless given. Returns ``inner, grad_sq, dist_sq,
    ratio`` (1 at ``D = 0`` by convention), ``alpha, beta, W_sharp``.

    >>> r = square_net_block_regularity(np.eye(2), 3 * np.eye(2), np.eye(2), np.eye(2))
    >>> r["inner"], r["grad_sq"], r["dist_sq"], r["ratio"]  # D = 2I, Φ = I: 8 / (4 + 4)
    (8.0, 8.0, 8.0, 1.0)
    """
    X, Y = _check_data(X, Y)
    Phi = _act(activation, W1 @ X)[0]
    s = _sv(Phi)
    W2s = np.linalg.lstsq(Phi.T, Y.T, rcond=None)[0].T
    D = W2 - W2s
    G = D @ (Phi @ Phi.T)
    a = 1.0 / (2.0 * s[0] ** 2) if alpha is None else alpha
    b = 0.5 * s[-1] ** 2 if beta is None else beta
    return {
        "inner": float(np.sum(G * D)),
        "grad_sq": float(np.sum(G * G)),
        "dist_sq": float(np.sum(D * D)),
        "ratio": 1.0 if not np.any(D) else float(regularity_ratio([G], [W2], [W2s], a, b)),
        "alpha": float(a),
        "beta": float(b),
        "W_sharp": W2s,
    }
