r"""Each expression as a numeric function, with the signature of its numeric twin.

sympy's `lambdify` turns an expression into numpy (or math) code; the functions here
take the same arguments as their twins in `linreg.loss` and `linreg.moments`
(``X, y, w, b`` and, for ridge, ``alpha``) and return the same shapes, so a test can
call both sides alike. Where float64 overflows they raise `linreg.errors.InputError`,
never inf or NaN. The sum form holds for one feature; the matrix form for any number.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt
import sympy as sp

from linreg.errors import InputError
from linreg.symbolic import line, matrix, optimum
from linreg.symbolic import symbols as s
from linreg.symbolic.stability import step_bounds
from linreg.validate import as_features, check_features_target, too_large

__all__ = [
    "certificate_fn",
    "certificate_matrix_fn",
    "learning_rate_bound",
    "loss_gap_fn",
    "mse_fn",
    "mse_gradient_fn",
    "mse_gradient_moments_fn",
    "mse_hessian_fn",
    "mse_matrix_fn",
    "mse_matrix_gradient_fn",
    "mse_matrix_hessian_fn",
    "mse_moments_fn",
    "ridge_bound_fn",
    "ridge_gradient_moments_fn",
    "ridge_matrix_fn",
    "ridge_matrix_gradient_fn",
    "ridge_matrix_hessian_fn",
    "ridge_moments_fn",
    "solution_fn",
    "step_bound_fn",
]

FloatArray = npt.NDArray[np.float64]
_F = TypeVar("_F", bound=Callable[..., Any])


def _finite_or_refused(function: _F) -> _F:
    """A lambdified twin raises InputError where float64 overflows, never inf or NaN."""

    @functools.wraps(function)
    def guarded(*args: Any) -> Any:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            try:
                value = function(*args)
            except (FloatingPointError, OverflowError, ZeroDivisionError):
                raise too_large("a square or product") from None
        parts = value if isinstance(value, tuple) else (value,)
        if not all(np.isfinite(part).all() for part in parts):
            raise too_large("a square or product")
        return value

    return cast(_F, guarded)


# --- the sum form: one feature ----------------------------------------------------------------

_sum_args = (s.x, s.y, s.m, s.b, s.N)
_mse_sum = sp.lambdify(_sum_args, line.mse_expr, modules="numpy")
_partials_sum = sp.lambdify(_sum_args, list(line.mse_partials), modules="numpy")
_hessian_sum = sp.lambdify(_sum_args, line.mse_hessian_expr, modules="numpy")


def _one_based(column: FloatArray) -> FloatArray:
    # The sums run over i = 1..N as in the textbooks; numpy indexes from 0, so the
    # lambdified code gets one unused leading entry.
    return np.concatenate(([np.nan], column))


def _line(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, float]:
    """x, y and the slope m of the one-feature forms, checked."""
    features, target = check_features_target(X_, y_)
    if features.shape[1] != 1:
        raise InputError("the sum form is the one-feature line: X must have one column")
    return features[:, 0], target, float(np.asarray(w_, dtype=np.float64).reshape(-1)[0])


def _line_args(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float
) -> tuple[FloatArray, FloatArray, float, float, int]:
    x_, target, slope = _line(X_, y_, w_)
    return _one_based(x_), _one_based(target), slope, float(b_), len(target)


@_finite_or_refused
def mse_fn(X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float) -> float:
    """`mse_expr` evaluated numerically: the symbolic twin of `linreg.loss.mse` (one feature)."""
    return float(_mse_sum(*_line_args(X_, y_, w_, b_)))


@_finite_or_refused
def mse_gradient_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float
) -> tuple[FloatArray, float]:
    """`mse_partials` evaluated: the twin of `linreg.loss.mse_gradient` (one feature)."""
    d_m, d_b = _partials_sum(*_line_args(X_, y_, w_, b_))
    return np.array([float(d_m)]), float(d_b)


@_finite_or_refused
def mse_hessian_fn(X_: npt.ArrayLike) -> FloatArray:
    """`mse_hessian_expr` evaluated: the twin of `linreg.loss.mse_hessian` (one feature)."""
    features = as_features(X_)
    args = _line_args(features, np.zeros(len(features)), [0.0], 0.0)
    return np.asarray(_hessian_sum(*args), dtype=np.float64)


@_finite_or_refused
def learning_rate_bound(X_: npt.ArrayLike) -> float:
    r"""The largest stable learning rate $2/\lambda_{\max}$, from the symbolic Hessian.

    Parameters
    ----------
    X_ : array_like of shape (n_samples, n_features)

    Returns
    -------
    float
        For one feature, `learning_rate_bound_expr` evaluated on the data's sums;
        for several, 2 over the largest eigenvalue of the lambdified matrix Hessian.

    See Also
    --------
    linreg.loss.learning_rate_bound : the numeric twin.

    Examples
    --------
    >>> from linreg.data import load_points
    >>> print(f"{learning_rate_bound(load_points()[:, :1]):.4e}")
    4.0130e-04
    """
    features = as_features(X_)
    if features.shape[1] == 1:
        column = features[:, 0]
        value = line.learning_rate_bound_expr.subs(
            {
                sp.Sum(s.x[s.i] ** 2, (s.i, 1, s.N)): sp.Float(float(column @ column), 30),
                sp.Sum(s.x[s.i], (s.i, 1, s.N)): sp.Float(float(column.sum()), 30),
                s.N: len(column),
            }
        )
        return float(value)
    return 2.0 / float(np.linalg.eigvalsh(mse_matrix_hessian_fn(features))[-1])


# --- the statistics' form: one feature, from means and co-moments ------------------------------

_moment_args = (s.m, s.b, s.N, s.x_bar, s.y_bar, s.C_xx, s.C_xy, s.C_yy, s.alpha)


def _in_moments(expr: Any) -> Any:
    """``expr`` (or each of a tuple of them) compiled in (m, b, N, x̄, ȳ, Cxx, Cxy, Cyy, α)."""
    return sp.lambdify(_moment_args, list(expr) if isinstance(expr, tuple) else expr, "math")


_mse_moments = _in_moments(line.mse_in_moments)
_partials_moments = _in_moments(line.mse_partials_in_moments)
_ridge_moments = _in_moments(optimum.ridge_in_moments)
_ridge_partials_moments = _in_moments(optimum.ridge_partials_in_moments)
_solution = optimum.normal_equations_solution
_solution_moments = _in_moments((_solution[s.m], _solution[s.b]))
_certificate_moments = _in_moments(tuple(optimum.certificate_expr))
_loss_gap_moments = _in_moments(optimum.loss_gap_expr)


def _moment_values(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float, alpha_: float = 0.0
) -> tuple[float, ...]:
    # Statistics computed directly (two passes), independently of linreg.moments.
    x_, y_c, slope = _line(X_, y_, w_)
    mx, my = float(x_.mean()), float(y_c.mean())
    xc, yc = x_ - mx, y_c - my
    n = len(y_c)
    return (
        slope,
        float(b_),
        n,
        mx,
        my,
        float(xc @ xc),
        float(xc @ yc),
        float(yc @ yc),
        float(alpha_),
    )


def _pair(d_m: Any, d_b: Any) -> tuple[FloatArray, float]:
    """(∂/∂m, ∂/∂b) as the numeric twins return them: ([d_m], d_b)."""
    return np.array([float(d_m)]), float(d_b)


@_finite_or_refused
def mse_moments_fn(X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float) -> float:
    """`mse_in_moments` evaluated: the symbolic twin of `linreg.moments.Moments.mse`."""
    return float(_mse_moments(*_moment_values(X_, y_, w_, b_)))


@_finite_or_refused
def mse_gradient_moments_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float
) -> tuple[FloatArray, float]:
    """`mse_partials_in_moments` evaluated: the twin of `Moments.mse_gradient`."""
    return _pair(*_partials_moments(*_moment_values(X_, y_, w_, b_)))


@_finite_or_refused
def ridge_moments_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float, alpha_: float
) -> float:
    """`ridge_in_moments` evaluated: the twin of `Moments.mse` with ``alpha``."""
    return float(_ridge_moments(*_moment_values(X_, y_, w_, b_, alpha_)))


@_finite_or_refused
def ridge_gradient_moments_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float, alpha_: float
) -> tuple[FloatArray, float]:
    """`ridge_partials_in_moments` evaluated: the twin of `Moments.mse_gradient` with ``alpha``."""
    return _pair(*_ridge_partials_moments(*_moment_values(X_, y_, w_, b_, alpha_)))


@_finite_or_refused
def solution_fn(X_: npt.ArrayLike, y_: npt.ArrayLike, alpha_: float) -> tuple[FloatArray, float]:
    """`normal_equations_solution` evaluated: $(m^*, b^*)$ for one feature."""
    return _pair(*_solution_moments(*_moment_values(X_, y_, [0.0], 0.0, alpha_)))


@_finite_or_refused
def certificate_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float, alpha_: float
) -> tuple[FloatArray, float]:
    """`certificate_expr` evaluated: $(m - m^*, b - b^*)$ from $H^{-1}\\nabla E_\\alpha$."""
    return _pair(*_certificate_moments(*_moment_values(X_, y_, w_, b_, alpha_)))


@_finite_or_refused
def loss_gap_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float, alpha_: float
) -> float:
    """`loss_gap_expr` evaluated: $E_\\alpha - E_\\alpha^*$."""
    return float(_loss_gap_moments(*_moment_values(X_, y_, w_, b_, alpha_)))


# --- the matrix form: any number of features ----------------------------------------------------

_point_args = (s.Z, s.y_vector, s.theta, s.N, s.alpha, s.P)


def _at_point(expr: Any) -> Callable[..., FloatArray]:
    """One wrapper for every matrix expression in (Z, y, θ, N, α, P): a function of
    ``(X, y, w, b, alpha=0)`` that checks them, forms Z = [X 1], θ = [w; b] and the
    penalty matrix P, and returns the expression's value flattened."""
    compiled = sp.lambdify(_point_args, expr, modules="numpy")

    def evaluate(
        X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float, alpha_: float = 0.0
    ) -> FloatArray:
        features, target = check_features_target(X_, y_)
        params = np.append(np.asarray(w_, dtype=np.float64), float(b_))[:, None]
        value = compiled(
            _augmented(features), target[:, None], params, len(target), float(alpha_),
            _penalty_matrix(features.shape[1]),
        )  # fmt: skip
        return np.asarray(value, dtype=np.float64).reshape(-1)

    return evaluate


