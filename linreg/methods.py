r"""The optimizers: each one small pure update, with its stability condition and its rate.

Every method is a `Method`: an update $(\theta, g, \text{state}) \to (\theta, \text{state})$
that knows nothing of the loop around it (`linreg.descent`), its default hyperparameters
from the Hessian's eigenvalues $\lambda_{\min} = \ell$, $\lambda_{\max} = L$, its
stability bound, and its predicted number of iterations. The fixed-step methods (gd,
momentum, nesterov) are linear recurrences in each eigen-direction,

$$e_{k+1} = a\,e_k - c\,e_{k-1},\qquad e_1 = f\,e_0,$$

so their prediction is exact (`first_crossing`); steepest descent and CG have classical
bounds; BB and Adam have no iteration-count theory. Adding a method is adding one
`Method` to `METHODS` here (and its test and docs).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from linreg.problem import Quadratic, norm

__all__ = [
    "METHODS",
    "Bound",
    "Method",
    "Prediction",
    "Settings",
    "State",
    "first_crossing",
    "recurrence_factors",
    "spectral_radius",
]

FloatArray = npt.NDArray[np.float64]
#: Scanning for the first crossing is exhaustive up to this many iterations.
_EXHAUSTIVE = 1 << 20
_BLOCK = 1 << 15


class Settings(NamedTuple):
    """The hyperparameters of a run, and the curvature the curvature-aware methods use."""

    learning_rate: float
    momentum: float
    quadratic: Quadratic


class State(NamedTuple):
    """What an update carries to the next: the settings and the method's own memory."""

    settings: Settings
    memory: tuple[Any, ...]


class Prediction(NamedTuple):
    """Predicted iterations and what kind of statement it is.

    ``kind`` is ``"exact"`` (the exact-arithmetic first crossing of the certificate),
    ``"bound"`` (a classical upper bound) or ``"none"`` (no such theory: ``iterations``
    is nan).
    """

    iterations: float
    kind: str


class Bound(NamedTuple):
    """A stability bound on the learning rate: its name as a formula, and its value."""

    name: str
    value: float


Update = Callable[[FloatArray, FloatArray, State], tuple[FloatArray, State]]


@dataclass(frozen=True)
class Method:
    """One optimizer.

    Attributes
    ----------
    name : str
        The ``method=`` name.
    summary : str
        One line, for the docs and ``linreg --help``.
    uses : tuple of str
        Which hyperparameters it takes (``learning_rate``, ``momentum``).
    defaults : callable
        ``(ℓ, L, momentum or None) -> (learning_rate, momentum)``, used for those not
        given (the learning rate may depend on the momentum).
    start : callable
        ``(θ0, settings) -> State``.
    update : callable
        ``(θ, g, state) -> (θ, state)``, pure.
    bound : callable or None
        ``(settings) -> Bound``: the largest stable learning rate, for fixed-step methods.
    recurrence : callable or None
        ``(settings, λ) -> (a, c, f)`` per eigenvalue, for the linear methods.
    classical : callable or None
        ``(settings, quadratic, e0, target) -> Prediction`` for the others.
    minibatch : bool
        Whether it may run on mini-batch gradients.
    """

    name: str
    summary: str
    uses: tuple[str, ...]
    defaults: Callable[[float, float, float | None], tuple[float, float]]
    start: Callable[[FloatArray, Settings], State]
    update: Update
    bound: Callable[[Settings], Bound] | None = None
    recurrence: Callable[[Settings, FloatArray], tuple[Any, Any, Any]] | None = None
    classical: Callable[[Settings, Quadratic, FloatArray, float], Prediction] | None = None
    minibatch: bool = False


def _plain(theta: FloatArray, settings: Settings) -> State:
    return State(settings, ())


# --- gd: the livestream's fixed step ------------------------------------------------------


def _gd_update(theta: FloatArray, g: FloatArray, state: State) -> tuple[FloatArray, State]:
    # θ ← θ − η∇E        stable iff 0 < η < 2/L;  rate max|1 − ηλ|, best (κ−1)/(κ+1)
    return theta - state.settings.learning_rate * g, state


def _gd_defaults(low: float, high: float, momentum: float | None) -> tuple[float, float]:
    # The best fixed step: η = 2/(ℓ + L) makes |1 − ηℓ| = |1 − ηL| = (κ − 1)/(κ + 1).
    return 2.0 / (low + high), 0.0


def _gd_recurrence(settings: Settings, lam: FloatArray) -> tuple[Any, Any, Any]:
    step = 1.0 - settings.learning_rate * lam
    return step, np.zeros_like(lam), step


# --- momentum: Polyak's heavy ball ----------------------------------------------------------


