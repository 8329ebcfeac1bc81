"""The command line's report after a fit: the optimum, the verdict, the bound, the count.

Every number it prints comes from the result (`linreg.DescentResult`), to the digits its
error bar allows (`sound`); the lines must tell one story: a verdict of "converged" with
its certified bound, "not converged" with how far off each parameter is, or "cannot be
certified" with the reason and the cure.
"""

from __future__ import annotations

import math
import textwrap
import warnings
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from linreg.closed_form_result import AccuracyWarning, inaccuracy
from linreg.descent import DescentResult
from linreg.errors import SingularProblemError, distinct, rounded
from linreg.moments import Moments
from linreg.reference import UNIT
from linreg.solve import least_squares

__all__ = [
    "bound_line",
    "distinct",
    "model_line",
    "needed_line",
    "ols_summary",
    "sound",
    "summary",
    "verdict",
    "weight_names",
    "weights_text",
]


def weight_names(p: int) -> list[str]:
    """The weights' names: the livestream's slope ``m`` for one feature, else ``w_1..w_p``."""
    return ["m"] if p == 1 else [f"w_{k}" for k in range(1, p + 1)]


def weights_text(values: Sequence[float], shown: Callable[[float], str]) -> str:
    """``m = ...`` for one feature, else ``w_1 = ..., w_2 = ...``, each value ``shown``."""
    names = weight_names(len(values))
    return ", ".join(f"{name} = {shown(value)}" for name, value in zip(names, values))


def model_line(y_name: str, x_names: Sequence[str]) -> str:
    """What a fit of several features fits: ``Fitting score = b + w_1*hours + ...``."""
    terms = zip(weight_names(len(x_names)), map(_label, x_names))
    return f"Fitting {_label(y_name)} = b + {' + '.join(f'{w}*{x}' for w, x in terms)}"


def _label(name: str) -> str:
    """A column's name as printed: as it is when it reads as one, else quoted and escaped
    (and quoted where it is one of the line's own symbols: a column b, or w_2)."""
    own = name == "b" or (name.startswith("w_") and name[2:].isdecimal())
    plain = name.isidentifier() or name.startswith("column ")
    return name if plain and not own else repr(name)


def summary(
    fit: DescentResult,
    b: float,
    w: Sequence[float],
    standardized: bool,
    alpha: float,
) -> None:
    """The honest part: the optimum, the certified distance, the bound, the iterations needed.

    ``w`` holds the weights descent reached (one, ``m``, for the livestream's line).
    """
    if not fit.unique_optimum:
        print("\n".join(_not_unique(len(w), _reached(fit.sharpened()))))
        return
    fit = fit.sharpened()
    best_w, best_b = [float(v) for v in fit.optimum[:-1]], float(fit.optimum[-1])
    minimum, slack = fit.minimum_loss()
    kind = "Least-squares optimum (closed form)" if alpha == 0.0 else "Ridge optimum"
    bar = fit.optimum_error
    weights = ", ".join(
        f"{name} = {sound(value, bar)}" for name, value in zip(weight_names(len(w)), best_w)
    )
    print(f"{kind}: b = {sound(best_b, bar)}, {weights}, error = {sound(minimum, slack)}")
    print(verdict(fit, b, w, best_b, best_w, (minimum, slack) if math.isfinite(slack) else None))
    print(bound_line(fit, standardized))
    print(needed_line(fit))


def _not_unique(p: int, reached: str) -> list[str]:
    why = (
        "Every x is the same (to float64 precision), so every line through that x and the "
        "mean y fits equally well"
        if p == 1
        else "The features are linearly dependent (to float64 precision): a column is "
        "constant, or a combination of the others, so many weights fit equally well"
    )
    return textwrap.wrap(f"Least-squares optimum: not unique. {why}; {reached}", 84)


def _reached(fit: DescentResult) -> str:
    """Whether descent reached one of the many optima, as its certificate says."""
    if fit.converged:
        return "descent converged to one of them."
    if fit.verdict == "not converged":
        bound, tol = fit.relative_distance_bound, fit.tol
        return (
            f"descent has not converged to one (its certified relative distance to the "
            f"nearest is at most {upper(bound)}, not within {tol:g})."
        )
    return f"whether descent reached one cannot be certified ({fit.verdict_reason})."


