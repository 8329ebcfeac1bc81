r"""The closed-form least-squares optimum: careful floating point, and exact rationals.

The livestream says the best line "can be computed with simple algebra". It is the
solution of the normal equations $Z^\top Z\,\theta = Z^\top y$ with $Z = [X\ \mathbf 1]$,
but solving those in floating point squares the condition number, so this module never
does. Float mode factors the centred, column-scaled features by QR, then refines the
solution against the *original* data, with the residual and $Z^\top r$ computed in
double-double arithmetic (error-free transformations), until the correction stops
shrinking. Exact mode reads decimal strings exactly and solves the normal equations in
rational arithmetic, so its coefficients are the exact least-squares solution of the
data as written.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Context, Decimal
from fractions import Fraction
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from linreg.data import NistDataset, check_features_target, parse_number
from linreg.errors import InputError, SingularProblemError
from linreg.moments import Moments

__all__ = [
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
_MAX_REFINEMENTS = 10


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


def least_squares(
    X: Any, y: Any = None, *, fit_intercept: bool = True, exact: bool = False
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
        roots to 40 significant digits (Decimals).

    Returns
    -------
    LeastSquaresResult

    Raises
    ------
    InputError
        Bad shapes or values (non-numeric, NaN, infinite).
    SingularProblemError
        Fewer points than parameters, or a constant or linearly dependent column.

    Notes
    -----
    The optimum solves $Z^\top Z\,\theta = Z^\top y$ (the gradient of the MSE set to
    zero), $\theta = [w; b]$. Standard errors are
    $\sqrt{\hat\sigma^2\,[(Z^\top Z)^{-1}]_{jj}}$ with
    $\hat\sigma^2 = SSR/(N - k)$.

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
    if isinstance(X, Moments):
        if y is not None or exact:
            raise InputError("from Moments: pass y=None, and exact mode needs the data")
        return _guarded(_solve_moments, X, bool(fit_intercept))
    if y is None:
        raise InputError("y is required when X is an array")
    if exact:
        rows, target = _exact_inputs(X, y)
        return _solve_exact(rows, target, bool(fit_intercept))
    features, values = check_features_target(X, y)
    return _guarded(_solve_float, features, values, bool(fit_intercept))


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
        rows, target = _exact_inputs(column, y)
        powers = [[row[0] ** k for k in range(1, int(degree) + 1)] for row in rows]
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


def _solve_float(
    A: FloatArray, y: FloatArray, fit_intercept: bool, A_low: FloatArray | None = None
) -> LeastSquaresResult[Any]:
    """Float mode. ``A + A_low`` is the design in double-double (``A_low`` the rounding
    error of each entry, for designs such as powers that float64 cannot hold exactly)."""
    n, p = A.shape
    k = p + int(fit_intercept)
    _check_count(n, k)
    shift = A.mean(axis=0) if fit_intercept else np.zeros(p)
    centred = A - shift
    scale = np.sqrt(np.einsum("ij,ij->j", centred, centred))
    for j in np.flatnonzero(scale == 0.0):
        what = "constant" if fit_intercept else "all zeros"
        raise SingularProblemError(
            f"column {j} of X is {what} (or its spread underflows float64): "
            "its weight is not determined"
        )
    q, r = np.linalg.qr(centred / scale)
    diagonal = np.abs(np.diag(r))
    if diagonal.min() <= diagonal.max() * max(n, p) * np.finfo(float).eps:
        raise SingularProblemError(
            "the columns of X are linearly dependent (to working precision): "
            f"column {int(np.argmin(diagonal))} is a combination of the others"
        )

    def correction(grad: FloatArray, grad_b: float) -> tuple[FloatArray, float]:
        # Solve the normal equations for a correction, Zᵀ Z [δ; δb] = [g; g_b], with
        # the QR of the centred, scaled columns: Acᵀ Ac = D Rᵀ R D, δb = (g_b/N) − x̄·δ.
        rhs = (grad - shift * grad_b) / scale
        delta = np.linalg.solve(r, np.linalg.solve(r.T, rhs)) / scale
        return delta, (grad_b / n - float(shift @ delta)) if fit_intercept else 0.0

    # A first solution from the QR, then refinement against the original data: the
    # residual r and Zᵀr in double-double, corrections from the same factorisation
    # (the corrected semi-normal equations), until the correction stops mattering.
    y_mean = float(y.mean()) if fit_intercept else 0.0
    coef = np.linalg.solve(r, q.T @ (y - y_mean)) / scale
    intercept = y_mean - float(shift @ coef) if fit_intercept else 0.0
    residual = _residual_dd(A, A_low, y, coef, intercept)
    for _ in range(_MAX_REFINEMENTS):
        grad = np.array(
            [
                _dot_exact(A[:, j], None if A_low is None else A_low[:, j], residual)
                for j in range(p)
            ]
        )
        grad_b = math.fsum(np.concatenate(residual)) if fit_intercept else 0.0
        delta, delta_b = correction(grad, grad_b)
        coef, intercept = coef + delta, intercept + delta_b
        residual = _residual_dd(A, A_low, y, coef, intercept)
        if np.all(np.abs(delta) <= 1e-17 * np.abs(coef)) and abs(delta_b) <= 1e-17 * abs(intercept):
            break

    r_hi, r_lo = residual
    ssr = math.fsum(r_hi * r_hi) + 2.0 * float(r_hi @ r_lo)
    dof = n - k
    total = math.fsum((y - y_mean) ** 2) if fit_intercept else math.fsum(y * y)
    inverse_r = np.linalg.solve(r, np.eye(p))
    # diag((Acᵀ Ac)⁻¹) = Σ_k (R⁻¹)_jk² / d_j²
    unscaled_var = np.einsum("jk,jk->j", inverse_r, inverse_r) / scale**2
    var_intercept = 0.0
    if fit_intercept:
        u = inverse_r.T @ (shift / scale)
        var_intercept = 1.0 / n + float(u @ u)
    return _float_result(coef, intercept, ssr, total, n, dof, unscaled_var, var_intercept)


def _float_result(
    coef: FloatArray,
    intercept: float,
    ssr: float,
    total: float,
    n: int,
    dof: int,
    unscaled_var: FloatArray,
    var_intercept: float,
) -> LeastSquaresResult[Any]:
    """The statistics from SSR and the diagonal of (ZᵀZ)⁻¹ (its b entry apart)."""
    sigma = math.sqrt(ssr / dof) if dof > 0 else None
    return LeastSquaresResult(
        coef=coef,
        intercept=float(intercept),
        coef_stderr=None if sigma is None else sigma * np.sqrt(unscaled_var),
        intercept_stderr=None if sigma is None else sigma * math.sqrt(var_intercept),
        residual_std=sigma,
        r_squared=1.0 - ssr / total if total > 0 else 1.0,
        mse=ssr / n,
        n_samples=n,
        dof=dof,
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


def _solve_moments(stats: Moments, fit_intercept: bool) -> LeastSquaresResult[Any]:
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
    scale = np.sqrt(np.diag(gram))
    for j in np.flatnonzero(scale == 0.0):
        what = "constant" if fit_intercept else "all zeros"
        raise SingularProblemError(
            f"column {j} of X is {what} (or its spread underflows float64): "
            "its weight is not determined"
        )
    correlation = gram / np.outer(scale, scale)
    eigenvalues = np.linalg.eigvalsh(correlation)
    if eigenvalues[0] <= eigenvalues[-1] * p * 1e3 * np.finfo(float).eps:
        raise SingularProblemError("the columns of X are linearly dependent (to working precision)")
    inverse = np.linalg.inv(correlation) / np.outer(scale, scale)
    coef = inverse @ moment
    intercept = stats.mean_y - float(stats.mean_x @ coef) if fit_intercept else 0.0
    ssr = max(total - float(coef @ moment), 0.0)
    dof = n - k
    var_intercept = 1.0 / n + float(stats.mean_x @ inverse @ stats.mean_x) if fit_intercept else 0.0
    return _float_result(coef, intercept, ssr, total, n, dof, np.diag(inverse), var_intercept)


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


def _residual_dd(
    A: FloatArray, A_low: FloatArray | None, y: FloatArray, coef: FloatArray, intercept: float
) -> tuple[FloatArray, FloatArray]:
    """y − (A + A_low)·coef − intercept as a double-double pair (hi, lo) per entry."""
    total, error = y.copy(), np.zeros_like(y)
    for j in range(A.shape[1]):
        product, product_error = _two_product(A[:, j], -coef[j])
        total, sum_error = _two_sum(total, product)
        error += sum_error + product_error
        if A_low is not None:
            error -= A_low[:, j] * coef[j]
    total, sum_error = _two_sum(total, -intercept)
    return _two_sum(total, error + sum_error)


def _dot_exact(a: FloatArray, a_low: FloatArray | None, r: tuple[FloatArray, FloatArray]) -> float:
    """(a + a_low)·(r_hi + r_lo), correctly rounded up to the tiny a_low·r_lo terms."""
    r_hi, r_lo = r
    product, error = _two_product(a, r_hi)
    parts = [product, error, a * r_lo]
    if a_low is not None:
        parts.append(a_low * r_hi)
    return math.fsum(np.concatenate(parts))


# --- exact mode -----------------------------------------------------------------------------


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
        return Fraction(value)
    if isinstance(value, str):
        try:
            parsed = parse_number(value, exact=True)
        except ValueError as problem:
            raise InputError(f"{name}: {problem}") from None
        assert isinstance(parsed, Fraction)
        return parsed
    raise InputError(f"{name} must hold numbers (str, int, Fraction, float), got {value!r}")


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


def _solve_exact(
    rows: list[list[Fraction]], y: list[Fraction], fit_intercept: bool
) -> LeastSquaresResult[Any]:
    n, p = len(rows), len(rows[0])
    design = [[*row, Fraction(1)] for row in rows] if fit_intercept else rows
    k = len(design[0])
    _check_count(n, k)
    gram = [[sum((r[a] * r[c] for r in design), Fraction(0)) for c in range(k)] for a in range(k)]
    moment = [sum((r[a] * t for r, t in zip(design, y)), Fraction(0)) for a in range(k)]
    inverse = _invert(gram)
    theta = [sum((inverse[a][c] * moment[c] for c in range(k)), Fraction(0)) for a in range(k)]
    residual = [
        t - sum((r[a] * theta[a] for a in range(k)), Fraction(0)) for r, t in zip(design, y)
    ]
    ssr = sum((e * e for e in residual), Fraction(0))
    if fit_intercept:
        mean = sum(y, Fraction(0)) / n
        total = sum(((t - mean) ** 2 for t in y), Fraction(0))
    else:
        total = sum((t * t for t in y), Fraction(0))
    dof = n - k
    variance = ssr / dof if dof > 0 else None
    stderr = None if variance is None else [_sqrt(variance * inverse[a][a]) for a in range(k)]
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
    )


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
