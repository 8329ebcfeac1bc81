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
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

import numpy as np

from linreg.blas import norm
from linreg.closed_form_result import (
    WORKING_ACCURACY,
    AccuracyWarning,
    LeastSquaresResult,
    check_count,
    warn_inaccurate,
)
from linreg.doubledouble import powers
from linreg.errors import InputError
from linreg.exact_solver import (
    exact_columns,
    exact_powers,
    exact_weights,
    integers,
    solve_exact,
)
from linreg.float_solver import solve_float, solve_float_bounded
from linreg.moments import Moments
from linreg.moments_solver import solve_moments
from linreg.reference import EXACT_BUDGET, UNIT, Reference, exact_reference
from linreg.reference_data import from_data
from linreg.reference_statistics import from_statistics
from linreg.tables import is_dask
from linreg.validate import (
    check_alpha,
    check_features_target,
    check_flag,
    check_positive_int,
    check_sample_weight,
    too_large,
)
from linreg.weighted_solver import solve_weighted

__all__ = ["least_squares", "log_relative_error", "polynomial_least_squares"]

_T = TypeVar("_T")


def least_squares(
    X: Any,
    y: Any = None,
    *,
    fit_intercept: bool = True,
    exact: bool = False,
    alpha: float = 0.0,
    sample_weight: Any = None,
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
        ill-conditioned problems (κ² instead of κ). A dask array or DataFrame takes that
        path, its statistics gathered where its chunks live.
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
    sample_weight : array_like of shape (n_samples,), optional
        Weights $w_i \ge 0$ (not all 0): minimise $\sum_i w_i (y_i - x_i^\top w - b)^2$,
        weighted least squares (`linreg.weighted_solver`; exact mode sums $Z^\top W Z$ in
        rationals). Integer weights give the coefficients of the rows repeated. The
        inference is statsmodels' `WLS`: the weights are *analytic*, each $y_i$ of
        variance $\sigma^2/w_i$, and the degrees of freedom count the samples of positive
        weight (not $\sum w_i$, as frequency weights would). From `Moments`, build them
        weighted instead (``Moments.from_arrays(X, y, sample_weight)``).

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
    condition estimate exceeds $10^6$, by Cholesky QR on large problems up to $10^7$),
    and refines the solution against the data, in double-double arithmetic where the
    condition estimate (above $10^4$) or the stalling of float64 refinement says it is
    needed; on large problems that pass also certifies the result
    (`linreg.raw_refinement`).

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
    # Dask arrays and DataFrames (issue 19): one pass where the chunks live, then the
    # float path from the statistics; the data are never computed.
    if is_dask(X):
        X, y = Moments.from_dask(X, y, sample_weight=sample_weight), None
    if sample_weight is not None:
        return _weighted(X, y, sample_weight, intercept, exact, penalty)
    if isinstance(X, Moments):
        if y is not None or exact:
            raise InputError("from Moments: pass y=None, and exact mode needs the data")
        found = _quietly(solve_moments, X.checked(), intercept, penalty)
        return _certified(found, X, None, intercept, penalty)
    if y is None:
        raise InputError("y is required when X is an array")
    if exact:
        columns, target = exact_columns(X, y)
        return solve_exact(columns, target, intercept, penalty)
    features, values = check_features_target(X, y)
    found, bound = _quietly(solve_float_bounded, features, values, intercept, None, penalty)
    return _certified(found, None, (features, values), intercept, penalty, bound)


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
        check_count(len(column), order + int(intercept))  # before any power is formed
        return solve_exact(exact_powers(integers(single), order), target, intercept)
    features, values = check_features_target(np.asarray(x, dtype=object).reshape(-1, 1), y)
    check_count(features.shape[0], order + int(intercept))  # before any power is formed
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


