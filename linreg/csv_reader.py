"""CSV files of numbers: the grammar, read a block at a time in bounded memory.

A block of whole lines is parsed by a C reader (pyarrow's with the ``fast`` extra, in a
few threads at once; else numpy's); a block the C reader refuses is read line by line
(`linreg.csv_lines`), so that the error names the exact line and column. Numbers are
read by `linreg.numbers.parse_number`; files are opened by `linreg.sources.open_binary`.
"""

from __future__ import annotations

import collections
import functools
import io
import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg.csv_lines import (
    MAX_FIELDS,
    MAX_LINE_BYTES,
    check_header_width,
    comment_hint,
    fields_of,
    header_of,
    not_a_header,
    row_width,
    separator_hint,
)
from linreg.errors import DataFileError
from linreg.numbers import BLANKS, parse_number
from linreg.sources import BOM, bundled_data_path, decode, open_binary
from linreg.validate import check_non_negative_int, check_positive_int, shorten

__all__ = [
    "BLOCK_BYTES",
    "MAX_FIELDS",
    "MAX_LINE_BYTES",
    "iter_table_chunks",
    "load_table",
]

FloatArray = npt.NDArray[np.float64]


def load_table(
    path: str | os.PathLike[str] | None = None,
    *,
    n_columns: int | None = None,
    exact: bool = False,
    columns: Sequence[str | int] | None = None,
) -> Any:
    """Read a comma-separated file of numbers into a table of rows.

    The grammar, the same for every reader in this module:

    - Fields are separated by commas; spaces and tabs around a field are ignored. A field
      may be quoted as in RFC 4180: ``"1.5","2.5"`` is two numbers (``""`` inside quotes
      is one quote; a quote must close on its own line).
    - Every field is a decimal number in ASCII digits (see `parse_number`): not ``nan``,
      ``inf``, hexadecimal, ``1_000`` or a decimal comma. A non-ASCII digit, a no-break
      space or a control character is refused, and the error names it (``U+00A0``).
    - The first non-blank row is a header, and is skipped, when every one of its
      fields is a name: text that starts with a letter and is not a missing-value word
      (NA, N/A, null, none, nan, inf). A row with a number, an empty field or a
      missing-value word in it is data, and is read (or refused) as data, unless
      ``columns`` makes it the header: a column asked for by a name that the row holds
      (a string, matched as text: ``"2020"`` in ``x1,2020``), or by a position past the
      row's last field that the row spells (``2020`` in ``2019,2020``). Once the row is a header, a
      position that it spells is that column (``0`` in ``0,b``), and one that is the
      name of another column (``1`` in ``a,b,1``) is refused as ambiguous.
    - Blank lines (only spaces and tabs) are skipped. LF, CRLF and CR-only (old Mac)
      line ends all work; a UTF-8 byte-order mark is skipped.
    - A row separated by tabs, semicolons, vertical bars or spaces is refused with the
      separator named. There are no comment lines: a line starting with ``#`` is refused,
      saying so. A file with a NUL byte is not text: reading stops at the first
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
    columns : sequence of str or int, optional
        Read only these columns, in this order: names from the header row, or 0-based
        positions. The other columns are not parsed (they may hold text).

    Returns
    -------
    numpy.ndarray of shape (n_rows, n_columns), or list of list of Fraction

    Raises
    ------
    DataFileError
        Naming the file (escaped for printing), and the line and column where it
        applies: the file is missing, is a directory, cannot be read (permissions
        included), is not text, is empty, breaks the grammar above, or has a row with
        the wrong number of fields; a column asked for that the file does not have.
    HeaderWidthError
        A header of another number of columns than ``n_columns``.
    InputError
        ``n_columns`` not a positive int; a column position not a non-negative int.

    See Also
    --------
    iter_table_chunks : the same reader, a chunk at a time, for files bigger than memory.
    """
    file = bundled_data_path() if path is None else Path(os.fspath(path))
    chunks = list(_chunks(file, row_width(n_columns), exact, BLOCK_BYTES, None, columns))
    if exact:
        return [row for chunk in chunks for row in chunk]
    return np.concatenate(chunks)


