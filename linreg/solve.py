r"""The closed-form least-squares optimum: careful floating point, and exact rationals.

The livestream says the best line "can be computed with simple algebra". It is the
solution of the normal equations $Z^\top Z\,\theta = Z^\top y$ with $Z = [X\ \mathbf 1]$,
but solving those in floating point squares the condition number, so this module only
uses them as a starting point. Float mode scales every column (and y) by a power of two
and centres it before forming any product, factors the Gram matrix of those columns by
Cholesky (the columns by QR when the condition estimate exceeds 1e6), then refines the
solution against the *original* data until a correction no longer changes it: in
float64 where the condition estimate allows, in double-double arithmetic (error-free
transformations) where it does not. Exact mode sums $Z^\top Z$ and $Z^\top y$ in
integers (a float is an integer times a power of two, a decimal an integer over a power
of ten) and solves in rationals, so its coefficients are the exact least-squares
solution of the data as given.
"""

from __future__ import annotations

import contextlib
import functools
import math
import operator
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Context, Decimal
from fractions import Fraction
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from linreg.data import NistDataset, as_scalar, check_features_target, parse_number
from linreg.errors import InputError, SingularProblemError
from linreg.moments import Moments

__all__ = [
    "AccuracyWarning",
    "LeastSquaresResult",
    "fit_nist",
    "least_squares",
    "log_relative_error",
    "polynomial_least_squares",
]

FloatArray = npt.NDArray[np.float64]
T = TypeVar("T")

#: Significant digits of the exact mode's square roots (standard errors, residual SD).
EXACT_DIGITS = 40


@dataclass(frozen=True)
class LeastSquaresResult(Generic[T]):
    """The least-squares fit and its statistics (the quantities NIST certifies).

    Attributes
    ----------
    coef : sequence of shape (n_features,)
        The weights $w$: a float array, or a list of `fractions.Fraction` in exact mode.
    intercept : float or Fraction
        The intercept $b$ (0 when ``fit_intercept=False``).
    coef_stderr : sequence of shape (n_features,) or None
        Standard deviations of the weights; ``None`` with no degrees of freedom left.
    intercept_stderr : float, Decimal or None
        Standard deviation of the intercept (0 without one; ``None`` as above).
    residual_std : float, Decimal or None
        $\\sqrt{SSR/(N - k)}$ for $k$ parameters; ``None`` when $N = k$.
    r_squared : float or Fraction
        Centred $1 - SSR/\\sum (y - \\bar y)^2$ with an intercept; uncentred
        $1 - SSR/\\sum y^2$ without one (the NIST convention).
    mse : float or Fraction
        The mean squared error $SSR/N$ at the optimum, the livestream's "error".
    n_samples : int
    dof : int
        Residual degrees of freedom, $N - k$.
    condition : float
        Estimated condition number of the centred, column-scaled features (NaN in exact
        mode): the factor by which relative errors in the data can grow in the weights.
    refinements : int
        Refinement passes over the data (0 from `Moments` and in exact mode).
    error_estimate : float
        The relative size of the last correction when refinement stopped: about the
        relative error left in the weights (0 in exact mode; from `Moments`, the a-priori
        bound $\\kappa^2\\varepsilon$).
    accurate : bool
        Whether ``error_estimate`` is within `WORKING_ACCURACY` (10 significant digits);
        when it is not, an `AccuracyWarning` was issued too.
    """

    coef: Any
    intercept: Any
    coef_stderr: Any
    intercept_stderr: Any
    residual_std: Any
    r_squared: Any
    mse: Any
    n_samples: int
    dof: int
    condition: float = math.nan
    refinements: int = 0
    error_estimate: float = 0.0
    accurate: bool = True


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
    if not isinstance(fit_intercept, (bool, np.bool_)):
        raise InputError(f"fit_intercept must be True or False, got {fit_intercept!r}")
    penalty = as_scalar(alpha, "alpha")
    if penalty < 0:
        raise InputError(f"alpha must be zero or positive, got {alpha!r}")
    if isinstance(X, Moments):
        if y is not None or exact:
            raise InputError("from Moments: pass y=None, and exact mode needs the data")
        return _guarded(_solve_moments, X, bool(fit_intercept), penalty)
    if y is None:
        raise InputError("y is required when X is an array")
    if exact:
        columns, target = _exact_columns(X, y)
        return _solve_exact(columns, target, bool(fit_intercept), penalty)
    features, values = check_features_target(X, y)
    return _guarded(_solve_float, features, values, bool(fit_intercept), None, penalty)


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
    if isinstance(degree, bool) or not isinstance(degree, (int, np.integer)) or degree < 1:
        raise InputError(f"degree must be a positive integer, got {degree!r}")
    if not isinstance(fit_intercept, (bool, np.bool_)):
        raise InputError(f"fit_intercept must be True or False, got {fit_intercept!r}")
    if exact:
        column = [[v] for v in (x if isinstance(x, (Sequence, np.ndarray)) else [x])]
        (single,), target = _exact_columns(column, y)
        powers = _powers(_integers(single), int(degree))
        return _solve_exact(powers, target, bool(fit_intercept))
    features, values = check_features_target(np.asarray(x, dtype=object).reshape(-1, 1), y)
    with np.errstate(over="ignore", invalid="ignore"):
        high, low = _powers_dd(features[:, 0], int(degree))
    if not (np.isfinite(high).all() and np.isfinite(low).all()):
        raise InputError(f"x is too large: x**{degree} overflows float64")
    return _guarded(_solve_float, high, values, bool(fit_intercept), low)


def fit_nist(dataset: NistDataset, *, exact: bool = False) -> LeastSquaresResult[Any]:
    """Fit a NIST StRD dataset's model: a polynomial in x, or its columns as they are.

    Parameters
    ----------
    dataset : linreg.data.NistDataset
    exact : bool, default False

    Returns
    -------
    LeastSquaresResult
        Its ``coef`` are B1, B2, …; its ``intercept`` is B0 (0 for NoInt1 and NoInt2).
    """
    y = dataset.target(exact=exact)
    if dataset.degree is not None:
        x = [row[0] for row in dataset.x]
        return polynomial_least_squares(
            x if exact else [float(v) for v in x],
            y,
            dataset.degree,
            fit_intercept=dataset.fit_intercept,
            exact=exact,
        )
    X = dataset.x if exact else dataset.design()
    return least_squares(X, y, fit_intercept=dataset.fit_intercept, exact=exact)


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
            raise InputError(
                "the data are too large for float64 least squares (their squares "
                "overflow); rescale X and y, or use exact=True"
            ) from None


