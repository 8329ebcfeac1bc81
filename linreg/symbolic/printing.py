"""LaTeX for the expressions, as the docs print them."""

from __future__ import annotations

from typing import Any

import sympy as sp

__all__ = ["latex"]


def latex(expr: Any) -> str:
    r"""LaTeX for one of this package's expressions, as the docs print it.

    Examples
    --------
    >>> from linreg.symbolic import mse_expr
    >>> latex(mse_expr)
    '\\frac{\\sum_{i=1}^{N} \\left(- b - m {x}_{i} + {y}_{i}\\right)^{2}}{N}'
    """
    return str(sp.latex(expr))
