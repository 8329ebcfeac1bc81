r"""The optimizers: each one small pure update, with its stability condition and its rate.

Every method is a `linreg.seam.Method`: its options (with defaults from the Hessian's
eigenvalues $\lambda_{\min} = \ell$, $\lambda_{\max} = L$), a pure update that knows
nothing of the loop around it (`linreg.descent`), its stability bound, and its
prediction. The fixed-step methods (gd, momentum, nesterov) are linear recurrences in
each eigen-direction,

$$e_{k+1} = a\,e_k - c\,e_{k-1},\qquad e_1 = f\,e_0,$$

so their prediction is exact (`linreg.predictions.first_crossing`); steepest descent and
CG have classical bounds; BB and Adam have no iteration-count theory. Adding a method is
adding one `Method` to `METHODS` here (and its test and docs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg.blas import norm
from linreg.doubledouble import EPS
from linreg.predictions import Prediction, energy_bound
from linreg.problem import Quadratic
from linreg.seam import Bound, Curvature, Method, Option, Settings, no_theory
from linreg.spectral import fixed_step_iterates

__all__ = ["CG_FINITE_KAPPA", "METHODS"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Stateless:
    """The state of a method with no memory."""


def _stateless(theta: FloatArray, settings: Settings) -> Stateless:
    return Stateless()


def _learning_rate(default: Any, summary: str = "the step size eta") -> Option:
    return Option("learning_rate", summary, default, 0.0, math.inf, "()")


def _momentum(default: Any) -> Option:
    return Option("momentum", "the momentum mu", default, 0.0, 1.0, "[)")


#: The largest float64 below 1: past κ ≈ 1/ε² the defaults below round to 1, where the
#: recurrence has no damping at all; they stay inside their range [0, 1) instead.
_BELOW_ONE = 1.0 - 2.0**-53


# --- gd: the livestream's fixed step ------------------------------------------------------


def _gd_update(
    theta: FloatArray, g: FloatArray, state: Stateless, settings: Settings
) -> tuple[FloatArray, Stateless]:
    # θ ← θ − η∇E        stable iff 0 < η < 2/L;  rate max|1 − ηλ|, best (κ−1)/(κ+1)
    return theta - settings.learning_rate * g, state


def _gd_rate(c: Curvature) -> float:
    # The best fixed step: η = 2/(ℓ + L) makes |1 − ηℓ| = |1 − ηL| = (κ − 1)/(κ + 1).
    return 2.0 / (c.low + c.high)


def _gd_recurrence(settings: Settings, lam: FloatArray) -> tuple[Any, Any, Any]:
    step = 1.0 - settings.learning_rate * lam
    return step, np.zeros_like(lam), step


# --- momentum: Polyak's heavy ball ----------------------------------------------------------


@dataclass(frozen=True)
class Velocity:
    """Heavy ball's memory: the velocity v."""

    v: FloatArray


def _momentum_start(theta: FloatArray, settings: Settings) -> Velocity:
    return Velocity(np.zeros_like(theta))


def _momentum_update(
    theta: FloatArray, g: FloatArray, state: Velocity, settings: Settings
) -> tuple[FloatArray, Velocity]:
    # v ← μv + ∇E ;  θ ← θ − ηv      stable iff 0 < η < 2(1 + μ)/L
    velocity = settings.momentum * state.v + g
    return theta - settings.learning_rate * velocity, Velocity(velocity)


def _polyak_mu(c: Curvature) -> float:
    # Polyak's optimum: μ = ((√κ − 1)/(√κ + 1))², rate (√κ − 1)/(√κ + 1)
    root_l, root_h = math.sqrt(c.low), math.sqrt(c.high)
    return min(((root_h - root_l) / (root_h + root_l)) ** 2, _BELOW_ONE)


def _momentum_rate(c: Curvature) -> float:
    # η = 2(1 + μ)/(L + ℓ) (= 4/(√L + √ℓ)² at Polyak's μ): it centres the stable range
    # 0 < ηλ < 2(1 + μ) on the spectrum, for any μ.
    return 2.0 * (1.0 + c.chosen["momentum"]) / (c.low + c.high)


def _momentum_recurrence(settings: Settings, lam: FloatArray) -> tuple[Any, Any, Any]:
    # e_{k+1} = (1 + μ − ηλ) e_k − μ e_{k−1},  e_1 = (1 − ηλ) e_0
    rate, mu = settings.learning_rate, settings.momentum
    return 1.0 + mu - rate * lam, np.full_like(lam, mu), 1.0 - rate * lam


# --- nesterov: the gradient at the look-ahead point ------------------------------------------


@dataclass(frozen=True)
class Previous:
    """Nesterov's memory: the last point x_k (the loop's θ is the look-ahead y_k)."""

    x: FloatArray


def _nesterov_start(theta: FloatArray, settings: Settings) -> Previous:
    return Previous(theta)


