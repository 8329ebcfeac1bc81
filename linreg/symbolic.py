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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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
    "Twin",
    "X",
    "Z",
    "b",
    "i",
    "latex",
    "learning_rate_bound",
    "learning_rate_bound_expr",
    "m",
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
    "theta",
    "w",
    "x",
    "x_bar",
    "y",
    "y_bar",
]

FloatArray = npt.NDArray[np.float64]

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


def mse_fn(X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float) -> float:
    """`mse_expr` evaluated numerically: the symbolic twin of `linreg.loss.mse` (one feature)."""
    return float(_mse_sum(*_line_args(X_, y_, w_, b_)))


def mse_gradient_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float
) -> tuple[FloatArray, float]:
    """`mse_partials` evaluated: the twin of `linreg.loss.mse_gradient` (one feature)."""
    d_m, d_b = _partials_sum(*_line_args(X_, y_, w_, b_))
    return np.array([float(d_m)]), float(d_b)


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


def mse_moments_fn(X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float) -> float:
    """`mse_in_moments` evaluated: the symbolic twin of `linreg.moments.Moments.mse`."""
    return float(_mse_moments(*_moment_values(X_, y_, w_, b_)))


def mse_gradient_moments_fn(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float
) -> tuple[FloatArray, float]:
    """`mse_partials_in_moments` evaluated: the twin of `Moments.mse_gradient`."""
    d_m, d_b = _partials_moments(*_moment_values(X_, y_, w_, b_))
    return np.array([float(d_m)]), float(d_b)


def _moments_mse(X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float) -> float:
    return Moments.from_arrays(X_, y_).mse(w_, b_)


def _moments_gradient(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float
) -> tuple[FloatArray, float]:
    return Moments.from_arrays(X_, y_).mse_gradient(w_, b_)


def _augmented(features: FloatArray) -> FloatArray:
    return np.column_stack([features, np.ones(len(features))])


def mse_matrix_fn(X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float) -> float:
    """`mse_matrix_expr` evaluated: the n-feature twin of `linreg.loss.mse`."""
    features, target = check_features_target(X_, y_)
    params = np.append(np.asarray(w_, dtype=np.float64), float(b_))
    value = _mse_matrix(_augmented(features), target[:, None], params[:, None], len(target))
    return float(np.asarray(value).reshape(()))


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


def mse_matrix_hessian_fn(X_: npt.ArrayLike) -> FloatArray:
    """`mse_matrix_hessian` evaluated: the n-feature twin of `linreg.loss.mse_hessian`."""
    features = as_features(X_)
    return np.asarray(_hessian_matrix(_augmented(features), len(features)), dtype=np.float64)


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
        Which arguments the pair takes: ``"X, y, w, b"`` or ``"X"``.
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
)
