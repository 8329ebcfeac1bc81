r"""The optimum of the data as given, with a sound error bar.

A verdict "converged" compares an iterate with $\theta^*$, the exact least-squares (or
ridge) optimum of the data as they are, each float taken at its exact value. $\theta^*$
is itself only known to float64 accuracy, so this module computes an estimate
$\hat\theta^*$ and a rigorous bound $E \ge \lVert\hat\theta^* - \theta^*\rVert_2$ in the
data's units, by the cheapest route that is precise enough (`ReferenceLadder`):

1. **From the one-pass statistics** (`from_statistics`). The centred normal equations
   $(C_{xx} + N\alpha I)\,w = C_{xy}$ are solved in float64 and refined, and $E$ adds up
   every term a careful error analysis finds: the residual of that solve, the rounding
   of the statistics themselves (`statistics_rounding`), the smallest eigenvalue of the
   scaled normal matrix (bounded from below, never guessed), and the map back to the
   intercept $b = \bar y - \bar x^\top w$, where an offset $\bar x$ amplifies the error.
2. **From the data** (`from_data`). Two steps of iterative refinement whose gradient is
   formed in double-double arithmetic over the data, and the a-posteriori bound
   $\hat\theta^* - \theta^* = H^{-1}\nabla E(\hat\theta^*)$ with a rigorous bound on
   $\lVert H^{-1}\rVert$. This is tight: $E$ is about the true error.
3. **In rational arithmetic** (`exact_reference`), when the data are small enough:
   $\theta^*$ exactly. Only this route may declare the data rank-deficient (a direction
   along which the optimum is not unique); an ill-conditioned problem is never taken
   for a singular one.

A route that cannot bound its error says so with $E = \infty$ and a reason, and the
verdict is then "cannot be certified".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg.doubledouble import residual, two_product, two_sum
from linreg.errors import SingularProblemError
from linreg.exact_solver import exact_sums
from linreg.moments import Moments
from linreg.problem import norm

__all__ = [
    "EXACT_BUDGET",
    "Reference",
    "ReferenceLadder",
    "exact_reference",
    "from_data",
    "from_statistics",
    "minimum_loss",
    "statistics_rounding",
]

FloatArray = npt.NDArray[np.float64]
#: The unit roundoff of float64, u = 2⁻⁵³: |fl(a ∘ b) − a ∘ b| ≤ u|a ∘ b|.
UNIT = 2.0**-53
#: The exact route runs when N·(p + 1)² is at most this (about a second of big-integer sums).
EXACT_BUDGET = 4_000_000


@dataclass(frozen=True)
class Reference:
    r"""An estimate of the optimum and a bound on its error, in the data's units.

    Attributes
    ----------
    point : numpy.ndarray of shape (n_features + 1,)
        $\hat\theta^* = [w; b]$ ($b = 0$ without an intercept): a minimiser.
    error : float
        $E \ge \lVert\hat\theta^* - \theta^*\rVert_2$ (inf when no bound could be found);
        with a null space, the distance of $\hat\theta^*$ from the set of minimisers.
    null : numpy.ndarray of shape (n_features + 1, q)
        Orthonormal directions along which the optimum is not unique (q = 0 unless the
        data are proven rank-deficient).
    zero : bool
        Whether $\theta^* = 0$ exactly (proven), so that only an absolute distance means
        anything.
    source : str
        ``"statistics"``, ``"data"`` or ``"exact"``: which route produced it.
    reason : str
        Why ``error`` is infinite, in words ("" otherwise).
    """

    point: FloatArray
    error: float
    null: FloatArray
    zero: bool
    source: str
    reason: str = ""

    def nearest(self, theta: FloatArray) -> FloatArray:
        """The minimiser nearest to θ: ``point`` moved along ``null``."""
        if not self.null.shape[1]:
            return self.point
        return np.asarray(self.point + self.null @ (self.null.T @ (theta - self.point)))


# --- the rounding of the statistics ----------------------------------------------------------


def statistics_rounding(stats: Moments) -> tuple[float, float]:
    r"""Bounds on the rounding of the statistics: $(\gamma_C, \gamma_m)$.

    $|\Delta C_{jk}| \le \gamma_C\sqrt{C_{jj}C_{kk}}$ for the co-moments (``cxy`` and
    ``cyy`` alike, with y as one more column), and
    $|\Delta\bar x_j| \le \gamma_m(|\bar x_j| + \sqrt{C_{jj}/N})$ for the means: what
    linreg's one pass recorded as it went (`linreg.accumulate.Statistics`), or 0 for
    statistics written by hand, which are taken as exact.
    """
    return float(stats.rounding), float(stats.mean_rounding)


# --- units: powers of two that bring the problem near 1 -------------------------------------


@dataclass(frozen=True)
class _Units:
    """x_j·2^-e_j and y·2^-e_y: exact rescalings (barring underflow) under which every
    product below stays far from overflow. Then w_j = w'_j·2^(e_y − e_j), b = b'·2^e_y."""

    features: npt.NDArray[np.int64]
    target: int

    @classmethod
    def of(cls, stats: Moments) -> _Units:
        spread = np.maximum(np.sqrt(np.diag(stats.cxx)), np.abs(stats.mean_x))
        target = max(math.sqrt(stats.cyy), abs(stats.mean_y))
        return cls(np.frexp(spread)[1].astype(np.int64), int(np.frexp(target)[1]))

    def stats(self, stats: Moments) -> Moments:
        e, f = self.features, self.target
        return replace(
            stats,
            mean_x=np.ldexp(stats.mean_x, -e),
            mean_y=float(np.ldexp(stats.mean_y, -f)),
            cxx=np.ldexp(stats.cxx, -(e[:, None] + e[None, :])),
            cxy=np.ldexp(stats.cxy, -(e + f)),
            cyy=float(np.ldexp(stats.cyy, -2 * f)),
        )

    def penalty(self, count: int, alpha: float) -> FloatArray:
        """N·α in the scaled units: α‖w‖² = 4^e_y·Σ_j α·4^(−e_j)·w'_j², E = 4^e_y·E'."""
        return np.asarray(count * np.ldexp(alpha, -2 * self.features), dtype=np.float64)

    def to_data(self, values: FloatArray) -> FloatArray:
        """[w'; b'] (or their error bounds) back in the data's units."""
        e, f = self.features, self.target
        return np.append(np.ldexp(values[:-1], f - e), np.ldexp(values[-1], f))

    def to_scaled(self, values: FloatArray) -> FloatArray:
        e, f = self.features, self.target
        return np.append(np.ldexp(values[:-1], e - f), np.ldexp(values[-1], -f))