def _momentum_start(theta: FloatArray, settings: Settings) -> State:
    return State(settings, (np.zeros_like(theta),))


def _momentum_update(theta: FloatArray, g: FloatArray, state: State) -> tuple[FloatArray, State]:
    rate, mu = state.settings.learning_rate, state.settings.momentum
    # v ← μv + ∇E ;  θ ← θ − ηv      stable iff 0 < η < 2(1 + μ)/L
    velocity = mu * state.memory[0] + g
    return theta - rate * velocity, State(state.settings, (velocity,))


def _momentum_defaults(low: float, high: float, momentum: float | None) -> tuple[float, float]:
    # Polyak's optimum: μ = ((√κ − 1)/(√κ + 1))², η = 2(1 + μ)/(L + ℓ) = 4/(√L + √ℓ)²,
    # rate (√κ − 1)/(√κ + 1). For another μ, the same η = 2(1 + μ)/(L + ℓ) centres the
    # stable range 0 < ηλ < 2(1 + μ) on the spectrum.
    root_l, root_h = math.sqrt(low), math.sqrt(high)
    mu = ((root_h - root_l) / (root_h + root_l)) ** 2 if momentum is None else momentum
    return 2.0 * (1.0 + mu) / (low + high), mu


def _momentum_recurrence(settings: Settings, lam: FloatArray) -> tuple[Any, Any, Any]:
    # e_{k+1} = (1 + μ − ηλ) e_k − μ e_{k−1},  e_1 = (1 − ηλ) e_0
    rate, mu = settings.learning_rate, settings.momentum
    return 1.0 + mu - rate * lam, np.full_like(lam, mu), 1.0 - rate * lam


# --- nesterov: the gradient at the look-ahead point ------------------------------------------


def _nesterov_start(theta: FloatArray, settings: Settings) -> State:
    return State(settings, (theta,))


def _nesterov_update(theta: FloatArray, g: FloatArray, state: State) -> tuple[FloatArray, State]:
    # The loop's θ is the look-ahead point y_k, where the gradient is taken:
    # x_{k+1} = y_k − η∇E(y_k) ;  y_{k+1} = x_{k+1} + μ(x_{k+1} − x_k)
    # stable iff 0 < η < 2(1 + μ)/((1 + 2μ)L)
    rate, mu = state.settings.learning_rate, state.settings.momentum
    ahead = theta - rate * g
    return ahead + mu * (ahead - state.memory[0]), State(state.settings, (ahead,))


def _nesterov_defaults(low: float, high: float, momentum: float | None) -> tuple[float, float]:
    # Nesterov's constants for a strongly convex quadratic: η = 1/L, μ = (√κ − 1)/(√κ + 1)
    root_kappa = math.sqrt(high / low)
    mu = (root_kappa - 1.0) / (root_kappa + 1.0) if momentum is None else momentum
    return 1.0 / high, mu


def _nesterov_recurrence(settings: Settings, lam: FloatArray) -> tuple[Any, Any, Any]:
    # With t = 1 − ηλ:  e_{k+1} = (1 + μ)t e_k − μt e_{k−1},  e_1 = ((1 + μ)t − μ) e_0
    rate, mu = settings.learning_rate, settings.momentum
    t = 1.0 - rate * lam
    return (1.0 + mu) * t, mu * t, (1.0 + mu) * t - mu


# --- steepest descent: exact line search ----------------------------------------------------


def _steepest_update(theta: FloatArray, g: FloatArray, state: State) -> tuple[FloatArray, State]:
    # α = gᵀg / gᵀHg ;  θ ← θ − αg      always stable; E − E* shrinks by ((κ−1)/(κ+1))² a step
    curvature = float(g @ (state.settings.quadratic.hessian @ g))
    if curvature <= 0.0:
        return theta, state  # g = 0: at the optimum
    return theta - (float(g @ g) / curvature) * g, state


def _steepest_bound(
    settings: Settings, quadratic: Quadratic, e0: FloatArray, target: float
) -> Prediction:
    kappa = quadratic.effective_condition_number
    return _energy_bound(quadratic, e0, target, (kappa - 1.0) / (kappa + 1.0), 1.0)


# --- Barzilai–Borwein: the step from the last two gradients ---------------------------------


def _bb_start(theta: FloatArray, settings: Settings) -> State:
    return State(settings, (None, None))


def _bb_update(theta: FloatArray, g: FloatArray, state: State) -> tuple[FloatArray, State]:
    previous, previous_g = state.memory
    if previous is None:  # the first step: an exact line search
        moved, _ = _steepest_update(theta, g, state)
        return moved, State(state.settings, (theta, g))
    # s = θ_k − θ_{k−1}, r = g_k − g_{k−1} ;  α = sᵀs/sᵀr ;  θ ← θ − αg   (not monotone)
    s, r = theta - previous, g - previous_g
    bend = float(s @ r)
    if bend <= 0.0:
        return theta, State(state.settings, (theta, g))  # s = 0: at the optimum
    return theta - (float(s @ s) / bend) * g, State(state.settings, (theta, g))


