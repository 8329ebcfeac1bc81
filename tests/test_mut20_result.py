"""`DescentResult.sharpened` (`linreg.descent_result`) against the exact optimum in
rationals (tests/exact.py), where the rest of the suite let a planted bug through
(mutant, branch mut20: sharpened without climbing the ladder).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from linreg import gradient_descent, minimize

from .exact import optimum_set, true_distance


@pytest.mark.parametrize("offset", [1e4, 1.7e9, 1e12])
def test_sharpened_takes_the_sharpest_reference(offset: float) -> None:
    """Twenty points a minute apart at an offset (up to Unix timestamps and 1e12), slope
    1e-3: the statistics' reference is off by up to 2.6e-5 there. Small data climb to the
    exact rung, whose optimum is θ* rounded: its error bar must bound the true error
    (measured in rationals) and be at rounding level, ≤ 1e-14‖θ*‖ (about 45u; the
    statistics' bar is 6.6e-14‖θ*‖ at offset 1e4 and 2.6e-6‖θ*‖ at 1e12)."""
    rng = np.random.default_rng(4)
    x = offset + 60.0 * np.arange(20)
    y = 1e-3 * (x - offset) + 5.0 + rng.normal(size=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = gradient_descent(x[:, None], y, learning_rate=1e-30, num_iterations=3)
    sharp = fit.sharpened()
    solution, null = optimum_set(x[:, None], y)
    assert not null
    size = float(np.hypot(*map(float, solution)))
    error = true_distance(sharp.optimum, solution, null)[1]
    assert error <= sharp.optimum_error <= 1e-14 * size
    assert sharp.verdict == fit.verdict
    # the iterate's distance and its bar, against the exact distance
    exact = true_distance(np.append(sharp.w, sharp.b), solution, null)[1]
    assert abs(sharp.distance - exact) <= sharp.distance_error <= fit.distance_error


@pytest.mark.parametrize("offset, scale", [(100.0, 1.0), (1e3, 100.0), (1e4, 1e4)])
def test_a_count_the_data_can_pin_is_exact(offset: float, scale: float) -> None:
    """gd at its default rate on 50 points at an offset: about 5e8 to 3e9 iterations.
    The statistics' reference alone leaves the count uncertain by more than ±2 (an
    "estimate"); the prediction refines the reference (`_settle`) until its error bar
    moves the count by under half an iteration, and the count is then "exact"."""
    rng = np.random.default_rng(2)
    x = offset + scale * rng.normal(size=50)
    y = 3.0 * (x - offset) / scale + 0.5 + 1e-3 * rng.normal(size=50)
    fit = minimize(x[:, None], y, method="gd", num_iterations=1)
    assert fit.prediction_kind == "exact", fit.prediction_reason
    assert 1e8 < fit.predicted_iterations < 1e10
