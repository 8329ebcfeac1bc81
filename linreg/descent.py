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
from collections.abc import Mapping
from typing import Literal

import numpy as np
import numpy.typing as npt

from linreg import line_descent
from linreg.arguments import MAX_ITERATIONS, Request, request
from linreg.blas import norm
from linreg.certificate import DEFAULT_TOL, Judge, ReferenceLadder
from linreg.descent_result import DescentResult, Forecast, verdict_fields
from linreg.errors import FarStartError, InputError
from linreg.history import Sink
from linreg.loop import Trace, raise_overflow, run
from linreg.loss import loss_and_gradient
from linreg.methods import METHODS
from linreg.moments import Moments
from linreg.problem import Quadratic
from linreg.rounded_start import pinned, risk, unfollowable
from linreg.seam import Settings
from linreg.tables import is_dask
from linreg.validate import (
    as_scalar,
    as_target,
    as_weights,
    check_features_target,
    check_positive,
)

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
    features, target = check_features_target(X, y)
    weights, intercept = as_weights(w, features.shape[1]), as_scalar(b, "b")
    rate = check_positive(learning_rate, "learning_rate")
    _, grad_w, grad_b = loss_and_gradient(features, target, weights, intercept)
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
    rate = check_positive(learning_rate, "learning_rate")
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


