r"""Where float64 cannot follow the run: a start whose gradient rounds to zero.

A learning rate above a method's stability bound diverges from every start but the exact
optimum: the start's error along an unstable direction grows by $|1 - \eta\lambda|$ (or by
the momentum recurrence's radius) at every step. From a start within rounding of the
optimum, the gradient from the statistics can round to exactly 0 along such a direction.
Float64's steps then never leave the start, while exact descent does, after a number of
steps that float64 cannot tell. Adam is the same on every coordinate: a zero gradient never
moves it, and a tiny one moves it by up to its learning rate (its step is the gradient
over its own size).

So where the float gradient is 0 along such a direction, and the gradient of the loss the
statistics define is not exactly 0 there (computed in rationals), the run cannot be
certified past its start (`unfollowable`).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import numpy.typing as npt

from linreg.arguments import Request
from linreg.problem import Quadratic
from linreg.seam import Settings

__all__ = ["unfollowable"]

FloatArray = npt.NDArray[np.float64]

_ABOVE_BOUND = (
    "this start is within float64's rounding of the optimum: the gradient there rounds to 0 "
    "along a direction that a learning rate above the stability bound makes grow, but it "
    "is not exactly 0, so exact descent leaves the start while float64's steps never do, "
    "and float64 cannot tell where the iterates are"
)
_SCALED_STEP = (
    "this start is within float64's rounding of the optimum: the gradient there rounds to 0 "
    "on a coordinate where it is not exactly 0, and {method} divides the gradient by its "
    "own size, so exact steps leave the start by up to the learning rate while float64's "
    "never move, and float64 cannot tell where the iterates are"
)


def unfollowable(
    request: Request, settings: Settings, quadratic: Quadratic, theta0: FloatArray
) -> str:
    """Why float64's run from ``theta0`` cannot stand for the exact run, or "" (see the
    module docs). Costs one gradient; the rational one only where a float one is 0."""
    method = request.method
    if request.batch_size is not None:  # a batch's gradient is not 0 at the optimum
        return ""
    if method.bound is not None:
        bound = method.bound(settings).value
        if not settings.learning_rate >= bound:
            return ""
        _, g0 = quadratic.loss_and_gradient(theta0)
        spectrum = quadratic.spectrum
        # the bounds are c/λ: a direction grows where η ≥ c/λ_j = bound·λ_max/λ_j
        top = bound * quadratic.lambda_max
        grows = settings.learning_rate * (spectrum.values + spectrum.errors) >= top
        g_hat = spectrum.vectors.T @ g0
        if not np.any(grows & (g_hat == 0.0)) or not any(_exact_gradient(quadratic, theta0)):
            return ""
        return _ABOVE_BOUND
    if not any(option.name == "learning_rate" for option in method.options):
        return ""  # no step size: newton, cg, steepest and bb shrink the error at any start
    _, g0 = quadratic.loss_and_gradient(theta0)
    exact = _exact_gradient(quadratic, theta0) if np.any(g0 == 0.0) else []
    if not any(e != 0 and g == 0.0 for e, g in zip(exact, g0.tolist())):
        return ""
    return _SCALED_STEP.format(method=method.name)


def _exact_gradient(quadratic: Quadratic, theta: FloatArray) -> list[Fraction]:
    r"""N/2 times ∇E(θ) of the loss the (descended) statistics define, exactly:
    $C_{xx}u - C_{xy} - Nc\,\bar x + NPu$ and $-Nc$ (with an intercept), where
    $c = \bar y - \bar x^\top u - b$ (`linreg.moments.Moments.loss_and_gradient`)."""
    stats = quadratic.stats
    p = stats.n_features
    u = [Fraction(value) for value in theta[:p].tolist()]
    b = Fraction(float(theta[p])) if quadratic.coords.intercept else Fraction(0)
    mean_x = [Fraction(value) for value in stats.mean_x.tolist()]
    count = Fraction(float(stats.count))
    c = Fraction(float(stats.mean_y)) - sum(m * w for m, w in zip(mean_x, u)) - b
    penalty = [Fraction(value) for value in np.broadcast_to(quadratic.penalty, (p,)).tolist()]
    rows = stats.cxx.tolist()
    gradient = [
        sum(Fraction(a) * w for a, w in zip(rows[j], u))
        - Fraction(float(stats.cxy[j]))
        - count * c * mean_x[j]
        + count * penalty[j] * u[j]
        for j in range(p)
    ]
    return [*gradient, -count * c] if quadratic.coords.intercept else gradient
