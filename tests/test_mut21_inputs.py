"""The livestream's shortcuts on its inputs: one feature's first shift as floats
(`linreg._line_sums.line_shift`) is the means of the first 1,024 rows (y's the several
features' bit for bit), zeros where one overflows, and `linreg.validate._as_float_array`
passes only a native float64 ndarray through as itself. Written against planted bugs the
rest of the suite let through (mutants, branch mut21): a y mean that overflows kept in the
shift; any ndarray subclass passed through (a masked float64 array then escapes its
refusal). (A head of 1,023 rows and a float32 passed through fail here and elsewhere too.)
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from linreg import gradient_descent
from linreg._line_sums import first_shift, line_shift
from linreg.errors import InputError
from linreg.validate import _as_float_array

from .test_line_descent import _everything


def _several(x, y):
    """`first_shift`'s several-feature lines on [x, x]: x's and y's entries."""
    shift = first_shift(np.column_stack([x, x]), y)
    return [float(shift[0]), float(shift[2])]


@pytest.mark.parametrize("n", [1, 2, 1023, 1024, 1025, 3000])
def test_one_features_shift_is_the_mean_of_the_first_1024_rows(n):
    """y's mean by the same dot as several features' (bit for bit); x's, a product of a
    column, within a few ulps of the exact mean of rows 0 to 1,023, whose last row is far
    from the others (so the mean of 1,023 rows, or of all, is far off)."""
    rng = np.random.default_rng(n)
    head = min(n, 1024)
    for offset, scale in ((0.0, 1.0), (1.7e9, 60.0), (1e15, 1e7), (-1e4, 1e8)):
        x = offset + scale * rng.normal(size=n)
        y = -3.0 * x + rng.normal(size=n)
        x[head - 1] += 1e3 * scale
        y[head - 1] -= 1e3 * scale
        x[head:] += 1e5 * scale
        got = line_shift(x[:, None], y)
        assert got[1] == _several(x, y)[1]
        exact = [sum(map(Fraction, z[:head].tolist())) / head for z in (x, y)]
        for value, mean in zip(got, exact):
            assert abs(Fraction(value) - mean) <= 1e-12 * scale + 1e-12 * abs(offset)
        assert np.array(first_shift(x[:, None], y)).tobytes() == np.array(got).tobytes()


@pytest.mark.parametrize("big", ["x", "y", "both"])
def test_a_shift_that_overflows_is_zeros(big):
    """Finite values whose head's sum overflows: the shift is 0 for both columns."""
    x, y = np.array([1.0, 2.0, 4.0]), np.array([3.0, 5.0, 6.0])
    if big in ("x", "both"):
        x = np.array([1.5e308, 1.6e308, 1e300])
    if big in ("y", "both"):
        y = np.array([1.7e308, 1.7e308, -1.0])
    with np.errstate(over="ignore"):
        assert line_shift(x[:, None], y) == [0.0, 0.0] == _several(x, y)


def test_only_a_native_float64_ndarray_passes_through():
    values = [1.0, -0.0, 2.5e-300, 3.0]
    native = np.array(values)
    assert _as_float_array(native, "X") is native
    for dtype in (">f8", "<f4", ">f4", "f2", "i8"):
        other = np.array(values, dtype=dtype)
        out = _as_float_array(other, "X")
        assert out is not other and out.dtype == np.float64 and out.dtype.isnative
        assert out.tobytes() == np.array(values, dtype=dtype).astype(np.float64).tobytes()
    masked = np.ma.masked_array(values, mask=[False, True, False, False])
    with pytest.raises(InputError, match="masked"):
        _as_float_array(masked, "X")


def test_the_fit_refuses_a_masked_float64_column():
    x = np.ma.masked_array([[1.0], [2.0], [3.0], [4.0]], mask=[[False], [True], [False], [False]])
    with pytest.raises(InputError, match="masked"):
        gradient_descent(x, np.array([1.0, 2.0, 2.5, 4.0]), learning_rate=1e-2, num_iterations=10)
    with pytest.raises(InputError, match="masked"):
        gradient_descent(np.array([[1.0], [2.0], [3.0], [4.0]]), x[:, 0], learning_rate=1e-2,
                         num_iterations=10)  # fmt: skip


def test_the_fit_of_a_byte_swapped_or_float32_column_is_the_native_ones():
    rng = np.random.default_rng(3)
    x = np.arange(50.0)
    y = 0.5 * x + rng.normal(size=50)
    native = gradient_descent(x[:, None], y, learning_rate=1e-4, num_iterations=100)
    swapped = gradient_descent(x[:, None].astype(">f8"), y.astype(">f8"), learning_rate=1e-4,
                               num_iterations=100)  # fmt: skip
    assert _everything(swapped) == _everything(native)
    y32 = (y + 1e-3).astype(np.float32)  # (not a float64's bits)
    as32 = gradient_descent(x[:, None].astype(np.float32), y32, learning_rate=1e-4,
                            num_iterations=100)  # fmt: skip
    as64 = gradient_descent(x[:, None], y32.astype(np.float64), learning_rate=1e-4,
                            num_iterations=100)  # fmt: skip
    assert _everything(as32) == _everything(as64)
