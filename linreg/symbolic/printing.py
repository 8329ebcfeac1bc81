r"""LaTeX for the expressions, as the docs print them: in a textbook's order.

sympy prints terms in its own canonical order ($-b - m x_i + y_i$, $-\eta\lambda + 1$,
$b\,1$); a reader expects $y_i - (m x_i + b)$, $1 - \eta\lambda$ and $b\mathbf{1}$.
`TextbookPrinter` changes the printing only, never the mathematics:

- terms: positive terms first; in each sign, those without a parameter (data,
  constants) first, then those with the slope ($m$, $w$, $\theta$), then the intercept,
  a number last ($\kappa + 1$, $1 - \eta\lambda$); one positive term followed by several
  negative ones is written $a - (b + c)$; an index reads $k + 1$;
- products: a number or fraction first, then symbols in the order of their letters
  ($\eta\lambda_{\min}$, $m\bar x$), then brackets and sums, so a constant stands in
  front of the sum it multiplies ($-\frac{2}{N}\sum x_i(\dots)$) and a factor in front
  of the error it multiplies ($(1 - \eta\lambda)e_k$); a negative matrix product is
  written with its bracket's signs flipped ($\frac{2}{N}X^\top(Xw + b\mathbf{1} - y)$);
  an absolute value as $|1 - \eta\lambda|$;
- $\ln$ for the natural logarithm, $^\top$ for the transpose, $\mathbf{1}$ for the
  column of ones, $\partial E/\partial m$ for a derivative of a named function;
- size: a display formula uses full-size fractions (display style) everywhere, so no glyph
  is smaller than a first-level subscript; an inline formula folds a short fraction to
  $a/b$ for the same reason.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter

__all__ = ["Label", "Norm", "TextbookPrinter", "latex", "textbook_form"]


class Label(sp.Symbol):  # type: ignore[misc]  # sympy is untyped
    r"""A symbol whose name is its conventional notation, printed as it is: $H$,
    $\nabla_\theta E$, $-\ln L$ (a name, never an expression to be derived)."""

    def _latex(self, printer: Any) -> str:
        return str(self.name)


class Norm(sp.Function):  # type: ignore[misc]
    r"""The Euclidean norm $\lVert v\rVert$ of a vector, for printing and for claims
    about lengths (it is never negative)."""

    is_nonnegative = True
    is_real = True

    def _latex(self, printer: Any, exp: Any = None) -> str:
        tex = rf"\lVert {printer._print(self.args[0])} \rVert"
        return tex if exp is None else f"{tex}^{{{exp}}}"


#: The parameters, in the order a textbook writes their terms; the intercept comes last.
_SLOPES = ("m", "w", "theta", r"\theta", "m^*", "w^*", "w_z")
_INTERCEPTS = ("b", "b^*", "b_z")


def _names(term: Any) -> set[str]:
    return {str(getattr(s, "name", s)) for s in term.free_symbols}


def _group(term: Any) -> int:
    """0: data and constants; 1: a term with the slope; 2: a term with the intercept
    only; 3: the noise (m x_i + b + ε_i)."""
    names = _names(term)
    if any("varepsilon" in name for name in names):
        return 3
    if names & set(_SLOPES):
        return 1
    return 2 if names & set(_INTERCEPTS) else 0


def _sign(term: Any) -> bool:
    """Whether a term prints with a minus sign in front (for a matrix product: whether
    its scalar coefficient does)."""
    if isinstance(term, sp.MatMul):
        return bool(term.as_coeff_matrices()[0].could_extract_minus_sign())
    return bool(term.could_extract_minus_sign())


def _order(terms: list[Any]) -> list[Any]:
    """Positive before negative; in each, data first, then the slope's terms, then the
    intercept's."""
    return sorted(
        terms,
        key=lambda t: (
            _sign(t),
            _group(t),
            t.is_number,  # κ + 1, μ + 1; a positive 1 still leads 1 - ηλ (sign first)
            len(sp.Mul.make_args(t)),  # E(m, b) + α m², C_xx + N α: the bare term first
            sp.default_sort_key(t),
        ),
    )


