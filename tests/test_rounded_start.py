"""Runs float64 cannot follow (linreg.rounded_start): a rate at or above the stability
bound (the fourteenth audit's F1, the fifteenth's F1 and F2), and Adam from a gradient that
rounds to 0. Held to gd run in rationals (or mpmath) on the data."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

import mpmath as mp
import numpy as np
import pytest

from linreg import minimize

X = np.arange(10.0)[:, None]
Y = 2 * X[:, 0] + 1
Y[0] += 0.3
# least_squares's b and m: the gradient from the statistics rounds to exactly 0 here
M0, B0 = 1.9836363636363636, 1.1036363636363635
CANNOT = "cannot be certified"


def _exact_gd(rate: float, iterations: int) -> tuple[Fraction, Fraction]:
    """gd on the data, every step in rationals (the loss is the mean squared error)."""
    xs, ys = [Fraction(v) for v in X[:, 0]], [Fraction(v) for v in Y]
    m, b, eta, n = Fraction(M0), Fraction(B0), Fraction(rate), len(xs)
    for _ in range(iterations):
        r = [y - m * x - b for x, y in zip(xs, ys)]
        m, b = m + eta * 2 * sum(x * e for x, e in zip(xs, r)) / n, b + eta * 2 * sum(r) / n
    return m, b


def _exact_optimum() -> tuple[Fraction, Fraction]:
    xs, ys = [Fraction(v) for v in X[:, 0]], [Fraction(v) for v in Y]
    n = len(xs)
    sx, sy = sum(xs), sum(ys)
    sxx, sxy = sum(x * x for x in xs), sum(x * y for x, y in zip(xs, ys))
    m = (n * sxy - sx * sy) / (n * sxx - sx * sx)
    return m, (sy - m * sx) / n


def _relative_distance(m: Fraction, b: Fraction) -> float:
    m_star, b_star = _exact_optimum()
    return float(((m - m_star) ** 2 + (b - b_star) ** 2) / (m_star**2 + b_star**2)) ** 0.5


def _fit(method: str, rate: float, iterations: int = 100, **more: object):  # type: ignore[no-untyped-def]
    return minimize(X, Y, method=method, learning_rate=rate, w0=[M0], b0=B0,
                    num_iterations=iterations, **more)  # fmt: skip


def test_the_exact_run_leaves_the_start_that_float64_never_leaves():
    """The premise: exact gd at 0.05 (bound 0.034) is 1e-6 off after 100 iterations,
    though its start is within 2.1e-16 of the optimum."""
    assert _relative_distance(Fraction(M0), Fraction(B0)) < 3e-16
    assert _relative_distance(*_exact_gd(0.05, 100)) > 1.0


@pytest.mark.parametrize("method", ["gd", "nesterov", "adam"])
def test_no_verdict_where_float64_cannot_follow_the_run(method):
    fit = _fit(method, 0.05)
    assert fit.n_iter == 100 and (fit.w[0], fit.b) == (M0, B0)  # float64 never moved
    assert fit.verdict == CANNOT and not fit.converged
    assert "stability bound" in fit.verdict_reason or "divides the gradient" in fit.verdict_reason
    assert fit.error_floor == np.inf
    sharp = fit.sharpened()
    assert sharp.verdict == CANNOT and sharp.verdict_reason == fit.verdict_reason


def test_a_stable_rate_from_the_same_start_keeps_its_verdict():
    """Below the bound the exact run converges too: the verdict stands (gd, momentum)."""
    assert _relative_distance(*_exact_gd(0.03, 100)) < 1e-15
    for method, rate in (("gd", 0.03), ("momentum", 0.05)):
        assert _fit(method, rate).converged


def test_a_run_stopped_at_its_start_keeps_its_verdict():
    """With tol the run stops at iteration 0, whose verdict is the start's own."""
    fit = _fit("gd", 0.05, tol=1e-6)
    assert fit.n_iter == 0 and fit.converged


def test_newton_and_cg_need_no_step_size_to_follow():
    for method in ("newton", "cg", "steepest", "bb"):
        fit = minimize(X, Y, method=method, w0=[M0], b0=B0, num_iterations=5)
        assert fit.verdict != CANNOT


