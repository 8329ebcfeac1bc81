r"""The registry's relations about descent: stability, conditioning, the spectral form.

Part of `linreg.symbolic.relations` (which registers them with the rest): the fixed-step
methods' recurrences and stable steps, the best fixed step and what standardizing does,
and fixed-step descent in the Hessian's eigenbasis, with the questions' line search.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from linreg.symbolic import line, matrix, optimum
from linreg.symbolic import symbols as s
from linreg.symbolic.line import split_sums
from linreg.symbolic.printing import Label
from linreg.symbolic.relation import Relation, definition, identity
from linreg.symbolic.stability import recurrences, step_bounds

__all__ = ["DESCENT", "bound_at"]

N, m, b, x, k = s.N, s.m, s.b, s.x, s.i
eta, lam, mu = s.eta, s.lam, s.mu
lmax, lmin, kappa = s.lam_max, s.lam_min, s.kappa
#: The line as the registry's "line" definition writes it (used by the map back).
_LINE_RIGHT = m * sp.Symbol("x") + b
_solution = optimum.normal_equations_solution


def _label(tex: str) -> sp.Symbol:
    return Label(tex)


def _sum(body: Any) -> sp.Sum:
    return sp.Sum(body, (k, 1, N))


# --- stability of the fixed-step methods ------------------------------------------------------

_e, _k = sp.IndexedBase("e"), sp.Symbol("k", integer=True)
_a, _c = sp.symbols("a c", real=True)
_delta = sp.Symbol("delta", positive=True)  # λmax = (1 + δ) λmin: the larger eigenvalue
_gd_stable = definition(
    "gd-stable",
    sp.Abs(recurrences["gd"][0]),
    sp.Integer(1),
    "gd is stable along an eigenvector when its factor shrinks the error",
    op="<",
)
_recurrence = definition(
    "recurrence",
    _e[_k + 1],
    _a * _e[_k] - _c * _e[_k - 1],
    "the error along one eigenvector, from one step to the next",
)


def bound_at(method: str, top: Any) -> Any:
    return step_bounds[method].subs(lam, top)


def _step_error(method: str) -> Any:
    """The error after one step of ``method`` on the quadratic λ e²/2 along an
    eigenvector, from the update rule: its gradient at θ* + e is λ e."""
    now, before = _e[_k], _e[_k - 1]
    if method == "gd":
        return now - eta * lam * now
    if method == "momentum":
        return now - eta * lam * now + mu * (now - before)
    ahead = now + mu * (now - before)  # nesterov: the gradient at the look-ahead point
    return ahead - eta * lam * ahead


def _stability(method: str) -> list[Relation]:
    a, c = recurrences[method]
    bound = bound_at(method, lmax)
    return [
        identity(
            f"{method}-recurrence",
            (_e[_k + 1], a * _e[_k] - c * _e[_k - 1]),
            f"{method}'s update, one eigen-direction",
            uses=("recurrence",),
            claims=(_recurrence.sides[1].subs({_a: a, _c: c}) - _step_error(method),),
        ),
        Relation(
            f"{method}-stable-max",
            (eta, bound),
            ("<",),
            "condition",
            f"{method}'s stable steps: at the bound one root of the recurrence reaches -1",
            claims=((1 + a + c).subs({eta: bound, lam: lmax}),),
        ),
    ]


def _eigenvalue_claim() -> tuple[Any, ...]:
    """2 over the bound is an eigenvalue of the one-feature Hessian: det(H - λI) = 0 (the
    data's two sums as plain symbols, so sympy can simplify the square root)."""
    sums = {_sum(x[k] ** 2): sp.Symbol("S_xx"), _sum(x[k]): sp.Symbol("S_x")}
    hessian = line.mse_hessian_expr.applyfunc(split_sums).xreplace(sums)
    eigenvalue = (2 / line.learning_rate_bound_expr).xreplace(sums)
    return ((hessian - eigenvalue * sp.eye(2)).det(),)


_STABILITY = [
    _gd_stable,
    identity(
        "bound",
        (bound_at("gd", lmax), line.learning_rate_bound_expr),
        "the largest stable step for one feature, from the Hessian's eigenvalues in closed form",
        claims=_eigenvalue_claim,
    ),
    Relation(
        "gd-step-range",
        (sp.Integer(0), eta, step_bounds["gd"]),
        ("<", "<"),
        "condition",
        "the steps gd's factor shrinks along an eigenvector of eigenvalue λ",
        uses=("gd-stable",),
        claims=lambda: (
            sp.Eq(
                sp.solveset(sp.StrictLessThan(*_gd_stable.sides), eta, sp.S.Reals),
                sp.Interval.open(0, step_bounds["gd"]),
            ),
        ),
    ),
    _recurrence,
    *(r for method in recurrences for r in _stability(method)),
    Relation(
        "gd-stable-all",
        (eta, bound_at("gd", lmax)),
        ("<",),
        "condition",
        "stable along every eigenvector: the largest eigenvalue binds",
        uses=("gd-stable",),
        claims=lambda: (
            sp.Eq(
                sp.solveset(sp.StrictLessThan(*_gd_stable.sides).subs(lam, lmax), eta, sp.S.Reals),
                sp.Interval.open(0, bound_at("gd", lmax)),
            ),
            sp.StrictGreaterThan(bound_at("gd", lmin) - bound_at("gd", lmax), 0).subs(
                lmax, (1 + _delta) * lmin
            ),
        ),
    ),
]

# --- conditioning: the best fixed step, standardizing -----------------------------------------

_best = definition(
    "kappa", kappa, lmax / lmin, "the condition number: the Hessian's eigenvalues' ratio"
)
_best_step = identity(
    "best-step",
    (eta, 2 / (lmin + lmax)),
    "the fixed step whose factors on the steep and the flat direction are equal and opposite",
    claims=((1 - 2 / (lmin + lmax) * lmin) + (1 - 2 / (lmin + lmax) * lmax),),
)
_z = sp.Symbol("z")
_std_line = definition(
    "standardized-line", sp.Symbol("y"), s.w_z * _z + s.b_z, "the line in the standardized feature"
)
_CONDITIONING = [
    _best,
    _best_step,
    identity(
        "best-rate",
        (1 - eta * lmin, (kappa - 1) / (kappa + 1)),
        "what the best fixed step leaves of the error, each step",
        uses=("best-step", "kappa"),
    ),
    Relation(
        "iterations-estimate",
        (sp.Symbol("k"), kappa / 2 * sp.log(1 / s.epsilon)),
        ("≈",),
        "identity",
        "steps to shrink the error by ε at the best rate, for large κ",
        claims=lambda: (
            sp.limit(
                sp.log(s.epsilon)
                / sp.log((kappa - 1) / (kappa + 1))
                / (kappa / 2 * sp.log(1 / s.epsilon)),
                kappa,
                sp.oo,
            )
            - 1,
        ),
    ),
    definition("standardize", s.z[k], (x[k] - s.x_bar) / s.s_x, "the standardized feature"),
    definition(
        "spread",
        s.s_x,
        sp.Pow(s.C_xx / N, sp.Rational(1, 2), evaluate=False),
        "x's standard deviation (population)",
    ),
    identity(
        "sum-z",
        (_sum(s.z[k]), sp.Integer(0)),
        "standardized features sum to zero",
        uses=("standardize", "spread", "C_xx", "mean-x"),
    ),
    identity(
        "sum-z2",
        (_sum(s.z[k] ** 2), N),
        "and their squares to N",
        uses=("standardize", "spread", "C_xx", "mean-x"),
    ),
    identity(
        "standardized-hessian",
        (_label("H_z"), 2 * sp.eye(2)),
        "the Hessian in the standardized feature: round",
        uses=("sum-z", "sum-z2"),
        claims=(line.mse_hessian_expr.subs(x, s.z).applyfunc(split_sums) - 2 * sp.eye(2),),
    ),
    definition("auto-rate", eta, 1 / lmax, 'learning_rate="auto"'),
    identity(
        "one-step",
        (eta, 1 / lmax, sp.Rational(1, 2)),
        "the automatic step on the round bowl",
        uses=("auto-rate",),
        claims=(eta - 1 / lmax, 1 / max(sp.Matrix(2 * sp.eye(2)).eigenvals()) - sp.Rational(1, 2)),
    ),
    _std_line,
    *(
        identity(
            name,
            (left, right),
            says,
            uses=("line", "standardized-line"),
            claims=(
                sp.expand(
                    _std_line.sides[1].subs(_z, (sp.Symbol("x") - s.x_bar) / s.s_x)
                    - _LINE_RIGHT.subs({m: s.w_z / s.s_x, b: s.b_z - s.w_z / s.s_x * s.x_bar})
                ),
            ),
        )
        for name, left, right, says in (
            ("slope-back", m, s.w_z / s.s_x, "the slope in the data's units"),
            ("intercept-back", b, s.b_z - m * s.x_bar, "the intercept in the data's units"),
        )
    ),
]

# --- the spectral evaluation, the questions' methods ----------------------------------------

_H, _h = sp.MatrixSymbol("H", s.p + 1, s.p + 1), sp.MatrixSymbol("h", s.p + 1, 1)
_theta_k, _theta_next = (sp.MatrixSymbol(n, s.p + 1, 1) for n in (r"\theta_k", r"\theta_{k+1}"))
_rho, _q = sp.Symbol("rho", real=True), sp.Symbol("q", real=True)
_zk, _j = sp.IndexedBase("z"), sp.Symbol("j", integer=True)
_s = sp.IndexedBase("s")


def _geometric(n: Any) -> Any:
    return sp.Sum(_rho**_j, (_j, 0, n - 1))


def _closed(n: Any, sums: bool = False) -> Any:
    """z_n in closed form: with s_n as a symbol to print, or as its sum to prove."""
    return _rho**n * _zk[0] + eta * (_geometric(n) if sums else _s[n]) * _q


def _steepest_claim() -> tuple[Any, ...]:
    """For the line (two parameters): along -g, with g = H e the gradient at the error e,
    the loss's derivative in the step vanishes at gᵀg / gᵀHg."""
    h11, h12, h22, e1, e2, step = sp.symbols("h11 h12 h22 e1 e2 t", real=True)
    hessian = sp.Matrix([[h11, h12], [h12, h22]])
    error = sp.Matrix([e1, e2])
    gradient = hessian * error
    loss = ((error - step * gradient).T * hessian * (error - step * gradient))[0] / 2
    best = (gradient.T * gradient)[0] / (gradient.T * hessian * gradient)[0]
    return (sp.diff(loss, step).subs(step, best),)


_g = sp.MatrixSymbol("g_k", s.p + 1, 1)
_SPECTRAL = [
    definition(
        "hessian-matrix", _H, 2 / N * s.Z.T * s.Z, "the Hessian, for any number of features"
    ),
    definition("constant-part", _h, 2 / N * s.Z.T * s.y_vector, "the gradient's constant part"),
    identity(
        "gradient-affine",
        (_label(r"\nabla_\theta E"), _H * s.theta - _h),
        "the gradient is affine in θ",
        uses=("hessian-matrix", "constant-part"),
        claims=(matrix.mse_matrix_gradient - (_H * s.theta - _h),),
    ),
    definition(
        "gd-step-affine",
        _theta_next,
        _theta_k - eta * (_H * _theta_k - _h),
        "gd's step on the affine gradient",
    ),
    definition("step-factor", _rho, recurrences["gd"][0], "gd's factor per step, one eigenvalue"),
    identity(
        "eigen-step",
        (_zk[_k + 1], _rho * _zk[_k] + eta * _q),
        "gd's step along one eigenvector of H (coordinate z of θ, q of h, eigenvalue λ)",
        uses=("gd-step-affine", "step-factor"),
        # gd-step-affine with H, θ_k and h replaced by their coordinates λ, z_k and q
        claims=((_zk[_k] - eta * (lam * _zk[_k] - _q)) - (_rho * _zk[_k] + eta * _q),),
    ),
    definition("geometric-sum", _s[_k], _geometric(_k), "the sum of the factor's powers"),
    identity(
        "eigen-closed-form",
        (_zk[_k], _closed(_k)),
        "every iterate at once: the closed form solves the step, from z_0",
        uses=("geometric-sum",),
        claims=(
            _closed(_k + 1, sums=True) - (_rho * _closed(_k, sums=True) + eta * _q),
            _closed(0, sums=True) - _zk[0],
        ),
    ),
    identity(
        "steepest-step",
        (sp.Symbol("eta_k"), (_g.T * _g) / (_g.T * _H * _g)),
        "the exact line search's step along the gradient (proved for the line's two parameters)",
        claims=_steepest_claim,
    ),
    Relation(
        "gd-diverges",
        (eta, bound_at("gd", lmax)),
        (">",),
        "condition",
        "past the bound the steep factor is below -1: every step overshoots further",
        claims=lambda: (
            sp.Eq(
                sp.solveset(recurrences["gd"][0].subs(lam, lmax) < -1, eta, sp.S.Reals),
                sp.Interval.open(bound_at("gd", lmax), sp.oo),
            ),
        ),
    ),
    identity(
        "error-from-gradient",
        (
            sp.MatrixSymbol("theta", 2, 1) - sp.MatrixSymbol("theta^*", 2, 1),
            sp.MatrixSymbol("H", 2, 2).I * sp.MatrixSymbol(r"\nabla E", 2, 1),
        ),
        "the error of the line from its gradient (for the line: relation certificate)",
        claims=(optimum.certificate_expr - sp.Matrix([m - _solution[m], b - _solution[b]]),),
    ),
]

#: Every relation of this module, in the order the registry lists them.
DESCENT: list[Relation] = [*_STABILITY, *_CONDITIONING, *_SPECTRAL]
