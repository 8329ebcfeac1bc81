"""One feature's statistics in Python floats (`linreg._line_sums.line_statistics`) against
numpy's lines of `linreg.accumulate._Run.statistics` (`_amplification`, `_bounds`,
`_mean_bound`), bit for bit, on sums built to reach the corners the data rarely reach: both
co-moments 0 (no amplification but 1), a co-moment rounded below 0, a mean of 0 with no
spread, −0.0; and one piece's sums (`piece_sums`) against the table of pieces they
replaced. Written against planted bugs the rest of the suite let through (mutants, branch
mut21): a piece's Σa by np.sum (pairwise) instead of the dot; a co-moment rounded below 0
taken as |C| for its spread. (The amplification started at 0 and a need of 0/0 for a mean
of 0 with no spread fail here and elsewhere too.)
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from linreg import accumulate
from linreg._line_sums import LINE_PIECE, _dots, line_statistics, piece_sums, shifted_sums

_DEPTH = 40


def _numpys(n, shift, total, products):
    """`_Run.statistics`' numpy lines on the same numbers (depth `_DEPTH`)."""
    shift, total, products = np.array(shift), np.array(total), np.array(products)
    delta = total / n
    centred = products - np.outer(total, delta)
    means = shift + delta
    amplification = accumulate._amplification(products.diagonal(), centred.diagonal())
    rounding, mean_rounding = accumulate._bounds(_DEPTH, amplification)
    if math.isfinite(mean_rounding):
        spread = np.sqrt(np.maximum(centred.diagonal(), 0.0) / n)
        mean_rounding = accumulate._mean_bound(_DEPTH, amplification, means, spread)
    numbers = [*means.tolist(), centred[0, 0], centred[0, 1], centred[1, 1]]
    return [float(v) for v in numbers] + [rounding, mean_rounding]


def _floats(n, shift, total, products):
    bounds = functools.partial(accumulate._bounds, _DEPTH)
    found = line_statistics(n, shift, total, products, bounds, accumulate._gamma(_DEPTH + 4))
    assert found is not None
    (m0, m1), (c0, c01, c1), rounding, mean_rounding = found
    return [m0, m1, c0, c01, c1, rounding, mean_rounding]


def _bits(values):
    return [np.float64(v).tobytes() for v in values]


def _crafted():
    third = 1.0 / 3.0  # t0·(t0/3) with t0 = 1 is this; a Σa² one ulp below leaves C < 0
    below = math.nextafter(third, 0.0)
    return [
        (5, [0.0, 0.0], [0.0, 0.0], [[0.0, 0.0], [0.0, 0.0]]),  # all zero: no mean, no spread
        (5, [-0.0, -0.0], [-0.0, 0.0], [[0.0, -0.0], [-0.0, 0.0]]),
        (7, [3.25, 1.1], [0.0, 0.0], [[0.0, 0.0], [0.0, 0.0]]),  # both co-moments 0
        (3, [0.0, 2.0], [1.0, 0.0], [[below, 0.0], [0.0, 0.0]]),  # Cxx < 0, Cyy = 0
        (3, [1e6, 0.0], [1.0, 3.0], [[below, 0.5], [0.5, 7.0]]),  # Cxx < 0, Cyy > 0
        (3, [0.0, 0.0], [0.0, 1.0], [[2.0, 0.5], [0.5, below]]),  # Cyy < 0, a mean of 0
        (3, [0.0, 5.0], [1.0, 1.0], [[below, below], [below, below]]),  # both < 0
        (4, [0.0, 0.0], [0.0, 0.0], [[3.0, 1.0], [1.0, 0.0]]),  # y: mean 0, no spread
    ]


@pytest.mark.parametrize("case", _crafted())
def test_crafted_sums_give_numpys_statistics(case):
    n, shift, total, products = case
    assert _bits(_floats(n, shift, total, products)) == _bits(_numpys(n, shift, total, products))


