r"""The closed form in floating point: factor, then refine against the data until it stops helping.

The columns are scaled and centred once (`linreg.centring`). The Gram matrix of those
columns is factored by Cholesky (the columns by QR when the condition estimate exceeds
`CHOLESKY_KAPPA`), and the first solution is refined against the *original* data until a
correction no longer changes it: in float64 where the condition estimate allows, in
double-double arithmetic (`linreg.doubledouble`) where it does not. Standard errors come
from the same factor, refined in double-double when it alone would be short of accuracy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg._squares import SUMS_TARGET
from linreg._squares import sums_of_squares as _sums_of_squares
from linreg.blas import column_sums, gram, matvec, ones, tdot, vdot
from linreg.centring import ScaledColumns, centre_columns, intercept_from, with_low_parts
from linreg.closed_form_result import (
    WORKING_ACCURACY,
    LeastSquaresResult,
    check_count,
    checked_result,
)
from linreg.doubledouble import (
    EPS,
    accurate_dot,
    accurate_sum,
    residual,
    scale_by,
    two_product,
    two_sum,
)
from linreg.errors import SingularProblemError
from linreg.inference import Covariance
from linreg.raw_refinement import (
    RawProblem,
    Refined,
    basis_gram,
    bound_at,
    raw_problem,
    refine,
    second_pass,
    settle,
    target_low_part,
)
from linreg.validate import too_large

__all__ = [
    "CHOLESKY_KAPPA",
    "CHOLESKY_QR_KAPPA",
    "COVARIANCE_ENTRIES",
    "COVARIANCE_TARGET",
    "FLOAT_KAPPA",
    "FLOAT_TARGET",
    "MAX_REFINEMENTS",
    "SMALL_ENTRIES",
    "SUMS_TARGET",
    "solve_float",
    "solve_float_bounded",
]

FloatArray = npt.NDArray[np.float64]
#: Condition number (of the centred, equilibrated columns) up to which the Cholesky factor
#: of their Gram is the preconditioner: a refinement pass then shrinks the error by about
#: κ²ε ≤ 1e-4. Above it the columns themselves are factored by QR (κ instead of κ²).
CHOLESKY_KAPPA = 1e6
#: Up to this condition number a second pass of Cholesky QR (`second_pass`) replaces
#: the Householder QR, where refinement goes on against the data as given (κ²ε ≤ 0.03).
CHOLESKY_QR_KAPPA = 1e7
#: Condition number above which float64 residuals cannot be trusted to bring the
#: coefficients to working accuracy: residuals are then carried in double-double.
FLOAT_KAPPA = 1e4
#: Problems of at most this many entries (N·p) are refined in double-double whatever
#: their condition: a pass costs well under a millisecond there.
SMALL_ENTRIES = 1 << 14
#: The most refinement passes.
MAX_REFINEMENTS = 10
#: Float64 refinement that stalls above this relative correction goes on in double-double.
FLOAT_TARGET = 2.0**-40
#: The covariance (standard errors) from the factor has relative error about κ²ε; above
#: this it is refined in double-double, one solve per parameter ...
COVARIANCE_TARGET = 1e-13
#: ... on problems of at most this many entries (beyond, each solve costs as much as the fit).
COVARIANCE_ENTRIES = 1 << 20


@dataclass(frozen=True)
class _Factor:
    """A preconditioner for the centred normal equations, and its condition estimate.

    With ``h`` the column sums of ``hi`` and Λ the ridge, the system for a correction
    ``[δ; δβ]`` is ``[[G + Λ, h], [hᵀ, N]] [δ; δβ] = [g; g₀]``; eliminating δβ leaves
    ``(G − h hᵀ/N + Λ) δ = g − h g₀/N``, and ``G − h hᵀ/N + Λ ≈ D Rᵀ R D``.
    """

    inverse_r: FloatArray
    d: FloatArray
    h: FloatArray
    n: int
    ridge: FloatArray
    condition: float
    #: (T, fl(BᵀB)) with B = (hi − 1hᵀ/N)·T well conditioned, from `_second_pass`.
    basis: tuple[FloatArray, FloatArray] | None = None

    def solve(self, g: FloatArray, g0: float) -> tuple[FloatArray, float]:
        """An approximate correction from the gradient ``[g; g₀]`` (``g₀ = 0``: no intercept)."""
        rhs = (g - self.h * (g0 / self.n)) / self.d
        delta = self.inverse_r @ (self.inverse_r.T @ rhs) / self.d
        return delta, (g0 - float(self.h @ delta)) / self.n

    def covariance(self) -> FloatArray:
        """(G − h hᵀ/N + Λ)⁻¹ from the factor, in the scaled units."""
        scaled = self.inverse_r / self.d[:, None]
        return scaled @ scaled.T


def _factor(
    hi: FloatArray,
    ridge: FloatArray,
    fit_intercept: bool,
    product: FloatArray | None = None,
    second: bool = False,
) -> tuple[_Factor, Any]:
    """Cholesky of the equilibrated centred Gram, or QR of the columns when κ demands it
    (with ``second``, Cholesky QR twice up to `CHOLESKY_QR_KAPPA`:
    `linreg.raw_refinement.second_pass`).

    Returns the factor and, after a QR, the ``Q`` that gives the first solution.
    """
    n, p = hi.shape
    h = tdot(hi, ones(n)) if fit_intercept else np.zeros(p)
    centred_gram = (gram(hi) if product is None else product) - np.outer(h, h / n)
    centred_gram += np.diag(ridge)
    d = np.sqrt(np.diag(centred_gram))
    d = np.where(d > 0, d, 1.0)
    q, basis = None, None
    try:
        r = np.linalg.cholesky(centred_gram / np.outer(d, d)).T
        condition = float(np.linalg.cond(r))
    except np.linalg.LinAlgError:
        condition = math.inf
    if second and condition > FLOAT_KAPPA and fit_intercept:
        h = column_sums(hi)  # within γ_128 of Σ|hi|: the certificate's centre
    if second and FLOAT_KAPPA < condition <= CHOLESKY_QR_KAPPA and not np.any(ridge):
        r, basis = second_pass(hi, (h / n) if fit_intercept else None, r, d)
        condition = float(np.linalg.cond(r)) if basis is not None else math.inf
    if not condition <= CHOLESKY_KAPPA and basis is None:
        centred = (hi - h / n) / d
        if np.any(ridge):
            centred = np.vstack([centred, np.diag(np.sqrt(ridge) / d)])
        q, r = np.linalg.qr(centred)
        q = q[:n]
        condition = float(np.linalg.cond(r))
    if not condition * max(n, p) * EPS < 1.0:
        column = int(np.argmin(np.abs(np.diag(r))))
        raise SingularProblemError(
            "the columns of X are linearly dependent (to working precision): "
            f"column {column} is a combination of the others (condition number {condition:.1e})"
        )
    inverse_r = np.asarray(np.linalg.solve(r, np.eye(p)), dtype=np.float64)
    return _Factor(inverse_r, d.astype(np.float64), h, n, ridge, condition, basis), q


_Pair = tuple[FloatArray, FloatArray | None]


def _residual(
    cols: ScaledColumns, target: _Pair, c: FloatArray, beta: float, precise: bool
) -> _Pair:
    """target − (hi + lo)·c − β: in float64, or as a double-double pair (hi, lo)."""
    t_hi = target[0]
    if not precise:
        r = matvec(cols.hi, c)
        np.subtract(t_hi, r, out=r)
        r -= beta
        return r, None
    return residual(cols.hi, cols.lo, target, c, beta)


def _normal_residual(
    cols: ScaledColumns, r: _Pair, fit_intercept: bool
) -> tuple[FloatArray, float]:
    """(hi + lo)ᵀ r and Σ r: BLAS for a float residual, correctly rounded for a pair.

    This is $-\\tfrac N2\\nabla E$ in the scaled coordinates, the residual of the normal
    equations, which the float64 kernel (`linreg.loss`) cannot carry in double-double.
    """
    r_hi, r_lo = r
    if r_lo is None:
        return tdot(cols.hi, r_hi), float(r_hi.sum()) if fit_intercept else 0.0
    g = np.asarray(accurate_dot(cols.hi, cols.lo, (r_hi, r_lo)))  # every column at once
    return g, accurate_sum(r_hi, r_lo) if fit_intercept else 0.0


def _relative_size(delta: FloatArray, delta_b: float, c: FloatArray, beta: float) -> float:
    """max |δⱼ|/|cⱼ|, each |cⱼ| floored at 2⁻²⁰ of the largest; β (about 0 on centred
    columns) is measured against the largest |cⱼ|, its effect on a unit column."""
    largest = max(float(np.abs(c).max()), math.ulp(0.0))
    floor = max(largest * 2.0**-20, math.ulp(0.0))
    size = float((np.abs(delta) / np.maximum(np.abs(c), floor)).max())
    return max(size, abs(delta_b) / max(abs(beta), largest))


@dataclass
class _Iterate:
    """A point (c, β) of the scaled problem, its residual, and what refining it cost."""

    c: FloatArray
    beta: float
    residual: _Pair
    steps: int = 0
    estimate: float = math.inf
    #: What the last update lost to rounding: (c + tail, β + tail_b) is the solution to
    #: below float64's resolution, which the intercept needs when it is a difference.
    tail: Any = 0.0
    tail_b: float = 0.0
    #: A bound on the residual's rounding, ‖r − r̂‖, where known (the raw route's).
    rounding: float | None = None


@dataclass(frozen=True)
class _System:
    """What refinement works on: the columns, the factor, the target and the extra term."""

    cols: ScaledColumns
    factor: _Factor
    target: _Pair
    extra: tuple[FloatArray, float] | None
    fit_intercept: bool


def _refine(system: _System, start: _Iterate) -> _Iterate:
    """Refine (c, β) for ``[Zᵀ r + extra − Λc = 0]`` until the correction stops mattering.

    Each pass forms the residual against the unrounded columns (in double-double when the
    start's residual is a pair), takes a correction from the factor, and stops when the
    correction is below float64's resolution (ε relative) or has not halved since the last
    pass (refinement no longer helps; a correction larger than the last is not applied).
    ``estimate`` is the last correction's relative size: the error left, about.
    """
    it, factor = start, system.factor
    previous = math.inf
    while it.steps < MAX_REFINEMENTS:
        g, g0 = _normal_residual(system.cols, it.residual, system.fit_intercept)
        g = g - factor.ridge * it.c
        if system.extra is not None:
            g, g0 = g + system.extra[0], g0 + system.extra[1]
        delta, delta_b = factor.solve(g, g0)
        size = _relative_size(delta, delta_b, it.c, it.beta)
        if size > previous:
            break
        (c, tail), (beta, tail_b) = two_sum(it.c, delta), two_sum(it.beta, delta_b)
        small = size <= EPS
        residual = it.residual if small else _next_residual(system, it, (c, beta), size)
        it = _Iterate(c, beta, residual, it.steps + 1, size, tail, tail_b)
        if small or size > previous / 2:
            break
        previous = size
    return it


#: A double-double residual follows a correction at most this small (relative to the
#: point) by one float64 product, r − Z·δ − δβ, whose rounding, about u·|Z||δ| ≤
#: 2²⁷u²·|Z||c|, is far below what the next correction can see; forming the residual
#: afresh costs a dozen passes over the data.
UPDATE_BELOW = 2.0**-26


def _next_residual(
    system: _System, it: _Iterate, point: tuple[FloatArray, float], size: float
) -> _Pair:
    """The residual at the new point: updated from the last one after a small correction
    (`UPDATE_BELOW`), formed afresh otherwise."""
    c, beta = point
    cols, (r_hi, r_lo) = system.cols, it.residual
    if r_lo is None or size > UPDATE_BELOW:
        return _residual(cols, system.target, c, beta, r_lo is not None)
    step = c - it.c
    change = matvec(cols.hi, step) + (beta - it.beta)
    if cols.lo is not None:
        change += matvec(cols.lo, step)
    hi, lo = two_sum(r_hi, -change)
    return hi, lo + r_lo


def _start(cols: ScaledColumns, factor: _Factor, q: Any, fit_intercept: bool) -> tuple[Any, float]:
    """The first solution, from the factor's normal equations or from the QR's Q."""
    if q is None:
        return factor.solve(
            tdot(cols.hi, cols.y_hi), float(cols.y_hi.sum()) if fit_intercept else 0.0
        )
    y_mean = float(cols.y_hi.mean()) if fit_intercept else 0.0
    c = factor.inverse_r @ (q.T @ (cols.y_hi - y_mean)) / factor.d
    beta = y_mean - float(factor.h @ c) / factor.n if fit_intercept else 0.0
    return c, beta


def solve_float(
    A: FloatArray,
    y: FloatArray,
    fit_intercept: bool,
    A_low: FloatArray | None = None,
    alpha: float = 0.0,
    penalty: FloatArray | None = None,
) -> LeastSquaresResult[Any]:
    """The float path. ``A + A_low`` is the design in double-double (``A_low`` the rounding
    error of each entry, for designs such as powers that float64 cannot hold exactly).
    ``penalty``: the ridge's N·α per column, where it is not the same for every column
    (a weighted fit's intercept column goes unpenalised)."""
    return solve_float_bounded(A, y, fit_intercept, A_low, alpha, penalty)[0]


def solve_float_bounded(
    A: FloatArray,
    y: FloatArray,
    fit_intercept: bool,
    A_low: FloatArray | None = None,
    alpha: float = 0.0,
    penalty: FloatArray | None = None,
) -> tuple[LeastSquaresResult[Any], float]:
    """`solve_float`, and a sound bound on ‖θ̂ − θ*‖/‖θ*‖ where the route against the data
    as given (`linreg.raw_refinement`) found one (inf otherwise: certify by other means).

    That route takes large (N·p above `SMALL_ENTRIES`), unpenalised, ill-conditioned
    (κ above `FLOAT_KAPPA`) problems held in float64, whose offsets and scales allow it.
    """
    n, p = A.shape
    check_count(n, p + int(fit_intercept))
    cols = centre_columns(A, y, fit_intercept)
    per_column = np.full(p, n * alpha) if penalty is None else penalty
    ridge = scale_by(per_column, -2 * cols.exponent) if alpha else np.zeros(p)
    raw_route = A_low is None and not alpha and n * p > SMALL_ENTRIES
    factor, q = _factor(cols.hi, ridge, fit_intercept, cols.gram, raw_route)
    if raw_route and factor.condition > FLOAT_KAPPA:
        raw = raw_problem(cols, A, y, fit_intercept, factor.h)
        if raw is not None:
            return _solve_raw(raw, factor, q)
    return _solve_carried((A, A_low, y), cols, factor, q, fit_intercept, alpha), math.inf


def _solve_carried(
    data: tuple[FloatArray, FloatArray | None, FloatArray],
    cols: ScaledColumns,
    factor: _Factor,
    q: Any,
    fit_intercept: bool,
    alpha: float,
) -> LeastSquaresResult[Any]:
    """Refinement against the centred columns, carried in double-double where needed."""
    A, A_low, y = data
    n, p = A.shape
    precise = A_low is not None or n * p <= SMALL_ENTRIES or factor.condition > FLOAT_KAPPA
    if precise:
        cols = with_low_parts(cols, A, A_low, y)
    c, beta = _start(cols, factor, q, fit_intercept)
    system = _System(cols, factor, (cols.y_hi, cols.y_lo), None, fit_intercept)
    it = _refine(system, _Iterate(c, beta, _residual(cols, system.target, c, beta, precise)))
    if not precise and it.estimate > FLOAT_TARGET:
        # float64 residuals stalled short of the mark: carry them in double-double.
        precise, cols = True, with_low_parts(cols, A, A_low, y)
        system = _System(cols, factor, (cols.y_hi, cols.y_lo), None, fit_intercept)
        target = system.target
        restart = _Iterate(it.c, it.beta, _residual(cols, target, it.c, it.beta, True), it.steps)
        it = _refine(system, restart)
    sums = _sums_of_squares(cols, it.residual, fit_intercept)
    if not precise and not _sums_precise(cols, factor, it, sums):
        precise, cols = True, with_low_parts(cols, A, A_low, y)
        target = (cols.y_hi, cols.y_lo)
        it = replace(it, residual=_residual(cols, target, it.c, it.beta, True))
        sums = _sums_of_squares(cols, it.residual, fit_intercept)
    refine = (
        precise and factor.condition**2 * EPS > COVARIANCE_TARGET and n * p <= COVARIANCE_ENTRIES
    )
    covariance = _covariance(cols, factor, fit_intercept, refine)
    return _float_result(cols, it, covariance, factor, fit_intercept, alpha, sums)


def _solve_raw(raw: RawProblem, factor: _Factor, q: Any) -> tuple[LeastSquaresResult[Any], float]:
    """The route against the data as given: float64 refinement first (a pass costs two
    BLAS products), then double-double passes (`linreg.raw_refinement.refine`), the last
    one certified; X's low parts are never formed."""
    cols, fit_intercept = raw.cols, raw.fit_intercept
    n, p = cols.hi.shape
    c, beta = _start(cols, factor, q, fit_intercept)
    it = _Iterate(c, beta, (cols.y_hi, None))
    if q is None:  # from the normal equations: float64 passes first, where they contract
        system = _System(cols, factor, (cols.y_hi, None), None, fit_intercept)
        it = _refine(system, replace(it, residual=_residual(cols, system.target, c, beta, False)))
    T = factor.inverse_r / factor.d[:, None]
    basis = factor.basis or (T, basis_gram(cols.hi, factor.h / n if fit_intercept else None, T))

    def check(found: Refined) -> float:
        return bound_at(raw, basis, found.last, _to_data_units(cols, _found(found), fit_intercept))

    limit = it.steps + MAX_REFINEMENTS
    found = refine(raw, factor.solve, _relative_size, (it.c, it.beta), it.steps, limit, check)
    it, bound = _certified_point(raw, basis, found)
    cols = target_low_part(cols, raw.y)
    sums = _sums_of_squares(cols, it.residual, fit_intercept, quick=True)
    precise = factor.condition**2 * EPS > COVARIANCE_TARGET and n * p <= COVARIANCE_ENTRIES
    covariance = _covariance(cols, factor, fit_intercept, precise)
    return _float_result(cols, it, covariance, factor, fit_intercept, 0.0, sums), bound


def _found(found: Refined) -> _Iterate:
    """The point `refine` found, as an iterate (its residual not yet attached)."""
    c, beta, residual = found.c, found.beta, (found.last.r[0], None)
    return _Iterate(c, beta, residual, found.steps, found.estimate, found.tail, found.tail_b)


def _certified_point(
    raw: RawProblem, basis: tuple[FloatArray, FloatArray], found: Refined
) -> tuple[_Iterate, float]:
    """The point with its residual and that residual's rounding (scaled units), and its
    certified relative error (`linreg.raw_refinement.settle`)."""
    cols, it = raw.cols, _found(found)
    r, rounding, bound = settle(raw, basis, found, _to_data_units(cols, it, raw.fit_intercept))
    scale = -cols.y_exponent
    residual = (scale_by(r[0], scale), scale_by(r[1], scale))
    return replace(it, residual=residual, rounding=float(scale_by(rounding, scale))), bound


def _covariance(
    cols: ScaledColumns, factor: _Factor, fit_intercept: bool, refine: bool
) -> tuple[FloatArray, float]:
    """(G − h hᵀ/N)⁻¹ and the intercept's 1/N + uᵀ(G − h hᵀ/N)⁻¹u, scaled units.

    ``u = shift/2^e + h/N`` is each column's mean in units of its scale. From the factor
    when that is accurate enough (κ²ε ≤ `COVARIANCE_TARGET`); otherwise each is refined
    like the coefficients, in double-double, against the unrounded columns.
    """
    n = factor.n
    u = scale_by(cols.shift, -cols.exponent) + factor.h / n
    if not refine:
        covariance = factor.covariance()
        root = factor.inverse_r.T @ (u / factor.d)
        return covariance, 1.0 / n + float(root @ root) if fit_intercept else 0.0
    zero: _Pair = (np.zeros(n), None)
    p = cols.hi.shape[1]
    columns = np.empty((p, p))
    for j, rhs in enumerate([*np.eye(p), u] if fit_intercept else np.eye(p)):
        c, beta = factor.solve(rhs, 0.0)
        start = _Iterate(c, beta, _residual(cols, zero, c, beta, True))
        x = _refine(_System(cols, factor, zero, (rhs, 0.0), fit_intercept), start).c
        if j < p:
            columns[:, j] = x
        else:
            intercept = accurate_sum(1.0 / n, *two_product(u, x))
    return (columns + columns.T) / 2, intercept if fit_intercept else 0.0


def _magnitude(cols: ScaledColumns, factor: _Factor, it: _Iterate) -> float:
    """‖a‖ ≤ ‖y‖ + Σⱼ‖hⱼ‖|cⱼ| + √N|β|, a the terms' magnitudes each residual is a sum of."""
    size = math.sqrt(vdot(cols.y_hi, cols.y_hi)) + float(factor.d @ np.abs(it.c))
    return size + math.sqrt(cols.hi.shape[0]) * abs(it.beta)


def _sums_precise(cols: ScaledColumns, factor: _Factor, it: _Iterate, sums: Any) -> bool:
    """Whether a float64 residual's rounding leaves SSR and ESS within `SUMS_TARGET`.

    Each rᵢ = yᵢ − Σⱼ hᵢⱼcⱼ − β is off by at most γ·aᵢ (γ = (p + 3)ε, aᵢ the sum of the
    terms' magnitudes, centring included), so Σr² by 2γ‖r‖‖a‖ + γ²‖a‖² (`_magnitude`);
    ESS = TSS − SSR moves by as much.
    """
    ssr, ess, _ = sums
    gamma, size = (cols.hi.shape[1] + 3) * EPS, _magnitude(cols, factor, it)
    bound = gamma * size * (2.0 * math.sqrt(ssr) + gamma * size)
    return bool(bound <= SUMS_TARGET * min(ssr, ess))


def _ssr_floor(cols: ScaledColumns, factor: _Factor, it: _Iterate, ssr: float) -> float:
    """How far SSR may sit above the optimum's, scaled units: an SSR this small is 0.

    The weights' error δ (about max(estimate, ε) of each) adds ‖Zδ‖² ≤
    (2·max(estimate, ε)·‖a‖)² (SSR is stationary: the first-order term vanishes), and the
    residual's rounding (γ = (p + 3)ε², or (p + 3)ε for a float64 one) 2γ‖r‖‖a‖ + (γ‖a‖)².
    """
    size = _magnitude(cols, factor, it)
    gamma = (cols.hi.shape[1] + 3) * EPS * (EPS if it.residual[1] is not None else 1.0)
    off = gamma * size if it.rounding is None else it.rounding
    rounding = off * (2.0 * math.sqrt(ssr) + off)
    return float((2.0 * max(it.estimate, EPS) * size) ** 2 + rounding)


def _to_data_units(cols: ScaledColumns, it: _Iterate, fit_intercept: bool) -> tuple[Any, float]:
    """(w, b) in the data's units from (c, β) on the scaled columns, tails included."""
    coef = scale_by(it.c, cols.y_exponent - cols.exponent)
    if not fit_intercept:
        return coef, 0.0
    tail = scale_by(it.tail, cols.y_exponent - cols.exponent) * -cols.shift
    beta = scale_by(np.array([it.beta, it.tail_b]), cols.y_exponent)
    return coef, intercept_from([cols.y_shift, *beta], cols.shift, coef, tail)


def _float_result(
    cols: ScaledColumns,
    it: _Iterate,
    covariance: tuple[FloatArray, float],
    factor: _Factor,
    fit_intercept: bool,
    alpha: float,
    sums: tuple[float, float, float],
) -> LeastSquaresResult[Any]:
    """Map the scaled solution back to the data's units and form NIST's statistics."""
    n, p = cols.hi.shape
    dof = n - p - int(fit_intercept)
    coef, intercept = _to_data_units(cols, it, fit_intercept)
    ssr, ess, tss = sums
    sigma = math.sqrt(ssr / dof) if dof > 0 else None
    with np.errstate(over="ignore"):
        mse = float(scale_by(ssr / n, 2 * cols.y_exponent))
        ssr_data, ess_data = (float(scale_by(v, 2 * cols.y_exponent)) for v in (ssr, ess))
    if not math.isfinite(mse):
        size = math.log2(ssr / n) + 2 * cols.y_exponent
        raise too_large(f"the mean squared error, about 2^{size:.0f},", ", or use exact=True")
    finite = math.isfinite(ssr_data) and math.isfinite(ess_data)
    floor = float(scale_by(_ssr_floor(cols, factor, it, ssr), 2 * cols.y_exponent))
    stderr, intercept_stderr = _stderrs(cols, covariance, sigma, alpha, fit_intercept)
    return checked_result(
        LeastSquaresResult(
            coef=coef,
            intercept=float(intercept),
            coef_stderr=stderr,
            intercept_stderr=intercept_stderr,
            residual_std=None if sigma is None else float(scale_by(sigma, cols.y_exponent)),
            r_squared=(1.0 - ssr / tss if ssr <= tss / 2 else ess / tss) if tss > 0 else 1.0,
            mse=mse,
            n_samples=n,
            dof=dof,
            condition=factor.condition,
            refinements=it.steps,
            error_estimate=it.estimate,
            accurate=it.estimate <= WORKING_ACCURACY,
            fit_intercept=fit_intercept,
            ssr=ssr_data if finite else None,
            ess=ess_data if finite and not alpha else None,
            covariance=None if stderr is None else _covariance_of(cols, factor, covariance[0]),
            alpha=alpha,
            ssr_floor=floor,
        )
    )


def _root(cols: ScaledColumns, factor: _Factor) -> FloatArray:
    """R⁻¹ of the equilibrated centred columns: the factor's, or, where the factor is
    Cholesky's and κ²ε exceeds `COVARIANCE_TARGET` (on up to `COVARIANCE_ENTRIES`), a QR's,
    whose error is about κε (a variance at new X is a sum of squares of R⁻ᵀd)."""
    n, p = cols.hi.shape
    if factor.condition > CHOLESKY_KAPPA or factor.condition**2 * EPS <= COVARIANCE_TARGET:
        return factor.inverse_r
    if n * p > COVARIANCE_ENTRIES:
        return factor.inverse_r
    r = np.linalg.qr((cols.hi - factor.h / n) / factor.d, mode="r")
    return np.asarray(np.linalg.solve(r, np.eye(p)), dtype=np.float64)


def _covariance_of(cols: ScaledColumns, factor: _Factor, scaled: FloatArray) -> Covariance:
    """The weights' correlation (scale-free), the factor's square root of the covariance
    (``(G − h hᵀ/N)⁻¹ = L Lᵀ`` with ``L = R⁻¹/d``, rows normalised) and the columns'
    means, in the data's units."""
    spread = np.sqrt(np.diag(scaled))
    root = _root(cols, factor) / factor.d[:, None]
    lengths = np.sqrt(np.sum(root * root, axis=1))
    with np.errstate(over="ignore", under="ignore"):
        scale = scale_by(lengths, -cols.exponent)
    usable = bool(np.all(np.isfinite(scale)) and np.all(scale > 0))
    return Covariance(
        x_mean=cols.shift + scale_by(factor.h / factor.n, cols.exponent),
        correlation=scaled / np.outer(spread, spread),
        root=root / lengths[:, None] if usable else None,
        root_scale=scale if usable else None,
    )


def _stderrs(
    cols: ScaledColumns,
    covariance: tuple[FloatArray, float],
    sigma: float | None,
    alpha: float,
    fit_intercept: bool,
) -> tuple[Any, Any]:
    """Standard errors of the weights and the intercept in the data's units (None: no dof,
    or a ridge, whose estimates are biased)."""
    if sigma is None or alpha:
        return None, None
    scaled, var_intercept = covariance
    stderr = scale_by(sigma * np.sqrt(np.diag(scaled)), cols.y_exponent - cols.exponent)
    if not fit_intercept:
        return stderr, 0.0
    return stderr, float(scale_by(sigma * math.sqrt(var_intercept), cols.y_exponent))
