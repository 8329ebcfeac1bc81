r"""The weighted mean squared error, its gradient and Hessian, vectorised with numpy.

With per-sample weights $\omega_i \ge 0$, $W = \sum_i \omega_i$ and $r = y - Xw - b$,

$$E_\omega(w, b) = \frac1W\sum_i \omega_i r_i^2,\qquad
\nabla_w E_\omega = -\frac2W X^\top(\omega\circ r),\qquad
\frac{\partial E_\omega}{\partial b} = -\frac2W\sum_i\omega_i r_i,\qquad
H = \frac2W Z^\top\Omega Z,$$

$Z = [X\ \mathbf 1]$, $\Omega = \mathrm{diag}(\omega)$. Equal weights give `linreg.loss`'s
MSE; integer weights, the MSE of the rows repeated. Each has its symbolic twin in
`linreg.symbolic.weighted`, derived by sympy from the loss alone. Descent reaches the
same loss through the weighted statistics (`linreg.weighted_moments`), whose kernel is
`Moments`' own with the count $N$ become $W$.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from linreg.errors import InputError
from linreg.loss import TOO_LARGE, checked_line
from linreg.validate import (
    as_features,
    check_sample_weight,
)

__all__ = ["weighted_mse", "weighted_mse_gradient", "weighted_mse_hessian"]

FloatArray = npt.NDArray[np.float64]


def _checked(
    X: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike, b: float, sample_weight: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, float, FloatArray]:
    features, target, weights, intercept = checked_line(X, y, w, b)  # as the unweighted forms
    return features, target, weights, intercept, check_sample_weight(sample_weight, target.shape[0])


def weighted_mse(
    X: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike, b: float, sample_weight: npt.ArrayLike
) -> float:
    r"""$E_\omega = \frac1W\sum_i \omega_i (y_i - x_i^\top w - b)^2$.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,)
    w : array_like of shape (n_features,)
    b : float
    sample_weight : array_like of shape (n_samples,)
        $\omega_i \ge 0$, not all zero.

    Raises
    ------
    InputError
        As `linreg.loss.mse`, and bad weights (negative, non-finite, all zero).

    See Also
    --------
    linreg.symbolic.weighted.weighted_mse_expr : the symbolic twin.

    Examples
    --------
    >>> weighted_mse([[1.0], [3.0]], [2.0, 4.0], [1.0], 0.0, [1.0, 3.0])
    1.0
    >>> weighted_mse([[1.0], [3.0]], [2.0, 7.0], [1.0], 0.0, [1.0, 3.0])
    12.25
    """
    features, target, weights, intercept, omega = _checked(X, y, w, b, sample_weight)
    with np.errstate(over="raise", invalid="raise"):
        try:
            r = target - (features @ weights + intercept)
            return float((omega * r) @ r) / float(np.sum(omega))
        except FloatingPointError:
            raise InputError(TOO_LARGE) from None


def weighted_mse_gradient(
    X: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike, b: float, sample_weight: npt.ArrayLike
) -> tuple[FloatArray, float]:
    r"""$(\nabla_w E_\omega, \partial E_\omega/\partial b) = -\frac2W
    (X^\top(\omega\circ r), \sum_i\omega_i r_i)$.

    Examples
    --------
    >>> weighted_mse_gradient([[1.0], [3.0]], [2.0, 4.0], [0.0], 0.0, [1.0, 1.0])
    (array([-14.]), -6.0)
    """
    features, target, weights, intercept, omega = _checked(X, y, w, b, sample_weight)
    with np.errstate(over="raise", invalid="raise"):
        try:
            pulled = omega * (target - (features @ weights + intercept))
            scale = -2.0 / float(np.sum(omega))
            return scale * (features.T @ pulled), scale * float(pulled.sum())
        except FloatingPointError:
            raise InputError(TOO_LARGE) from None


def weighted_mse_hessian(X: npt.ArrayLike, sample_weight: npt.ArrayLike) -> FloatArray:
    r"""$H = \frac2W Z^\top\Omega Z$ in $(w, b)$, the last row and column $b$'s.

    Examples
    --------
    >>> weighted_mse_hessian([[1.0], [3.0]], [1.0, 1.0])
    array([[10.,  4.],
           [ 4.,  2.]])
    """
    features = as_features(X)
    omega = check_sample_weight(sample_weight, features.shape[0])
    with np.errstate(over="raise", invalid="raise"):
        try:
            design = np.column_stack([features, np.ones(features.shape[0])])
            hessian = design.T @ (design * omega[:, None])
            return np.asarray(hessian * (2.0 / float(np.sum(omega))), dtype=np.float64)
        except FloatingPointError:
            raise InputError(TOO_LARGE) from None
