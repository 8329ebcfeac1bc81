"""One feature's rows that come in calls whose rows last (an Arrow IPC file's batches
read in place) are held and summed a block at a time (`linreg._line_sums.Held`), not a
call at a time: the same blocks as one array's, the same bounds, and a bad value still
named by its own row when its batch was held."""

from __future__ import annotations

import numpy as np
import pytest

from linreg import _ipc_file, _line_sums, accumulate
from linreg.accumulate import Pass, one_pass
from linreg.errors import DataFileError, InputError
from linreg.moments import Moments

from .test_ipc_file import _write_batches
from .test_rounding import _covered_at_any_scale

FIELDS = ("count", "mean_x", "mean_y", "cxx", "cxy", "cyy", "rounding", "mean_rounding")


def _held(x: np.ndarray, y: np.ndarray, sizes: list[int]) -> Pass:
    one, start = Pass(1), 0
    for size in sizes:
        one.add(x[start : start + size, None], y[start : start + size], lasting=True)
        start += size
    assert start == len(y)
    return one


SIZES = {
    "65,536 each": [65_536] * 9 + [12_345],
    "uneven": [3_000, 70_000, 300_000, 5, 1 << 18, 200_000, 7],  # calls across blocks
}


@pytest.mark.parametrize("sizes", SIZES.values(), ids=list(SIZES))
def test_held_calls_are_summed_as_the_arrays_blocks_bit_for_bit(sizes, monkeypatch):
    """Batches of 65,536 rows (feather's default) cost one call of the block sums per
    262,144 rows, not one per batch; the blocks are the array's, so with no new run the
    statistics, bounds included, are the array's to the last bit."""
    rng = np.random.default_rng(len(sizes))
    n = sum(sizes)
    x = rng.normal(5.0, 2.0, n)
    y = 3.0 * x + rng.normal(size=n)
    rows: list[int] = []
    real = _line_sums.shifted_sums
    monkeypatch.setattr(_line_sums, "shifted_sums", lambda s, m: rows.append(m) or real(s, m))
    held = _held(x, y, sizes).result()
    block = accumulate.BLOCK_ROWS
    assert rows == [block] * (n // block) + [n % block]
    expected = one_pass(x[:, None], y)
    assert held is not None and expected is not None
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(held, name), getattr(expected, name), err_msg=name)


@pytest.mark.parametrize("scale", [1e-8, 1.0, 1e8])
@pytest.mark.parametrize("drift", [0.0, 1.0], ids=["near", "far"])
def test_held_calls_on_adversarial_data_bound_their_rounding(scale, drift, monkeypatch):
    """Offsets of 1e8 at scales 1e-8 (below the offset's own ulp) to 1e8, in calls of 1 to
    20,000 rows, blocks of 8,192: the held route's statistics are covered by their bounds
    against the exact sums, as the array's are, and the two agree within both bounds.
    A first shift far from the rest's means breaks the run: a held block that does not
    stay is summed again a call at a time, from the rows held."""
    monkeypatch.setattr(accumulate, "BLOCK_ROWS", 1 << 13)
    rng = np.random.default_rng(int(np.log10(scale)) + 20 + int(drift))
    sizes = [3] + [int(k) for k in rng.integers(1, 5_000, size=12)] + [8_192, 20_000, 3]
    n = sum(sizes)
    trend = drift * 1e5 * (np.arange(n) < 3)  # the first shift far from the rest's means
    x = 1e8 + scale * (rng.normal(size=n) + trend)
    y = -7e7 + scale * (2.0 * (x - 1e8) / scale + rng.normal(size=n))
    again: list[int] = []
    real = Pass._block
    monkeypatch.setattr(Pass, "_block", lambda s, *a: again.append(1) or real(s, *a))
    held = _held(x, y, sizes).result()
    assert held is not None
    assert bool(again) == bool(drift)  # the far start's block was summed again
    expected = one_pass(x[:, None], y)
    assert expected is not None
    _covered_at_any_scale(held, x[:, None], y)
    _covered_at_any_scale(expected, x[:, None], y)
    both = held.rounding + expected.rounding
    for got, want, size in [
        (held.cxx[0, 0], expected.cxx[0, 0], expected.cxx[0, 0]),
        (held.cxy[0], expected.cxy[0], np.sqrt(expected.cxx[0, 0] * expected.cyy)),
        (held.cyy, expected.cyy, expected.cyy),
    ]:
        assert abs(got - want) <= both * size
    spread = np.sqrt(expected.cxx[0, 0] / n)
    slack = (held.mean_rounding + expected.mean_rounding) * (abs(expected.mean_x[0]) + spread)
    assert abs(held.mean_x[0] - expected.mean_x[0]) <= slack


