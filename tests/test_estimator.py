"""The scikit-learn estimator: scikit-learn's own checks, a Pipeline and a grid search."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from sklearn.exceptions import ConvergenceWarning, FitFailedWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import PolynomialFeatures, StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import linreg  # noqa: E402
from linreg import GradientDescentRegressor  # noqa: E402
from linreg.solve import least_squares  # noqa: E402


@parametrize_with_checks(
    [GradientDescentRegressor(), GradientDescentRegressor(fit_intercept=False)]
)
def test_scikit_learn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


def test_matches_closed_form_on_livestream(X, y):
    model = GradientDescentRegressor(tol=1e-9).fit(X, y)
    best = least_squares(X, y)
    assert model.converged_ and model.n_iter_ < 10 and model.distance_ <= 1e-9
    assert model.coef_[0] == pytest.approx(best.coef[0], rel=1e-9)  # certified to 1e-9
    assert model.intercept_ == pytest.approx(best.intercept, rel=1e-9)
    assert model.loss_curve_[-1] == pytest.approx(best.mse, rel=1e-12)  # rounding of the loss
    assert model.score(X, y) == pytest.approx(best.r_squared, rel=1e-12)


def test_in_a_pipeline():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, size=(200, 1))
    y = 1 - 2 * x[:, 0] + 0.5 * x[:, 0] ** 2 + rng.normal(scale=0.05, size=200)
    pipe = make_pipeline(
        PolynomialFeatures(2, include_bias=False),
        StandardScaler(),
        GradientDescentRegressor(standardize=False, tol=1e-10),
    )
    pipe.fit(x, y)
    assert pipe.score(x, y) > 0.99
    assert pipe.predict(np.array([[0.0]]))[0] == pytest.approx(1.0, abs=0.05)


def test_in_a_grid_search(X, y):
    search = GridSearchCV(
        GradientDescentRegressor(method="gd", standardize=False),
        {"learning_rate": [1e-4, 3e-4, 1e-3], "num_iterations": [100, 1000]},
        cv=3,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)  # "some test scores are non-finite"
        with pytest.warns(FitFailedWarning):  # 1e-3 diverges: scored NaN, search goes on
            search.fit(X, y)
    assert search.best_params_["learning_rate"] in (1e-4, 3e-4)
    scores = search.cv_results_["mean_test_score"]
    rates = np.array(search.cv_results_["param_learning_rate"], dtype=float)
    assert np.isnan(scores[rates == 1e-3]).all() and np.isfinite(scores[rates < 1e-3]).all()


def test_divergence_and_convergence_warnings(X, y):
    with pytest.raises(linreg.DivergenceError):
        GradientDescentRegressor(method="gd", learning_rate=0.01, standardize=False).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        GradientDescentRegressor(method="gd", learning_rate=1e-4, standardize=False).fit(X, y)
    with pytest.warns(sklearn.exceptions.DataConversionWarning):
        GradientDescentRegressor().fit(X, y[:, None])
