"""User values checked against their symbols' declared domains, in one place, one message form.

Every value a user gives for a symbol (a CLI flag such as ``--n``, ``--set NAME=VALUE``, a Python
API keyword) passes through :func:`check_values` before anything is evaluated, so ``--n -5``,
``--n 2.5``, ``--delta 1.5`` and ``--n 0`` are refused with the same sentence shape::

    invalid value for n: -5 (expected a positive integer)
"""

from __future__ import annotations

import re
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


def implied_values(registry: Registry, values: Mapping[str, object]) -> tuple[dict, list[str]]:
    """Values that given ones imply, with a note each: φ = sep when only sep is given.

    φ (opposite-label separation) is a minimum over a subset of the pairs that sep (all-pairs
    separation) ranges over, so φ ≥ sep always: sep is a valid lower bound for φ.

    >>> from prooftools.theory import load_registry
    >>> vals, notes = implied_values(load_registry(), {"sep": "0.05"})
    >>> vals["phi"], notes[0][:22]
    ('0.05', 'phi set to sep = 0.05:')
    """
    out = dict(values)
    notes = []
    if "sep" in out and "phi" not in out and {"sep", "phi"} <= set(registry.symbols):
        out["phi"] = out["sep"]
        notes.append(f"phi set to sep = {out['sep']}: φ ({registry.symbols['phi'].meaning}) is "
                     "at least sep (all-pairs separation), so sep is a lower bound for it; give "
                     "--phi for the data's own φ")
    return out, notes


def needs_lines(registry: Registry, names, *, brief: bool = False) -> list[str]:
    """One line per symbol a user must supply: what it is and how to give it.

    ``brief`` gives one line for all of them, each meaning cut at its first clause (for tables
    of many statements; ``bounds`` and ``show`` give the whole meaning).

    >>> from prooftools.theory import load_registry
    >>> print(needs_lines(load_registry(), ["eps"])[0])
    needs eps: target accuracy (training loss to reach); a number > 0; give it with --set eps=VALUE
    >>> print(needs_lines(load_registry(), ["b"], brief=True)[0])
    values to give with --set NAME=VALUE: b (minibatch size for SGD)
    """
    if brief:
        known = [n for n in sorted(set(names)) if n in registry.symbols]
        if not known:
            return []
        return ["values to give with --set NAME=VALUE: " + ", ".join(
            f"{n} ({_clause(registry.symbols[n].meaning)})" for n in known)]
    out = []
    for name in sorted(set(names)):
        sym = registry.symbols.get(name)
        if sym is None:
            continue
        if sym.role == "constant":
            out.append(f"needs {name}: {sym.meaning}; an exponent the paper hides that no "
                       f"derivation or cited restatement gives; assume one with "
                       f"--set {name}=VALUE")
        else:
            out.append(f"needs {name}: {sym.meaning}; {DOMAIN_TEXT[sym.domain]}; give it with "
                       f"--set {name}=VALUE")
    return out


def _clause(meaning: str, limit: int = 70) -> str:
    """The meaning up to its first ``;`` or ``limit`` characters (whole words), … if cut; a
    word with a raised or braced formula (``2^{O(H)}``) ends it too, so the line stays text.

    >>> _clause("hidden constant in the exponent 2^{O(H)} of the width")
    'hidden constant in the exponent …'
    """
    cut = min([i for i in (meaning.find(c) for c in ";") if i > 0] + [len(meaning)])
    raised = [m.start() for m in re.finditer(r"\S*[\^{]", meaning)]
    cut = min([cut, *raised])
    short = meaning[:cut].rstrip(" ,")
    if len(short) > limit:
        short = short[:limit].rsplit(" ", 1)[0]
    return short if short == meaning else short + " …"
