"""Hostile input through the API (issue 17's cases outside the command line): each is a
one-line InputError naming what was wrong, never a raw exception or a silent answer."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import linreg
from linreg import InputError, LinregError, minimize
from linreg.moments import Moments
from linreg.solve import least_squares, polynomial_least_squares

POINTS = linreg.load_points()
X, Y = POINTS[:, :1], POINTS[:, 1]
ONE = (np.array([1.0]), 1.0, np.array([[1.0]]), np.array([1.0]), 1.0)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: minimize(X, Y, w0=[10**400]), "w0 holds a number beyond float64's range"),
        (lambda: minimize(X, Y, learning_rate=10**400), "learning_rate must be a real number"),
        (lambda: polynomial_least_squares([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], 10**9),
         "3 points cannot determine"),  # checked before any power (22 GiB) is formed
        (lambda: Moments.from_arrays(X, Y).merge(None), "can only merge Moments with Moments"),
        (lambda: minimize(Moments(0, *ONE)), "count must be a positive integer, got 0"),
        (lambda: minimize(Moments(2.5, *ONE)), "count must be a positive integer, got 2.5"),
        (lambda: minimize(Moments(5, ONE[0], 1.0, np.array([[-1.0]]), ONE[3], 1.0)),
         "sums of squares: none is negative"),
        (lambda: least_squares(Moments(5, np.array([1.0, 2.0]), *ONE[1:])), "fields disagree"),
        (lambda: minimize(Moments(5, np.array([np.nan]), *ONE[1:])), "mean_x holds a value"),
    ],
)  # fmt: skip
def test_refused_with_a_message(call, message):
    with pytest.raises(InputError, match=message):
        call()


@pytest.mark.skipif(
    np.finfo(np.longdouble).max <= np.finfo(np.float64).max,
    reason="this platform's long double is float64",
)
def test_a_long_double_beyond_float64_is_named_without_a_warning():
    """numpy's cast warned of the overflow, then the check called 1e4000 non-finite."""
    X_wide = X.astype(np.longdouble)
    X_wide[3, 0] = np.longdouble("1e4000")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputError) as caught:
            minimize(X_wide, Y)
    assert str(caught.value) == (
        "X holds 1e+4000 at index [3, 0], beyond float64's range (about ±1.8e308): rescale it"
    )
    wide = minimize(X.astype(np.longdouble), Y.astype(np.longdouble), num_iterations=5)
    plain = minimize(X, Y, num_iterations=5)
    assert (wide.w.tolist(), wide.b) == (plain.w.tolist(), plain.b)


@pytest.mark.parametrize(
    "X_bad",
    [
        np.array(["2020-01-01", "2020-01-02", "2020-01-03"], dtype="datetime64[D]")[:, None],
        np.array([1, 2, 3], dtype="timedelta64[s]")[:, None],
        np.array([["1"], ["2"], ["3"]]),
        np.array([[b"1"], [b"2"], [b"3"]]),
        np.ma.masked_array([[1.0], [2.0], [-999.0]], mask=[[0], [0], [1]]),
        [["1"], ["2"], ["3"]],
    ],
    ids=["dates", "time spans", "strings", "bytes", "masked", "a list of strings"],
)
def test_the_estimator_refuses_what_sklearn_would_convert(X_bad):
    """The masked −999 sentinel gave a slope of 0.0106 instead of 1.3224, silently."""
    from linreg.estimator import GradientDescentRegressor

    with pytest.raises(InputError, match=r"numbers|masked"):
        GradientDescentRegressor().fit(X_bad, [1.0, 2.0, 3.0])


def test_the_estimator_refuses_pandas_dates():
    pandas = pytest.importorskip("pandas")
    from linreg.estimator import GradientDescentRegressor

    dates = pandas.DataFrame({"d": pandas.to_datetime(["2020-01-01", "2020-01-02", "2020-01-03"])})
    with pytest.raises(InputError, match="dates"):
        GradientDescentRegressor().fit(dates, [1.0, 2.0, 3.0])


@pytest.mark.parametrize("method", ["cg", "steepest"])
def test_tol_zero_is_a_prediction_of_none_not_a_math_error(method):
    """--tol 0 with cg or steepest: a math domain error in the energy bound, before."""
    fit = minimize(X, Y, method=method, tol=0.0, num_iterations=20)
    assert np.isnan(fit.predicted_iterations) and "error floor" in fit.prediction_reason


