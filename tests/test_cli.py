"""The command line: the livestream's lines, the honest summary, and clean errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from linreg.cli import EXIT_DIVERGED, EXIT_INPUT, EXIT_OUTPUT, EXIT_USAGE, main

from .conftest import LIVESTREAM_LINES, ROOT


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
    assert "need exactly 1,828,163 iterations" in summary
    assert "|theta - theta*|/|theta*| <= 1e-06" in summary
    assert done.stderr == ""


def test_diverging_rate_is_one_line_and_non_zero():
    done = _run("--learning-rate", "0.001")
    assert done.returncode == EXIT_DIVERGED
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "0.0004013" in done.stderr and "0.001" in done.stderr


def test_standardized_auto_converges():
    done = _run("--learning-rate", "auto", "--standardize", "--iterations", "10")
    assert done.returncode == 0
    assert "Gradient descent converged: after 10 iterations, certified" in done.stdout


def test_one_iteration_is_singular():
    done = _run("--learning-rate", "auto", "--standardize", "--iterations", "1")
    assert "after 1 iteration, certified" in done.stdout
    assert "exactly 1 iteration." in done.stdout


def test_583086_iterations_are_not_called_converged():
    done = _run("--iterations", "583086")
    assert "has not converged" in done.stdout and "descent converged" not in done.stdout
    assert "b is off by 0.09765 (1.22%)" in done.stdout


@pytest.mark.parametrize("rate, verdict", [("0.0003", "converges"), ("0.0005", "diverges")])
def test_bound_verdict_compares_the_rate_with_the_bound(rate, verdict):
    # No iterations, so the run cannot raise: the sentence alone says what the bound means.
    done = _run("--learning-rate", rate, "--iterations", "0")
    assert done.returncode == 0
    assert f"2/lambda_max = 0.0004013, so this rate {verdict}." in done.stdout
    never = "never reach" in done.stdout
    assert never == (verdict == "diverges")


@pytest.mark.parametrize("method", ["momentum", "nesterov", "cg", "newton", "steepest", "bb"])
def test_methods_on_the_command_line(method):
    done = _run("--method", method, "--iterations", "20000", "--tol", "1e-9")
    assert done.returncode == 0, done.stderr
    assert f"Method {method} converged: after" in done.stdout
    assert "b = 7.991020982, m = 1.322431023" in done.stdout


@pytest.mark.parametrize("option", ["--learning-rate", "--momentum"])
def test_an_option_the_method_does_not_take_is_a_usage_error(option):
    done = _run("--method", "cg", option, "0.5")
    assert done.returncode == EXIT_USAGE, done.stderr  # a clash of options: 2, not 3
    assert done.stderr == (
        f"linreg: error: --method cg takes no {option} (it chooses its own steps); "
        f"leave {option} out (see linreg --help)\n"
    )
    assert done.stdout == ""


def test_momentum_bound_is_named_in_the_message():
    done = _run("--method", "momentum", "--momentum", "0.5", "--learning-rate", "0.001")
    assert done.returncode == EXIT_DIVERGED
    assert "2(1+mu)/lambda_max = 0.0006019" in done.stderr


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["--iterations", "x"], EXIT_USAGE, "not a whole number: 'x'"),
        (["--iterations", "-5"], EXIT_USAGE, "--iterations must be a non-negative integer"),
        (["--learning-rate", "0"], EXIT_USAGE, "--learning-rate must be positive"),
        (["--learning-rate", "nan"], EXIT_USAGE, "--learning-rate must be finite"),
        (["--learning-rate", "fast"], EXIT_USAGE, "not a number or 'auto'"),
        (["--tol", "-1"], EXIT_USAGE, "--tol must be non-negative"),
        (["--alpha", "-1"], EXIT_USAGE, "--alpha must be non-negative (it is the ridge strength)"),
        (["--method", "momentum", "--momentum", "1.5"], EXIT_USAGE, "--momentum must be in [0, 1)"),
        (["--data", "/nonexistent/file.csv"], EXIT_INPUT, "no such file"),
        (["--bogus"], EXIT_USAGE, "unrecognized arguments: --bogus"),
    ],
)
def test_bad_input_one_line(capsys, args, code, message):
    try:
        result = main(args)
    except SystemExit as exit_:  # argparse's usage errors
        result = exit_.code
    assert result == code
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_bad_file_names_line(tmp_path, capsys):
    f = tmp_path / "bad.csv"
    f.write_text("1,2\n3,four\n")
    assert main(["--data", str(f)]) == EXIT_INPUT
    assert f"{f}, line 2, column 2: 'four' is not a number" in capsys.readouterr().err


def test_streams_a_larger_file_and_matches_in_memory(tmp_path, capsys):
    import numpy as np

    from linreg import gradient_descent

    rng = np.random.default_rng(5)
    x = rng.uniform(0, 100, 300_000)
    y = 1.5 * x + 4 + rng.normal(scale=10, size=x.size)
    f = tmp_path / "big.csv"
    np.savetxt(f, np.column_stack([x, y]), delimiter=",", fmt="%.17g")
    assert (
        main(["--data", str(f), "--learning-rate", "auto", "--standardize", "--iterations", "20"])
        == 0
    )
    out = capsys.readouterr().out
    data = np.loadtxt(f, delimiter=",")
    fit = gradient_descent(
        data[:, :1], data[:, 1], learning_rate="auto", num_iterations=20, standardize=True
    )
    line = out.splitlines()[2]
    b = float(line.split("b = ")[1].split(",")[0])
    m = float(line.split("m = ")[1].split(",")[0])
    assert b == pytest.approx(fit.b, rel=1e-9) and m == pytest.approx(
        fit.m, rel=1e-9
    )  # streamed vs in-memory: same statistics up to summation order


def test_history_is_written_atomically(tmp_path, capsys, monkeypatch):
    target = tmp_path / "history.csv"
    assert main(["--iterations", "5", "--history", str(target)]) == 0
    rows = target.read_text().splitlines()
    assert rows[0] == "iteration,loss" and len(rows) == 7
    assert float(rows[1].split(",")[1]) == pytest.approx(
        5565.107834483211, rel=1e-14
    )  # statistics vs the loop: 100-term rounding
    # A diverging run writes nothing.
    other = tmp_path / "none.csv"
    assert main(["--learning-rate", "0.01", "--history", str(other)]) == EXIT_DIVERGED
    assert not other.exists()
    # A failure at the last moment leaves the old file whole and no temporary behind.
    import os

    def broken_replace(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    assert main(["--iterations", "9", "--history", str(target)]) == EXIT_OUTPUT
    assert "disk full" in capsys.readouterr().err
    assert len(target.read_text().splitlines()) == 7
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.csv"]
    capsys.readouterr()
    assert main(["--history", str(tmp_path / "no" / "such" / "dir.csv")]) == EXIT_OUTPUT
    assert "does not exist" in capsys.readouterr().err


def test_npy_data(tmp_path, capsys, points):
    import numpy as np

    f = tmp_path / "points.npy"
    np.save(f, points)
    assert main(["--data", str(f)]) == 0
    assert tuple(capsys.readouterr().out.splitlines()[:3]) == LIVESTREAM_LINES


# --- a method's own settings: --option NAME=VALUE (the declaration in linreg.seam) --------


def test_option_reaches_the_method_as_the_api_gives_it():
    from linreg import load_points, minimize

    points = load_points()
    done = _run("--method", "adam", "--learning-rate", "0.5", "--option", "beta2=0.99",
                "--option", "epsilon=1e-6")  # fmt: skip
    assert done.returncode == 0, done.stderr
    fit = minimize(points[:, :1], points[:, 1], method="adam", learning_rate=0.5,
                   options={"beta2": 0.99, "epsilon": 1e-6})  # fmt: skip
    assert f"b = {fit.b!r}, m = {float(fit.w[0])!r}" in done.stdout.splitlines()[2]
    default = _run("--method", "adam", "--learning-rate", "0.5")
    assert default.stdout.splitlines()[2] != done.stdout.splitlines()[2]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["--method", "adam", "--option", "beta3=1"],
            "takes no --option beta3 (its options: beta1, beta2, epsilon)",
        ),
        (["--method", "adam", "--option", "beta2=2"], "--option beta2=2: beta2 must be in [0, 1)"),
        (["--method", "adam", "--option", "beta2"], "expected NAME=VALUE"),
        (["--method", "adam", "--option", "beta2=x"], "not a number: 'x'"),
        (["--method", "adam", "--option", "beta1=1e400"], "--option beta1=1e400: beta1 must be"),
        (["--method", "adam", "--option", "learning_rate=0.1"], "give it as --learning-rate"),
        (["--method", "gd", "--option", "beta2=0.9"], "it has no options of its own"),
        (["--method", "adam", "--momentum", "0.8", "--option", "beta1=0.7"], "already given"),
        (["--method", "cg", "--momentum", "0.8"], "takes no --momentum (it chooses its own steps)"),
        (["--method", "gd", "--momentum", "0.8"], "takes no --momentum (it has no momentum)"),
    ],
)
def test_a_method_option_it_does_not_take_is_a_usage_error(args, said):
    done = _run(*args)
    assert done.returncode == EXIT_USAGE and done.stdout == ""
    assert said in done.stderr and done.stderr.count("\n") == 1


def test_the_help_lists_each_methods_own_options():
    from linreg.methods import METHODS

    helped = " ".join(_run("--help").stdout.split())
    for name, method in METHODS.items():
        for option in method.options:
            if option.name not in ("learning_rate", "momentum"):
                assert option.name in helped, (name, option.name)


@pytest.mark.parametrize("method", ["newton", "nesterov", "momentum", "cg", "adam"])
def test_a_start_whose_error_overflows_is_blamed_in_one_line(tmp_path, method):
    """x + 1e9 with --initial-m 1e150 (issue 17): the fit itself ends (newton in one step),
    but the start's squared error overflows float64; the livestream's own loops raised an
    OverflowError while the report was composed, a traceback with exit 1."""
    import numpy as np

    points = np.loadtxt(ROOT / "data" / "data.csv", delimiter=",")
    points[:, 0] += 1e9
    data = tmp_path / "o9.csv"
    np.savetxt(data, points, delimiter=",", fmt="%.17g")
    done = _run("--data", str(data), "--method", method, "--initial-m", "1e150")
    assert done.returncode == EXIT_INPUT and done.stdout == ""
    assert done.stderr == (
        "linreg: error: --initial-m 1e+150: too large for these data (the squared error "
        "overflows float64); choose values nearer the data's scale\n"
    )


def test_adams_overflow_from_a_far_start_blames_the_start_not_the_rate():
    """The twelfth audit: adam from --initial-b 1e200 said its iterates overflowed "with
    --learning-rate 0.001" and advised a smaller rate; from the default start that rate is
    fine. A rate that overflows from any start is still blamed."""
    done = _run("--method", "adam", "--initial-b", "1e200", "--iterations", "100000000")
    assert done.returncode == EXIT_INPUT and done.stdout == ""
    assert done.stderr.startswith("linreg: error: --initial-b 1e+200: too large for these data")
    done = _run("--method", "adam", "--initial-b", "1", "--learning-rate", "1e300")
    assert done.returncode == EXIT_DIVERGED and "--learning-rate 1e+300" in done.stderr


def test_a_run_started_at_the_optimum_converges_whatever_the_rate(tmp_path):
    """The thirteenth audit: y = 0 with --learning-rate 10 was 'diverged at iteration 76'
    (exit 4), while --iterations 10 said converged."""
    data = tmp_path / "y0.csv"
    data.write_text("x,y\n1,0\n2,0\n3,0\n")
    done = _run("--data", str(data), "--learning-rate", "10", "--iterations", "100")
    assert done.returncode == 0 and done.stderr == ""
    assert "Gradient descent converged: after 100 iterations" in done.stdout
    assert "so this rate diverges from any start but the optimum." in done.stdout
