"""Weighted least squares (issue 18): statsmodels' WLS to 1e-10, exact mode exact, integer
weights as repeated rows, zero weights as dropped rows, weighted Moments, bad weights."""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest

from linreg.data import load_points, read_nist
from linreg.errors import InputError
from linreg.moments import Moments
from linreg.solve import AccuracyWarning, least_squares
from linreg.weighted_moments import WeightedMoments

from .conftest import NIST_DIR
from .test_statsmodels import PARITY, exact_relative, relative

sm = pytest.importorskip("statsmodels.api")
datasets = pytest.importorskip("sklearn.datasets")

RNG = np.random.default_rng(1818)


def _data():
    points = load_points()
    longley = read_nist(NIST_DIR / "Longley.dat")
    X, y = datasets.load_diabetes(return_X_y=True)
    found = {
        "bundled": (points[:, :1], points[:, 1]),
        "Longley": (longley.design(), longley.target()),
        "diabetes": (X, y),
    }
    return {name: (X, y, RNG.uniform(0.2, 5.0, len(y))) for name, (X, y) in found.items()}


DATA = _data()
NAMES = ["params", "bse", "tvalues", "pvalues", "fvalue", "f_pvalue", "ssr", "ess"]
NAMES += ["llf", "aic", "bic", "rsquared", "rsquared_adj", "mse_model", "mse_resid", "df_resid"]
#: statsmodels' WLS further than 1e-10 from the exact answer (measured: Longley's mean_se
#: at its first rows, 4.5e-9, its pinv on a κ ≈ 5e9 design, as for OLS).
STATSMODELS_OFF = {("Longley", "prediction mean_se")}


@pytest.fixture(scope="module", params=sorted(DATA))
def three(request):
    X, y, w = DATA[request.param]
    return (
        request.param,
        X,
        least_squares(X, y, sample_weight=w),
        sm.WLS(y, sm.add_constant(X), weights=w).fit(),
        least_squares(X, y, sample_weight=w, exact=True),
    )


def test_wls_parity_with_statsmodels(three):
    name, X, ours, theirs, exact = three
    found = [(s, getattr(ours, s), getattr(theirs, s), getattr(exact, s)) for s in NAMES]
    found += [("conf_int", ours.conf_int(0.1), theirs.conf_int(0.1), exact.conf_int(0.1))]
    rows = X[:5]
    frames = [
        ours.get_prediction(rows).summary_frame(),
        theirs.get_prediction(sm.add_constant(rows, has_constant="add")).summary_frame(),
        exact.get_prediction(rows).summary_frame(),
    ]
    found += [(f"prediction {c}", *(f[c].to_numpy() for f in frames)) for c in frames[0].columns]
    off = set()
    for what, mine, statsmodels, truth in found:
        # weighted fits are whitened once (κε of the weighted problem: 1e-13 measured);
        # a p-value moves by t² + 1 times t's error
        bar = 1e-12 * (
            1 + (float(np.max(np.asarray(ours.tvalues) ** 2)) if what == "pvalues" else 0)
        )
        assert exact_relative(mine, truth) <= bar, f"{name} {what}: not exact"
        if relative(statsmodels, truth) > PARITY / 2:
            off.add((name, what))
            continue
        assert relative(mine, statsmodels) <= PARITY, f"{name} {what}"
    assert off == {entry for entry in STATSMODELS_OFF if entry[0] == name}
    assert ours.accurate  # certified within working accuracy (1e-10)


def test_the_summary_says_wls(three):
    _, _, ours, _, exact = three
    assert "WLS Regression Results" in str(ours.summary())
    assert "WLS Regression Results" in str(exact.summary())


# --- the convention: analytic weights (statsmodels' WLS), zero weights dropped ------------


def test_integer_weights_give_the_coefficients_of_repeated_rows():
    X, y, _ = DATA["diabetes"]
    counts = RNG.integers(1, 4, len(y))
    weighted = least_squares(X, y, sample_weight=counts)
    repeated = least_squares(np.repeat(X, counts, axis=0), np.repeat(y, counts))
    np.testing.assert_allclose(weighted.params, repeated.params, rtol=1e-12)
    assert weighted.ssr == pytest.approx(repeated.ssr, rel=1e-12)
    # analytic weights: the degrees of freedom count samples, not the weights' total
    assert weighted.df_resid == len(y) - 11 and repeated.df_resid == counts.sum() - 11


@pytest.mark.parametrize("exact", [False, True])
def test_zero_weights_drop_their_rows(exact):
    X, y, w = DATA["bundled"]
    w = w.copy()
    w[::3] = 0.0
    keep = w > 0
    full = least_squares(X, y, sample_weight=w, exact=exact)
    dropped = least_squares(X[keep], y[keep], sample_weight=w[keep], exact=exact)
    assert full.nobs == dropped.nobs == int(keep.sum())
    for name in ("params", "bse", "pvalues", "llf", "fvalue"):
        assert relative(getattr(full, name), getattr(dropped, name)) <= 1e-13, name