@pytest.mark.parametrize("row", [1_234, 8_192 + 40, 2 * 8_192 + 999])
def test_a_nan_in_a_held_batch_is_named_by_its_row(tmp_path, monkeypatch, row):
    """Batches of 1,024 rows read in place, eight held to a block: a NaN in a batch held
    before the one that filled the block (or in the last block, summed at the end) is
    named by its own row, not called too large from the batch that was last read."""
    monkeypatch.setattr(_ipc_file, "PIECE_NUMBERS", 2048)  # 1,024-row batches: in place
    monkeypatch.setattr(accumulate, "BLOCK_ROWS", 1 << 13)
    x = np.random.default_rng(row).normal(size=2 * 8_192 + 1_024)
    y = 3.0 * x
    y[row] = np.nan
    path = tmp_path / "held.arrow"
    _write_batches(path, {"x": x, "y": y}, [1_024] * 17)
    with pytest.raises(DataFileError, match=rf"column 'y' holds nan at row {row:,} "):
        Moments.from_ipc(path, x="x", y="y")


def test_an_overflow_in_a_held_batch_is_too_large(tmp_path, monkeypatch):
    """Finite values whose squares overflow, in a held batch: too large, as before."""
    monkeypatch.setattr(_ipc_file, "PIECE_NUMBERS", 2048)
    monkeypatch.setattr(accumulate, "BLOCK_ROWS", 1 << 13)
    x = np.random.default_rng(5).normal(size=4 * 1_024)
    x[1_500] = 1e300
    path = tmp_path / "huge.arrow"
    _write_batches(path, {"x": x, "y": 3.0 * x}, [1_024] * 4)
    with pytest.raises(InputError, match="too large for float64"):
        Moments.from_ipc(path, x="x", y="y")


def test_ipc_batches_give_the_statistics_of_one_array(tmp_path):
    """65,536-row batches (pyarrow's default) read through the file: the statistics of
    the columns as one array, bit for bit (the same blocks, no new run)."""
    n = 4 * 65_536 + 777
    rng = np.random.default_rng(3)
    x = rng.uniform(1e3, 1e3 + 1, n)
    y = 3.0 * x + rng.normal(scale=1e-3, size=n)
    path = tmp_path / "batches.arrow"
    _write_batches(path, {"x": x, "other": -x, "y": y}, [65_536] * 4 + [777])
    got, expected = Moments.from_ipc(path, x="x", y="y"), Moments.from_arrays(x[:, None], y)
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(got, name), getattr(expected, name), err_msg=name)


def _shift_by_arrays(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """`first_shift`'s numpy lines (its route for several features), for any X."""
    head = min(y.shape[0], 1024)
    ones = np.ones(head)
    shift = np.append(ones @ X[:head], float(ones @ y[:head])) / head
    return shift if np.isfinite(shift).all() else np.zeros_like(shift)


@pytest.mark.parametrize("n", [1, 3, 100, 1024, 1500])
@pytest.mark.parametrize(
    "x_value, y_value",
    [(1e12, -3.0), (1e-300, 5e-324), (1.7e308, 1.0), (np.nan, 0.0), (-0.0, -0.0)],
)
def test_one_features_first_shift_is_the_arrays_bit_for_bit(n, x_value, y_value):
    """One feature's shift is formed on floats: the same sums and quotients, the same
    zeros where one is not finite (also a -0.0's sign)."""
    rng = np.random.default_rng(n)
    x = x_value * (1 + 1e-3 * rng.normal(size=n)) if x_value else np.full(n, x_value)
    y = y_value * (1 + 1e-3 * rng.normal(size=n)) if y_value else np.full(n, y_value)
    with np.errstate(all="ignore"):
        want = _shift_by_arrays(x[:, None], y)
        got = _line_sums.first_shift(x[:, None], y)
    assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
