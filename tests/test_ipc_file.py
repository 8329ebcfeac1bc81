"""Arrow IPC (Feather) files read a piece at a time from the file (`linreg._ipc_file`):
the same statistics as the table in memory, whatever the batches, the codec, the types
and the other columns around the ones chosen; a null named by its row; a file whose
metadata does not hold together refused; one 10M-row batch within 200 MB."""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys

import numpy as np
import pytest

from linreg import _ipc_file, _ipc_head, _zstd_frame
from linreg.errors import DataFileError
from linreg.moments import Moments

from .test_hostile import MAX_RSS, command

pa = pytest.importorskip("pyarrow")  # the fast extra; CI (LINREG_REQUIRE_ALL=1) fails a skip
feather = pytest.importorskip("pyarrow.feather")
pytest.importorskip("pyarrow.compute")  # the dictionary advice calls it

RNG = np.random.default_rng(17)


def _table(n: int):
    hours = RNG.uniform(25, 70, n)
    sleep = RNG.normal(7, 1, n)
    score = 1.3 * hours - 2.0 * sleep + 8 + RNG.normal(scale=10, size=n)
    return pa.table(
        {
            "name": [f"s{k}" for k in range(n)],  # three buffers
            "tags": pa.array([[k, k + 1] for k in range(n)], pa.list_(pa.int16())),  # a child
            "hours": hours,
            "pair": pa.array([{"a": k, "b": str(k)} for k in range(n)]),  # two children
            "sleep": sleep.astype(np.float32),  # another float type: cast
            "visits": RNG.integers(0, 9, n).astype(np.int32),  # integers: cast
            "blank": pa.nulls(n),  # no buffers at all
            "city": pa.array(["a", "b", "c"] * (n // 3) + ["a"] * (n % 3)).dictionary_encode(),
            "score": score,
        }
    )


def _exact(table, x, y) -> Moments:
    X = np.column_stack([np.asarray(table.column(c).to_pylist(), float) for c in x])
    return Moments.from_arrays(X, np.asarray(table.column(y).to_pylist(), float))


def _same(a: Moments, b: Moments) -> None:
    """Equal up to the rounding of two passes cut differently (`Statistics.rounding` is
    about 1e-12 of the scale; 1e-12 is within it)."""
    assert a.count == b.count
    np.testing.assert_allclose(a.mean_x, b.mean_x, rtol=1e-12)
    np.testing.assert_allclose(a.cxx, b.cxx, rtol=1e-12)
    np.testing.assert_allclose(a.cxy, b.cxy, rtol=1e-12)
    assert a.cyy == pytest.approx(b.cyy, rel=1e-12)


@pytest.mark.parametrize("compression", ["uncompressed", "lz4", "zstd"])
@pytest.mark.parametrize("batch", [333, 5000])
@pytest.mark.parametrize("whole", [True, False], ids=["decompressed-whole", "streamed"])
def test_pieces_across_batches_give_the_same_statistics(
    tmp_path, monkeypatch, compression, batch, whole
):
    """Pieces of 250 rows (3 columns): a piece spans batches, a batch spans pieces, and
    the ring of pieces turns over many times; a compressed batch decompressed whole (a
    small one) or streamed (a large one)."""
    monkeypatch.setattr(_ipc_file, "PIECE_NUMBERS", 750)
    monkeypatch.setattr(_ipc_file, "WHOLE_BYTES", _ipc_file.WHOLE_BYTES if whole else 0)
    table = _table(5000)
    path = tmp_path / "t.feather"
    feather.write_feather(table, path, compression=compression, chunksize=batch)
    x, y = ["hours", "sleep", "visits"], "score"
    _same(Moments.from_ipc(path, x=x, y=y), _exact(table, x, y))
    one = Moments.from_ipc(path, x="sleep", y="hours")
    _same(one, _exact(table, ["sleep"], "hours"))


def test_pieces_are_bounded_and_in_order(tmp_path, monkeypatch):
    """One batch of 5000 rows comes out in pieces of at most PIECE_NUMBERS // columns
    rows, first rows counted from the file's start, values as written."""
    monkeypatch.setattr(_ipc_file, "PIECE_NUMBERS", 2048)  # 2 columns: 1024 rows
    x = np.arange(5000.0)
    path = tmp_path / "one.feather"
    feather.write_feather(pa.table({"x": x, "y": -x}), path, compression="zstd", chunksize=5000)
    schema = pa.ipc.open_file(str(path)).schema
    seen = [
        (first, values[0].copy(), values[1].copy())
        for first, values, _ in _ipc_file.read_pieces(pa, path, schema, ["y", "x"])
    ]
    assert [first for first, _, _ in seen] == [0, 1024, 2048, 3072, 4096]
    assert max(len(a) for _, a, _ in seen) == 1024
    np.testing.assert_array_equal(np.concatenate([b for _, _, b in seen]), x)
    np.testing.assert_array_equal(np.concatenate([a for _, a, _ in seen]), -x)


def test_view_types_and_decimals_around_the_columns(tmp_path):
    """A string_view column's variadic buffers (counted per batch) and a decimal column
    (cast) beside the ones chosen."""
    n = 3000
    words = pa.array([f"a long string of more than twelve bytes {k}" for k in range(n)])
    table = pa.table(
        {
            "words": words.cast(pa.string_view()),
            "price": pa.array([k / 100 for k in range(n)]).cast(pa.decimal128(9, 2)),
            "y": RNG.normal(size=n),
        }
    )
    path = tmp_path / "v.arrow"
    feather.write_feather(table, path, compression="uncompressed", chunksize=700)
    _same(Moments.from_ipc(path, x="price", y="y"), _exact(table, ["price"], "y"))


@pytest.mark.parametrize("compression", ["uncompressed", "zstd"])
def test_a_null_is_named_by_its_row_in_a_later_batch(tmp_path, compression):
    values = list(RNG.normal(size=1000))
    values[777] = None
    path = tmp_path / "n.feather"
    table = pa.table({"x": np.arange(1000.0), "y": values})
    feather.write_feather(table, path, compression=compression, chunksize=300)
    with pytest.raises(DataFileError, match=r"column 'y' has a missing value \(null\) at row 777 "):
        Moments.from_ipc(path, x="x", y="y")


def test_metadata_that_does_not_hold_together_is_refused(tmp_path):
    """A footer cut off, a batch's buffers pointing past the file: "cannot be read"."""
    path = tmp_path / "t.arrow"
    x = np.arange(1000.0)
    feather.write_feather(pa.table({"x": x, "y": 2 * x}), path, compression="uncompressed")
    data = path.read_bytes()
    cut = tmp_path / "cut.arrow"
    cut.write_bytes(data[:-6] + b"ARROW0")
    with pytest.raises(DataFileError, match=r"cut\.arrow: "):
        Moments.from_ipc(cut, x="x", y="y")
    short = tmp_path / "short.arrow"
    schema = pa.ipc.open_file(str(path)).schema
    descriptor = os.open(path, os.O_RDONLY)
    (offset, meta, body), *_ = _ipc_file._blocks(descriptor)
    os.close(descriptor)
    # the body cut in half: the footer still says where it was
    short.write_bytes(data[: offset + meta + body // 2] + data[offset + meta + body :])
    with pytest.raises(DataFileError, match=r"short\.arrow: cannot be read \("):
        list(_ipc_file.read_pieces(pa, short, schema, ["x", "y"]))


def test_a_batch_message_like_the_one_before_is_not_parsed_again(tmp_path, monkeypatch):
    """Batches written alike have the same message, byte for byte: it is parsed once
    (153 batches of 65,536 rows: 1.8 ms parsed each, 0.44 ms so), and every batch's
    columns are still read from its own body."""
    parsed = []
    parse = _ipc_file._parse
    monkeypatch.setattr(_ipc_file, "_parse", lambda *args: parsed.append(args[-1]) or parse(*args))
    x = RNG.normal(size=10 * 700 + 123)
    path = tmp_path / "alike.arrow"
    _write_batches(path, {"x": x, "other": -x, "y": 2 * x}, [700] * 10 + [123])
    schema = pa.ipc.open_file(str(path)).schema
    pieces = list(_ipc_file.read_pieces(pa, path, schema, ["x", "y"]))
    assert len(parsed) == 2  # the ten alike, then the last
    np.testing.assert_array_equal(np.concatenate([a for _, (a, _), _ in pieces]), x)
    np.testing.assert_array_equal(np.concatenate([b for _, (_, b), _ in pieces]), 2 * x)


def test_the_chosen_columns_types_are_judged_once_a_file_not_once_a_batch(tmp_path):
    """Whether batches may be read in place depends, besides each batch's rows and codec,
    on the chosen columns' types, the same for every batch: they are compared with
    float64 once a file (20 batches read in place: 2 comparisons, not 40)."""

    class Counting:
        """pyarrow, counting the float64 types asked of it."""

        asked = 0

        def __getattr__(self, name: str) -> object:
            return getattr(pa, name)

        def float64(self) -> object:
            Counting.asked += 1
            return pa.float64()

    x = RNG.normal(size=20 * 1024)
    path = tmp_path / "twenty.arrow"
    _write_batches(path, {"x": x, "y": 2 * x}, [1024] * 20)
    schema = pa.ipc.open_file(str(path)).schema
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_ipc_file, "PIECE_NUMBERS", 2048)  # 1,024 rows: each batch in place
        pieces = list(_ipc_file.read_pieces(Counting(), path, schema, ["x", "y"]))
    assert len(pieces) == 20 and not any(a.flags.writeable for _, (a, _), _ in pieces)
    assert all(lasting for *_, lasting in pieces)  # read in place: held by the pass
    assert Counting.asked == 2
    np.testing.assert_array_equal(np.concatenate([a for _, (a, _), _ in pieces]), x)


def test_a_message_like_the_one_before_with_a_shorter_body_is_refused(tmp_path):
    """The footer says a batch's body is shorter than its message's buffers reach: its
    message is the one before's, byte for byte, but it is checked again against its
    own body, and refused."""
    path = tmp_path / "t.arrow"
    x = np.arange(3000.0)
    _write_batches(path, {"x": x, "y": 2 * x}, [1000, 1000, 1000])
    descriptor = os.open(path, os.O_RDONLY)
    blocks = list(_ipc_file._blocks(descriptor))
    os.close(descriptor)
    offset, meta, body = blocks[1]
    data = bytearray(path.read_bytes())
    entry = data.rindex(struct.pack("<qi", offset, meta))  # the footer's Block
    data[entry + 16 : entry + 24] = struct.pack("<q", body // 2)
    short = tmp_path / "short.arrow"
    short.write_bytes(bytes(data))
    with pytest.raises(DataFileError, match=r"short\.arrow: cannot be read \(a column's"):
        Moments.from_ipc(short, x="x", y="y")


@pytest.mark.slow
@pytest.mark.parametrize("compression", ["uncompressed", "zstd"])
def test_one_ten_million_row_batch_stays_in_bounded_memory(tmp_path, compression):
    """10M x 2 float64 in ONE record batch (from the audit: 243 MB uncompressed, its
    memory map's pages resident; 398 MB with zstd, the batch decompressed whole)."""
    path = tmp_path / "one.feather"
    x = np.random.default_rng(3).normal(size=10_000_000)
    table = pa.table({"x": x, "y": 2.0 * x + 1.0})
    del x
    feather.write_feather(table, path, compression=compression, chunksize=10_000_000)
    del table
    done = command("--data", str(path), "--x", "x", "--y", "y", "--iterations", "10")
    assert done.code == 0, done.err
    assert done.rss < MAX_RSS, done.rss


def test_many_lz4_columns_in_small_batches_stay_in_bounded_memory(tmp_path):
    """20,000 rows x 257 columns in lz4 batches of 1,000 rows (from the audit: a stream per
    column, about 1.2 MiB of lz4 decoder each, took 453 MB): each small batch is
    decompressed whole."""
    path = tmp_path / "wide.feather"
    values = np.random.default_rng(5).normal(size=(20_000, 257))
    table = pa.table({f"c{k}": values[:, k] for k in range(257)})
    feather.write_feather(table, path, compression="lz4", chunksize=1000)
    chosen = [arg for k in range(256) for arg in ("--x", f"c{k}")]
    done = command("--data", str(path), *chosen, "--y", "c256", "--method", "cg")
    assert done.code == 0, done.err
    assert done.rss < MAX_RSS, done.rss


_DECOMPRESSED_PEAK = """
import sys
from pathlib import Path
import pyarrow as pa, pyarrow.ipc
from linreg import _ipc_file, _ipc_head, _zstd_frame
path = Path(sys.argv[1])
schema = pa.ipc.open_file(pa.OSFile(str(path))).schema
pool = pa.system_memory_pool()
before = pool.max_memory()
for _ in _ipc_file.read_pieces(pa, path, schema, list(schema.names)):
    pass
print(pool.max_memory() - before)
"""


def test_one_compressed_batch_decompressed_whole_is_held_at_a_time(tmp_path):
    """Only one batch's decompressed columns are alive at once (the seventh audit: folders
    of lz4 files in batches of 8,160 rows x 257, each just under `WHOLE_BYTES`, peaked at
    191-230 MB while the batch before was still held as the next was decompressed; 136-154
    MB once it was let go of first, 123-127 MB decompressed into the system's allocator,
    not the command's jemalloc). That pool's peak, in a fresh process, stays under two
    batches' worth."""
    path = tmp_path / "wide.feather"
    values = np.random.default_rng(6).integers(0, 9, size=(8_000, 40)) / 4  # lz4 shrinks it
    feather.write_feather(
        pa.table({f"c{k}": values[:, k] for k in range(40)}),
        path,
        compression="lz4",
        chunksize=2000,
    )
    done = subprocess.run(
        [sys.executable, "-c", _DECOMPRESSED_PEAK, str(path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    batch = 2000 * 40 * 8
    assert batch // 2 < int(done.stdout) < 1.5 * batch, done.stdout  # one batch, not two


@pytest.mark.parametrize("codec", ["lz4", "zstd"])
def test_a_large_compressed_batch_of_many_columns_is_refused_saying_how_to_rewrite_it(
    tmp_path, monkeypatch, codec
):
    """Streams of lz4 cost about 1.2 MiB each, of zstd up to 1 MiB (the fresh audit: a
    zstd batch of 20,000 rows x 600, 1.1 GB): past COMPRESSED_STREAMS columns in a batch
    too large to decompress whole, the file is refused, not read into unbounded memory."""
    monkeypatch.setattr(_ipc_file, "WHOLE_BYTES", 3000 * 3 * 8 // 2)  # half the batch
    monkeypatch.setattr(_ipc_file, "COMPRESSED_STREAMS", 2)
    table = _table(3000)
    path = tmp_path / "t.feather"
    feather.write_feather(table, path, compression=codec, chunksize=3000)
    with pytest.raises(DataFileError, match=f"a {codec}-compressed record batch .* smaller"):
        Moments.from_ipc(path, x=["hours", "sleep"], y="score")
    with pytest.raises(DataFileError) as refused:
        Moments.from_ipc(path, x=["hours", "sleep"], y="score")
    advised = int(re.search(r"chunksize=(\d+)", str(refused.value)).group(1))  # type: ignore[union-attr]
    assert 1 <= advised < 3000
    rewritten = tmp_path / "advised.feather"
    feather.write_feather(table, rewritten, compression=codec, chunksize=advised)
    _same(  # the advice followed, each batch is read whole: not refused
        Moments.from_ipc(rewritten, x=["hours", "sleep"], y="score"),
        _exact(table, ["hours", "sleep"], "score"),
    )
    monkeypatch.setattr(_ipc_file, "COMPRESSED_STREAMS", 3)
    _same(
        Moments.from_ipc(path, x=["hours", "sleep"], y="score"),
        _exact(table, ["hours", "sleep"], "score"),
    )


def test_a_big_endian_file_is_refused_not_misread(tmp_path):
    """pyarrow swaps a big-endian file's bytes as it reads; the pieces are read raw, so
    such a file is refused by its footer's schema (written here by hand: a footer whose
    schema says Big, as a big-endian machine writes it)."""
    footer = struct.pack(
        "<I4H" + "iI" + "3Hxx" + "ihxx",
        12,  # the root table, at 12
        *(8, 8, 0, 4),  # its vtable (at 4): field 1 (the schema) at +4
        8,  # the table (at 12): its vtable is 8 bytes back
        12,  # field 1 (at 16): the schema table, 12 bytes on (28)
        *(6, 8, 4),  # the schema's vtable (at 20): field 0 (endianness) at +4
        8,  # the schema table (at 28): its vtable 8 bytes back
        1,  # endianness (at 32): Big
    )
    path = tmp_path / "big-endian.arrow"
    path.write_bytes(b"ARROW1\0\0" + footer + struct.pack("<i", len(footer)) + b"ARROW1")
    descriptor = os.open(path, os.O_RDONLY)
    try:
        with pytest.raises(_ipc_file._CorruptError, match="it was written big-endian"):
            _ipc_file._blocks(descriptor)
        little = footer[:-4] + struct.pack("<hxx", 0)  # the same footer, Little
        path.write_bytes(b"ARROW1\0\0" + little + struct.pack("<i", len(little)) + b"ARROW1")
        assert list(_ipc_file._blocks(descriptor)) == []  # read: no batches
    finally:
        os.close(descriptor)


def test_without_pread_the_pieces_are_read_by_seek_and_read(tmp_path, monkeypatch):
    """Windows has no os.pread or os.preadv: a seek and a read give the same pieces."""
    monkeypatch.setattr(_ipc_file, "PIECE_NUMBERS", 1200)
    table = _table(3000)
    path = tmp_path / "t.arrow"
    feather.write_feather(table, path, compression="uncompressed", chunksize=700)
    x, y = ["hours", "sleep", "visits"], "score"
    expected = Moments.from_ipc(path, x=x, y=y)
    monkeypatch.delattr(os, "pread")
    monkeypatch.delattr(os, "preadv")
    again = Moments.from_ipc(path, x=x, y=y)
    for name in ("count", "mean_x", "mean_y", "cxx", "cxy", "cyy"):  # the same bytes read
        np.testing.assert_array_equal(getattr(again, name), getattr(expected, name))
    _same(expected, _exact(table, x, y))


def _write_batches(path, columns, sizes):
    """An uncompressed IPC file of these columns in batches of these sizes."""
    table = pa.table(columns)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        start = 0
        for size in sizes:
            writer.write_table(table.slice(start, size), max_chunksize=size)
            start += size


def test_large_uncompressed_batches_are_read_in_place(tmp_path, monkeypatch):
    """A batch of at least a piece's rows of uncompressed float64 columns is read through
    the memory map (read-only arrays, no copy), VIEW_NUMBERS at a time; a smaller batch
    is copied into the pieces as before, and the rows gathered before a large batch are
    handed on first: the file's values, in order, each piece's first row counted from
    the file's start."""
    monkeypatch.setattr(_ipc_file, "PIECE_NUMBERS", 2048)  # 2 columns: pieces of 1,024 rows
    monkeypatch.setattr(_ipc_file, "VIEW_NUMBERS", 1000)  # read in place: 500 rows
    x = RNG.normal(size=9134)
    path = tmp_path / "mixed.arrow"
    _write_batches(path, {"x": x, "other": -x, "y": 2 * x}, [300, 5000, 700, 1024, 2100, 10])
    schema = pa.ipc.open_file(str(path)).schema
    seen = [
        (first, len(a), a.flags.writeable, a.copy(), b.copy())
        for first, (a, b), _ in _ipc_file.read_pieces(pa, path, schema, ["x", "y"])
    ]
    in_place = [(first, rows) for first, rows, writeable, _, _ in seen if not writeable]
    copied = [(first, rows) for first, rows, writeable, _, _ in seen if writeable]
    assert copied == [(0, 300), (5300, 700), (9124, 10)]
    assert in_place == [(300 + 500 * k, 500) for k in range(10)] + [
        (6000, 500), (6500, 500), (7000, 24),
        (7024, 500), (7524, 500), (8024, 500), (8524, 500), (9024, 100),
    ]  # fmt: skip
    np.testing.assert_array_equal(np.concatenate([a for *_, a, _ in seen]), x)
    np.testing.assert_array_equal(np.concatenate([b for *_, b in seen]), 2 * x)
    table = pa.table({"x": x, "y": 2 * x})
    _same(Moments.from_ipc(path, x="x", y="y"), _exact(table, ["x"], "y"))


@pytest.mark.parametrize("chosen", [_ipc_file.VIEW_COLUMNS, _ipc_file.VIEW_COLUMNS + 1])
def test_a_batch_of_more_than_view_columns_is_copied_not_read_in_place(
    tmp_path, monkeypatch, chosen
):
    """The fifth audit: 1M rows x 48 in one uncompressed batch peaked at 201 MB read in
    place (the map's pages of 48 columns far apart), 94 MB copied."""
    monkeypatch.setattr(_ipc_file, "PIECE_NUMBERS", 2048)
    monkeypatch.setattr(_ipc_file, "VIEW_NUMBERS", 4096)
    x = RNG.normal(size=3000)
    columns = {f"c{k}": x + k for k in range(chosen)}
    path = tmp_path / "wide.arrow"
    _write_batches(path, columns, [3000])
    schema = pa.ipc.open_file(str(path)).schema
    pieces = list(_ipc_file.read_pieces(pa, path, schema, list(columns)))
    in_place = [not arrays[0].flags.writeable for _, arrays, _ in pieces]
    assert in_place == [lasting for *_, lasting in pieces]
    assert all(in_place) if chosen <= _ipc_file.VIEW_COLUMNS else not any(in_place)


def test_a_one_batch_file_gives_the_statistics_of_the_arrays_bit_for_bit(tmp_path):
    """One feature, one batch: the pieces read in place are the pass's own blocks
    (VIEW_NUMBERS // 2 rows = BLOCK_ROWS), so the statistics are those of the arrays
    in memory to the last bit, not only within their rounding."""
    from linreg.accumulate import BLOCK_ROWS

    assert _ipc_file.VIEW_NUMBERS // 2 == BLOCK_ROWS
    n = 2 * BLOCK_ROWS + 12_345
    rng = np.random.default_rng(19)
    x = rng.uniform(1e3, 1e3 + 1, n)  # far from 0, little spread: shifts matter
    y = 3.0 * x + rng.normal(scale=1e-3, size=n)
    path = tmp_path / "one.arrow"
    _write_batches(path, {"x": x, "y": y}, [n])
    got, expected = Moments.from_ipc(path, x="x", y="y"), Moments.from_arrays(x[:, None], y)
    for name in ("count", "mean_x", "mean_y", "cxx", "cxy", "cyy"):
        np.testing.assert_array_equal(getattr(got, name), getattr(expected, name), err_msg=name)


@pytest.mark.parametrize("bad", ["null", "nan"])
def test_a_bad_value_in_a_batch_read_in_place_is_named_by_its_row(tmp_path, monkeypatch, bad):
    """A null (from the batch's validity) or a NaN (from the sums) in a later batch read
    in place, after rows gathered from smaller batches: its row counted from the file's
    start."""
    monkeypatch.setattr(_ipc_file, "PIECE_NUMBERS", 2048)
    monkeypatch.setattr(_ipc_file, "VIEW_NUMBERS", 1000)
    values: list[float | None] = list(RNG.normal(size=6000))
    values[300 + 700 + 1234] = None if bad == "null" else float("nan")
    path = tmp_path / "bad.arrow"
    _write_batches(path, {"x": np.arange(6000.0), "y": values}, [300, 700, 5000])
    said = r"has a missing value \(null\)" if bad == "null" else "holds nan"
    with pytest.raises(DataFileError, match=rf"column 'y' {said} at row 2,234 "):
        Moments.from_ipc(path, x="x", y="y")


def test_without_madvise_every_batch_is_copied(tmp_path, monkeypatch):
    """Where a memory map's pages cannot be let go of (Windows has no mmap.madvise), a
    large batch is copied into the pieces as a small one is: writable arrays, the same
    values and statistics."""
    monkeypatch.setattr(_ipc_file, "PIECE_NUMBERS", 2048)
    monkeypatch.setattr(_ipc_file, "VIEW_NUMBERS", 1000)
    x = RNG.normal(size=5000)
    path = tmp_path / "large.arrow"
    _write_batches(path, {"x": x, "y": 3 * x}, [300, 4700])
    schema = pa.ipc.open_file(str(path)).schema
    in_place = Moments.from_ipc(path, x="x", y="y")
    monkeypatch.setattr(_ipc_file.mmap, "mmap", type("NoMadvise", (), {}))
    pieces = [
        (a.flags.writeable, a.copy())
        for _, (a, _), _ in _ipc_file.read_pieces(pa, path, schema, ["x", "y"])
    ]
    assert all(writeable for writeable, _ in pieces) and len(pieces) == 5
    np.testing.assert_array_equal(np.concatenate([a for _, a in pieces]), x)
    _same(Moments.from_ipc(path, x="x", y="y"), in_place)


def test_a_file_that_cannot_be_mapped_is_copied(tmp_path, monkeypatch):
    """mmap refused (no address space left, a file system without maps): the batches
    are copied, with the same values, not an error."""
    monkeypatch.setattr(_ipc_file, "PIECE_NUMBERS", 2048)
    x = RNG.normal(size=5000)
    path = tmp_path / "large.arrow"
    _write_batches(path, {"x": x, "y": 3 * x}, [5000])
    schema = pa.ipc.open_file(str(path)).schema

    class Refused:
        madvise = None  # a system with madvise, whose mmap fails on this file

        def __init__(self, *args: object, **kwargs: object) -> None:
            raise OSError(19, "No such device")

    monkeypatch.setattr(_ipc_file.mmap, "mmap", Refused)
    pieces = _ipc_file.read_pieces(pa, path, schema, ["x", "y"])
    np.testing.assert_array_equal(np.concatenate([a.copy() for _, (a, _), _ in pieces]), x)


def test_a_folder_s_plans_do_not_hold_the_files_schemas(tmp_path):
    """Every file of a folder is planned (checked) before any is read; the plans held
    each file's schema, and 3,000 files of 257 columns peaked at 292-305 MB (the ninth
    audit; 102-110 MB once the schema is read again when its file is). No plan's reader
    keeps a pyarrow Schema."""
    from linreg import columnar

    for k in range(3):
        feather.write_feather(_table(10), tmp_path / f"{k}.feather")
    files = columnar.dataset_files(tmp_path, "ipc")
    plans = [columnar._plan(pa, f, ["hours", "score"], "ipc") for f in files]
    held = [
        cell.cell_contents
        for plan in plans
        for cell in (getattr(plan.stream, "__closure__", None) or ())
    ]
    assert held and not any(isinstance(value, pa.Schema) for value in held), held
    assert sum(1 for plan in plans for _ in plan.stream()) == 3  # and they still read


# --- what the file's first and last bytes say (issue 17) -----------------------------------


def _xy(n: int):
    x = np.arange(float(n))
    return pa.table({"x": x, "y": 3 * x + 1})


def test_the_stream_format_is_refused_saying_how_to_convert_it(tmp_path):
    """Written by pyarrow.ipc.new_stream under an accepted suffix, it was called "not an
    Arrow IPC (Feather) file"; the advice followed, it is read."""
    path = tmp_path / "t.arrows"
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, _xy(100).schema) as out:
        out.write_table(_xy(100), max_chunksize=30)
    with pytest.raises(DataFileError, match="is in the Arrow IPC stream format") as refused:
        Moments.from_ipc(path, x=["x"], y="y")
    advice = re.search(r"convert it: (.*)$", str(refused.value)).group(1)  # type: ignore[union-attr]
    converted = tmp_path / "t.arrow"
    eval(advice, {"pyarrow": pa, "path": str(path), "new_path": str(converted)})
    _same(Moments.from_ipc(converted, x=["x"], y="y"), _exact(_xy(100), ["x"], "y"))


@pytest.mark.parametrize("values", [pa.float64(), pa.int16(), pa.decimal128(12, 3)])
def test_a_dictionary_encoded_column_of_numbers_is_named_so_and_how_to_decode_it(tmp_path, values):
    """Issue 17 (audit 9): it was "holds dictionary<values=double, ...>, not numbers"; the
    advice followed, it is read."""
    path = tmp_path / "dict.arrow"
    table = _xy(100)
    table = table.set_column(0, "x", table["x"].cast(values).dictionary_encode())
    feather.write_feather(table, path, chunksize=30)
    with pytest.raises(DataFileError, match="column 'x' is dictionary-encoded") as refused:
        Moments.from_ipc(path, x=["x"], y="y")
    assert "not numbers" not in str(refused.value)
    done = command("--data", str(path), "--x", "x", "--y", "y")
    assert done.one_error_line(3) == f"linreg: error: {refused.value}"
    advice = re.search(r"write it decoded \((.*)\) or write", str(refused.value)).group(1)  # type: ignore[union-attr]
    scope = {"pyarrow": pa, "table": feather.read_table(path)}
    exec(advice, scope)  # the message's own code (pyarrow.compute is imported above)
    feather.write_feather(scope["table"], path)
    _same(Moments.from_ipc(path, x=["x"], y="y"), _exact(table, ["x"], "y"))


def test_a_dictionary_encoded_column_of_text_holds_no_numbers(tmp_path):
    path = tmp_path / "dict.arrow"
    feather.write_feather(
        pa.table({"s": pa.array(["a", "b"]).dictionary_encode(), "y": [1.0, 2]}), path
    )
    with pytest.raises(DataFileError, match=re.escape("column 's' holds dictionary<values=string")):
        Moments.from_ipc(path, x=["s"], y="y")


def test_a_footer_of_long_schema_metadata_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    """60 MiB of schema metadata on 100 rows peaked at 328 MB: refused from the file's
    last bytes, Arrow never asked to open it."""
    monkeypatch.setattr(_ipc_head, "FOOTER_BYTES", 1 << 16)
    path = tmp_path / "t.arrow"
    feather.write_feather(_xy(100).replace_schema_metadata({"junk": "a" * (1 << 17)}), path)

    def never(*args):  # type: ignore[no-untyped-def]
        raise AssertionError("Arrow opened a file whose footer is too long")

    monkeypatch.setattr(pa.ipc, "open_file", never)
    with pytest.raises(DataFileError, match=r"footer of 0\.13 MiB, mostly its schema's metadata"):
        Moments.from_ipc(path, x=["x"], y="y")


def test_a_footer_of_many_batches_is_refused_saying_how_to_rewrite_it(tmp_path, monkeypatch):
    monkeypatch.setattr(_ipc_head, "FOOTER_BYTES", 1 << 14)
    path = tmp_path / "t.arrow"
    feather.write_feather(_xy(1000), path, chunksize=1)
    with pytest.raises(DataFileError, match="its list of 1,000 record batches") as refused:
        Moments.from_ipc(path, x=["x"], y="y")
    advised = int(re.search(r"chunksize=(\d+)", str(refused.value)).group(1))  # type: ignore[union-attr]
    feather.write_feather(_xy(1000), path, chunksize=advised)
    _same(Moments.from_ipc(path, x=["x"], y="y"), _exact(_xy(1000), ["x"], "y"))


def test_the_footers_blocks_are_unpacked_one_at_a_time(tmp_path):
    """A list of the blocks grew with the batch count (250,000 batches: 26 MB held, 52 MB
    at its peak, 317 MB on the command line for 1e6); unpacked in turn, the footer
    itself is the most held."""
    import tracemalloc

    path = tmp_path / "t.arrow"
    feather.write_feather(_xy(20_000), path, chunksize=1)
    with open(path, "rb") as handle:
        handle.seek(-10, os.SEEK_END)
        footer = struct.unpack("<i", handle.read(4))[0]
    descriptor = os.open(path, os.O_RDONLY)
    try:
        tracemalloc.start()
        count = sum(1 for _ in _ipc_file._blocks(descriptor))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        os.close(descriptor)
    assert count == 20_000
    assert peak < footer + (64 << 10), (peak, footer)


def test_a_compressed_column_declaring_more_than_its_rows_is_refused_before_decompressing(
    tmp_path,
):
    """A 9 KB file whose zstd column declared 180 MiB reached 267 MB before the data
    disproved it (the ninth audit): a declared length beyond the rows' (padded) bytes
    is refused from the 8 bytes that say it."""
    values = np.arange(1000.0)
    path = tmp_path / "bomb.feather"
    feather.write_feather(pa.table({"x": values, "y": values}), path, compression="zstd")
    data = bytearray(path.read_bytes())
    declared = struct.pack("<q", 8000) + b"\x28\xb5\x2f\xfd"  # length, then zstd's magic
    at = data.rindex(declared)  # the y column's buffer
    struct.pack_into("<q", data, at, 180 << 20)
    path.write_bytes(bytes(data))
    with pytest.raises(DataFileError, match=r"declares 188,743,680 bytes for 1,000 rows"):
        Moments.from_ipc(path, x=["x"], y="y")


_ZSTD = struct.pack("<I", 0xFD2FB528)


@pytest.mark.parametrize(
    ("header", "window", "content"),
    [
        (_ZSTD + bytes([0x00, (11 << 3) | 3]), (1 << 21) + 3 * (1 << 18), None),  # window
        (_ZSTD + bytes([0x00, 0x00]), 1 << 10, None),  # the least window, 1 KiB
        (_ZSTD + bytes([0x80, 11 << 3]) + struct.pack("<I", 10**7), 1 << 21, 10**7),
        (_ZSTD + bytes([0x43, 14 << 3]) + b"dict" + struct.pack("<H", 7), 1 << 24, 263),
        (_ZSTD + bytes([0x20, 200]), 1 << 10, 200),  # single-segment: its content's size
        (_ZSTD + bytes([0x61, 9]) + struct.pack("<H", 5000), 5256, 5256),  # 2 bytes: + 256
        (_ZSTD + bytes([0xA2, 0, 0]) + struct.pack("<I", 8 * 10**6), 8 * 10**6, 8 * 10**6),
        (_ZSTD + bytes([0xE4]) + struct.pack("<Q", 1 << 27), 1 << 27, 1 << 27),
    ],
)
def test_a_zstd_frame_header_gives_its_window_in_every_form(header, window, content):
    """RFC 8878 3.1.1.1: a window descriptor (exponent and mantissa), or a single-segment
    frame's content size (1, 2 (+256), 4 or 8 bytes) after 0-4 bytes of dictionary id."""
    assert _zstd_frame.window(header + b"\x00" * 4) == (window, content)
    need, said = _zstd_frame.decoder_bytes(header)
    assert said == window
    block = min(window, 128 << 10)
    decoded = window + 2 * block + 64 if content is None else min(window + 2 * block + 64, content)
    assert need == decoded + block + (160 << 10)


def test_a_zstd_frame_pyarrow_writes_says_its_level_s_window():
    """A column of 8 MB: level 3's window is 2 MiB; level 19's frame is one segment, its
    window the whole column (level 22's too, up to 128 MiB)."""
    data = np.round(RNG.normal(size=100_000), 1).repeat(10)
    low = pa.Codec("zstd", 3).compress(data, asbytes=True)
    high = pa.Codec("zstd", 19).compress(data, asbytes=True)
    assert _zstd_frame.window(low) == (2 << 20, 8 * 10**6)
    assert _zstd_frame.window(high) == (8 * 10**6, 8 * 10**6)


@pytest.mark.parametrize(
    ("header", "why"),
    [
        (b"\x28\xb5\x2f\xfe\x00\x00", "magic"),
        (_ZSTD + bytes([0x08, 0x00]), "reserved"),
        (_ZSTD + bytes([0x00, 22 << 3]), "over zstd's 2\\^31"),  # 2^32
        (_ZSTD + bytes([0xE0]) + struct.pack("<Q", 1 << 40), "over zstd's 2\\^31"),
        (_ZSTD + bytes([0x80, 0x00, 1]), "cut short"),
        (_ZSTD + b"\x00", "cut short"),
    ],
)
def test_a_malformed_zstd_frame_header_is_refused(header, why):
    with pytest.raises(_zstd_frame.FrameError, match=why):
        _zstd_frame.decoder_bytes(header)


def _periodic(rows: int):
    """Three columns of 1M-row batches, periodic so that zstd level 22 writes them fast."""
    k = np.arange(rows)
    x1, x2 = k % 1000 * 0.5, k % 997 * 0.25
    return pa.table({"x1": x1, "x2": x2, "y": 1.5 * x1 - 2.0 * x2 + k % 983 * 0.01})


def test_a_zstd_batch_whose_decoders_need_too_much_is_refused_saying_how_to_rewrite_it(
    tmp_path, monkeypatch
):
    """Levels 19-22 write a column of up to 128 MiB as one frame whose window is the whole
    column, which a stream's decoder holds: 24 columns of 1M rows at level 22 peaked at
    292 MB. Such a batch is refused from its frames' headers, before any stream is opened
    (the budget is made small here: three columns of 1M rows, 8 MB decoders each); the
    same table at level 3 (2 MiB windows) is read, and the advice followed is read."""
    monkeypatch.setattr(_zstd_frame, "DECODER_BYTES", 12 << 20)
    table, rows = _periodic(1_000_000), 1_000_000
    path = tmp_path / "t22.feather"
    feather.write_feather(table, path, compression="zstd", compression_level=22, chunksize=rows)
    with pytest.raises(DataFileError) as refused:
        Moments.from_ipc(path, x=["x1", "x2"], y="y")
    said = str(refused.value)
    assert "t22.feather" in said and "record batch (number 0, counting from 0, of 1,000,000" in said
    assert "up to 7.63 MiB each" in said and "need 23.74 MiB" in said and "the 12 MiB" in said
    advised = int(re.search(r"chunksize=(\d+)", said).group(1))  # type: ignore[union-attr]
    assert 1 <= advised <= _ipc_file.WHOLE_BYTES // 24
    numbers = np.column_stack([table.column(c).to_numpy() for c in ("x1", "x2")])
    exact = Moments.from_arrays(numbers, table.column("y").to_numpy())
    for level, chunk in ((3, rows), (22, advised)):
        rewritten = tmp_path / f"{level}.feather"
        feather.write_feather(
            table, rewritten, compression="zstd", compression_level=level, chunksize=chunk
        )
        _same(Moments.from_ipc(rewritten, x=["x1", "x2"], y="y"), exact)


def test_a_zstd_column_that_is_no_zstd_frame_cannot_be_read(tmp_path):
    """A streamed column whose bytes do not start with a zstd frame's header is a corrupt
    file, said so before any stream is opened (not pyarrow's error as it reads)."""
    path = tmp_path / "t.feather"
    feather.write_feather(_periodic(1_000_000), path, compression="zstd", chunksize=1_000_000)
    data = bytearray(path.read_bytes())
    at = data.index(struct.pack("<q", 8 * 10**6) + _ZSTD) + 8  # the first column's frame
    data[at + 4] |= 0x08  # its reserved bit
    path.write_bytes(bytes(data))
    with pytest.raises(DataFileError, match=r"cannot be read \(a zstd frame header sets its"):
        Moments.from_ipc(path, x=["x1", "x2"], y="y")
