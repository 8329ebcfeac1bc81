"""Tests written against planted bugs (mutants) that the rest of the suite let through.

Each test pins one term of the certificate that a realistic slip could drop or shrink
without any other test noticing; each is checked against an exact reference (rational
arithmetic, `tests.exact`), or against the exact statistics a perturbed record stands
for, on inputs built so that the term matters.

The a-priori bound from the statistics (`linreg.reference_statistics`) promises to cover
*any* statistics within their declared rounding, |ΔC_jk| ≤ γ_C·√(C_jj·C_kk) and
|Δx̄_j| ≤ γ_m·(|x̄_j| + √(C_jj/N)). Rounding in a real pass rarely comes near those worst
cases, so the tests below perturb exact statistics by (just under) the full declared
amounts, in every combination of signs, and ask the bound to cover the exact optimum of
the unperturbed ones: that exposes every term of the bound, not only the ones real data
happen to reach.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from linreg.blas import norm
from linreg.certificate import CANNOT, CONVERGED, judge
from linreg.moments import Moments
from linreg.reference import Reference, exact_reference
from linreg.reference_statistics import from_statistics

from .exact import exact_mse, optimum_set, true_distance

# --- exact statistics, perturbed within their declared rounding -------------------------------


def _solve(gram: list[list[Fraction]], moment: list[Fraction]) -> list[Fraction]:
    """G x = g by Gauss–Jordan in rationals (G nonsingular)."""
    k = len(moment)
    rows = [[*gram[j], moment[j]] for j in range(k)]
    for c in range(k):
        lead = next(r for r in range(c, k) if rows[r][c] != 0)
        rows[c], rows[lead] = rows[lead], rows[c]
        rows[c] = [v / rows[c][c] for v in rows[c]]
        for r in range(k):
            if r != c and rows[r][c] != 0:
                factor = rows[r][c]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[c])]
    return [rows[j][k] for j in range(k)]


def _exact_optimum(n, mean_x, mean_y, cxx, cxy, intercept, alpha):
    """θ* = [w; b] of statistics taken at their exact values (centred normal equations)."""
    p = len(mean_x)
    m, my = [Fraction(v) for v in mean_x], Fraction(mean_y)
    gram = [[Fraction(cxx[j][k]) for k in range(p)] for j in range(p)]
    moment = [Fraction(cxy[j]) for j in range(p)]
    if not intercept:
        gram = [[gram[j][k] + n * m[j] * m[k] for k in range(p)] for j in range(p)]
        moment = [moment[j] + n * m[j] * my for j in range(p)]
    for j in range(p):
        gram[j][j] += n * Fraction(alpha)
    w = _solve(gram, moment)
    b = my - sum(a * v for a, v in zip(m, w)) if intercept else Fraction(0)
    return [*w, b]


def _worst_ratio(n, mean_x, mean_y, cxx, cxy, cyy, rounding, mean_rounding, intercept,
                 alpha=0.0):  # fmt: skip
    """max over all sign patterns of ‖θ̂* − θ*‖/E: the statistics moved by 0.99 of their
    declared rounding (each co-moment, each mean), θ* the unperturbed statistics' optimum."""
    p = len(mean_x)
    optimum = _exact_optimum(n, mean_x, mean_y, cxx, cxy, intercept, alpha)
    roots = [math.sqrt(cxx[j][j]) for j in range(p)] + [math.sqrt(cyy)]
    pairs = [(j, k) for j in range(p + 1) for k in range(j, p + 1)]
    means = [*mean_x, mean_y]
    worst, bounded = 0.0, 0
    for signs in itertools.product((-1.0, 1.0), repeat=len(pairs) + p + 1):
        full = np.zeros((p + 1, p + 1))
        full[:p, :p], full[:p, p], full[p, :p], full[p, p] = cxx, cxy, cxy, cyy
        for sign, (j, k) in zip(signs, pairs):
            step = sign * 0.99 * rounding * roots[j] * roots[k]
            full[j, k] += step
            full[k, j] += step if j != k else 0.0
        moved = [
            v + s * 0.99 * mean_rounding * (abs(v) + r / math.sqrt(n))
            for v, s, r in zip(means, signs[len(pairs) :], roots)
        ]
        stats = Moments(n, np.array(moved[:p]), moved[p], full[:p, :p].copy(),
                        full[:p, p].copy(), float(full[p, p]), rounding, mean_rounding)  # fmt: skip
        reference = from_statistics(stats, alpha, intercept)
        if not math.isfinite(reference.error):
            continue
        bounded += 1
        miss = sum((Fraction(float(a)) - b) ** 2 for a, b in zip(reference.point, optimum))
        worst = max(worst, math.sqrt(float(miss)) / reference.error)
    assert bounded > 0  # some pattern is bounded: the test tests something
    return worst


