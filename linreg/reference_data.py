r"""The optimum refined against the data, with an a-posteriori bound; the minimum loss.

With the data at hand, one step of iterative refinement with the gradient formed in
double-double arithmetic, then the bound $\hat\theta^* - \theta^* = H^{-1}\nabla
E(\hat\theta^*)$ at the new point, with $\lVert H^{-1}\rVert$ bounded from the statistics
(`linreg.reference_statistics`): about the true error. The same gradient bounds the
minimum of the loss, $E^* = E(\hat\theta^*) - \tfrac12 g^\top H^{-1} g$.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg.blas import norm
from linreg.doubledouble import BLOCK, accurate_dot, accurate_sum, residual, two_product
from linreg.moments import Moments
from linreg.reference import UNIT, Reference
from linreg.reference_statistics import (
    Prepared,
    System,
    Units,
    exact_residual,
    exact_scaling,
    mean_errors,
    norm_bound,
    normal_system,
    solve_scaled,
    statistics_rounding,
    weights_error,
)

__all__ = ["BLAS_RESOLUTION", "from_data", "loss_at", "minimum_loss"]

FloatArray = npt.NDArray[np.float64]
_TINY = float(np.finfo(np.float64).tiny)  # the smallest normal float64, 2.2e-308
_SUBNORMAL = 5e-324  # the smallest subnormal, 2**-1074
_SMALL_RESIDUAL = 2.0**-500  # below it, squares of residuals lose digits to underflow


# --- from the data: double-double gradients -------------------------------------------------


def _residual_dd(X: FloatArray, y: FloatArray, w: FloatArray, b: float) -> tuple[Any, Any]:
    """r = y − Xw − b as a double-double pair (`linreg.doubledouble.residual`): within
    8(p+2)u²·(|y| + |X||w| + |b|) of exact."""
    return residual(X, None, (y, None), w, b)


#: Rows per partial sum of Xᵀr: BLAS sums a block in any order, within γ of its length.
_SUM_BLOCK = 1 << 12


def _sums(X: FloatArray, shift: FloatArray, r: tuple[Any, Any]) -> tuple[FloatArray, float]:
    """((X − shift)ᵀr, Σr) for a double-double r: BLAS on blocks of `_SUM_BLOCK` rows
    (each shifted: an offset column would otherwise swamp the sum), the blocks' partial
    sums then added exactly (`math.fsum`)."""
    hi, lo = r
    parts = []
    for k in range(0, hi.shape[0], _SUM_BLOCK):
        rows = slice(k, k + _SUM_BLOCK)
        residual = hi[rows] + lo[rows]
        parts.append(((X[rows] - shift).T @ residual, float(residual.sum())))
    sums = np.array([math.fsum(part[0][j] for part in parts) for j in range(X.shape[1])])
    return sums, math.fsum(part[1] for part in parts)


def _accurate_sums(X: FloatArray, r: tuple[Any, Any]) -> tuple[FloatArray, float]:
    """(Xᵀr, Σr) for a double-double r, nearly exactly (`linreg.doubledouble.accurate_dot`):
    for an ill-conditioned problem, whose bound needs the gradient's digits beyond u."""
    return accurate_dot(X, None, r), accurate_sum(*r)


def _accurate_slack(
    stats: Moments, sizes: tuple[float, float], sums: FloatArray, total: float
) -> tuple[FloatArray, float]:
    """Bounds on the errors of `_accurate_sums`: u of each result plus 3m·u² of |X|ᵀ|r|
    for blocks of m = min(N, BLOCK) rows (`linreg.doubledouble.accurate_dot`; taken as
    4m, |X|ᵀ|r| bounded by Cauchy–Schwarz), plus r's own error (``sizes``: ‖r‖ and the
    size it is within 8(p+2)u² of)."""
    n, p = stats.count, stats.n_features
    grow = 1 + stats.rounding + 4 * UNIT
    columns = np.sqrt(np.diag(stats.cxx) + n * stats.mean_x**2) * grow
    norm_r, size = sizes
    factor = (4 * min(n, BLOCK) * UNIT * UNIT * norm_r + 8 * (p + 2) * UNIT * UNIT * size) * (
        1 + 2 * n * UNIT
    )
    return factor * columns + 2 * UNIT * np.abs(sums), factor * math.sqrt(n) + 2 * UNIT * abs(total)


