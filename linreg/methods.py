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

from linreg.blas import norm
from linreg.predictions import Prediction, energy_bound
from linreg.problem import Quadratic

__all__ = ["METHODS", "Bound", "Method", "Settings", "State"]

FloatArray = npt.NDArray[np.float64]


class Settings(NamedTuple):
    """The hyperparameters of a run, and the curvature the curvature-aware methods use."""

    learning_rate: float
    momentum: float
    quadratic: Quadratic


class State(NamedTuple):
    """What an update carries to the next: the settings and the method's own memory."""

    settings: Settings
    memory: tuple[Any, ...]


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
    return energy_bound(quadratic, e0, target, (kappa - 1.0) / (kappa + 1.0), 1.0)


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


#: Up to this condition number CG's finite termination (at most d steps in exact
#: arithmetic) survives rounding; beyond it, rounding delays CG by up to a hundredfold
#: (measured from κ ≈ 1e4: 57 steps for d = 4 at κ = 4e5), so only the √κ bound is quoted.
CG_FINITE_KAPPA = 1e3


def _cg_bound(
    settings: Settings, quadratic: Quadratic, e0: FloatArray, target: float
) -> Prediction:
    kappa = quadratic.effective_condition_number
    root = math.sqrt(kappa)
    bound = energy_bound(quadratic, e0, target, (root - 1.0) / (root + 1.0), 2.0)
    if kappa > CG_FINITE_KAPPA or bound.kind != "bound":
        return bound
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
    distance = norm(quadratic.coords.rows_to_data(e0[None, :])[0])
    return Prediction(0.0 if distance <= target else 1.0, "exact")


def _none(settings: Settings, quadratic: Quadratic, e0: FloatArray, target: float) -> Prediction:
    return Prediction(math.nan, "none", "no theory predicts this method's iteration count")


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
