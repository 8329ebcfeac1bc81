"""Products at the speed their size allows: BLAS for large arrays, numpy's loops for small.

BLAS's threads save little on a few thousand entries, and on a busy machine their
hand-offs cost far more than the arithmetic; numpy's own loops (`numpy.einsum`) do not
hand off. Each function here picks one by the number of entries, `BLAS_ENTRIES`.
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt

__all__ = ["BLAS_ENTRIES", "gram", "matvec", "ones", "tdot", "vdot"]

FloatArray = npt.NDArray[np.float64]

#: Up to this many entries, products are formed by numpy's own loops rather than BLAS.
BLAS_ENTRIES = 1 << 20


def tdot(M: FloatArray, v: FloatArray) -> FloatArray:
    """Mᵀv."""
    return M.T @ v if M.size > BLAS_ENTRIES else np.einsum("ij,i->j", M, v)


def matvec(M: FloatArray, c: FloatArray) -> FloatArray:
    """M c."""
    return M @ c if M.size > BLAS_ENTRIES else np.einsum("ij,j->i", M, c)


def gram(M: FloatArray) -> FloatArray:
    """MᵀM."""
    return M.T @ M if M.size > BLAS_ENTRIES else np.einsum("ij,ik->jk", M, M)


def vdot(a: FloatArray, b: FloatArray) -> float:
    """aᵀb for vectors."""
    return float(a @ b if a.size > BLAS_ENTRIES else np.einsum("i,i->", a, b))


@functools.lru_cache(maxsize=2)
def ones(n: int) -> FloatArray:
    """A read-only vector of n ones, kept: column sums by BLAS without a fresh allocation.

    Examples
    --------
    >>> ones(3).tolist(), ones(3).flags.writeable
    ([1.0, 1.0, 1.0], False)
    """
    vector = np.ones(n)
    vector.flags.writeable = False
    return vector
