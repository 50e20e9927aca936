"""Where the built-in theorem files live: inside the wheel, or in the source checkout."""

from __future__ import annotations

from pathlib import Path

VOCABULARY = "vocabulary.toml"


def default_theorems_path() -> Path:
    """The folder of built-in theorem files (installed copy first, source tree second)."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "_theorems"
    if installed.is_dir():
        return installed
    return package.parent / "theorems"


def default_theorem_files() -> list[Path]:
    """Built-in files, vocabulary first, then papers in name order."""
    folder = default_theorems_path()
    files = sorted(p for p in folder.glob("*.toml") if p.name != VOCABULARY)
    return [folder / VOCABULARY, *files]
