"""Every file in tests/malformed/ has one defect; loading it must name file, line and problem.

Each corpus file starts with ``# expect: <substring of the message>`` and ``# line: <N>`` (and,
for a known library bug, ``# xfail: <reason>``). The file is loaded beside the built-in theorem
files, through the Python API and through the CLI.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from prooftools.cli import main
from prooftools.errors import TheoremFileError
from prooftools.theory.registry import Registry
from prooftools.theory.resources import default_theorem_files

CORPUS = Path(__file__).parent / "malformed"
FILES = sorted(CORPUS.glob("*.toml"))


def _header(path: Path) -> tuple[str, int, str | None]:
    text = path.read_text(encoding="utf-8")
    expect = re.search(r"^# expect: (.+)$", text, re.M)
    line = re.search(r"^# line: (\d+)$", text, re.M)
    xfail = re.search(r"^# xfail: (.+)$", text, re.M)
    assert expect and line, f"{path.name} lacks its '# expect:' / '# line:' header"
    return expect.group(1).strip(), int(line.group(1)), xfail.group(1) if xfail else None


def _params():
    out = []
    for path in FILES:
        _, _, xfail = _header(path)
        marks = [pytest.mark.xfail(reason=xfail, strict=True)] if xfail else []
        out.append(pytest.param(path, id=path.stem, marks=marks))
    return out


def test_corpus_is_large_enough():
    assert len(FILES) >= 30


def test_every_corpus_file_has_header():
    for path in FILES:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# expect: "), path.name
        _header(path)


def test_builtins_alone_load_cleanly():
    Registry(default_theorem_files())  # the corpus errors below are the corpus file's own


@pytest.mark.parametrize("path", _params())
def test_registry_names_file_line_and_problem(path: Path):
    expect, line, _ = _header(path)
    with pytest.raises(TheoremFileError) as info:
        Registry([*default_theorem_files(), path])
    problems = info.value.problems
    assert problems, "a TheoremFileError must carry its problems"
    # built-in files stay clean: every problem is in the corpus file
    assert all(p.path == str(path) for p in problems), info.value.full_report()
    hits = [p for p in problems if p.line == line and expect in p.message]
    assert hits, f"wanted line {line}, {expect!r}; got:\n{info.value.full_report()}"
    first = problems[0]
    assert first.line == line, info.value.full_report()
    assert f"{path}:{line}:" in str(info.value)


@pytest.mark.parametrize("path", _params())
def test_cli_reports_one_line_without_traceback(path: Path, tmp_path: Path, capsys):
    expect, line, _ = _header(path)
    folder = tmp_path / "user_theorems"
    folder.mkdir()
    copy = folder / path.name
    shutil.copy(path, copy)
    status = main(["list", "--theorems", str(folder)])
    captured = capsys.readouterr()
    assert status == 2
    err_lines = captured.err.splitlines()
    assert err_lines, "nothing printed on stderr"
    assert "Traceback" not in captured.err
    heads = [ln for ln in err_lines if ln.startswith("prooftools: error:")]
    assert len(heads) == 1, captured.err
    assert err_lines[0] == heads[0]
    assert f"{copy}:{line}:" in heads[0]
    assert expect in captured.err
    assert captured.out == ""
