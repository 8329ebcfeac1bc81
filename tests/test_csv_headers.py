"""A CSV header the command cannot guess (issue 17's audit): a header of numbers, or of
names and numbers (``x1,2020``), and a header of more columns than x, y."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from linreg.cli import EXIT_INPUT
from linreg.csv_reader import load_table
from linreg.data import load_points
from linreg.errors import DataFileError, HeaderWidthError

ROWS = "1,2.5\n2,3.25\n3,5.125\n4,6.0625\n"


def _run(*args: str | Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "linreg", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        input=stdin,
    )


def _file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("header", "columns"),
    [
        ("x1,2020", ("--x", "x1", "--y", "2020")),  # a name: the first line is the header
        ("x1,2020", ("--x", "0", "--y", "2020")),  # 2020 cannot be a position: a name
        ("2019,2020", ("--x", "2019", "--y", "2020")),  # all numbers, named as text
        ('"2019", 2020 ', ("--x", "2019", "--y", "2020")),  # quoted and blank: still text
        ("x1,2020", ("--x", "x1", "--y", "1")),  # a position not spelled: a position
    ],
)
def test_a_header_of_numbers_is_read_when_columns_are_named(tmp_path, header, columns):
    # Before, each was an error: "'x1' is not a number", or "column position 2020
    # (counting from 0) is past its last". The fit is that of the rows without a header.
    plain = _run("--data", _file(tmp_path, "plain.csv", ROWS))
    named = _run("--data", _file(tmp_path, "h.csv", f"{header}\n{ROWS}"), *columns)
    assert (named.returncode, named.stderr) == (0, "")
    assert named.stdout == plain.stdout
    fed = _run("--data", "-", *columns, stdin=f"{header}\n{ROWS}")  # the same from a pipe
    assert fed.stdout == plain.stdout


def test_the_api_reads_a_header_of_numbers_when_a_column_is_named(tmp_path):
    path = _file(tmp_path, "h.csv", f"2019,2020\n{ROWS}")
    assert load_table(path, columns=["2020", "2019"]).tolist() == [
        [2.5, 1.0],
        [3.25, 2.0],
        [5.125, 3.0],
        [6.0625, 4.0],
    ]
    # Positions alone say nothing of a header: a first line of numbers is data.
    assert load_table(path, columns=[0, 1]).tolist()[0] == [2019.0, 2020.0]


def test_a_position_that_is_also_another_columns_name_is_refused(tmp_path):
    path = _file(tmp_path, "h.csv", f"a,b,1\n{ROWS.replace(chr(10), ',0' + chr(10))}")
    done = _run("--data", path, "--x", "a", "--y", "1")
    assert (done.returncode, done.stdout) == (EXIT_INPUT, "")
    assert done.stderr == (
        f"linreg: error: {path}, line 1: column 1 could be the column named '1' or the one "
        "at position 1 (counting from 0), named 'b': for the first give its position, 2; "
        "for the second its name, 'b'\n"
    )
    # Each of the two spellings it offers is read.
    assert _run("--data", path, "--x", "a", "--y", "2").returncode == 0
    assert _run("--data", path, "--x", "a", "--y", "b").returncode == 0


def test_a_first_line_of_names_and_numbers_says_how_it_is_read(tmp_path):
    path = _file(tmp_path, "h.csv", f"x1,2020\n{ROWS}")
    done = _run("--data", path)
    assert (done.returncode, done.stdout) == (EXIT_INPUT, "")
    assert done.stderr == (
        f"linreg: error: {path}, line 1, column 1: 'x1' is not a number; a first line is a "
        "header when all its fields are names, or when columns are chosen by name (--x and "
        "--y, or columns=)\n"
    )


@pytest.mark.parametrize("stdin", [False, True], ids=["file", "stdin"])
@pytest.mark.parametrize("rows", [1, 30_000], ids=["small", "streamed"])
def test_a_header_of_three_columns_without_x_and_y_names_them(tmp_path, stdin, rows):
    # Before: "line 2: expected 2 comma-separated fields, found 3", blaming the data.
    text = "a,b,c\n" + "1,2,3\n" * rows  # 30,000 rows: over SMALL_FILE, streamed
    path = _file(tmp_path, "three.csv", text)
    done = _run("--data", "-", stdin=text) if stdin else _run("--data", path)
    name = "standard input" if stdin else str(path)
    assert (done.returncode, done.stdout) == (EXIT_INPUT, "")
    assert done.stderr == (
        f"linreg: error: {name}, line 1: has 3 columns ('a', 'b', 'c'): choose the "
        "features with --x and the target with --y\n"
    )


def test_load_points_names_a_header_of_other_than_two_columns(tmp_path):
    path = _file(tmp_path, "one.csv", "x\n1\n2\n")
    with pytest.raises(HeaderWidthError) as caught:
        load_points(path)
    assert isinstance(caught.value, DataFileError)
    assert caught.value.names == ["x"]
    assert str(caught.value) == f"{path}, line 1: has 1 column ('x'); 2 are read (x, then y)"


def test_a_parquet_column_named_by_digits_is_chosen_by_name(tmp_path):
    pa = pytest.importorskip("pyarrow")  # the fast extra
    pq = pytest.importorskip("pyarrow.parquet")
    rows = [[float(v) for v in line.split(",")] for line in ROWS.split()]
    table = pa.table({"2019": [r[0] for r in rows], "2020": [r[1] for r in rows]})
    pq.write_table(table, tmp_path / "t.parquet")
    plain = _run("--data", _file(tmp_path, "plain.csv", ROWS))
    named = _run("--data", tmp_path / "t.parquet", "--x", "2019", "--y", "2020")
    assert (named.returncode, named.stderr) == (0, "")
    assert named.stdout == plain.stdout


def test_one_column_chosen_by_its_name_and_its_position_names_both(tmp_path):
    # Before: "column '0' is chosen twice", though 0 was typed once (and 'a' once).
    path = _file(tmp_path, "h.csv", f"a,b\n{ROWS}")
    done = _run("--data", path, "--x", "a", "--y", "0")
    assert (done.returncode, done.stdout) == (EXIT_INPUT, "")
    assert done.stderr == f"linreg: error: {path}: column '0' is chosen twice (as 'a' too)\n"