_ROUNDED = [
    # offset means with an intercept: the means' rounding and ‖x̄/D‖·ρ reach b
    ("offset", [1e6, -3e5], 2e6, [[1000.0, 999.0], [999.0, 1000.0]], [500.0, 480.0], True),
    # without an intercept, G = C + N·x̄x̄ᵀ carries the means' rounding too
    ("offset-raw", [3.0, -2.0], 20.0, [[1000.0, 999.0], [999.0, 1000.0]], [500.0, 480.0], False),
    ("collinear", [1.0, 2.0], 3.0, [[1000.0, 999.999], [999.999, 1000.0]], [500.0, 499.0], True),
    # λ_min of the scaled matrix (2e-10) below the co-moments' rounding (2 × 1e-9): only
    # the full p·γ_C margin on the eigenvalue keeps the bound sound
    ("near-singular", [1.0, 2.0], 3.0,
     [[1000.0, 1000.0 * (1 - 2e-10)], [1000.0 * (1 - 2e-10), 1000.0]], [500.0, 499.0], True),
    ("plain-raw", [0.5, -0.25], 1.0, [[1000.0, 10.0], [10.0, 500.0]], [500.0, 80.0], False),
]  # fmt: skip


@pytest.mark.parametrize("case", _ROUNDED, ids=[c[0] for c in _ROUNDED])
@pytest.mark.parametrize("rounding, mean_rounding", [(1e-9, 0.0), (0.0, 1e-9), (1e-9, 1e-9)])
def test_statistics_bound_covers_any_statistics_within_their_rounding(
    case, rounding, mean_rounding
):
    """Every term of `from_statistics`'s bound: the co-moments' and the means' rounding in
    G and g (with and without an intercept), the eigenvalue margin, the map to b."""
    _, mean_x, mean_y, cxx, cxy, intercept = case
    ratio = _worst_ratio(1000, mean_x, mean_y, cxx, cxy, 2000.0, rounding, mean_rounding,
                         intercept)  # fmt: skip
    assert ratio <= 1.0, ratio


# --- the verdict itself (`linreg.certificate.judge`) ------------------------------------------


def _offset_data():
    """x ≈ 1e8, 3000 rows: the one-pass statistics are really off (about 5e-14 relative),
    and their a-priori bound says so (about 2e-10)."""
    rng = np.random.default_rng(2)
    x = 1e8 + rng.normal(size=3000)
    return x[:, None], 2.0 * x + rng.normal(size=3000)


def test_the_verdict_rests_on_the_bound_not_on_the_distance_to_the_estimate():
    """θ = θ̂* of the statistics: its distance to θ̂* is 0, but θ̂* itself is off θ* by
    more than tol. Only the error bar can say so: converged here would be false."""
    X, y = _offset_data()
    solution, null = optimum_set(X, y)
    reference = from_statistics(Moments.from_arrays(X, y), 0.0, True)
    # below the statistics' actual error, which depends on the order of the pass's sums
    # (2.8e-14 with 65,536-row blocks, 6.4e-15 with pieces added in groups)
    tol = 1e-15
    truth, _ = true_distance(reference.point, solution, null)
    assert truth > tol  # the claim "converged" would be false
    verdict = judge(reference.point.copy(), reference, tol)
    assert verdict.verdict != CONVERGED and verdict.relative_bound >= truth


def _rounded_down(rng: np.random.Generator, count: int) -> list[np.ndarray]:
    """Vectors whose computed norm is below their exact norm (seeded search)."""
    found = []
    while len(found) < count:
        theta = rng.normal(size=3) * 1e-3
        exact = sum(Fraction(float(v)) ** 2 for v in theta)
        if Fraction(norm(theta)) ** 2 < exact:
            found.append(theta)
    return found