def _exact_scaling(original: Any, scaled: Any) -> bool:
    """Whether rescaling by powers of two lost no bits (nothing became subnormal)."""
    nonzero = np.asarray(original) != 0
    return bool(np.all(np.abs(np.asarray(scaled)[nonzero]) >= 2.0**-1022))


# --- the normal equations of the statistics ------------------------------------------------


@dataclass(frozen=True)
class _System:
    """G w = g with |ΔG_jk| ≤ γ√(G_jj G_kk), |Δg_j| ≤ γ√(G_jj·total): the data's own system."""

    gram: FloatArray
    moment: FloatArray
    total: float
    rounding: float


def _system(stats: Moments, penalty: FloatArray, intercept: bool) -> tuple[_System, float]:
    """The normal equations for w (centred with an intercept, raw without), and γ_m."""
    n = stats.count
    comoments, means = statistics_rounding(stats)
    if intercept:
        gram, moment, total = stats.cxx + np.diag(penalty), stats.cxy, stats.cyy
        rounding = comoments + 2 * UNIT
    else:
        gram = stats.cxx + n * np.outer(stats.mean_x, stats.mean_x) + np.diag(penalty)
        moment = stats.cxy + n * stats.mean_x * stats.mean_y
        total = stats.cyy + n * stats.mean_y**2
        rounding = comoments + 4 * means + 6 * UNIT
    return _System(gram, moment, float(total), rounding), means


