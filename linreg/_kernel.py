"""The optional compiled loop (`linreg/line_kernel.c`): one feature's block shifted and
summed piece by piece in one read of x and y, where numpy's calls write the shifted
block to a scratch array and read it three times (the performance page's "no C loop"
columns measure the difference).

The wheel's build hook (`hatch_build.py`) compiles it where a C compiler works; without
it, or with ``LINREG_KERNEL=0`` in the environment, `piece_sums` answers False and
`linreg._line_sums` runs numpy's calls, within the same bounds. Its sums are not
numpy's bit for bit (another order of additions), so every route of a pass takes the
same one: the loop for blocks of more than one piece wherever it loaded.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = ["LIBRARY", "loaded", "piece_sums", "turned_off"]

FloatArray = npt.NDArray[np.float64]
LIBRARY = Path(__file__).with_name("_compiled") / "line_kernel.so"
_Loop = Callable[..., None]


def _load() -> _Loop | None:
    """The library's function, or None where it is not built or is turned off."""
    if os.environ.get("LINREG_KERNEL") == "0":
        return None
    try:
        function = ctypes.CDLL(str(LIBRARY)).linreg_piece_sums
    except (OSError, AttributeError):
        return None
    size, number, where = ctypes.c_ssize_t, ctypes.c_double, ctypes.c_void_p
    function.argtypes = [where, where, size, number, number, size, where, size]
    function.restype = None
    return function


_LOOP = _load()


def loaded() -> bool:
    """Whether the compiled loop runs (the tests require it where every tool must be)."""
    return _LOOP is not None


@contextlib.contextmanager
def turned_off() -> Iterator[None]:
    """numpy's calls for the time of a ``with`` block, the loop or not (the tests and
    the benchmarks compare the two; not for threads that sum meanwhile)."""
    global _LOOP
    saved, _LOOP = _LOOP, None
    try:
        yield
    finally:
        _LOOP = saved


def _plain(array: FloatArray) -> bool:
    return array.dtype == np.float64 and array.flags.c_contiguous and array.flags.aligned


def piece_sums(
    x: FloatArray, y: FloatArray, shift: tuple[float, float], piece: int, table: FloatArray
) -> bool:
    """Σa, Σb, Σa², Σab, Σb² of each ``piece`` rows of a = x − shift[0], b = y − shift[1]
    (the last piece may be shorter) into the columns of the first five rows of
    ``table`` (C order, float64); False, and nothing written, where the loop is not
    loaded or an array is not plain contiguous float64 (then numpy's calls)."""
    if _LOOP is None or not (_plain(x) and _plain(y) and _plain(table)):
        return False
    n = y.shape[0]
    if x.shape[0] != n or table.shape[0] < 5 or table.shape[1] * piece < n:
        raise ValueError("piece_sums: x, y and the table do not match")
    _LOOP(x.ctypes.data, y.ctypes.data, n, shift[0], shift[1], piece, table.ctypes.data,
          table.shape[1])  # fmt: skip
    return True
