"""Replicate Chatterjee's comparison: positive initialization vs standard random initialization.

Same data, width and depth; for each seed both initializations are trained by GD with the step
``η = 1/β(x0)`` (power-iteration Hessian norm at the start point, each init its own), and we
record loss curves, steps to ε and the estimated criterion at x0. Figures (PNG and PDF, Agg
backend) go to ``out_dir``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from prooftools.errors import UserInputError
from prooftools.numerics import chatterjee as ch


def default_dataset(n: int = 8, d: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Unit-norm Gaussian inputs (linearly independent a.s. when n ≤ d) and N(0,1) labels."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True), rng.standard_normal(n)


def _steps_to(loss: np.ndarray, eps: float) -> int:
    hit = np.nonzero(loss <= eps)[0]
    return int(hit[0]) if hit.size else -1


def replicate_chatterjee(
    X: np.ndarray,
    y: np.ndarray,
    width: int,
    depth: int,
    seeds: tuple[int, ...] = (0, 1, 2),
    steps: int = 500,
    out_dir: str | Path | None = None,
    *,
    activation: str = "tanh",
    s: float = 3.0,
    r: float = 1.0,
    eps: float = 1e-6,
    n_uniform: int = 100,
) -> dict:
    """Compare positive (output scale ``s``) and random initializations across ``seeds``.

    Returns ``{"positive": [...], "random": [...], "figures": [...], ...}``; each run entry has
    ``seed, eta, f0, loss (array), steps_to_eps, criterion`` (estimated α on B̄(x0, r)).

    >>> X, y = default_dataset(4, 6)
    >>> out = replicate_chatterjee(X, y, 6, 2, seeds=(0,), steps=50, n_uniform=10)
    >>> len(out["positive"]), len(out["random"]), out["figures"]
    (1, 1, [])
    """
    if not seeds:
        raise UserInputError("give at least one seed")
    prob = ch.SmoothMLP(X, y, width, depth, activation)
    out: dict = {
        "positive": [],
        "random": [],
        "eps": eps,
        "width": width,
        "depth": depth,
        "activation": activation,
        "s": s,
        "r": r,
        "sigma_min_X": ch.linear_independence(prob.X).value,
    }
    for seed in seeds:
        for kind, x0 in (
            ("positive", ch.positive_init(prob, s, seed)),
            ("random", ch.random_init(prob, seed)),
        ):
            beta = ch.hessian_norm(prob, x0, seed=seed)
            eta = 1.0 / beta
            run = ch.gd(prob, x0, eta, steps, keep_path=False)
            f0 = run["loss"][0]
            alpha = ch.estimate_alpha(prob, x0, r, n_uniform=n_uniform, seed=seed).value
            out[kind].append(
                {
                    "seed": seed,
                    "eta": eta,
                    "f0": f0,
                    "loss": run["loss"],
                    "steps_to_eps": _steps_to(run["loss"], eps * f0),
                    "criterion": ch.criterion(f0, alpha, r),
                }
            )
    out["figures"] = _plot(out, Path(out_dir)) if out_dir is not None else []
    return out


def _plot(res: dict, out_dir: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 4))
    for kind, color in (("positive", "C0"), ("random", "C3")):
        for i, run in enumerate(res[kind]):
            ax.semilogy(
                np.maximum(run["loss"], 1e-300),
                color=color,
                alpha=0.8,
                label=f"{kind} init" if i == 0 else None,
            )
    ax.set_xlabel("GD step k")
    ax.set_ylabel("f(x_k) = (1/n) Σ (y_i − out_i)²")
    ax.set_title(f"{res['activation']}, width {res['width']}, depth {res['depth']}, s = {res['s']}")
    ax.legend()
    fig.tight_layout()
    paths = []
    for ext in ("png", "pdf"):
        p = out_dir / f"chatterjee_loss_curves.{ext}"
        fig.savefig(p)
        paths.append(str(p))
    plt.close(fig)
    return paths


def main() -> None:  # pragma: no cover - manual entry point
    X, y = default_dataset()
    res = replicate_chatterjee(X, y, width=32, depth=3, out_dir="chatterjee_figures")
    for kind in ("positive", "random"):
        print(
            kind,
            [r["steps_to_eps"] for r in res[kind]],
            [r["criterion"]["verdict"] for r in res[kind]],
        )
    print(res["figures"])


if __name__ == "__main__":  # pragma: no cover
    main()
