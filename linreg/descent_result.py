r"""What a descent run returns: `DescentResult`, and its lazily computed `Forecast`.

The result carries the iterate in the data's units, its history, the verdict of
`linreg.certificate` with its error bar, and the method's prediction of the iterations
its verdict needs (`linreg.predictions`), computed only when asked for.
"""

from __future__ import annotations

import math
import numbers
import reprlib
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg.blas import norm
from linreg.certificate import CANNOT, Certificate, Judge, ReferenceLadder
from linreg.errors import InputError
from linreg.methods import METHODS
from linreg.predictions import (
    Prediction,
    directions,
    first_crossing,
    spectral_radius,
    stable_count,
)
from linreg.problem import Quadratic
from linreg.reference import UNIT as _UNIT
from linreg.reference import Reference
from linreg.reference_data import loss_at as _loss_at
from linreg.reference_data import minimum_loss
from linreg.seam import Settings

__all__ = ["DescentResult", "Forecast", "verdict_fields"]

FloatArray = npt.NDArray[np.float64]


@dataclass
class Forecast:
    """The method's predicted iteration count for a run, computed when first asked for.

    A plain object (not a closure), so that a `DescentResult` pickles. ``withdrawn`` is
    why no verdict on the run can stand, or "" (`linreg.rounded_start`).
    """

    method: str
    settings: Settings
    quadratic: Quadratic
    theta0: FloatArray
    ladder: ReferenceLadder
    tol: float
    withdrawn: str = ""
    _value: Prediction | None = field(default=None, repr=False)

    def __call__(self) -> Prediction:
        if self._value is None:
            self._value = _predict(self)
        return self._value


