"""The descent redesign: certified verdicts, every method, predictions, ridge, messages."""

from __future__ import annotations

import math
import warnings
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

import linreg
from linreg import DivergenceError, InputError, gradient_descent, minimize
from linreg.descent import slowest_direction_estimate as predicted_iterations
from linreg.descent import step
from linreg.methods import METHODS
from linreg.moments import Moments
from linreg.problem import Quadratic
from linreg.seam import no_theory
from linreg.solve import least_squares

from .conftest import EPS, ROOT

RNG = np.random.default_rng(9)
ALL = list(METHODS)


def _problem(kappa_scale: float, n: int = 120, d: int = 3, seed: int = 0):
    """Features whose spread differs by ``kappa_scale`` between columns, with an offset."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * np.geomspace(1.0, kappa_scale, d) + 3.0
    y = X @ rng.normal(size=d) + 2.0 + rng.normal(scale=0.1, size=n)
    return X, y


def _true_distance(fit, X, y):
    best = least_squares(X, y)
    theta = np.append(fit.w, fit.b)
    optimum = np.append(best.coef, best.intercept)
    return np.linalg.norm(theta - optimum), np.linalg.norm(optimum)


# --- the certificate -------------------------------------------------------------------------


@pytest.mark.parametrize("method", ALL)
@pytest.mark.parametrize("standardize", [False, True])
def test_distance_is_the_true_distance(method, standardize):
    X, y = _problem(30.0)
    fit = minimize(X, y, method=method, num_iterations=7, standardize=standardize)
    distance, norm = _true_distance(fit, X, y)
    # Both are ‖θ − θ*‖ for one θ; they differ by the rounding of θ* (κ·ε relative, κ ≈ 1e4).
    assert fit.distance == pytest.approx(distance, rel=1e-6, abs=1e-9 * norm)
    assert fit.converged == (distance <= fit.tol * norm)


def test_livestream_583086_is_not_converged(X, y):
    """The issue's case: b is 1.2 % off after 583,086 iterations, so no verdict of converged."""
    fit = gradient_descent(X, y, learning_rate=1e-4, num_iterations=583_086)
    best = least_squares(X, y)
    assert abs(fit.b - best.intercept) / best.intercept == pytest.approx(0.0122, abs=1e-3)
    assert not fit.converged
    assert fit.relative_distance == pytest.approx(0.01206, rel=1e-3)


@pytest.mark.parametrize(
    "method, kwargs",
    [("gd", {}), ("momentum", {}), ("nesterov", {}), ("adam", {"learning_rate": 0.01})],
)
@pytest.mark.parametrize("evaluate", ["moments", "pass"])
def test_tol_stops_at_the_first_certified_iteration(method, kwargs, evaluate):
    X, y = _problem(5.0, seed=11)
    tol = 1e-6
    fit = minimize(
        X, y, method=method, tol=tol, num_iterations=200_000, evaluate=evaluate, **kwargs
    )
    assert fit.converged and fit.stop_reason == "tol" and fit.relative_distance <= tol
    before = minimize(
        X, y, method=method, num_iterations=fit.n_iter - 1, evaluate=evaluate, **kwargs
    )
    assert before.relative_distance > tol  # no sooner
    distance, norm = _true_distance(fit, X, y)
    assert distance <= tol * norm * (1 + 1e-6)  # the verdict is true, not a proxy


def test_unresolvable_distance_is_not_certified():
    """κ so large that float64 cannot resolve 1e-12: no converged, whatever the steps say."""
    x = np.linspace(1e6, 1e6 + 1.0, 50)[:, None]
    y = 2.0 * x[:, 0] + 1.0
    fit = minimize(x, y, method="newton", num_iterations=3, tol=1e-15)
    assert not fit.converged


# --- every method -----------------------------------------------------------------------------


def _adaptive(method: str) -> bool:
    """A method with a step size but no theory of it (Adam): its default step is a
    general-purpose 1e-3, so these tests give it a larger one."""
    declared = METHODS[method]
    takes_rate = any(option.name == "learning_rate" for option in declared.options)
    return takes_rate and declared.classical is no_theory


