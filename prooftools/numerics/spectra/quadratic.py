"""yᵀH⁻¹y with a rigorous enclosure, from the factor the certificate leaves in its buffer
(:mod:`prooftools.numerics.spectra.certified`): preconditioned conjugate gradients, then the
residual and the certified λ_min bound the error.
"""


from __future__ import annotations

import math

import numpy as np

from prooftools.numerics.quantity import Quantity
from prooftools.numerics.rounding import UNIT_ROUNDOFF, gamma
from prooftools.numerics.spectra.cholesky import PANEL, next_down, next_up, progress_bar
from prooftools.numerics.spectra.krylov import SymWork


def solve_quadratic(work: SymWork, y: np.ndarray, max_iter: int = 60,
                     lam_est: float = 0.0) -> dict:
    """x̃ ≈ H⁻¹y by conjugate gradients, preconditioned with the factor in the buffer when there
    is one (float64, or the float32 one: a preconditioner that varies by its rounding, hence
    the flexible Polak–Ribière β), and what the enclosure needs: yᵀx̃, ‖y‖, ‖x̃‖ and a bound on
    ‖y − Ĥx̃‖ (computed residual plus its rounding γ_{n+4}(‖Ĥ‖_F‖x̃‖ + ‖y‖), with a margin of
    2·max|ĥ_ii|‖x̃‖; the products read only the kept diagonal and the untouched triangle).
    Stops at ‖r‖ ≤ 10⁻¹⁴‖y‖, or when the residual's share of the enclosure, ‖y‖‖r‖/λ with
    λ ≈ ``lam_est``, is below 10⁻⁹·|yᵀx̃| (an estimate decides when to stop, never the bound),
    or when ‖r‖ has not halved in 5 steps (rounding floor)."""
    n = work.n
    Y = y.reshape(n, -1)
    if work.factored_at is not None:
        precond = work.solve
    elif work.f32_at is not None:
        precond = work.solve32
    else:
        precond = None
    dabs = 2.0 * float(np.max(np.abs(work.diag)))
    out = {"value": 0.0, "cols": [], "steps": 0, "n": n}
    with progress_bar(work.progress if n > PANEL else False, max_iter * Y.shape[1],
                      f"yᵀH⁻¹y by CG (n={n})") as bar:
        for k in range(Y.shape[1]):
            _cg_column(work, Y[:, k], precond, dabs, max_iter, lam_est, out, bar)
    return out


def _cg_column(work: SymWork, b: np.ndarray, precond, dabs: float, max_iter: int,
               lam_est: float, out: dict, bar) -> None:
    """One column of :func:`solve_quadratic`: its CG run and enclosure parts, into ``out``."""
    n = work.n
    b = b.copy()
    x = np.zeros(n)
    r = b.copy()
    z = precond(r[:, None])[:, 0] if precond else r.copy()
    pdir = z.copy()
    rz = float(r @ z)
    bn = float(np.linalg.norm(b))
    steps, best, since = 0, math.inf, 0
    while steps < max_iter and bn > 0 and since < 5:
        rn = float(np.linalg.norm(r))
        if rn <= 1e-14 * bn or (lam_est > 0 and bn * rn <= 1e-9 * lam_est * abs(b @ x)):
            break
        best, since = (rn, 0) if rn <= 0.5 * best else (best, since + 1)
        Ap = work.matmul(pdir)[:, 0]
        pAp = float(pdir @ Ap)
        if not pAp > 0:
            break
        alpha = rz / pAp
        x += alpha * pdir
        r_old_z = float(r @ z)
        r -= alpha * Ap
        z_old = z
        z = precond(r[:, None])[:, 0] if precond else r.copy()
        rz_new = float(r @ z)
        beta = max(0.0, (rz_new - float(r @ z_old)) / r_old_z)  # Polak–Ribière (flexible)
        pdir = z + beta * pdir
        rz = rz_new
        steps += 1
        bar.update(1)
    r_hat = b - work.matmul(x)[:, 0]
    xn = float(np.linalg.norm(x))
    g = gamma(n + 4)
    r_bound = float(np.linalg.norm(r_hat)) * (1 + g) + g * ((work.fro + 2 * dabs) * xn + bn)
    val = float(b @ x)
    out["value"] += val
    out["cols"].append((val, bn, xn, r_bound))
    out["steps"] = max(out["steps"], steps)


def enclose_quadratic(parts: dict | None, lam: Quantity, error_bound: float) -> Quantity:
    """yᵀH⁻¹y with a rigorous enclosure (H the exact matrix): yᵀĤ⁻¹y = yᵀx̃ + yᵀĤ⁻¹r,
    |yᵀĤ⁻¹r| ≤ ‖y‖‖r‖/λ̂ with λ̂ the certified lower bound of Ĥ, the rounding of yᵀx̃
    (γ_n‖y‖‖x̃‖), and |yᵀ(H⁻¹ − Ĥ⁻¹)y| ≤ ‖y‖²‖E‖₂/(λ λ̂). Needs λ > 0 proven, else only the
    value."""
    if parts is None:  # zero matrix
        return Quantity(math.inf, note="H = 0: yᵀH⁻¹y undefined")
    value = parts["value"]
    note = (f"yᵀH⁻¹y by conjugate gradients preconditioned with a Cholesky factor of H − tI "
            f"({parts['steps']} steps); enclosure from the residual and the certified λ_min")
    lam_lo = lam.lower if lam.lower is not None else -math.inf
    lam_hat = lam_lo + error_bound
    if not lam_lo > 0:
        return Quantity(value, note=note + "; not bounded: λ_min not proven positive")
    width = 0.0
    for _val, bn, xn, r_bound in parts["cols"]:
        width += (gamma(parts["n"]) * bn * xn + bn * r_bound / lam_hat
                  + bn * bn * error_bound / (lam_lo * lam_hat))
    width = next_up(width * 1.01 + 4 * UNIT_ROUNDOFF * abs(value), 4)
    return Quantity(value, lower=max(0.0, next_down(value - width, 4)),
                    upper=next_up(value + width, 4), note=note)
