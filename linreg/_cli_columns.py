"""The command's columns and file kinds: ``--x`` and ``--y`` checked, and ``--data`` read
as those columns from a CSV file, or from Parquet or Arrow IPC files (a file, a folder or
a glob).

Part of `linreg.cli` (kept apart to keep each file short). A column is a name from the
header (CSV) or the schema (Parquet, Arrow IPC), or a 0-based position: a value made of
digits only (``--x 0``) is a position, unless the header or schema spells it and it
cannot be a position (``--y 2020`` for the header ``x1,2020``), or the header is
known to be one (`linreg.csv_lines.header_of` has the rule; ``1`` where the columns are
``a, b, 1`` is refused as ambiguous). A column named by text that a CSV file's first
line holds makes that line its header, whatever else it holds.

``--data`` is read as Parquet or Arrow IPC when its suffix says so (``.parquet``,
``.parq``, ``.pq``; ``.arrow``, ``.feather``, ``.ipc``, ``.arrows``), when it is a folder
(of one of those kinds), or when it is a glob (quoted, so that the shell leaves it
alone) that matches files of one of those kinds; otherwise it is a CSV file (or a
``.npy`` array). Small data are also kept as a table, as a small CSV file is, so that
the verdict is refined against the data and a one-feature run prints the livestream's
own digits.
"""

from __future__ import annotations

import argparse
import fnmatch
import glob
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from linreg._cli_input import SMALL_FILE, UsageError, read, read_stream, reading_bar
from linreg.accumulate import MAX_FEATURES
from linreg.columnar import FORMATS, column_names, dataset_files, iter_columnar_chunks, total_rows
from linreg.csv_lines import as_named
from linreg.csv_reader import load_table
from linreg.errors import DataFileError, HeaderWidthError, InputError, OutputError
from linreg.files import OutputTarget
from linreg.moments import Moments
from linreg.validate import shorten

__all__ = [
    "MAX_COMMAND_FEATURES",
    "Column",
    "Data",
    "add_column_arguments",
    "chosen_columns",
    "data_kind",
    "read_data",
]

#: A column: a name, or a 0-based position.
Column = str | int
#: The most ``--x`` the command takes (the API takes `linreg.accumulate.MAX_FEATURES`):
#: its peak memory grows with the square of their number, in the one-pass sums and the
#: certificate's and the summary's p × p matrices (20,000 rows on the command line, Parquet
#: in groups of 1,000 rows, --summary: 256 features peaked at 144 MB, 512 at 214 MB,
#: 599 at 226 MB, 1,999 at 1 GB).
MAX_COMMAND_FEATURES = 256
#: How the kinds are named in messages.
_NAMES = {"parquet": "Parquet", "ipc": "Arrow IPC"}


@dataclass(frozen=True)
class Data:
    """What ``--data`` gave: the statistics, the table itself where it is small, the labels.

    Attributes
    ----------
    stats : Moments
    table : numpy.ndarray of shape (N, p + 1) or None
        The features, then y, when the data are small; None when they were streamed.
    x_names : list of str or None
        The features' labels (None: the livestream's x, no column was named).
    y_name : str or None
        The target's label.
    """

    stats: Moments
    table: Any
    x_names: list[str] | None = None
    y_name: str | None = None


def add_column_arguments(parser: argparse.ArgumentParser) -> None:
    """``--x`` and ``--y``, for `linreg.cli.build_parser`."""
    parser.add_argument(
        "--x",
        action="append",
        metavar="COLUMN",
        help="a feature column, by its name in the header (CSV) or schema (Parquet, Arrow), "
        "or by its 0-based position (digits only); repeat it for several features (at most "
        f"{MAX_COMMAND_FEATURES}; more through the Python API), fit as y = w_1*x_1 + ... + "
        "w_p*x_p + b (default: x, the first of two columns). A "
        "CSV's first line is its header when a column is named as in it (x1,2020 or "
        "2019,2020 too); digits name a column of the header that spells them (--y 2020) where "
        "they cannot be a position",
    )
    parser.add_argument(
        "--y",
        action="append",
        metavar="COLUMN",
        help="the target column, named as --x names one; with --x (default: y, the second "
        "of two columns)",
    )


