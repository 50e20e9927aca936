"""``derive(registry, statement)``: run a statement's declared derivations and judge each of its
stated bounds against them (orders in every variable, implied constant, verdict)."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sympy

from prooftools.errors import UserInputError
from prooftools.theory.cases import cases_of, restatements_of
from prooftools.theory.derivation import ranges
from prooftools.theory.derivation import verdict as V
from prooftools.theory.derivation.algebra import Solved, StepError
from prooftools.theory.derivation.degrees import degree_text, implied_degrees
from prooftools.theory.derivation.judging import (
    exact_ratio,
    joint_judgement,
    side_intervals,
    strip_hidden_polylog,
)
from prooftools.theory.derivation.orders import Order, format_order, orders, variables
from prooftools.theory.derivation.spec import DerivationSpec
from prooftools.theory.derivation.steps import (
    LOWER_KINDS,
    Branches,
    Context,
    StepRecord,
    as_expression,
    run_step,
)
from prooftools.theory.magnitude import EvaluationTimeout, time_limit

if TYPE_CHECKING:
    from prooftools.theory.definitions import Bound, Statement
    from prooftools.theory.registry import Registry

#: Wall-clock guard of one ``derive`` call (all its derivations), in seconds.
DERIVE_SECONDS = 30.0
#: Bound kinds a derivation is judged on (rates and probabilities are not requirements).
JUDGED_KINDS = ("width", "step_size", "iterations", "radius", "sample_size", "depth",
                "batch_size")


@dataclass(frozen=True)
class DerivedBound:
    """The result of one derivation: ``symbol relation expr`` (per branch when it branches)."""

    name: str
    kind: str
    symbol: str | None
    relation: str | None
    cases: tuple[tuple[sympy.Basic | None, sympy.Expr], ...]  # (condition or None, bound)
    method: str
    steps: tuple[StepRecord, ...]

    @property
    def expr(self) -> sympy.Expr:
        """The derived bound (a Piecewise over the side conditions when it branches)."""
        if len(self.cases) == 1 and self.cases[0][0] is None:
            return self.cases[0][1]
        return sympy.Piecewise(*[(e, c) for c, e in self.cases])

    @property
    def lower(self) -> bool:
        """True when the bound is a lower bound on its symbol (m ≥ …)."""
        if self.relation:
            return self.relation.startswith(">")
        return self.kind in LOWER_KINDS


@dataclass(frozen=True)
class CaseVerdict:
    """A stated bound against one branch of a derived bound."""

    condition: sympy.Basic | None
    derived_orders: dict[str, Order | None]
    stated_orders: dict[str, Order | None]
    judgement: V.Judgement
    implied_constant: sympy.Expr | None


@dataclass(frozen=True)
class StatedBound:
    """One stated bound of the statement and the derivation's verdict on it."""

    bound: Bound
    derivation: str | None  # the derived bound it is judged against
    cases: tuple[CaseVerdict, ...]
    verdict: str
    reason: str = ""

    @property
    def factor(self) -> sympy.Expr | None:
        """Looser/tighter factor (of the worst branch)."""
        for c in self.cases:
            if c.judgement.verdict == self.verdict:
                return c.judgement.factor
        return None

    @property
    def implied_constant(self) -> sympy.Expr | None:
        """The hidden constant the derivation implies (one branch, agreeing orders)."""
        return self.cases[0].implied_constant if len(self.cases) == 1 else None


@dataclass(frozen=True)
class Derivation:
    """Everything ``derive`` found for one statement."""

    statement: str
    results: tuple[DerivedBound, ...]
    stated: tuple[StatedBound, ...]

    @property
    def steps(self) -> tuple[StepRecord, ...]:
        """Every step of every derivation, in order."""
        return tuple(s for r in self.results for s in r.steps)

    @property
    def derived(self) -> dict[str, sympy.Expr]:
        """Derived bound name → derived bound (with the derived constants still symbolic)."""
        return {r.name: r.expr for r in self.results}

    @property
    def verdicts(self) -> dict[str, str]:
        """Stated bound name → verdict."""
        return {s.bound.name: s.verdict for s in self.stated}

    def of_kind(self, kind: str) -> DerivedBound | None:
        """The first derived bound of ``kind`` (the width a sweep sets beside m*), or None."""
        return next((r for r in self.results if r.kind == kind), None)


