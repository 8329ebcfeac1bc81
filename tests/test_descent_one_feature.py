"""One feature: the Python-float paths against the array paths.

`linreg.moments.Moments.loss_and_gradient` and the reference's solve and error bars
(`linreg.reference_statistics.solve_scaled`, `_scaled_optimum`) run on Python floats
when there is one feature (`linreg.moments.ONE_FEATURE_FLOATS`), as do the pass's
statistics (`linreg.accumulate.LINE_FLOATS`) and a 2×2 Hessian's spectrum, inverse and
null count (`linreg.problem.TWO_BY_TWO_FLOATS`). Every field of every result must be the
array path's, bit for bit: the fits below run both ways on random and adversarial data
(offsets up to 1e9 and Unix timestamps, scales 1e-150 to 1e150, constant x, duplicates,
tiny optima, 1 to 200 points) and compare the whole result.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linreg import accumulate, minimize, moments, problem, reference_statistics
from linreg.errors import DivergenceError, InputError
from linreg.moments import Moments

#: Derandomized, as the profiles of the other property tests are in CI.
_SETTINGS = settings(
    max_examples=60, derandomize=True, database=None, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)  # fmt: skip
#: A run per method (gd runs in closed form; the others step on the kernel).
_METHODS = ("gd", "momentum", "nesterov", "steepest", "bb", "adam", "cg", "newton")


def _same(a: object, b: object) -> bool:
    """Equal bit for bit: floats and arrays by their bytes (so -0.0 is not 0.0)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, float) or isinstance(b, float):
        return type(a) is type(b) and np.float64(a).tobytes() == np.float64(b).tobytes()
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _outcome(X: np.ndarray, y: np.ndarray, **options: object) -> dict[str, object]:
    """Every field of the result (the forecast's count, kind and reason too), or the error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = minimize(X, y, **options)  # type: ignore[arg-type]
    except (InputError, DivergenceError) as error:
        return {"error": f"{type(error).__name__}: {error}"}
    fields = {f.name: getattr(fit, f.name) for f in dataclasses.fields(fit) if f.name != "forecast"}
    fields["prediction"] = (fit.predicted_iterations, fit.prediction_kind, fit.prediction_reason)
    return fields


#: Every switch between a one-feature float route and numpy's lines.
_SWITCHES = (
    (moments, "ONE_FEATURE_FLOATS"), (accumulate, "LINE_FLOATS"), (problem, "TWO_BY_TWO_FLOATS")
)  # fmt: skip


def _switch(monkeypatch: pytest.MonkeyPatch, floats: bool) -> None:
    for module, name in _SWITCHES:
        monkeypatch.setattr(module, name, floats)


def _both(monkeypatch: pytest.MonkeyPatch, X: np.ndarray, y: np.ndarray, **options: object) -> None:
    _switch(monkeypatch, True)
    floats = _outcome(X, y, **options)
    _switch(monkeypatch, False)
    arrays = _outcome(X, y, **options)
    differ = [k for k in arrays if not _same(floats.get(k), arrays[k])]
    assert not differ and floats.keys() == arrays.keys(), (options, differ)


_OFFSETS = st.sampled_from([0.0, 1e4, 1e6, 1e9, 1.7e9, -3.3e5])  # 1.7e9: a Unix timestamp
_SCALES = st.sampled_from([1e-150, 1e-30, 1e-3, 1.0, 7.5, 1e3, 1e30, 1e150])


@st.composite
def _line_data(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """One feature: offset, scaled, possibly constant or duplicated, with a tiny optimum."""
    n = draw(st.integers(1, 200))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    kind = draw(st.sampled_from(["noise", "constant", "duplicates", "tiny", "exact", "integers"]))
    x = draw(_OFFSETS) + draw(_SCALES) * rng.normal(size=n)
    if kind == "constant":
        x = np.full(n, x[0])
    elif kind == "duplicates":
        x = np.repeat(x[: max(1, n // 3)], 3)[:n]
    elif kind == "integers":
        x = np.round(x)
    y_scale = draw(_SCALES)
    slope = draw(st.sampled_from([0.0, 1e-12, 1.0, -3.5, 1e12]))
    y = slope * (x - x.mean()) + y_scale * rng.normal(size=x.shape[0])
    if kind == "tiny":
        y = 1e-300 * np.sign(y) + draw(st.sampled_from([0.0, 5e-324]))
    elif kind == "exact":
        y = 2.0 * x + 1.0
    return x[:, None], y


@_SETTINGS
@given(_line_data(), st.sampled_from(_METHODS), st.sampled_from(["plain", "tol", "std", "ridge"]))
def test_one_feature_floats_match_the_arrays_bit_for_bit(
    monkeypatch: pytest.MonkeyPatch, data: tuple[np.ndarray, np.ndarray], method: str, case: str
) -> None:
    X, y = data
    options = {
        "plain": {},
        "tol": {"tol": 1e-6},
        "std": {"standardize": True, "return_path": True},
        "ridge": {"alpha": 0.1, "fit_intercept": False},
    }[case]
    _both(monkeypatch, X, y, method=method, num_iterations=60, **options)


@pytest.mark.parametrize("method", _METHODS)
def test_the_livestream_fit_is_the_same_either_way(
    monkeypatch: pytest.MonkeyPatch, points: np.ndarray, method: str
) -> None:
    _both(monkeypatch, points[:, :1], points[:, 1], method=method, num_iterations=1000)


@pytest.mark.parametrize(
    ("w", "b", "alpha"),
    [
        (0.0, 0.0, 0.0), (-0.0, -0.0, 0.0), (-1.5, 2.0, np.array([0.25])), (3.0, -0.0, 0.5),
        (1e-320, 0.0, np.array([2.0])), (-0.0, 1.0, np.array([0.0])),
    ],
)  # fmt: skip
def test_the_kernel_is_the_same_either_way_even_at_signed_zeros(
    monkeypatch: pytest.MonkeyPatch, w: float, b: float, alpha: object
) -> None:
    for stats in (
        Moments.from_arrays([[1.0], [2.0], [4.0]], [2.0, -4.0, 7.0]),
        Moments(2, np.array([-0.0]), -0.0, np.array([[0.0]]), np.array([-0.0]), 0.0),
    ):
        monkeypatch.setattr(moments, "ONE_FEATURE_FLOATS", True)
        floats = stats.loss_and_gradient(np.array([w]), b, alpha)
        monkeypatch.setattr(moments, "ONE_FEATURE_FLOATS", False)
        arrays = stats.loss_and_gradient(np.array([w]), b, alpha)
        assert all(_same(f, a) for f, a in zip(floats, arrays)), (floats, arrays)


def test_overflow_still_raises_as_numpy_says(monkeypatch: pytest.MonkeyPatch) -> None:
    """A kernel that overflows in floats hands over to numpy's lines: the caller's
    errstate decides (an error under "raise", inf under "ignore"), as before."""
    stats = Moments(2, np.array([1e300]), 0.0, np.array([[1e300]]), np.array([0.0]), 0.0)
    monkeypatch.setattr(moments, "ONE_FEATURE_FLOATS", True)
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        stats.loss_and_gradient(np.array([1e300]), 0.0)
    with np.errstate(over="ignore"):
        loss, grad, _ = stats.loss_and_gradient(np.array([1e300]), 0.0)
    assert math.isinf(loss) and grad.shape == (1,)


_SIZES = st.one_of(
    st.sampled_from([0.0, -0.0, 5e-324, -1.0, 1.0]),
    st.floats(-1e150, 1e150, allow_nan=False, allow_infinity=False),
)
_POSITIVE = st.floats(1e-150, 1e150)


@_SETTINGS
@given(_POSITIVE, _POSITIVE, _SIZES, _SIZES, _SIZES)
def test_one_weights_steps_are_the_arrays_steps(
    gram: float, value: float, rhs: float, w: float, correction: float
) -> None:
    """Each step of the reference's refinement for one weight, on floats and on arrays
    (the refinement would hide a step that is off by a bit: it corrects it)."""
    scale = math.sqrt(gram)
    floats = reference_statistics._Floats(scale, value, gram)
    arrays = reference_statistics._Arrays(
        np.ones((1, 1)), np.array([value]), np.array([scale]), np.array([[gram]])
    )
    assert _same(floats.solve(rhs), float(arrays.solve(np.array([rhs]))[0]))
    assert _same(floats.residual(w, rhs), float(arrays.residual(np.array([w]), np.array([rhs]))[0]))
    assert floats.moved(correction, w) == arrays.moved(np.array([correction]), np.array([w]))


@_SETTINGS
@given(_POSITIVE, _SIZES, st.floats(0.0, 1e-3))
def test_solve_scaled_is_the_same_either_way(gram: float, moment: float, rounding: float) -> None:
    system = reference_statistics.System(np.array([[gram]]), np.array([moment]), 1.0, rounding)
    outcomes = []
    for floats in (True, False):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(moments, "ONE_FEATURE_FLOATS", floats)
            outcomes.append(reference_statistics.solve_scaled(system))
    (w, scale, lowest), (w2, scale2, lowest2) = outcomes  # type: ignore[misc]
    assert _same(w, w2) and _same(scale, scale2) and _same(lowest, lowest2)


@pytest.mark.parametrize("w", [1.0, -3.0, 1e-300, 0.0])
@pytest.mark.parametrize("ulps", [0.0, 3.0, 4.0, 4.5, 6.0, 8.0, 9.0])
def test_one_weights_stopping_rule_is_the_arrays(w: float, ulps: float) -> None:
    """The refinement stops where a correction is at most 4u of the weight, either way."""
    correction = ulps * 2.0**-53 * w
    floats = reference_statistics._Floats(1.0, 1.0, 1.0)
    arrays = reference_statistics._Arrays(np.ones((1, 1)), np.ones(1), np.ones(1), np.ones((1, 1)))
    moved = floats.moved(correction, w)
    assert moved == arrays.moved(np.array([correction]), np.array([w]))
    assert moved == (ulps > 4.0 and w != 0.0)


_EDGES = [0.0, -0.0, 5e-324, 2.0**-100, 2.0**-99, 1.0, 2.0**99, 2.0**100, 1e200, 1.7e308]


@pytest.mark.parametrize("state", ["raise", "ignore"])
def test_the_hessian_and_the_units_are_the_same_either_way(
    monkeypatch: pytest.MonkeyPatch, state: str
) -> None:
    """One feature's Hessian and power-of-two units in floats against numpy's lines: the
    same bytes, or the same error (an overflow under "raise"), at signed zeros, at the
    units' 2^±100 edges and near the largest float, with every form of ridge."""
    rng = np.random.default_rng(100)
    for trial in range(4000):
        mean_x, cxx, mean_y, cyy = (
            float(rng.choice(_EDGES) if rng.random() < 0.5 else 10.0 ** rng.uniform(-3, 3))
            * float(rng.choice([-1.0, 1.0]))
            for _ in range(4)
        )
        cxx, cyy = abs(cxx), abs(cyy)
        stats = Moments(int(rng.integers(1, 10**6)), np.array([mean_x]), mean_y,
                        np.array([[cxx]]), np.array([0.5 * cxx]), cyy)  # fmt: skip
        alpha = [0.0, -0.0, rng.uniform(0, 3), np.array([0.0]), np.array([1e300]),
                 np.array([[2.0]]), np.array([rng.uniform(0, 3)])][trial % 7]  # fmt: skip
        outcomes = []
        for floats in (True, False):
            monkeypatch.setattr(moments, "ONE_FEATURE_FLOATS", floats)
            with np.errstate(all=state), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                units = reference_statistics.Units.of(stats)
                try:
                    hessian = stats.hessian(alpha).tobytes()
                except (FloatingPointError, ValueError) as error:
                    hessian = type(error).__name__
            outcomes.append((hessian, units.features.tobytes(), units.target))
        assert outcomes[0] == outcomes[1], (stats, alpha)


