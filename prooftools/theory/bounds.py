"""Evaluate bounds exactly, at any magnitude, and over grids in log space.

Values given by the user are read as exact rationals (``1e-3`` is 1/1000), substituted into the
sympy expression, and only then evaluated with arbitrary-precision floats: a width of 10^3000 is
an ordinary answer here, never an overflow.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

import mpmath
import numpy as np
import sympy

from prooftools.errors import UserInputError
from prooftools.theory.definitions import Bound, Statement
from prooftools.theory.magnitude import Evaluation, evaluate_number, floating, substitute

if TYPE_CHECKING:
    from prooftools.theory.registry import Registry

DIGITS = 30
#: Largest decimal exponent accepted in a user-supplied number (10^100000 is still instant).
MAX_USER_EXPONENT = 100_000


def exact(value: str | float | int | Fraction) -> sympy.Rational:
    """A user-supplied number as an exact rational (decimal strings are read as written).

    >>> exact("1e-3")
    1/1000
    >>> exact("1e300") == sympy.Integer(10)**300
    True
    """
    if isinstance(value, (sympy.Rational, sympy.Float)):  # already exact, or a computed value
        return value
    text = str(value).strip()
    mantissa, _, power = text.lower().partition("e")
    if power:
        try:
            exponent = int(power)
        except ValueError:
            raise UserInputError(f"expected a number, got {value!r}") from None
        if abs(exponent) > MAX_USER_EXPONENT:
            raise UserInputError(f"number {text!r} is out of range (|exponent| at most "
                                 f"{MAX_USER_EXPONENT})")
    if len(mantissa) > 10 * MAX_USER_EXPONENT:
        raise UserInputError(f"number {text[:20]!r}… has too many digits")
    try:
        frac = Fraction(str(value).strip()) if not isinstance(value, Fraction) else value
    except (ValueError, ZeroDivisionError):
        raise UserInputError(f"expected a number, got {value!r}") from None
    return sympy.Rational(frac.numerator, frac.denominator)


@dataclass(frozen=True)
class BoundValue:
    """A bound evaluated at given values."""

    statement: str
    name: str
    kind: str
    expr: str
    value: sympy.Float | None
    log10: float | None
    hidden_constants: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    provenance: str = ""
    symbol: str | None = None
    relation: str | None = None
    substituted: tuple[str, ...] = ()
    derived_from: str | None = None
    extra: dict = field(default_factory=dict)
    #: False when the value comes from the floating evaluation (30 digits, not certified)
    exact: bool = True
    #: "> 10^(10^k)" when only the magnitude is known; else None
    magnitude: str | None = None
    #: why there is no value although nothing is missing ("not representable: …")
    reason: str | None = None
    #: "lower"/"upper" when an Õ log power was set to 0 (see theory/hidden.py); "estimate"
    #: when the direction is unknown; None for a value computed from known exponents
    estimate: str | None = None
    #: (symbol, value, source) of each hidden exponent used (Õ log powers, derived degrees)
    log_powers: tuple[tuple[str, str, str], ...] = ()
    #: how the value was obtained, when not from the bound alone (cases, m or η used, …)
    notes: tuple[str, ...] = ()
    #: the statement and bound that gave the value (a case or a cited restatement), if any
    via: str | None = None

    @property
    def decimal(self) -> str | None:
        """The value as a decimal string (scientific notation for large or small values)."""
        if self.value is None:
            return None
        return format_decimal(self.value)

    def to_dict(self) -> dict:
        """The JSON shape of the ``bounds`` command."""
        out = {
            "name": self.name,
            "kind": self.kind,
            "expr": self.expr,
            "value": self.decimal,
            "log10": self.log10,
            "hidden_constants": list(self.hidden_constants),
            "provenance": self.provenance,
        }
        if self.symbol:
            out["constrains"] = f"{self.symbol} {self.relation}"
        if self.missing:
            out["missing"] = list(self.missing)
        if self.substituted:
            out["derived_constants"] = list(self.substituted)
        if self.derived_from:
            out["derived_from"] = self.derived_from
        if self.value is not None and not self.exact:
            out["precision"] = f"floating evaluation, {DIGITS} significant digits"
        if self.magnitude:
            out["magnitude"] = self.magnitude
        if self.reason:
            out["not_representable"] = self.reason
        if self.estimate:
            out["estimate"] = self.estimate
        if self.log_powers:
            out["hidden_exponents"] = [{"symbol": s, "value": v, "source": src}
                                        for s, v, src in self.log_powers]
        if self.via:
            out["via"] = self.via
        if self.notes:
            out["notes"] = list(self.notes)
        return out

    @property
    def shortfall(self) -> str:
        """Why there is no value, for a table cell ("needs n", "> 10^(10^3000.5)", …)."""
        if self.value is not None:
            return self.decimal or ""
        if self.magnitude:
            return self.magnitude
        if self.reason:
            return f"not representable ({self.reason})"
        return "needs " + ", ".join(self.missing)


def format_decimal(value: sympy.Basic, digits: int = 10) -> str:
    """Decimal string of a (possibly enormous) sympy number, e.g. ``'3.2e+3000'``."""
    mp = mpmath.mpf(sympy.Float(value, DIGITS)._mpf_)
    if mp == 0:
        return "0"
    with mpmath.workdps(DIGITS):
        text = mpmath.nstr(mp, digits, min_fixed=-4, max_fixed=7, strip_zeros=True)
    return text


def log10_of(value: sympy.Basic) -> float | None:
    """log10 of a positive sympy number without overflow (None when not positive)."""
    if value is None or not value.is_real or not value.is_positive:
        return None
    mp = mpmath.mpf(sympy.Float(value, DIGITS)._mpf_)
    with mpmath.workdps(DIGITS):
        return float(mpmath.log10(mp))


def iterations_from_rate(bound: Bound, r0: sympy.Symbol, eps: sympy.Symbol) -> sympy.Expr:
    """Iterations (or time) for a rate bound to bring r0 down to eps.

    For ``ρ^k r0 ≤ eps``: T = log(r0/eps)/(−log ρ); for ``exp(−a t) r0 ≤ eps``: T = log(r0/eps)/a.

    >>> from prooftools.theory.definitions import Bound
    >>> eta, lam, r0, eps = sympy.symbols("eta lambda0 r0 eps", positive=True)
    >>> b = Bound("rate", "rate", 1 - eta*lam/2, "1 - eta*lambda0/2", "verified", "")
    >>> iterations_from_rate(b, r0, eps)
    -log(r0/eps)/log(-eta*lambda0/2 + 1)
    """
    if bound.form == "exp":
        return sympy.log(r0 / eps) / bound.expr
    return sympy.log(r0 / eps) / (-sympy.log(bound.expr))


def substitution(
    registry: Registry,
    expr: sympy.Basic,
    values: Mapping[str, object],
    *,
    constants: str = "hidden",
) -> tuple[sympy.Basic, tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Substitute user values (exact) and, with ``constants='derived'``, derived constants.

    Returns (expression, hidden constants left, derived constants used, missing symbols).
    """
    if constants not in ("hidden", "derived"):
        raise UserInputError(f"constants must be 'hidden' or 'derived', got {constants!r}")
    subs: dict[sympy.Symbol, sympy.Basic] = {}
    used: list[str] = []
    for sym in expr.free_symbols:
        if sym.name in values:
            subs[sym] = exact(values[sym.name])  # type: ignore[arg-type]
    expr = substitute(expr, subs)
    if constants == "derived":
        derived = registry.derived_constants()
        dsubs = {s: derived[s.name] for s in expr.free_symbols if s.name in derived}
        used = sorted(s.name for s in dsubs)
        expr = substitute(expr, dsubs)
    hidden = tuple(registry.constants_in(expr))
    # A hidden constant in an exponent (an unknown polynomial degree) cannot be set to 1:
    # that would turn poly(n) into n. It is reported as missing instead.
    in_exponent = {
        s.name for p in expr.atoms(sympy.Pow) for s in p.exp.free_symbols if s.name in hidden
    }
    hidden = tuple(h for h in hidden if h not in in_exponent)
    missing = tuple(sorted(s.name for s in expr.free_symbols if s.name not in hidden))
    return expr, hidden, tuple(used), missing


