"""Validate theorem files: ``python -m prooftools.theory.validate FILE...``.

Loads the built-in vocabulary and files together with the given ones and prints every problem
with file and line; exit status 1 when there are problems.
"""

from __future__ import annotations

import sys
from pathlib import Path

from prooftools.errors import TheoremFileError
from prooftools.theory.registry import Registry
from prooftools.theory.resources import default_theorem_files


def validate(paths: list[str]) -> list[str]:
    """Problems found when the given files are loaded beside the built-in ones."""
    given = {Path(p).resolve() for p in paths}
    files = [p for p in default_theorem_files() if p.resolve() not in given]
    try:
        Registry([*files, *(Path(p) for p in paths)])
    except TheoremFileError as exc:
        return [str(p) for p in exc.problems]
    return []


def main(argv: list[str] | None = None) -> int:
    paths = list(sys.argv[1:] if argv is None else argv)
    problems = validate(paths)
    for line in problems:
        print(line)
    print(f"{len(problems)} problem(s)" if problems else "ok")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
