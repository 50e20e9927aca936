"""Bounded evaluation of numeric sympy expressions: the cost is decided before it is paid.

A formula a user can write (``n**n**n`` at n = 1000, ``exp(exp(n))``, ``floor(exp(n))``) may
have a value with billions of digits; sympy's exact arithmetic would try to build it. Here every
numeric expression is first evaluated *in floating point with arbitrary exponent range*
(mpmath at :data:`FLOAT_DIGITS` significant digits, each power and exponential checked in log
space before it is computed), which bounds the magnitude of every intermediate value. Only when
that peak magnitude is moderate (≤ 10^:data:`EXACT_DIGITS`) is sympy's exact, adaptive-precision
evaluation run, under a wall-clock guard; past it the floating value is the answer, with its
precision stated, and past 10^(10^:data:`MAX_LOG_EXPONENT`) only a magnitude ``> 10^(10^k)``.

Substitution builds *unevaluated* trees (:func:`substitute`), so no exact power is ever
computed while values are put in.

>>> n = sympy.Symbol("n", positive=True)
>>> evaluate_number(substitute(n**n**n, {n: sympy.Integer(1000)})).text
'> 10^(10^3000.477)'
>>> evaluate_number(substitute(n**6, {n: sympy.Integer(10)})).value
1000000.00000000000000000000000
"""

from __future__ import annotations

import contextlib
import functools
import math
import signal
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import mpmath
import sympy
from sympy.core.evalf import PrecisionExhausted

from prooftools.theory.special import NegW

#: Significant digits of the floating evaluation (and of every reported value).
FLOAT_DIGITS = 30
#: Exact (sympy) evaluation runs only when no intermediate value exceeds 10^EXACT_DIGITS.
EXACT_DIGITS = 4_000
#: A value whose log10 exceeds 10^MAX_LOG_EXPONENT is reported as a magnitude only.
MAX_LOG_EXPONENT = 15
#: sin/cos of an argument beyond 10^MAX_TRIG_DIGITS would need that many digits of pi.
MAX_TRIG_DIGITS = 1_000
#: Wall-clock limit of one exact evaluation (seconds); the floating value is used past it.
EXACT_SECONDS = 5.0

_LOG10_2 = math.log10(2)


class EvaluationTimeout(Exception):
    """The wall-clock guard fired (internal; callers see a floating or refused result)."""


class _Beyond(Exception):
    """A magnitude beyond 10^(±10^MAX_LOG_EXPONENT); ``loglog`` ≥ log10(|log10|x||)."""

    def __init__(self, loglog: float, sign: int):
        super().__init__(loglog)
        self.loglog, self.sign = loglog, sign


class _Undefined(Exception):
    """Not a real number (log of a negative, 0 to a negative power, …)."""


@dataclass(frozen=True)
class Evaluation:
    """A numeric expression's value, or why it has none.

    ``value`` is a sympy Float when the number is representable; ``exact`` says whether its
    :data:`FLOAT_DIGITS` digits are certified by sympy's adaptive evaluation (True) or come from
    the floating evaluation at that working precision (False). ``magnitude`` holds
    ``'> 10^(10^k)'`` (or ``'< 10^(-10^k)'``) when only the size is known — the size of |value|:
    the sign of such a value is not tracked; ``reason`` explains a missing value.
    """

    value: sympy.Float | None
    log10: float | None
    exact: bool = True
    magnitude: str | None = None
    reason: str | None = None

    @property
    def text(self) -> str:
        """The value, the magnitude, or the reason, as one short string."""
        if self.value is not None:
            return str(self.value)
        return self.magnitude or f"not representable ({self.reason})"

    @property
    def representable(self) -> bool:
        return self.value is not None


