"""Loading points: the bundled data, line endings, and every kind of bad file."""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import pytest

from linreg import load_points
from linreg.data import bundled_data_path, iter_table_chunks, load_table
from linreg.errors import DataFileError, InputError

from .conftest import ROOT


def test_bundled_data(points):
    assert points.shape == (100, 2)
    assert points.dtype == np.float64
    assert points[0].tolist() == [32.502345269453031, 31.70700584656992]
    assert bundled_data_path().read_bytes() == (ROOT / "data" / "data.csv").read_bytes()


def test_crlf_and_lf_read_the_same(tmp_path, points):
    raw = bundled_data_path().read_bytes()
    assert b"\r\n" in raw
    lf = tmp_path / "lf.csv"
    lf.write_bytes(raw.replace(b"\r\n", b"\n"))
    np.testing.assert_array_equal(load_points(lf), points)


def test_header_row_is_skipped(tmp_path):
    f = tmp_path / "h.csv"
    f.write_text("hours,score\n1,2\n3,5\n")
    assert load_points(f).tolist() == [[1.0, 2.0], [3.0, 5.0]]


def test_exact_values(tmp_path):
    f = tmp_path / "e.csv"
    f.write_text("0.1,1e-3\n2,3\n")
    assert load_points(f, exact=True) == [[Fraction(1, 10), Fraction(1, 1000)], [2, 3]]


