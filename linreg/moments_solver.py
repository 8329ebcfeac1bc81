r"""The closed form from the one-pass statistics alone: fast for any N, error about κ²ε.

With an intercept the normal equations are the centred ones, $C_{xx} w = C_{xy}$ (plus
$N\alpha I$ with a ridge); without one, the same on the second moments about the origin,
$X^\top X = C_{xx} + N\bar x\bar x^\top$. They are equilibrated (each column scaled to a
unit diagonal) and solved; the intercept is mapped back as on the float path
(`linreg.centring.intercept_from`), and the residual sum of squares is the statistics'
own loss kernel (`linreg.moments.Moments.loss_and_gradient`) at the optimum.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg.centring import intercept_from, refuse_constant
from linreg.closed_form_result import (
    WORKING_ACCURACY,
    LeastSquaresResult,
    check_count,
    checked_result,
)
from linreg.doubledouble import EPS
from linreg.errors import SingularProblemError
from linreg.inference import Covariance
from linreg.moments import Moments
from linreg.validate import TINY, check_not_underflowed

__all__ = ["solve_moments"]

FloatArray = npt.NDArray[np.float64]


def _normal_equations(
    stats: Moments, fit_intercept: bool
) -> tuple[FloatArray, FloatArray, float, FloatArray, float]:
    """(XᵀX, Xᵀy, yᵀy) about the means (with an intercept) or the origin, and the means
    used as the shifts (zero without an intercept)."""
    if fit_intercept:
        return stats.cxx, stats.cxy, stats.cyy, stats.mean_x, stats.mean_y
    n, mean_x, mean_y = stats.count, stats.mean_x, stats.mean_y
    # XᵀX = Cxx + N x̄x̄ᵀ, Xᵀy = Cxy + N x̄ȳ, yᵀy = Cyy + Nȳ²
    gram = stats.cxx + n * np.outer(mean_x, mean_x)
    moment = stats.cxy + n * mean_x * mean_y
    return gram, moment, stats.cyy + n * mean_y**2, np.zeros(stats.n_features), 0.0


def _check_columns(
    spread: FloatArray, moment: FloatArray, stats: Moments, total: float, intercept: bool
) -> None:
    """Refuse constant (or zero) columns, then statistics that underflowed.

    A spread of exactly 0 is a constant column when the column's squares could not have
    underflowed (its mean is 0, or at least √TINY); otherwise it is too small to tell.
    """
    mean_x = stats.mean_x
    if not spread.all():
        large = (mean_x == 0.0) | (np.abs(mean_x) >= math.sqrt(TINY))
        refuse_constant(np.flatnonzero((spread == 0.0) & large), intercept)
    check_not_underflowed(
        spread,
        mean_x,
        total,
        ", or pass the arrays themselves",
        mean_y=stats.mean_y,
        moment=moment,
    )


def solve_moments(
    stats: Moments, fit_intercept: bool, alpha: float = 0.0
) -> LeastSquaresResult[Any]:
    """The path from `Moments`: the equilibrated normal equations (error about κ²ε)."""
    n, k = stats.count, stats.n_features + int(fit_intercept)
    rows = int(getattr(stats, "rows", 0)) or n  # weighted: n is the weights' total
    check_count(rows, k)
    gram, moment, total, shift_x, shift_y = _normal_equations(stats, fit_intercept)
    _check_columns(np.diag(gram), moment, stats, total, fit_intercept)
    scale, correlation, eigenvalues = _equilibrated(gram, n * alpha)
    inverse = np.linalg.inv(correlation) / np.outer(scale, scale)
    coef = inverse @ moment
    intercept = intercept_from([shift_y], shift_x, coef) if fit_intercept else 0.0
    # the MSE at the optimum from the statistics' own kernel (no ridge term in SSR); with
    # an intercept the line passes through the means, so on centred statistics b = 0
    # exactly, and no large terms cancel
    at_centre = stats.centred() if fit_intercept else stats
    mse = at_centre.loss_and_gradient(coef, 0.0 if fit_intercept else intercept)[0]
    ssr, dof = mse * n, rows - k
    sigma = math.sqrt(ssr / dof) if dof > 0 and not alpha else None
    var_intercept = 1.0 / n + float(stats.mean_x @ inverse @ stats.mean_x) if fit_intercept else 0.0
    condition = math.sqrt(eigenvalues[-1] / eigenvalues[0])
    return checked_result(
        LeastSquaresResult(
            coef=coef,
            intercept=float(intercept),
            coef_stderr=None if sigma is None else sigma * np.sqrt(np.diag(inverse)),
            intercept_stderr=None if sigma is None else sigma * math.sqrt(var_intercept),
            residual_std=math.sqrt(ssr / dof) if dof > 0 else None,
            r_squared=1.0 - ssr / total if total > 0 else 1.0,
            mse=mse,
            n_samples=rows,
            dof=dof,
            condition=condition,
            error_estimate=condition**2 * EPS,
            accurate=condition**2 * EPS <= WORKING_ACCURACY,
            fit_intercept=fit_intercept,
            ssr=ssr,
            # TSS = ESS + SSR at the optimum (ESS loses digits as R² nears 0 here)
            ess=None if alpha else max(total - ssr, 0.0),
            covariance=_covariance(stats, correlation, scale, fit_intercept, sigma),
            alpha=alpha,
            ssr_floor=_ssr_floor(coef, gram, moment, total),
            **_weighting(stats),
        )
    )


def _equilibrated(gram: FloatArray, ridge: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(the columns' scales, the equilibrated Gram with the ridge, its eigenvalues).

    Raises
    ------
    SingularProblemError
        The columns are linearly dependent to working precision.
    """
    p = gram.shape[0]
    scale = np.sqrt(np.diag(gram))
    correlation = (gram + ridge * np.eye(p)) / np.outer(scale, scale)
    eigenvalues = np.linalg.eigvalsh(correlation)
    if eigenvalues[0] <= eigenvalues[-1] * p * 1e3 * EPS:
        raise SingularProblemError("the columns of X are linearly dependent (to working precision)")
    return scale, correlation, eigenvalues


