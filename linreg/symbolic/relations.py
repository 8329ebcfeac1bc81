r"""The registry of named relations: every relation the site's pages print.

A page writes a relation's name in double braces, as the whole of a formula, and the
build prints ``RELATIONS[name]`` in
its place (docs/hooks/relations.py); a page's code calls `formula`. Each side is a
sympy object, printed by `linreg.symbolic.printing`; where a side is an expression this
package derives (a partial derivative, the normal equations), it is that very object.

Each relation says how sympy proves it (`linreg.symbolic.relation`): a definition
through the relations proved with it, an identity by its claims reducing to zero, a
condition by its solution set. ``tests/test_relations.py`` proves every one, and fails
on a relation that does not hold. `TERMS` names the expressions the prose mentions.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.stats import Normal, density

from linreg.symbolic import line, matrix, optimum
from linreg.symbolic import symbols as s
from linreg.symbolic.likelihood import likelihood_in_mse, negative_log_likelihood
from linreg.symbolic.printing import Label, Norm, latex
from linreg.symbolic.relation import Relation, definition, identity, register
from linreg.symbolic.relations_descent import DESCENT, bound_at
from linreg.symbolic.relations_inference import INFERENCE, INFERENCE_TERMS
from linreg.symbolic.stability import recurrences, step_bounds

__all__ = ["RELATIONS", "TERMS", "formula"]

N, m, b, x, y, k = s.N, s.m, s.b, s.x, s.y, s.i
eta, lam, mu = s.eta, s.lam, s.mu
lmax, lmin, kappa = s.lam_max, s.lam_min, s.kappa
E_mb = s.E(m, b)


def _label(tex: str, **assumptions: Any) -> sp.Symbol:
    """A symbol that stands for an object by its conventional name (∇_θ E, -ln L)."""
    return Label(tex, **assumptions)


def _sum(body: Any, index: sp.Idx = s.i) -> sp.Sum:
    return sp.Sum(body, (index, 1, N))


# --- the line and its loss --------------------------------------------------------------------

_line = definition("line", sp.Symbol("y"), m * sp.Symbol("x") + b, "the line: slope m, intercept b")
_LINE_RIGHT = _line.sides[1]
_LINE = [
    _line,
    definition("prediction", s.y_hat[k], m * x[k] + b, "the line's prediction at x_i"),
    definition("loss", E_mb, line.mse_expr, "the mean squared error (the one typed definition)"),
    identity(
        "loss-of-prediction",
        (E_mb, _sum((y[k] - s.y_hat[k]) ** 2) / N),
        "the loss is the mean squared distance to the prediction",
        uses=("loss", "prediction"),
    ),
    identity(
        "partial-m",
        (sp.Derivative(E_mb, m), line.mse_partials[0]),
        "sympy's derivative of the loss in m",
        uses=("loss",),
    ),
    identity(
        "partial-b",
        (sp.Derivative(E_mb, b), line.mse_partials[1]),
        "sympy's derivative of the loss in b",
        uses=("loss",),
    ),
    identity(
        "hessian",
        (_label("H"), line.mse_hessian_expr),
        "the Hessian: every second derivative of the loss",
        claims=(line.mse_hessian_expr - sp.hessian(line.mse_expr, (m, b)),),
    ),
    identity(
        "partial-m-sums",
        (sp.Derivative(E_mb, m), line.mse_partials_in_sums[0]),
        "the m-partial with its sums split",
        uses=("loss",),
    ),
    identity(
        "partial-b-sums",
        (sp.Derivative(E_mb, b), line.mse_partials_in_sums[1]),
        "the b-partial with its sums split",
        uses=("loss",),
    ),
]

# --- the statistics of one pass ---------------------------------------------------------------

_MEANS = ("mean-x", "mean-y", "C_xx", "C_xy", "C_yy")
_STATISTICS = [
    definition("mean-x", s.x_bar, _sum(x[k]) / N, "the mean of x"),
    definition("mean-y", s.y_bar, _sum(y[k]) / N, "the mean of y"),
    definition("C_xx", s.C_xx, _sum((x[k] - s.x_bar) ** 2), "the centred sum of squares of x"),
    definition(
        "C_xy", s.C_xy, _sum((x[k] - s.x_bar) * (y[k] - s.y_bar)), "the centred sum of products"
    ),
    definition("C_yy", s.C_yy, _sum((y[k] - s.y_bar) ** 2), "the centred sum of squares of y"),
    *(
        identity(f"raw-{name}", (raw, centred), "a raw sum in the statistics", uses=_MEANS)
        for name, (raw, centred) in zip(("xx", "xy", "yy"), list(line.raw_sums.items())[:3])
    ),
    identity(
        "loss-moments",
        (E_mb, line.mse_in_moments),
        "the loss in the statistics",
        uses=("loss", *_MEANS),
    ),
    identity(
        "partial-m-moments",
        (sp.Derivative(E_mb, m), line.mse_partials_in_moments[0]),
        "the m-partial in the statistics",
        uses=("loss", *_MEANS),
    ),
    identity(
        "partial-b-moments",
        (sp.Derivative(E_mb, b), line.mse_partials_in_moments[1]),
        "the b-partial in the statistics",
        uses=("loss", *_MEANS),
    ),
]

# --- many features: the matrix form -----------------------------------------------------------

_E_theta, _E_w = s.E(s.theta), s.E(s.w, b)
_prediction = s.X * s.w + b * s.ones
# A matrix loss cannot stand beside an undefined scalar function in one sympy
# expression: the claims below use these definitions' right sides directly.
_loss_matrix = definition(
    "loss-matrix", _E_theta, matrix.mse_matrix_expr, "the loss for any number of features"
)
_loss_w = definition(
    "loss-w",
    _E_w,
    (s.y_vector - _prediction).T * (s.y_vector - _prediction) / N,
    "the loss with the weights and the intercept apart",
)
_MATRIX = [
    _loss_matrix,
    identity(
        "gradient-theta",
        (_label(r"\nabla_\theta E"), matrix.mse_matrix_gradient),
        "the gradient in θ, by sympy's matrix calculus",
        uses=("loss-matrix",),
        claims=(matrix.mse_matrix_gradient - _loss_matrix.sides[1].diff(s.theta),),
    ),
    identity(
        "hessian-theta",
        (_label(r"\nabla^2_\theta E"), matrix.mse_matrix_hessian),
        "the Hessian in θ",
        uses=("loss-matrix",),
        claims=(matrix.mse_matrix_hessian - _loss_matrix.sides[1].diff(s.theta).diff(s.theta),),
    ),
    _loss_w,
    identity(
        "gradient-w",
        (_label(r"\nabla_w E"), matrix.mse_matrix_gradient_w),
        "the gradient in the weights w alone, the intercept written out",
        uses=("loss-w",),
        claims=(matrix.mse_matrix_gradient_w - _loss_w.sides[1].diff(s.w),),
    ),
    identity(
        "normal-equations",
        matrix.normal_equations,
        "the gradient in θ set to zero",
        claims=(
            matrix.mse_matrix_gradient
            - 2 / N * (matrix.normal_equations[0] - matrix.normal_equations[1]),
        ),
    ),
    identity(
        "ridge-normal-equations",
        matrix.ridge_normal_equations,
        "the ridge gradient set to zero (P is symmetric)",
        claims=(
            matrix.ridge_matrix_gradient.subs(s.P.T, s.P)
            - 2 / N * (matrix.ridge_normal_equations[0] - matrix.ridge_normal_equations[1]),
        ),
    ),
]

# --- the optimum, the certificate, ridge: one feature, in the statistics ----------------------

_E_alpha = s.E(m, b) + s.alpha * m**2
_solution = optimum.normal_equations_solution
_ridge_loss, _ridge_minimum = sp.symbols("E_alpha E^*_alpha", real=True)
#: The ridge gradient and Hessian, as matrices named for the certificate's formulas.
_gradient, _hessian = sp.MatrixSymbol(r"\nabla E_\alpha", 2, 1), sp.MatrixSymbol("H", 2, 2)
_OPTIMUM = [
    definition(
        "ridge", _ridge_loss, _E_alpha, "ridge: the slope's square added, the intercept free"
    ),
    identity(
        "ridge-moments",
        (_ridge_loss, optimum.ridge_in_moments),
        "ridge in the statistics",
        uses=("ridge", "loss", *_MEANS),
    ),
    identity(
        "slope-optimum",
        (s.m_star, optimum.closed_form[m]),
        "the slope where both partials vanish",
        claims=tuple(
            d.subs({m: optimum.closed_form[m], b: optimum.closed_form[b]})
            for d in line.mse_partials_in_moments
        ),
    ),
    identity(
        "intercept-optimum",
        (s.b_star, s.y_bar - s.m_star * s.x_bar, optimum.closed_form[b]),
        "the intercept where both partials vanish",
        uses=("slope-optimum",),
        claims=(
            line.mse_partials_in_moments[1].subs({m: s.m_star, b: s.y_bar - s.m_star * s.x_bar}),
            s.y_bar - s.m_star * s.x_bar - optimum.closed_form[b],
        ),
    ),
    identity(
        "ridge-slope-optimum",
        (s.m_star, _solution[m]),
        "the ridge slope where both ridge partials vanish",
        claims=tuple(d.subs(_solution) for d in optimum.ridge_partials_in_moments),
    ),
    identity(
        "certificate",
        (_hessian.I * _gradient, optimum.certificate_expr, sp.Matrix([m - s.m_star, b - s.b_star])),
        "one solve with the Hessian gives the error of the current line",
        claims=(
            optimum.certificate_expr
            - optimum.ridge_hessian_in_moments.inv() * sp.Matrix(optimum.ridge_partials_in_moments),
            optimum.certificate_expr - sp.Matrix([m - _solution[m], b - _solution[b]]),
        ),
    ),
    identity(
        "loss-gap",
        ((_gradient.T * _hessian.I * _gradient) / 2, _ridge_loss - _ridge_minimum),
        "half the gradient through the inverse Hessian is the loss above its minimum",
        claims=(optimum.loss_gap_expr - (optimum.ridge_in_moments - optimum.minimum_expr),),
    ),
]

# --- the likelihood, the verdict, scikit-learn's ridge ----------------------------------------

_noise = sp.IndexedBase(r"\varepsilon")
_minus_log_l = -sp.log(_label("L", positive=True))
_noise_model = definition(
    "noise", y[k], m * x[k] + b + _noise[k], "each score: the line plus noise"
)
_noise_law = definition(
    "noise-distribution",
    _noise[k],
    sp.Function(r"\mathcal{N}")(0, s.sigma**2),
    "the noise is Gaussian, mean 0, variance σ²",
    op="~",
)
_in_mse = N / 2 * sp.log(2 * sp.pi * s.sigma**2) + N / (2 * s.sigma**2) * E_mb


def _gaussian_log_likelihood() -> Any:
    """-ln L from sympy.stats' normal density of each point's noise, independently of
    linreg.symbolic.likelihood's typed density."""
    _, variance = _noise_law.sides[1].args
    noise = sp.solve(sp.Eq(*_noise_model.sides), _noise[k])[0]
    pdf = density(Normal("noise", 0, sp.sqrt(variance)))(noise)
    return sp.Sum(-sp.expand_log(sp.log(pdf), force=True), (k, 1, N))