@pytest.mark.parametrize("method", ["newton", "nesterov", "momentum"])
def test_a_huge_start_on_offset_data_is_no_overflow(method):
    """x + 1e9 with m0 = 1e150: an OverflowError, before."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = minimize(X + 1e9, Y, method=method, w0=[1e150], num_iterations=50)
        except LinregError:
            return  # refused in words is fine; a raw exception is not
    assert fit.verdict in ("converged", "not converged", "cannot be certified")


def test_exact_sums_of_a_wide_exponent_spread_are_taken_a_chunk_at_a_time(monkeypatch):
    """Exponents over 10^±300 (issue 17: 1e6 rows held 1.6 GB of bins at once): the exact
    sums come in chunks of bins, and give the same exact answer as one chunk."""
    from fractions import Fraction

    from linreg import exact_solver

    rng = np.random.default_rng(0)
    x = rng.uniform(1, 10, 5000) * 10.0 ** rng.integers(-300, 300, 5000)
    y = 2 * x + rng.uniform(1, 10, 5000) * 10.0 ** rng.integers(-300, 300, 5000)
    whole = exact_solver._limb_sums([x, y])
    monkeypatch.setattr(exact_solver, "_BINS", 1)  # every chunk one block of rows
    chunked = exact_solver._limb_sums([x, y])
    assert chunked == whole
    assert whole[0][1] == sum(Fraction(float(a)) * Fraction(float(b)) for a, b in zip(x, y))


# --- issue 17 (lesser17): weights whose products underflow are named ----------------

_HEAD = (
    "sample_weight: the weighted statistics underflow float64 (below 1e-292) and have lost "
    "their digits, though the data's own do not: "
)
_TOO_SMALL = _HEAD + (
    "the weights are too small (the largest is 1e-300); rescale them (e.g. divide each by "
    "the largest: only their ratios matter)"
)
_TOO_WIDE = _HEAD + (
    "the weights span too wide a range (from 1e-300 to 1): what the least-weighted samples "
    "add underflows; give them larger weights (only the ratios matter), or weight 0 to drop "
    "them"
)
#: The samples of weight 1 are one point, so all the spread is in those of weight 1e-300.
_STACKED = np.array([[1.0]] * 5 + [[2.0], [3.0], [4.0], [5.0], [6.0]])
_STACKED_Y = np.array([1.0] * 5 + [2.0, 4.0, 3.0, 5.0, 7.0])


def _fit(X, y, w):  # type: ignore[no-untyped-def]
    sklearn = pytest.importorskip("sklearn")
    assert sklearn
    return linreg.GradientDescentRegressor().fit(X, y, sample_weight=w)


@pytest.mark.parametrize("route", [_fit, minimize, Moments.from_arrays])
@pytest.mark.parametrize(
    ("X", "y", "w", "message"),
    [
        (X, Y, np.full(len(Y), 1e-300), _TOO_SMALL),
        (_STACKED, _STACKED_Y, np.array([1.0] * 5 + [1e-300] * 5), _TOO_WIDE),
    ],
    ids=["all tiny", "1 and 1e-300"],
)
def test_weights_whose_products_underflow_are_blamed_not_the_data(route, X, y, w, message):
    """It said "the data are too small ... rescale X and y", of data that are not."""
    with pytest.raises(InputError) as raised:
        route(X, y, w) if route is _fit else route(X, y, sample_weight=w)
    assert str(raised.value) == message


def test_data_too_small_themselves_are_still_named_with_any_weights():
    tiny = 1e-150 * X
    with pytest.raises(InputError, match=r"^the data are too small: their squares underflow"):
        minimize(tiny, 1e-150 * Y, sample_weight=np.full(len(Y), 1e-10))
    # small weights whose products stay above 1e-292: fitted, as unit weights fit
    small = minimize(X, Y, sample_weight=np.full(len(Y), 2.0**-900))
    assert np.allclose(small.w, minimize(X, Y).w, rtol=1e-9, atol=0)


@pytest.mark.parametrize(
    "start",
    [
        {"w0": [1e308], "method": "cg"},
        {"w0": [1e308]},
        {"b0": 1e300, "method": "gd"},
        {"w0": [1e308], "standardize": True},
    ],
)
def test_a_far_start_is_blamed_not_the_data(start):
    """minimize(w0=[1e308], method='cg') said the data were too large for float64."""
    from linreg.errors import FarStartError

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(FarStartError, match=r"the start \(w0, b0\) is too far from these"):
            minimize([[1.0], [2.0], [3.0]], [1.0, 2.0, 3.5], **start)


def test_step_words_a_wrong_w_as_weights_not_samples():
    """descent.step said w 'must be 1-D of shape (n_samples,)' for a column of weights."""
    from linreg.descent import step

    with pytest.raises(InputError, match=r"w must be 1-D of shape \(n_features,\), one weight"):
        step([[1.0], [3.0]], [2.0, 4.0], [[0.0]], 0.0, 0.1)
    with pytest.raises(InputError, match="w has 2 weights but X has 1 features"):
        step([[1.0], [3.0]], [2.0, 4.0], [0.0, 1.0], 0.0, 0.1)


@pytest.mark.parametrize("standardize", [False, True])
def test_a_huge_alpha_is_blamed_not_the_data(standardize):
    """alpha=1e200 on data of size 20 said the data were too large for float64."""
    X, y = np.arange(10.0)[:, None], 2 * np.arange(10.0) + 1
    with pytest.raises(InputError, match=r"^alpha 1e\+200 is too large for float64: its ridge"):
        minimize(X, y, alpha=1e200, standardize=standardize)
    with pytest.raises(InputError, match=r"^the data are too large for float64"):
        minimize(X * 1e150, y * 1e150)