def derive(registry: Registry, statement_id: str) -> Derivation:
    """Run the derivations ``statement_id`` declares and judge its stated bounds.

    A step sympy cannot do, or a run past DERIVE_SECONDS, is a one-line UserInputError naming
    the file, the statement and the step.
    """
    st = registry.get(statement_id)
    runner = _Runner(registry, _RUNS.setdefault(registry, {}))
    try:
        with time_limit(DERIVE_SECONDS):
            results = tuple(runner.result(st, spec) for spec in st.derivations)
            stated = tuple(_judge_bounds(registry, st, results))
    except EvaluationTimeout:
        raise UserInputError(f"{st.origin}: {st.id}: the derivation took longer than "
                             f"{DERIVE_SECONDS:g} s and was stopped") from None
    return Derivation(st.id, results, stated)


#: registry → its derivations' results, shared by every ``derive`` call on it (an umbrella
#: statement reuses its branches'); a changed theorem file loads as a new registry
_RUNS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class _Runner:
    """Runs derivations, caching results so a branch may reuse another statement's."""

    def __init__(self, registry: Registry, cache: dict | None = None):
        self.registry = registry
        self.cache: dict[tuple[str, str], tuple[object, tuple[StepRecord, ...]]] = (
            {} if cache is None else cache)
        self.active: list[tuple[str, str]] = []

    def value(self, sid: str, name: str) -> object:
        st = self.registry.get(sid)
        spec = next((d for d in st.derivations if d.name == name), None)
        if spec is None:
            raise StepError(f"{sid} declares no derivation {name!r}")
        return self.run(st, spec)[0]

    def run(self, st: Statement, spec: DerivationSpec) -> tuple[object, tuple[StepRecord, ...]]:
        key = (st.id, spec.name)
        if key in self.cache:
            return self.cache[key]
        if key in self.active:
            raise StepError("derivations refer to each other in a cycle: "
                            + " -> ".join(f"{s}@{n}" for s, n in [*self.active, key]))
        self.active.append(key)
        try:
            ctx = Context(self.registry, st, spec, self.value)
            for step in spec.steps:
                try:
                    run_step(ctx, step)
                except UserInputError:
                    raise
                except (StepError, ValueError, TypeError, NotImplementedError, ZeroDivisionError,
                        RecursionError, AttributeError) as exc:
                    raise UserInputError(
                        f"{spec.path}:{step.line or spec.line}: {st.id}: derivation "
                        f"{spec.name!r}, {step.describe()}: {exc}".replace("\n", " ")) from None
            out = (ctx.values[spec.result], tuple(ctx.records))
        finally:
            self.active.pop()
        self.cache[key] = out
        return out

    def result(self, st: Statement, spec: DerivationSpec) -> DerivedBound:
        value, records = self.run(st, spec)
        cases = value.cases if isinstance(value, Branches) else ((None, value),)
        symbol, relation, exprs, method = spec.symbol, spec.relation, [], ""
        for cond, v in cases:
            if isinstance(v, Solved):
                symbol, relation, method = symbol or v.symbol.name, relation or v.relation, v.method
            try:
                exprs.append((cond, as_expression(v)))
            except StepError as exc:
                raise UserInputError(f"{spec.path}:{spec.line}: {st.id}: derivation "
                                     f"{spec.name!r}: the result {spec.result!r} is not a bound "
                                     f"({exc})") from None
        return DerivedBound(spec.name, spec.kind, symbol, relation, tuple(exprs), method,
                            records)


