"""Files reduced to the one-pass statistics a chunk at a time: CSV, Parquet, Arrow IPC.

Each reader (`linreg.csv_reader`, `linreg.columnar`) hands on chunks of float64 columns
in file order; here they feed one `linreg.accumulate.Pass`, so the runs of blocks that
share a shift span the chunks and the statistics carry one run's rounding bound, not a
merge's per chunk. A NaN or infinity shows up in the sums (no separate pass looks for
it) and is then named with its column and row. ``progress=True`` draws a tqdm bar on
standard error; a callable is called with the bytes (CSV) or rows (Parquet, IPC) read
so far.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from linreg._line_sums import Read
from linreg.accumulate import Pass, Statistics, checked_pass, merge
from linreg.columnar import Chunk, iter_columnar_chunks, locate_non_finite, total_rows
from linreg.csv_reader import iter_table_chunks
from linreg.errors import DataFileError, InputError
from linreg.npy_reader import open_npy
from linreg.validate import BEYOND_FLOAT64, float64_of, shorten, too_large

__all__ = [
    "Progress",
    "check_path",
    "checked_pair",
    "column_choice",
    "columnar_statistics",
    "csv_statistics",
    "dask_statistics",
    "is_dask",
    "npy_parts",
    "progress_to",
    "table_statistics",
]

FloatArray = npt.NDArray[np.float64]
#: X, y, how to name a bad value, and whether the rows last (or how many, and how to read them)
_Piece = tuple[FloatArray, FloatArray, Callable[[], None], bool | tuple[int, Read]]
#: What ``progress=`` takes: False or None (none), True (a bar), or a callable.
Progress = bool | Callable[[int], object] | None


def column_choice(x: Any, y: Any, *, required: bool = False) -> list[Any] | None:
    """The columns to read, features first and y last; None when neither is given.

    Raises
    ------
    InputError
        Only one of x and y given (or neither, when ``required``); a column that is not
        a name or a position (bytes too: ``x=b"x"`` is one name, not the numbers in it);
        no feature.
    """
    if x is None and y is None and not required:
        return None
    if x is None or y is None:
        raise InputError("name the columns with both x=[...] (the features) and y=... (the target)")
    one = isinstance(x, (str, bytes, bytearray, int, np.integer)) or not isinstance(x, Iterable)
    features = [x] if one else list(x)
    if not features:
        raise InputError("x names no column: give at least one feature")
    for column in [*features, y]:
        if isinstance(column, bool) or not isinstance(column, (str, int, np.integer)):
            raise InputError(
                "a column is named by a str (or a position, an int), not "
                f"{shorten(repr(column))} ({type(column).__name__})"
            )
    return [c if isinstance(c, str) else int(c) for c in [*features, y]]


def checked_pair(features: object, target: object) -> bool:
    """Whether X and y are as `check_features_target` returns them: float64, 2-D and 1-D."""
    return (
        isinstance(features, np.ndarray) and isinstance(target, np.ndarray)
        and features.dtype == np.float64 and target.dtype == np.float64
        and features.ndim == 2 and target.ndim == 1 and features.shape[0] == target.shape[0]
        and features.shape[0] > 0 and features.shape[1] > 0
    )  # fmt: skip


def check_path(path: object, method: str) -> None:
    """Refuse a ``path`` that names no file: not a str or a path-like of one (None, bytes,
    a number), which ``os.fspath`` would refuse with a bare TypeError."""
    if isinstance(path, str) or (
        isinstance(path, os.PathLike) and isinstance(os.fspath(path), str)
    ):
        return
    raise InputError(
        f"Moments.{method}: path must be a file's name, a str or a path-like such as "
        f"pathlib.Path, not {shorten(repr(path))} ({type(path).__name__})"
    )


@contextlib.contextmanager
def progress_to(
    progress: Progress, total: int | None, unit: str, desc: str
) -> Iterator[Callable[[int], object] | None]:
    """The callable a reader reports to: the caller's, a tqdm bar's (``True``), or None."""
    if progress is None or progress is False:
        yield None
        return
    if callable(progress):
        yield progress
        return
    if progress is not True:
        raise InputError(f"progress must be True, False or a callable, not {progress!r}")
    with tqdm(
        total=total, unit=unit, unit_scale=True, desc=desc, file=sys.stderr, leave=False
    ) as bar:

        def advance(done: int) -> None:
            bar.update(done - bar.n)

        yield advance


def csv_statistics(
    path: str | os.PathLike[str],
    *,
    columns: list[Any] | None,
    n_columns: int | None,
    block_bytes: int,
    progress: Progress,
) -> Statistics:
    """The statistics of a CSV file's rows: the columns chosen (y last), or every column."""
    file = Path(os.fspath(path))
    size = file.stat().st_size if file.is_file() else None
    with progress_to(progress, size, "B", "reading") as report:
        chunks = iter_table_chunks(
            file, block_bytes=block_bytes, n_columns=n_columns, progress=report, columns=columns
        )
        return table_statistics(file, chunks)


