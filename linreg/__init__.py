"""linreg: linear regression by gradient descent, derived, checked and explained.

The reference implementation of the livestream's line fit: every formula in three
agreeing forms (point-by-point loops in `linreg.livestream`, vectorised numpy in
`linreg.loss`, sympy-derived in `linreg.symbolic`), gradient descent in
`linreg.descent`, and the data in `linreg.data`.
"""

import importlib

from linreg.errors import (
    DataFileError,
    DivergenceError,
    InputError,
    LinregError,
    SingularProblemError,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (a faster start)
if TYPE_CHECKING:  # for type checkers and the docs; at run time they load on first use
    from linreg.data import load_points
    from linreg.descent import DescentResult, gradient_descent, minimize
    from linreg.estimator import GradientDescentRegressor

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


# numpy and the rest load on first use, not on ``import linreg``: the command
# (`linreg._entry`) installs its signal handlers before anything heavy is imported.
_LAZY = {
    "load_points": "linreg.data",
    "DescentResult": "linreg.descent",
    "gradient_descent": "linreg.descent",
    "minimize": "linreg.descent",
    # The scikit-learn estimator loads scikit-learn, an optional extra: only on request.
    "GradientDescentRegressor": "linreg.estimator",
}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module 'linreg' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    if name != "GradientDescentRegressor":
        globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
