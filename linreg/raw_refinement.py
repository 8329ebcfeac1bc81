r"""Refinement against the data as given, and a sound error bound from the same pass.

Where the closed form needs residuals beyond float64 (`linreg.float_solver`, an
ill-conditioned problem), they are formed here against X and y themselves, not against a
centred copy carried in double-double: at a point $(c, \beta)$ of the scaled problem,
$w = c\,2^{e_y - e}$ and $b = \text{shift}_y + \beta 2^{e_y} - \text{shift}^\top w$ (a
pair of floats, summed exactly), and

$$r = y - Xw - b,\qquad s = (X - \text{shift})^\top r = X^\top r - \text{shift}\,\textstyle\sum r$$

in double-double (`linreg.doubledouble.residual`, `accurate_dot`, `accurate_sum`). The same
sums bound the error of the point: with $C = X - \mathbf 1\bar x^\top$ (the exact means),
$q = C^\top\hat r$ and $t = \sum\hat r$ at the point,

$$C^\top C\,e_w = -q,\qquad e_b = -t/N - \bar x^\top e_w$$

for $e = \hat\theta - \theta^*$. Any float matrix $T$ with $B = C 2^{-e} T$ well conditioned
(the factor's $R^{-1}$) gives $\lVert T^{-1} 2^{e} e_w\rVert \le \lVert T^\top (q 2^{-e})
\rVert / \sigma_{\min}(B)^2$, and $\sigma_{\min}(B)$ is bounded from below from the computed
$B$'s Gram matrix and every rounding between it and the exact one: a bound about as tight
as the true error, from quantities the refinement has at hand.

Used only where the data's offsets are within `OFFSET_RATIO` of their spread and the
powers of two are moderate; without an intercept the shift is 0 and $t$ plays no part.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg.blas import SUM_BLOCK, gram, norm
from linreg.centring import ScaledColumns
from linreg.doubledouble import (
    BLOCK,
    accurate_dot,
    accurate_sum,
    residual,
    scale_by,
    two_product,
    two_sum,
)

__all__ = [
    "CERTIFIED",
    "OFFSET_RATIO",
    "RawPass",
    "RawProblem",
    "Refined",
    "basis_gram",
    "bound_at",
    "certify",
    "moved",
    "point_in_data_units",
    "raw_pass",
    "raw_problem",
    "refine",
    "relative",
    "second_pass",
    "settle",
    "target_low_part",
]

FloatArray = npt.NDArray[np.float64]

#: float64's unit roundoff, u = 2⁻⁵³.
_U = 2.0**-53
#: The largest ratio of a column's (or y's) offset to its spread for which residuals are
#: formed against the data as given: their rounding, u² of the raw magnitudes, is then
#: at most 2²⁰u² of the centred ones.
OFFSET_RATIO = 2.0**20
#: Powers of two up to this size keep every scaled quantity far from over- and underflow.
_EXPONENT = 400


def _gamma(k: int) -> float:
    """γₖ = ku/(1 − ku): the worst relative rounding of a sum of k terms, any order."""
    return k * _U / (1 - k * _U)


@dataclass(frozen=True)
class RawProblem:
    """X and y as given, the scaled columns' shifts and powers of two, and norms.

    ``hi_norms`` bound ‖hiⱼ‖ (the scaled, centred float columns) from above; ``sums`` are
    their computed column sums (the factor's h), ``norms`` bound ‖Xⱼ‖ and ``y_norm`` ‖y‖.
    """

    A: FloatArray
    y: FloatArray
    cols: ScaledColumns
    fit_intercept: bool
    hi_norms: FloatArray
    sums: FloatArray
    norms: FloatArray
    y_norm: float


def raw_problem(
    cols: ScaledColumns, A: FloatArray, y: FloatArray, fit_intercept: bool, sums: FloatArray
) -> RawProblem | None:
    """The problem for `raw_pass`, or None where the offsets or the scales are too large;
    ``sums`` are hi's column sums by `linreg.blas.column_sums` (the factor's h)."""
    n = A.shape[0]
    e, f = np.asarray(cols.exponent), cols.y_exponent
    if np.any(np.abs(e) > _EXPONENT) or abs(f) > _EXPONENT:
        return None
    squares = (
        np.diag(cols.gram) if cols.gram is not None else np.einsum("ij,ij->j", cols.hi, cols.hi)
    )
    hi_norms = np.sqrt(squares / (1 - _gamma(n + 2))) * (1 + 2 * _U)
    spread = np.ldexp(hi_norms, e)
    y_spread = math.sqrt(float(cols.y_hi @ cols.y_hi) / (1 - _gamma(n + 2))) * 2.0**f
    offsets = math.sqrt(n) * np.abs(cols.shift)
    y_offset = math.sqrt(n) * abs(cols.y_shift)
    if np.any(offsets > OFFSET_RATIO * spread) or y_offset > OFFSET_RATIO * y_spread:
        return None
    grow = 1 + 4 * _U
    norms = (spread * (1 + _U) + offsets) * grow
    y_norm = (y_spread * (1 + _U) + y_offset) * grow
    return RawProblem(A, y, cols, fit_intercept, hi_norms, sums, norms, y_norm)


@dataclass(frozen=True)
class RawPass:
    """One pass at a point: its weights ``w`` and intercept ``b`` (an exact pair) in the
    data's units, the residual r (a double-double pair, data units), the gradient's sums
    ``g`` = (X − shift)ᵀr and ``t`` = Σr with bounds on their errors against the exact
    residual's (``g_slack``, ``t_slack``); ``rounding`` bounds ‖r − r̂‖ (r̂ exact)."""

    w: FloatArray
    b: tuple[float, float]
    r: tuple[FloatArray, FloatArray]
    g: FloatArray
    t: float
    g_slack: FloatArray
    t_slack: float
    rounding: float

    def scaled(self, cols: ScaledColumns) -> tuple[FloatArray, float]:
        """The gradient's sums in the scaled units: ((hi + lo)ᵀr', Σr'), r' = r·2^-e_y."""
        return (
            scale_by(self.g, -np.asarray(cols.exponent) - cols.y_exponent),
            float(scale_by(self.t, -cols.y_exponent)),
        )


