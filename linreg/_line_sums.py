r"""The sums of one block of one feature, for `linreg.accumulate.Pass`, in a few BLAS calls.

The block's shifted rows $a = x - s$, $b = y - t$ are written into a reused scratch
array, cut into pieces of `LINE_PIECE` rows (the last padded with zeros, which add
nothing, exactly), and each piece's five sums $\sum a$, $\sum b$, $\sum a^2$,
$\sum ab$, $\sum b^2$ are formed by BLAS (a dot or a product with ones, in any
order). The pieces' sums are then added in groups: a table of the pieces' sums, cut
into about $\sqrt{k}$ groups of about $\sqrt{k}$ pieces, summed group by group and then
the groups, so a term passes through at most (piece − 1) + (per group − 1) + (groups
− 1) additions, however many pieces the block has: a block of 262,144 rows rounds
like 1,056 terms (256 pieces in 16 groups of 16), not 262,144, nor 1,280 (the pieces
added in a row).

Part of `linreg.accumulate` (kept apart to keep each file short).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from math import isfinite

import numpy as np
import numpy.typing as npt

__all__ = ["LINE_PIECE", "line_statistics", "line_sums", "scratch_rows"]

FloatArray = npt.NDArray[np.float64]

#: Rows per piece: each piece is summed on its own (a BLAS dot or product, in any
#: order), so a term's rounding grows with a piece's rows and the pieces, not with a
#: block's rows (4,096-row sums, γ ≈ 9e-13, kept statistics alone from certifying
#: 1e-10 on ordinary data; 1,024-row pieces make it ~7e-14). BLAS runs dots this short
#: in one thread (OpenBLAS threads a dot above 10,000 rows, and its threads on blocks
#: this small cost more than the sums on a loaded machine: the whole pass 5x slower,
#: measured).
LINE_PIECE = 1 << 10
_ONES = np.ones(LINE_PIECE)


def _einsum_dots(u: FloatArray, v: FloatArray, out: FloatArray) -> FloatArray:
    """Row-by-row dot products before numpy 2 (which has no `numpy.vecdot`)."""
    return np.asarray(np.einsum("...i,...i->...", u, v, out=out))


_dots: Callable[..., FloatArray] = getattr(np, "vecdot", _einsum_dots)


def scratch_rows(rows: int) -> int:
    """Scratch columns for blocks of up to ``rows`` rows: whole pieces (zero padded)."""
    return rows if rows <= LINE_PIECE else -(-rows // LINE_PIECE) * LINE_PIECE


def line_sums(
    x: FloatArray, y: FloatArray, shift: FloatArray, scratch: FloatArray
) -> tuple[FloatArray, FloatArray, int] | None:
    """[Σa, Σb], [[Σa², Σab], [Σab, Σb²]] of one block, a = x − shift[0] and
    b = y − shift[1], and its depth (the most additions a term went through, + 1); None
    if a sum is not finite.

    ``scratch`` has two rows of at least ``scratch_rows(len(y))`` columns.

    Examples
    --------
    >>> line_sums(np.array([1.0, 2.0]), np.array([3.0, 5.0]), np.array([1.5, 4.0]),
    ...           np.empty((2, 2)))
    (array([0., 0.]), array([[0.5, 1. ], [1. , 2. ]]), 3)
    """
    m = y.shape[0]
    np.subtract(x, shift[0], out=scratch[0, :m])
    np.subtract(y, shift[1], out=scratch[1, :m])
    piece = min(m, LINE_PIECE)
    pieces = -(-m // piece)
    if pieces * piece > m:
        scratch[:, m : pieces * piece] = 0.0  # zeros: exact, and they add nothing
    rows = scratch[:, : pieces * piece].reshape(2, pieces, piece)
    groups = math.isqrt(pieces - 1) + 1  # ⌈√pieces⌉ groups of ⌈pieces/groups⌉
    per = -(-pieces // groups)
    table = np.zeros((5, groups * per))  # padded with zeros, which add nothing
    np.matmul(rows, _ONES[:piece], out=table[0:2, :pieces])
    _dots(rows, rows, out=table[2:5:2, :pieces])  # Σa², Σb²
    _dots(rows[0], rows[1], out=table[3, :pieces])
    if pieces == 1:  # numpy's reduce of one entry is 0 + x (−0 becomes +0): in floats
        sa, sb, saa, sab, sbb = (value + 0.0 for value in table[:, 0].tolist())
    else:
        sums = np.add.reduce(np.add.reduce(table.reshape(5, groups, per), axis=2), axis=1)
        sa, sb, saa, sab, sbb = sums.tolist()  # floats: cheaper to check and place
    if not (isfinite(sa) and isfinite(sb) and isfinite(saa) and isfinite(sab) and isfinite(sbb)):
        return None
    return np.array([sa, sb]), np.array([[saa, sab], [sab, sbb]]), piece + per + groups - 1


_UNIT = 2.0**-53
#: `line_statistics` takes sums that are 0 or within these: none of its products,
#: quotients or differences can then underflow (each is 0 or above 2^-960), so the
#: caller's error state, which numpy's lines obey, cannot matter.
_LOW, _HIGH = 2.0**-400, 2.0**400


def line_statistics(
    n: int,
    shift: FloatArray,
    total: FloatArray,
    products: FloatArray,
    bounds: Callable[[float], tuple[float, float]],
    gamma: float,
) -> tuple[list[float], list[float], float, float] | None:
    """`linreg.accumulate._Run.statistics` for one feature, in Python floats: the means
    [x̄, ȳ], the co-moments [Cxx, Cxy, Cyy] and their bounds (``bounds(amplification)``
    and γ of the sums' depth + 4, as there), each number formed by the same operations in
    the same order as numpy's arrays form it. None when a number is not finite (or a
    ratio overflows), or a sum is not 0 or within 2^±400: numpy then forms them, and
    warns or raises as the caller's error state says, as before."""
    (s0, s1), (t0, t1) = shift.tolist(), total.tolist()
    (p00, p01), (_, p11) = products.tolist()
    if not all(x == 0.0 or _LOW < abs(x) < _HIGH for x in (s0, s1, t0, t1, p00, p01, p11)):
        return None  # numbers where a product or quotient could underflow: numpy's lines
    d0, d1 = t0 / n, t1 / n
    means, centred = [s0 + d0, s1 + d1], [p00 - t0 * d0, p01 - t0 * d1, p11 - t1 * d1]
    ratios = [r / c for r, c in ((p00, centred[0]), (p11, centred[2])) if c != 0.0]
    amplification = max(max(ratios), 1.0) if ratios else 1.0
    if not all(map(isfinite, [*means, *centred, amplification])):
        return None
    rounding, mean_rounding = bounds(amplification)
    if isfinite(mean_rounding):  # `linreg.accumulate._mean_bound`
        spread = [math.sqrt((c if c > 0.0 else 0.0) / n) for c in (centred[0], centred[2])]
        factor = (gamma + 2 * _UNIT) * math.sqrt(amplification)
        live = [(abs(m), s) for m, s in zip(means, spread) if abs(m) + s > 0]
        need = [(factor * s + 2 * _UNIT * size) / (size + s) for size, s in live]
        mean_rounding = max(need) if need else 2 * _UNIT
    return means, centred, rounding, mean_rounding