def substitute(expr: sympy.Basic, subs: Mapping[sympy.Basic, sympy.Basic]) -> sympy.Basic:
    """``expr.xreplace(subs)`` without evaluation (no exact power is computed on the way).

    A value with more than :data:`EXACT_DIGITS` digits goes in as ``m·10^e`` (unevaluated):
    sympy orders the arguments of Max/Min by a key that prints each integer, and Python refuses
    to print one of more than 4300 digits.

    >>> n = sympy.Symbol("n", positive=True)
    >>> evaluate_number(substitute(sympy.Max(n, 2*n), {n: sympy.Integer(10)**100000})).text
    '2.00000000000000000000000000000e+100000'
    """
    with sympy.evaluate(False):
        return expr.xreplace({k: _compact(v) for k, v in dict(subs).items()})


def _digits(i: int) -> float:
    """About how many decimal digits |i| has (from its bit length: no conversion to str)."""
    return abs(i).bit_length() * _LOG10_2


@functools.lru_cache(maxsize=32)  # each bisection step divides a huge int: once per value
def _as_power_of_ten(i: int) -> sympy.Basic:
    """``i`` (huge) as ``m·10^e`` unevaluated, ``m`` without trailing decimal zeros."""
    lo, hi = 0, int(_digits(i)) + 1  # the largest e with 10^e | i, by bisection
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if i % 10**mid == 0:
            lo = mid
        else:
            hi = mid - 1
    m = i // 10**lo
    if _digits(m) > EXACT_DIGITS:  # at most the 4300 digits a user can type: keep it exact
        return sympy.Integer(i)
    return sympy.Mul(sympy.Integer(m), sympy.Pow(10, lo, evaluate=False), evaluate=False)


def _compact(v: sympy.Basic) -> sympy.Basic:
    if not isinstance(v, sympy.Rational):
        return v
    p, q = int(v.p), int(v.q)
    if max(_digits(p), _digits(q)) <= EXACT_DIGITS:
        return v
    num = _as_power_of_ten(p)
    if q == 1:
        return num
    return sympy.Mul(num, sympy.Pow(_as_power_of_ten(q), -1, evaluate=False), evaluate=False)


