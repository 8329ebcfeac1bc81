r"""The loop every method runs: evaluate, record, watch, certify, update.

It knows no method by name: a method's update is called through the `linreg.seam`
declaration, and where a method declares a closed form (gd on the statistics, see
`linreg.spectral`) the whole run is evaluated at once. The oracle is the statistics'
kernel (`linreg.moments`) or, for ``evaluate="pass"`` and mini-batches, the data's
(`linreg.loss`); the verdict at each iterate is `linreg.certificate.Judge`'s.
"""

from __future__ import annotations

import dataclasses
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

__all__ = ["OverflowedError", "Trace", "raise_overflow", "run"]

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
    settles: bool = False  # a fixed point ends the work (not for shuffled mini-batches)


def run(
    request: Request,
    settings: Settings,
    quadratic: Quadratic,
    theta0: FloatArray,
    data: tuple[FloatArray, FloatArray] | None,
    judge: Judge,
    at_rest: bool = False,
) -> Trace:
    """Pick the evaluation: closed-form iterates, steps on the moments, or on the data;
    ``at_rest``, the start at every iteration (a start proven to be the exact optimum)."""
    features = None if data is None else data[0]
    history = History(request.iterations, request.history)
    plan = _Plan(
        request.iterations,
        request.keep_path,
        None if request.tol is None else judge.first_converged,
        _watcher(request, settings, quadratic, features, history),
        history,
        request.batch_size is None,
    )
    method = request.method

    def advance(theta: FloatArray, g: FloatArray, state: Any) -> tuple[FloatArray, Any]:
        return method.update(theta, g, state, settings)

    start = method.start(theta0, settings)
    if at_rest:  # the exact optimum (`linreg.rounded_start.pinned`): stay there
        still = dataclasses.replace(plan, settles=True)
        return _loop(_at_rest(quadratic, theta0), advance, start, theta0, still)
    if request.evaluate == "moments" and method.closed_form is not None:
        theta, n_done, reason, path = method.closed_form(
            quadratic, settings, theta0, plan.iterations, plan.stops, plan.keep_path,
            plan.watch, history,
        )  # fmt: skip
        return _trace(theta, history, n_done, reason, path)
    oracle: Callable[[FloatArray], tuple[float, FloatArray]] = quadratic.loss_and_gradient

    if data is not None and request.evaluate == "pass":
        features, target = data
        z = quadratic.coords.features(features)
        if request.batch_size is None:
            oracle = _data_oracle(quadratic, z, target)
        else:
            batch = (request.batch_size, request.seed)
            advance = _epoch(quadratic, advance, z, target, *batch)  # type: ignore[assignment]
    return _loop(oracle, advance, start, theta0, plan)


def _at_rest(
    quadratic: Quadratic, theta0: FloatArray
) -> Callable[[FloatArray], tuple[float, FloatArray]]:
    """The start's loss and a zero gradient, at every iterate: the exact run from the
    exact optimum, which the methods that `pinned` admits never leave."""
    loss, g = quadratic.loss_and_gradient(theta0)
    zero = np.zeros_like(g)
    return lambda theta: (loss, zero)


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
    path = np.empty((plan.iterations + 1, theta.shape[0])) if plan.keep_path else None
    try:
        return _iterate(oracle, advance, state, theta, plan, path)
    except (FloatingPointError, OverflowError) as error:
        raise OverflowedError(plan.history.done) from error


def _iterate(
    oracle: Callable[[FloatArray], tuple[float, FloatArray]],
    advance: Advance,
    state: Any,
    theta: FloatArray,
    plan: _Plan,
    path: FloatArray | None,
) -> Trace:
    history = plan.history
    cycles = _Cycles(plan.settles)
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
        new_theta, state, cycle = cycles.after(theta, state, loss, advance(theta, g, state))
        theta = new_theta if cycle is None else _repeat(plan, path, k, cycle)
        if cycle is not None:  # every later iteration repeats these: record, skip the work
            break
    return _trace(theta, history, plan.iterations, "num_iterations", path)