def _gradient_slack(
    stats: Moments,
    shift: FloatArray,
    sizes: tuple[float, float],
    sums: FloatArray,
    total: float,
) -> tuple[FloatArray, float]:
    """Bounds on the errors of `_sums`, by Cauchy–Schwarz from the shifted columns' norms
    (from the statistics of the same data) and ‖r‖: each block's BLAS sum within γ of its
    length of ‖x − s‖‖r‖, x − s within u of itself, hi + lo within u of r, and r itself
    within 8(p+2)u²·(|y| + |X||w| + |b|) of exact (``sizes``: ‖r‖ and that size)."""
    n, p = stats.count, stats.n_features
    grow = 1 + stats.rounding + 4 * UNIT
    columns = np.sqrt(np.diag(stats.cxx) + n * (stats.mean_x - shift) ** 2) * grow
    norm_r, size = sizes
    blas = (_gamma(min(n, _SUM_BLOCK) + 2) + 2 * UNIT) * norm_r
    residual = 8 * (p + 2) * UNIT * UNIT * size
    factor = (blas + residual) * (1 + 2 * n * UNIT)
    slack = factor * columns + 2 * UNIT * np.abs(sums)
    return slack, factor * math.sqrt(n) + 2 * UNIT * abs(total)


def _gamma(n: int) -> float:
    nu = n * UNIT
    return nu / (1 - nu)


def _correction(
    stats: Moments, data: tuple[FloatArray, FloatArray], point: FloatArray, penalty: FloatArray,
    intercept: bool, accurate: bool = False,
) -> tuple[FloatArray, float, FloatArray, float]:  # fmt: skip
    r"""q, t and the bounds on their errors, from the double-double gradient at θ̂.

    With s = Xᵀr and t = Σr at θ̂: $G e_w = -q$, $q = s - \bar x t - P\hat w$ (P the penalty,
    $\bar x t$ only with an intercept), and $e_b = -t/N - \bar x^\top e_w$. The sums are
    BLAS's on shifted blocks (`_sums`), or with ``accurate`` nearly exact (`_accurate_sums`).
    """
    X, y = data
    p, n = stats.n_features, stats.count
    w, b = point[:p], float(point[p]) if intercept else 0.0
    shift = stats.mean_x if intercept else np.zeros(p)
    r = _residual_dd(X, y, w, b)
    grow = 1 + stats.rounding + 4 * UNIT
    norms = np.sqrt(np.diag(stats.cxx) + n * stats.mean_x**2) * grow
    size = math.sqrt(stats.cyy + n * stats.mean_y**2) * grow + float(np.abs(w) @ norms)
    norm_r = (norm(r[0]) + norm(r[1])) * (1 + n * UNIT)
    sizes = (norm_r, size + math.sqrt(n) * abs(b))
    if accurate:
        raw, total = _accurate_sums(X, r)
        slack, total_slack = _accurate_slack(stats, sizes, raw, total)
        # (X − x̄)ᵀr = Xᵀr − x̄·t: its product and difference round, by u each
        sums = raw - shift * total
        slack = (
            slack + np.abs(shift) * total_slack + 2 * UNIT * (np.abs(shift * total) + np.abs(sums))
        )
    else:
        sums, total = _sums(X, shift, r)
        slack, total_slack = _gradient_slack(stats, shift, sizes, sums, total)
    # q = (X − x̄)ᵀr − Pŵ with the exact x̄; the shift is the computed x̄, off by |Δx̄|
    q = sums - penalty * w
    if intercept:
        mean_error = mean_errors(stats, statistics_rounding(stats)[1])[0]
        slack = slack + mean_error * (abs(total) + total_slack)
    slack = slack + 2 * UNIT * (np.abs(sums) + penalty * np.abs(w) + np.abs(q))
    return q, total if intercept else 0.0, slack, total_slack


