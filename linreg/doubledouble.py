r"""Error-free transformations: float64 sums and products kept to twice the precision.

A sum or product of two float64 numbers is rounded, but its rounding error is itself a
float64 number and can be computed exactly (Knuth's two-sum, Dekker's two-product):

$$a + b = s + e,\qquad a\,b = p + e\qquad\text{exactly, with } s = \mathrm{fl}(a + b),\
p = \mathrm{fl}(a\,b).$$

A pair ``(hi, lo)`` of such numbers is a *double-double*: about 106 bits. The closed
form (`linreg.float_solver`) carries its residuals in double-double when float64 cannot
bring the coefficients to working accuracy, and the certificate may use the same
helpers. Every function here works elementwise on numpy arrays as on floats, and none
of them allocates more than a few temporaries. Scaling by a power of two is exact too
(barring underflow), so `scale_by` and `binary_exponent` live here as well.

Barring overflow, and for `two_product` barring operands above about 1e300 (the split
multiplies them by `SPLITTER`), every transformation is exact.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "BLOCK",
    "EPS",
    "SPLITTER",
    "accurate_dot",
    "accurate_sum",
    "binary_exponent",
    "powers",
    "residual",
    "scale_by",
    "squares",
    "sum_terms",
    "two_product",
    "two_sum",
]

FloatArray = npt.NDArray[np.float64]

#: float64's machine epsilon, 2⁻⁵²: the spacing of floats just above 1.
EPS = float(np.finfo(np.float64).eps)
#: Dekker's splitter, 2²⁷ + 1: ``SPLITTER·a`` cuts a float64 into two 26-bit halves.
SPLITTER = 134217729.0


def two_sum(a: Any, b: Any) -> tuple[Any, Any]:
    """Knuth's two-sum: ``(s, e)`` with ``s = fl(a + b)`` and ``a + b = s + e`` exactly.

    Parameters
    ----------
    a, b : float or numpy.ndarray (broadcastable)

    Returns
    -------
    s, e : like ``a + b``

    Examples
    --------
    >>> two_sum(1.0, 2.0**-60)
    (1.0, 8.673617379884035e-19)
    """
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def two_product(a: Any, b: Any) -> tuple[Any, Any]:
    """Dekker's two-product: ``(p, e)`` with ``p = fl(a·b)`` and ``a·b = p + e`` exactly.

    Parameters
    ----------
    a, b : float or numpy.ndarray (broadcastable), each below about 1e300 in magnitude

    Returns
    -------
    p, e : like ``a * b``

    Examples
    --------
    >>> p, e = two_product(1.0 + 2.0**-30, 1.0 - 2.0**-30)
    >>> p, e == -(2.0**-60)
    (1.0, True)
    """
    product = a * b
    c = SPLITTER * a
    a_hi = c - (c - a)
    a_lo = a - a_hi
    d = SPLITTER * b
    b_hi = d - (d - b)
    b_lo = b - b_hi
    return product, ((a_hi * b_hi - product) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


#: Rows per block of the kernels below over long vectors: their temporaries stay in the
#: CPU cache (a whole-vector temporary per operation made them memory-bound).
BLOCK = 1 << 14


#: A pairwise tree stops at this many rows: `math.fsum` adds the rest exactly.
_TREE_LEAVES = 64


def _tree_sum(values: FloatArray) -> FloatArray:
    """Rows whose exact column sums are those of ``values`` (shape (n, k)) to within
    n·u² of the sums of magnitudes: a pairwise tree of `two_sum` down to `_TREE_LEAVES`
    rows, its errors gathered level by level as one more row each (a level of h rows
    has errors below u of its sums, added in float64 within h·u of themselves, and the
    levels' h halve: n/2 + n/4 + … < n)."""
    x = values
    found = []
    while x.shape[0] > _TREE_LEAVES:
        half = x.shape[0] // 2
        sums, errors = two_sum(x[: 2 * half : 2], x[1 : 2 * half : 2])
        found.append(np.add.reduce(errors, axis=0, keepdims=True))
        x = np.concatenate((sums, x[2 * half :])) if x.shape[0] % 2 else sums
    found.append(x)
    return np.concatenate(found)


def accurate_sum(*parts: Any) -> float:
    """The sum of every entry of every part, nearly correctly rounded: a pairwise tree
    of `two_sum` in cache-sized blocks, the blocks' results added by `math.fsum`; within
    u of the sum plus m·u² of the sum of magnitudes, for blocks of m = min(n, `BLOCK`)
    entries (`_tree_sum`).

    Examples
    --------
    >>> accurate_sum(np.array([1e16, 1.0]), np.array([-1e16]))
    1.0
    """
    values = np.concatenate([np.ravel(part) for part in parts])
    found = [_tree_sum(values[k : k + BLOCK, None]) for k in range(0, values.shape[0], BLOCK)]
    return math.fsum(np.concatenate(found).ravel()) if found else 0.0


def sum_terms(*parts: Any) -> list[float]:
    """A few floats whose exact sum is the sum of every entry of every part, nearly exactly.

    Pairs of entries are added by `two_sum` (a cascade: half as many sums each round), and
    each round's rounding errors are summed in float64 and kept; `math.fsum` of the list
    returned is the sum to within about (log₂ n)²·u²·Σ|entries| (u = 2⁻⁵³), at numpy
    speed (`accurate_sum` rounds such a sum to one float).

    Examples
    --------
    >>> terms = sum_terms(np.array([1e16, 1.0, -1e16, 1.0] * 100))
    >>> math.fsum(terms)
    200.0
    """
    values = np.concatenate([np.ravel(np.asarray(part, dtype=np.float64)) for part in parts])
    errors: list[float] = []
    while values.size > 64:
        half = values.size // 2
        total, error = two_sum(values[:half], values[half : 2 * half])
        errors.append(float(np.sum(error)))
        values = total if values.size % 2 == 0 else np.append(total, values[-1])
    return [*values.tolist(), *errors]


def squares(hi: FloatArray, lo: FloatArray | None = None) -> list[FloatArray]:
    """Arrays whose sum is ``(hi + lo)²`` entrywise: ``hi²`` exactly, in three parts.

    Dekker's split cuts ``hi`` into halves of 26 bits, ``h + l``; ``h²``, ``2hl`` and
    ``l²`` are then exact. ``2·hi·lo`` and ``lo²``, below u·hi², are rounded. Barring
    operands above about 1e150 (their squares overflow).

    Examples
    --------
    >>> x = np.array([1.0 + 2.0**-30])
    >>> math.fsum(np.concatenate(squares(x))) == 1.0 + 2.0**-29 + 2.0**-60
    True
    """
    c = SPLITTER * hi
    high = c - (c - hi)
    low = hi - high
    parts = [high * high, 2.0 * high * low, low * low]
    if lo is not None:
        parts += [2.0 * hi * lo, lo * lo]
    return parts


def accurate_dot(a: FloatArray, a_low: FloatArray | None, r: tuple[FloatArray, FloatArray]) -> Any:
    """``(a + a_low)ᵀ(r_hi + r_lo)`` to about twice float64's precision, for a vector or
    for every column of a matrix at once: the exact products ``a·r_hi`` added by a
    pairwise tree of `two_sum` in cache-sized blocks, the blocks' results by
    `math.fsum`; within u of the result plus 3m·u² of ``|a|ᵀ|r|`` for blocks of
    m = min(n, `BLOCK`) rows (the tree's m·u², and the products' rounding errors, below
    2u of them, added in float64 within m·u), up to the tiny ``a_low·r_lo`` terms.

    Parameters
    ----------
    a, a_low : numpy.ndarray of shape (n,) or (n, p)
        A double-double vector or matrix (``a_low`` None: zero).
    r : (numpy.ndarray, numpy.ndarray), each of shape (n,)
        Another vector, as its (hi, lo) pair.

    Returns
    -------
    float, or numpy.ndarray of shape (p,)

    Examples
    --------
    >>> a, ones = np.array([1e16, 1.0, -1e16]), np.ones(3)
    >>> float(a @ ones), accurate_dot(a, None, (ones, np.zeros(3)))
    (0.0, 1.0)
    """
    r_hi, r_lo = r
    matrix = a.reshape(a.shape[0], -1)
    low = None if a_low is None else a_low.reshape(a.shape[0], -1)
    found = []
    for start in range(0, matrix.shape[0], BLOCK):
        rows = slice(start, start + BLOCK)
        block, hi, lo = matrix[rows], r_hi[rows, None], r_lo[rows, None]
        product, error = two_product(block, hi)
        error += block * lo
        if low is not None:
            error += low[rows] * hi
        found.append(_tree_sum(product))
        found.append(np.add.reduce(error, axis=0, keepdims=True))
    if not found:
        return 0.0 if a.ndim == 1 else np.zeros(matrix.shape[1])
    columns = np.concatenate(found)
    sums = np.array([math.fsum(columns[:, j]) for j in range(columns.shape[1])])
    return float(sums[0]) if a.ndim == 1 else sums


def residual(
    M: FloatArray,
    M_low: FloatArray | None,
    target: tuple[FloatArray, FloatArray | None],
    c: FloatArray,
    beta: float,
) -> tuple[FloatArray, FloatArray]:
    """``target − (M + M_low)·c − β`` as a double-double pair ``(hi, lo)``.

    Each product ``M[:, j]·c[j]`` is split exactly (`two_product`) and added by
    `two_sum`; the errors are gathered in float64, so the result is within a few
    u²·(|target| + |M||c| + |β|) of exact (u = 2⁻⁵³), plus ``M_low·c`` rounded. Rows are
    taken in cache-sized blocks.

    Parameters
    ----------
    M, M_low : numpy.ndarray of shape (n, p)
        A double-double matrix (``M_low`` None: zero).
    target : (numpy.ndarray, numpy.ndarray or None), each of shape (n,)
    c : numpy.ndarray of shape (p,)
    beta : float

    Examples
    --------
    >>> hi, lo = residual(np.array([[1e16], [1.0]]), None, (np.array([1.0, 0.0]), None),
    ...                   np.array([1.0 + 2.0**-52]), 0.0)
    >>> (hi + lo).tolist()
    [-1.0000000000000002e+16, -1.0000000000000002]
    """
    t_hi, t_lo = target
    hi, lo = np.empty_like(t_hi), np.empty_like(t_hi)
    for start in range(0, t_hi.shape[0], BLOCK):
        rows = slice(start, start + BLOCK)
        low = None if M_low is None else M_low[rows]
        total = None if t_lo is None else t_lo[rows]
        hi[rows], lo[rows] = _residual_rows(M[rows], low, (t_hi[rows], total), c, beta)
    return hi, lo


def _residual_rows(
    M: FloatArray,
    M_low: FloatArray | None,
    target: tuple[FloatArray, FloatArray | None],
    c: FloatArray,
    beta: float,
) -> tuple[FloatArray, FloatArray]:
    """`residual` on one block of rows."""
    t_hi, t_lo = target
    total, error = t_hi.copy(), (np.zeros_like(t_hi) if t_lo is None else t_lo.copy())
    # Every product split at once, on the block's columns copied to contiguous rows (the
    # sums below then read contiguous memory, not strided columns); the products' errors
    # and the low parts' products are gathered in float64, as before
    products, product_errors = two_product(np.ascontiguousarray(M.T), -c[:, None])
    error += product_errors.sum(axis=0)
    if M_low is not None:
        error -= M_low @ c
    for product in products:
        total, sum_error = two_sum(total, product)
        error += sum_error
    total, sum_error = two_sum(total, -beta)
    return two_sum(total, error + sum_error)


def powers(x: FloatArray, degree: int) -> tuple[FloatArray, FloatArray]:
    """x¹ … x^degree as double-double columns ``(hi, lo)``: powers float64 cannot hold.

    Parameters
    ----------
    x : numpy.ndarray of shape (n,)
    degree : int, at least 1

    Returns
    -------
    hi, lo : numpy.ndarray of shape (n, degree)
        Column ``k - 1`` is $x^k$ as ``hi + lo``.

    Examples
    --------
    >>> hi, lo = powers(np.array([3.0]), 3)
    >>> hi.tolist(), lo.tolist()
    ([[3.0, 9.0, 27.0]], [[0.0, 0.0, 0.0]])
    """
    high = np.empty((x.shape[0], degree))
    low = np.empty_like(high)
    hi, lo = x.copy(), np.zeros_like(x)
    for k in range(degree):
        high[:, k], low[:, k] = two_sum(hi, lo)
        product, error = two_product(high[:, k], x)
        hi, lo = product, error + low[:, k] * x
    return high, low


def scale_by(M: Any, exponent: Any) -> Any:
    """``M·2^exponent``, exactly (barring underflow), even where 2^exponent is not a float.

    Examples
    --------
    >>> bool(scale_by(np.array([3.0]), np.array([-1100]))[0] == 3.0 * 2.0**-1000 * 2.0**-100)
    True
    """
    exponent = np.asarray(exponent, dtype=np.int64)
    if np.all(np.abs(exponent) < 1000):
        return M * np.ldexp(1.0, exponent)
    return np.ldexp(M, exponent)


def binary_exponent(magnitude: Any) -> Any:
    """``e`` with ``magnitude = f·2^e``, f in [1/2, 1) (0 for 0): 2^-e brings it into [1/2, 1).

    Examples
    --------
    >>> binary_exponent(np.array([1.0, 3.0, 0.0])).tolist()
    [1, 2, 0]
    """
    return np.frexp(magnitude)[1].astype(np.int64)
