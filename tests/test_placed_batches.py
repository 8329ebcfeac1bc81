"""Two columns of an Arrow IPC file's batches smaller than a block (65,536 rows, say) are
read where the pass holds them (`linreg._ipc_placed.Placed`, `linreg.accumulate.Pass.hold`)
and shifted there, not mapped and copied: the statistics are those of the memory map's
route bit for bit, also where a held block is summed again a batch at a time (its rows
read again from the file) and where a bad value is named."""

from __future__ import annotations

import numpy as np
import pytest

from linreg import _ipc_file, _ipc_placed, accumulate
from linreg.errors import DataFileError, InputError
from linreg.moments import Moments

from .test_ipc_file import _write_batches
from .test_rounding import _covered_at_any_scale

FIELDS = ("count", "mean_x", "mean_y", "cxx", "cxy", "cyy", "rounding", "mean_rounding")


def _both(path, monkeypatch):
    """The statistics read placed, and by the memory map as before (nothing placed); and
    the rows the placed route read, (start, rows) in each read. A batch read again is
    read in the parts it was first read in (the rows its block held), none other."""
    reads: list[tuple[int, int]] = []
    first: dict[int, list[tuple[int, int]]] = {}
    real = _ipc_placed.Placed.read

    def counted(self, start, outs):
        part, parts = (start, len(outs[0])), first.setdefault(self.places[0], [])
        assert part in parts or sum(rows for _, rows in parts) < self.rows, "not as held"
        parts.append(part) if part not in parts else None
        reads.append(part)
        real(self, start, outs)

    monkeypatch.setattr(_ipc_placed.Placed, "read", counted)
    placed = Moments.from_ipc(path, x="x", y="y")
    with monkeypatch.context() as inner:
        inner.setattr(_ipc_file, "PLACED_ROWS", 0)
        mapped = Moments.from_ipc(path, x="x", y="y")
    return placed, mapped, reads


def _same(got, want):
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)


LAYOUTS = {
    "even": [1_024] * 20 + [300],
    "across blocks": [1_500, 3_000, 2_048, 5_000, 1_100, 9_000, 1_024, 40],
    "with large and small": [2_000, 9_000, 500, 1_024, 20_000, 3_000, 7],
}


@pytest.mark.parametrize("sizes", LAYOUTS.values(), ids=list(LAYOUTS))
@pytest.mark.parametrize("drift", [0.0, 1e6], ids=["near", "drifting"])
def test_placed_batches_give_the_mapped_statistics_bit_for_bit(tmp_path, monkeypatch, sizes, drift):
    """Batches of 1,024 rows and more (a piece) under a block of 8,192, read where they
    are held; batches of a block or more still mapped, smaller ones gathered. Drifting
    data break the run: each such block is summed again a batch at a time, its rows read
    again from the file (a read that starts inside a batch, where a batch spans two
    blocks), and the statistics are still the mapped route's to the last bit."""
    monkeypatch.setattr(_ipc_file, "PIECE_NUMBERS", 2048)  # pieces of 1,024 rows
    monkeypatch.setattr(_ipc_file, "VIEW_NUMBERS", 1 << 14)  # views of 8,192 rows
    monkeypatch.setattr(_ipc_file, "PLACED_ROWS", 1 << 13)
    monkeypatch.setattr(accumulate, "BLOCK_ROWS", 1 << 13)
    n = sum(sizes)
    rng = np.random.default_rng(len(sizes) + int(drift))
    x = 1e3 + rng.normal(size=n) + drift * np.linspace(0.0, 1.0, n) ** 3
    y = 3.0 * x + rng.normal(size=n)
    path = tmp_path / "placed.arrow"
    _write_batches(path, {"x": x, "other": -x, "y": y}, sizes)
    placed, mapped, reads = _both(path, monkeypatch)
    _same(placed, mapped)
    _covered_at_any_scale(placed, x[:, None], y)  # the file's rows, by their exact sums
    placed_rows = sum(s for s in sizes if 1_024 <= s < 1 << 13)
    read_rows = sum(count for _, count in reads)
    assert read_rows > placed_rows if drift else read_rows == placed_rows
    if sizes == LAYOUTS["across blocks"]:
        assert any(start for start, _ in reads)  # a batch's rows read from inside it


