"""``prooftools sweep``: thresholds m* or observables over a grid of n, L, δ, step policy, seeds."""

from __future__ import annotations

import argparse
import sys

from prooftools.cli.argtypes import nonneg_int, positive_float, positive_int
from prooftools.cli.interrupt import is_interrupt
from prooftools.cli.options import add_format_option, add_theorems_option, text_width
from prooftools.errors import UserInputError
from prooftools.options import Option


def _probability(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a probability, got {text!r}") from None
    if not 0 < v < 1:
        raise argparse.ArgumentTypeError(f"expected a probability in (0, 1), got {text!r}")
    return v


def _seed_count(text: str) -> int:
    """--seeds: an integer in [1, MAX_VALUES], refused before any list of seeds is built."""
    from prooftools import api  # at parse time: the sweep package loads only now

    return Option("value", int, low=1, high=api.SWEEP_MAX_VALUES, closed="both",
                  optional=False).parse(text)


def _grow(text: str) -> float:
    """--grow: a finite number in [0, MAX_GROW] (the spec refuses what lies in (0, 1])."""
    from prooftools import api

    return Option("value", float, low=0, high=api.SWEEP_MAX_GROW, closed="both",
                  optional=False).parse(text)


def add_parsers(sub) -> None:
    """Register ``sweep``."""
    p = sub.add_parser(
        "sweep", help="how much width a statement really needs: thresholds m* or scaling",
        description="Find, for each grid point, the smallest width m* at which the target items "
                    "held as measured in at least a fraction q of the seeds (threshold mode), "
                    "or record every observable at fixed widths (scaling mode); fit exponents "
                    "against the theorem's. Runs on Dask; resumable.")
    p.add_argument("statement", help="statement id, e.g. du2019.lemma3.1")
    p.add_argument("--target", action="append", default=[], metavar="STATEMENT.ITEM",
                   help="item whose measured verdict decides m* (repeatable; default: the "
                        "statement's conclusions)")
    p.add_argument("--dataset", default="sphere:d=50",
                   help="generator or dataset (n: n= of a generator, else a stratified subsample)")
    p.add_argument("--n", nargs="+", type=positive_int, default=[], metavar="N")
    p.add_argument("--depth", nargs="+", type=positive_int, default=[], metavar="L")
    p.add_argument("--delta", nargs="+", type=_probability, default=[], metavar="D")
    p.add_argument("--step-policy", nargs="+", default=[], metavar="POLICY",
                   choices=("theorem", "fixed", "practical"))
    p.add_argument("--seeds", type=_seed_count, default=4, help="number of seeds (0..S-1)")
    p.add_argument("--mode", choices=("threshold", "scaling"), default="threshold")
    p.add_argument("--widths", nargs="+", type=positive_int, default=[], metavar="M",
                   help="scaling mode: the widths; threshold mode: a full grid instead of "
                        "bisection")
    p.add_argument("--m-range", nargs=2, type=positive_int, default=[8, 65536],
                   metavar=("LOW", "HIGH"), help="bisection bracket (default 8 65536)")
    p.add_argument("--resolution", type=float, default=0.05,
                   help="relative width tolerance of the bisection (0: exact)")
    p.add_argument("--q", type=positive_float, default=None,
                   help="fraction of seeds that must hold (default 1 − δ)")
    p.add_argument("--check-above", type=nonneg_int, default=1,
                   help="probe 2m*, 4m*, … for non-monotonicity (default 1 probe)")
    p.add_argument("--grow", type=_grow, default=4.0,
                   help="bracket check: climb from the low end by this factor until the target "
                        "holds (0: ask both ends at once)")
    p.add_argument("--steps", type=nonneg_int, default=0,
                   help="training steps per run (0: no training, for lemmas at initialization)")
    p.add_argument("--step-size", type=positive_float, default=None)
    p.add_argument("--constants", choices=("derived", "hidden"), default="derived")
    p.add_argument("--stride", type=positive_int, default=10)
    p.add_argument("--data-seed", type=nonneg_int, default=0)
    p.add_argument("--store", default=None,
                   help="sweep folder (default out/sweeps/<hash of the spec>)")
    p.add_argument("--scheduler", default="local",
                   help="local (default: one single-threaded worker per core), synchronous, or "
                        "the address tcp://HOST:PORT of an existing Dask cluster")
    p.add_argument("--workers", type=positive_int, default=None,
                   help="local cluster size (default: the number of cores)")
    p.add_argument("--curves", action="store_true",
                   help="store every run's per-step curves (at most 200 points per series, "
                        "first and last step kept) in its row; part of the spec's hash")
    p.add_argument("--figures", default=None, metavar="DIR", help="write the figures to DIR")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--runner", default=None, help=argparse.SUPPRESS)  # tests: planted runs
    p.add_argument("--option", action="append", default=[], help=argparse.SUPPRESS)
    add_format_option(p)
    add_theorems_option(p)
    p.set_defaults(func=cmd_sweep)


def _options(items: list[str]) -> dict:
    out = {}
    for item in items:
        name, sep, val = item.partition("=")
        if not sep:
            raise UserInputError(f"--option expects NAME=VALUE, got {item!r}")
        try:
            out[name] = float(val)
        except ValueError:
            out[name] = val
    return out


def cmd_sweep(args) -> int:
    from prooftools.api import DEFAULT_RUNNER, sweep
    from prooftools.reporting.sweep_plots import plot_sweep
    from prooftools.reporting.sweep_reports import render_sweep

    fields = dict(
        targets=args.target, dataset=args.dataset, n=args.n, depth=args.depth,
        delta=args.delta, step_policy=args.step_policy, seeds=range(args.seeds),
        mode=args.mode, widths=args.widths, m_range=tuple(args.m_range),
        resolution=args.resolution, q=args.q, check_above=args.check_above, grow=args.grow,
        data_seed=args.data_seed, runner=args.runner or DEFAULT_RUNNER,
        theorems=args.theorems, steps=args.steps, step_size=args.step_size,
        constants=args.constants, stride=args.stride, options=_options(args.option),
        curves=args.curves)
    try:
        rep = sweep(args.statement, scheduler=args.scheduler, store=args.store,
                    workers=args.workers,
                    progress=False if args.no_progress else getattr(args, "progress", None),
                    **fields)
    except BaseException as exc:
        if not is_interrupt(exc):  # a bug or a user mistake: the usual handling in main
            raise
        where = args.store or "out/sweeps/<spec hash>"
        print(f"prooftools: interrupted; finished runs are stored in {where} (rerun the same "
              "command to resume)", file=sys.stderr)
        return 130
    if args.format == "html":
        from prooftools.reporting.html.sweep_page import sweep_html

        print(sweep_html(rep, figures_dir=args.figures))
        return 0
    print(render_sweep(rep, args.format, width=text_width(args)))
    if args.figures:
        paths = plot_sweep(rep, args.figures)
        print(("% " if args.format == "latex" else "") + "figures: " + ", ".join(
            p for p in paths if p.endswith(".png")), file=sys.stderr if args.format == "json"
            else sys.stdout)
    return 0
