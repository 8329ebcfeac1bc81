r"""What the fit says about the line: the ANOVA table, t and F tests, intervals, likelihood.

`Inference` is mixed into `linreg.closed_form_result.LeastSquaresResult`. It reads the
fit's own numbers (coefficients, standard errors, the sums of squares, the covariance of
the weights) and gives them statsmodels' names, in statsmodels' order after
``add_constant``: the intercept first. With $N$ samples, $p$ features, $k = p + 1$
parameters ($p$ without an intercept) and $\nu = N - k$ residual degrees of freedom:

| name | formula |
|---|---|
| `ssr` | $SSR = \sum (y - \hat y)^2$ |
| `ess` | $ESS = \sum(\hat y - \bar y)^2$; $\sum \hat y^2$ without an intercept (as NIST) |
| `df_model`, `df_resid` | $p$ and $\nu$ |
| `mse_model`, `mse_resid` | $ESS/p$ and $\hat\sigma^2 = SSR/\nu$ |
| `fvalue`, `f_pvalue` | $F = \frac{ESS/p}{SSR/\nu}$ and $P(F_{p,\nu} > F)$ |
| `tvalues` | $t_j = \hat\theta_j/\mathrm{se}_j$ |
| `pvalues` | $P(\lvert T_\nu\rvert > \lvert t_j\rvert)$ |
| `conf_int(alpha)` | $\hat\theta_j \mp t_\nu(\alpha/2)\,\mathrm{se}_j$ |
| `rsquared_adj` | $1 - \frac{N - k_0}{\nu}\,\frac{SSR}{TSS}$, $k_0$ = 1 with an intercept, else 0 |
| `llf` | $-\frac N2\bigl(\ln(2\pi\,SSR/N) + 1\bigr)$, the maximised Gaussian log-likelihood |
| `aic`, `bic` | $-2\,\mathrm{llf} + 2k$ and $-2\,\mathrm{llf} + k\ln N$ |

In float mode these are floats (arrays for the per-parameter ones). In exact mode the
rational ones are `fractions.Fraction` (the sums of squares, mean squares, F, adjusted
R²) and the irrational ones `decimal.Decimal` of `linreg.intervals.EXACT_DIGITS`
significant digits (t, p-values, the log-likelihood, interval ends; `conf_int` and
`get_prediction` take ``digits``). An infinite value (t or F of an exact fit, SSR = 0)
is ``math.inf`` in float mode and ``Decimal("Infinity")`` in exact mode.

A statistic that does not exist is ``None``, never NaN, and `why_none` says why: no
residual degrees of freedom (N = k; statsmodels gives NaN), a ridge penalty (the tests
assume least squares), t = 0/0 (an exact fit with a coefficient of exactly 0), F = 0/0
(an exact fit of a constant y).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np

from linreg.distributions import as_mpf, f_sf, rounded, t_two_sided, working_context
from linreg.errors import InputError
from linreg.intervals import (
    EXACT_DIGITS,
    Prediction,
    check_digits,
    check_significance,
    decimal_sqrt,
    exact_interval,
    exact_rows,
    float_intervals,
    float_rows,
)
from linreg.validate import as_scalar, check_positive_int, shorten

__all__ = ["RESOLVED", "Covariance", "Inference", "log_likelihood"]

_INFINITY = Decimal("Infinity")
#: t, F and the likelihood divide by SSR (or take its log): they are given only when SSR
#: is at least this many times its rounding floor (``ssr_floor``), so that it has six
#: significant digits, more than the summary prints of any of them.
RESOLVED = 1e6


@dataclass(frozen=True)
class Covariance:
    r"""What intervals at new X need beyond the standard errors.

    Attributes
    ----------
    x_mean : sequence of shape (n_features,)
        The columns' means $\bar x$ (floats, or Fractions in exact mode); zeros without
        an intercept.
    correlation : numpy.ndarray of shape (n_features, n_features) or None
        Float mode: the weights' correlation matrix, so that
        $\mathrm{Cov}(w) = \mathrm{diag}(\mathrm{se})\,\rho\,\mathrm{diag}(\mathrm{se})$
        (scale-free: it neither overflows nor underflows whatever the data's units).
    unscaled : list of list of Fraction or None
        Exact mode: $(X_c^\top X_c)^{-1}$ ($X_c$ the centred columns; $(X^\top X)^{-1}$
        without an intercept), so that $\mathrm{Cov}(w) = \hat\sigma^2$ times it.
    root, root_scale : numpy.ndarray of shape (p, p) and (p,), or None
        Float mode: the factor's square root of the same matrix, $(X_c^\top X_c)^{-1} =
        \mathrm{diag}(s)\,C C^\top\mathrm{diag}(s)$ with unit rows in $C$ (``root``) and
        $s$ = ``root_scale``. A variance at new X is then a sum of squares,
        $\hat\sigma^2\lVert C^\top (s \circ d)\rVert^2$, accurate to about κε where the
        quadratic form in the correlation loses κ²ε (None: the scale under- or
        overflowed, and the correlation is used).
    """

    x_mean: Any
    correlation: Any = None
    unscaled: Any = None
    root: Any = None
    root_scale: Any = None


def log_likelihood(
    n: int, ssr: Any, digits: int = 0, k: int = 0, penalty: Any = None, log_weights: Any = 0
) -> Any:
    r"""The Gaussian log-likelihood at its maximum, $-\frac N2(\ln(2\pi\,SSR/N) + 1)$.

    sympy derives it (`linreg.symbolic.inference.max_log_likelihood`): $-\ln L$ with
    $\sigma^2$ at its best value, the MSE. ``+inf`` when SSR = 0. ``digits`` > 0: a
    Decimal of that many significant digits from an exact SSR. With ``penalty`` (a
    function of the context's ``log``), the criterion $-2\ln L + k\cdot$penalty instead.
    Weighted (SSR = $\sum w_i r_i^2$, each $y_i$ of variance $\sigma^2/w_i$), the
    likelihood gains $\frac12\sum\ln w_i$, ``log_weights``, as statsmodels' WLS has it.

    Examples
    --------
    >>> log_likelihood(4, 8.0)
    -7.0620484939385815

    Raises
    ------
    InputError
        n not a positive int; SSR not a non-negative number (and, without ``digits``,
        not within float64's range).
    """
    _check_likelihood(n, ssr, digits)
    if ssr == 0:
        infinite = _INFINITY if digits else math.inf
        return infinite if penalty is None else -infinite

    def value(log: Any, pi: Any, size: Any, sum_of_squares: Any, weights: Any) -> Any:
        llf = -size / 2 * (log(2 * pi * sum_of_squares / size) + 1) + weights / 2
        return llf if penalty is None else -2 * llf + k * penalty(log)

    if not digits:
        return value(math.log, math.pi, n, float(ssr), float(log_weights))
    return _settled(
        lambda ctx: value(
            ctx.log,
            ctx.pi,
            ctx.mpf(n),
            as_mpf(ctx, ssr, "ssr"),
            as_mpf(ctx, log_weights, "log_weights"),
        ),
        digits,
    )


def _check_likelihood(n: object, ssr: Any, digits: int) -> None:
    """N points, and an SSR the formula can take: a sum of squares, a float's unless exact."""
    check_positive_int(n, "n")
    if not digits:
        as_scalar(ssr, "ssr")
    try:
        negative = bool(ssr < 0)
    except TypeError:
        raise InputError(f"ssr must be a real number, got {shorten(repr(ssr))}") from None
    if negative:
        raise InputError(f"ssr is a sum of squares: it cannot be negative, got {ssr}")


def _settled(expression: Any, digits: int) -> Decimal:
    """``expression(ctx)`` to ``digits`` significant digits: evaluated at rising precision
    until two evaluations round alike (so a cancellation inside cannot go unseen)."""
    extra, previous = 10, None
    while True:
        ctx = working_context(digits + extra)
        value = rounded(ctx, expression(ctx), digits)
        if value == previous:
            return value  # type: ignore[no-any-return]
        previous, extra = value, 2 * extra


#: The statistics that divide by SSR (or take its logarithm).
_DIVIDE_BY_SSR = {"tvalues", "pvalues", "fvalue", "f_pvalue", "llf", "aic", "bic"}


class Inference:
    """The inference on a least-squares fit, under statsmodels' names (see the module)."""

    # the fields of LeastSquaresResult it reads
    coef: Any
    intercept: Any
    coef_stderr: Any
    intercept_stderr: Any
    r_squared: Any
    n_samples: int
    dof: int
    fit_intercept: bool
    ssr: Any
    ess: Any
    covariance: Any
    alpha: float
    ssr_floor: float
    weight_total: Any
    log_weight_sum: Any

    # --- the table's plain entries -----------------------------------------------------------

    @property
    def exact(self) -> bool:
        """Whether the fit was made in exact (rational) arithmetic."""
        return isinstance(self.ssr, Fraction)

    @property
    def _total(self) -> Any:
        """N, or the weights' total W = Σwᵢ: what 1/N becomes in a weighted fit."""
        return self.n_samples if self.weight_total is None else self.weight_total

    @property
    def nobs(self) -> int:
        """$N$, the number of samples."""
        return self.n_samples

    @property
    def k_constant(self) -> int:
        """1 with an intercept, 0 without."""
        return int(self.fit_intercept)

    @property
    def df_model(self) -> int:
        """$p$, the model's degrees of freedom (the intercept not counted)."""
        return len(self.coef)

    @property
    def df_resid(self) -> int:
        r"""$\nu = N - k$, the residuals' degrees of freedom."""
        return self.dof

    @property
    def params(self) -> Any:
        """The intercept (with one) then the weights: a float array, or Fractions."""
        values = ([self.intercept] if self.fit_intercept else []) + list(self.coef)
        return values if self.exact else np.array(values, dtype=np.float64)

    @property
    def bse(self) -> Any:
        """The standard errors of `params`; None as `why_none` says."""
        if self.coef_stderr is None:
            return None
        values = ([self.intercept_stderr] if self.fit_intercept else []) + list(self.coef_stderr)
        return values if self.exact else np.array(values, dtype=np.float64)

    @property
    def rsquared(self) -> Any:
        """R², centred with an intercept and uncentred without (NIST's convention)."""
        return self.r_squared

    @property
    def rsquared_adj(self) -> Any:
        r"""$1 - \frac{N - k_0}{\nu}\frac{SSR}{TSS}$; None without residual degrees of freedom."""
        if self.dof <= 0 or self.ess is None:
            return None
        total = self.ess + self.ssr
        unexplained = self.ssr / total if total else 0 * self.ssr
        return 1 - (self.n_samples - self.k_constant) * unexplained / self.dof

    @property
    def mse_model(self) -> Any:
        """ESS/p, the regression's mean square."""
        return None if self.ess is None else self.ess / self.df_model

    @property
    def mse_resid(self) -> Any:
        r"""$\hat\sigma^2 = SSR/\nu$, the residuals' mean square; None when $\nu = 0$."""
        return None if self.dof <= 0 or self.ssr is None else self.ssr / self.dof

    @property
    def mse_total(self) -> Any:
        """TSS/(N − k₀): the total mean square."""
        if self.ess is None or self.n_samples == self.k_constant:
            return None
        return (self.ess + self.ssr) / (self.n_samples - self.k_constant)

    # --- why a value is None ---------------------------------------------------------------

    @property
    def inference_unavailable(self) -> str | None:
        """Why no standard errors, tests or intervals exist for this fit (None: they do)."""
        if self.alpha:
            return (
                f"a ridge penalty (alpha = {self.alpha:g}) biases the estimates: the t and F "
                "tests and the intervals assume plain least squares"
            )
        if self.dof <= 0:
            return (
                f"no residual degrees of freedom: {self.n_samples} points for "
                f"{self.df_model + self.k_constant} parameters leave SSR/(N - k) undefined "
                "(statsmodels gives NaN)"
            )
        if self.ess is None or self.coef_stderr is None:
            return "the sums of squares overflow float64: rescale y"
        return None

    @property
    def ssr_unresolved(self) -> str | None:
        """Why SSR is not resolved to six digits (float mode), or None when it is."""
        if self.exact or self.ssr is None or self.ssr > RESOLVED * self.ssr_floor:
            return None
        return (
            f"float64's sums do not resolve SSR here: SSR = {self.ssr:.1e} is not above "
            f"{RESOLVED:.0e} times its rounding floor ({self.ssr_floor:.1e}: how far the "
            "float64 SSR may sit above the exact one), so t, F and the likelihood, which "
            "divide by it, are not given; exact mode resolves them (the API's exact=True, "
            "given the data themselves)"
        )

    def why_none(self, name: str) -> str | None:
        """Why the attribute ``name`` (e.g. ``"tvalues"``, ``"fvalue"``) is None, or None.

        Examples
        --------
        >>> from linreg.solve import least_squares
        >>> fit = least_squares([[0.0], [1.0]], [1.0, 3.0])
        >>> print(fit.tvalues)
        None
        >>> print(fit.why_none("tvalues"))  # doctest: +NORMALIZE_WHITESPACE
        no residual degrees of freedom: 2 points for 2 parameters leave SSR/(N - k)
        undefined (statsmodels gives NaN)
        """
        if getattr(self, name) is not None:
            return None
        reason = self.inference_unavailable
        if reason is None and name in _DIVIDE_BY_SSR:
            reason = self.ssr_unresolved
        if reason is None and name in {"tvalues", "pvalues"}:
            reason = "the fit is exact (SSR = 0) and a coefficient is exactly 0: its t is 0/0"
        if reason is None and name in {"fvalue", "f_pvalue"}:
            reason = "y is fitted exactly by a constant: ESS = SSR = 0 and F = 0/0"
        return reason

    # --- the t and F tests ---------------------------------------------------------------

    def _variances(self) -> list[Fraction]:
        """Exact mode: each parameter's variance σ̂²·[(ZᵀZ)⁻¹]ⱼⱼ, intercept first."""
        unscaled, mean = self.covariance.unscaled, self.covariance.x_mean
        sigma2 = self.ssr / self.dof
        weights = [sigma2 * unscaled[j][j] for j in range(self.df_model)]
        if not self.fit_intercept:
            return weights
        p = len(mean)
        spread = sum(
            (mean[a] * unscaled[a][c] * mean[c] for a in range(p) for c in range(p)), Fraction(0)
        )
        return [sigma2 * (1 / Fraction(self._total) + spread), *weights]

    @cached_property
    def tvalues(self) -> Any:
        """$t_j = \\hat\\theta_j/\\mathrm{se}_j$, intercept first; ±inf for an exact fit."""
        if self.inference_unavailable is not None or self.ssr_unresolved is not None:
            return None
        params, bse = self.params, self.bse
        if any(p == 0 and s == 0 for p, s in zip(params, bse)):
            return None
        if not self.exact:
            with np.errstate(divide="ignore"):
                return np.asarray(params) / np.asarray(bse)
        return [
            _signed_root(p * p / v, p, EXACT_DIGITS) if v else (_INFINITY if p > 0 else -_INFINITY)
            for p, v in zip(params, self._variances())
        ]

    @cached_property
    def pvalues(self) -> Any:
        r"""Two-sided $P(\lvert T_\nu\rvert > \lvert t_j\rvert)$, accurate far into the tail."""
        if self.tvalues is None:
            return None
        if not self.exact:
            return np.array([t_two_sided(t, self.dof) for t in self.tvalues])
        return [
            t_two_sided(p * p / v, self.dof, squared=True, digits=EXACT_DIGITS) if v else Decimal(0)
            for p, v in zip(self.params, self._variances())
        ]

    @property
    def fvalue(self) -> Any:
        """$F = (ESS/p)/(SSR/\\nu)$; inf when SSR = 0 < ESS."""
        if self.inference_unavailable is not None or self.ssr_unresolved is not None:
            return None
        if self.ssr == 0:
            return None if self.ess == 0 else (_INFINITY if self.exact else math.inf)
        return (self.ess * self.dof) / (self.ssr * self.df_model)

    @cached_property
    def f_pvalue(self) -> Any:
        r"""$P(F_{p,\nu} > F)$: the chance of so large an F were every weight 0."""
        if self.fvalue is None:
            return None
        digits = EXACT_DIGITS if self.exact else None
        return f_sf(self.fvalue, self.df_model, self.dof, digits=digits)

    def conf_int(self, alpha: Any = 0.05, digits: int | None = None) -> Any:
        """The $1 - \\alpha$ confidence interval of each parameter, intercept first.

        Parameters
        ----------
        alpha : number in (0, 1), default 0.05
            The significance level (in exact mode a float is read as the decimal it
            prints as).
        digits : int, optional
            Exact mode only: significant digits of the ends (`EXACT_DIGITS` by default).

        Returns
        -------
        numpy.ndarray of shape (k, 2), or (exact mode) a list of (lower, upper) Decimals;
        None as `why_none` says.

        Raises
        ------
        InputError
            ``alpha`` outside (0, 1), or ``digits`` in float mode.
        """
        level = check_significance(alpha, self.exact)
        places = check_digits(digits, self.exact)
        if self.inference_unavailable is not None:
            return None
        if not self.exact:
            return float_intervals(self.params, self.bse, level, self.dof)
        return [
            exact_interval(p, v, level, self.dof, places)
            for p, v in zip(self.params, self._variances())
        ]

    def cov_params(self) -> Any:
        r"""$\hat\sigma^2 (Z^\top Z)^{-1}$ in `params`' order: a (k, k) array, or Fractions."""
        if self.inference_unavailable is not None:
            return None
        if self.exact:
            sigma2 = self.ssr / self.dof
            return _exact_cov(self.covariance, sigma2, self._total, self.fit_intercept)
        se = np.asarray(self.coef_stderr, dtype=np.float64)
        weights = self.covariance.correlation * np.outer(se, se)
        if not self.fit_intercept:
            return weights
        across = -(weights @ np.asarray(self.covariance.x_mean, dtype=np.float64))
        top = np.concatenate([[float(self.intercept_stderr) ** 2], across])
        return np.vstack([top, np.column_stack([across, weights])])

    # --- the likelihood --------------------------------------------------------------------

    @cached_property
    def llf(self) -> Any:
        """The maximised Gaussian log-likelihood (+inf for an exact fit)."""
        if self.ssr is None or self.ssr_unresolved is not None:
            return None
        return log_likelihood(
            self.n_samples, self.ssr, self._digits, log_weights=self.log_weight_sum or 0
        )

    @property
    def _digits(self) -> int:
        return EXACT_DIGITS if self.exact else 0

    @property
    def aic(self) -> Any:
        """Akaike's criterion, $-2\\,\\mathrm{llf} + 2k$."""
        return self._criterion(lambda log: 2)

    @property
    def bic(self) -> Any:
        """Schwarz's criterion, $-2\\,\\mathrm{llf} + k\\ln N$."""
        return self._criterion(lambda log: log(self.n_samples))

    def _criterion(self, penalty: Any) -> Any:
        if self.llf is None:
            return None
        k = self.df_model + self.k_constant
        logs = self.log_weight_sum or 0
        return log_likelihood(self.n_samples, self.ssr, self._digits, k, penalty, logs)

    # --- new rows of X ---------------------------------------------------------------------

    def get_prediction(self, X: Any, digits: int | None = None) -> Prediction | None:
        """The line at new rows of X, with the mean's and the prediction intervals.

        Parameters
        ----------
        X : array_like of shape (m, n_features)
            New rows (in exact mode, exact values as `least_squares` takes them).
        digits : int, optional
            Exact mode only: the significant digits of square roots and interval ends.

        Returns
        -------
        linreg.intervals.Prediction, or None as `why_none` says.
        """
        places = check_digits(digits, self.exact)
        if self.inference_unavailable is not None:
            return None
        sigma2 = self.ssr / self.dof
        if self.exact:
            means, variances = _exact_means(self, exact_rows(X, self.df_model), sigma2)
            return Prediction(means, variances, sigma2, self.dof, places)
        features = float_rows(X, self.df_model)
        variance = _float_variances(self, features, sigma2)
        mean = features @ np.asarray(self.coef, dtype=np.float64) + float(self.intercept)
        return Prediction(mean, variance, sigma2, self.dof)

    # --- the tables --------------------------------------------------------------------------

    def summary(
        self, yname: str | None = None, xname: list[str] | None = None, alpha: Any = 0.05
    ) -> Any:
        """The fit as statsmodels prints it: a `linreg.summary.Summary` (str() for text)."""
        from linreg.summary import Summary

        return Summary.of(self, yname=yname, xname=xname, alpha=alpha)

    def _repr_html_(self) -> str:
        """The summary as HTML tables, for notebooks."""
        return str(self.summary().as_html())


def _float_variances(fit: Inference, rows: Any, sigma2: float) -> Any:
    """Float mode: Var(x₀ᵀw + b) at each row, σ̂²/N + (x₀ − x̄)ᵀCov(w)(x₀ − x̄)."""
    cov = fit.covariance
    centred = rows - np.asarray(cov.x_mean) if fit.fit_intercept else rows
    centre = sigma2 / fit._total if fit.fit_intercept else 0.0
    if cov.root is not None:
        return centre + sigma2 * np.sum(((centred * cov.root_scale) @ cov.root) ** 2, axis=1)
    scaled = centred * np.asarray(fit.coef_stderr, dtype=np.float64)
    return centre + np.einsum("ij,jk,ik->i", scaled, cov.correlation, scaled)


def _signed_root(square: Fraction, sign_of: Fraction, digits: int) -> Decimal:
    """±√square to ``digits`` digits, with the sign of ``sign_of``."""
    root = decimal_sqrt(square, digits)
    return root.copy_negate() if sign_of < 0 else root  # unary minus would round to 28 digits


def _exact_cov(covariance: Covariance, sigma2: Fraction, n: Any, intercept: bool) -> Any:
    """σ̂²(ZᵀZ)⁻¹ in exact mode, intercept first, from (X_cᵀX_c)⁻¹ and the means."""
    unscaled, mean = covariance.unscaled, covariance.x_mean
    p = len(unscaled)
    weights = [[sigma2 * unscaled[a][c] for c in range(p)] for a in range(p)]
    if not intercept:
        return weights
    across = [-sum((weights[a][c] * mean[c] for c in range(p)), Fraction(0)) for a in range(p)]
    spread = -sum((mean[a] * across[a] for a in range(p)), Fraction(0))
    top = [sigma2 / n + spread, *across]
    return [top, *[[across[a], *weights[a]] for a in range(p)]]


def _exact_means(fit: Inference, rows: list[list[Fraction]], sigma2: Fraction) -> tuple[Any, Any]:
    """Exact mode: the line at each row and the variance of that value."""
    unscaled, mean = fit.covariance.unscaled, fit.covariance.x_mean
    p = len(unscaled)
    means, variances = [], []
    for row in rows:
        means.append(sum((w * x for w, x in zip(fit.coef, row)), fit.intercept))
        d = [x - m for x, m in zip(row, mean)] if fit.fit_intercept else row
        spread = sum(
            (d[a] * unscaled[a][c] * d[c] for a in range(p) for c in range(p)), Fraction(0)
        )
        centre = 1 / Fraction(fit._total) if fit.fit_intercept else 0
        variances.append(sigma2 * (spread + centre))
    return means, variances
