"""Where prooftools keeps its on-disk caches (data quantities, hidden exponents).

>>> import os
>>> default_cache_dir() == __import__("pathlib").Path(os.environ["PROOFTOOLS_CACHE_DIR"])
True
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

__all__ = ["default_cache_dir", "package_version"]


def default_cache_dir() -> Path:
    """``$PROOFTOOLS_CACHE_DIR``, else ``$XDG_CACHE_HOME/prooftools``, else
    ``~/.cache/prooftools``."""
    env = os.environ.get("PROOFTOOLS_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "prooftools"


@lru_cache(maxsize=1)
def package_version() -> str:
    """The installed prooftools version (part of every cache key)."""
    from importlib import metadata

    try:
        return metadata.version("prooftools")
    except metadata.PackageNotFoundError:
        return "0+unversioned"