def _exact_residual(gram: FloatArray, moment: FloatArray, w: FloatArray) -> FloatArray:
    """g − G w, each entry correctly rounded (products split exactly, then summed by fsum)."""
    product, error = two_product(gram, w[None, :])
    return np.array(
        [math.fsum([moment[j], *(-product[j]), *(-error[j])]) for j in range(w.shape[0])]
    )


def _lowest_eigenvalue(scaled: FloatArray, rounding: float) -> float:
    """A lower bound on λ_min of the exact scaled normal matrix (which has unit diagonal).

    eigvalsh is backward stable: its λ_min is exact for a matrix within about pε‖S‖ of
    the computed one; the computed one is within 2u|S| of D⁻¹ĜD⁻¹, which is within
    ``rounding`` entrywise of the data's own (‖·‖₂ ≤ p times the largest entry).
    """
    p = scaled.shape[0]
    lowest = float(np.linalg.eigvalsh(scaled)[0]) if p else 1.0
    spectral = float(np.abs(scaled).sum(axis=1).max(initial=0.0))  # ≥ ‖S‖₂
    return float(lowest - (16 * p * p + 4) * UNIT * max(spectral, 1.0) - p * rounding)


def _solve_scaled(system: _System) -> tuple[FloatArray, FloatArray, float] | None:
    """(w, D, λ_low): w refined against G exactly, D = √diag G, λ_low ≤ λ_min(D⁻¹GD⁻¹)."""
    diagonal = np.diag(system.gram)
    if not np.all(diagonal > 0):
        return None
    scale = np.sqrt(diagonal)
    scaled = system.gram / np.outer(scale, scale)
    lowest = _lowest_eigenvalue(scaled, system.rounding)
    try:
        factor = np.linalg.cholesky(scaled)
    except np.linalg.LinAlgError:
        return None

    def solve(rhs: FloatArray) -> FloatArray:
        return np.linalg.solve(factor.T, np.linalg.solve(factor, rhs / scale)) / scale

    w = solve(system.moment)
    for _ in range(3):  # refinement with exact residuals: each pass gains about -log10 κε
        correction = solve(_exact_residual(system.gram, system.moment, w))
        w = w + correction
        if not np.any(np.abs(correction) > 4 * UNIT * np.abs(w)):
            break
    return w, scale, lowest


def _weights_error(system: _System, w: FloatArray, scale: FloatArray, lowest: float) -> float:
    r"""ρ ≥ ‖D(ŵ − w*)‖₂ from $G(\hat w - w^*) = -\hat r - \Delta G\,\hat w + \Delta g$."""
    if not lowest > 0:
        return math.inf
    p = w.shape[0]
    residual = _exact_residual(system.gram, system.moment, w)
    size = (
        float(np.linalg.norm(residual / scale)) * (1 + 4 * p * UNIT)
        + math.sqrt(p) * system.rounding * float(np.abs(scale * w).sum())
        + math.sqrt(p) * system.rounding * math.sqrt(max(system.total, 0.0))
    )
    return float(size / lowest * (1 + 8 * p * UNIT))


def _intercept(stats: Moments, w: FloatArray) -> float:
    """b = ȳ − x̄·w, correctly rounded."""
    product, error = two_product(stats.mean_x, w)
    return math.fsum([stats.mean_y, *(-product), *(-error)])


def _mean_errors(stats: Moments, means: float) -> tuple[FloatArray, float]:
    """Bounds on |Δx̄| and |Δȳ| (see `statistics_rounding`)."""
    n = stats.count
    return (
        means * (np.abs(stats.mean_x) + np.sqrt(np.diag(stats.cxx) / n)),
        means * (abs(stats.mean_y) + math.sqrt(stats.cyy / n)),
    )


