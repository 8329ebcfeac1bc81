"""Reading and validating input: CSV files, the bundled livestream data, and arrays.

Everything that comes from outside the package is checked here, once, and turned into a
clear `linreg.errors.InputError` (or `DataFileError` for files) naming what was wrong.
The layers above can then trust their arguments.
"""

from __future__ import annotations

import functools
import io
import math
import os
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from linreg.errors import DataFileError, InputError

__all__ = [
    "NistDataset",
    "as_features",
    "as_scalar",
    "as_target",
    "bundled_data_path",
    "check_features_target",
    "iter_table_chunks",
    "load_points",
    "load_table",
    "open_npy",
    "parse_number",
    "read_nist",
]

FloatArray = npt.NDArray[np.float64]

# A decimal number as people write it in data files, Fortran's E-notation included:
# 12, -3.5, .5, 7., 1e-3, 0.1234E+02.  Deliberately not Python's float() grammar, which
# also takes "1_000", "nan", "infinity", every script's digits and Unicode spaces: the
# digits here are ASCII's [0-9] (a bare \d would take Arabic-Indic and fullwidth digits).
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NUMBER_PARTS = re.compile(r"([+-]?)([0-9]*)\.?([0-9]*)(?:[eE]([+-]?[0-9]+))?")
_NON_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
# Words that stand for a missing value: never a column name, never a number.
_MISSING = frozenset({"na", "n/a", "nan", "null", "none", "nil", "missing", "inf", "infinity"})
#: Blanks allowed around a field (and making a line blank): space and tab only.
BLANKS = " \t"
#: Exact mode reads at most this many significant digits per number ...
EXACT_DIGITS = 4000
#: ... and numbers between 1e-4000 and 1e+4000 in magnitude (beyond that the rationals
#: are too large to compute with; 1e100000000 would take minutes and gigabytes).
EXACT_EXPONENT = 4000
#: The longest line a data file may have, in bytes (the reader's memory stays bounded).
MAX_LINE_BYTES = 1 << 20
#: The most fields a row may have.
MAX_FIELDS = 10_000
_CONTROL_NAMES = {0: "NUL", 9: "TAB", 11: "VERTICAL TAB", 12: "FORM FEED", 27: "ESCAPE"}
_SEPARATORS = (("\t", "tabs"), (";", "semicolons (';')"), ("|", "vertical bars ('|')"))


def bundled_data_path() -> Path:
    """Return the path of the bundled livestream dataset, ``data.csv``.

    Returns
    -------
    pathlib.Path
        Inside an installed wheel, the copy shipped in the package; in a source
        checkout, ``data/data.csv`` at the top of the repository.

    Examples
    --------
    >>> bundled_data_path().name
    'data.csv'
    """
    shipped = resources.files("linreg").joinpath("_bundled", "data.csv")
    if shipped.is_file():
        return Path(str(shipped))
    # A source checkout or an editable install: the top-level data/ folder.
    return Path(__file__).resolve().parent.parent / "data" / "data.csv"


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
    ValueError
        The text is not a decimal number in ASCII digits (a character outside printable
        ASCII is named: a no-break space, a fullwidth or Arabic-Indic digit, a form
        feed), is NaN or infinite, or overflows a float. In exact mode, also a number
        with more than `EXACT_DIGITS` significant digits or beyond 1e±`EXACT_EXPONENT`.
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
    field = text.strip(BLANKS)
    odd = _first_odd(field)
    if odd is not None:
        raise ValueError(
            f"{_short(field)!r} is not a number: it contains {_describe(field[odd])} "
            "(numbers are read in ASCII only)"
        )
    if _NON_FINITE.fullmatch(field):
        raise ValueError(f"{field!r} is not a finite number")
    if not _NUMBER.fullmatch(field):
        if not field:
            raise ValueError("the field is empty")
        hint = " (a missing value? every value is needed)" if field.lower() in _MISSING else ""
        raise ValueError(f"{_short(field)!r} is not a number{hint}")
    if exact:
        return _exact_number(field)
    value = float(field)
    if math.isinf(value):
        raise ValueError(f"{_short(field)!r} is too large for a float (it overflows to infinity)")
    return value


