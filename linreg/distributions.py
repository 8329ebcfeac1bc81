r"""The t and F distributions from mpmath: to any precision, and far into the tails.

Both tail probabilities are the regularized incomplete beta function $I_x(a, b)$:

$$P(|T_\nu| > t) = I_{\nu/(\nu + t^2)}\bigl(\tfrac\nu2, \tfrac12\bigr),\qquad
P(F_{d_1, d_2} > f) = I_{d_2/(d_2 + d_1 f)}\bigl(\tfrac{d_2}2, \tfrac{d_1}2\bigr).$$

mpmath sums $I_x$'s hypergeometric series at a working precision it raises while the
terms cancel, and its numbers have no exponent range to fall out of: a tail of
$10^{-300}$ (or $10^{-3000}$) comes out with all its digits, where ``1 - cdf`` in float64
would be 0. Quantiles invert $I_x$ by Newton's method on $\ln I_x$, in the logit of $x$,
kept inside a bracket.

Every function takes ``digits``: ``None`` (the default) returns the float64 nearest the
value (computed with `GUARD_BITS` to spare); an integer returns a `decimal.Decimal` of
that many significant digits, for exact mode. The arguments may be ints, floats,
`fractions.Fraction` or `decimal.Decimal` and are read exactly. Each call works in its
own mpmath context, so threads do not share a working precision.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from linreg.errors import InputError

__all__ = [
    "GUARD_BITS",
    "MAX_DIGITS",
    "as_mpf",
    "f_isf",
    "f_sf",
    "rounded",
    "t_isf",
    "t_sf",
    "t_two_sided",
    "working_context",
]

#: Bits carried beyond the precision asked for, so that the value can be rounded to it.
GUARD_BITS = 24
#: The most significant digits a caller may ask for.
MAX_DIGITS = 1000
_LOG2_10 = math.log2(10.0)
#: Newton steps before a quantile search is declared stuck (it converges in about 10).
_MAX_STEPS = 400
#: Terms of the continued fraction before it is declared stuck (it needs O(√max(a, b))).
_MAX_TERMS = 10**7


def working_context(digits: int | None) -> Any:
    """A private mpmath context at the precision ``digits`` asks for, plus `GUARD_BITS`.

    ``None`` asks for float64's 53 bits.

    Raises
    ------
    InputError
        ``digits`` is not an integer from 1 to `MAX_DIGITS`.
    """
    if digits is not None and (
        isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= MAX_DIGITS
    ):
        raise InputError(f"digits must be an integer from 1 to {MAX_DIGITS}, got {digits!r}")
    import mpmath  # here, not at import: 5.5 MB the command's reading does not need

    ctx = mpmath.MPContext()
    bits = 53 if digits is None else math.ceil(digits * _LOG2_10)
    ctx.prec = bits + GUARD_BITS
    return ctx


def as_mpf(ctx: Any, value: Any, name: str) -> Any:
    """``value`` as an mpf of ``ctx``: an int or float exactly, a Fraction or Decimal to
    the working precision (±inf kept).

    Raises
    ------
    InputError
        Naming ``name``: not a real number, or NaN.
    """
    if isinstance(value, (bool, np.bool_, str, bytes)):
        raise InputError(f"{name} must be a real number, got {value!r}")
    if isinstance(value, (int, np.integer)):
        return ctx.mpf(int(value))
    if isinstance(value, Fraction):
        return ctx.mpf(value.numerator) / value.denominator
    if isinstance(value, Decimal):
        if value.is_nan():
            raise InputError(f"{name} must be a number, got NaN")
        return ctx.mpf(str(value)) if value.is_finite() else ctx.mpf(float(value))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a real number, got {value!r}") from None
    if math.isnan(number):
        raise InputError(f"{name} must be a number, got NaN")
    return ctx.mpf(number)


def _positive(ctx: Any, value: Any, name: str) -> Any:
    """A degrees-of-freedom count: finite and positive."""
    number = as_mpf(ctx, value, name)
    if not (number > 0 and ctx.isfinite(number)):
        raise InputError(f"{name} (degrees of freedom) must be positive and finite, got {value}")
    return number


def _probability(ctx: Any, value: Any, name: str) -> Any:
    """A probability strictly between 0 and 1."""
    number = as_mpf(ctx, value, name)
    if not 0 < number < 1:
        raise InputError(f"{name} must be a probability in (0, 1), got {value}")
    return number


def rounded(ctx: Any, value: Any, digits: int | None) -> Any:
    """The float nearest ``value`` (``digits=None``), or a Decimal of ``digits``
    significant digits (±Infinity kept)."""
    if digits is None:
        return float(value)
    if ctx.isinf(value):
        return Decimal("Infinity") if value > 0 else Decimal("-Infinity")
    if value == 0:
        return Decimal(0)
    import mpmath  # (see working_context)

    return Decimal(mpmath.libmp.to_str(value._mpf_, digits, strip_zeros=False))


def _beta_tail(ctx: Any, a: Any, b: Any, x: Any, rest: Any) -> Any:
    """The regularized incomplete beta function I_x(a, b), given x and rest = 1 − x.

    Below the switch point (a + 1)/(a + b + 2) the continued fraction in x converges
    fast; above it, 1 − I_rest(b, a) does, and is not small there, so nothing cancels.
    """
    if x <= 0:
        return ctx.zero
    if rest <= 0:
        return ctx.one
    if x * (a + b + 2) <= a + 1:
        return _continued_fraction(ctx, a, b, x, rest)
    return 1 - _continued_fraction(ctx, b, a, rest, x)


def _continued_fraction(ctx: Any, a: Any, b: Any, x: Any, rest: Any) -> Any:
    r"""I_x(a, b) = x^a (1 − x)^b / (a B(a, b)) · 1/(1 + d₁/(1 + d₂/(1 + …))), by Lentz.

    $d_{2m+1} = -\frac{(a + m)(a + b + m)x}{(a + 2m)(a + 2m + 1)}$,
    $d_{2m} = \frac{m(b - m)x}{(a + 2m - 1)(a + 2m)}$ (Numerical Recipes, 6.4). The
    prefactor's logarithm is a difference of terms as large as ln Γ(a + b): the extra
    bits carry it, and the fraction's own rounding (a few bits per hundred terms).
    """
    target = ctx.prec
    size = abs(a * ctx.log(x)) + abs(b * ctx.log(rest)) + (a + b) * ctx.log(a + b + 2)
    with ctx.extraprec(int(ctx.mag(size)) + 16):
        tiny, one = ctx.ldexp(1, -2 * ctx.prec), ctx.one
        c, d = one, one - (a + b) * x / (a + 1)
        d = 1 / (d if abs(d) > tiny else tiny)
        fraction = d
        for m in range(1, _MAX_TERMS):
            for numerator in (
                m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
            ):
                d, c = one + numerator * d, one + numerator / c
                d, c = 1 / (d if abs(d) > tiny else tiny), (c if abs(c) > tiny else tiny)
                fraction *= d * c
            if abs(d * c - 1) < ctx.ldexp(1, -target - 8):
                break
        else:  # pragma: no cover - converges in O(√max(a, b)) terms
            raise ArithmeticError("the incomplete beta function did not converge")
        log_beta = ctx.loggamma(a) + ctx.loggamma(b) - ctx.loggamma(a + b)
        return +(ctx.exp(a * ctx.log(x) + b * ctx.log(rest) - log_beta) * fraction / a)


def t_two_sided(t: Any, df: Any, *, squared: bool = False, digits: int | None = None) -> Any:
    r"""The two-sided tail $P(|T_\nu| > |t|)$ of Student's t: a t test's p-value.

    Parameters
    ----------
    t : float, int, Fraction or Decimal
        The statistic (±inf allowed: the tail is then 0).
    df : positive number
        The degrees of freedom $\nu$.
    squared : bool, default False
        ``t`` is $t^2$ (non-negative): exact mode passes $t^2$ as a Fraction, which is
        rational where $t$ is not.
    digits : int, optional
        Significant digits of a Decimal result; None for a float.

    Returns
    -------
    float or Decimal

    Notes
    -----
    $I_{\nu/(\nu + t^2)}(\nu/2, 1/2)$, evaluated directly: the small tail is never formed
    as 1 minus something near 1.

    Examples
    --------
    >>> t_two_sided(2.0, 10)
    0.07338803477074037
    >>> t_two_sided(60, 34)  # float64's 1 - cdf would be 0 here
    4.40...e-36
    """
    ctx = working_context(digits)
    nu, value = _positive(ctx, df, "df"), as_mpf(ctx, t, "t")
    if squared and value < 0:
        raise InputError(f"t squared must be non-negative, got {t}")
    if ctx.isinf(value):
        return rounded(ctx, ctx.zero, digits)
    square = value if squared else value * value
    tail = _beta_tail(ctx, nu / 2, ctx.mpf(0.5), nu / (nu + square), square / (nu + square))
    return rounded(ctx, tail, digits)


def t_sf(t: Any, df: Any, *, digits: int | None = None) -> Any:
    r"""The upper tail $P(T_\nu > t)$ of Student's t.

    Half the two-sided tail for $t \ge 0$; one minus that for $t < 0$.

    Examples
    --------
    >>> t_sf(0, 5)
    0.5
    >>> t_sf(-1e3, 3) > 0.999999
    True
    """
    ctx = working_context(digits)
    nu, value = _positive(ctx, df, "df"), as_mpf(ctx, t, "t")
    if ctx.isinf(value):
        return rounded(ctx, ctx.zero if value > 0 else ctx.one, digits)
    square = value * value
    half = _beta_tail(ctx, nu / 2, ctx.mpf(0.5), nu / (nu + square), square / (nu + square)) / 2
    return rounded(ctx, half if value >= 0 else 1 - half, digits)


def f_sf(f: Any, dfn: Any, dfd: Any, *, digits: int | None = None) -> Any:
    r"""The upper tail $P(F_{d_1, d_2} > f)$ of Fisher's F: an F test's p-value.

    Parameters
    ----------
    f : non-negative number (inf allowed: the tail is then 0)
    dfn, dfd : positive numbers
        The numerator's and the denominator's degrees of freedom, $d_1$ and $d_2$.
    digits : int, optional

    Notes
    -----
    $I_{d_2/(d_2 + d_1 f)}(d_2/2, d_1/2)$.

    Examples
    --------
    >>> f_sf(4.0, 2, 10)
    0.052922149401344...
    """
    ctx = working_context(digits)
    d1, d2 = _positive(ctx, dfn, "dfn"), _positive(ctx, dfd, "dfd")
    value = as_mpf(ctx, f, "f")
    if value < 0:
        raise InputError(f"f must be non-negative, got {f}")
    if ctx.isinf(value):
        return rounded(ctx, ctx.zero, digits)
    total = d2 + d1 * value
    return rounded(ctx, _beta_tail(ctx, d2 / 2, d1 / 2, d2 / total, d1 * value / total), digits)


def _logit_root(ctx: Any, a: Any, b: Any, target: Any) -> tuple[Any, Any]:
    """(x, 1 − x) with I_x(a, b) = target, each to the working precision.

    Newton's method on g(u) = ln I_x − ln target in u = ln(x/(1 − x)), whose derivative
    is x^a (1 − x)^b / (B(a, b) I_x); a step that leaves the bracket is replaced by
    bisection, and the search stops when a step is below the working precision.
    """
    log_beta, log_target = ctx.log(ctx.beta(a, b)), ctx.log(target)

    def point(u: Any) -> tuple[Any, Any, Any]:
        x, rest = 1 / (1 + ctx.exp(-u)), 1 / (1 + ctx.exp(u))
        return x, rest, ctx.log(_beta_tail(ctx, a, b, x, rest)) - log_target

    low, high = ctx.mpf(-1), ctx.mpf(1)
    while point(low)[2] > 0:
        low *= 2
    while point(high)[2] < 0:
        high *= 2
    u = (low + high) / 2
    for _ in range(_MAX_STEPS):
        x, rest, g = point(u)
        if g == 0:
            break
        low, high = (u, high) if g < 0 else (low, u)
        slope = ctx.exp(a * ctx.log(x) + b * ctx.log(rest) - log_beta - g - log_target)
        step = u - g / slope
        step = step if low < step < high else (low + high) / 2
        converged = abs(step - u) <= ctx.ldexp(max(1, abs(u)), -ctx.prec + 4)
        u = step
        if converged:
            break
    else:  # pragma: no cover - the bracket halves at least every other step
        raise ArithmeticError("the quantile search did not converge")
    x, rest, _ = point(u)
    return x, rest


def t_isf(q: Any, df: Any, *, digits: int | None = None) -> Any:
    r"""The quantile $t$ with $P(T_\nu > t) = q$ (``1 - q`` of the way up).

    ``t_isf(alpha / 2, df)`` is the multiplier of a two-sided $1 - \alpha$ interval.

    Parameters
    ----------
    q : number in (0, 1)
    df : positive number
    digits : int, optional

    Notes
    -----
    For $q < 1/2$, $t^2 = \nu(1 - x)/x$ with $I_x(\nu/2, 1/2) = 2q$; for $q > 1/2$ the
    mirror image, $t(1 - q) = -t(q)$.

    Examples
    --------
    >>> t_isf(0.025, 10)
    2.228138851986...
    >>> t_isf(Fraction(1, 40), 10, digits=30)
    Decimal('2.22813885198627474839549066320')
    """
    ctx = working_context(digits)
    nu, level = _positive(ctx, df, "df"), _probability(ctx, q, "q")
    if level == 0.5:
        return rounded(ctx, ctx.zero, digits)
    tail = min(level, 1 - level)
    if 2 * tail <= 0.5:
        x, rest = _logit_root(ctx, nu / 2, ctx.mpf(0.5), 2 * tail)
    else:  # P(|T| < t) = I_{t²/(ν+t²)}(1/2, ν/2) = 1 − 2·tail: the small side again
        rest, x = _logit_root(ctx, ctx.mpf(0.5), nu / 2, 1 - 2 * tail)
    value = ctx.sqrt(nu * rest / x)
    return rounded(ctx, value if level < 0.5 else -value, digits)


def f_isf(q: Any, dfn: Any, dfd: Any, *, digits: int | None = None) -> Any:
    r"""The quantile $f$ with $P(F_{d_1, d_2} > f) = q$: an F test's critical value.

    Examples
    --------
    >>> f_isf(0.05, 2, 10)
    4.10...
    """
    ctx = working_context(digits)
    d1, d2 = _positive(ctx, dfn, "dfn"), _positive(ctx, dfd, "dfd")
    level = _probability(ctx, q, "q")
    if level <= 0.5:
        x, rest = _logit_root(ctx, d2 / 2, d1 / 2, level)
    else:  # P(F < f) = I_{d1 f/(d2 + d1 f)}(d1/2, d2/2) = 1 − q
        rest, x = _logit_root(ctx, d1 / 2, d2 / 2, 1 - level)
    return rounded(ctx, d2 * rest / (d1 * x), digits)
