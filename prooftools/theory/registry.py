"""The theorem registry: every file's symbols and statements, validated, with the proof graph.

Loading is two-phase: first every file's symbols (so files may refer to each other in any
order), then every expression through the safe parser. All problems of all files are collected and
raised together as one :class:`~prooftools.errors.TheoremFileError`.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property
from pathlib import Path

import networkx as nx
import sympy

from prooftools.errors import FileProblem, TheoremFileError, UnknownStatementError
from prooftools.theory import parser
from prooftools.theory.definitions import (
    ASSUMED_KINDS,
    DOMAINS,
    PROVENANCE,
    ROLES,
    Condition,
    Location,
    Paper,
    Statement,
    SymbolDef,
)
from prooftools.theory.expressions import ExpressionError, Namespace, parse_expression
from prooftools.theory.resources import default_theorem_files
from prooftools.theory.statements import StatementBuilder, replace_frozen


class Registry:
    """Validated symbols and statements from a set of theorem files.

    >>> reg = load_registry()
    >>> reg.get("du2019.thm4.1").kind
    'theorem'
    """

    def __init__(self, files: Iterable[str | Path] = ()):
        self.papers: dict[str, Paper] = {}
        self.symbols: dict[str, SymbolDef] = {}
        self.statements: dict[str, Statement] = {}
        self.files: tuple[str, ...] = ()
        #: digest of every file's path and parsed content: equal keys, equal registries
        self.content_key: str = ""
        self._load([Path(f) for f in files])

    # ------------------------------------------------------------------ queries
    def get(self, statement_id: str) -> Statement:
        """The statement with this full id; unknown ids raise with close matches."""
        try:
            return self.statements[statement_id]
        except KeyError:
            import difflib

            close = difflib.get_close_matches(statement_id, self.statements, n=4, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else "; see `prooftools list`"
            raise UnknownStatementError(f"unknown statement {statement_id!r}{hint}") from None

    def __iter__(self) -> Iterator[Statement]:
        return iter(self.statements.values())

    def __len__(self) -> int:
        return len(self.statements)

    @cached_property
    def graph(self) -> nx.DiGraph:
        """Proof graph: an edge u → v means statement v uses u."""
        from prooftools.theory.graph import build_graph

        return build_graph(self)

    def dependencies(self, statement_id: str) -> list[str]:
        """Every statement ``statement_id`` rests on, transitively, in topological order."""
        self.get(statement_id)
        anc = nx.ancestors(self.graph, statement_id)
        return [n for n in nx.topological_sort(self.graph) if n in anc]

    def chain_tag(self, ids: Sequence[str], tag: str, default: str | None = None) -> str | None:
        """The ``tag`` a proof chain runs under (the one rule for ``normalization`` and ``task``,
        used by the engines and ``check`` alike): the last statement of ``ids`` that carries it
        (the statement itself first, then what it rests on, nearest first), else the value most
        statements of the statement's paper carry, else ``default``.

        >>> reg = load_registry()
        >>> reg.chain_tag(["du2019.cor4.1"], "normalization", "none")
        'unit_norm'
        """
        for sid in reversed(ids):
            value = self.get(sid).tags.get(tag)
            if value:
                return value
        counts = Counter(st.tags[tag] for st in self.statements.values()
                         if st.paper == self.get(ids[-1]).paper and st.tags.get(tag))
        return counts.most_common(1)[0][0] if counts else default

    def assumed_hypotheses(self, statement_id: str) -> list[tuple[str, Condition]]:
        """(statement id, hypothesis) pairs a statement assumes: its own, its bounds', and those of
        the assumptions, conditions and definitions it uses (transitively through them)."""
        out: list[tuple[str, Condition]] = []
        seen: set[str] = set()
        # depth-first, in the order of a recursive visit, with an explicit stack: a chain of
        # thousands of `uses` must not hit Python's recursion limit
        stack: list[tuple[str, bool]] = [(self.get(statement_id).id, True)]
        while stack:
            sid, own = stack.pop()
            if sid in seen:
                continue
            seen.add(sid)
            st = self.statements[sid]
            if own or st.kind in ASSUMED_KINDS:
                out.extend((sid, h) for h in self.hypotheses_of(st))
                stack.extend((used, False) for used in reversed(st.uses)
                             if self.statements[used].kind in ASSUMED_KINDS)
        return out

    def hypotheses_of(self, statement: Statement) -> tuple[Condition, ...]:
        """The statement's hypotheses followed by those its bounds impose (``m >= …``)."""
        extra = [b.as_condition(self.symbols) for b in statement.bounds]
        return statement.hypotheses + tuple(c for c in extra if c is not None)

    def constants_in(self, expr: sympy.Basic) -> list[str]:
        """Names of hidden constants (role ``constant``) appearing in ``expr``, sorted."""
        return sorted(
            s.name
            for s in expr.free_symbols
            if s.name in self.symbols and self.symbols[s.name].role == "constant"
        )

    def derived_constants(self) -> dict[str, sympy.Expr]:
        """Explicit values of the constants that have one (with their provenance in symbols)."""
        return {n: s.value for n, s in self.symbols.items() if s.value is not None}

    def symbol(self, name: str) -> sympy.Basic:
        """The sympy object of a declared symbol."""
        return self.symbols[name].sym

    # ------------------------------------------------------------------ loading
    def _load(self, paths: list[Path]) -> None:
        raws = [parser.read_file(p) for p in paths]
        problems: list[FileProblem] = [p for r in raws for p in r.problems]
        for raw in raws:
            self._collect_paper(raw, problems)
        for raw in raws:
            self._collect_symbols(raw, problems)
        ns = self._namespace()
        for raw in raws:
            self._check_symbol_values(raw, ns, problems)
        for raw in raws:
            self._collect_statements(raw, ns, problems)
        self._check_uses(raws, problems)
        if problems:
            raise TheoremFileError(problems)
        self.files = tuple(str(p) for p in paths)
        canonical = [(raw.path, raw.data) for raw in raws]
        self.content_key = hashlib.sha256(
            json.dumps(canonical, sort_keys=True, default=repr).encode()).hexdigest()

    def _collect_paper(self, raw: parser.RawFile, problems: list[FileProblem]) -> None:
        head = raw.data.get("paper") if "paper" in raw.data else None
        if not isinstance(head, dict) or not isinstance(head.get("key"), str):
            return
        key = head["key"]
        if key in self.papers:
            first = self.papers[key].origin
            problems.append(FileProblem(raw.path, raw.lines.line("paper", "key"), None, "key",
                                        f"paper key {key!r} already used by {first}"))
            return
        authors = head.get("authors", [])
        self.papers[key] = Paper(
            key=key,
            title=str(head.get("title", "")),
            authors=tuple(str(a) for a in authors) if isinstance(authors, list) else (),
            year=head.get("year") if isinstance(head.get("year"), int) else None,
            venue=str(head.get("venue", "")),
            arxiv=str(head.get("arxiv", "")),
            version=str(head.get("version", "")),
            notes=str(head.get("notes", "")),
            origin=Location(raw.path, raw.lines.line("paper")),
        )

    def _collect_symbols(self, raw: parser.RawFile, problems: list[FileProblem]) -> None:
        for name, spec in raw.data.get("symbols", {}).items():
            line = raw.lines.line("symbols", name)

            def bad(msg: str, key: str | None = None, _name=name, _line=line) -> None:
                at = raw.lines.line("symbols", _name, key) if key else _line
                problems.append(FileProblem(raw.path, at, f"symbol {_name}", key, msg))

            if not parser.IDENT.match(name) or name in ("pi", "E", "oo"):
                bad(f"symbol name {name!r} must be an identifier other than pi, E, oo")
                continue
            if name in self.symbols:
                bad(f"symbol {name!r} is already declared at {self.symbols[name].origin}")
                continue
            role, domain = spec.get("role"), spec.get("domain", "real")
            if role not in ROLES:
                bad(f"role must be one of {', '.join(ROLES)}; got {role!r}", "role")
                continue
            if role != "observable" and domain not in DOMAINS:
                bad(f"domain must be one of {', '.join(DOMAINS)}; got {domain!r}", "domain")
                continue
            args = spec.get("args", [])
            if role == "observable":
                if not isinstance(args, list) or not all(
                    isinstance(a, str) and parser.IDENT.match(a) for a in args
                ):
                    bad("args must be a list of index names, e.g. [\"k\"]", "args")
                    continue
            elif "args" in spec:
                bad("only observables take args", "args")
                continue
            if "value" in spec and role != "constant":
                bad("only constants may carry an explicit value", "value")
                continue
            if "value" in spec and spec.get("value_provenance") not in PROVENANCE:
                bad(f"a value needs value_provenance, one of {', '.join(PROVENANCE)}",
                    "value_provenance")
                continue
            self.symbols[name] = SymbolDef(
                name=name,
                role=role,
                domain=domain if role != "observable" else "real",
                latex=str(spec.get("latex", name)),
                meaning=str(spec.get("meaning", "")),
                args=tuple(args) if role == "observable" else (),
                value_text=spec.get("value"),
                value_provenance=spec.get("value_provenance"),
                value_source=spec.get("value_source"),
                origin=Location(raw.path, line),
            )

    def namespace(self) -> Namespace:
        """What a formula of these theorem files may name (for the safe parser)."""
        return self._namespace()

    def _namespace(self) -> Namespace:
        plain = {n: s.sym for n, s in self.symbols.items() if s.role != "observable"}
        obs = {n: (s.sym, len(s.args)) for n, s in self.symbols.items() if s.role == "observable"}
        return Namespace(plain, obs)

    def _check_symbol_values(self, raw, ns: Namespace, problems: list[FileProblem]) -> None:
        for name in raw.data.get("symbols", {}):
            sym = self.symbols.get(name)
            if sym is None or sym.origin.path != raw.path or sym.value_text is None:
                continue
            line = raw.lines.line("symbols", name, "value")
            try:
                value = parse_expression(str(sym.value_text), ns)
            except ExpressionError as exc:
                problems.append(FileProblem(raw.path, line, f"symbol {name}", "value", str(exc)))
                continue
            bad = [s.name for s in value.free_symbols if self.symbols[s.name].role != "constant"]
            if bad:
                problems.append(FileProblem(raw.path, line, f"symbol {name}", "value",
                                            f"a constant's value may use only constants; uses "
                                            f"{', '.join(sorted(bad))}"))
                continue
            self.symbols[name] = replace_frozen(sym, value=value)

    def _collect_statements(self, raw, ns: Namespace, problems: list[FileProblem]) -> None:
        paper = raw.data.get("paper")
        if not isinstance(paper, dict) or not isinstance(paper.get("key"), str):
            if raw.data.get("statements"):
                problems.append(FileProblem(raw.path, None, None, None,
                                            "statements need a [paper] table with a key"))
            return
        key = paper["key"]
        for index, spec in enumerate(raw.data.get("statements", [])):
            st = StatementBuilder(
                raw, index, spec, key, ns, self.symbols, set(self.papers)
            ).build()
            problems.extend(st.problems)
            if st.statement is None:
                continue
            if st.statement.id in self.statements:
                other = self.statements[st.statement.id].origin
                problems.append(FileProblem(raw.path, raw.lines.line("statements", index, "id"),
                                            st.statement.id, "id",
                                            f"duplicate statement id (first defined at {other})"))
                continue
            self.statements[st.statement.id] = st.statement

    def _check_derivations(self, problems: list[FileProblem]) -> None:
        from prooftools.theory.derivation.references import reference_problems

        for st in self.statements.values():
            for line, key, message in reference_problems(self, st):
                problems.append(FileProblem(st.origin.path, line, st.id, key, message))

    def _check_uses(self, raws, problems: list[FileProblem]) -> None:
        graph = nx.DiGraph()
        for st in self.statements.values():
            graph.add_node(st.id)
            for used in st.uses:
                if used not in self.statements:
                    problems.append(FileProblem(st.origin.path, st.uses_line, st.id, "uses",
                                                f"uses unknown statement {used!r}"))
                else:
                    graph.add_edge(used, st.id)
        self._check_derivations(problems)
        try:
            cycle = nx.find_cycle(graph)
        except nx.NetworkXNoCycle:
            return
        ids = [u for u, _ in cycle]
        first = self.statements[ids[0]]
        problems.append(FileProblem(first.origin.path, first.uses_line, first.id, "uses",
                                    "cyclic uses: " + " -> ".join([*ids, ids[0]])))


def load_registry(
    extra_dirs: Iterable[str | Path] = (),
    *,
    builtin: bool = True,
    files: Iterable[str | Path] = (),
) -> Registry:
    """Load the built-in theorem files, plus every ``*.toml`` in ``extra_dirs`` and ``files``.

    >>> reg = load_registry()
    >>> "du2019.thm4.1" in reg.statements
    True
    """
    paths: list[Path] = list(default_theorem_files()) if builtin else []
    for folder in extra_dirs:
        folder = Path(folder)
        if not folder.is_dir():
            raise TheoremFileError([FileProblem(str(folder), None, None, None,
                                                "theorem folder does not exist")])
        found = sorted(folder.glob("*.toml"))
        if not found:
            raise TheoremFileError([FileProblem(str(folder), None, None, None,
                                                "no theorem files (*.toml) in this folder")])
        paths.extend(found)
    paths.extend(Path(f) for f in files)
    unique = {p.resolve(): p for p in reversed(paths)}  # a file named twice is loaded once
    return Registry([p for p in paths if unique.get(p.resolve()) is p])