# --- conjugate gradients ---------------------------------------------------------------------


def _cg_start(theta: FloatArray, settings: Settings) -> State:
    return State(settings, (np.zeros_like(theta), math.inf, 0))


def _cg_update(theta: FloatArray, g: FloatArray, state: State) -> tuple[FloatArray, State]:
    direction, previous_gg, count = state.memory
    gg = float(g @ g)
    if gg == 0.0:
        return theta, state
    # β = gᵀg / g₋ᵀg₋ (Fletcher–Reeves) ;  d ← −g + βd ; restart every d steps
    restart = count % theta.shape[0] == 0
    direction = -g + (0.0 if restart else gg / previous_gg) * direction
    curvature = float(direction @ (state.settings.quadratic.hessian @ direction))
    if curvature <= 0.0:
        return theta, state
    # α = −gᵀd / dᵀHd ;  θ ← θ + αd      at most d steps in exact arithmetic
    alpha = -float(g @ direction) / curvature
    return theta + alpha * direction, State(state.settings, (direction, gg, count + 1))


def _cg_bound(
    settings: Settings, quadratic: Quadratic, e0: FloatArray, target: float
) -> Prediction:
    root = math.sqrt(quadratic.effective_condition_number)
    bound = _energy_bound(quadratic, e0, target, (root - 1.0) / (root + 1.0), 2.0)
    return Prediction(min(bound.iterations, float(e0.shape[0])), "bound")


# --- Adam ------------------------------------------------------------------------------------

_BETA2, _ADAM_EPS = 0.999, 1e-8


def _adam_start(theta: FloatArray, settings: Settings) -> State:
    return State(settings, (np.zeros_like(theta), np.zeros_like(theta), 0))


def _adam_update(theta: FloatArray, g: FloatArray, state: State) -> tuple[FloatArray, State]:
    rate, beta1 = state.settings.learning_rate, state.settings.momentum
    first, second, t = state.memory
    t += 1
    # m ← β₁m + (1 − β₁)g ;  v ← β₂v + (1 − β₂)g²
    first = beta1 * first + (1.0 - beta1) * g
    second = _BETA2 * second + (1.0 - _BETA2) * g * g
    # θ ← θ − η m̂/(√v̂ + ε),  m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)   steps of size ≈ η
    corrected = first / (1.0 - beta1**t)
    spread = np.sqrt(second / (1.0 - _BETA2**t)) + _ADAM_EPS
    return theta - rate * corrected / spread, State(state.settings, (first, second, t))


# --- Newton ----------------------------------------------------------------------------------


def _newton_update(theta: FloatArray, g: FloatArray, state: State) -> tuple[FloatArray, State]:
    # θ ← θ − H⁺∇E      the optimum in one step on a quadratic
    return theta - state.settings.quadratic.solve(g), state


def _newton_prediction(
    settings: Settings, quadratic: Quadratic, e0: FloatArray, target: float
) -> Prediction:
    return Prediction(0.0 if _data_norm(quadratic, e0) <= target else 1.0, "exact")


def _none(settings: Settings, quadratic: Quadratic, e0: FloatArray, target: float) -> Prediction:
    return Prediction(math.nan, "none")


def _no_defaults(low: float, high: float, momentum: float | None) -> tuple[float, float]:
    return math.nan, 0.0


