r"""The symbols of every expression, named as the code and the textbooks name them.

One feature (the livestream's line): $N$ points $x_i, y_i$, slope $m$, intercept $b$,
and the one-pass statistics $\bar x, \bar y, C_{xx}, C_{xy}, C_{yy}$. Many features:
$X$ of shape $(N, p)$, weights $w$, $Z = [X\ \mathbf 1]$, $\theta = [w;\ b]$, and the
ridge penalty matrix $P$. Hyperparameters: the ridge strength $\alpha$, the step
$\eta$, the momentum $\mu$, an eigenvalue $\lambda$ of the Hessian, and the noise's
standard deviation $\sigma$.
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "C_xx",
    "C_xy",
    "C_yy",
    "E",
    "N",
    "P",
    "X",
    "Z",
    "alpha",
    "b",
    "b_star",
    "b_z",
    "epsilon",
    "eta",
    "i",
    "j",
    "kappa",
    "lam",
    "lam_max",
    "lam_min",
    "m",
    "m_star",
    "mu",
    "ones",
    "p",
    "s_x",
    "sigma",
    "theta",
    "tol",
    "w",
    "w_z",
    "x",
    "x_bar",
    "y",
    "y_bar",
    "y_hat",
    "y_vector",
    "z",
]

# --- one feature: a sum over the points ----------------------------------------------------

#: The number of points.
N = sp.Symbol("N", integer=True, positive=True)
#: The index of a point, $i = 1, \dots, N$ (and a second one, for a sum inside a sum).
i = sp.Idx("i")
j = sp.Idx("j")
#: $x_i$ and $y_i$.
x = sp.IndexedBase("x")
y = sp.IndexedBase("y")
#: The slope and the intercept of the line, and their least-squares values.
m, b = sp.symbols("m b", real=True)
m_star, b_star = sp.symbols("m^* b^*", real=True)
#: The line's prediction $\hat y_i$, and the loss $E$ as a function of the parameters.
y_hat = sp.IndexedBase(r"\hat{y}")
E = sp.Function("E")
#: The one-pass statistics of `linreg.moments`: means and centred co-moments.
x_bar, y_bar, C_xx, C_xy, C_yy = sp.symbols(r"\bar{x} \bar{y} C_{xx} C_{xy} C_{yy}", real=True)
#: Standardized features: $z_i$, the spread $s_x$ (population), and the line in $z$.
z = sp.IndexedBase("z")
s_x = sp.Symbol("s_x", positive=True)
w_z, b_z = sp.symbols("w_z b_z", real=True)

# --- many features: matrices ------------------------------------------------------------------

#: The number of features.
p = sp.Symbol("p", integer=True, positive=True)
X = sp.MatrixSymbol("X", N, p)
w = sp.MatrixSymbol("w", p, 1)
#: y as a column (the sum form's ``y`` is an indexed base).
y_vector = sp.MatrixSymbol("y", N, 1)
ones = sp.OneMatrix(N, 1)
#: $Z = [X\ \mathbf 1]$, the features with a column of ones for the intercept.
Z = sp.MatrixSymbol("Z", N, p + 1)
#: $\theta = [w;\ b]$, all parameters in one vector.
theta = sp.MatrixSymbol("theta", p + 1, 1)
#: $P = \mathrm{diag}(1, \dots, 1, 0)$: the penalty leaves the intercept alone.
P = sp.MatrixSymbol("P", p + 1, p + 1)

# --- hyperparameters ------------------------------------------------------------------------

#: The ridge strength $\alpha \ge 0$.
alpha = sp.Symbol("alpha", nonnegative=True)
#: The step $\eta$, the momentum $\mu$ and an eigenvalue $\lambda$ of the Hessian.
eta, mu, lam = sp.symbols("eta mu lambda", positive=True)
#: The noise's standard deviation $\sigma > 0$ in $y_i = m x_i + b + \varepsilon_i$.
sigma = sp.Symbol("sigma", positive=True)
#: The Hessian's largest and smallest eigenvalues, its condition number, a tolerance
#: $\varepsilon$ and the certificate's relative tolerance.
lam_max, lam_min = sp.symbols(r"\lambda_{\max} \lambda_{\min}", positive=True)
kappa = sp.Symbol("kappa", positive=True)
epsilon = sp.Symbol("varepsilon", positive=True)
tol = sp.Symbol(r"\mathrm{tol}", positive=True)
