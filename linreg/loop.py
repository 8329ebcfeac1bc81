r"""The loop every method runs: evaluate, record, watch, certify, update.

It knows no method by name: a method's update is called through the `linreg.seam`
declaration, and where a method declares a closed form (gd on the statistics, see
`linreg.spectral`) the whole run is evaluated at once. The oracle is the statistics'
kernel (`linreg.moments`) or, for ``evaluate="pass"`` and mini-batches, the data's
(`linreg.loss`); the verdict at each iterate is `linreg.certificate.Judge`'s.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg.arguments import Request
from linreg.certificate import Judge
from linreg.errors import DivergenceError, InputError
from linreg.history import History
from linreg.loss import TOO_LARGE, _loss_and_gradient
from linreg.problem import Quadratic
from linreg.seam import Settings

__all__ = ["Trace", "raise_overflow", "run"]

FloatArray = npt.NDArray[np.float64]
#: A mini-batch run has diverged when its full loss has grown by this factor.
_MINIBATCH_GROWTH = 1e6
Advance = Callable[[FloatArray, FloatArray, Any], tuple[FloatArray, Any]]


@dataclass(frozen=True)
class Trace:
    """Where a run ended (in the coordinates descended) and how it got there.

    ``history`` is every loss when kept whole (`linreg.history`), else None; the first
    and the last are kept either way."""

    theta: FloatArray
    history: FloatArray | None
    start_loss: float
    loss: float
    n_done: int
    reason: str
    path: FloatArray | None


@dataclass(frozen=True)
class _Plan:
    """The loop's rules besides the update: length, stopping, divergence.

    ``stops`` is None without ``tol``; otherwise it takes a block of iterates (rows, in
    the coordinates descended) and returns the first whose verdict is "converged".
    """

    iterations: int
    keep_path: bool
    stops: Callable[[FloatArray], int | None] | None
    watch: Callable[[int, float, float], None]
    history: History


def run(
    request: Request,
    settings: Settings,
    quadratic: Quadratic,
    theta0: FloatArray,
    data: tuple[FloatArray, FloatArray] | None,
    judge: Judge,
) -> Trace:
    """Pick the evaluation: closed-form iterates, steps on the moments, or on the data."""
    features = None if data is None else data[0]
    history = History(request.iterations, request.history)
    plan = _Plan(
        request.iterations,
        request.keep_path,
        None if request.tol is None else judge.first_converged,
        _watcher(request, settings, quadratic, features, history),
        history,
    )
    method = request.method
    if request.evaluate == "moments" and method.closed_form is not None:
        theta, n_done, reason, path = method.closed_form(
            quadratic, settings, theta0, plan.iterations, plan.stops, plan.keep_path,
            plan.watch, history,
        )  # fmt: skip
        return _trace(theta, history, n_done, reason, path)
    oracle: Callable[[FloatArray], tuple[float, FloatArray]] = quadratic.loss_and_gradient

    def advance(theta: FloatArray, g: FloatArray, state: Any) -> tuple[FloatArray, Any]:
        return method.update(theta, g, state, settings)

    if data is not None and request.evaluate == "pass":
        features, target = data
        z = quadratic.coords.features(features)
        if request.batch_size is None:
            oracle = _data_oracle(quadratic, z, target)
        else:
            batch = (request.batch_size, request.seed)
            advance = _epoch(quadratic, advance, z, target, *batch)  # type: ignore[assignment]
    return _loop(oracle, advance, method.start(theta0, settings), theta0, plan)


def _data_oracle(
    quadratic: Quadratic, z: FloatArray, target: FloatArray
) -> Callable[[FloatArray], tuple[float, FloatArray]]:
    """Loss and gradient from the data, by the `linreg.loss` kernel."""

    def oracle(theta: FloatArray) -> tuple[float, FloatArray]:
        u, b = quadratic.split(theta)
        loss, grad_u, grad_b = _loss_and_gradient(z, target, u, b, quadratic.penalty)
        return loss, quadratic.join(grad_u, grad_b)

    return oracle


def _epoch(
    quadratic: Quadratic, step: Advance, z: FloatArray, target: FloatArray, batch: int, seed: Any
) -> Advance:
    """One pass over shuffled mini-batches, each an update on its own gradient."""
    rng = np.random.default_rng(seed)
    n = target.shape[0]
    pieces = math.ceil(n / min(batch, n))

    def epoch(theta: FloatArray, g: FloatArray, state: Any) -> tuple[FloatArray, Any]:
        for rows in np.array_split(rng.permutation(n), pieces):
            u, b = quadratic.split(theta)
            _, grad_u, grad_b = _loss_and_gradient(z[rows], target[rows], u, b, quadratic.penalty)
            theta, state = step(theta, quadratic.join(grad_u, grad_b), state)
        return theta, state

    return epoch


def _loop(
    oracle: Callable[[FloatArray], tuple[float, FloatArray]],
    advance: Advance,
    state: Any,
    theta: FloatArray,
    plan: _Plan,
) -> Trace:
    """The loop: evaluate, record, watch, certify, update. It knows no method."""
    history = plan.history
    path = np.empty((plan.iterations + 1, theta.shape[0])) if plan.keep_path else None
    for k in range(plan.iterations + 1):
        loss, g = oracle(theta)
        history.one(loss)
        if path is not None:
            path[k] = theta
        plan.watch(k, loss, history.previous)
        if plan.stops is not None and plan.stops(theta[None, :]) is not None:
            return _trace(theta, history, k, "tol", None if path is None else path[: k + 1])
        if k == plan.iterations:
            break
        theta, state = advance(theta, g, state)
    return _trace(theta, history, plan.iterations, "num_iterations", path)


def _trace(
    theta: FloatArray, history: History, n_done: int, reason: str, path: FloatArray | None
) -> Trace:
    kept = history.array(n_done + 1)
    return Trace(theta, kept, history.first, history.latest, n_done, reason, path)


def _watcher(
    request: Request,
    settings: Settings,
    quadratic: Quadratic,
    features: FloatArray | None,
    history: History,
) -> Callable[[int, float, float], None]:
    """The divergence rule: the loss grew with a step above the method's bound."""
    bound = request.method.bound(settings) if request.method.bound else None
    unstable = bound is not None and settings.learning_rate >= bound.value

    def watch(k: int, loss: float, previous: float) -> None:
        if k == 0:
            return
        if request.batch_size is not None:
            if not loss <= _MINIBATCH_GROWTH * history.first:
                raise _minibatch_divergence(request, settings, quadratic, features, k)
        elif unstable and loss > previous:
            assert bound is not None
            raise DivergenceError(
                settings.learning_rate, bound.value, k,
                method=request.method.name, bound_name=bound.name,
            )  # fmt: skip

    return watch


