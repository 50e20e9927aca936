"""Command-line interface: a thin layer over the Python API.

Every user mistake is printed as one line (``prooftools: error: …``) with exit status 2;
tracebacks are for bugs only.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from prooftools.cli.interrupt import install, leave, restore
from prooftools.errors import ProoftoolsError, TheoremFileError
from prooftools.text import clean

#: Modules that add sub-commands; each defines ``add_parsers(subparsers)``.
COMMAND_MODULES = (
    "prooftools.cli.theory_cmds",
    "prooftools.cli.check_cmd",
    "prooftools.cli.verify_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    parser = argparse.ArgumentParser(
        prog="prooftools",
        description="Symbolic-plus-numeric checks of convergence theorems for neural networks.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``prooftools`` console script.

    Ctrl-C at any point (while loading, parsing or running) is one line and exit status 130.
    """
    previous = install()
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except TheoremFileError as exc:
        print(f"prooftools: error: {clean(str(exc))}", file=sys.stderr)
        if len(exc.problems) > 1:
            print(clean(exc.full_report()), file=sys.stderr)
        return 2
    except ProoftoolsError as exc:
        print(f"prooftools: error: {clean(str(exc))}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a file the user named cannot be read or written
        print(clean(f"prooftools: error: {exc.strerror or exc}: {exc.filename or ''}"
                    .rstrip(": ")), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        leave()  # one line, exit status 130 (never swallowed, see cli/interrupt.py)
        return 130
    finally:
        restore(previous)


if __name__ == "__main__":
    raise SystemExit(main())