def test_the_command_says_it_cannot_tell(tmp_path):
    """The command printed "Gradient descent converged" under the livestream loop's own
    diverged b = -682494633931.3."""
    data = tmp_path / "near.csv"
    rows = zip(X[:, 0].tolist(), Y.tolist())
    data.write_text("x,y\n" + "".join(f"{x!r},{y!r}\n" for x, y in rows))
    args = ["--learning-rate", "0.05", "--initial-m", repr(M0), "--initial-b", repr(B0),
            "--iterations", "100"]  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "linreg", "--data", str(data), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "gradient descent cannot be certified" in done.stdout
    assert "converged" not in done.stdout.replace("never converge", "")


@pytest.mark.parametrize("method", ["gd", "nesterov", "adam"])
def test_a_start_exactly_at_the_optimum_keeps_its_verdict(method):
    """There the exact gradient is 0 too: the exact run stays where float64's does."""
    fit = minimize(X, 2 * X[:, 0], method=method, learning_rate=0.05, w0=[2.0], b0=0.0,
                   num_iterations=100)  # fmt: skip
    assert fit.converged and (fit.w[0], fit.b) == (2.0, 0.0)


# --- the fifteenth audit: the statistics' gradient is exactly 0, the data's is not -----------

T1 = np.array([[-1.0], [1.0]]), np.array([1.0, 2.0**-60])  # mean_y rounds to exactly 0.5


def test_the_datas_gradient_decides_not_the_statistics():
    """At (m, b) = (-0.5, 0.5) the float64 statistics define a loss whose gradient is
    exactly 0, but the data's is -2^-60: exact gd at 1.5 (H = 2I, each step multiplies the
    error by -2) is 1.1e12 off after 100 iterations. Every method said "converged"."""
    from linreg.moments import Moments
    from linreg.problem import Quadratic
    from linreg.rounded_start import exact_start_gradient

    X, y = T1
    quadratic = Quadratic.build(Moments.from_arrays(X, y), alpha=0.0, standardize=False,
                                intercept=True)  # fmt: skip
    theta = np.array([-0.5, 0.5])
    assert not quadratic.loss_and_gradient(theta)[1].any()
    assert exact_start_gradient(quadratic, theta, (X, y), 0.0) == [Fraction(-1, 2**60)] * 2
    runs = [("gd", {}), ("momentum", {"momentum": 0.1}), ("nesterov", {"momentum": 0.1}),
            ("gd", {"standardize": True}), ("adam", {})]  # fmt: skip
    for method, more in runs:
        fit = minimize(X, y, method=method, learning_rate=1.5, w0=[-0.5], b0=0.5,
                       num_iterations=100, **more)  # fmt: skip
        assert fit.verdict == CANNOT, (method, more)


def _mp_gd(x: list[float], y: list[float], rate: float, m: float, b: float, k: int) -> float:
    """The relative distance of exact gd's iterate k to the optimum (mpmath, 400 digits)."""
    with mp.workdps(400):
        xs, ys, eta, n = [mp.mpf(v) for v in x], [mp.mpf(v) for v in y], mp.mpf(rate), len(x)
        mm, bb = mp.mpf(m), mp.mpf(b)
        for _ in range(k):
            r = [t - mm * s - bb for s, t in zip(xs, ys)]
            mm, bb = (
                mm + eta * 2 * mp.fsum(s * e for s, e in zip(xs, r)) / n,
                bb + eta * 2 * mp.fsum(r) / n,
            )
        sx, sy = mp.fsum(xs), mp.fsum(ys)
        sxx, sxy = mp.fsum(s * s for s in xs), mp.fsum(s * t for s, t in zip(xs, ys))
        m_star = (n * sxy - sx * sy) / (n * sxx - sx * sx)
        b_star = (sy - m_star * sx) / n
        return float(mp.sqrt(((mm - m_star) ** 2 + (bb - b_star) ** 2) / (m_star**2 + b_star**2)))


def test_a_rate_just_above_the_bound_certifies_nothing():
    """The fifteenth audit's F2: 1.01x the bound from near the optimum, 1000 iterations,
    "certified <= 2.1e-09" where exact gd is 3.9e-09 off (the float run's rounding grew
    with the exact run's error, differently)."""
    x, y = [0.0, 7.0, 9.0, 8.0, 6.0], [0.589, -2.779, -0.433, 2.48, 0.4]
    rate, m0, b0 = 0.021587533516606406, -0.05304, 0.36963999999999997
    exact = _mp_gd(x, y, rate, m0, b0, 1000)
    assert 3e-9 < exact < 5e-9
    fit = minimize(np.array(x)[:, None], np.array(y), learning_rate=rate, w0=[m0], b0=b0,
                   num_iterations=1000)  # fmt: skip
    assert fit.relative_distance_bound < exact  # what the verdict would have claimed
    assert fit.verdict == CANNOT and "stability bound" in fit.verdict_reason