def target_low_part(cols: ScaledColumns, y: FloatArray) -> ScaledColumns:
    """The columns with y's centring error as ``y_lo`` (exact, Knuth's two-sum), for the
    sums of squares; X's low parts are not formed (the residual is taken against X)."""
    error = two_sum(y, -cols.y_shift)[1] if cols.y_shift else np.zeros_like(y)
    return replace(cols, y_lo=scale_by(error, -cols.y_exponent))


def point_in_data_units(
    cols: ScaledColumns, c: FloatArray, beta: float, fit_intercept: bool
) -> tuple[FloatArray, tuple[float, float]]:
    """w = c·2^(e_y − e) and b = shift_y + β·2^e_y − shiftᵀw as a pair (hi, lo) whose
    sum is b to within u² of it (`math.fsum`, correctly rounded, twice)."""
    w = scale_by(c, cols.y_exponent - np.asarray(cols.exponent))
    if not fit_intercept:
        return w, (0.0, 0.0)
    high, low = two_product(-cols.shift, w)
    terms = [cols.y_shift, float(scale_by(beta, cols.y_exponent)), *high.tolist(), *low.tolist()]
    b_hi = math.fsum(terms)
    return w, (b_hi, math.fsum([*terms, -b_hi]))


def raw_pass(problem: RawProblem, c: FloatArray, beta: float) -> RawPass:
    """Residual and gradient at (c, β) in double-double against X and y, with error bounds.

    r̃ = y − Xw − b_hi − b_lo is within 8(p + 3)u² of size = |y| + |X||w| + |b| of the
    exact residual r̂ (`linreg.doubledouble.residual`; subtracting b_lo adds u(|r_lo| +
    |b_lo|), below u²(|r| + |b|), and the pair is renormalised exactly); Xᵀr̃ is within
    u of itself plus 3m·u² of |X|ᵀ|r̃| (`accurate_dot`, m = min(N, BLOCK)), Σr̃ within u
    of itself plus m·u²·Σ|r̃| (`accurate_sum`); g = Xᵀr̃ − shift·t, the product split
    exactly, rounds twice (2u).
    """
    A, y, cols = problem.A, problem.y, problem.cols
    n, p = A.shape
    w, (b_hi, b_lo) = point_in_data_units(cols, c, beta, problem.fit_intercept)
    r_hi, r_lo = residual(A, None, (y, None), w, b_hi)
    r_lo -= b_lo
    r_hi, r_lo = two_sum(r_hi, r_lo)  # |r_lo| ≤ u|r_hi| again: b_lo may exceed u|r|
    raw = np.atleast_1d(np.asarray(accurate_dot(A, None, (r_hi, r_lo)), dtype=np.float64))
    t = accurate_sum(r_hi, r_lo) if problem.fit_intercept else 0.0
    shift = cols.shift if problem.fit_intercept else np.zeros(p)
    high, low = two_product(shift, t)
    g = (raw - high) - low
    m = min(n, BLOCK)
    norm_r = (norm(r_hi) + norm(r_lo)) * (1 + (n + 2) * _U)
    size = problem.y_norm + float(problem.norms @ np.abs(w))
    size += math.sqrt(n) * (abs(b_hi) + abs(b_lo))
    rho = 8 * (p + 3) * _U * _U * size * (1 + 4 * _U)  # ≥ ‖r̃ − r̂‖
    dot_slack = _U * np.abs(raw) + 3 * m * _U * _U * problem.norms * norm_r
    t_slack = _U * abs(t) + m * _U * _U * math.sqrt(n) * norm_r + math.sqrt(n) * rho
    g_slack = (
        dot_slack
        + problem.norms * rho
        + np.abs(shift) * t_slack
        + 2 * _U * (np.abs(raw) + np.abs(high) + np.abs(g))
    ) * (1 + 8 * _U)
    return RawPass(w, (b_hi, b_lo), (r_hi, r_lo), g, t, g_slack, t_slack * (1 + 4 * _U), rho)


