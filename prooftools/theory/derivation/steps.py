"""Running the steps of one derivation: each verb is one function over a small context of named
values (relations, expressions, solved requirements, branches)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sympy
from sympy.core.relational import Relational

from prooftools.theory.derivation.algebra import (
    Solved,
    StepError,
    solve_requirement,
    substitute_bound,
    tidy,
)
from prooftools.theory.derivation.spec import DerivationSpec, StepSpec, split_ref

if TYPE_CHECKING:
    from prooftools.theory.definitions import Statement
    from prooftools.theory.registry import Registry

LOWER_KINDS = ("width", "iterations", "sample_size", "depth", "batch_size")


@dataclass(frozen=True)
class Branches:
    """A value that depends on side conditions: (condition, value) pairs, in order."""

    cases: tuple[tuple[sympy.Basic, object], ...]


@dataclass(frozen=True)
class StepRecord:
    """One step as carried out: what it did, in words and math, and the value it produced."""

    derivation: str
    index: int
    verb: str
    name: str
    what: str  # e.g. "take du2019.markov:initial_residual"
    value: object  # sympy relation/expression, Solved or Branches
    method: str = ""
    note: str = ""
    source: sympy.Basic | None = None  # what a substitute step substituted (``q <= U``)


@dataclass
class Context:
    """Named values of one derivation run, and the equalities assumed so far."""

    registry: Registry
    statement: Statement
    spec: DerivationSpec
    derive_ref: Callable[[str, str], object]  # (statement id, derivation name) → result value
    values: dict[str, object] = field(default_factory=dict)
    equalities: dict = field(default_factory=dict)
    records: list[StepRecord] = field(default_factory=list)
    source: sympy.Basic | None = None  # set by the substitute step being run

    def resolve_id(self, sid: str) -> str:
        """Local ids get the statement's paper prefix (as in ``uses``)."""
        head = sid.split(".", 1)[0]
        if "." in sid and head in self.registry.papers:
            return sid
        return f"{self.statement.paper}.{sid}"


def as_relation(value) -> Relational:
    """A relation from a relation or a solved requirement."""
    if isinstance(value, Solved):
        return value.as_relation()
    if isinstance(value, Relational):
        return value
    raise StepError(f"expected a relation, got {_kind(value)}")


def as_expression(value) -> sympy.Expr:
    """The threshold of a solved requirement, or an expression itself."""
    if isinstance(value, Solved):
        return value.threshold
    if isinstance(value, Branches) or isinstance(value, (Relational, sympy.And)):
        raise StepError(f"expected a value, got {_kind(value)}")
    return value


def _kind(value) -> str:
    if isinstance(value, Branches):
        return "branches"
    if isinstance(value, Solved):
        return "a solved requirement"
    return "a relation" if isinstance(value, (Relational, sympy.And)) else "an expression"


def fetch(ctx: Context, ref: str) -> tuple[object, str]:
    """The value a reference names and how it came (``bound``, ``relation``, ``derived``,
    ``local``)."""
    sid, sep, name = split_ref(ref)
    if sid is None:
        if name not in ctx.values:
            raise StepError(f"no earlier step defines {name!r}")
        return ctx.values[name], "local"
    full = ctx.resolve_id(sid) if sid else ctx.statement.id
    if sep == "@":  # another derivation's result, with this run's equalities in it too
        return _apply(ctx, ctx.derive_ref(full, name)), "derived"
    st = ctx.registry.get(full)
    for cond in (*st.hypotheses, *st.conclusions):
        if cond.name == name:
            if not isinstance(cond.expr, Relational):
                raise StepError(f"{full}:{name} joins several comparisons; take one")
            return _apply(ctx, cond.expr), "relation"
    for b in st.bounds:
        if b.name == name:
            if b.symbol and b.relation in (">", ">=", "<", "<="):
                sym = ctx.registry.symbol(b.symbol)
                return Solved(sym, b.relation, _apply(ctx, b.expr), "stated"), "bound"
            return _apply(ctx, b.expr), "bound"
    raise StepError(f"{full} has no hypothesis, conclusion or bound {name!r}")


def _apply(ctx: Context, value):
    """``value`` with the assumed equalities substituted."""
    if not ctx.equalities:
        return value
    if isinstance(value, Solved):
        return Solved(value.symbol, value.relation, value.threshold.xreplace(ctx.equalities),
                      value.method, value.note)
    if isinstance(value, Branches):
        return Branches(tuple((c, _apply(ctx, v)) for c, v in value.cases))
    return value.xreplace(ctx.equalities)


def _formula(ctx: Context, formula: sympy.Basic) -> sympy.Basic:
    """A step formula with earlier results in place of their names."""
    repl = {ctx.spec.names[n]: as_expression(v) for n, v in ctx.values.items()
            if ctx.spec.names[n] in formula.free_symbols}
    return _apply(ctx, formula.xreplace(repl))


def step_take(ctx: Context, step: StepSpec):
    value, _ = fetch(ctx, step.arg)
    return value, f"take {step.arg}", "", ""


def step_let(ctx: Context, step: StepSpec):
    return _formula(ctx, step.formulas[0]), "let", "", ""


def step_assume(ctx: Context, step: StepSpec):
    rel = _formula(ctx, step.formulas[0])
    parts = rel.args if isinstance(rel, sympy.And) else (rel,)
    for part in parts:
        if isinstance(part, sympy.Eq) and (part.lhs.is_Symbol or part.lhs.is_Function):
            ctx.equalities[part.lhs] = part.rhs
    ctx.values = {n: _apply(ctx, v) for n, v in ctx.values.items()}
    return rel, "assume", "", "equalities are substituted in every value from here on"


