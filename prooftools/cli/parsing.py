"""Parsing help for the top-level parser: "did you mean" for a mistyped flag, and the options
that may come before the command (``prooftools --theorems DIR list``)."""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path

__all__ = ["add_global_theorems", "merge_global_options", "unrecognized"]


def unrecognized(parser: argparse.ArgumentParser, ns: argparse.Namespace,
                 extras: list[str]) -> str:
    """argparse's "unrecognized arguments" message, with the closest flag of the command for
    each mistyped one.

    >>> p = argparse.ArgumentParser(); _ = p.add_argument("--width")
    >>> unrecognized(p, argparse.Namespace(), ["--widht", "32"])
    'unrecognized arguments: --widht 32; did you mean --width?'
    """
    message = "unrecognized arguments: " + " ".join(extras)
    flags = sorted(set(_flags(parser)) | set(_flags(_command_parser(parser, ns))))
    hints = []
    for word in extras:
        if word.startswith("-") and len(word) > 2:
            close = difflib.get_close_matches(word.split("=", 1)[0], flags, n=1, cutoff=0.6)
            if close:
                hints.append(f"{word.split('=', 1)[0]} → {close[0]}" if len(extras) > 2
                             else close[0])
    if hints:
        message += "; did you mean " + ", ".join(hints) + "?"
    return message


def _flags(parser: argparse.ArgumentParser | None) -> list[str]:
    if parser is None:
        return []
    return [s for s in parser._option_string_actions if s.startswith("--")]


def _command_parser(parser: argparse.ArgumentParser, ns: argparse.Namespace):
    command = getattr(ns, "command", None)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            return action.choices[command]
    return None


class _GlobalTheorems(argparse.Action):
    def __call__(self, parser, namespace, value, option_string=None):
        key = "global_theorem_files" if Path(value).is_file() else "global_theorems"
        setattr(namespace, key, [*getattr(namespace, key, []), str(value)])


def add_global_theorems(parser: argparse.ArgumentParser) -> None:
    """``--theorems PATH`` before the command: the same as after it (both may be given)."""
    parser.add_argument("--theorems", action=_GlobalTheorems, dest="global_theorems",
                        default=[], metavar="PATH",
                        help="also load this theorem file, or the *.toml files in this folder "
                             "(repeatable; before or after the command)")
    parser.set_defaults(global_theorem_files=[])


def merge_global_options(ns: argparse.Namespace) -> argparse.Namespace:
    """Fold the ``--theorems`` given before the command into the command's own lists."""
    folders = ns.__dict__.pop("global_theorems", [])
    files = ns.__dict__.pop("global_theorem_files", [])
    if folders or files:
        ns.theorems = [*folders, *getattr(ns, "theorems", [])]
        ns.theorem_files = [*files, *getattr(ns, "theorem_files", [])]
    return ns
