"""The package's own exceptions.

Every error linreg raises on purpose is a subclass of `LinregError`, so a caller can
catch them all at once; input problems are also `ValueError`s, as Python convention asks.
"""

from __future__ import annotations

import math
import os
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

__all__ = [
    "STANDARD_INPUT",
    "DataFileError",
    "DivergenceError",
    "FarStartError",
    "HeaderWidthError",
    "InputError",
    "LinregError",
    "OutputError",
    "SingularProblemError",
    "conditioning",
    "distinct",
    "rate_and_bound",
    "reason",
    "rounded",
    "rounded_down",
    "shown_name",
    "underflowed",
]

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def shown_name(path: object) -> str:
    r"""A file name as it is safe to print: every unprintable character escaped.

    A name may hold a newline, an ANSI escape sequence or bytes that are not UTF-8; printed
    raw, it could forge a second message line or recolour the terminal. Printable names
    (any script) are returned unchanged.

    Examples
    --------
    >>> shown_name("data.csv")
    'data.csv'
    >>> print(shown_name("evil\nname\x1b[31m.csv"))
    evil\nname\x1b[31m.csv
    """
    text = os.fsdecode(path) if isinstance(path, (bytes, os.PathLike)) else str(path)
    if text.isprintable():
        return text
    return "".join(_escaped(character) for character in text)


def _escaped(character: str) -> str:
    if character in _ESCAPES:
        return _ESCAPES[character]
    if character.isprintable():
        return character
    code = ord(character)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, as os.fsdecode keeps it
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


#: The name standard input is read by (``--data -``); messages call it "standard input".
STANDARD_INPUT = "/dev/stdin"


class LinregError(Exception):
    """Base class of every error raised by linreg on purpose."""


class InputError(LinregError, ValueError):
    """An argument was wrong: its shape, its type, or a non-finite value.

    The message names the argument and what was wrong with it.
    """


class FarStartError(InputError):
    """The start (``w0``, ``b0``) is so far from the data that its squared error
    overflows float64, where the loss at zero does not (``w0=[1e308]``)."""


class DataFileError(InputError):
    """A data file could not be read: missing, empty, or malformed.

    The message names the file, the line (1-based) and, where it applies, the column.

    Attributes
    ----------
    path : str
        The file that was being read.
    line : int or None
        The 1-based line number of the problem, when there is one.
    column : int or None
        The 1-based column (field) number of the problem, when there is one.
    """

    def __init__(
        self,
        path: object,
        problem: str,
        *,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.path = os.fsdecode(path) if isinstance(path, (bytes, os.PathLike)) else str(path)
        self.line = line
        self.column = column
        where = "standard input" if self.path == STANDARD_INPUT else shown_name(self.path)
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column}"
        super().__init__(f"{where}: {problem}")


class HeaderWidthError(DataFileError):
    """A CSV file's header has another number of columns than the reader requires.

    Attributes
    ----------
    names : list of str
        The header's names.
    """

    def __init__(self, path: object, problem: str, names: list[str]) -> None:
        super().__init__(path, problem, line=1)
        self.names = names


class OutputError(LinregError, OSError):
    """An output (the ``--history`` file, or standard output) could not be written.

    The message names the file, escaped for printing, and the system's reason.
    """


class DivergenceError(LinregError, ArithmeticError):
    """Descent diverged: the loss grew with a learning rate above the stability bound.

    Raised as soon as the loss grows, long before any overflow or NaN.

    Attributes
    ----------
    learning_rate : float
        The learning rate that was used.
    bound : float
        The largest stable learning rate for this method on these data (for example
        2/λ_max for gd, 2(1+μ)/λ_max for heavy-ball momentum), or for mini-batches a
        bound from the largest single-batch curvature.
    iteration : int or None
        The iteration at which the loss was seen to grow, when known.
    method : str
        The method that diverged.
    bound_name : str
        The bound as a formula.
    minibatch : int
        The batch size, for a mini-batch run (0 otherwise).
    condition_number : float
        For a method without a step size whose iterates overflowed (`steps_overflowed`):
        the Hessian's condition number (nan otherwise).
    """

    def __init__(
        self,
        learning_rate: float,
        bound: float,
        iteration: int | None,
        *,
        method: str = "gd",
        bound_name: str = "2/lambda_max",
        minibatch: int = 0,
        condition_number: float = math.nan,
    ) -> None:
        self.learning_rate = learning_rate
        self.condition_number = condition_number
        self.bound = bound
        self.iteration = iteration
        self.method = method
        self.bound_name = bound_name
        self.minibatch = minibatch
        super().__init__(self._message())

    def _message(self) -> str:
        """The message in the API's words (`linreg.cli` says the same in its own)."""
        method, bound, bound_name = self.method, self.bound, self.bound_name
        learning_rate, minibatch = self.learning_rate, self.minibatch
        iteration = self.iteration
        when = "" if iteration is None else f" at iteration {iteration}"
        if minibatch:
            return (
                f"mini-batch descent ({method}, batch_size={minibatch}) diverged{when} with "
                f"learning_rate={learning_rate:.4g}: each step follows one batch's gradient, "
                f"whose curvature can be far above the full data's, so the full-data bound "
                f"does not protect it; below {rounded_down(bound, 4)} (under {bound_name}) "
                f"every batch step is stable: use a smaller learning rate, a larger "
                f"batch_size, or standardize=True"
            )
        elif self.steps_overflowed:  # a method without a step size: inaccurate steps
            return (
                f"descent ({method}) diverged{when}: its iterates overflowed float64; "
                f"{method} has no step size to lower, but {conditioning(self.condition_number)} "
                f"its float64 steps are not accurate; use "
                f"standardize=True, or least_squares for the optimum"
            )
        elif math.isnan(bound):  # a step size without a stability bound (Adam)
            return (
                f"descent ({method}) diverged{when}: its iterates overflowed float64 with "
                f"learning_rate={learning_rate:.4g}; {method} has no stability bound, but "
                f"its steps grow with the learning rate: use a smaller one, or leave it "
                f"unset for the default"
            )
        else:
            rate, shown, below = rate_and_bound(learning_rate, bound)
            return (
                f"descent ({method}) diverged: the loss grew{when} with "
                f"learning_rate={rate}, above the stability bound {bound_name} = {shown} "
                f"for these data; use a learning rate below {below}, leave learning_rate "
                f"unset for the optimal one, or "
                f"standardize=True"
            )

    @property
    def steps_overflowed(self) -> bool:
        """A method without a step size overflowed (its condition number is given)."""
        return not math.isnan(self.condition_number)


