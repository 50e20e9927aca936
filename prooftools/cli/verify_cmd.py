"""``prooftools verify`` (train a theorem's network, judge its proof chain) and ``replicate``."""

from __future__ import annotations

import json
import sys
import time
from types import SimpleNamespace

from prooftools.cli.argtypes import nonneg_int, positive_int
from prooftools.cli.interrupt import is_interrupt
from prooftools.cli.options import (
    add_format_option,
    add_theorems_option,
    load_user_registry,
    parse_assignments,
    say,
    text_width,
)
from prooftools.cli.run_flags import (
    add_engine_flags,
    add_run_flags,
    engine_values,
    option_value,
)
from prooftools.errors import UserInputError

#: Papers ``replicate`` knows: du2019 is a preset of the sweep, chatterjee its own experiment.
REPLICATIONS = ("du2019", "chatterjee")


#: The run configuration's fields that are flags of ``verify`` (generated from RUN_OPTIONS).
RUN_FLAGS = ("width", "steps", "depth", "step_size", "step_policy", "batch_size", "seed",
             "delta", "constants", "stride")


def run_config_from_args(args):
    """The :class:`~prooftools.engines.RunConfig` of ``verify``'s flags (``--set`` included)."""
    from prooftools.api import RunConfig

    if args.flow and args.batch_size is not None:
        raise UserInputError("--flow and --batch exclude each other (gradient flow is full-batch)")
    overrides = {}
    for name, val in parse_assignments(args.set).items():
        try:
            overrides[name] = float(val)
        except ValueError:
            raise UserInputError(f"--set {name}: expected a number, got {val!r}") from None
    options = engine_values(args, args.engine_flags)
    options.update({name: option_value(name, val)
                    for name, val in parse_assignments(args.option).items()})
    fields = {name: getattr(args, name) for name in RUN_FLAGS}
    return RunConfig.from_keywords(options=options, flow=args.flow, overrides=overrides,
                                   lr=fields.pop("step_size"), **fields)


def cmd_verify(args) -> int:
    from prooftools.api import load_dataset
    from prooftools.api import verify_config as verify
    from prooftools.reporting.verify_reports import plot_report, render_report

    config = run_config_from_args(args)
    reg = load_user_registry(args)  # --theorems folders and files
    ds = load_dataset(args.dataset)
    data = SimpleNamespace(X=ds.X, y=ds.y, name=args.dataset)
    say(args, f"verify: run configuration (key {config.key}):\n" + config_lines(config.to_dict()))
    start = time.perf_counter()
    report = verify(reg, args.id, data, config, progress=getattr(args, "progress", None))
    cfg = report.config
    say(args, f"verify: engine {cfg.get('engine')}, η = {_g6(cfg.get('eta'))} "
              f"({cfg.get('eta_source')}), {len(report.items)} items judged in "
              f"{time.perf_counter() - start:.2f} s (training included)")
    if args.format == "html":  # one page: the item figures are inline
        from prooftools.reporting.html import verify_document

        if args.plots:
            plot_report(report, args.plots)
        print(verify_document(report))
        return 0
    text = render_report(report, args.format, width=text_width(args))
    if args.plots:
        paths = plot_report(report, args.plots)
        if args.format == "json":
            payload = json.loads(text)
            payload["plots"] = paths
            text = json.dumps(payload, indent=2)
        elif args.format == "text":
            text += "\nplots: " + ", ".join(paths)
    print(text)
    return 0


def _g6(value) -> str:
    """A number with 6 significant digits (anything else as it is).

    >>> _g6(0.0001234567891), _g6(None)
    ('0.000123457', 'None')
    """
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def config_lines(config: dict) -> str:
    """A run configuration as indented ``key = value`` lines (numbers to 6 digits), what
    ``-v`` prints.

    >>> print(config_lines({"width": 32, "lr": 0.012345678, "options": {}}))
      width = 32
      lr = 0.0123457
      options = {}
    """
    return "\n".join(f"  {k} = {_g6(v)}" for k, v in config.items())


