r"""Gradient descent on the mean squared error: one pure step, the loop, and its result.

The update is the livestream's,

$$w \leftarrow w - \eta\,\nabla_w E,\qquad b \leftarrow b - \eta\,\frac{\partial E}{\partial b},$$

vectorised. On a quadratic loss a fixed step $\eta$ converges exactly when
$0 < \eta < 2/\lambda_{\max}$ of the Hessian; each iteration shrinks the error along the
eigenvector of eigenvalue $\lambda$ by the factor $|1 - \eta\lambda|$, which is why a
badly conditioned problem (the livestream's, $\kappa \approx 66\,000$) crawls. The loop
checks the loss at every step and raises `linreg.DivergenceError` the moment it grows
with a learning rate above the bound, long before any overflow.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt

from linreg.data import as_scalar, as_target, check_features_target
from linreg.errors import DivergenceError, InputError
from linreg.loss import _gradient, _hessian, _residual
from linreg.moments import Moments

__all__ = ["DescentResult", "gradient_descent", "predicted_iterations", "step"]

FloatArray = npt.NDArray[np.float64]

#: The most iterations one call may ask for (the loss history alone would be 800 MB).
MAX_ITERATIONS = 100_000_000
_TOO_LARGE = (
    "the data are too large: the squared error overflows float64; "
    "rescale X and y (e.g. divide by their largest magnitude)"
)
#: Without ``tol``, a run counts as converged when the gradient norm fell by this factor.
DEFAULT_GRADIENT_REDUCTION = 1e-6


@dataclass(frozen=True)
class DescentResult:
    """What a run of gradient descent found, and how it got there.

    Attributes
    ----------
    w : numpy.ndarray of shape (n_features,)
        The weights (for one feature, ``w[0]`` is the slope m), in the data's units.
    b : float
        The intercept.
    loss : float
        The mean squared error at (w, b).
    history : numpy.ndarray of shape (n_iter + 1,)
        ``history[k]`` is the loss after k iterations; ``history[0]`` is the start.
    n_iter : int
        The number of iterations taken.
    converged : bool
        Whether the final gradient norm is at most ``tol`` (or, without ``tol``, at most
        ``DEFAULT_GRADIENT_REDUCTION`` times the initial gradient norm).
    stop_reason : str
        ``"tol"`` (the gradient norm fell below ``tol``) or ``"num_iterations"``.
    gradient_norm : float
        The Euclidean norm of the gradient at (w, b), in the coordinates descended.
    learning_rate : float
        The step size used (the computed one, for ``"auto"``).
    bound : float
        The stability bound 2/λ_max for the problem descended.
    condition_number : float
        λ_max/λ_min of the Hessian of the problem descended (inf when singular).
    path : numpy.ndarray of shape (n_iter + 1, n_features + 1) or None
        With ``return_path=True``, the parameters ``[w..., b]`` after each iteration, in
        the data's units (row 0 is the start); otherwise None.
    predicted_iterations : float
        How many iterations this learning rate needs to shrink the distance to the
        optimum by ``DEFAULT_GRADIENT_REDUCTION`` (see `predicted_iterations`); inf if
        it never does.
    """

    w: FloatArray
    b: float
    loss: float
    history: FloatArray = field(repr=False)
    n_iter: int
    converged: bool
    stop_reason: str
    gradient_norm: float
    learning_rate: float
    bound: float
    condition_number: float
    predicted_iterations: float
    path: FloatArray | None = field(default=None, repr=False)

    @property
    def m(self) -> float:
        """The slope, for a one-feature fit (``w[0]``)."""
        if self.w.shape[0] != 1:
            raise AttributeError("m is the slope of a one-feature fit; use w")
        return float(self.w[0])


def step(
    X: FloatArray, y: FloatArray, w: FloatArray, b: float, learning_rate: float
) -> tuple[FloatArray, float]:
    r"""One gradient-descent step, as a pure function: new parameters, nothing stored.

    Parameters
    ----------
    X : numpy.ndarray of shape (n_samples, n_features)
    y : numpy.ndarray of shape (n_samples,)
    w : numpy.ndarray of shape (n_features,)
    b : float
    learning_rate : float
        The step size $\eta$.

    Returns
    -------
    (new_w, new_b)
        $w - \eta\nabla_w E$ and $b - \eta\,\partial E/\partial b$.

    See Also
    --------
    linreg.livestream.step_gradient : the point-by-point twin.

    Examples
    --------
    >>> step(np.array([[1.0], [3.0]]), np.array([2.0, 4.0]), np.zeros(1), 0.0, 0.1)
    (array([1.4]), 0.6000000000000001)
    """
    features, target = check_features_target(X, y)
    grad_w, grad_b = _gradient(features, target, as_target(w, "w"), as_scalar(b, "b"))
    rate = as_scalar(learning_rate, "learning_rate")
    return w - rate * grad_w, b - rate * grad_b


def predicted_iterations(
    learning_rate: float, eigenvalues: npt.ArrayLike, reduction: float = DEFAULT_GRADIENT_REDUCTION
) -> float:
    r"""Iterations a fixed step needs to shrink the slowest error component by ``reduction``.

    Parameters
    ----------
    learning_rate : float
        The step $\eta$.
    eigenvalues : array_like
        The Hessian's eigenvalues $\lambda_j$.
    reduction : float, default 1e-6
        The factor $\varepsilon$ by which the error must shrink.

    Returns
    -------
    float
        $\lceil \ln\varepsilon / \ln\rho \rceil$ with $\rho = \max_j |1 - \eta\lambda_j|$;
        ``inf`` if $\rho \ge 1$ (no convergence); 1 if $\rho = 0$.

    Notes
    -----
    With the best fixed step, $\rho = (\kappa - 1)/(\kappa + 1)$ for the condition
    number $\kappa$, so about $\tfrac{\kappa}{2}\ln(1/\varepsilon)$ iterations.

    Examples
    --------
    >>> predicted_iterations(1e-4, [4983.8, 0.07548])
    1830347.0
    """
    lambdas = np.asarray(eigenvalues, dtype=np.float64)
    rho = float(np.max(np.abs(1.0 - learning_rate * lambdas)))
    if rho >= 1.0:
        return math.inf
    if rho == 0.0:
        return 1.0
    return float(math.ceil(math.log(reduction) / math.log(rho)))


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
    random_state: int | None = None,
    return_path: bool = False,
    method: Literal["moments", "pass"] | None = None,
    fit_intercept: bool = True,
) -> DescentResult:
    r"""Fit $\hat y = Xw + b$ by gradient descent on the mean squared error.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features), or linreg.moments.Moments
        Features; one feature is a single column (``points[:, :1]``). Or the data's
        sufficient statistics, from one pass (then ``y`` is left out).
    y : array_like of shape (n_samples,)
        Targets.
    learning_rate : float or "auto"
        The step $\eta > 0$. ``"auto"`` uses $1/\lambda_{\max}$ of the Hessian
        (computed from the data), the largest step that is monotone in every direction.
    num_iterations : int
        The most iterations to run (each is one step; with ``batch_size``, one epoch).
    w0 : array_like of shape (n_features,), optional
        Initial weights; zeros by default.
    b0 : float, default 0.0
        Initial intercept.
    tol : float, optional
        Stop as soon as the gradient norm is at most ``tol``.
    standardize : bool, default False
        Descend on centred, unit-variance features, then map ``w`` and ``b`` back to the
        data's units. This makes the problem well conditioned (κ near 1).
    momentum : float, default 0.0
        Heavy-ball momentum $\mu \in [0, 1)$: $v \leftarrow \mu v + \nabla E$,
        $\theta \leftarrow \theta - \eta v$.
    batch_size : int, optional
        Mini-batch stochastic gradient descent: each iteration is one pass over the data
        in shuffled batches of this size. ``None`` uses the full gradient.
    random_state : int, optional
        Seed of the shuffling for ``batch_size``.
    return_path : bool, default False
        Keep the parameters of every iteration in ``result.path`` (for figures).
    method : {"moments", "pass"}, optional
        ``"moments"`` (the default) makes one pass over the data for its sufficient
        statistics (`linreg.moments.Moments`), after which each iteration costs
        O(n_features²) whatever the number of points. ``"pass"`` computes the gradient
        from the data at every iteration, the readable twin. Both give the same iterates
        to rounding. Mini-batches (``batch_size``) always use the data.
    fit_intercept : bool, default True
        Fit the intercept $b$. Without it the model is $\hat y = Xw$, ``b`` stays 0
        (``b0`` must be 0), and ``standardize`` only scales the features (centring
        would need an intercept).

    Returns
    -------
    DescentResult

    Raises
    ------
    InputError
        Bad shapes or values in X, y, w0 or b0 (y of shape (n, 1) included); a learning
        rate that is not a positive finite number or "auto"; a negative or non-integer
        number of iterations; a negative ``tol``; data so large the squared error
        overflows.
    DivergenceError
        The loss grew while the learning rate exceeds the stability bound.

    Notes
    -----
    The loss is $E = \frac{1}{N}\lVert y - Xw - b\rVert^2$ and
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
    >>> fit.converged
    False
    """
    stats, features, target = _inputs(X, y, method, batch_size)
    n_features = stats.n_features if stats is not None else features.shape[1]
    iterations = _check_iterations(num_iterations)
    stop_tol = None if tol is None else _check_non_negative(tol, "tol")
    mu = _check_momentum(momentum)
    batch = None if stats is not None else _check_batch_size(batch_size, target.shape[0])
    w_start = np.zeros(n_features) if w0 is None else as_target(w0, "w0")
    if w_start.shape[0] != n_features:
        raise InputError(f"w0 has {w_start.shape[0]} weights but X has {n_features} features")
    b_start = as_scalar(b0, "b0")
    for flag, name in (
        (standardize, "standardize"),
        (return_path, "return_path"),
        (fit_intercept, "fit_intercept"),
    ):
        if not isinstance(flag, (bool, np.bool_)):
            raise InputError(f"{name} must be True or False, got {flag!r}")
    if not fit_intercept and b_start != 0.0:
        raise InputError(f"b0 must be 0 when fit_intercept=False, got {b_start}")

    with np.errstate(over="raise", invalid="raise"):
        try:
            if standardize:
                # Descend on z = (x − mean)/scale (no centring without an intercept);
                # a constant column keeps scale 1.
                if stats is not None:
                    mean = stats.mean_x if fit_intercept else np.zeros(n_features)
                    stats, scale = stats.standardized(center=bool(fit_intercept))
                else:
                    mean = features.mean(axis=0) if fit_intercept else np.zeros(n_features)
                    scale = np.sqrt(((features - mean) ** 2).mean(axis=0))
                    scale[scale == 0.0] = 1.0
                    features = (features - mean) / scale
                w_start, b_start = w_start * scale, b_start + float(mean @ w_start)
            hessian = stats.hessian() if stats is not None else _hessian(features)
            if not fit_intercept:
                hessian = hessian[:n_features, :n_features]  # the curvature in w alone
            eigenvalues, eigenvectors = np.linalg.eigh(hessian)
        except FloatingPointError:
            raise InputError(_TOO_LARGE) from None
    lambda_max = float(eigenvalues[-1])
    rate = _check_learning_rate(learning_rate, lambda_max)
    bound = 2.0 * (1.0 + mu) / lambda_max
    lambda_min = float(eigenvalues[0])
    condition = lambda_max / lambda_min if lambda_min > 0 else math.inf

    intercept = bool(fit_intercept)
    if stats is not None and mu == 0.0:
        loop = functools.partial(_run_spectral, stats, eigenvalues, eigenvectors)
    elif stats is not None:
        loop = functools.partial(_run, _moments_oracle(stats), None)
    else:
        epoch = None
        if batch is not None:
            epoch = _minibatch_epoch(features, target, batch, random_state, intercept)
        loop = functools.partial(_run, _pass_oracle(features, target), epoch)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        try:
            plan = _Plan(rate, iterations, stop_tol, mu, bound, bool(return_path), intercept)
            w, b, history, grad_norm, n_done, reason, grad_norm0, path = loop(
                w_start, b_start, plan
            )
        except (FloatingPointError, OverflowError):
            if rate > bound or batch is not None:
                # Steps too long for these data (or for one of the mini-batches).
                raise DivergenceError(rate, bound, None) from None
            # Below the bound the loss cannot grow, so the data themselves are too large
            # for float64 arithmetic.
            raise InputError(_TOO_LARGE) from None
    threshold = stop_tol if stop_tol is not None else DEFAULT_GRADIENT_REDUCTION * grad_norm0
    if standardize:
        w = w / scale
        b = b - float(mean @ w)
        if path is not None:
            path[:, :-1] /= scale
            path[:, -1] -= path[:, :-1] @ mean
    return DescentResult(
        w=w,
        b=float(b),
        loss=float(history[n_done]),
        history=history[: n_done + 1],
        n_iter=n_done,
        converged=bool(grad_norm <= threshold),
        stop_reason=reason,
        gradient_norm=grad_norm,
        learning_rate=rate,
        bound=bound,
        condition_number=condition,
        predicted_iterations=predicted_iterations(rate, eigenvalues),
        path=None if path is None else path[: n_done + 1],
    )


Oracle = Callable[[FloatArray, float], tuple[float, FloatArray, float]]


@dataclass(frozen=True)
class _Plan:
    """What every loop needs besides the start: step, stopping and divergence rules."""

    rate: float
    iterations: int
    tol: float | None
    mu: float
    bound: float
    keep_path: bool
    intercept: bool


LoopResult = tuple[FloatArray, float, FloatArray, float, int, str, float, "FloatArray | None"]


def _inputs(
    X: object, y: object, method: object, batch_size: object
) -> tuple[Moments | None, FloatArray, FloatArray]:
    """Decide what to descend on: moments (computed here if need be) or the data."""
    if method not in (None, "moments", "pass"):
        raise InputError(f"method must be 'moments' or 'pass', got {method!r}")
    empty = np.empty((0, 0))
    if isinstance(X, Moments):
        if y is not None:
            raise InputError("pass either X and y, or a Moments as X, not both")
        if method == "pass" or batch_size is not None:
            raise InputError("method='pass' and batch_size need the data, not its Moments")
        return X, empty, empty.reshape(0)
    if y is None:
        raise InputError("y is required when X is an array")
    if method == "pass" or batch_size is not None:
        if method == "moments":
            raise InputError("mini-batches (batch_size) need method='pass', not 'moments'")
        features, target = check_features_target(X, y)
        return None, features, target
    # The pass over the data checks finiteness itself (see Moments.from_arrays).
    stats = Moments.from_arrays(cast(Any, X), cast(Any, y))
    return stats, empty, empty.reshape(0)


def _pass_oracle(X: FloatArray, y: FloatArray) -> Oracle:
    """Loss and gradient from the data: one pass for the residual, one for Xᵀr."""
    n = y.shape[0]

    def oracle(w: FloatArray, b: float) -> tuple[float, FloatArray, float]:
        r = _residual(X, y, w, b)
        # E = r·r/N,  ∇w E = −(2/N) Xᵀr,  ∂E/∂b = −(2/N) Σ r
        return float(r @ r) / n, (-2.0 / n) * (X.T @ r), (-2.0 / n) * float(r.sum())

    return oracle


def _moments_oracle(stats: Moments) -> Oracle:
    """Loss and gradient from the statistics: O(n_features²), no data touched."""

    def oracle(w: FloatArray, b: float) -> tuple[float, FloatArray, float]:
        # c = ȳ − x̄·w − b ;  E = (Cyy − 2w·Cxy + w·Cxx·w)/N + c²
        centre = stats.mean_y - float(stats.mean_x @ w) - b
        pulled = stats.cxx @ w - stats.cxy
        quadratic = stats.cyy - float(w @ stats.cxy) + float(w @ pulled)
        loss = max(quadratic, 0.0) / stats.count + centre * centre
        # ∇w E = (2/N)(Cxx w − Cxy) − 2c x̄ ,  ∂E/∂b = −2c
        return loss, (2.0 / stats.count) * pulled - (2.0 * centre) * stats.mean_x, -2.0 * centre

    return oracle


Epoch = Callable[
    [FloatArray, float, FloatArray, float, float, float],
    tuple[FloatArray, float, FloatArray, float],
]


def _minibatch_epoch(
    X: FloatArray, y: FloatArray, batch: int, seed: int | None, intercept: bool
) -> Epoch:
    """One pass over shuffled mini-batches, each a (momentum) step on its own gradient."""
    rng = np.random.default_rng(seed)
    n = y.shape[0]

    def epoch(
        w: FloatArray, b: float, vw: FloatArray, vb: float, rate: float, mu: float
    ) -> tuple[FloatArray, float, FloatArray, float]:
        for rows in np.array_split(rng.permutation(n), math.ceil(n / batch)):
            g_w, g_b = _gradient(X[rows], y[rows], w, b)
            vw, vb = mu * vw + g_w, mu * vb + (g_b if intercept else 0.0)
            w, b = w - rate * vw, b - rate * vb
        return w, b, vw, vb

    return epoch


def _run(oracle: Oracle, epoch: Epoch | None, w: FloatArray, b: float, plan: _Plan) -> LoopResult:
    """The loop, step by step: momentum, mini-batches, or the per-pass readable twin."""
    rate, iterations, tol, mu, bound = plan.rate, plan.iterations, plan.tol, plan.mu, plan.bound
    keep_path, intercept = plan.keep_path, plan.intercept
    history = np.empty(iterations + 1)
    path = np.empty((iterations + 1, w.shape[0] + 1)) if keep_path else None
    velocity_w, velocity_b = np.zeros_like(w), 0.0
    grad_norm = grad_norm0 = math.nan
    for k in range(iterations + 1):
        if path is not None:
            path[k, :-1], path[k, -1] = w, b
        history[k], grad_w, grad_b = oracle(w, b)
        if not intercept:
            grad_b = 0.0  # b is not a parameter: it stays at 0
        grad_norm = math.sqrt(float(grad_w @ grad_w) + grad_b * grad_b)
        if k == 0:
            grad_norm0 = grad_norm
        elif history[k] > history[k - 1] and rate > bound:
            raise DivergenceError(rate, bound, k)
        if tol is not None and grad_norm <= tol:
            return w, b, history, grad_norm, k, "tol", grad_norm0, path
        if k == iterations:
            break
        if epoch is not None:
            w, b, velocity_w, velocity_b = epoch(w, b, velocity_w, velocity_b, rate, mu)
            continue
        # v ← μv + ∇E ;  θ ← θ − ηv   (μ = 0: the livestream's plain step)
        velocity_w = mu * velocity_w + grad_w
        velocity_b = mu * velocity_b + grad_b
        w = w - rate * velocity_w
        b = b - rate * velocity_b
    return w, b, history, grad_norm, iterations, "num_iterations", grad_norm0, path


def _run_spectral(
    stats: Moments, lambdas: FloatArray, basis: FloatArray, w0: FloatArray, b0: float, plan: _Plan
) -> LoopResult:
    r"""Plain gradient descent on the statistics, all iterations at once.

    On a quadratic the step is affine, $\theta_{k+1} = \theta_k - \eta(H\theta_k - h)$, so
    in the Hessian's eigenbasis ($H = Q\Lambda Q^\top$, $z = Q^\top\theta$, $q = Q^\top h$)
    each coordinate evolves on its own:

    $$z_k = \mu^k z_0 + \eta\,s_k\,q,\qquad \mu = 1 - \eta\lambda,\qquad
    s_k = \sum_{j<k}\mu^j = \frac{1 - \mu^k}{\eta\lambda}.$$

    These are the iterates of the step-by-step loop, to rounding (the tests hold them
    to the per-pass loop and the livestream's); evaluating them as arrays makes a
    thousand iterations cost microseconds.
    """
    rate, iterations, tol, bound = plan.rate, plan.iterations, plan.tol, plan.bound
    keep_path, intercept = plan.keep_path, plan.intercept  # (never called with momentum)
    size = lambdas.shape[0]  # n_features + 1 with the intercept, n_features without
    grad_w0, grad_b0 = stats.mse_gradient(np.zeros(stats.n_features), 0.0)
    q = basis.T @ -np.append(grad_w0, grad_b0)[:size]  # h = −∇E(0), in the eigenbasis
    z0 = basis.T @ np.append(w0, b0)[:size]
    loss_at_zero = stats.mse(np.zeros(stats.n_features), 0.0)
    steps = (rate * lambdas)[:, None]  # ηλ per direction, as a column
    gentle = (steps > 0) & (steps < 1)
    all_gentle = bool(gentle.all())
    log_mu = np.log1p(-np.where(gentle, steps, 0.0))
    safe_steps = np.where(steps == 0, 1.0, steps)
    z0, q, lam = z0[:, None], q[:, None], lambdas[:, None]
    history = np.empty(iterations + 1)
    path = np.empty((iterations + 1, stats.n_features + 1)) if keep_path else None
    block = 1 << 16
    grad_norm = grad_norm0 = math.nan
    previous = math.inf
    theta = np.append(w0, b0)[:size]
    for first in range(0, iterations + 1, block):
        k = np.arange(first, min(first + block, iterations + 1), dtype=np.float64)
        # Arrays are (direction, iteration): long contiguous rows for numpy.
        with np.errstate(all="ignore"):
            # Slow and moderate directions (0 < ηλ < 1): μ^k = 1 + expm1(k log1p(−ηλ)),
            # s_k = −expm1(k log1p(−ηλ))/(ηλ), accurate however small ηλ is; the others
            # (ηλ = 0, or ≥ 1) directly.
            change = np.expm1(log_mu * k)
            power = 1.0 + change
            sums = change / -safe_steps
            if not all_gentle:
                rows = ~gentle[:, 0]
                power[rows] = np.power(1.0 - steps[rows], k)
                sums[rows] = np.where(steps[rows] == 0, k, (1.0 - power[rows]) / safe_steps[rows])
            z = power * z0 + sums * (rate * q)
            # ∇E in the eigenbasis is g = Λz − q;  E(θ) = E(0) − hᵀθ + ½θᵀHθ = E(0) + ½ z·(g − q)
            g = lam * z - q
            losses = loss_at_zero + 0.5 * np.einsum("ij,ij->j", z, g - q)
            norms = np.sqrt(np.einsum("ij,ij->j", g, g))
            if rate > bound:
                grown = np.flatnonzero(~(np.diff(np.concatenate(([previous], losses))) <= 0))
        count = k.shape[0]
        if first == 0:
            grad_norm0 = float(norms[0])
        if rate > bound:
            grown = grown[grown + first > 0]
            if grown.size:
                raise DivergenceError(rate, bound, first + int(grown[0]))
        if not (np.isfinite(losses).all() and np.isfinite(z).all()):
            raise OverflowError
        history[first : first + count] = losses
        if path is not None:
            path[first : first + count, :size] = (basis @ z).T
            path[first : first + count, size:] = 0.0  # b, when there is no intercept
        stop = np.flatnonzero(norms <= tol) if tol is not None else np.empty(0, dtype=int)
        if stop.size:
            at = int(stop[0])
            w, b = _split(basis @ z[:, at], intercept)
            return w, b, history, float(norms[at]), first + at, "tol", grad_norm0, path
        previous = float(losses[-1])
        grad_norm = float(norms[-1])
        theta = basis @ z[:, -1]
    w, b = _split(theta, intercept)
    return w, b, history, grad_norm, iterations, "num_iterations", grad_norm0, path


def _split(theta: FloatArray, intercept: bool) -> tuple[FloatArray, float]:
    return (theta[:-1], float(theta[-1])) if intercept else (theta, 0.0)


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
            "to stop at convergence, or standardize=True to converge in a few iterations"
        )
    return int(count)


def _check_non_negative(value: object, name: str) -> float:
    number = as_scalar(value, name)
    if number < 0:
        raise InputError(f"{name} must be non-negative, got {number}")
    return number


def _check_momentum(value: object) -> float:
    mu = as_scalar(value, "momentum")
    if not 0.0 <= mu < 1.0:
        raise InputError(f"momentum must be in [0, 1), got {mu}")
    return mu


def _check_batch_size(value: object, n_samples: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise InputError(f"batch_size must be a positive integer or None, got {value!r}")
    if value < 1:
        raise InputError(f"batch_size must be positive, got {value}")
    return min(int(value), n_samples)


def _check_learning_rate(value: object, lambda_max: float) -> float:
    if isinstance(value, str):
        if value == "auto":
            if lambda_max <= 0:
                raise InputError("learning_rate='auto' needs data with a non-zero Hessian")
            return 1.0 / lambda_max
        raise InputError(f"learning_rate must be a positive number or 'auto', got {value!r}")
    rate = as_scalar(value, "learning_rate")
    if rate <= 0:
        raise InputError(f"learning_rate must be positive, got {rate}")
    return rate