def _of_features(expr: Any) -> Callable[..., FloatArray]:
    """The same for a Hessian, a function of the features alone: ``(X, alpha=0)``."""
    compiled = sp.lambdify((s.Z, s.N, s.alpha, s.P), expr, modules="numpy")

    def evaluate(X_: npt.ArrayLike, alpha_: float = 0.0) -> FloatArray:
        features = as_features(X_)
        value = compiled(
            _augmented(features), len(features), float(alpha_), _penalty_matrix(features.shape[1])
        )
        return np.asarray(value, dtype=np.float64)

    return evaluate


def _augmented(features: FloatArray) -> FloatArray:
    return np.column_stack([features, np.ones(len(features))])


def _penalty_matrix(n_features: int) -> FloatArray:
    return np.diag(np.append(np.ones(n_features), 0.0))


def _split(value: FloatArray) -> tuple[FloatArray, float]:
    """A gradient (or step) in θ as (part in w, part in b)."""
    return value[:-1], float(value[-1])


_mse_matrix = _at_point(matrix.mse_matrix_expr)
_gradient_matrix = _at_point(matrix.mse_matrix_gradient)
_ridge_matrix = _at_point(matrix.ridge_matrix_expr)
_ridge_gradient_matrix = _at_point(matrix.ridge_matrix_gradient)
_certificate_matrix = _at_point(matrix.certificate_matrix_expr)
_hessian_matrix = _of_features(matrix.mse_matrix_hessian)
_ridge_hessian_matrix = _of_features(matrix.ridge_matrix_hessian)


