r"""The mathematics, derived by sympy: the MSE, its partial derivatives and its Hessian.

This is the only module that imports sympy. Nothing here is typed in by hand except the
definition of the loss,

$$E = \frac{1}{N}\sum_{i=1}^{N} \bigl(y_i - \hat y_i\bigr)^2 ,$$

in two forms: the livestream's line $\hat y_i = m x_i + b$ written as a sum over points,
and the n-feature model $\hat y = Xw + b$ written with matrices. Every derivative is
computed by `sympy.diff`. Each expression comes with its LaTeX (for the docs) and a
lambdified numeric function with the same signature as its numeric twin in
`linreg.loss`; `TWINS` pairs them up, and the tests and the derivation page iterate over
it, so adding a twin there adds its test and its documentation at once.

sympy only ever sees expressions built here, never text from a user.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt
import sympy as sp

from linreg import loss
from linreg.data import as_features, check_features_target
from linreg.errors import InputError
from linreg.moments import Moments

__all__ = [
    "TWINS",
    "C_xx",
    "C_xy",
    "C_yy",
    "N",
    "P",
    "Twin",
    "X",
    "Z",
    "alpha",
    "b",
    "certificate_expr",
    "certificate_fn",
    "certificate_matrix_expr",
    "certificate_matrix_fn",
    "closed_form",
    "eta",
    "i",
    "lam",
    "latex",
    "learning_rate_bound",
    "learning_rate_bound_expr",
    "likelihood_in_mse",
    "loss_gap_expr",
    "loss_gap_fn",
    "m",
    "minimum_expr",
    "mse_expr",
    "mse_fn",
    "mse_gradient_fn",
    "mse_gradient_moments_fn",
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
    "mse_moments_fn",
    "mse_partials",
    "mse_partials_in_moments",
    "mse_partials_in_sums",
    "mu",
    "negative_log_likelihood",
    "normal_equations",
    "normal_equations_solution",
    "recurrences",
    "ridge_bound_fn",
    "ridge_gradient_moments_fn",
    "ridge_hessian_in_moments",
    "ridge_in_moments",
    "ridge_matrix_expr",
    "ridge_matrix_fn",
    "ridge_matrix_gradient",
    "ridge_matrix_gradient_fn",
    "ridge_matrix_hessian",
    "ridge_matrix_hessian_fn",
    "ridge_moments_fn",
    "ridge_normal_equations",
    "ridge_partials_in_moments",
    "sigma",
    "sigma_squared_mle",
    "solution_fn",
    "stability_condition",
    "step_bound_fn",
    "step_bound_latex",
    "step_bounds",
    "theta",
    "w",
    "x",
    "x_bar",
    "y",
    "y_bar",
]

FloatArray = npt.NDArray[np.float64]
_F = TypeVar("_F", bound=Callable[..., Any])
_TOO_LARGE = (
    "the data are too large for float64: a square or product overflows; rescale X and y "
    "(e.g. divide each by its largest magnitude)"
)


def _finite_or_refused(function: _F) -> _F:
    """A lambdified twin raises InputError where float64 overflows, never inf or NaN."""

    @functools.wraps(function)
    def guarded(*args: Any) -> Any:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            try:
                value = function(*args)
            except (FloatingPointError, OverflowError, ZeroDivisionError):
                raise InputError(_TOO_LARGE) from None
        parts = value if isinstance(value, tuple) else (value,)
        if not all(np.isfinite(part).all() for part in parts):
            raise InputError(_TOO_LARGE)
        return value

    return cast(_F, guarded)


# --- one feature, the livestream's form: a sum over the points ---------------------------

N = sp.Symbol("N", integer=True, positive=True)
i = sp.Idx("i")
x = sp.IndexedBase("x")
y = sp.IndexedBase("y")
m, b = sp.symbols("m b", real=True)

#: $E(m, b) = \frac{1}{N}\sum_i (y_i - (m x_i + b))^2$, the livestream's loss.
mse_expr: sp.Expr = sp.Sum((y[i] - (m * x[i] + b)) ** 2, (i, 1, N)) / N

#: $(\partial E/\partial m,\ \partial E/\partial b)$, differentiated by sympy.
mse_partials: tuple[sp.Expr, sp.Expr] = (sp.diff(mse_expr, m), sp.diff(mse_expr, b))


def _split_sums(expr: sp.Expr) -> sp.Expr:
    # Σ(a + b) → Σa + Σb, and constants out of each sum: Σ 2m x² → 2m Σ x².
    split = sp.expand(expr).replace(lambda t: isinstance(t, sp.Sum), sp.factor_terms)
    # A sum of a constant is evaluated: Σ 1 = N.
    return split.replace(
        lambda t: isinstance(t, sp.Sum) and not t.function.has(x, y), lambda t: t.doit()
    )


#: $E$ and its partials with the sums split: they need only $N, \sum x, \sum y,
#: \sum x^2, \sum xy, \sum y^2$ — the data's sufficient statistics.
mse_in_sums: sp.Expr = _split_sums(mse_expr)
mse_partials_in_sums: tuple[sp.Expr, sp.Expr] = (
    _split_sums(mse_partials[0]),
    _split_sums(mse_partials[1]),
)

#: The one-pass statistics of `linreg.moments`: means and centred co-moments.
x_bar, y_bar, C_xx, C_xy, C_yy = sp.symbols(r"\bar{x} \bar{y} C_{xx} C_{xy} C_{yy}", real=True)
_RAW_SUMS = {
    sp.Sum(x[i] ** 2, (i, 1, N)): C_xx + N * x_bar**2,
    sp.Sum(x[i] * y[i], (i, 1, N)): C_xy + N * x_bar * y_bar,
    sp.Sum(y[i] ** 2, (i, 1, N)): C_yy + N * y_bar**2,
    sp.Sum(x[i], (i, 1, N)): N * x_bar,
    sp.Sum(y[i], (i, 1, N)): N * y_bar,
}
#: $E$ in the statistics ($\sum x^2 = C_{xx} + N\bar x^2$ and so on), simplified by sympy.
mse_in_moments: sp.Expr = sp.expand(mse_in_sums.subs(_RAW_SUMS))
#: $(\partial E/\partial m, \partial E/\partial b)$ in the statistics.
mse_partials_in_moments: tuple[sp.Expr, sp.Expr] = (
    sp.collect(sp.expand(mse_partials_in_sums[0].subs(_RAW_SUMS)), [m, b]),
    sp.collect(sp.expand(mse_partials_in_sums[1].subs(_RAW_SUMS)), [m, b]),
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

# --- n features, the matrix form ---------------------------------------------------------

_p = sp.Symbol("p", integer=True, positive=True)
X = sp.MatrixSymbol("X", N, _p)
w = sp.MatrixSymbol("w", _p, 1)
_y = sp.MatrixSymbol("y", N, 1)
_ones = sp.OneMatrix(N, 1)
#: $Z = [X\ \mathbf 1]$, the features with a column of ones for the intercept.
Z = sp.MatrixSymbol("Z", N, _p + 1)
#: $\theta = [w;\ b]$, all parameters in one vector.
theta = sp.MatrixSymbol("theta", _p + 1, 1)

#: $E(\theta) = \frac{1}{N}(y - Z\theta)^\top(y - Z\theta)$.
mse_matrix_expr: sp.MatrixExpr = (_y - Z * theta).T * (_y - Z * theta) / N
#: $\nabla_\theta E$, whose last entry is $\partial E/\partial b$.
mse_matrix_gradient: sp.MatrixExpr = mse_matrix_expr.diff(theta)
#: $\nabla_\theta^2 E$.
mse_matrix_hessian: sp.MatrixExpr = mse_matrix_gradient.diff(theta)
#: $\nabla_w E$ with the intercept written out, $\hat y = Xw + b\mathbf 1$.
mse_matrix_gradient_w: sp.MatrixExpr = (
    (_y - (X * w + b * _ones)).T * (_y - (X * w + b * _ones)) / N
).diff(w)


def latex(expr: Any) -> str:
    r"""LaTeX for one of this module's expressions, as the docs print it.

    Examples
    --------
    >>> latex(mse_expr)
    '\\frac{\\sum_{i=1}^{N} \\left(- b - m {x}_{i} + {y}_{i}\\right)^{2}}{N}'
    """
    return str(sp.latex(expr))


# --- lambdified forms, with the signatures of their twins in linreg.loss ----------------

_sum_args = (x, y, m, b, N)
_mse_sum = sp.lambdify(_sum_args, mse_expr, modules="numpy")
_partials_sum = sp.lambdify(_sum_args, list(mse_partials), modules="numpy")
_hessian_sum = sp.lambdify(_sum_args, mse_hessian_expr, modules="numpy")
_matrix_args = (Z, _y, theta, N)
_mse_matrix = sp.lambdify(_matrix_args, mse_matrix_expr, modules="numpy")
_gradient_matrix = sp.lambdify(_matrix_args, mse_matrix_gradient, modules="numpy")
_hessian_matrix = sp.lambdify((Z, N), mse_matrix_hessian, modules="numpy")


def _one_based(column: FloatArray) -> FloatArray:
    # The sums run over i = 1..N as in the textbooks; numpy indexes from 0, so the
    # lambdified code gets one unused leading entry.
    return np.concatenate(([np.nan], column))


def _line(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, float]:
    """x, y and the slope m of the one-feature forms, checked."""
    features, target = check_features_target(X_, y_)
    if features.shape[1] != 1:
        raise InputError("the sum form is the one-feature line: X must have one column")
    return features[:, 0], target, float(np.asarray(w_, dtype=np.float64).reshape(-1)[0])


def _line_args(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float
) -> tuple[FloatArray, FloatArray, float, float, int]:
    x_, target, slope = _line(X_, y_, w_)
    return _one_based(x_), _one_based(target), slope, float(b_), len(target)


@_finite_or_refused
def mse_fn(X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float) -> float:
    """`mse_expr` evaluated numerically: the symbolic twin of `linreg.loss.mse` (one feature)."""
    return float(_mse_sum(*_line_args(X_, y_, w_, b_)))


@_finite_or_refused
def mse_gradient_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float
) -> tuple[FloatArray, float]:
    """`mse_partials` evaluated: the twin of `linreg.loss.mse_gradient` (one feature)."""
    d_m, d_b = _partials_sum(*_line_args(X_, y_, w_, b_))
    return np.array([float(d_m)]), float(d_b)


@_finite_or_refused
def mse_hessian_fn(X_: npt.ArrayLike) -> FloatArray:
    """`mse_hessian_expr` evaluated: the twin of `linreg.loss.mse_hessian` (one feature)."""
    features = as_features(X_)
    args = _line_args(features, np.zeros(len(features)), [0.0], 0.0)
    return np.asarray(_hessian_sum(*args), dtype=np.float64)


_moment_args = (m, b, N, x_bar, y_bar, C_xx, C_xy, C_yy)
_mse_moments = sp.lambdify(_moment_args, mse_in_moments, modules="math")
_partials_moments = sp.lambdify(_moment_args, list(mse_partials_in_moments), modules="math")


def _moment_values(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float
) -> tuple[float, ...]:
    # Statistics computed directly (two passes), independently of linreg.moments.
    x_, y_c, slope = _line(X_, y_, w_)
    mx, my = float(x_.mean()), float(y_c.mean())
    xc, yc = x_ - mx, y_c - my
    return (slope, float(b_), len(y_c), mx, my, float(xc @ xc), float(xc @ yc), float(yc @ yc))


@_finite_or_refused
def mse_moments_fn(X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float) -> float:
    """`mse_in_moments` evaluated: the symbolic twin of `linreg.moments.Moments.mse`."""
    return float(_mse_moments(*_moment_values(X_, y_, w_, b_)))


@_finite_or_refused
def mse_gradient_moments_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float
) -> tuple[FloatArray, float]:
    """`mse_partials_in_moments` evaluated: the twin of `Moments.mse_gradient`."""
    d_m, d_b = _partials_moments(*_moment_values(X_, y_, w_, b_))
    return np.array([float(d_m)]), float(d_b)


def _moments_mse(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float, alpha_: float = 0.0
) -> float:
    return Moments.from_arrays(X_, y_).mse(w_, b_, alpha_)


def _moments_gradient(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float, alpha_: float = 0.0
) -> tuple[FloatArray, float]:
    return Moments.from_arrays(X_, y_).mse_gradient(w_, b_, alpha_)


def _augmented(features: FloatArray) -> FloatArray:
    return np.column_stack([features, np.ones(len(features))])


@_finite_or_refused
def mse_matrix_fn(X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float) -> float:
    """`mse_matrix_expr` evaluated: the n-feature twin of `linreg.loss.mse`."""
    features, target = check_features_target(X_, y_)
    params = np.append(np.asarray(w_, dtype=np.float64), float(b_))
    value = _mse_matrix(_augmented(features), target[:, None], params[:, None], len(target))
    return float(np.asarray(value).reshape(()))


@_finite_or_refused
def mse_matrix_gradient_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float
) -> tuple[FloatArray, float]:
    """`mse_matrix_gradient` evaluated: the n-feature twin of `linreg.loss.mse_gradient`."""
    features, target = check_features_target(X_, y_)
    params = np.append(np.asarray(w_, dtype=np.float64), float(b_))
    grad = np.asarray(
        _gradient_matrix(_augmented(features), target[:, None], params[:, None], len(target)),
        dtype=np.float64,
    ).reshape(-1)
    return grad[:-1], float(grad[-1])


@_finite_or_refused
def mse_matrix_hessian_fn(X_: npt.ArrayLike) -> FloatArray:
    """`mse_matrix_hessian` evaluated: the n-feature twin of `linreg.loss.mse_hessian`."""
    features = as_features(X_)
    return np.asarray(_hessian_matrix(_augmented(features), len(features)), dtype=np.float64)


@_finite_or_refused
def learning_rate_bound(X_: npt.ArrayLike) -> float:
    r"""The largest stable learning rate $2/\lambda_{\max}$, from the symbolic Hessian.

    Parameters
    ----------
    X_ : array_like of shape (n_samples, n_features)

    Returns
    -------
    float
        For one feature, `learning_rate_bound_expr` evaluated on the data's sums;
        for several, 2 over the largest eigenvalue of the lambdified matrix Hessian.

    See Also
    --------
    linreg.loss.learning_rate_bound : the numeric twin.

    Examples
    --------
    >>> from linreg.data import load_points
    >>> print(f"{learning_rate_bound(load_points()[:, :1]):.4e}")
    4.0130e-04
    """
    features = as_features(X_)
    if features.shape[1] == 1:
        column = features[:, 0]
        value = learning_rate_bound_expr.subs(
            {
                sp.Sum(x[i] ** 2, (i, 1, N)): sp.Float(float(column @ column), 30),
                sp.Sum(x[i], (i, 1, N)): sp.Float(float(column.sum()), 30),
                N: len(column),
            }
        )
        return float(value)
    return 2.0 / float(np.linalg.eigvalsh(mse_matrix_hessian_fn(features))[-1])


# --- the optimum, the certificate and ridge, in the statistics ---------------------------

#: The ridge strength $\alpha \ge 0$.
alpha = sp.Symbol("alpha", nonnegative=True)
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

# --- the matrix form of ridge, and the normal equations ------------------------------------

#: $P = \mathrm{diag}(1, \dots, 1, 0)$: the penalty leaves the intercept alone.
P = sp.MatrixSymbol("P", _p + 1, _p + 1)
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

# --- why the squared error: Gaussian maximum likelihood -------------------------------------

#: The noise's standard deviation $\sigma > 0$ in $y_i = m x_i + b + \varepsilon_i$.
sigma = sp.Symbol("sigma", positive=True)
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

# --- stability of the fixed-step methods, from their recurrences ---------------------------

eta, mu, lam = sp.symbols("eta mu lambda", positive=True)


def _jury_bound(a: sp.Expr, c: sp.Expr) -> sp.Expr:
    # e_{k+1} = a e_k − c e_{k−1} converges iff |c| < 1 and |a| < 1 + c (Jury). For
    # these methods the binding side is a = −(1 + c): solve it for the step η.
    return sp.simplify(sp.solve(sp.Eq(a, -(1 + c)), eta)[0])


#: The recurrences (a, c) of the error in one eigen-direction, $e_{k+1} = a e_k - c e_{k-1}$.
recurrences: dict[str, tuple[sp.Expr, sp.Expr]] = {
    "gd": (1 - eta * lam, sp.Integer(0)),
    "momentum": (1 + mu - eta * lam, mu),
    "nesterov": ((1 + mu) * (1 - eta * lam), mu * (1 - eta * lam)),
}
#: The largest stable step of each, $\eta < $ bound, derived from its recurrence:
#: $2/\lambda$, $2(1 + \mu)/\lambda$ and $2(1 + \mu)/((1 + 2\mu)\lambda)$.
step_bounds: dict[str, sp.Expr] = {name: _jury_bound(a, c) for name, (a, c) in recurrences.items()}


def step_bound_latex(method: str) -> str:
    r"""The step bound of a fixed-step method in terms of $\lambda_{\max}$, as LaTeX.

    Examples
    --------
    >>> step_bound_latex("momentum")
    '\\frac{2 \\left(\\mu + 1\\right)}{\\lambda_{\\max}}'
    """
    top = sp.Symbol(r"\lambda_{\max}", positive=True)
    return latex(step_bounds[method].subs(lam, top))


def stability_condition(method: str) -> sp.Expr:
    r"""The stability condition of a fixed-step method, as a sympy relation in $\eta$.

    Examples
    --------
    >>> latex(stability_condition("gd"))
    '\\eta < \\frac{2}{\\lambda}'
    """
    return sp.StrictLessThan(eta, step_bounds[method])


# --- lambdified forms of ridge, the optimum and the certificate -----------------------------

_ridge_moment_args = (m, b, N, x_bar, y_bar, C_xx, C_xy, C_yy, alpha)
_ridge_moments = sp.lambdify(_ridge_moment_args, ridge_in_moments, modules="math")
_ridge_partials_moments = sp.lambdify(
    _ridge_moment_args, list(ridge_partials_in_moments), modules="math"
)
_solution_moments = sp.lambdify(
    _ridge_moment_args, [normal_equations_solution[m], normal_equations_solution[b]], "math"
)
_certificate_moments = sp.lambdify(_ridge_moment_args, list(certificate_expr), modules="math")
_loss_gap_moments = sp.lambdify(_ridge_moment_args, loss_gap_expr, modules="math")
_ridge_args = (Z, _y, theta, N, alpha, P)
_ridge_matrix = sp.lambdify(_ridge_args, ridge_matrix_expr, modules="numpy")
_ridge_gradient_matrix = sp.lambdify(_ridge_args, ridge_matrix_gradient, modules="numpy")
_ridge_hessian_matrix = sp.lambdify((Z, N, alpha, P), ridge_matrix_hessian, modules="numpy")
_certificate_matrix = sp.lambdify(_matrix_args, certificate_matrix_expr, modules="numpy")
_bounds = {name: sp.lambdify((eta, mu, lam), bound, "math") for name, bound in step_bounds.items()}


def _ridge_values(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float, alpha_: float
) -> tuple[float, ...]:
    return (*_moment_values(X_, y_, w_, b_), float(alpha_))


@_finite_or_refused
def ridge_moments_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float, alpha_: float
) -> float:
    """`ridge_in_moments` evaluated: the twin of `Moments.mse` with ``alpha``."""
    return float(_ridge_moments(*_ridge_values(X_, y_, w_, b_, alpha_)))


@_finite_or_refused
def ridge_gradient_moments_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float, alpha_: float
) -> tuple[FloatArray, float]:
    """`ridge_partials_in_moments` evaluated: the twin of `Moments.mse_gradient` with ``alpha``."""
    d_m, d_b = _ridge_partials_moments(*_ridge_values(X_, y_, w_, b_, alpha_))
    return np.array([float(d_m)]), float(d_b)


def _penalty_matrix(n_features: int) -> FloatArray:
    return np.diag(np.append(np.ones(n_features), 0.0))


@_finite_or_refused
def ridge_matrix_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float, alpha_: float
) -> float:
    """`ridge_matrix_expr` evaluated: the n-feature twin of `linreg.loss.mse` with ``alpha``."""
    features, target = check_features_target(X_, y_)
    params = np.append(np.asarray(w_, dtype=np.float64), float(b_))[:, None]
    value = _ridge_matrix(
        _augmented(features), target[:, None], params, len(target), float(alpha_),
        _penalty_matrix(features.shape[1]),
    )  # fmt: skip
    return float(np.asarray(value).reshape(()))


@_finite_or_refused
def ridge_matrix_gradient_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float, alpha_: float
) -> tuple[FloatArray, float]:
    """`ridge_matrix_gradient` evaluated: the twin of `linreg.loss.mse_gradient` with ``alpha``."""
    features, target = check_features_target(X_, y_)
    params = np.append(np.asarray(w_, dtype=np.float64), float(b_))[:, None]
    grad = np.asarray(
        _ridge_gradient_matrix(
            _augmented(features), target[:, None], params, len(target), float(alpha_),
            _penalty_matrix(features.shape[1]),
        ),
        dtype=np.float64,
    ).reshape(-1)  # fmt: skip
    return grad[:-1], float(grad[-1])


@_finite_or_refused
def ridge_matrix_hessian_fn(X_: npt.ArrayLike, alpha_: float) -> FloatArray:
    """`ridge_matrix_hessian` evaluated: the twin of `linreg.loss.mse_hessian` with ``alpha``."""
    features = as_features(X_)
    value = _ridge_hessian_matrix(
        _augmented(features), len(features), float(alpha_), _penalty_matrix(features.shape[1])
    )
    return np.asarray(value, dtype=np.float64)


@_finite_or_refused
def ridge_bound_fn(X_: npt.ArrayLike, alpha_: float) -> float:
    """2/λ_max of the lambdified ridge Hessian: the twin of `linreg.loss.learning_rate_bound`."""
    return 2.0 / float(np.linalg.eigvalsh(ridge_matrix_hessian_fn(X_, alpha_))[-1])


@_finite_or_refused
def solution_fn(X_: npt.ArrayLike, y_: npt.ArrayLike, alpha_: float) -> tuple[FloatArray, float]:
    """`normal_equations_solution` evaluated: $(m^*, b^*)$ for one feature."""
    slope, intercept = _solution_moments(*_ridge_values(X_, y_, [0.0], 0.0, alpha_))
    return np.array([float(slope)]), float(intercept)


@_finite_or_refused
def certificate_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float, alpha_: float
) -> tuple[FloatArray, float]:
    """`certificate_expr` evaluated: $(m - m^*, b - b^*)$ from $H^{-1}\\nabla E_\\alpha$."""
    d_m, d_b = _certificate_moments(*_ridge_values(X_, y_, w_, b_, alpha_))
    return np.array([float(d_m)]), float(d_b)


@_finite_or_refused
def loss_gap_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float, alpha_: float
) -> float:
    """`loss_gap_expr` evaluated: $E_\\alpha - E_\\alpha^*$."""
    return float(_loss_gap_moments(*_ridge_values(X_, y_, w_, b_, alpha_)))


@_finite_or_refused
def certificate_matrix_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float
) -> tuple[FloatArray, float]:
    """`certificate_matrix_expr` evaluated: $\\theta - \\theta^*$ for n features."""
    features, target = check_features_target(X_, y_)
    params = np.append(np.asarray(w_, dtype=np.float64), float(b_))[:, None]
    step = np.asarray(
        _certificate_matrix(_augmented(features), target[:, None], params, len(target)),
        dtype=np.float64,
    ).reshape(-1)
    return step[:-1], float(step[-1])


def step_bound_fn(method: str) -> Callable[[npt.ArrayLike, float], float]:
    """`step_bounds[method]` at λ_max of the lambdified Hessian, as a function of (X, μ)."""

    @_finite_or_refused
    def bound(X_: npt.ArrayLike, momentum_: float) -> float:
        top = float(np.linalg.eigvalsh(mse_matrix_hessian_fn(X_))[-1])
        return float(_bounds[method](1.0, momentum_, top))

    bound.__name__ = f"{method}_bound"
    return bound


# --- numeric sides that live above this module (imported when called) ----------------------


def _quadratic(X_: npt.ArrayLike, y_: npt.ArrayLike, alpha_: float) -> Any:
    from linreg.problem import Quadratic

    return Quadratic.build(
        Moments.from_arrays(X_, y_), alpha=float(alpha_), standardize=False, intercept=True
    )


def _numeric_certificate(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float, alpha_: float = 0.0
) -> tuple[FloatArray, float]:
    quadratic = _quadratic(X_, y_, alpha_)
    theta = np.append(np.asarray(w_, dtype=np.float64), float(b_))
    step = quadratic.solve(quadratic.loss_and_gradient(theta)[1])
    return step[:-1], float(step[-1])


def _numeric_loss_gap(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float, alpha_: float
) -> float:
    quadratic = _quadratic(X_, y_, alpha_)
    theta = np.append(np.asarray(w_, dtype=np.float64), float(b_))
    return float(quadratic.loss_gap(quadratic.loss_and_gradient(theta)[1]))


def _numeric_solution(
    X_: npt.ArrayLike, y_: npt.ArrayLike, alpha_: float
) -> tuple[FloatArray, float]:
    from linreg.solve import least_squares

    fit = least_squares(X_, y_, alpha=alpha_)
    return np.asarray(fit.coef, dtype=np.float64), float(fit.intercept)


def _numeric_bound(method: str) -> Callable[[npt.ArrayLike, float], float]:
    def bound(X_: npt.ArrayLike, momentum_: float) -> float:
        from linreg.methods import METHODS, Settings

        quadratic = _quadratic(X_, np.zeros(len(as_features(X_))), 0.0)
        chosen = METHODS[method]
        assert chosen.bound is not None
        return chosen.bound(Settings(1.0, float(momentum_), quadratic)).value

    bound.__name__ = f"{method}_bound"
    return bound


# --- the registry of twins -----------------------------------------------------------------


@dataclass(frozen=True)
class Twin:
    """A numeric function of `linreg.loss` paired with the sympy expression it computes.

    Attributes
    ----------
    name : str
        A short name for tests and docs.
    numeric : callable
        The function in `linreg.loss`.
    expr : sympy expression (or tuple or matrix of them)
        What sympy derived.
    symbolic : callable
        ``expr`` lambdified, with the same signature and return shape as ``numeric``.
    one_feature : bool
        True for the livestream's sum form, which holds for one feature only.
    args : str
        Which arguments the pair takes, e.g. ``"X, y, w, b"``, ``"X"``,
        ``"X, y, w, b, alpha"``, ``"X, y, alpha"`` or ``"X, mu"``.
    documented_as : str
        The public name of the numeric side, for the docs (by default, ``numeric``'s own).
    """

    name: str
    numeric: Callable[..., Any]
    expr: Any
    symbolic: Callable[..., Any]
    one_feature: bool
    args: str
    documented_as: str = ""

    @property
    def numeric_name(self) -> str:
        """The dotted name of the numeric twin in the API reference."""
        return self.documented_as or f"{self.numeric.__module__}.{self.numeric.__name__}"

    @property
    def latex(self) -> str:
        """The LaTeX of ``expr``; a tuple is written as a comma-separated list."""
        if isinstance(self.expr, dict):
            return ",\\quad ".join(f"{latex(k)}^* = {latex(v)}" for k, v in self.expr.items())
        if isinstance(self.expr, tuple):
            return ",\\quad ".join(latex(part) for part in self.expr)
        return latex(self.expr)


TWINS: tuple[Twin, ...] = (
    Twin("mse", loss.mse, mse_expr, mse_fn, True, "X, y, w, b"),
    Twin("mse_gradient", loss.mse_gradient, mse_partials, mse_gradient_fn, True, "X, y, w, b"),
    Twin("mse_hessian", loss.mse_hessian, mse_hessian_expr, mse_hessian_fn, True, "X"),
    Twin("mse (matrix)", loss.mse, mse_matrix_expr, mse_matrix_fn, False, "X, y, w, b"),
    Twin(
        "mse_gradient (matrix)",
        loss.mse_gradient,
        mse_matrix_gradient,
        mse_matrix_gradient_fn,
        False,
        "X, y, w, b",
    ),
    Twin(
        "mse_hessian (matrix)",
        loss.mse_hessian,
        mse_matrix_hessian,
        mse_matrix_hessian_fn,
        False,
        "X",
    ),
    Twin(
        "learning_rate_bound",
        loss.learning_rate_bound,
        learning_rate_bound_expr,
        learning_rate_bound,
        False,
        "X",
    ),
    Twin(
        "mse (moments)",
        _moments_mse,
        mse_in_moments,
        mse_moments_fn,
        True,
        "X, y, w, b",
        "linreg.moments.Moments.mse",
    ),
    Twin(
        "mse_gradient (moments)",
        _moments_gradient,
        mse_partials_in_moments,
        mse_gradient_moments_fn,
        True,
        "X, y, w, b",
        "linreg.moments.Moments.mse_gradient",
    ),
    Twin("ridge", loss.mse, ridge_matrix_expr, ridge_matrix_fn, False, "X, y, w, b, alpha"),
    Twin(
        "ridge gradient",
        loss.mse_gradient,
        ridge_matrix_gradient,
        ridge_matrix_gradient_fn,
        False,
        "X, y, w, b, alpha",
    ),
    Twin(
        "ridge hessian",
        loss.mse_hessian,
        ridge_matrix_hessian,
        ridge_matrix_hessian_fn,
        False,
        "X, alpha",
    ),
    Twin(
        "ridge learning_rate_bound",
        loss.learning_rate_bound,
        step_bounds["gd"],
        ridge_bound_fn,
        False,
        "X, alpha",
    ),
    Twin(
        "ridge (moments)",
        _moments_mse,
        ridge_in_moments,
        ridge_moments_fn,
        True,
        "X, y, w, b, alpha",
        "linreg.moments.Moments.mse",
    ),
    Twin(
        "ridge gradient (moments)",
        _moments_gradient,
        ridge_partials_in_moments,
        ridge_gradient_moments_fn,
        True,
        "X, y, w, b, alpha",
        "linreg.moments.Moments.mse_gradient",
    ),
    Twin(
        "normal equations (ridge included)",
        _numeric_solution,
        normal_equations_solution,
        solution_fn,
        True,
        "X, y, alpha",
        "linreg.solve.least_squares",
    ),
    Twin(
        "certificate",
        _numeric_certificate,
        certificate_expr,
        certificate_fn,
        True,
        "X, y, w, b, alpha",
        "linreg.problem.Quadratic.certificate",
    ),
    Twin(
        "certificate (matrix)",
        _numeric_certificate,
        certificate_matrix_expr,
        certificate_matrix_fn,
        False,
        "X, y, w, b",
        "linreg.problem.Quadratic.certificate",
    ),
    Twin(
        "loss gap",
        _numeric_loss_gap,
        loss_gap_expr,
        loss_gap_fn,
        True,
        "X, y, w, b, alpha",
        "linreg.problem.Certificate",
    ),
    *(
        Twin(
            f"{name} step bound",
            _numeric_bound(name),
            step_bounds[name],
            step_bound_fn(name),
            False,
            "X, mu",
            "linreg.methods.Method",
        )
        for name in step_bounds
    ),
)
