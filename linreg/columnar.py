"""Parquet and Arrow IPC (Feather) files: a file, a folder or a glob, a batch at a time.

Needs the ``fast`` extra (pyarrow). The columns asked for are checked in each file's
schema before any data is read (missing, or not numbers: named, with the columns the
file has). Parquet row groups are then read in a few threads at once, each without
Arrow's own thread pool, and handed on in file order as float64 columns copied straight
from Arrow's buffers (no pandas); a file whose row groups are too large is streamed a
batch at a time. Arrow IPC files are read from the file in pieces of a fixed size,
whatever their record batches (`linreg._ipc_file`). A missing value (null) is refused
with the column and the row named. Memory holds a few row groups or pieces at a time.
"""

from __future__ import annotations

import collections
import contextlib
import glob
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg._ipc_file import Placed, missing_value, read_pieces
from linreg._ipc_head import check_head, check_numbers
from linreg._parquet_footer import too_long
from linreg.errors import DataFileError
from linreg.sources import require_regular
from linreg.validate import mebibytes, shorten

__all__ = [
    "FORMATS",
    "MAX_READERS",
    "Chunk",
    "column_names",
    "dataset_files",
    "iter_columnar_chunks",
    "locate_non_finite",
    "total_rows",
]

FloatArray = npt.NDArray[np.float64]

#: The formats, and the file suffixes a folder is searched for.
FORMATS = {
    "parquet": (".parquet", ".parq", ".pq"),
    "ipc": (".arrow", ".feather", ".ipc", ".arrows"),
}
_NAMES = {"parquet": "Parquet", "ipc": "Arrow IPC"}
#: Row groups or batches read at once, at most (one per core below that).
MAX_READERS = 8
#: The environment variable that bounds the bytes of row groups in flight (read ahead,
#: or being decoded: a group costs about three times its chosen columns' `_row_bytes` while
#: it is decoded). Unset, two groups a thread are read ahead. The command sets it
#: (`linreg._entry.READ_BYTES`): twelve groups of 1M rows x 2 peaked at 239 MB on 2
#: cores, 436 MB on 8, read by 2 and 8 threads.
READ_BYTES_VARIABLE = "LINREG_READ_BYTES"


@dataclass(frozen=True)
class Chunk:
    """Rows of the columns asked for, in their order, and where they came from."""

    file: Path
    first_row: int  # 0-based, within the file
    columns: list[FloatArray]
    #: the columns stay readable and unchanged while referenced (an IPC file's memory
    #: map), not read into again (`linreg.accumulate.Pass.add`'s ``lasting``)
    lasting: bool = False
    #: rows not read yet, columns empty: read where the caller says (``placed`` below)
    placed: Placed | None = None

    @property
    def rows(self) -> int:
        return self.placed.rows if self.placed else len(self.columns[0]) if self.columns else 0


def iter_columnar_chunks(
    path: str | os.PathLike[str],
    columns: Sequence[str],
    kind: str,
    progress: Callable[[int], object] | None = None,
    placed: bool = False,
) -> Iterator[Chunk]:
    """The columns asked for, a row group (or batch) at a time, over every file.

    Parameters
    ----------
    path : str or path-like
        A file, a folder (its files with the format's suffixes, recursively, in name
        order; names starting with ``.`` or ``_`` skipped) or a glob (``data/*.parquet``).
    columns : sequence of str
        Column names.
    kind : {"parquet", "ipc"}
    progress : callable, optional
        Called after each chunk with the number of rows read so far.
    placed : bool
        Two columns of small IPC batches may come unread (``Chunk.placed``, no columns).

    Yields
    ------
    Chunk
        In file order. An Arrow IPC chunk's arrays are read into again a few chunks
        later (`linreg._ipc_file.RING`): copy what is to be kept.

    Raises
    ------
    DataFileError
        No file found; a file that is not of the format; a column missing or not
        numeric (named, with the columns the file has); a null, with its row.
    ImportError
        pyarrow is not installed (the ``fast`` extra).
    """
    arrow = _pyarrow()
    files = dataset_files(path, kind)
    if kind == "parquet":
        _check_footers(path, files)
    plans = [_plan(arrow, file, list(columns), kind, placed) for file in files]
    total = 0
    for chunk in _read_ahead(arrow, plans, list(columns)):
        total += chunk.rows
        yield chunk
        if progress is not None:
            progress(total)


