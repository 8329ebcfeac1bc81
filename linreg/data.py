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
import warnings
from collections.abc import Callable, Iterator, Sequence
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
# 12, -3.5, .5, 7., 1e-3, 0.1234E+02.  Deliberately not Python's float() grammar,
# which also takes "1_000", "nan" and "infinity".
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NON_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)


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
        The field, surrounding spaces allowed.
    exact : bool, default False
        Return the exact rational value of the decimal text instead of the nearest float.

    Returns
    -------
    float or fractions.Fraction

    Raises
    ------
    ValueError
        The text is not a decimal number, is NaN or infinite, or overflows a float.
        (Callers turn this into a `DataFileError` that names the line and column.)

    Examples
    --------
    >>> parse_number(" 0.1234E+02")
    12.34
    >>> parse_number("0.1", exact=True)
    Fraction(1, 10)
    """
    field = text.strip()
    if _NON_FINITE.fullmatch(field):
        raise ValueError(f"{field!r} is not a finite number")
    if not _NUMBER.fullmatch(field):
        shown = field if len(field) <= 40 else field[:37] + "..."
        raise ValueError(f"{shown!r} is not a number" if field else "the field is empty")
    if exact:
        return Fraction(field)
    value = float(field)
    if math.isinf(value):
        raise ValueError(f"{field!r} is too large for a float (it overflows to infinity)")
    return value


def load_table(
    path: str | os.PathLike[str] | None = None,
    *,
    n_columns: int | None = None,
    exact: bool = False,
) -> Any:
    """Read a comma-separated file of numbers into a table of rows.

    Blank lines (and lines of spaces) are ignored. A first line in which no field is a
    number is a header and is skipped; any other non-numeric field is an error.
    CRLF and LF line endings both work.

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
        Naming the file, and the line and column where it applies: the file is missing,
        is a directory, cannot be read, is not text, is empty, has a non-numeric, NaN or
        infinite field, or a row with the wrong number of fields.

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
    with the number of bytes read so far.

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
# the line-by-line reader (letters: "nan", "inf", headers, typos). bytes.translate
# deletes the expected bytes at memory speed; whatever is left is unexpected.
_EXPECTED_BYTES = b"0123456789eE+-., \t\r\n"


def _blocks(handle: Any, block_bytes: int) -> Iterator[bytes]:
    """Whole lines, about ``block_bytes`` at a time (a longer line is kept whole)."""
    rest = b""
    while True:
        data = handle.read(block_bytes)
        if not data:
            if rest:
                yield rest
            return
        data = rest + data
        cut = data.rfind(b"\n")
        if cut < 0:
            rest = data
            continue
        yield data[: cut + 1]
        rest = data[cut + 1 :]


def _chunks(
    file: Path,
    n_columns: int | None,
    exact: bool,
    block_bytes: int,
    progress: Callable[[int], object] | None = None,
) -> Iterator[Any]:
    if file.is_dir():
        raise DataFileError(file, "is a directory, not a file")
    try:
        handle = open(file, "rb")  # noqa: SIM115 - closed by the `with` below
    except FileNotFoundError:
        raise DataFileError(file, "no such file") from None
    except OSError as error:
        raise DataFileError(file, f"cannot be read ({error.strerror or error})") from None
    with handle:
        consumed = 0  # lines before this block
        width = n_columns
        header_decided = has_text = has_rows = False
        read_bytes = 0
        try:
            for blob in _blocks(handle, block_bytes):
                read_bytes += len(blob)
                if consumed == 0 and blob.startswith(b"\xef\xbb\xbf"):
                    blob = blob[3:]  # a UTF-8 byte-order mark
                has_text = has_text or bool(blob.strip())
                if not header_decided and blob.strip():
                    header_decided = True
                    blob = _without_header(blob)
                rows = None if exact else _fast_rows(blob, width)
                if rows is None:
                    text = _decode(file, blob, consumed)
                    lines = text.split("\n")
                    if text.endswith("\n"):
                        lines.pop()
                    rows = _slow_rows(file, lines, consumed, width, exact)
                consumed += blob.count(b"\n")
                if progress is not None:
                    progress(read_bytes)
                if len(rows):
                    width = len(rows[0])
                    has_rows = True
                    yield rows
        except OSError as error:
            raise DataFileError(file, f"cannot be read ({error.strerror or error})") from None
    if not has_text:
        raise DataFileError(file, "the file is empty")
    if not has_rows:
        raise DataFileError(file, "the file has no data rows")


def _without_header(blob: bytes) -> bytes:
    """Blank the first non-blank line if it is a header (line numbers stay right)."""
    start = 0
    while True:
        end = blob.find(b"\n", start)
        line = blob[start:] if end < 0 else blob[start:end]
        if line.strip():
            try:
                fields = line.decode("utf-8").split(",")
            except UnicodeDecodeError:
                return blob  # not text: the line-by-line reader says so
            if b"\x00" not in line and _is_header(fields):
                return blob[:start] + (b"" if end < 0 else blob[end:])
            return blob
        if end < 0:
            return blob
        start = end + 1


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
    rows = _parse_pyarrow(blob) if _pyarrow_csv() is not None else _parse_numpy(blob)
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


