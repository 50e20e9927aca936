"""An on-disk cache of the expensive data quantities (λ0 with its certificate, separations, …).

Measuring λ0 on a few thousand points forms, factorises and certifies an n×n kernel; the
second ``prooftools check`` on the same data should not pay that again. Each cached quantity is
one small JSON file (its value, proven bounds, witness and note: well under a kilobyte, at most
:data:`MAX_ENTRY_BYTES`); no n×n matrix is ever stored, so the cache's size is bounded by the
number of distinct (data, normalization, quantity) triples a user has checked.

Key: sha256 of the cache format, the prooftools version, the normalized data (bytes, shape and
dtype of X and y), the normalization's name, the quantity's name and the parameters it depends
on (``fast``/``certify`` for certificates, the depth and NTK normalization for ``lambda_ntk``).
Changing one data value, the normalization or a parameter therefore misses the cache. Entries
are written atomically (:mod:`prooftools.atomic`), so concurrent writers leave one whole entry.
An entry is read as data anyone may have changed (:func:`prooftools.jsonread.read_json`:
regular files only, size and depth capped) and used only when its checksum (sha256 over its
key, name and content) matches, its proven bounds enclose its value (lower ≤ value ≤ upper) and
its value is finite where the quantity must be; anything else (truncated, edited by hand,
another format) is ignored and recomputed. The checksum catches accidents and hand edits, not
a forger: anyone who can write the cache folder can change results (``--no-cache`` recomputes).
A quantity that could not be computed (NaN: e.g. the kernel did not fit in memory) is never
stored. Location: ``$PROOFTOOLS_CACHE_DIR``, else ``$XDG_CACHE_HOME/prooftools``, else
``~/.cache/prooftools``.

>>> from prooftools.numerics.data.datasets import load_dataset
>>> cache = QuantityCache()  # $PROOFTOOLS_CACHE_DIR (the tests point it at a fresh folder)
>>> ds = load_dataset("sphere:n=20,d=4")
>>> first, hits = measure_cached(ds, "unit_norm", {"sep"}, cache=cache)
>>> again, hits = measure_cached(ds, "unit_norm", {"sep"}, cache=cache)
>>> hits, again["sep"] == first["sep"]
(['sep'], True)
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from prooftools.cachedir import default_cache_dir, package_version, write_entry
from prooftools.jsonread import BadFile, read_json
from prooftools.numerics.data import quantities
from prooftools.numerics.data.datasets import Dataset
from prooftools.numerics.quantity import Quantity

__all__ = ["CACHED_NAMES", "QuantityCache", "data_digest", "default_cache_dir", "measure_cached"]

#: bump when the key or the entry layout changes: old entries are then simply never read
CACHE_FORMAT = 2
#: an entry larger than this is not written (a note cannot grow without bound)
MAX_ENTRY_BYTES = 64 * 1024
#: the quantities worth caching: each costs a kernel, a pairwise scan or an SVD
CACHED_NAMES = frozenset({
    "sep", "phi", "nonpar", "sigma_min_X", "x_sigma_min_smaller_side", "rank_X", "x_rank_XXt",
    "x_rank_YXt", "lambda0", "ar_complexity", "lambda_ntk",
})
#: the order of the quantities in every result, cached or not (so output does not depend on
#: which numbers came from the cache)
ORDER = ("n", "d", "norm_min", "norm_max", "y_max", "last_coord", "x_label_classes", "sep",
         "phi", "nonpar", "x_sigma_min_smaller_side", "sigma_min_X", "rank_X", "x_rank_XXt",
         "x_rank_YXt", "lambda0", "ar_complexity", "lambda_ntk")
_FIELDS = ("value", "lower", "upper", "witness", "note")
#: cached quantities whose value is finite whenever it is stored (ar_complexity = yᵀH⁻¹y may be
#: infinite)
MUST_BE_FINITE = CACHED_NAMES - {"ar_complexity"}


def _version() -> str:
    return package_version()


def data_digest(ds: Dataset) -> str:
    """sha256 of the (already normalized) inputs and labels: bytes, shape and dtype of each.

    >>> from prooftools.numerics.data.datasets import make_dataset
    >>> a = data_digest(make_dataset([[1.0, 0.0], [0.0, 1.0]], [1.0, 0.0], name="a"))
    >>> b = data_digest(make_dataset([[1.0, 0.0], [0.0, 1.0]], [1.0, 0.0], name="b"))
    >>> c = data_digest(make_dataset([[1.0, 1e-300], [0.0, 1.0]], [1.0, 0.0], name="a"))
    >>> a == b, a == c
    (True, False)
    """
    h = hashlib.sha256()
    for arr in (ds.X, ds.y):
        h.update(f"{arr.dtype.str}{arr.shape}".encode())
        step = max(1, (8 << 20) // max(arr[:1].nbytes, 1))  # ≈ 8 MiB of rows at a time: no copy
        for i in range(0, max(arr.shape[0], 1), step):  # of the whole array is ever made
            h.update(np.ascontiguousarray(arr[i:i + step]).tobytes())
    return h.hexdigest()


def _params(name: str, *, depth, fast, certify, ntk_normalization, scheduler) -> dict:
    """The parameters a quantity's value depends on (part of its key)."""
    out: dict[str, object] = {"certify": bool(certify)}
    if name in ("lambda0", "ar_complexity", "lambda_ntk"):
        out["fast"] = bool(fast)
    if name in ("lambda0", "ar_complexity"):
        out["cluster"] = bool(scheduler)
    if name == "lambda_ntk":
        out["depth"], out["ntk_normalization"] = depth, str(ntk_normalization).lower()
    return out


