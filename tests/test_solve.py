"""The closed form: agreement between modes, exact inputs, and singular problems."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from linreg.errors import InputError, SingularProblemError
from linreg.solve import least_squares, polynomial_least_squares


def test_float_and_exact_agree_on_livestream(points, X, y):
    fast = least_squares(X, y)
    exact = least_squares(points[:, :1].tolist(), points[:, 1].tolist(), exact=True)
    assert float(exact.coef[0]) == pytest.approx(fast.coef[0], rel=1e-15)
    assert float(exact.intercept) == pytest.approx(fast.intercept, rel=1e-14)
    assert float(exact.mse) == pytest.approx(fast.mse, rel=1e-15)
    assert isinstance(exact.residual_std, Decimal)


def test_exact_reads_strings_exactly():
    result = least_squares([["0.1"], ["0.2"], ["0.3"]], ["0.3", "0.5", "0.7"], exact=True)
    assert result.coef == [Fraction(2)] and result.intercept == Fraction(1, 10)
    assert result.residual_std == 0 and result.r_squared == 1


def test_no_intercept_uses_uncentred_r_squared():
    X, y = [[1.0], [2.0], [3.0]], [1.0, 2.0, 2.0]
    result = least_squares(X, y, fit_intercept=False)
    ssr = sum((t - result.coef[0] * x[0]) ** 2 for x, t in zip(X, y))
    assert result.intercept == 0.0
    assert result.r_squared == pytest.approx(1 - ssr / sum(t * t for t in y), rel=1e-14)


def test_no_degrees_of_freedom_gives_none_not_nan():
    result = least_squares([[0.0], [1.0]], [1.0, 3.0])
    assert result.coef[0] == pytest.approx(2.0) and result.intercept == pytest.approx(1.0)
    assert result.residual_std is None and result.coef_stderr is None


@pytest.mark.parametrize("exact", [False, True])
@pytest.mark.parametrize(
    "X, y, message",
    [
        ([[1.0], [1.0], [1.0]], [1.0, 2.0, 3.0], "constant|linearly dependent"),
        ([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]], [1.0, 2.0, 4.0], "linearly dependent"),
        ([[1.0, 2.0], [3.0, 5.0]], [1.0, 2.0], "2 points cannot determine 3 parameters"),
    ],
)
def test_singular_problems(X, y, message, exact):
    with pytest.raises(SingularProblemError, match=message):
        least_squares(X, y, exact=exact)


@pytest.mark.parametrize(
    "X, y, message",
    [
        ([["a"], ["2"]], ["1", "2"], r"'a' is not a number"),
        ([["nan"], ["2"]], ["1", "2"], "not a finite number"),
        ([[1.0], [2.0]], ["1"], "different numbers of samples"),
        ([[1.0], [2.0]], [[1.0], [2.0]], "not a column"),
        ([[1.0], [2.0]], [None, 1.0], "must hold numbers"),
    ],
)
def test_bad_exact_inputs(X, y, message):
    with pytest.raises(InputError, match=message):
        least_squares(X, y, exact=True)


def test_polynomial_matches_columns_and_rejects_bad_degree():
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, size=40)
    y = 1 + 2 * x - 3 * x**2 + rng.normal(scale=0.01, size=40)
    poly = polynomial_least_squares(x, y, 2)
    plain = least_squares(np.column_stack([x, x**2]), y)
    np.testing.assert_allclose(poly.coef, plain.coef, rtol=1e-12)
    with pytest.raises(InputError, match="degree must be a positive integer"):
        polynomial_least_squares(x, y, 0)