def minimize(
    X: npt.ArrayLike | Moments,
    y: npt.ArrayLike | None = None,
    *,
    method: str = "gd",
    num_iterations: int = 1000,
    tol: float | None = None,
    learning_rate: float | Literal["auto"] | None = None,
    momentum: float | None = None,
    options: Mapping[str, float] | None = None,
    alpha: float = 0.0,
    standardize: bool = False,
    w0: npt.ArrayLike | None = None,
    b0: float = 0.0,
    fit_intercept: bool = True,
    batch_size: int | None = None,
    random_state: int | np.random.Generator | None = None,
    return_path: bool = False,
    evaluate: Literal["moments", "pass"] | None = None,
    history: Literal["full", "none"] | Sink = "full",
    sample_weight: npt.ArrayLike | None = None,
) -> DescentResult:
    r"""Minimise $E_\alpha(w, b) = \frac1N\lVert y - Xw - b\rVert^2 + \alpha\lVert w\rVert^2$.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features), or linreg.moments.Moments
        Features, or their sufficient statistics from one pass (then ``y`` is left out).
        A dask array or DataFrame (with ``y`` a dask array or Series) is reduced to its
        statistics where its chunks live (`linreg.moments.Moments.from_dask`).
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
    options : mapping, optional
        The method's own settings by name, as it declares them
        (``linreg.methods.METHODS[method].options``): e.g. ``{"beta2": 0.99}`` for adam.
        ``learning_rate`` and ``momentum`` may be given here too.
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
    history : "full", "none" or callable, default "full"
        Keep every iteration's loss in ``result.history`` (8 bytes each), keep none
        (``result.history`` is None; ``start_loss`` and ``loss`` are still set), or hand
        them in order to ``history(first_iteration, losses)``, a block at a time, so that
        a long run needs no memory for them (see `linreg.history`).
    sample_weight : array_like of shape (n_samples,), optional
        Per-sample weights: minimise the weighted $\frac1W\sum_i w_i (y_i - x_i^\top w - b)^2
        + \alpha\lVert w\rVert^2$, $W = \sum w_i$, from the weighted statistics
        (`linreg.weighted_moments`); integer weights act as repeated rows.

    Returns
    -------
    DescentResult

    Raises
    ------
    InputError
        Bad data or arguments, naming which; a hyperparameter the method does not take;
        sample_weight with batch_size or evaluate='pass'.
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
    # Dask arrays and DataFrames (issue 19): one pass where the chunks live, then descent
    # on the statistics alone; the data are never computed.
    if is_dask(X):
        X, y = Moments.from_dask(X, y, sample_weight=sample_weight), None
    chosen = request(
        method=method, num_iterations=num_iterations, tol=tol, learning_rate=learning_rate,
        momentum=momentum, options=options, alpha=alpha, standardize=standardize,
        fit_intercept=fit_intercept, return_path=return_path, batch_size=batch_size,
        random_state=random_state, evaluate=evaluate, history=history,
    )  # fmt: skip
    stats, data = _inputs(X, y, sample_weight)
    if data is None and chosen.evaluate == "pass":
        _refuse_pass(chosen, sample_weight)
    quadratic = Quadratic.build(
        stats, alpha=chosen.alpha, standardize=chosen.standardize, intercept=chosen.intercept
    )
    settings = _settings(chosen, quadratic)
    theta0 = quadratic.coords.to_descended(*_start(w0, b0, stats.n_features, chosen.intercept))
    ladder = ReferenceLadder(stats, chosen.alpha, chosen.intercept, data)
    judge = Judge(quadratic, ladder, DEFAULT_TOL if chosen.tol is None else chosen.tol)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        try:
            # a run float64 cannot follow, from the exact optimum: the exact run stays there
            kind = risk(chosen, settings)
            at_rest = pinned(kind, quadratic, theta0, data, chosen.alpha)
            trace = run(chosen, settings, quadratic, theta0, data, judge, at_rest)
            if not all(map(math.isfinite, trace.theta.tolist())):  # a float route's inf or nan
                raise OverflowError
        except (FloatingPointError, OverflowError) as error:
            _refuse_a_far_start(quadratic, theta0)
            iteration = getattr(error, "iteration", None)
            raise_overflow(
                chosen, settings, quadratic, iteration, None if data is None else data[0]
            )
    # past the start, float64's run may not be the exact one
    withdrawn = (
        "" if at_rest or not trace.n_done else unfollowable(kind, quadratic, theta0, data, chosen)
    )
    return _result(chosen, settings, quadratic, theta0, trace, judge, withdrawn)


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
    history: Literal["full", "none"] | Sink = "full",
    sample_weight: npt.ArrayLike | None = None,
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
    fit_intercept, alpha, history, sample_weight
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
    mu = METHODS["momentum"].option("momentum").check(momentum)
    if mu == 0.0 and line_descent.applies(locals()):  # the livestream's call: fused
        fused = line_descent.fit(X, y, learning_rate, num_iterations)
        if fused is not None:
            return fused
    return minimize(
        X, y, method="momentum" if mu > 0 else "gd", num_iterations=num_iterations, tol=tol,
        learning_rate=learning_rate, momentum=mu if mu > 0 else None, alpha=alpha,
        standardize=standardize, w0=w0, b0=b0, fit_intercept=fit_intercept,
        batch_size=batch_size, random_state=random_state, return_path=return_path,
        evaluate=evaluate, history=history, sample_weight=sample_weight,
    )  # fmt: skip


# --- the run ---------------------------------------------------------------------------------


def _inputs(
    X: object, y: object, sample_weight: npt.ArrayLike | None = None
) -> tuple[Moments, tuple[FloatArray, FloatArray] | None]:
    """The statistics (every run needs them), and the data, kept for the certificate.
    Weighted, the weighted statistics alone (`linreg.weighted_moments`)."""
    if isinstance(X, Moments):
        if y is not None:
            raise InputError("pass either X and y, or a Moments as X, not both")
        if sample_weight is not None:
            raise InputError("weigh Moments as they are built: Moments.from_arrays(X, y, w)")
        return X.checked(), None
    if y is None:
        raise InputError("y is required when X is an array")
    if sample_weight is not None:
        features, target = check_features_target(X, y)
        return Moments.from_arrays(features, target, sample_weight), None
    # Finiteness is proved by the pass over the data (see Moments.from_arrays).
    features, target = check_features_target(X, y, finite=False)
    return Moments.from_checked(features, target), (features, target)


def _refuse_pass(chosen: Request, sample_weight: object) -> None:
    """Mini-batches and evaluate='pass' read the rows: not Moments, nor weighted rows."""
    how = "batch_size" if chosen.batch_size is not None else "evaluate='pass'"
    if sample_weight is not None:
        raise InputError(
            f"{how} does not take sample_weight (mini-batches and evaluate='pass' read the "
            "unweighted rows); drop sample_weight, or batch_size and evaluate"
        )
    raise InputError("evaluate='pass' and batch_size need the data, not its Moments: pass X and y")


def _start(w0: object, b0: object, n_features: int, intercept: bool) -> tuple[FloatArray, float]:
    w_start = (
        np.zeros(n_features) if w0 is None else as_weights(w0, n_features, "w0", "starting weight")
    )
    b_start = as_scalar(b0, "b0")
    if not intercept and b_start != 0.0:
        raise InputError(f"b0 must be 0 when fit_intercept=False, got {b_start}")
    return w_start, b_start


def _refuse_a_far_start(quadratic: Quadratic, theta0: FloatArray) -> None:
    """Blame the start, not the data, for an overflow where the loss is finite at 0 and
    not at the start (``w0=[1e308]``)."""
    with np.errstate(all="ignore"):
        try:
            at_zero = quadratic.loss_and_gradient(np.zeros_like(theta0))[0]
            at_start = quadratic.loss_and_gradient(theta0)[0]
        except (OverflowError, ValueError):  # Python floats past float64's range
            return
    if math.isfinite(at_zero) and not math.isfinite(at_start):
        raise FarStartError(
            "the start (w0, b0) is too far from these data: its squared error overflows "
            "float64; start nearer the data's scale (e.g. at the default, zeros)"
        )


def _settings(chosen: Request, quadratic: Quadratic) -> Settings:
    """The method's options: the user's, or its defaults from the eigenvalues."""
    high = quadratic.lambda_max
    if high <= 0.0:
        raise InputError(
            "the Hessian is zero (every feature is 0 and there is no intercept): "
            "there is nothing to descend"
        )
    low = quadratic.lambda_min if quadratic.lambda_min > 0 else high
    given = dict(chosen.options)
    if chosen.auto_rate:
        given["learning_rate"] = 1.0 / high
    settings = chosen.method.settings(given, low, high, quadratic)
    if "learning_rate" in given or chosen.method.bound is None:
        return settings
    # Past κ ≈ 1/ε the best step 2(1+μ)/(ℓ+L) rounds onto the bound 2(1+μ)/L itself,
    # where the top direction neither shrinks nor grows: keep the default inside.
    inside = chosen.method.bound(settings).value * (1.0 - 2.0**-20)
    if settings.learning_rate < inside:
        return settings
    return chosen.method.settings({**given, "learning_rate": inside}, low, high, quadratic)


def _result(
    chosen: Request,
    settings: Settings,
    quadratic: Quadratic,
    theta0: FloatArray,
    trace: Trace,
    judge: Judge,
    withdrawn: str,
) -> DescentResult:
    theta = quadratic.to_data(trace.theta)
    verdict = judge.on_data(theta)
    verdict = verdict.withdrawn(withdrawn) if withdrawn else verdict
    _, g = quadratic.loss_and_gradient(trace.theta)
    method = chosen.method
    bound = method.bound(settings) if method.bound else None
    # The theory's count is computed when first asked for (it can cost more than the run).
    forecast = Forecast(
        method.name, settings, quadratic, theta0, judge.ladder, judge.tol, withdrawn
    )
    return DescentResult(
        w=theta[:-1],
        b=float(theta[-1]),
        loss=float(trace.loss),
        start_loss=float(trace.start_loss),
        history=trace.history,
        n_iter=trace.n_done,
        stop_reason=trace.reason,
        loss_gap=quadratic.loss_gap(g),
        tol=judge.tol,
        method=method.name,
        options=dict(settings.values),
        gradient_norm=norm(g),
        learning_rate=settings.learning_rate,
        momentum=settings.momentum,
        bound=bound.value if bound else math.nan,
        bound_name=bound.name if bound else "",
        condition_number=quadratic.condition_number,
        forecast=forecast,
        path=None if trace.path is None else quadratic.coords.rows_to_data(trace.path),
        **verdict_fields(verdict),
    )