def _encode(v):
    if isinstance(v, float) and not math.isfinite(v):
        return {"float": repr(v)}  # 'nan', 'inf', '-inf': JSON has no such numbers
    return v


def _decode(v):
    if isinstance(v, dict):
        return float(v["float"])
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError(f"not a number: {v!r}")
    return float(v)


def _checksum(key: str, name: str, fields: Any) -> str:
    """sha256 over the entry's key, name and content (canonical JSON)."""
    blob = json.dumps([key, name, fields], sort_keys=True, allow_nan=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _consistent(name: str, q: Quantity) -> bool:
    """A float value, finite where the quantity must be, inside its own proven bounds."""
    v = q.value
    if not isinstance(v, float) or math.isnan(v):
        return False
    if name in MUST_BE_FINITE and not math.isfinite(v):
        return False
    for bound in (q.lower, q.upper):
        if bound is not None and (not isinstance(bound, float) or math.isnan(bound)):
            return False
    return (q.lower is None or q.lower <= v) and (q.upper is None or v <= q.upper)


class QuantityCache:
    """One folder of cached quantities; ``get`` and ``put`` never raise on a bad entry."""

    def __init__(self, folder: str | Path | None = None):
        self.folder = Path(folder) if folder is not None else default_cache_dir()

    def key(self, digest: str, normalization: str, name: str, params: dict) -> str:
        """The entry's sha256 key (see the module docstring for what goes in)."""
        blob = json.dumps([CACHE_FORMAT, _version(), digest, normalization, name, params],
                          sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    def path(self, key: str) -> Path:
        """Where the entry of ``key`` lives."""
        return self.folder / f"quantities-v{CACHE_FORMAT}" / key[:2] / f"{key}.json"

    def get(self, key: str, name: str) -> Quantity | None:
        """The cached quantity, or None when absent, unreadable, edited or inconsistent (then it
        is recomputed)."""
        try:
            entry = read_json(self.path(key), max_bytes=MAX_ENTRY_BYTES, max_depth=8)
        except BadFile:
            return None
        try:
            if entry.get("format") != CACHE_FORMAT or entry.get("name") != name:
                return None
            fields = entry["quantity"]
            if entry.get("checksum") != _checksum(key, name, fields):
                return None
            q = Quantity(**{f: _decode(fields.get(f)) for f in _FIELDS})
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        return q if _consistent(name, q) else None

    def put(self, key: str, name: str, q: Quantity) -> bool:
        """Store ``q`` atomically; False (nothing written) when it is NaN or outside its own
        bounds (what :meth:`get` would refuse), too large, or the
        folder is not writable — the cache is an optimisation, never a failure."""
        if not _consistent(name, q):  # NaN, or bounds that do not enclose the value
            return False
        fields = {f: _encode(getattr(q, f)) for f in _FIELDS}
        entry = {"format": CACHE_FORMAT, "name": name, "quantity": fields,
                 "checksum": _checksum(key, name, fields)}
        text = json.dumps(entry, allow_nan=False)  # ASCII: any note encodes
        return write_entry(self.path(key), text, MAX_ENTRY_BYTES)


def _ordered(qs: dict[str, Quantity]) -> dict[str, Quantity]:
    return {**{k: qs[k] for k in ORDER if k in qs}, **{k: v for k, v in qs.items()
                                                      if k not in ORDER}}


def measure_cached(
    ds: Dataset,
    normalization: str,
    names: Iterable[str],
    *,
    cache: QuantityCache | None,
    depth: int | None = None,
    fast: bool = False,
    certify: bool = True,
    ntk_normalization: str = "he",
    scheduler: str | None = None,
    progress: bool | None = None,
) -> tuple[dict[str, Quantity], list[str]]:
    """:func:`~prooftools.numerics.data.quantities.measure` of ``names`` on ``ds`` (already
    normalized as ``normalization`` says), reading and filling ``cache`` (None: no cache).
    Returns the quantities (always in the same order) and the names read from the cache."""
    wanted = set(names)
    kw = {"depth": depth, "fast": fast, "certify": certify,
          "ntk_normalization": ntk_normalization, "scheduler": scheduler}
    hits: dict[str, Quantity] = {}
    keys: dict[str, str] = {}
    if cache is not None:
        digest = data_digest(ds)
        for name in sorted(wanted & CACHED_NAMES):
            keys[name] = cache.key(digest, normalization, name, _params(name, **kw))
            q = cache.get(keys[name], name)
            if q is not None:
                hits[name] = q
    rest = wanted - set(hits)
    qs = quantities.measure(ds, names=lambda s: s in rest, progress=progress, **kw)
    for name, key in keys.items():
        if name not in hits and name in qs:
            cache.put(key, name, qs[name])  # type: ignore[union-attr]
    qs.update(hits)
    return _ordered(qs), sorted(hits)