_norm = {
    "theta": sp.MatrixSymbol("theta", s.p + 1, 1),
    "star": sp.MatrixSymbol(r"theta^*", s.p + 1, 1),
}
_distance, _size = Norm(_norm["theta"] - _norm["star"]), Norm(_norm["star"])
_d, _n = sp.symbols("d n", positive=True)
_sklearn_a = sp.Symbol("a", positive=True)
_residual = s.y_vector - s.Z * s.theta

_VERDICT = [
    _noise_model,
    _noise_law,
    identity(
        "neg-log-likelihood",
        (_minus_log_l, negative_log_likelihood),
        "the negative log-likelihood of the points, split term by term",
        uses=("noise", "noise-distribution"),
        claims=lambda: (_gaussian_log_likelihood() - negative_log_likelihood,),
    ),
    identity(
        "likelihood-mse",
        (_minus_log_l, _in_mse),
        "the same, with the mean squared error in it",
        uses=("loss",),
        claims=(negative_log_likelihood - _in_mse, likelihood_in_mse - _in_mse),
    ),
    identity(
        "sigma-mle",
        (sp.Symbol(r"\hat{\sigma}") ** 2, E_mb),
        "the variance of greatest likelihood is the mean squared error",
        claims=lambda: (sp.solve(sp.diff(_in_mse, s.sigma), s.sigma)[0] ** 2 - E_mb,),
    ),
    Relation(
        "converged",
        (_distance, s.tol * _size),
        ("<=",),
        "condition",
        "linreg's verdict: within tol of the optimum, relative to its size",
        claims=lambda: (
            sp.Eq(
                sp.solveset(sp.LessThan(_d / _n, s.tol), _d, sp.Interval(0, sp.oo)),
                sp.solveset(sp.LessThan(_d, s.tol * _n), _d, sp.Interval(0, sp.oo)),
            ),
        ),
    ),
    identity(
        "sklearn-alpha",
        (s.alpha, _sklearn_a / N),
        "scikit-learn's Ridge(alpha=a) penalises the sum of squares: a over N is linreg's α",
        claims=(
            matrix.ridge_matrix_expr.subs(s.alpha, _sklearn_a / N)
            - (_residual.T * _residual + _sklearn_a * s.theta.T * s.P * s.theta) / N,
        ),
    ),
]