def _mean_offsets(problem: RawProblem) -> tuple[FloatArray, FloatArray]:
    """(m, bound on |μ − m|), scaled units: m = fl(h/N) the factor's centre of hi, μ the
    exact mean of hi + lo (lo ≤ u|hi| the centring's rounding; h the blocked sums of
    `linreg.blas.column_sums`, within γ_b·Σ|hi| + u|h|, Σ|hi| ≤ √N‖hi‖)."""
    n = problem.A.shape[0]
    if not problem.fit_intercept:
        return np.zeros_like(problem.sums), np.zeros_like(problem.sums)
    m = problem.sums / n
    slack = (_gamma(min(n, SUM_BLOCK)) + _U) * problem.hi_norms / math.sqrt(n) + 3 * _U * np.abs(m)
    return m, slack * (1 + 4 * _U)


def basis_gram(hi: FloatArray, m: FloatArray | None, T: FloatArray) -> FloatArray:
    """M = fl(B̂ᵀB̂) for B̂ = fl(hi·T) − 1νᵀ, ν = fl(mᵀT) (no ν when m is None): the
    centred scaled columns times T, whose Gram `certify` bounds from below."""
    B = (T.T @ hi.T).T  # BLAS on hi as stored (hi @ T copies a column-major hi first)
    if m is not None:
        B -= m @ T
    return np.asarray(gram(B), dtype=np.float64)


def second_pass(
    hi: FloatArray, m: FloatArray | None, r: FloatArray, d: FloatArray
) -> tuple[FloatArray, tuple[FloatArray, FloatArray] | None]:
    """Cholesky QR's second pass: with T = R⁻¹/d, B = (hi − 1mᵀ)·T has condition about
    1 + κ²ε; the Cholesky factor R₂ of BᵀB makes R₂R a factor as good as a QR's (its
    preconditioned columns orthonormal to about κε), for two passes over the columns
    instead of a Householder QR's dozens. Returns (R₂R, (T, BᵀB)); no basis when BᵀB
    is not positive definite in float64."""
    T = np.asarray(np.linalg.solve(r, np.eye(r.shape[0])) / d[:, None], dtype=np.float64)
    M = basis_gram(hi, m, T)
    try:
        second = np.linalg.cholesky(M).T
    except np.linalg.LinAlgError:
        return r, None
    return second @ r, (T, M)