@dataclass(frozen=True)
class _Scaled:
    """A scaled problem, and the bound on its normal matrix: what each posterior reuses."""

    stats: Moments
    data: tuple[FloatArray, FloatArray]
    penalty: FloatArray
    intercept: bool
    system: System
    means: float
    scale: FloatArray
    lowest: float


def _posterior(
    problem: _Scaled, point: FloatArray, resolution: float = 0.0
) -> tuple[FloatArray, FloatArray]:
    """(per-component bounds on |θ̂ − θ*|, the estimate e of θ̂ − θ*), scaled units; the
    gradient is summed nearly exactly where BLAS's rounding would keep the bound above
    ``resolution`` of the weights (`_rounding_dominates`)."""
    stats, scale = problem.stats, problem.scale
    p, n = stats.n_features, stats.count
    args = (stats, problem.data, point, problem.penalty, problem.intercept)
    q, total, slack, total_slack = _correction(*args)
    if _rounding_dominates(slack, problem, point, resolution):
        q, total, slack, total_slack = _correction(*args, accurate=True)
    e_w = np.asarray(
        -np.linalg.solve(problem.system.gram, q) if p else np.zeros(0), dtype=np.float64
    )
    rho = min(_plain_rho(q, slack, problem), _refined_rho(q, slack, problem, e_w))
    if not problem.intercept:
        return np.append(rho / scale, 0.0), np.append(e_w, 0.0)
    mean_error = mean_errors(stats, problem.means)[0]
    reach = float(norm((np.abs(stats.mean_x) + mean_error) / scale))
    e_b = -total / n - float(stats.mean_x @ e_w)
    bound_b = (abs(total) + total_slack) / n * (1 + 2 * UNIT) + reach * rho
    return np.append(rho / scale, bound_b) * (1 + 4 * UNIT), np.append(e_w, e_b)


def _plain_rho(q: FloatArray, slack: FloatArray, problem: _Scaled) -> float:
    """ρ ≥ ‖D e*‖ from ‖D⁻¹q*‖/λ_low: loose by up to κ when e* is not along the lowest
    eigenvector (a point rounded to float64 is off in every direction)."""
    p, scale = q.shape[0], problem.scale
    size = float(norm((np.abs(q) + slack) / scale))
    return float(size / problem.lowest * (1 + 8 * (p + 1) * UNIT))


def _refined_rho(q: FloatArray, slack: FloatArray, problem: _Scaled, e_w: FloatArray) -> float:
    r"""ρ ≥ ‖D e*‖ from the computed correction ê (G ê ≈ −q): e* − ê = G*⁻¹(−q* − G* ê), and
    $|q^* + G^*\hat e| \le |q + G\hat e| + \text{slack} + |\Delta G\,\hat e|$, with
    $|\Delta G\,\hat e|_j \le \gamma D_j \lVert D\hat e \rVert_1$; so
    ρ = ‖Dê‖ + ‖D⁻¹(…)‖/λ_low, about the true error however ill-conditioned G is."""
    p, scale, system = q.shape[0], problem.scale, problem.system
    if not p:
        return 0.0
    left = exact_residual(system.gram, -q, e_w)  # −q − G ê, each entry correctly rounded
    moved = float(np.abs(scale * e_w).sum()) * (1 + p * UNIT)
    rest = (np.abs(left) * (1 + 2 * UNIT) + slack) / scale + system.rounding * moved
    grow = 1 + 8 * (p + 1) * UNIT
    return (float(norm(scale * e_w)) + float(norm(rest)) / float(problem.lowest)) * float(grow)


#: The relative accuracy `from_data` aims at unless told: BLAS's rounding of the gradient
#: may cost a bound this much before the gradient is summed again, nearly exactly.
BLAS_RESOLUTION = 2.0**-40


