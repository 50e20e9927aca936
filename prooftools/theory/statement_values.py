"""Every bound of a statement at given values, as a user expects a number for each.

Three things turn a formula into a number here, each stated in the result:

- **Õ log powers** a derivation does not give are 0 (:mod:`prooftools.theory.hidden`); the value
  is then re-computed with each such power one higher, and marked ``lower`` (the true value is
  at least the one shown) or ``upper`` estimate by the direction it moved;
- **unknown degrees** come from the statement's cases or a cited restatement
  (:mod:`prooftools.theory.cases`), named in ``via``;
- **the chain of a theorem**: when the user gives no width m, the step size and the iteration
  counts are evaluated at the required width (the largest of the statement's width
  requirements), and without η, at the largest step size the statement allows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

import sympy

from prooftools.theory.bounds import (
    BoundValue,
    evaluate_bound,
    format_decimal,
    iterations_from_rate,
)
from prooftools.theory.cases import (
    cases_of,
    failing_hypotheses,
    fixed_by_hypotheses,
    restatements_of,
    undecided_symbols,
)
from prooftools.theory.definitions import Bound, Statement
from prooftools.theory.hidden import (
    NOT_DERIVED,
    derived_exponent,
    hidden_log_power,
    log_powers_in,
    unknown_degrees_in,
)

if TYPE_CHECKING:
    from prooftools.theory.registry import Registry

#: Symbols a statement's own bounds fix when not given: (symbol, bound kind, take the largest).
CHAIN = (("m", "width", True), ("eta", "step_size", False))
#: How deep umbrella → case → … evaluation may go.
MAX_DEPTH = 4


@dataclasses.dataclass
class _Context:
    registry: Registry
    values: Mapping[str, sympy.Basic]
    constants: str
    probe: frozenset  # hidden log powers put one higher (to find an estimate's direction)
    cache: dict


def statement_values(registry: Registry, statement_id: str, values: Mapping[str, object], *,
                     constants: str = "hidden",
                     kinds: tuple[str, ...] | None = None) -> list[BoundValue]:
    """Every bound of a statement, plus the iterations each rate implies (see the module)."""
    from prooftools.theory.values import check_values

    st = registry.get(statement_id)
    checked = check_values(registry, values)
    names = None if kinds is None else {
        b.name for b in st.bounds
        if b.kind in kinds or (b.kind == "rate" and "iterations" in kinds)}
    main = _all(_Context(registry, checked, constants, frozenset(), {}), st, 0, names)
    zeroed = sorted({s for bv in main for s, _, src in bv.log_powers if NOT_DERIVED in src})
    if zeroed and any(bv.estimate == "pending" for bv in main):
        # one probe per power: each moves a value one way; the values it moves both ways
        # (a power in a numerator, another in a denominator) have no certain direction
        probes = [_all(_Context(registry, checked, constants, frozenset({s}), {}), st, 0, names)
                  for s in zeroed]
        main = [_directed(bv, [p[i] for p in probes]) for i, bv in enumerate(main)]
    return [bv for bv in main if kinds is None or bv.kind in kinds]


def bound_value(registry: Registry, st: Statement, bound: Bound, values: Mapping[str, object],
                *, constants: str = "hidden") -> BoundValue:
    """One bound of ``st`` evaluated like :func:`statement_values` does."""
    for bv in statement_values(registry, st.id, values, constants=constants,
                               kinds=(bound.kind,)):
        if bv.name == bound.name:
            return bv
    raise KeyError(bound.name)


def _directed(main: BoundValue, probes: list[BoundValue]) -> BoundValue:
    """``main`` with its estimate's direction: ``lower`` when every power put at 1 raises the
    value or leaves it, ``upper`` when every one lowers it or leaves it, else ``estimate``."""
    if main.estimate != "pending":
        return main
    if main.value is None:
        return dataclasses.replace(main, estimate=None)
    signs = set()
    for probe in probes:
        if probe.value is None:
            return dataclasses.replace(main, estimate="estimate")
        if probe.value != main.value:
            signs.add(probe.value > main.value)
    direction = {frozenset(): None, frozenset({True}): "lower",
                 frozenset({False}): "upper"}.get(frozenset(signs), "estimate")
    return dataclasses.replace(main, estimate=direction)


def _needed(st: Statement, names: set[str] | None) -> set[str] | None:
    """The bounds to evaluate for ``names``: those, and the ones fixing m and η for them."""
    if names is None:
        return None
    kinds = {b.kind for b in st.bounds if b.name in names}
    out = set(names)
    for sym, kind, _ in CHAIN:
        if kinds - {"width"} or kind == "width":
            out |= {b.name for b in st.bounds if b.kind == kind and b.symbol == sym}
    return out


def _all(ctx: _Context, st: Statement, depth: int, names: set[str] | None) -> list[BoundValue]:
    """The statement's bounds (those in ``names``, or all) in file order, with the chain."""
    key = (st.id, None if names is None else frozenset(names))
    if key in ctx.cache:
        return ctx.cache[key]
    cache = ctx.cache
    wanted = _needed(st, names)
    fixed = {k: v for k, v in fixed_by_hypotheses(ctx.registry, st).items()
             if k not in ctx.values}
    if fixed:  # a case's own equality hypotheses fix its parameters (p = 1/2 in that case)
        ctx = dataclasses.replace(ctx, values={**ctx.values, **fixed}, cache={})
    done: dict[str, BoundValue] = {}
    chained: dict[str, tuple[sympy.Basic, str, bool]] = {}
    for sym, kind, largest in CHAIN:
        fixers = [b for b in st.bounds if b.kind == kind and b.symbol == sym
                  and (wanted is None or b.name in wanted)]
        for b in fixers:
            done[b.name] = _one(ctx, st, b, chained, depth)
        found = [done[b.name] for b in fixers if done[b.name].value is not None]
        if sym not in ctx.values and found and len(found) == len(fixers):
            pick = (max if largest else min)(found, key=lambda bv: bv.value)
            chained[sym] = (pick.value, f"at {sym} = {format_decimal(pick.value, 4)}, "
                                        f"the {'required' if largest else 'largest allowed'} "
                                        f"{sym} of bound {pick.name}",
                            any(bv.estimate for bv in found))
    out: list[BoundValue] = []
    for b in st.bounds:
        if wanted is not None and b.name not in wanted:
            continue
        out.append(done.get(b.name) or _one(ctx, st, b, chained, depth))
        if b.kind == "rate":
            iters = iterations_from_rate(b, ctx.registry.symbol("r0"), ctx.registry.symbol("eps"))
            synthetic = Bound(f"iterations_from_{b.name}", "iterations", iters, str(iters),
                              "derived", "")
            out.append(dataclasses.replace(_one(ctx, st, synthetic, chained, depth),
                                           derived_from=b.name))
    cache[key] = out
    return out


