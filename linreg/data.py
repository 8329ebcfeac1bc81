"""The bundled livestream data and the loaders; a façade over the readers.

`load_points` reads (x, y) points, by default the bundled livestream data. The other
names are kept here so that ``from linreg.data import ...`` works as it always has; each
lives in the module that does its job:

- `linreg.sources`: `bundled_data_path` (and opening any input file);
- `linreg.numbers`: `parse_number`, the grammar of one number;
- `linreg.csv_reader`: `load_table`, `iter_table_chunks`, the CSV grammar;
- `linreg.npy_reader`: `open_npy`;
- `linreg.nist`: `NistDataset`, `read_nist`;
- `linreg.validate`: `as_features`, `as_target`, `check_features_target`, `as_scalar`.
"""

from __future__ import annotations

import os
from typing import Any

from linreg.csv_reader import MAX_FIELDS, MAX_LINE_BYTES, iter_table_chunks, load_table
from linreg.errors import DataFileError
from linreg.nist import NistDataset, read_nist
from linreg.npy_reader import open_npy
from linreg.numbers import BLANKS, parse_number
from linreg.sources import bundled_data_path
from linreg.validate import as_features, as_scalar, as_target, check_features_target

__all__ = [
    "BLANKS",
    "MAX_FIELDS",
    "MAX_LINE_BYTES",
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
