"""Exponents a paper hides: log powers under Õ/Ω̃ and unknown polynomial degrees.

A theorem file writes ``Ω̃(n^6)`` as ``n**6*log(n*m/delta)**a`` with ``a`` a declared constant,
and ``poly(n, L)`` as ``(n*L)**a``. Such an exponent cannot be set to 1 like a multiplicative
constant (that would turn ``poly(n)`` into ``n``), so:

- a **log power** (the exponent of a ``log(…)``) comes from a derivation when one gives it
  (:func:`hidden_log_power`), else from the value the theorem file declares for it, else it is
  0 and every value computed with it is marked as an estimate; a derived power may name
  another hidden power (``a_zou_gd_Keta + 3``), filled the same way (an estimate if it is);
- an **unknown degree** (any other hidden exponent) is never guessed: it comes from a derivation
  when one gives it (:func:`derived_exponent`), else the statement's value comes from its cases
  or a cited restatement (see :mod:`prooftools.theory.cases`), or the user supplies it.

Derivations plug in through one optional function,
``prooftools.theory.derivation.hidden_exponent(registry, symbol)``, returning
``(value, source)`` for an exponent its proof chains determine, else None
(:mod:`prooftools.theory.derivation.exponents`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sympy

if TYPE_CHECKING:
    from prooftools.theory.registry import Registry

#: The source of a log power no derivation gives.
NOT_DERIVED = "no derivation gives it; set to 0"


@dataclass(frozen=True)
class HiddenPower:
    """The value used for one hidden log power, and where it comes from."""

    symbol: str
    value: sympy.Rational
    source: str
    #: True when the power was set to 0 for lack of a derivation (the value is an estimate)
    estimate: bool


def _hidden_exponents(registry: Registry, expr: sympy.Basic) -> tuple[set[str], set[str]]:
    """(log powers, other hidden exponents): constants in the exponents of ``expr``; a constant
    that is also a non-log exponent (``n**a*log(n)**a``) is an unknown degree, never set to 0."""
    logs: set[str] = set()
    other: set[str] = set()
    for p in expr.atoms(sympy.Pow):
        names = {s.name for s in p.exp.free_symbols
                 if s.name in registry.symbols and registry.symbols[s.name].role == "constant"}
        (logs if isinstance(p.base, sympy.log) else other).update(names)
    return logs - other, other


def log_powers_in(registry: Registry, expr: sympy.Basic) -> list[str]:
    """Hidden constants that are the power of a logarithm in ``expr`` (Õ log powers), sorted.

    >>> from prooftools.theory import load_registry
    >>> reg = load_registry()
    >>> log_powers_in(reg, reg.get("zou2018.thm4.1").bound("width").expr)
    ['a_zou_gd_m']
    """
    return sorted(_hidden_exponents(registry, expr)[0])


def unknown_degrees_in(registry: Registry, expr: sympy.Basic) -> list[str]:
    """Hidden constants in exponents that are not log powers (unknown degrees), sorted.

    >>> from prooftools.theory import load_registry
    >>> reg = load_registry()
    >>> unknown_degrees_in(reg, reg.get("zou2018.thm4.1").bound("width").expr)
    ['a_zou_41_poly']
    """
    return sorted(_hidden_exponents(registry, expr)[1])


def hidden_log_power(registry: Registry, symbol: str) -> HiddenPower:
    """The power of a log factor hidden by Õ/Ω̃: from a derivation, else declared, else 0.

    A derivation supplies it through the optional hook
    ``prooftools.theory.derivation.hidden_exponent(registry, symbol)`` (see the module); without
    one, a value declared for the symbol in its theorem file
    (``value = …`` with its provenance) is used; otherwise the power is 0 and ``estimate`` is
    True, so the caller marks what it computes as a lower (or upper) estimate.

    >>> from prooftools.theory import load_registry
    >>> reg = load_registry()
    >>> hp = hidden_log_power(reg, "a_zou_gd_T")  # τ² of (C.6) carries log(M)^-3
    >>> int(hp.value), hp.estimate, hp.source
    (3, False, 'derivation: zou2018.thm4.1.ainf_plt@K_window')
    >>> hp = hidden_log_power(reg, "a_zou_gd_m")  # a_zou_gd_Keta + 3, Lemma 5.4's power unknown
    >>> int(hp.value), hp.estimate
    (3, True)
    """
    found = _resolved(registry, symbol, ())
    if found is not None:
        return found
    sym = registry.symbols[symbol]
    if sym.value is not None:
        where = ", ".join(x for x in (sym.value_provenance, sym.value_source) if x)
        return HiddenPower(symbol, sym.value, f"declared{' (' + where + ')' if where else ''}",
                           False)
    return HiddenPower(symbol, sympy.Integer(0), NOT_DERIVED, True)


def _from_derivation(registry: Registry, symbol: str):
    """``(value, source)`` from the derivation package when it provides the hook, else None."""
    try:
        from prooftools.theory import derivation  # type: ignore[attr-defined]
    except ImportError:
        return None
    hook = getattr(derivation, "hidden_exponent", None)
    return hook(registry, symbol) if callable(hook) else None


def derived_exponent(registry: Registry, symbol: str) -> HiddenPower | None:
    """An unknown degree a derivation determines (never a guess), else None.

    >>> from prooftools.theory import load_registry
    >>> derived_exponent(load_registry(), "a_zou_41_poly") is None  # no derivation gives it
    True
    """
    return _resolved(registry, symbol, ())


def _resolved(registry: Registry, symbol: str, seen: tuple[str, ...]) -> HiddenPower | None:
    """A derived exponent with the hidden constants its value names (``a_zou_gd_Keta + 3``)
    filled by :func:`hidden_log_power` in turn; an estimate when one of them is."""
    found = _from_derivation(registry, symbol) if symbol not in seen else None
    if found is None:
        return None
    value, source = found
    value = sympy.nsimplify(value)
    inner = []
    for s in sorted(value.free_symbols, key=str):
        if s.name not in registry.symbols:
            return None
        hp = _resolved(registry, s.name, (*seen, symbol)) or hidden_log_power(registry, s.name)
        if not hp.value.is_number:
            return None
        inner.append(hp)
    value = value.xreplace({registry.symbol(hp.symbol): hp.value for hp in inner})
    where = "; ".join(f"{hp.symbol} = {hp.value}: {hp.source}" for hp in inner)
    text = f"derivation: {source}" + (f" gives {found[0]}, with {where}" if inner else "")
    return HiddenPower(symbol, sympy.nsimplify(value), text, any(hp.estimate for hp in inner))


def log_power_values(registry: Registry, expr: sympy.Basic) -> dict[str, HiddenPower]:
    """:func:`hidden_log_power` for every log power in ``expr``."""
    return {name: hidden_log_power(registry, name) for name in log_powers_in(registry, expr)}