def table_statistics(file: Path, chunks: Iterable[FloatArray]) -> Statistics:
    """The statistics of the chunks `linreg.csv_reader.iter_table_chunks` read from
    ``file`` (y last), in one pass: `csv_statistics` once the file is open, also for a
    stream whose first chunks were taken already."""

    def pieces() -> Iterator[_Piece]:
        for table in _iterable(chunks, "chunks"):
            _check_chunk(table)
            if table.shape[1] < 2:
                raise DataFileError(file, "needs at least 2 columns (x and y)", line=1)
            yield table[:, :-1], table[:, -1], lambda: None, False  # the reader checked

    return _reduce(file, pieces())


def _iterable(items: object, name: str) -> Iterable[Any]:
    if not isinstance(items, Iterable):
        raise InputError(f"{name} must be an iterable, not {type(items).__name__}")
    return items


def _check_chunk(table: object) -> None:
    """A chunk as `linreg.csv_reader.iter_table_chunks` yields it: a 2-D float64 array."""
    if not (isinstance(table, np.ndarray) and table.ndim == 2 and table.dtype == np.float64):
        said = f"shape {table.shape}, {table.dtype}" if isinstance(table, np.ndarray) else ""
        raise InputError(
            "chunks must be the 2-D float64 arrays linreg.csv_reader.iter_table_chunks "
            f"yields, not {said or shorten(repr(table))}"
        )


def columnar_statistics(
    path: str | os.PathLike[str], columns: Sequence[str], kind: str, progress: Progress
) -> Statistics:
    """The statistics of Parquet or Arrow IPC files' columns (y last)."""
    names = list(columns)
    for name in names:
        if not isinstance(name, str):
            raise InputError(f"{kind} columns are named by strings, not {name!r}")
    with progress_to(progress, total_rows(path, kind), "rows", "reading") as report:
        chunks = iter_columnar_chunks(path, names, kind, report, placed=len(names) == 2)
        return _reduce(Path(os.fspath(path)), (_arrays(chunk, names) for chunk in chunks))


_NO_X, _NO_Y = np.empty((0, 1)), np.empty(0)  # a placed chunk's: one feature, no rows


def _arrays(chunk: Chunk, names: list[str]) -> _Piece:
    """(X, y) of a chunk (X a view when there is one feature), how to name a bad value,
    and whether its rows last (`linreg.columnar.Chunk`); a chunk not read yet (its
    ``placed``) comes as no rows and how to read them, where the pass holds them."""
    if chunk.placed is not None:
        read = chunk.placed.read

        def explain() -> None:  # its rows read again, as they are in the file
            values = [np.empty(chunk.rows), np.empty(chunk.rows)]
            read(0, values)
            locate_non_finite(replace(chunk, columns=values, placed=None), names)

        return _NO_X, _NO_Y, explain, (chunk.rows, read)
    *features, target = chunk.columns
    X = features[0][:, None] if len(features) == 1 else np.column_stack(features)
    return X, target, lambda: locate_non_finite(chunk, names), chunk.lasting


