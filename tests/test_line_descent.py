"""The livestream's fit, fused (`linreg.line_descent`), against the general route.

`gradient_descent(X, y, learning_rate=η, num_iterations=k)` runs fused; with
`line_descent.FUSED = False` it runs through `minimize`. Every field of the result (all
1001 losses, the verdict and its error bars, the forecast, the repr, `judged_at`,
`final_loss`, `minimum_loss`, `sharpened`), or the error raised, must be the same bit for
bit, on the livestream's points and on adversarial families: offsets up to 1e15 and Unix
timestamps, scales 1e-8 to 1e8, tiny optima, y = 0 (the start is the optimum), constant
x, 1 to 3 points, rates below, at and above the stability bound, 0 to 1e6 iterations.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linreg import _line_twins, gradient_descent, line_descent
from linreg.certificate import CONVERGED, NOT_CONVERGED, _undecided, judge
from linreg.errors import DivergenceError, InputError
from linreg.moments import Moments

_SETTINGS = settings(
    max_examples=150, derandomize=True, database=None, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)  # fmt: skip


def _bytes(value: Any) -> Any:
    """A value as comparable bytes: floats and arrays by their bits (-0.0 is not 0.0)."""
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, float):
        return ("float", np.float64(value).tobytes())
    if isinstance(value, dict):
        return ("dict", tuple((k, _bytes(value[k])) for k in value))
    if isinstance(value, (list, tuple)):
        return ("seq", type(value).__name__, tuple(_bytes(v) for v in value))
    if value is None or isinstance(value, (bool, int, str)):
        return (type(value).__name__, value)
    fields = dataclasses.fields(value) if dataclasses.is_dataclass(value) else ()
    return (type(value).__name__, tuple((f.name, _bytes(getattr(value, f.name))) for f in fields))


def _fields(fit: Any) -> dict[str, Any]:
    out = {f.name: _bytes(getattr(fit, f.name)) for f in dataclasses.fields(fit)}
    out["repr"] = repr(fit)
    out["prediction"] = _bytes((fit.predicted_iterations, fit.prediction_kind,
                                fit.prediction_reason))  # fmt: skip
    return out


def _everything(fit: Any) -> dict[str, Any]:
    """The result's fields, what its methods answer, and what its forecast holds."""
    out = _fields(fit)
    forecast = fit.forecast
    out["quadratic"] = _bytes(forecast.quadratic)
    out["settings"] = _bytes(forecast.settings.values)
    out["theta0"], out["tol"] = _bytes(forecast.theta0), _bytes(forecast.tol)
    out["withdrawn"], out["method"] = forecast.withdrawn, forecast.method
    out["reference"] = _bytes(forecast.ladder.current)
    # the ladder as `ReferenceLadder.__init__` leaves it: what a climb reads
    ladder = forecast.ladder
    out["ladder"] = sorted(vars(ladder))
    out["prepared"] = _bytes(ladder._prepared)
    out["rungs"], out["floor"] = list(ladder._rungs), _bytes(ladder.floor)
    out["stats"], out["data"] = _bytes(ladder.stats), _bytes(ladder.data)
    out["alpha"], out["intercept"] = _bytes(ladder.alpha), ladder.intercept
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["final_loss"] = _bytes(fit.final_loss())
        out["minimum_loss"] = _bytes(fit.minimum_loss())
        moved = fit.w * (1 + 1e-9)
        out["judged_at"] = _fields(fit.judged_at(moved, fit.b))
        out["judged_at_opt"] = _fields(fit.judged_at(fit.optimum[:-1], float(fit.optimum[-1])))
        out["sharpened"] = _fields(fit.sharpened())  # last: it climbs the ladder
    return out


def _outcome(X: Any, y: Any, fused: bool, **options: Any) -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(line_descent, "FUSED", fused)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = gradient_descent(X, y, **options)
        except (InputError, DivergenceError) as error:
            return {"error": f"{type(error).__name__}: {error}"}
        return _everything(fit)


def _same_either_way(X: Any, y: Any, **options: Any) -> dict[str, Any]:
    fused, general = _outcome(X, y, True, **options), _outcome(X, y, False, **options)
    differ = sorted(k for k in general.keys() | fused.keys() if fused.get(k) != general.get(k))
    assert not differ, (options, differ)
    return fused


