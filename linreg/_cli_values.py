"""The command's option values: each single-valued option given once, each number in its
range, said in the command's words and as typed (a usage error, exit 2, before any data
are read).

Part of `linreg.cli` (kept apart to keep each file short).
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from linreg._cli_input import UsageError
from linreg.descent import MAX_ITERATIONS
from linreg.errors import InputError, underflowed
from linreg.methods import METHODS
from linreg.validate import as_scalar, check_alpha, check_tol

__all__ = [
    "ITERATIONS_HELP",
    "Once",
    "OnceTrue",
    "Typed",
    "check_values",
    "given_once",
    "joined_values",
    "plain_number",
    "whole_number",
]

#: ``--iterations``'s help. gd's iterates are a closed form, but these methods step one at
#: a time: the figures are measured through the command (docs/performance.md).
ITERATIONS_HELP = (
    f"number of iterations, at most {MAX_ITERATIONS:,} (default: 1000); gd's are evaluated "
    "at once, but momentum, nesterov and adam step one at a time, about 4.6, 4.8 and 8.4 "
    "microseconds an iteration for one feature on a 2-core x86_64, so "
    f"{MAX_ITERATIONS:,} take 8 to 14 minutes (docs/performance.md)"
)


def plain_number(text: str) -> float:
    """``float(text)`` for a number as typed in ASCII: Python's float also takes ``٠.٩``
    (Arabic-Indic digits) and ``1_000``, which ``--iterations`` and the data refuse.

    Raises
    ------
    ValueError
        For any other text.
    """
    if not text.isascii() or "_" in text:
        raise ValueError(f"not a plain number: {text!r}")
    return float(text)


class Typed(float):
    """A number from the command line that remembers how it was typed (``1e400``), so
    that a message can show it so. `check_values` turns it back into a plain float.

    Attributes
    ----------
    text : str
        The argument as typed.
    """

    text: str

    def __new__(cls, text: str) -> Typed:
        number = super().__new__(cls, plain_number(text))
        number.text = text.strip()
        return number


class Once(argparse.Action):
    """argparse's plain ``store``, refusing a second value: ``--history a --history b``
    would silently write only ``b``."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        _first_time(self, namespace, values)
        setattr(namespace, self.dest, values)


class OnceTrue(argparse._StoreTrueAction):
    """argparse's ``store_true``, refusing the flag a second time, as `Once` does."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        _first_time(self, namespace, True)
        super().__call__(parser, namespace, values, option_string)


def _first_time(action: argparse.Action, namespace: argparse.Namespace, value: object) -> None:
    """Record that ``action`` was given; a second time is a usage error, naming both
    values as typed where the option takes one."""
    given: dict[str, object] = namespace.__dict__.setdefault("_given", {})
    if action.dest in given:
        if action.nargs == 0:  # a flag
            raise argparse.ArgumentError(action, "is given twice; give it once")
        first, then = (getattr(v, "text", v) for v in (given[action.dest], value))
        raise argparse.ArgumentError(action, f"is given twice ({first}, then {then}); give it once")
    given[action.dest] = value


#: A whole number in ASCII digits, or in scientific notation (``1e8``, ``2.5E6``): not
#: ``int``'s other digits (``١٢``) or underscores (``1_000``).
_WHOLE = re.compile(r"[+-]?[0-9]+")
_SCIENTIFIC = re.compile(r"[+-]?[0-9]+(?:\.[0-9]*)?[eE][+-]?[0-9]{1,2}")


def whole_number(text: str) -> int:
    """``--iterations``' value: ASCII digits, or scientific notation that is whole."""
    stripped = text.strip() if text.isascii() else ""  # not U+00A0, U+2003, U+3000 ...
    if _WHOLE.fullmatch(stripped):
        return int(stripped)
    if _SCIENTIFIC.fullmatch(stripped) and Fraction(stripped).denominator == 1:
        return int(Fraction(stripped))
    raise argparse.ArgumentTypeError(
        f"not a whole number: {text!r} (write it in digits, as 1000 or 1e8)"
    )


def given_once(parser: argparse.ArgumentParser) -> None:
    """Make `Once` the action of every option added later without an ``action``."""
    parser.register("action", None, Once)


#: The plain numbers: where they are kept, the option, the library's check.
_NUMBERS: tuple[tuple[str, str, Callable[[object], float]], ...] = (
    ("tol", "--tol", check_tol),
    ("alpha", "--alpha", check_alpha),
    ("initial_b", "--initial-b", lambda value: as_scalar(value, "initial_b")),
    ("initial_m", "--initial-m", lambda value: as_scalar(value, "initial_m")),
)