def _short(field: str) -> str:
    return field if len(field) <= 40 else field[:37] + "..."


def _first_odd(text: str, allowed: str = "") -> int | None:
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


def _describe(character: str) -> str:
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
    if len(digits) > EXACT_DIGITS:
        raise ValueError(
            f"{_short(field)!r} has {len(digits):,} significant digits; exact mode reads "
            f"at most {EXACT_DIGITS:,}"
        )
    written = exponent or "0"
    # A 7-digit exponent is already far out of range; int() of a longer one is not needed.
    if len(written.lstrip("+-")) <= 7:
        power = int(written)
    else:
        power = -(10**8) if written.startswith("-") else 10**8
    power -= len(fraction)
    if abs(power + len(digits)) > EXACT_EXPONENT:
        raise ValueError(
            f"{_short(field)!r} is out of exact mode's range: its magnitude must lie "
            f"between 1e-{EXACT_EXPONENT} and 1e+{EXACT_EXPONENT}"
        )
    value = Fraction(int(digits) * 10**power) if power >= 0 else Fraction(int(digits), 10**-power)
    return -value if sign == "-" else value


def load_table(
    path: str | os.PathLike[str] | None = None,
    *,
    n_columns: int | None = None,
    exact: bool = False,
) -> Any:
    """Read a comma-separated file of numbers into a table of rows.

    The grammar, the same for every reader in this module:

    - Fields are separated by commas; spaces and tabs around a field are ignored. A field
      may be quoted as in RFC 4180: ``"1.5","2.5"`` is two numbers (``""`` inside quotes
      is one quote; a quote must close on its own line).
    - Every field is a decimal number in ASCII digits (see `parse_number`): not ``nan``,
      ``inf``, hexadecimal, ``1_000`` or a decimal comma. A non-ASCII digit, a no-break
      space or a control character is refused, and the error names it (``U+00A0``).
    - The first non-blank row is a header, and is skipped, only when every one of its
      fields is a name: text that starts with a letter and is not a missing-value word
      (NA, N/A, null, none, nan, inf). A row with a number, an empty field or a
      missing-value word in it is data, and is read (or refused) as data.
    - Blank lines (only spaces and tabs) are skipped. LF, CRLF and CR-only (old Mac)
      line ends all work; a UTF-8 byte-order mark is skipped.
    - A row separated by tabs, semicolons, vertical bars or spaces is refused with the
      separator named. A file with a NUL byte is not text: reading stops at the first
      one. A line longer than `MAX_LINE_BYTES` or a row of more than `MAX_FIELDS` fields
      is refused, so memory stays bounded whatever the file holds.

    Parameters
    ----------
    path : str or path-like, optional
        The file. ``None`` means the bundled livestream data.
    n_columns : int, optional
        The number of fields every row must have. By default, the first data row decides.
    exact : bool, default False
        Return a list of rows of `fractions.Fraction` read exactly from the text,
        instead of a float64 array.

    Returns
    -------
    numpy.ndarray of shape (n_rows, n_columns), or list of list of Fraction

    Raises
    ------
    DataFileError
        Naming the file (escaped for printing), and the line and column where it
        applies: the file is missing, is a directory, cannot be read (permissions
        included), is not text, is empty, breaks the grammar above, or has a row with
        the wrong number of fields.

    See Also
    --------
    iter_table_chunks : the same reader, a chunk at a time, for files bigger than memory.
    """
    file = bundled_data_path() if path is None else Path(os.fspath(path))
    chunks = list(_chunks(file, n_columns, exact, BLOCK_BYTES))
    if exact:
        return [row for chunk in chunks for row in chunk]
    return np.concatenate(chunks)


