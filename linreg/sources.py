"""Where input comes from: the bundled data file, and any file opened safely.

Every reader opens its file with `open_binary`, so that every failure of the system
(missing, a directory, no permission) becomes the same `linreg.errors.DataFileError`;
text is decoded by `decode`, which names the line of a NUL byte or of bytes that are not
UTF-8.
"""

from __future__ import annotations

import os
import stat
from importlib import resources
from pathlib import Path
from typing import Any

from linreg.errors import STANDARD_INPUT, DataFileError

__all__ = [
    "BOM",
    "MAX_TEXT_BYTES",
    "bundled_data_path",
    "decode",
    "open_binary",
    "read_text",
    "require_regular",
]

#: The UTF-8 byte-order mark, skipped at the start of a file.
BOM = b"\xef\xbb\xbf"
#: The largest text file `read_text` reads whole (NIST's largest is about 40 kB).
MAX_TEXT_BYTES = 1 << 24


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


def open_binary(file: Path) -> Any:
    """Open a file for reading; every OS failure becomes a `DataFileError`."""
    try:
        return open(file, "rb")
    except FileNotFoundError:
        raise DataFileError(file, "no such file") from None
    except IsADirectoryError:
        raise DataFileError(file, "is a directory, not a file") from None
    except OSError as error:
        raise DataFileError(file, f"cannot be read ({error.strerror or error})") from None


def require_regular(file: Path, kind: str) -> None:
    """Refuse a FIFO, a device or a socket named as a file that is read with seeks
    (Parquet, Arrow IPC), before anything opens it: opening a FIFO waits for a writer
    (inside Arrow, deaf to Ctrl-C), and a pipe cannot seek. Whatever cannot be looked
    at (missing, no permission) is left to the reader to name."""
    try:
        mode = os.stat(file).st_mode
    except (OSError, ValueError):
        return
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return
    what = "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        what = "a device"
    raise DataFileError(
        file,
        f"is {what}, not a regular file: {kind} files are read with seeks, so they must be "
        "regular files; standard input and pipes are read as CSV only (save the data to a "
        "file first)",
    )


def decode(file: Path, blob: bytes, consumed: int) -> str:
    """UTF-8 text, or a `DataFileError` naming the line (after ``consumed`` lines) of a
    NUL byte or of bytes that are not UTF-8."""
    if b"\x00" in blob:
        line = consumed + blob[: blob.index(b"\x00")].count(b"\n") + 1
        problem = "is not a text file (it contains NUL bytes)"
        if os.fspath(file) == STANDARD_INPUT:  # a .npy, Parquet or Arrow file piped in
            problem += "; standard input is read as CSV: give a binary file by its name"
        raise DataFileError(file, problem, line=line)
    try:
        return blob.decode("utf-8")
    except UnicodeDecodeError as error:
        line = consumed + blob[: error.start].count(b"\n") + 1
        raise DataFileError(file, "is not UTF-8 text", line=line) from None


def read_text(file: Path) -> str:
    """A whole text file of at most `MAX_TEXT_BYTES`, decoded, its byte-order mark skipped."""
    with open_binary(file) as handle:
        try:
            raw = handle.read(MAX_TEXT_BYTES + 1)
        except OSError as error:
            raise DataFileError(file, f"cannot be read ({error.strerror or error})") from None
    if len(raw) > MAX_TEXT_BYTES:
        raise DataFileError(file, f"is larger than {MAX_TEXT_BYTES:,} bytes")
    if not raw.strip():
        raise DataFileError(file, "the file is empty")
    return decode(file, raw.removeprefix(BOM), 0)


#: The largest reference file `read_nist` reads (NIST's largest is about 40 kB).
