"""Which statements apply at given values, and where an umbrella statement's value comes from.

A statement whose bound hides a polynomial degree (``(n*L/phi)**a`` with ``a`` unknown) is
evaluated through statements that make it explicit:

- its **cases**: statements it uses, of the same paper, with a bound of the same name and kind
  and hypotheses that the given values decide (``zou_p < 1/2``). The cases that apply give the
  value (the largest requirement for ``>=``, the smallest for ``<=``); when the given values do
  not pick one, every case not excluded is evaluated and the most demanding one is reported, so
  the value holds whichever case the user is in;
- else a **cited restatement**: a statement of the same paper that uses it, with provenance
  ``secondary`` (another paper restating the theorem with explicit exponents), same bound name.

The chosen statement and bound are named in the result (``via``), never hidden.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import sympy

from prooftools.theory.definitions import Bound, Statement
from prooftools.theory.magnitude import floating, substitute

if TYPE_CHECKING:
    from prooftools.theory.registry import Registry


def _decide(expr: sympy.Basic, values: Mapping[str, sympy.Basic]) -> bool | None:
    """True/False when ``values`` decide the relation ``expr``, else None."""
    names = {s.name for s in expr.free_symbols}
    if not names or not names <= set(values):
        return None
    subs = {s: values[s.name] for s in expr.free_symbols}
    try:
        decided = expr.xreplace(subs)
    except (TypeError, ValueError):
        return None
    if decided in (sympy.true, sympy.false):
        return bool(decided)
    if isinstance(decided, sympy.core.relational.Relational):
        left = floating(substitute(decided.lhs - decided.rhs, {}))
        if left.value is None:
            return None
        return bool(type(decided)(left.value, 0))
    return None


def failing_hypotheses(st: Statement, values: Mapping[str, sympy.Basic]) -> list[str]:
    """The statement's own hypotheses that the given values decide as false (``name: text``).

    >>> from prooftools.theory import load_registry
    >>> st = load_registry().get("zou2018.thm4.1.ainf_plt")
    >>> failing_hypotheses(st, {"zou_p": sympy.Rational(1, 2), "zou_alpha0_inv": sympy.Integer(0)})
    ['loss_p: zou_p < 1/2']
    """
    return [f"{h.name}: {h.text}" for h in st.hypotheses if _decide(h.expr, values) is False]


def undecided_symbols(st: Statement, values: Mapping[str, sympy.Basic],
                      registry: Registry) -> set[str]:
    """Parameters (role ``parameter``) of hypotheses that the values leave undecided."""
    out: set[str] = set()
    for h in st.hypotheses:
        names = {s.name for s in h.expr.free_symbols}
        if names and all(registry.symbols.get(n) is not None
                         and registry.symbols[n].role == "parameter" for n in names) \
                and _decide(h.expr, values) is None:
            out |= names - set(values)
    return out


def _same_bound(st: Statement, bound: Bound) -> Bound | None:
    for b in st.bounds:
        if b.name == bound.name and b.kind == bound.kind:
            return b
    return None


def cases_of(registry: Registry, st: Statement, bound: Bound) -> list[tuple[Statement, Bound]]:
    """The statements ``st`` uses that make ``bound`` explicit case by case (see the module).

    >>> from prooftools.theory import load_registry
    >>> reg = load_registry()
    >>> st = reg.get("zou2018.thm4.1")
    >>> [c.id.rsplit(".", 1)[1] for c, _ in cases_of(reg, st, st.bound("width"))]
    ['ainf_plt', 'ainf_peq', 'ainf_pgt', 'afin_plt', 'afin_peq', 'afin_pgt']
    """
    out = []
    for sid in st.uses:
        used = registry.get(sid)
        b = _same_bound(used, bound)
        if used.paper == st.paper and b is not None and case_conditions(registry, used):
            out.append((used, b))
    return out


def case_conditions(registry: Registry, st: Statement) -> list:
    """Hypotheses on parameters only (``zou_p < 1/2``): what makes a statement one case."""
    return [h for h in st.hypotheses if h.expr.free_symbols and all(
        registry.symbols.get(s.name) is not None and registry.symbols[s.name].role == "parameter"
        for s in h.expr.free_symbols)]


def fixed_by_hypotheses(registry: Registry, st: Statement) -> dict[str, sympy.Basic]:
    """Parameters a case fixes by an equality hypothesis (``zou_p == 1/2`` gives zou_p = 1/2).

    >>> from prooftools.theory import load_registry
    >>> reg = load_registry()
    >>> fixed_by_hypotheses(reg, reg.get("zou2018.thm4.1.ainf_peq"))
    {'zou_alpha0_inv': 0, 'zou_p': 1/2}
    """
    out = {}
    for h in case_conditions(registry, st):
        if isinstance(h.expr, sympy.Eq) and h.expr.rhs.is_number and h.expr.lhs.is_Symbol:
            out[h.expr.lhs.name] = h.expr.rhs
    return out


def restatements_of(registry: Registry, st: Statement,
                    bound: Bound) -> list[tuple[Statement, Bound]]:
    """Statements of the same paper restating ``st`` from a cited secondary source (the
    statement ``secondary``, its bound of the same name not a recollection), in file order.

    >>> from prooftools.theory import load_registry
    >>> reg = load_registry()
    >>> st = reg.get("allenzhu2019.thm1")
    >>> [s.id for s, _ in restatements_of(reg, st, st.bound("width"))]
    ['allenzhu2019.thm1.n30']
    """
    out = []
    for other in registry:
        b = _same_bound(other, bound)
        if (other.paper == st.paper and st.id in other.uses and other.provenance == "secondary"
                and b is not None and b.provenance != "recollection"):
            out.append((other, b))
    return out