def chosen_columns(
    x: list[str] | None, y: list[str] | None, initial_m: float | None
) -> list[Column] | None:
    """``--x`` and ``--y`` as columns (the features, then y); None when neither is given.

    Raises
    ------
    UsageError
        Only one of them; ``--y`` twice; a column given twice as ``--x`` or also as
        ``--y``; an empty name; ``--initial-m`` with several features.
    """
    if x is None and y is None:
        return None
    if x is None or y is None:
        given, missing = ("--x", "--y") if y is None else ("--y", "--x")
        raise UsageError(
            f"{given} needs {missing}: name the features with --x (once for each) "
            "and the target with --y"
        )
    if len(y) > 1:
        raise UsageError(f"--y is given {len(y)} times; the target is one column")
    if len(x) > MAX_COMMAND_FEATURES:
        raise UsageError(
            f"--x is given {len(x):,} times: the command fits at most {MAX_COMMAND_FEATURES} "
            "features in bounded memory (it grows with their square); choose fewer --x, or "
            f"fit up to {MAX_FEATURES:,} with the Python API (linreg.Moments.from_parquet, "
            "from_csv, ...)"
        )
    features = [_column(text, "--x") for text in x]
    target = _column(y[0], "--y")
    for k, column in enumerate(features):
        if features.index(column) < k:
            raise UsageError(f"--x {_shown(column)} is given twice; name each feature once")
    if target in features:
        raise UsageError(f"--y {_shown(target)} is also an --x; the target cannot be a feature")
    if initial_m is not None and len(features) > 1:
        raise UsageError(
            f"--initial-m is the slope of a one-feature fit; with {len(features)} --x every "
            "weight starts at 0, so leave --initial-m out"
        )
    return [*features, target]


def _column(text: str, option: str) -> Column:
    if not text:
        raise UsageError(f"{option}: the column name is empty")
    if text.isascii() and text.isdigit():
        return int(text)
    try:  # typed under a locale that is not UTF-8 (LC_ALL=C): the bytes as files name them
        return os.fsencode(text).decode("utf-8")
    except UnicodeError:
        return text


def _shown(column: Column) -> str:
    return str(column) if isinstance(column, int) else repr(shorten(column))


def data_kind(path: Path) -> str:
    """``"csv"``, ``"npy"``, ``"parquet"`` or ``"ipc"``: by the suffix, by a folder's
    files, or by the files a glob matches.

    Raises
    ------
    DataFileError
        A folder with neither kind of file, or both; a glob that matches no file, or
        files that are not all of one of the two kinds.
    """
    suffix = path.suffix.lower()
    kind = next((kind for kind, suffixes in FORMATS.items() if suffix in suffixes), None)
    if kind is not None:
        return kind
    if suffix == ".npy":
        return "npy"
    if os.path.isdir(path):  # (False where the name cannot be searched: read says why)
        return _folder_kind(path)
    if not os.path.lexists(path) and glob.has_magic(os.fspath(path)):
        return _glob_kind(path)
    return "csv"


def _listed() -> str:
    return " or ".join(f"{_NAMES[kind]} ({', '.join(FORMATS[kind])})" for kind in FORMATS)


def _folder_kind(path: Path) -> str:
    kinds = [kind for kind in FORMATS if _holds(path, kind)]
    if len(kinds) > 1:
        raise DataFileError(
            path,
            "is a directory with both Parquet and Arrow IPC files in it; choose one kind "
            "with a quoted glob, such as --data 'folder/*.parquet'",
        )
    if not kinds:
        raise DataFileError(path, f"is a directory with no {_listed()} files in it")
    return kinds[0]


def _holds(path: Path, kind: str) -> bool:
    try:
        dataset_files(path, kind, regular=False)  # a FIFO among them: refused when read
    except DataFileError:
        return False
    return True


