"""Issue 20, item 2: the sweep store read as data someone else may have left in any state.

Each corrupt row (truncated, empty, ``{}``, a list, a symlink to /dev/zero, a FIFO, 100,000
nested brackets, a row of another spec under the same file name, a run id that is not its file
name) is moved to ``runs/bad/`` with one warning line naming it and recomputed; the store's good
rows are untouched and the sweep's answer is the one a clean store gives. A bad ``spec.json`` or
a ``--store`` that is a regular file is one error line.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from pathlib import Path

import pytest

from prooftools.cli import main

SWEEP = ["sweep", "planted", "--target", "planted.holds", "--dataset", "sphere:d=3",
         "--n", "8", "--seeds", "2", "--m-range", "2", "256", "--resolution", "0",
         "--runner", "prooftools.sweep.synthetic:planted", "--option", "c=1", "--option", "a=2",
         "--scheduler", "synchronous", "--no-progress", "--format", "json"]


def _sweep(store: Path, capsys, *extra: str) -> tuple[int, dict | None, str]:
    rc = main([*SWEEP, "--store", str(store), *extra])
    cap = capsys.readouterr()
    return rc, (json.loads(cap.out) if rc == 0 else None), cap.err


def _thresholds(out: dict) -> list:
    return [t["m_star"] for t in out["thresholds"]]


@pytest.fixture(scope="module")
def clean_store(tmp_path_factory):
    """A finished store and the sweep's answer on it."""
    store = tmp_path_factory.mktemp("clean") / "s"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([*SWEEP, "--store", str(store)])
    out, err = out.getvalue(), err.getvalue()
    assert rc == 0, err
    return store, json.loads(out)


def _copy(clean_store, tmp_path) -> tuple[Path, dict[str, bytes]]:
    store = tmp_path / "s"
    shutil.copytree(clean_store[0], store, symlinks=True)
    rows = {p.name: p.read_bytes() for p in sorted((store / "runs").glob("*.json"))}
    assert len(rows) >= 4
    return store, rows


def _other_spec_row(store: Path, name: str, old: bytes) -> bytes:
    """Run ``name``'s row from a sweep of another spec (another ``c``), under the same name."""
    row = json.loads((store / "runs" / name).read_bytes())
    row["spec_key"] = "0123456789abcdef"
    row["targets"]["planted.holds"]["measured"] = "fails"
    return json.dumps(row).encode()


def _same_key_other_point(store: Path, name: str, old: bytes) -> bytes:
    """The spec key right, the contents another run's (a row copied over a file name)."""
    rows = sorted((store / "runs").glob("*.json"))
    other = next(p for p in rows if p.name != name)
    row = json.loads(other.read_bytes())
    row["run_id"] = Path(name).stem
    return json.dumps(row).encode()


