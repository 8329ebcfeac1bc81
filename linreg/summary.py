"""The fit's summary, laid out as statsmodels' ``OLS(...).fit().summary()``: text and HTML.

Three tables, as a statsmodels user knows them: the model and its tests (R², adjusted
R², F and its p-value, log-likelihood, AIC, BIC, the degrees of freedom), the
coefficients (estimate, standard error, t, two-sided p-value, confidence interval), and
a last one for what linreg alone reports (the condition number of the centred, scaled
columns; the estimated relative error of the weights). Every number is read from the
result and formatted as statsmodels formats it; statsmodels' Date and Time lines are
left out (they are not about the fit), and so are the residual diagnostics (Omnibus,
Durbin-Watson, Jarque-Bera: the result does not keep the residuals). A value that does
not exist prints as ``n/a``, with the reason in the notes below the tables.

Digits: R² to 3 decimals, F and AIC/BIC to 4 significant digits, p-values to 3
decimals (``0.000`` below 0.0005), coefficients to 4 decimals (4 significant digits
beyond 1e4 or below 1e-4): far fewer than the values carry, so none is printed with
more digits than it has. Exact mode's values are shown through their nearest float.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

__all__ = ["WIDTH", "Summary", "forg"]

#: The text's width in characters, statsmodels' own.
WIDTH = 78
_LEFT, _GAP = 37, 3
_NOTE = "Standard Errors assume that the covariance matrix of the errors is correctly specified."


def forg(x: Any, prec: int = 3) -> str:
    """statsmodels' number format: fixed ``prec`` decimals, or ``prec`` significant digits
    when |x| ≥ 1e4 or |x| < 1e-4 (``n/a`` for None).

    Examples
    --------
    >>> forg(1.32243102, 4), forg(5.459), forg(123456.0), forg(None)
    ('    1.3224', '    5.459', ' 1.23e+05', '      n/a')
    """
    if x is None:
        return f"{'n/a':>{6 + prec}}"
    value = float(x)
    width = 6 + prec
    if math.isfinite(value) and 1e-4 <= abs(value) < 1e4:
        return f"{value:{width}.{prec}f}"
    return f"{value:{width}.{prec}g}"


def _fixed(x: Any, spec: str) -> str:
    """``format(float(x), spec)``, or n/a for None."""
    return "n/a" if x is None else format(float(x), spec)


@dataclass(frozen=True)
class Summary:
    """The summary's tables as text cells; `as_text` and `as_html` lay them out.

    Attributes
    ----------
    title : str
    top : list of ((label, value), (label, value))
        The first table's rows, two label/value pairs each.
    header : list of str
        The coefficient table's column titles.
    rows : list of list of str
        One row per parameter: its name, then the formatted numbers.
    bottom : list of ((label, value), (label, value))
    notes : list of str
    """

    title: str
    top: list[tuple[tuple[str, str], tuple[str, str]]]
    header: list[str]
    rows: list[list[str]]
    bottom: list[tuple[tuple[str, str], tuple[str, str]]]
    notes: list[str]

    @classmethod
    def of(
        cls, fit: Any, yname: str | None = None, xname: Any = None, alpha: Any = 0.05
    ) -> Summary:
        """The summary of a `linreg.closed_form_result.LeastSquaresResult`."""
        names = _names(fit, xname)
        level = 1 - float(alpha)
        intervals = fit.conf_int(alpha)
        model = "OLS" if fit.weight_total is None else "WLS"
        top = [
            (("Dep. Variable:", yname or "y"), ("R-squared:", _fixed(fit.rsquared, "#.3f"))),
            (("Model:", model), ("Adj. R-squared:", _fixed(fit.rsquared_adj, "#.3f"))),
            (("Method:", "Least Squares"), ("F-statistic:", _fixed(fit.fvalue, "#.4g"))),
            (
                ("Arithmetic:", _arithmetic(fit)),
                ("Prob (F-statistic):", _fixed(fit.f_pvalue, "#.3g")),
            ),
            (("No. Observations:", str(fit.nobs)), ("Log-Likelihood:", _fixed(fit.llf, "#.5g"))),
            (("Df Residuals:", str(fit.df_resid)), ("AIC:", _fixed(fit.aic, "#.4g"))),
            (("Df Model:", str(fit.df_model)), ("BIC:", _fixed(fit.bic, "#.4g"))),
            (("Covariance Type:", "nonrobust"), ("", "")),
        ]
        low, high = f"{(1 - level) / 2:.3f}".rstrip("0"), f"{1 - (1 - level) / 2:.3f}".rstrip("0")
        header = ["coef", "std err", "t", "P>|t|", f"[{low}", f"{high}]"]
        rows = [[name, *_row(fit, j, intervals)] for j, name in enumerate(names)]
        bottom = [
            (("Cond. (centred, scaled):", _condition(fit)), ("Est. rel. error:", _error(fit))),
        ]
        notes = [_NOTE, *_reasons(fit)]
        return cls(f"{model} Regression Results", top, header, rows, bottom, notes)

    def as_text(self) -> str:
        """The tables as statsmodels prints them, 78 characters wide."""
        lines = [self.title.center(WIDTH).rstrip(), "=" * WIDTH]
        lines += [_pair_line(left, right) for left, right in self.top]
        lines += ["=" * WIDTH, _cells(["", *self.header], self._widths())]
        lines += ["-" * WIDTH, *(_cells(row, self._widths()) for row in self.rows)]
        lines += ["=" * WIDTH, *(_pair_line(left, right) for left, right in self.bottom)]
        lines += ["=" * WIDTH, "", "Notes:"]
        lines += [f"[{k}] {note}" for k, note in enumerate(self.notes, start=1)]
        return "\n".join(lines)

    def _widths(self) -> list[int]:
        stub = max(10, *(len(row[0]) + 1 for row in self.rows))
        return [stub, 11, 11, 11, 11, 12, 12]

    def as_html(self) -> str:
        """The tables as HTML (``<table class="simpletable">``, as statsmodels writes them)."""
        top = "".join(_html_pair(left, right) for left, right in self.top)
        head = "".join(f"<th>{html.escape(title)}</th>" for title in self.header)
        body = "".join(
            f"<tr><th>{html.escape(row[0])}</th>"
            + "".join(f"<td>{html.escape(cell.strip())}</td>" for cell in row[1:])
            + "</tr>"
            for row in self.rows
        )
        bottom = "".join(_html_pair(left, right) for left, right in self.bottom)
        notes = "<br/>".join(f"[{k}] {html.escape(n)}" for k, n in enumerate(self.notes, start=1))
        return (
            f'<table class="simpletable"><caption>{html.escape(self.title)}</caption>{top}</table>'
            f'<table class="simpletable"><tr><td></td>{head}</tr>{body}</table>'
            f'<table class="simpletable">{bottom}</table><br/>Notes:<br/>{notes}'
        )

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()


def _names(fit: Any, xname: Any) -> list[str]:
    """The parameters' names: const, x1, x2, … unless given (one per parameter, or per
    feature when there is an intercept)."""
    default = (["const"] if fit.fit_intercept else []) + [f"x{j + 1}" for j in range(fit.df_model)]
    if xname is None:
        return default
    names = [str(name) for name in xname]
    if fit.fit_intercept and len(names) == fit.df_model:
        names = ["const", *names]
    if len(names) != len(default):
        from linreg.errors import InputError

        raise InputError(f"xname has {len(names)} names; the fit has {len(default)} parameters")
    return names


def _row(fit: Any, j: int, intervals: Any) -> list[str]:
    """One parameter's cells: coef, std err, t, P>|t|, the interval's ends."""
    bse, t, p = fit.bse, fit.tvalues, fit.pvalues
    if fit.ssr_unresolved is not None:
        bse = None  # σ̂ is SSR's square root: no digit of it is known
    return [
        forg(fit.params[j], 4),
        forg(None if bse is None else bse[j]),
        forg(None if t is None else t[j]),
        f"{_fixed(None if p is None else p[j], '#6.3f'):>6}",
        forg(None if intervals is None else intervals[j][0]),
        forg(None if intervals is None else intervals[j][1]),
    ]


def _arithmetic(fit: Any) -> str:
    """How the fit was computed: in rationals, or in floats (from the data or `Moments`)."""
    return "exact" if fit.exact else "float64"


def _condition(fit: Any) -> str:
    """The condition number of the centred, scaled columns (not computed in exact mode)."""
    return "n/a" if math.isnan(fit.condition) else f"{fit.condition:#.3g}"


def _error(fit: Any) -> str:
    """The weights' estimated relative error: 0 in exact mode."""
    return "0" if fit.exact else f"{fit.error_estimate:.1e}"


