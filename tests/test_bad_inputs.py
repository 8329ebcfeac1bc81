"""The catalogue of bad inputs: each gets its own error type and a message naming the
problem, from the Python API and from the command line (one line on stderr, no
traceback, a documented exit code). None may produce a NaN or an overflow warning.

Exit codes (linreg.cli): 2 usage, 3 bad input, 4 diverged.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from linreg import DataFileError, DivergenceError, InputError, gradient_descent, load_points
from linreg.cli import EXIT_DIVERGED, EXIT_INPUT, EXIT_USAGE, main
from linreg.errors import SingularProblemError
from linreg.solve import least_squares


@dataclass(frozen=True)
class BadFile:
    name: str
    content: bytes | None  # None: the path does not exist
    error: type[Exception] | None  # None: accepted (the documented decision)
    message: str


FILES = [
    BadFile("missing file", None, DataFileError, "no such file"),
    BadFile("empty file", b"", DataFileError, "the file is empty"),
    BadFile(
        "binary garbage",
        b"\x7fELF\x02\x01\x01\x00\x00\x00\xff\xfe",
        DataFileError,
        "line 1: is not a text file",
    ),
    BadFile("not UTF-8", b"1,2\n3,4\xff\n", DataFileError, "line 2: is not UTF-8 text"),
    BadFile(
        "non-numeric field",
        b"1,2\n3,abc\n",
        DataFileError,
        "line 2, column 2: 'abc' is not a number",
    ),
    BadFile(
        "NaN", b"1,2\nnan,4\n", DataFileError, "line 2, column 1: 'nan' is not a finite number"
    ),
    BadFile(
        "+inf", b"1,2\n3,inf\n", DataFileError, "line 2, column 2: 'inf' is not a finite number"
    ),
    BadFile(
        "-inf", b"1,2\n-inf,4\n", DataFileError, "line 2, column 1: '-inf' is not a finite number"
    ),
    BadFile(
        "overflowing number",
        b"1,2\n3,1e999\n",
        DataFileError,
        "line 2, column 2: '1e999' is too large",
    ),
    BadFile(
        "squares overflow", b"1e200,1\n2e200,3\n3e200,2\n", InputError, "the data are too large"
    ),
    BadFile(
        "ragged rows",
        b"1,2\n3,4,5\n",
        DataFileError,
        "line 2: expected 2 comma-separated fields, found 3",
    ),
    BadFile(
        "one column",
        b"1\n2\n3\n",
        DataFileError,
        "line 1: expected 2 comma-separated fields, found 1",
    ),
    BadFile(
        "more columns",
        b"1,2,3\n4,5,6\n",
        DataFileError,
        "line 1: expected 2 comma-separated fields, found 3",
    ),
    BadFile("empty field", b"1,2\n,4\n", DataFileError, "line 2, column 1: the field is empty"),
    BadFile("single point", b"1,2\n", DataFileError, "found 1 point; at least 2 are needed"),
    BadFile("only a header", b"hours,score\n", DataFileError, "the file has no data rows"),
    # Accepted, by decision: a first line with no numbers is a header and is skipped.
    BadFile("header row", b"hours,score\n1,2\n2,4\n3,5\n", None, ""),
    # Accepted: descent is defined; the closed form is not unique (said in the summary).
    BadFile("two identical points", b"1,2\n1,2\n", None, "not unique"),
    BadFile("constant x", b"1,2\n1,3\n1,4\n", None, "not unique"),
]


ACCEPTED_ROWS = {
    "header row": [[1, 2], [2, 4], [3, 5]],
    "two identical points": [[1, 2], [1, 2]],
    "constant x": [[1, 2], [1, 3], [1, 4]],
}


def _check_against_exact(points: np.ndarray, descent_loss: float) -> None:
    """The closed form agrees with rational arithmetic, or both call the problem singular."""
    rows = points.tolist()
    try:
        exact = least_squares([r[:1] for r in rows], [r[1] for r in rows], exact=True)
    except SingularProblemError:
        with pytest.raises(SingularProblemError):
            least_squares(points[:, :1], points[:, 1])
        return
    best = least_squares(points[:, :1], points[:, 1])
    # Three small integer points: the float solve is right to a few eps (1e-14 ≈ 45 eps).
    assert best.coef[0] == pytest.approx(float(exact.coef[0]), rel=1e-14)
    assert best.intercept == pytest.approx(float(exact.intercept), rel=1e-14)
    # Descent never goes below the exact minimum (1e-14 relative: rounding, as above).
    assert descent_loss >= float(exact.mse) * (1 - 1e-14)


def _write(tmp_path: Path, case: BadFile) -> Path:
    path = tmp_path / "data.csv"
    if case.content is not None:
        path.write_bytes(case.content)
    return path


@pytest.mark.parametrize("case", FILES, ids=[c.name for c in FILES])
def test_file_through_the_api(tmp_path, case):
    path = _write(tmp_path, case)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or invalid-value warning, ever
        if case.error is None:
            points = load_points(path)
            assert points.tolist() == ACCEPTED_ROWS[case.name]  # every data row, header not
            fit = gradient_descent(
                points[:, :1], points[:, 1], learning_rate="auto", num_iterations=50
            )
            assert math.isfinite(fit.b) and np.isfinite(fit.w).all() and math.isfinite(fit.loss)
            _check_against_exact(points, fit.loss)
            return
        with pytest.raises(case.error, match=case.message) as caught:
            points = load_points(path)
            gradient_descent(points[:, :1], points[:, 1], learning_rate=1e-4, num_iterations=10)
    assert isinstance(caught.value, ValueError)
    if isinstance(caught.value, DataFileError):
        assert str(path) in str(caught.value)


@pytest.mark.parametrize("case", FILES, ids=[c.name for c in FILES])
def test_file_through_the_command(tmp_path, capsys, case):
    path = _write(tmp_path, case)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code = main(["--data", str(path)])
    out, err = capsys.readouterr()
    if case.error is None:
        assert code == 0 and err == ""
        assert case.message in out
        assert "nan" not in out.lower()
        return
    assert code == EXIT_INPUT
    assert err.startswith("linreg: error: ") and err.count("\n") == 1
    assert case.message in err or __import__("re").search(case.message, err)
    assert out == ""  # nothing printed before the error


def test_unreadable_file(capsys):
    # Root reads any file, so use one the kernel refuses to read: /proc/self/mem at 0.
    mem = Path("/proc/self/mem")
    if not mem.exists():
        pytest.skip("needs Linux /proc")
    with pytest.raises(DataFileError, match="cannot be read"):
        load_points(mem)
    assert main(["--data", str(mem)]) == EXIT_INPUT
    assert "cannot be read" in capsys.readouterr().err


def test_directory(tmp_path, capsys):
    with pytest.raises(DataFileError, match="is a directory"):
        load_points(tmp_path)
    assert main(["--data", str(tmp_path)]) == EXIT_INPUT
    assert "is a directory" in capsys.readouterr().err


def test_constant_x_closed_form_is_singular():
    with pytest.raises(SingularProblemError, match="column 0 of X is constant"):
        least_squares([[1.0], [1.0], [1.0]], [2.0, 3.0, 4.0])


X_OK, Y_OK = np.array([[1.0], [2.0], [3.0]]), np.array([2.0, 4.0, 5.0])
ARGUMENTS = [
    (
        "y of shape (n, 1)",
        dict(y=Y_OK[:, None]),
        InputError,
        r"y must be 1-D of shape \(n_samples,\), got shape \(3, 1\)",
    ),
    (
        "X 1-D",
        dict(X=X_OK[:, 0]),
        InputError,
        r"X must be 2-D of shape \(n_samples, n_features\), got shape \(3,\)",
    ),
    ("mismatched lengths", dict(y=Y_OK[:2]), InputError, "X has 3, y has 2"),
    (
        "learning rate 0",
        dict(learning_rate=0),
        InputError,
        "learning_rate must be positive, got 0.0",
    ),
    (
        "learning rate negative",
        dict(learning_rate=-0.1),
        InputError,
        "learning_rate must be positive, got -0.1",
    ),
    (
        "learning rate NaN",
        dict(learning_rate=float("nan")),
        InputError,
        "learning_rate must be finite, got nan",
    ),
    (
        "learning rate inf",
        dict(learning_rate=float("inf")),
        InputError,
        "learning_rate must be finite, got inf",
    ),
    (
        "learning rate string",
        dict(learning_rate="fast"),
        InputError,
        "learning_rate must be a positive number or 'auto', got 'fast'",
    ),
    (
        "learning rate too large",
        dict(learning_rate=10.0),
        DivergenceError,
        "above the stability bound",
    ),
    (
        "iterations negative",
        dict(num_iterations=-1),
        InputError,
        "num_iterations must be a non-negative integer, got -1",
    ),
    (
        "iterations float",
        dict(num_iterations=2.5),
        InputError,
        "num_iterations must be a non-negative integer, got 2.5",
    ),
    (
        "iterations huge",
        dict(num_iterations=10**12),
        InputError,
        "is more than the 100,000,000 allowed",
    ),
    ("tol negative", dict(tol=-1e-3), InputError, "tol must be non-negative, got -0.001"),
    ("unknown option", dict(speed=3), TypeError, "unexpected keyword argument 'speed'"),
]


@pytest.mark.parametrize("name, change, error, message", ARGUMENTS, ids=[a[0] for a in ARGUMENTS])
def test_arguments_through_the_api(name, change, error, message):
    args = {"X": X_OK, "y": Y_OK, "learning_rate": 0.01, "num_iterations": 10, **change}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(error, match=message):
            gradient_descent(args.pop("X"), args.pop("y"), **args)


#: An option value out of range is a usage error (2), said before any data are read.
COMMANDS = [
    ("learning rate 0", ["--learning-rate", "0"], EXIT_USAGE, "--learning-rate must be positive"),
    (
        "learning rate negative",
        ["--learning-rate", "-1"],
        EXIT_USAGE,
        "--learning-rate must be positive",
    ),
    ("learning rate NaN", ["--learning-rate", "nan"], EXIT_USAGE, "--learning-rate must be finite"),
    ("learning rate inf", ["--learning-rate", "inf"], EXIT_USAGE, "--learning-rate must be finite"),
    (
        "learning rate string",
        ["--learning-rate", "fast"],
        EXIT_USAGE,
        "not a number or 'auto': 'fast'",
    ),
    (
        "learning rate 0.001",
        ["--learning-rate", "0.001"],
        EXIT_DIVERGED,
        "2/lambda_max = 0.0004013",
    ),
    (
        "iterations negative",
        ["--iterations", "-5"],
        EXIT_USAGE,
        "--iterations must be a non-negative integer",
    ),
    ("iterations float", ["--iterations", "1.5"], EXIT_USAGE, "not a whole number: '1.5'"),
    (
        "iterations huge",
        ["--iterations", "1000000000000"],
        EXIT_USAGE,
        "is more than the 100,000,000 allowed",
    ),
    ("tol negative", ["--tol", "-1"], EXIT_USAGE, "tol must be non-negative"),
    ("initial b not a number", ["--initial-b", "x"], EXIT_USAGE, "not a number: 'x'"),
    ("unknown option", ["--speed", "3"], EXIT_USAGE, "unrecognized arguments: --speed 3"),
]


@pytest.mark.parametrize("name, argv, code, message", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_arguments_through_the_command(capsys, name, argv, code, message):
    try:
        result = main(argv)
    except SystemExit as exit_:  # argparse's usage errors
        result = exit_.code
    out, err = capsys.readouterr()
    assert result == code
    assert message in err
    assert err.startswith("linreg: error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert out == ""


@pytest.mark.parametrize(
    "value", [True, False, np.bool_(True), "1.0", b"1", [1.0], np.array([0.5])]
)
def test_a_scalar_argument_refuses_what_is_not_one_real_number(value):
    # as_scalar's quick path takes exactly float and int: a bool (an int subclass) must
    # still be refused, by the same message, at every entry that takes a number
    points = load_points()
    with pytest.raises(InputError, match="b0 must be a real number"):
        gradient_descent(points[:, :1], points[:, 1], learning_rate=1e-4, num_iterations=1,
                         b0=value)  # fmt: skip