def _intercept_error(
    stats: Moments, w: FloatArray, b: float, scale: FloatArray, rho: float, means: float
) -> float:
    r"""|b̂ − b*| ≤ u|b̂| + |Δȳ| + Σ|Δx̄ⱼ||ŵⱼ| + ‖(|x̄| + |Δx̄|)/D‖·ρ (Cauchy–Schwarz)."""
    slack_x, slack_y = _mean_errors(stats, means)
    reach = float(np.linalg.norm((np.abs(stats.mean_x) + slack_x) / scale))
    total = UNIT * abs(b) + slack_y + float(slack_x @ np.abs(w)) + reach * rho
    return total * (1 + 8 * UNIT * (stats.n_features + 2))


def from_statistics(stats: Moments, alpha: float, intercept: bool) -> Reference:
    r"""The optimum from the one-pass statistics, with an a-priori error bound.

    Columns whose spread is exactly zero are constant (linreg's pass makes a spread of 0
    only from equal values): with an intercept, their weights are not determined, and the
    optimum is the affine set reached by moving such a weight and the intercept together
    (`Reference.null`). Any other problem is solved as if full rank, and a bound that
    cannot be found (an ill-conditioned or singular scaled normal matrix) is infinite.
    """
    fixed = _constant_columns(stats, alpha, intercept)
    units = _Units.of(stats)
    with np.errstate(all="ignore"):
        scaled = units.stats(stats)
        penalty = units.penalty(stats.count, alpha)
    if not (_exact_scaling(stats.cxx, scaled.cxx) and np.all(np.isfinite(penalty))):
        return _unbounded(stats, intercept, "the statistics cannot be rescaled exactly")
    found = _scaled_optimum(scaled, penalty, fixed, intercept)
    if found is None:
        return _unbounded(stats, intercept, _ILL_CONDITIONED)
    point, errors = found
    error = norm(units.to_data(errors)) * (1 + 4 * UNIT * stats.n_features)
    zero = stats.cyy == 0.0 and stats.mean_y == 0.0
    return Reference(units.to_data(point), 0.0 if zero else error,
                     _null(stats, fixed, intercept), zero, "statistics",
                     "" if zero or math.isfinite(error) else _ILL_CONDITIONED)  # fmt: skip


def _scaled_optimum(
    stats: Moments, penalty: FloatArray, fixed: Any, intercept: bool
) -> tuple[FloatArray, FloatArray] | None:
    """(θ̂*, per-component error bounds) in the scaled units, or None when unsolvable."""
    kept = np.flatnonzero(~fixed)
    reduced = _select(stats, kept)
    system, means = _system(reduced, penalty[kept], intercept)
    solved = _solve_scaled(system) if kept.size else (np.zeros(0), np.ones(0), 1.0)
    if solved is None:
        return None
    w_kept, scale, lowest = solved
    rho = _weights_error(system, w_kept, scale, lowest)
    w, errors = np.zeros(stats.n_features), np.zeros(stats.n_features + 1)
    w[kept], errors[kept] = w_kept, rho / scale
    b = _intercept(reduced, w_kept) if intercept else 0.0
    if intercept:
        errors[-1] = _intercept_error(reduced, w_kept, b, scale, rho, means)
    return np.append(w, b), errors


_ILL_CONDITIONED = (
    "the scaled normal matrix is too ill-conditioned for the rounding of the statistics: "
    "its smallest eigenvalue cannot be bounded away from 0 (it may be singular; only exact "
    "arithmetic on the data can tell)"
)


def _constant_columns(stats: Moments, alpha: float, intercept: bool) -> npt.NDArray[np.bool_]:
    """Columns whose weight is not determined: zero spread (with an intercept) or all zero."""
    spread = np.diag(stats.cxx)
    if alpha > 0:
        return np.zeros(stats.n_features, dtype=bool)
    if intercept:
        return np.asarray(spread == 0.0)
    return np.asarray((spread == 0.0) & (stats.mean_x == 0.0))


def _select(stats: Moments, kept: Any) -> Moments:
    return replace(
        stats, mean_x=stats.mean_x[kept], cxx=stats.cxx[np.ix_(kept, kept)], cxy=stats.cxy[kept]
    )


