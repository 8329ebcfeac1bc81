"""The command line's verdict lines: one story, each claim sound, on hostile data.

The closed form, the verdict, the bound and the count must not contradict each other,
and every digit printed must be within its error bar (`linreg.reference`).
"""

from __future__ import annotations

import math
import re
import subprocess
import sys

import numpy as np
import pytest

from linreg import DivergenceError, minimize
from linreg.moments import Moments

from .conftest import ROOT


def _run(tmp_path, rows, *args):
    data = tmp_path / "data.csv"
    np.savetxt(data, np.asarray(rows, dtype=float), delimiter=",", fmt="%.17g")
    done = subprocess.run(
        [sys.executable, "-m", "linreg", "--data", str(data), *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[4:]


OFFSET = [[1e4, 20001.0], [1e4 + 1, 20003.0], [1e4 + 2, 20005.0]]


def test_offset_line_newton(tmp_path):
    """The issue's CLI case: closed form b = 1, m = 2, then a certificate for 0.0002, 2.0001."""
    optimum, verdict, _, _ = _run(tmp_path, OFFSET, "--method", "newton")
    assert "b = 1, m = 2, error = 0" in optimum
    assert verdict.startswith("Method newton converged")


def test_offset_line_cg_is_not_certified_and_promises_nothing_false(tmp_path):
    optimum, verdict, _, needed = _run(tmp_path, OFFSET, "--method", "cg", "--tol", "1e-12")
    assert "b = 1, m = 2" in optimum and "has not converged" in verdict
    assert "at most 2 iterations" not in needed  # CG's d-step finish needs exact arithmetic


def test_optimum_near_zero(tmp_path):
    rows = list(zip(range(4), [0.1, -0.3, 0.3, -0.1]))
    _, verdict, _, needed = _run(tmp_path, rows, "--method", "cg")
    # where cg stops, 50% or 100% off the 5.6e-18 optimum, varies with the machine's BLAS
    assert re.search(r"has not converged: b is off by \S+ \(\d+%\)", verdict), verdict
    assert "no count can be promised" in needed


def test_exactly_zero_optimum(tmp_path):
    rows = list(zip(range(4), [1.0, -1.0, -1.0, 1.0]))
    optimum, verdict, _, _ = _run(tmp_path, rows, "--method", "cg")
    assert "b = 0, m = 0" in optimum
    assert "converged" in verdict and "(the optimum is exactly 0)" in verdict


def test_tol_below_the_floor_cannot_be_certified(tmp_path):
    x = 1.7e9 + 3600.0 * np.arange(20.0)
    rows = np.column_stack([x, 0.5 * np.arange(20.0)])
    _, verdict, _, needed = _run(tmp_path, rows, "--method", "newton", "--standardize",
                                 "--tol", "1e-17")  # fmt: skip
    assert "cannot be certified at --tol 1e-17" in verdict and "Try a --tol above" in verdict
    assert "below this problem's error floor" in needed and "exactly" not in needed


def test_years_newton_is_never_off_by_zero(tmp_path):
    """newton on x = 1990…2019 said 'has not converged: b is off by 0 (0%)'."""
    x = np.arange(1990.0, 2020.0)
    _, verdict, _, _ = _run(tmp_path, np.column_stack([x, 0.5 * x + np.sin(x)]),
                            "--method", "newton")  # fmt: skip
    assert "off by 0 (0%)" not in verdict and "converged" in verdict


@pytest.mark.parametrize("rate, words", [("1e-13", "need about"), ("1e-300", "never reach")])
def test_tiny_rates_are_counted_or_refused_in_words(tmp_path, rate, words):
    """η = 1e-13 converges (after about 1.8e15 steps); at 1e-300, 1 − ηλ rounds to 1."""
    from linreg import load_points

    *_, needed = _run(tmp_path, load_points(), "--learning-rate", rate)
    assert words in needed and "reach reach" not in needed and "get there reach" not in needed


def test_rate_and_bound_are_told_apart():
    """gd's optimal rate 2/(ℓ+L) and its bound 2/L were both printed as 0.0004013."""
    from linreg import load_points, minimize
    from linreg.cli_report import distinct as _distinct

    points = load_points()
    fit = minimize(points[:, :1], points[:, 1], method="gd", num_iterations=0)
    rate, bound = _distinct(fit.learning_rate, fit.bound)
    assert rate != bound and float(rate) < float(bound)


def test_an_unresolved_minimum_prints_no_digits_and_no_gap(tmp_path):
    """Near-collinear columns (c = a + 1e-9 noise): the minimum's value has no error bar in
    float64. It printed "12.3 (unresolved)" (the true minimum is below 0.81), then "the
    error is -93.5% above the minimum" and "only within inf of the optimum"."""
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=200), rng.normal(size=200)
    c = a + 1e-9 * rng.normal(size=200)
    y = a + b + 1 + 0.01 * rng.normal(size=200)
    data = tmp_path / "sc.csv"
    np.savetxt(data, np.c_[a, c, y], delimiter=",", header="a,c,y", comments="", fmt="%.17g")
    done = subprocess.run(
        [sys.executable, "-m", "linreg", "--data", str(data), "--x", "a", "--x", "c",
         "--y", "y", "--method", "cg", "--tol", "1e-6", "--standardize"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "error = unresolved" in done.stdout
    line = next(s for s in done.stdout.splitlines() if "has not converged" in s)
    assert line.endswith("the error is not comparable with the minimum (float64 does not "
                         "resolve it here).")  # fmt: skip
    assert "inf" not in done.stdout and "nan" not in done.stdout


# --- the eighth audit: x offset by 1e8 (kappa ~ 1e27-1e33) and collinear features -----

_K = np.arange(1000.0)
#: x within 1 of 1e8: kappa ~ 1.2e33; the steepest-descent rate (kappa-1)/(kappa+1) is 1.0
SPREAD_1 = np.c_[1e8 + (_K * 0.618034) % 1.0, 2 * (1e8 + (_K * 0.618034) % 1.0) + np.sin(_K)]


def _command(tmp_path, rows, *args, header=None):
    data = tmp_path / "data.csv"
    np.savetxt(data, rows, delimiter=",", fmt="%.17g", header=header or "", comments="")
    return subprocess.run(
        [sys.executable, "-m", "linreg", "--data", str(data), *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize("method", ["steepest", "cg"])
def test_a_rate_that_rounds_to_one_still_gives_a_bound(tmp_path, method):
    """log((kappa-1)/(kappa+1)) was log(1.0) = 0: a ZeroDivisionError traceback."""
    done = _command(tmp_path, SPREAD_1, "--method", method)
    assert (done.returncode, done.stderr) == (0, "")
    needed = done.stdout.splitlines()[-1]
    assert re.search(r"need at most \d\.\d\de\+\d\d iterations\.$", needed), needed


def test_energy_bound_agrees_across_gaps_as_mpmath_says():
    """count(gap) * log(1 - gap) is log(target/start) for every gap: with gap 1e-20 the
    old log(rate) divided by zero, and log(1 - gap) in float64 would too."""
    import mpmath

    from linreg.predictions import energy_bound
    from linreg.problem import Quadratic

    stats = Moments.from_arrays(SPREAD_1[:, :1], SPREAD_1[:, 1])
    quadratic = Quadratic.build(stats, alpha=0.0, standardize=True, intercept=True)
    e0 = np.array([-2.0, -5.0])
    logs = []
    for gap in (1e-3, 1e-9, 1e-20, 1e-300):
        count = energy_bound(quadratic, e0, 1e-9, gap, 1.0).iterations
        logs.append(count * mpmath.log1p(-mpmath.mpf(gap)))
    assert all(abs(v / logs[-1] - 1) < 1e-2 for v in logs), logs
    assert energy_bound(quadratic, e0, 1e-9, 0.0, 1.0).kind == "none"
    assert energy_bound(quadratic, e0, 1e-9, 1.0, 1.0).iterations == 1.0


def test_newton_whose_steps_overflow_diverged_it_is_not_the_data(tmp_path):
    """It said 'the data are too large for float64', exit 3: the data are small."""
    done = _command(tmp_path, SPREAD_1, "--method", "newton")
    assert (done.returncode, done.stdout) == (4, "")
    assert re.fullmatch(
        r"linreg: error: descent \(newton\) diverged at iteration \d+: its iterates overflowed "
        r"float64; newton has no step size to lower, but at condition number 1\.2e\+33 its "
        r"float64 steps are not accurate; use --standardize, or another --method\n",
        done.stderr,
    ), done.stderr


def test_the_api_says_the_same_of_newton():
    with pytest.raises(DivergenceError, match=r"at condition number 1\.2e\+33") as caught:
        minimize(SPREAD_1[:, :1], SPREAD_1[:, 1], method="newton")
    assert caught.value.iteration > 0 and not caught.value.bound_name


def test_data_too_large_from_the_start_is_still_the_data(tmp_path):
    done = _command(
        tmp_path, [[1e160, 1e160], [2e160, 3e160], [3e160, 1e160]], "--method", "newton"
    )
    assert done.returncode == 3, done.stderr
    assert "too large" in done.stderr and "diverged" not in done.stderr


_A = np.linspace(0.0, 10.0, 200)
COLLINEAR = np.c_[_A, 2 * _A, _A + 1e-13 * np.sin(7 * _A), 4 * _A + 1]


def test_many_optima_not_reached_is_not_called_found(tmp_path):
    """'descent found one of them' was printed after 1000 gd steps 0.55 away."""
    args = ["--x", "a", "--x", "b", "--x", "c", "--y", "y"]
    done = _command(tmp_path, COLLINEAR, *args, header="a,b,c,y")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "descent has not converged to one (its certified relative distance" in text
    assert "found one" not in text


def test_many_optima_reached_says_converged(tmp_path):
    rows = np.c_[np.full(5, 2.0), np.arange(1.0, 6.0)]
    done = _command(tmp_path, rows, "--method", "newton")
    assert done.returncode == 0, done.stderr
    assert " ".join(done.stdout.split()).endswith(
        "so every line through that x and the mean y fits equally well; descent converged "
        "to one of them."
    )


def test_x_near_the_float64_limit_is_refused_with_the_cure_that_works(tmp_path):
    """x * 1e150 said 'the Hessian would overflow' (its entries are 5e303; its eigenvalues'
    arithmetic overflows); --standardize fits it, and the refusal says so."""
    rows = np.loadtxt(ROOT / "data" / "data.csv", delimiter=",")
    rows[:, 0] *= 1e150
    for options in ([], ["--alpha", "0.5"]):  # with --alpha it said standardize=True
        done = _command(tmp_path, rows, *options)
        assert (done.returncode, done.stdout) == (3, "")
        assert done.stderr == (
            "linreg: error: the data are too large for float64 (the Hessian's eigenvalues "
            "would overflow); rescale X and y (e.g. divide each by its largest magnitude), "
            "or --standardize\n"
        )
    assert _command(tmp_path, rows, "--standardize").returncode == 0


def test_a_printed_bound_is_rounded_up():
    """'<= 1.8e-12' was printed for a certified bound of 1.84375e-12 (the ninth audit):
    :.2g rounds to nearest. Every bound printed is at least the bound, and within 2
    digits' step of it, or as many digits as stay under a limit."""
    from decimal import Decimal

    from linreg.cli_report import upper

    rng = np.random.default_rng(12)
    for bound in 10.0 ** rng.uniform(-300, 300, 2000):
        text = upper(float(bound))
        assert Decimal(text) >= Decimal(float(bound)), (bound, text)
        assert float(text) <= bound * 1.1, (bound, text)
    assert upper(1.84375e-12) == "1.9e-12"
    for limit in 10.0 ** rng.uniform(-12, -3, 200):
        bound = float(limit) * (1 - 1e-9)
        assert Decimal(float(bound)) <= Decimal(upper(bound, float(limit))), (bound, limit)
        assert float(upper(bound, float(limit))) <= limit


def test_the_command_s_bound_is_the_fit_s_rounded_up(tmp_path):
    rows = np.c_[np.arange(200.0), 3 * np.arange(200.0) + 2]
    done = _command(tmp_path, rows, "--method", "cg", "--iterations", "20000", "--tol", "1e-9")
    printed = float(re.search(r"<= (\S+) <= 1e-09", done.stdout).group(1))  # type: ignore[union-attr]
    fit = minimize(rows[:, :1], rows[:, 1], method="cg", num_iterations=20000, tol=1e-9)
    sharp = fit.sharpened()  # as the command reports it
    assert sharp.converged and printed >= sharp.relative_distance_bound > printed / 1.1


def test_a_mini_batch_overflow_is_not_called_an_inaccurate_step():
    """The first cut keyed the 'no step size' story on an empty bound name, which a
    mini-batch overflow also has: adam, whose step is its learning rate, was told it had
    none, 'on features that are linearly dependent'. That story is for the methods
    without a step size, whose condition number is given."""
    x = np.linspace(0.0, 1.0, 1000)
    with pytest.raises(DivergenceError) as caught:
        minimize(x[:, None], 2 * x + 1, method="adam", batch_size=10, learning_rate=1e307)
    assert not caught.value.steps_overflowed
    assert "linearly dependent" not in str(caught.value)
    assert "no step size" not in str(caught.value)


def test_adam_whose_iterates_overflow_blames_its_rate_not_a_missing_step_size(tmp_path):
    """It said 'adam has no step size to lower' (the API: 'the stability bound  = nan')."""
    done = _command(tmp_path, SPREAD_1, "--method", "adam", "--learning-rate", "1e300")
    assert (done.returncode, done.stdout) == (4, "")
    assert done.stderr == (
        "linreg: error: descent (adam) diverged at iteration 1: its iterates overflowed "
        "float64 with --learning-rate 1e+300; adam has no stability bound, but its steps "
        "grow with the learning rate: use a smaller one, or leave it unset for the default\n"
    )
    with pytest.raises(DivergenceError, match="adam has no stability bound") as caught:
        minimize(SPREAD_1[:, :1], SPREAD_1[:, 1], method="adam", learning_rate=1e300)
    assert "nan" not in str(caught.value)


@pytest.mark.parametrize("method", ["adam", "gd", "momentum"])
def test_an_overflowing_mini_batch_run_gives_the_batch_bound(method):
    """adam said 'above the stability bound  = nan'; gd gave the full data's bound, which
    a batch's step does not obey."""
    points = np.loadtxt(ROOT / "data" / "data.csv", delimiter=",")
    with pytest.raises(DivergenceError, match=r"mini-batch .* below \d") as caught:
        minimize(points[:, :1], points[:, 1], method=method, learning_rate=1e300,
                 batch_size=10)  # fmt: skip
    assert caught.value.minibatch == 10 and np.isfinite(caught.value.bound)


def test_the_optimum_keeps_its_digits_after_a_run_far_from_it(tmp_path):
    """Its error bar was the distance's, which grows with the iterate: 'b = 8 (± 2e+70)'."""
    points = np.loadtxt(ROOT / "data" / "data.csv", delimiter=",")
    done = _command(tmp_path, points, "--method", "adam", "--learning-rate", "1e100")
    assert "optimum (closed form): b = 7.991020982, m = 1.322431023," in done.stdout


def test_a_rate_just_above_the_bound_is_told_apart_from_it(tmp_path):
    """The tenth audit: 'with --learning-rate 0.0004013, above the stability bound
    2/lambda_max = 0.0004013 ...; use a --learning-rate below 0.0004013' for 0.0004012999,
    itself below 0.0004013 and above the bound 0.00040129644."""
    points = np.loadtxt(ROOT / "data" / "data.csv", delimiter=",")
    bound = minimize(points[:, :1], points[:, 1], num_iterations=1).bound
    done = _command(tmp_path, points, "--learning-rate", "0.0004012999")
    assert done.returncode == 4, done.stderr
    found = re.search(r"--learning-rate ([\d.e+-]+), above the stability bound 2/lambda_max = "
                      r"([\d.e+-]+) .* below ([\d.e+-]+),", done.stderr)  # fmt: skip
    assert found, done.stderr
    rate, shown, below = found.groups()
    assert rate == "0.0004012999" and shown != rate and float(below) < bound, done.stderr
    with pytest.raises(DivergenceError) as caught:
        minimize(points[:, :1], points[:, 1], learning_rate=0.0004012999)
    advised = re.search(r"below ([\d.e+-]+),", str(caught.value))
    assert "learning_rate=0.0004012999," in str(caught.value)
    assert advised and float(advised.group(1)) < bound, str(caught.value)


def test_a_gap_within_the_error_bars_is_a_bound_never_noise(tmp_path):
    """cg printed 'the error is -2.66e-11% above the minimum': E - E* in float64, under
    the bars of both. It is a bound now, and the minimum's one digit carries its bar."""
    from linreg.cli_report import _above, sound

    assert _above((1.0 - 1e-15, 1e-16), (1.0, 1e-16)).startswith("at most ")
    assert _above((2.0, 1e-16), (1.0, 1e-16)) == "100% above the minimum"
    assert _above((1.0, 1e-16), (1.0, math.inf)).startswith("not comparable")
    assert sound(6.88e-32, 2.03e-32) == "6.9e-32 (± 2.1e-32)"  # was '7e-32'
    points = np.loadtxt(ROOT / "data" / "data.csv", delimiter=",")
    lines = []  # a run at the optimum, judged at tolerances near the floor
    for tol in ("1e-16", "2e-16", "5e-16", "1e-15", "3e-15"):
        done = _command(tmp_path, points, "--method", "cg", "--iterations", "5", "--tol", tol)
        lines += [line for line in done.stdout.splitlines() if "has not converged" in line]
    assert lines
    for line in lines:
        assert re.search(r"and the error is at most [\d.e+-]+% above the minimum\.$", line), line


def test_cannot_be_certified_advises_a_tol_that_can(tmp_path):
    """'Try --standardize or a larger --tol' at --tol 0, where standardizing cannot help;
    the iterations line advised least_squares(exact=True), which no option gives."""
    points = np.loadtxt(ROOT / "data" / "data.csv", delimiter=",")
    done = _command(tmp_path, points, "--method", "cg", "--iterations", "2", "--tol", "0")
    line = done.stdout.splitlines()[5]
    advised = re.search(r"Try a --tol above ([\d.e+-]+)\.$", line)
    assert advised and "standardize" not in line, line
    assert "exact=True" not in done.stdout
    again = _command(tmp_path, points, "--method", "cg", "--iterations", "2", "--tol",
                     str(float(advised.group(1)) * 1.01))  # fmt: skip
    assert "cannot be certified" not in again.stdout, again.stdout


def test_the_printed_iterate_is_the_one_certified():
    """One feature on small data prints the livestream loop's own iterate (its digits);
    the bound was the fit's iterate's, 1.24e-12 away in m: "<= 5.8e-18" where the printed
    iterate is 1.02e-17 off (the sixteenth audit's F2). Checked in rationals."""
    from fractions import Fraction

    data = ROOT / "tests" / "data" / "livestream_digits.csv"
    start = ["--initial-m", "0.00018854471941649647", "--initial-b", "-146580.283371139"]
    args = ["--data", str(data), "--x", "x0", "--y", "y", "--iterations", "20000", *start]
    done = subprocess.run([sys.executable, "-m", "linreg", *args], capture_output=True,
                          text=True, check=True)  # fmt: skip
    b, m = (float(v) for v in re.search(r"After 20000 iterations b = (\S+), m = (\S+),",
                                        done.stdout).groups())  # fmt: skip
    bound = float(re.search(r"<= (\S+) <= 1e-06\.", done.stdout).group(1))
    rows = np.loadtxt(data, delimiter=",", skiprows=1)
    xs, ys = [Fraction(v) for v in rows[:, 0]], [Fraction(v) for v in rows[:, 1]]
    n, sx, sy = len(xs), sum(xs), sum(ys)
    slope = (n * sum(x * y for x, y in zip(xs, ys)) - sx * sy) / (
        n * sum(x * x for x in xs) - sx * sx
    )
    intercept = (sy - slope * sx) / n
    off = (Fraction(m) - slope) ** 2 + (Fraction(b) - intercept) ** 2
    assert math.sqrt(off / (slope**2 + intercept**2)) <= bound


@pytest.mark.parametrize("method", ["gd", "adam", "momentum", "nesterov", "cg", "steepest", "bb"])
def test_y_zero_off_the_optimum_reports_without_a_traceback(tmp_path, method):
    """y = 0: the optimum is exactly 0, E* = 0 with a bar of 0, and the printed gap's
    digits divided by that bar overflowed (the seventeenth audit's F1: OverflowError)."""
    data = tmp_path / "y0.csv"
    data.write_text("x,y\n1,0\n2,0\n")
    done = subprocess.run(
        [sys.executable, "-m", "linreg", "--data", str(data), "--initial-b", "1",
         "--method", method, "--iterations", "1"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and not done.stderr, done.stderr
    assert "has not converged" in done.stdout and "the optimum is exactly 0" in done.stdout


def test_a_printed_digit_is_within_one_of_the_truth():
    """The kept digits leave the bar at most half a unit of the last one: with the bar up
    to a whole unit, 7.48927% printed as 7.48 (the seventeenth audit's F3)."""
    from decimal import Decimal

    from linreg.cli_report import sound

    rng = np.random.default_rng(17)
    for _ in range(20_000):
        value = float(rng.uniform(1, 10) * 10.0 ** rng.integers(-5, 5))
        error = value * 10.0 ** rng.uniform(-9, -1.1)
        for truth in (value - error, value + error):
            text = sound(value, error, 4)
            shown, _, bar = text.partition(" (± ")
            digits = Decimal(shown)
            unit = Decimal(1).scaleb(digits.adjusted() - len(digits.as_tuple().digits) + 1)
            allowed = unit if not bar else Decimal(bar.rstrip(")")) + unit / 2
            assert abs(Decimal(truth) - digits) <= allowed, (value, error, text)


def test_the_after_line_prints_the_loss_of_the_printed_iterate():
    """With --standardize on x ~ 1e12 the "After" line's error was the livestream's sum at
    the fit's iterate, which cancels: 113402605938.77696, below the minimum itself; the
    loss there is 113425658597.43 (the eighteenth audit). Checked in rationals."""
    from decimal import Decimal
    from fractions import Fraction

    data = ROOT / "tests" / "data" / "offset_standardized.csv"
    args = ["--data", str(data), "--iterations", "10", "--learning-rate", "auto", "--standardize"]
    done = subprocess.run([sys.executable, "-m", "linreg", *args], capture_output=True,
                          text=True, check=True)  # fmt: skip
    b, m, shown = re.search(r"After 10 iterations b = (\S+), m = (\S+), error = (\S+)\n",
                            done.stdout).groups()  # fmt: skip
    rows = np.loadtxt(data, delimiter=",")  # (no header)
    xs, ys = [Fraction(v) for v in rows[:, 0]], [Fraction(v) for v in rows[:, 1]]
    loss = sum(
        (y - Fraction(float(m)) * x - Fraction(float(b))) ** 2 for x, y in zip(xs, ys)
    ) / len(xs)
    digits = Decimal(shown)
    unit = Decimal(1).scaleb(digits.adjusted() - len(digits.as_tuple().digits) + 1)
    assert abs(Decimal(loss.numerator) / Decimal(loss.denominator) - digits) <= unit
