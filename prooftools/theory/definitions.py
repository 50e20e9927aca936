"""Frozen definitions of symbols and statements; they never reference the registry."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

ROLES = ("parameter", "data", "observable", "constant", "index")
DOMAINS = {
    "positive": {"positive": True},
    "nonnegative": {"nonnegative": True},
    "real": {"real": True},
    "positive_integer": {"positive": True, "integer": True},
    "nonnegative_integer": {"nonnegative": True, "integer": True},
    "probability": {"positive": True},
}
KINDS = ("assumption", "definition", "condition", "lemma", "theorem", "corollary")
#: Kinds whose hypotheses are assumed by the statements that use them.
ASSUMED_KINDS = ("assumption", "condition", "definition")
PROVENANCE = ("verified", "derived", "secondary", "recollection")
#: statement tags whose value changes what prooftools does, and the values it knows (any other
#: tag is descriptive and free; ``network`` is checked against the engines when a run needs it,
#: ``normalization`` by the normalization dispatcher, which also takes ``+``-joined specs)
TAG_VALUES = {
    "task": ("regression", "classification"),
}
BOUND_KINDS = (
    "width",
    "step_size",
    "iterations",
    "rate",
    "probability",
    "radius",
    "sample_size",
    "depth",
    "batch_size",
    "other",
)
RELATIONS = (">=", ">", "<=", "<", "=")
PROVENANCE_MARK = {"verified": "", "derived": "†", "secondary": "‡", "recollection": "?"}


@dataclass(frozen=True)
class Location:
    """Where a definition came from."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return self.path + (f":{self.line}" if self.line else "")


@dataclass(frozen=True)
class SymbolDef:
    """A declared symbol. Observables are sympy functions of their index arguments."""

    name: str
    role: str
    domain: str
    latex: str
    meaning: str
    args: tuple[str, ...] = ()
    value: sympy.Expr | None = None
    value_text: str | None = None
    value_provenance: str | None = None
    value_source: str | None = None
    origin: Location = field(default_factory=lambda: Location("?"))

    @property
    def sym(self) -> sympy.Symbol | type[sympy.Function]:
        """The sympy object this name stands for."""
        if self.role == "observable":
            return sympy.Function(self.name)
        return sympy.Symbol(self.name, **DOMAINS[self.domain])


@dataclass(frozen=True)
class Condition:
    """A named hypothesis or conclusion: a sympy relation (or ``And`` of relations)."""

    name: str
    expr: sympy.Basic
    text: str
    provenance: str
    source: str
    forall: tuple[str, ...] = ()
    when: sympy.Basic | None = None  # restricts the quantified range (e.g. dist_max(k) <= R)
    when_text: str | None = None
    notes: str = ""
    line: int | None = None
    origin_bound: str | None = None  # set when the hypothesis comes from a bound

    def to_dict(self) -> dict:
        out = {"name": self.name, "expr": self.text, "provenance": self.provenance}
        if self.source:
            out["source"] = self.source
        if self.forall:
            out["forall"] = list(self.forall)
        if self.when_text:
            out["when"] = self.when_text
        if self.notes:
            out["notes"] = self.notes
        return out


@dataclass(frozen=True)
class Bound:
    """A named bound; with ``symbol`` and ``relation`` it also constrains a parameter."""

    name: str
    kind: str
    expr: sympy.Expr
    text: str
    provenance: str
    source: str
    symbol: str | None = None
    relation: str | None = None
    form: str = "power"  # for rates: "power" (ρ^k) or "exp" (exp(-expr t))
    notes: str = ""
    line: int | None = None
    printed: bool = False  # the form as printed by the paper (``derive`` marks it)
    #: "lower"/"upper": the formula as encoded is known to be below/above the paper's bound (a
    #: restatement that gives the degree in n only); every value computed from it is so marked
    estimate: str | None = None

    def as_condition(self, symbols: dict[str, SymbolDef]) -> Condition | None:
        """The hypothesis this bound imposes (``m >= expr``), if it constrains a symbol."""
        if self.symbol is None or self.relation in (None, "="):
            return None
        lhs = symbols[self.symbol].sym
        rel = {
            ">=": sympy.GreaterThan,
            ">": sympy.StrictGreaterThan,
            "<=": sympy.LessThan,
            "<": sympy.StrictLessThan,
        }[self.relation]
        return Condition(
            name=self.name,
            expr=rel(lhs, self.expr, evaluate=False),
            text=f"{self.symbol} {self.relation} {self.text}",
            provenance=self.provenance,
            source=self.source,
            notes=self.notes,
            line=self.line,
            origin_bound=self.name,
        )

    def to_dict(self) -> dict:
        out = {"name": self.name, "kind": self.kind, "expr": self.text}
        if self.symbol:
            out["symbol"], out["relation"] = self.symbol, self.relation
        out["provenance"] = self.provenance
        if self.source:
            out["source"] = self.source
        if self.printed:
            out["printed"] = True
        if self.estimate:
            out["estimate"] = self.estimate
        return out


@dataclass(frozen=True)
class Paper:
    """Bibliographic data of one theorem file."""

    key: str
    title: str
    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str = ""
    arxiv: str = ""
    version: str = ""
    notes: str = ""
    origin: Location = field(default_factory=lambda: Location("?"))

    @property
    def short(self) -> str:
        """'Du et al. 2019' style citation."""
        if not self.authors:
            return self.key
        last = self.authors[0].split()[-1]
        etal = " et al." if len(self.authors) > 2 else (
            f" & {self.authors[1].split()[-1]}" if len(self.authors) == 2 else ""
        )
        return f"{last}{etal} {self.year or ''}".strip()


@dataclass(frozen=True)
class Statement:
    """An assumption, definition, condition, lemma, theorem or corollary."""

    id: str
    kind: str
    title: str
    paper: str
    source: str
    provenance: str
    uses: tuple[str, ...] = ()
    hypotheses: tuple[Condition, ...] = ()
    bounds: tuple[Bound, ...] = ()
    conclusions: tuple[Condition, ...] = ()
    probability: sympy.Expr | None = None
    probability_text: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    notes: str = ""
    origin: Location = field(default_factory=lambda: Location("?"))
    uses_line: int | None = None
    #: declared derivations (prooftools.theory.derivation.spec.DerivationSpec), in file order
    derivations: tuple = ()

    def bound(self, name: str) -> Bound:
        """The bound called ``name``."""
        for b in self.bounds:
            if b.name == name:
                return b
        raise KeyError(f"{self.id} has no bound {name!r} (has: {[b.name for b in self.bounds]})")

    def bounds_of_kind(self, kind: str) -> tuple[Bound, ...]:
        """All bounds of one kind (e.g. every width requirement)."""
        return tuple(b for b in self.bounds if b.kind == kind)