def _parse_pyarrow(blob: bytes) -> FloatArray | None:
    csv = _pyarrow_csv()
    first = next((line for line in blob.split(b"\n", 64) if line.strip()), None)
    if first is None:
        return np.empty((0, 0))
    width = first.count(b",") + 1
    names = [f"c{k}" for k in range(width)]
    try:
        table = csv.read_csv(
            io.BytesIO(blob),
            read_options=csv.ReadOptions(column_names=names),
            parse_options=csv.ParseOptions(delimiter=","),
            convert_options=csv.ConvertOptions(
                column_types={name: "float64" for name in names}, strings_can_be_null=False
            ),
        )
    except Exception:  # any parse problem: the line-by-line reader will name it
        return None
    if any(column.null_count for column in table.columns):
        return None
    return np.column_stack([column.to_numpy() for column in table.columns]).astype(np.float64)


def _slow_rows(file: Path, lines: list[str], consumed: int, width: int | None, exact: bool) -> Any:
    """Parse line by line with `parse_number`, naming the line and column of a problem."""
    rows: list[list[Any]] = []
    for number, line in enumerate(lines, start=consumed + 1):
        if not line.strip():
            continue
        fields = line.split(",")
        if width is None:
            width = len(fields)
        if len(fields) != width:
            raise DataFileError(
                file, f"expected {width} comma-separated fields, found {len(fields)}", line=number
            )
        row = []
        for column, field in enumerate(fields, start=1):
            try:
                row.append(parse_number(field, exact=exact))
            except ValueError as problem:
                raise DataFileError(file, str(problem), line=number, column=column) from None
        rows.append(row)
    if exact:
        return rows
    return np.array(rows, dtype=np.float64).reshape(len(rows), width or 0)


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
    if file.is_dir():
        raise DataFileError(file, "is a directory, not a file")
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise DataFileError(file, "no such file") from None
    except OSError as error:
        raise DataFileError(file, f"cannot be read ({error.strerror or error})") from None
    if not raw.strip():
        raise DataFileError(file, "the file is empty")
    return _decode(file, raw.removeprefix(b"\xef\xbb\xbf"), 0)


def _is_header(fields: Sequence[str]) -> bool:
    """A header row is one in which not a single field is a number (or NaN/inf)."""
    return not any(_NUMBER.fullmatch(f.strip()) or _NON_FINITE.fullmatch(f.strip()) for f in fields)


def open_npy(path: str | os.PathLike[str]) -> Any:
    """Memory-map a ``.npy`` table of shape (N, k), k ≥ 2, after checking its header.

    Returns
    -------
    numpy.memmap of shape (N, k)
        Not yet checked for NaN or infinity (that needs a pass over the data).

    Raises
    ------
    DataFileError
        Missing, not a ``.npy`` file, or not a numeric 2-D table with at least 2 columns.
    """
    file = Path(os.fspath(path))
    if file.is_dir():
        raise DataFileError(file, "is a directory, not a file")
    try:
        table = np.load(file, mmap_mode="r", allow_pickle=False)
    except FileNotFoundError:
        raise DataFileError(file, "no such file") from None
    except (OSError, ValueError) as error:
        raise DataFileError(file, f"is not a .npy array file ({error})") from None
    if table.ndim != 2 or table.shape[1] < 2 or table.dtype.kind not in "iuf":
        raise DataFileError(
            file,
            f"must hold a numeric (N, k) table with k >= 2, got {table.dtype} of shape "
            f"{table.shape}",
        )
    return table


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
        hint = " (use y.ravel() for a column vector)" if array.ndim == 2 else ""
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
    if isinstance(value, (str, bytes)):
        raise InputError(f"{name} must be an array of numbers, got a {type(value).__name__}")
    try:
        array = np.asarray(value)
    except ValueError:
        raise InputError(
            f"{name} must be a rectangular array (its rows differ in length)"
        ) from None
    if array.dtype.kind == "c":
        raise InputError(f"{name} must be real, got complex values")
    if array.dtype.kind not in "biuf":
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            raise InputError(
                f"{name} must hold numbers, got values of dtype {array.dtype}"
            ) from None
    return np.asarray(array, dtype=np.float64)


def _check_finite(array: FloatArray, name: str) -> None:
    if not np.isfinite(array).all():
        bad = np.argwhere(~np.isfinite(array))[0]
        value = array[tuple(bad)]
        where = ", ".join(str(int(i)) for i in bad)
        raise InputError(f"{name} holds a non-finite value ({value}) at index [{where}]")