@pytest.mark.parametrize("method", ALL)
def test_every_method_reaches_the_closed_form(method):
    X, y = _problem(3.0, seed=1)
    best = least_squares(X, y)
    kwargs = {"learning_rate": 0.003} if _adaptive(method) else {}
    fit = minimize(X, y, method=method, num_iterations=100_000, tol=1e-10, standardize=True,
                   **kwargs)  # fmt: skip
    assert fit.converged, method
    # A certified relative distance of 1e-10 bounds each coefficient's error.
    scale = np.linalg.norm(np.append(best.coef, best.intercept))
    np.testing.assert_allclose(fit.w, best.coef, atol=1.01e-10 * scale)


@pytest.mark.parametrize("method", ALL)
def test_pass_and_moments_give_the_same_iterates(method):
    X, y = _problem(10.0, seed=2)
    kwargs = {"learning_rate": 0.01} if _adaptive(method) else {}
    # BB is not monotone: it amplifies rounding, so compare its first steps only.
    steps = 10 if method == "bb" else 40
    a = minimize(X, y, method=method, num_iterations=steps, return_path=True, **kwargs)
    b = minimize(X, y, method=method, num_iterations=steps, return_path=True, evaluate="pass",
                 **kwargs)  # fmt: skip
    # Two roundings of the same gradients, over 40 steps: ~1e-13 relative (tested: < 1e-10).
    np.testing.assert_allclose(a.path, b.path, rtol=1e-10, atol=1e-10 * np.abs(b.path).max())


def test_cg_finishes_in_d_plus_one_steps():
    X, y = _problem(100.0, d=4, seed=3)
    # d + 1 = 5 steps in exact arithmetic; standardized, so rounding does not spoil it.
    fit = minimize(X, y, method="cg", num_iterations=5, standardize=True)
    assert fit.converged and fit.predicted_iterations <= 5


def test_newton_is_one_step():
    X, y = _problem(1000.0, seed=4)
    fit = minimize(X, y, method="newton", num_iterations=1)
    assert fit.converged and fit.predicted_iterations == 1


# --- predictions --------------------------------------------------------------------------------

PROBLEMS = {
    "bundled (kappa 66,031)": None,
    "kappa ~ 1e2": (3.0, 5),
    "kappa ~ 1e4": (30.0, 6),
}


def _data(name, X, y):
    spec = PROBLEMS[name]
    return (X, y) if spec is None else _problem(spec[0], seed=spec[1])


@pytest.mark.parametrize("name", list(PROBLEMS))
@pytest.mark.parametrize(
    "method, kwargs",
    [
        ("gd", {}),
        ("gd", {"learning_rate": "auto"}),
        ("momentum", {}),
        ("momentum", {"momentum": 0.5}),
        ("nesterov", {}),
    ],
)
def test_prediction_is_the_measured_first_crossing(name, method, kwargs, X, y):
    data_X, data_y = _data(name, X, y)
    predicted = minimize(data_X, data_y, method=method, num_iterations=0, **kwargs)
    assert predicted.prediction_kind == "exact"
    fit = minimize(data_X, data_y, method=method, num_iterations=3_000_000, tol=1e-6, **kwargs)
    assert fit.stop_reason == "tol"
    # The issue asks for 2 %; the prediction is the exact-arithmetic count, so it is
    # usually equal, and off by at most a step or two where rounding meets the threshold.
    assert abs(predicted.predicted_iterations - fit.n_iter) <= max(2, 0.02 * fit.n_iter)


def test_heavy_ball_predictions_of_the_issue(X, y):
    """μ = 0.9 at η = 1e-4 needs 182,695; at 1.5·2/λmax (above gd's bound) 30,249."""
    slow = gradient_descent(X, y, learning_rate=1e-4, momentum=0.9, num_iterations=0)
    assert slow.predicted_iterations == 182_695
    bound = 2.0 / np.linalg.eigvalsh(linreg.loss.mse_hessian(X))[-1]
    fast = gradient_descent(X, y, learning_rate=1.5 * bound, momentum=0.9, num_iterations=0)
    assert fast.predicted_iterations == 30_249
    run = gradient_descent(X, y, learning_rate=1.5 * bound, momentum=0.9, tol=1e-6,
                           num_iterations=40_000)  # fmt: skip
    assert run.n_iter == 30_249 and run.converged


