r"""Float twins of the general route's pieces for the livestream's fit (`linreg.line_descent`).

Each function here answers what one general piece answers for one feature with an
intercept, no ridge and no standardising, by the same operations on the same floats
(mostly by calling that piece's own one-feature kernels), without the piece's generality:
its checks of what cannot happen here, its error-state contexts (the caller holds one
that raises on every flag, and hands over on any), its arrays of one number. Each
answers None where its twin is not provably the same, and the caller then builds the
general piece itself:

- `quadratic`: `linreg.problem.Quadratic.build` (its 2×2 spectrum by `_two_by_two`);
- `ladder`: `linreg.certificate.ReferenceLadder` on the statistics' route
  (`linreg.reference_statistics.prepare` and `from_statistics`, by `_solve_one` and
  `_one_weight`), for a feature that is not constant, in units that need no rescaling;
- `run`: `linreg.spectral.fixed_step_iterates` without ``tol`` or a path, in one block,
  every direction shrinking ($0 < \eta\lambda < 1$) with a gradient along it;
- `verdict`: `linreg.certificate.Judge.on_data`, where the statistics' reference decides
  it (where a sharper one could change it, the Judge climbs the ladder itself);
- `loss_and_gradient`, `loss_gap`, `settings`: the Quadratic's and the method's, without
  their error states and option search;
- `made`: the records themselves, without their generated ``__init__``.

tests/test_line_descent.py holds every field of the result, and what its methods
answer, to the general route's bits (``linreg.line_descent.FUSED = False``); the time
they save is on the performance page.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from linreg import blas, moments, problem, reference_statistics, spectral
from linreg.certificate import CONVERGED, DEFAULT_TOL, NOT_CONVERGED, Certificate, ReferenceLadder
from linreg.descent_result import DescentResult, Forecast
from linreg.doubledouble import two_product
from linreg.methods import METHODS
from linreg.moments import Moments, _line_hessian, _product
from linreg.problem import Coordinates, Quadratic, _line_inverse, _two_by_two
from linreg.reference import UNIT, Reference
from linreg.reference_statistics import (
    _PLAIN,
    Prepared,
    System,
    Units,
    _norm_one,
    _plain,
    _residual,
)
from linreg.seam import Settings
from linreg.validate import check_not_underflowed

__all__ = [
    "ladder",
    "loss_and_gradient",
    "loss_gap",
    "made",
    "norm",
    "quadratic",
    "run",
    "settings",
    "verdict",
]

FloatArray = npt.NDArray[np.float64]
_R = TypeVar("_R")

#: `fixed_step_iterates`' k for one block, read-only (sliced, never written).
_K = np.arange(spectral._BLOCK, dtype=np.float64)
_K.flags.writeable = False
#: ones to sum the losses by, to check them finite (one dot, not isfinite and all).
_ONES = np.ones(spectral._BLOCK)
_ONES.flags.writeable = False


#: `norm`'s sums of squares taken as they are (`linreg.blas`).
_SQUARES = blas._PLAIN_SQUARES

#: `gd`'s one option (`settings`).
(_RATE,) = METHODS["gd"].options


def made(cls: type[_R], **values: Any) -> _R:
    """``cls(**values)`` for a dataclass whose ``__init__`` only stores its fields (no
    ``__post_init__``, no slots; every field given, checked): the same record without the
    generated ``__init__``'s ``object.__setattr__`` per field (a microsecond a record)."""
    assert len(values) == _FIELDS[cls], (cls, sorted(values))
    record = object.__new__(cls)
    record.__dict__.update(values)
    return record


def norm(v: FloatArray) -> float:
    """`linreg.blas.norm` of a float64 vector, under the caller's error state that raises
    on overflow: √(v·v) by the same dot, wherever that sum is within 2^±900 (where
    `norm` takes it as it is, with or without its check of the entries first), else
    `norm` itself."""
    squares = float(v @ v)
    if _SQUARES[0] < squares < _SQUARES[1]:
        return math.sqrt(squares)
    found: float = blas.norm(v)  # (a numpy float where `norm` answers one)
    return found


def switched_on() -> bool:
    """Whether the one-feature kernels the twins call are those the general route calls."""
    return problem.TWO_BY_TWO_FLOATS and moments.ONE_FEATURE_FLOATS