def _judge_bounds(registry: Registry, st: Statement, results: tuple[DerivedBound, ...]):
    for b in st.bounds:
        listed = any(d.compare is not None and b.name in d.compare for d in st.derivations)
        if b.kind not in JUDGED_KINDS and not listed:
            continue
        spec = _covering(st, b)
        if spec is None:
            why = ("the file declares no derivation for this statement" if not st.derivations
                   else f"no derivation of this statement gives a {b.kind} bound")
            yield StatedBound(b, None, (), V.NOT_DERIVABLE, why + _derived_elsewhere(
                registry, st, b))
            continue
        derived = next(r for r in results if r.name == spec.name)
        cases = tuple(_judge_case(registry, st, b, derived, c, e) for c, e in derived.cases)
        verdict = V.worst([c.judgement.verdict for c in cases])
        reason = next((c.judgement.reason for c in cases if c.judgement.verdict == verdict), "")
        if verdict == V.NOT_DERIVABLE:  # a hidden degree: say what the derivation implies
            degree = degree_text(implied_degrees(registry, st, b.expr, cases, derived.cases,
                                                 derived.lower))
            reason = "; ".join(r for r in (degree, reason) if r)
        yield StatedBound(b, derived.name, cases, verdict, reason)


def _derived_elsewhere(registry: Registry, st: Statement, b: Bound) -> str:
    """Where the bound is derived instead: the statement's cases or cited restatements that
    carry a derivation of its kind (an umbrella theorem, a theorem known through a restatement)."""
    related = (*cases_of(registry, st, b), *restatements_of(registry, st, b))
    found = [other.id for other, _ in related if any(d.kind == b.kind for d in other.derivations)]
    if not found:
        return ""
    return f"; derived in {', '.join(found)} (prooftools derive {found[0]})"


def _covering(st: Statement, b: Bound) -> DerivationSpec | None:
    """The derivation a stated bound is judged against: one listing it in ``compare``, else the
    first of the same kind without a ``compare`` list."""
    for d in st.derivations:
        if d.compare is not None and b.name in d.compare:
            return d
    return next((d for d in st.derivations if d.compare is None and d.kind == b.kind), None)


def _parts(cond) -> tuple:
    if cond is None:
        return ()
    return cond.args if isinstance(cond, sympy.And) else (cond,)


def _side_substitution(conditions, growth: set[str]) -> tuple[dict, dict]:
    """Side conditions ``x < c``, ``x >= c`` … on a symbol that is not a variable of growth (an
    exponent parameter such as p) become x ↦ c ∓ t with a fresh positive t, so that sympy can
    decide the sign of 2p − 1 under p < 1/2; returns the substitution and the way back."""
    fwd: dict = {}
    back: dict = {}
    for rel in conditions:
        if not isinstance(rel, (sympy.StrictLessThan, sympy.LessThan, sympy.StrictGreaterThan,
                                sympy.GreaterThan)):
            continue
        x, c = rel.lhs, rel.rhs
        if not (x.is_Symbol and c.is_number and x.name not in growth and x not in fwd):
            continue
        strict = isinstance(rel, (sympy.StrictLessThan, sympy.StrictGreaterThan))
        t = sympy.Dummy(f"{x.name}_gap", positive=True) if strict else sympy.Dummy(
            f"{x.name}_gap", nonnegative=True)
        below = isinstance(rel, (sympy.StrictLessThan, sympy.LessThan))
        fwd[x] = c - t if below else c + t
        back[t] = c - x if below else x - c
    return fwd, back


def _back(o: dict[str, Order | None], back: dict) -> dict[str, Order | None]:
    return {k: None if v is None else Order(sympy.simplify(v.power.xreplace(back)),
                                            sympy.simplify(v.log_power.xreplace(back)))
            for k, v in o.items()}


