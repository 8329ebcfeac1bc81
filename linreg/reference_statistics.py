r"""The optimum from the one-pass statistics, with an a-priori bound on its error.

The centred normal equations $(C_{xx} + N\alpha I)\,w = C_{xy}$ are solved in float64
and refined against the statistics exactly, and the error bound adds up every term a
careful analysis finds: the residual of that solve, the rounding of the statistics
themselves (`statistics_rounding`), a lower bound on the smallest eigenvalue of the
scaled normal matrix, and the map back to the intercept $b = \bar y - \bar x^\top w$,
where an offset $\bar x$ amplifies the error (Cauchy–Schwarz). Everything is computed in
units scaled by powers of two (`Units`), so no scale overflows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg import moments
from linreg.blas import eigh, norm
from linreg.centring import intercept_from
from linreg.doubledouble import two_product
from linreg.moments import Moments
from linreg.reference import UNIT, Reference

__all__ = [
    "Prepared",
    "System",
    "Units",
    "exact_residual",
    "exact_scaling",
    "from_statistics",
    "mean_errors",
    "norm_bound",
    "normal_system",
    "prepare",
    "solve_scaled",
    "statistics_rounding",
    "weights_error",
]

FloatArray = npt.NDArray[np.float64]


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


#: Sizes within 2^±100 need no rescaling: products of a few of them stay far inside
#: float64's range (2^±1022).
_PLAIN = 100


@dataclass(frozen=True)
class Units:
    """x_j·2^-e_j and y·2^-e_y: exact rescalings (barring underflow) under which every
    product below stays far from overflow. Then w_j = w'_j·2^(e_y − e_j), b = b'·2^e_y."""

    features: npt.NDArray[np.int64]
    target: int

    @classmethod
    def of(cls, stats: Moments) -> Units:
        """The exponents of each column's and y's size; all 0 (no rescaling, no copies)
        when every size is within 2^±100, far from overflow and underflow."""
        if stats.cxx.shape == (1, 1) and moments.ONE_FEATURE_FLOATS and stats.cxx[0, 0] >= 0:
            # one feature, in floats: all 0 when both sizes are plain (else numpy's lines)
            c, m = math.sqrt(float(stats.cxx[0, 0])), abs(float(stats.mean_x[0]))
            both = (c if c > m else m, max(math.sqrt(stats.cyy), abs(stats.mean_y)))
            if all(size == 0 or 2.0**-_PLAIN < size < 2.0**_PLAIN for size in both):
                return cls(np.zeros(1, dtype=np.int64), 0)
        spread = np.maximum(np.sqrt(stats.cxx.diagonal()), np.abs(stats.mean_x))
        target = max(math.sqrt(stats.cyy), abs(stats.mean_y))
        sizes = np.concatenate((spread, [target]))
        low, high = 2.0**-_PLAIN, 2.0**_PLAIN
        if bool(((sizes == 0) | ((sizes > low) & (sizes < high))).all()):
            return cls(np.zeros(spread.shape[0], dtype=np.int64), 0)
        return cls(np.frexp(spread)[1].astype(np.int64), int(np.frexp(target)[1]))

    @property
    def identity(self) -> bool:
        """Whether no rescaling is needed."""
        return not (self.target or self.features.any())

    def stats(self, stats: Moments) -> Moments:
        if self.identity:
            return stats
        e, f = self.features, self.target
        return replace(
            stats,
            mean_x=np.ldexp(stats.mean_x, -e),
            mean_y=float(np.ldexp(stats.mean_y, -f)),
            cxx=np.ldexp(stats.cxx, -(e[:, None] + e[None, :])),
            cxy=np.ldexp(stats.cxy, -(e + f)),
            cyy=float(np.ldexp(stats.cyy, -2 * f)),
        )

    def penalty(self, count: int, alpha: Any) -> FloatArray:
        """N·α in the scaled units: α‖w‖² = 4^e_y·Σ_j α·4^(−e_j)·w'_j², E = 4^e_y·E'."""
        return np.asarray(count * np.ldexp(alpha, -2 * self.features), dtype=np.float64)

    def to_data(self, values: FloatArray) -> FloatArray:
        """[w'; b'] (or their error bounds) back in the data's units."""
        if self.identity:
            return values
        e, f = self.features, self.target
        return np.append(np.ldexp(values[:-1], f - e), np.ldexp(values[-1], f))

    def to_scaled(self, values: FloatArray) -> FloatArray:
        if self.identity:
            return values
        e, f = self.features, self.target
        return np.append(np.ldexp(values[:-1], e - f), np.ldexp(values[-1], -f))