def quadratic(stats: Moments) -> Quadratic | None:
    """`Quadratic.build(stats, alpha=0.0, standardize=False, intercept=True)` where its
    one-feature kernels answer (`_line_hessian`, `_line_inverse`, `_two_by_two`) and the
    feature is not constant (no proven null direction)."""
    check_not_underflowed(
        stats.cxx.diagonal(), stats.mean_x, stats.cyy, mean_y=stats.mean_y, moment=stats.cxy
    )
    if not (switched_on() and float(stats.cxx[0, 0]) != 0.0):
        return None
    # `Coordinates.identity(1, True)`, and its penalty of alpha 0: 0/1² = +0
    coords = made(Coordinates, shift=np.zeros(1), scale=np.array([1.0]), intercept=True)
    hessian = _line_hessian(stats, 0.0)
    inverse = _line_inverse(stats, 0.0, True)
    if hessian is None or inverse is None:
        return None
    high, low = _eigh(hessian), _eigh(inverse[0])
    if high is None or low is None:
        return None
    spectrum = _two_by_two(*high, *low, inverse[1])
    if spectrum is None:
        return None
    return made(Quadratic, stats=stats, coords=coords, penalty=np.zeros(1), hessian=hessian,
                inverse=inverse[0], spectrum=spectrum)  # fmt: skip


def _eigh(matrix: FloatArray) -> tuple[FloatArray, FloatArray] | None:
    """`linreg.blas.eigh` of a 2×2 matrix of finite entries (as `_line_hessian` and
    `_line_inverse` form them): LAPACK's own call, None where it raises or fails (NaN),
    where `eigh` would hand the matrix to numpy.linalg.eigh."""
    try:
        values, vectors = blas._EIGH_LO(matrix)
    except FloatingPointError:
        return None
    if any(map(math.isnan, values.tolist() + vectors.ravel().tolist())):
        return None
    return values, vectors


def settings(quadratic: Quadratic, rate: float) -> Settings:
    """`METHODS["gd"].settings({"learning_rate": rate}, low, high, quadratic)`: its one
    option is given, so no default is formed from the curvature."""
    return made(Settings, values={_RATE.name: _RATE.check(rate)}, quadratic=quadratic)


def ladder(stats: Moments, data: tuple[FloatArray, FloatArray]) -> ReferenceLadder | None:
    """`ReferenceLadder(stats, 0.0, True, data)`: `prepare` and `from_statistics` for one
    feature of nonzero spread whose units need no rescaling (`Units.of`), their
    one-weight lines (`_solve_one`, `_one_weight`) on floats (`_optimum`)."""
    n, spread, cyy = stats.count, float(stats.cxx[0, 0]), float(stats.cyy)
    mean_x, mean_y, moment = float(stats.mean_x[0]), float(stats.mean_y), float(stats.cxy[0])
    if not (switched_on() and 2.0**-400 < spread < 2.0**400 and cyy >= 0):
        return None  # constant, subnormal (`exact_scaling`), or `solve_scaled`'s other lines
    # `Units.of`'s one-feature lines: no rescaling
    c, m = math.sqrt(spread), abs(mean_x)
    for size in (c if c > m else m, max(math.sqrt(cyy), abs(mean_y))):
        if not (size == 0 or 2.0**-_PLAIN < size < 2.0**_PLAIN):
            return None
    # `prepare`: no constant column (`fixed`, `kept`), `Units.penalty` of alpha 0 (count·0),
    # `normal_system` with an intercept (Cxx + diag(0) is Cxx + 0, entry by entry)
    comoments, means = reference_statistics.statistics_rounding(stats)
    rounding = comoments + 2 * UNIT
    found = _optimum(n, spread, moment, rounding, (mean_x, mean_y, cyy, means))
    if found is None:
        return None
    solved, point, (weight, intercept) = found
    # `from_statistics`: `norm_bound` (the weight's bound, the largest of one with 0)
    error = math.hypot(weight if weight > 0.0 else 0.0, intercept) * (1 + 2 * UNIT)
    error = error * (1 + 4 * UNIT)
    zero = stats.cyy == 0.0 and stats.mean_y == 0.0  # (as `from_statistics` forms it)
    if not (zero or math.isfinite(error)):
        return None
    units = made(Units, features=np.zeros(1, dtype=np.int64), target=0)
    system = made(System, gram=stats.cxx + 0.0, moment=stats.cxy, total=cyy, rounding=rounding)
    prepared = made(Prepared, units=units, penalty=np.zeros(1), fixed=np.zeros(1, dtype=bool),
                    exact=True, kept=np.zeros(1, dtype=np.intp), reduced=stats, system=system,
                    means=means, solved=solved)  # fmt: skip
    current = made(Reference, point=point, error=0.0 if zero else error, null=np.zeros((2, 0)),
                   zero=zero, source="statistics", reason="")  # fmt: skip
    return ReferenceLadder(stats, 0.0, True, data, (prepared, current))