def test_a_proven_zero_optimum_still_carries_the_rounding_of_the_norm():
    """θ* = 0 exactly, E = 0: the bound is ‖θ‖ computed, which may round down; with tol
    equal to that computed norm, the truth exceeds tol and the verdict must not hold."""
    rng = np.random.default_rng(11)
    zero = Reference(np.zeros(3), 0.0, np.zeros((3, 0)), True, "exact")
    for theta in _rounded_down(rng, 5):
        tol = norm(theta)
        verdict = judge(theta, zero, tol)
        assert verdict.verdict != CONVERGED
        assert Fraction(verdict.relative_bound) ** 2 >= sum(Fraction(float(v)) ** 2 for v in theta)


def test_a_floor_at_or_above_tol_is_cannot_be_certified():
    """The error bar alone is 1.5·tol: no iterate can ever be certified at tol, and the
    verdict must say "cannot be certified", not "not converged" (a run would go on)."""
    point = np.array([2.0, -1.0])
    for ratio in (1.0, 1.5, 1.99):
        tol = 1e-8
        error = ratio * tol * float(np.linalg.norm(point))
        reference = Reference(point, error, np.zeros((2, 0)), False, "statistics")
        verdict = judge(point + 1e-3, reference, tol)
        assert verdict.floor >= tol and verdict.verdict == CANNOT, (ratio, verdict.verdict)


def test_a_tiny_nonzero_optimum_is_not_taken_for_zero():
    """θ* ≈ 1e-304 is not 0: relative distances mean something, and θ = 0 is 100% off."""
    X = np.arange(4.0)[:, None]
    y = np.array([0.0, 0.0, 0.0, 1e-303])
    reference = exact_reference(X, y, 0.0, True)
    solution, _ = optimum_set(X, y)
    assert any(v != 0 for v in solution) and not reference.zero
    verdict = judge(np.zeros(2), reference, 1e-6)
    assert verdict.verdict != CONVERGED


# --- climbing the ladder only when a verdict needs it (`Judge`) -------------------------------


def _offset_judge(tol: float):
    """A `Judge` on the offset data in their own coordinates, its ladder at the statistics;
    the statistics' θ̂*, the exact θ* (rounded) and the unit vector from one to the other."""
    from linreg.certificate import Judge, ReferenceLadder
    from linreg.problem import Quadratic

    X, y = _offset_data()
    stats = Moments.from_arrays(X, y)
    ladder = ReferenceLadder(stats, 0.0, True, (X, y))
    quadratic = Quadratic.build(stats, alpha=0.0, standardize=False, intercept=True)
    start, exact = ladder.current.point, exact_reference(X, y, 0.0, True)
    direction = (exact.point - start) / np.linalg.norm(exact.point - start)
    return Judge(quadratic, ladder, tol), start, exact.point, direction, (X, y)


def test_an_undecided_verdict_climbs_to_a_sharper_reference():
    """θ about 1.5e-10 off θ*, tol just below the statistics' bound (their error bar is
    about 5e-11 of ‖θ*‖, so tol is about 1.9e-10): undecided against the statistics; the
    data's reference certifies it. A verdict "not converged" here would be needlessly loose."""
    probe, _, exact, direction, (X, y) = _offset_judge(1.0)
    theta = exact + 1.5e-10 * float(np.linalg.norm(exact)) * direction
    first = judge(theta, probe.ladder.current, 1.0)
    tol = first.floor + 0.9 * (first.relative_bound - first.floor)
    judge_ = _offset_judge(tol)[0]
    assert first.floor < tol < first.relative_bound  # undecided against the statistics
    assert first.relative_bound - first.floor > 1e-11  # ... by a margin the data resolve
    verdict = judge_.on_data(theta)
    assert verdict.verdict == CONVERGED
    solution, null = optimum_set(X, y)
    assert true_distance(theta, solution, null)[0] <= tol


def test_first_converged_looks_past_the_statistics_error_bar():
    """A row just inside tol of θ* but, by the statistics' own error, just outside tol of
    their θ̂*: the candidates must include rows within tol plus the error bar, so that the
    ladder is climbed and the row certified (not skipped, and the run kept going)."""
    tol = 1e-11
    judge_, start, exact, direction, (X, y) = _offset_judge(tol)
    size = float(np.linalg.norm(exact))
    # inside tol of θ* and outside tol of θ̂* by half the statistics' actual error, which
    # depends on the order of the pass's sums (a fixed 1e-3·tol margin needs it > 1e-14)
    gap = float(np.linalg.norm(exact - start)) / size
    row = exact + (tol - gap / 2) * size * direction
    assert np.linalg.norm(row - start) > tol * np.linalg.norm(start)  # outside, as seen
    thetas = np.vstack([start + 1e-3 * size, row])
    assert judge_.first_converged(thetas) == 1
    solution, null = optimum_set(X, y)
    assert true_distance(row, solution, null)[0] <= tol