def _adam_defaults(low: float, high: float, momentum: float | None) -> tuple[float, float]:
    # Kingma and Ba's defaults (η = 0.001, β₁ = 0.9); Adam has no eigenvalue theory.
    return 1e-3, 0.9 if momentum is None else momentum


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method(
            "gd",
            "fixed step (the livestream's)",
            ("learning_rate",),
            _gd_defaults,
            _plain,
            _gd_update,
            bound=lambda s: Bound("2/lambda_max", 2.0 / s.quadratic.lambda_max),
            recurrence=_gd_recurrence,
            minibatch=True,
        ),
        Method(
            "momentum",
            "heavy ball (Polyak)",
            ("learning_rate", "momentum"),
            _momentum_defaults,
            _momentum_start,
            _momentum_update,
            bound=lambda s: Bound(
                "2(1+mu)/lambda_max", 2.0 * (1.0 + s.momentum) / s.quadratic.lambda_max
            ),
            recurrence=_momentum_recurrence,
            minibatch=True,
        ),
        Method(
            "nesterov",
            "Nesterov's accelerated gradient",
            ("learning_rate", "momentum"),
            _nesterov_defaults,
            _nesterov_start,
            _nesterov_update,
            bound=lambda s: Bound(
                "2(1+mu)/((1+2mu) lambda_max)",
                2.0 * (1.0 + s.momentum) / ((1.0 + 2.0 * s.momentum) * s.quadratic.lambda_max),
            ),
            recurrence=_nesterov_recurrence,
        ),
        Method(
            "steepest",
            "steepest descent with exact line search",
            (),
            _no_defaults,
            _plain,
            _steepest_update,
            classical=_steepest_bound,
        ),
        Method(
            "bb",
            "Barzilai-Borwein step",
            (),
            _no_defaults,
            _bb_start,
            _bb_update,
            classical=_none,
        ),
        Method(
            "adam",
            "Adam (Kingma and Ba)",
            ("learning_rate", "momentum"),
            _adam_defaults,
            _adam_start,
            _adam_update,
            classical=_none,
            minibatch=True,
        ),
        Method(
            "cg",
            "conjugate gradients",
            (),
            _no_defaults,
            _cg_start,
            _cg_update,
            classical=_cg_bound,
        ),
        Method(
            "newton",
            "Newton's method (one step)",
            (),
            _no_defaults,
            _plain,
            _newton_update,
            classical=_newton_prediction,
        ),
    )
}


# --- predictions -------------------------------------------------------------------------------


def _data_norm(quadratic: Quadratic, e: FloatArray) -> float:
    return float(norm(quadratic.coords.rows_to_data(e[None, :])[0]))


def _energy_bound(
    quadratic: Quadratic, e0: FloatArray, target: float, rate: float, factor: float
) -> Prediction:
    r"""Iterations after which $\lVert e_k\rVert \le$ target follows from
    $\lVert e_k\rVert_H \le \text{factor}\cdot\text{rate}^k\lVert e_0\rVert_H$."""
    energy = math.sqrt(max(float(e0 @ (quadratic.hessian @ e0)), 0.0))
    stretch = float(np.linalg.norm(quadratic.coords.rows_to_data(np.eye(e0.shape[0])), 2))
    low = float(quadratic.eigenvalues[-1]) / quadratic.effective_condition_number
    start = factor * stretch * energy / math.sqrt(low)
    if start <= target:
        return Prediction(0.0, "bound")
    if rate <= 0.0:
        return Prediction(1.0, "bound")
    return Prediction(float(math.ceil(math.log(target / start) / math.log(rate))), "bound")


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


def first_crossing(
    quadratic: Quadratic, e0: FloatArray, coefficients: tuple[Any, Any, Any], target: float
) -> float:
    """The first k with ‖e_k‖ (in the data's units) at most ``target``, for a linear method.

    Exhaustive up to 2²⁰ iterations, then by doubling and a scan of the last interval;
    inf if a direction does not converge.
    """
    a, c, f = coefficients
    basis = quadratic.eigenvectors
    directions = quadratic.coords.rows_to_data(basis.T) * (basis.T @ e0)[:, None]

    def norms(k: FloatArray) -> FloatArray:
        with np.errstate(all="ignore"):  # an unstable direction overflows to inf: no crossing
            values = norm(recurrence_factors(a, c, f, k) @ directions, axis=1)
        return np.asarray(np.where(np.isnan(values), np.inf, values))

    if norms(np.zeros(1))[0] <= target:
        return 0.0
    if spectral_radius(a, c) >= 1.0 and norms(np.array([1e6]))[0] > target:
        return math.inf
    overlap = directions @ directions.T
    if not np.any(c) and np.allclose(
        overlap, np.diag(np.diag(overlap)), rtol=0, atol=1e-12 * np.abs(overlap).max()
    ):
        # gd in orthogonal directions: ‖e_k‖² = Σ_j a_j^{2k} ‖d_j‖² never grows, so the
        # first crossing is found by doubling and bisection.
        return _bisect(norms, target, 1.0)
    first, size = 1, 64  # blocks grow from 64 to 2¹⁵: fast methods cross early
    while first < _EXHAUSTIVE:
        hits = np.flatnonzero(norms(np.arange(first, first + size, dtype=np.float64)) <= target)
        if hits.size:
            return float(first + hits[0])
        first, size = first + size, min(4 * size, _BLOCK)
    return _bisect(norms, target, float(first))


def _bisect(norms: Callable[[FloatArray], FloatArray], target: float, start: float) -> float:
    """The first k ≥ start at or below target, for a distance that no longer grows.

    Vectorised: all doublings at once, then a grid of 64 points per round (4 rounds for a
    million iterations) instead of one evaluation per halving.
    """
    doublings = start * np.exp2(np.arange(0.0, 51.0))
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
