"""Deep fully connected ReLU networks in the two parameterizations of the deep-ReLU anchor papers.

One generic engine, two constructors that follow each paper exactly:

* :func:`zou_network` — Zou, Cao, Zhou, Gu, arXiv 1811.08888v3, §3.2–§3.4 (reference note
  ``zou_allenzhu_deep_relu.md`` §1.1, all [V]): ``f_W(x) = vᵀσ(W_Lᵀσ(⋯σ(W_1ᵀx)))`` with
  ``W_l ∈ R^{m_{l−1}×m_l}``, **no 1/√m factor, no biases**, columns of ``W_l`` drawn from
  ``N(0, (2/m_l) I)`` (the layer's *own* width, also for ``W_1``), output ``v ∈ {±1}^{m_L}`` fixed
  with exactly half +1 and half −1, **all hidden layers trained**, objective the **mean**
  ``L_S = (1/n) Σ ℓ(y_i ŷ_i)`` with ``ℓ`` from Assumptions 3.1–3.3 (logistic / cross-entropy,
  exponential, smoothed hinge). Inputs: ``‖x‖ = 1`` with last coordinate ``μ`` (Assumption 3.4),
  see :func:`zou_inputs`. Activation pattern indicator ``1{· > 0}``.
* :func:`allen_zhu_network` — Allen-Zhu, Li, Song, arXiv 1811.03962 (note §2.1, mostly [R],
  notation [S] via Cao & Gu): ``h_0 = φ(Ax)``, ``h_ℓ = φ(W_ℓ h_{ℓ−1})`` (ℓ = 1..L), output
  ``B h_L``;
  ``A ∈ R^{m×d}``, ``W_ℓ ∈ R^{m×m}`` entries ``N(0, 2/m)``, ``B ∈ R^{k×m}`` entries ``N(0, 1/k)``
  (the paper writes the label dimension as d); **A and B fixed, only W_1..W_L trained**; objective
  the **sum** ``F = Σ_i ½‖B h_{i,L} − y_i‖²`` (regression) or a summed softmax cross-entropy
  (classification, appendix [R]). Inputs ``‖x‖ = 1``, last coordinate ``1/√2`` [R]. Sign matrices
  ``1{· ≥ 0}``.

Storage convention (both papers): ``net.layers[j]`` has shape ``(fan_in, fan_out)`` and the rows of
``H_j = relu(H_{j−1} @ layers[j])`` are the hidden vectors of the samples. For Zou this is the
paper's ``W_l`` itself; for Allen-Zhu ``layers = [Aᵀ, W_1ᵀ, …, W_Lᵀ]`` (spectral and Frobenius
norms are transpose invariant). ``net.output`` is ``(m_L, k)``: ``v[:, None]`` or ``Bᵀ``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy.special import expit, log_softmax, softmax

from prooftools.errors import UserInputError

ZOU = "zou"
ALLEN_ZHU = "allen_zhu"

#: margin losses ℓ(z) of Zou et al.'s class (applied to z = y·ŷ, y ∈ {−1, +1})
MARGIN_LOSSES = ("logistic", "exponential", "smoothed_hinge")
#: output losses (regression / multiclass)
OUTPUT_LOSSES = ("squared", "cross_entropy")
LOSSES = MARGIN_LOSSES + OUTPUT_LOSSES


@dataclass
class DeepReLUNet:
    """A deep ReLU network: hidden layers (some trained), a fixed linear output, a loss.

    ``layer_labels[j]`` is the paper's index of ``layers[j]`` (Zou: 1..L; Allen-Zhu: 0 for the
    fixed ``A``, then 1..L).
    """

    layers: list[np.ndarray]
    trained: tuple[bool, ...]
    output: np.ndarray
    loss: str
    reduction: str
    parameterization: str
    strict: bool = True
    layer_labels: tuple[int, ...] = field(default=())

    def __post_init__(self) -> None:
        if len(self.trained) != len(self.layers):
            raise UserInputError("trained flags must match the number of layers")
        if self.loss not in LOSSES:
            raise UserInputError(f"unknown loss {self.loss!r}; expected one of {LOSSES}")
        if self.reduction not in ("mean", "sum"):
            raise UserInputError(f"reduction must be 'mean' or 'sum', got {self.reduction!r}")
        if self.output.ndim != 2 or self.output.shape[0] != self.layers[-1].shape[1]:
            raise UserInputError("output must have shape (last width, number of outputs)")
        if self.loss in MARGIN_LOSSES and self.output.shape[1] != 1:
            raise UserInputError(f"margin loss {self.loss!r} needs a scalar output")
        if not self.layer_labels:
            self.layer_labels = tuple(range(1, len(self.layers) + 1))

    @property
    def trained_indices(self) -> list[int]:
        """Positions in ``layers`` of the trained layers."""
        return [j for j, t in enumerate(self.trained) if t]

    @property
    def n_outputs(self) -> int:
        return int(self.output.shape[1])

    @property
    def n_params(self) -> int:
        """Number of trained parameters."""
        return int(sum(self.layers[j].size for j in self.trained_indices))

    def copy(self) -> DeepReLUNet:
        """Deep copy of the weights (the fixed output is copied too)."""
        return replace(self, layers=[w.copy() for w in self.layers], output=self.output.copy())


@dataclass
class Forward:
    """Cached forward pass: ``post[0] = X``, ``post[j+1] = relu(pre[j])``,
    ``out = post[-1] @ V``."""

    pre: list[np.ndarray]
    post: list[np.ndarray]
    out: np.ndarray

    def patterns(self, strict: bool = True) -> list[np.ndarray]:
        """Boolean ReLU activation patterns, one (n, m_l) array per layer."""
        return [(p > 0) if strict else (p >= 0) for p in self.pre]


# ----------------------------------------------------------------------------- constructors
def _widths(widths: int | tuple[int, ...] | list[int], depth: int | None) -> list[int]:
    if isinstance(widths, int | np.integer):
        if depth is None or depth < 1:
            raise UserInputError("give depth >= 1 when widths is a single integer")
        ws = [int(widths)] * depth
    else:
        ws = [int(w) for w in widths]
    if not ws or min(ws) < 1:
        raise UserInputError(f"widths must be positive integers, got {ws}")
    return ws


def zou_network(
    d: int,
    widths: int | tuple[int, ...] | list[int],
    depth: int | None = None,
    *,
    loss: str = "logistic",
    seed: int | np.random.Generator = 0,
    dtype: type = np.float64,
) -> DeepReLUNet:
    """Zou et al. (1811.08888v3 §3.2–3.3) network at its Gaussian initialization.

    ``widths`` is ``m_1..m_L`` (or one width and ``depth = L``). ``m_L`` must be even so that
    ``v`` has exactly half +1 and half −1 entries. Mean loss over samples.

    >>> net = zou_network(5, 8, depth=3, seed=0)
    >>> [w.shape for w in net.layers], float(net.output.sum())
    ([(5, 8), (8, 8), (8, 8)], 0.0)
    """
    ws = _widths(widths, depth)
    if ws[-1] % 2:
        raise UserInputError(f"last width m_L = {ws[-1]} must be even (v is half +1, half −1)")
    if loss == "cross_entropy":
        raise UserInputError("Zou et al. use a scalar output; use 'logistic' for cross-entropy")
    rng = np.random.default_rng(seed)
    fans = [int(d), *ws]
    layers = [
        (rng.standard_normal((fans[i], fans[i + 1])) * np.sqrt(2.0 / fans[i + 1])).astype(dtype)
        for i in range(len(ws))
    ]
    v = np.ones(ws[-1], dtype=dtype)
    v[ws[-1] // 2 :] = -1.0
    v = rng.permutation(v)
    return DeepReLUNet(
        layers=layers,
        trained=(True,) * len(ws),
        output=v[:, None],
        loss=loss,
        reduction="mean",
        parameterization=ZOU,
        strict=True,
    )


def allen_zhu_network(
    d: int,
    m: int,
    depth: int,
    *,
    n_outputs: int = 1,
    loss: str = "squared",
    seed: int | np.random.Generator = 0,
    dtype: type = np.float64,
) -> DeepReLUNet:
    """Allen-Zhu et al. (1811.03962) network at random initialization; only W_1..W_L trained.

    ``A`` (m×d) and ``W_ℓ`` (m×m) have i.i.d. ``N(0, 2/m)`` entries, ``B`` (k×m) ``N(0, 1/k)``.
    Summed loss (``F = Σ_i F_i``).

    >>> net = allen_zhu_network(4, 6, 2, seed=1)
    >>> net.trained, net.layer_labels
    ((False, True, True), (0, 1, 2))
    """
    if depth < 1 or m < 1 or d < 1 or n_outputs < 1:
        raise UserInputError("d, m, depth and n_outputs must be positive integers")
    if loss in MARGIN_LOSSES and n_outputs != 1:
        raise UserInputError(f"margin loss {loss!r} needs n_outputs = 1")
    rng = np.random.default_rng(seed)
    s = np.sqrt(2.0 / m)
    A = rng.standard_normal((m, d)) * s
    Ws = [rng.standard_normal((m, m)) * s for _ in range(depth)]
    B = rng.standard_normal((n_outputs, m)) / np.sqrt(n_outputs)
    return DeepReLUNet(
        layers=[A.T.astype(dtype), *(W.T.astype(dtype) for W in Ws)],
        trained=(False,) + (True,) * depth,
        output=B.T.astype(dtype).copy(),
        loss=loss,
        reduction="sum",
        parameterization=ALLEN_ZHU,
        strict=False,
        layer_labels=tuple(range(depth + 1)),
    )


def zou_inputs(X: np.ndarray, mu: float) -> np.ndarray:
    """Map rows ``x ↦ (√(1−μ²) x/‖x‖, μ)``: unit norm, constant last coordinate μ (Assumption 3.4).

    The output has one more column than ``X``. Allen-Zhu et al. use ``μ = 1/√2``.

    >>> Z = zou_inputs(np.array([[3.0, 4.0]]), 0.6)
    >>> np.round(Z, 3).tolist(), float(np.linalg.norm(Z))
    ([[0.48, 0.64, 0.6]], 1.0)
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise UserInputError(f"X must be a 2-D array (n, d), got shape {X.shape}")
    if not 0.0 < mu < 1.0:
        raise UserInputError(f"mu must lie in (0, 1), got {mu}")
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    if np.any(norms == 0):
        raise UserInputError("every input must be nonzero to be normalized")
    return np.hstack([np.sqrt(1.0 - mu**2) * X / norms, np.full((X.shape[0], 1), mu)])


