"""The algebra of derivation steps: substitution with a monotonicity check, solving a requirement
for one symbol (algebraically, or with the Lambert W function / a documented monotone fixed point
when the symbol also sits inside a logarithm), and the direction of a solved requirement.

Every function here takes sympy objects already built by the safe parser; nothing parses text.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import sympy
from sympy.core.function import AppliedUndef
from sympy.core.relational import Relational

from prooftools.theory.derivation.orders import INVERSE
from prooftools.theory.special import NegW

#: Relations normalized to ``lhs < rhs`` / ``lhs <= rhs`` (``Eq`` stays).
_FLIP = {sympy.StrictGreaterThan: sympy.StrictLessThan, sympy.GreaterThan: sympy.LessThan}


class StepError(ValueError):
    """A step sympy (or this module) cannot carry out; the message says what and why."""


@dataclass(frozen=True)
class Solved:
    """``symbol REL threshold``: the requirement a solve step found, and how."""

    symbol: sympy.Symbol
    relation: str  # ">", ">=", "<", "<="
    threshold: sympy.Expr
    method: str  # "algebraic", "lambertw", "fixed_point"
    note: str = ""

    def as_relation(self) -> Relational:
        """The sympy relation ``symbol REL threshold``."""
        ops = {">": sympy.StrictGreaterThan, ">=": sympy.GreaterThan,
               "<": sympy.StrictLessThan, "<=": sympy.LessThan}
        return ops[self.relation](self.symbol, self.threshold, evaluate=False)


def normalize(rel: Relational) -> Relational:
    """``a > b`` → ``b < a`` (likewise ``>=``); other relations unchanged."""
    flip = _FLIP.get(type(rel))
    return flip(rel.rhs, rel.lhs, evaluate=False) if flip else rel


def tidy(expr: sympy.Expr) -> sympy.Expr:
    """A cheap canonical form: powers combined, numeric factors collected (no full simplify)."""
    expr = sympy.powsimp(sympy.powdenest(expr, force=True), force=True)
    return sympy.factor_terms(expr)


def random_point(exprs, seed: int = 7) -> dict:
    """Positive values in (0.05, 0.95)·10^k for every free symbol and undefined-function
    application of ``exprs`` (a fixed seed: the direction test is reproducible)."""
    rng = random.Random(seed)
    atoms: set = set()
    for e in exprs:
        atoms |= e.free_symbols | e.atoms(AppliedUndef)
    return {a: sympy.Float(rng.uniform(0.05, 0.95), 30)
            for a in sorted(atoms, key=sympy.default_sort_key)}


def increasing_in(expr: sympy.Expr, quantity: sympy.Basic) -> bool | None:
    """Whether ``expr`` is nondecreasing in ``quantity`` (a symbol or an applied observable), as
    far as sympy can tell with every symbol taken positive (bounds are about positive
    quantities); None when it cannot."""
    x = sympy.Dummy("q", positive=True)
    expr = expr.xreplace({quantity: x})
    expr = expr.xreplace({s: sympy.Dummy(s.name, positive=True) for s in expr.free_symbols
                          if s != x and not s.is_positive})
    d = sympy.diff(expr, x)
    d = sympy.simplify(d) if d.count_ops() < 200 else d
    if d.is_nonnegative:
        return True
    if d.is_negative:
        return False
    return None


def substitute_bound(target: sympy.Basic, source: Relational) -> tuple[sympy.Basic, str]:
    """Replace the quantity bounded by ``source`` (its left side) by the bound in ``target``.

    ``q == v`` replaces everywhere. ``q <= U`` (an upper bound) into a requirement ``A < B``
    is sound when A − B does not decrease in q (then A(U) < B implies A(q) < B); ``q >= L``
    needs A − B nonincreasing. Returns the new value and a note on the direction check.
    """
    src = source
    if isinstance(src, (sympy.StrictGreaterThan, sympy.GreaterThan)):
        src = type(src)(src.lhs, src.rhs, evaluate=False)
    quantity, bound = src.lhs, src.rhs
    if not (quantity.is_Symbol or isinstance(quantity, AppliedUndef)):
        raise StepError(f"the substituted relation must bound a symbol or an observable on its "
                        f"left side; got {source}")
    if quantity not in target.free_symbols and not target.has(quantity):
        raise StepError(f"{quantity} does not occur in the value it is substituted into")
    new = target.xreplace({quantity: bound})
    if isinstance(src, sympy.Eq) or not isinstance(target, Relational):
        return new, "replaced"
    req = normalize(target)
    if isinstance(req, sympy.Eq):
        raise StepError("an inequality cannot be substituted into an equation")
    upper = isinstance(src, (sympy.StrictLessThan, sympy.LessThan))
    grows = increasing_in(req.lhs - req.rhs, quantity)
    if grows is None:
        return new, "monotonicity not decided by sympy"
    if grows != upper:
        which = "an upper" if upper else "a lower"
        raise StepError(f"substituting {which} bound of {quantity} would weaken the requirement "
                        f"(it {'de' if grows is False else 'in'}creases in {quantity})")
    return new, f"sound: the requirement {'in' if grows else 'de'}creases in {quantity}"


def _holds(rel: Relational, values: dict) -> bool | None:
    g = (rel.lhs - rel.rhs).xreplace(values)
    try:
        v = complex(sympy.N(g, 30))
    except (TypeError, ValueError):
        return None
    if abs(v.imag) > 1e-12 * max(1.0, abs(v.real)):
        return None
    return v.real < 0 if not isinstance(rel, sympy.Eq) else None


def direction(req: Relational, symbol: sympy.Symbol, threshold: sympy.Expr,
              near: bool = False) -> str:
    """'>' when the requirement holds above ``threshold`` (its boundary in ``symbol``), '<' when
    below; decided numerically at a fixed random point (``near``: just beside the threshold, for
    a requirement that holds on several intervals)."""
    strict = isinstance(req, sympy.StrictLessThan)
    up = sympy.Rational(1001, 1000) if near else 4
    for point in _points([req.lhs, req.rhs, threshold]):
        point.pop(symbol, None)
        t = threshold.xreplace(point)
        try:
            t = sympy.Float(sympy.N(t, 30), 30)
        except (TypeError, ValueError):
            continue
        if not t.is_positive:
            continue
        above = _holds(req, {**point, symbol: t * up})
        below = _holds(req, {**point, symbol: t / up})
        if above and below is False:
            return ">" if strict else ">="
        if below and above is False:
            return "<" if strict else "<="
    raise StepError(f"cannot tell on which side of {threshold} the requirement holds")


#: (seed, scale) of the random points a numeric check tries: values in (0.05, 0.95)·scale;
#: scale None is the asymptotic regime (n, L, d, m, b large; δ, ε, φ, η … small)
POINTS = ((7, 1), (11, 1), (13, 1), (17, 10**3), (19, 10**6), (23, None))
_GROWING = ("n", "L", "d", "m", "b")


def _regime(atom) -> int:
    name = getattr(atom, "name", "")
    return 10**4 if name in _GROWING else sympy.Rational(1, 10**4) if name in INVERSE else 1


def _points(exprs):
    for seed, scale in POINTS:
        yield {a: v * (_regime(a) if scale is None else scale)
               for a, v in random_point(exprs, seed).items()}


def _value(expr: sympy.Expr, point: dict) -> float | None:
    try:
        v = complex(sympy.N(expr.xreplace(point), 30))
    except (TypeError, ValueError):
        return None
    return v.real if abs(v.imag) <= 1e-12 * max(1.0, abs(v.real)) else None


def _positive_somewhere(root: sympy.Expr) -> bool:
    """False when ``root`` is ≤ 0 or not real at every random point tried (a root sympy cannot
    sign, e.g. one with an observable in it); True when it cannot be evaluated."""
    values = [_value(root, pt) for pt in _points([root])]
    return any(v is None or v > 0 for v in values) if values else True


def _within(root: sympy.Expr, symbol: sympy.Symbol, where: Relational | None) -> bool:
    """Whether the side condition ``where`` holds at ``root`` at every random point where the
    root is positive (and there is one)."""
    if where is None:
        return True
    rel = normalize(where.xreplace({symbol: root}))
    seen = False
    for pt in _points([rel.lhs, rel.rhs, root]):
        v = _value(root, pt)
        if v is None or v <= 0:
            continue
        seen = True
        if not _holds(rel, pt):
            return False
    return seen


def _unique_root(eq: sympy.Eq, symbol: sympy.Symbol, where: Relational | None = None) -> sympy.Expr:
    try:
        roots = sympy.solve(eq, symbol)
        if not roots:
            free = sympy.Dummy("s")
            roots = [r.xreplace({free: symbol}) for r in sympy.solve(eq.xreplace({symbol: free}),
                                                                     free)]
    except NotImplementedError as exc:
        raise StepError(f"sympy cannot solve {eq} for {symbol} ({exc})") from None
    roots = [r for r in roots if not (r.is_negative or r.is_zero or r.has(sympy.I))
             and _positive_somewhere(r) and _within(r, symbol, where)]
    if len(roots) != 1:
        raise StepError(f"no unique positive solution of {eq.lhs} = {eq.rhs} for {symbol} "
                        f"(sympy found {roots})")
    return roots[0]


def solve_requirement(req: Relational, symbol: sympy.Symbol, method: str = "auto",
                      where: Relational | None = None) -> Solved:
    """Solve the requirement ``req`` for ``symbol``: its boundary and on which side it holds.

    ``where`` is a side condition (``eta < 2/beta``) that picks the boundary among several roots;
    the side is then read just beside it.
    """
    req = normalize(req)
    if not isinstance(req, Relational) or isinstance(req, sympy.Eq):
        raise StepError("only an inequality can be solved for a requirement")
    if symbol not in req.free_symbols:
        raise StepError(f"{symbol} does not occur in the requirement")
    logs = {a for a in req.atoms(sympy.log) if symbol in a.free_symbols}
    if method == "auto":
        method = "lambertw" if logs else "algebraic"
    if method == "algebraic":
        if logs:
            raise StepError(f"{symbol} also occurs inside {sorted(logs, key=str)[0]}: use "
                            "method = \"lambertw\" or \"fixed_point\"")
        root = tidy(_unique_root(sympy.Eq(req.lhs, req.rhs), symbol, where))
        note = "" if where is None else f"the root with {where}"
        return Solved(symbol, direction(req, symbol, root, near=where is not None), root,
                      "algebraic", note)
    if method == "fixed_point":
        return _fixed_point(req, symbol, logs)
    return _solve_through_log(req, symbol, logs)


#: Steps of the fixed-point iteration (from G(1); with one log the third is u = K + κ log(K + …)).
FIXED_POINT_STEPS = 3


def _fixed_point(req, symbol, logs) -> Solved:
    """Every log containing ``symbol`` replaced by a placeholder, the rest solved algebraically
    as symbol = G(u₁ … u_k); then symbol ← G(logs at symbol) from G(1, …, 1), FIXED_POINT_STEPS
    times. G increases in each u and each log in the symbol, so the iterates increase towards the
    least solution from below: an estimate of the threshold with its orders."""
    if not logs:
        raise StepError(f"{symbol} occurs in no logarithm; use method = \"algebraic\"")
    holders = {atom: sympy.Dummy(f"u{i}", positive=True)
               for i, atom in enumerate(sorted(logs, key=sympy.default_sort_key))}
    outer = req.xreplace(holders)
    if any(symbol in a.free_symbols for a in outer.atoms(sympy.log)):
        raise StepError(f"{symbol} is nested in a logarithm in a way the iteration cannot handle")
    root = _unique_root(sympy.Eq(outer.lhs, outer.rhs), symbol)
    side = direction(outer, symbol, root)
    value = root.xreplace({h: sympy.Integer(1) for h in holders.values()})
    for _ in range(FIXED_POINT_STEPS - 1):
        value = tidy(root.xreplace({h: atom.xreplace({symbol: value})
                                    for atom, h in holders.items()}))
    note = (f"{FIXED_POINT_STEPS} steps of the monotone iteration {symbol} ← G(log terms at "
            f"{symbol}) from G(1): an estimate from below of the least solution, with its orders")
    return Solved(symbol, side, value, "fixed_point", note)


def _solve_through_log(req, symbol, logs) -> Solved:
    """``symbol`` outside and inside one log(c·symbol^k): solve outside for symbol = A·u^r with
    u = log(c·symbol^k), then u − κ log u = K with κ = r·k, K = log(c·A^k)."""
    if len(logs) != 1:
        raise StepError(f"{symbol} occurs in {len(logs)} different logarithms; Lambert W "
                        "needs exactly one: use method = \"fixed_point\"")
    (log_atom,) = logs
    c, power = log_atom.args[0].as_independent(symbol, as_Add=False)
    k = power.as_base_exp()[1] if power != symbol else sympy.Integer(1)
    if power.as_base_exp()[0] != symbol or symbol in k.free_symbols:
        raise StepError(f"the logarithm {log_atom} is not of the form log(c·{symbol}^k)")
    u = sympy.Dummy("u", positive=True)
    outer = req.xreplace({log_atom: u})
    root = _unique_root(sympy.Eq(outer.lhs, outer.rhs), symbol)
    side = direction(outer, symbol, root)
    A, upow = sympy.powsimp(root, force=True).as_independent(u, as_Add=False)
    r = upow.as_base_exp()[1] if upow != u else sympy.Integer(1)
    if upow != 1 and upow.as_base_exp()[0] != u:
        raise StepError(f"the solution {root} is not of the form A·log(…)^r")
    kappa = sympy.nsimplify(r * k)
    K = sympy.log(tidy(c * A**k))  # one log: exp(−K/κ) stays a power
    if not kappa.is_positive:
        raise StepError(f"the log link has exponent {kappa}; only a positive one is supported")
    u_star = kappa * NegW(sympy.exp(-K / kappa) / kappa)
    times = "" if kappa == 1 else f"{kappa}·"
    note = (f"largest root of u = {K} + {times}log u, u = log of the {symbol} inside the log, "
            f"by the W₋₁ branch; valid when the argument of W is ≥ −1/e")
    return Solved(symbol, side, tidy(A) * u_star**r, "lambertw", note)
