"""The optimum's error bar holds on every route: statistics, data, exact.

`linreg.reference` bounds ‖θ̂* − θ*‖ against the exact optimum of the data as given; each
route is checked here against rational arithmetic (`tests.exact`), on data built so that
each term of the bound matters: the rounding of the statistics (large offsets, many rows),
the smallest eigenvalue (near-collinear columns), the map back to the intercept (offsets).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from linreg.certificate import ReferenceLadder
from linreg.moments import Moments
from linreg.reference_statistics import from_statistics, statistics_rounding

from .exact import exact_mse, optimum_set, true_distance


def _rungs(X, y, intercept=True, alpha=0.0):
    """Every reference the ladder reaches, in order."""
    ladder = ReferenceLadder(Moments.from_arrays(X, y), alpha, intercept, (X, y))
    found = [ladder.current]
    while ladder.climb():
        found.append(ladder.current)
    return found


def _data(kind: str, seed: int):
    rng = np.random.default_rng(seed)
    if kind == "offset":  # the statistics' rounding: ε·|x̄|/σ ≈ 2e-8 relative
        x = 1e8 + rng.normal(size=3000)
        return x[:, None], 2.0 * x + rng.normal(size=3000)
    if kind == "timestamps":
        x = 1.7e9 + 3600.0 * np.arange(50.0)
        return x[:, None], np.sin(np.arange(50.0)) + 0.1 * np.arange(50.0)
    if kind == "collinear":  # the smallest eigenvalue near rounding level
        x = rng.uniform(0, 1, 200)
        return np.column_stack([x, x + 1e-8 * rng.normal(size=200)]), x + rng.normal(size=200)
    if kind == "scales":
        X = np.column_stack([rng.normal(size=30) * 1e-5, rng.normal(size=30) * 1e5])
        return X, X @ [3e5, 2e-5] + rng.normal(size=30)
    if kind == "nearzero":
        return np.arange(4.0)[:, None], np.array([0.1, -0.3, 0.3, -0.1])
    x = rng.normal(size=(100, 3))
    return x, x @ [1.0, -2.0, 0.5] + 3.0 + rng.normal(size=100)


@pytest.mark.parametrize("kind", ["offset", "timestamps", "collinear", "scales", "nearzero",
                                  "plain"])  # fmt: skip
@pytest.mark.parametrize("intercept", [True, False])
def test_every_rung_bounds_its_error(kind, intercept):
    X, y = _data(kind, 1)
    solution, null = optimum_set(X, y, intercept)
    for reference in _rungs(X, y, intercept):
        if reference.null.shape[1]:
            continue
        _, error = true_distance(reference.point, solution, null)
        assert error <= reference.error * (1 + 1e-12), (reference.source, error, reference.error)


def test_the_statistics_rounding_is_in_the_bound():
    """At x ≈ 1e8 the one-pass statistics are off by about ε·x̄/σ; the bound must cover it."""
    X, y = _data("offset", 2)
    solution, null = optimum_set(X, y)
    reference = from_statistics(Moments.from_arrays(X, y), 0.0, True)
    _, error = true_distance(reference.point, solution, null)
    assert error > 1e-12  # the statistics really are off here ...
    assert error <= reference.error  # ... and the bound says by how much at most
    assert statistics_rounding(Moments.from_arrays(X, y))[0] > 0


def test_a_singular_looking_matrix_is_not_bounded_from_the_statistics():
    """x and x + 1e-12·noise: the scaled normal matrix's λ_min is below its rounding."""
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 1, 300)
    X = np.column_stack([x, x + 1e-12 * rng.normal(size=300)])
    reference = from_statistics(Moments.from_arrays(X, x), 0.0, True)
    assert math.isinf(reference.error) and "ill-conditioned" in reference.reason


