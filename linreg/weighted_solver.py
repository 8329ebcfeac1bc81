r"""Weighted least squares in floating point: whiten, solve, map back.

Minimising $\sum_i w_i (y_i - x_i^\top w - b)^2$ is ordinary least squares on the
whitened rows $\sqrt{w_i}\,(x_i, 1, y_i)$. With an intercept the columns are first
centred on the weighted means $\bar x_w, \bar y_w$, so the intercept's column
$\sqrt{w_i}$ is (nearly) orthogonal to the others and a large offset cannot cancel; the
float path (`linreg.float_solver`) then solves the whitened system *without* an intercept,
refining against the whitened data, and the intercept is mapped back,
$b = \bar y_w + \beta - \bar x_w^\top w$, summed exactly (`linreg.centring.intercept_from`).

Samples of weight 0 are dropped first: they do not count, in the fit or in its degrees of
freedom. The whitened data are rounded once (about ε relative per entry), so a weighted
fit is accurate to about κε of the weighted problem, where an unweighted one is refined
against the data themselves; ``exact=True`` is exact either way.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg.centring import intercept_from
from linreg.closed_form_result import LeastSquaresResult
from linreg.float_solver import solve_float
from linreg.inference import Covariance

__all__ = ["solve_weighted"]

FloatArray = npt.NDArray[np.float64]


def solve_weighted(
    X: FloatArray, y: FloatArray, weights: FloatArray, fit_intercept: bool, alpha: float = 0.0
) -> LeastSquaresResult[Any]:
    """The weighted float path (weights checked: non-negative, not all zero)."""
    keep = weights > 0
    X, y, weights = X[keep], y[keep], weights[keep]
    total = math.fsum(weights)
    root = np.sqrt(weights)
    p = X.shape[1]
    x_mean = (weights @ X) / total if fit_intercept else np.zeros(p)
    y_mean = float(weights @ y) / total if fit_intercept else 0.0
    design = root[:, None] * (X - x_mean)
    if fit_intercept:
        design = np.column_stack([design, root])
    penalty = np.append(np.full(p, total * alpha), [0.0] * int(fit_intercept))
    inner = solve_float(design, root * (y - y_mean), False, None, alpha, penalty)
    return _mapped_back(inner, x_mean, y_mean, fit_intercept, (total, weights))


def _mapped_back(
    inner: LeastSquaresResult[Any],
    x_mean: FloatArray,
    y_mean: float,
    fit_intercept: bool,
    weighting: tuple[float, FloatArray],
) -> LeastSquaresResult[Any]:
    """The whitened, centred fit as the weighted fit of the data: the intercept mapped
    back, its standard error Var(β − x̄_wᵀw) from the whitened fit's own covariance, and
    the weights' block of that covariance for intervals at new X."""
    total, weights = weighting
    p = len(x_mean)
    coef = np.asarray(inner.coef[:p], dtype=np.float64)
    intercept = 0.0
    if fit_intercept:
        intercept = intercept_from([y_mean, float(inner.coef[p])], x_mean, coef)
    intercept_stderr: Any = None if inner.coef_stderr is None else 0.0
    if fit_intercept and inner.coef_stderr is not None:
        at = inner.get_prediction(np.append(-x_mean, 1.0)[None, :])
        intercept_stderr = math.sqrt(float(at.var_pred_mean[0])) if at is not None else None
    cov = inner.covariance
    return replace(
        inner,
        coef=coef,
        intercept=intercept,
        coef_stderr=None if inner.coef_stderr is None else np.asarray(inner.coef_stderr[:p]),
        intercept_stderr=intercept_stderr,
        mse=(inner.mse * inner.n_samples if inner.ssr is None else inner.ssr) / total,
        fit_intercept=fit_intercept,
        covariance=None if cov is None else _block(cov, x_mean, p),
        weight_total=total,
        log_weight_sum=math.fsum(np.log(weights)),
    )


def _block(cov: Covariance, x_mean: FloatArray, p: int) -> Covariance:
    """The weights' part of the whitened fit's covariance (its first p rows)."""
    return Covariance(
        x_mean=x_mean,
        correlation=cov.correlation[:p, :p],
        root=None if cov.root is None else cov.root[:p],
        root_scale=None if cov.root_scale is None else cov.root_scale[:p],
    )