def exact_scaling(original: Any, scaled: Any) -> bool:
    """Whether rescaling by powers of two lost no bits (nothing became subnormal)."""
    one = type(original) is np.ndarray and type(scaled) is np.ndarray
    if one and original.shape == scaled.shape == (1, 1):  # one entry: the test on a float
        return abs(float(scaled[0, 0])) >= 2.0**-1022 or float(original[0, 0]) == 0
    kept = (np.abs(np.asarray(scaled)) >= 2.0**-1022) | (np.asarray(original) == 0)
    return bool(kept.all())  # every nonzero entry is still normal


# --- the normal equations of the statistics ------------------------------------------------


@dataclass(frozen=True)
class System:
    """G w = g with |ΔG_jk| ≤ γ√(G_jj G_kk), |Δg_j| ≤ γ√(G_jj·total): the data's own system."""

    gram: FloatArray
    moment: FloatArray
    total: float
    rounding: float


def normal_system(stats: Moments, penalty: FloatArray, intercept: bool) -> tuple[System, float]:
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
    return System(gram, moment, float(total), rounding), means


def exact_residual(gram: FloatArray, moment: FloatArray, w: FloatArray) -> FloatArray:
    """g − G w, each entry correctly rounded (products split exactly, then summed by fsum)."""
    if gram.shape == (1, 1):  # one entry: the same operations on floats, without numpy's calls
        return np.array([_residual(float(gram[0, 0]), float(moment[0]), float(w[0]))])
    product, error = two_product(gram, w[None, :])
    terms = np.concatenate([moment[:, None], -product, -error], axis=1).tolist()
    return np.array([math.fsum(row) for row in terms])


def _lowest_eigenvalue(scaled: FloatArray, values: FloatArray, rounding: float) -> float:
    """A lower bound on λ_min of the exact scaled normal matrix (which has unit diagonal).

    eigvalsh is backward stable: its λ_min is exact for a matrix within about pε‖S‖ of
    the computed one; the computed one is within 2u|S| of D⁻¹ĜD⁻¹, which is within
    ``rounding`` entrywise of the data's own (‖·‖₂ ≤ p times the largest entry).
    """
    p = scaled.shape[0]
    lowest = float(values[0]) if p else 1.0
    if p == 1:  # one entry: its size, as the sum below would give it
        spectral = abs(float(scaled[0, 0]))
    else:
        spectral = float(np.abs(scaled).sum(axis=1).max(initial=0.0))  # ≥ ‖S‖₂
    return float(lowest - (16 * p * p + 4) * UNIT * max(spectral, 1.0) - p * rounding)


def solve_scaled(system: System) -> tuple[FloatArray, FloatArray, float] | None:
    """(w, D, λ_low): w refined against G exactly, D = √diag G, λ_low ≤ λ_min(D⁻¹GD⁻¹)."""
    if system.gram.shape == (1, 1) and moments.ONE_FEATURE_FLOATS:
        gram = float(system.gram[0, 0])
        if 2.0**-400 < gram < 2.0**400:  # one weight on floats: no flag can rise
            return _solve_one(gram, float(system.moment[0]), system.rounding)
    diagonal = system.gram.diagonal()
    if not (diagonal > 0).all():
        return None
    scale = np.sqrt(diagonal)
    scaled = system.gram / (scale[:, None] * scale)
    values, vectors = eigh(scaled)  # the bound on λ_min, and the solves
    lowest = _lowest_eigenvalue(scaled, values, system.rounding)
    if not values[0] > 0:
        return None
    if scaled.shape == (1, 1) and moments.ONE_FEATURE_FLOATS:  # one weight: on floats
        one = _Floats(float(scale[0]), float(values[0]), float(system.gram[0, 0]))
        return np.array([_refined(one, float(system.moment[0]))]), scale, lowest

    return _refined(_Arrays(vectors, values, scale, system.gram), system.moment), scale, lowest


