r"""Argument checks: one phrasing per kind of error, one named constant per limit.

Every public entry point checks its arguments here, at the boundary, and the layers
below trust them. Each check raises `linreg.errors.InputError` (a ``ValueError``) whose
message names the argument, what was wrong and, where there is one, the cure:

| kind | check | phrasing (each function's example shows it) |
|---|---|---|
| a flag | `check_flag` | `... must be True or False, got 1` |
| a real number | `as_scalar` | `... must be a real number` / `... must be finite` |
| a sign | `check_positive`, `check_non_negative`, `check_alpha` | `... must be positive` |
| an integer | `check_positive_int`, `check_non_negative_int` | `... must be a positive integer` |
| a choice | `check_choice` | `... must be one of gd, cg; got 'x'` |
| an array | `as_features`, `as_target`, `check_features_target` | `... must be 2-D of shape ...` |
| data too large | `too_large` | `the data are too large for float64 (...)` |
| data too small | `check_not_underflowed` | `the data are too small: ...` |
| exact mode | `check_exact_decimal`, `check_exact_rational` | `... out of exact mode's range` |

This module sits at the bottom of the package: it imports only numpy and
`linreg.errors`.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from fractions import Fraction
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from linreg.errors import InputError

__all__ = [
    "MAX_EXACT_DIGITS",
    "MAX_EXACT_EXPONENT",
    "MAX_EXACT_PART_DIGITS",
    "TINY",
    "as_features",
    "as_scalar",
    "as_target",
    "as_weights",
    "check_alpha",
    "check_choice",
    "check_exact_decimal",
    "check_exact_rational",
    "check_features_target",
    "check_flag",
    "check_in_interval",
    "check_non_negative",
    "check_non_negative_int",
    "check_not_underflowed",
    "check_positive",
    "check_positive_int",
    "check_sample_weight",
    "check_tol",
    "decimal_exponent",
    "float64_of",
    "mebibytes",
    "refuse_bad_weights",
    "shorten",
    "too_large",
]

FloatArray = npt.NDArray[np.float64]

#: Exact mode reads at most this many significant digits per number ...
MAX_EXACT_DIGITS = 4000
#: ... and decimal exponents within ±this, for every kind of input (text, `Decimal`,
#: `Fraction`, int): 10^±1000 is far beyond float64 (±308), and each extra digit of
#: exponent makes every product of the exact sums a longer integer.
MAX_EXACT_EXPONENT = 1000
#: The most decimal digits a `Fraction`'s (or an int's) numerator or denominator may have:
#: as many as the longest decimal text exact mode reads (its digits and its exponent).
MAX_EXACT_PART_DIGITS = MAX_EXACT_DIGITS + MAX_EXACT_EXPONENT
#: Co-moments below this (2⁻⁹⁷⁰ ≈ 1e-292, 52 bits above the smallest subnormal) were
#: summed among subnormal numbers, which carry fewer than 53 bits: statistics (and fits)
#: of such data would be silently imprecise.
TINY = 2.0**-970
#: The part of a message that says how to rescale.
_RESCALE = "rescale X and y (e.g. divide each by its largest magnitude)"
_LOG10_2 = math.log10(2.0)


def shorten(text: str, limit: int = 40) -> str:
    """``text``, cut to ``limit`` characters with ``...``: for quoting input in a message."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def mebibytes(size: int) -> str:
    """Bytes as MiB in a message, rounded *up* to hundredths: a size over a limit of whole
    MiB (or of tenths, hundredths) never reads as the limit (24.117 MiB is 24.12, never 24
    beside "over 24 MiB"). ``mebibytes(25_288_800) == "24.12"``."""
    hundredths = -(-size * 100 // 2**20)
    return f"{hundredths // 100:,}.{hundredths % 100:02}"


# --- flags, numbers, integers, choices ------------------------------------------------------


def check_flag(value: object, name: str) -> bool:
    """A bool (or numpy bool), as a bool: ``1`` and ``"yes"`` are not flags.

    Examples
    --------
    >>> check_flag(np.True_, "fit_intercept")
    True
    """
    if not isinstance(value, (bool, np.bool_)):
        raise InputError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def as_scalar(value: object, name: str) -> float:
    """Check a real, finite number (a bool or a string is not one) and return it as float.

    Raises
    ------
    InputError
        Naming the argument: not a real number, or NaN or infinite.
    """
    plain = type(value) is float or type(value) is int  # the usual case: nothing to ask numpy
    if not plain and (
        isinstance(value, (bool, np.bool_, str, bytes)) or np.ndim(cast(Any, value)) != 0
    ):
        raise InputError(f"{name} must be a real number, got {value!r}")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a real number, got {value!r}") from None
    except OverflowError:  # an int or Fraction beyond float64
        raise InputError(
            f"{name} must be a real number within float64's range, got {shorten(repr(value))}"
        ) from None
    if isinstance(value, complex) or not math.isfinite(number):
        raise InputError(f"{name} must be finite, got {value!r}")
    return number


def check_positive(value: object, name: str) -> float:
    """A finite number above 0, as float (e.g. a learning rate)."""
    number = as_scalar(value, name)
    if number <= 0:
        raise InputError(f"{name} must be positive, got {number}")
    return number


def check_non_negative(value: object, name: str, note: str = "") -> float:
    """A finite number of at least 0, as float; ``note`` says what it is, in brackets."""
    number = as_scalar(value, name)
    if number < 0:
        said = f" ({note})" if note else ""
        raise InputError(f"{name} must be non-negative{said}, got {number}")
    return number


def check_alpha(value: object) -> float:
    """The ridge strength α ≥ 0.

    Examples
    --------
    >>> check_alpha(-1)
    Traceback (most recent call last):
    ...
    linreg.errors.InputError: alpha must be non-negative (it is the ridge strength), got -1.0
    """
    return check_non_negative(value, "alpha", "it is the ridge strength")


def check_tol(value: object) -> float:
    """A tolerance ≥ 0."""
    return check_non_negative(value, "tol")


def check_in_interval(value: object, name: str, low: float, high: float) -> float:
    """A finite number in the half-open interval [low, high) (e.g. a momentum in [0, 1))."""
    number = as_scalar(value, name)
    if not low <= number < high:
        raise InputError(f"{name} must be in [{low:g}, {high:g}), got {number}")
    return number


def _integer(value: object, name: str, kind: str) -> int:
    if isinstance(value, (bool, np.bool_)):
        raise InputError(f"{name} must be a {kind} integer, got {value!r}")
    try:
        return int(operator.index(cast(Any, value)))
    except TypeError:
        raise InputError(f"{name} must be a {kind} integer, got {value!r}") from None


def _at_most(count: int, name: str, maximum: int | None, cure: str) -> int:
    if maximum is not None and count > maximum:
        said = f"; {cure}" if cure else ""
        raise InputError(f"{name}={count:,} is more than the {maximum:,} allowed{said}")
    return count


def check_positive_int(value: object, name: str, maximum: int | None = None, cure: str = "") -> int:
    """An integer ≥ 1 (and ≤ ``maximum``), as int; a float, even 2.0, is not one.

    Examples
    --------
    >>> check_positive_int(0, "degree")
    Traceback (most recent call last):
    ...
    linreg.errors.InputError: degree must be a positive integer, got 0
    """
    count = _integer(value, name, "positive")
    if count < 1:
        raise InputError(f"{name} must be a positive integer, got {value!r}")
    return _at_most(count, name, maximum, cure)


def check_non_negative_int(
    value: object, name: str, maximum: int | None = None, cure: str = ""
) -> int:
    """An integer ≥ 0 (and ≤ ``maximum``), as int (e.g. a number of iterations)."""
    count = _integer(value, name, "non-negative")
    if count < 0:
        raise InputError(f"{name} must be a non-negative integer, got {value!r}")
    return _at_most(count, name, maximum, cure)


def check_choice(value: object, name: str, choices: Sequence[str]) -> str:
    """One of ``choices``, as str (e.g. a method's name)."""
    if not isinstance(value, str) or value not in choices:
        raise InputError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


# --- data too large or too small for float64 -----------------------------------------------


def too_large(what: str, cure: str = "") -> InputError:
    """The error for data whose ``what`` would overflow float64 (raise it).

    Examples
    --------
    >>> print(too_large("the Hessian", ", or use exact=True"))
    the data are too large for float64 (the Hessian would overflow); rescale X and y
    (e.g. divide each by its largest magnitude), or use exact=True
    """
    return InputError(
        f"the data are too large for float64 ({what} would overflow); {_RESCALE}{cure}"
    )


def check_not_underflowed(
    spread: Any,
    mean_x: Any,
    cyy: float,
    cure: str = "",
    *,
    mean_y: float = 0.0,
    moment: Any = None,
) -> None:
    """Refuse statistics whose co-moments underflowed (below `TINY`).

    Parameters
    ----------
    spread : numpy.ndarray of shape (n_features,)
        The diagonal of the second moments of X (centred, or raw without an intercept).
    mean_x : numpy.ndarray of shape (n_features,)
    cyy : float
        The second moment of y.
    cure : str
        Appended to the message (e.g. ``", or pass the arrays themselves"``).
    mean_y : float
        The mean of y.
    moment : numpy.ndarray of shape (n_features,), optional
        The co-moments of X and y (centred, or raw as ``spread`` is).

    Notes
    -----
    A spread of exactly 0 is a constant column (a problem of its own, for the caller),
    unless the column's own values are so small that their squares underflow, when
    nothing can tell a constant column from a varying one. The same holds for y: its
    second moment 0 with a mean below √TINY, or beside a co-moment that is not 0 (by
    Cauchy–Schwarz, |Cxy|² ≤ Cxx·Cyy), means its squares underflowed. The error bars of
    the co-moments are relative to √(Cxx·Cyy), so neither may have lost its digits.
    """
    spread, mean_x = np.asarray(spread), np.asarray(mean_x)
    if spread.shape == (1,) and float(spread[0]) >= TINY and cyy >= TINY:
        return  # one feature: the same comparisons, on a float
    if np.all(spread >= TINY) and cyy >= TINY:
        return  # the usual case, in two comparisons
    vanished = (spread == 0.0) & (np.abs(mean_x) < math.sqrt(TINY))
    if (
        np.any((spread > 0.0) & (spread < TINY))
        or np.any(vanished[mean_x != 0.0])
        or (0.0 < cyy < TINY)
        or (cyy == 0.0 and _y_squares_lost(mean_y, moment))
    ):
        raise InputError(
            "the data are too small: their squares underflow float64 (below 1e-292), so "
            f"their statistics have lost their digits; {_RESCALE}{cure}"
        )


def _y_squares_lost(mean_y: float, moment: Any) -> bool:
    """Whether a second moment of y of exactly 0 is y's squares underflowing, not y being
    constant: its mean is too small to square, or it co-varies with X."""
    if mean_y != 0.0 and abs(mean_y) < math.sqrt(TINY):
        return True
    return moment is not None and bool(np.any(np.asarray(moment) != 0.0))


# --- exact mode's limits: one for every kind of input, checked before big arithmetic ------------


def check_exact_decimal(shown: str, digits: int, exponent: int) -> None:
    r"""Refuse a decimal with too many digits, or an exponent beyond ±`MAX_EXACT_EXPONENT`.

    Parameters
    ----------
    shown : str
        The value as the message quotes it (e.g. ``"'1e5000'"`` or ``"X[0] = 1E+5000"``).
    digits : int
        Its significant digits.
    exponent : int
        Its decimal exponent, $\lfloor\log_{10}|v|\rfloor$.
    """
    if digits > MAX_EXACT_DIGITS:
        raise InputError(
            f"{shown} has {digits:,} significant digits; exact mode reads at most "
            f"{MAX_EXACT_DIGITS:,}"
        )
    if digits and abs(exponent) > MAX_EXACT_EXPONENT:
        raise InputError(
            f"{shown} is out of exact mode's range: its decimal exponent must lie within "
            f"±{MAX_EXACT_EXPONENT} (1e-{MAX_EXACT_EXPONENT} <= |value| < "
            f"1e+{MAX_EXACT_EXPONENT + 1}); rescale the data"
        )


def check_exact_rational(value: Fraction, shown: str) -> None:
    """The same limits for a `Fraction` or an int, from bit lengths first (no big powers).

    Examples
    --------
    >>> check_exact_rational(Fraction(10) ** 2000, "X[0]")
    Traceback (most recent call last):
    ...
    linreg.errors.InputError: X[0] is out of exact mode's range: ...
    """
    longest = max(abs(value.numerator).bit_length(), value.denominator.bit_length())
    if longest * _LOG10_2 > MAX_EXACT_PART_DIGITS:
        raise InputError(
            f"{shown} has about {int(longest * _LOG10_2):,} digits in its numerator or "
            f"denominator; exact mode reads at most {MAX_EXACT_PART_DIGITS:,}"
        )
    if value:
        check_exact_decimal(shown, 1, decimal_exponent(value))


def decimal_exponent(value: Fraction) -> int:
    r"""$\lfloor\log_{10}|v|\rfloor$ of a non-zero rational, exactly.

    Examples
    --------
    >>> decimal_exponent(Fraction(999, 1000)), decimal_exponent(Fraction(1000))
    (-1, 3)
    """
    top, bottom = int(abs(value.numerator)), int(value.denominator)

    def reaches(k: int) -> bool:  # |v| ≥ 10^k
        return bool(top >= bottom * 10**k if k >= 0 else top * 10 ** (-k) >= bottom)

    # the bit lengths put the exponent within one of its true value
    k = math.floor((top.bit_length() - bottom.bit_length()) * _LOG10_2)
    while not reaches(k):
        k -= 1
    while reaches(k + 1):
        k += 1
    return k


# --- arrays handed to the public functions -------------------------------------------------


def as_features(X: object, name: str = "X", *, finite: bool = True) -> FloatArray:
    """Check a feature matrix and return it as float64 of shape (n_samples, n_features).

    ``finite=False`` skips the pass that looks for NaN and infinity, for callers whose
    own pass detects them (`linreg.moments`).

    Raises
    ------
    InputError
        Not numeric, not 2-D, empty, or holding NaN or infinity.
    """
    array = _as_float_array(X, name)
    if array.ndim != 2:
        hint = " (reshape a single feature with X.reshape(-1, 1))" if array.ndim == 1 else ""
        raise InputError(
            f"{name} must be 2-D of shape (n_samples, n_features), got shape {array.shape}{hint}"
        )
    if array.shape[0] and not array.shape[1]:
        raise InputError(f"{name} has no features (shape {array.shape})")
    return _samples(array, name, finite)


def as_target(y: object, name: str = "y", *, finite: bool = True) -> FloatArray:
    """Check a target vector and return it as float64 of shape (n_samples,).

    Raises
    ------
    InputError
        Not numeric, not 1-D (a column of shape (n, 1) included: no silent reshape),
        empty, or holding NaN or infinity.
    """
    array = _as_float_array(y, name)
    if array.ndim != 1:
        hint = ""
        if array.ndim == 2:
            hint = (
                " (use y.ravel() for a column vector)"
                if array.shape[1] == 1
                else f" (linreg fits one target: fit each of the {array.shape[1]} columns "
                "separately)"
            )
        raise InputError(f"{name} must be 1-D of shape (n_samples,), got shape {array.shape}{hint}")
    return _samples(array, name, finite)


def as_weights(w: object, n_features: int, name: str = "w", what: str = "weight") -> FloatArray:
    """Check weights against the features: 1-D of shape (n_features,), finite, as float64."""
    array = _as_float_array(w, name)
    if array.ndim != 1:
        hint = f" (use {name}.ravel() for a column)" if array.ndim == 2 and 1 in array.shape else ""
        raise InputError(f"{name} must be 1-D of shape (n_features,), one {what} per column of "
                         f"X, got shape {array.shape}{hint}")  # fmt: skip
    if array.shape[0] != n_features:
        raise InputError(f"{name} has {array.shape[0]} weights but X has {n_features} features; "
                         f"pass one {what} per column of X")  # fmt: skip
    _check_finite(array, name)
    return array


def _samples(array: FloatArray, name: str, finite: bool) -> FloatArray:
    """The checks every array gets: at least one sample, and (unless told) finite values."""
    if array.shape[0] == 0:
        raise InputError(f"{name} is empty: it has no samples")
    if finite:
        _check_finite(array, name)
    return array


def check_features_target(
    X: object, y: object, *, finite: bool = True
) -> tuple[FloatArray, FloatArray]:
    """Check X and y together: each as above, and with the same number of samples."""
    features = as_features(X, finite=finite)
    target = as_target(y, finite=finite)
    if features.shape[0] != target.shape[0]:
        raise InputError(
            f"X and y have different numbers of samples: X has {features.shape[0]}, "
            f"y has {target.shape[0]}"
        )
    return features, target


def check_sample_weight(sample_weight: object, n_samples: int) -> FloatArray:
    """Per-sample weights: 1-D, one per sample, finite, non-negative, not all zero.

    Examples
    --------
    >>> check_sample_weight([1.0, -2.0], 2)
    Traceback (most recent call last):
    ...
    linreg.errors.InputError: sample_weight must be non-negative: sample_weight[1] = -2.0
    """
    weights = as_target(sample_weight, "sample_weight")
    if weights.shape[0] != n_samples:
        raise InputError(f"sample_weight has {weights.shape[0]} values; X has {n_samples} samples")
    refuse_bad_weights(weights.tolist())
    return weights


def refuse_bad_weights(weights: Sequence[Any]) -> None:
    """Refuse a negative weight (naming the first) or weights that are all zero.

    The one phrasing of both, for float and exact weights alike.
    """
    for index, value in enumerate(weights):
        if value < 0:
            raise InputError(
                f"sample_weight must be non-negative: sample_weight[{index}] = {value}"
            )
    if not any(value > 0 for value in weights):
        raise InputError("sample_weight is all zeros: no sample would count")


#: native float64 (a byte-swapped one, or one with metadata, is another dtype object)
_FLOAT64 = np.dtype(np.float64)


def _as_float_array(value: object, name: str) -> FloatArray:
    """Numbers only: strings, bytes, dates, times and masked values are refused."""
    if type(value) is np.ndarray and value.dtype is _FLOAT64:
        return value  # (what the lines below return for it: the array itself)
    if isinstance(value, (str, bytes)):
        raise InputError(f"{name} must be an array of numbers, got a {type(value).__name__}")
    if isinstance(value, np.ma.MaskedArray) and np.ma.getmaskarray(value).any():
        raise InputError(
            f"{name} is a masked array and {int(np.ma.getmaskarray(value).sum()):,} of its "
            f"{np.size(value):,} values are masked; linreg does not use masks: drop the "
            "masked rows first (or fill them in with .filled())"
        )
    try:
        array = np.asarray(value)
    except ValueError:
        raise InputError(
            f"{name} must be a rectangular array (its rows differ in length)"
        ) from None
    kind = array.dtype.kind
    if kind == "c":
        raise InputError(f"{name} must be real, got complex values")
    if kind in _NOT_NUMBERS:
        raise InputError(
            f"{name} must hold numbers, got {_NOT_NUMBERS[kind]} (dtype {array.dtype}): "
            "convert them to numbers first"
        )
    if kind == "O":
        array = _object_array(array, name)
    values, beyond = float64_of(array)
    if beyond is not None:
        where = ", ".join(str(i) for i in beyond)
        raise InputError(f"{name} holds {array[beyond]!s} at index [{where}], {BEYOND_FLOAT64}")
    return values


#: How a finite value that float64 cannot hold is refused (after what holds it).
BEYOND_FLOAT64 = "beyond float64's range (about ±1.8e308): rescale it"


def float64_of(array: Any) -> tuple[FloatArray, tuple[int, ...] | None]:
    """An array of real numbers as float64, and the index of its first finite value that
    float64 cannot hold (only a wider float, a long double, has one), else None.

    Without a warning: numpy's cast would warn of the overflow and make it infinity,
    which the finiteness checks then call a non-finite value.
    """
    if array.dtype.kind != "f" or array.dtype.itemsize <= 8:
        return np.asarray(array, dtype=np.float64), None
    with np.errstate(over="ignore"):
        values = np.asarray(array, dtype=np.float64)
    beyond = np.isinf(values) & np.isfinite(array)
    if not beyond.any():
        return values, None
    return values, tuple(int(i) for i in np.argwhere(beyond)[0])


def _object_array(array: Any, name: str) -> Any:
    at, odd = next(
        ((i, v) for i, v in enumerate(array.flat) if v is None or isinstance(v, _NOT_NUMBER_TYPES)),
        (0, 0.0),
    )
    if odd is None:  # numpy's cast makes None a nan, which reads as infinite data
        where = ", ".join(str(int(i)) for i in np.unravel_index(at, array.shape))
        raise InputError(
            f"{name} holds None (a missing value) at index [{where}]: drop or fill in the "
            "missing values first"
        )
    if isinstance(odd, _NOT_NUMBER_TYPES):
        raise InputError(
            f"{name} must hold numbers, got {type(odd).__name__} {shorten(repr(odd))}: "
            "convert it to a number first"
        )
    try:
        return array.astype(np.float64)
    except OverflowError:
        raise InputError(
            f"{name} holds a number beyond float64's range (about ±1.8e308): rescale it, or "
            "use exact=True where the function offers it"
        ) from None
    except (TypeError, ValueError):
        raise InputError(f"{name} must hold numbers, got values of dtype {array.dtype}") from None


_NOT_NUMBER_TYPES = (str, bytes, np.datetime64, np.timedelta64)
_NOT_NUMBERS = {
    "U": "strings",
    "S": "bytes",
    "M": "dates (datetime64)",
    "m": "time spans (timedelta64)",
    "V": "structured or void values",
}


def _check_finite(array: FloatArray, name: str) -> None:
    if not np.isfinite(array).all():
        bad = np.argwhere(~np.isfinite(array))[0]
        value = array[tuple(bad)]
        where = ", ".join(str(int(i)) for i in bad)
        raise InputError(f"{name} holds a non-finite value ({value}) at index [{where}]")
