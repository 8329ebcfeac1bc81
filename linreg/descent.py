r"""Descent on the mean squared error: one entry point, many methods, certified verdicts.

`minimize` runs any method of `linreg.methods` (gd, momentum, nesterov, steepest, bb,
adam, cg, newton) on the loss $E_\alpha$ (the MSE, plus ridge when $\alpha > 0$), and
returns a `DescentResult`. The loop here knows nothing of any method: it asks an oracle
for the loss and gradient, hands them to the method's pure update, and asks the
certificate of `linreg.problem` how far it is from the optimum,
$\lVert\theta - \theta^*\rVert = \lVert H^{+}\nabla E(\theta)\rVert$.
`converged` is True exactly when that distance is at most ``tol`` times
$\lVert\theta^*\rVert$: never a proxy such as a small gradient.

`gradient_descent` is the livestream's face of the same machinery (fixed step, heavy-ball
momentum, mini-batches), with the livestream's digits.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt

from linreg.blas import norm
from linreg.certificate import CANNOT, Certificate, Judge, ReferenceLadder
from linreg.data import as_scalar, as_target, check_features_target
from linreg.errors import DivergenceError, InputError
from linreg.loss import TOO_LARGE, _check_alpha, _loss_and_gradient, loss_and_gradient
from linreg.methods import METHODS, Method, Settings, State
from linreg.moments import Moments
from linreg.predictions import (
    Prediction,
    directions,
    first_crossing,
    spectral_radius,
    stable_count,
)
from linreg.problem import Quadratic
from linreg.reference import UNIT as _UNIT
from linreg.reference import Reference
from linreg.reference_data import minimum_loss
from linreg.spectral import fixed_step_iterates

__all__ = [
    "DEFAULT_TOL",
    "MAX_ITERATIONS",
    "DescentResult",
    "Forecast",
    "gradient_descent",
    "minimize",
    "slowest_direction_estimate",
    "step",
]

FloatArray = npt.NDArray[np.float64]

#: The most iterations one call may ask for (the loss history alone would be 800 MB).
MAX_ITERATIONS = 100_000_000
#: The verdict's tolerance when none is given: ‖θ − θ*‖ ≤ 1e-6·‖θ*‖.
DEFAULT_TOL = 1e-6
#: A mini-batch run has diverged when its full loss has grown by this factor.
_MINIBATCH_GROWTH = 1e6


@dataclass
class Forecast:
    """The method's predicted iteration count for a run, computed when first asked for.

    A plain object (not a closure), so that a `DescentResult` pickles.
    """

    method: str
    settings: Settings
    quadratic: Quadratic
    theta0: FloatArray
    ladder: ReferenceLadder
    tol: float
    _value: Prediction | None = field(default=None, repr=False)

    def __call__(self) -> Prediction:
        if self._value is None:
            self._value = _predict(self)
        return self._value


@dataclass(frozen=True)
class DescentResult:
    r"""What a descent found, how it got there, and the certificate for its verdict.

    Attributes
    ----------
    w : numpy.ndarray of shape (n_features,)
        The weights (for one feature, ``w[0]`` is the slope m), in the data's units.
    b : float
        The intercept.
    loss : float
        The loss $E_\alpha$ at (w, b).
    history : numpy.ndarray of shape (n_iter + 1,)
        ``history[k]`` is the loss after k iterations (epochs, for mini-batches).
    n_iter : int
        The number of iterations taken.
    converged : bool
        True exactly when a sound upper bound on $\lVert\theta - \theta^*\rVert/
        \lVert\theta^*\rVert$, against the exact optimum of the data as given, is at most
        ``tol`` (``tol`` defaulting to 1e-6); see `linreg.certificate`.
    verdict : str
        ``"converged"``, ``"not converged"`` or ``"cannot be certified"`` (float64 cannot
        resolve ``tol`` for this problem: ``error_floor`` is above it).
    verdict_reason : str
        Why a verdict cannot be given, in words ("" otherwise).
    stop_reason : str
        ``"tol"`` (the verdict became "converged") or ``"num_iterations"``.
    distance : float
        $\lVert\theta - \hat\theta^*\rVert_2$ for $\theta = [w; b]$, in the data's units.
    distance_error : float
        The error bar of ``distance``: the exact distance is within it.
    relative_distance : float
        ``distance / ‖θ̂*‖`` (the absolute distance when θ* = 0 exactly).
    relative_distance_bound : float
        A sound upper bound on the relative distance (inf when ‖θ*‖ cannot be bounded
        away from 0).
    error_floor : float
        The smallest relative distance float64 can certify for this problem.
    optimum_is_zero : bool
        θ* = 0 exactly (proven): then ``relative_distance`` and its bound are absolute.
    loss_gap : float
        $E - E^* = \tfrac12\nabla E^\top H^{-1}\nabla E$.
    optimum : numpy.ndarray of shape (n_features + 1,)
        $\hat\theta^* = [w^*; b^*]$ in the data's units (the nearest minimiser when there
        are many), with the error bar of ``distance_error``.
    tol : float
        The tolerance the verdict used.
    method : str
        The method run.
    gradient_norm : float
        The Euclidean norm of the gradient, in the coordinates descended.
    learning_rate : float
        The step size used (nan for methods that choose their own steps).
    momentum : float
        The momentum (β₁ for Adam) used, 0 if none.
    bound : float
        The largest stable learning rate for this method (nan if it has none).
    bound_name : str
        That bound as a formula, e.g. ``"2/lambda_max"`` or ``"2(1+mu)/lambda_max"``.
    condition_number : float
        λ_max/λ_min of the Hessian descended (inf when singular, or when its smallest
        eigenvalue is below float64's resolution).
    forecast : Forecast
        The prediction behind ``predicted_iterations``, ``prediction_kind`` and
        ``prediction_reason`` (computed on first access).
    path : numpy.ndarray of shape (n_iter + 1, n_features + 1) or None
        With ``return_path=True``, ``[w..., b]`` after each iteration, in the data's
        units (row 0 is the start).
    """

    w: FloatArray
    b: float
    loss: float
    history: FloatArray = field(repr=False)
    n_iter: int
    converged: bool
    verdict: str
    verdict_reason: str
    stop_reason: str
    distance: float
    distance_error: float
    relative_distance: float
    relative_distance_bound: float
    error_floor: float
    optimum_is_zero: bool
    loss_gap: float
    optimum: FloatArray = field(repr=False)
    tol: float
    method: str
    gradient_norm: float
    learning_rate: float
    momentum: float
    bound: float
    bound_name: str
    condition_number: float
    forecast: Forecast = field(repr=False, compare=False)
    path: FloatArray | None = field(default=None, repr=False)

    @property
    def certified(self) -> bool:
        """Whether the verdict is definite ("converged" or "not converged")."""
        return self.verdict != CANNOT

    @property
    def predicted_iterations(self) -> float:
        """Iterations this method needs from this start for the verdict to become
        "converged" at ``tol``: exact, an estimate, a bound, or nan (see
        ``prediction_kind`` and ``prediction_reason``)."""
        return self.forecast().iterations

    @property
    def prediction_kind(self) -> str:
        """``"exact"``, ``"estimate"``, ``"bound"`` or ``"none"`` (`linreg.predictions`)."""
        return self.forecast().kind

    @property
    def prediction_reason(self) -> str:
        """Why ``predicted_iterations`` is an estimate or nan, in words ("" otherwise)."""
        return self.forecast().reason

    def sharpened(self) -> DescentResult:
        """This result, its error bars taken against the most precise reference the data
        allow (`linreg.reference.ReferenceLadder` climbed to the top: passes over the data
        in double-double, or exact arithmetic where they are small). The verdict is the
        same: it was already decided as sharply as it needed."""
        ladder = self.forecast.ladder
        while ladder.climb():
            pass
        judge = Judge(self.forecast.quadratic, ladder, self.tol)
        return replace(self, **_verdict_fields(judge.on_data(np.append(self.w, self.b))))

    def minimum_loss(self) -> tuple[float, float]:
        """The loss at the exact optimum, E*, and a bound on the error of that value
        (`linreg.reference.minimum_loss`, against the current reference)."""
        ladder = self.forecast.ladder
        return minimum_loss(ladder.stats, ladder.current, ladder.alpha, ladder.intercept,
                            ladder.data)  # fmt: skip

    @property
    def m(self) -> float:
        """The slope, for a one-feature fit (``w[0]``)."""
        if self.w.shape[0] != 1:
            raise AttributeError("m is the slope of a one-feature fit; use w")
        return float(self.w[0])


def step(
    X: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike, b: float, learning_rate: float
) -> tuple[FloatArray, float]:
    r"""One gradient-descent step, as a pure function: new parameters, nothing stored.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,)
    w : array_like of shape (n_features,)
    b : float
    learning_rate : float
        The step size $\eta$.

    Returns
    -------
    (new_w, new_b)
        $w - \eta\nabla_w E$ and $b - \eta\,\partial E/\partial b$.

    Raises
    ------
    InputError
        Bad shapes or values, or a learning rate that is not a positive finite number.

    See Also
    --------
    linreg.livestream.step_gradient : the point-by-point twin.

    Examples
    --------
    >>> step([[1.0], [3.0]], [2.0, 4.0], [0.0], 0.0, 0.1)
    (array([1.4]), 0.6000000000000001)
    """
    weights, intercept = as_target(w, "w"), as_scalar(b, "b")
    rate = _check_rate(learning_rate)
    _, grad_w, grad_b = loss_and_gradient(X, y, weights, intercept)
    return weights - rate * grad_w, intercept - rate * grad_b


def slowest_direction_estimate(
    learning_rate: float, eigenvalues: npt.ArrayLike, reduction: float = DEFAULT_TOL
) -> float:
    r"""Iterations a fixed step needs to shrink the *slowest* error component by ``reduction``.

    A back-of-the-envelope estimate from the slowest direction alone, for any start: not
    the count of a run. `minimize` reports that count, for its own start and verdict, as
    ``DescentResult.predicted_iterations`` (a different number: 1,828,163 against this
    1,830,347 at the livestream's settings).

    Parameters
    ----------
    learning_rate : float
        The step $\eta$.
    eigenvalues : array_like
        The Hessian's eigenvalues $\lambda_j$ (at least one).
    reduction : float, default 1e-6
        The factor $\varepsilon$ by which that component must shrink, in (0, 1).

    Returns
    -------
    float
        $\lceil \ln\varepsilon / \ln\rho \rceil$ with $\rho = \max_j |1 - \eta\lambda_j|$;
        ``inf`` if $\rho \ge 1$ (no convergence); 1 if $\rho = 0$.

    Raises
    ------
    InputError
        No eigenvalues, non-finite ones, or a rate or reduction out of range.

    Examples
    --------
    >>> slowest_direction_estimate(1e-4, [4983.8, 0.07548])
    1830347.0
    """
    rate = _check_rate(learning_rate)
    lambdas = as_target(eigenvalues, "eigenvalues")
    shrink = as_scalar(reduction, "reduction")
    if not 0.0 < shrink < 1.0:
        raise InputError(f"reduction must be between 0 and 1, got {shrink}")
    rho = float(np.max(np.abs(1.0 - rate * lambdas)))
    if rho >= 1.0:
        return math.inf
    if rho == 0.0:
        return 1.0
    return float(math.ceil(math.log(shrink) / math.log(rho)))


@dataclass(frozen=True)
class _Request:
    """Validated arguments of one run."""

    method: Method
    iterations: int
    tol: float | None
    learning_rate: float | str | None
    momentum: float | None
    alpha: float
    standardize: bool
    intercept: bool
    keep_path: bool
    batch_size: int | None
    seed: Any
    evaluate: str


def minimize(
    X: npt.ArrayLike | Moments,
    y: npt.ArrayLike | None = None,
    *,
    method: str = "gd",
    num_iterations: int = 1000,
    tol: float | None = None,
    learning_rate: float | Literal["auto"] | None = None,
    momentum: float | None = None,
    alpha: float = 0.0,
    standardize: bool = False,
    w0: npt.ArrayLike | None = None,
    b0: float = 0.0,
    fit_intercept: bool = True,
    batch_size: int | None = None,
    random_state: int | np.random.Generator | None = None,
    return_path: bool = False,
    evaluate: Literal["moments", "pass"] | None = None,
) -> DescentResult:
    r"""Minimise $E_\alpha(w, b) = \frac1N\lVert y - Xw - b\rVert^2 + \alpha\lVert w\rVert^2$.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features), or linreg.moments.Moments
        Features, or their sufficient statistics from one pass (then ``y`` is left out).
    y : array_like of shape (n_samples,)
        Targets.
    method : str, default "gd"
        One of ``linreg.methods.METHODS``: ``"gd"`` (fixed step), ``"momentum"`` (heavy
        ball), ``"nesterov"``, ``"steepest"`` (exact line search), ``"bb"``
        (Barzilai–Borwein), ``"adam"``, ``"cg"`` (conjugate gradients) or ``"newton"``.
    num_iterations : int, default 1000
        The most iterations (epochs, with ``batch_size``).
    tol : float, optional
        Stop at the first iteration where $\lVert\theta - \theta^*\rVert \le
        \text{tol}\,\lVert\theta^*\rVert$. Without it the run takes every iteration and the
        verdict uses 1e-6.
    learning_rate : float, "auto" or None
        The step $\eta$ of gd, momentum, nesterov and adam. None picks it from the
        Hessian's eigenvalues $\ell \le L$: $2/(\ell + L)$ for gd (the optimal fixed step),
        $4/(\sqrt L + \sqrt\ell)^2$ for momentum (Polyak's optimum), $1/L$ for nesterov,
        and 0.001 for adam. ``"auto"`` is $1/L$.
    momentum : float, optional
        $\mu \in [0, 1)$ for momentum and nesterov (β₁ for adam). None picks
        $((\sqrt\kappa - 1)/(\sqrt\kappa + 1))^2$ for momentum, $(\sqrt\kappa -
        1)/(\sqrt\kappa + 1)$ for nesterov, 0.9 for adam.
    alpha : float, default 0.0
        Ridge strength $\alpha \ge 0$; the intercept is not penalised.
    standardize : bool, default False
        Descend on centred, unit-variance features; results and the certificate are in
        the data's units.
    w0, b0
        The start; zeros by default.
    fit_intercept : bool, default True
        Without it the model is $\hat y = Xw$ and ``b`` stays 0.
    batch_size : int, optional
        Mini-batch stochastic descent (gd, momentum, adam): each iteration is one pass
        over shuffled batches; the certificate is taken on the full statistics at the
        end of each epoch.
    random_state : int, numpy.random.Generator or None
        Seed of the shuffling for ``batch_size``.
    return_path : bool, default False
        Keep ``[w..., b]`` of every iteration in ``result.path``.
    evaluate : {"moments", "pass"}, optional
        ``"moments"`` (the default): one pass for the sufficient statistics, then each
        iteration costs O(n_features²). ``"pass"``: the gradient from the data at every
        iteration (the readable twin).

    Returns
    -------
    DescentResult

    Raises
    ------
    InputError
        Bad data or arguments, naming which; a hyperparameter the method does not take.
    DivergenceError
        The loss grew with a learning rate above the method's stability bound (or a
        mini-batch run blew up).

    See Also
    --------
    gradient_descent : the livestream's face of the same loop.
    linreg.solve.least_squares : the closed form.

    Examples
    --------
    >>> from linreg import load_points
    >>> points = load_points()
    >>> fit = minimize(points[:, :1], points[:, 1], method="cg", num_iterations=10)
    >>> print(f"b = {fit.b:.6f}, m = {fit.m:.6f}, converged: {fit.converged}")
    b = 7.991021, m = 1.322431, converged: True
    """
    request = _validate(
        method, num_iterations, tol, learning_rate, momentum, alpha, standardize,
        fit_intercept, return_path, batch_size, random_state, evaluate,
    )  # fmt: skip
    stats, data = _inputs(X, y)
    if data is None and request.evaluate == "pass":
        raise InputError("evaluate='pass' and batch_size need the data, not its Moments")
    quadratic = Quadratic.build(
        stats, alpha=request.alpha, standardize=request.standardize, intercept=request.intercept
    )
    settings = _settings(request, quadratic)
    theta0 = quadratic.coords.to_descended(*_start(w0, b0, stats.n_features, request.intercept))
    ladder = ReferenceLadder(stats, request.alpha, request.intercept, data)
    judge = Judge(quadratic, ladder, DEFAULT_TOL if request.tol is None else request.tol)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        try:
            trace = _evaluate(request, settings, quadratic, theta0, data, judge)
        except (FloatingPointError, OverflowError):
            _raise_overflow(request, settings)
    return _result(request, settings, quadratic, theta0, trace, judge)


def gradient_descent(
    X: npt.ArrayLike | Moments,
    y: npt.ArrayLike | None = None,
    *,
    learning_rate: float | Literal["auto"],
    num_iterations: int,
    w0: npt.ArrayLike | None = None,
    b0: float = 0.0,
    tol: float | None = None,
    standardize: bool = False,
    momentum: float = 0.0,
    batch_size: int | None = None,
    random_state: int | np.random.Generator | None = None,
    return_path: bool = False,
    evaluate: Literal["moments", "pass"] | None = None,
    fit_intercept: bool = True,
    alpha: float = 0.0,
) -> DescentResult:
    r"""Fit $\hat y = Xw + b$ by gradient descent, as the livestream did.

    The fixed-step (``momentum=0``) or heavy-ball face of `minimize`: the same loop, the
    same certificate.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features), or linreg.moments.Moments
    y : array_like of shape (n_samples,)
    learning_rate : float or "auto"
        The step $\eta > 0$; ``"auto"`` is $1/\lambda_{\max}$.
    num_iterations : int
        The most iterations to run.
    w0, b0, tol, standardize, batch_size, random_state, return_path, evaluate,
    fit_intercept, alpha
        As `minimize`.
    momentum : float, default 0.0
        Heavy-ball momentum $\mu \in [0, 1)$: $v \leftarrow \mu v + \nabla E$,
        $\theta \leftarrow \theta - \eta v$.

    Returns
    -------
    DescentResult

    Raises
    ------
    InputError, DivergenceError
        As `minimize`.

    Notes
    -----
    $\nabla_w E = -\frac{2}{N}X^\top(y - Xw - b)$,
    $\partial E/\partial b = -\frac{2}{N}\sum_i (y_i - x_i^\top w - b)$.

    See Also
    --------
    linreg.livestream.gradient_descent_runner : the point-by-point twin.
    linreg.loss.mse_gradient : the gradient it follows.

    Examples
    --------
    >>> from linreg import load_points
    >>> points = load_points()
    >>> fit = gradient_descent(points[:, :1], points[:, 1],
    ...                        learning_rate=0.0001, num_iterations=1000)
    >>> print(f"b = {fit.b:.6f}, m = {fit.m:.6f}, error = {fit.loss:.6f}")
    b = 0.088937, m = 1.477744, error = 112.614810
    >>> fit.converged, f"{fit.relative_distance:.3f}"
    (False, '0.976')
    """
    mu = _check_momentum(momentum)
    return minimize(
        X, y, method="momentum" if mu > 0 else "gd", num_iterations=num_iterations, tol=tol,
        learning_rate=learning_rate, momentum=mu if mu > 0 else None, alpha=alpha,
        standardize=standardize, w0=w0, b0=b0, fit_intercept=fit_intercept,
        batch_size=batch_size, random_state=random_state, return_path=return_path,
        evaluate=evaluate,
    )  # fmt: skip


# --- arguments -------------------------------------------------------------------------------


def _validate(
    method: object, iterations: object, tol: object, learning_rate: object, momentum: object,
    alpha: object, standardize: object, intercept: object, keep_path: object,
    batch_size: object, seed: object, evaluate: object,
) -> _Request:  # fmt: skip
    chosen = _check_method(method)
    for flag, name in (
        (standardize, "standardize"),
        (keep_path, "return_path"),
        (intercept, "fit_intercept"),
    ):
        if not isinstance(flag, (bool, np.bool_)):
            raise InputError(f"{name} must be True or False, got {flag!r}")
    if evaluate not in (None, "moments", "pass"):
        raise InputError(f"evaluate must be 'moments' or 'pass', got {evaluate!r}")
    _check_uses(chosen, learning_rate, momentum)
    batch = _check_batch_size(batch_size)
    if batch is not None and not chosen.minibatch:
        raise InputError(
            f"batch_size works with the methods gd, momentum and adam, not {chosen.name!r}"
        )
    return _Request(
        method=chosen,
        iterations=_check_iterations(iterations),
        tol=None if tol is None else _check_tol(tol),
        learning_rate=None if learning_rate is None else _check_learning_rate(learning_rate),
        momentum=None if momentum is None else _check_momentum(momentum),
        alpha=_check_alpha(alpha),
        standardize=bool(standardize),
        intercept=bool(intercept),
        keep_path=bool(keep_path),
        batch_size=batch,
        seed=_check_seed(seed),
        evaluate="pass" if batch is not None else str(evaluate or "moments"),
    )


def _inputs(X: object, y: object) -> tuple[Moments, tuple[FloatArray, FloatArray] | None]:
    """The statistics (every run needs them), and the data, kept for the certificate."""
    if isinstance(X, Moments):
        if y is not None:
            raise InputError("pass either X and y, or a Moments as X, not both")
        return X, None
    if y is None:
        raise InputError("y is required when X is an array")
    # Finiteness is proved by the pass over the data (see Moments.from_arrays).
    features, target = check_features_target(X, y, finite=False)
    return Moments.from_arrays(features, target), (features, target)


def _start(w0: object, b0: object, n_features: int, intercept: bool) -> tuple[FloatArray, float]:
    w_start = np.zeros(n_features) if w0 is None else as_target(w0, "w0")
    if w_start.shape[0] != n_features:
        raise InputError(
            f"w0 has {w_start.shape[0]} weights but X has {n_features} features; "
            "pass one starting weight per column of X"
        )
    b_start = as_scalar(b0, "b0")
    if not intercept and b_start != 0.0:
        raise InputError(f"b0 must be 0 when fit_intercept=False, got {b_start}")
    return w_start, b_start


def _settings(request: _Request, quadratic: Quadratic) -> Settings:
    """Hyperparameters: the user's, or the method's defaults from the eigenvalues."""
    high = quadratic.lambda_max
    if high <= 0.0:
        raise InputError(
            "the Hessian is zero (every feature is 0 and there is no intercept): "
            "there is nothing to descend"
        )
    low = quadratic.lambda_min if quadratic.lambda_min > 0 else high
    default_rate, mu = request.method.defaults(low, high, request.momentum)
    rate = request.learning_rate
    if rate == "auto":
        rate = 1.0 / high
    if rate is None:
        rate = default_rate
        bound = request.method.bound(Settings(float(rate), float(mu), quadratic)).value if (
            request.method.bound) else math.inf  # fmt: skip
        # Past κ ≈ 1/ε the best step 2(1+μ)/(ℓ+L) rounds onto the bound 2(1+μ)/L itself,
        # where the top direction neither shrinks nor grows: keep the default inside.
        rate = min(float(rate), bound * (1.0 - 2.0**-20))
    return Settings(float(rate), float(mu), quadratic)


# --- evaluation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Trace:
    """Where a run ended (in the coordinates descended) and how it got there."""

    theta: FloatArray
    history: FloatArray
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
    watch: Callable[[int, FloatArray], None]


def _evaluate(
    request: _Request,
    settings: Settings,
    quadratic: Quadratic,
    theta0: FloatArray,
    data: tuple[FloatArray, FloatArray] | None,
    judge: Judge,
) -> _Trace:
    """Pick the evaluation: closed-form iterates, steps on the moments, or on the data."""
    features = None if data is None else data[0]
    plan = _Plan(
        request.iterations,
        request.keep_path,
        None if request.tol is None else judge.first_converged,
        _watcher(request, settings, quadratic, features),
    )
    method = request.method
    if request.evaluate == "moments" and method.name == "gd":
        theta, history, n_done, reason, path = fixed_step_iterates(
            quadratic, settings.learning_rate, theta0, plan.iterations, plan.stops,
            plan.keep_path, plan.watch,
        )  # fmt: skip
        return _Trace(theta, history, n_done, reason, path)
    oracle: Callable[[FloatArray], tuple[float, FloatArray]] = quadratic.loss_and_gradient
    advance = method.update
    if data is not None and request.evaluate == "pass":
        features, target = data
        z = quadratic.coords.features(features)
        if request.batch_size is None:
            oracle = _data_oracle(quadratic, z, target)
        else:
            advance = _epoch(quadratic, method, z, target, request.batch_size, request.seed)
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
    quadratic: Quadratic, method: Method, z: FloatArray, target: FloatArray, batch: int, seed: Any
) -> Callable[[FloatArray, FloatArray, State], tuple[FloatArray, State]]:
    """One pass over shuffled mini-batches, each an update on its own gradient."""
    rng = np.random.default_rng(seed)
    n = target.shape[0]
    pieces = math.ceil(n / min(batch, n))

    def epoch(theta: FloatArray, g: FloatArray, state: State) -> tuple[FloatArray, State]:
        for rows in np.array_split(rng.permutation(n), pieces):
            u, b = quadratic.split(theta)
            _, grad_u, grad_b = _loss_and_gradient(z[rows], target[rows], u, b, quadratic.penalty)
            theta, state = method.update(theta, quadratic.join(grad_u, grad_b), state)
        return theta, state

    return epoch


def _loop(
    oracle: Callable[[FloatArray], tuple[float, FloatArray]],
    advance: Callable[[FloatArray, FloatArray, State], tuple[FloatArray, State]],
    state: State,
    theta: FloatArray,
    plan: _Plan,
) -> _Trace:
    """The loop: evaluate, record, watch, certify, update. It knows no method."""
    history = np.empty(plan.iterations + 1)
    path = np.empty((plan.iterations + 1, theta.shape[0])) if plan.keep_path else None
    for k in range(plan.iterations + 1):
        history[k], g = oracle(theta)
        if path is not None:
            path[k] = theta
        plan.watch(k, history)
        if plan.stops is not None and plan.stops(theta[None, :]) is not None:
            return _Trace(theta, history[: k + 1], k, "tol", _cut(path, k))
        if k == plan.iterations:
            break
        theta, state = advance(theta, g, state)
    return _Trace(theta, history, plan.iterations, "num_iterations", path)


def _cut(path: FloatArray | None, k: int) -> FloatArray | None:
    return None if path is None else path[: k + 1]


def _watcher(
    request: _Request, settings: Settings, quadratic: Quadratic, features: FloatArray | None
) -> Callable[[int, FloatArray], None]:
    """The divergence rule: the loss grew with a step above the method's bound."""
    bound = request.method.bound(settings) if request.method.bound else None
    unstable = bound is not None and settings.learning_rate >= bound.value

    def watch(k: int, history: FloatArray) -> None:
        if k == 0:
            return
        if request.batch_size is not None:
            if not history[k] <= _MINIBATCH_GROWTH * history[0]:
                raise _minibatch_divergence(request, settings, quadratic, features, k)
        elif unstable and history[k] > history[k - 1]:
            assert bound is not None
            raise DivergenceError(
                settings.learning_rate, bound.value, k,
                method=request.method.name, bound_name=bound.name,
            )  # fmt: skip

    return watch


