"""Command-line interface: a thin layer over the Python API.

Every user mistake is printed as one line (``prooftools: error: …``) with exit status 2;
tracebacks are for bugs only.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from prooftools.cli.interrupt import install, interrupted, leave, restore
from prooftools.cli.parsing import add_global_theorems
from prooftools.errors import ProoftoolsError, TheoremFileError
from prooftools.text import clean

#: Modules that add sub-commands; each defines ``add_parsers(subparsers)``.
COMMAND_MODULES = (
    "prooftools.cli.theory_cmds",
    "prooftools.cli.check_cmd",
    "prooftools.cli.verify_cmd",
    "prooftools.cli.sweep_cmd",
    "prooftools.cli.report_cmd",
)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage block) and "did you mean" for a mistyped choice
    or flag (:mod:`prooftools.cli.parsing`)."""

    def parse_args(self, args=None, namespace=None):  # type: ignore[override]
        from prooftools.cli.parsing import merge_global_options, unrecognized

        ns, extras = self.parse_known_args(args, namespace)
        if extras:
            self.error(unrecognized(self, ns, extras))
        return merge_global_options(ns)

    def error(self, message: str):  # type: ignore[override]
        import difflib
        import re

        m = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if m:
            choices = re.findall(r"'([^']*)'", m.group(2))
            close = difflib.get_close_matches(m.group(1), choices, n=1)
            message = message[:m.start()] + f"invalid choice {m.group(1)!r}" + (
                f"; did you mean {close[0]!r}?" if close else f"; choose from {', '.join(choices)}")
        self.exit(2, f"prooftools: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    from prooftools import __version__

    parser = _Parser(
        prog="prooftools",
        description="Symbolic-plus-numeric checks of convergence theorems for neural networks.",
    )
    parser.add_argument("--version", action="version", version=f"prooftools {__version__}")
    add_talk_options(parser)
    add_global_theorems(parser)  # `prooftools --theorems DIR list` works too
    parser.set_defaults(progress=None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parsers(sub)
    for command in dict.fromkeys(sub.choices.values()):  # `prooftools verify … -q` works too
        add_talk_options(command, default=argparse.SUPPRESS)
    return parser


def add_talk_options(p: argparse.ArgumentParser, default=None) -> None:
    """``-q/--quiet`` and ``-v/--verbose``: both set ``progress`` (False / True; None: neither).

    Quiet: no progress bars, only the results and errors. Verbose: progress bars even when
    stderr is not a terminal, and on stderr the options used, engine and configuration
    details and timings. A sub-command's copy defaults to SUPPRESS so that it never overwrites
    the flag given before the sub-command.
    """
    talk = p.add_mutually_exclusive_group()
    talk.add_argument("-q", "--quiet", dest="progress", action="store_const", const=False,
                      default=default,
                      help="no progress bars, only results and errors (default: bars when "
                           "printing to a terminal)")
    talk.add_argument("-v", "--verbose", dest="progress", action="store_const", const=True,
                      default=default,
                      help="progress bars even when not on a terminal; options, configuration "
                           "and timings on stderr")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``prooftools`` console script.

    Ctrl-C at any point (while loading, parsing or running) is one line and exit status 130.
    """
    previous = install()
    try:
        return _run(argv)
    except BaseException as exc:
        # after a Ctrl-C, whatever reaches the top is its echo (an interrupted C-extension
        # import raises "ImportError: initialization failed"): one line, exit status 130
        if interrupted() and not isinstance(exc, SystemExit):
            leave()
        raise
    finally:
        restore(previous)


def _run(argv: list[str] | None) -> int:
    """Parse and run one command; a user mistake becomes one line and exit status 2."""
    try:
        from prooftools.cli.options import run_command  # heavy: after the Ctrl-C handler

        args = build_parser().parse_args(argv)
        return run_command(args)
    except KeyboardInterrupt:
        leave()  # one line, exit status 130 (never swallowed, see cli/interrupt.py)
        return 130
    except Exception as exc:
        if interrupted():  # the interrupt in disguise: no error line, the one interrupt line
            leave()
        status = _user_mistake(exc)
        if status is None:
            raise
        return status


def _user_mistake(exc: Exception) -> int | None:
    """Print a user mistake as one line and return exit status 2 (None: a bug, re-raise)."""
    if isinstance(exc, TheoremFileError):
        print(f"prooftools: error: {clean(str(exc))}", file=sys.stderr)
        if len(exc.problems) > 1:
            print(clean(exc.full_report()), file=sys.stderr)
        return 2
    if isinstance(exc, ProoftoolsError):
        print(f"prooftools: error: {clean(str(exc))}", file=sys.stderr)
        return 2
    if isinstance(exc, BrokenPipeError):
        return 0
    if isinstance(exc, OSError):  # a file the user named cannot be read or written
        print(clean(f"prooftools: error: {exc.strerror or exc}: {exc.filename or ''}"
                    .rstrip(": ")), file=sys.stderr)
        return 2
    return None

if __name__ == "__main__":
    raise SystemExit(main())
