"""The width a statement's *proof* implies, beside the width it states.

A statement whose theorem file carries a derivation (see ``docs/derivations.md``) re-derives its
bounds from its lemmas; the derived ``width`` — with the derived constants where the registry
has them, hidden constants at 1 otherwise — is the width the proof technique really needs. The
looseness of a measured threshold m* then splits in two:

    log10(stated / m*) = log10(stated / proof)  +  log10(proof / m*)
                         (the statement's slack)   (the proof technique's slack)

:func:`proof_bound` gives the derived bound in the stated bound's place (same name, kind,
symbol and relation), so every evaluator of a stated bound evaluates it unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from prooftools.errors import UserInputError
from prooftools.theory.definitions import Bound, Statement

__all__ = ["LoosenessSplit", "ProofWidths", "proof_bound", "split"]


def _derive(registry, statement_id: str):
    from prooftools.theory.derivation import derive

    return derive(registry, statement_id)


def proof_bound(registry, statement: Statement, bound: Bound, *,
                derive: Callable | None = None) -> Bound | None:
    """The bound ``statement``'s derivation implies in place of ``bound``; None without one.

    ``derive`` replaces :func:`prooftools.theory.derivation.derive` (tests). A statement
    without a derivation, or whose derivation does not produce ``bound.name``, has no proof
    bound.
    """
    derivation = (derive or _derive)(registry, statement.id)
    expr = None if derivation is None else dict(getattr(derivation, "derived", {}) or {}).get(
        bound.name)
    if expr is None:
        return None
    from prooftools.theory.statements import replace_frozen

    return replace_frozen(bound, expr=expr, text=str(expr), provenance="derived",
                          source=f"derivation of {statement.id}")


class ProofWidths:
    """:func:`proof_bound` with one derivation per statement (a sweep asks per grid point)."""

    def __init__(self, registry, *, derive: Callable | None = None):
        self._registry = registry
        self._derive = derive or _derive
        self._cache: dict[str, object] = {}

    def derivation(self, statement_id: str):
        if statement_id not in self._cache:
            try:
                self._cache[statement_id] = self._derive(self._registry, statement_id)
            except (UserInputError, LookupError):
                # no derivation, or one that cannot be carried out: no proof width to report
                self._cache[statement_id] = None
        return self._cache[statement_id]

    def bound(self, statement: Statement, bound: Bound) -> Bound | None:
        return proof_bound(self._registry, statement, bound,
                           derive=lambda _r, sid: self.derivation(sid))


@dataclass(frozen=True)
class LoosenessSplit:
    """log10(stated / m*) split into the statement's part and the proof's part (decades)."""

    statement: float | None  # log10(stated / proof)
    proof: float | None  # log10(proof / m*)
    total: float | None  # log10(stated / m*)

    def to_dict(self) -> dict:
        return {"statement": self.statement, "proof": self.proof, "total": self.total}


def split(stated_log10: float | None, proof_log10: float | None,
          measured_log10: float | None) -> LoosenessSplit:
    """The three-part looseness; a part is None when a width it needs is unknown.

    >>> split(33.0, 30.5, 2.0)
    LoosenessSplit(statement=2.5, proof=28.5, total=31.0)
    """
    def diff(a, b):
        return None if a is None or b is None else a - b

    return LoosenessSplit(diff(stated_log10, proof_log10), diff(proof_log10, measured_log10),
                          diff(stated_log10, measured_log10))


def values_for_bounds(values: Mapping[str, object]) -> dict[str, object]:
    """A run's measured values as numbers a bound evaluator takes (a certified quantity at its
    proven lower bound when it has one, else its value; arrays and texts are left out)."""
    out: dict[str, object] = {}
    for name, v in values.items():
        if hasattr(v, "value") and hasattr(v, "lower"):
            v = v.lower if v.lower is not None else v.value
        if isinstance(v, bool):
            continue
        if isinstance(v, float) and math.isfinite(v):
            out[name] = repr(v)
        elif isinstance(v, int):
            out[name] = str(v)
    return out
