r"""The sums of one block, for `linreg.accumulate.Pass`: one feature's in one compiled
loop, or a few BLAS calls.

The block's shifted rows $a = x - s$, $b = y - t$ are cut into pieces of `LINE_PIECE`
rows, and each piece's five sums $\sum a$, $\sum b$, $\sum a^2$, $\sum ab$,
$\sum b^2$ are formed either by the compiled loop (`linreg._kernel`: one read of x and
y, no scratch) or, where it is not built, in a reused scratch array by BLAS (a dot or a
product with ones, in any order; the last piece padded with zeros, which add nothing,
exactly). The pieces' sums are then added in groups: a table of the pieces' sums, cut
into about $\sqrt{k}$ groups of about $\sqrt{k}$ pieces, summed group by group and then
the groups, so a term passes through at most (piece − 1) + (per group − 1) + (groups
− 1) additions, however many pieces the block has: a block of 262,144 rows rounds
like 1,056 terms (256 pieces in 16 groups of 16), not 262,144, nor 1,280 (the pieces
added in a row). A block of one piece has no table: its sums are its piece's
(`piece_sums`, the same dots in two numpy calls, not three and a table). Rows that come
in small calls (an IPC file's batches) can be held and summed as one block (`Held`).
Several features' sums are one product per piece (`block_sums`).

Part of `linreg.accumulate` (kept apart to keep each file short).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from math import isfinite

import numpy as np
import numpy.typing as npt

from linreg import _kernel

__all__ = [
    "FEATURE_PIECE",
    "LINE_PIECE",
    "Held",
    "Read",
    "Source",
    "block_scratch",
    "block_sums",
    "first_shift",
    "line_piece_sums",
    "line_shift",
    "line_statistics",
    "line_sums",
    "piece_sums",
    "scratch_rows",
    "shifted_sums",
]

FloatArray = npt.NDArray[np.float64]
_Sums = tuple[FloatArray, FloatArray, int]
#: one piece's sums as floats: Σa, Σb, Σa², Σab, Σb²
_Floats = tuple[float, float, float, float, float]
#: rows read where they go: ``read(start, [x, y])`` reads a call's rows from ``start``
Read = Callable[[int, list[FloatArray]], None]
#: a call's rows, one feature: x and y, or how to read them (`linreg.accumulate.Pass.hold`)
Source = tuple[FloatArray, FloatArray] | Read
#: a call's rows held by `Held`: how to have them as they came (X, y), and the call's number
_View = tuple[Callable[[], tuple[FloatArray, FloatArray]], int]

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


def line_sums(x: FloatArray, y: FloatArray, shift: FloatArray, scratch: FloatArray) -> _Sums | None:
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
    if m > LINE_PIECE and _kernel.loaded():  # the compiled loop: no scratch, one read
        table, groups, per = _table(m)
        if _kernel.piece_sums(x, y, (float(shift[0]), float(shift[1])), LINE_PIECE, table):
            return _grouped(table, groups, per)
    return shifted_sums(scratch, _shifted(x, y, shift, scratch))


def line_piece_sums(
    x: FloatArray, y: FloatArray, shift: Sequence[float], scratch: FloatArray
) -> _Floats | None:
    """`line_sums` of up to `LINE_PIECE` rows, as floats (`piece_sums`), the shift too."""
    return piece_sums(scratch, _shifted(x, y, shift, scratch))


def _shifted(
    x: FloatArray, y: FloatArray, shift: FloatArray | Sequence[float], scratch: FloatArray
) -> int:
    """Shift the block into the scratch's first columns; how many rows it has."""
    m = y.shape[0]
    np.subtract(x, shift[0], out=scratch[0, :m])
    np.subtract(y, shift[1], out=scratch[1, :m])
    return int(m)


