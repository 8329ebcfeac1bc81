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


# --- partial_fit: out-of-core, exact through the Moments merge --------------------------------

import itertools  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _relative(model, reference):
    theta = np.append(model.coef_, model.intercept_)
    best = np.append(reference.coef_, reference.intercept_)
    return float(np.linalg.norm(theta - best) / np.linalg.norm(best))


@settings(deadline=None)  # up to 13 fits an example; an early chunk may not certify (1000 it.)
@given(
    n=st.integers(20, 3000),
    p=st.integers(1, 4),
    cuts=st.lists(st.floats(0.0, 1.0), max_size=12),
    offset=st.sampled_from([0.0, 50.0, 1e6]),
    seed=st.integers(0, 2**32 - 1),
)
def test_partial_fit_over_any_split_equals_fit(n, p, cuts, offset, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * rng.uniform(0.5, 5.0, p) + offset
    y = (X - offset) @ rng.normal(size=p) + 3.0 + rng.normal(size=n)
    edges = sorted({0, n, *(int(c * n) for c in cuts)})
    # With a mean of 1e6 the statistics alone may not certify 1e-10 (a ConvergenceWarning):
    # they record one bound for every mean (Statistics.mean_rounding), so x̄ = 1e6 carries
    # the γ·σ a mean near 0 needs, while fit has the data to certify with and stops
    # earlier, within 1e-10. There both run the same 50 cg steps (tol=None) instead.
    options = {} if offset <= 50.0 else {"tol": None, "num_iterations": 50}
    streamed = GradientDescentRegressor(**options)
    for start, stop in itertools.pairwise(edges):
        streamed.partial_fit(X[start:stop], y[start:stop])
    whole = GradientDescentRegressor(**options).fit(X, y)
    assert offset > 50.0 or (streamed.converged_ and whole.converged_)
    # The same descent on statistics equal to rounding (the chunks' sums in one pass
    # against the rows' in one pass: ~1e-14 of the co-moments' scale); cg sits at the
    # optimum to about κ·1e-14 (κ ≤ 100 here) from its p + 1-th step on.
    assert _relative(streamed, whole) <= 1e-12
    assert streamed.statistics_.count == n


def test_partial_fit_follows_scikit_learns_conventions():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 3))
    y = X @ [1.0, -2.0, 0.5] + rng.normal(size=300)
    model = GradientDescentRegressor()
    assert model.partial_fit(X[:100], y[:100]) is model
    assert model.n_features_in_ == 3
    with pytest.raises(
        ValueError, match="X has 2 features, but GradientDescentRegressor is expecting 3"
    ):
        model.partial_fit(X[100:, :2], y[100:])
    model.partial_fit(X[100:], y[100:])
    assert model.statistics_.count == 300
    # fit starts afresh, and a partial_fit after it starts a new stream (fit keeps no
    # statistics): the model is then that of the new chunk alone
    model.fit(X[:50, :2], y[:50])
    assert model.n_features_in_ == 2
    assert not hasattr(model, "statistics_")  # the stream's statistics went with it
    model.partial_fit(X[:200], y[:200])
    assert model.n_features_in_ == 3 and model.statistics_.count == 200
    alone = GradientDescentRegressor().fit(X[:200], y[:200])
    assert _relative(model, alone) <= 1e-12  # as in the test above


def test_partial_fit_keeps_column_names():
    pandas = pytest.importorskip("pandas")
    rng = np.random.default_rng(6)
    frame = pandas.DataFrame(rng.normal(size=(40, 2)), columns=["hours", "sleep"])
    y = frame["hours"] * 2 + rng.normal(size=40)
    model = GradientDescentRegressor().partial_fit(frame[:20], y[:20])
    assert list(model.feature_names_in_) == ["hours", "sleep"]
    with pytest.warns(UserWarning, match="feature names"):
        model.partial_fit(frame[20:].to_numpy(), y[20:])


def test_partial_fit_is_read_after_every_chunk_or_once():
    """The descent runs when the model is read: reading after every chunk gives the fit of
    every row so far; a loop of partial_fit then one read gives the fit of all of them."""
    rng = np.random.default_rng(8)
    X = rng.normal(2.0, 1.0, size=(3000, 2))
    y = X @ [1.5, -0.5] + 2.0 + rng.normal(size=3000)
    model = GradientDescentRegressor()
    for stop in (1000, 2000, 3000):
        model.partial_fit(X[stop - 1000 : stop], y[stop - 1000 : stop])
        prefix = GradientDescentRegressor().fit(X[:stop], y[:stop])
        assert _relative(model, prefix) <= 1e-12  # as in the split test above
        assert model.score(X[:stop], y[:stop]) == pytest.approx(
            prefix.score(X[:stop], y[:stop]), rel=1e-12
        )
    once = GradientDescentRegressor()
    for start in range(0, 3000, 300):
        once.partial_fit(X[start : start + 300], y[start : start + 300])
    assert "coef_" not in vars(once)  # not fitted yet: only the statistics were gathered
    np.testing.assert_allclose(once.predict(X[:5]), model.predict(X[:5]), rtol=1e-12)
    assert once.n_iter_ == model.n_iter_ and once.converged_
    with pytest.raises(AttributeError, match="no attribute 'coeff_'"):
        once.coeff_  # noqa: B018


def test_partial_fit_on_overflowing_data_raises_without_a_warning():
    """numpy's overflow warning leaked before the InputError (from the hostile audit)."""
    import warnings

    X = np.random.default_rng(0).normal(size=(50, 2)) * 1e160
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="too large"):
            GradientDescentRegressor().partial_fit(X, X[:, 0]).coef_  # noqa: B018
