"""In-place blocked Cholesky (right-looking, upper: A = UᵀU) of an F-ordered matrix, panel by
panel, through scipy's Cython LAPACK/BLAS with a leading dimension (so no panel is copied).

Why not one LAPACK ``potrf`` call: it gives no progress, and with two or more threads the
OpenBLAS bundled with scipy (0.3.30, 32-bit integers) *and* the ILP64 one bundled with numpy
(0.3.31, ``scipy_dpotrf_64_``) both die with SIGSEGV at n = 20000 (measured here). The crash is in
the threaded ``dsyrk`` that ``dpotrf_U_parallel`` calls for the trailing update (backtrace:
``dsyrk_thread_UT → inner_thread → dgemm_oncopy``), the same trace as OpenBLAS issue #2821
("segfault in dsyrk_thread_UT"). It is not an integer overflow (64-bit integers crash alike) but
a buffer overrun: in ``driver/level3/level3_syrk_threaded.c`` each thread packs its *whole*
column range (a share of N) times up to GEMM_Q rows of the operand into its fixed-size work
buffer ``sb``, with no cap on N. Alone, threaded ``dsyrk('U', 'T')`` crashed at N = 16000 with
K ≥ 1024 and at N = 20000 with K = 256, and ran at N = 15000, K = 2048 and N = 16000, K = 256 —
the packed size N·min(K, GEMM_Q), not N·K, so smaller panels (K) do not avoid it; one thread
(the unthreaded driver) never crashed.

So the trailing update A22 −= U12ᵀU12 is done in column chunks of ``chunk`` (4096) columns: the
diagonal block of each chunk by ``dsyrk`` (N = chunk) and the block above it by ``dgemm`` — every
BLAS call packs at most ``chunk`` columns, whatever n, and runs with all threads (at n = 12000,
2 threads: 127 GFLOP/s against 109 for LAPACK's single call). Any blocking of Cholesky is still a
Cholesky with inner products summed in some order, so the backward-error bound of Higham 2002
Thm 10.3 (and the certificate built on it) holds unchanged.

:func:`potrf_upper_at` takes a raw address and a leading dimension, in float64 or float32:
the certificate factors a float32 copy of the matrix *inside* the unused triangle of its own
float64 buffer (a float32 column of j + 1 entries fits in the j + 1 doubles there; ld = 2n floats
puts column j where the double column starts), for its estimate only; solves with it are in
:mod:`prooftools.numerics.spectra.trisolve`.
"""

from __future__ import annotations

import ctypes

import numpy as np

__all__ = ["AVAILABLE", "blocked_potrf_upper", "potrf_upper_at"]

_P = ctypes.POINTER
_c, _i, _d = ctypes.c_char_p, _P(ctypes.c_int), ctypes.c_void_p
#: columns per BLAS call in the trailing update (keeps OpenBLAS's threaded packing bounded)
CHUNK = 4096


def _load(module, name, argtypes):
    cap = module.__pyx_capi__[name]
    get_name = ctypes.pythonapi.PyCapsule_GetName
    get_name.restype, get_name.argtypes = ctypes.c_char_p, [ctypes.py_object]
    get_ptr = ctypes.pythonapi.PyCapsule_GetPointer
    get_ptr.restype, get_ptr.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    return ctypes.CFUNCTYPE(None, *argtypes)(get_ptr(cap, get_name(cap)))


_FUN: dict[str, dict] = {}
try:
    from scipy.linalg import cython_blas, cython_lapack

    for _p in "ds":
        _FUN[_p] = {
            "potrf": _load(cython_lapack, _p + "potrf", [_c, _i, _d, _i, _i]),
            "trsm": _load(cython_blas, _p + "trsm", [_c, _c, _c, _c, _i, _i, _d, _d, _i, _d, _i]),
            "syrk": _load(cython_blas, _p + "syrk", [_c, _c, _i, _i, _d, _d, _i, _d, _d, _i]),
            "gemm": _load(cython_blas, _p + "gemm",
                          [_c, _c, _i, _i, _i, _d, _d, _i, _d, _i, _d, _d, _i]),
        }
    AVAILABLE = True
