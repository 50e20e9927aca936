"""Derivations as data: how a statement's bound follows from other statements' bounds, run by
sympy and judged against the stated bounds (docs/derivations.md)."""

from prooftools.theory.derivation.derive import (
    Derivation,
    DerivedBound,
    StatedBound,
    derive,
)
from prooftools.theory.derivation.exponents import hidden_exponent
from prooftools.theory.derivation.verdict import (
    AGREES,
    NOT_DERIVABLE,
    STATED_LOOSER,
    STATED_TIGHTER,
    VERDICTS,
)

__all__ = ["AGREES", "NOT_DERIVABLE", "STATED_LOOSER", "STATED_TIGHTER", "VERDICTS",
           "Derivation", "DerivedBound", "StatedBound", "derive", "hidden_exponent"]
