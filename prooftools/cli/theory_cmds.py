"""Registry commands: list, show, bounds, compare, graph, derive, table."""

from __future__ import annotations

import argparse

from prooftools.atomic import dumps, write_text
from prooftools.cli.options import (
    add_format_option,
    add_set_option,
    add_theorems_option,
    load_user_registry,
    parse_assignments,
    render,
    text_width,
)
from prooftools.errors import UserInputError
from prooftools.reporting.registry_reports import (
    bounds_report,
    compare_report,
    graph_report,
    list_table,
    show_statement,
    width_table,
)

#: Symbol options shared by the commands that evaluate bounds (flag, symbol name).
VALUE_FLAGS = (
    ("--n", "n"), ("--d", "d"), ("--L", "L"), ("--m", "m"), ("--delta", "delta"),
    ("--lambda0", "lambda0"), ("--sep", "sep"), ("--phi", "phi"), ("--eps", "eps"),
    ("--eta", "eta"), ("--r0", "r0"), ("--y-max", "y_max"), ("--batch", "b"),
)


def common(p: argparse.ArgumentParser, *, table: bool = True) -> None:
    add_theorems_option(p)
    if table:
        add_format_option(p)


def value_options(p: argparse.ArgumentParser, *, multi: str | None = None) -> None:
    for flag, name in VALUE_FLAGS:
        nargs = "+" if name == multi else None
        p.add_argument(flag, dest=f"v_{name}", nargs=nargs, metavar=name.upper(),
                       help=f"value of {name}" + (" (several: one column each)" if nargs else ""))
    add_set_option(p, "value of any other declared symbol")
    p.add_argument("--constants", choices=("hidden", "derived"), default="hidden",
                   help="hidden: O/Ω constants set to 1 and listed; derived: substitute the "
                        "explicit constants re-derived from the proofs where they exist")


def collect_values(args, *, skip: str | None = None) -> dict[str, str]:
    values = {}
    for _, name in VALUE_FLAGS:
        v = getattr(args, f"v_{name}", None)
        if v is not None and name != skip:
            values[name] = v
    values.update(parse_assignments(args.set))
    return values


def registry_from(args):
    return load_user_registry(args)


def emit(text: str, out: str | None = None, *, standalone: bool = False) -> None:
    """Print ``text``, or write it to the file ``out`` (a whole document with ``standalone``)."""
    if out:
        if standalone:
            from prooftools.reporting.latex import standalone as wrap

            text = wrap(text).rstrip("\n")
        write_text(out, text + "\n")  # atomic: the user's previous file survives a failure
    else:
        print(text)


def cmd_list(args) -> int:
    emit(render(list_table(registry_from(args), paper=args.paper, kind=args.kind), args))
    return 0


def cmd_show(args) -> int:
    reg = registry_from(args)
    emit(show_statement(reg, args.id, fmt=args.format, width=text_width(args)))
    return 0


def cmd_bounds(args) -> int:
    reg = registry_from(args)
    report = bounds_report(reg, args.id, collect_values(args), constants=args.constants)
    if args.format == "json":
        emit(dumps(report.payload, indent=2))
    else:
        emit(render(report.table, args))
    return 0


def cmd_compare(args) -> int:
    reg = registry_from(args)
    if not args.v_n:
        raise UserInputError("compare needs --n with one or more sizes, e.g. --n 1e3 1e4 1e5")
    table = compare_report(
        reg, collect_values(args, skip="n"), args.v_n, constants=args.constants,
        crossover=args.crossover,
    )
    emit(render(table, args))
    return 0


def cmd_graph(args) -> int:
    reg = registry_from(args)
    emit(graph_report(reg, args.id, dot=args.dot, graphml=args.graphml, fmt=args.format))
    return 0


def cmd_derive(args) -> int:
    from prooftools.reporting.derivation_reports import render_derivation
    from prooftools.theory.derivation import derive

    reg = registry_from(args)
    derivation = derive(reg, args.id)
    text = render_derivation(reg, derivation, args.format,
                             width=None if args.output else text_width(args))
    emit(text, args.output, standalone=args.standalone and args.format == "latex")
    return 0


def cmd_table(args) -> int:
    reg = registry_from(args)
    table = width_table(reg, collect_values(args), constants=args.constants)
    emit(table.render(args.format, width=None if args.output else text_width(args)),
         args.output, standalone=args.standalone)
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("list", help="every registered statement")
    common(p)
    p.add_argument("--paper", help="only this paper's statements (its key, e.g. du2019)")
    p.add_argument("--kind", help="only statements of this kind (theorem, lemma, …)")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="one statement: hypotheses, bounds, conclusions, sources")
    common(p)
    p.add_argument("id", help="statement id, e.g. du2019.thm4.1")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("bounds", help="evaluate a statement's bounds at given values")
    common(p)
    p.add_argument("id")
    value_options(p)
    p.set_defaults(func=cmd_bounds)

    p = sub.add_parser("compare", help="width requirement of every theorem at several sizes n")
    common(p)
    value_options(p, multi="n")
    p.add_argument("--crossover", nargs=2, metavar=("ID1", "ID2"),
                   help="also solve for the n where the two theorems' widths cross")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("graph", help="proof graph of a statement as a tree; DOT/GraphML files")
    common(p)
    p.add_argument("id")
    p.add_argument("--dot", metavar="FILE", help="write the graph as DOT")
    p.add_argument("--graphml", metavar="FILE", help="write the graph as GraphML")
    p.set_defaults(func=cmd_graph)

    p = sub.add_parser("derive", help="re-derive a statement's bounds from its lemmas; verdict "
                                      "per stated bound")
    common(p)
    p.add_argument("id", help="statement id, e.g. du2019.thm4.1")
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    p.set_defaults(func=cmd_derive)

    p = sub.add_parser("table", help="width, step size and rate of every theorem at one point")
    common(p)
    value_options(p)
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    p.set_defaults(func=cmd_table)