def test_the_livestream_fit_is_fused_and_the_same(
    monkeypatch: pytest.MonkeyPatch, points: np.ndarray
) -> None:
    X, y = points[:, :1], points[:, 1]
    answered: list[object] = []
    fit = line_descent.fit
    monkeypatch.setattr(line_descent, "fit", lambda *a: answered.append(fit(*a)) or answered[-1])
    found = _same_either_way(X, y, learning_rate=0.0001, num_iterations=1000)
    assert "error" not in found and found["n_iter"] == ("int", 1000)
    assert [a is not None for a in answered] == [True, False]  # fused, then the switch's


@pytest.mark.parametrize("name", ["quadratic", "ladder", "run", "loss_and_gradient", "loss_gap",
                                  "verdict"])  # fmt: skip
def test_the_livestream_fit_takes_every_twin(
    monkeypatch: pytest.MonkeyPatch, points: np.ndarray, name: str
) -> None:
    """On the livestream's points no piece is handed to the general route: each float
    twin answers (so the comparison above holds the twins themselves to it)."""
    answers: list[object] = []
    twin = getattr(_line_twins, name)
    monkeypatch.setattr(_line_twins, name, lambda *a: answers.append(twin(*a)) or answers[-1])
    gradient_descent(points[:, :1], points[:, 1], learning_rate=0.0001, num_iterations=1000)
    assert answers and all(a is not None for a in answers)


_OFFSETS = st.sampled_from([0.0, 1e4, 1e6, 1e9, 1.7e9, 1e12, 1e15, -3.3e5])  # 1.7e9: Unix time
_SCALES = st.sampled_from([1e-8, 1e-3, 1.0, 7.5, 1e3, 1e8])


@st.composite
def _line(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.sampled_from([1, 2, 3, 5, 100, 1000, 2000]))  # 2000: more than LINE_PIECE
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(["noise", "constant", "zero", "tiny", "exact", "integers"]))
    x = draw(_OFFSETS) + draw(_SCALES) * rng.normal(size=n)
    if kind == "constant":
        x = np.full(n, x[0])
    elif kind == "integers":
        x = np.round(x)
    y = draw(_SCALES) * rng.normal(size=n) + draw(st.sampled_from([0.0, 1.0, -3.5])) * x
    if kind == "zero":
        y = np.zeros(n)
    elif kind == "tiny":
        y = 1e-300 * np.sign(y)
    elif kind == "exact":
        y = 2.0 * x + 1.0
    return x[:, None], y


def _bound(X: np.ndarray) -> float:
    """About the stability bound 2/λ_max (the run's own is from its Hessian)."""
    x = X[:, 0]
    top = 2.0 * max(float(np.mean(x * x)) + 1.0, 1e-300)
    return 2.0 / top


@_SETTINGS
@given(_line(), st.sampled_from([1e-9, 0.01, 0.5, 0.99, 1.0, 1.01, 3.0]),
       st.sampled_from([0, 1, 2, 60, 1000]))  # fmt: skip
def test_every_family_is_the_same_either_way(
    data: tuple[np.ndarray, np.ndarray], fraction: float, iterations: int
) -> None:
    X, y = data
    rate = fraction * _bound(X)
    if not 0.0 < rate < math.inf:
        rate = 1e-4
    _same_either_way(X, y, learning_rate=rate, num_iterations=iterations)


@pytest.mark.parametrize("fraction", [0.999999, 1.0, 1.000001])
def test_rates_at_the_bound_itself_are_the_same_either_way(
    points: np.ndarray, fraction: float
) -> None:
    """Rates at the bound exactly and one ulp about it (from the run's own λ_max)."""
    X, y = points[:, :1], points[:, 1]
    top = gradient_descent(X, y, learning_rate=1e-6, num_iterations=0).bound
    for rate in (top * fraction, np.nextafter(top, 0.0), top, np.nextafter(top, 1.0)):
        _same_either_way(X, y, learning_rate=float(rate), num_iterations=50)


def test_a_million_iterations_are_the_same_either_way(points: np.ndarray) -> None:
    X, y = points[:, :1], points[:, 1]
    _same_either_way(X, y, learning_rate=0.0001, num_iterations=1_000_000)
    x = 1.7e9 + np.arange(40.0)
    _same_either_way(x[:, None], 3.0 * x - 5.0, learning_rate=1e-3, num_iterations=1_000_000)


