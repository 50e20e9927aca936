"""Where prooftools keeps its on-disk caches (data quantities, hidden exponents).

>>> import os
>>> default_cache_dir() == __import__("pathlib").Path(os.environ["PROOFTOOLS_CACHE_DIR"])
True
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

__all__ = ["default_cache_dir", "package_version", "write_entry"]


def default_cache_dir() -> Path:
    """``$PROOFTOOLS_CACHE_DIR``, else ``$XDG_CACHE_HOME/prooftools``, else
    ``~/.cache/prooftools``."""
    env = os.environ.get("PROOFTOOLS_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "prooftools"


def write_entry(target: Path, text: str, max_bytes: int) -> bool:
    """Write one cache entry atomically (a planted link or FIFO is replaced, not written
    through); False, writing nothing, when it is larger than ``max_bytes`` or the folder is not
    writable — a cache is an optimisation, never a failure."""
    from prooftools.atomic import write_text

    if len(text) > max_bytes:
        return False
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_text(target, text, own=True)
    except OSError:
        return False
    return True


@lru_cache(maxsize=1)
def package_version() -> str:
    """The installed prooftools version (part of every cache key)."""
    from importlib import metadata

    try:
        return metadata.version("prooftools")
    except metadata.PackageNotFoundError:
        return "0+unversioned"