@pytest.mark.parametrize("state", ["raise", "ignore"])
@pytest.mark.parametrize("intercept", [True, False])
def test_the_inverse_and_the_reference_are_the_same_either_way(
    monkeypatch: pytest.MonkeyPatch, state: str, intercept: bool
) -> None:
    """One feature's structured inverse (`linreg.problem._line_inverse`) and the
    reference's solve and error bars (`_solve_one`, `_one_weight`) in floats against
    numpy's lines: the same bytes, or the same error, at the 2^±100 and 2^±400 edges,
    near the largest float and at signed zeros, under either error state (the
    reference's under "ignore": see the next test for its underflow)."""
    rng = np.random.default_rng(101)
    for trial in range(3000):
        mean_x, cxx, mean_y, cyy, rounding = (
            float(rng.choice(_EDGES) if rng.random() < 0.4 else 10.0 ** rng.uniform(-30, 30))
            * float(rng.choice([-1.0, 1.0]))
            for _ in range(5)
        )
        stats = Moments(int(rng.integers(1, 10**6)), np.array([mean_x]), mean_y,
                        np.array([[abs(cxx)]]), np.array([rng.uniform(-1, 1) * abs(cxx)]),
                        abs(cyy), abs(rounding) % 1e-3, abs(rounding) % 1e-4)  # fmt: skip
        alpha = [0.0, 0.0, rng.uniform(0, 3), 1e-200, 1e200][trial % 5]
        penalty = np.array([alpha])
        outcomes = []
        for floats in (True, False):
            for module, name in _SWITCHES:
                monkeypatch.setattr(module, name, floats)
            with np.errstate(all=state), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    found = problem._structured_inverse(stats, penalty, intercept)
                    inverse = None if found is None else (found[0].tobytes(), found[1])
                except FloatingPointError as error:
                    inverse = type(error).__name__
                if state == "raise":  # the one-weight solve (`_Floats`) never raised:
                    outcomes.append((inverse, None))  # its answer under "ignore" only
                    continue
                try:
                    ref = reference_statistics.from_statistics(stats, alpha, intercept)
                    reference = (ref.point.tobytes(), np.float64(ref.error).tobytes(),
                                 ref.null.tobytes(), ref.zero, ref.reason)  # fmt: skip
                except (FloatingPointError, ValueError, OverflowError) as error:
                    reference = type(error).__name__
            outcomes.append((inverse, reference))
        assert outcomes[0] == outcomes[1], (trial, stats, alpha)


