"""Issue 20, item 1: output targets that are not regular files.

A device node or FIFO is written in place (never replaced by a regular file), a symlink is
followed (its target is replaced atomically, the link stays), a directory is one line, and a
temporary file left by a killed writer is removed by the next write of the same target. Device
nodes are made with ``os.mknod`` in a temporary folder, never at a real /dev path.
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cli_checks import one_line as _one_line

from prooftools.atomic import FileSet, write_text
from prooftools.cli import main

ROOT = Path(__file__).resolve().parent.parent.parent


def _device(folder: Path, name: str, minor: int) -> Path:
    """A character device with the numbers of /dev/null (minor 3) or /dev/full (minor 7)."""
    path = folder / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
        with open(path, "wb"):
            pass
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device node here: {exc}")
    return path



def test_dot_to_a_null_device_keeps_the_device(tmp_path, capsys):
    dev = _device(tmp_path, "null", 3)
    (tmp_path / "keep.txt").write_text("mine")
    assert main(["graph", "du2019.thm4.1", "--dot", str(dev)]) == 0
    assert stat.S_ISCHR(os.lstat(dev).st_mode) and os.major(os.lstat(dev).st_rdev) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt", "null"]
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_table_to_a_full_device_is_one_line_and_the_device_stays(tmp_path, capsys):
    dev = _device(tmp_path, "full", 7)
    rc = main(["table", "--n", "1e3", "-o", str(dev)])
    err = _one_line(capsys, rc)
    assert "No space left" in err and str(dev) in err
    assert stat.S_ISCHR(os.lstat(dev).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["full"]  # no temporary file either


def test_write_to_a_fifo_goes_through_the_pipe(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_text(fifo, "through the pipe\n")
    reader.join(timeout=60)
    assert got == [b"through the pipe\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def test_file_set_member_on_a_device_is_written_in_place(tmp_path):
    dev = _device(tmp_path, "null", 3)
    with FileSet() as fs:
        fs.write_text(tmp_path / "a.json", "{}")
        fs.write_text(dev, "discarded")
    assert (tmp_path / "a.json").read_text() == "{}"
    assert stat.S_ISCHR(os.lstat(dev).st_mode)


def test_symlink_is_followed_and_stays_a_link(tmp_path, capsys):
    real = tmp_path / "real" / "t.txt"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    assert main(["table", "--n", "1e3", "-o", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert "n" in real.read_text() and real.read_text() != "old"
    assert sorted(p.name for p in real.parent.iterdir()) == ["t.txt"]


def test_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "made.txt")
    write_text(link, "new")
    assert link.is_symlink() and (tmp_path / "made.txt").read_text() == "new"


def test_symlink_loop_is_an_error_and_nothing_is_replaced(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(OSError) as info:
        write_text(a, "x")
    assert info.value.errno == errno.ELOOP
    assert a.is_symlink() and b.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]


def test_directory_target_is_one_line_and_its_files_survive(tmp_path, capsys):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "mine.txt").write_text("mine")
    rc = main(["graph", "du2019.thm4.1", "--dot", str(folder)])
    assert "Is a directory" in _one_line(capsys, rc)
    assert (folder / "mine.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_symlink_to_a_directory_is_one_line(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "l").symlink_to(tmp_path / "d")
    with pytest.raises(IsADirectoryError):
        write_text(tmp_path / "l", "x")
    assert (tmp_path / "l").is_symlink() and not list((tmp_path / "d").iterdir())


KILLED_WRITER = """
import os, sys, time
from prooftools.atomic import FileSet
fs = FileSet()
fs.write_text(sys.argv[1], "half-way")
print("staged", flush=True)
time.sleep(600)
"""


def test_temporary_file_of_a_killed_writer_is_removed_by_the_next_write(tmp_path):
    target = tmp_path / "t.txt"
    target.write_text("old")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(target)], env=env,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "staged"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    stale = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(stale) == 1 and stale[0].startswith(f".t.txt.{proc.pid}.")
    (tmp_path / f".other.txt.{proc.pid}.x.tmp").write_text("another target's")
    write_text(target, "new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".other.txt.{proc.pid}.x.tmp",
                                                         "t.txt"]


def test_temporary_file_of_a_live_writer_is_left_alone(tmp_path):
    target = tmp_path / "t.txt"
    live = tmp_path / f".t.txt.{os.getppid()}.abc.tmp"  # our parent runs: a writer at work
    live.write_text("being written")
    write_text(target, "new")
    assert live.read_text() == "being written" and target.read_text() == "new"


def test_own_files_replace_a_planted_symlink_instead_of_writing_through(tmp_path):
    """A sweep row or cache entry path holding a symlink to the user's file: the link is
    replaced, the user's file is never overwritten."""
    victim = tmp_path / "bashrc"
    victim.write_text("the user's file")
    entry = tmp_path / "entry.json"
    entry.symlink_to(victim)
    write_text(entry, "{}", own=True)
    assert victim.read_text() == "the user's file"
    assert entry.is_file() and not entry.is_symlink() and entry.read_text() == "{}"


DEV_STDOUT = """
import sys
from prooftools.cli import main
raise SystemExit(main(["graph", "du2019.thm4.1", "--dot", "/dev/stdout"]))
"""


@pytest.mark.parametrize("redirect", [">", ">>"])
def test_dot_to_dev_stdout_goes_where_the_shell_redirect_says(tmp_path, redirect):
    """`--dot /dev/stdout > out` and `>> out`: written through our own descriptor, so the shell's
    file is neither replaced (its earlier lines survive `>>`) nor overwritten by our text."""
    out = tmp_path / "out.txt"
    out.write_text("the user's earlier line\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = f'"{sys.executable}" -c \'{DEV_STDOUT}\' {redirect} "{out}"'
    done = subprocess.run(["/bin/sh", "-c", cmd], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert text.count('strict digraph "proof"') == 1
    assert "du2019.thm4.1" in text  # the text report and the DOT graph, both whole
    assert text.startswith("the user's earlier line\n") == (redirect == ">>")
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_dot_to_dev_stdout_through_a_pipe(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", DEV_STDOUT], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count('strict digraph "proof"') == 1 and "du2019.thm4.1" in done.stdout