CORRUPTIONS = {
    "truncated": lambda s, n, old: old[: len(old) // 2],
    "empty": lambda s, n, old: b"",
    "empty_object": lambda s, n, old: b"{}",
    "list": lambda s, n, old: b"[1, 2, 3]",
    "deep": lambda s, n, old: b"[" * 100_000 + b"]" * 100_000,
    "not_utf8": lambda s, n, old: b'{"run_id": "\xff\xfe"}',
    "run_id_not_file_name": lambda s, n, old: old.replace(Path(n).stem.encode(), b"f" * 16),
    "other_spec": _other_spec_row,
    "same_key_other_run": _same_key_other_point,
}


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_a_bad_row_is_moved_aside_and_recomputed(clean_store, tmp_path, capsys, kind):
    store, rows = _copy(clean_store, tmp_path)
    name = sorted(rows)[1]
    (store / "runs" / name).write_bytes(CORRUPTIONS[kind](store, name, rows[name]))
    _check_recomputed(clean_store, store, rows, name, capsys)


def _check_recomputed(clean_store, store, rows, name, capsys) -> None:
    bad_content = os.readlink(store / "runs" / name) if (store / "runs" / name).is_symlink() \
        else None
    rc, out, err = _sweep(store, capsys)
    assert rc == 0, err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("prooftools: warning: sweep row "), err
    assert name in lines[0] and "runs/bad/" in lines[0]
    assert _thresholds(out) == _thresholds(clean_store[1])
    moved = store / "runs" / "bad" / name
    assert os.path.lexists(moved)
    if bad_content is not None:
        assert os.readlink(moved) == bad_content
    for other, data in rows.items():  # the good rows are untouched
        if other != name:
            assert (store / "runs" / other).read_bytes() == data
    new = json.loads((store / "runs" / name).read_bytes())
    old = json.loads(rows[name])
    new.pop("timing"), old.pop("timing")
    assert new == old


def test_a_row_symlinked_to_dev_zero(clean_store, tmp_path, capsys):
    store, rows = _copy(clean_store, tmp_path)
    name = sorted(rows)[0]
    (store / "runs" / name).unlink()
    (store / "runs" / name).symlink_to("/dev/zero")
    _check_recomputed(clean_store, store, rows, name, capsys)


def test_a_row_that_is_a_fifo(clean_store, tmp_path, capsys):
    store, rows = _copy(clean_store, tmp_path)
    name = sorted(rows)[2]
    (store / "runs" / name).unlink()
    os.mkfifo(store / "runs" / name)  # opening it for reading would wait for a writer forever
    _check_recomputed(clean_store, store, rows, name, capsys)


def test_a_huge_row_is_not_read_whole(clean_store, tmp_path, capsys, monkeypatch):
    import prooftools.sweep.store as store_mod

    monkeypatch.setattr(store_mod, "MAX_ROW_BYTES", 50_000)
    store, rows = _copy(clean_store, tmp_path)
    name = sorted(rows)[0]
    (store / "runs" / name).write_bytes(b'{"pad": "' + b"x" * 60_000 + b'"}')
    _check_recomputed(clean_store, store, rows, name, capsys)


def test_the_api_reader_skips_a_bad_row(clean_store, tmp_path, capsys):
    from prooftools.sweep import read_rows

    store, rows = _copy(clean_store, tmp_path)
    name = sorted(rows)[0]
    (store / "runs" / name).write_bytes(b"{}")
    got = read_rows(store)
    assert sorted(r["run_id"] + ".json" for r in got) == sorted(rows)[1:]
    assert name in capsys.readouterr().err


@pytest.mark.parametrize("content", [b"[]", b"", b"{}", b'{"key": 7}', b"[" * 100_000])
def test_a_bad_spec_json_is_one_line_and_the_rows_survive(clean_store, tmp_path, capsys,
                                                           content):
    store, rows = _copy(clean_store, tmp_path)
    (store / "spec.json").write_bytes(content)
    rc, _, err = _sweep(store, capsys)
    assert rc == 2 and err.startswith("prooftools: error: ") and len(err.splitlines()) == 1, err
    assert "spec.json" in err and "not a sweep spec" in err
    assert {p.name: p.read_bytes() for p in (store / "runs").glob("*.json")} == rows


def test_a_spec_json_fifo_does_not_hang(clean_store, tmp_path, capsys):
    store, _rows = _copy(clean_store, tmp_path)
    (store / "spec.json").unlink()
    os.mkfifo(store / "spec.json")
    rc, _, err = _sweep(store, capsys)
    assert rc == 2 and "not a regular file" in err and len(err.splitlines()) == 1, err


def test_a_spec_json_of_another_spec_under_this_key_is_refused(clean_store, tmp_path, capsys):
    store, rows = _copy(clean_store, tmp_path)
    spec = json.loads((store / "spec.json").read_text())
    spec["spec"]["base"]["options"] = {"c": 5.0}  # same key, other contents
    (store / "spec.json").write_text(json.dumps(spec))
    rc, _, err = _sweep(store, capsys)
    assert rc == 2 and "holds another sweep" in err and len(err.splitlines()) == 1, err
    assert {p.name: p.read_bytes() for p in (store / "runs").glob("*.json")} == rows


def test_store_naming_a_regular_file_says_not_a_directory(tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("the user's notes")
    rc, _, err = _sweep(target, capsys)
    assert rc == 2 and "not a directory" in err and len(err.splitlines()) == 1, err
    assert target.read_text() == "the user's notes"
    rc, _, err = _sweep(target / "sub", capsys)
    assert rc == 2 and "not a directory" in err and len(err.splitlines()) == 1, err
    assert target.read_text() == "the user's notes"


def test_rows_are_written_through_atomic(clean_store, tmp_path, capsys):
    """A row left half-written by a killed writer is cleaned by atomic.py's rule (its PID)."""
    store, rows = _copy(clean_store, tmp_path)
    name = sorted(rows)[0]
    (store / "runs" / name).unlink()
    stale = store / "runs" / f".{name}.999999999.abcd.tmp"
    stale.write_text('{"half')
    rc, _out, err = _sweep(store, capsys)
    assert rc == 0 and err == "", err
    assert not stale.exists() and (store / "runs" / name).exists()
