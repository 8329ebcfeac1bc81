"""linreg: linear regression by gradient descent, derived, checked and explained.

The reference implementation of the livestream's line fit: every formula in three
agreeing forms (point-by-point loops in `linreg.livestream`, vectorised numpy in
`linreg.loss`, sympy-derived in `linreg.symbolic`), gradient descent in
`linreg.descent`, and the data in `linreg.data`.
"""

from linreg.data import load_points
from linreg.descent import DescentResult, gradient_descent, minimize
from linreg.errors import (
    DataFileError,
    DivergenceError,
    InputError,
    LinregError,
    SingularProblemError,
)

__all__ = [
    "DataFileError",
    "DescentResult",
    "DivergenceError",
    "GradientDescentRegressor",
    "InputError",
    "LinregError",
    "SingularProblemError",
    "gradient_descent",
    "load_points",
    "minimize",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # The scikit-learn estimator loads scikit-learn, an optional extra: only on request.
    if name == "GradientDescentRegressor":
        from linreg.estimator import GradientDescentRegressor

        return GradientDescentRegressor
    raise AttributeError(f"module 'linreg' has no attribute {name!r}")
