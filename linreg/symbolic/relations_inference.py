r"""The registry's relations about inference: how sure the line is.

Part of `linreg.symbolic.relations` (which registers them with the rest): the normal
matrix, the estimates' covariance, the analysis of variance, the t and F statistics and
the log-likelihood at its maximum, each side the very expression
`linreg.symbolic.inference` derives, each proved by sympy.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from linreg.symbolic import inference as derived
from linreg.symbolic import optimum
from linreg.symbolic import symbols as s
from linreg.symbolic.relation import Relation, definition, identity

__all__ = ["INFERENCE", "INFERENCE_TERMS"]

N, k, x = s.N, s.i, s.x
_Z = sp.MatrixSymbol("Z", N, 2)
_hat_m, _hat_b = sp.symbols(r"\hat{m} \hat{b}", real=True)
_theta_hat = sp.MatrixSymbol(r"\hat{\theta}", 2, 1)
_ssr, _ess, _tss = sp.symbols("SSR ESS TSS", nonnegative=True)
_sigma_hat2 = sp.Symbol(r"\hat{\sigma}", positive=True) ** 2
_t, _f, _r2 = sp.Symbol("t", real=True), sp.Symbol("F", positive=True), sp.Symbol("R^2")
_alpha, _nu = sp.Symbol("alpha", positive=True), sp.Symbol("nu", positive=True)
_w = sp.IndexedBase("w")
_log_l = sp.log(sp.Symbol("L^*", positive=True))
_cov = sp.Function(r"\mathrm{Cov}")(_hat_m, _hat_b)
_var = sp.Function(r"\mathrm{Var}")(_hat_m * derived.x_0 + _hat_b)
_se = sp.Function(r"\mathrm{se}")(_hat_m)


def _raw_normal_matrix() -> sp.Matrix:
    """ZᵀZ for Z = [x 1], entry by entry: the data's sums."""
    total = sp.Sum(x[k] ** 2, (k, 1, N)), sp.Sum(x[k], (k, 1, N))
    return sp.Matrix([[total[0], total[1]], [total[1], N]])


_STATISTICS = ("C_xx", "C_xy", "C_yy", "mean-x", "mean-y")
_tss_definition = definition("tss", _tss, s.C_yy, "the scores' total spread about their mean")
_sigma_definition = definition(
    "sigma-hat", _sigma_hat2, _ssr / (N - 2), "the noise's variance, two parameters fitted"
)
INFERENCE: list[Relation] = [
    identity(
        "normal-matrix",
        (_Z.T * _Z, derived.normal_matrix),
        "Z = [x 1]: the data's sums, in the statistics (N/2 times the Hessian)",
        uses=_STATISTICS,
        claims=(derived.normal_matrix - _raw_normal_matrix(),),
    ),
    identity(
        "estimate-matrix",
        (_theta_hat, (_Z.T * _Z).I * _Z.T * s.y_vector),
        "the estimates solve the normal equations: linear in the scores",
        claims=(_Z.T * _Z * ((_Z.T * _Z).I * _Z.T * s.y_vector) - _Z.T * s.y_vector,),
    ),
    identity(
        "covariance",
        (_cov, derived.covariance_expr),
        "the estimates' covariance, σ² times the inverse of Zᵀ Z",
        claims=(derived.covariance_expr - s.sigma**2 * derived.normal_matrix.inv(),),
    ),
    identity(
        "ssr",
        (_ssr, N * sp.Symbol("E^*"), derived.ssr_expr),
        "the residual sum of squares at the optimum, N times the least loss",
        claims=(
            derived.ssr_expr - N * optimum.minimum_expr.subs(s.alpha, 0),
            derived.ssr_expr - N * derived.e_star.subs(derived.e_star, derived.ssr_expr / N),
        ),
    ),
    _sigma_definition,
    identity(
        "t-slope",
        (_t, _hat_m / _se, derived.t_slope_expr),
        "the slope over its standard error, σ estimated",
        uses=("sigma-hat",),
        claims=(
            derived.t_slope_expr
            - optimum.closed_form[s.m] / sp.sqrt(derived.sigma_hat_squared / s.C_xx),
        ),
    ),
    _tss_definition,
    identity(
        "ess",
        (_ess, _tss - _ssr, derived.ess_expr),
        "what the line explains: the total less what it leaves",
        uses=("tss",),
        claims=(derived.ess_expr - (_tss_definition.sides[1] - derived.ssr_expr),),
    ),
    identity(
        "r-squared",
        (_r2, _ess / _tss, derived.r_squared_expr),
        "the share explained: the squared correlation of x and y",
        uses=("tss",),
        claims=(derived.r_squared_expr - derived.ess_expr / _tss_definition.sides[1],),
    ),
    identity(
        "f-statistic",
        (_f, _ess / (_ssr / (N - 2)), derived.f_expr),
        "the explained over the left-over mean square",
        uses=("sigma-hat",),
        claims=(derived.f_expr - derived.ess_expr / derived.sigma_hat_squared,),
    ),
    identity(
        "f-is-t-squared",
        (_f, _t**2),
        "for one feature the F test is the slope's t test",
        claims=(derived.f_expr - derived.t_slope_expr**2,),
    ),
    identity(
        "mean-variance",
        (_var, derived.mean_variance_textbook),
        "the line's value at a new x_0: narrowest at the mean",
        claims=(derived.mean_variance_expr - derived.mean_variance_textbook,),
    ),
    identity(
        "max-log-likelihood",
        (_log_l, derived.max_log_likelihood),
        "the Gaussian log-likelihood at its maximum, σ² at E*",
        claims=(derived.max_log_likelihood + N / 2 * (sp.log(2 * sp.pi * derived.e_star) + 1),),
    ),
]


def _terms() -> dict[str, Any]:
    nu, t = _nu, _t
    return {
        "sigma-inverse-gram": s.sigma**2 * (_Z.T * _Z).I,
        "half-n": N / 2,
        "residual-df": N - 2,
        "p-value-beta": sp.betainc_regularized(nu / 2, sp.Rational(1, 2), 0, nu / (nu + t**2)),
        "uncentred-ess": sp.Sum(sp.IndexedBase(r"\hat{y}")[k] ** 2, (k, 1, N)),
        "confidence": 1 - _alpha,
        "t-quantile": sp.Function(r"t_\nu")(_alpha / 2),
        "aic-penalty": 2 * sp.Symbol("k"),
        "bic-penalty": sp.Symbol("k") * sp.log(N),
        "minus-two-log-l": -2 * _log_l,
        "ess-difference": _tss - _ssr,
        "weighted-loss": sp.Sum(_w[k] * (s.y[k] - (s.m * x[k] + s.b)) ** 2, (k, 1, N)),
        "weighted-noise": s.sigma**2 / _w[k],
        "weighted-variance": sp.Sum(_w[k] * sp.IndexedBase("r")[k] ** 2, (k, 1, N))
        / (sp.Symbol("n") - sp.Symbol("k")),
        "weights-log": sp.Sum(sp.log(_w[k]), (k, 1, N)) / 2,
        "weights-sum": sp.Sum(_w[k], (k, 1, N)),
    }


#: Named expressions of the inference page: printed, nothing to prove.
INFERENCE_TERMS: dict[str, Any] = _terms()
