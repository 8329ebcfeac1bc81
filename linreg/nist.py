"""NIST's Statistical Reference Datasets for linear least squares: read them, fit them.

The eleven StRD files (``Norris.dat`` … ``Wampler5.dat``) hold data and certified values
(to 15 digits) of the coefficients, their standard deviations, the residual standard
deviation and R². `read_nist` reads one as the text NIST printed; `fit_nist` fits its
model with `linreg.closed_form.least_squares`.
"""

from __future__ import annotations

from typing import Any

from linreg.closed_form import least_squares, polynomial_least_squares
from linreg.closed_form_result import LeastSquaresResult
from linreg.data import NistDataset, read_nist

__all__ = ["NistDataset", "fit_nist", "read_nist"]


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
    """
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
