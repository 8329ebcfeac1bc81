r"""The livestream's fit, fused: fixed-step descent on one feature, without the layers.

`linreg.descent.gradient_descent(X, y, learning_rate=η, num_iterations=k)` with every
other argument left as it is (one float64 feature, an intercept, no ridge, no weights,
no standardising, no ``tol``, the whole history kept) is the livestream's call, and the
commonest. `fit` runs it here, bit for bit as the general route would, without what the
general route spends on being general:

- `linreg.arguments`' checks of arguments that are their defaults, and the loop's plan
  and dispatch;
- up to `linreg._line_sums.LINE_PIECE` rows, `linreg.accumulate.Pass`'s machinery for
  many blocks: one block's shift, sums, judgment and statistics are called directly;
- from the statistics on, each piece (the Quadratic, the reference, the closed-form run,
  the verdict) is its float twin in `linreg._line_twins`, or, where a twin cannot
  promise the same bits, the general piece itself.

It answers None, and `minimize` runs, for any other call, for any argument the general
route would refuse (so every refusal keeps its one message), for a run that raises any
floating-point flag, and for a rate at or above the stability bound $2/\lambda_{\max}$
(divergence, and `linreg.rounded_start`'s pinned start and withdrawn verdicts, stay the
general route's). The time it saves is on the performance page ("The livestream's
data"). `FUSED = False` sends every call through `minimize`: tests/test_line_descent.py
compares the two results, field by field, bit for bit.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from linreg import _line_twins as _twins
from linreg import accumulate
from linreg._keep import _stays_floats
from linreg._line_sums import LINE_PIECE, line_piece_sums, line_shift, line_statistics
from linreg.arguments import MAX_ITERATIONS
from linreg.certificate import DEFAULT_TOL, Judge, ReferenceLadder
from linreg.descent_result import DescentResult, Forecast, verdict_fields
from linreg.history import History
from linreg.methods import METHODS
from linreg.moments import Moments
from linreg.problem import Quadratic
from linreg.spectral import fixed_step_iterates
from linreg.tables import is_dask
from linreg.validate import check_features_target

__all__ = ["FUSED", "fit"]

FloatArray = npt.NDArray[np.float64]
_T = TypeVar("_T")

#: Whether `fit` runs the livestream's call itself (False: always the general route).
FUSED = True

_GD = METHODS["gd"]


def applies(given: dict[str, Any]) -> bool:
    """Whether `gradient_descent`'s other arguments are all their defaults (as objects a
    check leaves unchanged), momentum already checked to be 0."""
    return (
        given["w0"] is None and given["tol"] is None and given["batch_size"] is None
        and given["random_state"] is None and given["sample_weight"] is None
        and given["standardize"] is False and given["return_path"] is False
        and given["fit_intercept"] is True and given["evaluate"] in (None, "moments")
        and type(given["history"]) is str and given["history"] == "full"
        and _zero(given["b0"]) and _zero(given["alpha"])
    )  # fmt: skip


def _zero(value: Any) -> bool:
    return type(value) in (int, float) and value == 0 and math.copysign(1.0, value) > 0


def fit(X: Any, y: Any, learning_rate: Any, num_iterations: Any) -> DescentResult | None:
    """`gradient_descent(X, y, learning_rate=…, num_iterations=…)`, or None where the
    general route must answer (see the module)."""
    rate, iterations = _arguments(learning_rate, num_iterations)
    if not FUSED or rate is None or iterations is None:
        return None
    if y is None or isinstance(X, Moments) or is_dask(X):
        return None  # statistics, dask, or no y: `minimize` reduces or refuses them
    # the general route's first look at the data (its arguments are valid: see above)
    X, y = check_features_target(X, y, finite=False)
    if X.shape[1] != 1:
        return None
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # (`_handing_over`'s)
        try:
            stats = _line_pass(X, y)
            if stats is not None:
                return _fused(X, y, stats, rate, iterations)
        except (FloatingPointError, OverflowError):
            return None
    return _handing_over(_fused, X, y, Moments.from_checked(X, y), rate, iterations)


def _handing_over(function: Callable[..., _T | None], *args: Any) -> _T | None:
    """``function(*args)`` under an error state that raises on every flag but underflow
    (left as the caller has it), None where one rose: the general route then answers,
    or raises, in its own words."""
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        try:
            return function(*args)
        except (FloatingPointError, OverflowError):
            return None


def _fused(
    X: FloatArray, y: FloatArray, stats: Moments, rate: float, iterations: int
) -> DescentResult | None:
    """The fit from the pass's statistics on, each piece by its float twin where there
    is one (`linreg._line_twins`), else by the general route's own objects."""
    quadratic = _twins.quadratic(stats) or Quadratic.build(
        stats, alpha=0.0, standardize=False, intercept=True
    )
    high = quadratic.lambda_max
    if not high > 0.0 or not rate < 2.0 / high:
        return None  # no curvature, or a rate at or above the bound: the general route's
    settings = _twins.settings(quadratic, rate)
    theta0 = np.zeros(2)
    ladder = _twins.ladder(stats, (X, y)) or ReferenceLadder(stats, 0.0, True, (X, y))
    run = _twins.run(quadratic, settings.learning_rate, iterations)
    if run is None:
        history = History(iterations, "full")
        theta, n_done, reason, _ = fixed_step_iterates(
            quadratic, settings.learning_rate, theta0, iterations, None, False, _never,
            history,
        )  # fmt: skip
        losses = history.array(n_done + 1)
    else:
        theta, losses = run
        n_done, reason = iterations, "num_iterations"
    if not all(map(math.isfinite, theta.tolist())):
        return None
    return _result(settings, quadratic, theta0, theta, losses, n_done, reason, ladder)