def _rounding_dominates(slack: FloatArray, problem: _Scaled, point: Any, resolution: float) -> bool:
    """Whether BLAS's rounding of the gradient alone puts the bound above ``resolution``
    of the weights: an ill-conditioned problem (λ_low small), worth a nearly exact pass."""
    scale = problem.scale
    noise = float(norm(slack / scale)) / float(problem.lowest)
    return noise > resolution * float(norm(scale * point[: scale.shape[0]]))


def _scaled_problem(
    stats: Moments,
    X: FloatArray,
    y: FloatArray,
    alpha: Any,
    intercept: bool,
    units: Units,
    prepared: Prepared | None = None,
) -> _Scaled | None:
    """The problem in power-of-two units, or None when that loses bits or is unbounded;
    the normal system's solve is ``prepared``'s where it covers every feature."""
    with np.errstate(all="ignore"):
        scaled = units.stats(stats)
        data = (
            (X, y) if units.identity else (np.ldexp(X, -units.features), np.ldexp(y, -units.target))
        )
        penalty = units.penalty(stats.count, alpha)
    if not (exact_scaling(X, data[0]) and exact_scaling(y, data[1])):
        return None
    if prepared is not None and prepared.system is not None and not prepared.fixed.any():
        system, means, solved = prepared.system, prepared.means, prepared.solved
    else:
        system, means = normal_system(scaled, penalty, intercept)
        p = stats.n_features
        solved = solve_scaled(system) if p else (np.zeros(0), np.ones(0), 1.0)
    if solved is None or not solved[2] > 0:
        return None
    return _Scaled(scaled, data, penalty, intercept, system, means, solved[1], solved[2])


def from_data(
    stats: Moments,
    X: FloatArray,
    y: FloatArray,
    start: Reference,
    alpha: Any,
    intercept: bool,
    prepared: Prepared | None = None,
    resolution: float = BLAS_RESOLUTION,
    sufficient: float = 0.0,
) -> Reference:
    r"""Refine ``start`` against the data, with an a-posteriori bound (see the module docs).

    ``prepared`` is `linreg.reference_statistics.prepare`'s result for the same
    statistics, when at hand: its solve is reused. ``resolution`` is the relative error
    the caller needs: the gradient is summed nearly exactly (a pass that costs more)
    only where BLAS's rounding would keep the bound above it.

    One refinement step $\hat\theta \leftarrow \hat\theta - e$, e from the gradient formed
    in double-double, then the bound at the new point (two passes over the data). Needs a
    full-rank problem whose scaled normal matrix the statistics bound away from singular;
    otherwise ``start`` is returned unchanged. Where the first pass already bounds the
    error of ``start``'s point within ``sufficient`` of its norm, that bound is returned,
    ``start``'s point unmoved, its source ``"data, unrefined"`` (a verdict needs the error
    bar, not the last digits).
    """
    if start.null.shape[1] or start.zero:
        return start
    units = Units.of(stats)
    problem = _scaled_problem(stats, X, y, alpha, intercept, units, prepared)
    if problem is None:
        return start
    point = units.to_scaled(start.point)
    bounds, correction = _posterior(problem, point, resolution)
    error = norm_bound(units.to_data(bounds))
    if error <= sufficient * norm(start.point) and error < start.error:
        return Reference(units.to_data(point), error, start.null, False, "data, unrefined")
    moved = point - correction
    second = norm_bound(units.to_data(_posterior(problem, moved, resolution)[0]))
    if second < error:
        point, error = moved, second
    if not error < start.error:
        return start
    return Reference(units.to_data(point), error, start.null, False, "data")


# --- the minimum of the loss ----------------------------------------------------------------


