r"""Why the squared error: under Gaussian noise, $-\ln L$ is the MSE in disguise.

For $y_i = m x_i + b + \varepsilon_i$ with $\varepsilon_i \sim \mathcal N(0, \sigma^2)$,
$-\ln L = \frac N2\ln(2\pi\sigma^2) + \frac{N}{2\sigma^2}E(m, b)$, so maximising the
likelihood minimises $E$, and the best $\sigma^2$ is $E$ itself.
"""

from __future__ import annotations

import sympy as sp

from linreg.symbolic.line import mse_expr
from linreg.symbolic.symbols import N, b, i, m, sigma, x, y

__all__ = ["likelihood_in_mse", "negative_log_likelihood", "sigma_squared_mle"]

_log_density = sp.expand_log(
    sp.log(
        sp.exp(-((y[i] - (m * x[i] + b)) ** 2) / (2 * sigma**2)) / sp.sqrt(2 * sp.pi * sigma**2)
    ),
    force=True,
)
#: The negative log-likelihood $-\ln L = -\sum_i \ln p(y_i \mid x_i)$ of the points under
#: Gaussian noise, the sum split term by term by sympy.
negative_log_likelihood: sp.Expr = sp.Add(
    *[
        sp.factor_terms(sp.Sum(-term, (i, 1, N))).doit()
        if not term.has(x, y)
        else sp.factor_terms(sp.Sum(-term, (i, 1, N)))
        for term in sp.Add.make_args(_log_density)
    ]
)
#: $-\ln L$ written with the MSE: $\frac N2\ln(2\pi\sigma^2) + \frac{N}{2\sigma^2}E(m, b)$.
likelihood_in_mse: sp.Expr = N / 2 * sp.log(2 * sp.pi * sigma**2) + N / (2 * sigma**2) * mse_expr
#: The maximum-likelihood $\sigma^2$: the MSE itself (solve $\partial(-\ln L)/\partial\sigma = 0$).
sigma_squared_mle: sp.Expr = sp.solve(sp.diff(likelihood_in_mse, sigma), sigma)[0] ** 2
