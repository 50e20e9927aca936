"""``prooftools check DATASET`` (judge theorems' data hypotheses) and ``prooftools datasets``."""

from __future__ import annotations

from prooftools.cli.argtypes import positive_int
from prooftools.cli.options import (
    add_format_option,
    add_set_option,
    add_theorems_option,
    load_user_registry,
    parse_assignments,
    render,
)
from prooftools.reporting.data_reports import hypothesis_table, quantity_table
from prooftools.reporting.latex import registry_names
from prooftools.reporting.tables import Table


def run(args) -> int:
    """``prooftools check``: load the dataset, judge the data hypotheses, print the report."""
    from prooftools import api

    if args.scheduler:  # its form now, before the data are loaded (it is probed when used)
        from prooftools.dask_connect import check_address

        check_address(args.scheduler)
    reg = load_user_registry(args)
    ds = api.load_dataset(args.dataset, label_column=args.label_column, seed=args.seed)
    # a theorem id also brings the statements it rests on (inside check_dataset, as for the API)
    report = api.check_dataset(ds, reg, args.theorem or None, depth=args.depth,
                           progress=getattr(args, "progress", None), fast=args.fast,
                           scheduler=args.scheduler, cache=not args.no_cache,
                           values=parse_assignments(args.set))
    if args.format == "json":
        print(report.to_json())
        return 0
    names = registry_names(reg)  # LaTeX typesets λ0, C_{…} ≥ 1 with the registry's names
    tables = [hypothesis_table(report, names)] + [quantity_table(report, label, names)
                                                  for label in report.quantities]
    if args.format == "html":
        from prooftools.reporting.html import check_document

        print(check_document(report, tables))
        return 0
    print("\n\n".join(render(t, args) for t in tables))
    return 0


def run_datasets(args) -> int:
    """``prooftools datasets``: the named datasets and generators."""
    from prooftools import api

    t = Table(columns=["name", "description"], caption="Datasets (or give a .npz/.npy/.csv path)")
    t.rows = [[n, d] for n, d in api.list_datasets()]
    print(render(t, args))
    return 0


def add_parser(subparsers) -> None:
    """Add ``check`` and ``datasets`` to the CLI's sub-parsers."""
    p = subparsers.add_parser(
        "check",
        help="check every theorem's data hypotheses on a dataset (certified numbers)",
        description="Normalize the data as each theorem says, measure n, d, norms, separations, "
                    "λ0 (certified), σ_min(X), … and judge every hypothesis that involves only "
                    "data: holds, fails or unknown, with the offending pair when one fails.",
    )
    p.add_argument("dataset", help="file (.npz/.npy/.csv), scikit-learn name (digits:0-vs-1) "
                                   "or generator (sphere:n=200,d=50); see `prooftools datasets`")
    p.add_argument("--theorem", action="append", default=[], metavar="ID",
                   help="only this statement and those it uses (repeatable; default: all)")
    p.add_argument("--label-column", metavar="COL",
                   help="label column (CSV name, .npy index or 'none', .npz array name)")
    p.add_argument("--depth", type=positive_int, metavar="L",
                   help="also measure and report lambda_ntk, the certified λ_min of the depth-L "
                        "ReLU NTK (whatever the hypotheses name)")
    p.add_argument("--fast", action="store_true",
                   help="certify positivity only (one Cholesky factorization per kernel) instead "
                        "of a lower bound within 0.1%%")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="certify λ0 on an existing Dask cluster (e.g. tcp://host:8786): the "
                        "kernel is formed in tiles on the workers, never on this machine")
    p.add_argument("--seed", type=int, default=0, help="seed of generated datasets (default 0)")
    add_set_option(p, "a symbol's value, checked against its domain: parameters (delta, m, L, "
                      "…) and constants make hypotheses that name them judgeable; a measured "
                      "quantity (lambda0, sep, …) is replaced and marked user-supplied")
    p.add_argument("--no-cache", action="store_true",
                   help="recompute every quantity: neither read nor write the on-disk cache "
                        "($PROOFTOOLS_CACHE_DIR, default ~/.cache/prooftools)")
    add_format_option(p)
    add_theorems_option(p)
    p.set_defaults(func=run)

    p = subparsers.add_parser("datasets", help="list the named datasets and generators")
    add_format_option(p)
    p.set_defaults(func=run_datasets)


add_parsers = add_parser  # the CLI package calls add_parsers(sub)