def _glob_kind(path: Path) -> str:
    matched = [
        p  # a FIFO, device or socket too: it is refused by name when read
        for p in glob.glob(os.fspath(path), recursive=True)
        if os.path.exists(p) and not os.path.isdir(p)
    ]
    if not matched and not any(mark in os.fspath(path) for mark in "*?"):
        return "csv"  # a name with brackets, such as data[1].csv: "no such file"
    if not matched:
        raise DataFileError(path, "no file matches this pattern")
    suffixes = {Path(p).suffix.lower() for p in matched}
    for kind, known in FORMATS.items():
        if suffixes <= set(known):
            return kind
    other = sorted(p for p in matched if Path(p).suffix.lower() not in FORMATS["parquet"])
    raise DataFileError(
        path,
        f"this pattern matches {len(matched):,} {'file' if len(matched) == 1 else 'files'}, "
        f"not all {_listed()} files of one kind "
        f"(such as {shorten(other[0])!r}); a pattern reads only those, and a CSV file is "
        "read one at a time",
    )


def input_files(path: Path, kind: str) -> list[Path]:
    """The files ``--data`` names: itself, or a folder's or a glob's Parquet/IPC files."""
    return dataset_files(path, kind) if kind in FORMATS else [path]


def refuse_a_future_input(target: OutputTarget, data: Path, kind: str) -> None:
    """Refuse a new output that the same ``--data`` would read next time: a file named as
    the format inside the folder it names, or matching the pattern it gives (the history,
    CSV text, would then be read as a Parquet or IPC file).

    Raises
    ------
    OutputError
        ``target`` would be one of the data's files.
    """
    suffix = target.final.suffix.lower()
    written = next((name for name, suffixes in FORMATS.items() if suffix in suffixes), None)
    if kind not in FORMATS or target.in_place:
        return
    final = Path(os.path.realpath(target.final))  # through any link, as the data are read
    if not data.is_dir():  # a glob reads whatever it matches, of any name ('g/*': h.csv)
        if glob.has_magic(os.fspath(data)) and _globbed(_real_pattern(data), final.parts[1:]):
            raise OutputError(
                f"{target.label}: the next run would read the history as {_NAMES[kind]} "
                "data (a file matching the --data pattern) and refuse its CSV text; write it "
                "where the pattern does not reach"
            )
        return
    try:
        parts = final.relative_to(os.path.realpath(data)).parts
    except ValueError:
        return
    # a folder reads its files named as a format (any format: a folder of Parquet with
    # a .feather in it is refused next time as mixed), as `dataset_files` finds them
    if written is not None and not any(part.startswith((".", "_")) for part in parts):
        raise OutputError(
            f"{target.label}: the next run would read the history as {_NAMES[written]} data "
            f"(a {target.final.suffix} file inside the --data folder); write it elsewhere, "
            "or name it .csv"
        )


def _real_pattern(data: Path) -> list[str]:
    """A glob's names after the root, its folders before the first wildcard resolved
    through their links (``lnk/d/*.parquet`` with lnk a link to dsh: dsh/d/*.parquet)."""
    names = os.path.abspath(data).split(os.sep)[1:]
    fixed = next((k for k, name in enumerate(names) if glob.has_magic(name)), len(names))
    folder = os.path.realpath(os.sep + os.sep.join(names[:fixed]))
    return folder.split(os.sep)[1:] * (folder != os.sep) + names[fixed:]


def _globbed(pattern: list[str], parts: tuple[str, ...]) -> bool:
    """Whether `glob.glob` (recursive) finds a path of these parts by this pattern (both
    absolute, split into names): case-sensitive, ``**`` for any folders, and a name
    beginning with ``.`` only by a pattern that does."""
    if not pattern:
        return not parts
    if pattern[0] == "**":
        deeper = bool(parts) and not parts[0].startswith(".") and _globbed(pattern, parts[1:])
        return deeper or _globbed(pattern[1:], parts)
    if not parts or (parts[0].startswith(".") and not pattern[0].startswith(".")):
        return False
    return fnmatch.fnmatchcase(parts[0], pattern[0]) and _globbed(pattern[1:], parts[1:])


