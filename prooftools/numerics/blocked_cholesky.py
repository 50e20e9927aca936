"""In-place blocked Cholesky (right-looking, upper: A = UᵀU) of an F-ordered matrix, panel by
panel, through scipy's Cython LAPACK/BLAS with a leading dimension (so no panel is copied).

Why: one LAPACK ``potrf`` call gives no progress and, with the multithreaded OpenBLAS bundled
here, crashed (SIGSEGV) at n = 20000; the panels' ``potrf`` are small and the work is in
``dtrsm`` and ``dsyrk`` (threaded BLAS-3). Any blocking of Cholesky is still a Cholesky with
inner products summed in some order, so the backward-error bound of Higham 2002 Thm 10.3 (and the
certificate built on it) holds unchanged.
"""

from __future__ import annotations

import ctypes

import numpy as np

__all__ = ["AVAILABLE", "blocked_potrf_upper"]

_P = ctypes.POINTER
_c, _i, _d = ctypes.c_char_p, _P(ctypes.c_int), ctypes.c_void_p


def _load(module, name, argtypes):
    cap = module.__pyx_capi__[name]
    get_name = ctypes.pythonapi.PyCapsule_GetName
    get_name.restype, get_name.argtypes = ctypes.c_char_p, [ctypes.py_object]
    get_ptr = ctypes.pythonapi.PyCapsule_GetPointer
    get_ptr.restype, get_ptr.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    return ctypes.CFUNCTYPE(None, *argtypes)(get_ptr(cap, get_name(cap)))


try:
    from scipy.linalg import cython_blas, cython_lapack

    _POTRF = _load(cython_lapack, "dpotrf", [_c, _i, _d, _i, _i])
    _TRSM = _load(cython_blas, "dtrsm", [_c, _c, _c, _c, _i, _i, _d, _d, _i, _d, _i])
    _SYRK = _load(cython_blas, "dsyrk", [_c, _c, _i, _i, _d, _d, _i, _d, _d, _i])
    AVAILABLE = True
except (ImportError, KeyError, AttributeError, ValueError):  # pragma: no cover
    AVAILABLE = False


def _int(v: int):
    return ctypes.byref(ctypes.c_int(v))


def _dbl(v: float):
    return ctypes.cast(ctypes.pointer(ctypes.c_double(v)), ctypes.c_void_p)


def blocked_potrf_upper(A: np.ndarray, panel: int = 1024, progress=None) -> int:
    """Factor the F-contiguous symmetric A in place (upper triangle read and overwritten by U,
    the strict lower triangle untouched, as LAPACK ``potrf`` with ``uplo='U'``). Returns LAPACK's
    info: 0 on success, k > 0 when the leading minor of order k is not positive definite.
    ``progress``: an object with ``update(fraction)`` called after each panel.

    >>> A = np.asfortranarray(np.array([[4.0, 2.0], [2.0, 5.0]]))
    >>> blocked_potrf_upper(A, panel=1), np.triu(A).tolist()
    (0, [[2.0, 1.0], [0.0, 2.0]])
    """
    if not AVAILABLE:  # pragma: no cover
        raise RuntimeError("scipy's Cython LAPACK/BLAS are not available")
    n = A.shape[0]
    if A.shape != (n, n) or A.dtype != np.float64 or not A.flags.f_contiguous:
        raise ValueError("blocked_potrf_upper needs an F-contiguous float64 square array")
    base, item = A.ctypes.data, 8
    lda = _int(n)
    info = ctypes.c_int(0)
    total = float(n) ** 3
    for k0 in range(0, n, panel):
        k1 = min(n, k0 + panel)
        nb, rest = k1 - k0, n - k1
        a11 = ctypes.c_void_p(base + (k0 + k0 * n) * item)
        _POTRF(b"U", _int(nb), a11, lda, ctypes.byref(info))
        if info.value != 0:
            return k0 + info.value
        if rest:
            a12 = ctypes.c_void_p(base + (k0 + k1 * n) * item)
            a22 = ctypes.c_void_p(base + (k1 + k1 * n) * item)
            # U11ᵀ U12 = A12, then A22 −= U12ᵀ U12 (upper triangle only)
            _TRSM(b"L", b"U", b"T", b"N", _int(nb), _int(rest), _dbl(1.0), a11, lda, a12, lda)
            _SYRK(b"U", b"T", _int(rest), _int(nb), _dbl(-1.0), a12, lda, _dbl(1.0), a22, lda)
        if progress is not None:
            progress.update(1.0 - (float(rest) ** 3) / total)
    return 0