@_finite_or_refused
def mse_matrix_fn(X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float) -> float:
    """`mse_matrix_expr` evaluated: the n-feature twin of `linreg.loss.mse`."""
    return float(_mse_matrix(X_, y_, w_, b_)[0])


@_finite_or_refused
def mse_matrix_gradient_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float
) -> tuple[FloatArray, float]:
    """`mse_matrix_gradient` evaluated: the n-feature twin of `linreg.loss.mse_gradient`."""
    return _split(_gradient_matrix(X_, y_, w_, b_))


@_finite_or_refused
def mse_matrix_hessian_fn(X_: npt.ArrayLike) -> FloatArray:
    """`mse_matrix_hessian` evaluated: the n-feature twin of `linreg.loss.mse_hessian`."""
    return _hessian_matrix(X_)


@_finite_or_refused
def ridge_matrix_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float, alpha_: float
) -> float:
    """`ridge_matrix_expr` evaluated: the n-feature twin of `linreg.loss.mse` with ``alpha``."""
    return float(_ridge_matrix(X_, y_, w_, b_, alpha_)[0])


@_finite_or_refused
def ridge_matrix_gradient_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float, alpha_: float
) -> tuple[FloatArray, float]:
    """`ridge_matrix_gradient` evaluated: the twin of `linreg.loss.mse_gradient` with ``alpha``."""
    return _split(_ridge_gradient_matrix(X_, y_, w_, b_, alpha_))


@_finite_or_refused
def ridge_matrix_hessian_fn(X_: npt.ArrayLike, alpha_: float) -> FloatArray:
    """`ridge_matrix_hessian` evaluated: the twin of `linreg.loss.mse_hessian` with ``alpha``."""
    return _ridge_hessian_matrix(X_, alpha_)


@_finite_or_refused
def certificate_matrix_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float
) -> tuple[FloatArray, float]:
    """`certificate_matrix_expr` evaluated: $\\theta - \\theta^*$ for n features."""
    return _split(_certificate_matrix(X_, y_, w_, b_))


@_finite_or_refused
def ridge_bound_fn(X_: npt.ArrayLike, alpha_: float) -> float:
    """2/λ_max of the lambdified ridge Hessian: the twin of `linreg.loss.learning_rate_bound`."""
    return 2.0 / float(np.linalg.eigvalsh(ridge_matrix_hessian_fn(X_, alpha_))[-1])


_bounds = {
    name: sp.lambdify((s.eta, s.mu, s.lam), bound, "math") for name, bound in step_bounds.items()
}


def step_bound_fn(method: str) -> Callable[[npt.ArrayLike, float], float]:
    """`step_bounds[method]` at λ_max of the lambdified Hessian, as a function of (X, μ)."""

    @_finite_or_refused
    def bound(X_: npt.ArrayLike, momentum_: float) -> float:
        top = float(np.linalg.eigvalsh(mse_matrix_hessian_fn(X_))[-1])
        return float(_bounds[method](1.0, momentum_, top))

    bound.__name__ = f"{method}_bound"
    return bound
