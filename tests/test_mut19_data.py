"""Error bars formed from the data (`linreg.reference_data`), against rational arithmetic.

Each test was written against a planted bug (mutant) the rest of the suite let through,
on inputs built so that the term it dropped is the one that matters.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest

from linreg.moments import Moments
from linreg.reference import Reference
from linreg.reference_data import from_data, loss_at

from .exact import optimum_set, true_distance


@pytest.mark.parametrize("offset", [1e12, 4.1e12, 3.7e13])
def test_the_first_pass_bound_carries_the_rounding_of_the_mean_it_shifts_by(offset):
    """``from_data`` may return the first pass's bound on ``start``'s own point ("data,
    unrefined"). Its gradient (X − x̄)ᵀr is summed about the computed x̄, off the exact
    one by Δx̄, which adds Δx̄·Σr to it. A start is built so that this term cancels the
    true gradient of a weight off by dw: b moved so that Σr = ±C·dw/Δx̄ (Δx̄ measured in
    rationals). Planted (the |Δx̄|·(|Σr| + its slack) term dropped): the exact distance
    was 12 and 11 times the bound at offsets 1e12 and 4.1e12; with it at most 0.023."""
    rng = np.random.default_rng(5)
    x = np.round(offset + rng.integers(0, 100, size=200).astype(float))
    y = 2.0 * x + rng.normal(size=200) * 8
    X = x[:, None]
    stats = Moments.from_arrays(X, y)
    exact_mean = sum((Fraction(v) for v in x.tolist()), Fraction(0)) / 200
    shift = float(Fraction(float(stats.mean_x[0])) - exact_mean)
    assert shift != 0  # the one-pass mean really is off here
    solution, null = optimum_set(X, y)
    spread = float(stats.cxx[0, 0])
    for dw in (1e-12, 1e-10):
        for sign in (1, -1):
            total = sign * spread * dw / shift  # the Σr that cancels the gradient of dw
            b = solution[1] - Fraction(total) / 200 - Fraction(dw) * exact_mean
            point = np.array([float(solution[0]) + dw, float(b)])
            start = Reference(point, math.inf, np.zeros((2, 0)), False, "statistics")
            found = from_data(stats, X, y, start, 0.0, True, None, 2.0**-40, 1e9)
            assert found.source == "data, unrefined"  # the first pass's bound, on point
            _, error = true_distance(point, solution, null)
            assert error <= found.error, (dw, sign, error, found.error)


@pytest.mark.parametrize("alpha", [0.1, 0.3, 1.2345e-3, 7.0 / 3])
@pytest.mark.parametrize("offset", [0.0, 1e4, 1e8])
def test_a_ridge_term_carries_its_rounding_where_the_fit_is_exact(alpha, offset):
    """y = 3x + 2 exactly, so the double-double residual is exactly 0 and its bar is 0:
    the only error left is the ridge term α‖w‖² formed in float64 (N·α, w², the sum,
    the division, the addition), which `loss_at`'s 4u·(E + ridge) covers. Planted (that
    term dropped): the bar was ~1e-57 and the exact loss 1e26 to 1e41 bars away; with it
    0.12 of the bar at most."""
    x = offset + np.arange(50.0)
    y = 3.0 * x + 2.0 - 3.0 * offset  # exact in float64 for these offsets
    theta = np.array([3.0, 2.0 - 3.0 * offset])
    X = x[:, None]
    value, bar = loss_at(Moments.from_arrays(X, y), theta, alpha, True, (X, y))
    residuals = [
        Fraction(t) - 3 * Fraction(v) - Fraction(theta[1]) for v, t in zip(x.tolist(), y.tolist())
    ]
    assert not any(residuals)  # the fit is exact: the ridge term is all there is
    exact = Fraction(alpha) * 9
    assert abs(Fraction(value) - exact) <= Fraction(bar), (value, float(exact), bar)


def test_the_refined_bound_carries_the_rounding_of_the_statistics_matrix():
    """The data's bound ρ = ‖Dê‖ + ‖D⁻¹(…)‖/λ_low rests on ê = −G⁻¹q with the statistics'
    G, within γ_C of the data's own: G*⁻¹ΔG·ê, up to γ‖Dê‖₁/λ_low, must be in it. Two
    columns correlated to 1 − 7.6e-6 (scaled λ_min), statistics written with γ_C = λ_min/3
    and their co-moments moved by 0.99·γ_C·D_jD_k in every sign pattern; starts off the
    exact optimum along each eigenvector, refined or not. Planted (the γ·‖Dê‖₁ term
    dropped): the exact distance was up to 1.63 times the bound; with it at most 0.98
    (the term is nearly tight here)."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=200)
    X = np.column_stack([x, x + 3.5e-3 * rng.normal(size=200)])
    y = X @ [1.0, 2.0] + rng.normal(size=200)
    stats = Moments.from_arrays(X, y)
    solution, null = optimum_set(X, y)
    optimum = np.array([float(v) for v in solution])
    scale = np.sqrt(np.diag(stats.cxx))
    values, vectors = np.linalg.eigh(stats.cxx / np.outer(scale, scale))
    rounding = float(values[0]) / 3  # λ_low = λ_min − 2γ − … stays above 0
    checked = 0
    for signs in itertools.product((-1.0, 1.0), repeat=3):
        moved = 0.99 * rounding * np.outer(scale, scale) * np.array([signs[:2], signs[1:]])
        declared = replace(stats, cxx=stats.cxx + moved, rounding=rounding)
        for direction in (vectors[:, 1], vectors[:, 0], vectors[:, 0] + vectors[:, 1]):
            step = 0.1 * direction / scale
            point = optimum + np.append(step, -float(stats.mean_x @ step))
            start = Reference(point, math.inf, np.zeros((3, 0)), False, "statistics")
            for sufficient in (1e9, 0.0):  # the first pass's bound, and the refined one
                found = from_data(declared, X, y, start, 0.0, True, None, 2.0**-40, sufficient)
                if math.isfinite(found.error):
                    _, error = true_distance(found.point, solution, null)
                    assert error <= found.error, (signs, found.source, error, found.error)
                    checked += 1
    assert checked >= 40  # (of 48) the statistics bound λ_min: the data's route ran
