"""The registry of twins: each numeric function agrees with what sympy derived."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import linreg
from linreg import symbolic

RNG = np.random.default_rng(20151123)


def _problem(n_features: int, n_samples: int = 25):
    X = RNG.normal(3.0, 2.0, size=(n_samples, n_features))
    y = RNG.normal(size=n_samples) + X.sum(axis=1)
    return X, y, RNG.normal(size=n_features), float(RNG.normal())


CASES = [
    pytest.param(twin, n, id=f"{twin.name}-{n}")
    for twin in symbolic.TWINS
    for n in ([1] if twin.one_feature else [1, 2, 5])  # the sum form is the one-feature line
]


ALPHA, MU = 0.7, 0.9  # a ridge strength and a momentum, both O(1)


def _arguments(twin, X, y, w, b):
    # per-sample weights, O(1) and uneven (0.5 to 2): integer-free, so no row repeats
    weights = np.linspace(0.5, 2.0, len(X))
    values = {"X": X, "y": y, "w": w, "b": b, "alpha": ALPHA, "mu": MU, "sample_weight": weights}
    return tuple(values[name] for name in twin.args)


@pytest.mark.parametrize("twin, n_features", CASES)
def test_twin_agrees(twin, n_features):
    X, y, w, b = _problem(n_features)
    args = _arguments(twin, X, y, w, b)
    numeric, derived = twin.numeric(*args), twin.symbolic(*args)
    if isinstance(numeric, tuple):
        numeric, derived = np.append(*numeric), np.append(*derived)
    # Same sums in another order: rounding only (values here are O(1)–O(100), 25 terms).
    np.testing.assert_allclose(derived, numeric, rtol=1e-12, atol=1e-12)
    assert twin.latex and "\\" in twin.latex


def test_derivatives_are_sympys_own():
    """The partials are sympy.diff of the loss, not typed in: recompute and compare."""
    assert sp.simplify(symbolic.mse_partials[0] - sp.diff(symbolic.mse_expr, symbolic.m)) == 0
    # And they equal the textbook form: ∂E/∂m = −(2/N) Σ x (y − (m x + b)).
    x, y, i, N, m, b = (symbolic.x, symbolic.y, symbolic.i, symbolic.N, symbolic.m, symbolic.b)
    textbook = -2 / N * sp.Sum(x[i] * (y[i] - (m * x[i] + b)), (i, 1, N))
    assert sp.simplify((symbolic.mse_partials[0] - textbook).doit()) == 0
    assert symbolic.mse_hessian_expr[1, 1] == 2


def test_matrix_form_is_the_issue_s():
    Z, theta = symbolic.Z, symbolic.theta
    expected = (2 / symbolic.N) * Z.T * Z
    assert sp.simplify(symbolic.mse_matrix_hessian - expected) == sp.ZeroMatrix(*expected.shape)
    # The textbook form of ∇_w E, sympy's own expression printed in textbook order.
    assert r"X^{\top} \left(X w + b \mathbf{1} - y\right)" in symbolic.latex(
        symbolic.mse_matrix_gradient_w
    )
    assert theta.shape[0] == Z.shape[1]


def test_bound_formula_matches_numpy_eigenvalues(X):
    lam = np.linalg.eigvalsh(
        2 / len(X) * np.array([[X[:, 0] @ X[:, 0], X.sum()], [X.sum(), len(X)]])
    )
    assert symbolic.learning_rate_bound(X) == pytest.approx(2 / lam[-1], rel=1e-13)
    X2 = RNG.normal(size=(30, 3))
    lam2 = np.linalg.eigvalsh(
        2 / 30 * np.column_stack([X2, np.ones(30)]).T @ np.column_stack([X2, np.ones(30)])
    )
    assert symbolic.learning_rate_bound(X2) == pytest.approx(2 / lam2[-1], rel=1e-13)


def test_only_symbolic_imports_sympy():
    package = Path(linreg.__file__).parent
    for module in package.rglob("*.py"):
        tree = ast.parse(module.read_text())
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in (
                node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")]
            )
        }
        if module.parent.name != "symbolic":
            assert "sympy" not in imported, f"{module.name} imports sympy"


def test_certificate_is_the_distance_to_the_optimum():
    """sympy's H⁻¹∇E equals θ − θ*, and ½∇ᵀH⁻¹∇ equals E − E*, identically."""
    m, b, alpha = symbolic.m, symbolic.b, symbolic.alpha
    best = symbolic.normal_equations_solution
    difference = [m - best[m], b - best[b]]
    for derived, expected in zip(symbolic.certificate_expr, difference):
        assert sp.simplify(derived - expected) == 0
    gap = symbolic.ridge_in_moments - symbolic.minimum_expr
    assert sp.simplify(symbolic.loss_gap_expr - gap) == 0
    # Without ridge the solution is the textbook closed form in the moments.
    assert sp.simplify(symbolic.closed_form[m] - symbolic.C_xy / symbolic.C_xx) == 0
    assert alpha not in symbolic.closed_form[b].free_symbols


def test_normal_equations_come_from_the_gradient():
    left, right = symbolic.normal_equations
    Z, theta = symbolic.Z, symbolic.theta
    assert sp.simplify(left - Z.T * Z * theta) == sp.ZeroMatrix(*theta.shape)
    assert r"Z^{\top} y" in symbolic.latex(right)
    ridge_left, _ = symbolic.ridge_normal_equations
    assert symbolic.alpha in ridge_left.free_symbols and symbolic.P in ridge_left.free_symbols