def total_rows(path: str | os.PathLike[str], kind: str) -> int | None:
    """The rows of every Parquet file, from their footers (a progress bar's total); None
    for IPC files, whose batches say their length only when read."""
    if kind != "parquet":
        return None
    arrow = _pyarrow()
    return int(sum(_open_parquet(arrow, f).metadata.num_rows for f in dataset_files(path, kind)))


def column_names(path: str | os.PathLike[str], kind: str) -> tuple[Path, list[str]]:
    """The first file a path names, and its columns' names in order (from its schema or
    footer; no data is read).

    Raises
    ------
    DataFileError
        As `dataset_files`; the first file is not of the format.
    ImportError
        pyarrow is not installed (the ``fast`` extra).
    """
    arrow = _pyarrow()
    file = dataset_files(path, kind)[0]
    if kind == "parquet":
        schema = _open_parquet(arrow, file).schema_arrow
    else:
        schema = _open_ipc(arrow, file).schema
    return file, [str(name) for name in schema.names]


def dataset_files(path: str | os.PathLike[str], kind: str, regular: bool = True) -> list[Path]:
    """The files a path names: itself, a folder's files of the format, or a glob's; each
    a regular file (a FIFO, device or socket among them refused before it is opened),
    unless ``regular`` is False (only the names are wanted)."""
    given = Path(os.fspath(path))
    if given.is_dir():
        found = sorted(
            p
            for p in given.rglob("*")
            if _entry(p)
            and p.suffix.lower() in FORMATS[kind]
            and not any(part.startswith((".", "_")) for part in p.relative_to(given).parts)
        )
        if not found:
            suffixes = ", ".join(FORMATS[kind])
            raise DataFileError(given, f"is a folder with no {kind} files ({suffixes}) in it")
    elif given.exists() or not glob.has_magic(os.fspath(path)):
        if not given.exists():
            raise DataFileError(given, "no such file")
        found = [given]
    else:
        found = sorted(Path(p) for p in glob.glob(os.fspath(path), recursive=True))
        found = [p for p in found if _entry(p)]
        if not found:
            raise DataFileError(given, "no file matches this pattern")
    for file in found if regular else []:
        require_regular(file, _NAMES[kind])
    return found


def _entry(path: Path) -> bool:
    """Whether a folder's or a glob's entry is a file to read: anything but a folder
    (or a link to nothing); one that is not a regular file is then refused, not skipped."""
    return path.exists() and not path.is_dir()


def locate_non_finite(chunk: Chunk, names: Sequence[str]) -> None:
    """Raise a `DataFileError` naming the first NaN or infinity in a chunk, if any."""
    for name, column in zip(names, chunk.columns):
        bad = np.flatnonzero(~np.isfinite(column))
        if bad.size:
            row = chunk.first_row + int(bad[0])
            raise DataFileError(
                chunk.file,
                f"column {shorten(name)!r} holds {float(column[bad[0]])!r} at row {row:,} "
                "(counting from 0): every value must be a finite number",
            )


# --- opening files and checking their columns ------------------------------------------------


def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.compute
        import pyarrow.ipc
        import pyarrow.parquet
    except ImportError:
        raise ImportError(
            "reading Parquet or Arrow files needs pyarrow: pip install 'linreg[fast]'"
        ) from None
    return pyarrow


def _open_parquet(arrow: Any, file: Path, metadata: Any = None) -> Any:
    if metadata is None:
        _check_footer(file)
    try:
        return arrow.parquet.ParquetFile(file, metadata=metadata, memory_map=True)
    except OSError as error:
        raise DataFileError(file, _unreadable(error, "a Parquet")) from None
    except arrow.ArrowException as error:
        raise DataFileError(file, f"is not a Parquet file ({_said(error)})") from None


def _footer_bytes(file: Path) -> int:
    """A Parquet file's footer length, from its last 8 bytes (the length, then ``PAR1``);
    0 where they are not there (too short, unreadable: pyarrow says why)."""
    try:
        with open(file, "rb") as handle:
            handle.seek(-8, os.SEEK_END)
            tail = handle.read(8)
    except OSError:
        return 0
    return int.from_bytes(tail[:4], "little") if tail[4:] == b"PAR1" else 0