except (ImportError, KeyError, AttributeError, ValueError):  # pragma: no cover
    AVAILABLE = False


def _int(v: int):
    return ctypes.byref(ctypes.c_int(v))


def _scalar(v: float, single: bool):
    x = ctypes.c_float(v) if single else ctypes.c_double(v)
    return ctypes.cast(ctypes.pointer(x), ctypes.c_void_p)


def blocked_potrf_upper(A: np.ndarray, panel: int = 1024, progress=None,
                        chunk: int = CHUNK) -> int:
    """Factor the F-contiguous symmetric A in place (upper triangle read and overwritten by U,
    the strict lower triangle untouched, as LAPACK ``potrf`` with ``uplo='U'``). Returns LAPACK's
    info: 0 on success, k > 0 when the leading minor of order k is not positive definite.
    ``progress``: an object with ``update(fraction)`` called after each panel.

    >>> A = np.asfortranarray(np.array([[4.0, 2.0], [2.0, 5.0]]))
    >>> blocked_potrf_upper(A, panel=1), np.triu(A).tolist()
    (0, [[2.0, 1.0], [0.0, 2.0]])
    """
    n = A.shape[0]
    if A.shape != (n, n) or A.dtype != np.float64 or not A.flags.f_contiguous:
        raise ValueError("blocked_potrf_upper needs an F-contiguous float64 square array")
    return potrf_upper_at(A.ctypes.data, n, n, single=False, panel=panel, progress=progress,
                          chunk=chunk)


def potrf_upper_at(base: int, n: int, ld: int, *, single: bool, panel: int = 1024,
                   progress=None, chunk: int = CHUNK) -> int:
    """:func:`blocked_potrf_upper` on the n×n upper triangle at address ``base`` with leading
    dimension ``ld`` (in elements), float32 when ``single``. The caller keeps the memory alive."""
    if not AVAILABLE:  # pragma: no cover
        raise RuntimeError("scipy's Cython LAPACK/BLAS are not available")
    f = _FUN["s" if single else "d"]
    item = 4 if single else 8
    one, minus = _scalar(1.0, single), _scalar(-1.0, single)

    def _at(i: int, j: int):  # address of element (i, j), column-major
        return ctypes.c_void_p(base + (i + j * ld) * item)

    lda = _int(ld)
    info = ctypes.c_int(0)
    total = float(n) ** 3
    for k0 in range(0, n, panel):
        k1 = min(n, k0 + panel)
        nb, rest = k1 - k0, n - k1
        a11 = _at(k0, k0)
        f["potrf"](b"U", _int(nb), a11, lda, ctypes.byref(info))
        if info.value != 0:
            return k0 + info.value
        if rest:
            a12 = _at(k0, k1)
            # U11ᵀ U12 = A12, then A22 −= U12ᵀ U12 (upper triangle only), in column chunks
            for c0 in range(k1, n, chunk):
                c1 = min(n, c0 + chunk)
                f["trsm"](b"L", b"U", b"T", b"N", _int(nb), _int(c1 - c0), one, a11, lda,
                          _at(k0, c0), lda)
            for c0 in range(k1, n, chunk):
                c1 = min(n, c0 + chunk)
                f["syrk"](b"U", b"T", _int(c1 - c0), _int(nb), minus, _at(k0, c0), lda,
                          one, _at(c0, c0), lda)
                if c0 > k1:
                    f["gemm"](b"T", b"N", _int(c0 - k1), _int(c1 - c0), _int(nb), minus,
                              a12, lda, _at(k0, c0), lda, one, _at(k1, c0), lda)
        if progress is not None:
            progress.update(1.0 - (float(rest) ** 3) / total)
    return 0