@pytest.mark.parametrize("method", ["steepest", "cg"])
@pytest.mark.parametrize("name", list(PROBLEMS))
def test_classical_bounds_hold(name, method, X, y):
    data_X, data_y = _data(name, X, y)
    bound = minimize(data_X, data_y, method=method, num_iterations=0)
    assert bound.prediction_kind == "bound"
    fit = minimize(data_X, data_y, method=method, num_iterations=1_000_000, tol=1e-6)
    assert fit.n_iter <= bound.predicted_iterations


@pytest.mark.parametrize("method", ["bb", "adam"])
def test_no_theory_says_so(method, X, y):
    fit = minimize(X, y, method=method, num_iterations=0)
    assert fit.prediction_kind == "none" and math.isnan(fit.predicted_iterations)


# --- defaults, bounds and messages --------------------------------------------------------------


def test_defaults_come_from_the_eigenvalues(X, y):
    lam = np.linalg.eigvalsh(linreg.loss.mse_hessian(X))
    low, high = lam[0], lam[-1]
    assert minimize(X, y, num_iterations=0).learning_rate == pytest.approx(2 / (low + high))
    heavy = minimize(X, y, method="momentum", num_iterations=0)
    root = np.sqrt(high / low)
    assert heavy.learning_rate == pytest.approx(4 / (np.sqrt(high) + np.sqrt(low)) ** 2)
    assert heavy.momentum == pytest.approx(((root - 1) / (root + 1)) ** 2)


def test_momentum_bound_is_two_one_plus_mu_over_lambda(X, y):
    """Between 2/λ and 2(1+μ)/λ heavy ball converges; above 2(1+μ)/λ it diverges."""
    lam = np.linalg.eigvalsh(linreg.loss.mse_hessian(X))[-1]
    fine = gradient_descent(X, y, learning_rate=3.0 / lam, momentum=0.9, num_iterations=500)
    assert fine.bound == pytest.approx(2 * 1.9 / lam, rel=1e-12)
    assert fine.bound_name == "2(1+mu)/lambda_max"
    with pytest.raises(DivergenceError, match=r"2\(1\+mu\)/lambda_max = "):
        gradient_descent(X, y, learning_rate=4.0 / lam, momentum=0.9, num_iterations=500)


def test_minibatch_divergence_is_explained_as_a_minibatch_matter():
    x = np.linspace(0, 1, 50)[:, None]
    y = 3 * x[:, 0] + 1
    with pytest.raises(DivergenceError, match="mini-batch") as caught:
        gradient_descent(x, y, learning_rate=0.9, num_iterations=200, batch_size=1,
                         random_state=0)  # fmt: skip
    assert "single-batch curvature" in str(caught.value)
    assert "2/lambda_max =" not in str(caught.value)


@pytest.mark.parametrize("method", ["momentum", "adam"])
def test_minibatch_methods(method):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 2))
    y = X @ [2.0, -1.0] + 0.5  # noise-free: a small fixed step converges exactly
    kwargs = {"learning_rate": 0.02, "momentum": 0.5} if method == "momentum" else {
        "learning_rate": 0.01}  # fmt: skip
    fit = minimize(X, y, method=method, num_iterations=300, batch_size=16, random_state=7,
                   **kwargs)  # fmt: skip
    assert fit.relative_distance < 1e-3


def test_minibatch_rejects_curvature_methods(X, y):
    with pytest.raises(InputError, match="batch_size works with the methods gd, momentum"):
        minimize(X, y, method="cg", batch_size=10)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"method": "sgd"}, "method must be one of gd, momentum"),
        ({"method": "cg", "learning_rate": 0.1}, "method 'cg' takes no option 'learning_rate'"),
        (
            {"method": "gd", "momentum": 0.5},
            "method 'gd' takes no option 'momentum'; its options: learning_rate",
        ),
        ({"momentum": 1.5, "method": "momentum"}, r"momentum must be in \[0, 1\)"),
    ],
)
def test_bad_method_arguments(X, y, kwargs, message):
    with pytest.raises(InputError, match=message):
        minimize(X, y, **kwargs)