@pytest.mark.parametrize(
    ("X", "y", "options"),
    [
        ([[1.0], [2.0]], [1.0, 2.0], {}),  # lists: checked, then fused
        ([[1.0], [math.nan]], [1.0, 2.0], {}),
        ([[1.0], [2.0]], [1.0, math.inf], {}),
        ([[1e200], [2e200]], [1.0, 2.0], {}),
        ([[1.0, 2.0], [2.0, 1.0]], [1.0, 2.0], {}),
        ([[1.0], [2.0]], [1.0], {}),
        (np.zeros((0, 1)), np.zeros(0), {}),
        ([[1.0], [2.0]], [1.0, 2.0], {"learning_rate": -1.0}),
        ([[1.0], [2.0]], [1.0, 2.0], {"learning_rate": math.nan}),
        ([[1.0], [2.0]], [1.0, 2.0], {"learning_rate": "fast"}),
        ([[1.0], [2.0]], [1.0, 2.0], {"learning_rate": "auto"}),
        ([[1.0], [2.0]], [1.0, 2.0], {"num_iterations": -1}),
        ([[1.0], [2.0]], [1.0, 2.0], {"num_iterations": 2.5}),
        ([[1.0], [2.0]], [1.0, 2.0], {"num_iterations": True}),
        ([[1.0], [2.0]], [1.0, 2.0], {"random_state": "seed"}),
        ([[1.0], [2.0]], [1.0, 2.0], {"b0": -0.0}),
        ([[1.0], [2.0]], [1.0, 2.0], {"alpha": -0.0}),
        ([[1.0], [2.0]], [1.0, 2.0], {"history": "none"}),
        ([[1e-200], [2e-200]], [1e-200, 2e-200], {}),
        ([[0.0], [0.0]], [1.0, 2.0], {}),
        ([[1.0], [2.0]], None, {}),
        (Moments.from_arrays([[1.0], [2.0], [4.0]], [1.0, 2.0, 2.0]), None, {}),
        (Moments.from_arrays([[1.0], [2.0], [4.0]], [1.0, 2.0, 2.0]), [1.0], {}),
    ],
)  # fmt: skip
def test_refusals_and_edges_are_the_same_either_way(
    X: Any, y: Any, options: dict[str, Any]
) -> None:
    given = {"learning_rate": 0.01, "num_iterations": 20, **options}
    _same_either_way(X, y, **given)


@pytest.mark.parametrize("n", [2, 3, 7, 100])
@pytest.mark.parametrize("relative", [0.0, 1e-17, 1e-15, 1e-12])
@pytest.mark.parametrize("offset", [3.951251253763321e-05, 1e9, 1.7e9, 1e15])
def test_nearly_constant_x_is_the_same_either_way(n: int, relative: float, offset: float) -> None:
    """x constant to within rounding: the pass's first block may not stay in its run
    (its sums about the first rows' means still cancel), a route of its own."""
    rng = np.random.default_rng(n)
    x = offset * (1.0 + relative * rng.normal(size=n))
    y = rng.normal(size=n)
    _same_either_way(x[:, None], y, learning_rate=1e-3, num_iterations=30)


def test_a_verdict_a_sharper_reference_could_change_is_the_same_either_way() -> None:
    """An iterate at the tolerance itself, within the statistics' error bar of it: the
    verdict waits for a sharper reference (the Judge climbs the ladder), fused or not.
    The rate that lands there is found by bisection (the distance falls as it grows)."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=50)
    X, y = x[:, None], 2.0 * x + 1.0 + 0.1 * rng.normal(size=50)
    start = gradient_descent(X, y, learning_rate=1e-12, num_iterations=0)
    reference = start.forecast.ladder.current  # the statistics'
    low, high = 1e-6, 0.49 * start.bound  # below 1/λ_max: every direction shrinks
    for _ in range(200):
        rate = 0.5 * (low + high)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(line_descent, "FUSED", False)
            fit = gradient_descent(X, y, learning_rate=rate, num_iterations=40)
        first = judge(np.append(fit.w, fit.b), reference, 1e-6)
        if first.verdict == NOT_CONVERGED and _undecided(first, 1e-6):
            break
        low, high = (low, rate) if first.verdict == CONVERGED else (rate, high)
    else:
        pytest.fail("no rate lands within the statistics' error bar of the tolerance")
    found = _same_either_way(X, y, learning_rate=rate, num_iterations=40)
    assert found["reference"] != _bytes(reference)  # it climbed
