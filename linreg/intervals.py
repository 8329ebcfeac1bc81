r"""Intervals: a coefficient's, the mean's at new X, and a new observation's.

A two-sided $1 - \alpha$ interval is $\hat\theta \mp t_{\nu}(\alpha/2)\,\mathrm{se}$, with
$t_\nu(\alpha/2)$ the quantile of Student's t with $P(T_\nu > t) = \alpha/2$
(`linreg.distributions.t_isf`) and $\nu = N - k$ the residual degrees of freedom. At a
new row $x_0$ of features, the line's value $\hat y_0 = x_0^\top w + b$ has

$$\mathrm{Var}(\hat y_0) = \frac{\hat\sigma^2}N
+ (x_0 - \bar x)^\top\,\mathrm{Cov}(w)\,(x_0 - \bar x)$$

(the intercept's line passes through the means, and $\bar y$ is uncorrelated with
$w$; without an intercept, $x_0^\top\mathrm{Cov}(w)\,x_0$): the *mean's* interval. A new
observation $y_0 = \hat y_0 + \varepsilon_0$ adds its own noise, $\hat\sigma^2$: the
*prediction* interval. `Prediction` holds both, as statsmodels'
``get_prediction(X).summary_frame()`` lays them out.

In exact mode the centre and the variance are rationals; the interval's ends are
irrational (a square root and a quantile) and are computed with mpmath to the
significant digits asked for, the working precision raised while the subtraction
$\hat\theta - t\,\mathrm{se}$ cancels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Context, Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg.distributions import as_mpf, rounded, t_isf, working_context
from linreg.errors import InputError
from linreg.numbers import parse_number
from linreg.validate import as_features, check_exact_rational

__all__ = [
    "EXACT_DIGITS",
    "Prediction",
    "check_digits",
    "check_significance",
    "decimal_sqrt",
    "exact_interval",
    "exact_rows",
    "float_intervals",
]

FloatArray = npt.NDArray[np.float64]

#: Significant digits of exact mode's irrational values (square roots, quantiles,
#: p-values, interval ends) unless more or fewer are asked for.
EXACT_DIGITS = 40
_LOG10_2 = math.log10(2.0)


def check_significance(alpha: Any, exact: bool) -> Any:
    r"""The significance level $\alpha$ of a $1 - \alpha$ interval, strictly between 0 and 1.

    In exact mode a float is read as the decimal it prints as (0.05 is 1/20, not the
    binary double nearest it), and a Fraction or Decimal exactly.

    Raises
    ------
    InputError
        ``alpha`` is not a number in (0, 1).

    Examples
    --------
    >>> check_significance(0.05, exact=True)
    Fraction(1, 20)
    >>> check_significance(1.5, exact=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    linreg.errors.InputError: alpha must be in (0, 1) (the significance level: ...), got 1.5
    """
    if isinstance(alpha, (bool, np.bool_, str, bytes)):
        raise InputError(f"alpha must be a number in (0, 1), got {alpha!r}")
    if isinstance(alpha, (Fraction, Decimal, int, np.integer)):
        level = Fraction(alpha) if not isinstance(alpha, np.integer) else Fraction(int(alpha))
    else:
        try:
            number = float(alpha)
        except (TypeError, ValueError):
            raise InputError(f"alpha must be a number in (0, 1), got {alpha!r}") from None
        level = Fraction(repr(number)) if math.isfinite(number) else Fraction(2)
    if not 0 < level < 1:
        raise InputError(
            f"alpha must be in (0, 1) (the significance level: 0.05 for a 95% interval), "
            f"got {alpha}"
        )
    return level if exact else float(level)


def check_digits(digits: Any, exact: bool) -> int:
    """The significant digits asked for: exact mode only, `EXACT_DIGITS` by default."""
    if not exact:
        if digits is not None:
            raise InputError("digits applies to exact mode (least_squares(..., exact=True))")
        return 0
    if digits is None:
        return EXACT_DIGITS
    working_context(digits)  # the one check of the range
    return int(digits)


def decimal_sqrt(value: Fraction, digits: int = EXACT_DIGITS) -> Decimal:
    """√value (value ≥ 0) to ``digits`` significant digits.

    Examples
    --------
    >>> decimal_sqrt(Fraction(2), 10)
    Decimal('1.414213562')
    """
    context = Context(prec=digits + 5)
    root = context.sqrt(context.divide(Decimal(value.numerator), Decimal(value.denominator)))
    return Context(prec=digits).plus(root)


def float_intervals(centres: Any, ses: Any, alpha: float, df: int) -> FloatArray:
    """``[centre − q·se, centre + q·se]`` row by row, q = t_df(α/2), shape (m, 2)."""
    q = t_isf(alpha / 2, df)
    centre, half = np.asarray(centres, dtype=np.float64), q * np.asarray(ses, dtype=np.float64)
    return np.column_stack([centre - half, centre + half])


def exact_interval(
    centre: Fraction, variance: Fraction, alpha: Fraction, df: int, digits: int
) -> tuple[Decimal, Decimal]:
    """``centre ∓ t_df(α/2)·√variance`` to ``digits`` significant digits each.

    The ends are computed at ``digits + extra`` digits, ``extra`` raised until it covers
    the digits the subtraction cancels (an end near 0 while the centre is not).
    """
    if variance == 0:
        ctx = working_context(digits)
        value = rounded(ctx, as_mpf(ctx, centre, "centre"), digits)
        return value, value
    extra = 10
    while True:
        ctx = working_context(digits + extra)
        q = as_mpf(ctx, t_isf(alpha / 2, df, digits=digits + extra), "q")
        half = q * ctx.sqrt(as_mpf(ctx, variance, "variance"))
        middle = as_mpf(ctx, centre, "centre")
        ends = (middle - half, middle + half)
        largest = max(ctx.mag(half), ctx.mag(middle) if middle else ctx.mag(half))
        lost = (largest - min(ctx.mag(end) for end in ends)) * _LOG10_2
        if lost + 3 <= extra:
            return rounded(ctx, ends[0], digits), rounded(ctx, ends[1], digits)
        extra = math.ceil(lost) + 10


def exact_rows(X: Any, n_features: int) -> list[list[Fraction]]:
    """Rows of new features read exactly (ints, Fractions, Decimals, decimal strings,
    floats at their binary value), each of ``n_features`` values."""
    if isinstance(X, (str, bytes)) or not isinstance(X, (Sequence, np.ndarray)):
        raise InputError("X must be a 2-D sequence of shape (n_samples, n_features)")
    rows = []
    for number, row in enumerate(X):
        if isinstance(row, (str, bytes)) or not isinstance(row, (Sequence, np.ndarray)):
            raise InputError(f"X must be 2-D of shape (n_samples, {n_features}): row {number}")
        if len(row) != n_features:
            raise InputError(f"X has {len(row)} features in row {number}; the fit has {n_features}")
        rows.append([_exact_value(value, f"X[{number}]") for value in row])
    if not rows:
        raise InputError("X is empty")
    return rows


def _exact_value(value: Any, name: str) -> Fraction:
    """One value of X, exactly."""
    if isinstance(value, (bool, np.bool_)):
        raise InputError(f"{name} must hold numbers, got {value!r}")
    try:
        parsed = Fraction(parse_number(value, exact=True) if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{name} must hold finite numbers, got {value!r}") from None
    check_exact_rational(parsed, name)
    return parsed


def float_rows(X: Any, n_features: int) -> FloatArray:
    """Rows of new features as a float array of shape (m, n_features)."""
    rows = as_features(X)
    if rows.shape[1] != n_features:
        raise InputError(f"X has {rows.shape[1]} features; the fit has {n_features}")
    return rows


@dataclass(frozen=True)
class Prediction:
    r"""The fitted line at new rows of X, with the mean's and a new observation's spread.

    Attributes
    ----------
    predicted_mean : numpy.ndarray of shape (m,), or list of Fraction (exact mode)
        $\hat y_0 = x_0^\top w + b$ at each row.
    var_pred_mean : numpy.ndarray of shape (m,), or list of Fraction
        $\mathrm{Var}(\hat y_0)$ (see the module's formula).
    residual_variance : float or Fraction
        $\hat\sigma^2 = SSR/\nu$, the noise a new observation adds.
    df : int
        The residual degrees of freedom $\nu$ of the t quantiles.
    digits : int
        Exact mode: the significant digits of the square roots and interval ends
        (0 in float mode).
    """

    predicted_mean: Any
    var_pred_mean: Any
    residual_variance: Any
    df: int
    digits: int = 0

    @property
    def se_mean(self) -> Any:
        """The standard error of the mean at each row, $\\sqrt{\\mathrm{Var}(\\hat y_0)}$."""
        if self.digits:
            return [decimal_sqrt(v, self.digits) for v in self.var_pred_mean]
        return np.sqrt(self.var_pred_mean)

    @property
    def se_obs(self) -> Any:
        """A new observation's standard error, $\\sqrt{\\mathrm{Var}(\\hat y_0)+\\hat\\sigma^2}$."""
        if self.digits:
            noise = self.residual_variance
            return [decimal_sqrt(v + noise, self.digits) for v in self.var_pred_mean]
        return np.sqrt(self.var_pred_mean + self.residual_variance)

    def conf_int(self, obs: bool = False, alpha: Any = 0.05) -> Any:
        """The mean's interval (``obs=False``) or the prediction interval, at level 1 − alpha.

        Returns a float array of shape (m, 2), or in exact mode a list of
        (lower, upper) Decimals.
        """
        level = check_significance(alpha, bool(self.digits))
        extra = self.residual_variance if obs else 0
        if not self.digits:
            se = np.sqrt(np.asarray(self.var_pred_mean) + extra)
            return float_intervals(self.predicted_mean, se, level, self.df)
        return [
            exact_interval(m, v + extra, level, self.df, self.digits)
            for m, v in zip(self.predicted_mean, self.var_pred_mean)
        ]

    def summary_frame(self, alpha: Any = 0.05) -> Any:
        """statsmodels' table: mean, mean_se, mean_ci_lower/upper, obs_ci_lower/upper.

        Returns a `pandas.DataFrame` (pandas is needed here, and only here).
        """
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - pandas is in the test extra
            raise ImportError("summary_frame needs pandas: pip install pandas") from None
        mean_ci, obs_ci = self.conf_int(False, alpha), self.conf_int(True, alpha)
        columns = {
            "mean": list(self.predicted_mean),
            "mean_se": list(self.se_mean),
            "mean_ci_lower": [row[0] for row in mean_ci],
            "mean_ci_upper": [row[1] for row in mean_ci],
            "obs_ci_lower": [row[0] for row in obs_ci],
            "obs_ci_upper": [row[1] for row in obs_ci],
        }
        return pd.DataFrame(columns)
