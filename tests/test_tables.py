"""Files reduced to statistics: CSV columns chosen by name, Parquet and Arrow IPC, with
every bad input named (a missing column, a column of text, a null, a NaN)."""

from __future__ import annotations

import numpy as np
import pytest

from linreg.errors import DataFileError, InputError
from linreg.moments import Moments

pa = pytest.importorskip("pyarrow")  # the fast extra; CI (LINREG_REQUIRE_ALL=1) fails a skip
pq = pytest.importorskip("pyarrow.parquet")
feather = pytest.importorskip("pyarrow.feather")

RNG = np.random.default_rng(19)


def _data(n: int = 3000):
    hours = RNG.uniform(25, 70, n)
    sleep = RNG.normal(7, 1, n)
    score = 1.3 * hours - 2.0 * sleep + 8 + RNG.normal(scale=10, size=n)
    return hours, sleep, score


def _same(a: Moments, b: Moments) -> None:
    """Equal up to the rounding of two passes cut differently: the bound each carries
    (`Statistics.rounding`) is about 1e-12 of the scale, so each entry is compared at
    1e-12 of its own scale (an off-diagonal co-moment near 0 is not held to 1e-12 of
    itself: 4e-12 of a -0.033 whose columns' spread is 6e4 failed so)."""
    assert a.count == b.count
    spread = np.sqrt(np.diag(b.cxx))  # each co-moment's scale: √(C_ii C_jj) (Cauchy–Schwarz)
    sd = spread / np.sqrt(b.count)
    assert np.all(np.abs(a.mean_x - b.mean_x) <= 1e-12 * (np.abs(b.mean_x) + sd))
    assert np.all(np.abs(a.cxx - b.cxx) <= 1e-12 * np.outer(spread, spread))
    assert np.all(np.abs(a.cxy - b.cxy) <= 1e-12 * spread * np.sqrt(b.cyy))
    assert a.cyy == pytest.approx(b.cyy, rel=1e-12)


# --- CSV: columns by name ---------------------------------------------------------------------


