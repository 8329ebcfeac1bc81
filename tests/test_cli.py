"""The command line: the livestream's lines, the honest summary, and clean errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from linreg.cli import EXIT_DIVERGED, EXIT_INPUT, EXIT_USAGE, main

from .conftest import LIVESTREAM_LINES


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "linreg", *args], capture_output=True, text=True, timeout=120
    )


def test_no_arguments_prints_the_livestream_lines_then_the_truth():
    done = _run()
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert tuple(lines[:3]) == LIVESTREAM_LINES
    summary = "\n".join(lines[3:])
    assert "b = 7.991020982, m = 1.32243102" in summary
    assert "error = 110.2573835" in summary
    assert "has not converged" in summary
    assert "0.0004013" in summary
    assert "1,830,410 iterations" in summary
    assert done.stderr == ""


def test_diverging_rate_is_one_line_and_non_zero():
    done = _run("--learning-rate", "0.001")
    assert done.returncode == EXIT_DIVERGED
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "0.0004013" in done.stderr and "0.001" in done.stderr


def test_standardized_auto_converges():
    done = _run("--learning-rate", "auto", "--standardize", "--iterations", "10")
    assert done.returncode == 0
    assert "converged to it in 10 iterations" in done.stdout


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["--iterations", "x"], EXIT_USAGE, "not a whole number: 'x'"),
        (["--iterations", "-5"], EXIT_INPUT, "num_iterations must be non-negative"),
        (["--learning-rate", "0"], EXIT_INPUT, "learning_rate must be positive"),
        (["--learning-rate", "nan"], EXIT_INPUT, "learning_rate must be finite"),
        (["--learning-rate", "fast"], EXIT_USAGE, "not a number or 'auto'"),
        (["--tol", "-1"], EXIT_INPUT, "tol must be non-negative"),
        (["--data", "/nonexistent/file.csv"], EXIT_INPUT, "no such file"),
        (["--bogus"], EXIT_USAGE, "unrecognized arguments: --bogus"),
    ],
)
def test_bad_input_one_line(capsys, args, code, message):
    with pytest.raises(SystemExit) if code == EXIT_USAGE else _nothing():
        result = main(args)
        assert result == code
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_bad_file_names_line(tmp_path, capsys):
    f = tmp_path / "bad.csv"
    f.write_text("1,2\n3,four\n")
    assert main(["--data", str(f)]) == EXIT_INPUT
    assert f"{f}, line 2, column 2: 'four' is not a number" in capsys.readouterr().err


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