def _solve_one(gram: float, moment: float, rounding: float) -> tuple[FloatArray, FloatArray, float]:
    """`solve_scaled` of a 1×1 G in (2^-400, 2^400), each number as its lines form it:
    the eigenvalue of the scaled G is its one entry (`linreg.blas.eigh`), and
    `_lowest_eigenvalue`'s sum of one row is that entry's size."""
    scale = math.sqrt(gram)
    value = gram / (scale * scale)
    lowest = value - (16 + 4) * UNIT * max(abs(value), 1.0) - rounding
    one = _Floats(scale, value, gram)
    return np.array([_refined(one, moment)]), np.array([scale]), float(lowest)


def _refined(system: Any, moment: Any) -> Any:
    """w = G⁻¹g, refined with exact residuals: each pass gains about -log10 κε."""
    w = system.solve(moment)
    for _ in range(3):
        correction = system.solve(system.residual(w, moment))
        w = w + correction
        if not system.moved(correction, w):
            break
    return w


@dataclass(frozen=True)
class _Arrays:
    """`_refined`'s steps on arrays: solves by the eigen-decomposition of the scaled G."""

    vectors: FloatArray
    values: FloatArray
    scale: FloatArray
    gram: FloatArray

    def solve(self, rhs: FloatArray) -> FloatArray:
        vectors, scale = self.vectors, self.scale
        return np.asarray(vectors @ ((vectors.T @ (rhs / scale)) / self.values) / scale)

    def residual(self, w: FloatArray, moment: FloatArray) -> FloatArray:
        return exact_residual(self.gram, moment, w)

    def moved(self, correction: FloatArray, w: FloatArray) -> bool:
        return bool((np.abs(correction) > 4 * UNIT * np.abs(w)).any())


@dataclass(frozen=True)
class _Floats:
    """The same steps for one weight on Python floats, bit for bit: its eigenvector is
    [[1.0]] (`linreg.blas.eigh`), and a product by it is numpy's 0 + x (−0 becomes +0)."""

    scale: float
    value: float
    gram: float

    def solve(self, rhs: float) -> float:
        return (0.0 + (0.0 + rhs / self.scale) / self.value) / self.scale

    def residual(self, w: float, moment: float) -> float:
        return _residual(self.gram, moment, w)

    def moved(self, correction: float, w: float) -> bool:
        return abs(correction) > 4 * UNIT * abs(w)


def _residual(gram: float, moment: float, w: float) -> float:
    """g − G·w for one entry, correctly rounded (`exact_residual`)."""
    high, low = two_product(gram, w)
    return math.fsum((moment, -high, -low))


def weights_error(system: System, w: FloatArray, scale: FloatArray, lowest: float) -> float:
    r"""ρ ≥ ‖D(ŵ − w*)‖₂ from $G(\hat w - w^*) = -\hat r - \Delta G\,\hat w + \Delta g$."""
    if not lowest > 0:
        return math.inf
    p = w.shape[0]
    residual = exact_residual(system.gram, system.moment, w)
    size = (
        norm(residual / scale) * (1 + 4 * p * UNIT)
        + math.sqrt(p) * system.rounding * float(np.abs(scale * w).sum())
        + math.sqrt(p) * system.rounding * math.sqrt(max(system.total, 0.0))
    )
    return float(size / lowest * (1 + 8 * p * UNIT))


def _intercept(stats: Moments, w: FloatArray) -> float:
    """b = ȳ − x̄·w, correctly rounded (`linreg.centring.intercept_from`)."""
    return intercept_from([stats.mean_y], stats.mean_x, w)


def mean_errors(stats: Moments, means: float) -> tuple[FloatArray, float]:
    """Bounds on |Δx̄| and |Δȳ| (see `statistics_rounding`)."""
    n = stats.count
    return (
        means * (np.abs(stats.mean_x) + np.sqrt(stats.cxx.diagonal() / n)),
        means * (abs(stats.mean_y) + math.sqrt(stats.cyy / n)),
    )


def _intercept_error(
    stats: Moments, w: FloatArray, b: float, scale: FloatArray, rho: float, means: float
) -> float:
    r"""|b̂ − b*| ≤ u|b̂| + |Δȳ| + Σ|Δx̄ⱼ||ŵⱼ| + ‖(|x̄| + |Δx̄|)/D‖·ρ (Cauchy–Schwarz)."""
    slack_x, slack_y = mean_errors(stats, means)
    reach = float(norm((np.abs(stats.mean_x) + slack_x) / scale))
    total = UNIT * abs(b) + slack_y + float(slack_x @ np.abs(w)) + reach * rho
    return total * (1 + 8 * UNIT * (stats.n_features + 2))