def test_an_error_bar_that_underflows_raises_as_numpy_says(monkeypatch: pytest.MonkeyPatch) -> None:
    """The means' error bars of a rounding of 5e-324 underflow: under "raise", numpy's
    lines raise it, and the float route hands them the work rather than hide it."""
    stats = Moments(842209, np.array([-6.338253e29]), 1.2676506002282294e30,
                    np.array([[7.88860905e-31]]), np.array([1.53044188e-31]),
                    6.879226467022641e-20, 5e-324, 5e-324)  # fmt: skip
    for floats in (True, False):
        monkeypatch.setattr(moments, "ONE_FEATURE_FLOATS", floats)
        with np.errstate(under="raise"), pytest.raises(FloatingPointError):
            reference_statistics.from_statistics(stats, 2.2059251388372885, True)
        with np.errstate(under="ignore"):
            assert reference_statistics.from_statistics(stats, 2.2, True).error > 0


@pytest.mark.parametrize(
    "entry", [*_EDGES, 2.0**-1022, -(2.0**-1022), 2.0**-1023, math.nan, math.inf]
)
@pytest.mark.parametrize("original", [0.0, -0.0, 1.0, math.nan])
def test_exact_scaling_of_one_entry_is_the_arrays(entry: float, original: float) -> None:
    one = reference_statistics.exact_scaling(np.array([[original]]), np.array([[entry]]))
    assert one == reference_statistics.exact_scaling(np.array([original]), np.array([entry]))
