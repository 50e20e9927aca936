"""Chatterjee's local convergence criterion (arXiv 2203.16462) on smooth deep networks.

Reference note ``du_zhouliang_chatterjee.md`` §3. The criterion [S]: with
``α(x0, r) = inf{‖∇f(x)‖²/f(x) : x ∈ B̄(x0, r), f(x) ≠ 0}``, if ``4 f(x0) < r² α(x0, r)`` then
gradient flow converges to a zero of f inside the ball. GD version [D/R]: with
``β = sup_{B̄} ‖∇²f‖_op`` and ``η < 2/β``, ``4 f(x0) < (1 − βη/2)² r² α`` gives
``f(x_k) ≤ q^k f(x0)``, ``q = 1 − αη(1 − βη/2)``.

Network (note §3.2, mechanism [D]): fully connected, no biases, smooth strictly increasing
activation φ ∈ {tanh, softplus, sigmoid}; ``h_1 = φ(W_1 x)``, ``h_l = φ(W_l h_{l−1})``
(l = 2..L), ``out = wᵀ h_L``; ``W_1 ∈ R^{m×d}``, ``W_l ∈ R^{m×m}``, ``w ∈ R^m``. Loss as in the
note's §3.2 normalization: ``f(w) = (1/n) Σ_i (y_i − out(x_i; w))²`` (a mean, no ½).

Honesty about estimates: ``α`` is an infimum over a ball; we only see finitely many points, so the
reported minimum is an **upper bound** on the true α. Consequently a criterion that *fails* with
the estimate fails for the true α as well, while one that *holds* is only "holds (estimated)".
``β`` is a maximum of power-iteration estimates at finitely many points: a lower estimate of the
true sup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

from prooftools.errors import UserInputError
from prooftools.numerics.networks.smooth.training import check_rate, gd
from prooftools.numerics.quantity import Quantity

#: the ``*_centered`` variants subtract φ(0) so that φ(0) = 0 (then out(x; x0) = 0 at the positive
#: initialization and f(x0) = ‖y‖²/n does not grow with s, note §3.2)
ACTIVATIONS = ("tanh", "softplus", "sigmoid", "softplus_centered", "sigmoid_centered")


def activation(name: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """φ(z) and φ'(z) > 0 for the smooth strictly increasing activations.

    >>> activation("tanh", np.zeros(1))[1].tolist()
    [1.0]
    """
    if name == "tanh":
        t = np.tanh(z)
        return t, 1.0 - t * t
    if name == "softplus":
        return np.logaddexp(0.0, z), expit(z)
    if name == "sigmoid":
        s = expit(z)
        return s, s * (1.0 - s)
    if name == "softplus_centered":
        return np.logaddexp(0.0, z) - np.log(2.0), expit(z)
    if name == "sigmoid_centered":
        s = expit(z)
        return s - 0.5, s * (1.0 - s)
    raise UserInputError(f"unknown activation {name!r}; expected one of {ACTIVATIONS}")


@dataclass
class SmoothMLP:
    """Squared-loss problem on a fixed dataset; parameters are flat vectors ``w``."""

    X: np.ndarray
    y: np.ndarray
    width: int
    depth: int
    activation: str = "tanh"
    shapes: list[tuple[int, ...]] = field(init=False)

    def __post_init__(self) -> None:
        self.X = np.asarray(self.X, dtype=float)
        self.y = np.asarray(self.y, dtype=float).reshape(-1)
        if self.X.ndim != 2 or self.X.shape[0] != self.y.shape[0]:
            raise UserInputError(f"X must be (n, d) and y (n,), got {self.X.shape}, {self.y.shape}")
        if self.width < 1 or self.depth < 1:
            raise UserInputError("width and depth must be positive integers")
        if self.activation not in ACTIVATIONS:
            raise UserInputError(f"activation must be one of {ACTIVATIONS}")
        d, m = self.X.shape[1], self.width
        self.shapes = [(m, d)] + [(m, m)] * (self.depth - 1) + [(m,)]

    @property
    def n_params(self) -> int:
        return int(sum(np.prod(s) for s in self.shapes))

    def unpack(self, w: np.ndarray) -> list[np.ndarray]:
        """Flat vector → ``[W_1, …, W_L, w_out]``."""
        if w.shape != (self.n_params,):
            raise UserInputError(f"parameter vector must have {self.n_params} entries")
        out, pos = [], 0
        for s in self.shapes:
            size = int(np.prod(s))
            out.append(w[pos : pos + size].reshape(s))
            pos += size
        return out

    @staticmethod
    def pack(parts: list[np.ndarray]) -> np.ndarray:
        return np.concatenate([p.ravel() for p in parts])

    def outputs(self, w: np.ndarray) -> np.ndarray:
        *Ws, wo = self.unpack(w)
        h = self.X
        for W in Ws:
            h = activation(self.activation, h @ W.T)[0]
        return h @ wo

    def loss(self, w: np.ndarray) -> float:
        """``f(w) = (1/n) Σ (y_i − out_i)²``."""
        e = self.y - self.outputs(w)
        return float(np.mean(e * e))

    def loss_grad(self, w: np.ndarray) -> tuple[float, np.ndarray]:
        """Loss and exact gradient (back-propagation)."""
        *Ws, wo = self.unpack(w)
        hs, ds = [self.X], []
        for W in Ws:
            a, da = activation(self.activation, hs[-1] @ W.T)
            hs.append(a)
            ds.append(da)
        n = self.X.shape[0]
        e = self.y - hs[-1] @ wo
        dout = -2.0 / n * e
        grads = [None] * len(Ws) + [hs[-1].T @ dout]
        gh = np.outer(dout, wo)
        for l in range(len(Ws) - 1, -1, -1):
            G = gh * ds[l]
            grads[l] = G.T @ hs[l]
            gh = G @ Ws[l]
        return float(np.mean(e * e)), self.pack(grads)

    def first_layer_backvector(self, w: np.ndarray) -> np.ndarray:
        """``g = ∂out/∂(layer-1 pre-activation)`` for sample 0 (the same for every sample when
        W_1 = 0)."""
        *Ws, wo = self.unpack(w)
        h, ds = self.X[:1], []
        for W in Ws:
            a, da = activation(self.activation, h @ W.T)
            ds.append(da[0])
            h = a
        g = wo.copy()
        for l in range(len(Ws) - 1, -1, -1):
            g = g * ds[l]
            if l:
                g = Ws[l].T @ g
        return g

    def hvp(self, w: np.ndarray, v: np.ndarray, h: float | None = None) -> np.ndarray:
        """Hessian-vector product by central differences of exact gradients (O(h²) error)."""
        nv = float(np.linalg.norm(v))
        if nv == 0:
            return np.zeros_like(v)
        h = 1e-5 * (1.0 + float(np.linalg.norm(w))) if h is None else h
        u = v / nv
        return nv * (self.loss_grad(w + h * u)[1] - self.loss_grad(w - h * u)[1]) / (2 * h)


# ----------------------------------------------------------------------------- initializations


def positive_init(
    prob: SmoothMLP, s: float, seed: int = 0, low: float = 0.5, high: float = 1.5
) -> np.ndarray:
    """Chatterjee's construction (note §3.2, [V] from the abstract): ``W_1 = 0``, hidden weights
    strictly positive (``U(low, high)/m``), output weights ``s·U(low, high)`` (scale ``s > 0``)."""
    if not (s > 0 and 0 < low < high):
        raise UserInputError("need s > 0 and 0 < low < high for the positive initialization")
    rng = np.random.default_rng(seed)
    m = prob.width
    parts = [np.zeros(prob.shapes[0])]
    parts += [rng.uniform(low, high, sh) / m for sh in prob.shapes[1:-1]]
    parts.append(s * rng.uniform(low, high, prob.shapes[-1]))
    return prob.pack(parts)


def random_init(prob: SmoothMLP, seed: int = 0, s: float = 1.0) -> np.ndarray:
    """Standard (LeCun) Gaussian initialization: entries ``N(0, 1/fan_in)``; output times s."""
    rng = np.random.default_rng(seed)
    parts = [rng.standard_normal(sh) / np.sqrt(sh[-1]) for sh in prob.shapes[:-1]]
    parts.append(s * rng.standard_normal(prob.shapes[-1]) / np.sqrt(prob.width))
    return prob.pack(parts)


# ----------------------------------------------------------------------------- α and β


def pl_ratio(prob: SmoothMLP, w: np.ndarray) -> float:
    """``‖∇f(w)‖² / f(w)`` (NaN where f = 0)."""
    f, g = prob.loss_grad(w)
    return float(g @ g / f) if f > 0 else float("nan")


def ball_samples(
    x0: np.ndarray, r: float, n_uniform: int, n_line: int, direction: np.ndarray | None, seed: int
) -> np.ndarray:
    """Points of the closed ball B̄(x0, r): uniform in the ball, and along ±direction at
    radii ``t r`` for ``t`` on a grid of (0, 1]."""
    rng = np.random.default_rng(seed)
    p = x0.size
    Z = rng.standard_normal((n_uniform, p))
    Z /= np.linalg.norm(Z, axis=1, keepdims=True)
    rad = r * rng.uniform(0, 1, n_uniform) ** (1.0 / p)
    pts = [x0 + rad[:, None] * Z]
    if direction is not None and n_line > 0 and np.linalg.norm(direction) > 0:
        u = direction / np.linalg.norm(direction)
        t = np.linspace(0, 1, n_line + 1)[1:] * r
        pts += [x0 - t[:, None] * u, x0 + t[:, None] * u]
    return np.vstack(pts)


def estimate_alpha(
    prob: SmoothMLP,
    x0: np.ndarray,
    r: float,
    *,
    path: np.ndarray | None = None,
    n_uniform: int = 200,
    n_line: int = 20,
    seed: int = 0,
) -> Quantity:
    """Estimate ``α(x0, r)`` as the minimum of ``‖∇f‖²/f`` over (a) the points of ``path``
    (e.g. a GD trajectory) that lie in the ball and (b) sampled points of the ball (uniform, and
    along ±∇f(x0)). The value is an **upper bound** on the true infimum (``upper`` is set)."""
    if not r > 0:
        raise UserInputError(f"radius r must be positive, got {r}")
    pts = [x0[None, :]]
    if path is not None:
        path = np.atleast_2d(path)
        inside = np.linalg.norm(path - x0, axis=1) <= r
        pts.append(path[inside])
    _, g0 = prob.loss_grad(x0)
    pts.append(ball_samples(x0, r, n_uniform, n_line, g0, seed))
    P = np.vstack(pts)
    ratios = np.array([pl_ratio(prob, w) for w in P])
    ok = np.isfinite(ratios)
    if not ok.any():
        raise UserInputError("f vanishes at every probed point; α is not defined there")
    i = int(np.nanargmin(np.where(ok, ratios, np.inf)))
    n_path = 0 if path is None else int(inside.sum())
    if i == 0:
        where = "x0"
    else:
        where = f"path point {i - 1}" if i <= n_path else f"sample {i - 1 - n_path}"
    return Quantity(
        value=float(ratios[i]),
        upper=float(ratios[i]),
        witness=where,
        note=f"estimate: min of ‖∇f‖²/f over {int(ok.sum())} points of the ball "
        "(an upper bound on the true infimum α(x0, r))",
    )


def hessian_norm(prob: SmoothMLP, w: np.ndarray, iters: int = 40, seed: int = 0) -> float:
    """‖∇²f(w)‖_op by power iteration on Hessian-vector products (largest |eigenvalue|)."""
    v = np.random.default_rng(seed).standard_normal(w.size)
    v /= np.linalg.norm(v)
    lam = 0.0
    for _ in range(iters):
        hv = prob.hvp(w, v)
        nrm = float(np.linalg.norm(hv))
        if nrm == 0:
            return 0.0
        lam, v = nrm, hv / nrm
    return lam


def estimate_beta(
    prob: SmoothMLP, x0: np.ndarray, r: float, *, n_points: int = 8, iters: int = 30, seed: int = 0
) -> Quantity:
    """Estimate ``β = sup_{B̄(x0,r)} ‖∇²f‖_op``: max of power iterations at x0, ±r along ∇f(x0)
    and random ball points. A lower estimate of the true sup (finitely many points)."""
    _, g0 = prob.loss_grad(x0)
    P = np.vstack([x0[None], ball_samples(x0, r, n_points, 1, g0, seed)])
    vals = [hessian_norm(prob, w, iters, seed + i) for i, w in enumerate(P)]
    i = int(np.argmax(vals))
    return Quantity(
        value=float(vals[i]),
        witness="x0" if i == 0 else f"ball point {i - 1}",
        note=f"estimate: max power-iteration ‖∇²f‖ over {len(P)} ball points (sup is ≥ this)",
    )


# ----------------------------------------------------------------------------- criterion, GD


def linear_independence(X: np.ndarray) -> Quantity:
    """σ_min of the n×d data matrix (rows x_i); > 0 iff the inputs are linearly independent."""
    X = np.asarray(X, dtype=float)
    if X.shape[0] > X.shape[1]:
        return Quantity(0.0, upper=0.0, note="n > d: inputs cannot be linearly independent")
    s = float(np.linalg.svd(X, compute_uv=False)[-1])
    return Quantity(s, note="sigma_min_X; inputs independent iff > 0 (rounding ~1e-15·σ_max)")


def criterion(
    f0: float, alpha: float, r: float, *, beta: float | None = None, eta: float | None = None
) -> dict:
    """Both sides of ``4 f(x0) < r² α`` and, with β and η, of ``4 f(x0) < (1 − βη/2)² r² α``,
    and whether each is satisfied at these numbers (the verdict is made in checking).

    >>> criterion(1.0, 5.0, 1.0)["satisfied"], criterion(1.0, 3.0, 1.0)["satisfied"]
    (True, False)
    """
    out = {"lhs": 4.0 * f0, "rhs": r * r * alpha, "satisfied": bool(4.0 * f0 < r * r * alpha)}
    if beta is not None and eta is not None:
        shrink = 1.0 - beta * eta / 2.0
        out["rhs_gd"] = (max(shrink, 0.0) ** 2) * r * r * alpha
        out["satisfied_gd"] = bool(shrink > 0 and 4.0 * f0 < out["rhs_gd"])
        out["q"] = rate_q(alpha, beta, eta)
    return out


def rate_q(alpha: float, beta: float, eta: float) -> float:
    """``q = 1 − αη(1 − βη/2)``: the GD per-step loss contraction (note §3.1, [D])."""
    return 1.0 - alpha * eta * (1.0 - beta * eta / 2.0)


def assess(
    prob: SmoothMLP,
    x0: np.ndarray,
    r: float,
    *,
    eta: float | None = None,
    steps: int = 200,
    n_uniform: int = 200,
    n_line: int = 20,
    seed: int = 0,
) -> dict:
    """Everything for one (problem, x0, r): f(x0), β estimate, GD run (η = 1/β by default),
    α estimated along the trajectory and on ball samples, both criteria, rate and containment."""
    f0 = prob.loss(x0)
    beta = estimate_beta(prob, x0, r, seed=seed)
    eta = 1.0 / beta.value if eta is None else eta
    run = gd(prob, x0, eta, steps)
    alpha = estimate_alpha(
        prob, x0, r, path=run.scalars["path"], n_uniform=n_uniform, n_line=n_line, seed=seed
    )
    crit = criterion(f0, alpha.value, r, beta=beta.value, eta=eta)
    return {
        "f0": f0,
        "alpha": alpha,
        "beta": beta,
        "eta": eta,
        "criterion": crit,
        "rate": check_rate(run, crit["q"], r),
        "sigma_min_X": linear_independence(prob.X),
        "run": run,
    }


def smallest_output_scale(
    X: np.ndarray,
    y: np.ndarray,
    *,
    width: int,
    depth: int,
    r: float,
    activation: str = "tanh",
    s_lo: float = 1e-2,
    s_hi: float = 1e3,
    rtol: float = 0.02,
    seed: int = 0,
    n_uniform: int = 200,
    n_line: int = 20,
    steps: int = 200,
) -> dict:
    """Smallest output scale s of :func:`positive_init` for which the **estimated** criterion
    ``4 f(x0) < r² α(x0, r)`` holds, by bisection in log s (assumes the criterion is monotone in
    s, as the note's heuristic ``α ≈ s² κ(r)`` suggests). Each s is judged exactly as
    :func:`assess` judges it (α along a GD path of ``steps`` steps and on ball samples), so the
    search and the assessment cannot disagree. Because α is estimated from above, the true
    threshold is ≥ the returned ``s`` up to sampling. Returns ``s`` (``None`` if even ``s_hi``
    fails), the bracket and every evaluation."""
    prob = SmoothMLP(X, y, width, depth, activation)
    evals: list[tuple[float, bool, float, float]] = []

    def ok(s: float) -> bool:
        x0 = positive_init(prob, s, seed)
        got = assess(prob, x0, r, steps=steps, n_uniform=n_uniform, n_line=n_line, seed=seed)
        f0, a = got["f0"], got["alpha"].value
        res = 4.0 * f0 < r * r * a
        evals.append((s, res, f0, a))
        return res

    if not ok(s_hi):
        return {"s": None, "bracket": (s_hi, None), "evaluations": evals}
    if ok(s_lo):
        return {"s": s_lo, "bracket": (None, s_lo), "evaluations": evals}
    lo, hi = s_lo, s_hi
    while hi / lo > 1 + rtol:
        mid = float(np.sqrt(lo * hi))
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return {"s": hi, "bracket": (lo, hi), "evaluations": evals}
