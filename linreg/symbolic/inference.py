r"""How sure is the line: the spread of $(\hat m, \hat b)$, the tests and the intervals, derived.

Under $y_i = m x_i + b + \varepsilon_i$ with independent $\varepsilon_i \sim
\mathcal N(0, \sigma^2)$, the estimates are linear in $y$, $\hat\theta = (Z^\top
Z)^{-1}Z^\top y$, so their covariance is $\sigma^2 (Z^\top Z)^{-1}$; and $Z^\top Z$ is
$\frac N2$ times the Hessian of $E$ that sympy already derived
(`linreg.symbolic.optimum`). Everything below is sympy's, in the one-pass statistics
$N, \bar x, \bar y, C_{xx}, C_{xy}, C_{yy}$ of the line (one feature):

- the covariance of $(\hat m, \hat b)$, and the variance of the line's value
  $\hat m x_0 + \hat b$ at a new $x_0$ (the mean's interval; a new observation adds
  $\sigma^2$);
- the analysis of variance: $SSR$, the residual sum of squares at the optimum
  ($N E^*$), and $ESS = C_{yy} - SSR$, which simplify to $C_{yy} - C_{xy}^2/C_{xx}$ and
  $C_{xy}^2/C_{xx}$: TSS = ESS + SSR, and $R^2$ is the squared correlation;
- the t statistic of the slope with $\hat\sigma^2 = SSR/(N - 2)$, and the F statistic
  $ESS/\hat\sigma^2$, which sympy shows is $t^2$: for one feature the F test *is* the
  slope's t test;
- the log-likelihood at its maximum, $\sigma^2 = E^* = SSR/N$
  (`linreg.symbolic.likelihood`), and AIC and BIC from it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import sympy as sp

from linreg.errors import InputError
from linreg.symbolic.likelihood import likelihood_in_mse
from linreg.symbolic.line import mse_expr
from linreg.symbolic.optimum import closed_form, minimum_expr, ridge_hessian_in_moments
from linreg.symbolic.symbols import C_xx, C_xy, C_yy, N, alpha, m, sigma, x_bar, y_bar
from linreg.validate import check_features_target, too_large

__all__ = [
    "aic_expr",
    "bic_expr",
    "covariance_expr",
    "e_star",
    "ess_expr",
    "f_expr",
    "f_is_t_squared",
    "line_anova_fn",
    "line_likelihood_fn",
    "line_stderr_fn",
    "line_tests_fn",
    "max_log_likelihood",
    "mean_variance_expr",
    "mean_variance_textbook",
    "normal_matrix",
    "prediction_variance_expr",
    "r_squared_expr",
    "sigma_hat_squared",
    "ssr_expr",
    "t_slope_expr",
    "x_0",
]

#: A new value of the feature, where the line is read off.
x_0 = sp.Symbol("x_0", real=True)

#: $Z^\top Z$ in the statistics: $\frac N2$ times the Hessian of $E$ (no ridge).
normal_matrix: sp.Matrix = (N / 2 * ridge_hessian_in_moments.subs(alpha, 0)).applyfunc(sp.simplify)
#: $\mathrm{Cov}(\hat m, \hat b) = \sigma^2 (Z^\top Z)^{-1}$, inverted and simplified by
#: sympy: $\mathrm{Var}(\hat m) = \sigma^2/C_{xx}$, $\mathrm{Var}(\hat b) =
#: \sigma^2(1/N + \bar x^2/C_{xx})$, $\mathrm{Cov} = -\sigma^2\bar x/C_{xx}$.
covariance_expr: sp.Matrix = (sigma**2 * normal_matrix.inv()).applyfunc(sp.factor)
_at_x0 = sp.Matrix([[x_0, 1]])
#: $\mathrm{Var}(\hat m x_0 + \hat b) = \sigma^2\bigl(\frac1N + \frac{(x_0 - \bar
#: x)^2}{C_{xx}}\bigr)$: narrowest at the mean of x.
mean_variance_expr: sp.Expr = sp.factor(sp.simplify((_at_x0 * covariance_expr * _at_x0.T)[0]))
#: The same, as textbooks write it (checked equal to sympy's at import).
mean_variance_textbook: sp.Expr = sigma**2 * (1 / N + (x_0 - x_bar) ** 2 / C_xx)
#: A new observation's: the mean's variance plus the noise's own, $\sigma^2$.
prediction_variance_expr: sp.Expr = mean_variance_expr + sigma**2

#: $SSR = N E^*$, the residual sum of squares at the optimum: $C_{yy} - C_{xy}^2/C_{xx}$.
ssr_expr: sp.Expr = sp.simplify(N * minimum_expr.subs(alpha, 0))
#: $ESS = TSS - SSR$ with $TSS = C_{yy}$: simplifies to $C_{xy}^2/C_{xx}$.
ess_expr: sp.Expr = sp.simplify(C_yy - ssr_expr)
#: $R^2 = ESS/TSS = C_{xy}^2/(C_{xx}C_{yy})$, the squared correlation of x and y.
r_squared_expr: sp.Expr = sp.simplify(ess_expr / C_yy)
#: $\hat\sigma^2 = SSR/(N - 2)$: two parameters were fitted.
sigma_hat_squared: sp.Expr = ssr_expr / (N - 2)
#: $t = \hat m/\mathrm{se}(\hat m)$, with $\sigma^2$ estimated by $\hat\sigma^2$.
t_slope_expr: sp.Expr = sp.simplify(
    closed_form[m] / sp.sqrt(covariance_expr[0, 0].subs(sigma**2, sigma_hat_squared))
)
#: $F = \frac{ESS/1}{SSR/(N - 2)}$, one feature.
f_expr: sp.Expr = sp.simplify(ess_expr / sigma_hat_squared)
#: ``True``: sympy simplifies $F - t^2$ to 0.
f_is_t_squared: bool = sp.simplify(f_expr - t_slope_expr**2) == 0

#: The minimum MSE, $E^* = SSR/N$.
e_star = sp.Symbol("E^*", positive=True)
# −ln L holds the residuals' sum N·E: put N·E* for it
_negative_log_likelihood = likelihood_in_mse.subs(mse_expr * N, N * e_star)
_best_sigma_squared = sp.solve(sp.diff(_negative_log_likelihood, sigma), sigma)[0] ** 2
#: $\ln L$ at its maximum over $(m, b, \sigma)$: $-\ln L$ at the least-squares line, with
#: $\sigma^2$ at its best value $E^*$ (`linreg.symbolic.likelihood`), negated:
#: $-\frac N2\bigl(\ln(2\pi E^*) + 1\bigr)$.
max_log_likelihood: sp.Expr = sp.collect(
    sp.expand(
        sp.expand_log(-_negative_log_likelihood.subs(sigma**2, _best_sigma_squared), force=True)
    ),
    N / 2,
)
#: Akaike's criterion for the line, $-2\ln L + 2k$ with $k = 2$ parameters (in $E^*$).
aic_expr: sp.Expr = -2 * max_log_likelihood + 2 * 2
#: Schwarz's, $-2\ln L + k\ln N$.
bic_expr: sp.Expr = -2 * max_log_likelihood + 2 * sp.log(N)


def _check() -> None:
    """The derivation's landmarks, as sympy found them (run at import: a wrong step fails)."""
    assert sp.simplify(covariance_expr[0, 0] - sigma**2 / C_xx) == 0
    assert sp.simplify(mean_variance_expr - mean_variance_textbook) == 0
    assert sp.simplify(ess_expr - C_xy**2 / C_xx) == 0
    assert f_is_t_squared
    assert sp.simplify(_best_sigma_squared - e_star) == 0
    textbook = -N / 2 * (sp.log(2 * sp.pi * e_star) + 1)
    assert sp.simplify(sp.expand_log(max_log_likelihood - textbook, force=True)) == 0


