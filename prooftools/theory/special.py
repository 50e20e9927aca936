"""Special functions a derivation may produce (and the bounded evaluator evaluates)."""

from __future__ import annotations

import sympy


class NegW(sympy.Function):
    """ℓ(z) = −W₋₁(−z) for 0 < z ≤ 1/e: the larger root u of u·e^(−u) = z, real and ≥ 1, and
    log(1/z) + log log(1/z) + o(1) as z → 0. (sympy's LambertW(x, −1) does not know it is real
    for −1/e ≤ x < 0, so Max/Min could not compare it.)"""

    is_real = True
    is_positive = True

    @classmethod
    def eval(cls, z):  # safe: sympy Function hook, not an evaluator of text
        return None

    def _eval_evalf(self, prec):
        return (-sympy.LambertW(-self.args[0], -1))._eval_evalf(prec)

    def _sympystr(self, printer):
        return f"(-LambertW(-{printer.parenthesize(self.args[0], 100)}, -1))"

    def _latex(self, printer):
        return r"\left(-W_{-1}(-" + printer._print(self.args[0]) + r")\right)"
