"""User values checked against their symbols' declared domains, in one place, one message form.

Every value a user gives for a symbol (a CLI flag such as ``--n``, ``--set NAME=VALUE``, a Python
API keyword) passes through :func:`check_values` before anything is evaluated, so ``--n -5``,
``--n 2.5``, ``--delta 1.5`` and ``--n 0`` are refused with the same sentence shape::

    invalid value for n: -5 (expected a positive integer)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import sympy

from prooftools.errors import UserInputError
from prooftools.theory.bounds import exact

if TYPE_CHECKING:
    from prooftools.theory.registry import Registry

#: What each declared domain admits, as the message says it.
DOMAIN_TEXT = {
    "positive": "a number > 0",
    "nonnegative": "a number ≥ 0",
    "real": "a real number",
    "positive_integer": "a positive integer",
    "nonnegative_integer": "an integer ≥ 0",
    "probability": "a probability strictly between 0 and 1",
}


def invalid(name: str, value: object, expected: str) -> UserInputError:
    """The one message form for an out-of-domain value."""
    shown = str(value)
    shown = shown if len(shown) <= 40 else shown[:37] + "…"
    return UserInputError(f"invalid value for {name}: {shown} (expected {expected})")


def in_domain(q: sympy.Rational, domain: str) -> bool:
    """Whether the exact number ``q`` lies in ``domain``.

    >>> in_domain(sympy.Rational(1, 2), "probability"), in_domain(sympy.Integer(1), "probability")
    (True, False)
    """
    if domain == "positive":
        return bool(q > 0)
    if domain == "nonnegative":
        return bool(q >= 0)
    if domain == "positive_integer":
        return bool(q.is_integer and q > 0)
    if domain == "nonnegative_integer":
        return bool(q.is_integer and q >= 0)
    if domain == "probability":
        return bool(0 < q < 1)
    return True


def check_value(registry: Registry, name: str, value: object) -> sympy.Rational:
    """``value`` for symbol ``name`` as an exact number, or a :class:`UserInputError`.

    >>> from prooftools.theory import load_registry
    >>> reg = load_registry()
    >>> check_value(reg, "n", "1e3")
    1000
    >>> try:
    ...     check_value(reg, "delta", "1.5")
    ... except UserInputError as exc:
    ...     print(exc)
    invalid value for delta: 1.5 (expected a probability strictly between 0 and 1)
    """
    sym = registry.symbols.get(name)
    if sym is None:
        import difflib

        close = difflib.get_close_matches(name, registry.symbols, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UserInputError(f"unknown symbol {name!r} in the given values{hint}")
    if sym.role in ("observable", "index"):
        raise UserInputError(f"{name} is {'an' if sym.role == 'index' else 'a measured'} "
                             f"{sym.role}, not a value that can be set")
    if isinstance(value, bool):
        raise invalid(name, value, DOMAIN_TEXT[sym.domain])
    try:
        q = exact(value)  # type: ignore[arg-type]
    except UserInputError:
        raise invalid(name, value, DOMAIN_TEXT[sym.domain]) from None
    if not in_domain(q, sym.domain):
        raise invalid(name, value, DOMAIN_TEXT[sym.domain])
    return q


def check_values(registry: Registry, values: Mapping[str, object]) -> dict[str, sympy.Rational]:
    """Every value checked (see :func:`check_value`); returns them as exact numbers."""
    return {name: check_value(registry, name, v) for name, v in values.items()}
