"""The vectorised loss against its sympy twins and against central differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from linreg import loss, symbolic
from linreg.errors import InputError

from .conftest import EPS, regression_problems, summation_tolerance


def _gradient_scale(X, y, w, b):
    """Σ|terms| of each gradient entry, the scale of its rounding error."""
    r = np.abs(y - (X @ w + b))
    n = len(y)
    return 2 / n * (np.abs(X).T @ r), 2 / n * r.sum()


@settings(max_examples=80, deadline=None)
@given(regression_problems(max_features=5))
def test_gradient_matches_matrix_twin(problem):
    X, y, w, b = problem
    grad_w, grad_b = loss.mse_gradient(X, y, w, b)
    sym_w, sym_b = symbolic.mse_matrix_gradient_fn(X, y, w, b)
    scale_w, scale_b = _gradient_scale(X, y, w, b)
    n = len(y) * (X.shape[1] + 2)  # terms per entry, counting the products inside Xw + b
    np.testing.assert_array_less(np.abs(grad_w - sym_w), summation_tolerance(n, scale_w) + 1e-300)
    assert abs(grad_b - sym_b) <= summation_tolerance(n, scale_b)


@settings(max_examples=40, deadline=None)
@given(regression_problems(max_features=1, max_samples=20))
def test_gradient_matches_livestream_sum_twin(problem):
    X, y, w, b = problem
    grad_w, grad_b = loss.mse_gradient(X, y, w, b)
    sym_w, sym_b = symbolic.mse_gradient_fn(X, y, w, b)
    scale_w, scale_b = _gradient_scale(X, y, w, b)
    n = len(y) * 3
    assert abs(grad_w[0] - sym_w[0]) <= summation_tolerance(n, scale_w[0])
    assert abs(grad_b - sym_b) <= summation_tolerance(n, scale_b)


@settings(max_examples=60, deadline=None)
@given(regression_problems(max_features=5))
def test_gradient_matches_central_differences(problem):
    X, y, w, b = problem
    grad_w, grad_b = loss.mse_gradient(X, y, w, b)
    params = np.append(w, b)
    # E is quadratic in (w, b): (E(θ+h) − E(θ−h))/2h is the derivative exactly, for any h,
    # so h can be large and the only error is rounding in the two E values, each about
    # n·eps·E_max, divided by 2h.
    h = 1.0 + np.abs(params).max()
    for k, exact in enumerate(np.append(grad_w, grad_b)):
        up, down = params.copy(), params.copy()
        up[k] += h
        down[k] -= h
        e_up = loss.mse(X, y, up[:-1], up[-1])
        e_down = loss.mse(X, y, down[:-1], down[-1])
        difference = (e_up - e_down) / (2 * h)
        tolerance = 8 * (len(y) + X.shape[1] + 2) * EPS * max(e_up, e_down) / h
        assert abs(difference - exact) <= tolerance + 1e-300, f"d E / d theta[{k}]"


@settings(max_examples=40, deadline=None)
@given(regression_problems(max_features=4))
def test_mse_matches_matrix_twin(problem):
    X, y, w, b = problem
    r2 = (y - (X @ w + b)) ** 2
    n = len(y) * (X.shape[1] + 3)
    assert abs(loss.mse(X, y, w, b) - symbolic.mse_matrix_fn(X, y, w, b)) <= summation_tolerance(
        n, r2.mean()
    )


def test_hessian_matches_symbolic_and_bound_matches_eigenvalues(X):
    H = loss.mse_hessian(X)
    np.testing.assert_allclose(
        symbolic.mse_hessian_fn(X), H, rtol=1e-13
    )  # sums of 100 terms, another order
    np.testing.assert_allclose(symbolic.mse_matrix_hessian_fn(X), H, rtol=1e-13)
    lam = np.linalg.eigvals(H)  # the general (non-symmetric) solver, as an outside check
    assert np.isclose(
        loss.learning_rate_bound(X), 2 / lam.real.max(), rtol=1e-12
    )  # eigensolvers: ~κ·ε
    assert np.isclose(symbolic.learning_rate_bound(X), 2 / lam.real.max(), rtol=1e-12)
    # The shared/data README's figures.
    assert np.isclose(sorted(lam.real)[-1], 4983.8, rtol=1e-4)  # quoted digits
    assert np.isclose(sorted(lam.real)[0], 0.07548, rtol=1e-3)
    assert np.isclose(loss.learning_rate_bound(X), 4.013e-4, rtol=1e-3)


def test_sign_error_would_be_caught(X, y):
    """A flipped sign in the gradient disagrees with the central difference by far."""
    w, b = np.array([0.3]), 0.2
    grad_w, _ = loss.mse_gradient(X, y, w, b)
    h = 1.0
    difference = (loss.mse(X, y, w + h, b) - loss.mse(X, y, w - h, b)) / (2 * h)
    assert np.isclose(difference, grad_w[0], rtol=1e-12)  # quadratic: exact but for rounding
    assert not np.isclose(difference, -grad_w[0], rtol=1e-3)


@pytest.mark.parametrize(
    "args, message",
    [
        (([[1.0], [2.0]], [1.0, 2.0, 3.0], [0.0], 0.0), "different numbers of samples"),
        (([[1.0], [2.0]], [[1.0], [2.0]], [0.0], 0.0), "y must be 1-D"),
        (([1.0, 2.0], [1.0, 2.0], [0.0], 0.0), "X must be 2-D"),
        (([[1.0], [np.nan]], [1.0, 2.0], [0.0], 0.0), "X holds a non-finite value"),
        (([[1.0], [2.0]], [1.0, np.inf], [0.0], 0.0), "y holds a non-finite value"),
        (([[1.0], [2.0]], [1.0, 2.0], [0.0, 1.0], 0.0), "w has 2 weights but X has 1"),
        (([[1.0], [2.0]], [1.0, 2.0], [0.0], float("nan")), "b must be finite"),
        (([[1.0], [2.0]], [1.0, 2.0], [0.0], "1"), "b must be a real number"),
        (([["a"], [2.0]], [1.0, 2.0], [0.0], 0.0), "X must hold numbers"),
        ((np.empty((0, 1)), np.empty(0), [0.0], 0.0), "X is empty"),
    ],
)
def test_bad_arguments(args, message):
    with pytest.raises(InputError, match=message):
        loss.mse_gradient(*args)
    with pytest.raises(InputError, match=message):
        loss.mse(*args)