def iter_table_chunks(
    path: str | os.PathLike[str] | None = None,
    *,
    n_columns: int | None = None,
    block_bytes: int = 1 << 22,
    progress: Callable[[int], object] | None = None,
    columns: Sequence[str | int] | None = None,
) -> Iterator[FloatArray]:
    """Read a CSV file of numbers a block at a time, in bounded memory.

    The same rules and messages as `load_table`; each chunk is a float64 array of shape
    (rows, n_columns) parsed from about ``block_bytes`` of the file (whole lines). Blocks
    are parsed by pyarrow's CSV reader when the ``fast`` extra is installed (several
    blocks at once, one per core, each without Arrow's own threads), else by numpy's C
    reader; a block either rejects is re-read line by line, to name the exact line and
    column that is wrong. ``progress``, if given, is called after each block with the
    number of bytes read so far. Pipes and character devices are read the same way
    (``/dev/zero`` stops at its first NUL byte).

    Parameters
    ----------
    columns : sequence of str or int, optional
        Read only these columns, in this order: names from the header row, or 0-based
        positions. The other columns are not parsed (they may hold text).

    Raises
    ------
    DataFileError
        As `load_table`, when the bad line is reached; also a column named that the
        header does not have (or a name given for a file without a header), a position
        past the row's last field, or a column chosen twice.
    InputError
        As `load_table`.
    """
    file = bundled_data_path() if path is None else Path(os.fspath(path))
    size = check_positive_int(block_bytes, "block_bytes")
    return _chunks(file, row_width(n_columns), False, size, progress, columns)


#: Bytes per block when a whole file is read into memory.
BLOCK_BYTES = 1 << 22
#: Blocks parsed at once by the fast reader, at most (one per core below that).
MAX_PARSERS = 8


class _LongLineError(Exception):
    """A line past `MAX_LINE_BYTES`: the reader stops before holding more of it."""


def _with_lf(data: bytes) -> bytes:
    """CRLF and lone CR line ends as LF (Python's universal newlines)."""
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n") if b"\r" in data else data


#: Numbers (fields) per block, at most: a block's numbers, not its bytes, are what its
#: parse holds (10M rows of ``1,2`` are 40 MB of text and 160 MB of floats; rows of 257
#: two-digit fields filled 4 MiB blocks with 1.4M numbers, 251-252 MiB peak with 256
#: --x); short fields make the blocks smaller, down to `MIN_BLOCK_BYTES`.
MAX_BLOCK_NUMBERS = 1 << 19
MIN_BLOCK_BYTES = 1 << 16
#: The first read, at most: small enough that short fields cannot fill it with more than
#: `MAX_BLOCK_NUMBERS`, large enough to measure them.
FIRST_READ_BYTES = 1 << 18


def _blocks(handle: Any, block_bytes: int) -> Iterator[tuple[bytes, int]]:
    """Whole lines, about ``block_bytes`` at a time (the first read at most
    `FIRST_READ_BYTES`; later ones less if its fields were short), and the bytes read so
    far.

    Line ends come out as LF. Reading stops at the first NUL byte, which ends the last
    block (the decoder names its line). A partial line longer than `MAX_LINE_BYTES`
    raises `_LongLineError`, so a file without line ends is never held whole. A block of
    LF lines is copied once (its partial last line joins the next block).
    """
    rest = b""
    done = 0
    first = True
    while True:
        data = handle.read(min(block_bytes, FIRST_READ_BYTES) if first else block_bytes)
        if first and data:
            # fields: a comma or a line end after each (a CRLF counted twice)
            first, fields = False, sum(data.count(end) for end in (b",", b"\n", b"\r"))
            if fields * block_bytes > MAX_BLOCK_NUMBERS * len(data):  # a full block's
                block_bytes = max(MIN_BLOCK_BYTES, len(data) * MAX_BLOCK_NUMBERS // fields)
        done += len(data)
        if not data:
            if rest:
                yield _with_lf(rest), done
            return
        nul = data.find(b"\x00")
        if nul >= 0:
            yield _with_lf(rest + data[: nul + 1]), done
            return
        if b"\r" in data or rest.endswith(b"\r"):
            data = rest + data
            hold = b"\r" if data.endswith(b"\r") else b""  # maybe the first half of a CRLF
            data = _with_lf(data[: len(data) - len(hold)])
            cut = data.rfind(b"\n")
            whole, rest = data[: cut + 1], data[cut + 1 :] + hold
        else:
            cut = data.rfind(b"\n")
            whole = b"".join((rest, memoryview(data)[: cut + 1])) if cut >= 0 else b""
            rest = data[cut + 1 :] if cut >= 0 else rest + data
        if len(rest) > MAX_LINE_BYTES:
            raise _LongLineError
        if whole:
            yield whole, done


@dataclass
class _ReadState:
    """What the reader knows between blocks."""

    width: int | None
    wanted: list[str | int] | None = None  # the columns asked for, as given
    chosen: list[int] | None = None  # their positions, once the header is decided
    names: list[str] | None = None  # the header's names, if there is a header
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
    columns: Sequence[str | int] | None = None,
) -> Iterator[Any]:
    state = _ReadState(width=n_columns, wanted=None if columns is None else list(columns))
    with open_binary(file) as handle, _Parsers(file, state, exact, progress) as parsers:
        try:
            for blob, read_bytes in _blocks(handle, block_bytes):
                yield from parsers.push(_prepared(file, blob, state), read_bytes)
            yield from parsers.drain()
        except _LongLineError:
            raise DataFileError(
                file,
                f"the line is longer than {MAX_LINE_BYTES:,} bytes (is this a CSV file?)",
                line=state.consumed + parsers.lines_pending() + 1,
            ) from None
        except OSError as error:
            raise DataFileError(file, f"cannot be read ({error.strerror or error})") from None
    if not state.has_text:
        raise DataFileError(file, "the file is empty")
    if not state.has_rows:
        raise DataFileError(file, "the file has no data rows")


