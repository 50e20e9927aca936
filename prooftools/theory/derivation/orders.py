"""Orders of a bound in each variable: x^p · log(x)^l as x grows (or 1/x grows for the small
quantities δ, λ0, φ, ε, η …), and the factor by which two bounds differ.

Products add orders, powers scale them, sums and Max keep the larger (lexicographically: the
power first, then the log power), Min the smaller. A log(·) of something that grows like a power
of x counts as one log power of x; so does a Lambert W of such a thing (−W₋₁(−1/z) ~ log z). A log
that contains the constrained symbol itself (Õ's log m, with m polynomial in every variable)
counts as one log power of every variable.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sympy

from prooftools.theory.derivation import ranges
from prooftools.theory.special import NegW

#: Variables that are small in the regime of interest: their orders are in 1/x.
INVERSE = ("delta", "lambda0", "sep", "phi", "eps", "eta", "tau")
#: Variables of growth always judged when a derived bound depends on them; any other parameter
#: or data symbol is judged only when the stated bound names it (a label bound |y| ≤ C that the
#: statement hides in its constant shows up in the implied constant instead).
STANDARD = ("n", "L", "d", "m", "b", "delta", "lambda0", "sep", "phi", "eps", "eta")


@dataclass(frozen=True)
class Order:
    """x^power · log(x)^log_power; ``power`` may be symbolic (26 − 2p)."""

    power: sympy.Expr
    log_power: sympy.Expr

    def __str__(self) -> str:
        return format_order(self, "x")


def format_order(o: Order | None, label: str) -> str:
    """``n^6``, ``(1/delta)^3·log(1/delta)``, ``1`` (order zero) or ``?``."""
    if o is None:
        return "?"
    log_label = label
    parts = []
    base = f"({label})" if "/" in label else label
    power = o.power
    if label.startswith("1/") and power.is_number and power < 0:  # (1/λ0)^-1 reads λ0
        base = label = label[2:]
        power = -power
    if power != 0:
        parts.append(label if power == 1 else f"{base}^{_paren(power)}")
    if o.log_power != 0:
        lp = "" if o.log_power == 1 else f"^{_paren(o.log_power)}"
        parts.append(f"log{lp}({log_label})")
    return "·".join(parts) or "1"


def _paren(e: sympy.Expr) -> str:
    s = str(e)
    return s if (e.is_Integer or e.is_Symbol) else f"({s})"


_ZERO = Order(sympy.Integer(0), sympy.Integer(0))


def _cmp(a: Order, b: Order) -> int | None:
    """-1, 0, 1 for a < b, a = b, a > b lexicographically; None when undecidable.

    On an assumed range the powers may differ with one sign except where they are equal (26 −
    2p against 26 at p = 0): the log powers must then not say the opposite there."""
    dp, dl = a.power - b.power, a.log_power - b.log_power
    sp = ranges.sign(dp, weak=True)
    if sp is None:
        return None
    sl = ranges.sign(dl, weak=True)
    if sp == 0:
        return sl
    if ranges.sign(dp) is None and sl not in (0, sp):
        return None  # somewhere the powers tie and the logs decide the other way
    return sp


def _extreme(orders: list[Order | None], largest: bool) -> Order | None:
    if any(o is None for o in orders):
        return None
    best = orders[0]
    for o in orders[1:]:
        c = _cmp(o, best)
        if c is None:
            return None
        if (c > 0) == largest and c != 0:
            best = o
    return best


def order_of(expr: sympy.Basic, var: sympy.Symbol, inverse: bool,
             constrained: sympy.Symbol | None = None) -> Order | None:
    """The order of ``expr`` in ``var`` (in 1/var when ``inverse``); None when undecidable.

    Memoized on the arguments and the exponent ranges in force (:func:`ranges.current_key`):
    an umbrella statement, its cases and its corollaries judge the same expressions again (half
    of the calls when every seed theorem is derived); the result holds no dummy."""
    return _order_of(expr, var, inverse, constrained, ranges.current_key())


@functools.lru_cache(maxsize=8192)
def _order_of(expr: sympy.Basic, var: sympy.Symbol, inverse: bool,
              constrained: sympy.Symbol | None, _ranges: tuple) -> Order | None:
    x = sympy.Dummy("x", positive=True)
    e = expr.xreplace({var: 1 / x if inverse else x})
    return _growth(e, x, constrained)


def _growth(e: sympy.Basic, x: sympy.Symbol, m: sympy.Symbol | None) -> Order | None:
    free = e.free_symbols
    if x not in free and (m is None or m not in free):
        return _ZERO
    if e == x:
        return Order(sympy.Integer(1), sympy.Integer(0))
    if e == m:  # the constrained symbol outside a log is not a variable of growth
        return _ZERO
    if isinstance(e, sympy.Mul):
        parts = [_growth(a, x, m) for a in e.args]
        if any(p is None for p in parts):
            return None
        return Order(sympy.Add(*[p.power for p in parts]), sympy.Add(*[p.log_power for p in parts]))
    if isinstance(e, sympy.Pow):
        if x in e.exp.free_symbols:
            return None
        base = _growth(e.base, x, m)
        return None if base is None else Order(sympy.expand(e.exp * base.power),
                                               sympy.expand(e.exp * base.log_power))
    if isinstance(e, (sympy.Add, sympy.Max)):
        return _extreme([_growth(a, x, m) for a in e.args], True)
    if isinstance(e, sympy.Min):
        return _extreme([_growth(a, x, m) for a in e.args], False)
    if isinstance(e, (sympy.log, sympy.LambertW, NegW)):
        inner = _growth(e.args[0], x, m)
        if inner is None:
            return None
        grows = inner.power != 0 or (m is not None and m in free)
        return Order(sympy.Integer(0), sympy.Integer(1 if grows else 0))
    if isinstance(e, sympy.exp):  # exp(c·log Y) = Y^c (a Lambert W argument keeps this form)
        c, lg = e.args[0].as_independent(x, as_Add=False)
        if isinstance(lg, sympy.log):
            inner = _growth(lg.args[0], x, m)
            return None if inner is None else Order(sympy.expand(c * inner.power),
                                                    sympy.expand(c * inner.log_power))
        return None
    if isinstance(e, (sympy.Abs, sympy.ceiling, sympy.floor)):
        return _growth(e.args[0], x, m)
    return _ZERO if x not in free else None


def variables(derived: sympy.Basic, stated: sympy.Basic, symbols: dict,
              constrained: str | None) -> list[tuple[str, bool]]:
    """(name, inverse) of the variables of growth: the parameter and data symbols of the stated
    bound, and the STANDARD ones of the derived bound, that occur as a base and not only in
    exponents (``zou_p`` in n^(26−2p) is not a variable of growth), in a stable order."""
    exprs = (derived, stated)
    names: set[str] = set()
    exponent_only: set[str] = set()
    for e in exprs:
        for s in e.free_symbols:
            d = symbols.get(s.name)
            if d is None or d.role not in ("parameter", "data") or s.name == constrained:
                continue
            if e is stated or s.name in STANDARD:
                names.add(s.name)
        for p in e.atoms(sympy.Pow):
            exponent_only |= {s.name for s in p.exp.free_symbols}
    bases = {s.name for e in exprs for s in _base_symbols(e)}
    names = {n for n in names if n in bases or n not in exponent_only}
    return [(n, n in INVERSE or symbols[n].domain == "probability") for n in sorted(names)]


def _base_symbols(e: sympy.Basic) -> set:
    if e.is_Symbol:
        return {e}
    if isinstance(e, sympy.Pow):
        return _base_symbols(e.base)
    out: set = set()
    for a in e.args:
        out |= _base_symbols(a)
    return out


def orders(expr: sympy.Basic, varlist: list[tuple[str, bool]], symbols: dict,
           constrained: str | None) -> dict[str, Order | None]:
    """The order of ``expr`` in each variable of ``varlist`` (label → Order)."""
    m = symbols[constrained].sym if constrained in symbols else None
    out = {}
    for name, inverse in varlist:
        label = f"1/{name}" if inverse else name
        out[label] = order_of(expr, symbols[name].sym, inverse, m)
    return out


def factor(diff: dict[str, Order]) -> sympy.Expr:
    """The factor x^Δp·log(x)^Δl over the variables (labels ``n``, ``1/delta`` …)."""
    out = sympy.Integer(1)
    for label, o in diff.items():
        x = sympy.Symbol(label)
        out *= x**o.power * sympy.log(x)**o.log_power
    return out