def _residual_sign(add: Any) -> int:
    """-1 when an Add reads better negated: its data terms are all negative and its
    parameter terms all positive (``b + m x - y`` is ``-(y - (m x + b))``)."""
    terms = sp.Add.make_args(add)
    data = [t for t in terms if _group(t) == 0]
    rest = [t for t in terms if _group(t) != 0]
    if data and rest and all(_sign(t) for t in data) and not any(_sign(t) for t in rest):
        return -1
    return 1


def _pull_constants(total: sp.Sum) -> Any:
    """A number in front of a sum: Σ 2x² → 2 Σ x², Σ (2b + 2mx − 2y) → −2 Σ (y − (mx + b))."""
    body = sp.factor_terms(total.function)
    coefficient, rest = body.as_coeff_Mul()
    if isinstance(rest, sp.Add) and _residual_sign(rest) < 0:
        coefficient, rest = -coefficient, -rest
    if coefficient == 1:
        return total
    return sp.Mul(coefficient, sp.Sum(rest, *total.limits), evaluate=False)


def _flip_matrix_sign(product: sp.MatMul) -> Any:
    """-c A (y - Z θ) → c A (Z θ - y): the sign goes into the bracket."""
    coefficient, factors = product.as_coeff_matrices()
    brackets = [k for k, f in enumerate(factors) if isinstance(f, sp.MatAdd)]
    if not (coefficient.could_extract_minus_sign() and len(brackets) == 1):
        return product
    k = brackets[0]
    flipped = sp.MatAdd(*[-term for term in factors[k].args])
    return sp.MatMul(-coefficient, *factors[:k], flipped, *factors[k + 1 :], evaluate=False)


def textbook_form(expr: Any) -> Any:
    """The same expression, arranged for printing (numbers out of sums, signs into
    matrix brackets); equal to ``expr`` (the tests check it)."""
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(textbook_form)
    if not isinstance(expr, sp.Basic):
        return expr
    expr = expr.replace(lambda e: isinstance(e, sp.Sum), _pull_constants)
    return expr.replace(lambda e: isinstance(e, sp.MatMul), _flip_matrix_sign)


