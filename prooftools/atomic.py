"""Atomic, non-destructive file writes: every writer of the package goes through here.

A file is written to a temporary file in the same folder, flushed to disk, and renamed over its
target, so a reader sees the old file or the new one, never a truncated mix; a failure (full
disk, Ctrl-C, a plotting error) removes the temporary file and leaves the previous file intact.
:class:`FileSet` does the same for several files that belong together (a replication's figures
and JSON): nothing is renamed until every member is written, and the renames run with SIGINT
and SIGTERM held back, so the set is all new or all old. (Only SIGKILL or a power cut in the
microseconds between two renames can still mix them.)

Targets that are not regular files: a symlink is followed (its target is written atomically and
the link stays); a device node, FIFO or socket (``/dev/null``, a named pipe) is opened and
written directly, as a shell redirect would, and never replaced; ``/dev/stdout`` and other
links to one of our open descriptors are written through that descriptor (after what Python
buffers for it); a directory is an ``IsADirectoryError``. Temporary files are named
``.NAME.PID.XXXX.tmp``; one left behind by a killed process (its PID no longer runs) is removed
by the next write of the same target.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> write_text(d / "a.txt", "hello")
>>> (d / "a.txt").read_text()
'hello'
>>> with FileSet() as fs:
...     _ = fs.write_text(d / "b.txt", "one")
...     _ = fs.write_json(d / "c.json", {"x": float("nan")})
>>> sorted(p.name for p in d.iterdir()), (d / "c.json").read_text()
(['a.txt', 'b.txt', 'c.json'], '{"x": null}')
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import math
import os
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

__all__ = ["FileSet", "json_safe", "save_figure", "write_bytes", "write_json", "write_text"]


def json_safe(obj: Any) -> Any:
    """``obj`` with every NaN/±inf float replaced by None (JSON has no such numbers).

    >>> json_safe({"a": [1.0, float("inf")], "b": float("nan")})
    {'a': [1.0, None], 'b': None}
    """
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    item = getattr(obj, "item", None)  # numpy scalars
    if callable(item) and getattr(obj, "shape", None) == ():
        return json_safe(item())
    return obj


def dumps(obj: Any, **kwargs) -> str:
    """``json.dumps`` that never writes NaN or Infinity (they become null)."""
    return json.dumps(json_safe(obj), allow_nan=False, **kwargs)


def _mode_for(target: Path) -> int:
    """Keep an existing file's permissions; a new file gets 0o666 minus the umask."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _resolve(target: Path) -> tuple[Path, bool]:
    """``(path to write, special)``: a symlink is followed; ``special`` is True for a device node,
    FIFO or socket (written in place); a directory or a symlink loop is an error."""
    if target.is_symlink():
        if _open_descriptor(target):
            return target, True  # /dev/stdout → /proc/self/fd/1: the open descriptor, in place
        real = Path(os.path.realpath(target))
        if real.is_symlink():
            raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(target))
        target = real
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return target, False
    except OSError as exc:
        raise _named(exc, target) from None
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
    return target, not stat.S_ISREG(mode)


def _open_descriptor(path: Path) -> bool:
    """Whether the chain of symlinks from ``path`` passes through a process's open descriptor
    (``/dev/stdout`` → ``/proc/self/fd/1``): then the descriptor is written, not the file
    behind it (which a shell's ``>>`` or the terminal owns)."""
    return _descriptor_hop(path) is not None


def _descriptor_hop(path: Path) -> Path | None:
    """The ``/proc/…/fd/N`` or ``/dev/fd/N`` link on the chain from ``path``, if any."""
    for _ in range(40):
        if path.parts[:2] == ("/", "proc") or path.parts[:3] == ("/", "dev", "fd"):
            return path
        try:
            path = path.parent / os.readlink(path)
        except OSError:  # not a link (or gone): the end of the chain
            return None
    return None


def _own_fd(hop: Path) -> int | None:
    """N when ``hop`` is this process's descriptor N (``/proc/self/fd/N``, ``/dev/fd/N``)."""
    parts = hop.parts
    mine = parts[:4] in (("/", "proc", "self", "fd"), ("/", "proc", str(os.getpid()), "fd")) \
        or parts[:3] == ("/", "dev", "fd")
    tail = parts[-1]
    return int(tail) if mine and tail.isdigit() and len(parts) in (4, 5) else None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def _remove_stale(target: Path) -> None:
    """Remove ``.NAME.PID.XXXX.tmp`` siblings of ``target`` whose writer no longer runs."""
    remove_stale_temporaries(target.parent, f".{target.name}.")


def remove_stale_temporaries(folder: Path, prefix: str = ".") -> None:
    """Remove the temporary files (``.NAME.PID.XXXX.tmp``, names starting with ``prefix``) in
    ``folder`` whose writer no longer runs: what a killed write left (a sweep store calls this
    when it opens; a live writer's file is never touched)."""
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if not (name.startswith(prefix) and name.endswith(".tmp")):
                continue
            parts = name[:-4].rsplit(".", 2)  # [.NAME, PID, XXXX]
            pid = parts[1] if len(parts) == 3 else ""
            if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)) \
                    and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _temp_for(target: Path) -> tuple[int, Path]:
    _remove_stale(target)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}.",
                                suffix=".tmp")
    return fd, Path(name)


def _named(exc: OSError, target: Path) -> OSError:
    """The same error, naming the file the user asked for (not our temporary file)."""
    return type(exc)(exc.errno, exc.strerror or str(exc), str(target))


