"""A scikit-learn estimator over `linreg.descent`: fit, predict, score, pipelines, search.

Needs the ``sklearn`` extra (``pip install 'linreg[sklearn]'``). It has no mathematics
of its own: validation follows scikit-learn's conventions (its own ``validate_data``),
and fitting is `linreg.descent.minimize`.

Two conventions differ from the rest of linreg, on purpose, because a scikit-learn user
expects them:

- a column vector y of shape (n, 1) is accepted with a ``DataConversionWarning`` and
  flattened, as every scikit-learn regressor does (`gradient_descent` itself refuses it);
- a run whose certificate does not hold after ``num_iterations`` emits a
  ``ConvergenceWarning`` (like ``SGDRegressor``) instead of passing silently. A learning
  rate above the stability bound still raises `linreg.DivergenceError` from ``fit``: a grid search
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

from linreg.descent import DescentResult, minimize

__all__ = ["GradientDescentRegressor"]


class GradientDescentRegressor(RegressorMixin, BaseEstimator):  # type: ignore[misc]
    r"""Linear regression (optionally ridge) fitted by descent on the mean squared error.

    Parameters
    ----------
    method : str, default "cg"
        Any method of `linreg.minimize`. The default, conjugate gradients, reaches the
        optimum in at most n_features + 1 steps in exact arithmetic, so a default fit
        converges on any full-rank data; ``"gd"`` is the livestream's fixed step.
    learning_rate : float, "auto" or None, default None
        The step of gd, momentum, nesterov and adam; None picks the optimal one from
        the Hessian's eigenvalues (see `linreg.minimize`).
    momentum : float or None, default None
        Momentum of momentum and nesterov (β₁ of adam); None picks the optimal one.
    alpha : float, default 0.0
        Ridge strength: the loss is
        $\frac1N\lVert y - Xw - b\rVert^2 + \alpha\lVert w\rVert^2$.
        scikit-learn's ``Ridge(alpha=a)`` penalises the *sum* of squares,
        $\lVert y - Xw - b\rVert^2 + a\lVert w\rVert^2$, so it matches ``alpha = a/N``.
    num_iterations : int, default 1000
        The most iterations to run.
    tol : float or None, default None
        Stop at the first iteration whose certified distance to the optimum is within
        ``tol`` of ‖θ*‖ (`linreg.DescentResult.converged`); None runs every iteration
        and judges convergence at 1e-6.
    standardize : bool, default True
        Descend on centred, unit-variance features (well conditioned); ``coef_`` and
        ``intercept_`` are in the data's own units.
    fit_intercept : bool, default True
        Fit the intercept $b$; otherwise the model is $\hat y = Xw$.

    Attributes
    ----------
    coef_ : numpy.ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
    loss_curve_ : numpy.ndarray of shape (n_iter_ + 1,)
        The loss after each iteration.
    converged_ : bool
        Whether the certificate holds: ‖θ − θ*‖ ≤ tol·‖θ*‖.
    distance_ : float
        The certified relative distance ‖θ − θ*‖/‖θ*‖ at the end.
    n_features_in_ : int
    feature_names_in_ : numpy.ndarray of shape (n_features_in_,)
        Only when X had column names.

    Examples
    --------
    >>> from linreg import load_points
    >>> points = load_points()
    >>> model = GradientDescentRegressor().fit(points[:, :1], points[:, 1])
    >>> print(round(model.coef_[0], 6), round(model.intercept_, 6), model.converged_)
    1.322431 7.991021 True
    """

    def __init__(
        self,
        *,
        method: str = "cg",
        learning_rate: float | str | None = None,
        momentum: float | None = None,
        alpha: float = 0.0,
        num_iterations: int = 1000,
        tol: float | None = None,
        standardize: bool = True,
        fit_intercept: bool = True,
    ) -> None:
        self.method = method
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.alpha = alpha
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
            The learning rate is above the method's stability bound for these data.
        """
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64)
        result = minimize(
            X,
            y,
            method=self.method,
            learning_rate=self.learning_rate,  # type: ignore[arg-type]
            momentum=self.momentum,
            alpha=self.alpha,
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
        self.distance_ = result.relative_distance
        if not result.converged:
            warnings.warn(self._advice(result), ConvergenceWarning, stacklevel=2)
        return self

    def _advice(self, result: DescentResult) -> str:
        """The warning: what was measured, and only advice not already taken."""
        advice = ["raise num_iterations"]
        if not self.standardize:
            advice.append("use standardize=True")
        if self.method != "cg":
            advice.append("use method='cg'")
        return (
            f"{self.method} did not converge in {result.n_iter} iterations: the certified "
            f"distance to the optimum is {result.relative_distance:.3g} of its norm, above "
            f"tol={result.tol:g}; " + ", or ".join(advice)
        )

    def predict(self, X: Any) -> Any:
        """Predictions $Xw + b$ of shape (n_samples,)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.coef_ + self.intercept_