class TextbookPrinter(LatexPrinter):  # type: ignore[misc]
    """sympy's LaTeX printer with a textbook's term order and notation."""

    def __init__(self, inline: bool = False) -> None:
        super().__init__({"ln_notation": True, "fold_short_frac": inline})
        self.inline = inline

    def _print_Add(self, expr: Any, order: Any = None) -> str:  # noqa: N802
        terms = _order(list(sp.Add.make_args(expr)))
        positive = [t for t in terms if not _sign(t)]
        if len(positive) == 1 and terms[0] is positive[0] and len(terms) >= 3:
            rest = sp.Add(*[-t for t in terms[1:]], evaluate=False)
            return rf"{self._term(terms[0])} - \left({self._print_Add(rest)}\right)"
        tex = self._term(terms[0])
        for term in terms[1:]:
            tex += rf" - {self._term(-term)}" if _sign(term) else rf" + {self._term(term)}"
        return tex

    def _term(self, term: Any) -> str:
        tex = self._print(term)
        return rf"\left({tex}\right)" if self._needs_add_brackets(term) else tex

    def _print_Mul(self, expr: Any) -> str:  # noqa: N802 (sympy's names)
        if not isinstance(expr, sp.Mul):  # sympy prints 1/x through here
            return str(super()._print_Mul(expr))
        heavy = [f for f in expr.args if _heavy(f)]
        numerator, denominator = _fraction(expr)
        in_front = bool(heavy) and len(heavy) < len(expr.args)
        if in_front and any(isinstance(f, (sp.Sum, AppliedUndef)) for f in heavy):
            return self._coefficient_first(expr, heavy)  # -2/N in front of its sum
        if self.inline and denominator != 1:
            top = self._print(numerator)
            if isinstance(numerator, sp.Add):
                top = rf"\left({top}\right)"
            return f"{top}/{self._wrapped(denominator)}"
        if in_front and denominator == 1:
            return self._coefficient_first(expr, heavy)  # 2 x_i (y_i - ...)
        ordered = sp.Mul(*sorted(expr.args, key=_factor_key), evaluate=False)
        self._settings["order"] = "none"  # print the factors in the order given
        try:
            return str(super()._print_Mul(ordered))
        finally:
            self._settings["order"] = None

    def _coefficient_first(self, expr: Any, heavy: list[Any]) -> str:
        light = [f for f in expr.args if not _heavy(f)]
        indexed = [f for f in light if f.has(sp.Indexed)]
        coefficient = sp.Mul(*[f for f in light if not f.has(sp.Indexed)])
        sign = ""
        if coefficient.could_extract_minus_sign():
            sign, coefficient = "- ", -coefficient
        front = "" if coefficient == 1 else self._print(coefficient)
        top, bottom = _fraction(coefficient)
        if self.inline and bottom != 1:  # 1/(n - k), not a \frac, inside a sentence
            front = f"{self._print(top)}/{self._wrapped(bottom)}"
        if self.inline and "/" in front:
            front = rf"\left({front}\right)"
        brackets = [
            rf"\left({self._print(f)}\right)" if isinstance(f, sp.Add) else self._print(f)
            for f in sorted(heavy, key=lambda f: isinstance(f, (sp.Sum, AppliedUndef)))
        ]
        points = [self._print(f) for f in indexed]
        # x_i (y_i - ...) multiplies data by data; (1 - ηλ) e_k is a factor on an error
        data_first = any(f.has(sp.Indexed) for f in heavy)
        middle = [*points, *brackets] if data_first else [*brackets, *points]
        return f"{sign}{' '.join(p for p in [front, *middle] if p)}"

    def _print_MatMul(self, expr: Any) -> str:  # noqa: N802 (sympy's names)
        coefficient, matrices = expr.as_coeff_matrices()
        last = matrices[-1] if matrices else None
        if isinstance(last, sp.Inverse) and last.shape == (1, 1) and len(matrices) > 1:
            # a 1×1 denominator (gᵀg / gᵀHg) is a number: print a fraction
            front = matrices[:-1] if coefficient == 1 else [coefficient, *matrices[:-1]]
            top = self._print(sp.MatMul(*front))
            bottom = self._print(last.arg)
            return (
                rf"{top}/\left({bottom}\right)" if self.inline else rf"\frac{{{top}}}{{{bottom}}}"
            )
        if coefficient in (1, -1) or _sign(expr):
            return str(super()._print_MatMul(expr))
        front = self._print(coefficient)
        if self.inline and "/" in front:  # (2/N) X^T ..., never 2/N X^T ...
            front = rf"\left({front}\right)"
        return " ".join([front, *(self.parenthesize(f, 50, False) for f in matrices)])

    def _print_Rational(self, expr: Any) -> str:  # noqa: N802 (sympy's names)
        if self.inline and expr.q != 1:
            return f"{'- ' if expr.p < 0 else ''}{abs(expr.p)}/{expr.q}"
        return str(super()._print_Rational(expr))

    def _wrapped(self, factor: Any) -> str:
        """A numerator or denominator of an inline fraction, bracketed when it must be."""
        tex = self._print(factor)
        return rf"\left({tex}\right)" if isinstance(factor, (sp.Add, sp.Mul)) else tex

    def _print_MatrixBase(self, expr: Any) -> str:  # noqa: N802 (sympy's names)
        # A quad between the columns and room between the rows: the entries are
        # full-size fractions of sums, which would otherwise touch.
        rows = [
            " & ".join(("" if j == 0 else r"\quad ") + self._print(e) for j, e in enumerate(row))
            for row in expr.tolist()
        ]
        return r"\begin{bmatrix}" + r" \\[0.6em] ".join(rows) + r"\end{bmatrix}"

    def _print_Indexed(self, expr: Any) -> str:  # noqa: N802 (sympy's names)
        return f"{self._print(expr.base)}_{{{','.join(map(self._index, expr.indices))}}}"

    def _index(self, index: Any) -> str:
        """An index as a subscript: k + 1, k - 1 (the number last)."""
        if not isinstance(index, sp.Add):
            return str(self._print(index))
        number, rest = index.as_coeff_Add()
        tail = "" if number == 0 else f" {'-' if number < 0 else '+'} {abs(number)}"
        return f"{self._print(rest)}{tail}"

    def _print_Abs(self, expr: Any, exp: Any = None) -> str:  # noqa: N802
        inner = expr.args[0]
        if isinstance(inner, sp.Add) and any(t.is_number and t < 0 for t in inner.args):
            inner = -inner  # |ηλ - 1| reads |1 - ηλ|
        tex = rf"\left|{self._print(inner)}\right|"
        return tex if exp is None else f"{tex}^{{{exp}}}"

    def _print_Transpose(self, expr: Any) -> str:  # noqa: N802 (sympy's names)
        return str(super()._print_Transpose(expr)).replace("^{T}", r"^{\top}")

    def _print_OneMatrix(self, expr: Any) -> str:  # noqa: N802 (sympy's names)
        return r"\mathbf{1}"

    def _print_Derivative(self, expr: Any) -> str:  # noqa: N802 (sympy's names)
        if isinstance(expr.expr, AppliedUndef) and len(expr.variables) == 1:
            name, (var,) = self._print(expr.expr.func), expr.variables
            if self.inline:
                return rf"\partial {name}/\partial {self._print(var)}"
            return rf"\frac{{\partial {name}}}{{\partial {self._print(var)}}}"
        return str(super()._print_Derivative(expr))

    def _print_Function(self, expr: Any, exp: Any = None) -> str:  # noqa: N802
        if isinstance(expr, AppliedUndef):
            arguments = ", ".join(self._print(a) for a in expr.args)
            return f"{self._print(expr.func)}({arguments})"  # E(m, b): no \left, no gap
        return str(super()._print_Function(expr, exp))

    def _print_UndefinedFunction(self, expr: Any) -> str:  # noqa: N802 (sympy's names)
        return str(expr.__name__)