def _null(stats: Moments, fixed: Any, intercept: bool) -> FloatArray:
    """Orthonormal directions [w; b] that leave every prediction unchanged."""
    p = stats.n_features
    columns = []
    for j in np.flatnonzero(fixed):
        direction = np.zeros(p + 1)
        direction[j] = 1.0
        if intercept:
            direction[p] = -stats.mean_x[j]  # w_j x_j + b is constant along it
        columns.append(direction)
    if not columns:
        return np.zeros((p + 1, 0))
    q, _ = np.linalg.qr(np.column_stack(columns))
    return np.asarray(q)


def _unbounded(stats: Moments, intercept: bool, reason: str) -> Reference:
    point = np.zeros(stats.n_features + 1)
    if intercept:
        point[-1] = stats.mean_y
    return Reference(point, math.inf, np.zeros((stats.n_features + 1, 0)), False,
                     "statistics", reason)  # fmt: skip


# --- from the data: double-double gradients -------------------------------------------------


def _residual_dd(X: FloatArray, y: FloatArray, w: FloatArray, b: float) -> tuple[Any, Any]:
    """r = y − Xw − b as a double-double pair (`linreg.doubledouble.residual`): within
    8(p+2)u²·(|y| + |X||w| + |b|) of exact."""
    return residual(X, None, (y, None), w, b)


def _cascade(hi: FloatArray, lo: FloatArray) -> FloatArray:
    """Column sums of hi + lo (shape (n, k)) in double-double, by a pairwise tree of
    error-free additions: each sum is within (log₂n + 2)·u²·Σ|terms| + u|sum| of exact."""
    while hi.shape[0] > 1:
        if hi.shape[0] % 2:
            hi = np.vstack([hi, np.zeros((1, hi.shape[1]))])
            lo = np.vstack([lo, np.zeros((1, lo.shape[1]))])
        total, error = two_sum(hi[0::2], hi[1::2])
        hi, lo = total, lo[0::2] + lo[1::2] + error
    return np.asarray(hi[0] + lo[0])


def _sums_dd(X: FloatArray, r: tuple[Any, Any]) -> tuple[FloatArray, float]:
    """(Xᵀr, Σr) in double-double (`_cascade`): products split exactly, then summed."""
    hi, lo = r
    product, error = two_product(X, hi[:, None])
    sums = _cascade(np.column_stack([product, hi]), np.column_stack([error + X * lo[:, None], lo]))
    return sums[:-1], float(sums[-1])


def _gradient_slack(
    X: FloatArray, y: FloatArray, w: FloatArray, b: float, sums: FloatArray, total: float
) -> tuple[FloatArray, float]:
    """Bounds on the errors of `_sums_dd` at (w, b): a few u² of Σ|x|(|y| + |X||w| + |b|)."""
    p, n = X.shape[1], X.shape[0]
    size = np.abs(y) + np.abs(X) @ np.abs(w) + abs(b)
    # the residual's own error (8(p+2)u² of size), then the tree's (log₂n + 4)u² per term
    factor = (16 * (p + 3) + 2 * math.log2(max(n, 2)) + 8) * UNIT * UNIT * (1 + 2 * n * UNIT)
    slack = factor * (np.abs(X).T @ size) + 2 * UNIT * np.abs(sums)
    return slack, factor * float(size.sum()) + 2 * UNIT * abs(total)


def _correction(
    stats: Moments, data: tuple[FloatArray, FloatArray], point: FloatArray, penalty: FloatArray,
    intercept: bool,
) -> tuple[FloatArray, float, FloatArray, float]:  # fmt: skip
    r"""q, t and the bounds on their errors, from the double-double gradient at θ̂.

    With s = Xᵀr and t = Σr at θ̂: $G e_w = -q$, $q = s - \bar x t - P\hat w$ (P the penalty,
    $\bar x t$ only with an intercept), and $e_b = -t/N - \bar x^\top e_w$.
    """
    X, y = data
    p = stats.n_features
    w, b = point[:p], float(point[p]) if intercept else 0.0
    sums, total = _sums_dd(X, _residual_dd(X, y, w, b))
    slack, total_slack = _gradient_slack(X, y, w, b, sums, total)
    q = sums - penalty * w - (stats.mean_x * total if intercept else 0.0)
    if intercept:
        mean_error = _mean_errors(stats, statistics_rounding(stats)[1])[0]
        slack = slack + (np.abs(stats.mean_x) + mean_error) * total_slack + mean_error * abs(total)
    slack = slack + 2 * UNIT * (np.abs(sums) + penalty * np.abs(w) + np.abs(q))
    return q, total if intercept else 0.0, slack, total_slack


