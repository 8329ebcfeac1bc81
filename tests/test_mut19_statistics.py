"""Error bars from the one-pass statistics alone, against the exact statistics they stand for.

As in `tests.test_certificate_mutants`, the statistics are taken at exact values, then
moved by just under their declared rounding (γ_C·√(C_jj C_kk) for each co-moment) in every
combination of signs; each bar must still cover the exact answer of the unmoved ones.
Each test was written against a planted bug (mutant) the rest of the suite let through.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from linreg.moments import Moments
from linreg.reference_data import loss_at

from .test_certificate_mutants import _worst_ratio

# Exact statistics (declared rounding 0), C near-singular, and a ridge α whose N·α and
# C_jj + N·α each round in float64: found by a seeded search, the mutant's ratio in brackets.
_RIDGED = [
    (1.7489662214800967, 2.168010465578898e-09, [178.690205329478, -604.1593161410858],
     2.9780784314396592e-08, 0.6564749350763358),  # 26
    (1.0833821359686557, 5.67266219538856e-07, [-79.61250495723885, 270.42279234290385],
     5.227410303931233e-10, 0.3553727090399214),  # 2.8
    (0.7254192003422586, 2.2103866156983737e-08, [214.931847411115, 348.02136198143427],
     1.756814964821039e-11, -0.6617025720390349),  # 5.7
]  # fmt: skip


@pytest.mark.parametrize("case", _RIDGED, ids=["26x", "2.8x", "5.7x"])
def test_a_ridge_on_exact_statistics_carries_the_rounding_of_its_penalty(case):
    """G = C + N·α rounds even when C is exact: the normal system's γ keeps 2u for it
    (`normal_system`). Planted (γ = γ_C alone, 0 here): the exact ridge optimum lay 26,
    2.8 and 5.7 times the claimed bound away; with it, at most 0.16 of it."""
    a, d, cxy, alpha, mean = case
    cxx = [[1000.0 * a, 1000.0 * a * (1 - d)], [1000.0 * a * (1 - d), 1000.0 * a]]
    ratio = _worst_ratio(1000, [mean, mean], 1.0, cxx, cxy, 2e6, 0.0, 0.0, True, alpha)
    assert ratio <= 1.0, ratio


def _exact_loss(n, mean_x, mean_y, cxx, cxy, cyy, w, b):
    """E(θ) = (C_yy − 2wᵀC_xy + wᵀC_xx w)/N + (ȳ − x̄ᵀw − b)² in rationals (`Moments`)."""
    p = len(mean_x)
    W = [Fraction(v) for v in w]
    cross = sum(W[j] * Fraction(cxy[j]) for j in range(p))
    square = sum(W[j] * W[k] * Fraction(cxx[j][k]) for j in range(p) for k in range(p))
    quadratic = Fraction(cyy) - 2 * cross + square
    centre = Fraction(mean_y) - sum(Fraction(mean_x[j]) * W[j] for j in range(p)) - Fraction(b)
    return quadratic / n + centre * centre


def _moved(n, mean_x, mean_y, cxx, cxy, cyy, rounding):
    """The statistics with every co-moment moved by 0.99·γ_C·√(C_jj C_kk), each sign."""
    p = len(mean_x)
    roots = [math.sqrt(cxx[j][j]) for j in range(p)] + [math.sqrt(cyy)]
    pairs = [(j, k) for j in range(p + 1) for k in range(j, p + 1)]
    for signs in itertools.product((-1.0, 1.0), repeat=len(pairs)):
        full = np.zeros((p + 1, p + 1))
        full[:p, :p], full[:p, p], full[p, :p], full[p, p] = cxx, cxy, cxy, cyy
        for sign, (j, k) in zip(signs, pairs):
            full[j, k] += sign * 0.99 * rounding * roots[j] * roots[k]
            full[k, j] = full[j, k]
        yield Moments(n, np.array(mean_x), mean_y, full[:p, :p].copy(), full[:p, p].copy(),
                      float(full[p, p]), rounding, 0.0)  # fmt: skip


@pytest.mark.parametrize("theta", [[2.0, 0.5], [0.0, 0.0], [-3.0, 1.0], [1.99, 0.6]])
@pytest.mark.parametrize("offset", [0.0, 1e4])
def test_the_loss_from_statistics_carries_their_declared_rounding(theta, offset):
    """E(θ) formed from statistics within γ_C = 1e-9 of exact (no data at hand) must cover
    the exact E(θ) of the unmoved ones: its bar keeps γ_C·(√C_yy + Σ|w_j|√C_jj)²/N.
    Planted (that term dropped): the exact loss lay 6e5 to 9e5 bars away at offset 0; with
    it 0.99 of the bar at most (the move's own 0.99: the term is tight). At offset 1e4 the
    bar's 8u·centre² dwarfs the term, and the mutant passes there."""
    n, mean_x, mean_y = 1000, [0.3 + offset], 0.9 + 2 * offset
    cxx, cxy, cyy = [[1000.0]], [1990.0], 4000.0
    w, b = theta[:1], theta[1] - (2 * offset if offset else 0.0)
    exact = _exact_loss(n, mean_x, mean_y, cxx, cxy, cyy, w, b)
    for stats in _moved(n, mean_x, mean_y, cxx, cxy, cyy, 1e-9):
        value, bar = loss_at(stats, np.array([*w, b]), 0.0, True)
        assert abs(Fraction(value) - exact) <= Fraction(bar), (value, float(exact), bar)