def upper(bound: float, limit: float | None = None) -> str:
    """A bound printed rounded up, with 2 significant digits, or more where 2 would go past
    ``limit`` (a bound of 9.9995e-7 under tol 1e-6 must not print as 1e-06 < 1.0e-6).

    >>> upper(1.84375e-12), upper(3.0035e-10), upper(9.99e-7, 1e-6), upper(1.2339e-6, 1.234e-6)
    ('1.9e-12', '3.1e-10', '1e-06', '1.234e-06')
    """
    if not math.isfinite(bound) or bound <= 0:
        return f"{bound:g}"
    for digits in range(2, 18):
        text = rounded(bound, digits, up=True)
        if limit is None or float(text) <= limit:
            return text
    return repr(bound)


def sound(value: float, error: float, digits: int = 10) -> str:
    """``value`` with at most ``digits`` significant digits, and none beyond its error bar:
    the last digit kept is within 1 of the truth's (the bar at most half a unit of it,
    and the rounding half a unit)."""
    if not (math.isfinite(error) and math.isfinite(value)):  # no digit can be vouched for
        return "unresolved (float64 cannot bound its error here)"
    if value == 0:
        return f"{value:.{digits}g}"
    if 20 * error > abs(value):  # under 1 digit: the value itself with its bar
        return f"{value:.2g} (± {upper(error)})"
    ratio = abs(value) / (2 * error) if error else math.inf  # inf: a subnormal bar
    kept = min(digits, math.floor(math.log10(ratio))) if math.isfinite(ratio) else digits
    return f"{value:.{max(1, kept)}g}"


def verdict(
    fit: DescentResult,
    b: float,
    w: Sequence[float],
    best_b: float,
    best_w: Sequence[float],
    minimum: tuple[float, float] | None,
) -> str:
    """The verdict, from the certificate: converged, not converged, or cannot be certified.

    ``w`` and ``best_w`` are the weights reached and the optimum's (one each, ``m``, for
    the livestream's line); ``minimum`` is E* and its error bar, None where unresolved.
    """
    name = "Gradient descent" if fit.method == "gd" else f"Method {fit.method}"
    after = f"{fit.n_iter:,} {_plural(fit.n_iter, 'iteration')}"
    if fit.converged:
        bound = upper(fit.relative_distance_bound, fit.tol)
        certified = f"|theta - theta*|/|theta*| <= {bound} <= {fit.tol:g}"
        if fit.optimum_is_zero:
            certified = f"|theta - theta*| <= {bound} <= {fit.tol:g} (the optimum is exactly 0)"
        return f"{name} converged: after {after}, certified {certified}."
    if fit.verdict == "cannot be certified":
        return (
            f"After {after} {name[0].lower() + name[1:]} cannot be certified at --tol "
            f"{fit.tol:g}: {fit.verdict_reason}.{_larger_tol(fit.error_floor)}"
        )
    gap = _above(fit.final_loss(), minimum)
    bar = fit.optimum_error
    weights = "".join(
        f"{label} by {_off(value, best, bar)}, "
        for label, value, best in zip(weight_names(len(w)), w, best_w)
    )
    return (
        f"After {after} {name[0].lower() + name[1:]} has not converged: "
        f"b is off by {_off(b, best_b, bar)}, {weights}and the error is {gap}."
    )


def _larger_tol(floor: float) -> str:
    """The --tol that could be certified, above the error floor (none where it is inf)."""
    return f" Try a --tol above {upper(floor)}." if math.isfinite(floor) else ""


def _above(loss: tuple[float, float], minimum: tuple[float, float] | None) -> str:
    """How far the loss E is above the minimum E*, to the digits their error bars allow
    (E − E* ≥ 0 always: a difference within the bars is said as a bound, not as noise)."""
    (value, bar), (best, slack) = loss, minimum or (math.nan, math.inf)
    if not (math.isfinite(slack) and math.isfinite(bar)):
        return "not comparable with the minimum (float64 does not resolve it here)"
    gap, error = value - best, (bar + slack) * (1 + 4 * UNIT) + UNIT * abs(value - best)
    if best - slack <= 0:  # no relative gap: E* may be 0
        if gap <= error:
            return f"at most {upper(max(gap, 0.0) + error)} above the minimum"
        return f"{sound(gap, error, 3)} above the minimum"
    low = best - slack  # the percentage's error: the gap's, and the minimum's own
    if gap <= error:
        return f"at most {upper(100 * (max(gap, 0.0) + error) / low)}% above the minimum"
    percent, relative = 100 * gap / best, error / low + (gap / low) * (slack / low)
    return f"{sound(percent, 100 * relative + UNIT * percent, 3)}% above the minimum"