class _Parsers:
    """Blocks parsed by the fast reader in a few threads, finished in file order.

    pyarrow parses without the GIL, so blocks parsed in threads use every core; each
    block is parsed without Arrow's own thread pool (its threads, alive at interpreter
    exit, aborted the process now and then). Results are taken in order, so line
    numbers, the header rule and the first error are exactly those of a sequential read.
    """

    def __init__(
        self, file: Path, state: _ReadState, exact: bool, progress: Callable[[int], object] | None
    ) -> None:
        self.file, self.state, self.exact, self.progress = file, state, exact, progress
        self.threads = min(os.cpu_count() or 1, MAX_PARSERS)
        self.parallel = not exact and self.threads > 1 and _pyarrow_csv() is not None
        self.pool: ThreadPoolExecutor | None = None
        self.pending: collections.deque[tuple[Any, bytes, int]] = collections.deque()

    def __enter__(self) -> _Parsers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            for future, _, _ in self.pending:
                future.cancel()
            self.pool.shutdown(wait=True)

    def push(self, blob: bytes, read_bytes: int) -> Iterator[Any]:
        """Start parsing a block; finish (in order) those beyond the blocks in flight.

        The first block is parsed at once: a file of one block starts no thread."""
        state = self.state
        if self.exact:
            job: Any = None
        elif self.pool is None and not (self.parallel and state.has_rows):
            job = _Done(_fast_rows(blob, state.width, state.chosen))
        else:
            if self.pool is None:
                self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix="linreg-csv")
            job = self.pool.submit(_fast_rows, blob, state.width, state.chosen)
        self.pending.append((job, blob, read_bytes))
        while len(self.pending) > (2 * self.threads if self.pool is not None else 0):
            yield from self._finish()

    def drain(self) -> Iterator[Any]:
        while self.pending:
            yield from self._finish()

    def lines_pending(self) -> int:
        return sum(blob.count(b"\n") for _, blob, _ in self.pending)

    def _finish(self) -> Iterator[Any]:
        job, blob, read_bytes = self.pending.popleft()
        fast = None if job is None else job.result()
        rows = _rows_of_block(self.file, blob, self.state, self.exact, fast)
        if self.progress is not None:
            self.progress(read_bytes)
        if len(rows):
            yield rows


@dataclass
class _Done:
    """A result already computed, with the interface of a future."""

    value: Any

    def result(self) -> Any:
        return self.value

    def cancel(self) -> bool:
        return False


