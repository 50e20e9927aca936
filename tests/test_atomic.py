"""Atomic writes: a failed or interrupted write leaves the previous file (or file set) intact."""

from __future__ import annotations

import errno
import json
import os
import stat

import pytest

from prooftools.atomic import FileSet, dumps, save_figure, write_json, write_text
from prooftools.reporting.figures import pyplot


class _Exploding:
    """A figure whose savefig writes half a file and then fails like a full disk (or Ctrl-C)."""

    def __init__(self, exc: BaseException):
        self.exc = exc

    def savefig(self, fh, **_kw):
        fh.write(b"half a PNG")
        raise self.exc


@pytest.mark.parametrize("exc", [OSError(errno.ENOSPC, "No space left on device"),
                                 KeyboardInterrupt()])
def test_failed_figure_leaves_previous_file(tmp_path, exc):
    target = tmp_path / "fig.png"
    target.write_bytes(b"old figure")
    with pytest.raises(type(exc)) as info:
        save_figure(_Exploding(exc), target)
    assert target.read_bytes() == b"old figure"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.png"]
    if isinstance(exc, OSError):  # the error names the user's file, not the temporary one
        assert info.value.filename == str(target) and info.value.errno == errno.ENOSPC


def test_file_set_is_all_or_nothing(tmp_path):
    names = ["a.png", "a.pdf", "a.json"]
    for n in names:
        (tmp_path / n).write_text(f"old {n}")
    with pytest.raises(OSError), FileSet() as fs:
        fs.write_text(tmp_path / "a.png", "new png")
        fs.write_text(tmp_path / "a.pdf", "new pdf")
        fs.save_figure(_Exploding(OSError(errno.ENOSPC, "full")), tmp_path / "a.json")
    assert [(tmp_path / n).read_text() for n in names] == [f"old {n}" for n in names]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    with FileSet() as fs:
        for n in names:
            fs.write_text(tmp_path / n, f"new {n}")
    assert [(tmp_path / n).read_text() for n in names] == [f"new {n}" for n in names]


def test_rename_failure_keeps_every_file(tmp_path, monkeypatch):
    for n in ("x", "y"):
        (tmp_path / n).write_text("old")
    real = os.replace
    calls = []

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) == 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(OSError), FileSet() as fs:
        fs.write_text(tmp_path / "x", "new")
        fs.write_text(tmp_path / "y", "new")
    assert (tmp_path / "x").read_text() == "old" and (tmp_path / "y").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x", "y"]


def test_permissions_of_an_existing_file_are_kept(tmp_path):
    target = tmp_path / "t.txt"
    target.write_text("old")
    os.chmod(target, 0o640)
    write_text(target, "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640


def test_json_never_contains_nan_or_infinity(tmp_path):
    import numpy as np

    obj = {"a": float("nan"), "b": [float("inf"), -float("inf"), 1.5], "c": np.float64("nan")}
    text = dumps(obj)
    assert json.loads(text, parse_constant=lambda c: pytest.fail(c)) == {
        "a": None, "b": [None, None, 1.5], "c": None}
    write_json(tmp_path / "x.json", obj)
    assert "NaN" not in (tmp_path / "x.json").read_text()


def test_real_figure_round_trip(tmp_path):
    plt = pyplot()
    fig = plt.figure()
    save_figure(fig, tmp_path / "f.png")
    save_figure(fig, tmp_path / "f.pdf")
    plt.close(fig)
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "f.pdf").read_bytes()[:5] == b"%PDF-"