@dataclass(frozen=True)
class DescentResult:
    r"""What a descent found, how it got there, and the certificate for its verdict.

    Attributes
    ----------
    w : numpy.ndarray of shape (n_features,)
        The weights (for one feature, ``w[0]`` is the slope m), in the data's units.
    b : float
        The intercept.
    loss : float
        The loss $E_\alpha$ at (w, b), as the run formed it in float64: fixed-step runs
        subtract each step's decrease from the start's loss, so it is within a few
        $\varepsilon\cdot$``start_loss`` of the truth, and near a perfect fit from a far
        start it can read a little below 0. `final_loss` gives it with an error bar.
    start_loss : float
        The loss at the start.
    history : numpy.ndarray of shape (n_iter + 1,) or None
        ``history[k]`` is the loss after k iterations (epochs, for mini-batches), formed as
        ``loss`` is; None when the run was asked not to keep it (``history="none"`` or a
        sink).
    n_iter : int
        The number of iterations taken.
    converged : bool
        True exactly when a sound upper bound on $\lVert\theta - \theta^*\rVert/
        \lVert\theta^*\rVert$, against the exact optimum of the data as given, is at most
        ``tol`` (``tol`` defaulting to 1e-6); see `linreg.certificate`.
    verdict : str
        ``"converged"``, ``"not converged"`` or ``"cannot be certified"`` (float64 cannot
        resolve ``tol`` for this problem: ``error_floor`` is above it).
    verdict_reason : str
        Why a verdict cannot be given, in words ("" otherwise).
    stop_reason : str
        ``"tol"`` (the verdict became "converged") or ``"num_iterations"``.
    distance : float
        $\lVert\theta - \hat\theta^*\rVert_2$ for $\theta = [w; b]$, in the data's units.
    distance_error : float
        The error bar of ``distance``: the exact distance is within it.
    relative_distance : float
        ``distance / ‖θ̂*‖`` (the absolute distance when θ* = 0 exactly). Where the
        optimum is not unique, ‖θ̂*‖ is the least norm of a minimiser, not the nearest's.
    relative_distance_bound : float
        A sound upper bound on the relative distance (inf when ‖θ*‖ cannot be bounded
        away from 0).
    error_floor : float
        The smallest relative distance float64 can certify for this problem.
    optimum_is_zero : bool
        θ* = 0 exactly (proven): then ``relative_distance`` and its bound are absolute.
    loss_gap : float
        $E - E^* = \tfrac12\nabla E^\top H^{+}\nabla E$, in float64 (inf where that
        overflows; eigenvalues within their error bars of 0 are left out of $H^{+}$).
    optimum : numpy.ndarray of shape (n_features + 1,)
        $\hat\theta^* = [w^*; b^*]$ in the data's units (the nearest minimiser when there
        are many), with the error bar ``optimum_error``.
    tol : float
        The tolerance the verdict used.
    method : str
        The method run.
    options : dict
        Every option of the method, resolved (given, or defaulted from the eigenvalues):
        see ``linreg.methods.METHODS[method].options``.
    gradient_norm : float
        The Euclidean norm of the gradient, in the coordinates descended.
    learning_rate : float
        The step size used (nan for methods that choose their own steps).
    momentum : float
        The momentum (β₁ for Adam) used, 0 if none.
    bound : float
        The largest stable learning rate for this method (nan if it has none).
    bound_name : str
        That bound as a formula, e.g. ``"2/lambda_max"`` or ``"2(1+mu)/lambda_max"``.
    condition_number : float
        λ_max/λ_min of the Hessian descended (inf when singular, or when its smallest
        eigenvalue is below float64's resolution).
    forecast : Forecast
        The prediction behind ``predicted_iterations``, ``prediction_kind`` and
        ``prediction_reason`` (computed on first access).
    path : numpy.ndarray of shape (n_iter + 1, n_features + 1) or None
        With ``return_path=True``, ``[w..., b]`` after each iteration, in the data's
        units (row 0 is the start).
    """

    w: FloatArray
    b: float
    loss: float
    start_loss: float
    history: FloatArray | None = field(repr=False)
    n_iter: int
    converged: bool
    verdict: str
    verdict_reason: str
    stop_reason: str
    distance: float
    distance_error: float
    relative_distance: float
    relative_distance_bound: float
    error_floor: float
    optimum_is_zero: bool
    loss_gap: float
    optimum: FloatArray = field(repr=False)
    tol: float
    method: str
    options: dict[str, float]
    gradient_norm: float
    learning_rate: float
    momentum: float
    bound: float
    bound_name: str
    condition_number: float
    forecast: Forecast = field(repr=False, compare=False)
    path: FloatArray | None = field(default=None, repr=False)

    @property
    def certified(self) -> bool:
        """Whether the verdict is definite ("converged" or "not converged")."""
        return self.verdict != CANNOT

    @property
    def predicted_iterations(self) -> float:
        """Iterations this method needs from this start for the verdict to become
        "converged" at ``tol``: exact, an estimate, a bound, or nan (see
        ``prediction_kind`` and ``prediction_reason``)."""
        return self.forecast().iterations

    @property
    def prediction_kind(self) -> str:
        """``"exact"``, ``"estimate"``, ``"bound"`` or ``"none"`` (`linreg.predictions`)."""
        return self.forecast().kind

    @property
    def prediction_reason(self) -> str:
        """Why ``predicted_iterations`` is an estimate or nan, in words ("" otherwise)."""
        return self.forecast().reason

    def judged_at(self, w: npt.ArrayLike, b: float) -> DescentResult:
        """This result with (w, b) in place of its own iterate, judged as its own was (the
        same reference, tolerance and withdrawal): for a caller that reports another
        run's iterate of the same descent, e.g. the livestream's own loop.

        Raises
        ------
        InputError
            Not one finite weight per feature and a finite b.
        """
        point = self._point("judged_at", w, b)
        return replace(self, w=point[:-1], b=float(b), **verdict_fields(self._judged(point)))

    def _point(self, caller: str, w: npt.ArrayLike, b: float) -> FloatArray:
        """θ = [w; b] as float64, or an InputError naming ``caller``."""
        try:
            if not isinstance(b, numbers.Real):
                raise TypeError
            point = np.append(np.asarray(w, dtype=np.float64), float(b))
        except (TypeError, ValueError, OverflowError):  # not numbers, or past float64
            point = np.array([np.nan])
        if point.shape != (self.w.shape[0] + 1,) or not np.isfinite(point).all():
            n = self.w.shape[0]
            raise InputError(
                f"{caller} needs {n} finite {'weight' if n == 1 else 'weights'} and a finite "
                f"b, got w = {reprlib.repr(w)}, b = {reprlib.repr(b)}"
            )
        return point

    def sharpened(self) -> DescentResult:
        """This result, its error bars taken against the most precise reference the data
        allow (`linreg.reference.ReferenceLadder` climbed to the top: passes over the data
        in double-double, or exact arithmetic where they are small). The verdict is the
        same: it was already decided as sharply as it needed."""
        while self.forecast.ladder.climb():
            pass
        return replace(self, **verdict_fields(self._judged(np.append(self.w, self.b))))

    def _judged(self, point: FloatArray) -> Certificate:
        """The verdict on ``point`` against the ladder's current reference, at this tol,
        withdrawn where this run's was (`linreg.rounded_start`)."""
        verdict = Judge(self.forecast.quadratic, self.forecast.ladder, self.tol).on_data(point)
        withdrawn = self.forecast.withdrawn
        return verdict.withdrawn(withdrawn) if withdrawn else verdict

    def minimum_loss(self) -> tuple[float, float]:
        """The loss at the exact optimum, E*, and a bound on the error of that value
        (`linreg.reference.minimum_loss`, against the current reference); (inf, inf)
        where float64 cannot form it."""
        ladder = self.forecast.ladder
        return minimum_loss(ladder.stats, ladder.current, ladder.alpha, ladder.intercept,
                            ladder.data)  # fmt: skip

    def final_loss(self) -> tuple[float, float]:
        """The loss at (w, b), and a bound on the error of that value (formed as
        `minimum_loss` forms E*, so that their difference has an error bar); (inf, inf)
        where float64 cannot form it (θ far beyond the data's scale)."""
        return self._bounded_loss(np.append(self.w, self.b))

    def loss_at(self, w: npt.ArrayLike, b: float) -> tuple[float, float]:
        """The loss (with ``alpha``, the penalised objective) at any (w, b) of this
        problem, and a bound on the error of that value, as `final_loss` forms it: e.g.
        the start's, or another run's iterate.

        Raises
        ------
        InputError
            Not one finite weight per feature and a finite b.
        """
        return self._bounded_loss(self._point("loss_at", w, b))

    def _bounded_loss(self, theta: FloatArray) -> tuple[float, float]:
        ladder = self.forecast.ladder
        return _loss_at(ladder.stats, theta, ladder.alpha, ladder.intercept, ladder.data)

    @property
    def optimum_error(self) -> float:
        """A bound on the error of ``optimum`` itself, ‖θ̂* − θ*‖ (the reference's own error
        bar; ``distance_error`` adds the rounding of θ − θ̂*, which grows with θ)."""
        return float(self.forecast.ladder.current.error)

    @property
    def unique_optimum(self) -> bool:
        """False when the data are proven rank-deficient (e.g. a constant column with an
        intercept): then ``optimum`` is the minimiser nearest to (w, b)."""
        return not self.forecast.ladder.current.null.shape[1]

    @property
    def m(self) -> float:
        """The slope, for a one-feature fit (``w[0]``)."""
        if self.w.shape[0] != 1:
            raise AttributeError("m is the slope of a one-feature fit; use w")
        return float(self.w[0])


