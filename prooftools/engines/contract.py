"""The observable contract: every observable a statement names has a producer, or a reason.

A statement is judged on the observables its engine records; one that names an observable no
engine produces (and that its engine does not declare "not measured" with a reason) would
otherwise be judged ``unknown`` without a word — a misspelt name, say. ``verify`` refuses such a
chain up front, and a test holds the built-in theorem files to the contract.

>>> from prooftools.theory import load_registry
>>> unproduced_observables(load_registry())
[]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from prooftools.engines.base import Engine, Measurements
from prooftools.errors import UserInputError

__all__ = ["check_measurements", "named_observables", "require_observables",
           "unproduced_observables"]


def _engine_label(engine: Engine) -> str:
    cls = type(engine)
    return f"engine {getattr(engine, 'name', cls.__name__)!r} ({cls.__module__}.{cls.__qualname__})"


def check_measurements(engine: Engine, meas: object) -> Measurements:
    """``meas`` if it is what :meth:`Engine.run` must return, else one error naming the engine:
    a :class:`Measurements` whose values map names to numbers, whose trajectory is a
    :class:`Trajectory` and whose lines and changes are strings."""
    from prooftools.numerics.trajectory import Trajectory

    def bad(what: str) -> UserInputError:
        return UserInputError(f"{_engine_label(engine)}: run returned {what}; expected "
                              "prooftools.engines.base.Measurements (values: name → number, "
                              "trajectory: Trajectory)")

    if not isinstance(meas, Measurements):
        return_type = "None" if meas is None else f"a {type(meas).__name__}"
        raise bad(return_type)
    if not isinstance(meas.values, Mapping) or not all(
            isinstance(k, str) and v is not None and not isinstance(v, str | bytes | Mapping)
            for k, v in meas.values.items()):
        raise bad("values that are not a mapping of names to numbers")
    if not isinstance(meas.trajectory, Trajectory):
        raise bad(f"a trajectory of type {type(meas.trajectory).__name__}")
    for field in ("lines", "changes"):
        seq = getattr(meas, field)
        if isinstance(seq, str) or not all(isinstance(x, str) for x in seq):
            raise bad(f"{field} that are not a list of strings")
    if not isinstance(meas.functions, Mapping) or not all(
            callable(f) for f in meas.functions.values()):
        raise bad("functions that are not callables")
    return meas


def named_observables(registry, statement_id: str) -> set[str]:
    """Observable names called in the statement's hypotheses, conclusions and ``when`` clauses."""
    st = registry.get(statement_id)
    names: set[str] = set()
    for cond in (*registry.hypotheses_of(st), *st.conclusions):
        for expr in (cond.expr, getattr(cond, "when", None)):
            if expr is None or not hasattr(expr, "atoms"):
                continue
            names |= {f.func.__name__ for f in _applied(expr)
                      if _is_observable(registry, f.func.__name__)}
    return names


def _applied(expr):
    from sympy.core.function import AppliedUndef

    return expr.atoms(AppliedUndef)


def _is_observable(registry, name: str) -> bool:
    sym = registry.symbols.get(name)
    return sym is not None and sym.role == "observable"


def missing_observables(registry, ids: Iterable[str], engine: Engine) -> dict[str, list[str]]:
    """``{statement: [observable, …]}`` the engine neither produces nor declares not measured."""
    known = engine.produces()
    out: dict[str, list[str]] = {}
    for sid in ids:
        missing = sorted(named_observables(registry, sid) - known)
        if missing:
            out[sid] = missing
    return out


def require_observables(registry, ids: Iterable[str], engine: Engine) -> None:
    """Raise a :class:`UserInputError` naming each observable of the chain without a producer."""
    missing = missing_observables(registry, ids, engine)
    if missing:
        parts = "; ".join(f"{sid}: {', '.join(names)}" for sid, names in missing.items())
        raise UserInputError(f"the {engine.name} engine neither records nor declares as not "
                             f"measured the observable(s) named by {parts}")


def unproduced_observables(registry) -> list[tuple[str, str, str]]:
    """``(statement, observable, engine)`` for every breach of the contract among the
    statements that some registered engine runs (statements no engine runs are listed in
    docs/verifying.md with their reasons)."""
    from prooftools.engines.registry import engine_for

    out = []
    for sid in sorted(registry.statements):
        try:
            eng = engine_for(registry.get(sid))
        except UserInputError:
            continue
        for name in sorted(named_observables(registry, sid) - eng.produces()):
            out.append((sid, name, eng.name))
    return out
