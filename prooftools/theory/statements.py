"""Build one statement of a theorem file: its hypotheses, bounds and conclusions, with every
problem named by file, line and key (used by :class:`~prooftools.theory.registry.Registry`).
"""

from __future__ import annotations

import difflib

import sympy

from prooftools.errors import FileProblem
from prooftools.theory import parser
from prooftools.theory.definitions import (
    BOUND_KINDS,
    KINDS,
    PROVENANCE,
    RELATIONS,
    TAG_VALUES,
    Bound,
    Condition,
    Location,
    Statement,
)
from prooftools.theory.expressions import ExpressionError, Namespace, parse_expression


def replace_frozen(obj, **changes):
    from dataclasses import replace

    return replace(obj, **changes)


class StatementBuilder:
    """Turns one raw ``[[statements]]`` table into a :class:`Statement` or problems."""

    def __init__(self, raw, index, spec, paper_key, ns: Namespace, symbols, paper_keys):
        self.raw, self.index, self.spec, self.key = raw, index, spec, paper_key
        self.paper_keys = paper_keys
        self.ns, self.symbols = ns, symbols
        self.problems: list[FileProblem] = []
        self.statement: Statement | None = None
        local = spec.get("id")
        self.sid = f"{paper_key}.{local}" if isinstance(local, str) else f"{paper_key}#{index + 1}"

    def bad(self, message: str, *path, key: str | None = None) -> None:
        line = self.raw.lines.line("statements", self.index, *path)
        self.problems.append(FileProblem(self.raw.path, line, self.sid, key, message))

    def build(self) -> StatementBuilder:
        s = self.spec
        local = s.get("id")
        if not isinstance(local, str) or not parser.STATEMENT_ID.match(local):
            self.bad(f"statement needs an 'id' of letters, digits, '.', '_' (got {local!r})",
                     "id", key="id")
            return self
        kind = s.get("kind")
        if kind not in KINDS:
            self.bad(f"kind must be one of {', '.join(KINDS)}; got {kind!r}", "kind", key="kind")
        prov = s.get("provenance")
        if prov not in PROVENANCE:
            self.bad(f"provenance must be one of {', '.join(PROVENANCE)}; got {prov!r}",
                     "provenance", key="provenance")
        for req in ("title", "source"):
            if not isinstance(s.get(req), str) or not s.get(req):
                self.bad(f"statement needs a non-empty string {req!r}", req, key=req)
        uses = s.get("uses", [])
        if not isinstance(uses, list) or not all(isinstance(u, str) for u in uses):
            self.bad("'uses' must be a list of statement ids", "uses", key="uses")
            uses = []
        tags = s.get("tags", {})
        if not isinstance(tags, dict):
            self.bad("'tags' must be a table", "tags", key="tags")
            tags = {}
        for tag, allowed in TAG_VALUES.items():
            if tag in tags and tags[tag] not in allowed:
                hint = difflib.get_close_matches(str(tags[tag]), allowed, n=1)
                self.bad(f"tag {tag!r} must be one of {', '.join(allowed)}; got {tags[tag]!r}"
                         + (f" (did you mean {hint[0]!r}?)" if hint else ""),
                         "tags", tag, key=f"tags.{tag}")
        probability = None
        if "probability" in s:
            probability = self.expr(str(s["probability"]), ("probability",), "probability")
        hyps = tuple(self.conditions("hypotheses", prov))
        bounds = tuple(self.bounds(prov))
        concl = tuple(self.conditions("conclusions", prov))
        derivations = self.derivations({b.name for b in bounds})
        self.check_names()
        if self.problems:
            return self
        self.statement = Statement(
            id=self.sid,
            kind=kind,
            title=s["title"],
            paper=self.key,
            source=s["source"],
            provenance=prov,
            uses=tuple(self.resolve(u) for u in uses),
            hypotheses=hyps,
            bounds=bounds,
            conclusions=concl,
            probability=probability,
            probability_text=str(s["probability"]) if "probability" in s else None,
            tags={str(k): str(v) for k, v in tags.items()},
            notes=str(s.get("notes", "")),
            origin=Location(self.raw.path, self.raw.lines.line("statements", self.index)),
            uses_line=self.raw.lines.line("statements", self.index, "uses"),
            derivations=derivations,
        )
        return self

    def derivations(self, bound_names: set[str]) -> tuple:
        """The statement's ``[[statements.derivations]]``, checked and parsed (not yet run)."""
        from prooftools.theory.derivation.spec import read_derivation

        raw = self.spec.get("derivations", [])
        if not isinstance(raw, list):
            self.bad("'derivations' must be an array of tables ([[statements.derivations]])",
                     "derivations", key="derivations")
            return ()
        out, seen = [], set()
        for j, spec in enumerate(raw):
            d = read_derivation(spec, ("derivations", j), self.ns, self.symbols, self.bad,
                                lambda *p: self.raw.lines.line("statements", self.index, *p),
                                bound_names, self.raw.path)
            if d is None:
                continue
            if d.name in seen:
                self.bad(f"duplicate derivation name {d.name!r}", "derivations", j, "name",
                         key=f"derivations.{d.name}")
            seen.add(d.name)
            out.append(d)
        return tuple(out)

    def resolve(self, ref: str) -> str:
        """Local ids get the paper prefix; ids starting with another paper's key stay."""
        head = ref.split(".", 1)[0]
        if "." in ref and head in self.paper_keys:
            return ref
        return f"{self.key}.{ref}"

    def expr(self, text, path, key, *, relation=False):
        try:
            return parse_expression(text, self.ns, allow_relations=relation)
        except ExpressionError as exc:
            col = f" (column {exc.col})" if exc.col else ""
            self.bad(f"{exc}{col} in {text!r}", *path, key=key)
            return None

    def conditions(self, section: str, default_prov):
        for j, entry in enumerate(self.spec.get(section, [])):
            name = entry.get("name")
            where = (section, j)
            if not isinstance(name, str) or not parser.IDENT.match(name):
                self.bad(f"each {section} entry needs an identifier 'name'", *where, "name",
                         key=f"{section}.name")
                continue
            text = entry.get("expr")
            if not isinstance(text, str):
                self.bad("missing 'expr' (a formula string)", *where, "expr", key=f"{name}.expr")
                continue
            expr = self.expr(text, (*where, "expr"), f"{section}.{name}", relation=True)
            if expr is None:
                continue
            if not isinstance(expr, (sympy.core.relational.Relational, sympy.And)):
                self.bad(f"{section} must be a comparison, got {text!r}", *where, "expr",
                         key=f"{section}.{name}")
                continue
            forall = entry.get("forall", [])
            if isinstance(forall, str):
                forall = [forall]
            if not (
                isinstance(forall, list) and all(isinstance(f, str) for f in forall)
            ):
                self.bad("'forall' must be a list of index names", *where, "forall",
                         key=f"{name}.forall")
                continue
            if not self.check_forall(expr, forall, name, where):
                continue
            when = None
            if "when" in entry:
                when = self.expr(str(entry["when"]), (*where, "when"), f"{section}.{name}.when",
                                 relation=True)
                if when is None:
                    continue
            prov = entry.get("provenance", default_prov)
            if prov not in PROVENANCE and "provenance" in entry:
                self.bad(f"provenance must be one of {', '.join(PROVENANCE)}; got {prov!r}",
                         *where, "provenance", key=f"{name}.provenance")
            yield Condition(
                name=name,
                expr=expr,
                text=text,
                provenance=prov,
                source=str(entry.get("source", self.spec.get("source", ""))),
                forall=tuple(forall),
                when=when,
                when_text=str(entry["when"]) if "when" in entry else None,
                notes=str(entry.get("notes", "")),
                line=self.raw.lines.line("statements", self.index, *where, "expr"),
            )

    def check_forall(self, expr, forall, name, where) -> bool:
        """``forall`` names index symbols only, and every index the formula leaves free (the
        ``k`` of ``resid_sq(k)``) is quantified: without ``forall`` the condition would be
        judged at no index at all. Reports the problem and returns False otherwise."""
        for f in forall:
            if f not in self.symbols:
                self.bad(f"forall names unknown index {f!r}", *where, "forall",
                         key=f"{name}.forall")
                return False
            if self.symbols[f].role != "index":
                self.bad(f"forall names {f!r}, a {self.symbols[f].role}, not an index "
                         "(indices: " + ", ".join(sorted(n for n, d in self.symbols.items()
                                                         if d.role == "index")) + ")",
                         *where, "forall", key=f"{name}.forall")
                return False
        free = sorted(s.name for s in expr.free_symbols
                      if s.name in self.symbols and self.symbols[s.name].role == "index")
        missing = [f for f in free if f not in forall]
        if missing:
            listed = ", ".join(f'"{f}"' for f in free)
            self.bad(f"{name!r} uses the index {', '.join(missing)} without quantifying it: "
                     f"add forall = [{listed}] (a quantified condition needs forall)",
                     *where, "forall" if "forall" in self.spec[where[0]][where[1]] else "expr",
                     key=f"{name}.forall")
            return False
        return True

    def bounds(self, default_prov):
        for j, entry in enumerate(self.spec.get("bounds", [])):
            where = ("bounds", j)
            name = entry.get("name")
            if not isinstance(name, str) or not parser.IDENT.match(name):
                self.bad("each bound needs an identifier 'name'", *where, "name",
                         key="bounds.name")
                continue
            kind = entry.get("kind")
            if kind not in BOUND_KINDS:
                self.bad(f"bound kind must be one of {', '.join(BOUND_KINDS)}; got {kind!r}",
                         *where, "kind", key=f"bounds.{name}.kind")
                continue
            text = entry.get("expr")
            if not isinstance(text, str):
                self.bad("missing 'expr' (a formula string)", *where, "expr",
                         key=f"bounds.{name}.expr")
                continue
            expr = self.expr(text, (*where, "expr"), f"bounds.{name}")
            if expr is None:
                continue
            symbol, relation = entry.get("symbol"), entry.get("relation")
            if symbol is not None:
                if symbol not in self.symbols or self.symbols[symbol].role == "observable":
                    self.bad(f"bound constrains unknown symbol {symbol!r}", *where, "symbol",
                             key=f"bounds.{name}.symbol")
                    continue
                if relation not in RELATIONS:
                    self.bad(f"relation must be one of {', '.join(RELATIONS)}; got {relation!r}",
                             *where, "relation", key=f"bounds.{name}.relation")
                    continue
            form = entry.get("form", "power")
            if form not in ("power", "exp"):
                self.bad(f"form must be 'power' or 'exp'; got {form!r}", *where, "form",
                         key=f"bounds.{name}.form")
                continue
            prov = entry.get("provenance", default_prov)
            if prov not in PROVENANCE:
                if "provenance" in entry:
                    self.bad(f"provenance must be one of {', '.join(PROVENANCE)}; got {prov!r}",
                             *where, "provenance", key=f"bounds.{name}.provenance")
                continue
            printed = entry.get("printed", False)
            if not isinstance(printed, bool):
                self.bad("'printed' must be true or false", *where, "printed",
                         key=f"bounds.{name}.printed")
                continue
            estimate = entry.get("estimate")
            if estimate not in (None, "lower", "upper"):
                self.bad(f"estimate must be 'lower' or 'upper'; got {estimate!r}", *where,
                         "estimate", key=f"bounds.{name}.estimate")
                continue
            yield Bound(
                name=name,
                kind=kind,
                expr=expr,
                text=text,
                provenance=prov,
                source=str(entry.get("source", self.spec.get("source", ""))),
                symbol=symbol,
                relation=relation,
                form=form,
                notes=str(entry.get("notes", "")),
                line=self.raw.lines.line("statements", self.index, *where, "expr"),
                printed=printed,
                estimate=estimate,
            )

    def check_names(self) -> None:
        labels = {"hypotheses": "hypothesis", "bounds": "bound", "conclusions": "conclusion"}
        for section, label in labels.items():
            seen: set[str] = set()
            for j, entry in enumerate(self.spec.get(section, [])):
                name = entry.get("name")
                if name in seen:
                    self.bad(f"duplicate {label} name {name!r}", section, j, "name",
                             key=f"{section}.{name}")
                seen.add(name)
