r"""The mathematics, derived by sympy: the MSE, its partial derivatives and its Hessian.

This package is the only place that imports sympy. Nothing here is typed in by hand
except the definition of the loss,

$$E = \frac{1}{N}\sum_{i=1}^{N} \bigl(y_i - \hat y_i\bigr)^2 ,$$

in two forms: the livestream's line $\hat y_i = m x_i + b$ written as a sum over points,
and the n-feature model $\hat y = Xw + b$ written with matrices. Every derivative is
computed by `sympy.diff`. Each expression comes with its LaTeX (for the docs) and a
lambdified numeric function with the same signature as its numeric twin in
`linreg.loss`; `TWINS` pairs them up, and the tests and the derivation page iterate over
it, so adding a twin there adds its test and its documentation at once.

By topic, one module each:

| module | what it derives |
|---|---|
| `linreg.symbolic.symbols` | the symbols, named as the code names them |
| `linreg.symbolic.line` | the line's loss, partials and Hessian, in sums and in the statistics |
| `linreg.symbolic.matrix` | the matrix form, ridge, the normal equations |
| `linreg.symbolic.optimum` | ridge, the optimum and the certificate in the statistics |
| `linreg.symbolic.likelihood` | the Gaussian likelihood: why the squared error |
| `linreg.symbolic.inference` | how sure is the line: standard errors, ANOVA, t and F, intervals |
| `linreg.symbolic.weighted` | the weighted loss, its partials and Hessian |
| `linreg.symbolic.stability` | the fixed-step methods' stability bounds |
| `linreg.symbolic.evaluate` | each expression as a numeric function (lambdified) |
| `linreg.symbolic.twins` | `TWINS`, the registry pairing them with the numeric kernels |
| `linreg.symbolic.relations` | `RELATIONS`, every relation the site prints, with its proof |
| `linreg.symbolic.relations_descent` | its relations about descent: stability, conditioning |
| `linreg.symbolic.relations_inference` | its relations about inference: the ANOVA, t and F |
| `linreg.symbolic.relation` | a relation and how sympy proves it |
| `linreg.symbolic.printing` | LaTeX in a textbook's order |

The names below are the ones the docs and the tests use; the rest are in their modules.
sympy only ever sees expressions built here, never text from a user.
"""

from __future__ import annotations

from linreg.symbolic.evaluate import (
    learning_rate_bound,
    mse_gradient_fn,
    mse_hessian_fn,
    mse_matrix_fn,
    mse_matrix_gradient_fn,
    mse_matrix_hessian_fn,
)
from linreg.symbolic.likelihood import (
    likelihood_in_mse,
    negative_log_likelihood,
    sigma_squared_mle,
)
from linreg.symbolic.line import (
    learning_rate_bound_expr,
    mse_expr,
    mse_hessian_expr,
    mse_in_moments,
    mse_in_sums,
    mse_partials,
    mse_partials_in_moments,
    mse_partials_in_sums,
    split_sums,
)
from linreg.symbolic.matrix import (
    mse_matrix_expr,
    mse_matrix_gradient,
    mse_matrix_gradient_w,
    mse_matrix_hessian,
    normal_equations,
    ridge_normal_equations,
)
from linreg.symbolic.optimum import (
    certificate_expr,
    closed_form,
    loss_gap_expr,
    minimum_expr,
    normal_equations_solution,
    ridge_in_moments,
)
from linreg.symbolic.printing import latex
from linreg.symbolic.relations import RELATIONS, TERMS, formula
from linreg.symbolic.stability import (
    recurrences,
    stability_condition,
    step_bound_latex,
    step_bounds,
)
from linreg.symbolic.symbols import (
    C_xx,
    C_xy,
    C_yy,
    N,
    P,
    Z,
    alpha,
    b,
    eta,
    i,
    lam,
    m,
    mu,
    sigma,
    theta,
    x,
    x_bar,
    y,
    y_bar,
)
from linreg.symbolic.twins import TWINS, Twin

__all__ = [
    "RELATIONS",
    "TERMS",
    "TWINS",
    "C_xx",
    "C_xy",
    "C_yy",
    "N",
    "P",
    "Twin",
    "Z",
    "alpha",
    "b",
    "certificate_expr",
    "closed_form",
    "eta",
    "formula",
    "i",
    "lam",
    "latex",
    "learning_rate_bound",
    "learning_rate_bound_expr",
    "likelihood_in_mse",
    "loss_gap_expr",
    "m",
    "minimum_expr",
    "mse_expr",
    "mse_gradient_fn",
    "mse_hessian_expr",
    "mse_hessian_fn",
    "mse_in_moments",
    "mse_in_sums",
    "mse_matrix_expr",
    "mse_matrix_fn",
    "mse_matrix_gradient",
    "mse_matrix_gradient_fn",
    "mse_matrix_gradient_w",
    "mse_matrix_hessian",
    "mse_matrix_hessian_fn",
    "mse_partials",
    "mse_partials_in_moments",
    "mse_partials_in_sums",
    "mu",
    "negative_log_likelihood",
    "normal_equations",
    "normal_equations_solution",
    "recurrences",
    "ridge_in_moments",
    "ridge_normal_equations",
    "sigma",
    "sigma_squared_mle",
    "split_sums",
    "stability_condition",
    "step_bound_latex",
    "step_bounds",
    "theta",
    "x",
    "x_bar",
    "y",
    "y_bar",
]
