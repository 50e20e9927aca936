"""Derivations as data: the ``[[statements.derivations]]`` tables of a theorem file, checked and
parsed when the file is loaded (formulas through the same safe parser as every other formula).

The vocabulary is documented in docs/derivations.md. A derivation is a list of steps; each step has
exactly one verb key (``take``, ``let``, ``assume``, ``substitute``, ``solve``, ``max``, ``min``,
``compose``, ``branch``) and names its value with ``as``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sympy

from prooftools.theory import parser
from prooftools.theory.definitions import BOUND_KINDS, RELATIONS
from prooftools.theory.expressions import ExpressionError, Namespace, parse_expression

VERBS = ("take", "let", "assume", "substitute", "solve", "max", "min", "compose", "branch")
#: Keys a step may carry besides its verb, per verb.
STEP_KEYS = {
    "take": {"as"},
    "let": {"as"},
    "assume": {"as"},
    "substitute": {"into", "as"},
    "solve": {"for", "method", "where", "as"},
    "max": {"as"},
    "min": {"as"},
    "compose": {"from", "to", "for", "form", "as"},
    "branch": {"when", "as"},
}
COMMON_STEP_KEYS = {"notes"}
DERIVATION_KEYS = {"name", "kind", "symbol", "relation", "result", "compare", "notes", "steps"}
METHODS = ("auto", "algebraic", "lambertw", "fixed_point")


@dataclass(frozen=True)
class StepSpec:
    """One step as written: its verb, its argument(s) and parsed formulas."""

    index: int  # 1-based
    verb: str
    arg: str | tuple[str, ...]
    name: str
    options: dict[str, str] = field(default_factory=dict)
    formulas: tuple[sympy.Basic, ...] = ()  # let/assume: (formula,); branch: the conditions
    notes: str = ""
    line: int | None = None

    def describe(self) -> str:
        """``step 3 (solve)``."""
        return f"step {self.index} ({self.verb})"


@dataclass(frozen=True)
class DerivationSpec:
    """One ``[[statements.derivations]]`` table."""

    name: str
    kind: str
    symbol: str | None
    relation: str | None
    steps: tuple[StepSpec, ...]
    result: str
    compare: tuple[str, ...] | None
    notes: str = ""
    path: str = ""
    line: int | None = None
    #: placeholder symbol of every name a step defines (formulas refer to earlier results by name)
    names: dict[str, sympy.Symbol] = field(default_factory=dict)


def placeholder(name: str) -> sympy.Symbol:
    """The symbol standing for a derived value named ``name`` inside step formulas."""
    return sympy.Symbol(name, positive=True)


def split_ref(ref: str) -> tuple[str | None, str, str]:
    """``"stmt:entry"`` → (stmt, ":", entry), ``"stmt@deriv"`` → (stmt, "@", deriv), a local name
    → (None, "", name)."""
    for sep in ("@", ":"):
        if sep in ref:
            head, _, tail = ref.rpartition(sep)
            return head.strip(), sep, tail.strip()
    return None, "", ref.strip()


class _Reader:
    """Reads one derivation table; problems go to ``bad(message, *path, key=...)``."""

    def __init__(self, spec: dict, where: tuple, ns: Namespace, symbols: dict,
                 bad: Callable[..., None], line: Callable[..., int | None]):
        self.spec, self.where, self.ns, self.symbols = spec, where, ns, symbols
        self.bad, self.line = bad, line
        self.names: dict[str, sympy.Symbol] = {}
        self.ok = True

    def fail(self, message: str, *path, key: str) -> None:
        self.ok = False
        self.bad(message, *self.where, *path, key=key)

    def name_ok(self, name, path, key) -> bool:
        if not isinstance(name, str) or not parser.IDENT.match(name):
            self.fail(f"'as' must be an identifier, got {name!r}", *path, key=key)
            return False
        if name in self.symbols or name in ("pi", "E", "oo"):
            self.fail(f"name {name!r} is already a declared symbol; choose another 'as'", *path,
                      key=key)
            return False
        return True

    def formula(self, text, path, key, *, relation: bool) -> sympy.Basic | None:
        if not isinstance(text, str):
            self.fail(f"expected a formula string, got {text!r}", *path, key=key)
            return None
        ns = Namespace({**self.ns.symbols, **self.names}, self.ns.observables)
        try:
            return parse_expression(text, ns, allow_relations=relation)
        except ExpressionError as exc:
            col = f" (column {exc.col})" if exc.col else ""
            self.fail(f"{exc}{col} in {text!r}", *path, key=key)
            return None

    def step(self, j: int, raw: dict, dname: str) -> StepSpec | None:
        path, key = ("steps", j), f"derivations.{dname}.steps[{j + 1}]"
        verbs = [v for v in VERBS if v in raw]
        if len(verbs) != 1:
            self.fail(f"a step needs exactly one of {', '.join(VERBS)}; got "
                      f"{sorted(raw) or 'none'}", *path, key=key)
            return None
        verb = verbs[0]
        allowed = STEP_KEYS[verb] | COMMON_STEP_KEYS | {verb}
        unknown = sorted(set(raw) - allowed)
        if unknown:
            self.fail(f"unknown key {unknown[0]!r} in a {verb} step (allowed: "
                      f"{', '.join(sorted(allowed))})", *path, unknown[0], key=key)
            return None
        arg = raw[verb]
        if verb in ("max", "min", "branch"):
            if not (isinstance(arg, list) and len(arg) >= 1
                    and all(isinstance(a, str) and a for a in arg)):
                self.fail(f"'{verb}' must be a list of names or references", *path, verb,
                          key=key)
                return None
            arg = tuple(a.strip() for a in arg)
        elif not isinstance(arg, str) or not arg.strip():
            self.fail(f"'{verb}' must be a non-empty string", *path, verb, key=key)
            return None
        options = {k: raw[k] for k in raw if k not in (verb, "notes", "as")}
        for k, v in options.items():
            if k != "when" and not isinstance(v, str):
                self.fail(f"'{k}' must be a string, got {v!r}", *path, k, key=key)
                return None
        formulas = self.step_formulas(verb, arg, options, path, key)
        if formulas is None:
            return None
        name = raw.get("as", self.default_name(verb, arg, options, j))
        if not self.name_ok(name, (*path, "as"), key):
            return None
        self.names[name] = placeholder(name)
        return StepSpec(j + 1, verb, arg, name, {k: v for k, v in options.items() if k != "when"},
                        formulas, str(raw.get("notes", "")), self.line(*self.where, *path))

    def step_formulas(self, verb, arg, options, path, key) -> tuple | None:
        if verb in ("let", "assume"):
            f = self.formula(arg, (*path, verb), key, relation=True)
            return None if f is None else (f,)
        if verb == "solve":
            target = options.get("for")
            if target not in self.symbols or self.symbols[target].role == "observable":
                self.fail(f"'for' must name a declared symbol, got {target!r}", *path, "for",
                          key=key)
                return None
            if options.get("method", "auto") not in METHODS:
                self.fail(f"method must be one of {', '.join(METHODS)}; got "
                          f"{options.get('method')!r}", *path, "method", key=key)
                return None
            if "where" in options:
                f = self.formula(options["where"], (*path, "where"), f"{key}.where",
                                 relation=True)
                return None if f is None else (f,)
        if verb == "substitute" and not isinstance(options.get("into"), str):
            self.fail("a substitute step needs 'into' (the name of the value it changes)",
                      *path, key=key)
            return None
        if verb == "compose":
            return self.compose_formulas(options, path, key)
        if verb == "branch":
            return self.branch_conditions(arg, options, path, key)
        return ()

    def compose_formulas(self, options, path, key) -> tuple | None:
        target = options.get("for")
        if target not in self.symbols:
            self.fail(f"'for' must name a declared symbol, got {target!r}", *path, "for",
                      key=key)
            return None
        if options.get("form", "power") not in ("power", "exp"):
            self.fail("form must be 'power' or 'exp'", *path, "form", key=key)
            return None
        out = []
        for k in ("from", "to"):
            f = self.formula(options.get(k), (*path, k), f"{key}.{k}", relation=False)
            if f is None:
                return None
            out.append(f)
        return tuple(out)

    def branch_conditions(self, arg, options, path, key) -> tuple | None:
        when = options.get("when")
        if not (isinstance(when, list) and len(when) == len(arg)):
            self.fail("a branch step needs 'when': one condition per branch", *path, "when",
                      key=key)
            return None
        conds = []
        for text in when:
            f = self.formula(text, (*path, "when"), f"{key}.when", relation=True)
            if f is None:
                return None
            conds.append(f)
        return tuple(conds)

    def default_name(self, verb, arg, options, j) -> str:
        if verb == "take":
            return split_ref(arg)[2]
        if verb in ("substitute",):
            return options.get("into", f"step{j + 1}")
        if verb == "solve":
            return arg
        return f"step{j + 1}"


def read_derivation(spec, where: tuple, ns: Namespace, symbols: dict, bad, line,
                    bound_names: set[str], path: str) -> DerivationSpec | None:
    """Check and parse one derivation table (``where`` is its key path in the file)."""
    reader = _Reader(spec, where, ns, symbols, bad, line)
    if not isinstance(spec, dict):
        reader.fail("a derivation must be a table ([[statements.derivations]])", key="derivations")
        return None
    name = spec.get("name")
    if not isinstance(name, str) or not parser.IDENT.match(name):
        reader.fail(f"a derivation needs an identifier 'name', got {name!r}", "name",
                    key="derivations.name")
        return None
    key = f"derivations.{name}"
    for k in spec:
        if k not in DERIVATION_KEYS:
            reader.fail(f"unknown key {k!r} in a derivation (expected one of "
                        f"{', '.join(sorted(DERIVATION_KEYS))})", k, key=f"{key}.{k}")
    kind = spec.get("kind")
    if kind not in BOUND_KINDS:
        reader.fail(f"derivation kind must be one of {', '.join(BOUND_KINDS)}; got {kind!r}",
                    "kind", key=f"{key}.kind")
    symbol, relation = spec.get("symbol"), spec.get("relation")
    if symbol is not None and (symbol not in symbols or symbols[symbol].role == "observable"):
        reader.fail(f"derivation symbol {symbol!r} is not a declared symbol", "symbol",
                    key=f"{key}.symbol")
    if relation is not None and relation not in RELATIONS:
        reader.fail(f"relation must be one of {', '.join(RELATIONS)}; got {relation!r}",
                    "relation", key=f"{key}.relation")
    compare = spec.get("compare")
    if compare is not None:
        if not (isinstance(compare, list) and all(isinstance(c, str) for c in compare)):
            reader.fail("'compare' must be a list of bound names", "compare",
                        key=f"{key}.compare")
            compare = None
        else:
            for c in compare:
                if c not in bound_names:
                    reader.fail(f"'compare' names {c!r}, not a bound of this statement",
                                "compare", key=f"{key}.compare")
    raw_steps = spec.get("steps")
    if not (isinstance(raw_steps, list) and raw_steps
            and all(isinstance(s, dict) for s in raw_steps)):
        reader.fail("a derivation needs 'steps', a non-empty array of tables "
                    "([[statements.derivations.steps]])", "steps", key=f"{key}.steps")
        return None
    steps = [reader.step(j, raw, name) for j, raw in enumerate(raw_steps)]
    result = spec.get("result", steps[-1].name if steps[-1] is not None else None)
    if reader.ok and result not in reader.names:
        reader.fail(f"'result' names {result!r}, which no step defines", "result",
                    key=f"{key}.result")
    if not reader.ok:
        return None
    return DerivationSpec(name, kind, symbol, relation, tuple(steps), result,
                          tuple(compare) if compare is not None else None,
                          str(spec.get("notes", "")), path, line(*where), dict(reader.names))