def _minibatch_divergence(
    request: _Request,
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


def _raise_overflow(request: _Request, settings: Settings) -> None:
    bound = request.method.bound(settings) if request.method.bound else None
    if request.batch_size is not None or (bound and settings.learning_rate >= bound.value):
        raise DivergenceError(
            settings.learning_rate, bound.value if bound else math.nan, None,
            method=request.method.name, bound_name=bound.name if bound else "",
        )  # fmt: skip
    # Below the bound the loss cannot grow: the data themselves are too large.
    raise InputError(TOO_LARGE)


# --- the result ------------------------------------------------------------------------------


def _result(
    request: _Request,
    settings: Settings,
    quadratic: Quadratic,
    theta0: FloatArray,
    trace: _Trace,
    judge: Judge,
) -> DescentResult:
    theta = quadratic.to_data(trace.theta)
    verdict = judge.on_data(theta)
    _, g = quadratic.loss_and_gradient(trace.theta)
    bound = request.method.bound(settings) if request.method.bound else None
    uses_rate = "learning_rate" in request.method.uses
    # The theory's count is computed when first asked for (it can cost more than the run).
    forecast = Forecast(request.method.name, settings, quadratic, theta0, judge.ladder, judge.tol)
    return DescentResult(
        w=theta[:-1],
        b=float(theta[-1]),
        loss=float(trace.history[trace.n_done]),
        history=trace.history,
        n_iter=trace.n_done,
        stop_reason=trace.reason,
        loss_gap=quadratic.loss_gap(g),
        tol=judge.tol,
        method=request.method.name,
        gradient_norm=norm(g),
        learning_rate=settings.learning_rate if uses_rate else math.nan,
        momentum=settings.momentum if "momentum" in request.method.uses else 0.0,
        bound=bound.value if bound else math.nan,
        bound_name=bound.name if bound else "",
        condition_number=quadratic.condition_number,
        forecast=forecast,
        path=None if trace.path is None else quadratic.coords.rows_to_data(trace.path),
        **_verdict_fields(verdict),
    )


def _verdict_fields(verdict: Certificate) -> dict[str, Any]:
    """The result's fields that come from the certificate."""
    return {
        "converged": verdict.converged,
        "verdict": verdict.verdict,
        "verdict_reason": verdict.reason,
        "distance": verdict.distance,
        "distance_error": verdict.distance_error,
        "relative_distance": verdict.relative_distance,
        "relative_distance_bound": verdict.relative_bound,
        "error_floor": verdict.floor,
        "optimum_is_zero": verdict.zero,
        "optimum": verdict.optimum,
    }


# --- predictions -----------------------------------------------------------------------------


def _predict(forecast: Forecast) -> Prediction:
    """The method's theory, for this start and the verdict at ``tol``."""
    method, quadratic = METHODS[forecast.method], forecast.quadratic
    if method.recurrence is None:
        assert method.classical is not None
        target, reason, e0, _ = _goal(forecast)
        if target is None:
            return Prediction(math.nan, "none", reason)
        return method.classical(forecast.settings, quadratic, e0, target)
    if not quadratic.resolved:
        return Prediction(math.nan, "none", "the Hessian's smallest eigenvalue is below float64's "
                          "resolution for these coordinates (try standardize=True)")  # fmt: skip
    coefficients = method.recurrence(forecast.settings, quadratic.eigenvalues)
    _settle(forecast, spectral_radius(*coefficients[:2]))
    target, reason, e0, reference = _goal(forecast)
    if target is None:
        return Prediction(math.nan, "none", reason)
    rows = directions(quadratic, e0, reference.null)
    count = first_crossing(rows, coefficients, target)
    errors = quadratic.spectrum.errors
    spread = 2 * reference.error + quadratic.resolution(reference.point)
    perturbed = [
        (method.recurrence(forecast.settings, quadratic.eigenvalues + sign * errors), target)
        for sign in (-1.0, 1.0)
    ] + [(coefficients, target - spread)]
    if stable_count(rows, coefficients, perturbed, count):
        return Prediction(count, "exact")
    return Prediction(count, "estimate", "the error bars of the eigenvalues or of the optimum "
                      "could move this count by more than 2 iterations")  # fmt: skip


def _settle(forecast: Forecast, rate: float) -> None:
    """Refine the reference until its error bar moves the count by under half an iteration:
    a relative change δ in the distance to reach moves it by about δ/(1 − rate)."""
    ladder = forecast.ladder
    while 0 < rate < 1:
        reach = forecast.tol * norm(ladder.current.point)
        if 2 * ladder.current.error <= 0.5 * (1 - rate) * reach or not ladder.climb():
            return


def _goal(forecast: Forecast) -> tuple[float | None, str, FloatArray, Reference]:
    """(the distance below which the verdict holds or None, why not, e₀ = θ₀ − θ*, θ*)."""
    quadratic, reference = forecast.quadratic, forecast.ladder.current
    target, reason = _target(reference.error, reference.zero, norm(reference.point), forecast.tol)
    # Descent on the float statistics is guaranteed only to within their error bar of θ*.
    reach = forecast.ladder.floor.error + quadratic.resolution(reference.point)
    if target is not None and reach >= target:
        target, reason = (
            None,
            (
                f"descent on the float64 statistics is guaranteed to come only within "
                f"{reach:.2g} of the optimum, more than tol={forecast.tol:g} allows, so no "
                "count can be promised"
            ),
        )
    nearest = reference.nearest(quadratic.to_data(forecast.theta0))
    e0 = forecast.theta0 - quadratic.coords.to_descended(nearest[:-1], float(nearest[-1]))
    return target, reason, e0, reference


def _target(error: float, zero: bool, size: float, tol: float) -> tuple[float | None, str]:
    """The distance below which the verdict holds, or None and why there is none."""
    if zero:
        return tol, ""
    low = size * (1 - 8 * _UNIT) - error
    target = tol * low - error
    if not math.isfinite(error) or not target > 0:
        return None, (
            f"tol={tol:g} is below this problem's error floor: the verdict can never become "
            "converged (standardize, a larger tol, or least_squares(exact=True))"
        )
    return target, ""


# --- checks ----------------------------------------------------------------------------------


def _check_method(value: object) -> Method:
    if not isinstance(value, str) or value not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}; got {value!r}")
    return METHODS[value]