def test_unit_weights_are_ordinary_least_squares():
    X, y, _ = DATA["Longley"]
    ones = least_squares(X, y, sample_weight=np.ones(len(y)))
    plain = least_squares(X, y)
    for name in ("params", "bse", "fvalue", "llf", "rsquared_adj"):
        assert relative(getattr(ones, name), getattr(plain, name)) <= 1e-12, name


def test_exact_weighted_identities():
    X = [["1"], ["2"], ["3"], ["4.5"], ["6"]]
    y = ["2", "4.1", "5.9", "9.2", "12.5"]
    w = ["1", "2", "0.5", "3", "1.5"]
    fit = least_squares(X, y, sample_weight=w, exact=True)
    values, weights = [Fraction(v) for v in y], [Fraction(v) for v in w]
    total = sum(weights)
    mean = sum(a * b for a, b in zip(weights, values)) / total
    tss = sum(a * (b - mean) ** 2 for a, b in zip(weights, values))
    assert fit.ess + fit.ssr == tss and fit.weight_total == total
    residuals = [v - fit.intercept - fit.coef[0] * Fraction(x[0]) for x, v in zip(X, values)]
    assert fit.ssr == sum(a * r * r for a, r in zip(weights, residuals))
    assert sum(a * r for a, r in zip(weights, residuals)) == 0  # the normal equations
    assert fit.mse == fit.ssr / total
    logs = math.fsum(math.log(float(v)) for v in weights)
    assert float(fit.log_weight_sum) == pytest.approx(logs, rel=1e-15)


# --- weighted Moments ---------------------------------------------------------------------


def test_weighted_moments_equal_repeated_rows_and_merge():
    X, y, _ = DATA["diabetes"]
    counts = RNG.integers(0, 4, len(y))
    counts[0] = 1
    weighted = Moments.from_arrays(X, y, sample_weight=counts)
    repeated = Moments.from_arrays(np.repeat(X, counts, axis=0), np.repeat(y, counts))
    assert isinstance(weighted, WeightedMoments)
    assert weighted.count == repeated.count and weighted.rows == np.count_nonzero(counts)
    np.testing.assert_allclose(weighted.cxx, repeated.cxx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(weighted.mean_x, repeated.mean_x, rtol=1e-12, atol=1e-15)
    half = len(y) // 2
    parts = Moments.from_arrays(X[:half], y[:half], counts[:half]) + Moments.from_arrays(
        X[half:], y[half:], counts[half:]
    )
    assert isinstance(parts, WeightedMoments) and parts.rows == weighted.rows
    np.testing.assert_allclose(parts.cxx, weighted.cxx, rtol=1e-12, atol=1e-12)
    plain = Moments.from_arrays(X[:half], y[:half]) + Moments.from_arrays(
        X[half:], y[half:], np.ones(len(y) - half)
    )
    assert isinstance(plain, WeightedMoments) and plain.rows == len(y)


def test_least_squares_from_weighted_moments_is_wls():
    X, y, w = DATA["diabetes"]
    direct = least_squares(X, y, sample_weight=w)
    with warnings.catch_warnings():
        # from statistics alone the a-priori bound is 4e-10 here, weighted or not
        warnings.simplefilter("ignore", AccuracyWarning)
        stats = least_squares(Moments.from_arrays(X, y, sample_weight=w))
    for name in NAMES:
        assert relative(getattr(stats, name), getattr(direct, name)) <= 1e-11, name


def test_the_weighted_moments_rounding_bounds_hold():
    """The recorded bounds against exact rational statistics, on offset data."""
    x = 1e6 + RNG.uniform(0, 1, 200)
    y = 3 * x + RNG.normal(size=200)
    w = RNG.uniform(0.1, 10, 200)
    stats = WeightedMoments.from_arrays(x[:, None], y, w)
    W = sum(Fraction(v) for v in w)
    mean_x = sum(Fraction(a) * Fraction(b) for a, b in zip(w, x)) / W
    mean_y = sum(Fraction(a) * Fraction(b) for a, b in zip(w, y)) / W
    cxx = sum(Fraction(a) * (Fraction(b) - mean_x) ** 2 for a, b in zip(w, x))
    cyy = sum(Fraction(a) * (Fraction(b) - mean_y) ** 2 for a, b in zip(w, y))
    cxy = sum(
        Fraction(a) * (Fraction(b) - mean_x) * (Fraction(c) - mean_y) for a, b, c in zip(w, x, y)
    )
    spread = math.sqrt(float(cxx / W))
    assert abs(Fraction(stats.mean_x[0]) - mean_x) <= stats.mean_rounding * (
        abs(mean_x) + Fraction(spread)
    )
    root = math.sqrt(float(cxx * cyy))
    assert abs(Fraction(stats.cxy[0]) - cxy) <= Fraction(stats.rounding * root)
    assert abs(Fraction(stats.cxx[0, 0]) - cxx) <= Fraction(stats.rounding * float(cxx))


# --- bad weights ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "weights, message",
    [
        ([1.0, -1.0, 1.0, 1.0], r"sample_weight must be non-negative: sample_weight\[1\] = -1"),
        ([1.0, math.nan, 1.0, 1.0], "sample_weight holds a non-finite value"),
        ([1.0, math.inf, 1.0, 1.0], "sample_weight holds a non-finite value"),
        ([0.0, 0.0, 0.0, 0.0], "sample_weight is all zeros"),
        ([1.0, 1.0], "sample_weight has 2 values; X has 4 samples"),
        ([[1.0], [1.0], [1.0], [1.0]], "sample_weight must be 1-D"),
        (["a", "b", "c", "d"], "sample_weight must hold numbers"),
    ],
)
def test_bad_weights_are_refused(weights, message):
    X, y = [[0.0], [1.0], [2.0], [3.0]], [1.0, 2.0, 2.5, 4.0]
    with pytest.raises(InputError, match=message):
        least_squares(X, y, sample_weight=weights)
    with pytest.raises(InputError, match=message):
        Moments.from_arrays(X, y, sample_weight=weights)