@dataclass(frozen=True)
class _Scaled:
    """A scaled problem, and the bound on its normal matrix: what each posterior reuses."""

    stats: Moments
    data: tuple[FloatArray, FloatArray]
    penalty: FloatArray
    intercept: bool
    system: _System
    means: float
    scale: FloatArray
    lowest: float


def _posterior(problem: _Scaled, point: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(per-component bounds on |θ̂ − θ*|, the estimate e of θ̂ − θ*), scaled units."""
    stats, scale, lowest = problem.stats, problem.scale, problem.lowest
    p, n = stats.n_features, stats.count
    q, total, slack, total_slack = _correction(
        stats, problem.data, point, problem.penalty, problem.intercept
    )
    e_w = -np.linalg.solve(problem.system.gram, q) if p else np.zeros(0)
    rho = float(np.linalg.norm((np.abs(q) + slack) / scale)) / lowest * (1 + 8 * (p + 1) * UNIT)
    if not problem.intercept:
        return np.append(rho / scale, 0.0), np.append(e_w, 0.0)
    mean_error = _mean_errors(stats, problem.means)[0]
    reach = float(np.linalg.norm((np.abs(stats.mean_x) + mean_error) / scale))
    e_b = -total / n - float(stats.mean_x @ e_w)
    bound_b = (abs(total) + total_slack) / n * (1 + 2 * UNIT) + reach * rho
    return np.append(rho / scale, bound_b) * (1 + 4 * UNIT), np.append(e_w, e_b)


def _scaled_problem(
    stats: Moments, X: FloatArray, y: FloatArray, alpha: float, intercept: bool, units: _Units
) -> _Scaled | None:
    """The problem in power-of-two units, or None when that loses bits or is unbounded."""
    with np.errstate(all="ignore"):
        scaled = units.stats(stats)
        data = (np.ldexp(X, -units.features), np.ldexp(y, -units.target))
        penalty = units.penalty(stats.count, alpha)
    if not (_exact_scaling(X, data[0]) and _exact_scaling(y, data[1])):
        return None
    system, means = _system(scaled, penalty, intercept)
    p = stats.n_features
    solved = _solve_scaled(system) if p else (np.zeros(0), np.ones(0), 1.0)
    if solved is None or not solved[2] > 0:
        return None
    return _Scaled(scaled, data, penalty, intercept, system, means, solved[1], solved[2])


def from_data(
    stats: Moments, X: FloatArray, y: FloatArray, start: Reference, alpha: float, intercept: bool
) -> Reference:
    r"""Refine ``start`` against the data, with an a-posteriori bound (see the module docs).

    One refinement step $\hat\theta \leftarrow \hat\theta - e$, e from the gradient formed
    in double-double, then the bound at the new point (two passes over the data). Needs a
    full-rank problem whose scaled normal matrix the statistics bound away from singular;
    otherwise ``start`` is returned unchanged.
    """
    if start.null.shape[1] or start.zero:
        return start
    units = _Units.of(stats)
    problem = _scaled_problem(stats, X, y, alpha, intercept, units)
    if problem is None:
        return start
    point = units.to_scaled(start.point)
    bounds, correction = _posterior(problem, point)
    moved = point - correction
    second = _posterior(problem, moved)
    if norm(second[0]) < norm(bounds):
        point, bounds = moved, second[0]
    error = norm(units.to_data(bounds))
    if not error < start.error:
        return start
    return Reference(units.to_data(point), error, start.null, False, "data")


# --- the minimum of the loss ----------------------------------------------------------------


def minimum_loss(
    stats: Moments,
    reference: Reference,
    alpha: float,
    intercept: bool,
    data: tuple[FloatArray, FloatArray] | None = None,
) -> tuple[float, float]:
    r"""$E^* = E(\theta^*)$, and a bound on the error of that value.

    $E(\hat\theta^*)$ is formed in double-double from the data when they are at hand
    (from the statistics otherwise, with their rounding), and the gap
    $E(\hat\theta^*) - E^* = \tfrac12 g^\top H^{-1} g$ is bounded in the centred form
    $\tfrac1N q^\top C_\alpha^{-1} q + (t/N)^2$: from the gradient's sums $q, t$ in
    double-double with data, and from the error bar of $\hat\theta^*$ without.
    """
    units = _Units.of(stats)
    point = units.to_scaled(reference.point)
    problem = None if data is None else _scaled_problem(stats, *data, alpha, intercept, units)
    if problem is not None:
        value, error = _loss_dd(*problem.data, *_parts(point, stats.n_features, intercept))
        gap = _gap_from_data(problem, point)
    else:
        with np.errstate(all="ignore"):
            scaled, penalty = units.stats(stats), units.penalty(stats.count, alpha)
        w, b = _parts(point, stats.n_features, intercept)
        value, error = _loss_statistics(scaled, w, b)
        gap = _gap_from_statistics(scaled, penalty, intercept, w, b)
    penalty = units.penalty(stats.count, alpha)
    w = point[: stats.n_features]
    ridge = float(penalty @ (w * w)) / stats.count
    value += ridge
    error += 4 * UNIT * (value + ridge) + gap
    return float(np.ldexp(value, 2 * units.target)), float(np.ldexp(error, 2 * units.target))


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
    system, means = _system(stats, penalty, intercept)
    solved = _solve_scaled(system) if stats.n_features else (np.zeros(0), np.ones(0), 1.0)
    if solved is None:
        return math.inf
    rho = _weights_error(system, w, solved[1], solved[2]) if stats.n_features else 0.0
    slack_x, slack_y = _mean_errors(stats, means)
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
    square, square_error = two_product(hi, hi)
    value = math.fsum(np.concatenate([square, square_error, 2 * hi * lo, lo * lo])) / n
    size = np.abs(y) + np.abs(X) @ np.abs(w) + abs(b)
    slack = 16 * (X.shape[1] + 3) * UNIT * UNIT * float(np.abs(hi) @ size) * 2 / n
    return value, slack + 4 * UNIT * value


def _loss_statistics(stats: Moments, w: FloatArray, b: float) -> tuple[float, float]:
    """(E from the statistics, a bound on its error from their rounding and the arithmetic)."""
    n = stats.count
    loss, _, _ = stats.loss_and_gradient(w, b)
    comoments, means = statistics_rounding(stats)
    spread = math.sqrt(stats.cyy) + float(np.abs(w) @ np.sqrt(np.diag(stats.cxx)))
    arithmetic = stats.cyy + 2 * float(np.abs(w) @ np.abs(stats.cxy))
    arithmetic += float(np.abs(w) @ np.abs(stats.cxx) @ np.abs(w))
    centre = abs(stats.mean_y) + float(np.abs(stats.mean_x) @ np.abs(w)) + abs(b)
    slack_x, slack_y = _mean_errors(stats, means)
    shift = slack_y + float(slack_x @ np.abs(w))
    error = comoments * spread * spread / n + 8 * UNIT * (arithmetic / n + centre * centre)
    return loss, error + 2 * centre * shift + shift * shift


# --- exact -----------------------------------------------------------------------------------


def exact_reference(X: FloatArray, y: FloatArray, alpha: float, intercept: bool) -> Reference:
    r"""θ* in rational arithmetic: exact sums $Z^\top Z$, $Z^\top y$, then Gauss–Jordan.

    A singular normal matrix here is proof of rank deficiency: the optimum is then an
    affine set, returned as one of its points and the set's directions (``null``).
    """
    p = X.shape[1]
    columns = [np.ascontiguousarray(X[:, j]) for j in range(p)]
    gram, moment, _, _ = exact_sums(columns, np.ascontiguousarray(y), intercept)
    for j in range(p):
        gram[j][j] += X.shape[0] * Fraction(alpha)
    solution, null = _rational_solve(gram, moment)
    if not intercept:
        solution.append(Fraction(0))
        null = [[*v, Fraction(0)] for v in null]
    point = np.array([float(v) for v in solution])
    zero = all(v == 0 for v in solution) and not null
    # float() rounds each entry to nearest: at most u|θ*ⱼ| each.
    error = UNIT * float(np.linalg.norm(point))
    basis = np.linalg.qr(np.array([[float(v) for v in vec] for vec in null]).T)[0] if null else (
        np.zeros((p + 1, 0)))  # fmt: skip
    return Reference(point, error, np.asarray(basis), zero, "exact")


def _rational_solve(
    gram: list[list[Fraction]], moment: list[Fraction]
) -> tuple[list[Fraction], list[list[Fraction]]]:
    """A solution of G θ = g (free variables 0) and a basis of G's null space, exactly."""
    k = len(gram)
    rows = [[*gram[a][:], moment[a]] for a in range(k)]
    pivots: list[int] = []
    for col in range(k):
        lead = next((r for r in range(len(pivots), k) if rows[r][col] != 0), None)
        if lead is None:
            continue
        top = len(pivots)
        rows[top], rows[lead] = rows[lead], rows[top]
        rows[top] = [v / rows[top][col] for v in rows[top]]
        for r in range(k):
            if r != top and rows[r][col] != 0:
                factor = rows[r][col]
                rows[r] = [v - factor * u for v, u in zip(rows[r], rows[top])]
        pivots.append(col)
    solution = [Fraction(0)] * k
    for r, col in enumerate(pivots):
        solution[col] = rows[r][k]
    null = []
    for free in (c for c in range(k) if c not in pivots):
        vector = [Fraction(0)] * k
        vector[free] = Fraction(1)
        for r, col in enumerate(pivots):
            vector[col] = -rows[r][free]
        null.append(vector)
    return solution, null


# --- the ladder ------------------------------------------------------------------------------


class ReferenceLadder:
    """The routes above, climbed one rung at a time only when a verdict needs it.

    ``current`` starts from the statistics; `climb` moves to the data's a-posteriori
    bound, then to the exact optimum, where the data are at hand (and small enough for
    the exact route), and returns whether anything changed.
    """

    def __init__(
        self,
        stats: Moments,
        alpha: float,
        intercept: bool,
        data: tuple[FloatArray, FloatArray] | None = None,
    ) -> None:
        self.stats, self.alpha, self.intercept, self.data = stats, alpha, intercept, data
        self.current = from_statistics(stats, alpha, intercept)
        self.floor = self.current  # what descent on the statistics itself can resolve
        self._rungs = ["data", "exact"] if data is not None else []

    def __getstate__(self) -> dict[str, Any]:
        # A pickled result keeps its reference, not a copy of the data it was refined on.
        return {**self.__dict__, "data": None, "_rungs": []}

    def climb(self) -> bool:
        """Try the next, more precise route; True when the reference improved."""
        while self._rungs:
            rung = self._rungs.pop(0)
            better = self._run(rung)
            if better is not None and (better.error < self.current.error or better.null.shape[1]
                                       or better.zero):  # fmt: skip
                self.current = better
                return True
        return False

    def _run(self, rung: str) -> Reference | None:
        assert self.data is not None
        X, y = self.data
        if rung == "data":
            return from_data(self.stats, X, y, self.current, self.alpha, self.intercept)
        if X.shape[0] * (X.shape[1] + 1) ** 2 > EXACT_BUDGET:
            return None
        try:
            return exact_reference(X, y, self.alpha, self.intercept)
        except (SingularProblemError, OverflowError, ZeroDivisionError):
            return None