def iter_table_chunks(
    path: str | os.PathLike[str] | None = None,
    *,
    n_columns: int | None = None,
    block_bytes: int = 1 << 22,
    progress: Callable[[int], object] | None = None,
) -> Iterator[FloatArray]:
    """Read a CSV file of numbers a block at a time, in bounded memory.

    The same rules and messages as `load_table`; each chunk is a float64 array of shape
    (rows, n_columns) parsed from about ``block_bytes`` of the file (whole lines). A
    block is parsed by pyarrow's CSV reader when the ``fast`` extra is installed, else by
    numpy's C reader; a block either rejects is re-read line by line, to name the exact
    line and column that is wrong. ``progress``, if given, is called after each block
    with the number of bytes read so far. Pipes and character devices are read the
    same way (``/dev/zero`` stops at its first NUL byte).

    Raises
    ------
    DataFileError
        As `load_table`, when the bad line is reached.
    """
    file = bundled_data_path() if path is None else Path(os.fspath(path))
    if isinstance(block_bytes, bool) or not isinstance(block_bytes, int) or block_bytes < 1:
        raise InputError(f"block_bytes must be a positive integer, got {block_bytes!r}")
    return _chunks(file, n_columns, False, block_bytes, progress)


#: Bytes per block when a whole file is read into memory.
BLOCK_BYTES = 1 << 22
# Anything but digits, signs, points, exponents, commas and blanks sends a block to
# the line-by-line reader (letters: "nan", "inf", headers, typos; quotes; non-ASCII).
# bytes.translate deletes the expected bytes at memory speed; whatever is left is
# unexpected.
_EXPECTED_BYTES = b"0123456789eE+-., \t\n"
_BOM = b"\xef\xbb\xbf"


def _open_binary(file: Path) -> Any:
    """Open a file for reading; every OS failure becomes a `DataFileError`."""
    try:
        return open(file, "rb")
    except FileNotFoundError:
        raise DataFileError(file, "no such file") from None
    except IsADirectoryError:
        raise DataFileError(file, "is a directory, not a file") from None
    except OSError as error:
        raise DataFileError(file, f"cannot be read ({error.strerror or error})") from None


class _LongLineError(Exception):
    """A line past `MAX_LINE_BYTES`: the reader stops before holding more of it."""


def _with_lf(data: bytes) -> bytes:
    """CRLF and lone CR line ends as LF (Python's universal newlines)."""
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n") if b"\r" in data else data


def _blocks(handle: Any, block_bytes: int) -> Iterator[tuple[bytes, int]]:
    """Whole lines, about ``block_bytes`` at a time, and the bytes read so far.

    Line ends come out as LF. Reading stops at the first NUL byte, which ends the last
    block (the decoder names its line). A partial line longer than `MAX_LINE_BYTES`
    raises `_LongLineError`, so a file without line ends is never held whole.
    """
    rest = b""
    done = 0
    while True:
        data = handle.read(block_bytes)
        done += len(data)
        if not data:
            if rest:
                yield _with_lf(rest), done
            return
        nul = data.find(b"\x00")
        if nul >= 0:
            yield _with_lf(rest + data[: nul + 1]), done
            return
        data = rest + data
        hold = b"\r" if data.endswith(b"\r") else b""  # maybe the first half of a CRLF
        data = _with_lf(data[: len(data) - len(hold)])
        cut = data.rfind(b"\n")
        rest = data[cut + 1 :] + hold
        if len(rest) > MAX_LINE_BYTES:
            raise _LongLineError
        if cut >= 0:
            yield data[: cut + 1], done


@dataclass
class _ReadState:
    """What the reader knows between blocks."""

    width: int | None
    consumed: int = 0  # lines before the current block
    header_decided: bool = False
    has_text: bool = False
    has_rows: bool = False


def _chunks(
    file: Path,
    n_columns: int | None,
    exact: bool,
    block_bytes: int,
    progress: Callable[[int], object] | None = None,
) -> Iterator[Any]:
    state = _ReadState(width=n_columns)
    with _open_binary(file) as handle:
        try:
            for blob, read_bytes in _blocks(handle, block_bytes):
                rows = _rows_of_block(file, blob, state, exact)
                if progress is not None:
                    progress(read_bytes)
                if len(rows):
                    yield rows
        except _LongLineError:
            raise DataFileError(
                file,
                f"the line is longer than {MAX_LINE_BYTES:,} bytes (is this a CSV file?)",
                line=state.consumed + 1,
            ) from None
        except OSError as error:
            raise DataFileError(file, f"cannot be read ({error.strerror or error})") from None
    if not state.has_text:
        raise DataFileError(file, "the file is empty")
    if not state.has_rows:
        raise DataFileError(file, "the file has no data rows")