def read_data(path: Path, kind: str, columns: list[Column] | None) -> Data:
    """The data ``--data`` names, as the columns chosen (the features, then y).

    Raises
    ------
    UsageError
        Columns chosen for a ``.npy`` array.
    InputError
        As the readers: a column missing (named, with the file's columns), not numeric,
        a null or a bad value (its row named); pyarrow missing for Parquet or Arrow IPC.
    """
    if kind in FORMATS:
        return _read_columnar(path, kind, columns)
    if columns is None:
        try:
            stats, points = read(path)
        except HeaderWidthError as error:  # a header of 3 columns: name the cure
            raise DataFileError(path, _choose(error.names), line=1) from None
        return Data(stats, points)
    if kind == "npy":
        raise UsageError(
            "--x and --y choose columns of a CSV, Parquet or Arrow IPC file; a .npy array "
            "is read as its two columns, x then y: leave --x and --y out"
        )
    return _read_csv(path, columns)


def _read_csv(path: Path, columns: list[Column]) -> Data:
    """A small file read whole (as `read` reads one); a larger one in one pass with a
    progress bar; a pipe as `read_stream` reads it."""
    try:
        info: os.stat_result | None = os.stat(path)
    except OSError:
        info = None  # load_table names the problem: missing, permission, name too long
    regular = info is not None and stat.S_ISREG(info.st_mode)
    names = [f"column {c}" if isinstance(c, int) else c for c in columns]
    if info is None or (regular and info.st_size <= SMALL_FILE):
        table = load_table(path, columns=columns)
    elif regular:
        with reading_bar(info.st_size, "B") as advance:
            stats = Moments.from_csv(path, x=columns[:-1], y=columns[-1], progress=advance)
        return Data(stats, None, names[:-1], names[-1])
    else:  # a pipe: kept whole if small, as a small file is
        streamed, table = read_stream(path, columns)
        if streamed is not None:
            return Data(streamed, None, names[:-1], names[-1])
    if len(table) < 2:
        raise DataFileError(path, f"found {len(table)} point; at least 2 are needed to fit a line")
    return Data(Moments.from_arrays(table[:, :-1], table[:, -1]), table, names[:-1], names[-1])


def _read_columnar(path: Path, kind: str, columns: list[Column] | None) -> Data:
    """Parquet or Arrow IPC files in one pass with a progress bar (rows), and read again
    whole where they are small."""
    try:
        file, names = column_names(path, kind)
    except ImportError as error:  # pyarrow, the fast extra, is missing: one line says so
        raise InputError(str(error)) from None
    chosen = _names(file, names, columns)
    reader = Moments.from_parquet if kind == "parquet" else Moments.from_ipc
    with reading_bar(total_rows(path, kind), "rows") as advance:
        stats = reader(path, x=chosen[:-1], y=chosen[-1], progress=advance)
    table = None
    if stats.count * len(chosen) * 8 <= SMALL_FILE:
        chunks = iter_columnar_chunks(path, chosen, kind)
        table = np.concatenate([np.column_stack(chunk.columns) for chunk in chunks])
    return Data(stats, table, chosen[:-1], chosen[-1])


def _names(file: Path, names: list[str], columns: list[Column] | None) -> list[str]:
    """The columns chosen, by name (positions looked up in the first file's schema);
    without ``--x`` and ``--y``, a file's two columns."""
    listed = _listed_names(names)
    if columns is None:
        if len(names) != 2:
            raise DataFileError(file, _choose(names))
        return list(names)
    chosen = []
    for column in as_named(file, columns, names):
        if isinstance(column, int) and column >= len(names):
            raise DataFileError(
                file,
                f"has {len(names)} columns ({listed}); column position {column} (counting "
                "from 0) is past its last",
            )
        chosen.append(names[column] if isinstance(column, int) else column)
    return chosen


def _listed_names(names: list[str]) -> str:
    listed = ", ".join(repr(shorten(name)) for name in names[:20])
    return listed + (f" and {len(names) - 20:,} more" if len(names) > 20 else "")


def _choose(names: list[str]) -> str:
    """What a file of other than two columns, read without --x and --y, needs."""
    word = "column" if len(names) == 1 else "columns"
    return (
        f"has {len(names):,} {word} ({_listed_names(names)}): choose the features with --x "
        "and the target with --y"
    )
