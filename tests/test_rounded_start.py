"""A start whose gradient rounds to 0 (the fourteenth audit's F1): with a rate above the
stability bound, float64's run never leaves it while the exact run does, so no verdict
past the start can stand. Held to gd run in rationals on the data."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

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
    assert "float64 cannot tell where the iterates are" in fit.verdict_reason
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