def test_bad_helpers():
    with pytest.raises(InputError, match="eigenvalues is empty"):
        predicted_iterations(1e-4, [])
    with pytest.raises(InputError, match="learning_rate must be positive"):
        predicted_iterations(0.0, [1.0])
    _, new_b = step([[1.0], [3.0]], [2.0, 4.0], [0.0], Decimal("0"), 0.1)
    assert isinstance(new_b, float) and new_b == pytest.approx(0.6)
    with pytest.raises(InputError, match="b must be a real number"):
        step([[1.0]], [2.0], [0.0], "zero", 0.1)


# --- ridge --------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["gd", "momentum", "cg", "newton"])
def test_ridge_matches_its_exact_solution(method, points):
    """m* = Cxy/(Cxx + Nα), b* = ȳ − m*x̄ in exact rationals of the float data."""
    alpha = 0.25
    xs = [Fraction(v) for v in points[:, 0]]
    ys = [Fraction(v) for v in points[:, 1]]
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    cxx = sum((a - mx) ** 2 for a in xs)
    cxy = sum((a - mx) * (c - my) for a, c in zip(xs, ys))
    slope = cxy / (cxx + n * Fraction(alpha))
    intercept = my - slope * mx
    fit = minimize(points[:, :1], points[:, 1], method=method, alpha=alpha, standardize=True,
                   num_iterations=5000, tol=1e-14)  # fmt: skip
    # Ridge in standardized coordinates is well conditioned: 1e-12 is rounding with room.
    assert fit.m == pytest.approx(float(slope), rel=1e-12)
    assert fit.b == pytest.approx(float(intercept), rel=1e-12)


def test_ridge_relates_to_scikit_learn_by_n():
    sklearn = pytest.importorskip("sklearn.linear_model")
    X, y = _problem(2.0, seed=8)
    a = 3.0
    ridge = sklearn.Ridge(alpha=a).fit(X, y)
    fit = minimize(X, y, method="newton", alpha=a / len(y), num_iterations=1)
    np.testing.assert_allclose(fit.w, ridge.coef_, rtol=1e-10)  # two exact solvers: rounding


# --- accuracy of the closed-form iterates --------------------------------------------------------


# The closed-form iterates' test, stated on the performance page (a test below checks it).
TRACK_STEPS, TRACK_SLACK, TRACK_LOG_KAPPAS, TRACK_FRACTIONS = 1000, 10, [2, 5, 8], [0.5, 0.99]


@pytest.mark.parametrize("log_kappa", TRACK_LOG_KAPPAS)
@pytest.mark.parametrize("fraction", TRACK_FRACTIONS)
def test_closed_form_iterates_track_the_per_pass_loop(log_kappa, fraction):
    rng = np.random.default_rng(log_kappa)
    n, d = 200, 5
    U, _ = np.linalg.qr(rng.normal(size=(n, d)))
    V, _ = np.linalg.qr(rng.normal(size=(d, d)))
    X = (U * np.geomspace(1, 10 ** (log_kappa / 2), d)) @ V.T * 3 + rng.normal(size=d) * 5
    y = X @ rng.normal(size=d) + rng.normal(size=n)
    quadratic = Quadratic.build(Moments.from_arrays(X, y), alpha=0.0, standardize=False,
                                intercept=True)  # fmt: skip
    rate = fraction * 2 / quadratic.lambda_max
    fast = minimize(X, y, learning_rate=rate, num_iterations=TRACK_STEPS, return_path=True)
    loop = minimize(X, y, learning_rate=rate, num_iterations=TRACK_STEPS, return_path=True,
                    evaluate="pass")  # fmt: skip
    size = np.abs(loop.path[1:]).max(axis=1, keepdims=True)  # row 0 is the zero start
    worst = float(np.max(np.abs(fast.path[1:] - loop.path[1:]) / size))
    # Any evaluation from float64 statistics drifts from the per-pass loop by O(k·ε·ηλ):
    # a fixed rounding of H compounds over k steps. Measured: at most 1.3e-12 (κ ≤ 1e8,
    # η ≤ 0.99·bound, k = 1000); k·ε·2 = 4.4e-13 per unit of that constant.
    assert worst <= TRACK_STEPS * 2 * EPS * TRACK_SLACK


