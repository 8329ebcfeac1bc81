"""The command's option values from a fresh hostile audit (issue 17, files17): a
single-valued option given twice, and an option's value out of range, are usage errors
(exit 2) said in the command's words, with the value as typed; nothing is read or
written first.
"""

from __future__ import annotations

import pytest

from linreg.cli import EXIT_USAGE, build_parser, main


def _refused(capsys, args: list[str]) -> str:  # type: ignore[no-untyped-def]
    assert main(args) == EXIT_USAGE
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    return err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["--history", "a.csv", "--history", "b.csv"],
            "--history: is given twice (a.csv, then b.csv)",
        ),
        (["--method", "gd", "--method", "cg"], "--method: is given twice (gd, then cg)"),
        (["--data", "A", "--data", "B"], "--data: is given twice (A, then B)"),
        (["--iter", "3", "--iterations", "4"], "--iterations: is given twice (3, then 4)"),
        (["--tol", "1e-3", "--tol=1e-4"], "--tol: is given twice (1e-3, then 1e-4)"),
        (["--initial-b", "-1", "--initial-b", "2"], "--initial-b: is given twice (-1, then 2)"),
        (
            ["--learning-rate", "auto", "--learning-rate", "0.1"],
            "--learning-rate: is given twice (auto, then 0.1)",
        ),
    ],
)
def test_a_single_valued_option_given_twice_is_refused(tmp_path, capsys, monkeypatch, args, said):
    monkeypatch.chdir(tmp_path)
    err = _refused(capsys, args)
    assert err == f"linreg: error: argument {said}; give it once (see linreg --help)\n"
    assert list(tmp_path.iterdir()) == []  # no history written


def test_every_single_valued_option_is_given_once():
    # Every option that stores one value refuses a second, not only the ones above.
    for action in build_parser()._actions:
        repeatable = action.dest in ("x", "y", "option")  # lists, checked on their own
        if action.option_strings and action.nargs is None and not repeatable:
            assert type(action).__name__ == "Once", action.option_strings


@pytest.mark.parametrize("flag", ["--summary", "--standardize"])
def test_a_flag_given_twice_is_refused(capsys, flag):
    # The fresh audit: every repeated option was refused but these two.
    err = _refused(capsys, [flag, flag])
    assert (
        err == f"linreg: error: argument {flag}: is given twice; give it once (see linreg --help)\n"
    )


@pytest.mark.parametrize(
    ("typed", "value"),
    [("1000", 1000), (" 12 ", 12), ("+5", 5), ("1e8", 10**8), ("2.5E3", 2500), ("1.e2", 100)],
)
def test_iterations_are_whole_numbers_in_digits_or_scientific(typed, value):
    assert build_parser().parse_args(["--iterations", typed]).iterations == value


@pytest.mark.parametrize("typed", ["١٢", "1_000", "1.5", "1e-3", "2.55e1", "0x10", "1e400", "nan"])
def test_iterations_other_than_whole_digits_are_refused(capsys, typed):
    # int() took Arabic-Indic digits and underscores (the fresh audit); 1e8 was refused.
    err = _refused(capsys, ["--iterations", typed])
    assert f"not a whole number: {typed!r} (write it in digits, as 1000 or 1e8)" in err


@pytest.mark.parametrize("typed", ["٠.٩", "0.9_9", "１"])
@pytest.mark.parametrize(
    ("flag", "said"),
    [
        ("--alpha", "argument --alpha: not a number: {!r}"),
        ("--learning-rate", "argument --learning-rate: not a number or 'auto': {!r}"),
        ("--option", "argument --option: beta2: not a number: {!r}"),
    ],
)
def test_numbers_are_typed_in_ascii_digits_everywhere(capsys, typed, flag, said):
    """float() took ٠.٩ and 0.9_9 in --option beta2= while --iterations refused them
    (the eighth audit): one grammar for every number on the command line."""
    value = f"beta2={typed}" if flag == "--option" else typed
    err = _refused(capsys, ["--method", "adam", flag, value])
    assert err == f"linreg: error: {said.format(typed)} (see linreg --help)\n"


