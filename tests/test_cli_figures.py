"""The errors the command prints on its "Starting" and "After" lines are the loss at the
point printed beside them (with --alpha, the penalised objective), to every digit shown:
checked in rationals on data where float64 sums cancel (the nineteenth audit: the
livestream's sums printed 7 right digits of 17 on x ~ 1e9, several features and --alpha
printed the fit's float64 loss, and the start's error left out the ridge term)."""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from linreg import gradient_descent
from linreg.errors import InputError

ONE = "x,y\n" + "".join(
    f"{1_000_000_000 + i},{y}\n" for i, y in enumerate([2.01, 2.28, 2.6, 2.93, 3.19, 3.5])
)
TWO = "a,b,y\n" + "".join(
    f"{1_000_000 + i},{a},{y}\n"
    for i, (a, y) in enumerate(
        zip(
            [0.61, 0.616, 0.031, -0.428, -0.892, -0.233, -0.183, -0.909],
            [3.6175, 4.1323, 4.0337, 4.0597, 4.0984, 5.283, 5.819, 5.5737],
        )
    )
)
SMALL = "x,y\n1,3\n2,5\n3,7\n4,9\n"
ZERO = "x,y\n1,0\n2,0\n3,0\n"  # losses below float64's normal range (the twentieth audit)
PAIR = "--x a --x b --y y "
CASES = [
    (TWO, PAIR + "--method newton --iterations 50"),
    (TWO, PAIR + "--standardize --method bb --iterations 50"),
    (TWO, PAIR + "--alpha 0.001 --method newton --iterations 5"),
    (ONE, "--alpha 0.01 --method newton --iterations 1"),
    (
        ONE,
        "--initial-m 0.30028571428571427 --initial-b -300285712.2847619 "
        "--learning-rate 1e-30 --iterations 10",
    ),
    (SMALL, "--alpha 1 --initial-m 1.25 --initial-b 2.125 --learning-rate 0.05 --iterations 3"),
    (SMALL, "--initial-m 1.25 --initial-b 2.125 --learning-rate 0.05"),
    (ZERO, "--initial-b 1e-158 --standardize --iterations 3"),
    (ZERO, "--initial-b 3e-162 --standardize --iterations 3"),
    (ZERO, "--initial-b 7e-162 --method cg --iterations 3"),
]


def _objective(text: str, b: str, w: list[str], alpha: Fraction) -> Fraction:
    """(1/N) Σ (y − x·w − b)² + alpha ‖w‖², exactly, at the printed b and w, on the
    float64 values of the text (what the command fits)."""
    rows = [[Fraction(float(v)) for v in line.split(",")] for line in text.splitlines()[1:]]
    weights, intercept = [Fraction(float(v)) for v in w], Fraction(float(b))
    residuals = [r[-1] - sum(x * v for x, v in zip(r[:-1], weights)) - intercept for r in rows]
    return sum(e * e for e in residuals) / len(rows) + alpha * sum(v * v for v in weights)


def _right_to_every_digit(shown: str, truth: Fraction, bar: str = "") -> bool:
    """The printed figure within 1 unit of its last digit of the truth, or within its
    printed bar and half a unit (17 digits, the livestream's own float64 value: within
    1e-12 of it, relatively)."""
    digits = Decimal(shown)
    exact = Decimal(truth.numerator) / Decimal(truth.denominator)
    unit = Decimal(1).scaleb(digits.as_tuple().exponent)
    if bar:
        return abs(exact - digits) <= Decimal(bar) + unit / 2
    if len(digits.as_tuple().digits) >= 16:
        return abs(exact - digits) <= Decimal("1e-12") * abs(exact)
    return abs(exact - digits) <= unit


@pytest.mark.parametrize(("table", "typed"), CASES)
def test_printed_errors_are_the_loss_at_the_printed_point(
    tmp_path: Path, table: str, typed: str
) -> None:
    options = typed.split()
    path = tmp_path / "d.csv"
    path.write_text(table)
    done = subprocess.run([sys.executable, "-m", "linreg", "--data", str(path), *options],
                          capture_output=True, text=True, check=True)  # fmt: skip
    alpha = Fraction(options[options.index("--alpha") + 1]) if "--alpha" in options else 0
    point = r"(?:Starting .*? at|After \d+ iterations) b = (\S+), (.*), "
    pattern = point + r"error = (\S+)(?: \(± (\S+)\))?\n"
    lines = re.findall(pattern, done.stdout)
    assert len(lines) == 2, done.stdout
    for b, weights, shown, bar in lines:
        w = [part.split(" = ")[1] for part in weights.split(", ")]
        truth = _objective(table, b, w, alpha)
        assert _right_to_every_digit(shown, truth, bar), (shown, float(truth), done.stdout)


def test_loss_at_is_the_final_loss_at_the_iterate_and_refuses_what_is_not_a_point() -> None:
    fit = gradient_descent([[1.0], [2.0], [3.0]], [2.0, 4.1, 5.9], learning_rate=0.05,
                           num_iterations=10)  # fmt: skip
    assert fit.loss_at(fit.w, fit.b) == fit.final_loss()
    value, bar = fit.loss_at([2.0], 0.0)
    truth = ((Fraction(4.1) - 4) ** 2 + (Fraction(5.9) - 6) ** 2) / 3
    assert abs(Fraction(value) - truth) <= Fraction(bar)
    for w, b in (([np.nan], 0.0), ([1.0, 2.0], 0.0), ([1.0], "0"), ([1.0], 10**400)):
        with pytest.raises(InputError, match="loss_at needs 1 finite weight and a finite b"):
            fit.loss_at(w, b)


def test_the_livestreams_sum_can_be_wrong_from_the_sixth_digit():
    """The README's reason for not always printing it: on x ~ 1e9, at a point near the
    optimum, the livestream's float64 sum is wrong from the 6th significant digit."""
    from linreg.livestream import compute_error_for_line_given_points

    points = np.array([[float(v) for v in line.split(",")] for line in ONE.splitlines()[1:]])
    b, m = "-300285712.2847619", "0.30028571428571427"
    truth = _objective(ONE, b, [m], Fraction(0))
    naive = Fraction(compute_error_for_line_given_points(float(b), float(m), points))
    assert 5e-7 < abs(naive - truth) / truth < 5e-6  # 2.4698412e-4 exactly, 2.4698388e-4


def test_a_loss_below_float64s_normal_range_keeps_an_error_bar():
    """On y = 0 a point 1e-300 off the optimum has a loss of about 1e-600: loss_at gave
    (0.0, 0.0), exact zero, and a bar printed rounded up said 4.9e-324 for 4.94e-324."""
    from linreg.cli_report import upper

    fit = gradient_descent([[1.0], [2.0], [3.0]], [0.0, 0.0, 0.0], learning_rate=0.1,
                           num_iterations=1)  # fmt: skip
    for b in (1e-300, 3e-162, 1e-158):
        value, bar = fit.loss_at([0.0], b)
        assert bar > 0
        assert abs(Fraction(value) - Fraction(b) ** 2) <= Fraction(bar)
    assert upper(5e-324) == "5e-324"


def test_a_residual_formed_as_zero_keeps_its_rounding_in_the_bar():
    """A double-double residual of 0 is known only to within its bound
    δ = 8(p+2)u²·(|y| + |x||w| + |b|): the loss there is at most δ², not proven 0."""
    from linreg.reference import UNIT
    from linreg.reference_data import _loss_dd

    value, error = _loss_dd(np.array([[1.0]]), np.array([3.0]), np.array([2.0]), 1.0)
    assert value == 0 and error >= (8 * 3 * UNIT * UNIT * 6.0) ** 2
