"""``--data -``: standard input prints what the same file given by its name prints
(issue 17's audit: a pipe was always streamed, so it lost the livestream's own digits)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from linreg._cli_input import SMALL_FILE
from linreg.data import bundled_data_path


def _run(*args: str | Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "linreg", *map(str, args)],
        capture_output=True,
        timeout=300,
        input=stdin,  # through a pipe: not a regular file
    )


def _rows(count: int) -> bytes:
    rng = np.random.default_rng(5)
    x = rng.normal(size=count)
    y = 3.0 * x + 1.0 + rng.normal(size=count)
    return "".join(f"{a!r},{b!r}\n" for a, b in zip(x.tolist(), y.tolist())).encode()


@pytest.mark.parametrize(
    "options",
    [(), ("--method", "cg"), ("--x", "0", "--y", "1"), ("--summary",)],
    ids=["livestream", "cg", "columns", "summary"],
)
def test_a_pipe_prints_what_the_file_prints(options):
    path = bundled_data_path()
    by_name = _run("--data", path, *options)
    piped = _run("--data", "-", *options, stdin=path.read_bytes())
    assert (by_name.returncode, piped.returncode, piped.stderr) == (0, 0, b"")
    assert piped.stdout == by_name.stdout  # byte for byte, every digit


@pytest.mark.slow
@pytest.mark.parametrize("over", [-1, 0, 1], ids=["under", "at", "over"])
def test_on_either_side_of_the_small_file_size_a_pipe_prints_what_the_file_prints(tmp_path, over):
    # A file up to SMALL_FILE bytes is read whole (the livestream's loops), a larger one
    # streamed: a pipe of the same bytes is read the same way, on either side.
    text = _rows(SMALL_FILE // 20)
    whole = text[: text.rindex(b"\n", 0, SMALL_FILE - 100) + 1]  # whole lines
    cut = whole + b"\n" * (SMALL_FILE + over - len(whole))  # blank lines: no rows
    path = tmp_path / "f.csv"
    path.write_bytes(cut)
    assert len(cut) == SMALL_FILE + over
    by_name = _run("--data", path, "--iterations", "50")
    piped = _run("--data", "-", "--iterations", "50", stdin=cut)
    assert (by_name.returncode, piped.returncode) == (0, 0), by_name.stderr + piped.stderr
    assert piped.stdout == by_name.stdout


def test_errors_call_standard_input_by_its_name():
    # The fresh audit: "/dev/stdin: the file is empty" named a path the user never typed.
    done = _run("--data", "-", stdin=b"")
    assert (done.returncode, done.stdout) == (3, b"")
    assert done.stderr == b"linreg: error: standard input: the file is empty\n"


def test_a_binary_file_piped_in_is_refused_saying_standard_input_is_csv(tmp_path):
    path = tmp_path / "points.npy"
    np.save(path, np.array([[1.0, 2.0], [2.0, 3.0], [3.0, 5.0]]))
    assert _run("--data", path).returncode == 0
    for columns in ([], ["--x", "x", "--y", "y"]):  # not "has no header row" (issue 17)
        piped = _run("--data", "-", *columns, stdin=path.read_bytes())
        assert (piped.returncode, piped.stdout) == (3, b"")
        assert piped.stderr == (
            b"linreg: error: standard input, line 1: is not a text file (it contains NUL "
            b"bytes); standard input is read as CSV: give a binary file by its name\n"
        )
