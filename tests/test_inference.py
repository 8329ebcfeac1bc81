"""Inference on a least-squares fit (linreg.inference, linreg.intervals): the ANOVA table,
t and F tests, intervals, likelihood, against exact rational references on adversarial
data, and every None with its reason."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from linreg.distributions import t_isf, t_sf
from linreg.errors import InputError
from linreg.moments import Moments
from linreg.solve import least_squares

RNG = np.random.default_rng(18)
N = 40
U = RNG.uniform(0, 1, N)


def _orthogonal_noise():
    """Noise with its least-squares line taken out, plus a slope of 1e-6: R² ≈ 1e-13, where
    ESS = TSS − SSR in float64 would keep 3 digits of the 16."""
    noise = RNG.normal(size=N)
    Z = np.column_stack([np.ones(N), U])
    return noise - Z @ np.linalg.lstsq(Z, noise, rcond=None)[0] + 1e-6 * U


#: Float data that a float solver finds hard, each with its exact reference
#: (least_squares(exact=True) on the same float values) and the relative error allowed:
#: a few ulps for well-conditioned data; for the near-collinear pair (κ ≈ 7e5) the
#: standard errors are refined in double-double (1e-12 measured) and the variances at new
#: X are sums of squares of a QR's R⁻ᵀd (κε ≈ 1e-10); with R² = 1 − 1e-20 SSR is off by
#: the weights' rounding squared, ‖Zδθ‖² ≈ (ε‖y‖)², 1e-12 of it (2e-13 measured).
ADVERSARIAL = {
    "offset 1e8": (np.column_stack([1e8 + U]), 1e8 + 2 * U + RNG.normal(size=N), True, 1e-13),
    "near-collinear": (
        np.column_stack([U, U + 1e-6 * RNG.normal(size=N)]),
        U + 0.1 * RNG.normal(size=N),
        True,
        1e-9,
    ),
    "tiny residuals": (np.column_stack([U]), 1 + 2 * U + 1e-10 * RNG.normal(size=N), True, 1e-11),
    "R² near 0": (np.column_stack([U]), 1e-3 * U + RNG.normal(size=N), True, 1e-13),
    "R² 1e-13": (np.column_stack([U]), _orthogonal_noise(), True, 1e-13),
    "no intercept": (np.column_stack([U, U**2]), 3 * U + RNG.normal(size=N), False, 1e-12),
    "wide scales": (
        RNG.normal(size=(N, 6)) * 10.0 ** np.arange(-6, 6, 2),
        RNG.normal(size=N),
        True,
        1e-12,
    ),
}
STATISTICS = [
    "ssr",
    "ess",
    "mse_model",
    "mse_resid",
    "fvalue",
    "f_pvalue",
    "rsquared_adj",
    "llf",
    "aic",
    "bic",
    "params",
    "bse",
    "tvalues",
    "pvalues",
]


def relative(value, reference):
    """max |value − reference| / |reference|, entrywise, in rationals (0/0 is 0)."""
    values = [Fraction(float(v)) for v in np.ravel(np.asarray(value, dtype=object))]
    references = [Fraction(r) for r in np.ravel(np.asarray(reference, dtype=object))]
    errors = [abs(v - r) / abs(r) if r else abs(v) for v, r in zip(values, references)]
    return float(max(errors))


@pytest.fixture(scope="module", params=sorted(ADVERSARIAL))
def pair(request):
    X, y, intercept, tolerance = ADVERSARIAL[request.param]
    fit = least_squares(X, y, fit_intercept=intercept)
    exact = least_squares(X, y, fit_intercept=intercept, exact=True)
    return request.param, X, fit, exact, tolerance


def _p_value_tolerance(fit, tolerance):
    """p = P(|T| > |t|) moves by |d ln p/d ln t| ≈ t² + 1 times t's relative error."""
    return tolerance * (1 + max(float(t) ** 2 for t in fit.tvalues))


def test_every_statistic_matches_the_exact_fit(pair):
    name, _, fit, exact, tolerance = pair
    for statistic in STATISTICS:
        bar = _p_value_tolerance(fit, tolerance) if "pvalue" in statistic else tolerance
        error = relative(getattr(fit, statistic), getattr(exact, statistic))
        assert error <= bar, f"{name}: {statistic} off by {error:.1e} (bar {bar:.0e})"