def _weighted(
    X: Any, y: Any, sample_weight: Any, intercept: bool, exact: bool, alpha: float
) -> LeastSquaresResult[Any]:
    """Weighted least squares: exact, or whitened in floats and certified from the weighted
    statistics (their a-priori bound: the data route's references are unweighted)."""
    if isinstance(X, Moments) or y is None:
        raise InputError(
            "sample_weight goes with arrays X and y; for Moments, build them weighted: "
            "Moments.from_arrays(X, y, sample_weight)"
        )
    if exact:
        columns, target = exact_columns(X, y)
        rows = len(target) if isinstance(target, np.ndarray) else len(target.ints)
        return solve_exact(columns, target, intercept, alpha, exact_weights(sample_weight, rows))
    features, values = check_features_target(X, y)
    weights = check_sample_weight(sample_weight, len(values))
    found = _quietly(solve_weighted, features, values, weights, intercept, alpha)
    point = np.append(np.asarray(found.coef, dtype=np.float64), float(found.intercept))
    stats = Moments.from_arrays(features, values, sample_weight=weights)
    with np.errstate(all="ignore"):
        bound = _bound(point, stats, None, intercept, alpha)
    n, p = features.shape
    if bound > WORKING_ACCURACY and n * (p + 1) ** 2 <= EXACT_BUDGET:
        columns, target = exact_columns(features, values)
        optimum = solve_exact(columns, target, intercept, alpha, integers(weights))
        bound = min(bound, _exact_distance(point, [*optimum.coef, optimum.intercept]))
    certified = replace(found, error_estimate=bound, accurate=bound <= WORKING_ACCURACY)
    if not certified.accurate:
        warn_inaccurate(certified)
    return certified


def _exact_distance(point: Any, exact: list[Fraction]) -> float:
    """‖point − θ*‖/‖θ*‖ from the exact optimum θ*, rounded up (inf when θ* = 0)."""
    reference = sum((v * v for v in exact), Fraction(0))
    if reference == 0:
        return math.inf
    gap = sum(((Fraction(float(a)) - b) ** 2 for a, b in zip(point, exact)), Fraction(0))
    return math.sqrt(float(gap / reference)) * (1 + 4 * UNIT)


