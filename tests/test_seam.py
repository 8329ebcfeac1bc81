"""The optimizer seam: what a method declares is what the loop, the checks and the
theory use; and each method's update is the formula it claims (checked by hand)."""

from __future__ import annotations

import ast
import math
import subprocess
import sys

import numpy as np
import pytest

import linreg
from linreg import InputError, minimize
from linreg.methods import METHODS
from linreg.predictions import recurrence_factors
from linreg.seam import Method, no_theory

from .conftest import ROOT

POINTS = linreg.load_points()
X, Y = POINTS[:, :1], POINTS[:, 1]


def test_adam_takes_its_own_options():
    fit = minimize(X, Y, method="adam", options={"beta1": 0.8, "beta2": 0.99}, num_iterations=5)
    assert fit.options == {"learning_rate": 1e-3, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-8}
    alias = minimize(X, Y, method="adam", momentum=0.8, options={"beta2": 0.99}, num_iterations=5)
    assert np.array_equal(alias.w, fit.w)  # momentum is adam's beta1
    other = minimize(X, Y, method="adam", options={"beta2": 0.5}, num_iterations=5)
    assert not np.array_equal(other.w, fit.w)  # the option reaches the update


@pytest.mark.parametrize(
    "method, options, message",
    [
        ("cg", {"learning_rate": 0.1}, "takes no option 'learning_rate'; its options: none"),
        ("adam", {"rho": 0.9}, "its options: learning_rate, beta1, beta2, epsilon"),
        ("adam", {"beta2": 1.0}, r"beta2 must be in \[0, 1\), got 1.0"),
        ("momentum", {"momentum": -0.1}, r"momentum must be in \[0, 1\)"),
        ("gd", {"learning_rate": 0.0}, "learning_rate must be positive, got 0.0"),
        ("adam", {"epsilon": math.nan}, "epsilon must be finite"),
    ],
)
def test_options_are_checked_against_the_declarations(method, options, message):
    with pytest.raises(InputError, match=message):
        minimize(X, Y, method=method, options=options, num_iterations=1)


def test_a_method_must_declare_its_prediction():
    with pytest.raises(TypeError, match="exactly one prediction"):
        Method("new", "a new method", lambda t, s: None, lambda t, g, st, s: (t, st))
    Method("new", "a new method", lambda t, s: None, lambda t, g, st, s: (t, st),
           classical=no_theory)  # fmt: skip


def test_the_loop_names_no_method():
    """The loop and the entry points compare no method's name (the seam decides)."""
    names = set(METHODS)
    for module in ("loop.py", "descent.py", "arguments.py", "descent_result.py"):
        tree = ast.parse((ROOT / "linreg" / module).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                constants = {c.value for c in ast.walk(node) if isinstance(c, ast.Constant)}
                assert not constants & names, (module, ast.unparse(node))


def test_every_list_of_methods_is_the_registry():
    """minimize's docstring, the README, and the command line's help name every method."""
    doc = minimize.__doc__ or ""
    readme = (ROOT / "README.md").read_text()
    helped = subprocess.run([sys.executable, "-m", "linreg", "--help"], capture_output=True,
                            text=True, timeout=60).stdout  # fmt: skip
    for name in METHODS:
        assert f'``"{name}"``' in doc, name
        assert name in readme.split("`--method` (")[1].split(")")[0], name
        assert name in helped, name


# --- each update is the formula it claims, by hand --------------------------------------------


def _gradient(theta):
    fit = linreg.minimize(X, Y, method="gd", num_iterations=0)
    return fit.forecast.quadratic.loss_and_gradient(theta)[1]


def test_adam_first_step_has_size_eta():
    """With bias correction m̂₁ = g, v̂₁ = g², so the first step is η·g/(|g| + ε)."""
    fit = minimize(X, Y, method="adam", num_iterations=1, return_path=True)
    g = _gradient(np.zeros(2))
    expected = -1e-3 * g / (np.abs(g) + 1e-8)
    np.testing.assert_allclose(fit.path[1][[0, 1]], expected, rtol=1e-12)  # rounding only


def test_bb_second_step_is_bb1():
    """α = sᵀs/sᵀr (BB1), not sᵀr/rᵀr (BB2): on a bowl where the two differ by about 30%."""
    rng = np.random.default_rng(0)
    features = rng.normal(size=(50, 2)) * [2.0, 0.5]
    target = features @ [1.0, -2.0] + 0.5 + rng.normal(size=50)
    fit = minimize(features, target, method="bb", num_iterations=2, return_path=True,
                   w0=[3.0, 3.0], b0=-4.0)  # fmt: skip
    quadratic = fit.forecast.quadratic
    theta0, theta1 = fit.path[0], fit.path[1]  # (w, b): the coordinates descended
    g0, g1 = (quadratic.loss_and_gradient(t)[1] for t in (theta0, theta1))
    s, r = theta1 - theta0, g1 - g0
    bb1, bb2 = (s @ s) / (s @ r), (s @ r) / (r @ r)
    assert abs(bb1 - bb2) > 0.05 * bb1  # the test can tell them apart
    np.testing.assert_allclose(fit.path[2], theta1 - bb1 * g1, rtol=1e-12)  # rounding only


@pytest.mark.parametrize("method", ["gd", "momentum", "nesterov"])
def test_recurrence_is_the_update(method):
    """The declared recurrence's first iterates are the update's, direction by direction."""
    fit = minimize(X, Y, method=method, num_iterations=3, return_path=True)
    quadratic, settings = fit.forecast.quadratic, fit.forecast.settings
    optimum = fit.optimum
    e0 = -optimum  # the start is 0
    basis = quadratic.eigenvectors
    components = basis.T @ e0
    a, c, f = METHODS[method].recurrence(settings, quadratic.eigenvalues)
    factors = recurrence_factors(a, c, f, np.arange(4.0))
    for k in range(4):
        predicted = basis @ (factors[k] * components)
        measured = fit.path[k][[0, 1]] - optimum
        np.testing.assert_allclose(
            measured, predicted, rtol=1e-9, atol=1e-9 * np.abs(optimum).max()
        )


def test_the_bound_line_says_diverges_at_the_bound_itself():
    """'converges' only strictly below the bound (a rate on it never shrinks the top)."""
    from linreg.cli_report import bound_line as _bound_line

    bound = minimize(X, Y, method="gd", num_iterations=0).bound
    at = minimize(X, Y, method="gd", learning_rate=bound, num_iterations=0)
    assert "so this rate diverges" in _bound_line(at, False)


def test_the_estimator_takes_options_and_pickles():
    """options= reaches the method through the estimator; a fitted estimator pickles."""
    import pickle
    import warnings

    from linreg.estimator import GradientDescentRegressor

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 50 Adam steps do not converge; that is not the point
        fast = GradientDescentRegressor(method="adam", options={"beta2": 0.5}, num_iterations=50)
        slow = GradientDescentRegressor(method="adam", num_iterations=50)
        fast.fit(X, Y), slow.fit(X, Y)
    assert fast.coef_[0] != slow.coef_[0]
    again = pickle.loads(pickle.dumps(fast))
    assert np.array_equal(again.coef_, fast.coef_) and again.get_params() == fast.get_params()