def test_intervals_match_the_exact_fit(pair):
    name, X, fit, exact, tolerance = pair
    assert (
        relative(fit.conf_int(0.05), [e for row in exact.conf_int(0.05) for e in row])
        <= 10 * tolerance
    )
    assert (
        relative(fit.cov_params(), [c for row in exact.cov_params() for c in row])
        <= 1e3 * tolerance
    )
    rows = X[:5] * 1.1
    got = fit.get_prediction(rows).summary_frame(alpha=0.1).to_numpy()
    want = exact.get_prediction(rows).summary_frame(alpha=0.1).to_numpy()
    assert relative(got, want) <= 10 * tolerance, name


# --- exact mode: the identities, in rationals ------------------------------------------------


@pytest.fixture(scope="module")
def exact_fit():
    X = [["1.5", "2"], ["2.25", "-1"], ["3", "0.5"], ["4.75", "3"], ["5", "1"], ["7", "-2"]]
    y = ["3.1", "2.2", "4.9", "9.3", "7.7", "8.05"]
    return least_squares(X, y, exact=True), X, y


def test_exact_anova_identities(exact_fit):
    fit, _, y = exact_fit
    values = [Fraction(v) for v in y]
    mean = sum(values) / len(values)
    total = sum((v - mean) ** 2 for v in values)
    assert fit.ess + fit.ssr == total  # TSS = ESS + SSR, exactly
    assert fit.rsquared == fit.ess / total
    assert fit.fvalue == (fit.ess / fit.df_model) / (fit.ssr / fit.df_resid)
    assert fit.mse_resid == fit.ssr / 3 and fit.df_resid == 3 and fit.df_model == 2
    assert fit.rsquared_adj == 1 - Fraction(5, 3) * (1 - fit.rsquared)
    for name in ("ssr", "ess", "fvalue", "mse_model", "mse_resid", "rsquared_adj"):
        assert isinstance(getattr(fit, name), Fraction), name


def test_exact_t_statistics_square_to_rationals(exact_fit):
    fit, _, _ = exact_fit
    cov = fit.cov_params()
    for j, (t, p) in enumerate(zip(fit.tvalues, fit.params)):
        square = p * p / cov[j][j]  # t² is rational: p²/Var(p)
        assert abs(Fraction(t) ** 2 - square) <= square * Fraction(1, 10**38)
        assert abs(Fraction(fit.bse[j]) ** 2 - cov[j][j]) <= cov[j][j] * Fraction(1, 10**38)
    assert all(isinstance(p, Decimal) and len(p.as_tuple().digits) == 40 for p in fit.pvalues)


def test_exact_p_values_and_likelihood_against_the_definitions(exact_fit):
    fit, _, _ = exact_fit
    for t, p in zip(fit.tvalues, fit.pvalues):
        expected = 2 * Fraction(t_sf(t.copy_abs(), fit.df_resid, digits=45))  # abs() rounds
        assert abs(Fraction(p) - expected) <= Fraction(p) * Fraction(1, 10**39)
    n, ssr = fit.nobs, fit.ssr
    llf = -n / 2 * (math.log(2 * math.pi * float(ssr) / n) + 1)
    assert float(fit.llf) == pytest.approx(llf, rel=1e-15)
    assert float(fit.aic) == pytest.approx(-2 * llf + 2 * 3, rel=1e-15)
    assert float(fit.bic) == pytest.approx(-2 * llf + 3 * math.log(n), rel=1e-15)


def test_exact_intervals_to_any_precision(exact_fit):
    fit, _, _ = exact_fit
    wide, narrow = fit.conf_int(0.05, digits=60), fit.conf_int(0.05, digits=20)
    for (low, high), (low20, high20) in zip(wide, narrow):
        assert Decimal(low20) == round_to(low, 20) and Decimal(high20) == round_to(high, 20)
        assert len(low.as_tuple().digits) == 60
    # the 95% interval is p ∓ t(0.025)·se
    q = Fraction(t_isf(Fraction(1, 40), fit.df_resid, digits=60))
    for (low, _high), p, se in zip(wide, fit.params, fit.bse):
        assert abs(Fraction(low) - (p - q * Fraction(se))) <= abs(p) * Fraction(1, 10**38)


