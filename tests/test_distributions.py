"""The t and F distributions (linreg.distributions): scipy.stats to 1e-12 where scipy is
right, mpmath at high precision everywhere, the far tails included."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import mpmath
import pytest

from linreg.distributions import f_isf, f_sf, t_isf, t_sf, t_two_sided
from linreg.errors import InputError

stats = pytest.importorskip("scipy.stats")

#: The bar of issue 18: scipy.stats to 1e-12 relative. scipy's own error is about
#: 1e-15 on these arguments (boost's incomplete beta), so the gap is all ours.
SCIPY = 1e-12


def relative_to_reference(got, a, b, x):
    """|got − I_x(a, b)|/I_x(a, b), the reference from mpmath's own betainc (a different
    algorithm: hypergeometric series), all at 80 digits."""
    with mpmath.workdps(80):
        expected = mpmath.betainc(a, b, 0, x(), regularized=True)
        return abs(mpmath.mpf(str(got)) - expected) / expected


T_CASES = [
    (0.1, 10),
    (2.0, 10),
    (-1.5, 3),
    (12.09, 98),
    (60.0, 34),
    (1e3, 34),
    (2331.0, 34),
    (1e8, 5),
    (3.0, 1e6),
    (3.0, 1e9),
    (0.001, 1e7),
    (300.0, 3),
    (1.0, 1),
    (40.0, 2e5),
]


@pytest.mark.parametrize("t, df", T_CASES)
def test_t_tails_match_scipy(t, df):
    assert t_two_sided(t, df) == pytest.approx(2 * stats.t.sf(abs(t), df), rel=SCIPY, abs=0)
    assert t_sf(t, df) == pytest.approx(stats.t.sf(t, df), rel=SCIPY, abs=0)


@pytest.mark.parametrize(
    "t, df, digits",
    [(60.0, 34, 40), (1e150, 4, 30), (40.0, 1e7, 30), (500.0, 10, 50), (1e-9, 7, 30)],
)
def test_t_far_tails_are_real_values(t, df, digits):
    """p below float64's range (1e-350, 1e-600) is a value with all its digits, checked
    against mpmath's hypergeometric betainc at 60 digits."""
    got = t_two_sided(t, df, digits=digits)
    assert isinstance(got, Decimal) and got > 0
    nu = mpmath.mpf(df)
    relative = relative_to_reference(got, nu / 2, 0.5, lambda: nu / (nu + mpmath.mpf(t) ** 2))
    assert relative < mpmath.mpf(10) ** (1 - digits), got


def test_a_float_tail_below_1e_300_is_not_zero():
    p = t_two_sided(1e30, 20)  # about 1e-590: below float64; then t = 1e15 gives 1e-290
    assert p == 0.0
    p = t_two_sided(1e15, 20)
    assert 1e-300 < p < 1e-280
    assert p == pytest.approx(2 * stats.t.sf(1e15, 20), rel=SCIPY)


@pytest.mark.parametrize(
    "f, dfn, dfd",
    [(4.0, 2, 10), (0.5, 3, 4), (146.18, 1, 98), (5.4e6, 1, 34), (1e8, 2, 37), (1.0, 1e6, 1e6)],
)
def test_f_tail_matches_scipy(f, dfn, dfd):
    assert f_sf(f, dfn, dfd) == pytest.approx(stats.f.sf(f, dfn, dfd), rel=SCIPY, abs=0)


def test_f_far_tail_against_mpmath():
    got = f_sf(Fraction(10**40), 5, 30, digits=40)
    x = lambda: mpmath.mpf(30) / (30 + 5 * mpmath.mpf(10) ** 40)  # noqa: E731
    relative = relative_to_reference(got, 15, 2.5, x)
    assert relative < mpmath.mpf(10) ** -39


@pytest.mark.parametrize(
    "q, df",
    [(0.025, 10), (0.4, 3), (0.975, 10), (1e-10, 1e6), (0.3, 1), (0.025, 1e9), (1e-100, 1e7)],
)
def test_t_quantile_matches_scipy(q, df):
    assert t_isf(q, df) == pytest.approx(stats.t.isf(q, df), rel=SCIPY, abs=0)


@pytest.mark.parametrize("q, dfn, dfd", [(0.05, 2, 10), (0.9, 3, 4), (1e-3, 5, 30)])
def test_f_quantile_matches_scipy(q, dfn, dfd):
    assert f_isf(q, dfn, dfd) == pytest.approx(stats.f.isf(q, dfn, dfd), rel=SCIPY, abs=0)


@pytest.mark.parametrize(
    "q, df",
    [
        (Fraction(1, 40), 10),
        (Fraction(1, 10**300), 5),
        (Fraction(49999, 100000), 7),
        (Fraction(1, 10**6), 30),
    ],
)
def test_quantiles_invert_the_tail_to_the_digits_asked(q, df):
    """t_isf at 50 digits, put back into t_sf at 60, returns q to 48 digits: the two are
    inverse to the precision asked (where scipy's isf gives -inf, or for F at 1e-12 a
    value whose tail is 0.99998e-12)."""
    t = t_isf(q, df, digits=50)
    back = t_sf(t, df, digits=60)
    assert abs(Fraction(back) - q) <= q * Fraction(1, 10**48)
    f = f_isf(q, 3, df, digits=50)
    assert abs(Fraction(f_sf(f, 3, df, digits=60)) - q) <= q * Fraction(1, 10**48)


def test_digits_give_decimals_of_that_many_digits():
    value = t_isf(Fraction(1, 40), 10, digits=30)
    assert isinstance(value, Decimal) and len(value.as_tuple().digits) == 30
    assert value == Decimal("2.22813885198627474839549066320")


def test_symmetry_and_the_centre():
    assert t_isf(0.5, 4) == 0.0
    assert t_isf(0.75, 4) == -t_isf(0.25, 4)  # 0.75 and 0.25 are exact: mirror images
    assert t_sf(0.0, 9) == 0.5
    assert t_two_sided(0.0, 9) == 1.0
    assert t_two_sided(math.inf, 9) == 0.0 and t_sf(-math.inf, 9) == 1.0
    assert f_sf(math.inf, 2, 3) == 0.0 and f_sf(0, 2, 3) == 1.0


def test_squared_takes_t_squared():
    assert t_two_sided(Fraction(9, 4), 7, squared=True) == t_two_sided(1.5, 7)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: t_two_sided(1.0, 0), r"df \(degrees of freedom\) must be positive"),
        (lambda: t_two_sided(1.0, -3), r"df \(degrees of freedom\) must be positive"),
        (lambda: t_two_sided(math.nan, 3), "t must be a number, got NaN"),
        (lambda: t_two_sided("1", 3), "t must be a real number"),
        (lambda: t_two_sided(-1, 3, squared=True), "t squared must be non-negative"),
        (lambda: f_sf(-1.0, 2, 3), "f must be non-negative"),
        (lambda: t_isf(0.0, 3), r"q must be a probability in \(0, 1\)"),
        (lambda: t_isf(1.0, 3), r"q must be a probability in \(0, 1\)"),
        (lambda: f_isf(1.5, 2, 3), r"q must be a probability in \(0, 1\)"),
        (lambda: t_sf(1.0, 3, digits=0), "digits must be an integer from 1 to 1000"),
        (lambda: t_sf(1.0, 3, digits=2.5), "digits must be an integer"),
    ],
)
def test_bad_arguments_are_refused(call, message):
    with pytest.raises(InputError, match=message):
        call()