@dataclass(frozen=True)
class Prepared:
    """The problem in power-of-two units with its normal system solved: computed once and
    shared by both routes (`from_statistics`, `linreg.reference_data.from_data`).

    ``exact`` is False when the rescaling would lose bits (then nothing is solved);
    ``kept`` are the features whose weights are determined (``fixed`` the others), and
    ``reduced`` the scaled statistics of those alone.
    """

    units: Units
    penalty: FloatArray
    fixed: npt.NDArray[np.bool_]
    exact: bool
    kept: npt.NDArray[np.intp]
    reduced: Moments
    system: System | None
    means: float
    solved: tuple[FloatArray, FloatArray, float] | None


def prepare(stats: Moments, alpha: Any, intercept: bool) -> Prepared:
    """Scale the statistics, drop the constant columns, form and solve the normal system."""
    fixed = _constant_columns(stats, alpha, intercept)
    units = Units.of(stats)
    with np.errstate(all="ignore"):
        scaled = units.stats(stats)
        penalty = units.penalty(stats.count, alpha)
    kept = np.flatnonzero(~fixed)
    exact = exact_scaling(stats.cxx, scaled.cxx)
    if not (exact and np.isfinite(penalty).all()):
        return Prepared(units, penalty, fixed, False, kept, scaled, None, 0.0, None)
    reduced = _select(scaled, kept)
    system, means = normal_system(reduced, penalty[kept], intercept)
    solved = solve_scaled(system) if kept.size else (np.zeros(0), np.ones(0), 1.0)
    return Prepared(units, penalty, fixed, True, kept, reduced, system, means, solved)


def from_statistics(
    stats: Moments, alpha: Any, intercept: bool, prepared: Prepared | None = None
) -> Reference:
    r"""The optimum from the one-pass statistics, with an a-priori error bound.

    ``alpha`` is the ridge strength: one number, or one per feature; ``prepared`` is
    `prepare`'s result for the same arguments, when already at hand.

    Columns whose spread is exactly zero are constant (linreg's pass makes a spread of 0
    only from equal values): with an intercept, their weights are not determined, and the
    optimum is the affine set reached by moving such a weight and the intercept together
    (`Reference.null`). Any other problem is solved as if full rank, and a bound that
    cannot be found (an ill-conditioned or singular scaled normal matrix) is infinite.
    """
    prepared = prepared or prepare(stats, alpha, intercept)
    if not prepared.exact:
        return _unbounded(stats, intercept, "the statistics cannot be rescaled exactly")
    found = _scaled_optimum(prepared, stats.n_features, intercept)
    if found is None:
        return _unbounded(stats, intercept, _ILL_CONDITIONED)
    point, errors = found
    units = prepared.units
    error = norm_bound(units.to_data(errors)) * (1 + 4 * UNIT * stats.n_features)
    zero = stats.cyy == 0.0 and stats.mean_y == 0.0
    return Reference(units.to_data(point), 0.0 if zero else error,
                     _null(stats, prepared.fixed, intercept), zero, "statistics",
                     "" if zero or math.isfinite(error) else _ILL_CONDITIONED)  # fmt: skip


def norm_bound(bounds: FloatArray) -> float:
    """‖θ̂ − θ*‖ from per-component bounds in the data's units, [weights..., intercept],
    as both routes make them (`_scaled_optimum`, `linreg.reference_data`): each weight's
    bound is ρ ≥ ‖D e‖ times its own factor c_j, and ‖(c_j (D e)_j)‖ ≤ max c_j · ρ, so the
    weights contribute their largest bound, not the norm of all (√p times more for like
    scales)."""
    largest = float(bounds[:-1].max(initial=0.0))
    return math.hypot(largest, float(bounds[-1])) * (1 + 2 * UNIT)


