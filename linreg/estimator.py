"""A scikit-learn estimator over `linreg.descent`: fit, predict, score, pipelines, search.

Needs the ``sklearn`` extra (``pip install 'linreg[sklearn]'``). It has no mathematics
of its own: validation follows scikit-learn's conventions (its own ``validate_data``),
and fitting is `linreg.descent.gradient_descent`.

Two conventions differ from the rest of linreg, on purpose, because a scikit-learn user
expects them:

- a column vector y of shape (n, 1) is accepted with a ``DataConversionWarning`` and
  flattened, as every scikit-learn regressor does (`gradient_descent` itself refuses it);
- a run that has not converged after ``num_iterations`` emits a ``ConvergenceWarning``
  (like ``SGDRegressor``) instead of passing silently. A learning rate above the
  stability bound still raises `linreg.DivergenceError` from ``fit``: a grid search
  records that candidate as a failed fit (``error_score``, NaN by default, with a
  ``FitFailedWarning``) and carries on with the others.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

try:
    from sklearn.base import BaseEstimator, RegressorMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.utils.validation import check_is_fitted, validate_data
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "linreg.GradientDescentRegressor needs scikit-learn: pip install 'linreg[sklearn]'"
    ) from error

from linreg.descent import gradient_descent

__all__ = ["GradientDescentRegressor"]


class GradientDescentRegressor(RegressorMixin, BaseEstimator):  # type: ignore[misc]
    """Linear regression fitted by gradient descent on the mean squared error.

    Parameters
    ----------
    learning_rate : float or "auto", default "auto"
        The step size; ``"auto"`` is $1/\\lambda_{\\max}$ of the Hessian.
    num_iterations : int, default 1000
        The most iterations to run.
    tol : float or None, default None
        Stop once the gradient norm is at most ``tol``.
    standardize : bool, default True
        Descend on centred, unit-variance features (fast and well conditioned); the
        learned ``coef_`` and ``intercept_`` are in the data's own units.
    fit_intercept : bool, default True
        Fit the intercept $b$; otherwise the model is $\\hat y = Xw$.

    Attributes
    ----------
    coef_ : numpy.ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
    loss_curve_ : numpy.ndarray of shape (n_iter_ + 1,)
        The mean squared error after each iteration.
    converged_ : bool
    n_features_in_ : int
    feature_names_in_ : numpy.ndarray of shape (n_features_in_,)
        Only when X had column names.

    Examples
    --------
    >>> from linreg import load_points
    >>> points = load_points()
    >>> model = GradientDescentRegressor().fit(points[:, :1], points[:, 1])
    >>> print(round(model.coef_[0], 6), round(model.intercept_, 6), model.n_iter_)
    1.322431 7.991021 1000
    """

    def __init__(
        self,
        *,
        learning_rate: float | str = "auto",
        num_iterations: int = 1000,
        tol: float | None = None,
        standardize: bool = True,
        fit_intercept: bool = True,
    ) -> None:
        self.learning_rate = learning_rate
        self.num_iterations = num_iterations
        self.tol = tol
        self.standardize = standardize
        self.fit_intercept = fit_intercept

    def fit(self, X: Any, y: Any) -> GradientDescentRegressor:
        """Fit the model; returns ``self``.

        Raises
        ------
        ValueError
            Bad data or hyperparameters (linreg's ``InputError`` is a ``ValueError``).
        linreg.DivergenceError
            The learning rate is above the stability bound for these data.
        """
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64)
        result = gradient_descent(
            X,
            y,
            learning_rate=self.learning_rate,  # type: ignore[arg-type]
            num_iterations=self.num_iterations,
            tol=self.tol,
            standardize=self.standardize,
            fit_intercept=self.fit_intercept,
        )
        self.coef_ = result.w
        self.intercept_ = result.b
        self.n_iter_ = result.n_iter
        self.loss_curve_ = result.history
        self.converged_ = result.converged
        if not result.converged:
            warnings.warn(
                f"gradient descent did not converge in {result.n_iter} iterations "
                f"(gradient norm {result.gradient_norm:.3g}); raise num_iterations, or "
                "use standardize=True and learning_rate='auto'",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    def predict(self, X: Any) -> Any:
        """Predictions $Xw + b$ of shape (n_samples,)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.coef_ + self.intercept_