# --- float mode -----------------------------------------------------------------------------

_EPS = float(np.finfo(np.float64).eps)
#: Condition number (of the centred, equilibrated columns) up to which the Cholesky factor
#: of their Gram is the preconditioner: a refinement pass then shrinks the error by about
#: κ²ε ≤ 1e-4. Above it the columns themselves are factored by QR (κ instead of κ²).
_CHOLESKY_KAPPA = 1e6
#: Condition number above which float64 residuals cannot be trusted to bring the
#: coefficients to working accuracy: residuals are then carried in double-double.
_FLOAT_KAPPA = 1e4
#: Problems of at most this many entries (N·p) are refined in double-double whatever
#: their condition: a pass costs well under a millisecond there.
_SMALL = 1 << 14
_MAX_REFINEMENTS = 10
#: Float64 refinement that stalls above this relative correction goes on in double-double.
_FLOAT_TARGET = 2.0**-40
#: The covariance (standard errors) from the factor has relative error about κ²ε; above
#: 1e-13 it is refined in double-double, one solve per parameter, on problems of at most
#: this many entries (beyond, each solve costs as much as the fit).
_COVARIANCE_ENTRIES = 1 << 20
#: The largest relative correction left when refinement stops, above which the result is
#: flagged as short of working accuracy (``accurate=False`` and an `AccuracyWarning`).
WORKING_ACCURACY = 1e-10


class AccuracyWarning(RuntimeWarning):
    """The closed form could not reach working accuracy (see ``error_estimate``)."""


def _scale_by(M: Any, exponent: Any) -> Any:
    """M·2^exponent, exactly (barring underflow), even where 2^exponent is not a float."""
    exponent = np.asarray(exponent, dtype=np.int64)
    if np.all(np.abs(exponent) < 1000):
        return M * np.ldexp(1.0, exponent)
    return np.ldexp(M, exponent)


def _exponent(magnitude: Any) -> Any:
    """e with magnitude = f·2^e, f in [1/2, 1) (0 for 0): 2^-e scales it into [1/2, 1)."""
    return np.frexp(magnitude)[1].astype(np.int64)


@dataclass(frozen=True)
class _Columns:
    """The problem as the solver sees it, column by column, with no rounding:

    ``A[:, j] = shift[j] + (hi[:, j] + lo[:, j])·2^exponent[j]`` and
    ``y = y_shift + (y_hi + y_lo)·2^y_exponent``. The powers of two bring the largest
    |hi| and |y_hi| near 1, so products can neither overflow nor underflow whatever the
    data's magnitude; centring first keeps a large offset from cancelling. ``lo`` (the
    rounding error of the centring, and the low parts of a double-double design) is only
    formed when double-double residuals are needed.
    """

    hi: FloatArray
    shift: FloatArray
    exponent: Any
    y_hi: FloatArray
    y_shift: float
    y_exponent: int
    lo: FloatArray | None = None
    y_lo: FloatArray | None = None
    #: hiᵀhi when the fast route formed it on the way.
    gram: FloatArray | None = None


#: Up to this many entries, products are formed by numpy's own loops rather than BLAS:
#: BLAS's threads save little on so few, and on a busy machine their hand-offs cost far
#: more than the arithmetic.
_BLAS_ENTRIES = 1 << 20


def _tdot(M: FloatArray, v: FloatArray) -> FloatArray:
    """Mᵀv."""
    return M.T @ v if M.size > _BLAS_ENTRIES else np.einsum("ij,i->j", M, v)


def _mdot(M: FloatArray, c: FloatArray) -> FloatArray:
    """M c."""
    return M @ c if M.size > _BLAS_ENTRIES else np.einsum("ij,j->i", M, c)


def _gram(M: FloatArray) -> FloatArray:
    """MᵀM."""
    return M.T @ M if M.size > _BLAS_ENTRIES else np.einsum("ij,ik->jk", M, M)


def _vdot(a: FloatArray, b: FloatArray) -> float:
    """aᵀb for vectors."""
    return float(a @ b if a.size > _BLAS_ENTRIES else np.einsum("i,i->", a, b))


@functools.lru_cache(maxsize=2)
def _ones(n: int) -> FloatArray:
    """A read-only vector of n ones, kept: column sums by BLAS without a fresh allocation."""
    ones = np.ones(n)
    ones.flags.writeable = False
    return ones


def _affine(M: FloatArray, shift: FloatArray, factor: FloatArray) -> FloatArray:
    """(M − shift)·factor in a new array. Few columns are handled one by one into a
    column-major array (each column contiguous: several times faster than broadcasting)."""
    if M.shape[1] > 16:
        out = M - shift
        out *= factor
        return out
    columns = np.empty((M.shape[1], M.shape[0]))
    for j, column in enumerate(columns):
        np.subtract(M[:, j], shift[j], out=column)
        column *= factor[j]
    return columns.T


def _centre_fast(
    M: FloatArray, fit_intercept: bool
) -> tuple[FloatArray, FloatArray, Any, Any] | None:
    """The usual route, at BLAS speed: centre, form the Gram, and scale both by the powers
    of two that bring each column's norm into [1/2, 1). None when a sum overflows or a
    square underflows: then `_centre` takes the careful route."""
    n, p = M.shape
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        shift = _tdot(M, _ones(n)) / n if fit_intercept else np.zeros(p)
        centred = _affine(M, shift, np.ones(p))
        gram = _gram(centred)
    squares = np.diag(gram)
    finite = np.isfinite(gram).all() and np.isfinite(shift).all()
    if not (finite and np.all(squares > 2.0**-900) and np.all(squares < 2.0**900)):
        return None
    exponent = _exponent(np.sqrt(squares))
    factor = np.ldexp(1.0, -exponent)
    centred *= factor
    return centred, shift, exponent, gram * np.outer(factor, factor)


def _centre(M: FloatArray, fit_intercept: bool) -> tuple[FloatArray, FloatArray, Any]:
    """(centred·2^-e, shift, e) for each column of M: scaled, then centred, then scaled."""
    top, bottom = M.max(axis=0), M.min(axis=0)
    first = _exponent(np.maximum(np.abs(top), np.abs(bottom)))
    scaled = _scale_by(M, -first)  # |scaled| < 1: its sums cannot overflow
    if not fit_intercept:
        return scaled, np.zeros(M.shape[1]), first
    shift = scaled.mean(axis=0)
    scaled -= shift
    spread = np.maximum(_scale_by(top, -first) - shift, shift - _scale_by(bottom, -first))
    second = _exponent(spread)
    scaled *= np.ldexp(1.0, -second)  # spread ≥ 2⁻⁵⁴ unless constant: a normal factor
    return scaled, _scale_by(shift, first), first + second