def _optimum(
    n: int, spread: float, moment: float, rounding: float, rest: tuple[float, ...]
) -> tuple[tuple[FloatArray, FloatArray, float], FloatArray, tuple[float, float]] | None:
    """`_solve_one(spread + 0, moment, rounding)` (its `_refined` solve on `_Floats`), then
    `_one_weight` with an intercept, line for line on floats: (``solved``, the point
    [w, b], its two bounds), or None where `_one_weight` answers None."""
    mean_x, mean_y, cyy, means = rest
    gram = spread + 0.0
    scale = math.sqrt(gram)
    value = gram / (scale * scale)
    lowest = value - (16 + 4) * UNIT * max(abs(value), 1.0) - rounding
    w = (0.0 + (0.0 + moment / scale) / value) / scale
    for _ in range(3):
        correction = (0.0 + (0.0 + _residual(gram, moment, w) / scale) / value) / scale
        w = w + correction
        if not abs(correction) > 4 * UNIT * abs(w):
            break
    residual = _residual(gram, moment, w)
    if not (lowest > 0 and 0 < n < 2.0**60 and _plain(scale, w, residual, spread, mean_x, means)):
        return None
    size = (_norm_one(residual / scale) * (1 + 4 * UNIT) + rounding * abs(scale * w)
            + rounding * math.sqrt(max(cyy, 0.0)))  # fmt: skip
    rho = float(size / lowest * (1 + 8 * UNIT))
    high, low = two_product(-mean_x, w)  # `intercept_from`, one product
    b = math.fsum([mean_y, high, low])
    slack_x = means * (abs(mean_x) + math.sqrt(spread / n))
    slack_y = means * (abs(mean_y) + math.sqrt(cyy / n))
    reach = _norm_one((abs(mean_x) + slack_x) / scale)
    total = UNIT * abs(b) + slack_y + slack_x * abs(w) + reach * rho
    if not (math.isfinite(slack_x) and math.isfinite(slack_y) and math.isfinite(total)):
        return None
    if not _plain(rho):
        return None
    solved = (np.array([w]), np.array([scale]), float(lowest))
    return solved, np.array([w, b]), (rho / scale, total * (1 + 8 * UNIT * 3))


def run(quadratic: Quadratic, rate: float, iterations: int) -> tuple[FloatArray, FloatArray] | None:
    """`fixed_step_iterates(quadratic, rate, 0, iterations, None, False, watch, history)`
    of one block: (θ, every loss). The watch is never called below the bound, and no loss
    is NaN (all are checked finite), so `compared` is the losses themselves."""
    if iterations >= spectral._BLOCK:
        return None
    lambdas, basis = quadratic.eigenvalues, quadratic.eigenvectors
    theta0 = np.zeros(2)
    start = loss_and_gradient(quadratic, 0.0, 0.0)
    if start is None:
        return None
    loss0, gradient = start
    g_hat = basis.T @ gradient
    steps = rate * lambdas
    (s0, s1), (g0, g1) = steps.tolist(), g_hat.tolist()
    if g0 == 0.0 or g1 == 0.0 or not (0.0 < s0 < 1.0 and 0.0 < s1 < 1.0):
        return None  # a direction that stays still, or does not shrink: `_sums`' other lines
    k = _K[: iterations + 1]
    sums = spectral._gentle_sums(steps, lambdas, k)
    losses = np.subtract(loss0, spectral._decrease(sums, lambdas, g_hat))
    if not math.isfinite(losses @ _ONES[: iterations + 1]):
        return None  # (a NaN or infinity makes the sum one; so may a sum too large: rare)
    # The steps s_k·ĝ are all finite, as the general route checks, without forming them:
    # k·log1p(−ηλ) ≤ 0, so expm1 of it lies in [−1, 0] (to a few ulps) and |s_k| ≤ 2/λ.
    l0, l1 = lambdas.tolist()
    if not (math.isfinite((2.0 / l0) * abs(g0)) and math.isfinite((2.0 / l1) * abs(g1))):
        return None
    last = sums[:, -1].tolist()
    step = np.array([last[0] * g0, last[1] * g1])  # the steps' last column
    return spectral._at(theta0, basis, step), losses