def test_rank_deficiency_only_from_exact_arithmetic():
    """Duplicate columns: the statistics cannot tell; the exact route proves it."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=50)
    X = np.column_stack([x, x])
    rungs = _rungs(X, x + 1.0)
    assert rungs[0].null.shape[1] == 0 and math.isinf(rungs[0].error)
    assert rungs[-1].source == "exact" and rungs[-1].null.shape[1] == 1


@pytest.mark.parametrize("alpha", [1e-3, 0.5])
def test_ridge_bounds(alpha):
    X, y = _data("scales", 3)
    solution, null = optimum_set(X, y, True, alpha)
    for reference in _rungs(X, y, True, alpha):
        _, error = true_distance(reference.point, solution, null)
        assert error <= reference.error * (1 + 1e-12), reference.source


def test_the_intercept_bound_carries_the_offset():
    """b = ȳ − x̄·w: an error ρ in D·w reaches b amplified by ‖x̄/D‖ (Cauchy–Schwarz)."""
    from linreg.reference_statistics import _intercept_error

    stats = Moments(10, np.array([1e6, -2e6]), 0.0, np.eye(2), np.zeros(2), 1.0)
    scale = np.ones(2)
    bound = _intercept_error(stats, np.zeros(2), 0.0, scale, 1.0, 0.0)
    assert bound >= math.hypot(1e6, 2e6)


@pytest.mark.parametrize("kind", ["offset", "timestamps", "scales", "nearzero", "plain"])
@pytest.mark.parametrize("with_data", [True, False])
def test_the_minimum_loss_is_within_its_error_bar(kind, with_data):
    """E* = ‖y − Zθ*‖²/N exactly, against `minimum_loss` (double-double, or statistics)."""

    from linreg.reference_data import minimum_loss

    X, y = _data(kind, 6)
    solution, _ = optimum_set(X, y)
    exact = exact_mse(X, y, solution)
    stats = Moments.from_arrays(X, y)
    ladder = ReferenceLadder(stats, 0.0, True, (X, y) if with_data else None)
    value, error = minimum_loss(stats, ladder.current, 0.0, True, (X, y) if with_data else None)
    assert abs(value - exact) <= error * (1 + 1e-12) + 2.2e-16 * exact


def _mixed(seed: int, n: int = 300, p: int = 6, condition: float = 2e6, offset: float = 3.0):
    """Normal columns mixed by a rotation to the given condition number, then offset: an
    ill-conditioned design whose error is spread over every direction."""
    rng = np.random.default_rng(seed)
    rotation, _ = np.linalg.qr(rng.normal(size=(p, p)))
    X = rng.normal(size=(n, p)) @ np.diag(np.geomspace(1.0, 1 / condition, p)) @ rotation.T
    X = X + offset
    return X, X @ rng.normal(size=p) + 0.5 + rng.normal(scale=1e-3, size=n)


@pytest.mark.parametrize("seed", range(4))
def test_an_accurate_answer_to_an_ill_conditioned_problem_is_certified_so(seed):
    # The gradient at the float64-rounded optimum is ~u·|G||θ| in every direction;
    # bounded by ‖G⁻¹‖‖q‖ it looked κ times too large (6.5e-3 at κ 2e6), and an answer
    # with every digit right came with an AccuracyWarning. The bound from the computed
    # correction (reference_data._refined_rho), with the gradient summed nearly exactly,
    # is about the true error. (least_squares would use the exact rung here: the data
    # rung is asked directly, as it is for data too large for exact arithmetic.)
    from dataclasses import replace

    from linreg.reference_data import from_data
    from linreg.solve import least_squares

    X, y = _mixed(seed)
    solution, null = optimum_set(X, y)
    fit = least_squares(X, y)
    point = np.append(fit.coef, fit.intercept)
    stats = Moments.from_arrays(X, y)
    start = replace(from_statistics(stats, 0.0, True), point=point, error=math.inf)
    found = from_data(stats, X, y, start, 0.0, True)
    _, error = true_distance(found.point, solution, null)
    norm_star = math.hypot(*(float(v) for v in solution))
    assert error <= found.error < 1e-12 * norm_star, (error, found.error)


@pytest.mark.parametrize("seed", range(6))
def test_the_data_bound_holds_at_any_point(seed):
    """from_data's bound at points off the optimum by 1e-17 … 1e-2 of it, in random
    directions, on ill-conditioned, offset and plain data, against the exact optimum."""
    from dataclasses import replace

    from linreg.reference_data import from_data

    rng = np.random.default_rng(seed)
    X, y = _mixed(seed, n=40, p=4, condition=10.0 ** rng.uniform(1, 7),
                  offset=10.0 ** rng.uniform(0, 6))  # fmt: skip
    intercept = bool(seed % 2)
    solution, null = optimum_set(X, y, intercept)
    truth = np.array([float(v) for v in solution])
    stats = Moments.from_arrays(X, y)
    start = from_statistics(stats, 0.0, intercept)
    for _ in range(20):
        off = 10.0 ** rng.uniform(-17, -2) * np.abs(truth).max() * rng.normal(size=truth.shape)
        point = truth + off * (1.0 if intercept else np.append(np.ones(4), 0.0))
        found = from_data(stats, X, y, replace(start, point=point, error=math.inf), 0.0, intercept)
        _, error = true_distance(found.point, solution, null)
        assert error <= found.error, (error, found.error)


# --- the one-feature shortcuts: floats where numpy's per-call cost is the whole cost --------


@pytest.mark.parametrize(
    "entry", [2.5, -3.0, 0.0, -0.0, 5e-324, 1.7e308, math.inf, -math.inf, math.nan]
)
def test_eigh_of_one_entry_is_lapacks_bit_for_bit(entry):
    from linreg.blas import eigh

    matrix = np.array([[entry]])
    values, vectors = eigh(matrix)
    expected_values, expected_vectors = np.linalg.eigh(matrix)
    assert values.tobytes() == expected_values.tobytes()
    assert vectors.tobytes() == expected_vectors.tobytes()
    values[0] = 7.0  # a fresh array, not a view of the matrix
    assert matrix[0, 0] == entry or math.isnan(entry)


def _eigh_outcome(matrix, state):
    """numpy.linalg.eigh's answer (or error) and `linreg.blas.eigh`'s, under an error state."""
    import warnings

    from linreg.blas import eigh

    outcomes = []
    for function in (np.linalg.eigh, eigh):
        with np.errstate(**state), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                values, vectors = function(matrix.copy())
                outcomes.append((values.tobytes(), vectors.tobytes(), vectors.strides))
            except (np.linalg.LinAlgError, FloatingPointError) as error:
                outcomes.append((type(error).__name__, str(error)))
        outcomes[-1] += (len(caught),)
    return outcomes


@pytest.mark.parametrize("state", [{"all": "raise"}, {"all": "ignore"}, {"all": "warn"}])
@pytest.mark.parametrize("size", [2, 3, 4, 5])
def test_eigh_of_small_matrices_is_numpys_bit_for_bit(size, state):
    """The small matrices go straight to numpy's LAPACK gufunc: the same answer, and the
    same error (or NaN) for entries that are not finite, whatever the error state."""
    rng = np.random.default_rng(size)
    for trial in range(200):
        a = rng.normal(size=(size, size)) * 10.0 ** rng.integers(-150, 151, size=(size, size))
        matrix = a + a.T
        if trial % 10 == 1:
            matrix[0, -1] = matrix[-1, 0] = [math.nan, math.inf, -math.inf, 1e308][trial % 4]
        if trial % 10 == 2:
            matrix = np.full((size, size), 1e308)
        if trial % 10 == 3:
            matrix = np.diag(rng.normal(size=size)) * 5e-324
        first, second = _eigh_outcome(matrix, state)
        assert first == second, (trial, matrix)


@pytest.mark.parametrize("state", [{"all": "raise"}, {"all": "ignore"}, {"all": "warn"}])
def test_the_norm_of_a_few_entries_is_the_guarded_routes(monkeypatch, state):
    """Up to 4 entries within 2^±400 skip the error state: the same float as the guarded
    route, and the same warnings or errors (none) whatever the caller's state; entries at
    and past the limits, zeros, subnormals, inf and NaN take the guarded route as before."""
    import warnings

    from linreg import blas

    rng = np.random.default_rng(400)
    few = blas._FEW
    edges = [0.0, -0.0, 5e-324, 2.0**-400, 2.0**-399, 2.0**399, 2.0**400, 1e300, math.inf,
             math.nan, 1.0]  # fmt: skip
    for trial in range(3000):
        size = int(rng.integers(1, 6))
        v = rng.normal(size=size) * 2.0 ** rng.integers(-700, 700, size=size)
        if trial % 3 == 0:
            v[rng.integers(size)] = edges[trial % len(edges)]
        outcomes = []
        for shapes in (few, set()):
            monkeypatch.setattr(blas, "_FEW", shapes)
            with np.errstate(**state), warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    found = blas.norm(v)
                    outcomes.append((type(found), np.float64(found).tobytes(), len(caught)))
                except FloatingPointError as error:
                    outcomes.append((str(error), len(caught)))
        assert outcomes[0] == outcomes[1], v


def test_exact_residual_and_intercept_of_one_feature_are_correctly_rounded():
    from fractions import Fraction

    from linreg.centring import intercept_from
    from linreg.reference_statistics import exact_residual

    rng = np.random.default_rng(19)
    for _ in range(200):
        g, m, w, s = (float(v) for v in rng.normal(size=4) * 10.0 ** rng.integers(-8, 9, size=4))
        # g − G w and ȳ − x̄ w, exactly, then rounded once: what fsum of exact parts gives
        residual = exact_residual(np.array([[g]]), np.array([m]), np.array([w]))
        assert residual.shape == (1,)
        assert residual[0] == float(Fraction(m) - Fraction(g) * Fraction(w))
        assert intercept_from([m], np.array([s]), np.array([w])) == float(
            Fraction(m) - Fraction(s) * Fraction(w)
        )
        # the shortcut gives what the array route gives for p > 1, row by row
        wide = exact_residual(np.array([[g, 0.0], [0.0, g]]), np.array([m, m]), np.array([w, w]))
        assert wide.tolist() == [residual[0], residual[0]]


def test_exact_scaling_refuses_exactly_the_entries_made_subnormal():
    from linreg.reference_statistics import exact_scaling

    tiny = 2.0**-1022  # the smallest normal float64
    assert exact_scaling(np.array([[1.0, 0.0]]), np.array([[tiny, 0.0]]))
    assert exact_scaling(np.array([[1.0, -0.0]]), np.array([[-tiny, 0.0]]))  # zeros stay zero
    assert not exact_scaling(np.array([[1.0, 0.0]]), np.array([[tiny / 2, 0.0]]))
    assert not exact_scaling(np.array([[1.0, 2.0]]), np.array([[1.0, 0.0]]))  # flushed to 0
    assert not exact_scaling(np.array([[math.nan]]), np.array([[math.nan]]))
    assert exact_scaling(np.zeros((2, 2)), np.zeros((2, 2)))