def _columns(A: FloatArray, y: FloatArray, fit_intercept: bool) -> _Columns:
    """Scale and centre X and y (see `_Columns`); refuse constant (or zero) columns."""
    fast = _centre_fast(A, fit_intercept)
    if fast is None:
        hi, shift, exponent = _centre(A, fit_intercept)
        gram = None
    else:
        hi, shift, exponent, gram = fast
    # A constant column, centred on a rounded mean, is a tiny constant: check exactly.
    suspect = np.ones(A.shape[1], dtype=bool)
    if gram is not None:
        spread = np.diag(gram) - _tdot(hi, _ones(len(y))) ** 2 / len(y)
        suspect = spread <= 4 * len(y) * _EPS * np.diag(gram)
    for j in np.flatnonzero(suspect):
        if A[:, j].max() == A[:, j].min() if fit_intercept else not A[:, j].any():
            what = "constant" if fit_intercept else "all zeros"
            raise SingularProblemError(f"column {j} of X is {what}: its weight is not determined")
    y_fast = _centre_fast(y[:, None], fit_intercept)
    y_hi, y_shift, y_exponent = _centre(y[:, None], fit_intercept) if y_fast is None else y_fast[:3]
    return _Columns(
        hi, shift, exponent, y_hi[:, 0], float(y_shift[0]), int(y_exponent[0]), gram=gram
    )


def _with_low_parts(
    cols: _Columns, A: FloatArray, A_low: FloatArray | None, y: FloatArray
) -> _Columns:
    """Add the exact rounding errors of the centring (and the design's own low parts)."""

    def low(M: FloatArray, M_low: FloatArray | None, shift: Any, e: Any) -> Any:
        # hi·2^e = fl(M − shift) exactly; its error by Knuth's two-sum, scaled the same way.
        error = _two_sum(M, -shift)[1] if np.any(shift) else np.zeros_like(M)
        error = error + (M_low if M_low is not None else 0.0)
        return _scale_by(error, -e)

    lo = low(A, A_low, cols.shift, cols.exponent)
    y_lo = low(y, None, cols.y_shift, cols.y_exponent)
    return replace(cols, lo=lo, y_lo=y_lo)


@dataclass(frozen=True)
class _Factor:
    """A preconditioner for the centred normal equations, and its condition estimate.

    With ``h`` the column sums of ``hi`` and Λ the ridge, the system for a correction
    ``[δ; δβ]`` is ``[[G + Λ, h], [hᵀ, N]] [δ; δβ] = [g; g₀]``; eliminating δβ leaves
    ``(G − h hᵀ/N + Λ) δ = g − h g₀/N``, and ``G − h hᵀ/N + Λ ≈ D Rᵀ R D``.
    """

    inverse_r: FloatArray
    d: FloatArray
    h: FloatArray
    n: int
    ridge: FloatArray
    condition: float

    def solve(self, g: FloatArray, g0: float) -> tuple[FloatArray, float]:
        """An approximate correction from the gradient ``[g; g₀]`` (``g₀ = 0``: no intercept)."""
        rhs = (g - self.h * (g0 / self.n)) / self.d
        delta = self.inverse_r @ (self.inverse_r.T @ rhs) / self.d
        return delta, (g0 - float(self.h @ delta)) / self.n

    def covariance(self) -> FloatArray:
        """(G − h hᵀ/N + Λ)⁻¹ from the factor, in the scaled units."""
        scaled = self.inverse_r / self.d[:, None]
        return scaled @ scaled.T


def _factor(
    hi: FloatArray, ridge: FloatArray, fit_intercept: bool, gram: FloatArray | None = None
) -> tuple[_Factor, Any]:
    """Cholesky of the equilibrated centred Gram, or QR of the columns when κ demands it.

    Returns the factor and, after a QR, the ``Q`` that gives the first solution.
    """
    n, p = hi.shape
    h = _tdot(hi, _ones(n)) if fit_intercept else np.zeros(p)
    gram = (_gram(hi) if gram is None else gram) - np.outer(h, h / n) + np.diag(ridge)
    d = np.sqrt(np.diag(gram))
    d = np.where(d > 0, d, 1.0)
    q = None
    try:
        r = np.linalg.cholesky(gram / np.outer(d, d)).T
        condition = float(np.linalg.cond(r))
    except np.linalg.LinAlgError:
        condition = math.inf
    if not condition <= _CHOLESKY_KAPPA:
        centred = (hi - h / n) / d
        if np.any(ridge):
            centred = np.vstack([centred, np.diag(np.sqrt(ridge) / d)])
        q, r = np.linalg.qr(centred)
        q = q[:n]
        condition = float(np.linalg.cond(r))
    if not condition * max(n, p) * _EPS < 1.0:
        column = int(np.argmin(np.abs(np.diag(r))))
        raise SingularProblemError(
            "the columns of X are linearly dependent (to working precision): "
            f"column {column} is a combination of the others (condition number {condition:.1e})"
        )
    inverse_r = np.asarray(np.linalg.solve(r, np.eye(p)), dtype=np.float64)
    return _Factor(inverse_r, d.astype(np.float64), h, n, ridge, condition), q


def _residual(
    cols: _Columns,
    target: tuple[FloatArray, FloatArray | None],
    c: FloatArray,
    beta: float,
    precise: bool,
) -> tuple[FloatArray, FloatArray | None]:
    """target − (hi + lo)·c − β: in float64, or as a double-double pair (hi, lo)."""
    t_hi, t_lo = target
    if not precise:
        r = _mdot(cols.hi, c)
        np.subtract(t_hi, r, out=r)
        r -= beta
        return r, None
    total, error = t_hi.copy(), (np.zeros_like(t_hi) if t_lo is None else t_lo.copy())
    for j in range(cols.hi.shape[1]):
        product, product_error = _two_product(cols.hi[:, j], -c[j])
        total, sum_error = _two_sum(total, product)
        error += sum_error + product_error
        if cols.lo is not None:
            error -= cols.lo[:, j] * c[j]
    total, sum_error = _two_sum(total, -beta)
    return _two_sum(total, error + sum_error)