def _check_footers(path: str | os.PathLike[str], files: list[Path]) -> None:
    """Refuse a dataset whose files' footers, all held while it is read, total more than
    `FOOTER_BYTES` (the fourth audit: 12 files of 3.7 MiB footers, 458 MB)."""
    total = sum(_footer_bytes(file) for file in files) if len(files) > 1 else 0
    if total > FOOTER_BYTES:
        raise DataFileError(
            path,
            f"its {len(files):,} files' footers total {mebibytes(total)} MiB (their row "
            f"groups × columns): more than {FOOTER_BYTES >> 20} MiB cannot be read in bounded "
            "memory; rewrite them with fewer, larger row groups, or as fewer files",
        )


def _check_footer(file: Path) -> None:
    """Refuse a Parquet file whose footer is longer than `FOOTER_BYTES`, from its last
    8 bytes, before the footer is read."""
    length = _footer_bytes(file)
    if length > FOOTER_BYTES:  # what made it long: its first MiB at most is read to say
        raise DataFileError(file, too_long(file, length, FOOTER_BYTES))


def _open_ipc(arrow: Any, file: Path) -> Any:
    check_head(file)
    try:
        return arrow.ipc.open_file(arrow.OSFile(str(file)))
    except OSError as error:
        raise DataFileError(file, _unreadable(error, "an Arrow IPC")) from None
    except arrow.ArrowException as error:
        raise DataFileError(file, f"is not an Arrow IPC (Feather) file ({_said(error)})") from None


def _said(error: object) -> str:
    """pyarrow's own words for a problem, on one line (thrift's messages end in a newline)
    and cut to 80 characters."""
    return shorten(" ".join(str(error).split()), 80)


def _unreadable(error: OSError, kind: str) -> str:
    if isinstance(error, FileNotFoundError):
        return "no such file"
    if isinstance(error, IsADirectoryError):
        return "is a directory, not a file"
    if isinstance(error, PermissionError):
        return f"cannot be read ({_said(error.strerror or error)})"
    return f"is not {kind} file ({_said(error)})"


@dataclass(frozen=True)
class _Plan:
    """One file's pieces to read (row groups or batches), and how to read one; or, for a
    file whose row groups are too large to hold a few at once, how to stream it."""

    file: Path
    pieces: int
    read: Callable[[int], Any] | None  # None: an Arrow IPC file, always streamed
    stream: Callable[[], Iterator[Chunk]] | None = None
    piece_bytes: int = 0  # the largest piece's chosen columns, as `_row_bytes` counts


#: Numbers (rows × columns read; a wider type's as many float64's bytes: `_row_bytes`) of
#: a row group above which a Parquet file is streamed a batch at a time, in one thread,
#: instead of a few row groups at once (one group of 10M rows × 2 held 460 MB; 200k rows ×
#: 50, 450 MB; decimal256's 2^20 rows × 2, counted as float64 and read ahead, 252-282 MiB).
STREAM_NUMBERS = 1 << 21
#: Numbers (rows × columns) of a streamed batch, and the bytes read from a column chunk
#: at a time. Arrow's reader holds buffers in proportion to both, a column at a time:
#: 200k rows × 50 in one group, batches of 10k rows and 1 MiB reads peaked at 314 MiB
#: on the command line (pyarrow's own iter_batches, 265); batches of 2,621 rows and
#: 16 KiB reads, 225 MiB in the same CPU time (batches of 655 rows: 217 MiB, twice the
#: CPU time). About 2 MiB a column is Arrow's own (a column chunk's dictionary and its
#: page buffers) whatever these are; ARROW_DEFAULT_MEMORY_POOL=jemalloc saves 20 MiB.
STREAM_BATCH_NUMBERS = 1 << 17
STREAM_BUFFER = 1 << 14
#: Bytes of a row group's chosen columns (`_row_bytes`) up to which a streamed group is read
#: a column at a time, whole: Arrow's reader then holds one column chunk's dictionary and
#: pages at a time, not every column's at once (200k rows × 50 in one group: 228 MiB in
#: batches; a column at a time, the columns' 80 MB and a batch's rows stacked: 171 MB
#: peak on the command line, 149 MB for 300k × 25, with the system's allocator). Groups
#: just under 40 MiB peaked at 181-249 MB (the fifth audit: 64 to 257 columns, and folders
#: of them); just under 24 MiB, 144-157 MB.
COLUMNWISE_BYTES = 24 << 20
#: Files of more chosen columns than this are read a row group at a time (a column at a
#: time where it fits `COLUMNWISE_BYTES`), never several groups at once: read whole,
#: 5 groups of 83,886 rows x 25 peaked at 210 MB on the command line (the fourth audit),
#: groups of 2^21 numbers of 8 columns 213-233 MB and of 4 columns 201 MB (the sixth).
WIDE_COLUMNS = 2
#: The most chosen columns of a larger group read in batches: Arrow's reader keeps about
#: 2.4 MiB a column (750k rows × 17 in one group: 137 MB peak on the command line; 500k ×
#: 25: 157 MB). A larger group of more columns is refused, saying how to rewrite the file.
STREAM_COLUMNS = 24
#: The largest dictionary page of a chosen column in a group read in batches: writers
#: default to 1 MiB (pyarrow's dictionary_pagesize_limit); 6M rows x 2 whose pages were
#: 48 MB peaked at 278 MB on the command line (the ninth audit), 99 MB at 1 MiB.
DICTIONARY_BYTES = 3 << 19
#: The longest Parquet footer read: parsed, it takes about 7 to 10 times its length
#: (3,000 rows × 2,000 columns in 30 row groups: a footer of 6.5 MiB took 49 MB), and it
#: is read before any row. A longer one is refused, from the file's last 8 bytes.
FOOTER_BYTES = 4 << 20