#: What a pending write holds: a whole temporary sibling (renamed on commit), or for a device
#: node or FIFO the bytes themselves (written in place on commit).
_Staged = Path | bytes


def _fill(target: Path, fill: Callable[[BinaryIO], None],
          own: bool = False) -> tuple[_Staged, Path]:
    """Stage ``target``'s new content written by ``fill``; returns (staged, path to write).
    ``own``: the path is the package's own file; whatever is there is replaced, never followed."""
    target, special = (Path(target), False) if own else _resolve(Path(target))
    if special:
        buf = io.BytesIO()
        fill(buf)
        return buf.getvalue(), target
    try:
        fd, tmp = _temp_for(target)
    except OSError as exc:
        raise _named(exc, target) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fill(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode_for(target))
    except BaseException as exc:  # KeyboardInterrupt too: never leave a temporary file behind
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno is not None:
            raise _named(exc, target) from None
        raise
    return tmp, target


def _write_special(data: bytes, target: Path) -> None:
    """Write to a device node or FIFO in place, as ``> target`` in a shell would; to one of
    this process's open descriptors (``/dev/stdout``) through that descriptor itself, after
    what Python still buffers for it, so the output lands where the shell's redirect says."""
    hop = _descriptor_hop(target)
    fd = _own_fd(hop) if hop is not None else None
    try:
        if fd is not None:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(AttributeError, OSError, ValueError):
                    stream.flush()
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            return
        with open(target, "ab" if hop is not None else "wb") as fh:
            fh.write(data)
    except OSError as exc:
        raise _named(exc, target) from None


def _sync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM back (delivered right after) while renaming a set of files."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def write_bytes(path: str | Path, data: bytes, *, own: bool = False) -> None:
    """Write ``data`` to ``path`` atomically (the old file stays until the new one is whole).

    ``own=True`` for the package's own files in folders others may write (sweep rows, cache
    entries): a symlink, FIFO or device node found at ``path`` is replaced by a regular file,
    never written through (a planted link must not make us overwrite the file it names).
    """
    _commit([_fill(Path(path), lambda fh: fh.write(data), own)])


def write_text(path: str | Path, text: str, encoding: str = "utf-8", *, own: bool = False) -> None:
    """Write ``text`` to ``path`` atomically."""
    write_bytes(path, text.encode(encoding), own=own)


def write_json(path: str | Path, obj: Any, *, own: bool = False, **kwargs) -> None:
    """Write ``obj`` as JSON atomically; NaN and infinities become null."""
    write_text(path, dumps(obj, **kwargs), own=own)


def _save_fig(fig: Any, path: Path, kwargs: dict) -> Callable[[BinaryIO], None]:
    fmt = path.suffix.lstrip(".").lower() or "png"
    return lambda fh: fig.savefig(fh, format=fmt, **kwargs)


def save_figure(fig: Any, path: str | Path, **kwargs) -> None:
    """``fig.savefig(path)`` atomically, the format taken from the extension."""
    _commit([_fill(Path(path), _save_fig(fig, Path(path), kwargs))])


def _commit(pairs: list[tuple[_Staged, Path]]) -> None:
    done = 0
    try:
        with _signals_held():
            for staged, target in pairs:
                if isinstance(staged, bytes):
                    _write_special(staged, target)
                else:
                    try:
                        os.replace(staged, target)
                    except OSError as exc:
                        raise _named(exc, target) from None
                done += 1
    finally:
        _discard(pairs[done:])
    for folder in {t.parent for s, t in pairs if not isinstance(s, bytes)}:
        _sync_dir(folder)


def _discard(pairs: list[tuple[_Staged, Path]]) -> None:
    for staged, _ in pairs:
        if not isinstance(staged, bytes):
            with contextlib.suppress(OSError):
                os.unlink(staged)


class FileSet:
    """Several files replaced all together or not at all.

    Members are written to temporary files as they are added; leaving the ``with`` block
    normally renames them all into place, an exception (or Ctrl-C) removes them and leaves
    every previous file as it was.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[_Staged, Path]] = []

    def __enter__(self) -> FileSet:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            pending, self._pending = self._pending, []
            _commit(pending)
        else:
            self.discard()

    def discard(self) -> None:
        """Remove the temporary files written so far."""
        _discard(self._pending)
        self._pending = []

    def _add(self, path: str | Path, fill: Callable[[BinaryIO], None]) -> str:
        target = Path(path)
        staged, real = _fill(target, fill)
        if any(t == real for _, t in self._pending):
            _discard([(staged, real)])
            raise ValueError(f"{target} is written twice in one file set")
        self._pending.append((staged, real))
        return str(target)

    def write_bytes(self, path: str | Path, data: bytes) -> str:
        """Add ``path`` with ``data``; returns the path."""
        return self._add(path, lambda fh: fh.write(data))

    def write_text(self, path: str | Path, text: str, encoding: str = "utf-8") -> str:
        """Add ``path`` with ``text``."""
        return self.write_bytes(path, text.encode(encoding))

    def write_json(self, path: str | Path, obj: Any, **kwargs) -> str:
        """Add ``path`` with ``obj`` as JSON (NaN and infinities become null)."""
        return self.write_text(path, dumps(obj, **kwargs))

    def save_figure(self, fig: Any, path: str | Path, **kwargs) -> str:
        """Add ``path`` with ``fig`` saved in the format of its extension."""
        return self._add(path, _save_fig(fig, Path(path), kwargs))