def _gradient(
    cols: _Columns, r: tuple[FloatArray, FloatArray | None], fit_intercept: bool
) -> tuple[FloatArray, float]:
    """(hi + lo)ᵀ r and Σ r: BLAS for a float residual, correctly rounded for a pair."""
    r_hi, r_lo = r
    if r_lo is None:
        return _tdot(cols.hi, r_hi), float(r_hi.sum()) if fit_intercept else 0.0
    lo = cols.lo
    g = np.array(
        [
            _dot_exact(cols.hi[:, j], None if lo is None else lo[:, j], (r_hi, r_lo))
            for j in range(cols.hi.shape[1])
        ]
    )
    return g, math.fsum(np.concatenate([r_hi, r_lo])) if fit_intercept else 0.0


def _relative_size(delta: FloatArray, delta_b: float, c: FloatArray, beta: float) -> float:
    """max |δⱼ|/|cⱼ|, each |cⱼ| floored at 2⁻²⁰ of the largest; β (about 0 on centred
    columns) is measured against the largest |cⱼ|, its effect on a unit column."""
    largest = max(float(np.abs(c).max()), math.ulp(0.0))
    floor = max(largest * 2.0**-20, math.ulp(0.0))
    size = float((np.abs(delta) / np.maximum(np.abs(c), floor)).max())
    return max(size, abs(delta_b) / max(abs(beta), largest))


@dataclass
class _Iterate:
    """A point (c, β) of the scaled problem, its residual, and what refining it cost."""

    c: FloatArray
    beta: float
    residual: tuple[FloatArray, FloatArray | None]
    steps: int = 0
    estimate: float = math.inf
    #: What the last update lost to rounding: (c + tail, β + tail_b) is the solution to
    #: below float64's resolution, which the intercept needs when it is a difference.
    tail: Any = 0.0
    tail_b: float = 0.0


def _refine(
    cols: _Columns,
    factor: _Factor,
    start: _Iterate,
    target: tuple[FloatArray, FloatArray | None],
    extra: tuple[FloatArray, float] | None,
    fit_intercept: bool,
) -> _Iterate:
    """Refine (c, β) for ``[Zᵀ r + extra − Λc = 0]`` until the correction stops mattering.

    Each pass forms the residual against the unrounded columns (in double-double when the
    start's residual is a pair), takes a correction from the factor, and stops when the
    correction is below float64's resolution (ε relative) or has not halved since the last
    pass (refinement no longer helps; a correction larger than the last is not applied).
    ``estimate`` is the last correction's relative size: the error left, about.
    """
    it = start
    precise = it.residual[1] is not None
    previous = math.inf
    while it.steps < _MAX_REFINEMENTS:
        g, g0 = _gradient(cols, it.residual, fit_intercept)
        g = g - factor.ridge * it.c
        if extra is not None:
            g, g0 = g + extra[0], g0 + extra[1]
        delta, delta_b = factor.solve(g, g0)
        size = _relative_size(delta, delta_b, it.c, it.beta)
        if size > previous:
            break
        (c, tail), (beta, tail_b) = _two_sum(it.c, delta), _two_sum(it.beta, delta_b)
        small = size <= _EPS
        residual = it.residual if small else _residual(cols, target, c, beta, precise)
        it = _Iterate(c, beta, residual, it.steps + 1, size, tail, tail_b)
        if small or size > previous / 2:
            break
        previous = size
    return it


def _solve_float(
    A: FloatArray,
    y: FloatArray,
    fit_intercept: bool,
    A_low: FloatArray | None = None,
    alpha: float = 0.0,
) -> LeastSquaresResult[Any]:
    """Float mode. ``A + A_low`` is the design in double-double (``A_low`` the rounding
    error of each entry, for designs such as powers that float64 cannot hold exactly)."""
    n, p = A.shape
    _check_count(n, p + int(fit_intercept))
    cols = _columns(A, y, fit_intercept)
    ridge = _scale_by(np.full(p, n * alpha), -2 * cols.exponent) if alpha else np.zeros(p)
    factor, q = _factor(cols.hi, ridge, fit_intercept, cols.gram)
    precise = A_low is not None or n * p <= _SMALL or factor.condition > _FLOAT_KAPPA
    if precise:
        cols = _with_low_parts(cols, A, A_low, y)
    target = (cols.y_hi, cols.y_lo)
    if q is None:
        c, beta = factor.solve(
            _tdot(cols.hi, cols.y_hi), float(cols.y_hi.sum()) if fit_intercept else 0.0
        )
    else:
        y_mean = float(cols.y_hi.mean()) if fit_intercept else 0.0
        c = factor.inverse_r @ (q.T @ (cols.y_hi - y_mean)) / factor.d
        beta = y_mean - float(factor.h @ c) / n if fit_intercept else 0.0
    it = _refine(
        cols,
        factor,
        _Iterate(c, beta, _residual(cols, target, c, beta, precise)),
        target,
        None,
        fit_intercept,
    )
    if not precise and it.estimate > _FLOAT_TARGET:
        # float64 residuals stalled short of the mark: carry them in double-double.
        precise, cols = True, _with_low_parts(cols, A, A_low, y)
        target = (cols.y_hi, cols.y_lo)
        restart = _Iterate(it.c, it.beta, _residual(cols, target, it.c, it.beta, True), it.steps)
        it = _refine(cols, factor, restart, target, None, fit_intercept)
    refine = precise and factor.condition**2 * _EPS > 1e-13 and n * p <= _COVARIANCE_ENTRIES
    covariance = _covariance(cols, factor, fit_intercept, refine)
    return _float_result(cols, it, covariance, factor, fit_intercept, alpha)


def _covariance(
    cols: _Columns, factor: _Factor, fit_intercept: bool, refine: bool
) -> tuple[FloatArray, float]:
    """diag((G − h hᵀ/N)⁻¹) and the intercept's 1/N + uᵀ(G − h hᵀ/N)⁻¹u, scaled units.

    ``u = shift/2^e + h/N`` is each column's mean in units of its scale. From the factor
    when that is accurate enough (κε ≤ 1e-12); otherwise each is refined like the
    coefficients, in double-double, against the unrounded columns.
    """
    n = factor.n
    u = _scale_by(cols.shift, -cols.exponent) + factor.h / n
    if not refine:
        covariance = factor.covariance()
        root = factor.inverse_r.T @ (u / factor.d)
        return np.diag(covariance).copy(), 1.0 / n + float(root @ root) if fit_intercept else 0.0
    zero = (np.zeros(n), None)
    p = cols.hi.shape[1]
    diagonal = np.empty(p)
    for j, rhs in enumerate([*np.eye(p), u] if fit_intercept else np.eye(p)):
        c, beta = factor.solve(rhs, 0.0)
        start = _Iterate(c, beta, _residual(cols, zero, c, beta, True))
        x = _refine(cols, factor, start, zero, (rhs, 0.0), fit_intercept).c
        if j < p:
            diagonal[j] = x[j]
        else:
            parts = _two_product(u, x)
            intercept = math.fsum([1.0 / n, *parts[0], *parts[1]])
    return diagonal, intercept if fit_intercept else 0.0


