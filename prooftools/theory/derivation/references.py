"""Load-time check of the references in derivation steps: every ``statement:entry`` names an
existing hypothesis, conclusion or bound, every ``statement@derivation`` an existing derivation,
and every local name an earlier step's result."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prooftools.theory.derivation.spec import DerivationSpec, StepSpec, split_ref

if TYPE_CHECKING:
    from prooftools.theory.definitions import Statement
    from prooftools.theory.registry import Registry

#: Which argument of each verb is a reference (the others are names or formulas).
_REF_VERBS = ("take", "substitute", "max", "min", "compose", "branch")


def _resolve(registry: Registry, st: Statement, sid: str) -> str:
    head = sid.split(".", 1)[0]
    return sid if ("." in sid and head in registry.papers) else f"{st.paper}.{sid}"


def _check_ref(registry: Registry, st: Statement, ref: str, defined: set[str]) -> str | None:
    sid, sep, name = split_ref(ref)
    if sid is None:
        return None if name in defined else f"{name!r} is not defined by an earlier step"
    full = _resolve(registry, st, sid) if sid else st.id
    other = registry.statements.get(full)
    if other is None:
        return f"reference {ref!r} names unknown statement {full!r}"
    if sep == "@":
        if not any(d.name == name for d in other.derivations):
            return f"{full} declares no derivation {name!r}"
        return None
    names = {c.name for c in (*other.hypotheses, *other.conclusions)} | {
        b.name for b in other.bounds}
    return None if name in names else f"{full} has no hypothesis, conclusion or bound {name!r}"


def _step_refs(step: StepSpec) -> list[str]:
    if step.verb not in _REF_VERBS:
        return []
    refs = list(step.arg) if isinstance(step.arg, tuple) else [step.arg]
    if step.verb == "substitute":
        refs.append(step.options["into"])
    return refs


def reference_problems(registry: Registry, st: Statement) -> list[tuple[int | None, str, str]]:
    """(line, key, message) for every bad reference in ``st``'s derivations."""
    out = []
    for spec in st.derivations:
        out.extend(_spec_problems(registry, st, spec))
    return out


def _spec_problems(registry: Registry, st: Statement, spec: DerivationSpec):
    defined: set[str] = set()
    for step in spec.steps:
        for ref in _step_refs(step):
            message = _check_ref(registry, st, ref, defined)
            if message:
                yield (step.line or spec.line, f"derivations.{spec.name}.steps[{step.index}]",
                       message)
        if step.verb == "solve" and step.arg not in defined:
            yield (step.line or spec.line, f"derivations.{spec.name}.steps[{step.index}]",
                   f"{step.arg!r} is not defined by an earlier step")
        defined.add(step.name)
