"""The command's memory bound (issue 17): every path stays under 200 MB, or is refused
before the memory is spent, with one line naming what was too big and what to do.

Each rule has a case just inside it (the command run, its peak measured) and one just
outside (the exact message and exit code): the number of ``--x``
(`linreg._cli_columns.MAX_COMMAND_FEATURES`), a Parquet row group too large to read a
column at a time with too many columns to read in batches (`linreg.columnar.
COLUMNWISE_BYTES`, `STREAM_COLUMNS`), and a Parquet footer too long to parse
(`FOOTER_BYTES`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from linreg import columnar
from linreg._cli_columns import MAX_COMMAND_FEATURES
from linreg.accumulate import MAX_FEATURES
from linreg.cli import EXIT_INPUT, EXIT_USAGE
from linreg.errors import DataFileError
from linreg.validate import mebibytes

from .test_hostile import MAX_RSS, command

RNG = np.random.default_rng(17)


def _parquet(path, rows, columns, group, random=True):  # type: ignore[no-untyped-def]
    """A Parquet file of columns c0, c1, ...: random normal values (incompressible, the
    reader's worst case), or a constant where only the footer matters."""
    table = pa.table(
        {f"c{k}": RNG.normal(size=rows) if random else np.ones(rows) for k in range(columns)}
    )
    pq.write_table(table, path, row_group_size=group)
    return path


def _chosen(features: int) -> list[str]:
    return [*(arg for k in range(features) for arg in ("--x", f"c{k}")), "--y", f"c{features}"]


@pytest.mark.slow
def test_the_most_features_the_command_takes_stay_under_the_bound(tmp_path):
    """256 features, 20,000 rows in groups of 1,000, with the options that cost the most:
    --summary, --standardize (its iteration count is predicted over every direction; in
    blocks of 2¹⁵ iterations it peaked at 302 MB), --history, Newton's method."""
    features = MAX_COMMAND_FEATURES
    path = _parquet(tmp_path / "wide.parquet", 20_000, features + 1, 1_000)
    history = tmp_path / "losses.csv"
    for method in ("gd", "newton"):
        done = command(
            "--data", str(path), *_chosen(features), "--method", method, "--summary",
            "--standardize", "--alpha", "0.1", "--history", str(history),
        )  # fmt: skip
        assert done.code == 0, done.err
        assert done.rss < MAX_RSS, (method, done.rss)


def test_one_feature_more_is_refused_before_reading():
    """The data are never opened: the number of --x alone is refused (exit 2)."""
    features = MAX_COMMAND_FEATURES + 1
    done = command("--data", "no-such-file.parquet", *_chosen(features))
    assert done.code == EXIT_USAGE
    assert done.err == (
        f"linreg: error: --x is given {features} times: the command fits at most "
        f"{MAX_COMMAND_FEATURES} features in bounded memory (it grows with their square); "
        f"choose fewer --x, or fit up to {MAX_FEATURES:,} with the Python API "
        "(linreg.Moments.from_parquet, from_csv, ...) (see linreg --help)\n"
    )
    assert MAX_COMMAND_FEATURES < MAX_FEATURES


@pytest.mark.slow
@pytest.mark.parametrize("path_kind", ["a-column-at-a-time", "batches"])
def test_a_large_row_group_just_inside_either_rule_stays_under_the_bound(tmp_path, path_kind):
    """One row group just within COLUMNWISE_BYTES, of 25 columns (read a column at a time;
    300k rows x 25 peaked at 202 MB with Arrow's default allocator, mimalloc), or just
    above it, of STREAM_COLUMNS columns (read in batches)."""
    if path_kind == "batches":
        columns = columnar.STREAM_COLUMNS
        rows = columnar.COLUMNWISE_BYTES // (8 * columns) + 1_000
    else:
        columns = columnar.STREAM_COLUMNS + 1
        rows = columnar.COLUMNWISE_BYTES // (8 * columns)
    path = _parquet(tmp_path / "group.parquet", rows, columns, rows)
    done = command("--data", str(path), *_chosen(columns - 1), "--summary")
    assert done.code == 0, done.err
    assert done.rss < MAX_RSS, done.rss


def test_a_large_row_group_of_too_many_columns_is_refused_from_the_footer(tmp_path):
    """Just over COLUMNWISE_BYTES with one column more than STREAM_COLUMNS: refused before
    a row is read (constant columns: the file is small, the group is not)."""
    columns = columnar.STREAM_COLUMNS + 1
    rows = columnar.COLUMNWISE_BYTES // (8 * columns) + 1_000
    path = _parquet(tmp_path / "group.parquet", rows, columns, rows, random=False)
    done = command("--data", str(path), *_chosen(columns - 1))
    assert done.code == EXIT_INPUT
    assert done.err == (
        f"linreg: error: {path}: has a row group of {rows:,} rows and {columns} chosen "
        f"columns ({mebibytes(rows * columns * 8)} MiB in memory): a group over "
        f"{columnar.COLUMNWISE_BYTES >> 20} MiB of more than {columnar.STREAM_COLUMNS} "
        "chosen columns cannot be read in bounded memory; choose fewer columns, or rewrite "
        "it with smaller row groups (pyarrow.parquet.write_table(table, path, "
        f"row_group_size={columnar.COLUMNWISE_BYTES // (8 * columns)}))\n"
    )
    assert done.rss < MAX_RSS // 2, done.rss  # nothing was read


@pytest.mark.slow
@pytest.mark.parametrize("columns", [columnar.STREAM_COLUMNS + 1, MAX_COMMAND_FEATURES + 1])
def test_the_refusals_advice_followed_gives_a_file_read_under_the_bound(tmp_path, columns):
    """The fourth audit: groups of the advised size (then 2^21 numbers) were read several
    at a time, 210 MB for 25 columns; a wide file is now read a group at a time, each a
    column at a time, and the advice sizes a group to fit `COLUMNWISE_BYTES` (the fifth
    audit: groups of 40 MiB x 257 columns, 188-245 MB; of 24 MiB, 151 MB)."""
    advised = columnar.COLUMNWISE_BYTES // (8 * columns)
    path = _parquet(tmp_path / "advised.parquet", 2 * advised, columns, advised)
    done = command(
        "--data", str(path), *_chosen(columns - 1), "--summary",
        "--history", str(tmp_path / "losses.csv"),
    )  # fmt: skip
    assert done.code == 0, done.err
    assert done.rss < MAX_RSS, done.rss


def _footer_length(path) -> int:  # type: ignore[no-untyped-def]
    return int.from_bytes(path.read_bytes()[-8:-4], "little")


def _long_footer(path, groups: int):  # type: ignore[no-untyped-def]
    """257 columns in ``groups`` row groups of 1 row: about 130 bytes of footer a column
    chunk."""
    return _parquet(path, groups, 257, 1, random=False)


@pytest.mark.slow
def test_a_footer_just_within_the_limit_stays_under_the_bound(tmp_path):
    """A footer just under FOOTER_BYTES, with the most features the command takes."""
    groups = 100
    probe = _footer_length(_long_footer(tmp_path / "probe.parquet", groups))
    groups = int(groups * columnar.FOOTER_BYTES / probe) - 2
    path = _long_footer(tmp_path / "footer.parquet", groups)
    assert columnar.FOOTER_BYTES * 0.98 < _footer_length(path) <= columnar.FOOTER_BYTES
    done = command("--data", str(path), *_chosen(MAX_COMMAND_FEATURES), "--summary")
    assert done.code in (0, EXIT_INPUT), done.err  # constant columns: any verdict will do
    assert "footer" not in done.err
    assert done.rss < MAX_RSS, done.rss


def test_a_refused_size_never_reads_as_the_limit():
    """The tenth audit: a row group of 12,300 rows x 257 float64 columns (24.12 MiB) was
    refused as "(24 MiB as float64): a group over 24 MiB". Sizes in messages are rounded
    up to hundredths of a MiB (`linreg.validate.mebibytes`), so one over a limit never
    reads as equal to it (here, and the footers', dictionary pages' and zstd windows')."""
    columns = [f"c{k}" for k in range(257)]
    with pytest.raises(DataFileError) as refused:
        columnar._check_streamable(Path("p.parquet"), 12_300, columns, 8 * len(columns))
    assert "257 chosen columns (24.12 MiB in memory): a group over 24 MiB" in str(refused.value)
    limit = columnar.COLUMNWISE_BYTES
    assert [mebibytes(limit - 1), mebibytes(limit), mebibytes(limit + 1)] == [
        "24.00",
        "24.00",
        "24.01",
    ]
    assert mebibytes(columnar.DICTIONARY_BYTES + 1) == "1.51" and mebibytes(5 << 30) == "5,120.00"


def test_a_longer_footer_is_refused_from_the_files_last_bytes(tmp_path):
    groups = 100
    probe = _footer_length(_long_footer(tmp_path / "probe.parquet", groups))
    path = _long_footer(
        tmp_path / "footer.parquet", int(groups * columnar.FOOTER_BYTES / probe) + 2
    )
    length = _footer_length(path)
    assert columnar.FOOTER_BYTES < length < columnar.FOOTER_BYTES * 1.02
    done = command("--data", str(path), *_chosen(10))
    assert done.code == EXIT_INPUT
    assert done.err == (
        f"linreg: error: {path}: has a footer of {mebibytes(length)} MiB (its row groups × "
        f"columns): more than {columnar.FOOTER_BYTES >> 20} MiB cannot be read in bounded "
        "memory; rewrite it with fewer, larger row groups (pyarrow.parquet.write_table(table, "
        "path, row_group_size=...)), or with only the columns you fit (table.select([...]))\n"
    )


@pytest.mark.slow
@pytest.mark.parametrize("columns", [2, 8])
@pytest.mark.parametrize("budget", [None, "", "999999999999"], ids=["unset", "empty", "huge"])
def test_many_row_groups_of_2_21_numbers_stay_under_the_bound(
    tmp_path, monkeypatch, columns, budget
):
    """pyarrow's default row group (1Mi rows) of two columns: read two groups a thread
    ahead, twelve such groups peaked at 249 MB on 2 cores (436 MB on 8); the command's
    read budget (`linreg._entry.READ_BYTES`) reads them one at a time, whatever the
    environment says (the sixth audit: an empty LINREG_READ_BYTES lifted it, 311 MB).
    Groups of as many numbers of 8 columns peaked at 213-233 MB read whole: a file of
    more than `WIDE_COLUMNS` is read a group at a time, a column at a time."""
    if budget is not None:
        monkeypatch.setenv("LINREG_READ_BYTES", budget)
    rows = columnar.STREAM_NUMBERS // columns  # read whole, not streamed in batches
    path = _parquet(tmp_path / "groups.parquet", 12 * rows, columns, rows)
    done = command("--data", str(path), *_chosen(columns - 1))
    assert done.code == 0, done.err
    assert done.rss < MAX_RSS, done.rss


@pytest.mark.slow
def test_row_groups_of_decimal256_stay_under_the_bound(tmp_path):
    """The tenth audit: 6 groups of 2^20 rows x 2 as decimal256(40, 5), 32 bytes a value
    until cast, budgeted as float64 and read three groups ahead, peaked at 252-282 MiB (4
    groups here: 252 MiB); counted at their width, they are streamed (about 100 MiB)."""
    rows = columnar.STREAM_NUMBERS // 2
    values = RNG.integers(0, 10**12, size=(2, rows))
    table = pa.table(
        {f"c{k}": pa.array(v).cast(pa.decimal256(40, 5)) for k, v in enumerate(values)}
    )
    with pq.ParquetWriter(tmp_path / "dec.parquet", table.schema, compression="zstd") as out:
        for _ in range(4):
            out.write_table(table, row_group_size=rows)
    done = command("--data", str(tmp_path / "dec.parquet"), *_chosen(1), "--method", "cg")
    assert done.code == 0, done.err
    assert done.rss < MAX_RSS, done.rss


@pytest.mark.slow
def test_a_csv_of_the_most_features_in_short_fields_stays_under_the_bound(tmp_path):
    """The tenth audit: 100,000 rows of 257 two-digit columns (74 MB), 256 --x, peaked at
    251-252 MiB: 4 MiB blocks of 1.4M numbers, a few in flight. Blocks are sized in
    numbers (`linreg.csv_reader.MAX_BLOCK_NUMBERS`): 148-155 MiB. (1,000 rows, repeated.)"""
    features = MAX_COMMAND_FEATURES
    rows = RNG.integers(0, 100, (1000, features + 1))
    header = ",".join(f"c{k}" for k in range(features + 1)) + "\n"
    text = "".join(",".join(map(str, row)) + "\n" for row in rows.tolist())
    path = tmp_path / "wide.csv"
    path.write_text(header + text * 100)
    done = command("--data", str(path), *_chosen(features), "--method", "cg")
    assert done.code == 0, done.err
    assert done.rss < MAX_RSS, done.rss


@pytest.mark.parametrize("text", ["\u0663\u0660\u0660", "\uff13", "", "abc", "1_000"])
def test_a_read_budget_not_in_ascii_digits_is_ignored(monkeypatch, text):
    """int('٣٠٠') is 300: a budget in Arabic-Indic digits was taken, and lowered the
    readers to one; the command's other numbers are ASCII digits only."""
    monkeypatch.setenv(columnar.READ_BYTES_VARIABLE, text)
    assert columnar._read_budget() is None
    monkeypatch.setenv(columnar.READ_BYTES_VARIABLE, "300")
    assert columnar._read_budget() == 300


def test_a_folder_whose_footers_together_are_too_long_is_refused(tmp_path):
    """Every file's footer is held while a folder is read (the fourth audit: 12 files of
    3.7 MiB footers each, 458 MB): their total is bounded as one file's is."""
    groups = 100
    probe = _footer_length(_long_footer(tmp_path / "probe.parquet", groups))
    folder = tmp_path / "parts"
    folder.mkdir()
    each = int(groups * columnar.FOOTER_BYTES / probe / 2) + 2  # two files: just over
    lengths = [_footer_length(_long_footer(folder / f"p{k}.parquet", each)) for k in range(2)]
    assert max(lengths) <= columnar.FOOTER_BYTES < sum(lengths)
    done = command("--data", str(folder), *_chosen(10))
    assert (done.code, done.out) == (EXIT_INPUT, "")
    assert done.err == (
        f"linreg: error: {folder}: its 2 files' footers total {mebibytes(sum(lengths))} MiB "
        f"(their row groups × columns): more than {columnar.FOOTER_BYTES >> 20} MiB cannot be "
        "read in bounded memory; rewrite them with fewer, larger row groups, or as fewer files\n"
    )
    assert done.rss < MAX_RSS * 0.6, done.rss  # refused before the footers were read


@pytest.mark.slow
def test_a_wide_file_of_groups_small_enough_to_read_ahead_is_read_a_group_at_a_time(tmp_path):
    """The fourth audit: five groups of 2^21 numbers, 25 columns (the advice then), read
    several groups at a time peaked at 210 MB; more than `WIDE_COLUMNS` columns are read a
    group at a time, a column at a time (131 MB)."""
    columns = 25
    rows = columnar.STREAM_NUMBERS // columns
    assert columns > columnar.WIDE_COLUMNS
    path = _parquet(tmp_path / "wide.parquet", 5 * rows, columns, rows)
    done = command("--data", str(path), *_chosen(columns - 1), "--summary")
    assert done.code == 0, done.err
    assert done.rss < MAX_RSS, done.rss


_GROUP_POOL_PEAK = """
import sys
import pyarrow as pa
from linreg.moments import Moments
columns = int(sys.argv[2])
Moments.from_parquet(sys.argv[1], x=[f"c{k}" for k in range(columns - 1)], y=f"c{columns - 1}")
print(pa.default_memory_pool().max_memory())
"""


def test_row_groups_read_a_column_at_a_time_are_held_one_at_a_time(tmp_path):
    """The last rows of a group read a column at a time were views of its columns, alive
    in the reader's last chunk while the next group was read: Arrow's pool held two groups
    (the eighth audit: folders of 257-column files in groups just under COLUMNWISE_BYTES
    peaked at 184-206 MB; one file 162 MB, 120 MB with the group let go). In a fresh
    process the pool's peak stays under 1.5 groups."""
    import subprocess
    import sys

    columns, rows = columnar.STREAM_COLUMNS + 6, 4_000  # wide: read a column at a time
    path = _parquet(tmp_path / "groups.parquet", 4 * rows, columns, rows)
    done = subprocess.run(
        [sys.executable, "-c", _GROUP_POOL_PEAK, str(path), str(columns)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    group = rows * columns * 8
    assert group // 2 < int(done.stdout) < 1.5 * group, (int(done.stdout), group)


def test_a_large_dictionary_page_beside_a_large_group_is_refused(tmp_path, monkeypatch):
    """6M rows x 2 in one group whose dictionary pages were 48 MB peaked at 278 MB (the
    ninth audit; 99 MB with the writer's 1 MiB pages). Here scaled down: a group read in
    batches whose column has a dictionary page over DICTIONARY_BYTES is refused, naming
    it; the same data with pages of the default size are read."""
    from linreg.errors import DataFileError
    from linreg.moments import Moments

    monkeypatch.setattr(columnar, "STREAM_NUMBERS", 1 << 10)
    monkeypatch.setattr(columnar, "COLUMNWISE_BYTES", 1 << 12)
    monkeypatch.setattr(columnar, "DICTIONARY_BYTES", 1 << 16)
    x = RNG.normal(size=20_000)
    table = pa.table({"x": x, "y": 2 * x + RNG.normal(size=20_000)})
    big, small = tmp_path / "big.parquet", tmp_path / "small.parquet"
    pq.write_table(table, big, row_group_size=20_000, dictionary_pagesize_limit=1 << 30)
    pq.write_table(table, small, row_group_size=20_000, dictionary_pagesize_limit=1 << 15)
    with pytest.raises(DataFileError, match=r"column 'x' has a dictionary page of 0\.16 MiB"):
        Moments.from_parquet(big, x=["x"], y="y")
    assert Moments.from_parquet(small, x=["x"], y="y").count == 20_000


# --- Arrow IPC footers (`linreg._ipc_head.FOOTER_BYTES`) -------------------------------------


@pytest.mark.parametrize(
    ("kind", "said"),
    [("metadata", "mostly its schema's metadata"), ("batches", "record batches (24 bytes each)")],
)
def test_a_long_ipc_footer_is_refused_from_the_files_last_bytes(tmp_path, kind, said):
    """60 MiB of schema metadata peaked at 328 MB; 1e6 batches of one row, 317 MB (their
    footer's blocks kept as a list). Over the limit, refused before either is read."""
    import pyarrow.feather as feather

    from linreg import _ipc_head

    limit = _ipc_head.FOOTER_BYTES
    rows = limit // 24 + 1000 if kind == "batches" else 100
    x = np.arange(float(rows))
    table = pa.table({"x": x, "y": 3 * x + 1})
    path = tmp_path / "long.arrow"
    if kind == "metadata":
        feather.write_feather(table.replace_schema_metadata({"junk": "a" * (2 * limit)}), path)
    else:
        feather.write_feather(table, path, chunksize=1)
    done = command("--data", str(path), "--x", "x", "--y", "y")
    line = done.one_error_line(EXIT_INPUT)
    assert line.startswith(f"linreg: error: {path}: has a footer of ")
    assert said in line and f"more than {limit >> 20} MiB cannot be read" in line
    assert done.rss < MAX_RSS