def test_the_benchmarks_batches_are_placed_and_give_the_arrays_statistics(tmp_path, monkeypatch):
    """pyarrow's default batches of 65,536 rows, a third column between: read placed,
    one system call a batch, the statistics those of the columns as arrays."""
    n = 4 * 65_536 + 777
    rng = np.random.default_rng(11)
    x = rng.uniform(25.0, 70.0, n)
    y = 1.3 * x + 8.0 + rng.normal(scale=10.0, size=n)
    path = tmp_path / "default.arrow"
    _write_batches(path, {"x": x, "y": y, "other": -y}, [65_536] * 4 + [777])
    placed, mapped, reads = _both(path, monkeypatch)
    assert reads == [(0, 65_536)] * 4
    _same(placed, Moments.from_arrays(x[:, None], y))
    _same(placed, mapped)


@pytest.mark.parametrize("row", [5, 1_024 * 7 + 3, 1_024 * 17 + 1_000])
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_a_bad_value_in_a_placed_batch_is_named_from_the_file(tmp_path, monkeypatch, row, value):
    """Rows are shifted where they are held, so a bad value is named from the rows read
    again from the file: its own value and row (also in the last block, summed after the
    reader has finished), never a shifted one."""
    monkeypatch.setattr(_ipc_file, "PIECE_NUMBERS", 2048)
    monkeypatch.setattr(accumulate, "BLOCK_ROWS", 1 << 13)
    x = np.random.default_rng(row).normal(size=18 * 1_024)
    x[row] = value
    path = tmp_path / "bad.arrow"
    _write_batches(path, {"x": x, "y": 3.0 * x}, [1_024] * 18)
    with pytest.raises(DataFileError, match=rf"column 'x' holds {value!r} at row {row:,} "):
        Moments.from_ipc(path, x="x", y="y")


def test_a_value_whose_shift_overflows_is_too_large_not_named(tmp_path, monkeypatch):
    """1.7e308 less a negative shift overflows where it is held: the value in the file
    is finite, so its squares are too large, as the mapped route says."""
    monkeypatch.setattr(_ipc_file, "PIECE_NUMBERS", 2048)
    monkeypatch.setattr(accumulate, "BLOCK_ROWS", 1 << 13)
    x = np.full(4 * 1_024, -1e308)
    x[2_000] = 1.7e308
    path = tmp_path / "far.arrow"
    _write_batches(path, {"x": x, "y": np.ones_like(x)}, [1_024] * 4)
    with pytest.raises(InputError, match="too large for float64"):
        Moments.from_ipc(path, x="x", y="y")


def test_a_file_cut_short_under_a_placed_batch_cannot_be_read(tmp_path):
    """A file cut short after its batches were checked (rows read again at the end of
    a pass, say) is said to be shorter than its metadata, not read as zeros."""
    path = tmp_path / "cut.arrow"
    path.write_bytes(np.arange(100.0).tobytes())
    column = type("Column", (), {"values": (0, 8 * 64)})
    placed = _ipc_placed.Placed(path, _ipc_placed.Handle(path), 64, [column, column])
    outs = [np.empty(64), np.empty(64)]
    placed.read(0, outs)  # the columns' places as given: both read from offset 0
    np.testing.assert_array_equal(outs[1], np.arange(64.0))
    with open(path, "r+b") as handle:
        handle.truncate(8 * 50)
    with pytest.raises(DataFileError, match=r"cut.arrow: cannot be read \(it is shorter than"):
        placed.read(0, outs)
