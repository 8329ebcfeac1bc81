"""NIST's Statistical Reference Datasets for linear least squares: read them, fit them.

The eleven StRD files (``Norris.dat`` … ``Wampler5.dat``) hold data and certified values
(to 15 digits) of the coefficients, their standard deviations, the residual standard
deviation, R², and the analysis-of-variance table (the regression's and the residuals'
degrees of freedom, sums of squares and mean squares, and the F statistic). `read_nist`
reads one as the text NIST printed; `fit_nist` fits its model with
`linreg.closed_form.least_squares`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from linreg.closed_form import least_squares, polynomial_least_squares
from linreg.closed_form_result import LeastSquaresResult
from linreg.errors import DataFileError, InputError
from linreg.numbers import parse_number
from linreg.sources import read_text
from linreg.validate import check_flag, shorten

__all__ = ["NistDataset", "fit_nist", "read_nist"]


@dataclass(frozen=True)
class NistDataset:
    """One NIST StRD linear least-squares dataset: its data and certified values.

    All numbers are kept as the text NIST printed, so they can be read exactly.

    Attributes
    ----------
    name : str
        The file's stem, e.g. ``"Filip"``.
    x : list of list of str
        The predictor columns of each observation.
    y : list of str
        The response of each observation.
    fit_intercept : bool
        Whether the model has the intercept B0 (NoInt1 and NoInt2 do not).
    degree : int or None
        For a polynomial in a single x, its degree; None when the columns are used as
        they are (Longley, and the straight lines).
    estimates, stderrs : list of str
        Certified B_k and their standard deviations, B0 first when present.
    residual_std, r_squared : str
        The certified residual standard deviation and R².
    degrees_of_freedom : tuple of int
        The ANOVA table's (regression, residual) degrees of freedom.
    sums_of_squares, mean_squares : tuple of str
        Its (regression, residual) sums of squares and mean squares; the regression's
        is uncentred (Σŷ²) for the models without an intercept.
    f_statistic : str
        The certified F statistic (``"Infinity"`` for the exact fits Wampler1 and 2).
    """

    name: str
    x: list[list[str]]
    y: list[str]
    fit_intercept: bool
    degree: int | None
    estimates: list[str]
    stderrs: list[str]
    residual_std: str
    r_squared: str
    degrees_of_freedom: tuple[int, int] = (0, 0)
    sums_of_squares: tuple[str, str] = ("", "")
    mean_squares: tuple[str, str] = ("", "")
    f_statistic: str = ""

    def design(self, *, exact: bool = False) -> Any:
        """The model's feature columns (powers of x for a polynomial), without the ones.

        Returns float64 array of shape (n_samples, n_features), or with ``exact=True``
        a list of rows of `fractions.Fraction`.
        """
        rows = [[parse_number(v, exact=True) for v in row] for row in self.x]
        if self.degree is not None:
            rows = [[row[0] ** k for k in range(1, self.degree + 1)] for row in rows]
        if exact:
            return rows
        if self.degree is not None:
            # Powers of the float-rounded x, as a user of float software would form them.
            column = np.array([float(parse_number(row[0])) for row in self.x])
            return np.column_stack([column**k for k in range(1, self.degree + 1)])
        return np.array(rows, dtype=np.float64)

    def target(self, *, exact: bool = False) -> Any:
        """The response y: a float64 array, or a list of Fractions with ``exact=True``."""
        values = [parse_number(v, exact=True) for v in self.y]
        return values if exact else np.array([float(v) for v in values])


def read_nist(path: str | os.PathLike[str]) -> NistDataset:
    """Read a NIST StRD linear least-squares file (``Norris.dat`` … ``Wampler5.dat``).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    NistDataset

    Raises
    ------
    DataFileError
        The file is missing, unreadable, or not laid out as NIST's files are.
    """
    file = Path(os.fspath(path))
    lines = [line.strip() for line in read_text(file).splitlines()]
    try:
        certified = _nist_range(lines, "Certified Values")
        data = _nist_range(lines, "Data")
    except (StopIteration, ValueError):
        raise DataFileError(
            file, "is not a NIST StRD file (no line ranges in its header)"
        ) from None
    names, estimates, stderrs, residual_std, r_squared = _certified(lines, certified)
    anova = _anova(lines, certified)
    table = [lines[k].split() for k in range(data[0], data[1]) if lines[k]]
    if not (estimates and residual_std and r_squared and table and anova):
        raise DataFileError(file, "is missing its certified values or its data")
    fit_intercept = names[0] == "B0"
    n_weights = len(names) - int(fit_intercept)
    n_x = len(table[0]) - 1
    degree = n_weights if (n_x == 1 and n_weights > 1) else None
    return NistDataset(
        name=file.stem,
        x=[row[1:] for row in table],
        y=[row[0] for row in table],
        fit_intercept=fit_intercept,
        degree=degree,
        estimates=estimates,
        stderrs=stderrs,
        residual_std=residual_std,
        r_squared=r_squared,
        degrees_of_freedom=(int(anova[0][0]), int(anova[1][0])),
        sums_of_squares=(anova[0][1], anova[1][1]),
        mean_squares=(anova[0][2], anova[1][2]),
        f_statistic=anova[0][3],
    )


def _anova(lines: list[str], rows: tuple[int, int]) -> list[list[str]]:
    """The ANOVA table's two rows, [df, SS, MS, F] and [df, SS, MS] (empty when absent)."""
    found = {}
    for number in range(rows[0], rows[1]):
        fields = lines[number].split()
        if fields[:1] == ["Regression"] and len(fields) == 5:
            found["Regression"] = fields[1:]
        elif fields[:1] == ["Residual"] and len(fields) == 4:
            found["Residual"] = fields[1:]
    return [found["Regression"], found["Residual"]] if len(found) == 2 else []


