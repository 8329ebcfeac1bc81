"""Iteration predictions (`linreg.predictions`): a classical bound's count is the first
iteration its inequality promises, and an "exact" count is one every perturbed problem
crosses within ±2 of. Each test was written against a planted bug the rest of the suite
let through (mutant, branch mut20).
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from linreg.moments import Moments
from linreg.predictions import energy_bound, stable_count
from linreg.problem import Quadratic


@pytest.mark.parametrize("offset", [0.0, 1e4, 1.7e9])
@pytest.mark.parametrize("gap", [0.37, 0.1, 0.01, 1e-5])
def test_an_energy_bound_is_the_first_iteration_its_inequality_covers(
    offset: float, gap: float
) -> None:
    """K = ⌈log(target/start)/log(1 − gap)⌉ with start = factor·‖e₀‖_H/√λ_min (the map
    back is the identity here): start·(1 − gap)^K ≤ target < start·(1 − gap)^(K − 1),
    checked at 60 digits from the same float spectrum (a count within 1e-9 of an
    integer would be ambiguous at float precision: none is)."""
    rng = np.random.default_rng(1)
    x = offset + rng.normal(size=30)
    y = 2.0 * x + rng.normal(size=30)
    quadratic = Quadratic.build(Moments.from_arrays(x[:, None], y), alpha=0.0,
                                standardize=False, intercept=True)  # fmt: skip
    assert np.array_equal(quadratic.coords.rows_to_data(np.eye(2)), np.eye(2))
    e0, target, factor = np.array([1.0, -3.0]), 1e-3, 2.0
    found = energy_bound(quadratic, e0, target, gap, factor)
    assert found.kind == "bound"
    k = int(found.iterations)
    spectrum = quadratic.spectrum
    with mpmath.workdps(60):
        values = [mpmath.mpf(v) for v in spectrum.values.tolist()]
        parts = [mpmath.mpf(v) for v in (spectrum.vectors.T @ e0).tolist()]
        energy = mpmath.sqrt(sum(v * p * p for v, p in zip(values, parts)))
        start = factor * energy / mpmath.sqrt(values[0])
        rate = 1 - mpmath.mpf(gap)
        exact = mpmath.log(mpmath.mpf(target) / start) / mpmath.log(rate)
        assert abs(exact - mpmath.nint(exact)) > 1e-9
        assert start * rate**k <= target < start * rate ** (k - 1)


@pytest.mark.parametrize("moved, stable", [(-3, False), (-2, True), (2, True), (3, False)])
def test_an_exact_count_allows_two_iterations_either_way(moved: int, stable: bool) -> None:
    """One direction halving each step from 1: ‖e_k‖ = 2^-k exactly, so a target of 2^-t
    is first crossed at k = t. Against a count of 40, a perturbed problem crossing at
    38 or 42 keeps the count exact; one crossing at 37 or 43 does not."""
    rows = np.array([[1.0]])
    half = np.array([0.5])
    coefficients = (half, np.array([0.0]), half)
    perturbed = [(coefficients, 2.0 ** -(40 + moved))]
    assert stable_count(rows, coefficients, perturbed, 40.0) is stable