def test_without_the_data_only_y_zero_at_zero_is_proven():
    """From Moments the data's gradient is unknown: above the bound nothing is certified,
    except y = 0 from the start 0, where the residual is exactly 0."""
    from linreg.moments import Moments

    stats = Moments.from_arrays(X, Y)
    fit = minimize(stats, method="gd", learning_rate=0.05, w0=[M0], b0=B0, num_iterations=100)
    assert fit.verdict == CANNOT
    zero = Moments.from_arrays(X, np.zeros(10))
    assert minimize(zero, method="gd", learning_rate=10.0, num_iterations=100).converged


@pytest.mark.parametrize("method", ["gd", "momentum", "nesterov", "adam"])
def test_the_exact_optimum_is_kept_where_float64_would_wander(method):
    """y = 3x + 1 exactly, started at (3, 1): the residual is exactly 0, but x's mean
    (7/3) rounds, so the statistics' gradient is -1.2e-15, not 0. At rate 5 (far above
    the bound) gd said "diverged at iteration 1" and Adam wandered to m = 2.77; the exact
    run of every method stays at its start."""
    X = np.array([[1.0], [2.0], [4.0]])
    fit = minimize(X, 3 * X[:, 0] + 1, method=method, learning_rate=5.0, w0=[3.0], b0=1.0,
                   num_iterations=50)  # fmt: skip
    assert (fit.w[0], fit.b, fit.n_iter) == (3.0, 1.0, 50) and fit.converged


def test_adam_from_moments_with_a_zero_float_gradient_certifies_nothing():
    """Without the data, a coordinate whose float gradient is 0 is not proven exactly 0."""
    from linreg.moments import Moments

    fit = minimize(Moments.from_arrays(X, Y), method="adam", learning_rate=0.05, w0=[M0],
                   b0=B0, num_iterations=100)  # fmt: skip
    assert fit.verdict == CANNOT and "divides the gradient" in fit.verdict_reason


def test_the_exact_gradient_in_standardized_coordinates():
    """exact_start_gradient maps θ = [u; b'] to the data's units exactly: it equals the
    gradient on z = (x - shift)/scale formed in rationals (ridge: alpha |u/scale|^2)."""
    from linreg.moments import Moments
    from linreg.problem import Quadratic
    from linreg.rounded_start import exact_start_gradient

    rng = np.random.default_rng(5)
    X, y = rng.normal(1e4, 3.0, (6, 2)), rng.normal(size=6)
    alpha = 0.25
    quadratic = Quadratic.build(Moments.from_arrays(X, y), alpha=alpha, standardize=True,
                                intercept=True)  # fmt: skip
    theta = rng.normal(size=3)
    shift = [Fraction(v) for v in quadratic.coords.shift.tolist()]
    scale = [Fraction(v) for v in quadratic.coords.scale.tolist()]
    u, b = [Fraction(v) for v in theta[:2].tolist()], Fraction(float(theta[2]))
    z = [[(Fraction(v) - s) / c for v, s, c in zip(row, shift, scale)] for row in X.tolist()]
    r = [Fraction(t) - sum(a * w for a, w in zip(row, u)) - b for row, t in zip(z, y.tolist())]
    n = len(r)
    expected = [
        n * Fraction(alpha) * u[j] / scale[j] ** 2 - sum(row[j] * e for row, e in zip(z, r))
        for j in range(2)
    ] + [-sum(r)]
    assert exact_start_gradient(quadratic, theta, (X, y), alpha) == expected


def test_the_start_check_overflows_into_the_runs_own_error():
    """pinned() forms the start's gradient: where it overflows, the run's one-line error,
    not numpy's warnings first (the seventeenth audit's F4: adam, --initial-m -1e308)."""
    done = subprocess.run(
        [sys.executable, "-m", "linreg", "--method", "adam", "--initial-m", "-1e308"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 3 and done.stderr.count("\n") == 1, done.stderr
    assert "RuntimeWarning" not in done.stderr