def _judge_case(registry: Registry, st: Statement, b: Bound, derived: DerivedBound, cond,
                expr) -> CaseVerdict:
    stated = b.expr.xreplace({p.lhs: p.rhs for p in _parts(cond) if isinstance(p, sympy.Eq)})
    varlist = variables(expr, stated, registry.symbols, derived.symbol)
    hyps = [h.expr for h in st.hypotheses if not h.forall]
    fwd, back = _side_substitution([*_parts(cond), *hyps], {name for name, _ in varlist})
    d_orders = orders(expr.xreplace(fwd), varlist, registry.symbols, derived.symbol)
    s_orders = orders(stated.xreplace(fwd), varlist, registry.symbols, derived.symbol)
    with ranges.assumed(side_intervals(registry, st, cond, (expr, stated))):
        judgement = _compare(registry, stated, expr, varlist, derived)
        # orders on the side conditions' ranges where the substitution leaves them unknown
        d_orders = _fill(d_orders, orders(expr, varlist, registry.symbols, derived.symbol), fwd)
        s_orders = _fill(s_orders, orders(stated, varlist, registry.symbols, derived.symbol),
                         fwd)
    if judgement.verdict == V.NOT_DERIVABLE and fwd:
        judgement = _compare(registry, stated.xreplace(fwd), expr.xreplace(fwd), varlist,
                             derived)
    if back and judgement.factor is not None:
        judgement = V.Judgement(judgement.verdict, judgement.factor.xreplace(back),
                                judgement.reason)
    implied = (_implied_constant(registry, stated, expr)
               if judgement.verdict == V.AGREES else None)
    return CaseVerdict(cond, _back(d_orders, back), _back(s_orders, back), judgement, implied)


def _fill(subst: dict, ranged: dict, fwd: dict) -> dict:
    """Orders found with the side substitution, an unknown one taken from the ranged orders
    (written in the substitution's terms so that ``_back`` returns them unchanged)."""
    out = dict(subst)
    for k, v in subst.items():
        if v is None and ranged.get(k) is not None:
            o = ranged[k]
            out[k] = Order(o.power.xreplace(fwd), o.log_power.xreplace(fwd))
    return out


def _compare(registry: Registry, stated, expr, varlist, derived: DerivedBound) -> V.Judgement:
    """The verdict: the orders one variable at a time (up to the polylog Õ hides, when it hides
    one), then each pair of variables grown together; where the orders cannot be told (an
    observable in both), an exact constant ratio (:mod:`prooftools.theory.derivation.judging`)."""
    m = registry.symbols[derived.symbol].sym if derived.symbol in registry.symbols else None
    s_cmp, d_cmp, note = strip_hidden_polylog(registry, stated, expr, m)
    s_o = orders(s_cmp, varlist, registry.symbols, derived.symbol)
    d_o = orders(d_cmp, varlist, registry.symbols, derived.symbol)
    judgement = V.judge(s_o, d_o, derived.lower)
    if judgement.verdict == V.NOT_DERIVABLE and exact_ratio(stated, expr, varlist) is not None:
        judgement = V.Judgement(V.AGREES, sympy.Integer(1), "the two bounds differ by a constant")
    elif judgement.verdict == V.AGREES:
        judgement = joint_judgement(s_cmp, d_cmp, varlist, registry.symbols, derived.symbol,
                                    derived.lower) or judgement
    if note:
        judgement = V.Judgement(judgement.verdict, judgement.factor,
                                "; ".join(r for r in (judgement.reason, note) if r))
    return judgement


def _implied_constant(registry: Registry, stated: sympy.Expr, derived: sympy.Expr):
    """The value of the stated bound's one hidden constant that makes it the derived bound (the
    plain ratio derived/stated when it has none); None with several."""
    hidden = [registry.symbol(n) for n in registry.constants_in(stated)
              if registry.symbol(n) not in derived.free_symbols]
    if len(hidden) > 1:
        return None
    base = stated.xreplace({hidden[0]: 1}) if hidden else stated
    try:
        return sympy.simplify(derived / base)
    except (TypeError, ValueError, RecursionError):
        return None


def order_strings(o: dict[str, Order | None]) -> dict[str, str]:
    """Label → printed order (``n^6``, ``log(1/delta)``, ``1``, ``?``)."""
    return {label: format_order(v, label) for label, v in o.items()}