def round_to(value: Decimal, digits: int) -> Decimal:
    from decimal import Context

    return Context(prec=digits).plus(value)


def test_an_interval_end_near_zero_keeps_its_digits(exact_fit):
    """Choose α so that the slope's lower end is p − |t|·se ≈ 0: the subtraction cancels
    about 15 digits, and the end must still have the 30 it claims (checked at 90)."""
    fit, _, _ = exact_fit
    alpha = 2 * Fraction(t_sf(abs(fit.tvalues[1]), fit.df_resid, digits=60))
    alpha = Fraction(round(alpha * 10**15), 10**15)  # near, not at, the slope's p-value
    low = fit.conf_int(alpha, digits=30)[1][0]
    reference = fit.conf_int(alpha, digits=90)[1][0]
    assert abs(low) < abs(fit.params[1]) * Fraction(1, 10**10)  # it did cancel
    assert low == round_to(reference, 30)


def test_a_float_alpha_is_read_as_its_decimal_in_exact_mode(exact_fit):
    fit, _, _ = exact_fit
    assert fit.conf_int(0.05) == fit.conf_int(Fraction(1, 20))


def test_exact_predictions(exact_fit):
    fit, _, _ = exact_fit
    prediction = fit.get_prediction([["2", "1"], [Fraction(7, 2), "0"]])
    assert prediction.predicted_mean[0] == fit.intercept + 2 * fit.coef[0] + fit.coef[1]
    # the variance is σ̂² z₀ᵀ(ZᵀZ)⁻¹z₀ with z₀ = [1, x₀] (params' order): from cov_params
    cov, z = fit.cov_params(), [1, Fraction(2), Fraction(1)]
    expected = sum(z[a] * cov[a][c] * z[c] for a in range(3) for c in range(3))
    assert prediction.var_pred_mean[0] == expected
    (low, high), _ = prediction.conf_int(obs=True, alpha=0.05)
    half = Fraction(t_isf(Fraction(1, 40), 3, digits=50)) * Fraction(prediction.se_obs[0])
    middle = prediction.predicted_mean[0]
    assert abs(Fraction(high) - (middle + half)) <= abs(middle + half) * Fraction(1, 10**38)
    assert Fraction(low) < middle - Fraction(prediction.se_mean[0]) * 3


# --- the line: intervals from the symbolic formula --------------------------------------------


def test_the_mean_variance_is_sympys(points):
    from linreg.symbolic import inference as derived
    from linreg.symbolic.symbols import C_xx, N, sigma, x_bar

    X, y = points[:, :1], points[:, 1]
    fit = least_squares(X, y)
    x = X[:, 0]
    values = {
        sigma: math.sqrt(fit.mse_resid),
        N: len(x),
        x_bar: x.mean(),
        C_xx: float(((x - x.mean()) ** 2).sum()),
    }
    rows = np.array([[x.mean()], [0.0], [100.0]])
    prediction = fit.get_prediction(rows)
    for row, variance in zip(rows[:, 0], prediction.var_pred_mean):
        formula = derived.mean_variance_expr.subs({**values, derived.x_0: row})
        assert variance == pytest.approx(
            float(formula.subs(sigma, math.sqrt(fit.mse_resid))), rel=1e-13
        )
    # narrowest at the mean of x: σ̂²/N
    assert prediction.var_pred_mean[0] == pytest.approx(fit.mse_resid / len(x), rel=1e-13)
    obs, mean = prediction.conf_int(obs=True), prediction.conf_int()
    assert np.all(obs[:, 0] < mean[:, 0]) and np.all(obs[:, 1] > mean[:, 1])