def _intercept(cols: _Columns, it: _Iterate, coef: FloatArray) -> float:
    """b = ȳ₀ + β·2^e_y − Σ shiftⱼ wⱼ, summed exactly from every part, tails included."""
    products = _two_product(-cols.shift, coef)
    tail = _scale_by(it.tail, cols.y_exponent - cols.exponent) * -cols.shift
    beta = _scale_by(np.array([it.beta, it.tail_b]), cols.y_exponent)
    return math.fsum([cols.y_shift, *beta, *products[0], *products[1], *tail])


def _r_squared(
    cols: _Columns, residual: tuple[FloatArray, FloatArray | None], ssr: float, intercept: bool
) -> float:
    """R² = 1 − SSR/TSS, or, in double-double when R² < 1/2, ESS/(ESS + SSR).

    At the optimum TSS = ESS + SSR, ESS the (centred, with an intercept) sum of squares
    of the fitted values y − r. When R² is small, 1 − SSR/TSS loses the digits of
    SSR/TSS ≈ 1; the fitted values, formed from y and r in double-double, do not. (When
    R² is near 1 the first form is the better: SSR is stationary at the optimum, ESS not.)
    """
    y, (r_hi, r_lo) = cols.y_hi, residual
    total = _vdot(y, y) - (float(y.sum()) ** 2 / len(y) if intercept else 0.0)
    if r_lo is None or cols.y_lo is None or not ssr > total / 2:
        return 1.0 - ssr / total if total > 0 else 1.0
    fitted, error = _two_sum(y, -r_hi)
    error += cols.y_lo - r_lo
    centre = math.fsum(np.concatenate([fitted, error])) / len(y) if intercept else 0.0
    explained = (fitted - centre) + error
    ess = _vdot(explained, explained)
    return ess / (ess + ssr)


def _float_result(
    cols: _Columns,
    it: _Iterate,
    covariance: tuple[FloatArray, float],
    factor: _Factor,
    fit_intercept: bool,
    alpha: float,
) -> LeastSquaresResult[Any]:
    """Map the scaled solution back to the data's units and form NIST's statistics."""
    n, p = cols.hi.shape
    dof = n - p - int(fit_intercept)
    coef = _scale_by(it.c, cols.y_exponent - cols.exponent)
    intercept = _intercept(cols, it, coef) if fit_intercept else 0.0
    r_hi, r_lo = it.residual
    ssr = _vdot(r_hi, r_hi) + (2.0 * _vdot(r_hi, r_lo) if r_lo is not None else 0.0)
    r_squared = _r_squared(cols, it.residual, ssr, fit_intercept)
    sigma = math.sqrt(ssr / dof) if dof > 0 else None
    diagonal, var_intercept = covariance
    stderr = (
        None
        if sigma is None or alpha
        else _scale_by(sigma * np.sqrt(diagonal), cols.y_exponent - cols.exponent)
    )
    with np.errstate(over="ignore"):
        mse = float(_scale_by(ssr / n, 2 * cols.y_exponent))
    if not math.isfinite(mse):
        raise InputError(
            "the data are too large for float64 least squares: the mean squared error "
            f"(about 2^{math.log2(ssr / n) + 2 * cols.y_exponent:.0f}) overflows float64; "
            "rescale X and y, or use exact=True"
        )
    return _checked_result(
        LeastSquaresResult(
            coef=coef,
            intercept=float(intercept),
            coef_stderr=stderr,
            intercept_stderr=None
            if stderr is None or sigma is None
            else (
                float(_scale_by(sigma * math.sqrt(var_intercept), cols.y_exponent))
                if fit_intercept
                else 0.0
            ),
            residual_std=None if sigma is None else float(_scale_by(sigma, cols.y_exponent)),
            r_squared=r_squared,
            mse=mse,
            n_samples=n,
            dof=dof,
            condition=factor.condition,
            refinements=it.steps,
            error_estimate=it.estimate,
            accurate=it.estimate <= WORKING_ACCURACY,
        )
    )


def _powers_dd(x: FloatArray, degree: int) -> tuple[FloatArray, FloatArray]:
    """x¹ … x^degree as double-double columns (hi, lo): powers float64 cannot hold."""
    high = np.empty((x.shape[0], degree))
    low = np.empty_like(high)
    hi, lo = x.copy(), np.zeros_like(x)
    for k in range(degree):
        high[:, k], low[:, k] = _two_sum(hi, lo)
        product, error = _two_product(high[:, k], x)
        hi, lo = product, error + low[:, k] * x
    return high, low


#: Co-moments below this (2⁻⁹⁷⁰ ≈ 1e-292) were summed among subnormal numbers, which
#: carry fewer than 53 bits: a fit from them would be silently imprecise.
_TINY = 2.0**-970