def _quietly(solver: Callable[..., _T], *args: Any) -> _T:
    """`_guarded`, the solver's own accuracy estimate kept quiet: `_certified` decides."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AccuracyWarning)
        return _guarded(solver, *args)


def _certified(
    result: LeastSquaresResult[Any],
    stats: Moments | None,
    data: tuple[Any, Any] | None,
    intercept: bool,
    alpha: float,
    found: float = math.inf,
) -> LeastSquaresResult[Any]:
    """The result with a sound ``error_estimate``: ``found``, the solver's own sound bound,
    where it reaches working accuracy, else `_bound`; warned about when it is short of
    working accuracy."""
    point = np.append(np.asarray(result.coef, dtype=np.float64), float(result.intercept))
    bound = found
    if not found <= WORKING_ACCURACY:
        with np.errstate(all="ignore"):
            bound = min(found, _bound(point, stats, data, intercept, alpha))
    certified = replace(result, error_estimate=bound, accurate=bound <= WORKING_ACCURACY)
    if not certified.accurate:
        warn_inaccurate(certified)
    return certified


def _bound(
    point: Any, stats: Moments | None, data: tuple[Any, Any] | None, intercept: bool, alpha: float
) -> float:
    """A sound bound on ‖point − θ*‖/‖θ*‖: the distance to a reference optimum plus its
    error bar, from the statistics, refined against the data (or exact, for small data)
    only while that is above working accuracy. Data of any magnitude are first brought
    near 1 by powers of two (`_Scaled`), so their statistics cannot overflow."""
    scaling = _Scaled.identity(point.shape[0] - 1)
    penalty: Any = alpha
    if data is not None:
        found = _Scaled.of(*data, alpha)
        if found is None:
            return math.inf  # a column spans more than float64's range: no bound to give
        scaling, data, penalty = found, (found.X, found.y), found.alpha
        stats = Moments.from_arrays(*data)
    assert stats is not None
    reference = from_statistics(stats, penalty, intercept)
    bound = _relative_bound(point, reference, scaling)
    if bound > WORKING_ACCURACY and data is not None:
        guess = replace(reference, point=scaling.to_scaled(point), error=math.inf)
        # the point is the solver's, already refined: one pass bounds it, where that is
        # enough (a step from it would gain digits nobody asked for)
        refined = from_data(
            stats, *data, guess, penalty, intercept,
            resolution=WORKING_ACCURACY / 4, sufficient=WORKING_ACCURACY / 4,
        )  # fmt: skip
        bound = min(bound, _relative_bound(point, refined, scaling))
        X, y = data
        if bound > WORKING_ACCURACY and X.shape[0] * (X.shape[1] + 1) ** 2 <= EXACT_BUDGET:
            exact = exact_reference(X, y, penalty, intercept)
            bound = min(bound, _relative_bound(point, exact, scaling))
    return bound


#: Data whose magnitudes lie within 2^±100 keep their statistics far from overflow and
#: underflow as they are: no rescaled copy is made.
_PLAIN_EXPONENT = 100


@dataclass(frozen=True)
class _Scaled:
    """X·2^-e and y·2^-f, exact, with e and f the columns' and y's binary exponents; the
    ridge becomes α·4^-e per feature, and w = w'·2^(f−e), b = b'·2^f."""

    X: Any
    y: Any
    alpha: Any
    features: Any
    target: int

    @classmethod
    def identity(cls, p: int) -> _Scaled:
        return cls(None, None, None, np.zeros(p, dtype=np.int64), 0)

    @classmethod
    def of(cls, X: Any, y: Any, alpha: float) -> _Scaled | None:
        """None when a value would lose bits (a column spans more than float64's range).
        Data whose squares are comfortably inside float64 are used as they are."""
        top = np.maximum(np.abs(X.max(axis=0, initial=0.0)), np.abs(X.min(axis=0, initial=0.0)))
        top_y = max(abs(float(y.max(initial=0.0))), abs(float(y.min(initial=0.0))))
        e = np.frexp(top)[1].astype(np.int64)
        f = int(np.frexp(top_y)[1])
        if np.all(np.abs(e) <= _PLAIN_EXPONENT) and abs(f) <= _PLAIN_EXPONENT:
            return cls(X, y, alpha, np.zeros_like(e), 0)
        scaled_X, scaled_y = np.ldexp(X, -e), np.ldexp(y, -f)
        for original, scaled in ((X, scaled_X), (y, scaled_y)):
            if np.any(np.abs(scaled[original != 0]) < 2.0**-1022):
                return None
        return cls(scaled_X, scaled_y, np.ldexp(alpha, -2 * e), e, f)

    def to_scaled(self, point: Any) -> Any:
        e, f = self.features, self.target
        return np.append(np.ldexp(point[:-1], e - f), np.ldexp(point[-1], -f))

    def to_data(self, point: Any) -> Any:
        e, f = self.features, self.target
        return np.append(np.ldexp(point[:-1], f - e), np.ldexp(point[-1], f))

    def stretch(self) -> float:
        """The most a scaled component grows on its way back to the data's units."""
        return float(np.max(np.ldexp(1.0, np.append(self.target - self.features, self.target))))


def _relative_bound(point: Any, reference: Reference, scaling: _Scaled) -> float:
    """A sound upper bound on ‖point − θ*‖/‖θ*‖ for ``point`` in the data's units (inf
    when ‖θ*‖ may be 0), from a reference in the scaled units."""
    nearest = scaling.to_data(reference.nearest(scaling.to_scaled(point)))
    # the map back is exact (powers of two) unless it underflows: below 2^-1074 each
    error = reference.error * scaling.stretch() + 2.0**-1074 * point.shape[0]
    distance = norm(point - nearest) * (1 + 8 * UNIT) + error
    if reference.zero:
        return float(distance)
    low = norm(nearest) * (1 - 8 * UNIT) - error
    return float(distance / low) if low > 0 and math.isfinite(low) else math.inf


def _guarded(solver: Callable[..., _T], *args: Any) -> _T:
    """Run a float solver with overflow turned into a clear error, never an inf or NaN."""
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        try:
            return solver(*args)
        except (FloatingPointError, OverflowError):
            raise _out_of_range(*args[:2]) from None


def _out_of_range(X: Any, y: Any) -> InputError:
    """What float64 could not hold: squares too small, coefficients too large, or squares
    too large (say which, so the message names what to rescale)."""
    if not isinstance(X, np.ndarray):
        return too_large("their squares", ", or use exact=True")
    with np.errstate(all="ignore"):
        top_x = float(np.max(np.abs(X), initial=0.0))
        top_y = float(np.max(np.abs(y), initial=0.0))
    if 0 < min(top_x, top_y) < 2.0**-500:
        return InputError(
            f"the data are too small for float64: their squares underflow (largest |X| "
            f"{top_x:.1e}, largest |y| {top_y:.1e}); rescale X and y, or use exact=True"
        )
    if top_x > 0 and top_y / top_x > 2.0**900:
        return too_large("the coefficients, about |y|/|X|", ", or use exact=True")
    return too_large("their squares", ", or use exact=True")