@pytest.fixture
def csv_file(tmp_path):
    hours, sleep, score = _data()
    path = tmp_path / "students.csv"
    lines = ["name,hours,sleep,score"]
    rows = zip(hours.tolist(), sleep.tolist(), score.tolist())
    lines += [f"s{k},{h!r},{s!r},{y!r}" for k, (h, s, y) in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n")
    return path, np.column_stack([hours, sleep]), score


@pytest.mark.parametrize("reader", ["pyarrow", "numpy"])
def test_csv_columns_by_name_and_position(csv_file, reader, monkeypatch):
    from linreg import csv_reader

    if reader == "numpy":
        monkeypatch.setattr(csv_reader, "_pyarrow_csv", lambda: None)
    path, X, y = csv_file
    expected = Moments.from_arrays(X, y)
    # the text column "name" is never parsed; 1 kB blocks: many chunks, threads
    _same(Moments.from_csv(path, x=["hours", "sleep"], y="score", block_bytes=1000), expected)
    _same(Moments.from_csv(path, x=[1, 2], y=3), expected)
    one = Moments.from_csv(path, x="hours", y="score")
    _same(one, Moments.from_arrays(X[:, :1], y))


CSV_BAD = [
    # (content, x, y, message, line, column)
    ("a,b\n1,2\n3,4\n", ["c"], "b", r"has no column named 'c' \(its columns: 'a', 'b'\)", 1, None),
    ("1,2\n3,4\n", ["a"], "b", "has no header row, so no column is named 'a'", 1, None),
    ("x,x,y\n1,2,3\n2,3,5\n", ["x"], "y", r"has 2 columns named 'x' \(choose one by its", 1, None),
    (
        "a,b\n1,2\n3,4\n",
        [5],
        "b",
        r"the row has 2 fields; column position 5 .* past its last",
        2,
        None,
    ),
    ("a,b\n1,2\n3,4\n", ["a"], "a", "column 'a' is chosen twice", None, None),
    ("a,b,c\n1,2,x\n3,4,y\n", ["a"], "c", r"'x' is not a number \(column 'c'\)", 2, 3),
    ("a,b,c\n1,2,3\n4,,6\n", ["b"], "c", r"the field is empty \(column 'b'\)", 3, 2),
    ("a,b,c\n1,2,3\n4,nan,6\n", ["b"], "c", r"'nan' is not a finite number \(column 'b'\)", 3, 2),
]


@pytest.mark.parametrize("content, x, y, message, line, column", CSV_BAD)
def test_csv_bad_columns_are_named(tmp_path, content, x, y, message, line, column):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(DataFileError, match=message) as caught:
        Moments.from_csv(path, x=x, y=y)
    assert (caught.value.line, caught.value.column) == (line, column)


def test_csv_text_in_a_column_not_chosen_is_not_read(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("id,x,y\nalpha,1,2\nbeta,2,4.5\ngamma,3,6\n")
    stats = Moments.from_csv(path, x=["x"], y="y")
    assert stats.count == 3 and stats.cxy[0] == pytest.approx(4.0, rel=1e-15)  # exact data


def test_columns_need_both_x_and_y(csv_file):
    path, _, _ = csv_file
    with pytest.raises(InputError, match=r"both x=\[...\] .* and y=..."):
        Moments.from_csv(path, x=["hours"])
    with pytest.raises(InputError, match=r"not 1\.5"):
        Moments.from_csv(path, x=[1.5], y="score")


def test_csv_progress_reports_every_byte(csv_file):
    path, _, _ = csv_file
    seen = []
    Moments.from_csv(path, x=["hours"], y="score", block_bytes=4096, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == path.stat().st_size and len(seen) > 10


# --- Parquet and Arrow IPC ------------------------------------------------------------------------


def _table(n: int = 3000):
    hours, sleep, score = _data(n)
    return pa.table(
        {
            "name": [f"s{k}" for k in range(n)],
            "hours": hours,
            "sleep": sleep.astype(np.float32),  # another float type: cast
            "visits": RNG.integers(0, 9, n),  # integers: cast
            "score": score,
        }
    )


def _write(table, path, kind, rows_per_piece=700):
    if kind == "parquet":
        pq.write_table(table, path, row_group_size=rows_per_piece)
    else:
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            for batch in table.to_batches(max_chunksize=rows_per_piece):
                writer.write_batch(batch)


def _read(kind, path, **columns):
    reader = Moments.from_parquet if kind == "parquet" else Moments.from_ipc
    return reader(path, **columns)


def _in_memory(table, x, y):
    X = np.column_stack([np.asarray(table.column(c).to_pylist(), float) for c in x])
    return Moments.from_arrays(X, np.asarray(table.column(y).to_pylist(), float))


@pytest.mark.parametrize("kind", ["parquet", "ipc"])
def test_a_file_a_folder_and_a_glob(tmp_path, kind):
    table = _table()
    suffix = ".parquet" if kind == "parquet" else ".arrow"
    whole = tmp_path / f"all{suffix}"
    _write(table, whole, kind)
    folder = tmp_path / "parts"
    (folder / "year=2026").mkdir(parents=True)
    for k, start in enumerate(range(0, len(table), 1000)):
        _write(table.slice(start, 1000), folder / "year=2026" / f"part-{k}{suffix}", kind)
    (folder / "_SUCCESS").write_text("")  # a marker file, skipped
    x, y = ["hours", "sleep", "visits"], "score"
    expected = _in_memory(table, x, y)
    _same(_read(kind, whole, x=x, y=y), expected)
    _same(_read(kind, folder, x=x, y=y), expected)
    _same(_read(kind, str(folder / "*" / f"part-*{suffix}"), x=x, y=y), expected)
    one = _read(kind, whole, x="hours", y=y)  # one feature: a view, no copy
    _same(one, _in_memory(table, ["hours"], y))


@pytest.mark.parametrize("kind", ["parquet", "ipc"])
def test_bad_columns_are_named(tmp_path, kind):
    table = _table(50)
    path = tmp_path / f"t.{kind}"
    _write(table, path, kind)
    with pytest.raises(DataFileError, match=r"has no column named 'hour' \(its columns: 'name'"):
        _read(kind, path, x=["hour"], y="score")
    with pytest.raises(DataFileError, match="column 'name' holds string, not numbers"):
        _read(kind, path, x=["name"], y="score")
    with pytest.raises(DataFileError, match="column 'score' is chosen twice"):
        _read(kind, path, x=["score"], y="score")
    with pytest.raises(InputError, match="named by strings, not 1"):
        _read(kind, path, x=[1], y="score")


@pytest.mark.parametrize("kind", ["parquet", "ipc"])
def test_nulls_and_nan_are_named_with_their_row(tmp_path, kind):
    x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    for values, message in (
        ([1.0, 2.0, 3.0, None, 5.0, 6.0], r"column 'y' has a missing value \(null\) at row 3"),
        ([1.0, 2.0, 3.0, 4.0, float("nan"), 6.0], "column 'y' holds nan at row 4"),
        ([1.0, 2.0, float("-inf"), 4.0, 5.0, 6.0], "column 'y' holds -inf at row 2"),
    ):
        path = tmp_path / f"t-{len(message)}.{kind}"
        _write(pa.table({"x": x, "y": values}), path, kind, rows_per_piece=2)
        with pytest.raises(DataFileError, match=message):
            _read(kind, path, x="x", y="y")


def test_large_row_groups_are_streamed_with_the_same_statistics(tmp_path, monkeypatch):
    """A row group above `STREAM_NUMBERS` is read a batch at a time (one 10M-row group held
    460 MB): the same statistics as the small groups' reading, nulls named by their row,
    in a folder beside files of small groups, in order."""
    from linreg import columnar

    monkeypatch.setattr(columnar, "STREAM_NUMBERS", 1600)  # 4 columns: batches of 100 rows
    table = _table(3000)
    x, y = ["hours", "sleep", "visits"], "score"
    folder = tmp_path / "parts"
    folder.mkdir()
    _write(table.slice(0, 1000), folder / "a.parquet", "parquet", rows_per_piece=300)
    _write(table.slice(1000, 2000), folder / "b.parquet", "parquet", rows_per_piece=2000)
    _same(_read("parquet", folder, x=x, y=y), _in_memory(table, x, y))
    values = [1.0] * 900
    values[737] = None
    path = tmp_path / "null.parquet"
    _write(pa.table({"x": np.arange(900.0), "y": values}), path, "parquet", rows_per_piece=900)
    with pytest.raises(DataFileError, match=r"missing value \(null\) at row 737 "):
        _read("parquet", path, x="x", y="y")


def test_files_that_are_not_what_they_say(tmp_path):
    fake = tmp_path / "fake.parquet"
    fake.write_text("x,y\n1,2\n")
    with pytest.raises(DataFileError, match="is not a Parquet file"):
        Moments.from_parquet(fake, x="x", y="y")
    with pytest.raises(DataFileError, match=r"is not an Arrow IPC \(Feather\) file"):
        Moments.from_ipc(fake, x="x", y="y")
    with pytest.raises(DataFileError, match="no such file"):
        Moments.from_parquet(tmp_path / "missing.parquet", x="x", y="y")
    with pytest.raises(DataFileError, match="no file matches this pattern"):
        Moments.from_parquet(tmp_path / "nothing-*.parquet", x="x", y="y")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataFileError, match="is a folder with no parquet files"):
        Moments.from_parquet(tmp_path / "empty", x="x", y="y")
    one = tmp_path / "one.parquet"
    pq.write_table(pa.table({"x": [1.0], "y": [2.0]}), one)
    with pytest.raises(DataFileError, match="found 1 point; at least 2 are needed"):
        Moments.from_parquet(one, x="x", y="y")


def test_parquet_progress_counts_rows(tmp_path):
    path = tmp_path / "t.parquet"
    _write(_table(3000), path, "parquet")
    seen = []
    Moments.from_parquet(path, x="hours", y="score", progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 3000 and len(seen) == 5  # 700-row groups
    Moments.from_parquet(path, x="hours", y="score", progress=True)  # a tqdm bar: no error
    with pytest.raises(InputError, match="progress must be True, False or a callable"):
        Moments.from_parquet(path, x="hours", y="score", progress="yes")


def test_offset_data_over_many_row_groups_keep_one_runs_bound(tmp_path):
    """Chunks feed one pass: the runs span the row groups, so the bound stays one
    block's (the old per-chunk merges carried mean_rounding·|x̄| into every merge)."""
    x = 1e8 + RNG.normal(size=200_000)
    y = 2 * x + RNG.normal(size=len(x))
    path = tmp_path / "offset.parquet"
    pq.write_table(pa.table({"x": x, "y": y}), path, row_group_size=10_000)
    stats = Moments.from_parquet(path, x="x", y="y")
    assert stats.rounding < 1e-10  # one run: about 1.5e-11 (per-chunk merges: ~1e-6)
    _same(stats, Moments.from_arrays(x[:, None], y))


def test_a_parquet_file_of_no_rows_says_so(tmp_path):
    """It said the data were too large for float64 (from the hostile audit)."""
    path = tmp_path / "zero.parquet"
    empty = pa.array([], pa.float64())
    pq.write_table(pa.table({"x": empty, "y": empty}), path)
    with pytest.raises(DataFileError, match="has no rows"):
        Moments.from_parquet(path, x="x", y="y")


@pytest.mark.parametrize("streamed", [False, True])
def test_corrupt_pages_are_one_error_naming_the_file(tmp_path, monkeypatch, streamed):
    """The footer reads, the pages do not: Arrow's error while reading a row group (or a
    streamed batch) is a DataFileError that names the file, never Arrow's own."""
    from linreg import columnar

    if streamed:
        monkeypatch.setattr(columnar, "STREAM_NUMBERS", 100)
    path = tmp_path / "bad.parquet"
    x = np.arange(1000.0)
    pq.write_table(pa.table({"x": x, "y": 2 * x}), path, row_group_size=1000)
    data = bytearray(path.read_bytes())
    for k in range(8, 600):  # the first pages, not the footer
        data[k] = (data[k] * 7 + 13) % 256
    path.write_bytes(bytes(data))
    with pytest.raises(DataFileError, match=r"bad\.parquet: cannot be read \("):
        Moments.from_parquet(path, x="x", y="y")


@pytest.mark.parametrize("columnwise", [True, False], ids=["a-column-at-a-time", "batches"])
def test_a_wide_row_group_streams_in_small_batches_and_reads(tmp_path, monkeypatch, columnwise):
    """From the hostile audit: 200k rows x 50 columns in one row group peaked at 314 MiB
    on the command line, batches of 10k rows read 1 MiB at a time; Arrow holds buffers in
    proportion to both, for every column. A group within COLUMNWISE_BYTES is read a column
    at a time (197 MiB); a larger one in batches of STREAM_BATCH_NUMBERS numbers and reads
    of STREAM_BUFFER bytes (225 MiB): the same statistics."""
    from linreg import columnar

    if not columnwise:
        monkeypatch.setattr(columnar, "COLUMNWISE_BYTES", 0)
        monkeypatch.setattr(columnar, "STREAM_COLUMNS", 50)  # else refused (test_command_memory)
    seen = []

    class Spy(pq.ParquetFile):
        def __init__(self, *args, **kwargs):
            seen.append(("open", kwargs.get("buffer_size"), kwargs.get("pre_buffer")))
            super().__init__(*args, **kwargs)

        def iter_batches(self, batch_size=65536, *args, **kwargs):
            seen.append(("batches", batch_size, kwargs.get("use_threads")))
            return super().iter_batches(batch_size, *args, **kwargs)

        def read_row_group(self, i, columns=None, *args, **kwargs):
            seen.append(("columns", len(columns), kwargs.get("use_threads")))
            return super().read_row_group(i, columns, *args, **kwargs)

    monkeypatch.setattr(pq, "ParquetFile", Spy)
    names = [f"c{k}" for k in range(50)]
    values = RNG.normal(size=(60_000, 50))  # 3M numbers: over STREAM_NUMBERS, streamed
    path = tmp_path / "wide.parquet"
    pq.write_table(pa.table(dict(zip(names, values.T))), path, row_group_size=60_000)
    stats = Moments.from_parquet(path, x=names[:-1], y=names[-1])
    assert ("open", columnar.STREAM_BUFFER, False) in seen
    if columnwise:
        reads = [step for step in seen if step[0] != "open"]
        assert reads == [("columns", 1, False)] * 50
    else:
        assert ("batches", columnar.STREAM_BATCH_NUMBERS // 50, False) in seen
    assert columnar.STREAM_BATCH_NUMBERS <= 1 << 17 and columnar.STREAM_BUFFER <= 1 << 14
    _same(stats, Moments.from_arrays(values[:, :-1], values[:, -1]))


@pytest.mark.slow
def test_a_wide_row_group_on_the_command_line_stays_in_bounded_memory(tmp_path):
    """12,000 rows x 257 columns in one row group, just under COLUMNWISE_BYTES (from a
    fresh audit: 20,000 rows, 209 MiB in batches, every column's reader state at once;
    such a group is now refused, see tests/test_command_memory.py): read a column at a
    time, under 200 MB."""
    from linreg import columnar

    from .test_hostile import MAX_RSS, command

    values = RNG.normal(size=(12_000, 257))
    assert 0.9 < values.nbytes / columnar.COLUMNWISE_BYTES <= 1
    path = tmp_path / "wide.parquet"
    pq.write_table(pa.table({f"c{k}": values[:, k] for k in range(257)}), path)
    chosen = [arg for k in range(256) for arg in ("--x", f"c{k}")]
    done = command("--data", str(path), *chosen, "--y", "c256", "--method", "cg", "--summary")
    assert done.code == 0, done.err
    assert done.rss < MAX_RSS, done.rss


@pytest.mark.parametrize("columnwise", [True, False], ids=["a-column-at-a-time", "batches"])
def test_a_null_in_a_streamed_groups_later_chunk_is_named_by_its_row(
    tmp_path, monkeypatch, columnwise
):
    """A streamed row group is cut into chunks of STREAM_BATCH_NUMBERS numbers (100 rows
    here): a null in the eighth chunk of the second group is named by its row in the file."""
    from linreg import columnar

    monkeypatch.setattr(columnar, "STREAM_NUMBERS", 400)  # 2 columns: groups over 200 rows
    monkeypatch.setattr(columnar, "STREAM_BATCH_NUMBERS", 200)
    if not columnwise:
        monkeypatch.setattr(columnar, "COLUMNWISE_BYTES", 0)
    values: list[float | None] = [1.0 + k % 7 for k in range(1800)]
    values[900 + 737] = None
    path = tmp_path / "null.parquet"
    _write(pa.table({"x": np.arange(1800.0), "y": values}), path, "parquet", rows_per_piece=900)
    with pytest.raises(DataFileError, match=r"missing value \(null\) at row 1,637 "):
        _read("parquet", path, x="x", y="y")


@pytest.mark.parametrize(
    ("kind", "width"),
    [(pa.float64(), 8), (pa.int8(), 8), (pa.decimal128(30, 5), 16), (pa.decimal256(40, 5), 32)],
    ids=str,
)
def test_row_groups_are_budgeted_at_their_columns_width_in_memory(
    tmp_path, monkeypatch, kind, width
):
    """From the hostile audit (issue 17's tenth): decimal256 groups of 2^20 rows x 2 were
    counted as float64, 8 bytes a value against their 32 until cast, and read several at
    once (252-282 MiB on the command line; decimal128, 192 MiB). Every budget counts a
    column's width in memory, at least 8: here 400 rows x 2 are read whole as float64 or
    int8, streamed as decimals (decimal128 within COLUMNWISE_BYTES, decimal256 over), in
    chunks of STREAM_BATCH_NUMBERS float64's bytes; the statistics are the same."""
    from linreg import columnar

    monkeypatch.setattr(columnar, "STREAM_NUMBERS", 1000)  # 8,000 bytes
    monkeypatch.setattr(columnar, "STREAM_BATCH_NUMBERS", 200)  # 1,600 bytes
    monkeypatch.setattr(columnar, "COLUMNWISE_BYTES", 12_000)
    values = RNG.integers(0, 100, (2, 1200))
    table = pa.table({"x": pa.array(values[0]).cast(kind), "y": values[1] * 1.0})
    path = tmp_path / "wide.parquet"
    pq.write_table(table, path, row_group_size=400)
    plan = columnar._plan(pa, path, ["x", "y"], "parquet")
    row = width + 8
    assert plan.piece_bytes == (400 * row if width == 8 else 0)
    assert (plan.stream is None) == (width == 8)
    chunks = list(columnar.iter_columnar_chunks(path, ["x", "y"], "parquet"))
    assert max(len(c.columns[0]) for c in chunks) == (400 if width == 8 else 1600 // row)
    _same(_read("parquet", path, x="x", y="y"), _in_memory(table, ["x"], "y"))