def step_substitute(ctx: Context, step: StepSpec):
    source, how = fetch(ctx, step.arg)
    into = step.options["into"]
    if into not in ctx.values:
        raise StepError(f"no earlier step defines {into!r}")
    target = ctx.values[into]
    src = as_relation(source)
    if how == "bound":  # a chosen parameter at its largest (smallest) allowed value
        src = sympy.Eq(src.lhs, src.rhs, evaluate=False)
    if isinstance(target, Solved):
        new, note = substitute_bound(target.as_relation(), src)
        value = Solved(target.symbol, target.relation, tidy(new.rhs), target.method,
                       target.note)
    elif isinstance(target, Branches):
        raise StepError("substitute into each branch before the branch step")
    else:
        value, note = substitute_bound(target, src)
        if not isinstance(value, Relational):
            value = tidy(value)
    if how == "bound":
        note = f"{src.lhs} set to its bound"
    ctx.source = src
    return value, f"substitute {step.arg} into {into}", "", note


def step_solve(ctx: Context, step: StepSpec):
    target = ctx.values.get(step.arg)
    if target is None:
        raise StepError(f"no earlier step defines {step.arg!r}")
    symbol = ctx.registry.symbol(step.options["for"])
    where = _formula(ctx, step.formulas[0]) if step.formulas else None
    solved = solve_requirement(as_relation(target), symbol, step.options.get("method", "auto"),
                               where)
    return solved, f"solve {step.arg} for {symbol}", solved.method, solved.note


def _max_min(largest: bool, args) -> sympy.Expr:
    """Max/Min, unevaluated when sympy cannot order the arguments."""
    func = sympy.Max if largest else sympy.Min
    try:
        return func(*args)
    except ValueError:
        return func(*args, evaluate=False)


def _extreme(ctx: Context, step: StepSpec, largest: bool):
    """The max of lower-bound requirements on one symbol (min of upper bounds), or of values."""
    vals = [fetch(ctx, ref)[0] for ref in step.arg]
    word = "max" if largest else "min"
    if not all(isinstance(v, Solved) for v in vals):
        value = _max_min(largest, [as_expression(v) for v in vals])
        return value, f"{word} of {', '.join(step.arg)}", "", ""
    if len({v.symbol for v in vals}) != 1 or len({v.relation[0] for v in vals}) != 1:
        raise StepError(f"{word} needs requirements on one symbol, all in one direction")
    if (vals[0].relation[0] == ">") != largest:
        raise StepError(f"{word} of {'upper' if largest else 'lower'} bounds: use "
                        f"{'min' if largest else 'max'}")
    strict = all(len(v.relation) == 1 for v in vals)  # all strict: the result is strict
    rel = vals[0].relation[0] + ("" if strict else "=")
    value = Solved(vals[0].symbol, rel, _max_min(largest, [v.threshold for v in vals]), word)
    return value, f"{word} of {', '.join(step.arg)}", "", ""


def step_max(ctx: Context, step: StepSpec):
    return _extreme(ctx, step, True)


def step_min(ctx: Context, step: StepSpec):
    return _extreme(ctx, step, False)


def step_compose(ctx: Context, step: StepSpec):
    """A contraction ρ per step (form power, −log ρ ≥ 1 − ρ) or exp(−r t) (form exp) from
    ``from`` down to ``to`` gives K ≥ log(from/to)/(1 − ρ), resp. t ≥ log(from/to)/r."""
    value, how = fetch(ctx, step.arg)
    rate = as_expression(value)
    form = step.options.get("form")
    if form is None and how == "bound":
        sid, _, name = split_ref(step.arg)
        form = ctx.registry.get(ctx.resolve_id(sid)).bound(name).form
    start, target = (_formula(ctx, f) for f in step.formulas)
    gap = sympy.log(start / target)
    threshold = gap / (1 - rate) if (form or "power") == "power" else gap / rate
    symbol = ctx.registry.symbol(step.options["for"])
    note = "uses −log ρ ≥ 1 − ρ" if (form or "power") == "power" else ""
    return (Solved(symbol, ">=", tidy(threshold), "compose"),
            f"compose the rate {step.arg} into {symbol}", "", note)


def step_branch(ctx: Context, step: StepSpec):
    cases = []
    for ref, cond in zip(step.arg, step.formulas, strict=True):
        value, _ = fetch(ctx, ref)
        eqs = {p.lhs: p.rhs for p in (cond.args if isinstance(cond, sympy.And) else (cond,))
               if isinstance(p, sympy.Eq) and (p.lhs.is_Symbol or p.lhs.is_Function)}
        if eqs:
            value = _substituted(value, eqs)
        cases.append((cond, value))
    return Branches(tuple(cases)), f"branch on {len(cases)} side conditions", "", ""


def _substituted(value, eqs: dict):
    if isinstance(value, Solved):
        return Solved(value.symbol, value.relation, value.threshold.xreplace(eqs), value.method,
                      value.note)
    if isinstance(value, Branches):
        return Branches(tuple((c, _substituted(v, eqs)) for c, v in value.cases))
    return value.xreplace(eqs)


RUNNERS = {
    "take": step_take, "let": step_let, "assume": step_assume, "substitute": step_substitute,
    "solve": step_solve, "max": step_max, "min": step_min, "compose": step_compose,
    "branch": step_branch,
}


def run_step(ctx: Context, step: StepSpec) -> None:
    """Carry out one step and record it."""
    ctx.source = None
    value, what, method, note = RUNNERS[step.verb](ctx, step)
    ctx.values[step.name] = value
    ctx.records.append(StepRecord(ctx.spec.name, step.index, step.verb, step.name, what, value,
                                  method, note, ctx.source))