def _lowest_singular(problem: RawProblem, T: FloatArray, M: FloatArray) -> tuple[float, float]:
    """(σ ≤ σ_min(B), ε_M ≥ ‖BᵀB − M‖₂) for B = C·2^-e·T, C the exactly centred data,
    from M = fl(B̂ᵀB̂) (`basis_gram`).

    ‖B̂ᵀB̂ − M‖ ≤ γ_N·tr(B̂ᵀB̂) (the Gram's rounding), λ_min(M) ≥ eigvalsh's λ −
    (16p² + 4)u‖M‖∞ (backward stable); ‖B − B̂‖ ≤ gap = γ_p‖hi‖_F‖T‖_F (the product) +
    u‖hi‖_F‖T‖_F (lo ≤ u|hi|) + √N‖μ − m‖‖T‖_F (the centre) + √N·γ_p‖|m|ᵀ|T|‖ (ν) +
    u‖B̂‖_F (the subtraction); then σ_min(B) ≥ √λ − gap and
    ‖BᵀB − B̂ᵀB̂‖ ≤ 2‖B̂‖·gap + gap².
    """
    n, p = problem.A.shape
    values = np.linalg.eigvalsh(M)
    trace = float(np.trace(M)) / (1 - _gamma(n + 2))
    spectral = float(np.abs(M).sum(axis=1).max())
    rounding = _gamma(n) * trace
    lowest = float(values[0]) - (16 * p * p + 4) * _U * spectral - rounding
    m, m_slack = _mean_offsets(problem)
    frobenius = float(norm(T)) * (1 + p * _U)
    hi_frobenius = float(norm(problem.hi_norms)) * (1 + p * _U)
    gap = (
        (_gamma(p) + _U) * hi_frobenius * frobenius
        + math.sqrt(n) * float(norm(m_slack)) * frobenius
        + math.sqrt(n) * _gamma(p + 1) * float(norm(np.abs(m) @ np.abs(T)))
        + _U * math.sqrt(trace)
    ) * (1 + 8 * p * _U)
    size = math.sqrt(trace)
    gram_error = (rounding + 2 * size * gap + gap * gap) * (1 + 4 * _U)
    if not lowest > 0:
        return 0.0, gram_error
    return (math.sqrt(lowest) * (1 - 2 * _U) - gap) * (1 - 2 * _U), gram_error


@dataclass(frozen=True)
class _Correction:
    """The computed error estimate ê = (ê_w, ê_b) at a pass's point and bounds on
    ‖e_w − ê_w‖ and |e_b − ê_b| (data units)."""

    w: FloatArray
    b: float
    w_slack: float
    b_slack: float


def _correction(problem: RawProblem, T: FloatArray, M: FloatArray, at: RawPass) -> _Correction:
    r"""ê and its error bounds: x̂ = −M⁻¹Tᵀq' (q' = q·2^-e), ê_w = 2^-e·T x̂,
    ê_b = −t/N − shiftᵀê_w; the exact x solves BᵀB x = −Tᵀq', so
    ‖x − x̂‖ ≤ (‖Tᵀq' + M x̂‖ + ‖Tᵀq' − y‖ + ε_M‖x̂‖)/σ², y the computed Tᵀq'."""
    n, p = problem.A.shape
    sigma, gram_error = _lowest_singular(problem, T, M)
    if not sigma > 0:
        return _Correction(np.zeros(p), 0.0, math.inf, math.inf)
    e = np.asarray(problem.cols.exponent)
    _, m_slack = _mean_offsets(problem)
    t_size = abs(at.t) + at.t_slack
    # |x̄ − shift| ≤ 2^e·(|m| + |μ − m|): m = h/N, h the factor's sums of hi
    offset = np.ldexp(np.abs(problem.sums) / n * (1 + 2 * _U) + m_slack, e)
    q, magnitudes = np.ldexp(at.g, -e), np.abs(T)
    # q's error: g_slack and (x̄ − shift)·t̂; Tᵀq's rounding, γ_p|T|ᵀ|q|
    q_slack = np.ldexp(at.g_slack + offset * t_size, -e) + _gamma(p) * np.abs(q)
    y = T.T @ q
    x = -np.linalg.solve(M, y)
    left = y + M @ x
    left_slack = _gamma(p + 1) * (np.abs(y) + np.abs(M) @ np.abs(x))
    miss = float(norm(np.abs(left) + left_slack)) + float(norm(magnitudes.T @ q_slack))
    x_error = (miss + gram_error * float(norm(x))) * (1 + 8 * p * _U) / (sigma * sigma)
    rows = np.ldexp(T, -e[:, None])
    e_w = rows @ x
    w_slack = float(norm(rows)) * x_error + float(norm(_gamma(p) * (np.abs(rows) @ np.abs(x))))
    w_slack *= 1 + 8 * p * _U
    if not problem.fit_intercept:
        return _Correction(e_w, 0.0, w_slack, 0.0)
    shift = problem.cols.shift
    e_b = -at.t / n - float(shift @ e_w)
    reach = float(norm(rows.T @ shift)) + float(norm(_gamma(p) * (np.abs(rows).T @ np.abs(shift))))
    b_slack = (
        at.t_slack / n
        + float(norm(offset)) * (float(norm(e_w)) + w_slack)
        + reach * x_error
        + float(np.abs(shift) @ (_gamma(p) * (np.abs(rows) @ np.abs(x))))
        + _gamma(p + 2) * (abs(at.t) / n + float(np.abs(shift) @ np.abs(e_w)))
    ) * (1 + 8 * p * _U)
    return _Correction(e_w, e_b, w_slack, b_slack)