def _prepared(file: Path, blob: bytes, state: _ReadState) -> bytes:
    """The block as the parsers see it: the byte-order mark and the header row removed
    (blanked, so that line numbers stay right), and the columns asked for resolved."""
    if state.consumed == 0 and not state.has_text:
        if blob.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise DataFileError(file, "is UTF-16 text; save it as UTF-8", line=1)
        blob = blob.removeprefix(BOM)
    if not state.header_decided and blob.strip(b" \t\n"):
        _check_text(file, blob, state.consumed)
        state.has_text = state.header_decided = True
        blob, state.names, wanted = _without_header(file, blob, state.wanted)
        if state.names is not None and wanted is None:
            check_header_width(file, state.names, state.width)
        state.chosen = _positions(file, wanted, state.names)
    return blob


def _check_text(file: Path, blob: bytes, consumed: int) -> None:
    """Refuse the first block before its header is read if it holds a NUL byte (a binary
    file: a Parquet file named .csv is not a file without a header), or if its first
    non-blank line is not UTF-8 (`decode` names the line)."""
    if b"\x00" not in blob:
        end = blob.find(b"\n", len(blob) - len(blob.lstrip(b" \t\n")))
        blob = blob if end < 0 else blob[:end]
    decode(file, blob, consumed)


def _positions(file: Path, wanted: list[str | int] | None, names: list[str] | None) -> Any:
    """The 0-based positions of the columns asked for (names looked up in the header)."""
    if wanted is None:
        return None
    positions = []
    for column in wanted:
        if isinstance(column, str):
            if names is None:
                raise DataFileError(
                    file,
                    f"has no header row, so no column is named {shorten(column)!r} "
                    "(give positions, counting from 0, or add a header)",
                    line=1,
                )
            if column not in names:
                known = ", ".join(repr(shorten(name)) for name in names[:20])
                raise DataFileError(
                    file, f"has no column named {shorten(column)!r} (its columns: {known})", line=1
                )
            if names.count(column) > 1:  # the first would be a guess: say so
                raise DataFileError(
                    file,
                    f"has {names.count(column)} columns named {shorten(column)!r} (choose one "
                    "by its position, counting from 0)",
                    line=1,
                )
            positions.append(names.index(column))
        else:
            positions.append(check_non_negative_int(column, "a column position (0 is the first)"))
    again = next((k for k in range(len(wanted)) if positions.index(positions[k]) < k), None)
    if again is not None:
        first, repeated = wanted[positions.index(positions[again])], wanted[again]
        also = "" if first == repeated else f" (as {shorten(str(first))!r} too)"
        raise DataFileError(file, f"column {shorten(str(repeated))!r} is chosen twice{also}")
    return positions


def _rows_of_block(
    file: Path, blob: bytes, state: _ReadState, exact: bool, fast: tuple[Any, int, int] | None
) -> Any:
    """A parsed block taken in order: the fast reader's rows if it took the block and
    they fit the width so far, else the block line by line."""
    rows, fields, ends = (None, 0, -1) if fast is None else fast
    if rows is not None and state.width is not None and fields != state.width:
        rows = None  # the line-by-line reader names the row
    if rows is None:
        text = decode(file, blob, state.consumed)
        lines = text.split("\n")
        if text.endswith("\n"):
            lines.pop()
        rows, fields = _slow_rows(file, lines, state, exact)
    state.consumed += ends if ends >= 0 else blob.count(b"\n")
    if len(rows):
        _check_positions(file, state, fields, state.consumed)
        state.width = fields
        state.has_rows = True
    return rows


def _check_positions(file: Path, state: _ReadState, fields: int, line: int) -> None:
    """A column position past the first data row's last field is refused."""
    if state.width is None and state.chosen and max(state.chosen) >= fields:
        raise DataFileError(
            file,
            f"the row has {fields} fields; column position {max(state.chosen)} (counting "
            "from 0) is past its last",
            line=line,
        )


def _without_header(
    file: Path, blob: bytes, wanted: list[str | int] | None
) -> tuple[bytes, list[str] | None, list[str | int] | None]:
    """Blank the first non-blank line if it is a header (line numbers stay right); the
    header's names, if it was one, and the columns wanted (`header_of`)."""
    start = 0
    while True:
        end = blob.find(b"\n", start)
        line = blob[start:] if end < 0 else blob[start:end]
        if line.strip(b" \t"):
            names, wanted = header_of(file, line, wanted)
            if names is None:
                return blob, None, wanted
            return blob[:start] + (b"" if end < 0 else blob[end:]), names, wanted
        if end < 0:
            return blob, None, wanted
        start = end + 1


