r"""The closed-form least-squares optimum: the entry points, which pick a path.

The livestream says the best line "can be computed with simple algebra". It is the
solution of the normal equations $Z^\top Z\,\theta = Z^\top y$ with $Z = [X\ \mathbf 1]$,
but solving those in floating point squares the condition number, so they are only a
starting point. `least_squares` checks its arguments and hands them to one of three
paths, each in its own module:

- floats (`linreg.float_solver`): columns scaled by powers of two and centred once
  (`linreg.centring`), a Cholesky or QR factor, then refinement against the *original*
  data until a correction no longer changes it, in double-double arithmetic
  (`linreg.doubledouble`) where float64 cannot reach working accuracy;
- a `linreg.moments.Moments` (`linreg.moments_solver`): the equilibrated normal
  equations on the one-pass statistics;
- exact mode (`linreg.exact_solver`): $Z^\top Z$ and $Z^\top y$ summed in integers and
  solved in rationals, so the coefficients are the exact least-squares solution of the
  data as given.

Every path returns a `linreg.closed_form_result.LeastSquaresResult`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np

from linreg.closed_form_result import LeastSquaresResult
from linreg.doubledouble import powers
from linreg.errors import InputError
from linreg.exact_solver import exact_columns, exact_powers, integers, solve_exact
from linreg.float_solver import solve_float
from linreg.moments import Moments
from linreg.moments_solver import solve_moments
from linreg.validate import (
    check_alpha,
    check_features_target,
    check_flag,
    check_positive_int,
    too_large,
)

__all__ = ["least_squares", "log_relative_error", "polynomial_least_squares"]


def least_squares(
    X: Any,
    y: Any = None,
    *,
    fit_intercept: bool = True,
    exact: bool = False,
    alpha: float = 0.0,
) -> LeastSquaresResult[Any]:
    r"""The least-squares solution of $\hat y = Xw + b$, with NIST's statistics.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features), or linreg.moments.Moments
        Features. In exact mode, a nested sequence (or object array) whose entries may
        be decimal strings, ints, `fractions.Fraction` or floats (a float is taken at
        its exact binary value). A `Moments` (then ``y=None``) solves from the one-pass
        statistics: the normal equations on centred, scaled co-moments, which is fast
        for any N but loses about twice as many digits as the data path on
        ill-conditioned problems (κ² instead of κ).
    y : array_like of shape (n_samples,)
        Targets, with the same choice of entries.
    fit_intercept : bool, default True
        Fit $b$; without it the model is $\hat y = Xw$.
    exact : bool, default False
        Solve in rational arithmetic: exact coefficients (Fractions) and R², square
        roots to 40 significant digits (Decimals). The sums $Z^\top Z$ and $Z^\top y$
        are formed in integers (a float is an integer times a power of two, a decimal an
        integer over a power of ten).
    alpha : float, default 0.0
        Ridge penalty: minimise $\frac1N\lVert y - Xw - b\rVert^2 + \alpha\lVert w\rVert^2$
        (the intercept is not penalised). Standard errors are ``None`` when ``alpha > 0``.

    Returns
    -------
    LeastSquaresResult

    Raises
    ------
    InputError
        Bad shapes or values (non-numeric, NaN, infinite), or data whose coefficients or
        mean squared error overflow float64 (or, from `Moments`, whose co-moments
        underflow): the message says to rescale.
    SingularProblemError
        Fewer points than parameters, or a constant or linearly dependent column.

    Warns
    -----
    AccuracyWarning
        Refinement stopped short of working accuracy (``accurate=False`` on the result).

    Notes
    -----
    The optimum solves $Z^\top Z\,\theta = Z^\top y$ (the gradient of the MSE set to
    zero), $\theta = [w; b]$; with a ridge, $(C_{xx}/N + \alpha I)\,w = C_{xy}/N$ on
    centred data. Standard errors are $\sqrt{\hat\sigma^2\,[(Z^\top Z)^{-1}]_{jj}}$
    with $\hat\sigma^2 = SSR/(N - k)$.

    Float mode scales every column (and y) by a power of two and centres it before any
    product is formed, factors the Gram of those columns by Cholesky (by QR when its
    condition estimate exceeds $10^6$), and refines the solution against the data,
    in double-double arithmetic where the condition estimate (above $10^4$) or the
    stalling of float64 refinement says it is needed.

    See Also
    --------
    linreg.descent.gradient_descent : reaching the same point iteratively.

    Examples
    --------
    >>> from linreg import load_points
    >>> points = load_points()
    >>> fit = least_squares(points[:, :1], points[:, 1])
    >>> print(f"m = {fit.coef[0]:.8f}, b = {fit.intercept:.8f}, error = {fit.mse:.8f}")
    m = 1.32243102, b = 7.99102098, error = 110.25738347
    >>> least_squares([["1"], ["2"], ["3"]], ["2", "4.5", "6"], exact=True).coef
    [Fraction(2, 1)]
    """
    intercept, penalty = check_flag(fit_intercept, "fit_intercept"), check_alpha(alpha)
    if isinstance(X, Moments):
        if y is not None or exact:
            raise InputError("from Moments: pass y=None, and exact mode needs the data")
        return _guarded(solve_moments, X, intercept, penalty)
    if y is None:
        raise InputError("y is required when X is an array")
    if exact:
        columns, target = exact_columns(X, y)
        return solve_exact(columns, target, intercept, penalty)
    features, values = check_features_target(X, y)
    return _guarded(solve_float, features, values, intercept, None, penalty)


def polynomial_least_squares(
    x: Any, y: Any, degree: int, *, fit_intercept: bool = True, exact: bool = False
) -> LeastSquaresResult[Any]:
    r"""Least squares for the polynomial $\hat y = b + w_1 x + w_2 x^2 + \dots + w_d x^d$.

    The same as `least_squares` on the columns $x, x^2, \dots, x^d$, except that in float
    mode the powers are carried in double-double precision: $x^{10}$ rounded to float64
    already moves a degree-10 fit (NIST's Filip) in its eighth digit.

    Parameters
    ----------
    x : array_like of shape (n_samples,)
        The single predictor (decimal strings, ints, Fractions or floats in exact mode).
    y : array_like of shape (n_samples,)
    degree : int
        The polynomial's degree $d \ge 1$.
    fit_intercept : bool, default True
    exact : bool, default False

    Returns
    -------
    LeastSquaresResult
        ``coef[k - 1]`` is the weight of $x^k$.

    Raises
    ------
    InputError, SingularProblemError
        As `least_squares`; also a degree that is not a positive integer.

    Examples
    --------
    >>> fit = polynomial_least_squares([0.0, 1.0, 2.0, 3.0], [1.0, 2.0, 5.0, 10.0], 2)
    >>> print(round(fit.intercept, 12), fit.coef.round(12) + 0.0)
    1.0 [0. 1.]
    """
    order = check_positive_int(degree, "degree")
    intercept = check_flag(fit_intercept, "fit_intercept")
    if exact:
        column = [[v] for v in (x if isinstance(x, (Sequence, np.ndarray)) else [x])]
        (single,), target = exact_columns(column, y)
        return solve_exact(exact_powers(integers(single), order), target, intercept)
    features, values = check_features_target(np.asarray(x, dtype=object).reshape(-1, 1), y)
    with np.errstate(over="ignore", invalid="ignore"):
        high, low = powers(features[:, 0], order)
    if not (np.isfinite(high).all() and np.isfinite(low).all()):
        raise too_large(f"x**{order}")
    return _guarded(solve_float, high, values, intercept, low)


def log_relative_error(value: Any, certified: str) -> float:
    """NIST's accuracy measure: about the number of correct significant digits.

    ``-log10(|value - certified| / |certified|)``, capped at 15 (the certified values'
    digits); for a certified value of 0, the absolute error is used instead.

    Examples
    --------
    >>> log_relative_error(1.2345, "1.2346")
    4.09...
    """
    cert = float(Decimal(certified))
    number = float(value)
    if number == cert:
        return 15.0
    error = abs(number - cert) / (abs(cert) if cert != 0 else 1.0)
    return min(15.0, -math.log10(error))


def _guarded(solver: Any, *args: Any) -> LeastSquaresResult[Any]:
    """Run a float solver with overflow turned into a clear error, never an inf or NaN."""
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        try:
            return solver(*args)  # type: ignore[no-any-return]
        except (FloatingPointError, OverflowError):
            raise too_large("their squares", ", or use exact=True") from None