def _rows_of_block(file: Path, blob: bytes, state: _ReadState, exact: bool) -> Any:
    """Parse one block of whole lines: the fast C reader, or line by line."""
    if state.consumed == 0 and not state.has_text:
        if blob.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise DataFileError(file, "is UTF-16 text; save it as UTF-8", line=1)
        blob = blob.removeprefix(_BOM)
    if blob.strip(b" \t\n"):
        state.has_text = True
        if not state.header_decided:
            state.header_decided = True
            blob = _without_header(blob)
    rows = None if exact else _fast_rows(blob, state.width)
    if rows is None:
        text = _decode(file, blob, state.consumed)
        lines = text.split("\n")
        if text.endswith("\n"):
            lines.pop()
        rows = _slow_rows(file, lines, state.consumed, state.width, exact)
    state.consumed += blob.count(b"\n")
    if len(rows):
        state.width = len(rows[0])
        state.has_rows = True
    return rows


def _without_header(blob: bytes) -> bytes:
    """Blank the first non-blank line if it is a header (line numbers stay right)."""
    start = 0
    while True:
        end = blob.find(b"\n", start)
        line = blob[start:] if end < 0 else blob[start:end]
        if line.strip(b" \t"):
            if not _is_header(line):
                return blob
            return blob[:start] + (b"" if end < 0 else blob[end:])
        if end < 0:
            return blob
        start = end + 1


