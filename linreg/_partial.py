"""The rows of `linreg.estimator.GradientDescentRegressor.partial_fit`: one pass, a block
at a time.

A chunk's rows are copied into a buffer of one block of the pass
(`linreg.accumulate.block_rows`); a full buffer, and the whole blocks of a large chunk,
join the pass (`linreg.accumulate.Pass`) as they come. So the pass sums the blocks that
`fit`'s pass sums, whatever the chunks' sizes, and its cost per call (shift, sums, the
check of the shift, the statistics) is paid once a block, not once a chunk. The buffer
holds less than one block (with several features, at most
`linreg.accumulate.BLOCK_NUMBERS` values), whatever the number of rows.

Reading the statistics leaves the buffer as it is: its rows are added to a copy of the
pass, so a model read between chunks changes nothing that follows.

Part of `linreg.estimator` (kept apart to keep each file short).
"""

from __future__ import annotations

import copy

import numpy as np
import numpy.typing as npt

from linreg.accumulate import Pass, block_rows
from linreg.moments import Moments
from linreg.validate import too_large

__all__ = ["ChunkPass"]

FloatArray = npt.NDArray[np.float64]


class ChunkPass:
    """One pass over rows that arrive in chunks of any size, summed a whole block at a time.

    Parameters
    ----------
    n_features : int
        Columns of X in every chunk (checked by the caller).
    """

    def __init__(self, n_features: int) -> None:
        self.stream = Pass(n_features)
        self.block = block_rows(n_features)
        # allocated when a chunk first leaves rows over (a stream of whole blocks has none)
        self.X: FloatArray = np.empty((0, n_features))
        self.y: FloatArray = np.empty(0)
        self.fill = 0

    def add(self, X: FloatArray, y: FloatArray) -> None:
        """Add a chunk of finite rows: top the buffer up, sum whole blocks, keep the rest.

        Raises
        ------
        InputError
            A sum of squares overflowed float64 (too large data), in the block summed now.
        """
        n = y.shape[0]
        start = self._top_up(X, y) if self.fill else 0
        whole = start + (n - start) // self.block * self.block
        if whole > start:
            self._sum(X[start:whole], y[start:whole])
        if whole < n:  # the buffer is empty here: a full one was summed, or none began
            if self.X.shape[0] == 0:
                self.X, self.y = np.empty((self.block, X.shape[1])), np.empty(self.block)
            self.X[: n - whole] = X[whole:]
            self.y[: n - whole] = y[whole:]
            self.fill = n - whole

    def _top_up(self, X: FloatArray, y: FloatArray) -> int:
        """Copy the chunk's first rows into the buffer, sum it if it is full; the rows taken."""
        taken = min(self.block - self.fill, int(y.shape[0]))
        self.X[self.fill : self.fill + taken] = X[:taken]
        self.y[self.fill : self.fill + taken] = y[:taken]
        self.fill += taken
        if self.fill == self.block:
            self.fill = 0
            self._sum(self.X, self.y)
        return taken

    def _sum(self, X: FloatArray, y: FloatArray) -> None:
        if not self.stream.add(X, y).finite:
            raise too_large("their squares")

    def statistics(self) -> Moments:
        """The statistics of every row added so far; the buffer stays for more rows.

        Raises
        ------
        InputError
            A sum overflowed float64.
        """
        stream = self.stream
        if self.fill:
            stream = copy.deepcopy(stream).add(self.X[: self.fill], self.y[: self.fill])
        stats = stream.result()
        if stats is None:
            raise too_large("their squares")
        return Moments._of(stats)
