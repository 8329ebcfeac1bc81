"""Products and norms at the speed their size allows: BLAS for large arrays, numpy's
loops for small; the Euclidean norm, safe from overflow.

BLAS's threads save little on a few thousand entries, and on a busy machine their
hand-offs cost far more than the arithmetic; numpy's own loops (`numpy.einsum`) do not
hand off. Each function here picks one by the number of entries, `BLAS_ENTRIES`.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "BLAS_ENTRIES",
    "SUM_BLOCK",
    "column_sums",
    "eigh",
    "gram",
    "matvec",
    "norm",
    "ones",
    "tdot",
    "vdot",
]

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


#: Rows per block of `column_sums`: few, as a block's worst-case rounding γ_b bounds the
#: means that the closed form's certificate centres on (`linreg.raw_refinement`); at
#: 4096 rows that bound, times κ, outweighed the rest of it and cost a second pass.
SUM_BLOCK = 1 << 7


def column_sums(M: FloatArray) -> FloatArray:
    """The sums of M's columns, each within γ_b·Σ|Mᵢⱼ| + u|sum| (b = `SUM_BLOCK`, γ_b =
    bu/(1 − bu)): each column in blocks of b rows, a block summed by numpy in any order
    (within γ_b), the blocks' sums added exactly (`math.fsum`) and rounded once.

    Examples
    --------
    >>> column_sums(np.array([[1e16, 1.0], [1.0, 2.0], [-1e16, 3.0]])).tolist()
    [0.0, 6.0]
    """
    n, p = M.shape
    whole = n - n % SUM_BLOCK
    sums = np.empty(p)
    for j in range(p):
        column = M[:, j]
        blocks = column[:whole].reshape(-1, SUM_BLOCK).sum(axis=1)
        sums[j] = math.fsum([*blocks.tolist(), float(column[whole:].sum())])
    return sums


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


#: A sum of squares strictly between these was formed without overflow, and what
#: underflowed in it is below 2⁻¹²² of it: its square root is the norm, to rounding.
_PLAIN_SQUARES = (2.0**-900, 2.0**900)
#: `norm`'s vectors of up to 4 entries with every entry 0 or within these skip the error
#: state: no square or sum of them can overflow or underflow.
_FEW = {(1,), (2,), (3,), (4,)}
_SAFE_LOW, _SAFE_HIGH = 2.0**-400, 2.0**400


def _plain(v: FloatArray) -> bool:
    """float64 entries, each 0 or within 2^±400."""
    return v.dtype == np.float64 and all(
        _SAFE_LOW < abs(e) < _SAFE_HIGH or e == 0.0 for e in v.tolist()
    )


def norm(v: npt.ArrayLike, axis: int | None = None) -> Any:
    """The Euclidean norm, scaled first where squares of 1e154 and more would overflow
    (or squares of 1e-154 and less underflow)."""
    if axis is None and type(v) is np.ndarray and v.shape in _FEW and _plain(v):
        # A few entries, each 0 or within 2^±400: their squares and sum raise no flag, so
        # numpy's error state (entered below, a microsecond) cannot change the answer.
        squares = float(v.ravel() @ v.ravel())
        if _PLAIN_SQUARES[0] < squares:  # (and below 2^803 < 2^900)
            return math.sqrt(squares)
    values = np.asarray(v, dtype=np.float64)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        squares = np.einsum("...i,...i->...", values, values) if axis is not None else float(
            values.ravel() @ values.ravel())  # fmt: skip
    low, high = _PLAIN_SQUARES
    if axis is None and low < squares < high:
        return math.sqrt(squares)
    if axis is not None and values.ndim == 2 and axis in (1, -1):
        plain = np.asarray((squares > low) & (squares < high))
        if plain.all():
            return np.sqrt(squares)
    top = np.max(np.abs(values), axis=axis, keepdims=True, initial=0.0)
    safe = np.where((top > 0) & np.isfinite(top), top, 1.0)
    with np.errstate(under="ignore"):
        scaled = np.sqrt(np.sum((values / safe) ** 2, axis=axis, keepdims=True))
    result = np.where(np.isfinite(top), scaled * safe, top)
    return float(result.reshape(())) if axis is None else np.squeeze(result, axis=axis)


def eigh(matrix: FloatArray) -> tuple[FloatArray, FloatArray]:
    """`numpy.linalg.eigh` of a symmetric matrix: eigenvalues ascending, eigenvectors as
    columns. A 1×1 one is answered as LAPACK answers it (its entry, and the vector 1),
    bit for bit, without the microseconds of numpy's checks and calls around it; one up
    to 4×4 with finite entries goes straight to numpy's own LAPACK call, the same bytes.

    Examples
    --------
    >>> eigh(np.array([[3.0]]))
    (array([3.]), array([[1.]]))
    """
    if matrix.shape == (1, 1):
        return matrix.reshape(1).astype(np.float64), np.ones((1, 1))
    if _SMALL_SQUARE.get(matrix.shape) and matrix.dtype == np.float64:
        # numpy.linalg.eigh's own LAPACK call, without its checks and error-state context
        # (microseconds, twice a fit). On finite entries that call clears the flags it
        # raised unless it failed, and a failure fills its answer with NaN: any NaN (or a
        # flag the caller's error state raises) is handed to numpy.linalg.eigh, which
        # decides as it always did.
        entries = matrix.ravel().tolist()
        if all(map(math.isfinite, entries)):
            try:
                values, vectors = _EIGH_LO(matrix)
            except FloatingPointError:
                pass
            else:
                found = values.tolist() + vectors.ravel().tolist()
                if not any(map(math.isnan, found)):
                    return values, vectors
    values, vectors = np.linalg.eigh(matrix)
    return values, vectors


#: The gufunc `numpy.linalg.eigh` calls for a float64 matrix (UPLO="L").
_EIGH_LO: Any = np.linalg._umath_linalg.eigh_lo
#: The shapes `eigh` hands straight to that gufunc: up to 4×4 (the checks cost more
#: than the call; larger ones go through numpy.linalg.eigh).
_SMALL_SQUARE = {(d, d): True for d in range(2, 5)}