def _is_header(line: bytes) -> bool:
    """A header row is one in which every field is a name (see `load_table`)."""
    if len(line) > MAX_LINE_BYTES or line.count(b",") >= MAX_FIELDS:
        return False  # the reader refuses it, naming the problem
    try:
        fields = _split_fields(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False  # not text, or a broken quote: the reader names it
    return all(_is_name(field) for field in fields)


def _is_name(field: str) -> bool:
    text = field.strip(BLANKS)
    return (
        bool(text)
        and (text[0].isalpha() or text[0] == "_")
        and text.isprintable()
        and text.lower() not in _MISSING
        and not any(mark in text for mark, _ in _SEPARATORS)
    )


def _decode(file: Path, blob: bytes, consumed: int) -> str:
    if b"\x00" in blob:
        line = consumed + blob[: blob.index(b"\x00")].count(b"\n") + 1
        raise DataFileError(file, "is not a text file (it contains NUL bytes)", line=line)
    try:
        return blob.decode("utf-8")
    except UnicodeDecodeError as error:
        line = consumed + blob[: error.start].count(b"\n") + 1
        raise DataFileError(file, "is not UTF-8 text", line=line) from None


def _fast_rows(blob: bytes, width: int | None) -> FloatArray | None:
    """A C reader on a block that looks clean; None sends it to `_slow_rows`."""
    if blob.translate(None, _EXPECTED_BYTES):
        return None
    first = next((line for line in blob.split(b"\n", 64) if line.strip(b" \t")), None)
    if first is None:
        return np.empty((0, width or 0))
    fields = first.count(b",") + 1
    if fields > MAX_FIELDS or (width is not None and fields != width):
        return None  # the line-by-line reader names the row
    rows = _parse_pyarrow(blob, fields) if _pyarrow_csv() is not None else _parse_numpy(blob)
    if rows is None:
        return None
    if rows.shape[0] == 0:
        return rows.reshape(0, width or 0)
    if (width is not None and rows.shape[1] != width) or not np.isfinite(rows).all():
        return None
    return rows


def _parse_numpy(blob: bytes) -> FloatArray | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "input contained no data" for blank blocks
        try:
            return np.loadtxt(
                io.StringIO(blob.decode("ascii")),
                delimiter=",",
                ndmin=2,
                comments=None,
                dtype=np.float64,
            )
        except ValueError:
            return None


@functools.cache
def _pyarrow_csv() -> Any:
    try:
        import pyarrow.csv
    except ImportError:
        return None
    return pyarrow.csv


def _parse_pyarrow(blob: bytes, width: int) -> FloatArray | None:
    import pyarrow

    csv = _pyarrow_csv()
    names = [f"c{k}" for k in range(width)]
    try:
        # No threads, and a native buffer rather than a Python file: pyarrow's worker
        # threads still alive at interpreter exit aborted the process now and then
        # ("terminate called without an active exception", exit 134).
        table = csv.read_csv(
            pyarrow.BufferReader(blob),
            read_options=csv.ReadOptions(column_names=names, use_threads=False),
            parse_options=csv.ParseOptions(delimiter=","),
            convert_options=csv.ConvertOptions(
                column_types={name: "float64" for name in names}, strings_can_be_null=False
            ),
        )
    except Exception:  # any parse problem: the line-by-line reader will name it
        return None
    if any(column.null_count for column in table.columns):
        return None
    # Straight from the buffers: to_numpy() imports pandas, and a signal that arrives
    # during that import is discarded with the import's error by pyarrow's C++.
    return np.column_stack([_float_column(column) for column in table.columns])


def _float_column(column: Any) -> FloatArray:
    """A float64 column without nulls, copied from its Arrow buffers (no pandas)."""
    parts = [
        np.frombuffer(chunk.buffers()[1], np.float64, len(chunk), chunk.offset * 8)
        for chunk in column.chunks
        if len(chunk)
    ]
    return np.concatenate(parts) if parts else np.empty(0)


def _slow_rows(file: Path, lines: list[str], consumed: int, width: int | None, exact: bool) -> Any:
    """Parse line by line with `parse_number`, naming the line and column of a problem."""
    rows: list[list[Any]] = []
    for number, line in enumerate(lines, start=consumed + 1):
        if not line.strip(BLANKS):
            continue
        fields = _fields_of(file, line, number, width)
        width = len(fields)
        row = []
        for column, field in enumerate(fields, start=1):
            try:
                row.append(parse_number(field, exact=exact))
            except ValueError as problem:
                message = f"{problem}{_separator_hint(field)}"
                raise DataFileError(file, message, line=number, column=column) from None
        rows.append(row)
    if exact:
        return rows
    return np.array(rows, dtype=np.float64).reshape(len(rows), width or 0)


def _fields_of(file: Path, line: str, number: int, width: int | None) -> list[str]:
    """One line's fields; a line too long, too wide or mis-separated is refused."""
    if len(line) > MAX_LINE_BYTES:
        raise DataFileError(file, f"the line is longer than {MAX_LINE_BYTES:,} bytes", line=number)
    odd = _first_odd(line, allowed="\t")
    if odd is not None:  # name the character, not a symptom such as a wrong width
        column = line.count(",", 0, odd) + 1
        field = line[line.rfind(",", 0, odd) + 1 :].split(",", 1)[0]
        raise DataFileError(
            file,
            f"{_short(field.strip(BLANKS))!r} is not a number: it contains "
            f"{_describe(line[odd])} (numbers are read in ASCII only)",
            line=number,
            column=column,
        )
    found = line.count(",") + 1
    if width is not None and found != width and '"' not in line:
        raise DataFileError(file, _wrong_width(width, found, line), line=number)
    if found > MAX_FIELDS:
        raise DataFileError(
            file, f"the row has {found:,} fields; at most {MAX_FIELDS:,} are read", line=number
        )
    try:
        fields = _split_fields(line)
    except ValueError as problem:
        raise DataFileError(file, str(problem), line=number) from None
    if width is not None and len(fields) != width:
        raise DataFileError(file, _wrong_width(width, len(fields), line), line=number)
    return fields


def _wrong_width(width: int, found: int, line: str) -> str:
    return f"expected {width} comma-separated fields, found {found:,}{_separator_hint(line)}"


def _separator_hint(text: str) -> str:
    """Name the separator a line seems to use instead of commas, if any."""
    for mark, name in _SEPARATORS:
        if mark in text:
            return f" (this line separates its fields with {name}; linreg reads commas)"
    if "," not in text and len(text.strip(BLANKS).split()) > 1:
        return " (this line separates its fields with spaces; linreg reads commas)"
    return ""


def _split_fields(line: str) -> list[str]:
    """Split at commas outside double quotes; a quoted field loses its quotes.

    Raises ValueError for a quote that is not closed on its line, or for text between a
    closing quote and the next comma.
    """
    if '"' not in line:
        return line.split(",")
    fields: list[str] = []
    position = 0
    while True:
        start = position + len(line[position:]) - len(line[position:].lstrip(BLANKS))
        if line.startswith('"', start):
            close = _closing_quote(line, start)
            fields.append(line[start + 1 : close].replace('""', '"'))
            end = close + 1 + len(line[close + 1 :]) - len(line[close + 1 :].lstrip(BLANKS))
            if end < len(line) and line[end] != ",":
                raise ValueError(f"text after a closing quote: {_short(line[end:])!r}")
        else:
            comma = line.find(",", position)
            end = len(line) if comma < 0 else comma
            fields.append(line[position:end])
        if end >= len(line):
            return fields
        position = end + 1


def _closing_quote(line: str, start: int) -> int:
    close = start
    while True:
        close = line.find('"', close + 1)
        if close < 0:
            raise ValueError("a quoted field is not closed (a quote must close on its line)")
        if not line.startswith('"', close + 1):
            return close
        close += 1  # "" inside quotes is one quote


def load_points(path: str | os.PathLike[str] | None = None, *, exact: bool = False) -> Any:
    """Load (x, y) points from a two-column CSV file.

    Parameters
    ----------
    path : str or path-like, optional
        The file: one point per line, ``x,y``. ``None`` (the default) means the bundled
        livestream data, 100 students' hours studied against test scores.
    exact : bool, default False
        Return the values as exact rationals (`fractions.Fraction`) read from the text,
        with no float rounding, as a list of ``[x, y]`` rows.

    Returns
    -------
    numpy.ndarray of shape (N, 2), dtype float64
        Column 0 is x, column 1 is y, in file order. (A list of ``[x, y]`` Fractions
        when ``exact=True``.)

    Raises
    ------
    DataFileError
        The file is missing, empty, or malformed (the message names the file, line and
        column), or holds fewer than two points.

    See Also
    --------
    load_table : the same reader for any number of columns.

    Examples
    --------
    >>> points = load_points()
    >>> points.shape
    (100, 2)
    >>> print(points[0])
    [32.50234527 31.70700585]
    """
    file = bundled_data_path() if path is None else path
    rows = load_table(file, n_columns=2, exact=exact)
    if len(rows) < 2:
        raise DataFileError(file, f"found {len(rows)} point; at least 2 are needed to fit a line")
    return rows


def _read_text(file: Path) -> str:
    with _open_binary(file) as handle:
        try:
            raw = handle.read(MAX_TEXT_BYTES + 1)
        except OSError as error:
            raise DataFileError(file, f"cannot be read ({error.strerror or error})") from None
    if len(raw) > MAX_TEXT_BYTES:
        raise DataFileError(file, f"is larger than {MAX_TEXT_BYTES:,} bytes")
    if not raw.strip():
        raise DataFileError(file, "the file is empty")
    return _decode(file, raw.removeprefix(_BOM), 0)


#: The largest reference file `read_nist` reads (NIST's largest is about 40 kB).
MAX_TEXT_BYTES = 1 << 24
_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK\x03\x04"


def open_npy(path: str | os.PathLike[str]) -> Any:
    """Memory-map a ``.npy`` table of shape (N, k), k ≥ 2, after checking its header.

    The header is read and checked before anything is mapped: a numeric dtype (never an
    object array: nothing is unpickled), two dimensions, and a data size the file really
    holds, computed in Python integers (a header claiming shape (2**62, 2) is refused
    without a numpy warning).

    Returns
    -------
    numpy.memmap of shape (N, k)
        Not yet checked for NaN or infinity (that needs a pass over the data).

    Raises
    ------
    DataFileError
        Missing, unreadable, a ``.npz`` archive, not a ``.npy`` file, not a numeric 2-D
        table with at least 2 columns, or shorter than its header says.
    """
    file = Path(os.fspath(path))
    with _open_binary(file) as handle:
        try:
            shape, fortran, dtype, offset = _npy_header(file, handle)
            size = os.fstat(handle.fileno()).st_size
        except OSError as error:
            raise DataFileError(file, f"cannot be read ({error.strerror or error})") from None
    if len(shape) != 2 or shape[1] < 2 or dtype.kind not in "iuf":
        raise DataFileError(
            file,
            f"must hold a numeric (N, k) table with k >= 2, got {dtype} of shape {shape}",
        )
    needed = math.prod(shape) * dtype.itemsize
    if offset + needed > size:
        raise DataFileError(
            file,
            f"is shorter than its header says: shape {shape} of {dtype} needs {needed:,} "
            f"bytes of data, the file has {max(size - offset, 0):,}",
        )
    if needed == 0:
        return np.empty(shape, dtype=dtype)
    return np.memmap(
        file, dtype=dtype, mode="r", offset=offset, shape=shape, order="F" if fortran else "C"
    )


def _npy_header(file: Path, handle: Any) -> tuple[tuple[int, ...], bool, np.dtype[Any], int]:
    """Shape, Fortran order, dtype and data offset of an open ``.npy`` file."""
    magic = handle.read(len(_NPY_MAGIC))
    if magic.startswith(_ZIP_MAGIC):
        raise DataFileError(
            file,
            "is a .npz archive (a zip of arrays), not a .npy array: load it with numpy.load "
            "and save the table you want with numpy.save",
        )
    if magic != _NPY_MAGIC:
        raise DataFileError(file, "is not a .npy array file (it lacks numpy's magic bytes)")
    handle.seek(0)
    try:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
    except (ValueError, TypeError, SyntaxError) as error:
        raise DataFileError(file, f"is not a .npy array file ({error})") from None
    return tuple(int(n) for n in shape), bool(fortran), dtype, handle.tell()


# --- NIST StRD linear least-squares reference files ------------------------------------


@dataclass(frozen=True)
class NistDataset:
    """One NIST StRD linear least-squares dataset: its data and certified values.

    All numbers are kept as the text NIST printed, so they can be read exactly.

    Attributes
    ----------
    name : str
        The file's stem, e.g. ``"Filip"``.
    x : list of list of str
        The predictor columns of each observation.
    y : list of str
        The response of each observation.
    fit_intercept : bool
        Whether the model has the intercept B0 (NoInt1 and NoInt2 do not).
    degree : int or None
        For a polynomial in a single x, its degree; None when the columns are used as
        they are (Longley, and the straight lines).
    estimates, stderrs : list of str
        Certified B_k and their standard deviations, B0 first when present.
    residual_std, r_squared : str
        The certified residual standard deviation and R².
    """

    name: str
    x: list[list[str]]
    y: list[str]
    fit_intercept: bool
    degree: int | None
    estimates: list[str]
    stderrs: list[str]
    residual_std: str
    r_squared: str

    def design(self, *, exact: bool = False) -> Any:
        """The model's feature columns (powers of x for a polynomial), without the ones.

        Returns float64 array of shape (n_samples, n_features), or with ``exact=True``
        a list of rows of `fractions.Fraction`.
        """
        rows = [[parse_number(v, exact=True) for v in row] for row in self.x]
        if self.degree is not None:
            rows = [[row[0] ** k for k in range(1, self.degree + 1)] for row in rows]
        if exact:
            return rows
        if self.degree is not None:
            # Powers of the float-rounded x, as a user of float software would form them.
            column = np.array([float(parse_number(row[0])) for row in self.x])
            return np.column_stack([column**k for k in range(1, self.degree + 1)])
        return np.array(rows, dtype=np.float64)

    def target(self, *, exact: bool = False) -> Any:
        """The response y: a float64 array, or a list of Fractions with ``exact=True``."""
        values = [parse_number(v, exact=True) for v in self.y]
        return values if exact else np.array([float(v) for v in values])


def read_nist(path: str | os.PathLike[str]) -> NistDataset:
    """Read a NIST StRD linear least-squares file (``Norris.dat`` … ``Wampler5.dat``).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    NistDataset

    Raises
    ------
    DataFileError
        The file is missing, unreadable, or not laid out as NIST's files are.
    """
    file = Path(os.fspath(path))
    lines = [line.strip() for line in _read_text(file).splitlines()]
    try:
        certified = _nist_range(lines, "Certified Values")
        data = _nist_range(lines, "Data")
    except (StopIteration, ValueError):
        raise DataFileError(
            file, "is not a NIST StRD file (no line ranges in its header)"
        ) from None
    estimates: list[str] = []
    stderrs: list[str] = []
    names: list[str] = []
    residual_std = r_squared = ""
    for number in range(certified[0], certified[1]):
        fields = lines[number].split()
        if fields and re.fullmatch(r"B\d+", fields[0]) and len(fields) == 3:
            names.append(fields[0])
            estimates.append(fields[1])
            stderrs.append(fields[2])
        elif lines[number].startswith("Standard Deviation") and lines[number - 1] == "Residual":
            residual_std = fields[-1]
        elif lines[number].startswith("R-Squared"):
            r_squared = fields[-1]
    table = [lines[k].split() for k in range(data[0], data[1]) if lines[k]]
    if not (estimates and residual_std and r_squared and table):
        raise DataFileError(file, "is missing its certified values or its data")
    fit_intercept = names[0] == "B0"
    n_weights = len(names) - int(fit_intercept)
    n_x = len(table[0]) - 1
    degree = n_weights if (n_x == 1 and n_weights > 1) else None
    return NistDataset(
        name=file.stem,
        x=[row[1:] for row in table],
        y=[row[0] for row in table],
        fit_intercept=fit_intercept,
        degree=degree,
        estimates=estimates,
        stderrs=stderrs,
        residual_std=residual_std,
        r_squared=r_squared,
    )


def _nist_range(lines: list[str], label: str) -> tuple[int, int]:
    """Lines 5–6 say e.g. 'Certified Values (lines 31 to 51)': 0-based [start, stop)."""
    pattern = re.compile(label + r"\s+\(lines (\d+) to (\d+)\)")
    first, last = next(match.groups() for line in lines[:10] if (match := pattern.search(line)))
    return int(first) - 1, int(last)


# --- arrays handed to the public functions ---------------------------------------------


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
    if array.shape[0] == 0:
        raise InputError(f"{name} is empty: it has no samples")
    if array.shape[1] == 0:
        raise InputError(f"{name} has no features (shape {array.shape})")
    if finite:
        _check_finite(array, name)
    return array


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


def as_scalar(value: object, name: str) -> float:
    """Check a real, finite number (a bool or a string is not one) and return it as float.

    Raises
    ------
    InputError
        Naming the argument: not a real number, or NaN or infinite.
    """
    if isinstance(value, (bool, np.bool_, str, bytes)) or np.ndim(cast(Any, value)) != 0:
        raise InputError(f"{name} must be a real number, got {value!r}")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a real number, got {value!r}") from None
    if isinstance(value, complex) or not math.isfinite(number):
        raise InputError(f"{name} must be finite, got {value!r}")
    return number


def _as_float_array(value: object, name: str) -> FloatArray:
    """Numbers only: strings, bytes, dates, times and masked values are refused."""
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
        odd = next((v for v in array.flat if isinstance(v, _NOT_NUMBER_TYPES)), None)
        if odd is not None:
            raise InputError(
                f"{name} must hold numbers, got {type(odd).__name__} {_short(repr(odd))}: "
                "convert it to a number first"
            )
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            raise InputError(
                f"{name} must hold numbers, got values of dtype {array.dtype}"
            ) from None
    return np.asarray(array, dtype=np.float64)


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