def _check_uses(method: Method, learning_rate: object, momentum: object) -> None:
    for value, name in ((learning_rate, "learning_rate"), (momentum, "momentum")):
        if value is not None and name not in method.uses:
            raise InputError(
                f"method {method.name!r} takes no {name} (it chooses its own steps); "
                f"leave {name} out, or use a method that takes one"
            )


def _check_iterations(value: object) -> int:
    if isinstance(value, (bool, np.bool_)):
        raise InputError(f"num_iterations must be a non-negative integer, got {value!r}")
    try:
        count = operator.index(cast(Any, value))
    except TypeError:
        raise InputError(f"num_iterations must be a non-negative integer, got {value!r}") from None
    if count < 0:
        raise InputError(f"num_iterations must be non-negative, got {count}")
    if count > MAX_ITERATIONS:
        raise InputError(
            f"num_iterations={count} is more than the {MAX_ITERATIONS:,} allowed; use tol "
            "to stop at convergence, or a faster method (e.g. method='cg')"
        )
    return int(count)


def _check_tol(value: object) -> float:
    tol = as_scalar(value, "tol")
    if tol < 0:
        raise InputError(f"tol must be non-negative, got {tol}")
    return tol


def _check_momentum(value: object) -> float:
    mu = as_scalar(value, "momentum")
    if not 0.0 <= mu < 1.0:
        raise InputError(f"momentum must be in [0, 1), got {mu}")
    return mu


def _check_batch_size(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise InputError(f"batch_size must be a positive integer or None, got {value!r}")
    if value < 1:
        raise InputError(f"batch_size must be positive, got {value}")
    return int(value)


def _check_seed(value: object) -> Any:
    if value is None or isinstance(value, np.random.Generator):
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise InputError(
            f"random_state must be None, a non-negative integer or a numpy Generator, got {value!r}"
        )
    if value < 0:
        raise InputError(f"random_state must be non-negative, got {value}")
    return int(value)


def _check_rate(value: object) -> float:
    rate = as_scalar(value, "learning_rate")
    if rate <= 0:
        raise InputError(f"learning_rate must be positive, got {rate}")
    return rate


def _check_learning_rate(value: object) -> float | str:
    if isinstance(value, str):
        if value == "auto":
            return value
        raise InputError(f"learning_rate must be a positive number or 'auto', got {value!r}")
    return _check_rate(value)
