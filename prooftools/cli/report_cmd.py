"""``prooftools report``: one self-contained HTML page from several sources."""

from __future__ import annotations

import json
from pathlib import Path

from prooftools.cli.argtypes import nonneg_int, positive_int
from prooftools.cli.options import add_theorems_option, load_user_registry
from prooftools.errors import UserInputError

#: the keys every row of a verify JSON's ``verdicts`` must have for the page
ROW_KEYS = ("statement", "item", "kind", "inequality", "verdict")


def _verify_json(path: str, registry) -> dict:
    """A ``verify --format json`` file, checked enough to draw (one-line errors otherwise)."""
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UserInputError(f"{path}: line {exc.lineno}: not JSON ({exc.msg})") from None
    if not isinstance(payload, dict):
        raise UserInputError(f"{path}: not the JSON of `prooftools verify --format json`")
    for key in ("statement", "graph", "verdicts"):
        if key not in payload:
            raise UserInputError(f"{path}: key {key!r} missing: not the JSON of "
                                 "`prooftools verify --format json`")
    if not isinstance(payload["graph"], dict) or not isinstance(payload["verdicts"], list):
        raise UserInputError(f"{path}: 'graph' must be an object and 'verdicts' a list")
    for i, row in enumerate(payload["verdicts"]):
        missing = [k for k in ROW_KEYS if not isinstance(row, dict) or k not in row]
        if missing:
            raise UserInputError(f"{path}: verdicts[{i}]: key {missing[0]!r} missing")
    unknown = sorted(s for s in payload["graph"] if s not in registry.statements)
    if unknown:
        raise UserInputError(f"{path}: statement {unknown[0]!r} is not registered here "
                             "(load its theorem file with --theorems)")
    return payload


def _run_verify(args, registry) -> tuple[dict, dict, list[str]]:
    from prooftools.api import load_dataset, verify
    from prooftools.reporting.html.figures import panel_figures
    from prooftools.reporting.verify_reports import verdict_table

    if not args.dataset:
        raise UserInputError("report --verify needs --dataset SPEC (e.g. sphere:n=20,d=10)")
    ds = load_dataset(args.dataset)
    keywords = {k: getattr(args, k) for k in ("width", "steps", "seed")
                if getattr(args, k) is not None}
    rep = verify(registry, args.verify, ds, dataset_name=args.dataset,
                 progress=getattr(args, "progress", None), **keywords)
    return rep.to_dict(), panel_figures(rep), verdict_table(rep).notes


def cmd_report(args) -> int:
    from prooftools.reporting.html.combined import ReportSources, combined_document

    if not (args.paper or args.verify or args.verify_json or args.sweep or args.check):
        raise UserInputError("report needs a source: --paper, --verify, --verify-json, "
                             "--sweep or --check")
    registry = load_user_registry(args)
    if args.paper and args.paper not in registry.papers:
        raise UserInputError(f"unknown paper {args.paper!r}; known: "
                             + ", ".join(sorted(registry.papers)))
    from prooftools.cli.theory_cmds import collect_values

    src = ReportSources(paper=args.paper, values=collect_values(args),
                        constants=args.constants)
    src.verifies += [(_verify_json(p, registry), {}, []) for p in args.verify_json]
    if args.verify:
        src.verifies.append(_run_verify(args, registry))
    if args.sweep:
        from prooftools.api import read_sweep

        for store in args.sweep:
            if not (Path(store) / "spec.json").is_file():
                raise UserInputError(f"{store}: not a sweep store (no spec.json)")
            src.sweeps.append(read_sweep(store))
    for spec in args.check:
        src.checks.append(_check(spec, registry, args))
    print(combined_document(registry, src, args.title))
    return 0


def _check(spec: str, registry, args):
    from prooftools.api import check_dataset, load_dataset
    from prooftools.reporting.data_reports import hypothesis_table, quantity_table

    ids = None
    if args.paper:
        ids = [st.id for st in registry if st.paper == args.paper]
    report = check_dataset(load_dataset(spec), registry, ids,
                           progress=getattr(args, "progress", None))
    return report, [hypothesis_table(report)] + [quantity_table(report, label)
                                                 for label in report.quantities]


def add_parsers(sub) -> None:
    """Register ``report``."""
    from prooftools.cli.theory_cmds import value_options

    p = sub.add_parser(
        "report", help="one self-contained HTML page: a paper, verify runs, sweeps, checks",
        description="Combine a paper's statements (with bounds at the values given), a verify "
                    "run (live or its JSON), sweep stores and dataset checks in one offline "
                    "HTML file. See docs/reports.md.")
    p.add_argument("--paper", metavar="KEY", help="a paper: its statements, graph and bounds")
    p.add_argument("--verify", metavar="ID", help="run verify on this statement (with --dataset)")
    p.add_argument("--dataset", metavar="SPEC", help="the dataset of --verify")
    p.add_argument("--width", type=positive_int, default=None, help="--verify: width m")
    p.add_argument("--steps", type=nonneg_int, default=None, help="--verify: training steps")
    p.add_argument("--seed", type=nonneg_int, default=None, help="--verify: seed")
    p.add_argument("--verify-json", action="append", default=[], metavar="FILE",
                   help="the JSON of `prooftools verify --format json` (repeatable)")
    p.add_argument("--sweep", action="append", default=[], metavar="STORE",
                   help="a sweep store folder (repeatable)")
    p.add_argument("--check", action="append", default=[], metavar="DATASET",
                   help="check the data hypotheses on this dataset (repeatable; with --paper: "
                        "that paper's statements)")
    p.add_argument("--title", default="prooftools report", help="the page's title")
    value_options(p)
    p.add_argument("--output", "-o", metavar="FILE",
                   help="write to FILE (atomically) instead of stdout")
    add_theorems_option(p)
    p.set_defaults(func=cmd_report, format="html")
