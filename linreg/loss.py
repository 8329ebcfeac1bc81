r"""The mean squared error (and its ridge form), gradient and Hessian, vectorised with numpy.

For X of shape (n_samples, n_features), weights $w$ and intercept $b$, the prediction is
$\hat y = Xw + b$ and the loss is

$$E_\alpha(w, b) = \frac{1}{N}\,\lVert y - Xw - b\mathbf 1\rVert^2 + \alpha\lVert w\rVert^2,$$

with $\alpha = 0$ (the livestream's MSE) unless ridge is asked for; the intercept is never
penalised. Each function here has a symbolic twin in `linreg.symbolic`, derived by sympy,
and a point-by-point twin in `linreg.livestream`; the tests hold the three together.
One kernel, `loss_and_gradient`, computes the loss and gradient that every data-form loop
in `linreg.descent` runs, so the twin tests cover the code that descends.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from linreg.errors import InputError
from linreg.validate import (
    as_features,
    as_scalar,
    as_weights,
    check_alpha,
    check_features_target,
    too_large,
)

__all__ = [
    "checked_line",
    "learning_rate_bound",
    "loss_and_gradient",
    "mse",
    "mse_gradient",
    "mse_hessian",
]

FloatArray = npt.NDArray[np.float64]

#: The message for data whose squared error overflows float64 (`linreg.validate.too_large`).
TOO_LARGE = str(too_large("the squared error"))


def mse(
    X: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike, b: float, alpha: float = 0.0
) -> float:
    r"""Mean squared error of the linear model $\hat y = Xw + b$ (plus the ridge penalty).

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
        Features $X$; one feature is a single column.
    y : array_like of shape (n_samples,)
        Targets $y$.
    w : array_like of shape (n_features,)
        Weights $w$ (the slope $m$ when there is one feature).
    b : float
        Intercept $b$.
    alpha : float, default 0.0
        Ridge strength $\alpha \ge 0$.

    Returns
    -------
    float
        $E = \frac{1}{N}\sum_{i=1}^{N} (y_i - x_i^\top w - b)^2 + \alpha\lVert w\rVert^2$.

    Raises
    ------
    InputError
        Shapes that do not match, non-finite values, a negative alpha, or data so large
        that the squares overflow float64.

    See Also
    --------
    linreg.symbolic.mse_expr : the symbolic twin.
    linreg.livestream.compute_error_for_line_given_points : the point-by-point twin.

    Examples
    --------
    >>> mse([[1.0], [3.0]], [2.0, 4.0], [1.0], 0.0)
    1.0
    >>> mse([[1.0], [3.0]], [2.0, 4.0], [1.0], 0.0, alpha=0.5)
    1.5
    """
    return loss_and_gradient(X, y, w, b, alpha)[0]


def mse_gradient(
    X: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike, b: float, alpha: float = 0.0
) -> tuple[FloatArray, float]:
    r"""Gradient of the mean squared error (plus ridge) with respect to $w$ and $b$.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,)
    w : array_like of shape (n_features,)
    b : float
    alpha : float, default 0.0
        Ridge strength $\alpha \ge 0$.

    Returns
    -------
    grad_w : numpy.ndarray of shape (n_features,)
        $\nabla_w E = -\frac{2}{N} X^\top (y - Xw - b) + 2\alpha w$.
    grad_b : float
        $\partial E/\partial b = -\frac{2}{N} \sum_i (y_i - x_i^\top w - b)$.

    Raises
    ------
    InputError
        As `mse`.

    See Also
    --------
    linreg.symbolic.mse_partials : the symbolic twin.
    linreg.livestream.step_gradient : the point-by-point twin.

    Examples
    --------
    >>> grad_w, grad_b = mse_gradient([[1.0], [3.0]], [2.0, 4.0], [0.0], 0.0)
    >>> grad_w, grad_b
    (array([-14.]), -6.0)
    """
    _, grad_w, grad_b = loss_and_gradient(X, y, w, b, alpha)
    return grad_w, grad_b


def loss_and_gradient(
    X: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike, b: float, alpha: Any = 0.0
) -> tuple[float, FloatArray, float]:
    r"""The loss and its gradient together, from one residual: what descent evaluates.

    Parameters
    ----------
    X, y, w, b
        As `mse`.
    alpha : float, default 0.0
        Ridge strength $\alpha \ge 0$.

    Returns
    -------
    (loss, grad_w, grad_b)
        As `mse` and `mse_gradient`.

    Raises
    ------
    InputError
        As `mse`.

    Examples
    --------
    >>> loss_and_gradient([[1.0], [3.0]], [2.0, 4.0], [0.0], 0.0)
    (10.0, array([-14.]), -6.0)
    """
    features, target, weights, intercept = checked_line(X, y, w, b)
    penalty = check_alpha(alpha)
    with np.errstate(over="raise", invalid="raise"):
        try:
            return _loss_and_gradient(features, target, weights, intercept, penalty)
        except FloatingPointError:
            raise InputError(TOO_LARGE) from None


def mse_hessian(X: npt.ArrayLike, alpha: float = 0.0) -> FloatArray:
    r"""Hessian of the mean squared error (plus ridge) in the parameters $(w, b)$.

    The loss is quadratic in the parameters, so its Hessian does not depend on them
    (nor on $y$): it is a property of the features alone.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    alpha : float, default 0.0
        Ridge strength $\alpha \ge 0$.

    Returns
    -------
    numpy.ndarray of shape (n_features + 1, n_features + 1)
        $H = \frac{2}{N} Z^\top Z + 2\alpha\,\mathrm{diag}(1, \dots, 1, 0)$ with
        $Z = [X\ \mathbf 1]$; the last row and column belong to $b$.

    Raises
    ------
    InputError
        Bad features, a negative alpha, or features whose squares overflow.

    See Also
    --------
    linreg.symbolic.mse_hessian_expr : the symbolic twin.

    Examples
    --------
    >>> mse_hessian([[1.0], [3.0]])
    array([[10.,  4.],
           [ 4.,  2.]])
    """
    features = as_features(X)
    penalty = check_alpha(alpha)
    with np.errstate(over="raise", invalid="raise"):
        try:
            return _hessian(features, penalty)
        except FloatingPointError:
            raise InputError(TOO_LARGE) from None


def learning_rate_bound(X: npt.ArrayLike, alpha: float = 0.0) -> float:
    r"""The largest stable fixed learning rate for gradient descent on these features.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    alpha : float, default 0.0
        Ridge strength $\alpha \ge 0$.

    Returns
    -------
    float
        $2/\lambda_{\max}(H)$: gradient descent with a fixed step $\eta$ converges from
        every start exactly when $0 < \eta < 2/\lambda_{\max}$.

    See Also
    --------
    linreg.symbolic.learning_rate_bound : the same bound from the symbolic Hessian.

    Examples
    --------
    >>> from linreg.data import load_points
    >>> print(f"{learning_rate_bound(load_points()[:, :1]):.4e}")
    4.0130e-04
    """
    return 2.0 / float(np.linalg.eigvalsh(mse_hessian(X, alpha))[-1])


# --- unchecked kernels, for the loops in linreg.descent ---------------------------------


def _loss_and_gradient(
    X: FloatArray, y: FloatArray, w: FloatArray, b: float, penalty: Any
) -> tuple[float, FloatArray, float]:
    """The kernel. ``penalty`` is α, or one α_j per feature (standardized coordinates)."""
    # r = y − (Xw + b)
    r = y - (X @ w + b)
    scale = -2.0 / y.shape[0]
    # E = (1/N) r·r + Σ α_j w_j²
    loss = float(r @ r) / float(y.shape[0]) + float(np.sum(penalty * w * w))
    # ∇w E = −(2/N) Xᵀr + 2αw ,  ∂E/∂b = −(2/N) Σ r
    return loss, scale * (X.T @ r) + 2.0 * penalty * w, scale * float(r.sum())


def _hessian(X: FloatArray, penalty: Any = 0.0) -> FloatArray:
    n_samples, n_features = X.shape
    hessian = np.empty((n_features + 1, n_features + 1))
    # H = (2/N) [X 1]ᵀ[X 1] + 2 diag(α, 0), assembled by blocks (no column of ones)
    hessian[:n_features, :n_features] = X.T @ X
    hessian[:n_features, n_features] = hessian[n_features, :n_features] = X.sum(axis=0)
    hessian[n_features, n_features] = n_samples
    hessian *= 2.0 / n_samples
    hessian[:n_features, :n_features] += np.diag(2.0 * np.broadcast_to(penalty, (n_features,)))
    return hessian


#: The ridge check, under the name `linreg.descent` imports (`linreg.validate.check_alpha`).
_check_alpha = check_alpha


def checked_line(
    X: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike, b: float
) -> tuple[FloatArray, FloatArray, FloatArray, float]:
    """X, y, w and b checked, as float64: one weight per column of X."""
    features, target = check_features_target(X, y)
    return features, target, as_weights(w, features.shape[1]), as_scalar(b, "b")
