"""Batches of an Arrow IPC file read where the caller says (`linreg._ipc_file`).

Part of `linreg._ipc_file` (kept apart to keep each file short): a batch of two
uncompressed float64 columns, checked as long as its rows, is handed on unread; the
pass reads its rows straight into the block it sums (`linreg.accumulate.Pass.hold`),
by ``preadv``, and reads them again if it sums the block a batch at a time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg.errors import DataFileError

__all__ = ["Handle", "Placed"]

FloatArray = npt.NDArray[np.float64]


class Handle:
    """The file opened for `Placed` pieces, closed when none refers to it any more (a
    pass may read a held piece again after the reader has moved on, or finished)."""

    def __init__(self, file: Path) -> None:
        self.fd = os.open(file, os.O_RDONLY)

    def __del__(self) -> None:
        if hasattr(self, "fd"):  # (not when the file could not be opened)
            os.close(self.fd)


class Placed:
    """A batch of two uncompressed float64 columns, not read yet: `read` reads its rows
    where the caller says, no copy in between; as often as asked, the file unchanged."""

    def __init__(self, file: Path, handle: Handle, rows: int, columns: list[Any]) -> None:
        self.file, self.handle, self.rows = file, handle, rows
        self.places = [column.values[0] for column in columns]  # where each one's values lie

    def read(self, start: int, outs: list[FloatArray]) -> None:
        """Rows ``start`` to ``start + len(outs[0])`` of the columns into ``outs``: one
        system call where the second column follows the first in the file (pyarrow
        writes each batch's buffers in order, 64-byte aligned)."""
        first, second = self.places
        count = len(outs[0])
        if start == 0 and count == self.rows and second == first + 8 * count:
            self._read(first, [out.data for out in outs], 16 * count)
            return
        for place, out in zip(self.places, outs):
            self._read(place + 8 * start, [out.data], 8 * count)

    def _read(self, offset: int, buffers: list[memoryview], size: int) -> None:
        try:
            done = os.preadv(self.handle.fd, buffers, offset)
        except OSError as error:
            raise DataFileError(self.file, f"cannot be read ({error.strerror})") from None
        if done != size:
            raise DataFileError(self.file, "cannot be read (it is shorter than its metadata says)")
