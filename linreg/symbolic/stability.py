r"""Stability of the fixed-step methods, from their recurrences (Jury's conditions).

Along an eigenvector of the Hessian with eigenvalue $\lambda$, the error of gd, heavy-ball
momentum and Nesterov's method follows $e_{k+1} = a\,e_k - c\,e_{k-1}$; sympy solves the
binding Jury condition for the largest stable step $\eta$.
"""

from __future__ import annotations

import sympy as sp

from linreg.symbolic.printing import latex
from linreg.symbolic.symbols import eta, lam, mu

__all__ = ["recurrences", "stability_condition", "step_bound_latex", "step_bounds"]


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


def step_bound_latex(method: str, *, inline: bool = True) -> str:
    r"""The step bound of a fixed-step method in terms of $\lambda_{\max}$, as LaTeX
    (for a sentence; ``inline=False`` for a display formula).

    Examples
    --------
    >>> step_bound_latex("momentum")
    '2 \\left(\\mu + 1\\right)/\\lambda_{\\max}'
    """
    top = sp.Symbol(r"\lambda_{\max}", positive=True)
    return latex(step_bounds[method].subs(lam, top), inline=inline)


def stability_condition(method: str) -> sp.Expr:
    r"""The stability condition of a fixed-step method, as a sympy relation in $\eta$.

    Examples
    --------
    >>> latex(stability_condition("gd"), inline=True)
    '\\eta < 2/\\lambda'
    """
    return sp.StrictLessThan(eta, step_bounds[method])
