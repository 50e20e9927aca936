"""Options shared by several sub-commands, declared and parsed in one place."""

from __future__ import annotations

import argparse
import contextlib
import io
import sys

from prooftools.errors import UserInputError
from prooftools.reporting.tables import FORMATS


def add_theorems_option(p: argparse.ArgumentParser) -> None:
    """``--theorems PATH`` (repeatable): a user's theorem files or folders beside the built-in
    ones. Folders stay in ``args.theorems``; single files go to ``args.theorem_files``."""
    p.add_argument("--theorems", action=_TheoremsAction, default=[], metavar="PATH",
                   help="also load this theorem file, or the *.toml files in this folder "
                        "(repeatable)")
    p.set_defaults(theorem_files=[])


class _TheoremsAction(argparse.Action):
    def __call__(self, parser, namespace, value, option_string=None):
        from pathlib import Path

        path = Path(value)
        if path.is_file():
            namespace.theorem_files = [*getattr(namespace, "theorem_files", []), str(path)]
        else:  # a folder (a missing one is reported by the loader, with its name)
            namespace.theorems = [*getattr(namespace, "theorems", []), str(path)]


def load_user_registry(args):
    """The registry with the built-in theorems and those the user named with ``--theorems``."""
    from prooftools import api

    return api.load_registry(extra_dirs=getattr(args, "theorems", ()),
                         files=getattr(args, "theorem_files", ()))


#: every format of a command that has ``--format``: the table formats and a whole HTML page
CLI_FORMATS = (*FORMATS, "html")


def add_format_option(p: argparse.ArgumentParser) -> None:
    """``--format text|markdown|latex|json|html`` and ``-o FILE`` for commands that print a
    table or a report."""
    p.add_argument("--format", choices=CLI_FORMATS, default="text",
                   help="output format (html: one self-contained page, see docs/reports.md)")
    p.add_argument("--output", "-o", metavar="FILE",
                   help="write to FILE (atomically) instead of stdout")
    p.add_argument("--standalone", action="store_true",
                   help="with --format latex: a complete document that pdflatex compiles")
    p.add_argument("--wide", action="store_true",
                   help="text tables at their full width (default: wrapped to the terminal)")


def text_width(args) -> int | None:
    """The width text tables wrap to: the terminal's when printing to one; none with --wide or
    when the output goes to a pipe or a file (scripts get whole lines)."""
    import shutil

    if getattr(args, "wide", False) or getattr(args, "format", "text") != "text":
        return None
    if not sys.stdout.isatty():
        return None
    return max(shutil.get_terminal_size((100, 24)).columns, 40)


def render(table, args) -> str:
    """``table`` in the format the user asked for, wrapped to the terminal when it is text
    (``html``: a page with the table)."""
    if args.format == "html":
        from prooftools.reporting.html import table_document

        return table_document(f"prooftools {args.command}", [table])
    return table.render(args.format, width=text_width(args))


def quiet(args) -> bool:
    """``-q``: no progress bars, no informational messages."""
    return getattr(args, "progress", None) is False


def verbose(args) -> bool:
    """``-v``: progress bars everywhere, and details (options, configuration, timings)."""
    return getattr(args, "progress", None) is True


def say(args, message: str) -> None:
    """A detail for ``-v`` only, on stderr (stdout stays the command's output)."""
    if verbose(args):
        print(f"prooftools: {message}", file=sys.stderr, flush=True)


def given_options(args) -> str:
    """The options of this command line as ``name=value`` (what ``-v`` prints first).

    >>> given_options(argparse.Namespace(command="show", id="du2019.thm4.1", wide=False,
    ...                                  set=[], seed=0, func=print, progress=True))
    'id=du2019.thm4.1, seed=0'
    """
    skip = {"command", "func", "progress", "theorem_files", "engine_flags"}
    return ", ".join(f"{k}={v}" for k, v in sorted(vars(args).items())
                     if k not in skip and v is not None and v is not False
                     and v != [] and v != ()) or "(defaults)"


def run_command(args) -> int:
    """Run the chosen sub-command; ``--standalone`` wraps what it prints in a LaTeX document.

    ``-q`` also silences the informational logging of Dask; ``-v`` reports the options and the
    time the command took."""
    import logging
    import time

    if quiet(args):
        logging.getLogger("distributed").setLevel(logging.ERROR)
    say(args, f"{args.command}: {given_options(args)}")
    start = time.perf_counter()
    status = _run(args)
    say(args, f"{args.command} finished in {time.perf_counter() - start:.2f} s "
              f"(exit status {status})")
    return status


def _run(args) -> int:
    """Run the command; ``--standalone`` wraps what it prints in a LaTeX document and ``-o FILE``
    writes it to FILE atomically (nothing is written when the command fails)."""
    wrap, output = getattr(args, "standalone", False), getattr(args, "output", None)
    if not wrap and not output:
        return int(args.func(args) or 0)
    if wrap and args.format != "latex":
        raise UserInputError("--standalone needs --format latex")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        status = int(args.func(args) or 0)
    text = buf.getvalue()
    if wrap:
        from prooftools.reporting.latex import standalone

        text = standalone(text)
    if output:
        from prooftools.atomic import write_text

        write_text(output, text)
    else:
        sys.stdout.write(text)
    return status


def add_set_option(p: argparse.ArgumentParser, help_text: str) -> None:
    """``--set NAME=VALUE …`` (several per flag, and the flag repeatable)."""
    p.add_argument("--set", action="extend", nargs="+", default=[], metavar="NAME=VALUE",
                   help=help_text + " (several: --set a=1 b=2)")


def parse_assignments(items: list[str]) -> dict[str, str]:
    """``NAME=VALUE`` strings (from ``--set``) as a dict; a malformed item is a user error.

    >>> parse_assignments(["n=10", " eta = 0.5 "])
    {'n': '10', 'eta': '0.5'}
    """
    out: dict[str, str] = {}
    for item in items:
        name, sep, val = item.partition("=")
        if not sep or not name.strip():
            raise UserInputError(f"--set expects NAME=VALUE, got {item!r}")
        out[name.strip()] = val.strip()
    return out
