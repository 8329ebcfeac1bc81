r"""One pass over the data: count, means and centred co-moments, mergeable.

The mean squared error and its gradient depend on the data only through

$$N,\quad \bar x,\quad \bar y,\quad C_{xx} = \sum_i (x_i - \bar x)(x_i - \bar x)^\top,\quad
C_{xy} = \sum_i (x_i - \bar x)(y_i - \bar y),\quad C_{yy} = \sum_i (y_i - \bar y)^2 .$$

Writing $c = \bar y - \bar x^\top w - b$ for the error of the line at the centre,

$$E = \frac{1}{N}\bigl(C_{yy} - 2 w^\top C_{xy} + w^\top C_{xx} w\bigr) + c^2,\qquad
\nabla_w E = \frac{2}{N}(C_{xx} w - C_{xy}) - 2c\,\bar x,\qquad
\frac{\partial E}{\partial b} = -2c .$$

So after one pass, every gradient-descent iteration costs $O(n_{\text{features}}^2)$,
whatever the number of points. `Moments` is the type, its loss kernel and its ways in;
the pass itself (blocks, shifts, runs, merges) is `linreg.accumulate`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg import accumulate
from linreg.accumulate import BLOCK_ROWS, Statistics
from linreg.errors import DataFileError, InputError
from linreg.tables import (
    Progress,
    check_path,
    checked_pair,
    column_choice,
    columnar_statistics,
    csv_statistics,
    dask_statistics,
    npy_parts,
    table_statistics,
)
from linreg.validate import (
    as_scalar,
    as_weights,
    check_alpha,
    check_features_target,
    check_positive_int,
    too_large,
)

__all__ = ["BLOCK_ROWS", "Moments"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Moments(Statistics):
    """Sufficient statistics of (X, y) for the mean squared error.

    Build one with `from_arrays`, `from_chunks`, `from_csv`, `from_parquet`, `from_ipc`,
    `from_npy` or `from_dask`;
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

    @property
    def n_features(self) -> int:
        """The number of features."""
        return int(self.mean_x.shape[0])

    # --- building ---------------------------------------------------------------------

    @classmethod
    def from_arrays(
        cls, X: npt.ArrayLike, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = None
    ) -> Moments:
        """The statistics of in-memory arrays, in one blocked, centred pass.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)
        sample_weight : array_like of shape (n_samples,), optional
            Per-sample weights: the weighted statistics, a
            `linreg.weighted_moments.WeightedMoments` (its count the weights' total).

        Returns
        -------
        Moments

        Raises
        ------
        InputError
            As for every public function: shapes, NaN, infinity; more than
            `linreg.accumulate.MAX_FEATURES` features.

        Examples
        --------
        >>> m = Moments.from_arrays([[1.0], [2.0], [3.0]], [2.0, 4.0, 6.0])
        >>> m.count, m.mean_x, m.mean_y, m.cxx, m.cxy, m.cyy
        (3, array([2.]), 4.0, array([[2.]]), array([4.]), 8.0)
        """
        if sample_weight is not None:
            from linreg.weighted_moments import WeightedMoments

            return WeightedMoments.from_arrays(X, y, sample_weight)
        return cls.from_checked(*check_features_target(X, y, finite=False))

    @classmethod
    def from_checked(cls, features: FloatArray, target: FloatArray) -> Moments:
        """`from_arrays` of the arrays ``check_features_target(X, y, finite=False)``
        returned (so that a caller holding them does not check them twice).

        Raises
        ------
        InputError
            As `from_arrays`: arrays that were not so checked (a 1-D X, say) are checked.
        """
        if not checked_pair(features, target):
            features, target = check_features_target(features, target, finite=False)
        stats = accumulate.one_pass(features, target)
        if stats is None:
            check_features_target(features, target)  # names the NaN or infinity, if any
            raise too_large("their squares")
        return cls._of(stats)

    @classmethod
    def _of(cls, stats: Statistics | None) -> Moments:
        """The `Moments` holding these statistics (there are some: asserted)."""
        assert stats is not None
        return cls(
            stats.count, stats.mean_x, stats.mean_y, stats.cxx, stats.cxy, stats.cyy,
            stats.rounding, stats.mean_rounding,
        )  # fmt: skip

    @classmethod
    def from_chunks(cls, chunks: Iterable[tuple[npt.ArrayLike, npt.ArrayLike]]) -> Moments:
        """Merge the statistics of an iterable of ``(X, y)`` chunks, holding one at a time.

        Raises
        ------
        InputError
            No chunks, or chunks with different numbers of features.
        """
        total = accumulate.merge_all(cls.from_arrays(X, y) for X, y in chunks)
        if total is None:
            raise InputError("no data: the iterable of chunks was empty")
        return cls._of(total)

    @classmethod
    def from_csv(
        cls,
        path: str | os.PathLike[str],
        *,
        x: str | int | Sequence[str | int] | None = None,
        y: str | int | None = None,
        block_bytes: int = 1 << 22,
        n_columns: int | None = None,
        progress: Progress = None,
    ) -> Moments:
        """Stream a CSV file in chunks (bounded memory): ``x1, ..., xk, y`` rows, or the
        columns named.

        The file is checked exactly as `linreg.data.load_table` checks it, with the same
        messages naming the line and column. Blocks are parsed by pyarrow (the ``fast``
        extra) in a few threads at once, else by numpy.

        Parameters
        ----------
        path : str or path-like
        x : str, int or sequence of them, optional
            The feature columns: names from the header row, or 0-based positions. With
            ``y``; without both, every column is read and the last is y.
        y : str or int, optional
            The target column.
        block_bytes : int
            Bytes read at a time (whole lines); memory stays a few times this per core.
        n_columns : int, optional
            Require exactly this many columns in every row (2 for x, y).
        progress : bool or callable, optional
            True draws a progress bar on standard error; a callable is called after
            each chunk with the number of bytes read so far.

        Returns
        -------
        Moments

        Raises
        ------
        DataFileError
            As `linreg.data.load_table`; a column named that the header does not have;
            also fewer than two points.
        InputError
            Only one of x and y given.

        Examples
        --------
        >>> from linreg.data import bundled_data_path
        >>> Moments.from_csv(bundled_data_path()).count
        100
        """
        check_path(path, "from_csv")
        columns = column_choice(x, y)
        rows = check_positive_int(block_bytes, "block_bytes")
        return cls._of(
            csv_statistics(
                path, columns=columns, n_columns=n_columns, block_bytes=rows, progress=progress
            )
        )

    @classmethod
    def from_table_chunks(cls, path: str | os.PathLike[str], chunks: Iterable[Any]) -> Moments:
        """The statistics of the chunks `linreg.csv_reader.iter_table_chunks` read from
        ``path`` (y last), exactly as `from_csv` computes them: for a stream (standard
        input) whose first chunks were already taken, to see whether it is small.

        Raises
        ------
        DataFileError
            As `from_csv`: no rows, fewer than two points, fewer than two columns.
        InputError
            ``chunks`` not an iterable of 2-D float64 arrays.
        """
        return cls._of(table_statistics(Path(os.fspath(path)), chunks))

    @classmethod
    def from_parquet(
        cls,
        path: str | os.PathLike[str],
        *,
        x: str | Sequence[str],
        y: str,
        progress: Progress = None,
    ) -> Moments:
        """Stream Parquet files a row group at a time (bounded memory): the columns named.

        Needs the ``fast`` extra (pyarrow). Row groups are read a few at a time in
        threads and reduced in file order; memory holds a few row groups.

        Parameters
        ----------
        path : str or path-like
            A file, a folder of ``.parquet`` files (recursively, in name order; names
            starting with ``.`` or ``_`` skipped) or a glob such as ``"data/*.parquet"``.
        x : str or sequence of str
            The feature columns.
        y : str
            The target column.
        progress : bool or callable, optional
            True draws a progress bar on standard error; a callable is called after
            each row group with the number of rows read so far.

        Returns
        -------
        Moments

        Raises
        ------
        DataFileError
            No file found, or not Parquet; a column missing or not numeric (named, with
            the file's columns); a null, NaN or infinity (its column and row named);
            fewer than two points.

        Examples
        --------
        >>> import pyarrow as pa, pyarrow.parquet as pq, tempfile, os
        >>> folder = tempfile.mkdtemp()
        >>> pq.write_table(pa.table({"hours": [1.0, 2.0, 3.0], "score": [2.0, 4.0, 6.0]}),
        ...                os.path.join(folder, "part-0.parquet"))
        >>> Moments.from_parquet(folder, x=["hours"], y="score").cxy
        array([4.])
        """
        check_path(path, "from_parquet")
        columns = column_choice(x, y, required=True)
        assert columns is not None
        return cls._of(columnar_statistics(path, columns, "parquet", progress))

    @classmethod
    def from_ipc(
        cls,
        path: str | os.PathLike[str],
        *,
        x: str | Sequence[str],
        y: str,
        progress: Progress = None,
    ) -> Moments:
        """Stream Arrow IPC files (Feather v2) a record batch at a time: the columns named.

        As `from_parquet`, for the Arrow IPC file format (``.arrow``, ``.feather``):
        each file is memory-mapped, so an uncompressed batch is read straight from the
        page cache.

        Raises
        ------
        DataFileError
            As `from_parquet`.
        """
        check_path(path, "from_ipc")
        columns = column_choice(x, y, required=True)
        assert columns is not None
        return cls._of(columnar_statistics(path, columns, "ipc", progress))

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
        check_path(path, "from_npy")
        rows = check_positive_int(chunk_rows, "chunk_rows")
        file = Path(os.fspath(path))
        total = accumulate.merge_all(npy_parts(file, rows))
        if total is None or total.count < 2:
            raise DataFileError(file, "at least 2 points are needed")
        return cls._of(total)

    @classmethod
    def from_dask(cls, X: Any, y: Any, *, sample_weight: Any = None) -> Moments:
        """The statistics of dask arrays or DataFrames: each chunk (or partition) reduced
        where it lives, then merged; only the statistics are computed, never the data.

        Needs the ``dask`` extra. Runs on whatever scheduler is active, so with a
        ``dask.distributed`` client the chunks are reduced on its workers.

        Parameters
        ----------
        X : dask.array.Array of shape (n_samples, n_features), or dask DataFrame
            An array chunked along rows (its columns are joined into one chunk), or a
            DataFrame of numeric columns.
        y : dask.array.Array of shape (n_samples,), or dask Series
            Chunked like X's rows; a Series from the same DataFrame as X.
        sample_weight : None
            Not supported with dask input yet (an `InputError` says so).

        Returns
        -------
        Moments

        Raises
        ------
        InputError
            Shapes that do not fit, a column that is not numeric (named), X and y in
            different partitions, no rows, or sample weights.
        """
        if sample_weight is not None:
            raise InputError(
                "sample_weight with dask input is not supported yet: build the weighted "
                "statistics a chunk at a time (Moments.from_arrays(X, y, w)) and merge them"
            )
        return cls._of(dask_statistics(X, y, cls.from_arrays))

    # --- combining --------------------------------------------------------------------

    def merge(self, other: Moments) -> Moments:
        """The statistics of both datasets together (Chan–Golub–LeVeque update).

        Raises
        ------
        InputError
            ``other`` is not a `Moments`, or the two have different numbers of features.
        """
        if not isinstance(other, Statistics):
            raise InputError(f"can only merge Moments with Moments, got {type(other).__name__}")
        return Moments._of(accumulate.merge(self.checked(), other.checked()))

    def checked(self) -> Moments:
        """These statistics, once checked as a whole (they may have been written by hand).

        Raises
        ------
        InputError
            Naming the field: a count that is not a positive integer, shapes that do not
            agree, a value that is not finite, or a negative spread.
        """
        count = self.count
        if isinstance(count, (bool, np.bool_)) or not isinstance(count, (int, np.integer)):
            raise InputError(f"Moments.count must be a positive integer, got {count!r}")
        if count < 1:
            raise InputError(f"Moments.count must be a positive integer, got {count!r}")
        p = np.shape(self.mean_x)[0] if np.ndim(self.mean_x) == 1 else -1
        shapes = (
            np.shape(self.cxx) == (p, p),
            np.shape(self.cxy) == (p,),
            np.ndim(self.mean_y) == 0,
        )
        if p < 1 or not all(shapes):
            raise InputError(
                "Moments fields disagree: mean_x must be (p,), cxx (p, p), cxy (p,), and "
                f"mean_y and cyy numbers; got {np.shape(self.mean_x)}, {np.shape(self.cxx)}, "
                f"{np.shape(self.cxy)}"
            )
        for name in ("mean_x", "mean_y", "cxx", "cxy", "cyy"):
            if not np.all(np.isfinite(np.asarray(getattr(self, name), dtype=np.float64))):
                raise InputError(f"Moments.{name} holds a value that is not finite")
        if np.any(np.diag(self.cxx) < 0) or self.cyy < 0:
            raise InputError("Moments.cxx's diagonal and cyy are sums of squares: none is negative")
        return self

    def centred(self) -> Moments:
        """The statistics of the data less their means: the same co-moments, zero means.

        Examples
        --------
        >>> Moments.from_arrays([[1.0], [3.0]], [2.0, 6.0]).centred().mean_y
        0.0
        """
        return replace(self, mean_x=np.zeros_like(self.mean_x), mean_y=0.0)

    def __add__(self, other: object) -> Moments:
        if not isinstance(other, Moments):
            return NotImplemented
        return self.merge(other)

    # --- the loss from the statistics ---------------------------------------------------

    def mse(self, w: npt.ArrayLike, b: float, alpha: float = 0.0) -> float:
        r"""The mean squared error (plus ridge $\alpha\lVert w\rVert^2$) from the statistics.

        Raises
        ------
        InputError
            As `linreg.loss.mse`: w not of shape (n_features,), a non-finite w or b, or a
            negative alpha.

        Examples
        --------
        >>> m = Moments.from_arrays([[1.0], [2.0], [3.0]], [2.0, 4.0, 7.0])
        >>> round(m.mse([2.0], 0.0), 12)
        0.333333333333
        """
        return self.loss_and_gradient(*self._line(w, b, alpha))[0]

    def mse_gradient(
        self, w: npt.ArrayLike, b: float, alpha: float = 0.0
    ) -> tuple[FloatArray, float]:
        r"""$(\nabla_w E, \partial E/\partial b)$ at (w, b), from the statistics alone.

        Raises
        ------
        InputError
            As `mse`.
        """
        _, grad_w, grad_b = self.loss_and_gradient(*self._line(w, b, alpha))
        return grad_w, grad_b

    def _line(self, w: object, b: object, alpha: object) -> tuple[FloatArray, float, float]:
        """w, b and alpha checked as `linreg.loss.mse` checks them: one weight a feature."""
        return as_weights(w, self.n_features), as_scalar(b, "b"), check_alpha(alpha)

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
        if self.mean_x.shape[0] == 1 and ONE_FEATURE_FLOATS:  # one feature: Python floats
            x, c, r = float(self.mean_x[0]), float(self.cxx[0, 0]), float(self.cxy[0])
            loss, grad, grad_b = _kernel(self, _product, _product, x, c, r, float(w[0]), b,
                                         _first(alpha))  # fmt: skip
            if math.isfinite(loss) and math.isfinite(grad) and math.isfinite(grad_b):
                return loss, np.array([grad]), grad_b
            # else numpy's lines below raise or warn, as the caller's errstate says
        return _kernel(self, _inner, np.matmul, self.mean_x, self.cxx, self.cxy, w, b, alpha)

    def hessian(self, alpha: Any = 0.0) -> FloatArray:
        r"""The Hessian in (w, b), from the statistics alone.

        $$H = \begin{bmatrix} \frac{2}{N}C_{xx} + 2\bar x\bar x^\top + 2\alpha I & 2\bar x\\
        2\bar x^\top & 2\end{bmatrix}$$
        """
        p = self.n_features
        ridge = np.asarray(alpha, dtype=np.float64)  # one per feature, or one for all
        if p == 1 and ONE_FEATURE_FLOATS and ridge.shape in ((), (1,)):
            found = _line_hessian(self, float(ridge.reshape(())))
            if found is not None:
                return found
        hessian = np.empty((p + 1, p + 1))
        hessian[:p, :p] = (2.0 / self.count) * self.cxx + 2.0 * (self.mean_x[:, None] * self.mean_x)
        hessian[:p, :p] += np.diag(
            2.0 * (ridge if ridge.shape == (p,) else np.broadcast_to(ridge, (p,)))
        )
        hessian[:p, p] = hessian[p, :p] = 2.0 * self.mean_x
        hessian[p, p] = 2.0
        return hessian


