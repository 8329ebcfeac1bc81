"""The closed form: agreement between modes, exact inputs, and singular problems."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from linreg.errors import InputError, SingularProblemError
from linreg.moments import Moments
from linreg.nist import fit_nist, read_nist
from linreg.solve import (
    WORKING_ACCURACY,
    AccuracyWarning,
    least_squares,
    polynomial_least_squares,
)

from .conftest import NIST_DIR, ROOT


def test_float_and_exact_agree_on_livestream(points, X, y):
    fast = least_squares(X, y)
    exact = least_squares(points[:, :1].tolist(), points[:, 1].tolist(), exact=True)
    assert float(exact.coef[0]) == pytest.approx(fast.coef[0], rel=1e-15)
    assert float(exact.intercept) == pytest.approx(fast.intercept, rel=1e-14)
    assert float(exact.mse) == pytest.approx(fast.mse, rel=1e-15)
    assert isinstance(exact.residual_std, Decimal)


def test_exact_reads_strings_exactly():
    result = least_squares([["0.1"], ["0.2"], ["0.3"]], ["0.3", "0.5", "0.7"], exact=True)
    assert result.coef == [Fraction(2)] and result.intercept == Fraction(1, 10)
    assert result.residual_std == 0 and result.r_squared == 1


def test_no_intercept_uses_uncentred_r_squared():
    X, y = [[1.0], [2.0], [3.0]], [1.0, 2.0, 2.0]
    result = least_squares(X, y, fit_intercept=False)
    ssr = sum((t - result.coef[0] * x[0]) ** 2 for x, t in zip(X, y))
    assert result.intercept == 0.0
    assert result.r_squared == pytest.approx(1 - ssr / sum(t * t for t in y), rel=1e-14)


def test_no_degrees_of_freedom_gives_none_not_nan():
    result = least_squares([[0.0], [1.0]], [1.0, 3.0])
    assert result.coef[0] == pytest.approx(2.0) and result.intercept == pytest.approx(1.0)
    assert result.residual_std is None and result.coef_stderr is None


@pytest.mark.parametrize("exact", [False, True])
@pytest.mark.parametrize(
    "X, y, message",
    [
        ([[1.0], [1.0], [1.0]], [1.0, 2.0, 3.0], "constant|linearly dependent"),
        ([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]], [1.0, 2.0, 4.0], "linearly dependent"),
        ([[1.0, 2.0], [3.0, 5.0]], [1.0, 2.0], "2 points cannot determine 3 parameters"),
    ],
)
def test_singular_problems(X, y, message, exact):
    with pytest.raises(SingularProblemError, match=message):
        least_squares(X, y, exact=exact)


@pytest.mark.parametrize(
    "X, y, message",
    [
        ([["a"], ["2"]], ["1", "2"], r"'a' is not a number"),
        ([["nan"], ["2"]], ["1", "2"], "not a finite number"),
        ([[1.0], [2.0]], ["1"], "different numbers of samples"),
        ([[1.0], [2.0]], [[1.0], [2.0]], "not a column"),
        ([[1.0], [2.0]], [None, 1.0], "must hold numbers"),
    ],
)
def test_bad_exact_inputs(X, y, message):
    with pytest.raises(InputError, match=message):
        least_squares(X, y, exact=True)


def test_polynomial_matches_columns_and_rejects_bad_degree():
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, size=40)
    y = 1 + 2 * x - 3 * x**2 + rng.normal(scale=0.01, size=40)
    poly = polynomial_least_squares(x, y, 2)
    plain = least_squares(np.column_stack([x, x**2]), y)
    np.testing.assert_allclose(poly.coef, plain.coef, rtol=1e-12)
    with pytest.raises(InputError, match="degree must be a positive integer, got 0"):
        polynomial_least_squares(x, y, 0)
    with pytest.raises(InputError, match=r"degree must be a positive integer, got 2\.0"):
        polynomial_least_squares(x, y, 2.0)


# --- float mode: the stop rule, the accuracy flag, the ridge ------------------------------


def _exact_relative_errors(fit, X, y, fit_intercept=True):
    """Relative errors of a float fit against the exact solution for the same float input:
    each weight against itself; the intercept against |b| + Σ|x̄ⱼ wⱼ|, the size of the
    terms it is the difference of (rounding wⱼ alone moves b by x̄ⱼ·ulp(wⱼ))."""
    exact = least_squares(X, y, exact=True, fit_intercept=fit_intercept)
    weights = [abs(Fraction(a) - b) / abs(b) for a, b in zip(fit.coef, exact.coef)]
    means = np.asarray(X, dtype=float).mean(axis=0)
    size = abs(exact.intercept) + sum(
        abs(Fraction(float(m)) * w) for m, w in zip(means, exact.coef)
    )
    intercept = abs(Fraction(fit.intercept) - exact.intercept) / size if size else 0
    return float(max(weights)), float(intercept)


def test_refinement_stops_and_reports_working_accuracy():
    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 2.0, size=(50_000, 4))
    y = X @ rng.normal(size=4) + rng.normal(size=len(X))
    fit = least_squares(X, y)
    # κ ≈ 1: the Cholesky start is off by ~κ²ε, one or two passes reach ε; the old
    # rule (|δ| ≤ 1e-17|θ|) never fired and always ran all 10.
    assert 1 <= fit.refinements <= 3
    # error_estimate is a sound bound (the certificate's), not the last correction: the
    # statistics' worst-case rounding (one run of 4,096-row blocks, γ ≈ 9e-13) through
    # κ ≈ 1 and the means' offset gives 3.7e-11, below working accuracy (1e-10), so the
    # statistics' bound stands without a pass over the data
    assert fit.accurate and fit.error_estimate <= 5e-11
    assert fit.condition == pytest.approx(1.0, abs=0.1)  # independent normal columns
    weights, intercept = _exact_relative_errors(fit, X, y)
    assert weights <= 1e-15 and intercept <= 1e-15  # a few ulps: refinement to ε


def test_ill_conditioned_problem_warns_and_says_so():
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1, 200)
    # two columns that differ by 1e-12 of their size: κ ≈ 1e12, full rank in float64,
    # beyond what double-double refinement converges for (κ²ε² ≈ 5e-8 per pass)
    X = np.column_stack([x, x + 1e-12 * rng.normal(size=200)])
    y = x + rng.normal(scale=0.1, size=200)
    with pytest.warns(AccuracyWarning, match="working accuracy"):
        fit = least_squares(X, y)
    assert not fit.accurate and fit.error_estimate > WORKING_ACCURACY
    assert fit.condition > 1e11


@pytest.mark.parametrize("exact", [False, True])
def test_ridge_solves_the_penalised_normal_equations(exact):
    rng = np.random.default_rng(2)
    X = rng.normal(5.0, 2.0, size=(300, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + rng.normal(size=300)
    alpha = 0.7
    fit = least_squares(X, y, alpha=alpha, exact=exact)
    # (C_xx/N + αI) w = C_xy/N on centred data, b = ȳ − x̄·w, solved here in rationals
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    n = Fraction(len(y))
    cxx = [[Fraction(v) for v in row] for row in Xc.T @ Xc]
    cxy = [Fraction(v) for v in Xc.T @ yc]
    w = np.asarray(least_squares(X, y, exact=True, alpha=alpha).coef, dtype=float)
    lhs = [
        sum(cxx[a][c] / n * Fraction(w[c]) for c in range(3)) + Fraction(alpha) * Fraction(w[a])
        for a in range(3)
    ]
    np.testing.assert_allclose(
        [float(v) for v in lhs], [float(v / n) for v in cxy], rtol=1e-12
    )  # Xc rounded once: ~1e-15
    np.testing.assert_allclose(
        np.asarray(fit.coef, dtype=float), w, rtol=1e-13
    )  # float vs exact: refinement to ε
    assert float(fit.intercept) == pytest.approx(y.mean() - X.mean(axis=0) @ w, rel=1e-12)
    assert fit.coef_stderr is None and fit.intercept_stderr is None
    assert np.all(
        np.abs(w) < np.abs(least_squares(X, y).coef)
    )  # the penalty shrinks every weight here


def test_ridge_rejects_negative_alpha():
    with pytest.raises(InputError, match="alpha must be non-negative"):
        least_squares([[1.0], [2.0], [3.0]], [1.0, 2.0, 3.0], alpha=-1.0)


# --- right or refused at every scale (issue 10) -------------------------------------------

_RNG = np.random.default_rng(10)
_X = _RNG.uniform(0, 100, 200)
_Y = 1.3 * _X + 8 + _RNG.normal(scale=10, size=200)


@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1e-160, 1e-100, 1.0, 1e100, 1e150])
def test_arrays_right_at_every_scale(scale):
    X, y = (_X * scale)[:, None], _Y * scale
    fit = least_squares(X, y)
    weights, intercept = _exact_relative_errors(fit, X, y)
    assert weights <= 1e-9 and intercept <= 1e-9  # the bar (we reach ~1e-16)
    assert fit.accurate


@pytest.mark.parametrize("scale", [1e200, 1e300])
def test_arrays_too_large_are_refused_with_advice(scale):
    # the mean squared error (≈ 100·scale²) is beyond float64: refused, never "dependent"
    with pytest.raises(InputError, match=r"too large.*rescale") as caught:
        least_squares((_X * scale)[:, None], _Y * scale)
    assert "dependent" not in str(caught.value)


@pytest.mark.parametrize(
    "x_scale, y_scale", [(1e200, 1.0), (1e-160, 1.0), (1.0, 1e-300), (1e-300, 1e-300)]
)
def test_arrays_mixed_scales(x_scale, y_scale):
    X, y = (_X * x_scale)[:, None], _Y * y_scale
    fit = least_squares(X, y)
    weights, intercept = _exact_relative_errors(fit, X, y)
    assert weights <= 1e-9 and intercept <= 1e-9  # the bar


@pytest.mark.parametrize("offset", [1e13, 1e14, 1e15, 1e16])
@pytest.mark.parametrize("source", ["arrays", "moments"])
def test_large_offsets(offset, source):
    X = (_X + offset)[:, None]
    fit = least_squares(X, _Y) if source == "arrays" else least_squares(Moments.from_arrays(X, _Y))
    weights, intercept = _exact_relative_errors(fit, X, _Y)
    # the bar; before, the array path was off by 3.5e-9 … 3.7e-3 here
    assert weights <= 1e-9 and intercept <= 1e-9


@pytest.mark.parametrize("scale", [1e-100, 1.0, 1e100])
def test_moments_right_where_they_fit(scale):
    X, y = (_X * scale)[:, None], _Y * scale
    fit = least_squares(Moments.from_arrays(X, y))
    weights, intercept = _exact_relative_errors(fit, X, y)
    assert weights <= 1e-9 and intercept <= 1e-9  # κ = 1: the moments path is at ε too


@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1e-160])
def test_moments_too_small_are_refused_with_advice(scale):
    # co-moments of 1e-160 data are ~1e-316: subnormal, imprecise; never "constant"
    stats = Moments.from_arrays((_X * scale)[:, None], _Y * scale)
    with pytest.raises(InputError, match=r"too small.*rescale") as caught:
        least_squares(stats)
    assert "constant" not in str(caught.value)


def test_single_column_never_called_dependent():
    for scale in (1e-300, 1e-150, 1.0, 1e150):
        for offset in (0.0, 1e16):
            x = _X * scale + offset * scale
            try:
                least_squares(x[:, None], _Y)
            except InputError as problem:
                assert "dependent" not in str(problem)


def test_constant_column_still_refused_after_rounded_centring():
    # 0.1 three times: the float mean is 0.10000000000000002, so x − x̄ is a tiny constant
    with pytest.raises(SingularProblemError, match="column 0 of X is constant"):
        least_squares([[0.1, 1.0], [0.1, 2.0], [0.1, 4.0]], [1.0, 2.0, 3.0])


# --- exact mode in integers ------------------------------------------------------------


def test_exact_integer_route_equals_fraction_route():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(60, 2)) * 10.0 ** rng.integers(-100, 101, size=(60, 2))
    y = rng.normal(size=60) * 10.0 ** rng.integers(-100, 101, size=60)
    fast = least_squares(X, y, exact=True)  # numeric arrays: vectorised mantissas
    slow = least_squares(
        [[Fraction(v) for v in row] for row in X], [Fraction(v) for v in y], exact=True
    )
    assert fast.coef == slow.coef and fast.intercept == slow.intercept
    assert fast.mse == slow.mse and fast.r_squared == slow.r_squared


def test_exact_ssr_from_sums_equals_the_residuals():
    X = [["1.5", "2"], ["2.25", "-1"], ["3", "0.5"], ["-4", "7"], ["0.125", "3"]]
    y = ["1", "2", "2.5", "-3", "9"]
    fit = least_squares(X, y, exact=True)
    rows = [[Fraction(v) for v in row] for row in X]
    residuals = [
        Fraction(t) - fit.intercept - sum(w * v for w, v in zip(fit.coef, row))
        for row, t in zip(rows, y)
    ]
    assert fit.mse == sum(r * r for r in residuals) / 5  # exact: no tolerance


def test_exact_refuses_a_huge_exponent_quickly():
    import time

    start = time.perf_counter()
    with pytest.raises(InputError, match=r"X\[0\]: '1e100000000' is out of exact mode's range"):
        least_squares([["1e100000000"], ["2"], ["3"]], ["1", "2", "3"], exact=True)
    assert time.perf_counter() - start < 1.0  # building 10**1e8 would take minutes


def test_the_exactness_page_states_the_solver_constants():
    # the prose of docs/explanation/exactness.md quotes these thresholds: keep them in step
    from linreg import closed_form_result, exact_solver, float_solver, raw_refinement

    page = (ROOT / "docs" / "explanation" / "exactness.md").read_text()
    # (in words: the page types no relation; tests/test_typed_math.py)
    assert float_solver.CHOLESKY_KAPPA == 1e6 and "estimate exceeds $10^6$" in page
    assert float_solver.CHOLESKY_QR_KAPPA == 1e7 and "between $10^4$ and $10^7$" in page
    assert raw_refinement.OFFSET_RATIO == 2**20 and "within $2^{20}$ of their spread" in page
    assert float_solver.FLOAT_KAPPA == 1e4 and "the estimate exceeds $10^4$" in page
    assert float_solver.FLOAT_TARGET == 2.0**-40 and "$2^{-40}$" in page
    assert float_solver.SMALL_ENTRIES == 16_384 and "16,384 entries" in page
    assert closed_form_result.WORKING_ACCURACY == 1e-10 and "$10^{-10}$" in page
    assert float_solver.COVARIANCE_TARGET == 1e-13 and "exceeds $10^{-13}$" in page
    assert float_solver.COVARIANCE_ENTRIES == 2**20 and "about a million entries" in page
    assert exact_solver.SQRT_DIGITS == 40 and "Square roots are taken to 40 digits" in page


def test_exact_limb_sums_over_many_blocks_and_extremes():
    # > 2048 rows (several exact float64 blocks), signs, zeros, subnormals, 1e±300
    rng = np.random.default_rng(5)
    X = rng.normal(size=(5000, 2)) * 10.0 ** rng.integers(-300, 301, size=(5000, 2))
    X[::7, 0] = 0.0
    X[::11, 1] = 5e-324
    y = rng.normal(size=5000)
    fast = least_squares(X, y, exact=True)
    slow = least_squares(
        [[Fraction(v) for v in row] for row in X], [Fraction(v) for v in y], exact=True
    )
    assert fast.coef == slow.coef and fast.intercept == slow.intercept and fast.mse == slow.mse


def test_ridge_from_moments_matches_exact():
    rng = np.random.default_rng(2)
    X = rng.normal(5.0, 2.0, size=(300, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + rng.normal(size=300)
    exact = least_squares(X, y, exact=True, alpha=0.7)
    fit = least_squares(Moments.from_arrays(X, y), alpha=0.7)
    # κ ≈ 1 here: the moments path's κ²ε error is ~1e-15
    np.testing.assert_allclose(fit.coef, np.asarray(exact.coef, dtype=float), rtol=1e-12)
    assert fit.intercept == pytest.approx(float(exact.intercept), rel=1e-12)
    assert fit.mse == pytest.approx(float(exact.mse), rel=1e-12)
    assert fit.coef_stderr is None


@pytest.mark.parametrize("exact", [False, True])
def test_constant_target_gives_zero_weights(exact):
    # y constant: the weights are 0, the intercept is y, every residual is 0
    fit = least_squares([[1.0], [2.0], [4.0], [8.0]], [3.0, 3.0, 3.0, 3.0], exact=exact)
    assert fit.coef[0] == 0 and fit.intercept == 3 and fit.mse == 0 and fit.r_squared == 1


# --- mutants that survived the suite (issue 16) -------------------------------------------


def test_exact_mode_with_coprime_denominators():
    """Columns of rationals whose denominators do not divide one another (3, 7, 11, ...)
    must be put on their least common denominator: a column on, say, the largest
    denominator alone would hold 1/2 as 1/3."""
    x = [Fraction(1, 3), Fraction(1, 2), Fraction(2, 7), Fraction(5, 11), Fraction(3, 4)]
    # points exactly on y = 3/5 x + 2/9, and one off it by a rational amount
    y = [Fraction(3, 5) * v + Fraction(2, 9) for v in x]
    y[2] += Fraction(1, 13)
    fit = least_squares([[v] for v in x], y, exact=True)
    # the normal equations, solved by hand in rationals
    n = len(x)
    sx, sy = sum(x), sum(y)
    sxx, sxy = sum(v * v for v in x), sum(a * b for a, b in zip(x, y))
    slope = (n * sxy - sx * sy) / (n * sxx - sx * sx)
    assert fit.coef == [slope] and fit.intercept == (sy - slope * sx) / n  # exact: no tolerance
    on_line = least_squares(
        [[v] for v in x], [Fraction(3, 5) * v + Fraction(2, 9) for v in x], exact=True
    )
    assert on_line.coef == [Fraction(3, 5)] and on_line.intercept == Fraction(2, 9)


@pytest.mark.parametrize("name", ["NoInt1", "NoInt2", "Norris"])
def test_standard_errors_from_moments_use_the_right_degrees_of_freedom(name):
    """σ̂² = SSR/(N − k) with k = p + 1 parameters with an intercept and p without (NIST's
    NoInt1 and NoInt2): from the statistics as from the data."""
    dataset = read_nist(NIST_DIR / f"{name}.dat")
    X, y = dataset.design(), dataset.target()
    fit = least_squares(Moments.from_arrays(X, y), fit_intercept=dataset.fit_intercept)
    reference = fit_nist(dataset)
    assert fit.dof == len(y) - X.shape[1] - int(dataset.fit_intercept)
    certified = [float(v) for v in dataset.stderrs]
    stderrs = ([fit.intercept_stderr] if dataset.fit_intercept else []) + list(fit.coef_stderr)
    # one column each, so κ = 1 and the moments path is at rounding level (Norris: 2e-11,
    # its data's own rounding); a wrong dof moves every standard error by
    # √((N−k)/(N−k−1)): 5% for NoInt1 (N − k = 10), 41% for NoInt2 (N − k = 2)
    np.testing.assert_allclose(stderrs, certified, rtol=1e-9)
    assert fit.residual_std == pytest.approx(float(dataset.residual_std), rel=1e-9)
    assert fit.coef_stderr == pytest.approx(reference.coef_stderr, rel=1e-9)
