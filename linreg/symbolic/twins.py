r"""The registry of twins: each numeric kernel paired with the expression sympy derived.

`TWINS` is what the tests iterate over (numeric against lambdified symbolic, on random
data) and what the derivation page prints, so adding a twin here adds its test and its
documentation at once. Each `Twin` says which arguments it takes (`Twin.args`, a tuple
of `Argument` names), so a caller can build them without parsing anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import sympy as sp

from linreg import loss, weighted_loss
from linreg.moments import Moments
from linreg.symbolic import evaluate as fn
from linreg.symbolic import inference, line, matrix, optimum, weighted
from linreg.symbolic import symbols as s
from linreg.symbolic.printing import latex
from linreg.symbolic.stability import step_bounds
from linreg.symbolic.symbols import b, m, sigma
from linreg.validate import as_features

__all__ = [
    "FEATURES",
    "FEATURES_RIDGE",
    "POINT",
    "POINT_RIDGE",
    "TWINS",
    "Argument",
    "Twin",
]

FloatArray = npt.NDArray[np.float64]

#: An argument a twin takes: the features, the targets, the weights, the intercept, a
#: ridge strength or a momentum.
Argument = Literal["X", "y", "w", "b", "alpha", "mu", "sample_weight"]
#: The arguments of a loss or gradient at a point ...
POINT: tuple[Argument, ...] = ("X", "y", "w", "b")
#: ... and with a ridge strength.
POINT_RIDGE: tuple[Argument, ...] = (*POINT, "alpha")
#: The arguments of a Hessian or a bound: the features alone ...
FEATURES: tuple[Argument, ...] = ("X",)
#: ... and with a ridge strength.
FEATURES_RIDGE: tuple[Argument, ...] = ("X", "alpha")


@dataclass(frozen=True)
class Twin:
    """A numeric function paired with the sympy expression it computes.

    Attributes
    ----------
    name : str
        A short name for tests and docs.
    numeric : callable
        The numeric function (in `linreg.loss`, or a thin face of another module's).
    expr : sympy expression (or tuple, dict or matrix of them)
        What sympy derived.
    symbolic : callable
        ``expr`` lambdified, with the same signature and return shape as ``numeric``.
    one_feature : bool
        True for the livestream's sum form, which holds for one feature only.
    args : tuple of Argument
        The arguments both sides take, in order, e.g. `POINT` (``("X", "y", "w", "b")``).
    documented_as : str
        The public name of the numeric side, for the docs (by default, ``numeric``'s own).
    """

    name: str
    numeric: Callable[..., Any]
    expr: Any
    symbolic: Callable[..., Any]
    one_feature: bool
    args: tuple[Argument, ...]
    documented_as: str = ""

    @property
    def numeric_name(self) -> str:
        """The dotted name of the numeric twin in the API reference."""
        return self.documented_as or f"{self.numeric.__module__}.{self.numeric.__name__}"

    @property
    def latex(self) -> str:
        """The LaTeX of ``expr``, for a display formula; a tuple is written as a
        comma-separated list, a solution (a dict) as sympy's equations ``m^* = ...``."""
        if isinstance(self.expr, dict):
            optimum = {m: s.m_star, b: s.b_star}
            return ",\\quad ".join(latex(sp.Eq(optimum[k], v)) for k, v in self.expr.items())
        if isinstance(self.expr, tuple):
            return ",\\quad ".join(latex(part) for part in self.expr)
        return latex(self.expr)


# --- numeric sides that are not plain functions of linreg.loss ------------------------------


def _moments_mse(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float, alpha_: float = 0.0
) -> float:
    return Moments.from_arrays(X_, y_).mse(w_, b_, alpha_)


def _moments_gradient(
    X_: npt.ArrayLike, y_: npt.ArrayLike, w_: npt.ArrayLike, b_: float, alpha_: float = 0.0
) -> tuple[FloatArray, float]:
    return Moments.from_arrays(X_, y_).mse_gradient(w_, b_, alpha_)


# The certificate, the solution and the bounds live in modules above this package
# (linreg.problem, linreg.solve, linreg.methods): imported when called.


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
    from linreg.closed_form import least_squares

    fit = least_squares(X_, y_, alpha=alpha_)
    return np.asarray(fit.coef, dtype=np.float64), float(fit.intercept)


def _fit(X_: npt.ArrayLike, y_: npt.ArrayLike) -> Any:
    from linreg.closed_form import least_squares

    return least_squares(X_, y_)


def _numeric_stderr(X_: npt.ArrayLike, y_: npt.ArrayLike) -> tuple[FloatArray, float]:
    fit = _fit(X_, y_)
    return np.asarray(fit.coef_stderr, dtype=np.float64), float(fit.intercept_stderr)


def _numeric_anova(X_: npt.ArrayLike, y_: npt.ArrayLike) -> tuple[float, float]:
    fit = _fit(X_, y_)
    return fit.ess, fit.ssr


def _numeric_tests(X_: npt.ArrayLike, y_: npt.ArrayLike) -> tuple[float, float]:
    fit = _fit(X_, y_)
    return fit.fvalue, float(fit.tvalues[1]) ** 2


def _numeric_likelihood(X_: npt.ArrayLike, y_: npt.ArrayLike) -> tuple[float, FloatArray]:
    fit = _fit(X_, y_)
    return fit.llf, np.array([fit.aic, fit.bic])


def _numeric_bound(method: str) -> Callable[[npt.ArrayLike, float], float]:
    def bound(X_: npt.ArrayLike, momentum_: float) -> float:
        from linreg.methods import METHODS
        from linreg.seam import Settings

        quadratic = _quadratic(X_, np.zeros(len(as_features(X_))), 0.0)
        chosen = METHODS[method]
        assert chosen.bound is not None
        values = {"learning_rate": 1.0, "momentum": float(momentum_)}
        return chosen.bound(Settings(values, quadratic)).value

    bound.__name__ = f"{method}_bound"
    return bound


# --- the registry ------------------------------------------------------------------------------

_MOMENTS = "linreg.moments.Moments"
_CERTIFICATE = "linreg.problem.Quadratic.solve"
_INFERENCE = "linreg.inference.Inference"
_DATA: tuple[Argument, ...] = ("X", "y")

TWINS: tuple[Twin, ...] = (
    Twin("mse", loss.mse, line.mse_expr, fn.mse_fn, True, POINT),
    Twin("mse_gradient", loss.mse_gradient, line.mse_partials, fn.mse_gradient_fn, True, POINT),
    Twin("mse_hessian", loss.mse_hessian, line.mse_hessian_expr, fn.mse_hessian_fn, True, FEATURES),
    Twin("mse (matrix)", loss.mse, matrix.mse_matrix_expr, fn.mse_matrix_fn, False, POINT),
    Twin(
        "mse_gradient (matrix)",
        loss.mse_gradient,
        matrix.mse_matrix_gradient,
        fn.mse_matrix_gradient_fn,
        False,
        POINT,
    ),
    Twin(
        "mse_hessian (matrix)",
        loss.mse_hessian,
        matrix.mse_matrix_hessian,
        fn.mse_matrix_hessian_fn,
        False,
        FEATURES,
    ),
    Twin(
        "learning_rate_bound",
        loss.learning_rate_bound,
        line.learning_rate_bound_expr,
        fn.learning_rate_bound,
        False,
        FEATURES,
    ),
    Twin(
        "mse (moments)",
        _moments_mse,
        line.mse_in_moments,
        fn.mse_moments_fn,
        True,
        POINT,
        f"{_MOMENTS}.mse",
    ),
    Twin(
        "mse_gradient (moments)",
        _moments_gradient,
        line.mse_partials_in_moments,
        fn.mse_gradient_moments_fn,
        True,
        POINT,
        f"{_MOMENTS}.mse_gradient",
    ),
    Twin("ridge", loss.mse, matrix.ridge_matrix_expr, fn.ridge_matrix_fn, False, POINT_RIDGE),
    Twin(
        "ridge gradient",
        loss.mse_gradient,
        matrix.ridge_matrix_gradient,
        fn.ridge_matrix_gradient_fn,
        False,
        POINT_RIDGE,
    ),
    Twin(
        "ridge hessian",
        loss.mse_hessian,
        matrix.ridge_matrix_hessian,
        fn.ridge_matrix_hessian_fn,
        False,
        FEATURES_RIDGE,
    ),
    Twin(
        "ridge learning_rate_bound",
        loss.learning_rate_bound,
        step_bounds["gd"],
        fn.ridge_bound_fn,
        False,
        FEATURES_RIDGE,
    ),
    Twin(
        "ridge (moments)",
        _moments_mse,
        optimum.ridge_in_moments,
        fn.ridge_moments_fn,
        True,
        POINT_RIDGE,
        f"{_MOMENTS}.mse",
    ),
    Twin(
        "ridge gradient (moments)",
        _moments_gradient,
        optimum.ridge_partials_in_moments,
        fn.ridge_gradient_moments_fn,
        True,
        POINT_RIDGE,
        f"{_MOMENTS}.mse_gradient",
    ),
    Twin(
        "normal equations (ridge included)",
        _numeric_solution,
        optimum.normal_equations_solution,
        fn.solution_fn,
        True,
        ("X", "y", "alpha"),
        "linreg.closed_form.least_squares",
    ),
    Twin(
        "certificate",
        _numeric_certificate,
        optimum.certificate_expr,
        fn.certificate_fn,
        True,
        POINT_RIDGE,
        _CERTIFICATE,
    ),
    Twin(
        "certificate (matrix)",
        _numeric_certificate,
        matrix.certificate_matrix_expr,
        fn.certificate_matrix_fn,
        False,
        POINT,
        _CERTIFICATE,
    ),
    Twin(
        "loss gap",
        _numeric_loss_gap,
        optimum.loss_gap_expr,
        fn.loss_gap_fn,
        True,
        POINT_RIDGE,
        "linreg.problem.Quadratic.loss_gap",
    ),
    Twin(
        "weighted mse",
        weighted_loss.weighted_mse,
        weighted.weighted_mse_expr,
        weighted.weighted_mse_fn,
        True,
        (*POINT, "sample_weight"),
    ),
    Twin(
        "weighted mse_gradient",
        weighted_loss.weighted_mse_gradient,
        weighted.weighted_mse_partials,
        weighted.weighted_mse_gradient_fn,
        True,
        (*POINT, "sample_weight"),
    ),
    Twin(
        "weighted mse_hessian",
        weighted_loss.weighted_mse_hessian,
        weighted.weighted_mse_hessian_expr,
        weighted.weighted_mse_hessian_fn,
        True,
        ("X", "sample_weight"),
    ),
    Twin(
        "standard errors",
        _numeric_stderr,
        tuple(
            sp.sqrt(inference.covariance_expr[a, a].subs(sigma**2, inference.sigma_hat_squared))
            for a in (0, 1)
        ),
        inference.line_stderr_fn,
        True,
        _DATA,
        f"{_INFERENCE}.bse",
    ),
    Twin(
        "ANOVA: ESS and SSR",
        _numeric_anova,
        (inference.ess_expr, inference.ssr_expr),
        inference.line_anova_fn,
        True,
        _DATA,
        "linreg.closed_form_result.LeastSquaresResult",
    ),
    Twin(
        "F = t² of the slope",
        _numeric_tests,
        (inference.f_expr, inference.t_slope_expr**2),
        inference.line_tests_fn,
        True,
        _DATA,
        f"{_INFERENCE}.fvalue",
    ),
    Twin(
        "log-likelihood, AIC, BIC",
        _numeric_likelihood,
        (inference.max_log_likelihood, inference.aic_expr, inference.bic_expr),
        inference.line_likelihood_fn,
        True,
        _DATA,
        f"{_INFERENCE}.llf",
    ),
    *(
        Twin(
            f"{name} step bound",
            _numeric_bound(name),
            step_bounds[name],
            fn.step_bound_fn(name),
            False,
            ("X", "mu"),
            "linreg.methods.Method",
        )
        for name in step_bounds
    ),
)
