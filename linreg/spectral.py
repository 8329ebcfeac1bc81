r"""Fixed-step gradient descent on the statistics, evaluated in closed form.

On the quadratic loss the step is affine, $\theta_{k+1} = \theta_k - \eta\nabla E(\theta_k)$
with $\nabla E(\theta) = H\theta - h$. In the Hessian's eigenbasis ($H = Q\Lambda Q^\top$,
$\hat g = Q^\top\nabla E(\theta_0)$) every direction evolves on its own:

$$\theta_k = \theta_0 - Q\,(s_k \odot \hat g),\qquad
s_k = \eta\sum_{j<k}(1 - \eta\lambda)^j = \frac{1 - (1 - \eta\lambda)^k}{\lambda},$$

$$Q^\top\nabla E(\theta_k) = (1 - \eta\lambda)^k\,\hat g,\qquad
E(\theta_k) = E(\theta_0) - \sum_j \hat g_j^2\, s_{k,j}\bigl(1 - \tfrac12\lambda_j s_{k,j}\bigr).$$

Here $h$ is the gradient's constant part, $-\nabla E(0)$. Evaluated as arrays, a million
iterations cost milliseconds; with ``tol``, each block of iterates is handed to the
verdict (`linreg.certificate.Judge`), and the run stops at the first that it certifies. The tests
hold these iterates to the step-by-step loop on the statistics and on the data.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from linreg.history import History
from linreg.problem import Quadratic

__all__ = ["fixed_step_iterates"]

FloatArray = npt.NDArray[np.float64]
_BLOCK = 1 << 15


def _sums(rate: float, lambdas: FloatArray, k: FloatArray) -> FloatArray:
    """s_k = η Σ_{j<k} (1 − ηλ)^j, accurate however small ηλ is: shape (d, K), a row per
    direction (each operation then runs along a row of K, not K rows of d: the same
    numbers, each formed by the same one rounding, in a third of the time)."""
    steps = rate * lambdas
    gentle = (steps > 0) & (steps < 1)
    kk, column = k[None, :], lambdas[:, None]
    if gentle.all():  # the usual case: every direction shrinks monotonically
        return _gentle_sums(steps, lambdas, k)
    with np.errstate(all="ignore"):
        # 0 < ηλ < 1: (1 − ηλ)^k = 1 + expm1(k log1p(−ηλ)), s_k = −expm1(…)/λ
        change = np.expm1(np.log1p(-np.where(gentle, steps, 0.0))[:, None] * kk)
        gentle, steps = gentle[:, None], steps[:, None]
        power = np.where(gentle, 1.0 + change, np.power(1.0 - steps, kk))
        safe = np.where(column > 0, column, 1.0)
        sums = np.where(gentle, -change / safe, (1.0 - power) / safe)
        sums = np.where(steps == 0, rate * kk, sums)  # λ = 0: the direction moves by η per step
    return np.asarray(sums)


def _gentle_sums(steps: FloatArray, lambdas: FloatArray, k: FloatArray) -> FloatArray:
    """`_sums` where every direction shrinks (0 < ηλ < 1, ``steps`` = ηλ):
    s_k = −expm1(k·log1p(−ηλ))/λ, each operation in place (one array of (d, K), not three)."""
    sums = np.log1p(-steps)[:, None] * k
    np.expm1(sums, out=sums)
    np.divide(sums, -lambdas[:, None], out=sums)
    return sums


def fixed_step_iterates(
    quadratic: Quadratic,
    rate: float,
    theta0: FloatArray,
    iterations: int,
    stops: Callable[[FloatArray], int | None] | None,
    keep_path: bool,
    watch: Callable[[int, float, float], None],
    history: History,
) -> tuple[FloatArray, int, str, FloatArray | None]:
    """Run fixed-step descent in closed form, a block of iterations at a time.

    Returns ``(theta, n_done, reason, path)`` as the step-by-step loop would, the losses
    recorded in ``history``; ``stops(rows)`` (with ``tol``) gives the first row of a block
    of iterates whose verdict is "converged"; ``watch(k, loss, previous)`` is called at
    the first iterate whose loss grew.
    """
    lambdas, basis = quadratic.eigenvalues, quadratic.eigenvectors
    loss0, g0 = quadratic.loss_and_gradient(theta0)
    g_hat = basis.T @ g0
    # A direction with no gradient never moves, whatever its factor (1 - ηλ)^k: at the
    # optimum itself the factor of an unstable rate overflows, and inf·0 read as growth.
    still = [k for k, value in enumerate(g_hat.tolist()) if value == 0.0]
    path = np.empty((iterations + 1, theta0.shape[0])) if keep_path else None
    previous, step = np.inf, np.zeros_like(g_hat)
    for first in range(0, iterations + 1, _BLOCK):
        k = np.arange(first, min(first + _BLOCK, iterations + 1), dtype=np.float64)
        sums = _sums(rate, lambdas, k)  # (d, K)
        if still:
            sums[still] = 0.0
        with np.errstate(all="ignore"):
            losses = loss0 - _decrease(sums, lambdas, g_hat)
            steps = sums * g_hat[:, None]  # (d, K): the rows' steps, transposed
            # A run that blows up is a divergence at its first growth, not an overflow.
            compared = np.where(np.isnan(losses), np.inf, losses)
            at = _first_growth(compared, previous)
        if at is not None:
            watch(first + at, float(compared[at]), previous if at == 0 else float(compared[at - 1]))
        if not (np.isfinite(losses).all() and np.isfinite(steps).all()):
            raise OverflowError
        step = steps[:, -1].copy()  # contiguous, as the row it was
        if path is None and stops is None:
            history.block(compared)
            previous = float(losses[-1])
            continue
        rows = theta0 - np.ascontiguousarray(steps.T) @ basis.T
        if path is not None:
            path[first : first + k.shape[0]] = rows
        stop = None if stops is None else stops(rows)
        if stop is not None:
            history.block(compared[: stop + 1])
            n_done = first + stop
            cut = None if path is None else path[: n_done + 1]
            return rows[stop], n_done, "tol", cut
        history.block(compared)
        previous = float(losses[-1])
    return _at(theta0, basis, step), iterations, "num_iterations", path


def _first_growth(losses: FloatArray, previous: float) -> int | None:
    """The first k with losses[k] > losses[k − 1] (losses[−1] = ``previous``), or None.
    No loss is NaN (the caller made them inf): then a − b > 0 exactly when a > b."""
    if losses[0] > previous:
        return 0
    grown = np.flatnonzero(losses[1:] > losses[:-1])
    return int(grown[0]) + 1 if grown.size else None


def _decrease(sums: FloatArray, lambdas: FloatArray, g_hat: FloatArray) -> FloatArray:
    """E(θ₀) − E(θ_k) for every k: Σ_j s_kj (1 − ½λ_j s_kj) ĝ_j², the terms formed
    along rows (``sums`` is (d, K)) and summed by the product of the (K, d) matrix they
    make, in C order: the product the rows were always summed by, bit for bit."""
    inner = (0.5 * lambdas)[:, None] * sums
    np.subtract(1.0, inner, out=inner)
    terms = np.empty((sums.shape[1], sums.shape[0]))  # (K, d), C order, written through .T
    np.multiply(sums, inner, out=terms.T)  # (no transposed copy of a (d, K) product)
    return np.asarray(terms @ (g_hat * g_hat))


def _at(theta0: FloatArray, basis: FloatArray, step: FloatArray) -> FloatArray:
    return np.asarray(theta0 - basis @ step)