#: Named expressions the prose mentions: printed like the relations, nothing to prove.
TERMS: dict[str, Any] = {
    "residual": y[k] - (m * x[k] + b),
    "gd-factor": recurrences["gd"][0],
    "steep-factor": recurrences["gd"][0].subs(lam, lmax),
    "slow-factor": recurrences["gd"][0].subs(lam, lmin),
    "steep-factor-size": sp.Abs(recurrences["gd"][0].subs(lam, lmax)),
    "slow-fraction": eta * lmin,
    "auto-step": 1 / lmax,
    **{f"{method}-bound": bound_at(method, lmax) for method in step_bounds},
    "relative-distance": _distance / _size,
    "optimum-size": _size,
    "d-by-m": sp.Derivative(E_mb, m),
    "d-by-b": sp.Derivative(E_mb, b),
    "rounding": N * s.epsilon,
    "sklearn-loss": Norm(s.y_vector - s.X * s.w - b * s.ones) ** 2 + _sklearn_a * Norm(s.w) ** 2,
    "ridge-penalty": s.alpha * Norm(s.w) ** 2,
    "best-factor": (kappa - 1) / (kappa + 1),
    "bound-split-factor": lmax / (lmin + lmax),
    "gram": s.Z.T * s.Z,
    "moment-vector": s.Z.T * s.y_vector,
    "gram-inverse": (s.Z.T * s.Z).I,
    "kappa-rounding": kappa * s.epsilon,
    "kappa-squared": kappa**2,
    "inverse-rounding": 1 / s.epsilon,
    "dependence": kappa * s.epsilon * sp.Max(N, sp.Symbol("d", positive=True, integer=True)),
    "iteration-cost": sp.Function("O")(s.p**2),
    "drift": sp.Function("O")(sp.Symbol("k") * s.epsilon * eta * lam),
    "lre": -sp.Function(r"\log_{10}")(
        sp.Abs(sp.Symbol("v") - sp.Symbol("c")) / sp.Abs(sp.Symbol("c"))
    ),
    "newton-move": sp.MatrixSymbol("H", 2, 2).I * sp.MatrixSymbol(r"\nabla E", 2, 1),
    "kappa-squared-rounding": kappa**2 * s.epsilon,
    "residual-vector": _residual,
    **INFERENCE_TERMS,
}

RELATIONS = register([*_LINE, *_STATISTICS, *_MATRIX, *_OPTIMUM, *_VERDICT, *DESCENT, *INFERENCE])


def formula(name: str, *, inline: bool = False) -> str:
    r"""The LaTeX of a named relation or term, as a page prints it.

    Parameters
    ----------
    name : str
        A key of `RELATIONS` or `TERMS`.
    inline : bool
        For a formula inside a sentence (short fractions folded), else a display one.

    Returns
    -------
    str
        The LaTeX, each side printed by `linreg.symbolic.printing.latex`.

    Raises
    ------
    KeyError
        No relation or term has that name.

    Examples
    --------
    >>> formula("gd-stable-all", inline=True)
    '\\eta < 2/\\lambda_{\\max}'
    """
    if name in RELATIONS:
        return RELATIONS[name].latex(inline=inline)
    if name in TERMS:
        return latex(TERMS[name], inline=inline)
    raise KeyError(f"no relation or term named {name!r} in linreg.symbolic.relations")
