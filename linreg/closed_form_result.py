r"""What every path of the closed form returns, and the checks they all share.

`LeastSquaresResult` holds a fit and NIST's statistics whichever path produced it: the
float path (`linreg.float_solver`), the path from the one-pass statistics
(`linreg.moments_solver`) or the exact path (`linreg.exact_solver`). A float result is
refused when a value overflowed, and flagged (`AccuracyWarning`) when refinement stopped
short of `WORKING_ACCURACY`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from linreg.errors import SingularProblemError
from linreg.inference import Inference
from linreg.validate import too_large

__all__ = [
    "WORKING_ACCURACY",
    "AccuracyWarning",
    "LeastSquaresResult",
    "check_count",
    "checked_result",
    "inaccuracy",
    "warn_inaccurate",
]

T = TypeVar("T")

#: The largest relative correction left when refinement stops, above which the result is
#: flagged as short of working accuracy (``accurate=False`` and an `AccuracyWarning`).
WORKING_ACCURACY = 1e-10


class AccuracyWarning(RuntimeWarning):
    """The closed form could not reach working accuracy (see ``error_estimate``)."""


@dataclass(frozen=True)
class LeastSquaresResult(Inference, Generic[T]):
    r"""The least-squares fit and its statistics (the quantities NIST certifies).

    Beside the fields below, the inference of `linreg.inference.Inference` under
    statsmodels' names: `params`, `bse`, `tvalues`, `pvalues`, `conf_int`, `fvalue`,
    `f_pvalue`, `rsquared_adj`, `llf`, `aic`, `bic`, `mse_model`, `mse_resid`,
    `df_model`, `df_resid`, `cov_params`, `get_prediction`, and `summary()`.

    Attributes
    ----------
    coef : sequence of shape (n_features,)
        The weights $w$: a float array, or a list of `fractions.Fraction` in exact mode.
    intercept : float or Fraction
        The intercept $b$ (0 when ``fit_intercept=False``).
    coef_stderr : sequence of shape (n_features,) or None
        Standard deviations of the weights; ``None`` with no degrees of freedom left.
    intercept_stderr : float, Decimal or None
        Standard deviation of the intercept (0 without one; ``None`` as above).
    residual_std : float, Decimal or None
        $\sqrt{SSR/(N - k)}$ for $k$ parameters; ``None`` when $N = k$.
    r_squared : float or Fraction
        Centred $1 - SSR/\sum (y - \bar y)^2$ with an intercept; uncentred
        $1 - SSR/\sum y^2$ without one (the NIST convention).
    mse : float or Fraction
        The mean squared error $SSR/N$ at the optimum, the livestream's "error".
    n_samples : int
    dof : int
        Residual degrees of freedom, $N - k$.
    condition : float
        Estimated condition number of the centred, column-scaled features (NaN in exact
        mode): the factor by which relative errors in the data can grow in the weights.
    refinements : int
        Refinement passes over the data (0 from `Moments` and in exact mode).
    error_estimate : float
        A sound upper bound on $\lVert\hat\theta - \theta^*\rVert/\lVert\theta^*\rVert$
        for $\theta = [w; b]$, against the exact optimum of the data as given (from the
        float path's last double-double pass, `linreg.raw_refinement`, where that
        reaches working accuracy; else `linreg.reference_statistics`, refined against
        the data by `linreg.reference_data`, or exact, where needed); 0 in exact mode;
        inf when no bound could be found (the problem is too ill-conditioned for float64
        to tell).
    accurate : bool
        Whether ``error_estimate`` is within `WORKING_ACCURACY` (10 significant digits);
        when it is not, an `AccuracyWarning` was issued too.
    fit_intercept : bool
        Whether the model has the intercept $b$.
    ssr : float, Fraction or None
        The residual sum of squares $\sum (y - \hat y)^2$ (None: it overflows float64).
    ess : float, Fraction or None
        The explained (regression) sum of squares: $\sum (\hat y - \bar y)^2$ with an
        intercept, $\sum \hat y^2$ without (NIST's convention); None with a ridge, where
        the fitted values are not a projection, or when it overflows float64.
    covariance : linreg.inference.Covariance or None
        What the intervals at new X need (None with a ridge or without degrees of freedom).
    alpha : float
        The ridge penalty the fit was made with.
    weight_total, log_weight_sum : float, Fraction or None
        A weighted fit's $W = \sum w_i$ and $\sum \ln w_i$ (over the positive weights;
        a Decimal in exact mode); None unweighted. ``n_samples`` then counts the samples
        of positive weight, and ``mse`` is the weighted $\sum w_i r_i^2/W$.
    ssr_floor : float
        SSR's rounding floor: how far the float64 SSR may sit above the exact one (0 in
        exact mode). An SSR within `linreg.inference.RESOLVED` of it is 0 to working
        precision, and t, F and the likelihood, which divide by it, are then None.
    """

    coef: Any
    intercept: Any
    coef_stderr: Any
    intercept_stderr: Any
    residual_std: Any
    r_squared: Any
    mse: Any
    n_samples: int
    dof: int
    condition: float = math.nan
    refinements: int = 0
    error_estimate: float = 0.0
    accurate: bool = True
    fit_intercept: bool = True
    ssr: Any = None
    ess: Any = None
    covariance: Any = None
    alpha: float = 0.0
    ssr_floor: float = 0.0
    weight_total: Any = None
    log_weight_sum: Any = None


def check_count(n: int, k: int) -> None:
    """Refuse fewer points than parameters.

    Raises
    ------
    SingularProblemError
        ``n < k``.
    """
    if n < k:
        raise SingularProblemError(
            f"{n} points cannot determine {k} parameters: at least {k} are needed"
        )


def checked_result(result: LeastSquaresResult[Any]) -> LeastSquaresResult[Any]:
    """Refuse a result with a value that overflowed; warn when it is short of working accuracy.

    Raises
    ------
    InputError
        A coefficient, the mean squared error or a standard error is not finite.

    Warns
    -----
    AccuracyWarning
        ``result.accurate`` is False.
    """
    values = [*result.coef, result.intercept, result.mse]
    values += [] if result.coef_stderr is None else [*result.coef_stderr, result.intercept_stderr]
    if not all(math.isfinite(v) for v in values):
        raise too_large("the coefficients or the mean squared error")
    if not result.accurate:
        warn_inaccurate(result)
    return result


def warn_inaccurate(result: LeastSquaresResult[Any]) -> None:
    """The `AccuracyWarning` for a result short of working accuracy, with its bound."""
    warnings.warn(f"{inaccuracy(result)}; try exact=True", AccuracyWarning, stacklevel=4)


def inaccuracy(result: LeastSquaresResult[Any]) -> str:
    """What a result short of working accuracy can claim: its bound, and the digits."""
    bound = result.error_estimate
    digits = max(0, int(-math.log10(bound))) if 0 < bound < 1 else 0
    what = (
        f"certified relative error at most {bound:.1e}"
        if math.isfinite(bound)
        else "its error cannot be bounded in float64"
    )
    return (
        f"least squares: working accuracy not reached ({what}, condition number "
        f"{result.condition:.1e}); the coefficients may have only about {digits} correct "
        "digits"
    )
