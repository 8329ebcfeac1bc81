"""``.npy`` tables: the header checked before anything is mapped, then a memory map."""

from __future__ import annotations

import math
import os
import sys
import tokenize
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from linreg.errors import DataFileError
from linreg.sources import open_binary

__all__ = ["open_npy"]

_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK\x03\x04"
#: The format versions numpy writes (and reads: it refuses any other).
_VERSIONS = ((1, 0), (2, 0), (3, 0))
#: A header's problem is quoted up to this many characters (numpy quotes the whole header).
_MAX_DETAIL = 200
#: An integer is written out up to this many bits (Python refuses 4,300 digits or more).
_MAX_BITS = 256
#: The longest header numpy reads unless told to trust the file (its ``max_header_size``);
#: numpy.save writes a numeric table's header in 128 bytes or fewer.
_MAX_HEADER = 10_000


def open_npy(path: str | os.PathLike[str]) -> Any:
    """Memory-map a ``.npy`` table of shape (N, k), k ≥ 2, after checking its header.

    The header is read and checked before anything is mapped: a format version numpy
    writes, a header that parses (an unbalanced or deeply nested one is refused, not a
    traceback), a numeric dtype (never an object array: nothing is unpickled), two
    dimensions, none negative, and a data size the file really holds, computed in Python
    integers (a header claiming shape (2**62, 2) is refused without a numpy warning).

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
    with open_binary(file) as handle:
        try:
            shape, fortran, dtype, offset = _npy_header(file, handle)
            size = os.fstat(handle.fileno()).st_size
        except OSError as error:
            raise DataFileError(file, f"cannot be read ({error.strerror or error})") from None
    if len(shape) != 2 or shape[1] < 2 or dtype.kind not in "iuf":
        raise DataFileError(
            file,
            f"must hold a numeric (N, k) table with k >= 2, got {dtype} of shape "
            f"{_shape_text(shape)}",
        )
    needed = math.prod(shape) * dtype.itemsize
    if offset + needed > size:
        raise DataFileError(
            file,
            f"is shorter than its header says: shape {_shape_text(shape)} of {dtype} needs "
            f"{_number(needed, ',')} bytes of data, the file has {max(size - offset, 0):,}",
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
    _check_header_length(file, handle)
    handle.seek(0)
    try:
        with warnings.catch_warnings():  # numpy warns of a Python 2 header that it reads
            warnings.simplefilter("ignore")
            shape, fortran, dtype = _parsed_header(handle)
    except (ValueError, TypeError, SyntaxError, tokenize.TokenError) as error:
        raise DataFileError(file, f"is not a .npy array file ({_detail(error)})") from None
    except (RecursionError, MemoryError):  # the parser's limits, within numpy's 10,000 chars
        raise DataFileError(
            file, "is not a .npy array file (its header is nested too deeply to parse)"
        ) from None
    if not all(isinstance(n, int) and n >= 0 for n in shape):
        raise DataFileError(
            file, f"is not a .npy array file (shape is not valid: {_shape_text(shape)})"
        )
    return tuple(int(n) for n in shape), bool(fortran), dtype, handle.tell()


def _check_header_length(file: Path, handle: Any) -> None:
    """Refuse a header longer than numpy reads (numpy's own refusal is three lines of advice
    on its Python API); `handle` is just past the magic bytes."""
    version = handle.read(2)
    size = 2 if version[:1] == b"\x01" else 4
    length = handle.read(size)
    if version[:1] in (b"\x01", b"\x02", b"\x03") and len(length) == size:
        header_bytes = int.from_bytes(length, "little")
        if header_bytes > _MAX_HEADER:
            raise DataFileError(
                file,
                f"is not a .npy array file (its header is {header_bytes:,} bytes long, over "
                f"the {_MAX_HEADER:,} numpy reads: save the table again with numpy.save)",
            )


def _parsed_header(handle: Any) -> tuple[Any, Any, np.dtype[Any]]:
    """Shape, Fortran order and dtype as numpy parses them, after the version is checked."""
    version = np.lib.format.read_magic(handle)
    if version not in _VERSIONS:
        raise ValueError(
            f"format version {version[0]}.{version[1]}: numpy writes 1.0, 2.0 and 3.0 only"
        )
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(handle)
    return np.lib.format.read_array_header_2_0(handle)


def _detail(error: Exception) -> str:
    """An exception's message, cut to `_MAX_DETAIL` characters (a `tokenize.TokenError`,
    raised where numpy retries a header as Python 2's, is a (message, position) pair)."""
    is_token = isinstance(error, tokenize.TokenError)
    text = f"cannot parse header: {error.args[0]}" if is_token else str(error)
    if "set_int_max_str_digits" in text:  # numpy wrote out a header's huge int and failed
        text = f"its header holds an integer of more than {sys.get_int_max_str_digits():,} digits"
    if text.startswith("malformed node or string"):  # ast's: '<ast.Call object at 0x7f...>'
        text = "its header is not a dictionary of plain values (numbers, strings, tuples)"
    text = text if len(text) <= _MAX_DETAIL else f"{text[:_MAX_DETAIL]}..."
    # numpy quotes a dtype's text as it is ('format number 1 of "(2,\n3)f8"'): one line
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _number(n: int, spec: str = "") -> str:
    """`n` in this format, or its power of two past `_MAX_BITS` bits: a header may claim a
    dimension of 9,000 hex digits, which Python refuses to write out in decimal."""
    if n.bit_length() <= _MAX_BITS:
        return format(n, spec)
    bits = n.bit_length() - 1
    return f"2**{bits} or more" if n > 0 else f"-(2**{bits}) or less"


def _shape_text(shape: tuple[int, ...]) -> str:
    """A shape as Python writes a tuple, each dimension by `_number`."""
    return "(" + ", ".join(map(_number, shape)) + ("," if len(shape) == 1 else "") + ")"
