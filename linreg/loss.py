r"""The mean squared error, its gradient and its Hessian, vectorised with numpy.

For X of shape (n_samples, n_features), weights $w$ and intercept $b$, the prediction is
$\hat y = Xw + b$ and the loss is

$$E(w, b) = \frac{1}{N}\,\lVert y - Xw - b\mathbf 1\rVert^2 .$$

Each function here has a symbolic twin in `linreg.symbolic`, derived by sympy, and a
point-by-point twin in `linreg.livestream`; the tests hold the three together.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from linreg.data import as_features, as_scalar, as_target, check_features_target
from linreg.errors import InputError

__all__ = ["learning_rate_bound", "mse", "mse_gradient", "mse_hessian"]

FloatArray = npt.NDArray[np.float64]


def mse(X: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike, b: float) -> float:
    r"""Mean squared error of the linear model $\hat y = Xw + b$.

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

    Returns
    -------
    float
        $E = \frac{1}{N}\sum_{i=1}^{N} (y_i - x_i^\top w - b)^2$.

    Raises
    ------
    InputError
        Shapes that do not match, or non-finite values.

    See Also
    --------
    linreg.symbolic.mse_expr : the symbolic twin.
    linreg.livestream.compute_error_for_line_given_points : the point-by-point twin.

    Examples
    --------
    >>> mse([[1.0], [3.0]], [2.0, 4.0], [1.0], 0.0)
    1.0
    """
    features, target, weights, intercept = _checked(X, y, w, b)
    return _mse(features, target, weights, intercept)


def mse_gradient(
    X: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike, b: float
) -> tuple[FloatArray, float]:
    r"""Gradient of the mean squared error with respect to $w$ and $b$.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,)
    w : array_like of shape (n_features,)
    b : float

    Returns
    -------
    grad_w : numpy.ndarray of shape (n_features,)
        $\nabla_w E = -\frac{2}{N} X^\top (y - Xw - b)$.
    grad_b : float
        $\partial E/\partial b = -\frac{2}{N} \sum_i (y_i - x_i^\top w - b)$.

    Raises
    ------
    InputError
        Shapes that do not match, or non-finite values.

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
    features, target, weights, intercept = _checked(X, y, w, b)
    return _gradient(features, target, weights, intercept)


def mse_hessian(X: npt.ArrayLike) -> FloatArray:
    r"""Hessian of the mean squared error in the parameters $(w, b)$.

    The MSE is quadratic in the parameters, so its Hessian does not depend on them
    (nor on $y$): it is a property of the features alone.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)

    Returns
    -------
    numpy.ndarray of shape (n_features + 1, n_features + 1)
        $H = \frac{2}{N} Z^\top Z$ with $Z = [X\ \mathbf 1]$; the last row and column
        belong to $b$.

    See Also
    --------
    linreg.symbolic.mse_hessian_expr : the symbolic twin.

    Examples
    --------
    >>> mse_hessian([[1.0], [3.0]])
    array([[10.,  4.],
           [ 4.,  2.]])
    """
    return _hessian(as_features(X))


def learning_rate_bound(X: npt.ArrayLike) -> float:
    r"""The largest stable fixed learning rate for gradient descent on these features.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)

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
    return _bound(_hessian(as_features(X)))


# --- unchecked kernels, for the loops in linreg.descent ---------------------------------


def _residual(X: FloatArray, y: FloatArray, w: FloatArray, b: float) -> FloatArray:
    # r = y - (Xw + b)
    return y - (X @ w + b)


def _mse(X: FloatArray, y: FloatArray, w: FloatArray, b: float) -> float:
    r = _residual(X, y, w, b)
    # E = (1/N) r·r
    return float(r @ r) / float(y.shape[0])


def _gradient(X: FloatArray, y: FloatArray, w: FloatArray, b: float) -> tuple[FloatArray, float]:
    r = _residual(X, y, w, b)
    scale = -2.0 / y.shape[0]
    # ∇w E = -(2/N) Xᵀ r ,  ∂E/∂b = -(2/N) Σ r
    return scale * (X.T @ r), scale * float(r.sum())


def _hessian(X: FloatArray) -> FloatArray:
    n_samples, n_features = X.shape
    hessian = np.empty((n_features + 1, n_features + 1))
    # H = (2/N) [X 1]ᵀ[X 1], assembled by blocks so no column of ones is allocated
    hessian[:n_features, :n_features] = X.T @ X
    hessian[:n_features, n_features] = hessian[n_features, :n_features] = X.sum(axis=0)
    hessian[n_features, n_features] = n_samples
    hessian *= 2.0 / n_samples
    return hessian


def _bound(hessian: FloatArray) -> float:
    return 2.0 / float(np.linalg.eigvalsh(hessian)[-1])


def _checked(
    X: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike, b: float
) -> tuple[FloatArray, FloatArray, FloatArray, float]:
    features, target = check_features_target(X, y)
    weights = as_target(w, name="w")
    if weights.shape[0] != features.shape[1]:
        raise InputError(f"w has {weights.shape[0]} weights but X has {features.shape[1]} features")
    return features, target, weights, as_scalar(b, "b")
