r"""How many iterations a method needs before its verdict holds: exact counts and bounds.

The fixed-step methods (gd, momentum, nesterov) are linear recurrences in each
eigen-direction of the Hessian, $e_{k+1} = a\,e_k - c\,e_{k-1}$ with $e_1 = f\,e_0$, so the
first iteration at which the distance to the optimum (in the data's units) falls below
the verdict's threshold can be found exactly (`first_crossing`). Steepest descent and CG
have classical bounds (`energy_bound`); BB and Adam have no such theory.

A count means what it says (`Prediction.kind`): ``"exact"`` when the first crossing in
exact arithmetic is stable to ±2 iterations under the error bars of the eigenvalues and
of the optimum; ``"estimate"`` when those error bars could move it further; ``"bound"``
for a classical upper bound; ``"none"`` (nan, with a reason) when there is no theory, or
when the verdict can never become True (tol below the error floor).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from linreg.blas import norm
from linreg.problem import Quadratic

__all__ = [
    "Prediction",
    "directions",
    "energy_bound",
    "first_crossing",
    "recurrence_factors",
    "spectral_radius",
]

FloatArray = npt.NDArray[np.float64]
#: Scanning for the first crossing is exhaustive up to this many iterations.
_EXHAUSTIVE = 1 << 20
_BLOCK = 1 << 15
#: Iterations × directions evaluated at once, at most: a block's complex factors are that
#: many numbers, a few arrays of them at once (256 features, --standardize: blocks of 2¹⁵
#: iterations peaked at 302 MB on the command line).
_BLOCK_NUMBERS = 1 << 18


class Prediction(NamedTuple):
    """Predicted iterations, what kind of statement it is, and why when there is none.

    ``kind`` is ``"exact"``, ``"estimate"``, ``"bound"`` or ``"none"`` (see the module
    docs); ``reason`` says in words why a count is an estimate or missing.
    """

    iterations: float
    kind: str
    reason: str = ""


def directions(quadratic: Quadratic, e0: FloatArray, null: FloatArray) -> FloatArray:
    r"""Row j: the data-unit image of the start's component along eigenvector $q_j$.

    ``e0`` is θ₀ − θ* in the coordinates descended; the rows sum to θ₀ − θ* in the data's
    units. Directions along which the optimum is not unique (``null``, data units) are
    projected away: distance is measured to the nearest minimiser.
    """
    basis = quadratic.eigenvectors
    rows = quadratic.coords.rows_to_data(basis.T) * (basis.T @ e0)[:, None]
    if null.shape[1]:
        rows = rows - (rows @ null) @ null.T
    return np.asarray(rows)


def energy_bound(
    quadratic: Quadratic, e0: FloatArray, target: float, gap: float, factor: float
) -> Prediction:
    r"""Iterations after which $\lVert e_k\rVert \le$ target follows from
    $\lVert e_k\rVert_H \le \text{factor}\cdot\text{rate}^k\lVert e_0\rVert_H$,
    given $\text{gap} = 1 - \text{rate}$: a rate within 1e-16 of 1 (κ ≳ 1e16) rounds to
    1, and its logarithm to 0; $\log(1 - \text{gap})$ keeps it.

    $\lVert e_0\rVert_H^2 = \sum_j \lambda_j (q_j^\top e_0)^2$ from the spectrum, and
    $\lVert e\rVert \le \lVert T\rVert\,\lVert e\rVert_H/\sqrt{\lambda_{\min}}$ in the data's
    units ($T$ the map back).
    """
    spectrum = quadratic.spectrum
    live = spectrum.null
    components = (spectrum.vectors.T @ e0)[live:]
    with np.errstate(over="ignore"):  # an energy past float64 is refused below
        energy = math.sqrt(float(spectrum.values[live:] @ (components * components)))
    stretch = float(np.linalg.norm(quadratic.coords.rows_to_data(np.eye(e0.shape[0])), 2))
    lowest = float(spectrum.values[live])
    if not target > 0 or not lowest > 0:
        return Prediction(math.nan, "none", "the distance to reach cannot be bounded")
    start = factor * stretch * energy / math.sqrt(lowest)
    if not math.isfinite(start):  # the start's energy overflows float64 (y about 7e153)
        return Prediction(math.nan, "none", "the distance to the optimum overflows float64")
    if start <= target:
        return Prediction(0.0, "bound")
    if gap >= 1.0:  # rate <= 0
        return Prediction(1.0, "bound")
    if not gap > 0.0:
        return Prediction(math.nan, "none", "the rate of contraction is 1 or more")
    count = math.log(target / start) / math.log1p(-gap)
    return Prediction(float(math.ceil(count)) if math.isfinite(count) else math.inf, "bound")


def recurrence_factors(a: Any, c: Any, f: Any, k: FloatArray) -> FloatArray:
    r"""$r_k$ with $r_{k+1} = a r_k - c r_{k-1}$, $r_0 = 1$, $r_1 = f$, for each direction.

    Parameters
    ----------
    a, c, f : numpy.ndarray of shape (d,)
    k : numpy.ndarray of shape (K,)
        Iteration numbers, non-negative.

    Returns
    -------
    numpy.ndarray of shape (K, d)

    Notes
    -----
    With roots $\rho_\pm$ of $\rho^2 - a\rho + c$ and $U_k = (\rho_+^k - \rho_-^k)/(\rho_+ -
    \rho_-)$ (or $k m^{k-1}$ for a double root $m$): $r_k = f U_k - c U_{k-1}$.

    Examples
    --------
    >>> recurrence_factors(np.array([0.5]), np.array([0.0]), np.array([0.5]), np.arange(3.0))
    array([[1.  ],
           [0.5 ],
           [0.25]])
    """
    kk = np.asarray(k, dtype=np.float64)[:, None]
    if not np.any(c):  # a one-term recurrence (gd): r_k = f·a^(k−1), in real arithmetic
        with np.errstate(over="ignore", invalid="ignore"):
            real = np.asarray(f)[None, :] * np.power(
                np.asarray(a)[None, :], np.maximum(kk - 1.0, 0)
            )
        return np.asarray(np.where(kk == 0, 1.0, real), dtype=np.float64)
    a, c, f = (np.asarray(v, dtype=np.complex128)[None, :] for v in (a, c, f))
    root = np.sqrt(a * a - 4.0 * c)
    upper, lower = (a + root) / 2.0, (a - root) / 2.0
    gap = upper - lower
    double = np.abs(gap) <= 1e-7 * np.maximum(np.abs(upper), 1e-300)
    safe_gap = np.where(double, 1.0, gap)
    middle = (upper + lower) / 2.0

    def u(n: Any) -> Any:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            split = (_power(upper, n) - _power(lower, n)) / safe_gap
            merged = n * _power(middle, n - 1.0)
        return np.where(double, merged, split)

    with np.errstate(invalid="ignore", over="ignore"):
        values = f * u(kk) - c * u(kk - 1.0)
    values = np.where(kk == 0, 1.0, values)
    return np.asarray(np.real(values), dtype=np.float64)


def spectral_radius(a: Any, c: Any) -> float:
    """The largest modulus of a root of ρ² − aρ + c over all directions: the rate."""
    a, c = np.asarray(a, dtype=np.complex128), np.asarray(c, dtype=np.complex128)
    root = np.sqrt(a * a - 4.0 * c)
    return float(np.max(np.maximum(np.abs(a + root), np.abs(a - root))) / 2.0)


def _power(base: Any, n: Any) -> Any:
    # base^n for complex base and real n ≥ −1, with 0^0 = 1 and 0^n = 0 for n > 0.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.exp(n * np.log(np.where(base == 0, 1.0, base)))
    return np.where(base == 0, np.where(n == 0, 1.0, 0.0), out)


def distances(
    rows: FloatArray, coefficients: tuple[Any, Any, Any]
) -> Callable[[FloatArray], FloatArray]:
    """k ↦ ‖e_k‖ in the data's units, for the start's ``rows`` (see `directions`)."""
    a, c, f = coefficients

    def norms(k: FloatArray) -> FloatArray:
        with np.errstate(all="ignore"):  # an unstable direction overflows to inf: no crossing
            values = norm(recurrence_factors(a, c, f, k) @ rows, axis=1)
        return np.asarray(np.where(np.isnan(values), np.inf, values))

    return norms


def first_crossing(rows: FloatArray, coefficients: tuple[Any, Any, Any], target: float) -> float:
    """The first k with ‖e_k‖ (in the data's units) at most ``target``, for a linear method.

    ``rows`` are the start's components (`directions`). Exhaustive up to 2²⁰ iterations,
    then by doubling and a scan of the last interval; inf if a direction does not converge.
    """
    a, c, _ = coefficients
    norms = distances(rows, coefficients)
    if norms(np.zeros(1))[0] <= target:
        return 0.0
    if spectral_radius(a, c) >= 1.0 and norms(np.array([1e6]))[0] > target:
        return math.inf
    with np.errstate(over="ignore", invalid="ignore"):  # past float64: not taken as orthogonal
        overlap = rows @ rows.T
    if (
        not np.any(c)
        and np.isfinite(overlap).all()
        and np.allclose(
            overlap, np.diag(np.diag(overlap)), rtol=0, atol=1e-12 * np.abs(overlap).max()
        )
    ):
        # gd in orthogonal directions: ‖e_k‖² = Σ_j a_j^{2k} ‖d_j‖² never grows, so the
        # first crossing is found by doubling and bisection.
        return _bisect(norms, target, 1.0)
    first, size = 1, 64  # blocks grow from 64 to 2¹⁵: fast methods cross early
    largest = max(64, min(_BLOCK, _BLOCK_NUMBERS // max(1, np.size(a))))  # many directions
    while first < _EXHAUSTIVE:
        hits = np.flatnonzero(norms(np.arange(first, first + size, dtype=np.float64)) <= target)
        if hits.size:
            return float(first + hits[0])
        first, size = first + size, min(4 * size, largest)
    return _bisect(norms, target, float(first))


def _bisect(norms: Callable[[FloatArray], FloatArray], target: float, start: float) -> float:
    """The first k ≥ start at or below target, for a distance that no longer grows.

    Vectorised: all doublings at once, then a grid of 64 points per round (4 rounds for a
    million iterations) instead of one evaluation per halving.
    """
    doublings = start * np.exp2(np.arange(0.0, 1000.0))  # up to 2¹⁰⁰⁰: tiny steps cross late
    below = np.flatnonzero(norms(doublings) <= target)
    if not below.size:
        return math.inf
    high = float(doublings[below[0]])
    low = high / 2.0 if below[0] > 0 else start - 1.0
    while high - low > 1.0:
        grid = np.unique(np.floor(np.linspace(low, high, 66)[1:-1]))
        grid = grid[(grid > low) & (grid < high)]
        if not grid.size:
            break
        hits = norms(grid) <= target
        first = int(np.argmax(hits)) if hits.any() else grid.size
        high = float(grid[first]) if first < grid.size else high
        low = float(grid[first - 1]) if first > 0 else low
    return high


def stable_count(
    rows: FloatArray,
    coefficients: tuple[Any, Any, Any],
    perturbed: list[tuple[tuple[Any, Any, Any], float]],
    count: float,
) -> bool:
    """Whether each perturbed problem (its coefficients and target) first crosses within
    ±2 of ``count``, judged on a window of the 256 iterations before (a distance that
    oscillates, as momentum's does, may cross and rise again)."""
    if not math.isfinite(count):
        return True
    window = np.arange(max(count - 256.0, 0.0), count + 3.0)
    for coeffs, target in perturbed:
        hits = np.flatnonzero(distances(rows, coeffs)(window) <= target)
        if not hits.size or abs(window[hits[0]] - count) > 2:
            return False
    return True