def _nesterov_update(
    theta: FloatArray, g: FloatArray, state: Previous, settings: Settings
) -> tuple[FloatArray, Previous]:
    # x_{k+1} = y_k − η∇E(y_k) ;  y_{k+1} = x_{k+1} + μ(x_{k+1} − x_k)
    # stable iff 0 < η < 2(1 + μ)/((1 + 2μ)L)
    ahead = theta - settings.learning_rate * g
    return ahead + settings.momentum * (ahead - state.x), Previous(ahead)


def _nesterov_mu(c: Curvature) -> float:
    # Nesterov's constants for a strongly convex quadratic: μ = (√κ − 1)/(√κ + 1), η = 1/L
    root_kappa = math.sqrt(c.high / c.low)
    return min((root_kappa - 1.0) / (root_kappa + 1.0), _BELOW_ONE)


def _nesterov_rate(c: Curvature) -> float:
    return 1.0 / c.high


def _nesterov_recurrence(settings: Settings, lam: FloatArray) -> tuple[Any, Any, Any]:
    # With t = 1 − ηλ:  e_{k+1} = (1 + μ)t e_k − μt e_{k−1},  e_1 = ((1 + μ)t − μ) e_0
    rate, mu = settings.learning_rate, settings.momentum
    t = 1.0 - rate * lam
    return (1.0 + mu) * t, mu * t, (1.0 + mu) * t - mu


# --- steepest descent: exact line search ----------------------------------------------------


def _steepest_update(
    theta: FloatArray, g: FloatArray, state: Any, settings: Settings
) -> tuple[FloatArray, Any]:
    # α = gᵀg / gᵀHg ;  θ ← θ − αg      always stable; E − E* shrinks by ((κ−1)/(κ+1))² a step
    curvature = float(g @ (settings.quadratic.hessian @ g))
    if curvature <= 0.0:
        return theta, state  # g = 0: at the optimum
    return theta - (float(g @ g) / curvature) * g, state


def _steepest_bound(
    settings: Settings, quadratic: Quadratic, e0: FloatArray, target: float
) -> Prediction:
    kappa = quadratic.effective_condition_number
    return energy_bound(quadratic, e0, target, 2.0 / (kappa + 1.0), 1.0)


# --- Barzilai–Borwein: the step from the last two gradients ---------------------------------


@dataclass(frozen=True)
class LastStep:
    """BB's memory: the last point and its gradient (None before the first step)."""

    theta: FloatArray | None
    g: FloatArray | None


def _bb_start(theta: FloatArray, settings: Settings) -> LastStep:
    return LastStep(None, None)


def _bb_update(
    theta: FloatArray, g: FloatArray, state: LastStep, settings: Settings
) -> tuple[FloatArray, LastStep]:
    if state.theta is None or state.g is None:  # the first step: an exact line search
        return _steepest_update(theta, g, None, settings)[0], LastStep(theta, g)
    # s = θ_k − θ_{k−1}, r = g_k − g_{k−1} ;  α = sᵀs/sᵀr ;  θ ← θ − αg   (not monotone)
    s, r = theta - state.theta, g - state.g
    bend = float(s @ r)
    if bend <= 0.0:
        return theta, LastStep(theta, g)  # s = 0: at the optimum
    return theta - (float(s @ s) / bend) * g, LastStep(theta, g)


# --- conjugate gradients ---------------------------------------------------------------------


@dataclass(frozen=True)
class Direction:
    """CG's memory: the search direction, the last gᵀg, and the steps since a restart."""

    d: FloatArray
    gg: float
    count: int


def _cg_start(theta: FloatArray, settings: Settings) -> Direction:
    return Direction(np.zeros_like(theta), math.inf, 0)


def _cg_update(
    theta: FloatArray, g: FloatArray, state: Direction, settings: Settings
) -> tuple[FloatArray, Direction]:
    gg = float(g @ g)
    if gg == 0.0:
        return theta, state
    # β = gᵀg / g₋ᵀg₋ (Fletcher–Reeves) ;  d ← −g + βd ; restart every d steps
    restart = state.count == 0
    direction = -g + (0.0 if restart else gg / state.gg) * state.d
    curvature = float(direction @ (settings.quadratic.hessian @ direction))
    if curvature <= 0.0:
        return theta, state
    # α = −gᵀd / dᵀHd ;  θ ← θ + αd      at most d steps in exact arithmetic
    alpha = -float(g @ direction) / curvature
    # (the count since a restart kept modulo d: a state that repeats, see linreg.loop)
    return theta + alpha * direction, Direction(direction, gg, (state.count + 1) % theta.shape[0])


#: Up to this condition number CG's finite termination (at most d steps in exact
#: arithmetic) survives rounding; beyond it, rounding delays CG by up to a hundredfold
#: (measured from κ ≈ 1e4: 57 steps for d = 4 at κ = 4e5), so only the √κ bound is quoted.
CG_FINITE_KAPPA = 1e3


def _cg_bound(
    settings: Settings, quadratic: Quadratic, e0: FloatArray, target: float
) -> Prediction:
    kappa = quadratic.effective_condition_number
    root = math.sqrt(kappa)
    bound = energy_bound(quadratic, e0, target, 2.0 / (root + 1.0), 2.0)
    if kappa > CG_FINITE_KAPPA or bound.kind != "bound":
        return bound
    return Prediction(min(bound.iterations, float(e0.shape[0])), "bound")