def minimum_loss(
    stats: Moments,
    reference: Reference,
    alpha: Any,
    intercept: bool,
    data: tuple[FloatArray, FloatArray] | None = None,
) -> tuple[float, float]:
    r"""$E^* = E(\theta^*)$, and a bound on the error of that value.

    $E(\hat\theta^*)$ is formed in double-double from the data when they are at hand
    (from the statistics otherwise, with their rounding), and the gap
    $E(\hat\theta^*) - E^* = \tfrac12 g^\top H^{-1} g$ is bounded in the centred form
    $\tfrac1N q^\top C_\alpha^{-1} q + (t/N)^2$: from the gradient's sums $q, t$ in
    double-double with data, and from the error bar of $\hat\theta^*$ without; (inf, inf)
    where a step of it overflows.
    """
    return _bounded_loss(stats, reference.point, alpha, intercept, data, to_minimum=True)


def loss_at(
    stats: Moments,
    theta: FloatArray,
    alpha: Any,
    intercept: bool,
    data: tuple[FloatArray, FloatArray] | None = None,
) -> tuple[float, float]:
    r"""$E(\theta)$ at $\theta = [w; b]$, and a bound on the error of that value, formed as
    `minimum_loss` forms $E(\hat\theta^*)$ ((inf, inf) where it overflows)."""
    return _bounded_loss(stats, theta, alpha, intercept, data, to_minimum=False)


def _bounded_loss(
    stats: Moments,
    theta: FloatArray,
    alpha: Any,
    intercept: bool,
    data: tuple[FloatArray, FloatArray] | None,
    to_minimum: bool,
) -> tuple[float, float]:
    """`_loss`, or (inf, inf) where a step of it overflows: θ far from the data's scale
    (e.g. b = 1e100 on y ≈ 1e-140) squares past float64 in the scaled units, and then
    math.fsum raises OverflowError, or ValueError for inf − inf."""
    try:
        with np.errstate(all="ignore"):
            value, error = _loss(stats, theta, alpha, intercept, data, to_minimum)
    except (OverflowError, ValueError):
        return math.inf, math.inf
    if not (math.isfinite(value) and math.isfinite(error)):
        return math.inf, math.inf
    return value, error


def _loss(
    stats: Moments,
    theta: FloatArray,
    alpha: Any,
    intercept: bool,
    data: tuple[FloatArray, FloatArray] | None,
    to_minimum: bool,
) -> tuple[float, float]:
    """E at θ and its error bar; ``to_minimum``: the bar covers E* as well."""
    units = Units.of(stats)
    point = units.to_scaled(theta)
    problem = None if data is None else _scaled_problem(stats, *data, alpha, intercept, units)
    if problem is not None:
        value, error = _loss_dd(*problem.data, *_parts(point, stats.n_features, intercept))
        gap = _gap_from_data(problem, point) if to_minimum else 0.0
    else:
        with np.errstate(all="ignore"):
            scaled, penalty = units.stats(stats), units.penalty(stats.count, alpha)
        w, b = _parts(point, stats.n_features, intercept)
        value, error = _loss_statistics(scaled, w, b)
        gap = _gap_from_statistics(scaled, penalty, intercept, w, b) if to_minimum else 0.0
    penalty = units.penalty(stats.count, alpha)
    w = point[: stats.n_features]
    ridge = float(penalty @ (w * w)) / stats.count
    value += ridge
    error += 4 * UNIT * (value + ridge) + gap
    shown, bar = float(np.ldexp(value, 2 * units.target)), float(np.ldexp(error, 2 * units.target))
    # Rounded to a subnormal (each of the two within half of the smallest one), or, from
    # the statistics, squares underflowed to 0: not exact, as the data's 0 and 0 are.
    if min(abs(shown), bar) < _TINY and (problem is None or value or error):
        bar += _SUBNORMAL
    return shown, bar


def _parts(point: FloatArray, p: int, intercept: bool) -> tuple[FloatArray, float]:
    return point[:p], float(point[p]) if intercept else 0.0


def _gap_from_data(problem: _Scaled, point: FloatArray) -> float:
    """(1/N)‖D⁻¹q‖²/λ_low + (t/N)², q and t (with their error bounds) in double-double."""
    stats = problem.stats
    q, total, slack, total_slack = _correction(
        stats, problem.data, point, problem.penalty, problem.intercept
    )
    centred = float(np.sum(((np.abs(q) + slack) / problem.scale) ** 2)) / problem.lowest
    return (centred / stats.count + ((abs(total) + total_slack) / stats.count) ** 2) * (
        1 + 16 * UNIT
    )


