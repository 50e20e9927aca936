"""Every eigenvalue and norm of the package, in one place.

- :mod:`.certified`: certified λ_min (Cholesky certificate, in place, about the cost of one
  factorisation), σ_min, and yᵀH⁻¹y enclosed from the same factor; :mod:`.krylov` and
  :mod:`.cholesky` hold its parts (work matrix, Krylov/Lanczos estimates, rounding bounds).
- :mod:`.iterative`: uncertified spectra along a run (λ_min by evr or a certified warm start,
  spectral norms by ARPACK Lanczos).

>>> import numpy as np
>>> q = certified_lambda_min(np.diag([3.0, 1.0, 2.0]))
>>> q.lower <= 1.0 <= q.upper
True
"""

from prooftools.numerics.memory import MemoryBudgetError, available_memory, require_memory
from prooftools.numerics.spectra.certified import (
    certified_lambda_min,
    certified_lambda_min_and_quadratic,
    certified_sigma_min,
)
from prooftools.numerics.spectra.cholesky import cholesky_error_bound
from prooftools.numerics.spectra.iterative import (
    lambda_max,
    lambda_min,
    lambda_min_warm,
    one_blas_thread,
    spectral_norm,
    sym_norm2,
    sym_norm2_warm,
)

__all__ = [
    "MemoryBudgetError", "available_memory", "certified_lambda_min",
    "certified_lambda_min_and_quadratic", "certified_sigma_min", "cholesky_error_bound",
    "lambda_max", "lambda_min", "lambda_min_warm", "one_blas_thread", "require_memory",
    "spectral_norm", "sym_norm2", "sym_norm2_warm",
]