def _reasons(fit: Any) -> list[str]:
    """The notes that say why a value is n/a (each reason once)."""
    reasons: list[str] = []
    for name in ("tvalues", "fvalue", "llf", "rsquared_adj"):
        reason = fit.why_none(name)
        if reason is not None:
            sentence = reason[0].upper() + reason[1:] + "."
            reasons += [] if sentence in reasons else [sentence]
    return reasons


def _pair_line(left: tuple[str, str], right: tuple[str, str]) -> str:
    """'Label:      value   Label:      value', 37 + 3 + 38 characters."""
    first = f"{left[0]:<{_LEFT - len(left[1])}}{left[1]}" if left[0] else " " * _LEFT
    right_width = WIDTH - _LEFT - _GAP
    second = f"{right[0]:<{right_width - len(right[1])}}{right[1]}" if right[0] else ""
    return (first + " " * _GAP + second).rstrip()


def _cells(cells: list[str], widths: list[int]) -> str:
    """A row of the coefficient table: the name left-aligned, the numbers right-aligned."""
    stub, rest = cells[0], cells[1:]
    return f"{stub:<{widths[0]}}" + "".join(
        f"{cell.strip():>{width}}" for cell, width in zip(rest, widths[1:])
    )


def _html_pair(left: tuple[str, str], right: tuple[str, str]) -> str:
    cells = "".join(
        f"<th>{html.escape(label)}</th><td>{html.escape(value)}</td>"
        for label, value in (left, right)
    )
    return f"<tr>{cells}</tr>"