def certify(
    problem: RawProblem, T: FloatArray, M: FloatArray, at: RawPass,
    point: tuple[FloatArray, float],
) -> float:  # fmt: skip
    """A sound bound on ‖θ − θ*‖ (data units, θ = [w; b]) at ``point`` (w and b as
    floats), from the pass at a nearby point θ̂ (its exact intercept b_hi + b_lo): θ − θ* =
    (θ − θ̂) + e with e = θ̂ − θ* ≈ ê (`_correction`); inf when σ_min cannot be bounded.
    """
    found = _correction(problem, T, M, at)
    if not math.isfinite(found.w_slack + found.b_slack):
        return math.inf
    w, b = point
    move_w = w - at.w  # rounded by u of itself
    move_b = math.fsum([b, -at.b[0], -at.b[1]])  # within u of itself
    total_w = found.w + move_w
    total_b = found.b + move_b
    rounding = 2 * _U * (float(norm(move_w)) + float(norm(total_w)) + abs(move_b) + abs(total_b))
    near = math.hypot(float(norm(total_w)), abs(total_b))
    return (near + found.w_slack + found.b_slack + rounding) * (1 + 8 * _U)


def relative(distance: float, point: FloatArray) -> float:
    """distance/‖θ*‖ from below ‖θ*‖ ≥ ‖point‖ − distance (inf when that is not positive)."""
    low = float(norm(point)) * (1 - 8 * _U) - distance
    return distance / low * (1 + 4 * _U) if low > 0 and math.isfinite(low) else math.inf


#: A correction below this (relative, `Sizer`) leaves the point at rounding level: stop.
_SETTLED = 4 * 2.0**-52

Solver = Callable[[FloatArray, float], tuple[FloatArray, float]]
Sizer = Callable[[FloatArray, float, FloatArray, float], float]


#: A corrected point whose certified relative error (`bound_at`, from the pass before its
#: correction) is at most this takes no further pass: 64u, 14 digits certified (the point
#: is then within rounding of the optimum: its correction had shrunk its error by about
#: κε). Another pass could lower the bound only to the floor its rounding terms share
#: with this one, and a double-double pass is the largest cost of the fit.
CERTIFIED = 2.0**-47


@dataclass(frozen=True)
class Refined:
    """Where `refine` stopped: the point (c, β) with what its last update lost to rounding
    (``tail``, ``tail_b``: the intercept needs them when it is a difference), the passes,
    the last correction's relative size, and the last pass (at the point before that
    correction, or at the point itself where the correction was not applied); ``bound``,
    the point's certified relative error where `refine` stopped on it (`CERTIFIED`;
    inf otherwise: `bound_at` gives it from ``last``)."""

    c: FloatArray
    beta: float
    tail: Any
    tail_b: float
    steps: int
    estimate: float
    last: RawPass
    bound: float = math.inf


