r"""Many features, the matrix form: $E(\theta) = \frac1N (y - Z\theta)^\top(y - Z\theta)$.

With $Z = [X\ \mathbf 1]$ and $\theta = [w;\ b]$, the gradient and Hessian are sympy's
matrix derivatives; ridge adds $\alpha\,\theta^\top P\theta$ with $P = \mathrm{diag}(1,
\dots, 1, 0)$; the normal equations come from setting the gradient to zero.
"""

from __future__ import annotations

import sympy as sp

from linreg.symbolic.symbols import N, P, X, Z, alpha, b, ones, theta, w, y_vector

__all__ = [
    "certificate_matrix_expr",
    "mse_matrix_expr",
    "mse_matrix_gradient",
    "mse_matrix_gradient_w",
    "mse_matrix_hessian",
    "normal_equations",
    "ridge_matrix_expr",
    "ridge_matrix_gradient",
    "ridge_matrix_hessian",
    "ridge_normal_equations",
]

#: $E(\theta) = \frac{1}{N}(y - Z\theta)^\top(y - Z\theta)$.
mse_matrix_expr: sp.MatrixExpr = (y_vector - Z * theta).T * (y_vector - Z * theta) / N
#: $\nabla_\theta E$, whose last entry is $\partial E/\partial b$.
mse_matrix_gradient: sp.MatrixExpr = mse_matrix_expr.diff(theta)
#: $\nabla_\theta^2 E$.
mse_matrix_hessian: sp.MatrixExpr = mse_matrix_gradient.diff(theta)
#: $\nabla_w E$ with the intercept written out, $\hat y = Xw + b\mathbf 1$.
mse_matrix_gradient_w: sp.MatrixExpr = (
    (y_vector - (X * w + b * ones)).T * (y_vector - (X * w + b * ones)) / N
).diff(w)

#: $E_\alpha(\theta) = \frac1N(y - Z\theta)^\top(y - Z\theta) + \alpha\,\theta^\top P\theta$.
ridge_matrix_expr: sp.MatrixExpr = mse_matrix_expr + alpha * theta.T * P * theta
#: $\nabla_\theta E_\alpha$.
ridge_matrix_gradient: sp.MatrixExpr = ridge_matrix_expr.diff(theta)
#: $\nabla^2_\theta E_\alpha$.
ridge_matrix_hessian: sp.MatrixExpr = ridge_matrix_gradient.diff(theta)


def _normal_equations(gradient: sp.MatrixExpr) -> tuple[sp.MatrixExpr, sp.MatrixExpr]:
    # Set the gradient to zero: the terms with θ stay on the left, the rest move right,
    # and the common factor 2/N is divided out.
    # P is symmetric, so Pᵀθ + Pθ = 2Pθ.
    terms = sp.expand(gradient.subs(P.T, P) * N / 2).args
    left = sp.MatAdd(*[t for t in terms if t.has(theta)]).doit()
    right = -sp.MatAdd(*[t for t in terms if not t.has(theta)]).doit()
    return left, right


#: The normal equations $Z^\top Z\,\theta = Z^\top y$, from $\nabla E = 0$.
normal_equations: tuple[sp.MatrixExpr, sp.MatrixExpr] = _normal_equations(mse_matrix_gradient)
#: The ridge normal equations $(Z^\top Z + N\alpha P)\,\theta = Z^\top y$.
ridge_normal_equations: tuple[sp.MatrixExpr, sp.MatrixExpr] = _normal_equations(
    ridge_matrix_gradient
)
#: The certificate in matrix form, $H^{-1}\nabla E$.
certificate_matrix_expr: sp.MatrixExpr = mse_matrix_hessian.I * mse_matrix_gradient
