"""One constraint type for every run parameter: :class:`Option` (name, type, default, range or
choices), checked in one place with one message formula.

Everything that configures a run is declared as an Option: the fields of
:class:`~prooftools.engines.config.RunConfig`, each engine's own options
(:attr:`~prooftools.engines.base.Engine.options`), the training loops' arguments and the
command-line flags generated from them. The shape follows scikit-learn's parameter validation
(an ``Interval`` with its closed ends, a set of choices, a type), written out here because
scikit-learn keeps it private. Every refusal reads ``WHO must be WHAT; got VALUE`` (and, for a
mistyped choice, ``did you mean …?``).

>>> mu = Option("mu", float, None, "last input coordinate", low=0, high=1)
>>> mu.check(0.5), mu.describe()
(0.5, 'a number in (0, 1)')
>>> mu.check(2.0)
Traceback (most recent call last):
...
prooftools.errors.UserInputError: option mu (--mu) must be a number in (0, 1); got 2.0
>>> Option("loss", str, None, choices=("logistic", "exp")).check("logistik")
Traceback (most recent call last):
...
prooftools.errors.UserInputError: option loss ...; got 'logistik' (did you mean 'logistic'?)
"""

from __future__ import annotations

import argparse
import difflib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from prooftools.errors import UserInputError

__all__ = ["CLOSED", "Option", "close_match", "must_be"]

#: Which ends of ``[low, high]`` belong to an option's range (scikit-learn's ``closed``).
CLOSED = ("neither", "left", "right", "both")


def must_be(who: str, what: str, value: Any, hint: str = "") -> str:
    """The one message formula: ``WHO must be WHAT; got VALUE`` (and a hint in parentheses).

    >>> must_be("width (--width)", "an integer ≥ 1", 0)
    'width (--width) must be an integer ≥ 1; got 0'
    """
    return f"{who} must be {what}; got {value!r}" + (f" ({hint})" if hint else "")


def close_match(word: str, choices: Iterable[str]) -> str:
    """``did you mean 'x'?`` for the nearest of ``choices`` ('' when none is near).

    >>> close_match("widht", ["width", "depth"])
    "did you mean 'width'?"
    """
    near = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f"did you mean {near[0]!r}?" if near else ""


def _number(v: float) -> str:
    return f"{v:g}"


@dataclass(frozen=True)
class Option:
    """One run parameter: its type, default, valid range or choices, help text and flag.

    ``low``/``high`` bound numbers (``None``: unbounded), ``closed`` says which ends belong to
    the range; ``choices`` lists the strings a text option accepts; ``optional`` admits ``None``
    (the parameter's documented default). ``flag`` is the command-line flag (``--name`` with
    dashes by default) and ``metavar`` its placeholder.
    """

    name: str
    type: type
    default: Any = None
    help: str = ""
    choices: tuple[str, ...] | None = None
    low: float | None = None
    high: float | None = None
    closed: str = "neither"
    optional: bool = True
    flag: str | None = None
    metavar: str | None = None

    def __post_init__(self) -> None:
        if self.closed not in CLOSED:
            raise ValueError(f"Option {self.name}: closed must be one of {CLOSED}")
        if self.type not in (bool, int, float, str):
            raise ValueError(f"Option {self.name}: type must be bool, int, float or str")

    # ------------------------------------------------------------------ what it accepts

    @property
    def cli_flag(self) -> str:
        """The command-line flag, e.g. ``--near-minimizer``."""
        return self.flag or "--" + self.name.replace("_", "-")

    @property
    def label(self) -> str:
        """The option's name and its flag, for messages: ``mu (--mu)``."""
        return f"{self.name} ({self.cli_flag})"

    def describe(self) -> str:
        """What a valid value is, in words: ``an integer ≥ 1``, ``a number in (0, 1)``, …"""
        if self.type is bool:
            return "true or false"
        if self.choices is not None:
            return "one of " + ", ".join(self.choices)
        if self.type is str:
            return "a string"
        kind = "an integer" if self.type is int else "a number"
        lo_in, hi_in = self.closed in ("left", "both"), self.closed in ("right", "both")
        if self.low is not None and self.high is not None:
            return (f"{kind} in {'[' if lo_in else '('}{_number(self.low)}, "
                    f"{_number(self.high)}{']' if hi_in else ')'}")
        if self.low is not None:
            return f"{kind} {'≥' if lo_in else '>'} {_number(self.low)}"
        if self.high is not None:
            return f"{kind} {'≤' if hi_in else '<'} {_number(self.high)}"
        return "a finite number" if kind == "a number" else kind

    def _in_range(self, v: float) -> bool:
        lo_in, hi_in = self.closed in ("left", "both"), self.closed in ("right", "both")
        if self.low is not None and (v < self.low or (v == self.low and not lo_in)):
            return False
        return not (self.high is not None and (v > self.high or (v == self.high and not hi_in)))

    # ------------------------------------------------------------------ checking

    def check(self, value: Any, who: str | None = None) -> Any:
        """``value`` converted to the option's type, or a :class:`UserInputError` in the one
        formula (``who`` names it; default ``option NAME (--flag)``)."""
        if value is None and self.optional:
            return None
        problem = self._problem(value)
        if problem is not None:
            raise UserInputError(must_be(who or f"option {self.label}", self.describe(), value,
                                         problem))
        return self._convert(value)

    def _problem(self, value: Any) -> str | None:
        """None when ``value`` is valid, else a hint for the message ('' for none)."""
        if self.type is bool:
            return None if isinstance(value, bool) else ""
        if self.type is str:
            if not isinstance(value, str):
                return ""
            if self.choices is not None and value not in self.choices:
                return close_match(value, self.choices)
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return ""
        if self.type is int and (not math.isfinite(value) or value != int(value)):
            return ""
        return None if math.isfinite(value) and self._in_range(float(value)) else ""

    def _convert(self, value: Any) -> Any:
        return self.type(value) if self.type in (int, float) else value

    def parse(self, text: str) -> Any:
        """A command-line value (text) converted and checked (argparse's ``type``: a bad one is
        an ``argparse.ArgumentTypeError`` in the one formula, printed as one line)."""
        value = self.from_text(text)
        problem = self._problem(value)
        if problem is not None:  # the text as typed: "got '1.5'", not "got 1.5"
            raise argparse.ArgumentTypeError(must_be("it", self.describe(), text, problem)
                                             .removeprefix("it "))
        return self._convert(value)

    def from_text(self, text: str) -> Any:
        """The value a command-line text stands for (no range check): a number for a numeric
        option when it reads as one, else the text itself (refused by :meth:`check`)."""
        if self.type is int:
            try:
                return int(text)
            except ValueError:
                pass
        if self.type in (int, float):
            try:
                value = float(text)
            except ValueError:
                return text
            return value if self.type is float or value != int(value) else int(value)
        if self.type is bool:
            low = text.strip().lower()
            return {"true": True, "false": False}.get(low, text)
        return text

    def with_default(self) -> Any:
        """The default, checked (a declaration error shows at once, not at first use)."""
        return self.check(self.default, who=f"the default of {self.label}")