def allen_zhu_inputs(X: np.ndarray) -> np.ndarray:
    """Allen-Zhu et al.'s convention: unit norm with last coordinate 1/√2 [R]."""
    return zou_inputs(X, 1.0 / np.sqrt(2.0))


# ----------------------------------------------------------------------------- forward / loss
def forward(net: DeepReLUNet, X: np.ndarray) -> Forward:
    """Forward pass caching pre-activations and layer outputs (rows are samples)."""
    X = np.asarray(X, dtype=net.layers[0].dtype)
    if X.ndim != 2 or X.shape[1] != net.layers[0].shape[0]:
        raise UserInputError(f"X must have shape (n, {net.layers[0].shape[0]}), got {np.shape(X)}")
    pre, post = [], [X]
    h = X
    for W in net.layers:
        z = h @ W
        pre.append(z)
        h = np.maximum(z, 0.0)
        post.append(h)
    return Forward(pre=pre, post=post, out=h @ net.output)


def _check_targets(net: DeepReLUNet, y: np.ndarray, n: int) -> np.ndarray:
    y = np.asarray(y)
    if net.loss in MARGIN_LOSSES:
        y = y.reshape(-1).astype(float)
        if y.shape[0] != n or not np.all(np.isin(y, (-1.0, 1.0))):
            raise UserInputError(f"labels must be n = {n} values in {{-1, +1}}")
    elif net.loss == "cross_entropy":
        y = y.reshape(-1)
        if y.shape[0] != n or not np.all((y >= 0) & (y < net.n_outputs) & (y == np.round(y))):
            raise UserInputError(f"class labels must be n = {n} integers in [0, {net.n_outputs})")
        y = y.astype(int)
    else:
        y = y.astype(float).reshape(n, -1) if y.size == n * net.n_outputs else None
        if y is None or y.shape[1] != net.n_outputs:
            raise UserInputError(f"regression targets must have shape ({n}, {net.n_outputs})")
    return y


