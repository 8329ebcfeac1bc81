"""The livestream's own functions reproduce its printed digits, and agree with the fast path."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings

from linreg import gradient_descent, livestream, loss
from linreg.descent import step

from .conftest import LIVESTREAM_LINES, regression_problems, summation_tolerance


def test_livestream_digits_exactly(points):
    start = livestream.compute_error_for_line_given_points(0, 0, points)
    b, m = livestream.gradient_descent_runner(points, 0, 0, 0.0001, 1000)
    end = livestream.compute_error_for_line_given_points(b, m, points)
    assert f"Starting gradient descent at b = 0, m = 0, error = {start}" == LIVESTREAM_LINES[0]
    assert f"After 1000 iterations b = {b}, m = {m}, error = {end}" == LIVESTREAM_LINES[2]


@settings(max_examples=60, deadline=None)
@given(regression_problems(max_features=1))
def test_error_and_step_agree_with_vectorised(problem):
    X, y, w, b = problem
    points = np.column_stack([X[:, 0], y])
    residual = y - (X @ w + b)
    # Same sums, different order: rounding only.
    assert abs(
        livestream.compute_error_for_line_given_points(b, w[0], points) - loss.mse(X, y, w, b)
    ) <= summation_tolerance(len(y), (residual**2).mean())
    rate = 1e-3
    new_b, new_m = livestream.step_gradient(b, w[0], points, rate)
    vec_w, vec_b = step(X, y, w, b, rate)
    tol_b = abs(b) * 4 * np.finfo(float).eps + rate * summation_tolerance(
        len(y), 2 * np.abs(residual).mean()
    )
    tol_m = abs(w[0]) * 4 * np.finfo(float).eps + rate * summation_tolerance(
        len(y), 2 * (np.abs(X[:, 0] * residual)).mean()
    )
    assert abs(new_b - vec_b) <= tol_b
    assert abs(new_m - vec_w[0]) <= tol_m


def test_runner_matches_gradient_descent(points, X, y):
    b, m = livestream.gradient_descent_runner(points, 0, 0, 0.0001, 1000)
    fit = gradient_descent(X, y, learning_rate=0.0001, num_iterations=1000)
    # The figure: same iterates to ~1e-12 relative. Descent contracts errors,
    # so per-step rounding (~1e-16) does not grow over the 1000 steps.
    assert abs(fit.b - b) <= 1e-12 * abs(b)
    assert abs(fit.m - m) <= 1e-12 * abs(m)
    assert fit.n_iter == 1000
