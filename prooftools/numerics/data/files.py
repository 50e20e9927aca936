"""Dataset files read safely: the format from the first bytes, shapes and sizes checked first.

``.npy``/``.npz``/``.csv`` files are sniffed by magic bytes (not the extension), object and
complex arrays are refused, declared shapes and unpacked ``.npz`` members are checked against the
bytes stored and the memory budget before anything is read, and CSV fields are capped.
"""

from __future__ import annotations

import csv
import io
import math
import os
import zipfile

import numpy as np

from prooftools.errors import UserInputError
from prooftools.numerics.memory import require

_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
#: Largest CSV field (characters) and most members an .npz may have.
CSV_FIELD_LIMIT = 1_000
MAX_NPZ_MEMBERS = 64


def sniff_format(path: str) -> str:
    """'.npz', '.npy' or '.csv' from the first bytes of the file (not from its name).

    Anything else (gzip, HDF5, binary junk) is refused with the format it looks like.
    """
    with open(path, "rb") as fh:
        head = fh.read(512)
    if head.startswith(_NPY_MAGIC):
        return ".npy"
    if head.startswith(_ZIP_MAGIC):
        return ".npz"
    if head.startswith(b"\x1f\x8b"):
        raise UserInputError(f"{path}: a gzip-compressed file; decompress it first")
    if b"\x00" in head:
        raise UserInputError(f"{path}: a binary file that is neither .npy nor .npz")
    return ".csv"


def _check_dtype(path: str, what: str, dtype: np.dtype) -> None:
    if dtype.hasobject:
        raise UserInputError(f"{path}: {what} holds Python objects; expected numbers")
    if dtype.kind == "c":
        raise UserInputError(f"{path}: {what} is complex ({dtype}); expected real numbers "
                             "(the imaginary part would be lost)")
    if dtype.kind not in "biuf" or dtype.fields is not None:
        raise UserInputError(f"{path}: {what} has dtype {dtype}; expected real numbers")


def _npy_header(fh) -> tuple[tuple[int, ...], np.dtype]:
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
    else:
        shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
    return tuple(int(s) for s in shape), dtype


def _check_array(path: str, what: str, shape, dtype: np.dtype, stored: int | None) -> None:
    """dtype, declared size against the bytes stored and the memory budget — before reading."""
    _check_dtype(path, what, dtype)
    count = math.prod(shape)
    nbytes = count * dtype.itemsize
    if stored is not None and nbytes > stored:
        raise UserInputError(f"{path}: {what} declares shape {shape} ({nbytes} bytes) but only "
                             f"{stored} bytes are stored; the file is truncated or forged")
    require(nbytes + 2 * 8 * count, f"{path}: {what} of shape {shape}")


def _load_npz(path: str, label_column: str | None):
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise UserInputError(f"{path}: not a valid .npz archive ({exc})") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_NPZ_MEMBERS:
            raise UserInputError(f"{path}: .npz has {len(members)} members; at most "
                                 f"{MAX_NPZ_MEMBERS} are read")
        names = [m.filename[:-4] if m.filename.endswith(".npy") else m.filename for m in members]
        if "X" not in names:
            raise UserInputError(f"{path}: .npz must contain an array 'X'; found {names}")
        ykey = label_column or "y"
        if ykey not in names:
            raise UserInputError(f"{path}: .npz has no label array {ykey!r}; found {names}")
        out = []
        for key in ("X", ykey):
            info = members[names.index(key)]
            require(info.file_size, f"{path}: member {key} ({info.file_size} bytes unpacked)")
            with archive.open(info) as fh:
                head = fh.read(6)
                if head != _NPY_MAGIC:
                    raise UserInputError(f"{path}: member {key} is not a .npy array")
                rest = io.BytesIO(head + fh.read(65536 + 10))
                shape, dtype = _npy_header(rest)
            _check_array(path, f"array {key!r}", shape, dtype, info.file_size)
            with archive.open(info) as fh:
                out.append(np.lib.format.read_array(fh, allow_pickle=False))
        return out[0], out[1], []


def _load_npy(path: str, label_column: str | None):
    with open(path, "rb") as fh:
        shape, dtype = _npy_header(fh)
        stored = os.fstat(fh.fileno()).st_size - fh.tell()
        _check_array(path, "the array", shape, dtype, stored)
        fh.seek(0)
        A = np.lib.format.read_array(fh, allow_pickle=False)
    if A.ndim != 2:
        raise UserInputError(
            f"{path}: .npy must hold a 2-D array (features and a label column), got shape {A.shape}"
        )
    if label_column is not None and label_column.lower() == "none":
        return A, np.zeros(A.shape[0]), ["no labels given: y set to 0"]
    try:
        col = -1 if label_column is None else int(label_column)
    except ValueError:
        raise UserInputError(
            f"{path}: for .npy the label column is an integer index or 'none', got {label_column!r}"
        ) from None
    if not -A.shape[1] <= col < A.shape[1]:
        raise UserInputError(f"{path}: label column {col} out of range for {A.shape[1]} columns")
    if A.shape[1] < 2:
        raise UserInputError(f"{path}: .npy has one column; need features plus a label column")
    col %= A.shape[1]
    return np.delete(A, col, axis=1), A[:, col], [f"column {col} taken as the label y"]


def _load_csv(path: str, label_column: str | None):
    # the parsed numbers take ~4× the text in Python lists, then 8 bytes per number
    require(6.0 * os.path.getsize(path), f"{path}: CSV of {os.path.getsize(path)} bytes")
    old = csv.field_size_limit(CSV_FIELD_LIMIT)
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = [r for r in csv.reader(fh) if any(c.strip() for c in r)]
    except csv.Error as exc:
        raise UserInputError(f"{path}: malformed CSV ({exc}; fields are numbers of at most "
                             f"{CSV_FIELD_LIMIT} characters)") from None
    except UnicodeDecodeError:
        raise UserInputError(f"{path}: not a UTF-8 text file") from None
    finally:
        csv.field_size_limit(old)
    if not rows:
        raise UserInputError(f"{path}: the CSV file is empty; expected a header row and data rows")
    header = [h.strip() for h in rows[0]]
    body = rows[1:]
    for i, r in enumerate(body):
        if len(r) != len(header):
            raise UserInputError(
                f"{path}: line {i + 2} has {len(r)} fields but the header has {len(header)}"
            )
    if label_column is None:
        label_column = "y" if "y" in header else header[-1]
    if label_column not in header:
        raise UserInputError(
            f"{path}: no column named {label_column!r}; columns are {', '.join(header)}"
        )
    cols = []
    for j, h in enumerate(header):
        vals = []
        for i, r in enumerate(body):
            try:
                vals.append(float(r[j]))
            except ValueError:
                raise UserInputError(
                    f"{path}: column {h!r} is not numeric (line {i + 2}: {r[j]!r}); "
                    "expected numbers only"
                ) from None
        cols.append(vals)
    A = np.array(cols, dtype=np.float64).T.reshape(len(body), len(header))
    j = header.index(label_column)
    if len(header) < 2:
        raise UserInputError(f"{path}: only the label column {label_column!r}; no features")
    return np.delete(A, j, axis=1), A[:, j], [f"column {label_column!r} taken as the label y"]


FILE_LOADERS = {".npz": _load_npz, ".npy": _load_npy, ".csv": _load_csv}
