r"""One pass over the data: count, means and centred co-moments, mergeable.

The mean squared error and its gradient depend on the data only through

$$N,\quad \bar x,\quad \bar y,\quad C_{xx} = \sum_i (x_i - \bar x)(x_i - \bar x)^\top,\quad
C_{xy} = \sum_i (x_i - \bar x)(y_i - \bar y),\quad C_{yy} = \sum_i (y_i - \bar y)^2 .$$

Writing $c = \bar y - \bar x^\top w - b$ for the error of the line at the centre,

$$E = \frac{1}{N}\bigl(C_{yy} - 2 w^\top C_{xy} + w^\top C_{xx} w\bigr) + c^2,\qquad
\nabla_w E = \frac{2}{N}(C_{xx} w - C_{xy}) - 2c\,\bar x,\qquad
\frac{\partial E}{\partial b} = -2c .$$

So after one pass, every gradient-descent iteration costs $O(n_{\text{features}}^2)$,
whatever the number of points. The statistics are accumulated centred, block by block,
and blocks are merged with Chan, Golub and LeVeque's update, so a large mean does not
cancel catastrophically as raw sums $\sum x^2$ would.
"""

from __future__ import annotations

import importlib
import math
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg.data import check_features_target, iter_table_chunks, open_npy
from linreg.errors import DataFileError, InputError

__all__ = ["BLOCK_ROWS", "Moments"]

FloatArray = npt.NDArray[np.float64]

#: Rows per block of the one-feature pass: small enough to stay in the CPU cache, so
#: the data are read from memory once while each block's five sums are formed.
BLOCK_ROWS = 1 << 16
# A block keeps its raw sums while they lose at most this factor (three digits).
_SAFE = 2.0**10
# Threads for one pass. The block sums are BLAS dot products, which already use every
# core; runs in threads on top of them oversubscribe the cores (measured on 2 cores at
# N = 1e7: 4.6× the two-dot floor with 2 threads against 3.0× with 1, offset data). The
# threaded runs stay for machines where numpy's BLAS is single-threaded.
_MAX_THREADS = int(os.environ.get("LINREG_PASS_THREADS", "1"))
_TOO_LARGE = "the data are too large: their squares overflow float64; rescale X and y"


