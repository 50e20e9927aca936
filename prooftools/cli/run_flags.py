"""Command-line flags generated from the run parameters' declarations, never written by hand.

:func:`add_run_flags` adds a flag for each :data:`~prooftools.engines.config.RUN_OPTIONS` field a
command takes (``--width``, ``--lr`` …); :func:`add_engine_flags` one for every option an
engine declares (:attr:`~prooftools.engines.base.Engine.options`: ``--loss``, ``--mu`` …, a
plug-in engine's included), with the engines' help texts. A flag's value is converted by its
declaration (:meth:`~prooftools.options.Option.parse`); the range of an engine option is checked
by the engine that runs (:meth:`~prooftools.engines.base.Engine.validate`), in the same words.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable

from prooftools.options import Option

__all__ = ["add_engine_flags", "add_run_flags", "engine_options", "engine_values",
           "option_value"]


def add_run_flags(p: argparse.ArgumentParser, names: Iterable[str]) -> None:
    """A flag for each named field of the run configuration, as it is declared."""
    from prooftools import api

    declared = {o.name: o for o in api.RUN_OPTIONS}
    for name in names:
        opt = declared[name]
        p.add_argument(opt.cli_flag, dest=opt.name, type=opt.parse, default=opt.default,
                       metavar=_metavar(opt), help=opt.help.replace("%", "%%"))


def _metavar(opt: Option) -> str | None:
    if opt.choices is not None:
        return "{" + ",".join(opt.choices) + "}"
    return opt.metavar


def engine_options() -> dict[str, list[tuple[str, Option]]]:
    """Every option the registered engines declare, by name: ``[(engine, option), …]``."""
    from prooftools import api
    from prooftools.errors import UserInputError

    try:
        engines = api.registered_engines()
    except UserInputError:  # a broken plug-in: the built-ins still give their flags, and the
        engines = api.registered_engines()  # plug-in's error shows when verify needs it
    out: dict[str, list[tuple[str, Option]]] = {}
    for name, eng in sorted(engines.items()):
        for opt in eng.options:
            out.setdefault(opt.name, []).append((name, opt))
    return out


def add_engine_flags(p: argparse.ArgumentParser) -> list[str]:
    """A flag for each engine option (one per name, whichever engines declare it); returns the
    option names (their values are collected by :func:`engine_values`)."""
    group = p.add_argument_group("engine options", "each engine's own options (`prooftools "
                                 "engines` lists them); also --option NAME=VALUE")
    declared = engine_options()
    for name, owners in declared.items():
        opt = owners[0][1]
        if len({o.help for _, o in owners}) == 1:
            text = f"{opt.help} ({', '.join(e for e, _ in owners)})"
        else:
            text = "; ".join(f"{e}: {o.help}" for e, o in owners)
        text = text.replace("%", "%%")
        if opt.type is bool:
            group.add_argument(opt.cli_flag, dest=name, action="store_true", default=None,
                               help=text)
        else:
            group.add_argument(opt.cli_flag, dest=name, type=opt.from_text, default=None,
                               metavar=opt.metavar or name.upper(), help=text)
    return list(declared)


def engine_values(args: argparse.Namespace, names: Iterable[str]) -> dict[str, object]:
    """The engine options given on the command line (flags left out are not set)."""
    return {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}


def option_value(name: str, text: str):
    """An ``--option NAME=VALUE`` value: converted by the option's declaration when an engine
    declares ``name``, else read as true/false, an integer, a number or the text itself."""
    owners = engine_options().get(name)
    if owners:
        return owners[0][1].from_text(text)
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text