def _message(flag: str, typed: str, requirement: str) -> str:
    return f"linreg: error: {flag} {requirement}, got {typed} (see linreg --help)\n"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--iterations", "-1"], _message("--iterations", "-1", "must be a non-negative integer")),
        (["--tol", "-1"], _message("--tol", "-1", "must be non-negative")),
        (["--tol", "-0.5e0"], _message("--tol", "-0.5e0", "must be non-negative")),
        (["--learning-rate", "0"], _message("--learning-rate", "0", "must be positive")),
        (["--initial-b", "1e400"], _message("--initial-b", "1e400", "must be finite")),
        (["--initial-m", "-inf"], _message("--initial-m", "-inf", "must be finite")),
        (
            ["--alpha", "-1"],
            _message("--alpha", "-1", "must be non-negative (it is the ridge strength)"),
        ),
        (["--alpha", "nan"], _message("--alpha", "nan", "must be finite")),
        (
            ["--method", "momentum", "--momentum", "1"],
            _message("--momentum", "1", "must be in [0, 1)"),
        ),
        (
            ["--method", "adam", "--momentum", "1.0"],
            _message("--momentum", "1.0", "must be in [0, 1)"),
        ),
        (
            ["--iterations", "100000001"],
            "linreg: error: --iterations 100000001 is more than the 100,000,000 allowed; use --tol "
            "to stop at convergence, or a faster method (e.g. --method cg) (see linreg --help)\n",
        ),
        (
            ["--tol", "1e-400"],
            "linreg: error: --tol 1e-400 underflows to 0 in float64; give 0, or a number of "
            "magnitude at least 5e-324 (see linreg --help)\n",
        ),
        (
            ["--initial-b", "-2.5e-999"],
            "linreg: error: --initial-b -2.5e-999 underflows to 0 in float64; give 0, or a "
            "number of magnitude at least 5e-324 (see linreg --help)\n",
        ),
        (  # the nineteenth audit: "epsilon must be positive, got 0.0"
            ["--method", "adam", "--option", "epsilon=1e-400"],
            "linreg: error: --option epsilon=1e-400 underflows to 0 in float64; give a number "
            "of magnitude at least 5e-324 (see linreg --help)\n",
        ),
        (
            ["--method", "adam", "--option", "beta1=1e-400"],
            "linreg: error: --option beta1=1e-400 underflows to 0 in float64; give 0, or a "
            "number of magnitude at least 5e-324 (see linreg --help)\n",
        ),
    ],
)
def test_an_option_out_of_range_is_a_usage_error_in_the_commands_words(capsys, args, expected):
    # --data names no file: a value checked after reading would say "no such file" instead.
    assert _refused(capsys, [*args, "--data", "/nonexistent/x.csv"]) == expected


@pytest.mark.parametrize("args", [["--tol", "1e-320"], ["--tol", "0"], ["--initial-b", "-0.0"]])
def test_small_values_that_float64_holds_are_taken(capsys, args):
    assert main([*args, "--iterations", "2"]) == 0
    capsys.readouterr()


def test_a_value_float64_rounds_out_of_range_says_so(capsys):
    """--momentum 0.99999999999999999 was refused as 'got 0.99999999999999999', a value
    in [0, 1) as typed (the ninth audit): float64 makes it 1.0, and the message says so."""
    err = _refused(capsys, ["--method", "momentum", "--momentum", "0.99999999999999999"])
    assert err == (
        "linreg: error: --momentum must be in [0, 1), got 0.99999999999999999 "
        "(which is 1.0 in float64) (see linreg --help)\n"
    )


@pytest.mark.parametrize("space", ["\u2003", "\u00a0", "\u3000"])
def test_iterations_refuse_other_spaces_as_the_other_numbers_do(capsys, space):
    err = _refused(capsys, ["--iterations", f"{space}10"])
    assert f"not a whole number: {space + '10'!r}" in err


def test_in_flags_keeps_an_error_whose_class_takes_other_arguments():
    """in_flags rebuilt a reworded error as type(error)(text): a DataFileError takes the
    file first, so any message of one that named standardize=True was a TypeError."""
    from pathlib import Path

    from linreg._cli_methods import in_flags
    from linreg.errors import DataFileError, InputError

    reworded = in_flags(DataFileError(Path("d.csv"), "is too wide; use standardize=True"))
    assert isinstance(reworded, InputError)
    assert str(reworded) == "d.csv: is too wide; use --standardize"


def test_the_help_says_how_long_the_most_iterations_take():
    """Issue 17 (lesser17): 100,000,000 iterations of momentum, nesterov or adam take
    minutes, and the help gave only the limit. Its figures are docs/performance.md's."""
    import re
    from pathlib import Path

    help_text = " ".join(build_parser().format_help().split())
    said = re.search(
        r"momentum, nesterov and adam step one at a time, about ([\d.]+), ([\d.]+) and "
        r"([\d.]+) microseconds an iteration .*? so 100,000,000 take (\d+) to (\d+) minutes",
        help_text,
    )
    assert said is not None
    page = (Path(__file__).parents[1] / "docs" / "performance.md").read_text()
    rows = dict(re.findall(r"^\| `(\w+)` \| ([\d.]+) \| about \d+ minutes \|$", page, re.M))
    assert [rows["momentum"], rows["nesterov"], rows["adam"]] == list(said.groups()[:3])
    minutes = [float(figure) * 1e8 / 1e6 / 60 for figure in said.groups()[:3]]
    assert round(min(minutes)) == int(said.group(4)) and round(max(minutes)) == int(said.group(5))


def test_an_exact_number_that_underflows_says_so_in_the_api():
    """Fraction(1, 10**400) as a learning rate said "must be positive, got 0.0"."""
    from fractions import Fraction

    from linreg import gradient_descent
    from linreg.errors import InputError

    with pytest.raises(InputError, match=r"learning_rate Fraction\(1, 1000.* underflows to 0 in "
                       r"float64; give a number of magnitude at least 5e-324"):  # fmt: skip
        gradient_descent([[1.0], [2.0]], [1.0, 2.5], learning_rate=Fraction(1, 10**400),
                         num_iterations=1)  # fmt: skip
    with pytest.raises(InputError, match=r"learning_rate must be positive, got 0\.0"):
        gradient_descent([[1.0], [2.0]], [1.0, 2.5], learning_rate=0, num_iterations=1)