_check()

# --- each evaluated on data: the symbolic twins of the fit's numbers (one feature) -----------

_statistics_args = (N, x_bar, y_bar, C_xx, C_xy, C_yy)
_estimated = {sigma**2: sigma_hat_squared}
_stderrs = sp.lambdify(
    _statistics_args,
    [sp.sqrt(covariance_expr[a, a].subs(_estimated)) for a in (0, 1)],
    "math",
)
_anova = sp.lambdify(_statistics_args, [ess_expr, ssr_expr], "math")
_tests = sp.lambdify(_statistics_args, [f_expr, t_slope_expr**2], "math")
_in_statistics = {e_star: ssr_expr / N}
_likelihood = sp.lambdify(
    _statistics_args,
    [e.subs(_in_statistics) for e in (max_log_likelihood, aic_expr, bic_expr)],
    "math",
)


def _statistics(X_: npt.ArrayLike, y_: npt.ArrayLike) -> tuple[Any, ...]:
    """(N, x̄, ȳ, Cxx, Cxy, Cyy) of one feature, two passes, independent of linreg.moments."""
    features, target = check_features_target(X_, y_)
    if features.shape[1] != 1:
        raise InputError("the line's statistics are for one feature: X must have one column")
    x_ = features[:, 0]
    with np.errstate(over="ignore", invalid="ignore"):
        xc, yc = x_ - x_.mean(), target - target.mean()
        values = (len(x_), x_.mean(), target.mean(), xc @ xc, xc @ yc, yc @ yc)
    if not np.isfinite(values).all():
        raise too_large("a square or product")
    return tuple(float(v) for v in values)


def line_stderr_fn(X_: npt.ArrayLike, y_: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], float]:
    r"""$(\mathrm{se}(\hat m), \mathrm{se}(\hat b))$ from `covariance_expr` with
    $\hat\sigma^2$: the twin of the fit's standard errors."""
    se_m, se_b = _stderrs(*_statistics(X_, y_))
    return np.array([se_m]), float(se_b)


def line_anova_fn(X_: npt.ArrayLike, y_: npt.ArrayLike) -> tuple[float, float]:
    """(ESS, SSR) from `ess_expr` and `ssr_expr`."""
    ess, ssr = _anova(*_statistics(X_, y_))
    return float(ess), float(ssr)


def line_tests_fn(X_: npt.ArrayLike, y_: npt.ArrayLike) -> tuple[float, float]:
    """(F, t²) of the slope from `f_expr` and `t_slope_expr`: equal, as sympy showed."""
    f, t2 = _tests(*_statistics(X_, y_))
    return float(f), float(t2)


def line_likelihood_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike
) -> tuple[float, npt.NDArray[np.float64]]:
    """(ln L at its maximum, [AIC, BIC]) from `max_log_likelihood`, `aic_expr`, `bic_expr`."""
    llf, aic, bic = _likelihood(*_statistics(X_, y_))
    return float(llf), np.array([float(aic), float(bic)])
