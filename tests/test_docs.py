"""Docs that cannot drift: every marked excerpt in README.md and docs/ is what the command prints.

Regenerate them with ``python docs/excerpts.py`` (see its docstring for the marker).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("doc_excerpts", ROOT / "docs/excerpts.py")
doc_excerpts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(doc_excerpts)

CASES = [(p, cmd, body) for p in doc_excerpts.documents() for cmd, body in doc_excerpts.excerpts(p)]


def test_readme_has_marked_excerpts():
    assert any(p.name == "README.md" for p, _, _ in CASES)


@pytest.mark.parametrize(("path", "command", "shown"), CASES,
                         ids=[f"{p.name}:{c[:40]}" for p, c, _ in CASES])
def test_documented_output_is_what_the_command_prints(path, command, shown):
    assert doc_excerpts.run(command) == shown, (
        f"{path.name}: the excerpt of `prooftools {command}` is stale; "
        "run python docs/excerpts.py")


def test_a_stale_excerpt_is_detected(tmp_path, monkeypatch):
    doc = tmp_path / "README.md"
    doc.write_text("<!-- prooftools-run: show du2019.thm4.1 --format json -->\n```json\n{}\n```\n")
    monkeypatch.setattr(doc_excerpts, "documents", lambda: [doc])
    monkeypatch.setattr(doc_excerpts, "ROOT", tmp_path)
    assert doc_excerpts.main(["--check"]) == 1
    assert doc_excerpts.main([]) == 0 and '"id": "du2019.thm4.1"' in doc.read_text()
    assert doc_excerpts.main(["--check"]) == 0


def test_theorem_format_lists_exactly_the_tag_values_the_loader_accepts():
    """The doc's `task`/`normalization` values are the loader's (TAG_VALUES), so they cannot
    drift apart: a value added to one and not the other fails here."""
    import re

    from prooftools.theory.definitions import TAG_VALUES

    doc = (ROOT / "docs" / "theorem-format.md").read_text(encoding="utf-8")
    for tag, allowed in TAG_VALUES.items():
        bullet = re.search(rf"^- \*\*`{tag}`\*\* — (.*?)(?=^- \*\*`|\Z)", doc, re.M | re.S)
        assert bullet, f"docs/theorem-format.md has no bullet for the {tag!r} tag"
        shown = set(re.findall(r"`([a-z_0-9]+)`", bullet.group(1)))
        assert set(allowed) <= shown, (tag, set(allowed) - shown)
        assert "load error" in bullet.group(1)