def check_values(args: argparse.Namespace) -> None:
    """Check every number the options give, before anything is read; keep plain floats.

    Raises
    ------
    UsageError
        ``--iterations`` negative or above `linreg.descent.MAX_ITERATIONS`; a number out
        of its range or not finite (``--initial-b 1e400``), or one that underflows to 0
        (``--tol 1e-400``); ``--learning-rate`` or ``--momentum`` out of the method's
        range. The message names the option and shows the value as typed.
    """
    vars(args).pop("_given", None)
    _check_iterations(args.iterations)
    for dest, flag, check in _NUMBERS:
        if getattr(args, dest) is not None:
            setattr(args, dest, _checked(getattr(args, dest), flag, check))
    declared = {alias: o for o in METHODS[args.method].options for alias in (o.name, *o.aliases)}
    for dest, flag in (("learning_rate", "--learning-rate"), ("momentum", "--momentum")):
        value = getattr(args, dest)
        if isinstance(value, float):  # not unset, not "auto"
            option = declared.get(dest)  # a method that does not take it says so later
            setattr(args, dest, _checked(value, flag, option.check if option else _finite))


def _finite(value: object) -> float:
    return as_scalar(value, "value")


def _check_iterations(count: int) -> None:
    if count < 0:
        raise UsageError(f"--iterations must be a non-negative integer, got {count}")
    if count > MAX_ITERATIONS:
        raise UsageError(
            f"--iterations {count} is more than the {MAX_ITERATIONS:,} allowed; use --tol to "
            "stop at convergence, or a faster method (e.g. --method cg)"
        )


def _checked(value: float, flag: str, check: Callable[[object], float]) -> float:
    """``check(value)`` as a plain float; its error in the option's name, as typed."""
    typed = getattr(value, "text", repr(value))
    try:
        number = check(float(value))
    except InputError as error:
        requirement = str(error).partition(" ")[2].rpartition(", got ")[0]
        raise UsageError(f"{flag} {requirement}, got {typed}{_rounded(typed, value)}") from None
    if underflows(typed, number):
        raise underflow_error(f"{flag} {typed}")
    return number


def underflows(typed: str, number: float) -> bool:
    """A number typed with a non-zero digit that float64 makes 0 (``1e-400``)."""
    return number == 0 and any(digit in "123456789" for digit in typed.lower().partition("e")[0])


def underflow_error(given: str, zero: bool = True) -> UsageError:
    """The usage error for ``given`` (the option and its value, as typed) underflowing;
    ``zero``: whether 0 itself is allowed."""
    return UsageError(underflowed(given, zero))


def _rounded(typed: str, value: float) -> str:
    """What float64 made of a number typed with more digits than it holds (``1 - 1e-17``
    is 1.0 there), for a message; "" where it is the number typed."""
    try:
        exact = Decimal(typed)
    except ArithmeticError:
        return ""
    if not exact.is_finite() or not math.isfinite(value) or exact == Decimal(float(value)):
        return ""
    return f" (which is {float(value)!r} in float64)"


def joined_values(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """``--option VALUE`` as ``--option=VALUE`` where VALUE begins with ``-``.

    argparse takes ``-1e308`` or ``-x.csv`` for an option and says "expected one
    argument"; joined to its option they are values. A value that is itself one of the
    options (``--data --history``) is left alone, so that mistake is still named; ``--``
    as a value (``--data --``, ``--data=--``) is a usage error.
    """
    names = [name for action in parser._actions for name in action.option_strings]
    takes = {
        name
        for action in parser._actions
        if action.nargs is None and action.option_strings
        for name in action.option_strings
    }

    def option(token: str) -> str | None:
        found = [name for name in names if name.startswith(token.split("=", 1)[0])]
        exact = token if token in names else None
        return exact or (found[0] if token.startswith("--") and len(found) == 1 else None)

    joined: list[str] = []
    rest = iter(argv)
    for token in rest:
        if token == "--":
            joined += [token, *rest]
            break
        value = next(rest, None) if option(token) in takes and "=" not in token else None
        if value == "--" or (token.endswith("=--") and option(token) in takes):
            # Python before 3.12 gave the option an empty list (a TypeError later);
            # said here, the same on every Python
            name = option(token) or token.split("=", 1)[0]
            parser.error(f"argument {name}: expected one argument, not '--' (-- ends the options)")
        if value is not None and value.startswith("-") and option(value) is None:
            joined.append(f"{token}={value}")
        else:
            joined += [token] if value is None else [token, value]
    return joined