def _solve_moments(
    stats: Moments, fit_intercept: bool, alpha: float = 0.0
) -> LeastSquaresResult[Any]:
    """From the one-pass statistics: the equilibrated normal equations (error about κ²ε)."""
    n, p = stats.count, stats.n_features
    k = p + int(fit_intercept)
    _check_count(n, k)
    if fit_intercept:
        # Centred normal equations: Cxx w = Cxy, b = ȳ − x̄·w.
        gram, moment, total = stats.cxx, stats.cxy, stats.cyy
    else:
        # Raw second moments: XᵀX = Cxx + N x̄x̄ᵀ, Xᵀy = Cxy + N x̄ȳ, yᵀy = Cyy + Nȳ².
        gram = stats.cxx + n * np.outer(stats.mean_x, stats.mean_x)
        moment = stats.cxy + n * stats.mean_x * stats.mean_y
        total = stats.cyy + n * stats.mean_y**2
    for j in np.flatnonzero(np.diag(gram) == 0.0):
        if abs(stats.mean_x[j]) >= _TINY**0.5:  # squares of its values would not underflow
            what = "constant" if fit_intercept else "all zeros"
            raise SingularProblemError(f"column {j} of X is {what}: its weight is not determined")
    if np.any(np.diag(gram) < _TINY) or 0.0 < total < _TINY:
        raise InputError(
            "the data are too small for least squares from moments: their co-moments "
            "underflow float64 (below 1e-292); rescale X and y, or pass the arrays themselves"
        )
    scale = np.sqrt(np.diag(gram))
    correlation = (gram + n * alpha * np.eye(p)) / np.outer(scale, scale)
    eigenvalues = np.linalg.eigvalsh(correlation)
    if eigenvalues[0] <= eigenvalues[-1] * p * 1e3 * _EPS:
        raise SingularProblemError("the columns of X are linearly dependent (to working precision)")
    inverse = np.linalg.inv(correlation) / np.outer(scale, scale)
    coef = inverse @ moment
    intercept = stats.mean_y - float(stats.mean_x @ coef) if fit_intercept else 0.0
    # ‖y − Xw‖² (centred) = Cyy − 2wᵀCxy + wᵀCxx w; without a ridge wᵀCxx w = wᵀCxy
    ssr = max(total - 2.0 * float(coef @ moment) + float(coef @ gram @ coef), 0.0)
    dof = n - k
    sigma = math.sqrt(ssr / dof) if dof > 0 and not alpha else None
    var_intercept = 1.0 / n + float(stats.mean_x @ inverse @ stats.mean_x) if fit_intercept else 0.0
    condition = math.sqrt(eigenvalues[-1] / eigenvalues[0])
    return _checked_result(
        LeastSquaresResult(
            coef=coef,
            intercept=float(intercept),
            coef_stderr=None if sigma is None else sigma * np.sqrt(np.diag(inverse)),
            intercept_stderr=None if sigma is None else sigma * math.sqrt(var_intercept),
            residual_std=math.sqrt(ssr / dof) if dof > 0 else None,
            r_squared=1.0 - ssr / total if total > 0 else 1.0,
            mse=ssr / n,
            n_samples=n,
            dof=dof,
            condition=condition,
            error_estimate=condition**2 * _EPS,
            accurate=condition**2 * _EPS <= WORKING_ACCURACY,
        )
    )


def _checked_result(result: LeastSquaresResult[Any]) -> LeastSquaresResult[Any]:
    """Refuse a result with a value that overflowed; warn when it is short of working accuracy."""
    values = [*result.coef, result.intercept, result.mse]
    values += [] if result.coef_stderr is None else [*result.coef_stderr, result.intercept_stderr]
    if not all(math.isfinite(v) for v in values):
        raise InputError(
            "the data are too large for float64 least squares (the coefficients or the mean "
            "squared error overflow float64); rescale X and y"
        )
    if not result.accurate:
        digits = max(0, int(-math.log10(result.error_estimate)))
        warnings.warn(
            f"least squares: working accuracy not reached (estimated relative error "
            f"{result.error_estimate:.1e}, condition number {result.condition:.1e}); "
            f"the coefficients may have only about {digits} correct digits",
            AccuracyWarning,
            stacklevel=4,
        )
    return result


# Error-free transformations (Dekker, Knuth): a*b and a+b as an exact hi + lo pair.
_SPLITTER = 134217729.0  # 2**27 + 1


