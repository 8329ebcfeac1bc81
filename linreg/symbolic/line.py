r"""The livestream's line, one feature: the loss as a sum over the points, derived.

Only the loss is typed in,

$$E(m, b) = \frac{1}{N}\sum_{i=1}^{N} \bigl(y_i - (m x_i + b)\bigr)^2 ;$$

its partial derivatives and Hessian are `sympy.diff`'s, and the same expressions are
rewritten in the data's sums and in the one-pass statistics of `linreg.moments`.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from linreg.symbolic.symbols import C_xx, C_xy, C_yy, N, b, i, m, x, x_bar, y, y_bar

__all__ = [
    "learning_rate_bound_expr",
    "mse_expr",
    "mse_hessian_expr",
    "mse_in_moments",
    "mse_in_sums",
    "mse_partials",
    "mse_partials_in_moments",
    "mse_partials_in_sums",
    "raw_sums",
    "split_sums",
]

#: $E(m, b) = \frac{1}{N}\sum_i (y_i - (m x_i + b))^2$, the livestream's loss.
mse_expr: sp.Expr = sp.Sum((y[i] - (m * x[i] + b)) ** 2, (i, 1, N)) / N

#: $(\partial E/\partial m,\ \partial E/\partial b)$, differentiated by sympy.
mse_partials: tuple[sp.Expr, sp.Expr] = (sp.diff(mse_expr, m), sp.diff(mse_expr, b))


def split_sums(expr: Any) -> Any:
    r"""Split every sum: $\sum (a + b) \to \sum a + \sum b$, constants out of each sum.

    A sum of a constant is evaluated ($\sum 1 = N$), so what is left needs only the
    data's sums $\sum x, \sum y, \sum x^2, \sum xy, \sum y^2$.
    """
    # Σ(a + b) → Σa + Σb, and constants out of each sum: Σ 2m x² → 2m Σ x².
    split = sp.expand(expr).replace(lambda t: isinstance(t, sp.Sum), sp.factor_terms)
    # A sum of a constant is evaluated: Σ 1 = N.
    return split.replace(
        lambda t: isinstance(t, sp.Sum) and not t.function.has(x, y), lambda t: t.doit()
    )


#: $E$ and its partials with the sums split: they need only $N, \sum x, \sum y,
#: \sum x^2, \sum xy, \sum y^2$ — the data's sufficient statistics.
mse_in_sums: sp.Expr = split_sums(mse_expr)
mse_partials_in_sums: tuple[sp.Expr, sp.Expr] = (
    split_sums(mse_partials[0]),
    split_sums(mse_partials[1]),
)

#: The data's sums in the one-pass statistics: $\sum x^2 = C_{xx} + N\bar x^2$, ...
raw_sums = {
    sp.Sum(x[i] ** 2, (i, 1, N)): C_xx + N * x_bar**2,
    sp.Sum(x[i] * y[i], (i, 1, N)): C_xy + N * x_bar * y_bar,
    sp.Sum(y[i] ** 2, (i, 1, N)): C_yy + N * y_bar**2,
    sp.Sum(x[i], (i, 1, N)): N * x_bar,
    sp.Sum(y[i], (i, 1, N)): N * y_bar,
}
#: $E$ in the statistics ($\sum x^2 = C_{xx} + N\bar x^2$ and so on), simplified by sympy.
mse_in_moments: sp.Expr = sp.expand(mse_in_sums.subs(raw_sums))
#: $(\partial E/\partial m, \partial E/\partial b)$ in the statistics.
mse_partials_in_moments: tuple[sp.Expr, sp.Expr] = (
    sp.collect(sp.expand(mse_partials_in_sums[0].subs(raw_sums)), [m, b]),
    sp.collect(sp.expand(mse_partials_in_sums[1].subs(raw_sums)), [m, b]),
)

#: The 2×2 Hessian of $E$ in $(m, b)$; sums of constants are evaluated (Σ 2 = 2N).
mse_hessian_expr: sp.Matrix = sp.hessian(mse_expr, (m, b)).applyfunc(lambda e: e.doit())


def _largest_eigenvalue(matrix: sp.Matrix) -> sp.Expr:
    # The eigenvalues of the symmetric 2×2 Hessian are c ± sqrt(d) with d ≥ 0, so the
    # same one is the larger for every dataset: pick it at any point where d > 0.
    sample = {sp.Sum(x[i] ** 2, (i, 1, N)): 5, sp.Sum(x[i], (i, 1, N)): 1, N: 2}
    return max(matrix.eigenvals(), key=lambda value: float(value.subs(sample)))


#: $2/\lambda_{\max}$ of the one-feature Hessian, in terms of the sums over the points.
learning_rate_bound_expr: sp.Expr = 2 / _largest_eigenvalue(mse_hessian_expr)