@pytest.mark.parametrize(
    "weights, message",
    [
        (["1", "-0.5", "1", "1"], r"sample_weight must be non-negative: sample_weight\[1\]"),
        (["0", "0", "0", "0"], "sample_weight is all zeros"),
        (["1", "1"], "sample_weight has 2 values; X has 4 samples"),
        (["1", "nan", "1", "1"], r"sample_weight\[1\]"),
    ],
)
def test_bad_exact_weights_are_refused(weights, message):
    X, y = [["0"], ["1"], ["2"], ["3"]], ["1", "2", "2.5", "4"]
    with pytest.raises(InputError, match=message):
        least_squares(X, y, sample_weight=weights, exact=True)


def test_too_few_weighted_samples():
    from linreg.errors import SingularProblemError

    with pytest.raises(SingularProblemError, match="1 points cannot determine 2 parameters"):
        least_squares([[0.0], [1.0], [2.0]], [1.0, 2.0, 3.0], sample_weight=[0.0, 1.0, 0.0])


def test_weights_and_moments_do_not_mix():
    X, y, w = DATA["bundled"]
    with pytest.raises(InputError, match="build them weighted"):
        least_squares(Moments.from_arrays(X, y), sample_weight=w)


# --- descent and the estimator ------------------------------------------------------------


def test_descent_reaches_the_weighted_optimum():
    from linreg import gradient_descent, minimize

    X, y, w = DATA["diabetes"]
    best = least_squares(X, y, sample_weight=w)
    fit = minimize(X, y, method="cg", num_iterations=200, tol=1e-9, sample_weight=w)
    assert fit.converged
    gap = np.linalg.norm(np.append(fit.w, fit.b) - best.params[[*range(1, 11), 0]])
    assert gap <= 1e-9 * np.linalg.norm(best.params) * 1.01  # the certified tolerance
    counts = RNG.integers(1, 4, len(y))
    weighted = gradient_descent(X, y, learning_rate="auto", num_iterations=50, sample_weight=counts)
    repeated = gradient_descent(
        np.repeat(X, counts, axis=0), np.repeat(y, counts), learning_rate="auto", num_iterations=50
    )
    np.testing.assert_allclose(weighted.w, repeated.w, rtol=1e-9, atol=1e-9)


def test_descent_refuses_weights_with_moments_or_the_pass():
    from linreg import minimize

    X, y, w = DATA["bundled"]
    with pytest.raises(InputError, match="weigh Moments as they are built"):
        minimize(Moments.from_arrays(X, y), sample_weight=w)
    with pytest.raises(InputError, match="evaluate='pass' does not take sample_weight"):
        minimize(X, y, evaluate="pass", sample_weight=w)


def test_the_estimator_takes_sample_weight():
    from linreg import GradientDescentRegressor

    X, y, _ = DATA["diabetes"]
    counts = RNG.integers(0, 3, len(y))
    model = GradientDescentRegressor(method="cg", tol=1e-9).fit(X, y, sample_weight=counts)
    keep = counts > 0
    repeated = GradientDescentRegressor(method="cg", tol=1e-9).fit(
        np.repeat(X[keep], counts[keep], axis=0), np.repeat(y[keep], counts[keep])
    )
    # both certified within tol = 1e-9 of ‖θ*‖ (two certified fits: 2e-9 apart at most);
    # a coefficient small against ‖θ*‖ may differ by more than that relative to itself
    theta = np.append(model.coef_, model.intercept_)
    other = np.append(repeated.coef_, repeated.intercept_)
    assert np.linalg.norm(theta - other) <= 2e-9 * np.linalg.norm(other)
    with pytest.raises(ValueError, match=r"[Nn]egative"):
        GradientDescentRegressor().fit(X, y, sample_weight=-np.ones(len(y)))