class _Float:
    """Recursive floating evaluation with every power and exponential checked first."""

    def __init__(self, digits: int = FLOAT_DIGITS):
        self.digits = digits
        self.peak = 0.0  # largest |log10| of an intermediate value

    def run(self, expr: sympy.Basic) -> mpmath.mpf:
        with mpmath.workdps(self.digits + 10):
            return self.ev(expr)

    def note(self, x: mpmath.mpf) -> mpmath.mpf:
        if x:
            mag = abs(float(mpmath.mag(x))) * _LOG10_2
            self.peak = max(self.peak, mag)
        return x

    def check_log2(self, log2: mpmath.mpf) -> None:
        """Refuse a result whose binary exponent would be log2 (before computing it)."""
        limit = 10.0**MAX_LOG_EXPONENT / _LOG10_2
        if abs(log2) > limit:
            loglog = float(mpmath.log10(abs(log2) * _LOG10_2))
            raise _Beyond(loglog, 1 if log2 > 0 else -1)

    def ev(self, e: sympy.Basic) -> mpmath.mpf:
        if e.is_Integer:
            return self.note(mpmath.mpf(int(e)))
        if e.is_Rational:
            return self.note(mpmath.mpf(int(e.p)) / int(e.q))
        if e.is_Float:
            return self.note(mpmath.mpf(e._mpf_))
        if e is sympy.pi:
            return +mpmath.pi
        if e is sympy.E:
            return +mpmath.e
        if e in (sympy.oo, -sympy.oo, sympy.zoo, sympy.nan):
            raise _Undefined("infinite or undefined")
        if isinstance(e, sympy.Add):
            total = mpmath.mpf(0)
            for a in e.args:
                total += self.ev(a)
            return self.note(total)
        if isinstance(e, sympy.Mul):
            prod = mpmath.mpf(1)
            for a in e.args:
                prod *= self.ev(a)
            return self.note(prod)
        if isinstance(e, sympy.Pow):
            return self.note(self.power(self.ev(e.base), self.ev(e.exp)))
        if isinstance(e, sympy.exp):
            a = self.ev(e.args[0])
            self.check_log2(a / mpmath.ln2)
            return self.note(self.with_room(mpmath.exp, a, a))
        if isinstance(e, sympy.log):
            a = self.ev(e.args[0])
            if a <= 0:
                raise _Undefined("logarithm of a number ≤ 0")
            return self.note(mpmath.log(a))
        if isinstance(e, (sympy.Min, sympy.Max)):
            vals = [self.ev(a) for a in e.args]
            return min(vals) if isinstance(e, sympy.Min) else max(vals)
        if isinstance(e, sympy.Abs):
            return abs(self.ev(e.args[0]))
        if isinstance(e, sympy.floor):
            return mpmath.floor(self.ev(e.args[0]))
        if isinstance(e, sympy.ceiling):
            return mpmath.ceil(self.ev(e.args[0]))
        if isinstance(e, (sympy.sin, sympy.cos)):
            a = self.ev(e.args[0])
            if a and float(mpmath.mag(a)) * _LOG10_2 > MAX_TRIG_DIGITS:
                raise _Undefined(f"{type(e).__name__} of an argument beyond 10^{MAX_TRIG_DIGITS}")
            return self.with_room(mpmath.sin if isinstance(e, sympy.sin) else mpmath.cos, a, a)
        if isinstance(e, NegW):
            a = self.ev(e.args[0])
            if not 0 < a <= 1 / mpmath.e:
                raise _Undefined("−W₋₁(−z) of a z outside (0, 1/e]")
            return self.note(-mpmath.lambertw(-a, -1).real)
        if isinstance(e, sympy.acos):
            a = self.ev(e.args[0])
            if abs(a) > 1:
                raise _Undefined("acos of a number outside [-1, 1]")
            return mpmath.acos(a)
        raise _Undefined(f"cannot evaluate {type(e).__name__} numerically")

    def with_room(self, fn, size: mpmath.mpf, *args):
        """``fn(*args)`` with the working precision raised by the digits of ``size``."""
        extra = int(max(0.0, float(mpmath.mag(size)) if size else 0.0)) + 10
        with mpmath.workprec(mpmath.mp.prec + extra):
            return +fn(*args)

    def power(self, base: mpmath.mpf, exponent: mpmath.mpf) -> mpmath.mpf:
        if base == 0:
            if exponent < 0:
                raise _Undefined("division by zero (0 to a negative power)")
            return mpmath.mpf(0) if exponent > 0 else mpmath.mpf(1)
        integral = exponent == mpmath.floor(exponent)
        if base < 0 and not integral:
            raise _Undefined("a negative number to a fractional power")
        log2 = exponent * mpmath.log(abs(base), 2)
        self.check_log2(log2)
        result = self.with_room(mpmath.power, log2, abs(base), exponent)
        if base < 0 and int(exponent) % 2:
            result = -result
        return result


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`EvaluationTimeout` after ``seconds`` (main thread only; else no limit).

    A last resort behind the magnitude checks: a signal cannot interrupt one long C call.
    After firing it re-fires every 50 ms until the block is left, so a timeout swallowed by
    Python internals cannot let the work run on.
    """
    usable = (threading.current_thread() is threading.main_thread()
              and hasattr(signal, "setitimer"))
    if not usable:
        yield
        return

    def fire(signum, frame):
        # fire again soon: an exception raised inside a callback (gc, weakref) is printed and
        # swallowed by Python, and the guarded work must still stop
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        raise EvaluationTimeout

    previous = signal.signal(signal.SIGALRM, fire)
    old_delay, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if old_delay:  # re-arm an outer timer (approximately)
            signal.setitimer(signal.ITIMER_REAL, old_delay)


def _from_mpf(x: mpmath.mpf, exact: bool) -> Evaluation:
    log10 = float(mpmath.log10(abs(x))) if x else None
    value = sympy.Float._new(x._mpf_, mpmath.mp.prec) if x else sympy.Float(0)
    return Evaluation(sympy.Float(value, FLOAT_DIGITS), log10, exact=exact)


def _beyond_text(loglog: float, sign: int) -> str:
    return f"> 10^(10^{loglog:.3f})" if sign > 0 else f"< 10^(-10^{loglog:.3f})"


def _floating_pass(expr):
    """(the evaluator, its mpmath value), or (evaluator, an Evaluation) when the floating pass
    already decides: beyond the range, undefined, or not a real number."""
    ev = _Float()
    try:
        with mpmath.workdps(FLOAT_DIGITS):
            return ev, ev.run(expr)
    except _Beyond as big:
        return ev, Evaluation(None, None, exact=False,
                              magnitude=_beyond_text(big.loglog, big.sign),
                              reason="beyond the representable range")
    except _Undefined as bad:
        return ev, Evaluation(None, None, exact=False, reason=str(bad))
    except (ValueError, ZeroDivisionError, OverflowError, TypeError) as exc:
        return ev, Evaluation(None, None, exact=False, reason=f"not a real number ({exc})")


def floating(expr: sympy.Basic) -> Evaluation:
    """The floating evaluation only (no exact pass): fast, bounded, any magnitude.

    >>> n = sympy.Symbol("n", positive=True)
    >>> floating(substitute(sympy.exp(sympy.exp(n)), {n: sympy.Integer(1000)})).magnitude
    '> 10^(10^433.932)'
    """
    _ev, x = _floating_pass(expr)
    if isinstance(x, Evaluation):
        return x
    with mpmath.workdps(FLOAT_DIGITS):
        out = _from_mpf(x, exact=False)
    return out


def evaluate_mpf(expr: sympy.Basic, digits: int = FLOAT_DIGITS, *,
                 seconds: float = EXACT_SECONDS) -> mpmath.mpf:
    """``expr`` as an mpmath number at ``digits`` digits within the same cost bound; NaN when it
    is undefined or beyond 10^(10^MAX_LOG_EXPONENT) (for callers that compare numbers).

    >>> n = sympy.Symbol("n", positive=True)
    >>> evaluate_mpf(substitute(n**n**n, {n: sympy.Integer(1000)}))
    mpf('nan')
    """
    ev = _Float(digits)
    try:
        with mpmath.workdps(digits):
            x = ev.run(expr)
    except (_Beyond, _Undefined, ValueError, ZeroDivisionError, OverflowError, TypeError):
        return mpmath.nan
    if ev.peak <= EXACT_DIGITS:
        try:
            with time_limit(seconds), mpmath.workdps(digits):
                num = sympy.N(expr, digits)  # safe: numeric tree built by our parser
                if num.is_Float or num.is_Rational:
                    return mpmath.mpf(num)
        except (PrecisionExhausted, OverflowError, RecursionError, ValueError, TypeError,
                ZeroDivisionError, EvaluationTimeout):
            pass
    with mpmath.workdps(digits):
        return +x


def evaluate_number(expr: sympy.Basic, *, seconds: float = EXACT_SECONDS) -> Evaluation:
    """Value of a numeric expression within a cost bound decided before evaluating it.

    The floating pass runs first; the exact pass (sympy, 30 certified digits) only when every
    intermediate magnitude is below 10^EXACT_DIGITS, under a ``seconds`` wall-clock guard.
    A failed or too slow exact pass falls back to the floating value (``exact=False``).

    >>> n = sympy.Symbol("n", positive=True)
    >>> r = evaluate_number(substitute(sympy.floor(sympy.exp(n)), {n: sympy.Integer(10**5)}))
    >>> r.exact, r.log10
    (False, 43429.44819032518)
    """
    ev, x = _floating_pass(expr)
    if isinstance(x, Evaluation):
        return x
    if ev.peak <= EXACT_DIGITS:
        try:
            with time_limit(seconds):
                value = sympy.N(expr, FLOAT_DIGITS)  # safe: numeric tree built by our parser
            if value.is_Float or value.is_Integer or value.is_Rational:
                value = sympy.Float(value, FLOAT_DIGITS)
                log10 = float(mpmath.log10(abs(mpmath.mpf(value._mpf_)))) if value else None
                return Evaluation(value, log10, exact=True)
        except (PrecisionExhausted, OverflowError, RecursionError, ValueError, TypeError,
                ZeroDivisionError, EvaluationTimeout):
            pass
    with mpmath.workdps(FLOAT_DIGITS):
        return _from_mpf(x, exact=False)