@dataclass(frozen=True)
class Moments:
    """Sufficient statistics of (X, y) for the mean squared error.

    Build one with `from_arrays`, `from_chunks`, `from_csv`, `from_npy` or `from_dask`;
    combine two with ``a + b`` (or `merge`): the result is as if the data had been
    concatenated.

    Attributes
    ----------
    count : int
        $N$, the number of points.
    mean_x : numpy.ndarray of shape (n_features,)
        $\\bar x$.
    mean_y : float
        $\\bar y$.
    cxx : numpy.ndarray of shape (n_features, n_features)
        $C_{xx} = \\sum (x - \\bar x)(x - \\bar x)^\\top$.
    cxy : numpy.ndarray of shape (n_features,)
        $C_{xy} = \\sum (x - \\bar x)(y - \\bar y)$.
    cyy : float
        $C_{yy} = \\sum (y - \\bar y)^2$.
    """

    count: int
    mean_x: FloatArray
    mean_y: float
    cxx: FloatArray
    cxy: FloatArray
    cyy: float

    @property
    def n_features(self) -> int:
        """The number of features."""
        return int(self.mean_x.shape[0])

    # --- building ---------------------------------------------------------------------

    @classmethod
    def from_arrays(cls, X: npt.ArrayLike, y: npt.ArrayLike) -> Moments:
        """The statistics of in-memory arrays, in one blocked, centred pass.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)

        Returns
        -------
        Moments

        Raises
        ------
        InputError
            As for every public function: shapes, NaN, infinity.

        Examples
        --------
        >>> m = Moments.from_arrays([[1.0], [2.0], [3.0]], [2.0, 4.0, 6.0])
        >>> m.count, m.mean_x, m.mean_y, m.cxx, m.cxy, m.cyy
        (3, array([2.]), 4.0, array([[2.]]), array([4.]), 8.0)
        """
        features, target = check_features_target(X, y, finite=False)
        stats = cls._from_unchecked(features, target)
        if stats is None:
            check_features_target(X, y)  # names the NaN or infinity, if there is one
            raise InputError(_TOO_LARGE)
        return stats

    @classmethod
    def _from_checked(cls, X: FloatArray, y: FloatArray) -> Moments:
        """The blocked pass over validated arrays (see `_from_unchecked`)."""
        stats = cls._from_unchecked(X, y)
        if stats is None:
            raise InputError(_TOO_LARGE)
        return stats

    @classmethod
    def _from_unchecked(cls, X: FloatArray, y: FloatArray) -> Moments | None:
        """The blocked pass, on all cores; None if a statistic is not finite.

        Any NaN or infinity in the data makes some sum non-finite, so a finite result
        proves the data finite without a separate pass; on None the caller runs the full
        validation to say which value was wrong (or that the data overflow). The rows are
        cut into one contiguous run per core; each run is reduced in its own thread (numpy
        releases the GIL in its loops and BLAS) and the runs are merged in order.
        """
        n, p = X.shape
        rows = BLOCK_ROWS if p == 1 else max(1024, (1 << 22) // (8 * p))
        workers = max(1, min(os.cpu_count() or 1, _MAX_THREADS, n // (4 * rows)))
        edges = [n * k // workers // rows * rows for k in range(workers)] + [n]
        with np.errstate(over="ignore", invalid="ignore"):
            if workers == 1:
                parts = [cls._run(X, y, rows)]
            else:
                with ThreadPoolExecutor(workers) as pool:
                    parts = list(
                        pool.map(
                            lambda k: cls._run(
                                X[edges[k] : edges[k + 1]], y[edges[k] : edges[k + 1]], rows
                            ),
                            range(workers),
                        )
                    )
            total: Moments | None = None
            for part in parts:
                if part is None:
                    return None
                total = part if total is None else total.merge(part)
        assert total is not None
        finite = np.isfinite(total.cxx).all() and np.isfinite(total.cxy).all()
        return total if finite and math.isfinite(total.cyy) else None

    @classmethod
    def _run(cls, X: FloatArray, y: FloatArray, rows: int) -> Moments | None:
        """One thread's blocks, each shifted by the mean of the block before it."""
        n = y.shape[0]
        ones = np.ones(min(rows, n))
        # The first rows' mean: the first block's shift (any value near the data would do).
        head = min(n, 1024)
        reference: tuple[FloatArray, float] | None = (
            np.ones(head) @ X[:head] / head,
            float(np.ones(head) @ y[:head]) / head,
        )
        total: Moments | None = None
        for start in range(0, n, rows):
            block = cls._block(X[start : start + rows], y[start : start + rows], ones, reference)
            if block is None:
                return None
            # Shifting costs a copy of the block: keep it only while the means are large
            # against the spread (raw sums about the origin would then cancel).
            reference = (block.mean_x, block.mean_y) if cls._offset(block) else None
            total = block if total is None else total.merge(block)
        return total

    @staticmethod
    def _offset(block: Moments) -> bool:
        """Whether raw sums about the origin would lose more than three digits."""
        n = block.count
        spread_x, spread_y = np.diag(block.cxx) / n, block.cyy / n
        return bool(
            np.any(block.mean_x**2 > (_SAFE - 1) * spread_x)
            or block.mean_y**2 > (_SAFE - 1) * spread_y
        )

    @classmethod
    def _block(
        cls,
        X: FloatArray,
        y: FloatArray,
        ones: FloatArray,
        reference: tuple[FloatArray, float] | None = None,
    ) -> Moments | None:
        """One block: raw sums by BLAS on data shifted by a reference point when that is
        safe, otherwise centred sums.

        With $s$ the reference (the previous block's means), raw sums give
        $C = \\sum (x-s)^2 - (\\sum (x-s))^2/n$, which loses about
        $\\log_{10}(\\sum (x-s)^2/C)$ digits: $\\log_{10}(1 + (\\bar x - s)^2/\\sigma^2)$.
        The shift makes that small however large the mean. While it is at most 2¹⁰ (three
        digits) for every feature and for y, the block keeps the raw result (~13 digits
        left); otherwise it subtracts the block's means and sums again. Blocks are then
        merged with the Chan–Golub–LeVeque update.
        """
        n = y.shape[0]
        unit = ones[:n]
        if (
            reference is not None
            and np.isfinite(reference[0]).all()
            and math.isfinite(reference[1])
        ):
            shift_x, shift_y = reference
            # one column is shifted as a vector: broadcasting over a width of 1 is slow
            X = (X[:, 0] - shift_x[0])[:, None] if X.shape[1] == 1 else X - shift_x
            y = y - shift_y
        else:
            shift_x, shift_y = np.zeros(X.shape[1]), 0.0
        block = cls._raw_block(X, y, unit)
        if block is None:
            return None
        return cls(
            block.count,
            block.mean_x + shift_x,
            block.mean_y + shift_y,
            block.cxx,
            block.cxy,
            block.cyy,
        )

    @classmethod
    def _raw_block(cls, X: FloatArray, y: FloatArray, unit: FloatArray) -> Moments | None:
        """The statistics of one block from raw sums, or from a centred pass when the raw
        sums would cancel (see `_block`)."""
        n = y.shape[0]
        if X.shape[1] == 1:
            # Plain floats: five BLAS dot products and a handful of scalar operations.
            x = X[:, 0]
            sum_x1, sum_y = float(unit @ x), float(unit @ y)
            sxx1, sxy1, syy = float(x @ x), float(x @ y), float(y @ y)
            if not math.isfinite(sum_x1 + sum_y + sxx1 + sxy1 + syy):
                return None
            mx, my = sum_x1 / n, sum_y / n
            cxx1, cxy1, cyy1 = sxx1 - sum_x1 * mx, sxy1 - sum_x1 * my, syy - sum_y * my
            if cxx1 > 0 and cyy1 > 0 and sxx1 <= _SAFE * cxx1 and syy <= _SAFE * cyy1:
                return cls(n, np.array([mx]), my, np.array([[cxx1]]), np.array([cxy1]), cyy1)
            mean_x, mean_y = np.array([mx]), my
        else:
            sum_y = float(unit @ y)
            syy = float(y @ y)
            sum_x = unit @ X
            sxx = X.T @ X
            sxy = X.T @ y
            if not (
                np.isfinite(sxx).all()
                and np.isfinite(sxy).all()
                and math.isfinite(syy)
                and np.isfinite(sum_x).all()
                and math.isfinite(sum_y)
            ):
                return None
            mean_x, mean_y = sum_x / n, sum_y / n
            cxx = sxx - np.outer(sum_x, mean_x)
            cxy = sxy - sum_x * mean_y
            cyy = syy - sum_y * mean_y
            spread = np.diag(cxx)
            if (
                (spread > 0).all()
                and cyy > 0
                and (np.diag(sxx) <= _SAFE * spread).all()
                and syy <= _SAFE * cyy
            ):
                return cls(n, mean_x, mean_y, cxx, cxy, cyy)
        yc = y - mean_y
        Xc = X - mean_x
        # Second pass on the centred block; its (tiny) leftover means are folded in.
        rest_x, rest_y = (unit @ Xc) / n, float(unit @ yc) / n
        cxx = Xc.T @ Xc - n * np.outer(rest_x, rest_x)
        cxy = Xc.T @ yc - n * rest_x * rest_y
        cyy = float(yc @ yc) - n * rest_y * rest_y
        return cls(n, mean_x + rest_x, mean_y + rest_y, cxx, cxy, cyy)

    @classmethod
    def from_chunks(cls, chunks: Iterable[tuple[npt.ArrayLike, npt.ArrayLike]]) -> Moments:
        """Merge the statistics of an iterable of ``(X, y)`` chunks, holding one at a time.

        Raises
        ------
        InputError
            No chunks, or chunks with different numbers of features.
        """
        total: Moments | None = None
        for X, y in chunks:
            part = cls.from_arrays(X, y)
            total = part if total is None else total.merge(part)
        if total is None:
            raise InputError("no data: the iterable of chunks was empty")
        return total

    @classmethod
    def from_csv(
        cls,
        path: str | os.PathLike[str],
        *,
        block_bytes: int = 1 << 22,
        n_columns: int | None = None,
        progress: Callable[[int], object] | None = None,
    ) -> Moments:
        """Stream a CSV file of ``x1, ..., xk, y`` rows in chunks (bounded memory).

        The last column is y. The file is checked exactly as `linreg.data.load_table`
        checks it, with the same messages naming the line and column.

        Parameters
        ----------
        path : str or path-like
        block_bytes : int
            Bytes read at a time (whole lines); memory stays a few times this.
        n_columns : int, optional
            Require exactly this many columns (2 for x, y).
        progress : callable, optional
            Called after each chunk with the number of bytes read so far.

        Returns
        -------
        Moments

        Raises
        ------
        DataFileError
            As `linreg.data.load_table`; also fewer than two points.
        """
        total: Moments | None = None
        for table in iter_table_chunks(
            path, block_bytes=block_bytes, n_columns=n_columns, progress=progress
        ):
            if table.shape[1] < 2:
                raise DataFileError(path, "needs at least 2 columns (x and y)", line=1)
            part = cls._from_checked(table[:, :-1], np.ascontiguousarray(table[:, -1]))
            total = part if total is None else total.merge(part)
        assert total is not None  # iter_table_chunks raises on a file with no rows
        if total.count < 2:
            raise DataFileError(path, f"found {total.count} point; at least 2 are needed")
        return total

    @classmethod
    def from_npy(cls, path: str | os.PathLike[str], *, chunk_rows: int = 1 << 20) -> Moments:
        """Memory-map a ``.npy`` table of shape (N, k) (last column y) and pass over it.

        Raises
        ------
        DataFileError
            Not a 2-D numeric ``.npy`` file with at least 2 columns, or non-finite values.
        InputError
            ``chunk_rows`` is not a positive integer.
        """
        if (
            isinstance(chunk_rows, bool)
            or not isinstance(chunk_rows, (int, np.integer))
            or chunk_rows < 1
        ):
            raise InputError(f"chunk_rows must be a positive integer, got {chunk_rows!r}")
        file = Path(os.fspath(path))
        table = open_npy(file)
        total: Moments | None = None
        for start in range(0, table.shape[0], chunk_rows):
            chunk = np.asarray(table[start : start + chunk_rows], dtype=np.float64)
            if not np.isfinite(chunk).all():
                row = start + int(np.argwhere(~np.isfinite(chunk))[0][0])
                raise DataFileError(file, f"row {row} holds a non-finite value")
            part = cls._from_checked(chunk[:, :-1], np.ascontiguousarray(chunk[:, -1]))
            total = part if total is None else total.merge(part)
        if total is None or total.count < 2:
            raise DataFileError(file, "at least 2 points are needed")
        return total

    @classmethod
    def from_dask(cls, X: Any, y: Any) -> Moments:
        """The statistics of dask arrays: each chunk reduced where it lives, then merged.

        Needs the ``dask`` extra. Runs on whatever scheduler is active, so with a
        ``dask.distributed`` client the chunks are reduced on its workers.

        Parameters
        ----------
        X : dask.array.Array of shape (n_samples, n_features), chunked along rows only
        y : dask.array.Array of shape (n_samples,), chunked like X's rows

        Returns
        -------
        Moments
        """
        try:
            dask: Any = importlib.import_module("dask")
            da: Any = importlib.import_module("dask.array")
        except ImportError:
            raise ImportError("Moments.from_dask needs dask: pip install 'linreg[dask]'") from None
        X = da.asarray(X)
        y = da.asarray(y)
        if X.ndim != 2 or y.ndim != 1 or X.shape[0] != y.shape[0]:
            raise InputError(
                f"X must be (n_samples, n_features) and y (n_samples,), got {X.shape} and {y.shape}"
            )
        X = X.rechunk({1: -1})
        y = y.rechunk((X.chunks[0],))
        parts = [
            dask.delayed(cls.from_arrays)(x_block, y_block)
            for x_block, y_block in zip(X.to_delayed().ravel(), y.to_delayed().ravel())
        ]
        while len(parts) > 1:  # a tree of merges, so no single task holds them all
            parts = [
                dask.delayed(Moments.merge)(parts[k], parts[k + 1])
                if k + 1 < len(parts)
                else parts[k]
                for k in range(0, len(parts), 2)
            ]
        (result,) = dask.compute(parts[0])
        assert isinstance(result, Moments)
        return result

    # --- combining --------------------------------------------------------------------

    def merge(self, other: Moments) -> Moments:
        """The statistics of both datasets together (Chan–Golub–LeVeque update).

        Raises
        ------
        InputError
            The two have different numbers of features.
        """
        if other.n_features != self.n_features:
            raise InputError(
                f"cannot merge moments of {self.n_features} and {other.n_features} features"
            )
        n = self.count + other.count
        weight = self.count * other.count / n
        dx = other.mean_x - self.mean_x
        dy = other.mean_y - self.mean_y
        return Moments(
            count=n,
            mean_x=self.mean_x + dx * (other.count / n),
            mean_y=self.mean_y + dy * (other.count / n),
            cxx=self.cxx + other.cxx + np.outer(dx, dx) * weight,
            cxy=self.cxy + other.cxy + dx * (dy * weight),
            cyy=self.cyy + other.cyy + dy * dy * weight,
        )

    def centred(self) -> Moments:
        """The statistics of the data less their means: the same co-moments, zero means.

        Examples
        --------
        >>> Moments.from_arrays([[1.0], [3.0]], [2.0, 6.0]).centred().mean_y
        0.0
        """
        return Moments(self.count, np.zeros_like(self.mean_x), 0.0, self.cxx, self.cxy, self.cyy)

    def __add__(self, other: object) -> Moments:
        if not isinstance(other, Moments):
            return NotImplemented
        return self.merge(other)

    # --- the loss from the statistics ---------------------------------------------------

    def mse(self, w: npt.ArrayLike, b: float, alpha: float = 0.0) -> float:
        r"""The mean squared error (plus ridge $\alpha\lVert w\rVert^2$) from the statistics.

        Examples
        --------
        >>> m = Moments.from_arrays([[1.0], [2.0], [3.0]], [2.0, 4.0, 7.0])
        >>> round(m.mse([2.0], 0.0), 12)
        0.333333333333
        """
        return self.loss_and_gradient(np.asarray(w, dtype=np.float64), float(b), alpha)[0]

    def mse_gradient(
        self, w: npt.ArrayLike, b: float, alpha: float = 0.0
    ) -> tuple[FloatArray, float]:
        r"""$(\nabla_w E, \partial E/\partial b)$ at (w, b), from the statistics alone."""
        _, grad_w, grad_b = self.loss_and_gradient(np.asarray(w, dtype=np.float64), float(b), alpha)
        return grad_w, grad_b

    def loss_and_gradient(
        self, w: FloatArray, b: float, alpha: Any = 0.0
    ) -> tuple[float, FloatArray, float]:
        r"""The loss and gradient from the statistics: the kernel descent runs on moments.

        Parameters
        ----------
        w : numpy.ndarray of shape (n_features,)
        b : float
        alpha : float or numpy.ndarray of shape (n_features,)
            Ridge strength, or one per feature (descent in standardized coordinates).

        Returns
        -------
        (loss, grad_w, grad_b)

        Notes
        -----
        With $c = \bar y - \bar x^\top w - b$, the error of the line at the centre,
        $E = \frac{1}{N}(C_{yy} - 2w^\top C_{xy} + w^\top C_{xx} w) + c^2 + \alpha\lVert w\rVert^2$,
        $\nabla_w E = \frac{2}{N}(C_{xx}w - C_{xy}) - 2c\,\bar x + 2\alpha w$ and
        $\partial E/\partial b = -2c$.
        """
        # c = ȳ − x̄·w − b
        centre = self.mean_y - float(self.mean_x @ w) - b
        pulled = self.cxx @ w - self.cxy
        ridge = alpha * w
        # E = (Cyy − 2w·Cxy + w·Cxx·w)/N + c² + α‖w‖²   (Cyy − w·Cxy + w·(Cxx w − Cxy))
        quadratic = self.cyy - float(w @ self.cxy) + float(w @ pulled)
        loss = max(quadratic, 0.0) / self.count + centre * centre + float(w @ ridge)
        # ∇w E = (2/N)(Cxx w − Cxy) − 2c x̄ + 2αw ,  ∂E/∂b = −2c
        grad_w = (2.0 / self.count) * pulled - (2.0 * centre) * self.mean_x + 2.0 * ridge
        return loss, grad_w, -2.0 * centre

    def hessian(self, alpha: Any = 0.0) -> FloatArray:
        r"""The Hessian in (w, b), from the statistics alone.

        $$H = \begin{bmatrix} \frac{2}{N}C_{xx} + 2\bar x\bar x^\top + 2\alpha I & 2\bar x\\
        2\bar x^\top & 2\end{bmatrix}$$
        """
        p = self.n_features
        hessian = np.empty((p + 1, p + 1))
        hessian[:p, :p] = (2.0 / self.count) * self.cxx + 2.0 * np.outer(self.mean_x, self.mean_x)
        hessian[:p, :p] += np.diag(2.0 * np.broadcast_to(alpha, (p,)))
        hessian[:p, p] = hessian[p, :p] = 2.0 * self.mean_x
        hessian[p, p] = 2.0
        return hessian