# --- θ* = 0 must be proven, not guessed -------------------------------------------------------


@pytest.mark.parametrize("method", ["gd", "cg", "newton"])
def test_a_constant_target_is_not_a_zero_optimum(method):
    """y ≡ 2⁻¹⁰ (sums exact, so C_yy = 0 exactly): θ* = [0, 2⁻¹⁰] ≠ 0. Taken for zero,
    the verdict would compare the *absolute* distance with tol, and an iterate 1e-4 of
    ‖θ*‖ away (absolute 1e-7) would be certified at tol = 1e-6."""
    X = np.arange(8.0)[:, None]
    y = np.full(8, 2.0**-10)
    stats = Moments.from_arrays(X, y)
    assert stats.cyy == 0.0 and stats.mean_y != 0.0
    assert not from_statistics(stats, 0.0, True).zero
    from linreg import minimize

    solution, null = optimum_set(X, y)
    for iterations in (3, 30, 300):
        fit = minimize(X, y, method=method, tol=1e-6, num_iterations=iterations)
        relative, _ = true_distance(np.append(fit.w, fit.b), solution, null)
        assert not fit.optimum_is_zero
        assert not fit.converged or relative <= 1e-6, (iterations, relative)


# --- least_squares' error_estimate (`linreg.closed_form._relative_bound`) ----------------------


def test_error_estimate_of_an_optimum_within_its_own_error_bar():
    """Exact statistics with θ* = [1e-10, 0; 0]; the record holds them moved by 0.99 of
    its declared rounding (γ_C = 1e-9), which moves θ̂* by about 1e-6: the relative error
    is about 1e4. ‖θ*‖ cannot be bounded away from 0, so the estimate must not be finite
    and small (a bound of (d + E)/(‖θ̂*‖ + E) ≤ 1 would be false)."""
    import warnings

    from linreg.closed_form import least_squares

    n, cxx, cyy, gamma = 1000, [[1000.0, 0.0], [0.0, 1000.0]], 2000.0, 1e-9
    cxy = [1e-7, 0.0]
    optimum = _exact_optimum(n, [0.0, 0.0], 0.0, cxx, cxy, True, 0.0)
    step = 0.99 * gamma * math.sqrt(1000.0 * cyy)
    stats = Moments(n, np.zeros(2), 0.0, np.array(cxx), np.array([cxy[0] + step, step]), cyy,
                    gamma, 0.0)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = least_squares(stats)
    point = [*fit.coef, fit.intercept]
    miss = sum((Fraction(float(a)) - b) ** 2 for a, b in zip(point, optimum))
    size = sum(b * b for b in optimum)
    truth = math.sqrt(float(miss / size))
    assert truth > 1.0
    assert fit.error_estimate >= truth and not fit.accurate


def test_error_estimate_from_statistics_moved_within_their_rounding():
    """Offset means (1e6) whose record is off by 0.99 of its declared γ_m = 1e-9: b is off
    θ* by about 6e-10 relative. The estimate must carry the reference's error bar, not
    only the (zero) distance between the solver's answer and the reference point."""
    import warnings

    from linreg.closed_form import least_squares

    n, mean_x, mean_y = 1000, [1e6, -3e5], 2e6
    cxx, cxy, cyy, gamma = [[1000.0, 999.0], [999.0, 1000.0]], [500.0, 480.0], 2000.0, 1e-9
    optimum = _exact_optimum(n, mean_x, mean_y, cxx, cxy, True, 0.0)
    moved = [m + 0.99 * gamma * (abs(m) + 1.0) for m in mean_x]
    stats = Moments(n, np.array(moved), mean_y, np.array(cxx), np.array(cxy), cyy, 0.0, gamma)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = least_squares(stats)
    point = [*fit.coef, fit.intercept]
    miss = sum((Fraction(float(a)) - b) ** 2 for a, b in zip(point, optimum))
    truth = math.sqrt(float(miss / sum(b * b for b in optimum)))
    assert truth > 1e-10
    assert fit.error_estimate >= truth


# --- the minimum of the loss (`linreg.reference_data.minimum_loss`) ---------------------------