def _certified(
    lines: list[str], rows: tuple[int, int]
) -> tuple[list[str], list[str], list[str], str, str]:
    """The certified block: names B0…, estimates, their SDs, residual SD and R²."""
    estimates: list[str] = []
    stderrs: list[str] = []
    names: list[str] = []
    residual_std = r_squared = ""
    for number in range(rows[0], rows[1]):
        fields = lines[number].split()
        if fields and re.fullmatch(r"B\d+", fields[0]) and len(fields) == 3:
            names.append(fields[0])
            estimates.append(fields[1])
            stderrs.append(fields[2])
        elif lines[number].startswith("Standard Deviation") and lines[number - 1] == "Residual":
            residual_std = fields[-1]
        elif lines[number].startswith("R-Squared"):
            r_squared = fields[-1]
    return names, estimates, stderrs, residual_std, r_squared


def _nist_range(lines: list[str], label: str) -> tuple[int, int]:
    """Lines 5–6 say e.g. 'Certified Values (lines 31 to 51)': 0-based [start, stop)."""
    pattern = re.compile(label + r"\s+\(lines (\d+) to (\d+)\)")
    first, last = next(match.groups() for line in lines[:10] if (match := pattern.search(line)))
    return int(first) - 1, int(last)


def fit_nist(dataset: NistDataset, *, exact: bool = False) -> LeastSquaresResult[Any]:
    """Fit a NIST StRD dataset's model: a polynomial in x, or its columns as they are.

    Parameters
    ----------
    dataset : linreg.nist.NistDataset
    exact : bool, default False

    Returns
    -------
    LeastSquaresResult
        Its ``coef`` are B1, B2, …; its ``intercept`` is B0 (0 for NoInt1 and NoInt2).

    Raises
    ------
    InputError
        ``dataset`` not a `NistDataset` (read one with `read_nist`); ``exact`` not a bool.
    """
    if not isinstance(dataset, NistDataset):
        raise InputError(
            "fit_nist takes a NistDataset (read one with linreg.nist.read_nist(path)), not "
            f"{shorten(repr(dataset))} ({type(dataset).__name__})"
        )
    exact = check_flag(exact, "exact")
    y = dataset.target(exact=exact)
    if dataset.degree is not None:
        x = [row[0] for row in dataset.x]
        return polynomial_least_squares(
            x if exact else [float(v) for v in x],
            y,
            dataset.degree,
            fit_intercept=dataset.fit_intercept,
            exact=exact,
        )
    X = dataset.x if exact else dataset.design()
    return least_squares(X, y, fit_intercept=dataset.fit_intercept, exact=exact)
