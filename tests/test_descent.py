"""Gradient descent: iterates, stopping, divergence, options, and bad arguments."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from linreg import DivergenceError, gradient_descent, loss
from linreg.descent import slowest_direction_estimate as predicted_iterations
from linreg.errors import InputError
from linreg.solve import least_squares


def test_result_object(X, y):
    fit = gradient_descent(X, y, learning_rate=0.0001, num_iterations=1000)
    assert fit.n_iter == 1000 and fit.history.shape == (1001,)
    assert fit.history[0] == pytest.approx(
        5565.107834483211, rel=1e-14
    )  # statistics vs the loop: rounding
    assert fit.loss == fit.history[-1]
    assert np.all(np.diff(fit.history) <= 0)  # below the bound the loss never grows
    assert fit.stop_reason == "num_iterations"
    assert fit.converged is False


@pytest.mark.parametrize("rate", [0.001, 0.01, 4.1e-4])
def test_divergence_raises_before_any_overflow(X, y, rate):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow or invalid-value warning fails the test
        with pytest.raises(DivergenceError) as caught:
            gradient_descent(X, y, learning_rate=rate, num_iterations=100_000)
    error = caught.value
    assert error.learning_rate == rate
    assert error.bound == pytest.approx(4.013e-4, rel=1e-3)  # quoted to 4 digits
    assert "0.0004013" in str(error) and f"{rate:.4g}" in str(error)
    if rate >= 0.001:
        assert error.iteration <= 3  # "within a few iterations"


def test_just_below_the_bound_converges_slowly(X, y):
    fit = gradient_descent(X, y, learning_rate=3.9e-4, num_iterations=2000)
    best = least_squares(X, y)
    # Below the bound the loss falls every step, but 2000 steps leave it above E*.
    assert best.mse < fit.loss < fit.history[0]
    assert np.all(np.diff(fit.history) <= 0)
    assert not fit.converged and fit.relative_distance > 0.1


def test_tol_stops_and_reports(X, y):
    fit = gradient_descent(
        X, y, learning_rate="auto", num_iterations=100, standardize=True, tol=1e-9
    )
    assert fit.converged and fit.stop_reason == "tol" and fit.relative_distance <= 1e-9
    assert fit.n_iter < 100


def test_standardized_auto_reaches_optimum_in_ten(X, y):
    best = least_squares(X, y)
    fit = gradient_descent(X, y, learning_rate="auto", num_iterations=10, standardize=True)
    assert fit.n_iter <= 10
    # The figure: the closed-form optimum to 1e-10 relative.
    assert fit.m == pytest.approx(best.coef[0], rel=1e-10)
    assert fit.b == pytest.approx(best.intercept, rel=1e-10)


def test_livestream_settings_do_not_converge(X, y):
    fit = gradient_descent(X, y, learning_rate=0.0001, num_iterations=1000)
    best = least_squares(X, y)
    assert not fit.converged
    assert abs(fit.b - best.intercept) > 7.5  # b ≈ 0.09 against the optimum ≈ 7.99
    assert best.intercept == pytest.approx(7.99102098, rel=1e-8)  # quoted to 9 digits
    assert best.coef[0] == pytest.approx(1.32243102, rel=1e-8)
    assert best.mse == pytest.approx(110.25738346, rel=1e-9)  # quoted to 11 digits


def test_predicted_iterations_match_the_real_count(X, y):
    # The prediction: the slowest error component shrinks by |1 − ηλ_min| per step, so
    # reducing it by ε takes ln ε / ln|1 − ηλ_min| steps. Check it against a real run at a
    # rate where that is a few hundred thousand steps.
    rate, reduction = 3.5e-4, 1e-3
    eigenvalues = np.linalg.eigvalsh(loss.mse_hessian(X))
    predicted = int(predicted_iterations(rate, eigenvalues, reduction))
    best = least_squares(X, y)
    optimum = np.array([best.coef[0], best.intercept])
    start_error = np.linalg.norm(optimum)  # from w = b = 0

    def error_after(k):
        fit = gradient_descent(X, y, learning_rate=rate, num_iterations=k)
        return np.linalg.norm([fit.m - optimum[0], fit.b - optimum[1]]) / start_error

    # Just before the predicted count the error has not shrunk by ε yet; at it, it has
    # (the slow component carries ~99 % of the start error, hence the 0.9).
    assert error_after(predicted - 2000) > reduction
    assert 0.9 * reduction <= error_after(predicted) <= reduction
    # The livestream's settings: about 1.8 million iterations (the figure).
    fit = gradient_descent(X, y, learning_rate=0.0001, num_iterations=0)
    assert fit.predicted_iterations == pytest.approx(1.83e6, rel=0.01)  # "about 1.8 million"
    assert fit.prediction_kind == "exact"


def test_momentum_reaches_closed_form():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = X @ [1.0, -2.0, 0.5] + 3.0 + rng.normal(scale=0.1, size=200)
    best = least_squares(X, y)
    fit = gradient_descent(X, y, learning_rate="auto", num_iterations=5000, momentum=0.9, tol=1e-12)
    assert fit.converged
    np.testing.assert_allclose(fit.w, best.coef, rtol=1e-9)
    assert fit.b == pytest.approx(best.intercept, rel=1e-9)


def test_minibatch_sgd_reaches_closed_form_and_is_seeded():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 2))
    y = X @ [2.0, -1.0] + 0.5  # noise-free: SGD with a fixed step converges exactly
    best = least_squares(X, y)
    kwargs = dict(learning_rate=0.1, num_iterations=300, batch_size=16, random_state=7)
    fit = gradient_descent(X, y, **kwargs)
    np.testing.assert_allclose(fit.w, best.coef, rtol=1e-9)
    assert fit.b == pytest.approx(best.intercept, rel=1e-9)
    again = gradient_descent(X, y, **kwargs)
    np.testing.assert_array_equal(fit.w, again.w)
    # With noise a fixed-step SGD hovers near the optimum.
    noisy = y + rng.normal(scale=0.1, size=300)
    best = least_squares(X, noisy)
    fit = gradient_descent(X, noisy, **{**kwargs, "learning_rate": 0.01})
    np.testing.assert_allclose(fit.w, best.coef, atol=0.02)  # fixed-step SGD hovers O(η·noise) away


def test_zero_iterations_and_constant_x():
    fit = gradient_descent(
        [[1.0], [1.0], [1.0]], [1.0, 2.0, 3.0], learning_rate=0.1, num_iterations=0
    )
    assert fit.n_iter == 0 and fit.b == 0.0
    # Constant x: the closed form is singular but descent is defined (b and m trade off).
    fit = gradient_descent(
        [[2.0], [2.0], [2.0]], [1.0, 2.0, 3.0], learning_rate="auto", num_iterations=200
    )
    assert fit.b + 2 * fit.m == pytest.approx(2.0, rel=1e-9)  # only m·2 + b is determined


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"learning_rate": 0.0}, "learning_rate must be positive"),
        ({"learning_rate": -1e-4}, "learning_rate must be positive"),
        ({"learning_rate": float("nan")}, "learning_rate must be finite"),
        ({"learning_rate": float("inf")}, "learning_rate must be finite"),
        ({"learning_rate": "fast"}, "learning_rate must be a positive number or 'auto'"),
        ({"num_iterations": -1}, "num_iterations must be a non-negative integer"),
        ({"num_iterations": 10.5}, "num_iterations must be a non-negative integer"),
        ({"num_iterations": 10**12}, "is more than the"),
        ({"tol": -1.0}, "tol must be non-negative"),
        ({"momentum": 1.0}, r"momentum must be in \[0, 1\)"),
        ({"random_state": "abc"}, "random_state must be None, a non-negative integer"),
        ({"random_state": -1}, "random_state must be a non-negative integer"),
        ({"random_state": 1.5}, "random_state must be None, a non-negative integer"),
        ({"alpha": -1.0}, "alpha must be non-negative"),
        ({"evaluate": "fast"}, "evaluate must be 'moments' or 'pass'"),
        ({"batch_size": 0}, "batch_size must be a positive integer"),
        ({"w0": [1.0, 2.0]}, "w0 has 2 weights"),
        ({"b0": float("inf")}, "b0 must be finite"),
        ({"standardize": "yes"}, "standardize must be True or False"),
    ],
)
def test_bad_arguments(X, y, kwargs, message):
    args = {"learning_rate": 1e-4, "num_iterations": 10, **kwargs}
    with pytest.raises(InputError, match=message):
        gradient_descent(X, y, **args)


@pytest.mark.parametrize(
    "X_, y_, message",
    [
        (
            [[1.0], [2.0]],
            [[1.0], [2.0]],
            r"y must be 1-D of shape \(n_samples,\), got shape \(2, 1\)",
        ),
        ([[1.0], [2.0]], [1.0], "different numbers of samples"),
        ([[1.0], [np.nan]], [1.0, 2.0], "X holds a non-finite value"),
        ([[1.0], [2.0]], [np.inf, 2.0], "y holds a non-finite value"),
        ([1.0, 2.0], [1.0, 2.0], "X must be 2-D"),
    ],
)
def test_bad_data(X_, y_, message):
    with pytest.raises(InputError, match=message):
        gradient_descent(X_, y_, learning_rate=1e-4, num_iterations=10)


def test_overflowing_data_is_a_clear_error():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputError, match="too large"):
            gradient_descent(
                [[1e200], [2e200]], [1e200, 3e200], learning_rate=1e-300, num_iterations=5
            )


@pytest.mark.parametrize("offset", [1e8, 1e9, 1e11, 3e11, 1e13, 1e15])
@pytest.mark.parametrize("method", ["gd", "cg", "newton"])
def test_no_intercept_with_means_that_dwarf_the_spread(offset, method):
    """The thirteenth audit: without an intercept H = 2(A + mm^T), and Sherman-Morrison's
    inverse cancelled to nothing when m^2 >> var(x): x = 1e9 + 0..9 was refused as "too
    large", 1e11 blamed a learning rate nobody gave, 1e13 returned a negative loss with a
    learning rate 1e9 times too large."""
    from fractions import Fraction

    from linreg.descent import minimize

    x = np.arange(10.0) + offset
    y = 3 * np.arange(10.0) + 1
    exact = sum(Fraction(a) * Fraction(b) for a, b in zip(x, y)) / sum(Fraction(a) ** 2 for a in x)
    fit = minimize(x[:, None], y, fit_intercept=False, method=method)
    assert fit.converged and fit.condition_number == 1.0
    assert abs(Fraction(float(fit.w[0])) - exact) / exact <= fit.relative_distance_bound
    # the Hessian is 2 mean(x^2)
    from linreg.moments import Moments
    from linreg.problem import Quadratic

    stats = Moments.from_arrays(x[:, None], y)
    hessian = Quadratic.build(stats, alpha=0.0, standardize=False, intercept=False)
    exact_value = 2 * sum(Fraction(a) ** 2 for a in x) / 10
    assert abs(Fraction(hessian.lambda_max) - exact_value) / exact_value < 1e-14


def test_a_start_at_the_optimum_stays_there_at_any_rate():
    """The thirteenth audit: gd from the exact optimum with a rate above its bound was
    "diverged at iteration 76": (1 - eta*lambda)^k overflowed and inf * 0 read as growth;
    the step-by-step loop never moves (its gradient is exactly 0)."""
    X = np.array([[1.0], [2.0], [3.0]])
    for y, w0 in ((np.zeros(3), 0.0), (2 * X[:, 0], 2.0)):
        fit = gradient_descent(X, y, learning_rate=10.0, num_iterations=100, w0=[w0])
        assert fit.converged and fit.n_iter == 100
        assert (fit.w[0], fit.b) == (w0, 0.0) and fit.loss == 0.0
