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

"Exact" is the data's own gradient, in rationals (`exact_start_gradient`, from the exact
sums `linreg.exact_solver.exact_sums`); float64's statistics round the data, so their
gradient can be exactly 0 where the data's is not. `risk` says which of the two cases a
run is, once; `pinned` and `unfollowable` take its answer.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import numpy.typing as npt

from linreg.arguments import Request
from linreg.exact_solver import exact_sums
from linreg.problem import Quadratic
from linreg.reference import EXACT_BUDGET
from linreg.seam import Settings

__all__ = ["exact_start_gradient", "pinned", "risk", "unfollowable"]

FloatArray = npt.NDArray[np.float64]

#: `risk`'s answers: a rate at or above the stability bound, Adam's scaled step, neither.
ABOVE_BOUND, SCALED_STEP, NONE = "above the bound", "scaled step", ""

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

#: How far past its rounding scale a float gradient may be and still be looked at in
#: rationals (a start farther from the optimum than this is not the exact optimum).
_NEAR = 1024.0


def risk(request: Request, settings: Settings) -> str:
    """Which run float64 may not follow: `ABOVE_BOUND` (a method with a stability bound,
    at or above it), `SCALED_STEP` (a step size without a bound: Adam), or `NONE` (below
    the bound; no step size: newton, cg, steepest and bb shrink the error at any start;
    mini-batches, whose batch gradients are not 0 at the optimum)."""
    method = request.method
    if request.batch_size is not None:
        return NONE
    if method.bound is not None:
        return ABOVE_BOUND if settings.learning_rate >= method.bound(settings).value else NONE
    scaled = any(option.name == "learning_rate" for option in method.options)
    return SCALED_STEP if scaled else NONE


def pinned(
    kind: str,
    quadratic: Quadratic,
    theta0: FloatArray,
    data: tuple[FloatArray, FloatArray] | None,
    alpha: float,
) -> bool:
    """Whether the start of a run of this `risk` ``kind`` is proven to be the exact
    optimum of the data: then the exact run is the start at every iteration. Costs a
    gradient; rationals only where the float gradient is within rounding of 0."""
    if kind == NONE:
        return False
    _, g0 = quadratic.loss_and_gradient(theta0)
    if float(np.abs(g0).max(initial=0.0)) > _NEAR * _rounding_scale(quadratic, theta0):
        return False
    exact = exact_start_gradient(quadratic, theta0, data, alpha)
    return exact is not None and not any(exact)


def unfollowable(
    kind: str,
    quadratic: Quadratic,
    theta0: FloatArray,
    data: tuple[FloatArray, FloatArray] | None,
    request: Request,
) -> str:
    """Why float64's run of this `risk` ``kind`` from ``theta0``, not `pinned`, cannot
    stand for the exact run, or "" (see the module docs). Rationals only where a float
    gradient is 0."""
    if kind != SCALED_STEP:
        return _ABOVE_BOUND if kind == ABOVE_BOUND else ""
    _, g0 = quadratic.loss_and_gradient(theta0)
    if g0.all():
        return ""
    exact = exact_start_gradient(quadratic, theta0, data, request.alpha)
    if exact is None or any(g == 0.0 and e != 0 for g, e in zip(g0.tolist(), exact)):
        return _SCALED_STEP.format(method=request.method.name)
    return ""


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
    ridge = float(np.max(quadratic.penalty, initial=0.0))
    terms += 2.0 * centre * (1.0 + mean_x) + 2.0 * ridge * size_u
    return max(2.0**-53, float(stats.rounding)) * terms


def exact_start_gradient(
    quadratic: Quadratic,
    theta: FloatArray,
    data: tuple[FloatArray, FloatArray] | None,
    alpha: float,
) -> list[Fraction] | None:
    r"""N/2 times the gradient of $E_\alpha$ on the data at θ (in the coordinates
    descended, mapped to the data's units exactly), by θ's entries; exactly.

    On the data at v = [w; b]: $G = Z^\top Z v - Z^\top y + N\alpha [w; 0]$ with
    Z = [X 1] (X without an intercept), from the exact sums; on θ = [u; b']
    (w = u/scale, b = b' − shift·w): $G_u = (G_w - \text{shift}\,G_b)/\text{scale}$,
    $G_{b'} = G_b$.

    None where it cannot be formed exactly: the data are not at hand (Moments, or
    weighted), or N·(p + 1)² is over `linreg.reference.EXACT_BUDGET`. Whatever the data,
    y ≡ 0 (its mean and spread exactly 0) at θ = 0 is proven: r = 0 there.
    """
    stats, coords = quadratic.stats, quadratic.coords
    p, intercept = stats.n_features, coords.intercept
    if stats.cyy == 0.0 and stats.mean_y == 0.0 and not theta.any():
        return [Fraction(0)] * coords.size  # y ≡ 0 (tinier y is refused as underflowed)
    if data is None or data[0].shape[0] * (p + 1) ** 2 > EXACT_BUDGET:
        return None
    X, y = data
    columns = [np.ascontiguousarray(X[:, j]) for j in range(p)]
    gram, moment, _, _ = exact_sums(columns, np.ascontiguousarray(y), intercept)
    shift = [Fraction(value) for value in coords.shift.tolist()]
    scale = [Fraction(value) for value in coords.scale.tolist()]
    w = [Fraction(value) / s for value, s in zip(theta[:p].tolist(), scale)]
    b = Fraction(float(theta[p])) if intercept else Fraction(0)
    b -= sum((s * v for s, v in zip(shift, w)), Fraction(0))  # (no shift without one)
    point = [*w, b] if intercept else w
    ridge = Fraction(X.shape[0]) * Fraction(alpha)
    g = [sum((a * v for a, v in zip(row, point)), -m) for row, m in zip(gram, moment)]
    g_b = g[p] if intercept else Fraction(0)
    g_u = [(g[j] + ridge * w[j] - shift[j] * g_b) / scale[j] for j in range(p)]
    return [*g_u, g_b] if intercept else g_u