def _one(ctx: _Context, st: Statement, b: Bound, chained: dict, depth: int) -> BoundValue:
    """One bound: unknown degrees through cases, log powers filled, then the chain if needed."""
    degrees = {u: derived_exponent(ctx.registry, u)
               for u in unknown_degrees_in(ctx.registry, b.expr) if u not in ctx.values}
    unknown = [u for u, hp in degrees.items() if hp is None]
    if unknown:
        return _through_cases(ctx, st, b, unknown, depth)
    powers = {k: hidden_log_power(ctx.registry, k)
              for k in log_powers_in(ctx.registry, b.expr) if k not in ctx.values}
    powers.update(degrees)  # every unknown degree is derived here
    given = {**ctx.values, **{k: (hp.value + 1 if k in ctx.probe and hp.estimate else hp.value)
                              for k, hp in powers.items()}}
    bv = evaluate_bound(ctx.registry, st, b, given, constants=ctx.constants)
    notes: list[str] = []
    usable = {k: v for k, v in chained.items() if k in bv.missing and k != b.symbol}
    if usable:
        bv = evaluate_bound(ctx.registry, st, b, {**given, **{k: v[0] for k, v in usable.items()}},
                            constants=ctx.constants)
        notes = [v[1] for v in usable.values()]
        bv = dataclasses.replace(bv, estimate="pending" if any(v[2] for v in usable.values())
                                 else None)
    zero = any(hp.estimate for hp in powers.values())
    if bv.extra.get("implicit") and powers:  # a log power of 0 may take m out of the formula
        placed = b.expr.xreplace({ctx.registry.symbol(k): given[k] for k in powers})
        if all(s.name != b.symbol for s in placed.free_symbols):
            bv = dataclasses.replace(bv, extra={k: v for k, v in bv.extra.items()
                                                if k != "implicit"})
    estimate = "pending" if zero or bv.estimate == "pending" else bv.estimate
    if b.estimate and bv.value is not None:  # declared by the file: combined with the above
        estimate = b.estimate if estimate in (None, b.estimate) else "estimate"
        notes.append(f"{b.estimate} estimate as encoded in {st.id}: {b.notes}" if b.notes
                     else f"{b.estimate} estimate as encoded in {st.id}")
    return dataclasses.replace(
        bv, notes=bv.notes + tuple(notes),
        log_powers=tuple((k, str(hp.value), hp.source) for k, hp in powers.items()),
        estimate=estimate)


