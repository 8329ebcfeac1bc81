"""Data so small that float64 squares underflow (the twelfth audit, issue 17).

y of about 1e-170 and below had its second moment Cyy round to exactly 0, which passed
the "too small" guard (it refused only 0 < Cyy < 2^-970), so 1e-150 was refused while
1e-170 … 1e-320 ran; at 1e-310 and below newton and momentum then printed "converged"
with bounds that the exact optimum broke (4.4e-13 claimed, 4.77e-13 true). And an iterate
far beyond the data's scale (b = 1e100 on y ≈ 1e-140) overflowed the loss's scaled
arithmetic: a traceback from math.fsum. Now every scale whose squares underflow is refused
in one story, and a loss float64 cannot form prints as unresolved.
"""

from __future__ import annotations

import random
import warnings
from pathlib import Path

import numpy as np
import pytest

from linreg.cli import EXIT_INPUT, main
from linreg.descent import minimize
from linreg.errors import InputError
from linreg.moments import Moments
from linreg.reference_data import loss_at
from linreg.solve import least_squares

TOO_SMALL = "the data are too small: their squares underflow float64"


def _points(exponent: int, rows: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """The audit's data: x uniform on [0, 1), y uniform on [0, 10^-exponent)."""
    draw = random.Random(-exponent)
    pairs = [(draw.random(), draw.random() * 10.0**-exponent) for _ in range(rows)]
    x, y = np.array(pairs).T
    return x[:, None], y


def _csv(tmp_path: Path, X: np.ndarray, y: np.ndarray) -> Path:
    path = tmp_path / "tiny.csv"
    path.write_text("".join(f"{a!r},{b!r}\n" for a, b in zip(X[:, 0].tolist(), y.tolist())))
    return path


@pytest.mark.parametrize("exponent", [150, 170, 250, 300, 310, 315, 320])
def test_every_scale_whose_squares_underflow_is_refused_alike(tmp_path, capsys, exponent):
    X, y = _points(exponent)
    code = main(["--data", str(_csv(tmp_path, X, y)), "--method", "newton", "--tol", "4.5e-13"])
    out, err = capsys.readouterr()
    assert (code, out) == (EXIT_INPUT, "")
    assert TOO_SMALL in err and "rescale X and y" in err
    for method in ("momentum", "cg"):
        with pytest.raises(InputError, match=TOO_SMALL):
            minimize(X, y, method=method, tol=1e-8)
    with pytest.raises(InputError, match=TOO_SMALL):
        least_squares(Moments.from_arrays(X, y))


def test_a_y_of_mean_zero_whose_squares_vanish_is_refused():
    # y = ±1e-170 sums to exactly 0 and its squares to 0, yet it co-varies with x
    X = np.arange(8.0)[:, None]
    y = 1e-170 * np.array([1.0, -1, 2, -2, 3, -3, 1, -1])
    with pytest.raises(InputError, match=TOO_SMALL):
        minimize(X, y, method="cg")
    with pytest.raises(InputError, match=TOO_SMALL):
        least_squares(Moments.from_arrays(X, y))


@pytest.mark.parametrize("y_value", [0.0, 5.0])
def test_a_constant_y_is_still_fitted(y_value):
    X = np.arange(6.0)[:, None]
    fit = minimize(X, np.full(6, y_value), method="cg", num_iterations=5)
    assert fit.converged and abs(fit.w[0]) < 1e-15 and fit.b == pytest.approx(y_value, abs=1e-15)


def test_small_data_whose_squares_hold_are_fitted():
    X, y = _points(140)  # Cyy about 1e-279: above the guard
    fit = minimize(X, y, method="cg", num_iterations=5)
    assert fit.converged


def test_a_loss_beyond_the_data_scale_is_unresolved_not_a_traceback(tmp_path, capsys):
    X = np.arange(10.0)[:, None]
    y = np.array([(-1) ** i * (i % 7 + 1) * 1e-140 for i in range(10)])
    fit = minimize(X, y, method="adam", num_iterations=3, b0=1e100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's overflow warnings were printed too
        assert fit.final_loss() == (np.inf, np.inf)
        ladder = fit.forecast.ladder
        assert loss_at(ladder.stats, np.array([0.0, 1e100]), 0.0, True, ladder.data) == (
            np.inf,
            np.inf,
        )
    path = _csv(tmp_path, X, y)
    code = main(["--data", str(path), "--method", "adam", "--initial-b", "1e100"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert "the error is not comparable with the minimum" in out


def test_a_value_without_finite_digits_prints_as_unresolved():
    from linreg.cli_report import sound

    assert sound(np.inf, 1.0).startswith("unresolved") and sound(1.0, np.inf).startswith("unr")


@pytest.mark.parametrize("method", ["steepest", "cg", "gd"])
def test_a_start_whose_distance_overflows_gets_no_count_and_no_traceback(tmp_path, capsys, method):
    """The fourteenth audit: y = ±7e153 fits, but the start's energy overflows float64:
    steepest and cg died in math.log (exit 1), gd printed numpy's overflow warnings."""
    path = tmp_path / "big.csv"
    path.write_text("x,y\n0,7e153\n1,-7e153\n")
    code = main(["--data", str(path), "--method", method])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    if method != "gd":
        assert out.rstrip().endswith("the distance to the optimum overflows float64.")


@pytest.mark.parametrize("y_value", [1.7e308, 1e200])
@pytest.mark.parametrize("method", ["bb", "steepest", "cg"])
def test_y_whose_square_overflows_is_too_large_not_a_nan_nor_the_methods_fault(method, y_value):
    """The fourteenth audit: one point, no intercept: bb and steepest returned w = [nan]
    at 1.7e308, and at 1e200 said their float64 steps were inaccurate."""
    with pytest.raises(InputError, match="the data are too large for float64"):
        minimize(np.array([[1.0]]), np.array([y_value]), method=method, fit_intercept=False)