def test_table_of_any_width(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("1,2,3\n4,5,6\n")
    assert load_table(f).shape == (2, 3)


@pytest.fixture(params=["pyarrow", "numpy"])
def reader(request, monkeypatch):
    """Run a test with each fast reader: pyarrow's (the fast extra) and numpy's."""
    from linreg import csv_reader

    if request.param == "numpy":
        monkeypatch.setattr(csv_reader, "_pyarrow_csv", lambda: None)
    else:
        pytest.importorskip("pyarrow")
    return request.param


BAD_FILES = [
    # (name, content or None for missing, message pattern, line)
    ("missing", None, "no such file", None),
    ("empty", b"", "the file is empty", None),
    ("blank", b"\n \r\n", "the file is empty", None),
    ("text", b"1,2\n3,abc\n", r"line 2, column 2: 'abc' is not a number", 2),
    ("nan", b"1,2\nnan,3\n", r"line 2, column 1: 'nan' is not a finite number", 2),
    ("inf", b"1,2\n3,-inf\n", r"line 2, column 2: '-inf' is not a finite number", 2),
    ("overflow", b"1,2\n3,1e400\n", r"line 2, column 2: '1e400' is too large", 2),
    ("ragged", b"1,2\n3,4,5\n", r"line 2: expected 2 comma-separated fields, found 3", 2),
    ("one column", b"1\n2\n", r"line 1: expected 2 comma-separated fields, found 1", 1),
    ("one point", b"1,2\n", "found 1 point; at least 2 are needed", None),
    ("only header", b"x,y\n", "the file has no data rows", None),
    ("empty field", b"1,\n2,3\n", r"line 1, column 2: the field is empty", 1),
    ("binary", b"\x89PNG\x00\x01\x02", "is not a text file", 1),
    ("latin1", b"1,2\n3,\xe9\n", "is not UTF-8 text", 2),
]


@pytest.mark.parametrize("name, content, message, line", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files(tmp_path, reader, name, content, message, line):
    f = tmp_path / "points.csv"
    if content is not None:
        f.write_bytes(content)
    with pytest.raises(DataFileError, match=message) as caught:
        load_points(f)
    error = caught.value
    assert isinstance(error, ValueError) and isinstance(error, InputError)
    assert str(f) in str(error)
    assert error.line == line


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [  # issue 17 (audit 8): "has no header row, so no column is named 'x'"
        (b"PAR1\x15\x04\x15\x00\x15\x06\n\x1c", "is not a text file (it contains NUL bytes)", 1),
        (b"x,y\n1,2\n3,4\x00\n", "is not a text file (it contains NUL bytes)", 3),
        (b"\xe9,y\n1,2\n3,4\n", "is not UTF-8 text", 1),
    ],
)
def test_a_binary_file_is_named_before_the_columns_asked_for(tmp_path, content, message, line):
    f = tmp_path / "real.csv"
    f.write_bytes(content)
    for read in (load_table, lambda f, **kw: list(iter_table_chunks(f, **kw))):
        with pytest.raises(DataFileError, match=re.escape(message)) as caught:
            read(f, columns=["x", "y"])
        assert caught.value.line == line


def test_directory(tmp_path):
    with pytest.raises(DataFileError, match="is a directory"):
        load_points(tmp_path)


def test_both_readers_read_the_same_numbers(tmp_path, reader, points):
    rng = np.random.default_rng(2)
    table = rng.normal(scale=1e3, size=(5000, 3))
    f = tmp_path / "t.csv"
    f.write_text(
        "a,b,c\r\n" + "".join(f"{a!r}, {b!r},{c!r}\r\n" for a, b, c in table.tolist()) + "\n\n"
    )
    np.testing.assert_array_equal(load_table(f), table)
    chunks = list(iter_table_chunks(f, block_bytes=1000))
    assert len(chunks) > 10
    np.testing.assert_array_equal(np.concatenate(chunks), table)
    np.testing.assert_array_equal(load_points(bundled_data_path()), points)


@pytest.mark.parametrize("end", [b"\n", b"\r\n", b"\r"], ids=["LF", "CRLF", "CR"])
def test_line_ends_at_every_block_boundary(tmp_path, reader, end):
    """A CRLF split between two blocks is one line end, whatever the block size."""
    rows = [[k, 2 * k + 1] for k in range(40)]
    f = tmp_path / "t.csv"
    f.write_bytes(b"x,y" + end + b"".join(f"{a},{b}".encode() + end for a, b in rows))
    for block in (1, 2, 3, 5, 7, 64, 1 << 20):
        assert np.concatenate(list(iter_table_chunks(f, block_bytes=block))).tolist() == rows
    # Line numbers count each line end once: the bad value is on line 1 + 31 = 32.
    f.write_bytes(f.read_bytes().replace(b"30,61", b"30,6x"))
    for block in (1, 3, 64):
        with pytest.raises(DataFileError, match="line 32, column 2: '6x' is not a number"):
            list(iter_table_chunks(f, block_bytes=block))


def test_blocks_of_short_fields_hold_at_most_max_block_numbers(tmp_path, reader):
    """From the hostile audit (issue 17's tenth): 257 columns of two-digit numbers filled
    4 MiB blocks with 1.4M numbers, a few blocks in flight (251-252 MiB peak with 256 --x
    on the command line); a block is sized in numbers (fields), not rows, from the first
    read: here 8,000 rows of 257 one-digit fields, 2 bytes a field."""
    from linreg import csv_reader

    f = tmp_path / "wide.csv"
    f.write_bytes((",".join(["1"] * 256) + ",2\n").encode() * 8000)
    chunks = list(iter_table_chunks(f))
    assert sum(len(chunk) for chunk in chunks) == 8000
    assert max(chunk.size for chunk in chunks) <= csv_reader.MAX_BLOCK_NUMBERS
    assert chunks[0][0, -1] == 2 and chunks[-1].shape[1] == 257


def test_a_line_without_end_is_refused_after_the_cap(tmp_path, reader):
    from linreg.data import MAX_LINE_BYTES

    f = tmp_path / "long.csv"
    f.write_bytes(b"1,2\n3,4\n" + b"5" * (MAX_LINE_BYTES + 10))
    with pytest.raises(DataFileError, match="line 3: the line is longer than 1,048,576 bytes"):
        list(iter_table_chunks(f, block_bytes=1000))
    f.write_bytes(b"1,2\n3,4\n0." + b"5" * (MAX_LINE_BYTES - 10) + b",6\n")
    assert load_points(f).shape == (3, 2)  # a long line within the cap is read