def _through_cases(ctx: _Context, st: Statement, b: Bound, unknown: list[str],
                   depth: int) -> BoundValue:
    """The bound's value from its cases or a cited restatement, else ``needs`` the degrees."""
    reg = ctx.registry
    base = BoundValue(st.id, b.name, b.kind, b.text, None, None, missing=tuple(unknown),
                      provenance=b.provenance, symbol=b.symbol, relation=b.relation)
    if depth >= MAX_DEPTH:
        return base
    cases = cases_of(reg, st, b)
    if cases:
        return _from_cases(ctx, st, b, cases, base, depth)
    for other, ob in restatements_of(reg, st, b):
        got = _pick(ctx, other, ob, depth)
        if got.value is not None:
            note = (f"hidden exponent ({', '.join(unknown)}) taken from the cited restatement "
                    f"{other.id} ({other.source})")
            return _as(got, base, f"{other.id}:{ob.name}", note, other.provenance)
    return base


def _pick(ctx: _Context, st: Statement, b: Bound, depth: int) -> BoundValue:
    for bv in _all(ctx, st, depth + 1, {b.name}):
        if bv.name == b.name:
            return bv
    raise KeyError(b.name)


def _as(got: BoundValue, base: BoundValue, via: str, note: str, provenance: str) -> BoundValue:
    return dataclasses.replace(got, statement=base.statement, name=base.name, kind=base.kind,
                               expr=base.expr, symbol=base.symbol, relation=base.relation,
                               provenance=provenance, via=via, notes=(note, *got.notes))


def _from_cases(ctx: _Context, st: Statement, b: Bound, cases, base: BoundValue,
                depth: int) -> BoundValue:
    reg = ctx.registry
    live = [(c, cb) for c, cb in cases if not failing_hypotheses(c, ctx.values)]
    applying = [(c, cb) for c, cb in live if not undecided_symbols(c, ctx.values, reg)]
    chosen = applying or live
    if not chosen:
        return dataclasses.replace(base, notes=("no case applies at the given values",))
    got = [(c, cb, _pick(ctx, c, cb, depth)) for c, cb in chosen]
    lacking = sorted({m for _, _, g in got for m in g.missing}
                     | set().union(*(undecided_symbols(c, ctx.values, reg) for c, _ in chosen)))
    if any(g.value is None for _, _, g in got):
        return dataclasses.replace(base, missing=tuple(lacking) or base.missing)
    largest = b.relation in (">=", ">") or (b.relation is None and b.kind == "width")
    c, cb, best = (max if largest else min)(got, key=lambda t: t[2].value)
    if applying:
        note = f"from case {c.id}, the one the given values select"
        if len(applying) > 1:
            note = (f"from case {c.id}, the most demanding of the cases the given values select "
                    f"({', '.join(x.id for x, _ in applying)})")
    else:
        note = (f"from case {c.id}, the most demanding of the cases the given values do not "
                f"exclude ({', '.join(x.id for x, _ in chosen)}); give "
                f"{', '.join(lacking)} to select one")
    return _as(best, base, f"{c.id}:{cb.name}", note, b.provenance)