def _fast_rows(blob: bytes, width: int | None, chosen: list[int] | None) -> tuple[Any, int, int]:
    """(rows, fields per row, line ends) from a C reader, in a parser's thread; rows None
    sends the block to `_slow_rows`. The line ends are counted here too (numpy, without
    the GIL): the thread that takes the blocks in order only adds them up.

    Arrow's numbers are exactly `parse_number`'s (ASCII decimals, surrounding blanks
    allowed, correctly rounded) but for NaN and infinity, which the finiteness check
    sends on; anything else it refuses (text, an empty field, a ragged row, a broken
    quote) goes line by line, where the error is named.
    """
    lines = int(np.count_nonzero(np.frombuffer(blob, np.uint8) == ord("\n")))
    first = next((line for line in blob.split(b"\n", 64) if line.strip(b" \t")), None)
    if first is None:
        empty = np.empty((0, len(chosen) if chosen is not None else width or 0))
        return empty, width or 0, lines
    fields = first.count(b",") + 1
    if fields > MAX_FIELDS or (width is not None and fields != width):
        return None, fields, lines
    if _pyarrow_csv() is not None:
        rows = _parse_pyarrow(blob, fields, chosen)
    else:
        rows = _parse_numpy(blob, chosen)
    if rows is None or not np.isfinite(rows).all():
        return None, fields, lines
    return rows, fields, lines


def _parse_numpy(blob: bytes, chosen: list[int] | None) -> FloatArray | None:
    if blob.translate(None, b"0123456789eE+-., \t\n"):
        return None  # anything else (letters, quotes, non-ASCII): line by line
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "input contained no data" for blank blocks
        try:
            return np.loadtxt(
                io.StringIO(blob.decode("ascii")),
                delimiter=",",
                ndmin=2,
                comments=None,
                dtype=np.float64,
                usecols=chosen,
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


def _parse_pyarrow(blob: bytes, width: int, chosen: list[int] | None) -> FloatArray | None:
    import pyarrow

    csv = _pyarrow_csv()
    names = [f"c{k}" for k in range(width)]
    wanted = names if chosen is None else [names[k] for k in chosen if k < width]
    if len(wanted) != (width if chosen is None else len(chosen)):
        return None  # a position past the row: line by line, where it is named
    try:
        # No threads, and a native buffer rather than a Python file: pyarrow's worker
        # threads still alive at interpreter exit aborted the process now and then
        # ("terminate called without an active exception", exit 134).
        table = csv.read_csv(
            pyarrow.BufferReader(blob),
            read_options=csv.ReadOptions(column_names=names, use_threads=False),
            parse_options=csv.ParseOptions(delimiter=","),
            convert_options=csv.ConvertOptions(
                column_types={name: "float64" for name in wanted},
                include_columns=wanted,
                null_values=[],
                strings_can_be_null=False,
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


def _slow_rows(file: Path, lines: list[str], state: _ReadState, exact: bool) -> tuple[Any, int]:
    """Parse line by line with `parse_number`, naming the line and column of a problem;
    the rows (of the columns chosen) and the fields per row."""
    rows: list[list[Any]] = []
    width, chosen = state.width, state.chosen
    for number, line in enumerate(lines, start=state.consumed + 1):
        if not line.strip(BLANKS):
            continue
        fields = fields_of(file, line, number, width)
        if width is None:
            _check_positions(file, state, len(fields), number)
        width = len(fields)
        row = []
        for index in range(width) if chosen is None else chosen:
            try:
                row.append(parse_number(fields[index], exact=exact))
            except ValueError as problem:
                comment = comment_hint(line) if index == 0 else ""
                hint = comment or separator_hint(fields[index])
                message = f"{problem}{hint}{_named(state, index)}"
                if state.names is None and not state.has_rows and not rows and not comment:
                    message += not_a_header(fields)
                raise DataFileError(file, message, line=number, column=index + 1) from None
        rows.append(row)
    if exact:
        return rows, width or 0
    columns = len(chosen) if chosen is not None else width or 0
    return np.array(rows, dtype=np.float64).reshape(len(rows), columns), width or 0


def _named(state: _ReadState, index: int) -> str:
    """`` (column 'price')``: the header's name of a column, when there is a header."""
    if state.names is None or index >= len(state.names):
        return ""
    return f" (column {shorten(state.names[index])!r})"
