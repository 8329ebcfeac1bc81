"""The command's settings as the API knows them: the chosen method's ``--learning-rate``,
``--momentum`` and ``--option NAME=VALUE``, each checked against what the method declares
(`linreg.seam`), and the API's messages put in the options' names.

Part of `linreg.cli` (kept apart to keep each file short).
"""

from __future__ import annotations

import argparse

from linreg._cli_input import UsageError
from linreg._cli_values import plain_number, underflow_error, underflows
from linreg.errors import InputError
from linreg.methods import METHODS
from linreg.seam import Option

__all__ = ["add_option_argument", "in_flags", "method_options", "options_help", "parse_option"]

#: The settings with options of their own on the command line.
_OWN_FLAGS = {"learning_rate": "--learning-rate", "momentum": "--momentum"}


def parse_option(text: str) -> tuple[str, float, str]:
    """``--option``'s argument, ``NAME=VALUE``, as (name, number, the value as typed)."""
    name, equals, value = text.partition("=")
    name = name.strip()
    if not equals or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE (e.g. beta2=0.99), got {text!r}")
    try:
        return name, plain_number(value), value.strip()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name}: not a number: {value!r}") from None


def _own(name: str) -> list[str]:
    """A method's settings that only ``--option`` sets."""
    return [o.name for o in METHODS[name].options if o.name not in _OWN_FLAGS]


def options_help() -> str:
    """``--option``'s help: every method's own settings, from their declarations."""
    listed = "; ".join(f"{name}: {', '.join(_own(name))}" for name in METHODS if _own(name))
    return (
        f"a setting of the chosen method, repeatable ({listed}); "
        "the step and the momentum are --learning-rate and --momentum"
    )


def add_option_argument(parser: argparse.ArgumentParser) -> None:
    """``--option NAME=VALUE``, repeatable, with every method's settings in its help."""
    parser.add_argument(
        "--option", action="append", type=parse_option, metavar="NAME=VALUE", help=options_help()
    )


def method_options(args: argparse.Namespace) -> dict[str, float]:
    """The ``options`` for `linreg.descent.minimize`, from every ``--option``; a setting
    the method does not take, one given twice, or a value out of its range is a usage
    error (exit 2) that names it."""
    method = METHODS[args.method]
    takes = {alias: o for o in method.options for alias in (o.name, *o.aliases)}
    given: dict[str, str] = {}  # option's name -> how it was given
    for flag, value, name in (
        ("--learning-rate", args.learning_rate, "learning_rate"),
        ("--momentum", args.momentum, "momentum"),
    ):
        if value is None:
            continue
        if name not in takes:
            why = "it has no momentum" if "learning_rate" in takes else "it chooses its own steps"
            raise UsageError(f"--method {args.method} takes no {flag} ({why}); leave {flag} out")
        given[takes[name].name] = flag
    chosen = {}
    for name, value, typed in args.option or []:
        option = _declared(args.method, takes, name)
        if option.name in given:
            raise UsageError(
                f"--option {name}: {args.method}'s {option.name} is already given "
                f"({given[option.name]}); give it once"
            )
        given[option.name] = f"--option {name}"
        if underflows(typed, value):
            raise underflow_error(f"--option {name}={typed}", option.takes_zero)
        try:
            chosen[option.name] = option.check(value)
        except InputError as error:
            raise UsageError(f"--option {name}={typed}: {error}") from None
    return chosen


def _declared(method: str, takes: dict[str, Option], name: str) -> Option:
    """The option ``name`` of ``method``, or a usage error saying what it takes."""
    if name in _OWN_FLAGS:
        raise UsageError(f"--option {name}: give it as {_OWN_FLAGS[name]}")
    if name not in takes:
        own = _own(method)
        what = f"its options: {', '.join(own)}" if own else "it has no options of its own"
        raise UsageError(f"--method {method} takes no --option {name} ({what})")
    return takes[name]


#: The API's names for what the command's options set (its messages name the options).
_FLAGS = {
    "learning_rate": "--learning-rate",
    "momentum": "--momentum",
    "alpha": "--alpha",
    "tol": "--tol",
    "num_iterations": "--iterations",
    "b0": "--initial-b",
    "w0": "--initial-m",
}


def in_flags(error: InputError) -> InputError:
    """The error, its first word the option's name if it is the API's name for one, and
    ``standardize=True`` said as ``--standardize``."""
    text = str(error).replace("standardize=True", "--standardize")
    name, space, rest = text.partition(" ")
    if name in _FLAGS:
        return InputError(_FLAGS[name] + space + rest)
    return error if text == str(error) else InputError(text)  # the same exit code, 3
