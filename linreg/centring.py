r"""Centre once: the closed form's columns, scaled and centred, and the one way back.

The float path of the closed form sees each column of X (and y) as

$$A_{:,j} = \text{shift}_j + (\text{hi}_{:,j} + \text{lo}_{:,j})\,2^{e_j},$$

scaled by a power of two (exact) so that products can neither overflow nor underflow
whatever the data's magnitude, and centred first so that a large offset does not cancel.
A solution $(c, \beta)$ found on those columns maps back to the data's units by

$$w_j = c_j\,2^{e_y - e_j},\qquad b = \text{shift}_y + \beta\,2^{e_y} - \sum_j
\text{shift}_j\,w_j,$$

the second summed exactly (`intercept_from`), which the path from the statistics
(`linreg.moments_solver`) uses too, with the means as the shifts. A constant column
(or a zero one, without an intercept) is refused by `refuse_constant`, the one place
both paths say so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg.blas import gram, ones, tdot
from linreg.doubledouble import EPS, binary_exponent, scale_by, two_product, two_sum
from linreg.errors import SingularProblemError

__all__ = [
    "ScaledColumns",
    "centre_columns",
    "intercept_from",
    "refuse_constant",
    "with_low_parts",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ScaledColumns:
    """The problem as the float path sees it, column by column, with no rounding.

    ``A[:, j] = shift[j] + (hi[:, j] + lo[:, j])·2^exponent[j]`` and
    ``y = y_shift + (y_hi + y_lo)·2^y_exponent``. The powers of two bring the largest
    |hi| and |y_hi| near 1. ``lo`` (the rounding error of the centring, and the low parts
    of a double-double design) is only formed when double-double residuals are needed.
    """

    hi: FloatArray
    shift: FloatArray
    exponent: Any
    y_hi: FloatArray
    y_shift: float
    y_exponent: int
    lo: FloatArray | None = None
    y_lo: FloatArray | None = None
    #: hiᵀhi when the fast route formed it on the way.
    gram: FloatArray | None = None


def refuse_constant(constant: Iterable[int], fit_intercept: bool) -> None:
    """Refuse the first column listed: constant (all zeros, without an intercept).

    Raises
    ------
    SingularProblemError
        Naming the column, when ``constant`` lists one.
    """
    for j in constant:
        what = "constant" if fit_intercept else "all zeros"
        raise SingularProblemError(f"column {j} of X is {what}: its weight is not determined")


def intercept_from(
    y_parts: Sequence[Any], shift: FloatArray, coef: FloatArray, extra: Any = ()
) -> float:
    r"""$b = \sum \text{y\_parts} - \text{shift}^\top w + \sum \text{extra}$, summed exactly.

    Every product $\text{shift}_j w_j$ is split into its two exact parts
    (`linreg.doubledouble.two_product`) and everything is summed by `math.fsum`, so the
    intercept, a difference of terms that may be far larger than itself, is correctly
    rounded.

    Examples
    --------
    >>> intercept_from([1e16], np.array([1e16]), np.array([1.0 - 2.0**-53]))
    1.1102230246251565
    """
    if shift.shape == (1,) and coef.shape == (1,):  # one product: on floats, the same bits
        one, rest = two_product(-float(shift[0]), float(coef[0]))
        return math.fsum([*map(float, y_parts), one, rest, *np.ravel(extra).tolist()])
    high, low = two_product(-shift, coef)
    terms = [*map(float, y_parts), *high.tolist(), *low.tolist(), *np.ravel(extra).tolist()]
    return math.fsum(terms)


def centre_columns(A: FloatArray, y: FloatArray, fit_intercept: bool) -> ScaledColumns:
    """Scale and centre X and y (see `ScaledColumns`); refuse constant (or zero) columns."""
    fast = _centre_fast(A, fit_intercept)
    if fast is None:
        hi, shift, exponent = _centre(A, fit_intercept)
        product = None
    else:
        hi, shift, exponent, product = fast
    refuse_constant(_constant_columns(A, hi, product, fit_intercept), fit_intercept)
    y_fast = _centre_fast(y[:, None], fit_intercept)
    y_hi, y_shift, y_exponent = _centre(y[:, None], fit_intercept) if y_fast is None else y_fast[:3]
    return ScaledColumns(
        hi, shift, exponent, y_hi[:, 0], float(y_shift[0]), int(y_exponent[0]), gram=product
    )


def _constant_columns(
    A: FloatArray, hi: FloatArray, product: FloatArray | None, fit_intercept: bool
) -> list[int]:
    """The columns of A that are constant (all zeros, without an intercept), checked exactly.

    A constant column, centred on a rounded mean, is a tiny constant: only the columns
    whose centred spread is at rounding level are suspects, and those are checked on A.
    """
    suspect = np.ones(A.shape[1], dtype=bool)
    if product is not None:
        n = A.shape[0]
        spread = np.diag(product) - tdot(hi, ones(n)) ** 2 / n
        suspect = spread <= 4 * n * EPS * np.diag(product)
    return [
        int(j)
        for j in np.flatnonzero(suspect)
        if (A[:, j].max() == A[:, j].min() if fit_intercept else not A[:, j].any())
    ]


def with_low_parts(
    cols: ScaledColumns, A: FloatArray, A_low: FloatArray | None, y: FloatArray
) -> ScaledColumns:
    """Add the exact rounding errors of the centring (and the design's own low parts)."""

    def low(M: FloatArray, M_low: FloatArray | None, shift: Any, e: Any) -> Any:
        # hi·2^e = fl(M − shift) exactly; its error by Knuth's two-sum, scaled the same way.
        error = two_sum(M, -shift)[1] if np.any(shift) else np.zeros_like(M)
        error = error + (M_low if M_low is not None else 0.0)
        return scale_by(error, -e)

    lo = low(A, A_low, cols.shift, cols.exponent)
    y_lo = low(y, None, cols.y_shift, cols.y_exponent)
    return replace(cols, lo=lo, y_lo=y_lo)


def _affine(M: FloatArray, shift: FloatArray, factor: FloatArray) -> FloatArray:
    """(M − shift)·factor in a new array. Few columns are handled one by one into a
    column-major array (each column contiguous: several times faster than broadcasting)."""
    if M.shape[1] > 16:
        out = M - shift
        out *= factor
        return out
    columns = np.empty((M.shape[1], M.shape[0]))
    for j, column in enumerate(columns):
        np.subtract(M[:, j], shift[j], out=column)
        column *= factor[j]
    return columns.T


def _centre_fast(
    M: FloatArray, fit_intercept: bool
) -> tuple[FloatArray, FloatArray, Any, Any] | None:
    """The usual route, at BLAS speed: centre, form the Gram, and scale both by the powers
    of two that bring each column's norm into [1/2, 1). None when a sum overflows or a
    square underflows: then `_centre` takes the careful route."""
    n, p = M.shape
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        shift = tdot(M, ones(n)) / n if fit_intercept else np.zeros(p)
        centred = _affine(M, shift, np.ones(p))
        product = gram(centred)
    squares = np.diag(product)
    finite = np.isfinite(product).all() and np.isfinite(shift).all()
    if not (finite and np.all(squares > 2.0**-900) and np.all(squares < 2.0**900)):
        return None
    exponent = binary_exponent(np.sqrt(squares))
    factor = np.ldexp(1.0, -exponent)
    centred *= factor
    return centred, shift, exponent, product * np.outer(factor, factor)


def _centre(M: FloatArray, fit_intercept: bool) -> tuple[FloatArray, FloatArray, Any]:
    """(centred·2^-e, shift, e) for each column of M: scaled, then centred, then scaled."""
    top, bottom = M.max(axis=0), M.min(axis=0)
    first = binary_exponent(np.maximum(np.abs(top), np.abs(bottom)))
    scaled = scale_by(M, -first)  # |scaled| < 1: its sums cannot overflow
    if not fit_intercept:
        return scaled, np.zeros(M.shape[1]), first
    shift = scaled.mean(axis=0)
    scaled -= shift
    spread = np.maximum(scale_by(top, -first) - shift, shift - scale_by(bottom, -first))
    second = binary_exponent(spread)
    scaled *= np.ldexp(1.0, -second)  # spread ≥ 2⁻⁵⁴ unless constant: a normal factor
    return scaled, scale_by(shift, first), first + second
