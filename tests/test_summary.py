"""summary(): statsmodels' layout, every number read back and found in the result."""

from __future__ import annotations

import html.parser
import re

import numpy as np
import pytest

from linreg.solve import least_squares

TOP = {  # label -> the result's attribute
    "R-squared:": "rsquared",
    "Adj. R-squared:": "rsquared_adj",
    "F-statistic:": "fvalue",
    "Prob (F-statistic):": "f_pvalue",
    "Log-Likelihood:": "llf",
    "AIC:": "aic",
    "BIC:": "bic",
    "No. Observations:": "nobs",
    "Df Residuals:": "df_resid",
    "Df Model:": "df_model",
}


def parse_text(text: str) -> tuple[dict[str, str], list[list[str]]]:
    """The label: value pairs of the first table, and the coefficient rows' cells."""
    blocks = text.split("=" * 78)
    pairs: dict[str, str] = {}
    for line in blocks[1].strip("\n").splitlines():
        for label, value in re.findall(r"([A-Z][\w. ()-]*:)\s+(\S+(?: \S+)?)(?=\s{2,}|$)", line):
            pairs[label] = value
    table = blocks[2].strip("\n").splitlines()
    header, rows = table[0].split(), [line.split() for line in table[2:]]
    assert header == ["coef", "std", "err", "t", "P>|t|", "[0.025", "0.975]"]
    return pairs, rows


def agrees(shown: str, value) -> bool:
    """``shown`` is ``value`` rounded to the digits shown (n/a for None)."""
    if value is None:
        return shown == "n/a"
    if shown in ("inf", "-inf"):
        return float(value) == float(shown)
    number = float(value)
    mantissa = shown.split("e")[0].lstrip("-")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    exponent = int(shown.split("e")[1]) if "e" in shown else 0
    unit = 10.0 ** (exponent - decimals)
    return abs(float(shown) - number) <= unit / 2 * (1 + 1e-9)


def check(fit, text):
    pairs, rows = parse_text(text)
    for label, attribute in TOP.items():
        assert agrees(pairs[label], getattr(fit, attribute)), (label, pairs[label])
    intervals, bse, t, p = fit.conf_int(), fit.bse, fit.tvalues, fit.pvalues
    for j, row in enumerate(rows):
        cells = row[1:]
        assert agrees(cells[0], fit.params[j]), (row, "coef")
        assert agrees(cells[1], None if bse is None else bse[j]), (row, "std err")
        assert agrees(cells[2], None if t is None else t[j]), (row, "t")
        assert agrees(cells[3], None if p is None else p[j]), (row, "P>|t|")
        assert agrees(cells[4], None if intervals is None else intervals[j][0]), row
        assert agrees(cells[5], None if intervals is None else intervals[j][1]), row
    return pairs, rows


@pytest.mark.parametrize("exact", [False, True])
def test_the_summary_reads_back(points, exact):
    X, y = points[:, :1], points[:, 1]
    fit = least_squares(X, y) if not exact else least_squares(X.tolist(), y.tolist(), exact=True)
    text = str(fit.summary())
    pairs, rows = check(fit, text)
    assert pairs["Dep. Variable:"] == "y" and pairs["Model:"] == "OLS"
    assert [row[0] for row in rows] == ["const", "x1"]
    assert all(len(line) <= 78 for line in text.split("Notes:")[0].splitlines())
    assert pairs["Arithmetic:"] == ("exact" if exact else "float64")


def test_statsmodels_prints_the_same_numbers(points):
    """The same cells as statsmodels' own summary, for the rows they share."""
    sm = pytest.importorskip("statsmodels.api")
    X, y = points[:, :1], points[:, 1]
    theirs = str(sm.OLS(y, sm.add_constant(X)).fit().summary())
    ours = str(least_squares(X, y).summary())
    for line in ours.splitlines()[13:15]:  # the coefficient rows
        assert line in theirs, line
    for label in ("R-squared:", "F-statistic:", "Prob (F-statistic):", "Log-Likelihood:", "AIC:"):
        mine = re.search(re.escape(label) + r"\s+(\S+)", ours).group(1)
        assert re.search(re.escape(label) + r"\s+" + re.escape(mine) + r"\b", theirs), label


def test_names_and_missing_values():
    X = np.array([[0.0, 1.0], [1.0, 3.0], [2.0, 2.0]])
    fit = least_squares(X, np.array([1.0, 2.0, 4.0]))  # three points, three parameters
    text = str(fit.summary(yname="speed", xname=["a", "b"]))
    pairs, rows = check(fit, text)
    assert [row[0] for row in rows] == ["const", "a", "b"]
    assert pairs["Dep. Variable:"] == "speed" and pairs["F-statistic:"] == "n/a"
    assert "No residual degrees of freedom" in text  # the reason, in the notes


def test_a_multi_feature_fit_reads_back():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(60, 4)) * [1e-6, 1.0, 1e5, 3.0]
    y = X @ [2e5, 1.0, -3e-5, 0.0] + rng.normal(size=60)
    fit = least_squares(X, y)
    check(fit, str(fit.summary(alpha=0.05)))


class _Cells(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self._open = False

    def handle_starttag(self, tag, attrs):
        self._open = tag in ("td", "th")

    def handle_data(self, data):
        if self._open and data.strip():
            self.cells.append(data.strip())


def test_the_html_holds_the_same_cells(points):
    fit = least_squares(points[:, :1], points[:, 1])
    parser = _Cells()
    parser.feed(fit._repr_html_())
    pairs, rows = parse_text(str(fit.summary()))
    for label, value in pairs.items():
        assert label in parser.cells and value in parser.cells, label
    for row in rows:
        assert all(cell in parser.cells for cell in row), row
    assert '<table class="simpletable">' in fit._repr_html_()


def test_a_name_is_escaped_in_html(points):
    fit = least_squares(points[:, :1], points[:, 1])
    assert "<b>" not in fit.summary(xname=["<b>"]).as_html()
