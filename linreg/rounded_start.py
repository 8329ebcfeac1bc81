r"""Where float64 cannot follow the run: rates above the bound, and Adam from a zero gradient.

At a learning rate at or above a method's stability bound, every step multiplies the error
along the top direction by $|1 - \eta\lambda| \ge 1$ (or by the momentum recurrence's
radius): the exact run leaves every start but the exact optimum, and float64's run, whose
every step rounds, drifts from the exact one by as much as that growth makes of its
rounding. So past the start no verdict on such a run stands (the verdict is withdrawn:
"cannot be certified"), unless the start is the exact optimum of the data, where the
gradient is exactly 0 and float64's gradient is exactly 0 too: then neither run moves.

From the exact optimum every method's exact run stays put, while float64's gradient there
(from rounded statistics) need not be 0, and at such a rate, or with Adam, float64's run
would wander off or "diverge": a start proven to be the exact optimum is kept as the run
(`pinned`).

Adam divides its step by the gradient's own size, so a coordinate whose gradient rounds to
exactly 0 never moves in float64, while a tiny exact gradient moves it by up to the
learning rate. Where float64's gradient at the start is 0 on a coordinate whose exact
gradient is not proven 0, its verdict is withdrawn as well.

"Exact" is the data's own gradient, in rationals (`exact_start_gradient`); float64's
statistics round the data, so their gradient can be exactly 0 where the data's is not.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg.arguments import Request
from linreg.problem import Quadratic
from linreg.seam import Settings

__all__ = ["exact_start_gradient", "pinned", "unfollowable"]

FloatArray = npt.NDArray[np.float64]

#: The most entries (rows × parameters) whose gradient is formed in rationals (~0.3 s);
#: past it the data's gradient is not known exactly, and is taken as not proven 0.
EXACT_ENTRIES = 100_000

_ABOVE_BOUND = (
    "at a learning rate at or above the stability bound every step multiplies the run's "
    "rounding along the top direction by |1 - eta*lambda| >= 1 (or the momentum "
    "recurrence's radius), so float64's iterates drift from the exact run's by an amount "
    "float64 cannot bound; only from the exact optimum do both stay put"
)
_SCALED_STEP = (
    "the gradient at the start rounds to 0 in float64 on a coordinate where it is not "
    "proven exactly 0, and {method} divides the gradient by its own size: exact steps leave "
    "the start by up to the learning rate while float64's never move, so float64 cannot "
    "tell where the iterates are"
)


def unfollowable(
    request: Request,
    settings: Settings,
    quadratic: Quadratic,
    theta0: FloatArray,
    data: tuple[FloatArray, FloatArray] | None,
) -> str:
    """Why float64's run from ``theta0``, not `pinned`, cannot stand for the exact run, or
    "" (see the module docs). Costs a bound, or one gradient; rationals only where a float
    gradient is 0."""
    method = request.method
    if request.batch_size is not None:  # a batch's gradient is not 0 at the optimum
        return ""
    if method.bound is not None:
        above = settings.learning_rate >= method.bound(settings).value
        return _ABOVE_BOUND if above else ""
    if not any(option.name == "learning_rate" for option in method.options):
        return ""  # no step size: newton, cg, steepest and bb shrink the error at any start
    _, g0 = quadratic.loss_and_gradient(theta0)
    if g0.all():
        return ""
    exact = exact_start_gradient(quadratic, theta0, data, request.alpha)
    if exact is None or any(g == 0.0 and e != 0 for g, e in zip(g0.tolist(), exact)):
        return _SCALED_STEP.format(method=method.name)
    return ""


#: How far past its rounding scale a float gradient may be and still be looked at in
#: rationals (a start farther from the optimum than this is not the exact optimum).
_NEAR = 1024.0


def pinned(
    request: Request,
    settings: Settings,
    quadratic: Quadratic,
    theta0: FloatArray,
    data: tuple[FloatArray, FloatArray] | None,
) -> bool:
    """Whether the start is proven to be the exact optimum of the data, for a run that
    float64 cannot follow (a rate at or above the bound, or Adam): then the exact run is
    the start at every iteration. Costs a bound and a gradient; rationals only where the
    float gradient is within rounding of 0."""
    method = request.method
    if request.batch_size is not None:
        return False
    if method.bound is not None:
        if not settings.learning_rate >= method.bound(settings).value:
            return False
    elif not any(option.name == "learning_rate" for option in method.options):
        return False
    _, g0 = quadratic.loss_and_gradient(theta0)
    if float(np.abs(g0).max(initial=0.0)) > _NEAR * _rounding_scale(quadratic, theta0):
        return False
    return _proven_zero(quadratic, theta0, data, request.alpha)


def _rounding_scale(quadratic: Quadratic, theta: FloatArray) -> float:
    """A size for the rounding of `Moments.loss_and_gradient` at θ: u (or the statistics'
    own rounding, if larger) times the sizes of the terms it adds."""
    stats = quadratic.stats
    u, b = quadratic.split(theta)
    size_u = float(np.abs(u).sum())
    mean_x = float(np.abs(stats.mean_x).sum())
    terms = (2.0 / stats.count) * (
        float(np.abs(stats.cxx).sum()) * size_u + float(np.abs(stats.cxy).sum())
    )
    centre = abs(float(stats.mean_y)) + mean_x * size_u + abs(b)
    terms += (
        2.0 * centre * (1.0 + mean_x) + 2.0 * float(np.max(quadratic.penalty, initial=0.0)) * size_u
    )
    return max(2.0**-53, float(stats.rounding)) * terms


def _proven_zero(
    quadratic: Quadratic, theta0: FloatArray, data: tuple[FloatArray, FloatArray] | None,
    alpha: float,
) -> bool:  # fmt: skip
    exact = exact_start_gradient(quadratic, theta0, data, alpha)
    return exact is not None and not any(exact)


def exact_start_gradient(
    quadratic: Quadratic,
    theta: FloatArray,
    data: tuple[FloatArray, FloatArray] | None,
    alpha: float,
) -> list[Fraction] | None:
    r"""N/2 times the gradient of $E_\alpha$ on the data at θ (in the coordinates
    descended, mapped to the data's units exactly), by θ's entries; exactly.

    On the data at (w, b): $G_w = -X^\top r + N\alpha w$, $G_b = -\sum r$, with
    $r = y - Xw - b$; on θ = [u; b'] (w = u/scale, b = b' − shift·w):
    $G_u = (G_w - \text{shift}\,G_b)/\text{scale}$, $G_{b'} = G_b$.

    None where it cannot be formed exactly: the data are not at hand (Moments, or
    weighted), or they hold more than `EXACT_ENTRIES` entries. Whatever the data, y ≡ 0
    (its mean and spread exactly 0) at θ = 0 is proven: r = 0 there.
    """
    stats, coords = quadratic.stats, quadratic.coords
    p = stats.n_features
    if stats.cyy == 0.0 and stats.mean_y == 0.0 and not theta.any():
        return [Fraction(0)] * coords.size  # y ≡ 0 (tinier y is refused as underflowed)
    if data is None or data[0].shape[0] * (p + 1) > EXACT_ENTRIES:
        return None
    X, y = data
    shift = [Fraction(value) for value in coords.shift.tolist()]
    scale = [Fraction(value) for value in coords.scale.tolist()]
    w = [Fraction(value) / s for value, s in zip(theta[:p].tolist(), scale)]
    b = (Fraction(float(theta[p])) if coords.intercept else Fraction(0)) - sum(
        map(_times, shift, w), Fraction(0)
    )
    rows = [[Fraction(value) for value in row] for row in X.tolist()]
    r = [
        Fraction(t) - sum(map(_times, row, w), Fraction(0)) - b for row, t in zip(rows, y.tolist())
    ]
    count, ridge = Fraction(X.shape[0]), Fraction(alpha)
    g_b = -sum(r, Fraction(0))
    g_u = [
        (count * ridge * w[j] - sum(row[j] * e for row, e in zip(rows, r)) - shift[j] * g_b)
        / scale[j]
        for j in range(p)
    ]
    return [*g_u, g_b] if coords.intercept else g_u


def _times(a: Any, b: Any) -> Any:
    return a * b
