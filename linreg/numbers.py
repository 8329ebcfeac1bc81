"""One number as text: the grammar of a field in a data file, read as a float or exactly.

Every reader of the package (CSV, NIST, exact mode's strings) reads numbers with
`parse_number`, so a number means the same wherever it is written.
"""

from __future__ import annotations

import math
import re
import unicodedata
from fractions import Fraction

from linreg.errors import InputError
from linreg.validate import check_exact_decimal, shorten

__all__ = ["BLANKS", "MISSING", "describe", "first_odd", "parse_number"]

# A decimal number as people write it in data files, Fortran's E-notation included:
# 12, -3.5, .5, 7., 1e-3, 0.1234E+02.  Deliberately not Python's float() grammar, which
# also takes "1_000", "nan", "infinity", every script's digits and Unicode spaces: the
# digits here are ASCII's [0-9] (a bare \d would take Arabic-Indic and fullwidth digits).
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NUMBER_PARTS = re.compile(r"([+-]?)([0-9]*)\.?([0-9]*)(?:[eE]([+-]?[0-9]+))?")
_NON_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
#: Words that stand for a missing value: never a column name, never a number.
MISSING = frozenset({"na", "n/a", "nan", "null", "none", "nil", "missing", "inf", "infinity"})
#: Blanks allowed around a field (and making a line blank): space and tab only.
BLANKS = " \t"
_CONTROL_NAMES = {0: "NUL", 9: "TAB", 11: "VERTICAL TAB", 12: "FORM FEED", 27: "ESCAPE"}


def parse_number(text: str, *, exact: bool = False) -> float | Fraction:
    """Parse one decimal number from a data file.

    Parameters
    ----------
    text : str
        The field, surrounding spaces and tabs allowed.
    exact : bool, default False
        Return the exact rational value of the decimal text instead of the nearest float.

    Returns
    -------
    float or fractions.Fraction

    Raises
    ------
    InputError
        ``text`` is not a str (`linreg.errors.InputError` is a ValueError too).
    ValueError
        The text is not a decimal number in ASCII digits (a character outside printable
        ASCII is named: a no-break space, a fullwidth or Arabic-Indic digit, a form
        feed), is NaN or infinite, or overflows a float. In exact mode, also a number
        with more than `MAX_EXACT_DIGITS` significant digits or a decimal exponent beyond
        ±`MAX_EXACT_EXPONENT` (`linreg.validate`).
        (Callers turn this into a `DataFileError` that names the line and column.)

    Examples
    --------
    >>> parse_number(" 0.1234E+02")
    12.34
    >>> parse_number("0.1", exact=True)
    Fraction(1, 10)
    >>> parse_number("\\u0661\\u0662")
    Traceback (most recent call last):
    ...
    ValueError: '١٢' is not a number: it contains U+0661 ARABIC-INDIC DIGIT ONE ...
    """
    if not isinstance(text, str):
        raise InputError(
            f"parse_number reads a str, not {shorten(repr(text))} ({type(text).__name__})"
        )
    field = text.strip(BLANKS)
    odd = first_odd(field)
    if odd is not None:
        raise ValueError(
            f"{shorten(field)!r} is not a number: it contains {describe(field[odd])} "
            "(numbers are read in ASCII only)"
        )
    if _NON_FINITE.fullmatch(field):
        raise ValueError(f"{field!r} is not a finite number")
    if not _NUMBER.fullmatch(field):
        if not field:
            raise ValueError("the field is empty")
        hint = " (a missing value? every value is needed)" if field.lower() in MISSING else ""
        raise ValueError(f"{shorten(field)!r} is not a number{hint}")
    if exact:
        return _exact_number(field)
    value = float(field)
    if math.isinf(value):
        raise ValueError(f"{shorten(field)!r} is too large for a float (it overflows to infinity)")
    return value


def first_odd(text: str, allowed: str = "") -> int | None:
    """The position of the first character outside printable ASCII (and ``allowed``)."""
    if text.isascii() and text.isprintable():
        return None
    return next(
        (
            k
            for k, c in enumerate(text)
            if not (c.isascii() and c.isprintable()) and c not in allowed
        ),
        None,
    )


def describe(character: str) -> str:
    """``U+00A0 NO-BREAK SPACE``: a character named for an error message."""
    code = ord(character)
    name = unicodedata.name(character, "") or _CONTROL_NAMES.get(code, "a control character")
    return f"U+{code:04X} {name}"


def _exact_number(field: str) -> Fraction:
    """The exact value of a decimal text that `_NUMBER` matched, in bounded time."""
    match = _NUMBER_PARTS.fullmatch(field)
    assert match is not None  # _NUMBER matched
    sign, whole, fraction, exponent = match.groups()
    digits = (whole + fraction).lstrip("0")
    if not digits:
        return Fraction(0)
    written = exponent or "0"
    # A 7-digit exponent is already far out of range; int() of a longer one is not needed.
    if len(written.lstrip("+-")) <= 7:
        power = int(written)
    else:
        power = -(10**8) if written.startswith("-") else 10**8
    power -= len(fraction)
    check_exact_decimal(repr(shorten(field)), len(digits), power + len(digits) - 1)
    value = Fraction(int(digits) * 10**power) if power >= 0 else Fraction(int(digits), 10**-power)
    return -value if sign == "-" else value