def _plan(arrow: Any, file: Path, columns: list[str], kind: str, placed: bool = False) -> _Plan:
    """Open a file, check its schema, and list its row groups (or batches)."""
    if kind == "parquet":
        handle = _open_parquet(arrow, file)
        _check_schema(arrow, file, handle.schema_arrow, columns)
        metadata = handle.metadata
        pieces = metadata.num_row_groups

        def read(index: int) -> Any:
            # a handle per read: threads never share one; the footer is parsed once
            own = _open_parquet(arrow, file, metadata)
            return own.read_row_group(index, columns=columns, use_threads=False)

        largest = max((metadata.row_group(k).num_rows for k in range(pieces)), default=0)
        row = _row_bytes(handle.schema_arrow, columns)
        if largest * row > 8 * STREAM_NUMBERS or len(columns) > WIDE_COLUMNS:
            _check_streamable(file, largest, columns, row)
            _check_dictionaries(file, metadata, columns, row)

            def stream() -> Iterator[Chunk]:
                own = arrow.parquet.ParquetFile(
                    file, metadata=metadata, buffer_size=STREAM_BUFFER, pre_buffer=False
                )
                first = 0
                for index in range(pieces):
                    yield from _group_streamed(arrow, own, index, file, first, columns)
                    first += metadata.row_group(index).num_rows

            return _Plan(file, pieces, read, stream)
        return _Plan(file, pieces, read, piece_bytes=largest * row)
    _check_schema(arrow, file, _open_ipc(arrow, file).schema, columns)

    def batches() -> Iterator[Chunk]:
        # the schema read again, not kept from the check: a folder's files are all
        # checked first, and 3,000 schemas of 257 columns held 150 MB (the ninth audit)
        schema = _open_ipc(arrow, file).schema
        for first, values, how in read_pieces(arrow, file, schema, columns, placed):
            yield Chunk(file, first, values, how is True, how if isinstance(how, Placed) else None)

    return _Plan(file, 1, None, batches)


