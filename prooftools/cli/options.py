"""Options shared by several sub-commands, declared and parsed in one place."""

from __future__ import annotations

import argparse

from prooftools.errors import UserInputError
from prooftools.reporting.tables import FORMATS


def add_theorems_option(p: argparse.ArgumentParser) -> None:
    """``--theorems DIR`` (repeatable): load a user's theorem files beside the built-in ones."""
    p.add_argument("--theorems", action="append", default=[], metavar="DIR",
                   help="also load the *.toml theorem files in DIR (repeatable)")


def add_format_option(p: argparse.ArgumentParser) -> None:
    """``--format text|markdown|latex|json`` for commands that print a table."""
    p.add_argument("--format", choices=FORMATS, default="text", help="output format")


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