def loss_and_gradient(quadratic: Quadratic, u: float, b: float) -> tuple[float, FloatArray] | None:
    """`quadratic.loss_and_gradient(θ)` at θ = [u, b]: `Moments.loss_and_gradient`'s
    one-feature kernel on floats (ridge 0), None where it is not finite (numpy's lines)."""
    stats = quadratic.stats
    x, c, r = float(stats.mean_x[0]), float(stats.cxx[0, 0]), float(stats.cxy[0])
    loss, grad, grad_b = moments._kernel(stats, _product, _product, x, c, r, u, b, 0.0)
    if not (math.isfinite(loss) and math.isfinite(grad) and math.isfinite(grad_b)):
        return None
    return loss, np.array([grad, grad_b])


def loss_gap(quadratic: Quadratic, g: FloatArray) -> float | None:
    """`quadratic.loss_gap(g)`: ½gᵀH⁻¹g by the same products, where its inverse is at hand
    (H is not singular) and no flag rises (its error state ignores them: None, then it)."""
    inverse = quadratic.inverse
    if inverse is None:
        return None
    gap = 0.5 * float(g @ np.asarray(inverse @ g))
    return max(gap, 0.0) if math.isfinite(gap) else None


def verdict(theta: FloatArray, ladder: ReferenceLadder) -> Certificate | None:
    """`Judge(quadratic, ladder, 1e-6).on_data(θ)` where the statistics' reference decides
    it: `linreg.certificate.judge` against it (the run's resolution is 0: the coordinates
    are not shifted; the optimum is unique and not proven 0), its lines in its order;
    None where the verdict is "cannot be certified" or `_undecided` says a sharper
    reference could change it (the Judge then climbs the ladder itself)."""
    reference = ladder.current
    if reference.zero or reference.null.shape[1] or not math.isfinite(reference.error):
        return None
    optimum = reference.point
    distance = norm(theta - optimum)
    error = (2 + 4) * UNIT * (distance + 0.0) + reference.error
    optimum_norm = norm(optimum)
    low = optimum_norm * (1 - (2 + 4) * UNIT) - reference.error - 0.0
    bound = (distance + error) / low if low > 0 else math.inf
    floor = (reference.error + 0.0) / low if low > 0 else math.inf
    relative = distance / optimum_norm if optimum_norm > 0 else math.inf
    if bound <= DEFAULT_TOL:
        found = CONVERGED
    elif floor >= DEFAULT_TOL:
        return None  # CANNOT, with its reason in words: `judge` itself
    else:
        found = NOT_CONVERGED
        high = optimum_norm + error  # `_undecided`
        if distance - error <= DEFAULT_TOL * max(high, 0.0):
            return None
    return made(Certificate, distance=distance, distance_error=error, relative_distance=relative,
                relative_bound=bound, floor=floor, optimum=optimum, optimum_norm=optimum_norm,
                verdict=found, reason="", zero=False)  # fmt: skip


def _fields(*classes: type) -> dict[type, int]:
    """How many fields each record `made` builds has (each a plain dataclass: checked)."""
    for cls in classes:
        assert dataclasses.is_dataclass(cls) and not hasattr(cls, "__post_init__"), cls
        assert "__slots__" not in cls.__dict__, cls
    return {cls: len(dataclasses.fields(cls)) for cls in classes}


_FIELDS = _fields(
    Certificate, Moments, Coordinates, Quadratic, Units, System, Prepared, Reference, Settings,
    Forecast, DescentResult,
)  # fmt: skip
