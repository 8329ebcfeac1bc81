"""CSV files of numbers: the grammar, read a block at a time in bounded memory.

A block of whole lines is parsed by a C reader (pyarrow's with the ``fast`` extra, else
numpy's) when it holds only the bytes a plain numeric CSV holds; otherwise, or when the
C reader refuses it, line by line, so that the error names the exact line and column.
Numbers are read by `linreg.numbers.parse_number`; files are opened by
`linreg.sources.open_binary`.
"""

from __future__ import annotations

import functools
import io
import os
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg.errors import DataFileError
from linreg.numbers import BLANKS, MISSING, describe, first_odd, parse_number
from linreg.sources import BOM, bundled_data_path, decode, open_binary
from linreg.validate import check_positive_int, shorten

__all__ = [
    "BLOCK_BYTES",
    "MAX_FIELDS",
    "MAX_LINE_BYTES",
    "iter_table_chunks",
    "load_table",
]

FloatArray = npt.NDArray[np.float64]

#: The longest line a data file may have, in bytes (the reader's memory stays bounded).
MAX_LINE_BYTES = 1 << 20
#: The most fields a row may have.
MAX_FIELDS = 10_000
_SEPARATORS = (("\t", "tabs"), (";", "semicolons (';')"), ("|", "vertical bars ('|')"))


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
    return _chunks(file, n_columns, False, check_positive_int(block_bytes, "block_bytes"), progress)


#: Bytes per block when a whole file is read into memory.
BLOCK_BYTES = 1 << 22
# Anything but digits, signs, points, exponents, commas and blanks sends a block to
# the line-by-line reader (letters: "nan", "inf", headers, typos; quotes; non-ASCII).
# bytes.translate deletes the expected bytes at memory speed; whatever is left is
# unexpected.
_EXPECTED_BYTES = b"0123456789eE+-., \t\n"


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
    with open_binary(file) as handle:
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
        blob = blob.removeprefix(BOM)
    if blob.strip(b" \t\n"):
        state.has_text = True
        if not state.header_decided:
            state.header_decided = True
            blob = _without_header(blob)
    rows = None if exact else _fast_rows(blob, state.width)
    if rows is None:
        text = decode(file, blob, state.consumed)
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
        and text.lower() not in MISSING
        and not any(mark in text for mark, _ in _SEPARATORS)
    )


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
    odd = first_odd(line, allowed="\t")
    if odd is not None:  # name the character, not a symptom such as a wrong width
        column = line.count(",", 0, odd) + 1
        field = line[line.rfind(",", 0, odd) + 1 :].split(",", 1)[0]
        raise DataFileError(
            file,
            f"{shorten(field.strip(BLANKS))!r} is not a number: it contains "
            f"{describe(line[odd])} (numbers are read in ASCII only)",
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
                raise ValueError(f"text after a closing quote: {shorten(line[end:])!r}")
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