def _reduce(file: Path, pieces: Iterable[_Piece]) -> Statistics:
    """One pass over the pieces, in order; a piece whose sums overflow is explained (its
    NaN or infinity named) or called too large. A piece marked lasting stays readable
    (`linreg.accumulate.Pass.add`), so its explanation is kept while its rows are held;
    so does a piece read where it is held (`linreg.accumulate.Pass.hold`)."""
    one: Pass | None = None
    explains: dict[int, Callable[[], None]] = {}  # by call, those whose rows are held
    with np.errstate(over="ignore", invalid="ignore"):
        for X, y, explain, lasting in pieces:
            one = one or Pass(X.shape[1])
            explains[one.calls + 1] = explain
            added = one.add(X, y, lasting) if isinstance(lasting, bool) else one.hold(*lasting)
            if not added.finite:
                break
            first = one.holding()
            explains = {call: each for call, each in explains.items() if call >= first}
        if one is not None and not one.flush().finite:
            explains[one.failed]()
            raise too_large("their squares")
        stats = None if one is None else one.result()
    if one is None or (stats is None and one.finite):  # no piece, or pieces of no rows
        raise DataFileError(file, "has no rows")
    if stats is None:
        raise too_large("their squares")
    if stats.count < 2:
        raise DataFileError(file, f"found {stats.count} point; at least 2 are needed")
    return stats


# --- .npy files and dask arrays ----------------------------------------------------------------


def npy_parts(file: Path, chunk_rows: int) -> Iterator[Statistics]:
    """The statistics of each chunk of rows of a ``.npy`` table (checked by `open_npy`)."""
    table = open_npy(file)
    for start, chunk in _npy_chunks(file, table, chunk_rows):
        if not np.isfinite(chunk).all():
            row = start + int(np.argwhere(~np.isfinite(chunk))[0][0])
            raise DataFileError(file, f"row {row} holds a non-finite value")
        yield checked_pass(chunk[:, :-1], np.ascontiguousarray(chunk[:, -1]))


def _npy_chunks(file: Path, table: Any, chunk_rows: int) -> Iterator[tuple[int, FloatArray]]:
    """(first row, rows as float64), read from the file a chunk at a time (a memory map's
    pages stay resident: a 160 MB table peaked at 205 MB, 198 MB in Fortran order): the
    rows at once where they are contiguous, each column's part of them in Fortran order."""
    n, k = table.shape
    if n == 0:  # (numpy maps no file for an empty table: nothing to read)
        return
    if not table.flags.c_contiguous:
        yield from _fortran_chunks(file, table, chunk_rows)
        return
    with open(table.filename, "rb") as handle:
        handle.seek(table.offset)
        for start in range(0, n, chunk_rows):
            rows = min(chunk_rows, n - start)
            values = np.fromfile(handle, dtype=table.dtype, count=rows * k)
            if values.size != rows * k:  # changed since its header was checked
                raise DataFileError(file, "is shorter than its header says")
            yield start, _float64_rows(file, values.reshape(rows, k), start, 0)


def _fortran_chunks(file: Path, table: Any, chunk_rows: int) -> Iterator[tuple[int, FloatArray]]:
    """A Fortran-order table's rows a chunk at a time: column j's rows ``start`` onwards lie
    at ``offset + (j·n + start)·itemsize``."""
    n, k = table.shape
    size = table.dtype.itemsize
    with open(table.filename, "rb") as handle:
        for start in range(0, n, chunk_rows):
            rows = min(chunk_rows, n - start)
            chunk = np.empty((rows, k))
            for j in range(k):
                handle.seek(table.offset + (j * n + start) * size)
                values = np.fromfile(handle, dtype=table.dtype, count=rows)
                if values.size != rows:  # changed since its header was checked
                    raise DataFileError(file, "is shorter than its header says")
                chunk[:, j] = _float64_rows(file, values.reshape(rows, 1), start, j)[:, 0]
            yield start, chunk


def _float64_rows(file: Path, values: Any, start: int, column: int) -> FloatArray:
    """Rows ``start`` onwards of a table (columns ``column`` onwards) as float64; a long
    double's finite value that float64 cannot hold is refused, naming its row."""
    rows, beyond = float64_of(values)
    if beyond is not None:
        row, j = beyond
        raise DataFileError(
            file,
            f"row {start + row} holds {values[row, j]!s} (column {column + j}), {BEYOND_FLOAT64}",
        )
    return rows