def _two_sum(a: Any, b: Any) -> tuple[Any, Any]:
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _two_product(a: Any, b: Any) -> tuple[Any, Any]:
    product = a * b
    c = _SPLITTER * a
    a_hi = c - (c - a)
    a_lo = a - a_hi
    d = _SPLITTER * b
    b_hi = d - (d - b)
    b_lo = b - b_hi
    return product, ((a_hi * b_hi - product) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


def _dot_exact(a: FloatArray, a_low: FloatArray | None, r: tuple[FloatArray, FloatArray]) -> float:
    """(a + a_low)·(r_hi + r_lo), correctly rounded up to the tiny a_low·r_lo terms."""
    r_hi, r_lo = r
    product, error = _two_product(a, r_hi)
    parts = [product, error, a * r_lo]
    if a_low is not None:
        parts.append(a_low * r_hi)
    return math.fsum(np.concatenate(parts))


# --- exact mode -----------------------------------------------------------------------------

#: Decimal exponents beyond this are refused in exact mode: 10^±1000 is already far beyond
#: float64 (±308), and a larger one would make every product a huge integer.
MAX_EXACT_EXPONENT = 1000


@dataclass(frozen=True)
class _IntegerColumn:
    """A column of exact values as integers times one rational scale: ``values = ints·scale``."""

    ints: list[int]
    scale: Fraction


#: A column in exact mode: a float array (summed by limbs), or integers times a scale.
_Column = Any


def _float_column(values: Any) -> _IntegerColumn:
    """Floats are odd integers times powers of two: one shift each puts them on a common grid."""
    mantissa, exponent = np.frexp(np.asarray(values, dtype=np.float64))
    whole = (mantissa * 2.0**53).astype(np.int64)
    exponent = exponent.astype(np.int64) - 53
    nonzero = whole != 0
    if nonzero.any():
        # strip trailing zero bits, so that the integers stay as short as the data allow
        low_bit = whole & -whole
        zeros = np.zeros_like(whole)
        zeros[nonzero] = np.log2(np.abs(low_bit[nonzero]).astype(np.float64)).astype(np.int64)
        whole = whole >> zeros
        exponent = exponent + zeros
        bottom = int(exponent[nonzero].min())
    else:
        bottom = 0
    shifts = np.where(nonzero, exponent - bottom, 0).tolist()
    ints = [m << s for m, s in zip(whole.tolist(), shifts)]
    return _IntegerColumn(ints, Fraction(2) ** bottom)


def _fraction_column(values: list[Fraction]) -> _IntegerColumn:
    """Rationals over one common denominator (a power of ten times a power of two for decimals)."""
    denominator = 1
    for each in {v.denominator for v in values}:
        denominator = math.lcm(denominator, each)
    return _IntegerColumn(
        [v.numerator * (denominator // v.denominator) for v in values], Fraction(1, denominator)
    )


def _numeric(value: Any) -> Any:
    """value as an int or float ndarray, or None when it is not one (strings, Fractions...)."""
    if isinstance(value, (str, bytes)):
        return None
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        return None
    return array if array.dtype.kind in "fiu" else None


def _exact_columns(X: Any, y: Any) -> tuple[list[_Column], _Column]:
    """The columns of X and y as integers times a scale, read exactly.

    Float arrays are kept as they are, for the vectorised sums of `_limb_sums`; anything
    else goes value by value through `fractions.Fraction`, with decimal strings read
    exactly.
    """
    features, target = _numeric(X), _numeric(y)
    if (
        features is not None
        and target is not None
        and features.ndim == 2
        and target.ndim == 1
        and features.shape[0] == target.shape[0]
        and features.size > 0
        and np.isfinite(features).all()
        and np.isfinite(target).all()
    ):

        def column(values: Any) -> _Column:
            if values.dtype.kind == "f":
                return np.ascontiguousarray(values, dtype=np.float64)
            return _IntegerColumn([int(v) for v in values.tolist()], Fraction(1))

        return [column(features[:, j]) for j in range(features.shape[1])], column(target)
    rows, values = _exact_inputs(X, y)
    columns = [_fraction_column([row[j] for row in rows]) for j in range(len(rows[0]))]
    return columns, _fraction_column(values)


def _integers(column: _Column) -> _IntegerColumn:
    return _float_column(column) if isinstance(column, np.ndarray) else column


def _dot(a: _IntegerColumn | None, b: _IntegerColumn | None, n: int) -> Fraction:
    """aᵀb exactly: one integer sum, then the two scales (None is the column of ones)."""
    if a is None and b is None:
        return Fraction(n)
    if a is None or b is None:
        one = a if b is None else b
        assert one is not None
        return Fraction(sum(one.ints)) * one.scale
    return Fraction(sum(map(operator.mul, a.ints, b.ints))) * (a.scale * b.scale)


#: Bits per limb: two limbs multiply to below 2⁴², and `_LIMB_ROWS` such products sum to
#: below 2⁵³, so BLAS forms those sums in float64 exactly.
_LIMB_BITS = 21
_LIMB_ROWS = 2048


def _limbs(values: FloatArray) -> tuple[Any, FloatArray, int, int]:
    """Each float as an integer on the column's grid 2^bottom, cut into 21-bit limbs.

    Returns (first limb index per row, the four limbs per row (signed), bottom, width):
    a value is Σₜ limbs[t]·2^(21·(first + t) + bottom), exactly.
    """
    mantissa, exponent = np.frexp(values)
    whole = mantissa * 2.0**53  # an integer, |whole| < 2⁵³, times 2^(exponent − 53)
    nonzero = whole != 0
    bottom = int((exponent[nonzero] - 53).min()) if nonzero.any() else 0
    shift = np.where(nonzero, exponent - 53 - bottom, 0)
    first, rest = np.divmod(shift, _LIMB_BITS)
    magnitude = np.abs(whole).astype(np.int64)
    mask = (1 << _LIMB_BITS) - 1
    limbs = np.empty((len(values), 4))
    # the bits of magnitude·2^rest (up to 74 of them), 21 at a time, in int64
    limbs[:, 0] = (magnitude << rest) & mask  # wraps above bit 63: only the low 21 count
    limbs[:, 1] = (magnitude >> (_LIMB_BITS - rest)) & mask
    limbs[:, 2] = (magnitude >> (2 * _LIMB_BITS - rest)) & mask
    limbs[:, 3] = magnitude >> (3 * _LIMB_BITS - rest)
    limbs *= np.sign(whole)[:, None]
    return first, limbs, bottom, int(first.max()) + 4


def _pair_sum(a: tuple[Any, FloatArray, int, int], b: tuple[Any, FloatArray, int, int]) -> int:
    """Σᵢ aᵢbᵢ on the grid 2^(bottom_a + bottom_b), exactly, from two columns' limbs.

    Every product of two limbs is below 2⁴²; grouped by row block (of `_LIMB_ROWS`), by
    the two rows' first limbs and by the limb pair, one `numpy.bincount` adds them in
    float64 exactly (each bin stays below 2⁵³). The bins are then shifted into place.
    """
    first_a, limbs_a, _, width_a = a
    first_b, limbs_b, _, width_b = b
    n = len(first_a)
    blocks = (n + _LIMB_ROWS - 1) // _LIMB_ROWS
    cell = ((np.arange(n) // _LIMB_ROWS) * width_a + first_a) * width_b + first_b
    keys = (cell[:, None] * 16 + np.arange(16)).ravel()
    products = (limbs_a[:, :, None] * limbs_b[:, None, :]).ravel()
    bins = np.bincount(keys, products, minlength=blocks * width_a * width_b * 16)
    bins = bins.reshape(blocks, -1).astype(np.int64)
    # int64 holds 2¹⁰ blocks of sums below 2⁵³; beyond that, add in Python integers
    per_cell = bins.sum(axis=0) if blocks <= 1024 else bins.astype(object).sum(axis=0)
    qa, qb, t, u = np.unravel_index(np.arange(per_cell.size), (width_a, width_b, 4, 4))
    shifts = (_LIMB_BITS * (qa + qb + t + u)).tolist()
    return sum(int(v) << s for v, s in zip(per_cell.tolist(), shifts) if v)


def _limb_sums(columns: list[FloatArray]) -> list[list[Fraction]]:
    """Every Σᵢ aᵢbᵢ over pairs of float columns, exactly, at numpy speed (`_pair_sum`)."""
    layouts = [_limbs(column) for column in columns]
    sums = [[Fraction(0)] * len(columns) for _ in columns]
    for a, layout_a in enumerate(layouts):
        for c, layout_c in enumerate(layouts[: a + 1]):
            scale = Fraction(2) ** (layout_a[2] + layout_c[2])
            sums[a][c] = sums[c][a] = _pair_sum(layout_a, layout_c) * scale
    return sums


def _exact_sums(
    columns: list[_Column], target: _Column, fit_intercept: bool
) -> tuple[list[list[Fraction]], list[Fraction], Fraction, Fraction]:
    """(ZᵀZ, Zᵀy, yᵀy, Σy) exactly, Z = [X 1] or X: by limbs for floats, else in integers."""
    n = len(target) if isinstance(target, np.ndarray) else len(target.ints)
    if all(isinstance(c, np.ndarray) for c in [*columns, target]):
        ones = [np.ones(n)] if fit_intercept else []
        sums = _limb_sums([*columns, *ones, target])
        k = len(sums) - 1
        return (
            [row[:k] for row in sums[:k]],
            sums[k][:k],
            sums[k][k],
            sums[k][-2 if fit_intercept else k],
        )
    design: list[_IntegerColumn | None] = [_integers(c) for c in columns]
    design += [None] if fit_intercept else []
    y = _integers(target)
    k = len(design)
    gram = [[Fraction(0)] * k for _ in range(k)]
    for a in range(k):
        for c in range(a, k):
            gram[a][c] = gram[c][a] = _dot(design[a], design[c], n)
    return gram, [_dot(column, y, n) for column in design], _dot(y, y, n), _dot(None, y, n)


def _powers(x: _IntegerColumn, degree: int) -> list[_IntegerColumn]:
    """The columns x, x², …, x^degree, in integers."""
    columns = [x]
    for _ in range(degree - 1):
        last = columns[-1]
        columns.append(
            _IntegerColumn(list(map(operator.mul, last.ints, x.ints)), last.scale * x.scale)
        )
    return columns


def _solve_exact(
    columns: list[_Column], target: _Column, fit_intercept: bool, alpha: float = 0.0
) -> LeastSquaresResult[Any]:
    """Exact mode: ZᵀZ and Zᵀy as integer sums, then the normal equations in rationals."""
    n = len(target) if isinstance(target, np.ndarray) else len(target.ints)
    p = len(columns)
    k = p + int(fit_intercept)
    _check_count(n, k)
    gram, moment, yty, y_sum = _exact_sums(columns, target, fit_intercept)
    penalised = [row[:] for row in gram]
    for a in range(p):
        penalised[a][a] += n * Fraction(alpha)
    inverse = _invert(penalised)
    theta = [sum((inverse[a][c] * moment[c] for c in range(k)), Fraction(0)) for a in range(k)]
    # ‖y − Zθ‖² = yᵀy − 2θᵀZᵀy + θᵀZᵀZθ: exact, from the sums alone
    fitted = sum(
        (theta[a] * gram[a][c] * theta[c] for a in range(k) for c in range(k)), Fraction(0)
    )
    ssr = yty - 2 * sum((t * m for t, m in zip(theta, moment)), Fraction(0)) + fitted
    total = yty - y_sum**2 / n if fit_intercept else yty
    dof = n - k
    variance = ssr / dof if dof > 0 else None
    stderr = (
        None if variance is None or alpha else [_sqrt(variance * inverse[a][a]) for a in range(k)]
    )
    return LeastSquaresResult(
        coef=theta[:p],
        intercept=theta[p] if fit_intercept else Fraction(0),
        coef_stderr=None if stderr is None else stderr[:p],
        intercept_stderr=None if stderr is None else (stderr[p] if fit_intercept else Decimal(0)),
        residual_std=None if variance is None else _sqrt(variance),
        r_squared=1 - ssr / total if total else Fraction(1),
        mse=ssr / n,
        n_samples=n,
        dof=dof,
        condition=math.nan,
        refinements=0,
        error_estimate=0.0,
        accurate=True,
    )


def _to_fraction(value: Any, name: str) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, (bool, np.bool_)):
        raise InputError(f"{name} must hold numbers, got {value!r}")
    if isinstance(value, (int, np.integer)):
        return Fraction(int(value))
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            raise InputError(f"{name} holds a non-finite value ({value})")
        return Fraction(float(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InputError(f"{name} holds a non-finite value ({value})")
        _check_exponent(value, name)
        return Fraction(value)
    if isinstance(value, str):
        with contextlib.suppress(ArithmeticError):  # not a decimal: parse_number says why
            _check_exponent(Decimal(value.strip()), name)
        try:
            parsed = parse_number(value, exact=True)
        except ValueError as problem:
            raise InputError(f"{name}: {problem}") from None
        assert isinstance(parsed, Fraction)
        return parsed
    raise InputError(f"{name} must hold numbers (str, int, Fraction, float), got {value!r}")


def _check_exponent(value: Decimal, name: str) -> None:
    """Refuse, before any big integer is built, a decimal exponent beyond ±MAX_EXACT_EXPONENT."""
    if value.is_finite() and value and abs(value.adjusted()) > MAX_EXACT_EXPONENT:
        raise InputError(
            f"{name} = {str(value)[:40]} has a decimal exponent beyond ±{MAX_EXACT_EXPONENT}: "
            "too large or too small for exact mode; rescale the data"
        )


def _exact_inputs(X: Any, y: Any) -> tuple[list[list[Fraction]], list[Fraction]]:
    if isinstance(X, (str, bytes)) or not isinstance(X, (Sequence, np.ndarray)):
        raise InputError("X must be a 2-D sequence of shape (n_samples, n_features)")
    rows = []
    for row_number, row in enumerate(X):
        if isinstance(row, (str, bytes)) or not isinstance(row, (Sequence, np.ndarray)):
            raise InputError(
                f"X must be 2-D of shape (n_samples, n_features): row {row_number} is not a row"
            )
        rows.append([_to_fraction(v, f"X[{row_number}]") for v in row])
    if not rows or not rows[0]:
        raise InputError("X is empty")
    if any(len(row) != len(rows[0]) for row in rows):
        raise InputError("X must be rectangular: its rows differ in length")
    if isinstance(y, (str, bytes)) or not isinstance(y, (Sequence, np.ndarray)):
        raise InputError("y must be a 1-D sequence of shape (n_samples,)")
    target = []
    for index, value in enumerate(y):
        if isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, str):
            raise InputError("y must be 1-D of shape (n_samples,), not a column")
        target.append(_to_fraction(value, f"y[{index}]"))
    if len(target) != len(rows):
        raise InputError(
            f"X and y have different numbers of samples: X has {len(rows)}, y has {len(target)}"
        )
    return rows, target


def _invert(matrix: list[list[Fraction]]) -> list[list[Fraction]]:
    """Gauss–Jordan inversion in rationals; a zero pivot means the problem is singular."""
    size = len(matrix)
    work = [row[:] + [Fraction(int(a == c)) for c in range(size)] for a, row in enumerate(matrix)]
    for col in range(size):
        pivot = next((r for r in range(col, size) if work[r][col] != 0), None)
        if pivot is None:
            raise SingularProblemError(
                f"the columns of X are linearly dependent: column {col} is a combination "
                "of the others (or constant, with an intercept)"
            )
        work[col], work[pivot] = work[pivot], work[col]
        lead = work[col][col]
        work[col] = [v / lead for v in work[col]]
        for r in range(size):
            if r != col and work[r][col] != 0:
                factor = work[r][col]
                work[r] = [v - factor * u for v, u in zip(work[r], work[col])]
    return [row[size:] for row in work]


def _sqrt(value: Fraction) -> Decimal:
    context = Context(prec=EXACT_DIGITS + 5)
    root = context.sqrt(context.divide(Decimal(value.numerator), Decimal(value.denominator)))
    return Context(prec=EXACT_DIGITS).plus(root)


def _check_count(n: int, k: int) -> None:
    if n < k:
        raise SingularProblemError(
            f"{n} points cannot determine {k} parameters: at least {k} are needed"
        )