@pytest.mark.parametrize("with_data", [True, False])
def test_minimum_loss_from_a_point_off_the_optimum_carries_the_gap(with_data):
    """E(θ̂) − E* = ½gᵀH⁻¹g: from a reference point 1e-6 off θ*, E(θ̂) exceeds E* by far
    more than its rounding, and only the gap term of the error bar covers the difference."""
    from linreg.reference_data import minimum_loss

    rng = np.random.default_rng(6)
    X = rng.normal(size=(60, 2)) + np.array([3.0, -1.0])
    y = X @ [1.0, -2.0] + 0.5 + 0.1 * rng.normal(size=60)
    solution, _ = optimum_set(X, y)
    exact = exact_mse(X, y, solution)
    point = np.array([float(v) for v in solution]) * (1 + 1e-6)
    reference = Reference(point, 1e-5, np.zeros((3, 0)), False, "statistics")
    stats = Moments.from_arrays(X, y)
    value, error = minimum_loss(stats, reference, 0.0, True, (X, y) if with_data else None)
    assert value - exact > 1e-12 * exact  # the loss at θ̂ really is above E* ...
    assert abs(value - exact) <= error  # ... and the error bar says by how much at most


# --- the one-pass statistics' own rounding (`linreg.accumulate`) ------------------------------


def test_a_merge_of_exact_statistics_declares_the_rounding_of_its_means():
    """Two records written by hand are exact, but x̄ = x̄_a + (x̄_b − x̄_a)·n_b/n rounds:
    the merged record's mean_rounding must cover that (checked in rationals)."""
    a = Moments(3, np.array([0.1]), 0.7, np.array([[0.5]]), np.array([0.25]), 1.0)
    b = Moments(7, np.array([0.3]), -0.2, np.array([[2.0]]), np.array([0.5]), 3.0)
    merged = a + b
    for mean, parts in ((merged.mean_x[0], (0.1, 0.3)), (merged.mean_y, (0.7, -0.2))):
        exact = (3 * Fraction(parts[0]) + 7 * Fraction(parts[1])) / 10
        assert Fraction(float(mean)) != exact  # the merge really rounded
    spread = math.sqrt(float(merged.cxx[0, 0]) / merged.count)
    exact_x = (3 * Fraction(0.1) + 7 * Fraction(0.3)) / 10
    slack = merged.mean_rounding * (abs(float(merged.mean_x[0])) + spread)
    assert abs(Fraction(float(merged.mean_x[0])) - exact_x) <= Fraction(slack)


def _ladder(X, y):
    """A ladder whose routes are counted, and refused past 10 (a loop, not a hang)."""
    from linreg.certificate import ReferenceLadder

    ladder = ReferenceLadder(Moments.from_arrays(X, y), 0.0, True, (X, y))
    run, tried = ladder._run, []

    def counted(rung, *args):
        tried.append(rung)
        assert len(tried) <= 10, tried
        return run(rung, *args)

    ladder._run = counted
    return ladder, tried


def _floor_bound_data():
    """Well-conditioned rows whose data bound is BLAS's rounding, not the statistics' error:
    refining the point does not lower it."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(40, 3))
    return X, X @ [1.0, -2.0, 0.5] + 3.0 + 0.1 * rng.normal(size=40)


@pytest.mark.parametrize("data", [_offset_data, _floor_bound_data])
@pytest.mark.parametrize("sufficient", [0.0, 1e-3, 1.0])
def test_the_ladder_climbs_each_rung_once_and_stops(sufficient, data):
    """A judge asks for a reference within tol/4: the data's route may stop after its
    first pass ("data, unrefined"), and a later climb refines it, then goes exact. Each
    route runs once; a climb past the top says so (a ladder that re-tried a rung
    never stopped: the command line hung)."""
    X, y = data()
    ladder, tried = _ladder(X[:40], y[:40])
    sources, errors = [ladder.current.source], [ladder.current.error]
    while ladder.climb(1e-12, sufficient):
        sources.append(ladder.current.source)
        errors.append(ladder.current.error)
    assert not ladder.climb(1e-12, sufficient)  # at the top, and it stays there
    assert sources[-1] == "exact" and len(tried) == len(set(tried)) <= 3, tried
    assert errors == sorted(errors, reverse=True) and len(set(errors)) == len(errors)
    if sufficient == 1.0:  # a bound of the whole norm is enough: the first pass is kept
        assert sources[1] == "data, unrefined"