def _replicate_chatterjee(args, out: str) -> int:
    from prooftools import api
    from prooftools.reporting.replication_plots import write_chatterjee_replication

    sizes, seeds, steps = api.chatterjee_plan(args.full, args.seed)
    res = api.replicate_chatterjee(sizes, seeds, steps, progress=getattr(args, "progress", None))
    paths = write_chatterjee_replication(res, out)
    cfg = res["config"]
    print(f"Chatterjee: does positive initialization accelerate GD? {cfg['activation']}, "
          f"s={cfg['s']}, seeds {seeds[0]}..{seeds[-1]} (data and inits), horizon {steps} steps")
    print(f"T = steps to reach and STAY below ε·f(x0), ε={cfg['eps']:g}; speed-up = geometric "
          "mean of T_random/T_positive over seeds, 95% bootstrap interval; a run not below at the "
          "horizon is censored (counted as horizon+1; ≥ marks a speed-up that is then a lower "
          "bound)")
    print("step policies: own = each at η = 1/β(x0) of its own start; common = both at the "
          "smaller of the two")
    head = (f"{'size':<24} {'policy':<7} {'T_pos med':>9} {'T_rnd med':>9} {'censored p/r':>12} "
            f"{'speed-up':>8} {'95% interval':>16} {'pos faster':>10}  verdict")
    print(head)
    for per in res["sizes"]:
        for pol in api.CHATTERJEE_POLICIES:
            sm = per["summary"][pol]
            lo, hi = sm["interval"]
            print(f"{per['size'].label():<24} {pol:<7} {sm['median_steps_positive']:>9.0f} "
                  f"{sm['median_steps_random']:>9.0f} "
                  f"{sm['censored_positive']:>5}/{sm['censored_random']:<6} "
                  f"{'≥' if sm['lower_bound'] else ' '}{sm['speedup']:>7.2f}x "
                  f"{f'[{lo:.2f}, {hi:.2f}]':>16} "
                  f"{sm['positive_faster_in']:>4}/{sm['seeds']:<5}  {sm['verdict']}")
        common_pos = sum(r["eta"] == p["eta"] for r, p in zip(
            per["runs"]["common"]["random"], per["runs"]["own"]["positive"], strict=True))
        print(f"{'':<24} common η = the positive start's own step in {common_pos}/"
              f"{len(seeds)} seeds; positive start meets the estimated criterion 4f(x0) < r²α in "
              f"{per['criterion_holds']}/{per['criterion_checked']}")
    print("RESULT: " + res["verdict"].replace(
        "speed-up reproduced", "speed-up (T_random/T_positive > 1 with 95% confidence) reproduced"))
    print("wrote: " + ", ".join(paths))
    return 0


def cmd_replicate(args) -> int:
    if args.paper not in REPLICATIONS:
        raise UserInputError(f"no replication for {args.paper!r}; available: "
                             + ", ".join(REPLICATIONS))
    out = args.out or f"replication/{args.paper}"
    if args.paper == "chatterjee":
        given = [f for f, v in (("--seeds", args.seeds), ("--store", args.store),
                                ("--scheduler", args.scheduler), ("--workers", args.workers))
                 if v is not None]
        if given:
            raise UserInputError(f"{', '.join(given)}: only for replicate du2019 (the Chatterjee "
                                 "replication is not a sweep)")
        return _replicate_chatterjee(args, out)
    return _replicate_du(args, out)