def test_sums_of_adversarial_blocks_give_numpys_statistics():
    """Blocks of 1 to 1,024 rows at offsets 1e4 to 1e15 and scales 1e-8 to 1e8 (the shift
    a little off the mean, as a first run's is), constant columns and y = 0 too."""
    rng = np.random.default_rng(21)
    checked = 0
    for m in (1, 2, 3, 7, 64, 1024):
        for offset in (0.0, 1e4, 1.7e9, 1e15):
            for scale in (1e-8, 1.0, 1e8, 0.0):
                x = offset + scale * rng.normal(size=m)
                for y in (2.0 * x + rng.normal(size=m), np.zeros(m), np.full(m, -3.5)):
                    shift = [float(x[0]), float(y[0])]
                    scratch = np.empty((2, m))
                    np.subtract(x, shift[0], out=scratch[0])
                    np.subtract(y, shift[1], out=scratch[1])
                    sums = piece_sums(scratch, m)
                    assert sums is not None
                    t0, t1, p00, p01, p11 = sums
                    total, products = [t0, t1], [[p00, p01], [p01, p11]]
                    bounds = functools.partial(accumulate._bounds, _DEPTH)
                    if line_statistics(m, shift, total, products, bounds, 0.0) is None:
                        continue  # (numpy's lines form these: nothing to compare)
                    assert _bits(_floats(m, shift, total, products)) == _bits(
                        _numpys(m, shift, total, products)), (m, offset, scale)  # fmt: skip
                    checked += 1
    assert checked > 150


def _table_sums(scratch, m):
    """One piece's sums as the table of pieces formed them (`shifted_sums` before
    `piece_sums`, commit 67e44f8): the (2, 1, m) rows by a product with ones, `_dots`
    of the rows, a sum of one entry 0 + x."""
    rows = scratch[:, :m].reshape(2, 1, m)
    table = np.zeros((5, 1))
    np.matmul(rows, np.ones(m), out=table[0:2, :1])
    _dots(rows, rows, out=table[2:5:2, :1])
    _dots(rows[0], rows[1], out=table[3, :1])
    return [value + 0.0 for value in table[:, 0].tolist()]


@pytest.mark.parametrize("m", [1, 2, 3, 8, 9, 100, 1023, LINE_PIECE])
def test_a_pieces_sums_are_the_tables_dots(m):
    """`piece_sums` is the dot each sum of a block of many pieces is (the depth m + 1
    bounds any order; these tie a block of one piece to the rest bit for bit), and a block
    of `LINE_PIECE` rows, summed by the table, is the same."""
    rng = np.random.default_rng(m)
    for offset, scale in ((0.0, 1.0), (1e4, 1e-8), (1.7e9, 60.0), (1e15, 1e8)):
        x, y = offset + scale * rng.normal(size=m), -0.0 * rng.normal(size=m)
        y[::2] = 3.0 * x[::2]
        scratch = np.empty((2, m))
        np.subtract(x, offset, out=scratch[0])
        np.subtract(y, 1.0, out=scratch[1])
        found = piece_sums(scratch, m)
        assert found is not None
        assert _bits(found) == _bits(_table_sums(scratch, m))
        total, products, depth = shifted_sums(scratch, m)
        assert depth == m + 1
        assert _bits([*total.tolist(), *products.ravel().tolist()]) == _bits(
            [found[0], found[1], found[2], found[3], found[3], found[4]])  # fmt: skip


@pytest.mark.parametrize("m", [1, 2, 5, LINE_PIECE])
def test_sums_of_negative_zeros_are_positive_zeros(m):
    """A row of −0.0 (x = −0.0 shifted by +0.0) sums to +0.0, as a reduce of a block of
    many pieces does (0 + x): the bits the statistics and the twins are compared by."""
    scratch = np.full((2, m), -0.0)
    found = piece_sums(scratch, m)
    assert found is not None and _bits(found) == _bits([0.0] * 5)