def _factor_key(factor: Any) -> tuple[Any, ...]:
    """Numbers first, then symbols by their letter (η before λ_min, m before x̄)."""
    name = str(getattr(factor, "name", getattr(getattr(factor, "base", None), "name", "")))
    letter = name.replace("\\", "")
    for decoration in ("bar{", "hat{", "tilde{", "mathrm{"):
        letter = letter.replace(decoration, "")
    indexed = factor.has(sp.Indexed)  # μ e_{k-1}: the point's value after its coefficient
    return (
        not factor.is_Rational,
        indexed,
        not name,
        letter.lstrip("{"),
        sp.default_sort_key(factor),
    )


def _heavy(factor: Any) -> bool:
    """A factor printed after the coefficient: a sum, a bracket, a power of a bracket."""
    if isinstance(factor, sp.Pow):
        return factor.exp.is_positive is True and _heavy(factor.base)
    return isinstance(factor, (sp.Sum, sp.Add, AppliedUndef))


def _fraction(expr: Any) -> tuple[Any, Any]:
    """(numerator, denominator) of a product, neither expanded: 2(1 + μ)/λ stays so."""
    top, bottom = [], []
    for factor in sp.Mul.make_args(expr):
        if factor.is_Rational and factor.q != 1:
            top += [] if factor.p == 1 else [sp.Integer(factor.p)]
            bottom.append(sp.Integer(factor.q))
        elif factor.is_Pow and factor.exp.is_negative:
            bottom.append(factor.base ** (-factor.exp))
        else:
            top.append(factor)
    return sp.Mul(*top, evaluate=False), sp.Mul(*bottom, evaluate=False)


def latex(expr: Any, *, inline: bool = False) -> str:
    r"""LaTeX for one of this package's expressions, as the docs print it.

    Parameters
    ----------
    expr : sympy expression, matrix or relation
    inline : bool
        For a formula inside a sentence: short fractions folded to $a/b$. Otherwise,
        for a display formula: every fraction full size (display style).

    Examples
    --------
    >>> from linreg.symbolic import mse_expr
    >>> latex(mse_expr)
    '\\dfrac{1}{N} \\sum_{i=1}^{N} \\left(y_{i} - \\left(m x_{i} + b\\right)\\right)^{2}'
    """
    tex = str(TextbookPrinter(inline).doprint(textbook_form(expr)))
    return tex if inline else tex.replace(r"\frac{", r"\dfrac{")