def test_gaussian_likelihood_is_the_mse_in_disguise():
    """−ln L = (N/2) ln(2πσ²) + N/(2σ²)·E, and the best σ² is E itself."""
    split = symbolic.split_sums
    assert (
        sp.simplify(split(symbolic.likelihood_in_mse) - split(symbolic.negative_log_likelihood))
        == 0
    )
    assert sp.simplify(split(symbolic.sigma_squared_mle) - split(symbolic.mse_expr)) == 0


def test_step_bounds_from_the_recurrences():
    eta, mu, lam = symbolic.eta, symbolic.mu, symbolic.lam
    assert sp.simplify(symbolic.step_bounds["gd"] - 2 / lam) == 0
    assert sp.simplify(symbolic.step_bounds["momentum"] - 2 * (1 + mu) / lam) == 0
    # Just inside each bound the recurrence's roots are inside the unit circle; just
    # outside, one root leaves it (checked numerically at λ = 1, μ = 0.9).
    for name, (a, c) in symbolic.recurrences.items():
        edge = float(symbolic.step_bounds[name].subs({mu: 0.9, lam: 1}))
        for factor, inside in ((0.999, True), (1.001, False)):
            values = {eta: edge * factor, mu: 0.9, lam: 1}
            roots = np.roots([1.0, -float(a.subs(values)), float(c.subs(values))])
            assert (np.max(np.abs(roots)) < 1) == inside, (name, factor)


@pytest.mark.parametrize("twin", symbolic.TWINS, ids=lambda twin: twin.name)
def test_twins_refuse_data_too_large_for_float64(twin):
    """X·1e200: squares overflow. Both sides raise InputError, never inf, NaN or a warning."""
    X, y, w, b = _problem(1)
    args = _arguments(twin, X * 1e200, y * 1e200, w, b)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for side in (twin.numeric, twin.symbolic):
            with pytest.raises(linreg.InputError, match="too large"):
                side(*args)


# --- the printer: a textbook's order, and the same mathematics ------------------------------------

from linreg.symbolic.printing import latex, textbook_form  # noqa: E402
from linreg.symbolic.relation import _vanishes  # noqa: E402


@pytest.mark.parametrize(
    "expr, inline, expected",
    [
        # the residual: y first, the prediction in one bracket
        (
            symbolic.mse_expr,
            False,
            r"\dfrac{1}{N} \sum_{i=1}^{N} \left(y_{i} - \left(m x_{i} + b\right)\right)^{2}",
        ),
        # the constant in front of its sum, the data before the bracket
        (
            symbolic.mse_partials[0],
            False,
            r"- \dfrac{2}{N} \sum_{i=1}^{N} x_{i} \left(y_{i} - \left(m x_{i} + b\right)\right)",
        ),
        # 1 - ηλ, not -ηλ + 1
        (symbolic.recurrences["gd"][0], True, r"1 - \eta \lambda"),
        # the column of ones, the transpose, the minus sign inside the bracket
        (
            symbolic.mse_matrix_gradient_w,
            True,
            r"\left(2/N\right) X^{\top} \left(X w + b \mathbf{1} - y\right)",
        ),
        # μ + 1 and κ + 1 in a textbook's order; an inline fraction folded
        (symbolic.step_bounds["momentum"], True, r"2 \left(\mu + 1\right)/\lambda"),
        (symbolic.closed_form[symbolic.b], True, r"\bar{y} - C_{xy} \bar{x}/C_{xx}"),
    ],
)
def test_printer_writes_textbook_order(expr, inline, expected):
    assert latex(expr, inline=inline) == expected


def _printed_expressions():
    for twin in symbolic.TWINS:
        parts = twin.expr.values() if isinstance(twin.expr, dict) else twin.expr
        yield from (parts if isinstance(parts, (tuple, type({}.values()))) else [parts])
    for relation in symbolic.RELATIONS.values():
        yield from relation.sides


@pytest.mark.parametrize("expr", list(_printed_expressions()), ids=str)
def test_textbook_form_is_the_same_expression(expr):
    """The printer only rearranges: constants out of sums, signs into brackets."""
    if isinstance(expr, sp.MatrixBase):
        assert all(_vanishes(textbook_form(e) - e) for e in expr)
    elif isinstance(expr, sp.MatrixExpr):
        assert _vanishes(textbook_form(expr) - expr)
    else:
        assert _vanishes(sp.sympify(textbook_form(expr)) - expr)


def test_display_fractions_are_full_size_and_inline_ones_fold():
    """KaTeX sets a fraction inside a fraction, a matrix or a sentence a size smaller, and
    a subscript inside that smaller again: display formulas use \\dfrac everywhere, and
    an inline formula writes a/b."""
    display, inline = (
        latex(symbolic.mse_hessian_expr),
        latex(symbolic.mse_hessian_expr, inline=True),
    )
    assert r"\frac{" not in display and r"\dfrac{" in display
    assert r"\frac" not in inline and r"\dfrac" not in inline and "2/N" in inline
    assert r"\quad" in display  # room between the Hessian's columns
