"""Check symbolically that a theorem's stated width follows from its lemmas.

A theorem names its derivation in the tag ``width_derivation``:
``"<statement>:<hypothesis>; <statement>:<conclusion>"`` — the first is the radius condition
R' < R of the bootstrap lemma (solved for m), the second an upper bound on the quantity that
condition depends on (e.g. Markov's bound on ‖y − u(0)‖²), substituted into it. The result is
compared with the theorem's ``width`` bound: leading exponents in n, 1/δ, 1/λ0, and the constant
the derivation implies for the hidden one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sympy

from prooftools.errors import UserInputError
from prooftools.theory.compare import exponents
from prooftools.theory.magnitude import EvaluationTimeout, time_limit

#: Wall-clock limit of the symbolic re-derivation (solve, simplify), in seconds.
DERIVE_SECONDS = 20.0

if TYPE_CHECKING:
    from prooftools.theory.registry import Registry


@dataclass(frozen=True)
class WidthDerivation:
    """Outcome of re-deriving a theorem's width from its lemmas."""

    statement: str
    derived: sympy.Expr
    stated: sympy.Expr
    derived_exponents: dict[str, str]
    stated_exponents: dict[str, str]
    agrees: bool
    implied_constant: sympy.Expr | None
    steps: tuple[str, ...]

    def summary(self) -> str:
        """One line: agreement or the mismatch."""
        if self.agrees:
            return (f"{self.statement}: width follows from its lemmas — derived m > "
                    f"{self.derived}; same orders {self.stated_exponents}; implied constant "
                    f"{self.implied_constant}")
        return (f"{self.statement}: MISMATCH — derived orders {self.derived_exponents} vs stated "
                f"{self.stated_exponents} (derived m > {self.derived})")


def _find(registry: Registry, ref: str, section: str):
    sid, _, name = ref.strip().rpartition(":")
    st = registry.get(sid)
    for cond in getattr(st, section):
        if cond.name == name:
            return st, cond
    raise UserInputError(f"{sid} has no {section[:-1]} {name!r} (named in width_derivation)")


def derive_width(registry: Registry, statement_id: str) -> WidthDerivation:
    """Re-derive the width of ``statement_id`` from the lemmas named in its tags.

    The symbolic work runs under a wall-clock guard of DERIVE_SECONDS; past it, or when sympy
    cannot handle the formulas, the answer is a one-line error naming the statement.
    """
    try:
        with time_limit(DERIVE_SECONDS):
            return _derive_width(registry, statement_id)
    except EvaluationTimeout:
        raise UserInputError(f"{statement_id}: the width re-derivation took longer than "
                             f"{DERIVE_SECONDS:g} s and was stopped") from None
    except (ValueError, TypeError, NotImplementedError, RecursionError) as exc:
        if isinstance(exc, UserInputError):
            raise
        raise UserInputError(f"{statement_id}: the width re-derivation failed "
                             f"({type(exc).__name__}: {exc})") from None


def _derive_width(registry: Registry, statement_id: str) -> WidthDerivation:
    st = registry.get(statement_id)
    spec = st.tags.get("width_derivation")
    if not spec:
        raise UserInputError(f"{statement_id} names no width_derivation in its tags")
    parts = [part.strip() for part in spec.split(";")]
    if len(parts) != 2:
        raise UserInputError(f"{statement_id}: width_derivation must name two references "
                             f"separated by ';', got {spec!r}")
    radius_ref, bound_ref = parts
    rst, radius = _find(registry, radius_ref, "hypotheses")
    bst, ubound = _find(registry, bound_ref, "conclusions")
    m = registry.symbol("m")
    rel = radius.expr
    steps = [f"{rst.id}:{radius.name}: {radius.text}"]
    # Solve the boundary R' = R for m; the condition is R' < R, and R' decreases in m.
    sols = sympy.solve(sympy.Eq(rel.lhs, rel.rhs), m)  # safe: already-built sympy relation
    if len(sols) != 1:
        raise UserInputError(f"cannot solve {radius.text} for m uniquely (got {sols})")
    threshold = sympy.simplify(sols[0])
    steps.append(f"solve for m: m > {threshold}")
    # Substitute the upper bound on the quantity (monotone increase of the threshold in it).
    quantity, upper = ubound.expr.lhs, ubound.expr.rhs
    derived = sympy.simplify(threshold.xreplace({quantity: upper}))
    steps.append(f"substitute {bst.id}:{ubound.name} ({ubound.text}): m > {derived}")
    stated = st.bound("width").expr
    d_exp = {k: str(v) for k, v in exponents(derived).items()}
    s_exp = {k: str(v) for k, v in exponents(stated).items()}
    agrees = d_exp == s_exp
    hidden = [s for s in stated.free_symbols if registry.symbols[s.name].role == "constant"]
    implied = None
    if agrees and len(hidden) == 1:
        implied = sympy.simplify(derived / stated.xreplace({hidden[0]: 1}))
    return WidthDerivation(st.id, derived, stated, d_exp, s_exp, agrees, implied, tuple(steps))
