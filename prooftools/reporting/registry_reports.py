"""Reports on the registry: statement lists, statement details, bounds, width comparisons."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx
import sympy

from prooftools.atomic import dumps
from prooftools.errors import UserInputError
from prooftools.reporting.bound_notes import (
    applicability_notes,
    estimate_notes,
    missing_notes,
    needs_payload,
    prepared,
    source_notes,
    value_cell,
)
from prooftools.reporting.latex import formula, registry_names, registry_params
from prooftools.reporting.latex_text import Tex
from prooftools.reporting.tables import (
    ESTIMATE_MARK,
    Formula,
    Marked,
    Table,
    json_number,
)
from prooftools.theory.bounds import (
    evaluate_statement,
    iterations_from_rate,
)
from prooftools.theory.cases import failing_hypotheses
from prooftools.theory.compare import compare_widths, crossovers, least_width
from prooftools.theory.derivation import derive
from prooftools.theory.graph import proof_tree, tree_lines, write_graph
from prooftools.theory.registry import Registry
from prooftools.theory.statement_values import bound_value
from prooftools.theory.values import check_values


def size_key(size: object) -> str:
    """One spelling per size, whatever the user typed (``1e3``, ``1000``, ``1000.0``: ``1000``).

    >>> size_key("1e3"), size_key(1000), size_key("2.50e1"), size_key("0.5")
    ('1000', '1000', '25', '0.5')

    A size of more than 4000 digits keeps its exponent (Python prints no integer of more
    than 4300 digits): ``size_key("1e100000")`` is ``'1e+100000'``.
    """
    from decimal import Decimal

    d = Decimal(str(size))
    if d.adjusted() >= 4000:
        return str(d.normalize()).lower()
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f")


def _values_caption(values: Mapping[str, object], constants: str) -> str:
    shown = ", ".join(f"{k} = {v}" for k, v in values.items())
    tail = ("hidden O/Ω constants set to 1" if constants == "hidden"
            else "derived explicit constants substituted where they exist, others set to 1")
    return f"at {shown}; {tail}" if shown else tail


def bound_formula(registry: Registry, b, names: tuple) -> Formula:
    """A bound as a formula: ``m >= expr`` when it constrains a symbol, else its expression."""
    text = f"{b.symbol} {b.relation} {b.text}" if b.symbol else b.text
    expr = b.expr
    if b.symbol:
        lhs = registry.symbols[b.symbol].sym
        expr = (sympy.Eq(lhs, b.expr, evaluate=False) if b.relation in (None, "=")
                else b.as_condition(registry.symbols).expr)
    return Formula(text, formula(expr, *names), math=(expr,))


def condition_formula(c, names: tuple, quantifier: bool = True) -> Formula:
    """A hypothesis or conclusion, with its quantifier and its ``when`` restriction
    (``quantifier=False``: the relation alone, as a verify report's row states it)."""
    tex = formula(c.expr, *names)
    if not quantifier:
        return Formula(c.text, tex, math=(c.expr,))
    quant = f"for all {', '.join(c.forall)}: " if c.forall else ""
    when = f" whenever {c.when_text}" if c.when_text else ""
    math = (quant, c.expr) if quant else (c.expr,)
    if c.forall:
        tex = r"\forall " + ", ".join(formula(sympy.Symbol(v), *names) for v in c.forall) \
            + r":\ \allowbreak{}" + tex
    if c.when is not None:
        tex += r"\allowbreak{}\text{ whenever }\allowbreak{}" + formula(c.when, *names)
        math += (" whenever ", c.when)
    return Formula(quant + c.text + when, tex, math=math)


def list_table(registry: Registry, *, paper: str | None = None, kind: str | None = None) -> Table:
    """Every statement: id, kind, paper, title, provenance."""
    if paper and paper not in registry.papers:
        known = ", ".join(sorted(registry.papers))
        raise UserInputError(f"unknown paper {paper!r}; known: {known}")
    chosen = [st for st in registry
              if not (paper and st.paper != paper) and not (kind and st.kind != kind)]
    papers = {st.paper for st in chosen}
    caption = f"{len(chosen)} statements from {len(papers)} paper{'s' * (len(papers) != 1)}"
    if len(chosen) != len(registry):  # --paper or --kind: say what was left out
        caption += f" (of {len(registry)} registered)"
    table = Table(["id", "kind", "paper", "title", "provenance"], caption=caption)
    rows_json = []
    for st in chosen:
        cite = registry.papers[st.paper].short
        table.rows.append([st.id, st.kind, cite, st.title, st.provenance])
        rows_json.append({"id": st.id, "kind": st.kind, "paper": st.paper, "citation": cite,
                          "title": st.title, "provenance": st.provenance, "source": st.source})
    table.json_rows = rows_json
    return table


def statement_dict(registry: Registry, statement_id: str) -> dict:
    """Everything about one statement, JSON-ready."""
    st = registry.get(statement_id)
    paper = registry.papers[st.paper]
    return {
        "id": st.id, "kind": st.kind, "title": st.title,
        "paper": {"key": paper.key, "title": paper.title, "authors": list(paper.authors),
                  "year": paper.year, "arxiv": paper.arxiv, "version": paper.version},
        "source": st.source, "provenance": st.provenance, "uses": list(st.uses),
        "assumes": [{"from": sid, **h.to_dict()} for sid, h in registry.assumed_hypotheses(st.id)
                    if sid != st.id],
        "hypotheses": [h.to_dict() for h in st.hypotheses],
        "bounds": [b.to_dict() for b in st.bounds],
        "conclusions": [c.to_dict() for c in st.conclusions],
        "probability": st.probability_text, "tags": st.tags, "notes": st.notes,
        "hidden_constants": sorted({c for b in st.bounds for c in registry.constants_in(b.expr)}
                                   | {c for h in st.hypotheses + st.conclusions
                                      for c in registry.constants_in(h.expr)}),
        "derivations": [{"name": d.name, "kind": d.kind,
                         "steps": [step.verb for step in d.steps]} for d in st.derivations],
        "defined_at": str(st.origin),
    }


def show_statement(registry: Registry, statement_id: str, *, fmt: str = "text",
                   width: int | None = None) -> str:
    """Hypotheses, bounds, conclusions, lemmas used, source and provenance of one statement."""
    data = statement_dict(registry, statement_id)
    if fmt == "json":
        return dumps(data, indent=2, ensure_ascii=False)
    st = registry.get(statement_id)
    table = Table(["part", "name", "formula", "provenance"],
                  caption=f"{st.id} [{st.kind}] {st.title} — {registry.papers[st.paper].short}, "
                          f"{st.source} ({st.provenance})")
    names = (registry_names(registry), registry_params(registry))
    for sid, h in registry.assumed_hypotheses(st.id):
        if sid != st.id:
            table.rows.append(["assumes", f"{sid}:{h.name}", condition_formula(h, names),
                               Marked(h.provenance, h.provenance)])
    for h in st.hypotheses:
        table.rows.append(["hypothesis", h.name, condition_formula(h, names),
                           Marked(h.provenance, h.provenance)])
    for b in st.bounds:
        table.rows.append([f"bound ({b.kind})", b.name, bound_formula(registry, b, names),
                           Marked(b.provenance, b.provenance)])
    for c in st.conclusions:
        table.rows.append(["conclusion", c.name, condition_formula(c, names),
                           Marked(c.provenance, c.provenance)])
    if data["uses"]:
        table.notes.append("uses: " + ", ".join(data["uses"]))
    if data["probability"]:
        table.notes.append(f"holds with probability ≥ {data['probability']} over the "
                           "initialization")
    if data["hidden_constants"]:
        parts = []
        for name in data["hidden_constants"]:
            sym = registry.symbols[name]
            val = (f" = {sym.value_text} ({sym.value_provenance}: {sym.value_source})"
                   if sym.value_text else " (hidden by the paper)")
            parts.append(f"{name}{val}")
        table.notes.append("constants: " + "; ".join(parts))
    if st.notes:
        table.notes.append("notes: " + " ".join(st.notes.split()))
    if st.derivations:
        table.notes.append("derivations: " + "; ".join(
            f"{d.name} ({', '.join(step.verb for step in d.steps)})" for d in st.derivations)
            + f" — run `prooftools derive {st.id}`")
    table.notes.append(f"defined at {_shown_origin(st.origin)}")
    return table.render(fmt, width=width)


def _shown_origin(origin) -> str:
    """``file:line`` relative to the working folder when the file lies under it (a user's
    ``theorems/du2019.toml:518``), else as stored.

    >>> from prooftools.theory.definitions import Location
    >>> _shown_origin(Location(os.path.join(os.getcwd(), "theorems", "x.toml"), 3))
    'theorems/x.toml:3'
    >>> _shown_origin(Location("/elsewhere/x.toml", 3)).endswith("x.toml:3")
    True
    """
    path = str(origin.path)
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        rel = path
    shown = path if rel.startswith(os.pardir) else rel
    return shown + (f":{origin.line}" if origin.line else "")


@dataclass(frozen=True)
class BoundsReport:
    """The ``bounds`` command's table and its JSON payload."""

    table: Table
    payload: dict


def bounds_report(registry: Registry, statement_id: str, values: Mapping[str, object], *,
                  constants: str = "hidden") -> BoundsReport:
    """Every bound of one statement at ``values`` (value, log10, hidden constants)."""
    values, implied = prepared(registry, values)
    results = evaluate_statement(registry, statement_id, values, constants=constants)
    table = Table(["bound", "kind", "formula", "value", "log10", "hidden constants"],
                  caption=f"{statement_id} {_values_caption(values, constants)}",
                  tex_names=registry_names(registry))
    names = (registry_names(registry), registry_params(registry))
    by_name = {b.name: b for b in registry.get(statement_id).bounds}
    for r in results:
        text = f"{r.symbol} {r.relation} {r.expr}" if r.symbol else r.expr
        if r.name in by_name:
            cell = bound_formula(registry, by_name[r.name], names)
        elif r.derived_from in by_name and r.kind == "iterations":
            iters = iterations_from_rate(by_name[r.derived_from], registry.symbol("r0"),
                                         registry.symbol("eps"))
            cell = Formula(text, formula(iters, *names), math=(iters,))
        else:
            cell = Formula(text)
        table.rows.append([Marked(r.name, r.provenance), r.kind, cell, value_cell(r),
                           None if r.log10 is None else round(r.log10, 3) + 0.0,
                           ", ".join(r.hidden_constants) or "—"])
        if r.extra.get("implicit"):
            table.notes.append(f"{r.name}: implicit requirement, least solution of "
                               f"{r.symbol} = f({r.symbol}) reported")
    notes = (implied + applicability_notes(registry, statement_id, values)
             + source_notes(results, prefix=False) + estimate_notes(results)
             + missing_notes(registry, results))
    table.notes.extend(notes)
    payload = {
        "statement": statement_id,
        "values": {k: str(v) for k, v in values.items()},
        "constants": constants,
        "bounds": [{**r.to_dict(), "value": json_number(r.decimal)} for r in results],
        "notes": notes,
        "needs": needs_payload(registry, results),
    }
    return BoundsReport(table, payload)


def compare_report(registry: Registry, values: Mapping[str, object], sizes: list, *,
                   constants: str = "hidden", crossover=None,
                   only_evaluated: bool = False) -> Table:
    """Width requirement (log10) of every theorem at each size n, with leading exponents.

    ``only_evaluated`` keeps the rows that could be evaluated and counts the others in a note.
    """
    values, implied = prepared(registry, values)
    rows = compare_widths(registry, values, {"n": list(sizes)}, constants=constants)
    dropped = [r for r in rows if r.missing] if only_evaluated else []
    rows = [r for r in rows if not (only_evaluated and r.missing)]
    off = [r for r in rows if r.failing]
    rows = [r for r in rows if not r.failing]
    cols = ["statement", "width bound", *[f"log10 m @ n={s}" for s in sizes], "orders"]
    table = Table(cols, caption="Required width, " + _values_caption(values, constants),
                  tex_names=registry_names(registry))
    for r in rows:
        orders = ", ".join(f"{k}^{v}" for k, v in r.exponents.items())
        cells = [(ESTIMATE_MARK.get(est, "") + f"{round(x, 2):g}" if est else round(x, 2))
                 if x is not None else (short or "needs " + ", ".join(r.missing))
                 for x, short, est in zip(r.log10, r.shortfalls or [None] * len(r.log10),
                                          r.estimates or [None] * len(r.log10), strict=True)]
        table.rows.append([Marked(r.statement, r.provenance), r.bound, *cells, orders])
    best = least_width(rows)
    table.rows.append(["least width", "", *[b or "—" for b in best], ""])
    table.notes.extend(implied)
    if off:
        table.notes.append(f"{len(off)} statements do not apply at the given values and are not "
                           "shown: " + "; ".join(f"{r.statement} ({r.failing[0]})" for r in off))
    shown = [bv for r in rows for bv in r.values[:1]]
    table.notes.extend(source_notes(shown) + estimate_notes(shown)
                       + missing_notes(registry, shown, brief=True))
    if dropped:
        need = sorted({m for r in dropped for m in r.missing})
        table.notes.append(f"{len(dropped)} more requirements need values not given here "
                           f"({', '.join(need[:8])}{', …' if len(need) > 8 else ''}): unknown "
                           "exponents and paper-specific quantities; pass them with --set")
    table.json_rows = [
        {"statement": r.statement, "bound": r.bound, "expr": r.expr, "provenance": r.provenance,
         "log10": dict(zip(map(size_key, sizes), r.log10, strict=True)),
         "hidden_constants": list(r.hidden_constants), "missing": list(r.missing),
         "exponents": r.exponents,
         **({"estimate": dict(zip(map(size_key, sizes), r.estimates, strict=True))}
            if any(r.estimates) else {}),
         **({"via": r.values[0].via} if r.values and r.values[0].via else {})} for r in rows
    ]
    if crossover:
        a, b = crossover
        fixed = {k: v for k, v in values.items() if k != "n"}
        pts = crossovers(registry, (a, "width"), (b, "width"), fixed, "n", constants=constants)
        table.notes.append(
            f"crossover of {a} and {b} in n: "
            + (", ".join(f"{p:.4g}" for p in pts) if pts else "none in [1, 1e15]")
        )
    bridges = [st for st in registry if st.tags.get("bridge")]
    if bridges:
        table.notes.append("bridges between data quantities (not applied here): " + "; ".join(
            f"{st.id} ({st.conclusions[0].text if st.conclusions else st.title}; "
            f"{_cited(registry, st)}, {st.provenance})" for st in bridges))
    return table


def _cited(registry: Registry, st) -> str:
    """The paper a statement belongs to (author, year, arXiv) and its section where the source
    names one in the paper; never a working note the user does not have (``*.md``)."""
    paper = registry.papers[st.paper]
    cite = paper.short + (f", arXiv:{paper.arxiv}" if paper.arxiv else "")
    parts = [p.strip() for p in st.source.split(";") if p.strip() and ".md" not in p]
    return cite + (f" {'; '.join(parts)}" if parts else "")


def width_table(registry: Registry, values: Mapping[str, object], *,
                constants: str = "hidden") -> Table:
    """Width, step size and rate of every theorem and corollary at one point."""
    values, implied = prepared(registry, values)
    cols = ["statement", "paper", "width m", "step size", "rate / iterations", "probability"]
    table = Table(cols, caption="Requirements of every registered theorem "
                  + _values_caption(values, constants), label="tab:prooftools-widths",
                  tex_names=registry_names(registry))
    rows_json, shown, off = [], [], []
    for st in registry:
        if st.kind not in ("theorem", "corollary") or not st.bounds:
            continue
        if failing_hypotheses(st, check_values(registry, values)):
            off.append(st.id)
            continue
        cells = {}
        for kind in ("width", "step_size", "rate", "iterations", "probability"):
            bounds = [b for b in st.bounds if b.kind == kind and (kind != "width" or b.symbol)]
            if not bounds:
                continue
            bv = bound_value(registry, st, bounds[0], values, constants=constants)
            cells[kind] = (value_cell(bv), bv)
            shown.append(bv)
        if not cells:
            continue

        def get(kind, _cells=cells):
            return _cells[kind][0] if kind in _cells else "—"

        rate = get("rate") if "rate" in cells else get("iterations")
        table.rows.append([Marked(st.id, st.provenance), registry.papers[st.paper].short,
                           get("width"), get("step_size"), rate, get("probability")])
        rows_json.append({"statement": st.id, "paper": st.paper, "provenance": st.provenance,
                          **{k: v[1].to_dict() for k, v in cells.items()}})
    table.json_rows = rows_json
    table.notes.extend(implied)
    if off:
        table.notes.append(f"not shown, as the given values make a hypothesis of theirs false: "
                           f"{', '.join(off)}")
    table.notes.extend(estimate_notes(shown) + missing_notes(registry, shown, brief=True))
    table.notes.append("Hidden constants, the case or restatement each value comes from and the "
                       "width and step size it is taken at are listed per bound in the JSON "
                       "output; a width of 10^k means m must be at least that large for the "
                       "theorem to apply.")
    return table


def graph_report(registry: Registry, statement_id: str, *, dot: str | None = None,
                 graphml: str | None = None, fmt: str = "text") -> str:
    """The proof chain of a statement, with its derivations' results when it declares any.

    ``text`` and ``markdown`` draw the tree; ``latex`` is a table of the statements in the chain
    (what each uses); ``json`` gives nodes, edges and the derivation summary.
    """
    registry.get(statement_id)  # unknown ids are a user error, not a graph error
    sub = proof_tree(registry.graph, statement_id)
    derived = derive(registry, statement_id) if registry.get(statement_id).derivations else None
    derivation = None
    if derived is not None:
        from prooftools.reporting.derivation_reports import summary_line

        derivation = summary_line(derived)
    written = []
    for path in (dot, graphml):
        if path:
            write_graph(sub, path)
            written.append(path)
    if fmt == "json":
        return dumps({
            "statement": statement_id,
            "nodes": [{"id": n, **{k: str(v) for k, v in d.items()}}
                      for n, d in sub.nodes(data=True)],
            "edges": [{"from": u, "to": v} for u, v in sub.edges],
            "derivation": derivation, "written": written}, indent=2, ensure_ascii=False)
    if fmt == "latex":
        order = list(nx.topological_sort(sub))
        table = Table(["statement", "kind", "title", "uses"],
                      caption=f"Proof chain of {statement_id}", label="tab:proof-chain",
                      tex_names=registry_names(registry))
        for n in order:
            d = sub.nodes[n]
            table.rows.append([Marked(n, d.get("provenance", "verified")), d.get("kind", ""),
                               d.get("title", ""), ", ".join(sorted(sub.predecessors(n))) or "—"])
        if derived is not None:
            from prooftools.reporting.derivation_reports import summary_latex

            table.notes.append(Tex(" ".join(derivation.split()),
                                   summary_latex(registry, derived)))
        return table.render("latex")
    lines = tree_lines(sub, statement_id)
    if derivation:
        lines += ["", derivation]
    lines += [f"wrote {p}" for p in written]
    if fmt == "markdown":
        return f"**Proof chain of {statement_id}**\n\n```\n" + "\n".join(lines) + "\n```"
    return "\n".join(lines)
