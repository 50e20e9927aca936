"""Hidden exponents a derivation determines: the log power an Õ hides, or a hidden degree.

A stated bound writes ``Ω̃(n^26 L^38/φ^8)`` as ``… · log(nLm/δ)^a`` with ``a`` a declared
constant. When a derivation of the same statement agrees with that bound, its orders in every
variable are known beside the stated ones; where a stated order's power or log power contains
``a``, equating it with the derived one gives ``a`` (for Zou et al.'s GD width,
``a = a_zou_gd_Keta + 3``: Lemma 5.4's hidden power plus the three logs of (C.6)'s τ²).
Every variable must give the same value, else the derivation does not determine it.

:func:`hidden_exponent` is the hook :mod:`prooftools.theory.hidden` consults.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

import sympy

from prooftools.errors import UserInputError
from prooftools.theory.derivation import exponent_store
from prooftools.theory.derivation.verdict import AGREES

if TYPE_CHECKING:
    from prooftools.theory.derivation.derive import CaseVerdict, Derivation
    from prooftools.theory.registry import Registry

#: registry content key → ({symbol: (value, source) | None}, {statement id: Derivation | None}).
#: Registries loaded from the same files with the same content share one entry (each CLI command
#: loads its own registry; a process running several derives once); a changed file is a new key.
_CACHE: OrderedDict[str, tuple[dict, dict]] = OrderedDict()
_KEEP = 4  # content keys kept, the most recently used
#: symbols being looked up now (a derivation judged while finding one must not recurse)
_ACTIVE: set[tuple[int, str]] = set()


def hidden_exponent(registry: Registry, symbol: str) -> tuple[sympy.Expr, str] | None:
    """``(value, source)`` for a hidden exponent a derivation determines, else None.

    ``value`` may contain other hidden constants (``a_zou_gd_Keta + 3``); ``source`` names the
    statement and derivation (``zou2018.thm4.1.ainf_plt@width``).
    """
    if not _is_constant(registry, symbol):
        return None
    found = _entry(registry)[0]
    if symbol in found:
        return found[symbol]
    key = (registry.content_key, symbol)
    if key in _ACTIVE:
        return None
    _ACTIVE.add(key)
    try:
        found[symbol] = _search(registry, symbol)
    finally:
        _ACTIVE.discard(key)
    exponent_store.save(registry, found)
    return found[symbol]


def _is_constant(registry: Registry, symbol: str) -> bool:
    sym = registry.symbols.get(symbol)
    return sym is not None and sym.role == "constant"


def _entry(registry: Registry) -> tuple[dict, dict]:
    """The cache entry of the registry's content, made the most recently used; a new one starts
    from what an earlier process found (:mod:`~prooftools.theory.derivation.exponent_store`)."""
    entry = _CACHE.pop(registry.content_key, None) or (exponent_store.load(registry), {})
    _CACHE[registry.content_key] = entry
    while len(_CACHE) > _KEEP:
        _CACHE.popitem(last=False)
    return entry


def _search(registry: Registry, symbol: str) -> tuple[sympy.Expr, str] | None:
    """The first statement (in registry order) whose derivation determines ``symbol``."""
    for st in registry.statements.values():
        if not st.derivations or not any(_in_exponent(b.expr, symbol) for b in st.bounds):
            continue
        d = _derivation(registry, st.id)
        if d is None:
            continue
        for sb in d.stated:
            if len(sb.cases) != 1 or not _in_exponent(sb.bound.expr, symbol):
                continue
            if sb.cases[0].judgement.verdict != AGREES:
                continue
            value = _from_orders(registry, sb.cases[0], symbol)
            if value is not None:
                return value, f"{st.id}@{sb.derivation}"
    return None


def _in_exponent(expr: sympy.Basic, symbol: str) -> bool:
    return any(symbol in {s.name for s in p.exp.free_symbols} for p in expr.atoms(sympy.Pow))


def _derivation(registry: Registry, statement_id: str) -> Derivation | None:
    from prooftools.theory.derivation.derive import derive

    cache = _entry(registry)[1]
    if statement_id not in cache:
        try:
            cache[statement_id] = derive(registry, statement_id)
        except UserInputError:
            cache[statement_id] = None
    return cache[statement_id]


def _from_orders(registry: Registry, case: CaseVerdict, symbol: str):
    """The value of ``target`` that makes every stated order containing it the derived one;
    None when the variables disagree, an order is unknown, or it would depend on a variable."""
    target = next((s for s in _symbols(case) if s.name == symbol), None)
    if target is None:
        return None
    values = set()
    for label, so in case.stated_orders.items():
        do = case.derived_orders.get(label)
        for part in ("power", "log_power"):
            stated = None if so is None else getattr(so, part)
            if stated is None or target not in stated.free_symbols:
                continue
            if do is None:
                return None
            roots = sympy.solve(sympy.Eq(stated, getattr(do, part)), target, dict=False)
            if len(roots) != 1:
                return None
            values.add(sympy.simplify(roots[0]))
    if len(values) != 1:
        return None
    value = values.pop()
    constants = {n for n, s in registry.symbols.items() if s.role == "constant"}
    if any(s.name not in constants for s in value.free_symbols):
        return None
    return value


def _symbols(case: CaseVerdict) -> set[sympy.Symbol]:
    out: set[sympy.Symbol] = set()
    for o in case.stated_orders.values():
        if o is not None:
            out |= o.power.free_symbols | o.log_power.free_symbols
    return out
