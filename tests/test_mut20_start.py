"""Withdrawn verdicts at a start float64 cannot follow (`linreg.rounded_start`), where the
rest of the suite let a planted bug through (mutant, branch mut20).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from linreg import minimize
from linreg.certificate import CANNOT
from linreg.moments import Moments
from linreg.problem import Quadratic
from linreg.rounded_start import exact_start_gradient

#: mean_y = 0.5 + 2^-61 rounds to 0.5; mean_x = 0 exactly.
_X, _Y = np.array([[-1.0], [1.0]]), np.array([1.0, 2.0**-60])


def test_adam_with_one_float_gradient_zero_and_the_other_not_is_withdrawn() -> None:
    """At (w, b) = (0, 0.5) the float gradient is [1, 0]: exactly 0 along b only, where
    the data's is -2^-60 (checked in rationals). Adam divides each coordinate by its own
    size, so exact steps move b by up to the rate while float64's never move it: the
    verdict must be withdrawn though the other coordinate's gradient is not 0."""
    quadratic = Quadratic.build(Moments.from_arrays(_X, _Y), alpha=0.0, standardize=False,
                                intercept=True)  # fmt: skip
    theta = np.array([0.0, 0.5])
    g = quadratic.loss_and_gradient(theta)[1]
    assert g[0] != 0.0 and g[1] == 0.0
    exact = exact_start_gradient(quadratic, theta, (_X, _Y), 0.0)
    assert exact is not None and exact[1] == Fraction(-1, 2**60)
    fit = minimize(_X, _Y, method="adam", learning_rate=0.05, w0=[0.0], b0=0.5,
                   num_iterations=100)  # fmt: skip
    assert fit.verdict == CANNOT and "divides the gradient" in fit.verdict_reason


@pytest.mark.parametrize("offset", [1e8, 1.7e9, 1e10, 1e12])
def test_a_start_at_the_exact_optimum_of_offset_data_is_pinned(offset: float) -> None:
    """y = x + offset exactly (checked in rationals), started at (1, offset), the exact
    optimum, at 2.5 times the stability bound. The float statistics' gradient there is
    not 0 (up to 2.4e8 at offset 1e12) but within 1/32 of its rounding scale, whose
    centring term grows with |mean x|; the data's gradient is exactly 0, so the exact run
    stays put and so must the fit (no divergence, the verdict kept)."""
    x = offset + np.array([0.5, -0.75, 1.25])
    y = x + offset
    assert all(Fraction(float(b)) == Fraction(float(a)) + Fraction(offset) for a, b in zip(x, y))
    quadratic = Quadratic.build(Moments.from_arrays(x[:, None], y), alpha=0.0,
                                standardize=False, intercept=True)  # fmt: skip
    theta = np.array([1.0, offset])
    assert quadratic.loss_and_gradient(theta)[1].any()
    assert exact_start_gradient(quadratic, theta, (x[:, None], y), 0.0) == [0, 0]
    bound = minimize(x[:, None], y, learning_rate=1e-30, num_iterations=0).bound
    fit = minimize(x[:, None], y, learning_rate=2.5 * bound, w0=[1.0], b0=offset,
                   num_iterations=50)  # fmt: skip
    assert fit.converged and (fit.w[0], fit.b, fit.n_iter) == (1.0, offset, 50)