def test_performance_page_states_the_tracking_test():
    """The page's sentence about the closed-form iterates is this test's, number for number."""
    page = " ".join((ROOT / "docs" / "performance.md").read_text().split())
    # In words: the page types no formula of more than one symbol (tests/test_typed_math.py).
    sentence = (
        f"relative {TRACK_STEPS} steps' worth of rounding (twice float64's rounding unit "
        f"$\\varepsilon$ a step, with a margin of {TRACK_SLACK}) over {TRACK_STEPS} steps, for "
        f"condition numbers up to $10^{max(TRACK_LOG_KAPPAS)}$ and rates up to "
        f"{max(TRACK_FRACTIONS)} of the bound"
    )
    assert sentence in page


def test_estimator_defaults_converge_on_diabetes():
    datasets = pytest.importorskip("sklearn.datasets")
    linear_model = pytest.importorskip("sklearn.linear_model")
    X, y = datasets.load_diabetes(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning, no other warning
        model = linreg.GradientDescentRegressor().fit(X, y)
    assert model.converged_
    reference = linear_model.LinearRegression().fit(X, y)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-8)
    assert model.intercept_ == pytest.approx(reference.intercept_, rel=1e-8)


def test_warning_never_suggests_settings_in_use(X, y):
    sklearn = pytest.importorskip("sklearn.exceptions")
    model = linreg.GradientDescentRegressor(method="gd", learning_rate=1e-5, num_iterations=3)
    with pytest.warns(sklearn.ConvergenceWarning) as caught:
        model.fit(X, y)
    message = str(caught[0].message)
    assert "standardize=True" not in message and "certified distance" in message


# --- right or refused at every scale (issue 10's descent cases) ---------------------------------


@pytest.mark.parametrize("scale", [1e-300, 1e-160, 1e-100, 1e100, 1e150, 1e200, 1e300])
@pytest.mark.parametrize("face", ["minimize", "estimator", "cli"])
def test_descent_is_right_or_refused_at_every_scale(scale, face, points, tmp_path, capsys):
    """x·s, y·s: the slope is unchanged and b scales by s, or a clear refusal, never a wrong
    converged answer (nor, on the command line, results printed before an error)."""
    X, y = points[:, :1] * scale, points[:, 1] * scale
    exact = least_squares(points[:, :1], points[:, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            if face == "minimize":
                fit = minimize(X, y, method="cg", standardize=True)
                slope, intercept, converged = fit.m, fit.b, fit.converged
            elif face == "estimator":
                model = linreg.GradientDescentRegressor().fit(X, y)
                slope, intercept, converged = model.coef_[0], model.intercept_, model.converged_
            else:
                path = tmp_path / "scaled.npy"
                np.save(path, np.column_stack([X[:, 0], y]))
                from linreg.cli import main

                code = main(["--data", str(path), "--method", "cg", "--standardize"])
                out, err = capsys.readouterr()
                if code != 0:
                    assert out == "" and ("too small" in err or "too large" in err), err
                    return
                assert "Method cg converged" in out
                return
        except InputError as error:
            assert "too small" in str(error) or "too large" in str(error)
            return
    assert converged
    # Scaling by a power of ten is not exact in binary: 1e-9 is the issue's bar.
    assert slope == pytest.approx(float(exact.coef[0]), rel=1e-9)
    assert intercept / scale == pytest.approx(exact.intercept, rel=1e-9)


@pytest.mark.parametrize("offset", [1e13, 1e14, 1e15, 1e16])
def test_descent_with_large_offsets(offset, points):
    X = points[:, :1] + offset
    exact = least_squares(X.tolist(), points[:, 1].tolist(), exact=True)
    fit = minimize(X, points[:, 1], method="cg", standardize=True)
    assert fit.m == pytest.approx(float(exact.coef[0]), rel=1e-9)