def distinct(a: float, b: float) -> tuple[str, str]:
    """a and b with 4 significant digits, or as many more as it takes to tell them apart."""
    for digits in range(4, 18):
        shown = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if shown[0] != shown[1] or a == b:
            return shown
    return f"{a!r}", f"{b!r}"


def rate_and_bound(rate: float, bound: float) -> tuple[str, str, str]:
    """A learning rate as typed, a stability bound to as many digits as tell them apart,
    and a rate to advise, rounded down one digit further (below it is below the bound).

    >>> rate_and_bound(0.0004012999, 0.00040129644)
    ('0.0004012999', '0.000401296', '0.0004012964')
    """
    shown = distinct(rate, bound)[1]
    digits = len(shown.split("e")[0].replace(".", "").lstrip("0"))
    return repr(rate), shown, rounded_down(bound, digits + 1)


def rounded(bound: float, digits: int, *, up: bool) -> str:
    """A positive bound printed to ``digits`` significant digits, rounded up or down (a
    value beyond what is printed is beyond the bound); any other number as ``:g``.

    >>> rounded(0.00040129644, 5, up=False), rounded(1.84375e-12, 2, up=True)
    ('0.00040129', '1.9e-12')
    """
    if not math.isfinite(bound) or bound <= 0:
        return f"{bound:g}"
    exact = Decimal(bound)
    shift = exact.adjusted() - (digits - 1)
    mode = ROUND_CEILING if up else ROUND_FLOOR
    directed = exact.scaleb(-shift).to_integral_value(mode).scaleb(shift)
    text = f"{float(directed):.{digits}g}"
    if (Decimal(text) >= exact) if up else (Decimal(text) <= exact):
        return text
    # float64 holds fewer digits than asked (a subnormal: 5e-324 prints as 4.9e-324)
    return f"{directed.normalize():g}"


def rounded_down(bound: float, digits: int = 5) -> str:
    """A positive bound rounded down, so that a value below what is printed is below the
    bound ("use a learning rate below ...").

    >>> rounded_down(0.00040129644), rounded_down(0.00040129644, 7), rounded_down(2.0)
    ('0.00040129', '0.0004012964', '2')
    """
    return rounded(bound, digits, up=False)


def underflowed(given: str, zero: bool) -> str:
    """The message for a number (``given``: its name and value) that float64 rounds to 0;
    ``zero``: whether 0 itself is allowed.

    >>> underflowed("--tol 1e-400", True)
    '--tol 1e-400 underflows to 0 in float64; give 0, or a number of magnitude at least 5e-324'
    """
    allowed = "0, or " if zero else ""
    return (
        f"{given} underflows to 0 in float64; give {allowed}a number of magnitude at least 5e-324"
    )


def conditioning(condition_number: float) -> str:
    """Where a method's float64 steps failed, in words: "at condition number 1.2e+33"."""
    if math.isfinite(condition_number):
        return f"at condition number {condition_number:.3g}"
    return "on features that are linearly dependent (to float64 precision)"


class SingularProblemError(InputError):
    """The least-squares problem has no unique solution.

    Raised for a constant (or collinear) column, or fewer points than parameters.
    """


def reason(error: OSError) -> str:
    """The system's reason for an `OSError`, lower-cased as in linreg's other messages.

    Examples
    --------
    >>> reason(OSError(28, "No space left on device"))
    'no space left on device'
    """
    if not error.strerror:
        return str(error) or type(error).__name__
    return error.strerror[:1].lower() + error.strerror[1:]