# --- Adam ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moments2:
    """Adam's memory: the first and second moment estimates, and the step count t."""

    m: FloatArray
    v: FloatArray
    t: int


def _adam_start(theta: FloatArray, settings: Settings) -> Moments2:
    return Moments2(np.zeros_like(theta), np.zeros_like(theta), 0)


def _adam_update(
    theta: FloatArray, g: FloatArray, state: Moments2, settings: Settings
) -> tuple[FloatArray, Moments2]:
    beta1, beta2, t = settings["beta1"], settings["beta2"], state.t + 1
    # m ← β₁m + (1 − β₁)g ;  v ← β₂v + (1 − β₂)g²
    first = beta1 * state.m + (1.0 - beta1) * g
    second = beta2 * state.v + (1.0 - beta2) * g * g
    # θ ← θ − η m̂/(√v̂ + ε),  m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)   steps of size ≈ η
    corrected = first / (1.0 - beta1**t)
    spread = np.sqrt(second / (1.0 - beta2**t)) + settings["epsilon"]
    return theta - settings.learning_rate * corrected / spread, Moments2(first, second, t)


_ADAM = (  # Kingma and Ba's defaults; Adam has no eigenvalue theory
    _learning_rate(1e-3),
    Option("beta1", "the first moment's decay beta1", 0.9, 0.0, 1.0, "[)", ("momentum",)),
    Option("beta2", "the second moment's decay beta2", 0.999, 0.0, 1.0, "[)"),
    Option("epsilon", "the denominator's guard epsilon", 1e-8, 0.0, math.inf, "()"),
)


# --- Newton ----------------------------------------------------------------------------------


def _newton_update(
    theta: FloatArray, g: FloatArray, state: Stateless, settings: Settings
) -> tuple[FloatArray, Stateless]:
    # θ ← θ − H⁻¹∇E      the optimum in one step on a quadratic
    return theta - settings.quadratic.solve(g), state


def _newton_prediction(
    settings: Settings, quadratic: Quadratic, e0: FloatArray, target: float
) -> Prediction:
    distance = norm(quadratic.coords.rows_to_data(e0[None, :])[0])
    if distance <= target:
        return Prediction(0.0, "exact")
    # float64's step is off by about κu of its length (the gradient's rounding, times H⁻¹)
    off = 64 * EPS * quadratic.effective_condition_number
    if not off < 1:
        kappa = quadratic.effective_condition_number
        return Prediction(math.nan, "none", "float64's Newton step is not accurate here: "
                          "its error is about 64 kappa eps of its length or more, at kappa = "
                          f"{kappa:.3g} (try standardize=True)")  # fmt: skip
    if off * distance > target:
        return Prediction(1.0, "estimate", "float64's Newton step is accurate to about "
                          f"{off:.2g} of its length, more than the tolerance")  # fmt: skip
    return Prediction(1.0, "exact")


def _gd_closed_form(quadratic: Quadratic, settings: Settings, *rest: Any) -> Any:
    # gd on the statistics, every iterate at once (see linreg.spectral)
    return fixed_step_iterates(quadratic, settings.learning_rate, *rest)


def _gd_bound(s: Settings) -> Bound:
    return Bound("2/lambda_max", 2.0 / s.quadratic.lambda_max)


def _momentum_bound(s: Settings) -> Bound:
    return Bound("2(1+mu)/lambda_max", 2.0 * (1.0 + s.momentum) / s.quadratic.lambda_max)


def _nesterov_bound(s: Settings) -> Bound:
    mu, top = s.momentum, s.quadratic.lambda_max
    return Bound("2(1+mu)/((1+2mu) lambda_max)", 2.0 * (1.0 + mu) / ((1.0 + 2.0 * mu) * top))


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("gd", "fixed step (the livestream's)", _stateless, _gd_update,
               (_learning_rate(_gd_rate),), bound=_gd_bound, recurrence=_gd_recurrence,
               minibatch=True, closed_form=_gd_closed_form),
        Method("momentum", "heavy ball (Polyak)", _momentum_start, _momentum_update,
               (_momentum(_polyak_mu), _learning_rate(_momentum_rate)), bound=_momentum_bound,
               recurrence=_momentum_recurrence, minibatch=True),
        Method("nesterov", "Nesterov's accelerated gradient", _nesterov_start,
               _nesterov_update, (_momentum(_nesterov_mu), _learning_rate(_nesterov_rate)),
               bound=_nesterov_bound, recurrence=_nesterov_recurrence),
        Method("steepest", "steepest descent with exact line search", _stateless,
               _steepest_update, classical=_steepest_bound),
        Method("bb", "Barzilai-Borwein step", _bb_start, _bb_update, classical=no_theory),
        Method("adam", "Adam (Kingma and Ba)", _adam_start, _adam_update, _ADAM,
               classical=no_theory, minibatch=True),
        Method("cg", "conjugate gradients", _cg_start, _cg_update, classical=_cg_bound),
        Method("newton", "Newton's method (one step)", _stateless, _newton_update,
               classical=_newton_prediction),
    )
}  # fmt: skip