def shifted_sums(scratch: FloatArray, m: int) -> _Sums | None:
    """`line_sums` of the block already shifted into the first ``m`` columns of
    ``scratch`` (which has at least ``scratch_rows(m)``)."""
    if m <= LINE_PIECE:
        found = piece_sums(scratch, m)
        if found is None:
            return None
        sa, sb, saa, sab, sbb = found
        return np.array([sa, sb]), np.array([[saa, sab], [sab, sbb]]), m + 1
    table, groups, per = _table(m)
    rows = scratch[:, :m]
    if not _kernel.piece_sums(rows[0], rows[1], (0.0, 0.0), LINE_PIECE, table):
        _numpy_pieces(scratch, m, table)
    return _grouped(table, groups, per)


def _table(m: int) -> tuple[FloatArray, int, int]:
    """A zeroed table for the five sums of each piece of m rows, padded to whole groups
    (zeros, which add nothing); its groups and pieces per group (⌈√pieces⌉ groups of
    ⌈pieces/groups⌉)."""
    pieces = -(-m // LINE_PIECE)
    groups = math.isqrt(pieces - 1) + 1
    per = -(-pieces // groups)
    return np.zeros((5, groups * per)), groups, per


def _numpy_pieces(scratch: FloatArray, m: int, table: FloatArray) -> None:
    """Each piece's sums by BLAS (numpy's calls, where the compiled loop is not loaded)."""
    pieces = -(-m // LINE_PIECE)
    if pieces * LINE_PIECE > m:
        scratch[:, m : pieces * LINE_PIECE] = 0.0  # zeros: exact, and they add nothing
    rows = scratch[:, : pieces * LINE_PIECE].reshape(2, pieces, LINE_PIECE)
    np.matmul(rows, _ONES, out=table[0:2, :pieces])
    _dots(rows, rows, out=table[2:5:2, :pieces])  # Σa², Σb²
    _dots(rows[0], rows[1], out=table[3, :pieces])


def _grouped(table: FloatArray, groups: int, per: int) -> _Sums | None:
    """The pieces' sums added group by group, then the groups (`line_sums`' depth)."""
    sums = np.add.reduce(np.add.reduce(table.reshape(5, groups, per), axis=2), axis=1)
    sa, sb, saa, sab, sbb = sums.tolist()  # floats: cheaper to check and place
    if not (isfinite(sa) and isfinite(sb) and isfinite(saa) and isfinite(sab) and isfinite(sbb)):
        return None
    return np.array([sa, sb]), np.array([[saa, sab], [sab, sbb]]), LINE_PIECE + per + groups - 1


def piece_sums(scratch: FloatArray, m: int) -> _Floats | None:
    """Σa, Σb, Σa², Σab, Σb² of one piece shifted into the scratch's first ``m`` ≤
    `LINE_PIECE` columns (a block of one piece: depth m + 1), None if one is not finite.
    Each sum is the dot a piece's sum is (numpy's dot of two rows): the sums by a
    product with ones of each row on its own, the three products by one `_dots` of every
    pair of rows (Σab twice: m products more, where a call of its own costs more);
    a sum of one entry is numpy's 0 + x (−0 becomes +0), as a block's reduce forms it."""
    rows = scratch[:, :m]
    (sa,), (sb,) = np.matmul(rows[:, None], _ONES[:m]).tolist()
    (saa, sab), (_, sbb) = _dots(rows[:, None], rows[None]).tolist()
    sa, sb, saa, sab, sbb = sa + 0.0, sb + 0.0, saa + 0.0, sab + 0.0, sbb + 0.0
    if not (isfinite(sa) and isfinite(sb) and isfinite(saa) and isfinite(sab) and isfinite(sbb)):
        return None
    return sa, sb, saa, sab, sbb


class Held:
    """One feature's rows of successive calls shifted into one block's scratch, each
    call's after the last's, and summed once (`shifted_sums`) when the block is full
    or wanted: batches of 65,536 rows cost a call of the sums per 262,144 rows, not
    per batch. The rows summed are the rows shifted, so the block's rounding is that
    of one block of as many rows (the pieces, groups and depth above), however the
    calls cut them. The calls' rows are held as they came (views, not copies; or how
    to read them again), for `linreg.accumulate.Pass` to sum them again a call at a
    time when the block does not stay in its run or its sums are not finite. Rows not
    read yet are read into the block (`raw`) and shifted there: no copy from a buffer
    or a memory map's pages."""

    def __init__(self, rows: int) -> None:
        self.scratch = block_scratch(1, rows)  # one block's: 4 MiB
        self.rows, self.filled = rows, 0
        self.views: list[_View] = []

    def raw(self, source: Source, start: int, rows: int) -> tuple[FloatArray, FloatArray]:
        """A call's rows from ``start`` (of ``rows``) as they came: views of the arrays
        given, or those that fit read (`Read`) into the block where they go."""
        if not callable(source):
            return source[0][start:], source[1][start:]
        place = slice(self.filled, self.filled + min(rows - start, self.rows - self.filled))
        x, y = self.scratch[0, place], self.scratch[1, place]
        source(start, [x, y])
        return x, y

    def take(self, rows: tuple[FloatArray, FloatArray], shift: FloatArray, again: _Again) -> int:
        """Shift the first of these rows that fit into the block (where they are, if read
        there); how many did. ``again``: the source, the rows' start in it, the call."""
        x, y = rows
        count = min(int(y.shape[0]), self.rows - self.filled)
        place = slice(self.filled, self.filled + count)
        np.subtract(x[:count], shift[0], out=self.scratch[0, place])
        np.subtract(y[:count], shift[1], out=self.scratch[1, place])
        source, first, call = again
        self.views.append((functools.partial(_again, source, first, count), call))
        self.filled += count
        return count

    def sums(self) -> tuple[_Sums | None, int, list[_View]]:
        """The block's sums (as `line_sums`'s), its rows and the views held, let go of."""
        rows, views, self.filled, self.views = self.filled, self.views, 0, []
        return shifted_sums(self.scratch, rows), rows, views


_Again = tuple["Source", int, int]


def _again(source: Source, start: int, rows: int) -> tuple[FloatArray, FloatArray]:
    """A call's rows as they came, X (one column) and y: views of the arrays given, or
    read again."""
    if not callable(source):
        return source[0][start : start + rows, None], source[1][start : start + rows]
    x, y = np.empty(rows), np.empty(rows)
    source(start, [x, y])
    return x[:, None], y


#: Rows per piece with several features: a 256-row product per piece, in one BLAS batch.
FEATURE_PIECE = 1 << 8


def block_sums(
    X: FloatArray, y: FloatArray, shift: FloatArray, scratch: FloatArray
) -> _Sums | None:
    """The sums of one block, shifted into the reused ``scratch`` (a fresh array per
    block costs its page faults: most of the old pass's time); None when a sum is not
    finite. Several features: the scratch's last column is ones, so one product of
    ``[X − s, y − t, 1]`` with itself holds every sum. Quiet about overflow in any
    thread (numpy's error state is each thread's own): it shows in the sums."""
    with np.errstate(over="ignore", invalid="ignore"):
        m, p = X.shape
        if p == 1:
            return line_sums(X[:, 0], y, shift, scratch)
        block = scratch[:m]
        np.subtract(X, shift[:p], out=block[:, :p])
        np.subtract(y, shift[p], out=block[:, p])
        whole = m - m % FEATURE_PIECE
        pieces = block[:whole].reshape(-1, FEATURE_PIECE, p + 2)
        full = np.add.reduce(np.matmul(pieces.transpose(0, 2, 1), pieces), axis=0)
        rest = block[whole:]
        full = full + rest.T @ rest if whole else rest.T @ rest
    depth = FEATURE_PIECE + whole // FEATURE_PIECE + 1 if whole else m
    sums = (full[-1, :-1].copy(), full[:-1, :-1].copy(), depth)
    if not (np.isfinite(sums[1]).all() and np.isfinite(sums[0]).all()):
        return None
    return sums


def block_scratch(n_features: int, rows: int) -> FloatArray:
    """The scratch a block is shifted into (with several features, a last column of
    ones: the sums come with the products)."""
    if n_features == 1:
        return np.empty((2, scratch_rows(rows)))
    scratch = np.empty((rows, n_features + 2))
    scratch[:, -1] = 1.0
    return scratch


def first_shift(X: FloatArray, y: FloatArray) -> FloatArray:
    """The means of the first rows: the first run's shift (any value near the data would
    do; zeros where they overflow)."""
    if X.shape[1] == 1:
        return np.array(line_shift(X, y))
    head = min(y.shape[0], 1024)
    ones = _HEAD_ONES[:head]  # (numpy's np.ones(head), without making it)
    shift = np.append(ones @ X[:head], float(ones @ y[:head])) / head
    return shift if np.isfinite(shift).all() else np.zeros_like(shift)


def line_shift(X: FloatArray, y: FloatArray) -> list[float]:
    """`first_shift` of one feature, as floats: the same sums and quotients."""
    head = min(y.shape[0], 1024)
    ones = _HEAD_ONES[:head]
    x_mean, y_mean = float((ones @ X[:head])[0]) / head, float(ones @ y[:head]) / head
    return [x_mean, y_mean] if isfinite(x_mean) and isfinite(y_mean) else [0.0, 0.0]


_HEAD_ONES = np.ones(1024)


_UNIT = 2.0**-53
#: `line_statistics` takes sums that are 0 or within these: none of its products,
#: quotients or differences can then underflow (each is 0 or above 2^-960), so the
#: caller's error state, which numpy's lines obey, cannot matter.
_LOW, _HIGH = 2.0**-400, 2.0**400


def line_statistics(
    n: int,
    shift: Sequence[float],
    total: Sequence[float],
    products: Sequence[Sequence[float]],
    bounds: Callable[[float], tuple[float, float]],
    gamma: float,
) -> tuple[list[float], list[float], float, float] | None:
    """`linreg.accumulate._Run.statistics` for one feature, in Python floats: the means
    [x̄, ȳ], the co-moments [Cxx, Cxy, Cyy] and their bounds (``bounds(amplification)``
    and γ of the sums' depth + 4, as there), each number formed by the same operations in
    the same order as numpy's arrays form it, from the shift [s, t], the sums [Σa, Σb]
    and the products [[Σa², Σab], [Σab, Σb²]]. None when a number is not finite (or a ratio
    overflows), or a sum is not 0 or within 2^±400: numpy then forms them, and warns or
    raises as the caller's error state says, as before."""
    (s0, s1), (t0, t1), ((p00, p01), (_, p11)) = shift, total, products
    for x in (s0, s1, t0, t1, p00, p01, p11):
        if not (x == 0.0 or _LOW < abs(x) < _HIGH):
            return None  # a number where a product or quotient could underflow: numpy's
    d0, d1 = t0 / n, t1 / n
    means, centred = [s0 + d0, s1 + d1], [p00 - t0 * d0, p01 - t0 * d1, p11 - t1 * d1]
    amplification = 1.0  # the largest of 1 and each Σz²/C of a C that is not 0
    for raw, c in ((p00, centred[0]), (p11, centred[2])):
        ratio = raw / c if c != 0.0 else 0.0
        amplification = ratio if ratio > amplification else amplification
    (m0, m1), (c0, c01, c1) = means, centred
    finite = isfinite(m0) and isfinite(m1) and isfinite(c0) and isfinite(c01) and isfinite(c1)
    if not (finite and isfinite(amplification)):
        return None
    rounding, mean_rounding = bounds(amplification)
    if isfinite(mean_rounding):  # `linreg.accumulate._mean_bound`: the largest need
        factor = (gamma + 2 * _UNIT) * math.sqrt(amplification)
        need = []
        for size, c in ((abs(m0), c0), (abs(m1), c1)):
            spread = math.sqrt((c if c > 0.0 else 0.0) / n)
            if size + spread > 0:
                need.append((factor * spread + 2 * _UNIT * size) / (size + spread))
        mean_rounding = max(need) if need else 2 * _UNIT
    return means, centred, rounding, mean_rounding
