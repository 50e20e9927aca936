"""``prooftools derive``: a derivation's steps, derived bounds and verdicts as text, Markdown,
LaTeX or JSON (docs/derivations.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sympy

from prooftools.atomic import dumps
from prooftools.reporting.latex import escape, formula, registry_names, registry_params
from prooftools.reporting.tables import Formula, Table
from prooftools.theory.derivation import STATED_TIGHTER, Derivation
from prooftools.theory.derivation.algebra import Solved
from prooftools.theory.derivation.derive import order_strings
from prooftools.theory.derivation.steps import Branches

if TYPE_CHECKING:
    from prooftools.theory.registry import Registry


def _value_expr(value) -> sympy.Basic | None:
    if isinstance(value, Solved):
        return value.as_relation()
    if isinstance(value, Branches):
        return sympy.Piecewise(*[(_value_expr(v), c) for c, v in value.cases])
    return value


def _orders_text(orders: dict) -> str:
    return " · ".join(v for v in order_strings(orders).values() if v != "1") or "1"


def _str(e) -> str:
    return "—" if e is None else sympy.sstr(e)


def verdict_text(stated) -> str:
    """``stated looser by n**2``, ``STATED TIGHTER by …``, ``not derivable: why``."""
    v = stated.verdict
    factor = stated.factor
    by = f" by {_str(factor)}" if factor is not None and factor != 1 else ""
    if v == STATED_TIGHTER:
        return f"{v.upper()}{by}" + (f" ({stated.reason})" if stated.reason else "")
    if stated.reason:
        return f"{v}{by}: {stated.reason}"
    return f"{v}{by}"


def verdict_table(registry: Registry, d: Derivation) -> Table:
    """One row per (stated bound, branch): orders beside the derived ones, verdict, constant."""
    names, params = registry_names(registry), registry_params(registry)
    table = Table(["bound", "stated", "stated orders", "derived orders", "verdict",
                   "implied constant"], caption=f"Derivation verdicts of {d.statement}",
                  label="tab:derivation")
    for s in d.stated:
        label = s.bound.name + (" (as printed)" if s.bound.printed else "")
        stated_f = Formula(s.bound.text, formula(s.bound.expr, names, params))
        if not s.cases:
            table.rows.append([label, stated_f, "", "", verdict_text(s), "—"])
        for c in s.cases:
            cond = "" if c.condition is None else f" [{_str(c.condition)}]"
            verdict = verdict_text(s) if len(s.cases) == 1 else (
                c.judgement.verdict + (f" by {_str(c.judgement.factor)}"
                                       if c.judgement.factor not in (None, 1) else ""))
            const = c.implied_constant
            table.rows.append([label + cond, stated_f, _orders_text(c.stated_orders),
                               _orders_text(c.derived_orders), verdict,
                               Formula(_str(const), None if const is None
                                       else formula(const, names, params))])
    return table


def step_lines(d: Derivation) -> list[str]:
    """Each step in words and math, then the derived bound, per derivation (plain text)."""
    lines: list[str] = []
    for r in d.results:
        lines.append(f"derivation {r.name} ({r.kind}):")
        for s in r.steps:
            how = f" [{s.method}]" if s.method else ""
            src = f" ({_str(s.source)})" if s.source is not None else ""
            lines.append(f"  {s.index}. {s.what}{src} → {s.name}{how}")
            lines.append(f"       {_str(_value_expr(s.value))}")
            if s.note:
                lines.append(f"       ({s.note})")
        rel = f"{r.symbol} {r.relation} " if r.symbol and r.relation else ""
        lines.append(f"  derived: {rel}{_str(r.expr)}")
        lines.append("")
    return lines


def _tighter_banner(d: Derivation) -> list[str]:
    bad = [s.bound.name for s in d.stated if s.verdict == STATED_TIGHTER]
    if not bad:
        return []
    return [f"!! {', '.join(bad)}: the statement claims more than its derivation supports "
            "(a possible error in the paper or in the encoding)", ""]


def _branch_reasons(d: Derivation) -> list[str]:
    """The reason of each bound judged branch by branch (its table rows show one verdict per
    branch, without it)."""
    return [f"{s.bound.name}: {verdict_text(s)}" for s in d.stated
            if len(s.cases) > 1 and s.reason]


def render_derivation(registry: Registry, d: Derivation, fmt: str = "text",
                      width: int | None = None) -> str:
    """The whole derive report in ``fmt`` (text, markdown, latex or json)."""
    if fmt == "json":
        return dumps(derivation_dict(registry, d), indent=2, ensure_ascii=False)
    table = verdict_table(registry, d)
    title = f"{d.statement} — {registry.get(d.statement).title}"
    if fmt == "latex":
        return _latex(registry, d, table)
    if fmt == "markdown":
        banner = [f"**{line}**" for line in _tighter_banner(d) if line]
        steps = step_lines(d)
        return "\n".join([f"**Derivation of {title}**", "", *banner, "", "```", *steps, "```",
                          "", table.render("markdown"), "", *_branch_reasons(d)]).rstrip()
    return "\n".join([title, "", *_tighter_banner(d), *step_lines(d),
                      table.render("text", width=width), *_branch_reasons(d)])


def _latex(registry: Registry, d: Derivation, table: Table) -> str:
    names, params = registry_names(registry), registry_params(registry)
    out = []
    for line in _tighter_banner(d):
        if line:
            out.append(r"\textbf{" + escape(line) + "}\n")
    for r in d.results:
        out.append(r"\paragraph{Derivation " + escape(r.name) + "}")
        out.append(r"\begingroup\sloppy")  # long formulas break at \allowbreak, not overflow
        out.append(r"\begin{enumerate}")
        for s in r.steps:
            tex = formula(_value_expr(s.value), names, params)
            how = f" [{escape(s.method)}]" if s.method else ""
            src = f" (${formula(s.source, names, params)}$)" if s.source is not None else ""
            note = f" ({Formula(s.note).latex_cell()})" if s.note else ""
            out.append(rf"\item {escape(s.what)}{src}{how}:\\ ${tex}${note}")
        out.append(r"\end{enumerate}")
        out.append(f"Derived: ${formula(_derived_relation(registry, r), names, params)}$")
        out.append("\\endgroup\n")
    out.append(table.render("latex"))
    out.extend(escape(line) + "\n" for line in _branch_reasons(d))
    return "\n".join(out)


def _derived_relation(registry: Registry, r) -> sympy.Basic:
    """``symbol REL bound`` as a sympy relation (the bound alone without a symbol)."""
    if not (r.symbol and r.relation in (">", ">=", "<", "<=")):
        return r.expr
    return Solved(registry.symbol(r.symbol), r.relation, r.expr, r.method).as_relation()


def derivation_dict(registry: Registry, d: Derivation) -> dict:
    """The JSON payload: every derived bound with its steps, every stated bound with a
    ``verdict`` (docs/derivations.md, schemas/derive.schema.json)."""
    return {
        "statement": d.statement,
        "derivations": [{
            "name": r.name, "kind": r.kind, "symbol": r.symbol, "relation": r.relation,
            "derived": _str(r.expr), "method": r.method,
            "cases": [{"condition": None if c is None else _str(c), "derived": _str(e)}
                      for c, e in r.cases],
            "steps": [{"index": s.index, "verb": s.verb, "name": s.name, "what": s.what,
                       "value": _str(_value_expr(s.value)), "method": s.method,
                       "note": s.note,
                       "source": None if s.source is None else _str(s.source)}
                      for s in r.steps],
        } for r in d.results],
        "bounds": [{
            "name": s.bound.name, "kind": s.bound.kind, "stated": s.bound.text,
            "printed": s.bound.printed, "derivation": s.derivation, "verdict": s.verdict,
            "factor": None if s.factor is None else _str(s.factor), "reason": s.reason,
            "implied_constant": None if s.implied_constant is None else _str(s.implied_constant),
            "cases": [{
                "condition": None if c.condition is None else _str(c.condition),
                "verdict": c.judgement.verdict,
                "factor": None if c.judgement.factor is None else _str(c.judgement.factor),
                "stated_orders": order_strings(c.stated_orders),
                "derived_orders": order_strings(c.derived_orders),
                "implied_constant": None if c.implied_constant is None
                else _str(c.implied_constant),
            } for c in s.cases],
        } for s in d.stated],
    }


def summary_line(d: Derivation) -> str:
    """One line per derived bound for ``graph``: the derived bound and each verdict."""
    parts = []
    for r in d.results:
        rel = f"{r.symbol} {r.relation} " if r.symbol and r.relation else ""
        judged = [f"{s.bound.name}: {verdict_text(s)}" for s in d.stated
                  if s.derivation == r.name]
        parts.append(f"derived {r.name}: {rel}{_str(r.expr)} — " + "; ".join(judged))
    return "\n".join(parts)


def summary_latex(registry: Registry, d: Derivation) -> str:
    """:func:`summary_line` typeset: the derived bounds as formulas with the registry's names,
    factors as formulas (``graph --format latex``'s note)."""
    names, params = registry_names(registry), registry_params(registry)
    parts = []
    for r in d.results:
        rel = sympy.Symbol(r.symbol) if r.symbol and r.relation else None
        body = formula(r.expr, names, params) if r.expr is not None else escape("—")
        head = (f"${formula(rel, names, params)} {_TEX_REL.get(r.relation, r.relation)} {body}$"
                if rel is not None else f"${body}$")
        judged = []
        for s in d.stated:
            if s.derivation != r.name:
                continue
            by = (f" by ${formula(s.factor, names, params)}$"
                  if s.factor is not None and s.factor != 1 else "")
            word = s.verdict.upper() if s.verdict == STATED_TIGHTER else s.verdict
            judged.append(f"{escape(s.bound.name)}: {escape(word)}{by}")
        parts.append(f"derived {escape(r.name)}: {head} {escape('—')} " + "; ".join(judged))
    return r" \\ ".join(parts)


_TEX_REL = {">=": r"\geq", "<=": r"\leq", ">": ">", "<": "<", "==": "="}
