"""Exact-mode intervals (`linreg.intervals`) against closed-form t quantiles in mpmath:
every digit printed is the correctly rounded digit, including the end of an interval that
nearly cancels. Each test was written against a planted bug the rest of the suite let
through (mutant, branch mut20).
"""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import mpmath
import pytest

from linreg.intervals import decimal_sqrt, exact_interval


def _t(alpha: Fraction, df: int) -> mpmath.mpf:
    """P(T_df > t) = alpha/2 in closed form: cot(πα/2) for df = 1; s·√(2/(1 − s²)) with
    s = 1 − α for df = 2 (F(t) = 1/2 + t/(2√(2 + t²)))."""
    a = mpmath.mpf(alpha.numerator) / alpha.denominator
    if df == 1:
        return mpmath.cot(mpmath.pi * a / 2)
    s = 1 - a
    return s * mpmath.sqrt(2 / (1 - s * s))


def _rounded(value: mpmath.mpf, digits: int) -> Decimal:
    return Decimal(mpmath.libmp.to_str(value._mpf_, digits, strip_zeros=False))


def _mp(value: Fraction) -> mpmath.mpf:
    return mpmath.mpf(value.numerator) / value.denominator


@pytest.mark.parametrize("df", [1, 2])
def test_interval_ends_are_correctly_rounded(df: int) -> None:
    """200 random centres, variances and levels (digits 5 to 25), every fifth centre put
    within 1e-12 to 1e-30 of t·√variance so that its lower end cancels up to 30 digits.
    The oracle works at 120 digits: its own error is far below the last digit asked."""
    rng = random.Random(df)
    with mpmath.workdps(120):
        for i in range(200):
            digits = rng.randint(5, 25)
            alpha = Fraction(rng.choice([1, 5, 10, 32]), 100)
            variance = Fraction(rng.randint(1, 10**6), rng.randint(1, 10**4))
            half = _t(alpha, df) * mpmath.sqrt(_mp(variance))
            if i % 5 == 0:  # a lower end near 0: centre = half(1 + tiny), rational
                tiny = mpmath.mpf(10) ** -rng.randint(12, 30)
                centre = Fraction(mpmath.nstr(half * (1 + tiny), 110, min_fixed=-1, max_fixed=200))
            else:
                centre = Fraction(rng.randint(-(10**8), 10**8), rng.randint(1, 10**5))
            low, high = exact_interval(centre, variance, alpha, df, digits)
            middle = _mp(centre)
            assert low == _rounded(middle - half, digits), (i, digits)
            assert high == _rounded(middle + half, digits), (i, digits)


def test_square_roots_are_correctly_rounded() -> None:
    """√(p/q) to d digits, against mpmath at 120 digits, for 2000 random fractions."""
    rng = random.Random(9)
    with mpmath.workdps(120):
        for _ in range(2000):
            value = Fraction(rng.randint(1, 10**12), rng.randint(1, 10**12))
            digits = rng.randint(3, 30)
            expected = _rounded(mpmath.sqrt(_mp(value)), digits)
            assert decimal_sqrt(value, digits) == expected, (value, digits)