class _Cycles:
    """Finds where the iterates start to repeat: an update that returns the iterate and
    state of one or two iterations back, bit for bit (Newton and BB once at the optimum;
    steepest descent and CG alternating between two neighbours in the last bit). The
    update is a pure function of them, so every later iteration repeats that cycle.
    Looked for every `_CYCLE_CHECK` iterations: a cycle, once entered, is still there."""

    def __init__(self, on: bool) -> None:
        self.on = on
        self.count = 0
        self.last: tuple[FloatArray, Any, float] | None = None  # θ, state, loss

    def after(
        self, theta: FloatArray, state: Any, loss: float, advanced: tuple[FloatArray, Any]
    ) -> tuple[FloatArray, Any, list[tuple[FloatArray, Any, float]] | None]:
        """The update's result, and the cycle (oldest first) if it closes one."""
        new_theta, new_state = advanced
        if not self.on:
            return new_theta, new_state, None
        seen = [self.last, (theta, state, loss)]
        self.last, self.count = seen[1], self.count + 1
        if self.count % _CYCLE_CHECK:
            return new_theta, new_state, None
        key = new_theta.tobytes()
        for start, entry in enumerate(seen):
            if entry is not None and key == entry[0].tobytes() and _same(new_state, entry[1]):
                return new_theta, new_state, seen[start:]  # type: ignore[return-value]
        return new_theta, new_state, None


#: Iterations between two looks for a cycle.
_CYCLE_CHECK = 16


def _same(a: Any, b: Any) -> bool:
    """Equal bit for bit: arrays and floats by their bytes, dataclasses field by field."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        both = isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
        return both and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, float) or isinstance(b, float):
        return np.float64(a).tobytes() == np.float64(b).tobytes()
    if dataclasses.is_dataclass(a) and type(a) is type(b):
        return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    return type(a) is type(b) and a == b  # None, ints


#: Losses handed to the history at a time when a cycle's are repeated (even: a block
#: starts where a cycle of length 1 or 2 does).
_REPEAT_BLOCK = 1 << 20


def _repeat(
    plan: _Plan, path: FloatArray | None, k: int, cycle: list[tuple[FloatArray, Any, float]]
) -> FloatArray:
    """Record iterations k + 1 to the last as the cycle's (a block at a time); the last
    iterate. The divergence rule sees one turn of the cycle: later turns repeat it."""
    thetas, losses = [c[0] for c in cycle], np.array([c[2] for c in cycle])
    for turn in range(min(len(cycle), plan.iterations - k)):
        plan.watch(k + 1 + turn, float(losses[turn]), float(losses[turn - 1]))
    remaining = plan.iterations - k
    if path is not None:
        path[k + 1 :] = np.resize(np.array(thetas), (remaining, thetas[0].shape[0]))
    # Iteration k + 1 + j is the cycle's (j mod its length): every block starts alike.
    pattern = losses[np.arange(min(remaining, _REPEAT_BLOCK)) % len(cycle)]
    for done in range(0, remaining, _REPEAT_BLOCK):
        plan.history.block(pattern[: min(remaining - done, _REPEAT_BLOCK)].copy())
    return thetas[(remaining - 1) % len(cycle)]


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


class OverflowedError(FloatingPointError):
    """float64 overflowed during the loop, after ``iteration`` losses were recorded
    (0: the start's own loss)."""

    def __init__(self, iteration: int) -> None:
        super().__init__(f"overflow after {iteration} iterations")
        self.iteration = iteration


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


def raise_overflow(
    request: Request,
    settings: Settings,
    quadratic: Quadratic,
    iteration: int | None,
    features: FloatArray | None,
) -> None:
    stats = quadratic.stats
    mean = float(stats.mean_y)  # the loss at w = 0, b = 0: ȳ² + Cyy/N (Python floats: inf)
    at_zero = mean * mean + float(stats.cyy) / stats.count
    if not math.isfinite(at_zero):  # nothing descends on y this large: not the method's steps
        raise InputError(TOO_LARGE)
    if request.batch_size is not None and iteration != 0:  # one batch's curvature
        raise _minibatch_divergence(request, settings, quadratic, features, iteration)
    bound = request.method.bound(settings) if request.method.bound else None
    if bound and settings.learning_rate >= bound.value:
        raise DivergenceError(
            settings.learning_rate, bound.value, None,
            method=request.method.name, bound_name=bound.name,
        )  # fmt: skip
    if bound is None and iteration:
        if any(option.name == "learning_rate" for option in request.method.options):
            # a step size without a stability bound (Adam): the step size is to blame
            raise DivergenceError(
                settings.learning_rate, math.nan, iteration, method=request.method.name,
                bound_name="",
            )  # fmt: skip
        # A method with no step size to blame (Newton, CG, ...) that overflowed after a
        # finite start: its float64 steps are wrong on data this ill-conditioned.
        raise DivergenceError(
            settings.learning_rate, math.nan, iteration, method=request.method.name,
            bound_name="", condition_number=quadratic.effective_condition_number,
        )  # fmt: skip
    # Below the bound the loss cannot grow: the data themselves are too large.
    raise InputError(TOO_LARGE)