def _gap_from_statistics(
    stats: Moments, penalty: FloatArray, intercept: bool, w: FloatArray, b: float
) -> float:
    """ρ²·p/N + δc², from the error bar of θ̂* on the statistics (`_weights_error`): the
    centred error D(ŵ − w*) within ρ, and the line's error at the centre within δc."""
    system, means = normal_system(stats, penalty, intercept)
    solved = solve_scaled(system) if stats.n_features else (np.zeros(0), np.ones(0), 1.0)
    if solved is None:
        return math.inf
    rho = weights_error(system, w, solved[1], solved[2]) if stats.n_features else 0.0
    slack_x, slack_y = mean_errors(stats, means)
    centre = 0.0
    if intercept:  # |b̂ + x̄·ŵ − ȳ| for the exact means: its computed value, and their errors
        product, error = two_product(stats.mean_x, w)
        miss = abs(math.fsum([b, *product, *error, -stats.mean_y]))
        size = abs(b) + float(np.abs(stats.mean_x) @ np.abs(w)) + abs(stats.mean_y)
        centre = miss + slack_y + float(slack_x @ np.abs(w)) + 2 * UNIT * size
    return (rho * rho * max(stats.n_features, 1) / stats.count + centre * centre) * (1 + 16 * UNIT)


def _loss_dd(X: FloatArray, y: FloatArray, w: FloatArray, b: float) -> tuple[float, float]:
    """(Σr²/N in double-double, a bound on its error) at (w, b)."""
    n = y.shape[0]
    hi, lo = _residual_dd(X, y, w, b)
    size = np.abs(y) + np.abs(X) @ np.abs(w) + abs(b)
    top = float(np.max(np.abs(hi), initial=0.0))
    k = -math.frexp(top)[1] if 0.0 < top < _SMALL_RESIDUAL else 0  # r·2^k exactly, near 1
    hi, lo, size = np.ldexp(hi, k), np.ldexp(lo, k), np.ldexp(size, k)
    square, square_error = two_product(hi, hi)
    value = math.fsum(np.concatenate([square, square_error, 2 * hi * lo, lo * lo])) / n
    slack = 16 * (X.shape[1] + 3) * UNIT * UNIT * float(np.abs(hi) @ size) * 2 / n
    # |r² − r̂²| <= δ(2|r̂| + δ), δ the residual's bound: its δ² where r̂ is (nearly) 0
    slack += float(np.sum((8 * (X.shape[1] + 2) * UNIT * UNIT * size) ** 2)) / n
    value, error = math.ldexp(value, -2 * k), math.ldexp(slack + 4 * UNIT * value, -2 * k)
    if k and min(value, error) < _TINY:  # rounded to a subnormal, or to 0
        error += _SUBNORMAL
    return value, error


def _loss_statistics(stats: Moments, w: FloatArray, b: float) -> tuple[float, float]:
    """(E from the statistics, a bound on its error from their rounding and the arithmetic)."""
    n = stats.count
    loss, _, _ = stats.loss_and_gradient(w, b)
    comoments, means = statistics_rounding(stats)
    spread = math.sqrt(stats.cyy) + float(np.abs(w) @ np.sqrt(np.diag(stats.cxx)))
    arithmetic = stats.cyy + 2 * float(np.abs(w) @ np.abs(stats.cxy))
    arithmetic += float(np.abs(w) @ np.abs(stats.cxx) @ np.abs(w))
    centre = abs(stats.mean_y) + float(np.abs(stats.mean_x) @ np.abs(w)) + abs(b)
    slack_x, slack_y = mean_errors(stats, means)
    shift = slack_y + float(slack_x @ np.abs(w))
    error = comoments * spread * spread / n + 8 * UNIT * (arithmetic / n + centre * centre)
    return loss, error + 2 * centre * shift + shift * shift