def _arguments(learning_rate: Any, num_iterations: Any) -> tuple[float | None, int | None]:
    """The rate and count, where both are plain and valid (else None: the general route
    checks them, and says what is wrong)."""
    rate = learning_rate if type(learning_rate) is float else None
    if rate is None or not 0.0 < rate < math.inf:
        return None, None
    count = num_iterations if type(num_iterations) is int else None
    if count is None or not 0 <= count <= MAX_ITERATIONS:
        return None, None
    return rate, count


def _line_pass(X: FloatArray, y: FloatArray) -> Moments | None:
    """`linreg.accumulate.one_pass` of up to one piece of rows (`LINE_PIECE`), where it
    is one block in one run: its shift and sums (`line_shift`, `line_piece_sums`), its
    judgment (`linreg._keep`) and its statistics (`linreg._line_sums.line_statistics`),
    the same calls on the same numbers without the pass's machinery for many blocks
    (`_Run`'s one-block lines are written out below: its objects cost 9 us of the fit's
    100). None (then the pass itself) for more rows, a block that would start a new run,
    or a number the float route hands numpy."""
    n = y.shape[0]
    if not (n <= LINE_PIECE and accumulate.LINE_FLOATS):
        return None
    # (the pass's error state ignores an overflow, which shows in the sums; here it raises,
    # and the general route answers)
    s0, s1 = shifts = line_shift(X, y)
    sums = line_piece_sums(X[:, 0], y, shifts, np.empty((2, n)))
    if sums is None:
        return None
    t0, t1, p00, p01, p11 = sums
    depth = n + 1  # (`piece_sums`')
    gamma = accumulate._gamma(depth + 64)  # `_kept`, on a fresh run
    top = [2 * accumulate._UNIT * abs(s0), 2 * accumulate._UNIT * abs(s1)]
    if not _stays_floats(n, [t0, t1], [p00, p11], top, gamma, (accumulate.RESHIFT,
                                                                 accumulate.SAFE)):  # fmt: skip
        return None
    depth += 2 * math.ceil(math.log2(1 + 1)) + 1  # `_Run.statistics` of one block
    bounds = functools.partial(accumulate._bounds, depth)
    found = line_statistics(n, shifts, [t0, t1], [[p00, p01], [p01, p11]], bounds,
                            accumulate._gamma(depth + 4))  # fmt: skip
    if found is None:
        return None
    (mean_x, mean_y), (cxx, cxy, cyy), rounding, mean_rounding = found
    return _twins.made(Moments, count=n, mean_x=np.array([mean_x]), mean_y=mean_y,
                       cxx=np.array([[cxx]]), cxy=np.array([cxy]), cyy=cyy, rounding=rounding,
                       mean_rounding=mean_rounding)  # fmt: skip


def _never(k: int, loss: float, previous: float) -> None:
    """Below the bound, a loss that grows is no divergence (`linreg.loop._watcher`)."""


def _result(
    settings: Any,
    quadratic: Quadratic,
    theta0: FloatArray,
    end: FloatArray,
    losses: FloatArray,
    n_done: int,
    reason: str,
    ladder: ReferenceLadder,
) -> DescentResult:
    theta = end.copy()  # `quadratic.to_data(end)`: the data's coordinates, u/1 is u
    verdict = _twins.verdict(theta, ladder) or Judge(quadratic, ladder, DEFAULT_TOL).on_data(theta)
    u, b = end.tolist()
    _, g = _twins.loss_and_gradient(quadratic, u, b) or quadratic.loss_and_gradient(end)
    gap = _twins.loss_gap(quadratic, g)
    assert _GD.bound is not None  # gd declares its stability bound
    bound = _GD.bound(settings)
    forecast = _twins.made(
        Forecast, method=_GD.name, settings=settings, quadratic=quadratic, theta0=theta0,
        ladder=ladder, tol=DEFAULT_TOL, withdrawn="", _value=None,
    )  # fmt: skip
    return _twins.made(
        DescentResult,
        w=theta[:-1],
        b=float(theta[-1]),
        loss=float(losses[-1]),
        start_loss=float(losses[0]),
        history=losses,
        n_iter=n_done,
        stop_reason=reason,
        loss_gap=quadratic.loss_gap(g) if gap is None else gap,
        tol=DEFAULT_TOL,
        method=_GD.name,
        options=dict(settings.values),
        gradient_norm=_twins.norm(g),
        learning_rate=settings.learning_rate,
        momentum=settings.momentum,
        bound=bound.value,
        bound_name=bound.name,
        condition_number=quadratic.condition_number,
        forecast=forecast,
        path=None,
        **verdict_fields(verdict),
    )
