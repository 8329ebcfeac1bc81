"""The closed-form least-squares optimum (a façade: the code lives in the modules below).

Kept so that ``from linreg.solve import least_squares`` works as it always has. Each
name is defined in the module that does its job:

- `linreg.closed_form`: `least_squares`, `polynomial_least_squares`,
  `log_relative_error` (the entry points, which pick a path);
- `linreg.closed_form_result`: `LeastSquaresResult`, `AccuracyWarning`,
  `WORKING_ACCURACY`;
- `linreg.float_solver`, `linreg.moments_solver`, `linreg.exact_solver`: the three paths;
  `linreg.centring` and `linreg.doubledouble`: what the float path is built on;
- `linreg.nist`: `fit_nist`.
"""

from __future__ import annotations

from linreg.closed_form import least_squares, log_relative_error, polynomial_least_squares
from linreg.closed_form_result import WORKING_ACCURACY, AccuracyWarning, LeastSquaresResult
from linreg.nist import fit_nist
from linreg.validate import MAX_EXACT_EXPONENT

__all__ = [
    "MAX_EXACT_EXPONENT",
    "WORKING_ACCURACY",
    "AccuracyWarning",
    "LeastSquaresResult",
    "fit_nist",
    "least_squares",
    "log_relative_error",
    "polynomial_least_squares",
]
