"""The command line's columns: --x/--y from a CSV header, Parquet and Arrow IPC files,
folders and globs, several features, and an error naming the column for each bad input."""

from __future__ import annotations

import glob
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from linreg._cli_columns import _globbed
from linreg._cli_input import SMALL_FILE
from linreg.cli import EXIT_INPUT, EXIT_OUTPUT, EXIT_USAGE
from linreg.solve import least_squares

from .conftest import LIVESTREAM_LINES

pa = pytest.importorskip("pyarrow")  # the fast extra; CI (LINREG_REQUIRE_ALL=1) fails a skip
pq = pytest.importorskip("pyarrow.parquet")
feather = pytest.importorskip("pyarrow.feather")

N = 400


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "linreg", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def frame() -> dict[str, np.ndarray]:
    """Two features on very different scales and offsets, a target, a text column."""
    rng = np.random.default_rng(19)
    a = rng.normal(size=N)
    b = 100.0 * rng.normal(size=N) + 5e4
    return {"a": a, "b": b, "y": 2.0 * a - 0.03 * b + 7.0 + 0.1 * rng.normal(size=N)}


@pytest.fixture(scope="module")
def files(frame, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("columns")
    table = pa.table({**frame, "s": ["q"] * N})
    pq.write_table(table, root / "f.parquet")
    feather.write_feather(table, root / "f.feather")
    (root / "parts").mkdir()
    for i, rows in enumerate(((0, 150), (150, 400))):
        pq.write_table(table.slice(rows[0], rows[1] - rows[0]), root / "parts" / f"p{i}.parquet")
    with open(root / "h.csv", "w", encoding="utf-8") as out:
        out.write("a,b,y\n")
        for row in zip(*(frame[c].tolist() for c in "aby")):
            out.write(",".join(repr(v) for v in row) + "\n")
    # Over the CLI's small-file size, so only streamed (Moments.from_csv, from_parquet): the
    # same rows many times over (the same optimum)
    rows = (root / "h.csv").read_text(encoding="utf-8").split("\n", 1)[1]
    (root / "big.csv").write_text("a,b,y\n" + rows * 80, encoding="utf-8")
    assert (root / "big.csv").stat().st_size > SMALL_FILE
    pq.write_table(pa.concat_tables([table] * 120), root / "big.parquet")
    return {
        "big": root / "big.csv",
        "big-parquet": root / "big.parquet",
        "parquet": root / "f.parquet",
        "feather": root / "f.feather",
        "folder": root / "parts",
        "glob": root / "parts" / "*.parquet",
        "csv": root / "h.csv",
    }


def _closed_form(stdout: str) -> dict[str, str]:
    line = next(s for s in stdout.splitlines() if s.startswith("Least-squares optimum"))
    return dict(re.findall(r"(\w+) = ([-\d.e+]+)", line))


def _last_place(text: str) -> float:
    """One unit in the last digit printed ("2.00580311" -> 1e-8)."""
    mantissa, _, exponent = text.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def _expected(frame) -> dict[str, float]:
    fit = least_squares(np.column_stack([frame["a"], frame["b"]]), frame["y"])
    return {"b": fit.intercept, "w_1": fit.coef[0], "w_2": fit.coef[1]}


@pytest.mark.parametrize(
    "source", ["parquet", "feather", "folder", "glob", "csv", "csv-positions", "big", "big-parquet"]
)
def test_several_features_fit_the_columns_named(source, files, frame):
    columns = (
        ["--x", "0", "--x", "1", "--y", "2"]
        if source == "csv-positions"
        else ["--x", "a", "--x", "b", "--y", "y"]
    )
    path = files["csv" if source.startswith("csv") else source]
    done = _run("--data", path, *columns, "--method", "newton", "--iterations", "5")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    # a column named b is quoted: b is the line's intercept (the tenth audit)
    assert "Fitting y = b + w_1*a + w_2*'b'" in done.stdout or source == "csv-positions"
    printed, expected = _closed_form(done.stdout), _expected(frame)
    assert set(printed) == {"b", "w_1", "w_2", "error"}
    for name, value in expected.items():  # every digit printed is right
        assert abs(float(printed[name]) - value) <= _last_place(printed[name]), name
        assert len(printed[name].lstrip("-0.").replace(".", "")) >= 6, name  # and enough
    assert "Method newton converged" in done.stdout


def test_one_feature_from_parquet_prints_the_livestream(tmp_path):
    data = np.loadtxt(Path(__file__).parents[1] / "data" / "data.csv", delimiter=",")
    pq.write_table(pa.table({"hours": data[:, 0], "score": data[:, 1]}), tmp_path / "d.parquet")
    done = _run("--data", tmp_path / "d.parquet", "--x", "hours", "--y", "score")
    assert done.returncode == 0, done.stderr
    assert tuple(done.stdout.splitlines()[:3]) == LIVESTREAM_LINES


def test_without_columns_the_output_is_unchanged():
    done = _run()
    assert tuple(done.stdout.splitlines()[:3]) == LIVESTREAM_LINES
    assert "Fitting" not in done.stdout


@pytest.mark.parametrize(
    ("source", "columns", "said"),
    [
        ("parquet", ["--x", "zz", "--y", "y"], "no column named 'zz' (its columns: 'a', 'b', 'y',"),
        ("parquet", ["--x", "s", "--y", "y"], "column 's' holds string, not numbers"),
        ("csv", ["--x", "zz", "--y", "y"], "no column named 'zz' (its columns: 'a', 'b', 'y')"),
        ("csv", ["--x", "7", "--y", "y"], "column position 7 (counting from 0)"),
    ],
)
def test_a_bad_column_is_one_line_naming_it(source, columns, said, files):
    done = _run("--data", files[source], *columns)
    assert done.returncode == EXIT_INPUT
    assert said in done.stderr and done.stderr.count("\n") == 1
    assert done.stdout == ""


def test_a_missing_value_names_its_column_and_row(tmp_path):
    pq.write_table(
        pa.table({"a": pa.array([1.0, None, 3.0]), "y": [1.0, 2.0, 3.0]}), tmp_path / "n.parquet"
    )
    (tmp_path / "e.csv").write_text("a,y\n1,2\n,3\n4,5\n", encoding="utf-8")
    done = _run("--data", tmp_path / "n.parquet", "--x", "a", "--y", "y")
    assert done.returncode == EXIT_INPUT
    assert "column 'a' has a missing value (null) at row 1" in done.stderr
    done = _run("--data", tmp_path / "e.csv", "--x", "a", "--y", "y")
    assert done.returncode == EXIT_INPUT
    assert "line 3, column 1: the field is empty (column 'a')" in done.stderr


def test_a_name_on_a_file_without_a_header_says_so():
    done = _run("--data", Path(__file__).parents[1] / "data" / "data.csv", "--x", "x", "--y", "y")
    assert done.returncode == EXIT_INPUT
    assert "has no header row, so no column is named 'x'" in done.stderr


@pytest.mark.parametrize(
    ("columns", "said"),
    [
        (["--x", "a"], "--x needs --y"),
        (["--y", "y"], "--y needs --x"),
        (["--x", "a", "--y", "a"], "--y 'a' is also an --x"),
        (["--x", "a", "--x", "b", "--y", "y", "--initial-m", "3"], "leave --initial-m out"),
    ],
)
def test_columns_used_wrongly_are_usage_errors(columns, said, files):
    done = _run("--data", files["parquet"], *columns)
    assert done.returncode == EXIT_USAGE
    assert said in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("source", ["folder", "glob"])
def test_history_may_not_replace_a_file_of_a_data_folder_or_glob(source, files, tmp_path):
    """--history naming a file the folder or glob reads (by another spelling) replaced it
    with the losses: refused, exit 5, the file untouched."""
    target = files["folder"] / "p1.parquet"
    before = target.read_bytes()
    spelled = files["folder"] / ".." / files["folder"].name / "p1.parquet"
    done = _run("--data", files[source], "--x", "a", "--y", "y", "--history", spelled)
    assert done.returncode == EXIT_OUTPUT and done.stdout == ""
    assert "is one of the --data files; writing the history would overwrite the data" in done.stderr
    assert target.read_bytes() == before


@pytest.mark.parametrize("source", ["folder", "glob"])
@pytest.mark.parametrize("name", ["new.parquet", "deeper/new.PQ", "other.feather"])
def test_history_may_not_become_a_file_the_data_would_read_next_time(source, name, files, tmp_path):
    """From the review: --history new.parquet inside a --data folder (or matching its glob)
    was written as CSV text, and the next run with the same --data refused the folder as
    holding a file that is not Parquet. Refused before the fit, exit 5, nothing written;
    a hidden or .csv name there is written as before."""
    target = files["folder"] / name
    target.parent.mkdir(exist_ok=True)
    done = _run("--data", files[source], "--x", "a", "--y", "y", "--history", target)
    if source == "glob" and ("/" in name or "feather" in name):  # the glob's *.parquet
        assert done.returncode == 0, done.stderr  # matches neither a folder nor .feather
        target.unlink()
        return
    assert done.returncode == EXIT_OUTPUT and done.stdout == ""
    kind = "Arrow IPC" if "feather" in name else "Parquet"  # a Parquet folder: mixed
    assert f"the next run would read the history as {kind} data" in done.stderr
    assert not target.exists()
    for kept in (files["folder"] / "h.csv", files["folder"] / ".h.parquet"):
        done = _run("--data", files[source], "--x", "a", "--y", "y", "--history", kept)
        assert done.returncode == 0, done.stderr
        kept.unlink()


@pytest.mark.parametrize("kind", ["parquet", "feather"])
def test_digits_that_are_a_columns_name_choose_it_else_a_position(tmp_path, kind):
    """From the hostile audit: a schema may name its columns "5", "7"; digits that cannot
    be a position and that the schema spells choose that column; other digits are a
    position ("2" here: the column named "7"); digits that could be either are refused,
    saying both ways to choose (`linreg.csv_lines.as_named`, the CSV header's rule)."""
    rng = np.random.default_rng(5)
    a, c = rng.normal(size=300), rng.normal(size=300)
    y = 3.0 * a - 2.0 * c + 1.0 + 0.1 * rng.normal(size=300)
    path = tmp_path / f"digits.{kind}"
    (pq.write_table if kind == "parquet" else feather.write_feather)(
        pa.table({"5": a, "y": y, "7": c}), path
    )
    fit = least_squares(np.column_stack([a, c]), y)
    for chosen in (("5", "7"), ("0", "2")):
        done = _run("--data", path, "--x", chosen[0], "--x", chosen[1], "--y", "y",
                    "--iterations", "5")  # fmt: skip
        assert done.returncode == 0, done.stderr
        printed = _closed_form(done.stdout)
        for name, value in (("b", fit.intercept), ("w_1", fit.coef[0]), ("w_2", fit.coef[1])):
            assert abs(float(printed[name]) - value) <= _last_place(printed[name]), name
    past = _run("--data", path, "--x", "3", "--y", "y")  # no such name, no such position
    assert past.returncode == EXIT_INPUT
    assert "has 3 columns ('5', 'y', '7'); column position 3 (counting from 0)" in past.stderr
    ambiguous = tmp_path / f"ambiguous.{kind}"
    (pq.write_table if kind == "parquet" else feather.write_feather)(
        pa.table({"1": a, "0": y, "7": c}), ambiguous
    )
    done = _run("--data", ambiguous, "--x", "1", "--y", "y")
    assert done.returncode == EXIT_INPUT
    assert "could be the column named '1' or the one at position 1" in done.stderr


def test_the_future_input_check_matches_as_glob_does(tmp_path):
    """`_globbed`, which says whether a new --history file would match the --data pattern,
    agrees with `glob.glob` on every file of a tree for patterns with *, ?, [..], ** and
    hidden names (it must neither miss a file the pattern will read nor refuse another)."""
    names = ["a.parquet", ".h.parquet", "sub/b.parquet", "sub/.c.parquet", ".hid/d.parquet"]
    names += ["sub/deep/e.parquet", "A.PARQUET", "x.pq"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    patterns = ["*.parquet", "*", "**/*.parquet", "**", "sub/*", "*/*.parquet", ".*", "**/.*"]
    patterns += ["s*/**/*.parquet", "[as]*", "?.parquet", "**/e.parquet", "sub/../*.parquet"]
    for pattern in patterns:
        whole = str(tmp_path / pattern)
        found = {os.path.abspath(p) for p in glob.glob(whole, recursive=True)}
        for path in tmp_path.rglob("*"):
            split = os.path.abspath(whole).split(os.sep)[1:]
            assert _globbed(split, path.parts[1:]) == (str(path) in found), (pattern, path)


@pytest.mark.parametrize("through", ["data", "history"])
@pytest.mark.parametrize("source", ["folder", "glob"])
def test_a_link_does_not_hide_the_data_folder_from_the_history(source, through, files, tmp_path):
    """The tenth audit: --data dshlink (a link to the folder dsh) --history dsh/new.parquet
    wrote CSV text into the data folder, and the next run refused the folder; so did
    --data 'lnk/d/*.parquet'. Both sides are compared through their links."""
    link = tmp_path / "link"
    link.symlink_to(files["folder"], target_is_directory=True)
    data = link if source == "folder" else link / "*.parquet"
    written = files["folder"] / "new.parquet"
    if through == "history":  # the data named directly, the history through the link
        data = files["folder"] if source == "folder" else files["folder"] / "*.parquet"
        written = link / "new.parquet"
    done = _run("--data", data, "--x", "a", "--y", "y", "--history", written)
    assert done.returncode == EXIT_OUTPUT and done.stdout == "", done.stderr
    assert "the next run would read the history as Parquet data" in done.stderr
    assert not (files["folder"] / "new.parquet").exists()


@pytest.mark.parametrize("name", ["h.csv", "h"])
def test_a_catch_all_glob_refuses_a_history_it_would_match(name, files, tmp_path):
    """The eleventh audit: --data 'g/*' --history g/h.csv was written, and the same
    command then refused the glob as 'not all Parquet (such as g/h.csv)'."""
    folder = tmp_path / "g"
    folder.mkdir()
    (folder / "a.parquet").write_bytes((files["folder"] / "p0.parquet").read_bytes())
    done = _run("--data", folder / "*", "--x", "a", "--y", "y", "--history", folder / name)
    assert done.returncode == EXIT_OUTPUT and done.stdout == "", done.stderr
    assert "matching the --data pattern" in done.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["a.parquet"]
    elsewhere = tmp_path / name
    done = _run("--data", folder / "*", "--x", "a", "--y", "y", "--history", elsewhere)
    assert done.returncode == 0 and elsewhere.exists(), done.stderr


@pytest.mark.parametrize("count", [1, 2])
def test_a_pattern_of_csv_files_counts_them_in_words(count, tmp_path):
    """The twelfth audit: 'this pattern matches 1 files'."""
    for k in range(count):
        (tmp_path / f"d{k}.csv").write_text("1,2\n2,3\n3,5\n")
    done = _run("--data", tmp_path / "d*.csv")
    assert done.returncode == EXIT_INPUT and done.stdout == ""
    assert f"this pattern matches {count} {'file' if count == 1 else 'files'}, not all" in (
        done.stderr
    )