def evaluate_expr(
    registry: Registry,
    expr: sympy.Basic,
    values: Mapping[str, object],
    *,
    constants: str = "hidden",
) -> tuple[sympy.Float | None, tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Value of ``expr`` with hidden constants set to 1; None when symbols are missing.

    A value that is not representable (beyond 10^(10^15), undefined) is None with the reason
    in ``missing``; :func:`evaluate_checked` returns the full :class:`Evaluation`.
    """
    ev, hidden, used, missing = evaluate_checked(registry, expr, values, constants=constants)
    if ev is not None and ev.value is None:
        missing = (f"(not representable: {ev.magnitude or ev.reason})",)
    return (None if ev is None else ev.value), hidden, used, missing


def evaluate_checked(
    registry: Registry,
    expr: sympy.Basic,
    values: Mapping[str, object],
    *,
    constants: str = "hidden",
) -> tuple[Evaluation | None, tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Like :func:`evaluate_expr`, with the bounded :class:`Evaluation` (None when missing)."""
    expr, hidden, used, missing = substitution(registry, expr, values, constants=constants)
    if missing:
        return None, hidden, used, missing
    expr = substitute(expr, {s: sympy.Integer(1) for s in expr.free_symbols})
    return evaluate_number(expr), hidden, used, ()


def evaluate_bound(
    registry: Registry,
    statement: Statement,
    bound: Bound,
    values: Mapping[str, object],
    *,
    constants: str = "hidden",
) -> BoundValue:
    """Evaluate one bound of one statement at ``values``.

    A requirement that contains its own symbol (``m >= C n^6 log(m/δ)/…``) is implicit: when the
    symbol is not given we report the least fixed point m = f(m), found by iteration.
    """
    implicit = (
        bound.symbol is not None
        and bound.symbol not in values
        and any(s.name == bound.symbol for s in bound.expr.free_symbols)
    )
    if implicit:
        ev, hidden, used, missing = _implicit_requirement(
            registry, bound, values, constants=constants
        )
    else:
        ev, hidden, used, missing = evaluate_checked(
            registry, bound.expr, values, constants=constants
        )
    return _bound_value(statement.id, bound.name, bound.kind, bound.text, ev, hidden, missing,
                        bound.provenance, used, symbol=bound.symbol, relation=bound.relation,
                        extra={"implicit": True} if implicit else {})


def _bound_value(statement, name, kind, text, ev: Evaluation | None, hidden, missing,
                 provenance, used, **more) -> BoundValue:
    value = None if ev is None else ev.value
    log10 = None
    if value is not None and ev is not None and ev.log10 is not None and value > 0:
        log10 = ev.log10
    return BoundValue(
        statement=statement, name=name, kind=kind, expr=text, value=value, log10=log10,
        hidden_constants=hidden, missing=missing, provenance=provenance, substituted=used,
        exact=True if ev is None else ev.exact,
        magnitude=None if ev is None else ev.magnitude,
        reason=None if ev is None or ev.value is not None or ev.magnitude else ev.reason,
        **more,
    )


#: Iterations of the implicit-width solve, and how many non-contracting steps mean divergence.
FIXED_POINT_STEPS = 200
DIVERGING_STEPS = 8


def _implicit_requirement(registry, bound: Bound, values, *, constants):
    """Least x ≥ 3 with x >= f(x) by fixed-point iteration x <- f(x) from f(3) (f grows slowly;
    3 > e, so a factor log(x) is not 0 at the start and m ≈ 1 is not taken for the solution).

    Each step is a bounded floating evaluation; the iteration stops as diverging when f(x)
    leaves the representable range or when DIVERGING_STEPS steps in a row do not contract
    (``exp(m)``, ``10**m``, ``2*m``: no finite fixed point). The fixed point's value is then
    re-evaluated exactly when its size allows.
    """
    expr, hidden, used, missing = substitution(
        registry, bound.expr, values, constants=constants
    )
    missing = tuple(m for m in missing if m != bound.symbol)
    if missing:
        return None, hidden, used, missing
    expr = substitute(expr, {s: sympy.Integer(1) for s in expr.free_symbols
                             if s.name in hidden})
    syms = [s for s in expr.free_symbols if s.name == bound.symbol]
    if not syms:
        return evaluate_number(expr), hidden, used, ()
    sym = syms[0]
    diverges = Evaluation(None, None, exact=False,
                          reason=f"no finite fixed point: {bound.symbol} = f({bound.symbol}) "
                                 "diverges (f grows at least as fast as its argument)")
    x = sympy.Integer(3)
    step, growing = None, 0
    for _ in range(FIXED_POINT_STEPS):
        ev = floating(substitute(expr, {sym: x}))
        if ev.magnitude and ev.magnitude.startswith(">"):
            return diverges, hidden, used, ()
        nxt = ev.value
        if nxt is None or not nxt > 0:
            reason = ev.reason or "no positive fixed point"
            return Evaluation(None, None, exact=False, reason=reason), hidden, used, ()
        if abs(nxt - x) <= abs(nxt) * sympy.Float(10) ** -(DIGITS - 5):
            final = evaluate_number(substitute(expr, {sym: nxt}))
            return (final if final.value is not None else ev), hidden, used, ()
        new_step = abs(nxt - x)
        growing = growing + 1 if step is not None and new_step >= step and nxt > x else 0
        if growing >= DIVERGING_STEPS:
            return diverges, hidden, used, ()
        step, x = new_step, nxt
    return (Evaluation(None, None, exact=False, reason="fixed-point iteration did not converge"),
            hidden, used, ())


def evaluate_statement(
    registry: Registry,
    statement_id: str,
    values: Mapping[str, object],
    *,
    constants: str = "hidden",
    kinds: tuple[str, ...] | None = None,
) -> list[BoundValue]:
    """Every bound of a statement at ``values`` (see :mod:`prooftools.theory.statement_values`).

    >>> from prooftools.theory import load_registry
    >>> reg = load_registry()
    >>> [b.decimal for b in evaluate_statement(reg, "du2019.thm4.1",
    ...     {"n": 1000, "lambda0": "1e-3", "delta": "0.1"}, kinds=("width",))][:1]
    ['1.0e+33']
    """
    from prooftools.theory.statement_values import statement_values

    return statement_values(registry, statement_id, values, constants=constants, kinds=kinds)


def log_lambdify(expr: sympy.Expr, names: list[str]):
    """A numpy function of ``names`` returning log10(expr), computed in log space.

    Products and powers are expanded into sums of logs, so 10^3000-sized widths never overflow.
    The log-space expression is built unevaluated: sympy re-simplifying Max/Min and Abs under new
    assumptions cost as much as the numbers (``bench_bounds.py``).

    >>> n, lam = sympy.symbols("n lambda0", positive=True)
    >>> f = log_lambdify(n**600 / lam**4, ["n", "lambda0"])
    >>> float(f(np.array([1e10]), np.array([0.1]))[0])
    6004.0
    >>> L = sympy.Symbol("L", positive=True)
    >>> round(float(log_lambdify(2**(3000*L), ["L"])(np.array([1.0]))[0]), 6)  # no overflow
    903.089987
    """
    by_name = {s.name: s for s in expr.free_symbols}
    syms = [by_name.get(n, sympy.Symbol(n)) for n in names]
    fn = sympy.lambdify(syms, _log_abs(expr), modules="numpy")
    ln10 = math.log(10)
    return lambda *arrays: fn(*arrays) / ln10


def _log_abs(expr: sympy.Expr) -> sympy.Expr:
    """log|expr| (natural) with products and powers split into sums (no overflow in between),
    built unevaluated.

    Only the top-level product structure is split; inner logarithms are left alone, so
    log(log(1/ε)) stays real (``expand_log(force=True)`` would turn it into log(log ε) + iπ).
    """
    if isinstance(expr, sympy.Mul):
        return sympy.Add(*(_log_abs(a) for a in expr.args), evaluate=False)
    if isinstance(expr, sympy.Pow):
        if expr.base.is_number and expr.base.is_positive:  # 2**(L*c): L*c*log 2
            return sympy.Mul(expr.exp, sympy.log(expr.base), evaluate=False)
        if expr.base.free_symbols and not expr.exp.has(*expr.base.free_symbols):
            return sympy.Mul(expr.exp, _log_abs(expr.base), evaluate=False)
    if (expr.is_Symbol and expr.is_positive) or (expr.is_Number and expr > 0):
        return sympy.log(expr, evaluate=False)  # no |·| pass over the grid
    return sympy.log(sympy.Abs(expr, evaluate=False), evaluate=False)


def evaluate_grid(
    registry: Registry,
    expr: sympy.Expr,
    grid: Mapping[str, np.ndarray],
    *,
    constants: str = "hidden",
) -> np.ndarray:
    """log10 of ``expr`` over a grid (arrays broadcast together), hidden constants set to 1."""
    calls = expr.atoms(sympy.core.function.AppliedUndef)
    if calls:
        raise UserInputError("cannot evaluate over a grid: the bound depends on the observable(s) "
                             + ", ".join(sorted(str(c) for c in calls)))
    expr, hidden, _, _ = substitution(registry, expr, {}, constants=constants)
    expr = expr.xreplace({s: sympy.Integer(1) for s in expr.free_symbols if s.name in hidden})
    names = sorted(s.name for s in expr.free_symbols)
    absent = [n for n in names if n not in grid]
    if absent:
        raise UserInputError("grid lacks values for " + ", ".join(absent))
    fn = log_lambdify(expr, names)
    arrays = [np.asarray(grid[n], dtype=float) for n in names]
    with np.errstate(divide="ignore", invalid="ignore"):
        result = fn(*arrays)
    shape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
    return np.broadcast_to(np.asarray(result, dtype=float), shape)
