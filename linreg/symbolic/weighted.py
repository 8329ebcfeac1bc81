r"""The weighted loss of the line: $E_\omega$, its partials and Hessian, derived.

Only the loss is typed in: each point weighs $\omega_i \ge 0$ and the error is their
weighted mean,

$$E_\omega(m, b) = \frac{\sum_{i=1}^N \omega_i\bigl(y_i - (m x_i + b)\bigr)^2}
{\sum_{i=1}^N \omega_i};$$

`sympy.diff` does the rest. With every $\omega_i = 1$ it is the livestream's $E$; with
integer weights, $E$ of the points repeated. The numeric twins are
`linreg.weighted_loss`'s, and the registry `linreg.symbolic.TWINS` holds them together.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import sympy as sp

from linreg.errors import InputError
from linreg.symbolic.symbols import N, b, i, m, x, y
from linreg.validate import as_features, check_features_target, check_sample_weight, too_large

__all__ = [
    "omega",
    "weighted_mse_expr",
    "weighted_mse_fn",
    "weighted_mse_gradient_fn",
    "weighted_mse_hessian_expr",
    "weighted_mse_hessian_fn",
    "weighted_mse_partials",
]

#: The points' weights $\omega_i$.
omega = sp.IndexedBase("omega")
_total = sp.Sum(omega[i], (i, 1, N))
#: $E_\omega = \sum_i \omega_i (y_i - (m x_i + b))^2 / \sum_i \omega_i$.
weighted_mse_expr: sp.Expr = sp.Sum(omega[i] * (y[i] - (m * x[i] + b)) ** 2, (i, 1, N)) / _total
#: $(\partial E_\omega/\partial m,\ \partial E_\omega/\partial b)$, by `sympy.diff`.
weighted_mse_partials: tuple[sp.Expr, sp.Expr] = (
    sp.diff(weighted_mse_expr, m),
    sp.diff(weighted_mse_expr, b),
)
#: The 2×2 Hessian of $E_\omega$ in $(m, b)$: $\frac{2}{\sum\omega}$ times the weighted
#: sums $\sum\omega x^2, \sum\omega x, \sum\omega$.
weighted_mse_hessian_expr: sp.Matrix = sp.hessian(weighted_mse_expr, (m, b)).applyfunc(
    lambda entry: sp.simplify(entry.replace(lambda t: isinstance(t, sp.Sum), sp.factor_terms))
)

_args = (x, y, omega, m, b, N)
_mse = sp.lambdify(_args, weighted_mse_expr, modules="numpy")
_partials = sp.lambdify(_args, list(weighted_mse_partials), modules="numpy")
_hessian = sp.lambdify(_args, weighted_mse_hessian_expr, modules="numpy")


def _one_based(column: Any) -> Any:
    """The sums run over i = 1..N: one unused leading entry for numpy's 0."""
    return np.concatenate(([np.nan], column))


def _values(X_: Any, y_: Any, w_: Any, b_: float, weights_: Any) -> tuple[Any, ...]:
    features, target = check_features_target(X_, y_)
    if features.shape[1] != 1:
        raise InputError("the sum form is the one-feature line: X must have one column")
    omega_ = check_sample_weight(weights_, len(target))
    slope = float(np.asarray(w_, dtype=np.float64).reshape(-1)[0])
    with np.errstate(over="ignore", invalid="ignore"):
        if not np.isfinite(np.sum(omega_ * (target - slope * features[:, 0] - b_) ** 2)):
            raise too_large("a square or product")
    column, n = features[:, 0], len(target)
    return _one_based(column), _one_based(target), _one_based(omega_), slope, float(b_), n


def _finite(value: Any) -> Any:
    parts = value if isinstance(value, tuple) else (value,)
    if not all(np.all(np.isfinite(np.asarray(part, dtype=np.float64))) for part in parts):
        raise too_large("a square or product")
    return value


def weighted_mse_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float, weights_: npt.ArrayLike
) -> float:
    """`weighted_mse_expr` evaluated: the twin of `linreg.weighted_loss.weighted_mse`."""
    with np.errstate(over="ignore", invalid="ignore"):
        return float(_finite(_mse(*_values(X_, y_, w_, b_, weights_))))


def weighted_mse_gradient_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float, weights_: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], float]:
    """`weighted_mse_partials` evaluated: the twin of `weighted_mse_gradient`."""
    with np.errstate(over="ignore", invalid="ignore"):
        d_m, d_b = _finite(tuple(_partials(*_values(X_, y_, w_, b_, weights_))))
    return np.array([float(d_m)]), float(d_b)


def weighted_mse_hessian_fn(X_: npt.ArrayLike, weights_: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """`weighted_mse_hessian_expr` evaluated: the twin of `weighted_mse_hessian`."""
    features = as_features(X_)
    zeros = np.zeros(features.shape[0])
    with np.errstate(over="ignore", invalid="ignore"):
        if not np.isfinite(np.sum(features**2)):
            raise too_large("a square or product")
        args = _values(features, zeros, [0.0], 0.0, weights_)
        return np.asarray(_finite(_hessian(*args)), dtype=np.float64)