def test_moments_give_the_same_inference(points):
    X, y = points[:, :1], points[:, 1]
    direct, stats = least_squares(X, y), least_squares(Moments.from_arrays(X, y))
    for name in STATISTICS:
        assert relative(getattr(stats, name), getattr(direct, name)) <= 1e-12, name
    rows = np.array([[10.0], [50.0]])
    assert (
        relative(
            stats.get_prediction(rows).summary_frame().to_numpy(),
            direct.get_prediction(rows).summary_frame().to_numpy(),
        )
        <= 1e-12
    )


def test_statsmodels_order_and_names(points):
    X, y = points[:, :1], points[:, 1]
    fit = least_squares(X, y)
    assert fit.params.tolist() == [fit.intercept, fit.coef[0]]
    assert fit.bse.tolist() == [fit.intercept_stderr, fit.coef_stderr[0]]
    assert fit.nobs == 100 and fit.k_constant == 1 and fit.df_model == 1 and fit.df_resid == 98
    assert np.allclose(np.diag(fit.cov_params()), fit.bse**2, rtol=1e-14, atol=0)
    assert fit.mse_total == pytest.approx((fit.ess + fit.ssr) / 99, rel=1e-15)
    lower, upper = fit.conf_int(0.05).T
    assert np.all(lower < fit.params) and np.all(fit.params < upper)
    # a wider level, a wider interval
    assert np.all(fit.conf_int(0.01)[:, 0] < lower)


# --- None, with the reason; errors ------------------------------------------------------------


def test_no_degrees_of_freedom_gives_none_with_the_reason():
    fit = least_squares([[0.0], [1.0]], [1.0, 3.0])
    for name in ("bse", "tvalues", "pvalues", "fvalue", "f_pvalue", "rsquared_adj", "mse_resid"):
        assert getattr(fit, name) is None, name
    assert fit.conf_int() is None and fit.get_prediction([[0.5]]) is None
    assert "no residual degrees of freedom" in fit.why_none("tvalues")
    assert "statsmodels gives NaN" in fit.why_none("fvalue")


@pytest.mark.parametrize("exact", [False, True])
def test_a_ridge_has_no_tests(exact):
    fit = least_squares([[0.0], [1.0], [2.0], [4.0]], [1.0, 3.0, 4.0, 9.0], alpha=0.5, exact=exact)
    assert fit.tvalues is None and fit.fvalue is None and fit.ess is None
    assert "ridge" in fit.why_none("pvalues")
    assert fit.ssr is not None


def test_an_exact_fit_exact_mode_is_infinite():
    fit = least_squares([[0], [1], [2], [5]], [1, 3, 5, 11], exact=True)
    assert fit.ssr == 0 and fit.fvalue == math.inf and fit.f_pvalue == 0
    assert all(t == math.inf for t in fit.tvalues) and all(p == 0 for p in fit.pvalues)
    assert fit.llf == math.inf and fit.aic == -math.inf
    assert fit.conf_int()[1][0] == fit.conf_int()[1][1] == 2


def test_an_exact_fit_in_float_mode_is_not_claimed():
    """SSR of 1e-31 is rounding, not data: t, F and the likelihood divide by it."""
    fit = least_squares([[0.0], [1.0], [2.0], [5.0]], [1.0, 3.0, 5.0, 11.0])
    assert fit.ssr <= 1e6 * fit.ssr_floor
    for name in ("tvalues", "pvalues", "fvalue", "f_pvalue", "llf", "aic", "bic"):
        assert getattr(fit, name) is None, name
        assert "exact mode resolves them (the API's exact=True" in fit.why_none(name)
    assert fit.rsquared == 1.0 and fit.bse is not None  # these keep their meaning


def test_a_zero_coefficient_of_an_exact_fit_has_no_t():
    fit = least_squares([[0, 1], [1, 0], [2, 1], [3, 0]], [1, 2, 3, 4], exact=True)
    assert fit.coef[1] == 0 and fit.ssr == 0
    assert fit.tvalues is None and "0/0" in fit.why_none("tvalues")
    assert fit.fvalue == math.inf


def test_a_constant_target_has_no_f():
    fit = least_squares([[0], [1], [2], [3]], [2, 2, 2, 2], exact=True)
    assert fit.ess == 0 and fit.ssr == 0
    assert fit.fvalue is None and "F = 0/0" in fit.why_none("fvalue")