def _scaled_optimum(
    prepared: Prepared, p: int, intercept: bool
) -> tuple[FloatArray, FloatArray] | None:
    """(θ̂*, per-component error bounds) in the scaled units, or None when unsolvable."""
    if prepared.solved is None or prepared.system is None:
        return None
    w_kept, scale, lowest = prepared.solved
    kept, reduced = prepared.kept, prepared.reduced
    if p == 1 and kept.shape == (1,) and moments.ONE_FEATURE_FLOATS:
        found = _one_weight(prepared, intercept)
        if found is not None:
            return found
    rho = weights_error(prepared.system, w_kept, scale, lowest)
    w, errors = np.zeros(p), np.zeros(p + 1)
    w[kept], errors[kept] = w_kept, rho / scale
    b = _intercept(reduced, w_kept) if intercept else 0.0
    if intercept:
        errors[-1] = _intercept_error(reduced, w_kept, b, scale, rho, prepared.means)
    return np.concatenate((w, [b])), errors


def _one_weight(prepared: Prepared, intercept: bool) -> tuple[FloatArray, FloatArray] | None:
    """`_scaled_optimum` for one kept weight on Python floats, bit for bit: each line is
    `weights_error`'s, `mean_errors`' and `_intercept_error`'s with p = 1 (√1 = 1, a sum
    or a dot product of one term is that term, a norm of one entry is `_norm_one`'s).
    None (then numpy's lines, which warn or raise as the error state says) unless every
    number numpy's lines would multiply or divide is 0 or within 2^±300 (so that none of
    their products can overflow or underflow) and the results are finite."""
    system, solved = prepared.system, prepared.solved
    assert system is not None and solved is not None
    w_kept, scale, lowest = solved
    d, w, stats = float(scale[0]), float(w_kept[0]), prepared.reduced
    spread, count = float(stats.cxx[0, 0]), stats.count
    residual = _residual(float(system.gram[0, 0]), float(system.moment[0]), w)
    mean_x, means = float(stats.mean_x[0]), prepared.means
    if not (lowest > 0 and spread >= 0.0 and 0 < count < 2.0**60
            and _plain(d, w, residual, spread, mean_x, means)):  # fmt: skip
        return None
    size = (_norm_one(residual / d) * (1 + 4 * UNIT) + system.rounding * abs(d * w)
            + system.rounding * math.sqrt(max(system.total, 0.0)))  # fmt: skip
    rho = float(size / lowest * (1 + 8 * UNIT))
    b, total = 0.0, 0.0
    if intercept:
        b = _intercept(stats, w_kept)
        slack_x = means * (abs(mean_x) + math.sqrt(spread / count))
        slack_y = means * (abs(stats.mean_y) + math.sqrt(stats.cyy / count))
        reach = _norm_one((abs(mean_x) + slack_x) / d)
        total = UNIT * abs(b) + slack_y + slack_x * abs(w) + reach * rho
        if not (math.isfinite(slack_x) and math.isfinite(slack_y) and math.isfinite(total)):
            return None
    if not _plain(rho):
        return None
    return np.array([w, b]), np.array([rho / d, total * (1 + 8 * UNIT * 3)])


def _plain(*values: float) -> bool:
    """Each value 0 or within 2^±300: a product or quotient of two raises no flag."""
    for v in values:  # noqa: SIM110 (a loop: cheaper than all() of a generator, here)
        if not (v == 0.0 or 2.0**-300 < abs(v) < 2.0**300):
            return False
    return True


def _norm_one(value: float) -> float:
    """`linreg.blas.norm` of the one entry ``value`` (its route, without the array)."""
    if value == 0.0 or 2.0**-400 < abs(value) < 2.0**400:
        squares = value * value
        if squares > 2.0**-900:
            return math.sqrt(squares)
    return float(norm(np.array([value])))


_ILL_CONDITIONED = (
    "the scaled normal matrix is too ill-conditioned for the rounding of the statistics: "
    "its smallest eigenvalue cannot be bounded away from 0 (it may be singular; only exact "
    "arithmetic on the data can tell)"
)


def _constant_columns(stats: Moments, alpha: Any, intercept: bool) -> npt.NDArray[np.bool_]:
    """Columns whose weight is not determined: zero spread (with an intercept) or all
    zero, and no ridge on them."""
    free = (stats.cxx.diagonal() == 0.0) & (np.asarray(alpha) == 0.0)  # alpha: one, or one each
    return np.asarray(free if intercept else free & (stats.mean_x == 0.0))


def _select(stats: Moments, kept: Any) -> Moments:
    if kept.shape[0] == stats.n_features:
        return stats
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