def _replicate_du(args, out: str) -> int:
    """Du et al. §5 as a preset of the sweep: run (or resume) it, then draw from the store."""
    from pathlib import Path

    from prooftools.api import du2019_replication, du2019_spec
    from prooftools.api import execute_sweep as execute
    from prooftools.reporting.replication_plots import write_du_replication

    spec = du2019_spec(full=args.full, seeds=args.seeds or 1, seed=args.seed)
    store = args.store or str(Path(out) / "sweeps" / spec.key)
    try:
        run = execute(spec, store=store, scheduler=args.scheduler or "local",
                      workers=args.workers, progress=getattr(args, "progress", None))
    except BaseException as exc:  # the cluster is closed (execute's finally): leave normally
        if not is_interrupt(exc):
            raise
        print(f"prooftools: interrupted; finished runs are stored in {store} (rerun the same "
              "command to resume)", file=sys.stderr)
        return 130
    result = write_du_replication(
        du2019_replication(spec, run.rows, store=str(run.store), computed=run.computed), out)
    cfg = result["config"]
    print(f"Du et al. 2019 §5 replication: n={cfg['n']}, d={cfg['d']}, steps={cfg['steps']}, "
          f"η={cfg['eta']:.4g} (0.5/λ_max(H^∞)), λ0={cfg['lambda0']:.4g}, data seed "
          f"{cfg['data_seed']}, init seeds {cfg['seeds'][0]}..{cfg['seeds'][-1]}")
    print(f"sweep {cfg['spec_key']}: {cfg['runs']} runs ({cfg['computed']} computed now), "
          f"store {cfg['store']}")
    print(f"{'width':>8}  {'seed':>4}  {'final loss':>12}  {'flip frac':>10}  {'max move':>10}"
          "  Thm 4.1 rate (as measured)")
    for r in result["runs"]:
        print(f"{r['width']:>8}  {r['seed']:>4}  {r['final_loss']:>12.4g}  "
              f"{r['final_flip_frac']:>10.4g}  {r['final_dist_max']:>10.4g}  "
              f"{r['linear_rate_measured']}")
    print("wrote: " + ", ".join([*result["figures"], f"{out}/du2019_replication.json"]))
    return 0


def cmd_engines(args) -> int:
    """``prooftools engines``: the registered engines and what each runs."""
    from prooftools.cli.options import render
    from prooftools.reporting.engine_reports import engine_table, observable_table

    print(render(observable_table() if args.observables else engine_table(), args))
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser(
        "verify",
        help="train a theorem's network on a dataset and judge every lemma and conclusion",
        description="Normalize the data as the theorem says, train (GD, SGD or gradient flow), "
                    "record the observables and judge every hypothesis and conclusion of the "
                    "statement and of the statements it rests on.",
    )
    p.add_argument("id", help="statement id, e.g. du2019.thm4.1")
    p.add_argument("--dataset", required=True, metavar="SPEC",
                   help="file (.npz/.npy/.csv), scikit-learn name or generator, "
                        "e.g. sphere:n=20,d=30")
    add_run_flags(p, RUN_FLAGS)
    p.add_argument("--flow", action="store_true", help="gradient flow instead of GD")
    p.set_defaults(engine_flags=add_engine_flags(p))
    add_format_option(p)
    p.add_argument("--plots", metavar="DIR", help="write loss/observable plots (PNG, PDF) to DIR")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a measured or default symbol value (recorded; eta, m, L, b "
                        "set the run's step size, width, depth, batch size)")
    p.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                   help="an engine option by name, e.g. one a plug-in engine declares "
                        "(checked against the engine's declared type and range)")
    add_theorems_option(p)
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("engines", help="list the numeric engines and the statement tags they run",
                       description="The registered engines (built-ins and plug-ins): the "
                                   "`network` tags and papers each runs, its algorithms, step "
                                   "policies and options.")
    p.add_argument("--observables", action="store_true",
                   help="list the observables each engine records, as it declares them (cost, "
                        "summary direction, shape)")
    add_format_option(p)
    p.set_defaults(func=cmd_engines)

    p = sub.add_parser("replicate", help="re-run a paper's experiment (figures and data)")
    p.add_argument("paper", choices=REPLICATIONS, help="paper key")
    p.add_argument("--full", action="store_true",
                   help="the paper's full size (slow; du2019: n = d = 1000, 100 steps, widths "
                        "1000 … 16000)")
    p.add_argument("--out", metavar="DIR", help="output folder (default replication/PAPER)")
    p.add_argument("--seed", type=nonneg_int, default=0,
                   help="seed (default 0); du2019: the data seed and the first init seed")
    p.add_argument("--seeds", type=positive_int, default=None, metavar="K",
                   help="du2019: initialization seeds per width (default 1; with K > 1 the "
                        "figure shows the median and the min–max band)")
    p.add_argument("--store", metavar="DIR", default=None,
                   help="du2019: the sweep store (default OUT/sweeps/<hash of the spec>); a "
                        "rerun resumes from it")
    p.add_argument("--scheduler", default=None,
                   help="du2019: local (default), synchronous or tcp://HOST:PORT, as for sweep")
    p.add_argument("--workers", type=positive_int, default=None,
                   help="du2019: local cluster size (default: the number of cores)")
    p.set_defaults(func=cmd_replicate)