def margin_loss(name: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ℓ(z) and ℓ'(z) for Zou et al.'s loss class (Assumptions 3.1–3.3).

    logistic ``log(1+e^{−z})`` (p = 1, α0 = α1 = 1/2, λ = 1/4); exponential ``e^{−z}``
    (p = 1, α0 = ∞; not globally smooth); smoothed hinge ``½ − z`` (z ≤ 0), ``(1−z)²/2``
    (0 < z < 1), 0 (z ≥ 1) (p = 1/2, α1 = √2, α0 = 1, λ = 1).

    >>> l, dl = margin_loss("logistic", np.array([0.0]))
    >>> round(float(l[0]), 6), float(dl[0])
    (0.693147, -0.5)
    """
    if name == "logistic":
        return np.logaddexp(0.0, -z), -expit(-z)
    if name == "exponential":
        e = np.exp(-z)
        return e, -e
    if name == "smoothed_hinge":
        val = np.where(z <= 0, 0.5 - z, np.where(z < 1, 0.5 * (1 - z) ** 2, 0.0))
        der = np.where(z <= 0, -1.0, np.where(z < 1, z - 1.0, 0.0))
        return val, der
    raise UserInputError(f"unknown margin loss {name!r}; expected one of {MARGIN_LOSSES}")


def loss_and_dout(net: DeepReLUNet, out: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Objective value (paper's reduction) and its derivative w.r.t. the outputs ``out`` (n, k)."""
    n = out.shape[0]
    y = _check_targets(net, y, n)
    scale = 1.0 / n if net.reduction == "mean" else 1.0
    if net.loss in MARGIN_LOSSES:
        u = out[:, 0]
        val, der = margin_loss(net.loss, y * u)
        return float(scale * val.sum()), (scale * der * y)[:, None]
    if net.loss == "squared":
        r = out - y
        return float(scale * 0.5 * np.sum(r * r)), scale * r
    lsm = log_softmax(out, axis=1)
    val = -lsm[np.arange(n), y].sum()
    d = softmax(out, axis=1)
    d[np.arange(n), y] -= 1.0
    return float(scale * val), scale * d


def loss_value(net: DeepReLUNet, X: np.ndarray, y: np.ndarray) -> float:
    """Training objective exactly as the paper defines it (vocabulary observable ``loss``)."""
    return loss_and_dout(net, forward(net, X).out, y)[0]


def train_error(net: DeepReLUNet, out: np.ndarray, y: np.ndarray) -> float:
    """Fraction misclassified (``train_error``): sign for margin losses, argmax for
    cross-entropy; NaN for regression."""
    if net.loss in MARGIN_LOSSES:
        yy = np.asarray(y, dtype=float).reshape(-1)
        return float(np.mean(yy * out[:, 0] <= 0))
    if net.loss == "cross_entropy":
        return float(np.mean(np.argmax(out, axis=1) != np.asarray(y).reshape(-1)))
    return float("nan")


def backprop(
    net: DeepReLUNet, fwd: Forward, dout: np.ndarray, *, lowest: int | None = None
) -> list[np.ndarray | None]:
    """Back-propagated matrices ``G_j = ∂(Σ_i dout_i·out_i)/∂pre_j`` (n, m_j), from the top
    down to layer ``lowest`` (default: the lowest trained layer); ``None`` below it."""
    if lowest is None:
        tr = net.trained_indices
        lowest = tr[0] if tr else len(net.layers)
    G: list[np.ndarray | None] = [None] * len(net.layers)
    g = dout @ net.output.T
    for j in range(len(net.layers) - 1, lowest - 1, -1):
        mask = (fwd.pre[j] > 0) if net.strict else (fwd.pre[j] >= 0)
        g = g * mask
        G[j] = g
        if j > lowest:
            g = g @ net.layers[j].T
    return G


def gradients(
    net: DeepReLUNet, X: np.ndarray, y: np.ndarray, fwd: Forward | None = None
) -> tuple[float, list[np.ndarray | None], Forward]:
    """Objective, its gradient for every trained layer (``None`` for fixed ones), the forward.

    ``∇_{layers[j]} = H_{j−1}ᵀ G_j`` (Zou §3.4; Allen-Zhu ``Σ_i (D Backᵀ loss_i) h_{i,ℓ−1}ᵀ``
    transposed to the storage convention).
    """
    fwd = forward(net, X) if fwd is None else fwd
    val, dout = loss_and_dout(net, fwd.out, y)
    G = backprop(net, fwd, dout)
    grads: list[np.ndarray | None] = [None] * len(net.layers)
    for j in net.trained_indices:
        grads[j] = fwd.post[j].T @ G[j]
    return val, grads, fwd


def flat_params(net: DeepReLUNet) -> np.ndarray:
    """Trained parameters as one vector (layer order, C order)."""
    return np.concatenate([net.layers[j].ravel() for j in net.trained_indices])


def set_flat_params(net: DeepReLUNet, theta: np.ndarray) -> DeepReLUNet:
    """Copy of ``net`` with trained parameters taken from ``theta``."""
    new = net.copy()
    pos = 0
    for j in new.trained_indices:
        size = new.layers[j].size
        new.layers[j] = np.asarray(theta[pos : pos + size]).reshape(new.layers[j].shape).copy()
        pos += size
    if pos != theta.size:
        raise UserInputError(f"theta has {theta.size} entries, the network {pos}")
    return new