def verdict_fields(verdict: Certificate) -> dict[str, Any]:
    """The result's fields that come from the certificate."""
    return {
        "converged": verdict.converged,
        "verdict": verdict.verdict,
        "verdict_reason": verdict.reason,
        "distance": verdict.distance,
        "distance_error": verdict.distance_error,
        "relative_distance": verdict.relative_distance,
        "relative_distance_bound": verdict.relative_bound,
        "error_floor": verdict.floor,
        "optimum_is_zero": verdict.zero,
        "optimum": verdict.optimum,
    }


# --- predictions -----------------------------------------------------------------------------


def _predict(forecast: Forecast) -> Prediction:
    """The method's theory, for this start and the verdict at ``tol``."""
    method, quadratic = METHODS[forecast.method], forecast.quadratic
    if method.recurrence is None:
        assert method.classical is not None
        target, reason, e0, _ = _goal(forecast)
        if target is None:
            return Prediction(math.nan, "none", reason)
        return method.classical(forecast.settings, quadratic, e0, target)
    if not quadratic.resolved:
        return Prediction(math.nan, "none", "the Hessian's smallest eigenvalue is below float64's "
                          "resolution for these coordinates (try standardize=True)")  # fmt: skip
    coefficients = method.recurrence(forecast.settings, quadratic.eigenvalues)
    _settle(forecast, spectral_radius(*coefficients[:2]))
    target, reason, e0, reference = _goal(forecast)
    if target is None:
        return Prediction(math.nan, "none", reason)
    rows = directions(quadratic, e0, reference.null)
    count = first_crossing(rows, coefficients, target)
    errors = quadratic.spectrum.errors
    spread = 2 * reference.error + quadratic.resolution(reference.point)
    perturbed = [
        (method.recurrence(forecast.settings, quadratic.eigenvalues + sign * errors), target)
        for sign in (-1.0, 1.0)
    ] + [(coefficients, target - spread)]
    if stable_count(rows, coefficients, perturbed, count):
        return Prediction(count, "exact")
    return Prediction(count, "estimate", "the error bars of the eigenvalues or of the optimum "
                      "could move this count by more than 2 iterations")  # fmt: skip