def _group_streamed(
    arrow: Any, own: Any, index: int, file: Path, first: int, columns: list[str]
) -> Iterator[Chunk]:
    """A large row group in chunks of `STREAM_BATCH_NUMBERS` float64's bytes: read a column
    at a time where its columns fit `COLUMNWISE_BYTES`, else in batches (pages read as they
    are decoded, `STREAM_BUFFER` bytes at a time, not a row group at once)."""
    row = _row_bytes(own.schema_arrow, columns)
    rows = own.metadata.row_group(index).num_rows
    size = max(1, 8 * STREAM_BATCH_NUMBERS // row)
    if _in_batches(rows, row):
        batches = own.iter_batches(size, row_groups=[index], columns=columns, use_threads=False)
        for batch in batches:
            yield _chunk(arrow, arrow.Table.from_batches([batch]), file, first, columns)
            first += batch.num_rows
        return
    whole = {}
    for name in dict.fromkeys(columns):
        whole[name] = own.read_row_group(index, columns=[name], use_threads=False).column(0)
        # the column's pages and dictionary were freed: hand their memory back (the
        # default pool, mimalloc, kept about 1 MiB a column: 226 MB against 185)
        arrow.default_memory_pool().release_unused()
    for start in range(0, rows, size):
        part = [whole[name].slice(start, size) for name in columns]
        arrays = [_floats(arrow, file, first + start, n, c) for n, c in zip(columns, part)]
        if start + size >= rows:
            # The last rows, copied, so that the group's columns go now: as views they
            # lived on in the reader's last chunk while the next group was read (two
            # groups at once: Arrow's pool peaked at 48 MiB for groups of 24 MiB).
            arrays = [array.copy() for array in arrays]
            del part
            whole.clear()
        yield Chunk(file, first + start, arrays)


def _in_batches(rows: int, row: int) -> bool:
    """Whether a streamed group of rows of ``row`` bytes is read in batches, not whole."""
    return rows * row > COLUMNWISE_BYTES


def _row_bytes(schema: Any, columns: list[str]) -> int:
    """A row's bytes in memory: 8 a column (as float64), or a wider type's until cast."""
    return sum(max(8, schema.field(name).type.bit_width // 8) for name in columns)


def _check_dictionaries(file: Path, metadata: Any, columns: list[str], row: int) -> None:
    """Refuse a row group read in batches whose chosen column has a dictionary page over
    `DICTIONARY_BYTES`: Arrow decodes the page whole, beside the batches."""
    for group in range(metadata.num_row_groups):
        chunks = metadata.row_group(group)
        if not _in_batches(chunks.num_rows, row):
            continue  # read a column at a time: the page is within the column
        for index in range(chunks.num_columns):
            chunk = chunks.column(index)
            if chunk.path_in_schema not in columns or not chunk.has_dictionary_page:
                continue
            size = chunk.data_page_offset - chunk.dictionary_page_offset
            if size > DICTIONARY_BYTES:
                raise DataFileError(
                    file,
                    f"column {chunk.path_in_schema!r} has a dictionary page of "
                    f"{mebibytes(size)} MiB in row group {group}, over the "
                    f"{DICTIONARY_BYTES / 2**20:g} MiB read beside a large group; rewrite it "
                    "with the writer's default dictionary page size (pyarrow.parquet."
                    "write_table(table, path), 1 MiB) or use_dictionary=False",
                )


def _check_streamable(file: Path, rows: int, columns: list[str], row: int) -> None:
    """Refuse, before any row is read, a row group read neither a column at a time
    (`COLUMNWISE_BYTES`) nor in batches in bounded memory (`STREAM_COLUMNS`)."""
    if not _in_batches(rows, row) or len(columns) <= STREAM_COLUMNS:
        return
    raise DataFileError(
        file,
        f"has a row group of {rows:,} rows and {len(columns)} chosen columns "
        f"({mebibytes(rows * row)} MiB in memory): a group over "
        f"{COLUMNWISE_BYTES >> 20} MiB of more than {STREAM_COLUMNS} chosen columns cannot "
        "be read in bounded memory; choose fewer columns, or rewrite it with smaller row "
        f"groups (pyarrow.parquet.write_table(table, path, row_group_size="
        f"{max(1, COLUMNWISE_BYTES // row)}))",
    )


def _check_schema(arrow: Any, file: Path, schema: Any, columns: list[str]) -> None:
    """Every column asked for is in the file, once, and holds numbers."""
    names = list(schema.names)
    for name in columns:
        if name not in names:
            known = ", ".join(repr(shorten(n)) for n in names[:20])
            more = f" and {len(names) - 20} more" if len(names) > 20 else ""
            raise DataFileError(
                file, f"has no column named {shorten(name)!r} (its columns: {known}{more})"
            )
        if names.count(name) > 1:
            raise DataFileError(file, f"has {names.count(name)} columns named {shorten(name)!r}")
        check_numbers(arrow.types, file, name, schema.field(name).type)
    repeated = next((c for k, c in enumerate(columns) if columns.index(c) < k), None)
    if repeated is not None:
        raise DataFileError(file, f"column {shorten(repeated)!r} is chosen twice")


# --- reading, a few pieces at once ------------------------------------------------------------


def _read_ahead(arrow: Any, plans: list[_Plan], columns: list[str]) -> Iterator[Chunk]:
    """Each plan's pieces, read in threads a few at a time, handed on in order."""
    threads = _readers(plans)
    jobs = ((plan, index) for plan in plans for index in range(plan.pieces))
    pending: collections.deque[tuple[Any, Path]] = collections.deque()
    rows: dict[Path, int] = collections.defaultdict(int)

    def finished() -> Chunk:
        future, file = pending.popleft()
        chunk = _chunk(arrow, future.result(), file, rows[file], columns)
        rows[file] += chunk.rows
        return chunk

    with ThreadPoolExecutor(threads, thread_name_prefix="linreg-read") as pool:
        try:
            for plan, index in jobs:
                if plan.stream is not None:  # in order: what is pending first
                    while pending:
                        yield finished()
                    if index == 0:
                        yield from _streamed(arrow, plan)
                    continue
                pending.append((pool.submit(_read_piece, arrow, plan, index), plan.file))
                while len(pending) > _ahead(threads, plan.piece_bytes):
                    yield finished()
            while pending:
                yield finished()
        finally:
            for future, _ in pending:
                future.cancel()


def _readers(plans: list[_Plan]) -> int:
    """Threads to read pieces with: one a core, up to `MAX_READERS`, as many as decode
    their largest piece at once within the `READ_BYTES_VARIABLE` budget, and always one."""
    threads = min(os.cpu_count() or 1, MAX_READERS)
    budget = _read_budget()
    if budget is None:
        return threads
    largest = max((plan.piece_bytes for plan in plans), default=0)
    return max(1, min(threads, budget // max(1, 3 * largest)))


def _ahead(threads: int, piece_bytes: int) -> int:
    """How many pieces of ``piece_bytes`` may wait, read: two per thread, within the
    budget (beside those being decoded), and always one."""
    budget = _read_budget()
    room = 2 * threads if budget is None else budget // max(1, piece_bytes)
    return max(1, min(2 * threads, room))


def _read_budget() -> int | None:
    text = os.environ.get(READ_BYTES_VARIABLE, "")
    return int(text) if text.isascii() and text.isdigit() else None  # int("٣") is 3


def _streamed(arrow: Any, plan: _Plan) -> Iterator[Chunk]:
    """A file read a piece at a time: Parquet with large row groups, Arrow IPC."""
    assert plan.stream is not None
    with _reading(arrow, plan.file):
        yield from plan.stream()


def _read_piece(arrow: Any, plan: _Plan, index: int) -> Any:
    with _reading(arrow, plan.file):
        assert plan.read is not None
        return plan.read(index)


@contextlib.contextmanager
def _reading(arrow: Any, file: Path) -> Iterator[None]:
    """A failure to read ``file`` (the system's or Arrow's) as one `DataFileError`."""
    try:
        yield
    except OSError as error:
        why = _said(error.strerror or error)
        raise DataFileError(file, f"cannot be read ({why})") from None
    except arrow.ArrowException as error:
        raise DataFileError(file, f"cannot be read ({_said(error)})") from None


def _chunk(arrow: Any, table: Any, file: Path, first: int, names: list[str]) -> Chunk:
    return Chunk(file, first, [_floats(arrow, file, first, n, table.column(n)) for n in names])


def _floats(arrow: Any, file: Path, first: int, name: str, column: Any) -> FloatArray:
    """A column as float64, straight from Arrow's buffers (cast first if not float64);
    a null is refused with its row; a column whose buffers are shorter than its length
    (a corrupt file) is refused before any is read."""
    try:
        column.validate()
    except arrow.ArrowException as error:
        raise DataFileError(file, f"cannot be read ({_said(error)})") from None
    if column.null_count:
        index = arrow.compute.index(column.is_null(), True).as_py()
        raise missing_value(file, name, first + index)
    if column.type != arrow.float64():
        column = column.cast(arrow.float64(), safe=False)  # int64 beyond 2^53 rounds
    parts = [
        np.frombuffer(chunk.buffers()[1], np.float64, len(chunk), chunk.offset * 8)
        for chunk in column.chunks
        if len(chunk)
    ]
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else np.empty(0)