def test_none_reasons_are_none_when_the_value_exists(points):
    fit = least_squares(points[:, :1], points[:, 1])
    assert all(fit.why_none(name) is None for name in STATISTICS)
    assert fit.inference_unavailable is None and fit.ssr_unresolved is None


@pytest.mark.parametrize("alpha", [0, 1, -0.1, 1.5, math.nan, math.inf, "0.05", True, None])
def test_a_level_outside_zero_one_is_refused(points, alpha):
    fit = least_squares(points[:, :1], points[:, 1])
    with pytest.raises(InputError, match="alpha must be"):
        fit.conf_int(alpha)
    with pytest.raises(InputError, match="alpha must be"):
        fit.get_prediction([[1.0]]).conf_int(alpha=alpha)


def test_digits_are_for_exact_mode(points):
    fit = least_squares(points[:, :1], points[:, 1])
    with pytest.raises(InputError, match="digits applies to exact mode"):
        fit.conf_int(digits=30)
    exact = least_squares([[1], [2], [3], [5]], [1, 2, 2, 7], exact=True)
    with pytest.raises(InputError, match="digits must be an integer from 1 to"):
        exact.conf_int(digits=0)


def test_new_rows_must_match_the_features(points):
    fit = least_squares(points[:, :1], points[:, 1])
    with pytest.raises(InputError, match="the fit has 1"):
        fit.get_prediction([[1.0, 2.0]])
    with pytest.raises(InputError, match=r"non-finite|NaN|finite"):
        fit.get_prediction([[math.nan]])
    exact = least_squares([[1], [2], [3], [5]], [1, 2, 2, 7], exact=True)
    with pytest.raises(InputError, match="the fit has 1"):
        exact.get_prediction([["1", "2"]])
    with pytest.raises(InputError, match="must hold"):
        exact.get_prediction([[True]])


@pytest.mark.parametrize("slope", [2.0, 3e-2, 1e-6, 0.0])
def test_large_data_sums_of_squares_on_every_route(slope):
    """Beyond 16,384 entries a well-conditioned fit keeps a float64 residual: SSR and TSS
    summed pairwise while ESS = TSS − SSR stays within 1e-10 (float_solver.SUMS_TARGET);
    nearer R² = 0 (slope 1e-6: R² ≈ 1e-13) the residual is formed again in double-double
    and summed nearly exactly. Every route within 1e-10 of the exact sums; with no slope
    at all ESS (≈ 3e-30 here, R² ≈ 1e-34) is below what double-double resolves, and is
    held to about u²·TSS (1e-25 of it, with the sums' (log₂N)² to spare)."""
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 1, 20_000)
    noise = rng.normal(size=x.size)
    Z = np.column_stack([np.ones(x.size), x])
    y = noise - Z @ np.linalg.lstsq(Z, noise, rcond=None)[0] + slope * x
    fit, exact = least_squares(x[:, None], y), least_squares(x[:, None], y, exact=True)
    assert relative(fit.ssr, exact.ssr) <= 1e-10
    tss = exact.ess + exact.ssr
    # 1e-12, not the bound of 1e-10: the pairwise sums do far better than their bound
    assert abs(Fraction(fit.ess) - exact.ess) <= exact.ess / 10**12 + tss / 10**25


def test_an_unresolved_ssr_is_not_called_an_exact_fit():
    """The twenty-second audit: one-pass statistics of noisy data far from 0 (residuals
    about 1 on y ~ 3e12) said "the fit is exact to float64's resolution"; their SSR is
    about N, only not resolved by float64's sums."""
    from linreg.closed_form_result import AccuracyWarning
    from linreg.moments import Moments
    from linreg.solve import least_squares

    rng = np.random.default_rng(0)
    x = 1.6e9 + np.arange(20_000) * 1e3 + rng.normal(size=20_000)
    y = 2 * x + rng.normal(size=20_000)
    with pytest.warns(AccuracyWarning, match="working accuracy not reached"):
        note = least_squares(Moments.from_arrays(x[:, None], y)).ssr_unresolved
    assert note is not None and note.startswith("float64's sums do not resolve SSR here")
    assert "exact to" not in note
