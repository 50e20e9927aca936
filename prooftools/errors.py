"""Exceptions and warnings of prooftools.

Every error a user can cause derives from :class:`ProoftoolsError`; the CLI prints such an error
as one line and exits with status 2, never with a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


class ProoftoolsError(Exception):
    """Base class of every error prooftools raises on purpose."""


class UserInputError(ProoftoolsError, ValueError):
    """A value, dataset or option supplied by the user is unusable; the message says why."""


class UnknownStatementError(ProoftoolsError, KeyError):
    """A statement id that the registry does not hold."""

    def __str__(self) -> str:  # KeyError quotes its argument; we want a sentence
        return str(self.args[0]) if self.args else "unknown statement"


class ProofCycleError(ProoftoolsError):
    """The ``uses`` links of the registered statements contain a cycle."""


@dataclass(frozen=True)
class FileProblem:
    """One problem found in a theorem file, with its position."""

    path: str
    line: int | None
    statement: str | None
    key: str | None
    message: str

    def __str__(self) -> str:
        where = self.path + (f":{self.line}" if self.line else "")
        what = ", ".join(x for x in (self.statement, self.key) if x)
        return f"{where}: {what + ': ' if what else ''}{self.message}"


class TheoremFileError(ProoftoolsError, ValueError):
    """One or more problems in theorem files; each names file, line, statement and key."""

    def __init__(self, problems: list[FileProblem] | tuple[FileProblem, ...]):
        self.problems = tuple(problems)
        super().__init__(self.problems)

    def __str__(self) -> str:
        head = str(self.problems[0]) if self.problems else "invalid theorem file"
        more = len(self.problems) - 1
        return head + (f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else "")

    def full_report(self) -> str:
        """All problems, one per line."""
        return "\n".join(str(p) for p in self.problems)

    def __reduce__(self):  # keep pickling simple (multiprocessing, caching)
        return (type(self), (self.problems,))


class NumericalPrecisionWarning(UserWarning):
    """A verdict is within rounding error of its threshold; it is reported as unknown."""