def _weighting(stats: Moments) -> dict[str, Any]:
    """A weighted `Moments`' total weight and log-weights, for the inference."""
    if not hasattr(stats, "rows"):
        return {}
    return {"weight_total": stats.count, "log_weight_sum": getattr(stats, "log_weights", 0.0)}


def _covariance(
    stats: Moments,
    equilibrated: FloatArray,
    scale: FloatArray,
    fit_intercept: bool,
    sigma: float | None,
) -> Covariance | None:
    """The weights' correlation, a square root of their covariance (from the eigenvectors
    of the equilibrated Gram: ``G⁻¹ = (V Λ^-½)(V Λ^-½)ᵀ`` over the scales) and the
    columns' means, for intervals at new X (None without standard errors)."""
    if sigma is None:
        return None
    values, vectors = np.linalg.eigh(equilibrated)
    root = vectors / np.sqrt(values)
    lengths = np.sqrt(np.sum(root * root, axis=1))
    inverse = (root @ root.T) / np.outer(lengths, lengths)
    return Covariance(
        x_mean=stats.mean_x if fit_intercept else np.zeros(stats.n_features),
        correlation=inverse,
        root=root / lengths[:, None],
        root_scale=lengths / scale,
    )


def _ssr_floor(coef: FloatArray, gram: FloatArray, moment: FloatArray, total: float) -> float:
    """SSR = Cyy − 2wᵀCxy + wᵀCxxw cancels terms of these sizes, each rounded (about ε):
    an SSR below a few ε of their sum is 0 to working precision."""
    size = total + float(np.abs(coef) @ (2.0 * np.abs(moment) + np.abs(gram) @ np.abs(coef)))
    return 8.0 * EPS * size