def _settle(forecast: Forecast, rate: float) -> None:
    """Refine the reference until its error bar moves the count by under half an iteration:
    a relative change δ in the distance to reach moves it by about δ/(1 − rate)."""
    ladder = forecast.ladder
    while 0 < rate < 1:
        reach = forecast.tol * _least_norm(ladder.current)
        if 2 * ladder.current.error <= 0.5 * (1 - rate) * reach or not ladder.climb():
            return


def _goal(forecast: Forecast) -> tuple[float | None, str, FloatArray, Reference]:
    """(the distance below which the verdict holds or None, why not, e₀ = θ₀ − θ*, θ*)."""
    quadratic, reference = forecast.quadratic, forecast.ladder.current
    size = _least_norm(reference)
    target, reason = _target(reference.error, reference.zero, size, forecast.tol)
    # Descent on the float statistics is guaranteed only to within their error bar of θ*.
    reach = forecast.ladder.floor.error + quadratic.resolution(reference.point)
    if target is not None and reach >= target:
        within = f"{reach:.2g}" if reference.zero else f"{reach / size:.2g} of |theta*|"
        reason = (
            f"descent on the float64 statistics is guaranteed to come only within {within} "
            f"of the optimum, more than tol={forecast.tol:g} allows"
            if math.isfinite(reach)
            else "the float64 statistics do not bound the optimum at all (their error bar is "
            "unbounded)"
        )
        target, reason = None, f"{reason}, so no count can be promised"
    nearest = reference.nearest(quadratic.to_data(forecast.theta0))
    e0 = forecast.theta0 - quadratic.coords.to_descended(nearest[:-1], float(nearest[-1]))
    return target, reason, e0, reference


def _least_norm(reference: Reference) -> float:
    """The least norm of a minimiser, less the rounding of its projection: the size the
    verdict's relative distances are over (`linreg.certificate.judge`)."""
    size = float(norm(reference.point))
    if not reference.null.shape[1]:
        return size
    slack = (reference.point.shape[0] + 4) * _UNIT * size
    return float(max(float(norm(reference.smallest())) - slack, 0.0))


def _target(error: float, zero: bool, size: float, tol: float) -> tuple[float | None, str]:
    """The distance below which the verdict holds, or None and why there is none."""
    if zero:
        return tol, ""
    low = size * (1 - 8 * _UNIT) - error
    target = tol * low - error
    if not math.isfinite(error) or not target > 0:
        floor = f" ({error / low:.2g} of the optimum's norm)" if low > 0 else ""
        return None, (
            f"tol={tol:g} is below this problem's error floor{floor}: the verdict can never "
            "become converged at it"
        )
    return target, ""