def bound_line(fit: DescentResult, standardized: bool) -> str:
    where = " (on standardized x)" if standardized else ""
    if math.isnan(fit.bound):
        rate = (
            "" if math.isnan(fit.learning_rate) else f" with learning rate {fit.learning_rate:.4g}"
        )
        return f"Method {fit.method}{rate}{where} has no stability bound on its step size."
    verdict = "converges" if fit.learning_rate < fit.bound else "diverges"
    if verdict == "diverges" and fit.converged:  # started at the optimum: nothing moved
        verdict = "diverges from any start but the optimum"
    rate, bound = distinct(fit.learning_rate, fit.bound)
    return (
        f"Learning rate {rate}{where}: the stability bound is "
        f"{fit.bound_name} = {bound}, so this rate {verdict}."
    )


def needed_line(fit: DescentResult) -> str:
    needed, tol = fit.predicted_iterations, f"{fit.tol:g}"
    goal = f"|theta - theta*|/|theta*| <= {tol}"
    if fit.optimum_is_zero:  # the tolerance is absolute, as the verdict's
        goal = f"|theta - theta*| <= {tol} (the optimum is exactly 0)"
    if math.isnan(needed):
        why = fit.prediction_reason or f"no theory predicts how many iterations {fit.method} needs"
        tail = f"to reach {goal} from this start: {why}."
    elif math.isinf(needed):
        why = (
            "a step is above the stability bound"
            if fit.learning_rate >= fit.bound
            else "in float64 the slowest direction stops shrinking"
        )
        tail = f"these settings never reach {goal} from this start: {why}."
    else:
        count = f"{_count(needed, fit.prediction_kind)} {_plural(needed, 'iteration')}"
        how = {"exact": "exactly", "bound": "at most"}.get(fit.prediction_kind, "about")
        how = "about" if how == "exactly" and needed >= LARGE_COUNT else how
        tail = f"to reach {goal} from this start these settings need {how} {count}."
        if fit.prediction_kind == "estimate":
            tail = tail[:-1] + f" (an estimate: {fit.prediction_reason})."
    if math.isinf(fit.condition_number):
        return f"Kappa is not resolved in float64 (the Hessian is singular or nearly so): {tail}"
    kappa = fit.condition_number
    shown = f"{kappa:,.0f}" if kappa < 1e6 else f"{kappa:.6g}"
    return f"Condition number kappa = {shown}: {tail}"


#: Counts from here on are printed to 3 digits: float64 holds no more of them.
LARGE_COUNT = 1e15


def _count(needed: float, kind: str) -> str:
    """An iteration count with the digits it has: a bound rounded up, others to nearest."""
    if needed < LARGE_COUNT:
        return f"{needed:,.0f}"
    unit = 10.0 ** (math.floor(math.log10(needed)) - 2)
    return f"{(math.ceil(needed / unit) if kind == 'bound' else round(needed / unit)) * unit:.3g}"


def _plural(count: float, word: str) -> str:
    return word if count == 1 else word + "s"


def _off(value: float, target: float, error: float) -> str:
    """How far value is from target, to the digits the error bar allows."""
    difference = abs(value - target)
    if difference <= error:
        return f"less than its error bar {upper(error)}"
    return f"{sound(difference, error, 4)} ({_relative(difference, target)})"


def _relative(difference: float, reference: float) -> str:
    """``difference`` as a percentage of ``reference``, or in words where that has no value."""
    if reference == 0:
        return "the reference is 0" if difference else "0%"
    ratio = 100 * difference / abs(reference)
    return f"{ratio:.3g}%" if math.isfinite(ratio) else "more than 1e300 times the reference"


def ols_summary(
    stats: Moments,
    table: npt.NDArray[np.float64] | None,
    y_name: str | None,
    x_names: Sequence[str] | None,
) -> str:
    """``--summary``: the closed form's statistics for the data as given (the table, y
    last, where it is kept; else the statistics), after a blank line; none where the
    optimum is not unique (a constant or dependent column: the verdict says so), saying why.
    """
    given = (stats,) if table is None else (table[:, :-1], table[:, -1])
    try:
        with warnings.catch_warnings():  # said below in the command's words
            warnings.simplefilter("ignore", AccuracyWarning)
            closed = least_squares(*given)
    except SingularProblemError as why:
        return f"\nNo OLS summary: {why}; its statistics need a unique optimum."
    note = "" if closed.accurate else f"\nNote: {inaccuracy(closed)}."
    return f"\n{closed.summary(yname=y_name or 'y', xname=list(x_names or ['x']))}{note}"
