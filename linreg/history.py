"""The loss of every iteration, kept as the caller asks: whole, streamed, or not at all.

A hundred million iterations of history are 800 MB: `History` keeps the whole array only
when asked (``"full"``, the default of `linreg.minimize`), hands the losses to a sink in
blocks (a callable), or keeps none (``"none"``). The first, the previous and the latest
loss are always at hand: the divergence rule needs them.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg.errors import InputError, OutputError, reason

__all__ = ["HISTORY_BLOCK", "SPOOL_IN_MEMORY", "History", "Sink", "Spool", "check_history"]

FloatArray = npt.NDArray[np.float64]
#: A streaming history holds this many losses before handing them to its sink.
HISTORY_BLOCK = 1 << 15
#: A `Spool` keeps this many bytes in memory before moving them to a temporary file.
SPOOL_IN_MEMORY = 1 << 24
Sink = Callable[[int, FloatArray], object]


def check_history(value: object) -> str | Sink:
    """``"full"``, ``"none"`` or a callable ``sink(first_iteration, losses)``."""
    if value in ("full", "none") or callable(value):
        return value
    raise InputError(
        f"history must be 'full', 'none' or a callable sink(first, losses), got {value!r}"
    )


class History:
    """Records losses in order, one at a time or a block at a time (see the module)."""

    def __init__(self, iterations: int, keep: str | Sink) -> None:
        self._full = np.empty(iterations + 1) if keep == "full" else None
        self._sink = keep if callable(keep) else None
        self._pending = np.empty(HISTORY_BLOCK) if self._sink is not None else None
        self._held = 0  # losses in _pending, not yet handed to the sink
        self.done = 0  # losses recorded so far
        self.first = self.previous = self.latest = math.nan

    def one(self, loss: float) -> None:
        """The next iteration's loss."""
        if self.done == 0:
            self.first = loss
        self.previous, self.latest = self.latest, loss
        if self._full is not None:
            self._full[self.done] = loss
        elif self._pending is not None:
            self._pending[self._held] = loss
            self._held += 1
        self.done += 1
        if self._held == HISTORY_BLOCK:
            self.flush()

    def block(self, losses: FloatArray) -> None:
        """The next iterations' losses, in order (the closed form's block)."""
        if not losses.shape[0]:
            return
        if self.done == 0:
            self.first = float(losses[0])
        self.previous = float(losses[-2]) if losses.shape[0] > 1 else self.latest
        self.latest = float(losses[-1])
        if self._full is not None:
            self._full[self.done : self.done + losses.shape[0]] = losses
        elif self._sink is not None:
            self.flush()
            self._sink(self.done, losses)
        self.done += losses.shape[0]

    def flush(self) -> None:
        """Hand the held losses to the sink."""
        if self._sink is not None and self._pending is not None and self._held:
            self._sink(self.done - self._held, self._pending[: self._held].copy())
            self._held = 0

    def array(self, count: int) -> Any:
        """The first ``count`` losses when kept whole; None otherwise (after a flush)."""
        self.flush()
        return None if self._full is None else self._full[:count]


class Spool:
    """A sink that keeps the losses (8 bytes each) in memory up to `SPOOL_IN_MEMORY`, then
    in a temporary file, to be read back in order by `blocks` once the run is over: the
    command line's ``--history``. A failed write is an `OutputError` saying ``what``."""

    def __init__(self, what: str) -> None:
        self._file = tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY)  # noqa: SIM115 (close())
        self._what = what
        self.count = 0

    def __call__(self, first: int, losses: FloatArray) -> None:
        if first != self.count:
            raise ValueError(f"losses out of order: {first} after {self.count}")
        try:
            self._file.write(np.ascontiguousarray(losses, dtype=np.float64).tobytes())
        except OSError as error:
            where = tempfile.gettempdir()
            raise OutputError(f"{self._what} in {where} ({reason(error)})") from None
        self.count += losses.shape[0]

    def blocks(self, size: int) -> Iterator[FloatArray]:
        """The losses, ``size`` at a time, from the first."""
        self._file.seek(0)
        while chunk := self._file.read(8 * size):
            yield np.frombuffer(chunk, dtype=np.float64)

    def close(self) -> None:
        self._file.close()