def is_dask(value: object) -> bool:
    """Whether a value is a dask collection (an array, a DataFrame, a Series), by dask's
    own protocol: no import of dask, which stays optional."""
    return hasattr(type(value), "__dask_graph__")


def dask_statistics(X: Any, y: Any, reduce_block: Callable[[Any, Any], Statistics]) -> Statistics:
    """Reduce dask arrays or DataFrames chunk by chunk where they live, then merge in a
    tree; only the statistics are computed, never the data.

    ``reduce_block(X_block, y_block)`` is run on each chunk (as a dask task) on float64
    arrays; a DataFrame's partitions become arrays there, on the worker. The parts are
    merged pairwise, so no single task holds them all.

    Raises
    ------
    InputError
        Shapes that do not fit; a DataFrame column that is not numeric (named); X and y
        cut into different partitions.
    """
    try:
        dask: Any = importlib.import_module("dask")
    except ImportError:
        raise ImportError("Moments.from_dask needs dask: pip install 'linreg[dask]'") from None
    if hasattr(X, "map_partitions") or hasattr(y, "map_partitions"):  # DataFrame, Series
        pairs = _frame_partitions(X, y)
    else:
        pairs = _array_chunks(X, y)
    parts = [dask.delayed(_reduce_part)(reduce_block, a, b) for a, b in pairs]
    while len(parts) > 1:
        parts = [
            dask.delayed(_merge_parts)(parts[k], parts[k + 1]) if k + 1 < len(parts) else parts[k]
            for k in range(0, len(parts), 2)
        ]
    (result,) = dask.compute(parts[0]) if parts else (None,)
    if result is None:
        raise InputError("no data: the dask collection has no rows")
    assert isinstance(result, Statistics)
    return result


def _array_chunks(X: Any, y: Any) -> list[tuple[Any, Any]]:
    """A dask array's chunks of rows (every column in one chunk), with y's alike."""
    da: Any = importlib.import_module("dask.array")
    X, y = da.asarray(X), da.asarray(y)
    if X.ndim != 2 or y.ndim != 1 or X.shape[0] != y.shape[0]:
        raise InputError(
            f"X must be (n_samples, n_features) and y (n_samples,), got {X.shape} and {y.shape}"
        )
    X = X.rechunk({1: -1})
    y = y.rechunk((X.chunks[0],))
    return list(zip(X.to_delayed().ravel(), y.to_delayed().ravel()))


def _frame_partitions(X: Any, y: Any) -> list[tuple[Any, Any]]:
    """A dask DataFrame's partitions with y's (a Series, or one column), numeric checked."""
    columns = list(X.columns) if hasattr(X, "columns") else []
    for name, kind in zip(columns, X.dtypes):
        if getattr(kind, "kind", "O") not in "iuf":
            raise InputError(f"X's column {shorten(str(name))!r} holds {kind}, not numbers")
    if getattr(getattr(y, "dtype", None), "kind", "iuf") not in "iuf":
        raise InputError(f"y holds {y.dtype}, not numbers")
    if not (hasattr(X, "map_partitions") and hasattr(y, "map_partitions")):
        raise InputError("pass X and y both as dask DataFrame/Series (or both as dask arrays)")
    if X.npartitions != y.npartitions:
        raise InputError(
            f"X and y are cut into {X.npartitions} and {y.npartitions} partitions: take both "
            "from one DataFrame (X = frame[features], y = frame[target])"
        )
    return list(zip(X.to_delayed(), y.to_delayed()))


def _reduce_part(reduce_block: Callable[[Any, Any], Statistics], X: Any, y: Any) -> Any:
    """One chunk or partition on its worker: float64 arrays, reduced (None if empty)."""
    if hasattr(X, "to_numpy"):  # a pandas partition; a missing value becomes NaN, refused
        X, y = X.to_numpy(np.float64, na_value=np.nan), y.to_numpy(np.float64, na_value=np.nan)
    X, y = np.asarray(X, np.float64), np.asarray(y, np.float64)
    if X.ndim == 1:
        X = X[:, None]
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    return reduce_block(X, y) if y.shape[0] else None


def _merge_parts(a: Statistics | None, b: Statistics | None) -> Statistics | None:
    return b if a is None else a if b is None else merge(a, b)