def _line_hessian(stats: Moments, ridge: float) -> FloatArray | None:
    """`Moments.hessian` of one feature in floats, each entry formed as numpy's lines form
    it (the ridge added after, as they add it: 0 + −0 is +0). None unless every number
    is 0 or within 2^±400, where no product or sum can overflow or underflow: numpy's
    lines then raise or warn as the caller's error state says."""
    mean, spread = float(stats.mean_x[0]), float(stats.cxx[0, 0])
    for x in (mean, spread, ridge, stats.count):  # (a loop: cheaper than all() of a generator)
        if not (x == 0.0 or 2.0**-400 < abs(x) < 2.0**400):
            return None
    top = (2.0 / stats.count) * spread + 2.0 * (mean * mean) + 2.0 * ridge
    return np.array([[top, 2.0 * mean], [2.0 * mean, 2.0]])


#: One feature: `Moments.loss_and_gradient` and the reference's solve and error bars
#: (`linreg.reference_statistics.solve_scaled`, `_scaled_optimum`) run on Python floats,
#: where numpy's calls
#: on arrays of one number were the whole cost (False: on arrays, as for many features;
#: the tests compare the two bit for bit).
ONE_FEATURE_FLOATS = True


def _kernel(
    stats: Statistics,
    inner: Any,
    apply: Any,
    mean_x: Any,
    cxx: Any,
    cxy: Any,
    w: Any,
    b: float,
    alpha: Any,
) -> tuple[float, Any, float]:
    """`Moments.loss_and_gradient`'s lines, on arrays (``inner`` a dot product, ``apply``
    a matrix product) or, for one feature, on Python floats (both the one product)."""
    # c = ȳ − x̄·w − b
    centre = stats.mean_y - inner(mean_x, w) - b
    pulled = apply(cxx, w) - cxy
    ridge = alpha * w
    # E = (Cyy − 2w·Cxy + w·Cxx·w)/N + c² + α‖w‖²   (Cyy − w·Cxy + w·(Cxx w − Cxy))
    quadratic = stats.cyy - inner(w, cxy) + inner(w, pulled)
    loss = max(quadratic, 0.0) / stats.count + centre * centre + inner(w, ridge)
    # ∇w E = (2/N)(Cxx w − Cxy) − 2c x̄ + 2αw ,  ∂E/∂b = −2c
    grad_w = (2.0 / stats.count) * pulled - (2.0 * centre) * mean_x + 2.0 * ridge
    return loss, grad_w, -2.0 * centre


def _inner(a: FloatArray, b: FloatArray) -> float:
    return float(a @ b)


def _product(a: float, b: float) -> float:
    """A one-term dot product as numpy forms it: 0 + a·b (so −0 becomes +0), bit for bit."""
    return 0.0 + a * b


def _first(alpha: Any) -> float:
    """The one feature's ridge strength, given for all features or one per feature."""
    return alpha if isinstance(alpha, float) else float(np.asarray(alpha).reshape(-1)[0])