def _minibatch_divergence(
    request: Request,
    settings: Settings,
    quadratic: Quadratic,
    features: FloatArray | None,
    k: int | None,
) -> DivergenceError:
    """Mini-batch steps follow one batch's curvature, up to 2·max‖zᵢ‖² (zᵢ = [xᵢ; 1])."""
    assert features is not None
    z = quadratic.coords.features(features)
    reach = float(np.max(np.einsum("ij,ij->i", z, z))) + float(request.intercept)
    worst = 2.0 * reach + 2.0 * float(np.max(quadratic.penalty, initial=0.0))
    return DivergenceError(
        settings.learning_rate, 2.0 / worst, k, method=request.method.name,
        bound_name="2/(largest single-batch curvature 2*max|z_i|^2)",
        minibatch=int(request.batch_size or 0),
    )  # fmt: skip


def raise_overflow(request: Request, settings: Settings) -> None:
    bound = request.method.bound(settings) if request.method.bound else None
    if request.batch_size is not None or (bound and settings.learning_rate >= bound.value):
        raise DivergenceError(
            settings.learning_rate, bound.value if bound else math.nan, None,
            method=request.method.name, bound_name=bound.name if bound else "",
        )  # fmt: skip
    # Below the bound the loss cannot grow: the data themselves are too large.
    raise InputError(TOO_LARGE)