def refine(
    problem: RawProblem, solve: Solver, size_of: Sizer, start: tuple[FloatArray, float],
    steps: int, limit: int, check: Callable[[Refined], float] | None = None,
) -> Refined:  # fmt: skip
    """Refine from ``start`` with the factor's ``solve`` until a correction is at rounding
    level or stops halving (one larger than the last is not applied), at most ``limit``
    passes in all, or until ``check`` (the point's certified relative error, `bound_at`
    from the pass just made) is within `CERTIFIED`: then the pass that found the last
    correction certifies the corrected point, and no pass is spent on the certificate
    alone (its ``estimate`` is then that bound)."""
    c, beta = start
    previous = math.inf
    while True:
        at = raw_pass(problem, c, beta)
        delta, delta_b = solve(*at.scaled(problem.cols))
        size = size_of(delta, delta_b, c, beta)
        steps += 1
        if size > previous:
            return Refined(c, beta, 0.0, 0.0, steps, previous, at)
        (c, tail), (beta, tail_b) = two_sum(c, delta), two_sum(beta, delta_b)
        found = Refined(c, beta, tail, tail_b, steps, size, at)
        if size <= _SETTLED or size > previous / 2 or steps >= limit:
            return found
        bound = math.inf if check is None else check(found)
        if bound <= CERTIFIED:
            return replace(found, estimate=bound, bound=bound)
        previous = size


def moved(
    problem: RawProblem, at: RawPass, point: tuple[FloatArray, float]
) -> tuple[tuple[FloatArray, FloatArray], float]:
    """The residual at ``point`` = (w, b) (floats, data units) from the pass at a point
    near it, and a bound on its distance from the exact residual there.

    r = r̃ − (X·m_w + m_b), m_w = fl(w − ŵ) and m_b = fl(b − b̂) (b̂ = b_hi + b_lo, the
    pass's exact intercept; each within u of itself), the product and the sum in float64
    (within γ_{p+1} of |X||m_w| + |m_b|, in any order), subtracted from the pair exactly
    (`two_sum`) and renormalised: off by the pass's ρ, γ_{p+2}(Σⱼ‖Xⱼ‖|m_wⱼ| + √N|m_b|),
    and u‖lo‖ for the low parts' one rounded sum: one float64 product over X instead of a
    double-double pass.
    """
    n, p = problem.A.shape
    w, b = point
    move_w = w - at.w
    move_b = math.fsum([b, -at.b[0], -at.b[1]])
    change = problem.A @ move_w
    change += move_b
    hi, lo = two_sum(at.r[0], -change)
    lo += at.r[1]
    spread = float(problem.norms @ np.abs(move_w)) + math.sqrt(n) * abs(move_b)
    spread *= 1 + (p + 2) * _U  # its own rounding
    low = float(norm(lo)) * (1 + (n + 2) * _U)
    rounding = (at.rounding + _gamma(p + 2) * spread + _U * low) * (1 + 8 * _U)
    return two_sum(hi, lo), rounding


def settle(
    problem: RawProblem, basis: tuple[FloatArray, FloatArray], found: Refined,
    point: tuple[FloatArray, float],
) -> tuple[tuple[FloatArray, FloatArray], float, float]:  # fmt: skip
    """The residual at ``point`` (where `refine` found it, data units), a bound on its
    rounding, and the point's certified relative error. Where `refine` stopped on the
    certificate, the last correction was far above rounding: the residual is moved to
    the point (`moved`); otherwise the last pass's stands for it and certifies the point."""
    if math.isfinite(found.bound):
        return (*moved(problem, found.last, point), found.bound)
    return found.last.r, found.last.rounding, bound_at(problem, basis, found.last, point)


def bound_at(
    problem: RawProblem, basis: tuple[FloatArray, FloatArray], at: RawPass,
    point: tuple[FloatArray, float],
) -> float:  # fmt: skip
    """A sound bound on ‖θ − θ*‖/‖θ*‖ at ``point`` = (w, b) in the data's units, from a
    pass near it (`certify`, ``basis`` = (T, M)); inf when none is found."""
    w, b = point
    return relative(certify(problem, *basis, at, (w, b)), np.append(w, b))
