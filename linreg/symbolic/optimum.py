r"""Ridge, the optimum and the certificate, for the line, in the one-pass statistics.

$E_\alpha = E + \alpha m^2$ (the intercept is not penalised); its partials set to zero
and solved by sympy give the optimum $(m^*, b^*)$; and $H^{-1}\nabla E_\alpha$,
simplified, is exactly $(m - m^*,\ b - b^*)$: the certificate `linreg.problem` computes
numerically.
"""

from __future__ import annotations

import sympy as sp

from linreg.symbolic.line import mse_in_moments
from linreg.symbolic.symbols import alpha, b, m, y_bar

__all__ = [
    "certificate_expr",
    "closed_form",
    "loss_gap_expr",
    "minimum_expr",
    "normal_equations_solution",
    "ridge_hessian_in_moments",
    "ridge_in_moments",
    "ridge_partials_in_moments",
]

#: $E_\alpha = E + \alpha m^2$ in the statistics: the intercept is not penalised.
ridge_in_moments: sp.Expr = mse_in_moments + alpha * m**2
#: $(\partial E_\alpha/\partial m,\ \partial E_\alpha/\partial b)$, differentiated by sympy.
ridge_partials_in_moments: tuple[sp.Expr, sp.Expr] = (
    sp.collect(sp.expand(sp.diff(ridge_in_moments, m)), [m, b]),
    sp.collect(sp.expand(sp.diff(ridge_in_moments, b)), [m, b]),
)
#: The Hessian of $E_\alpha$ in $(m, b)$.
ridge_hessian_in_moments: sp.Matrix = sp.hessian(ridge_in_moments, (m, b))
#: The normal equations: both partials set to zero, solved by sympy for $(m^*, b^*)$.
#: With $\alpha = 0$: $m^* = C_{xy}/C_{xx}$, $b^* = \bar y - m^*\bar x$.
normal_equations_solution: dict[sp.Symbol, sp.Expr] = {
    key: sp.simplify(value)
    for key, value in sp.solve(list(ridge_partials_in_moments), [m, b], dict=True)[0].items()
}
#: The one-feature closed form without ridge, $m^* = C_{xy}/C_{xx}$, $b^* = \bar y - m^*\bar x$.
closed_form: dict[sp.Symbol, sp.Expr] = {
    key: sp.collect(sp.expand(value.subs(alpha, 0)), y_bar)
    for key, value in normal_equations_solution.items()
}
_gradient_vector = sp.Matrix(ridge_partials_in_moments)
#: The certificate, $H^{-1}\nabla E_\alpha$, simplified by sympy: it is exactly
#: $(m - m^*,\ b - b^*)$, the error of the current line.
certificate_expr: sp.Matrix = sp.simplify(ridge_hessian_in_moments.inv() * _gradient_vector)
#: $\tfrac12\nabla E_\alpha^\top H^{-1}\nabla E_\alpha$, simplified: it is $E_\alpha - E_\alpha^*$.
loss_gap_expr: sp.Expr = sp.simplify(
    (_gradient_vector.T * ridge_hessian_in_moments.inv() * _gradient_vector)[0] / 2
)
#: The minimum $E_\alpha^*$: the loss at the solution of the normal equations.
minimum_expr: sp.Expr = sp.simplify(ridge_in_moments.subs(normal_equations_solution))
