"""Claims of README.md and docs/ that follow the code: the verify synopsis names every flag,
and the README counts the demo's steps right."""

from __future__ import annotations

import re
from pathlib import Path

from prooftools.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
NUMBERS = {"four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def _flags(command: str) -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    return {s for a in sub._actions for s in a.option_strings
            if s.startswith("--") and s != "--help"}


def test_verify_synopsis_names_every_flag():
    doc = (ROOT / "docs" / "verifying.md").read_text(encoding="utf-8")
    synopsis = doc.split("```sh", 1)[1].split("```", 1)[0]
    shown = set(re.findall(r"--[a-z][a-z-]*", synopsis))
    assert _flags("verify") - shown == set()
    assert shown - _flags("verify") == set()  # and no flag that does not exist


def test_readme_counts_the_demo_steps():
    from prooftools.demo import STEPS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    said = re.search(r"`make demo` runs (\w+) steps", readme).group(1)
    assert NUMBERS[said] == len(STEPS)
    for number in range(1, len(STEPS) + 1):  # each step is described under its number
        assert f"**{number}. " in readme
