r"""The one-pass engine behind `linreg.moments.Moments`: blocks, shifts, runs and merges.

The data are cut into blocks small enough to stay in the CPU cache. Each block's
statistics come from raw sums by BLAS on data shifted by a reference point (the
previous block's means) while that is safe, otherwise from a centred second pass over
the block (`raw_block`), and blocks are merged with Chan, Golub and LeVeque's update
(`merge`), so a large mean does not cancel catastrophically as raw sums
$\sum x^2$ would. Files are reduced the same way, a chunk at a time (`csv_parts`,
`npy_parts`), and dask arrays chunk by chunk where they live (`dask_statistics`). Every
sequence of partial statistics is combined by the one loop, `merge_all`.

Everything here returns `Statistics`, the six numbers of `Moments` in a plain record.
"""

from __future__ import annotations

import importlib
import math
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg.csv_reader import iter_table_chunks
from linreg.errors import DataFileError, InputError
from linreg.npy_reader import open_npy
from linreg.validate import too_large

__all__ = [
    "BLOCK_ROWS",
    "FEATURE_BLOCK_ROWS",
    "MAX_THREADS",
    "SAFE",
    "SHIFT_FROM",
    "Statistics",
    "checked_pass",
    "csv_parts",
    "dask_statistics",
    "merge",
    "merge_all",
    "npy_parts",
    "one_pass",
    "raw_block",
]

FloatArray = npt.NDArray[np.float64]

#: Rows per block of the one-feature pass: small enough to stay in the CPU cache, so
#: the data are read from memory once while each block's five sums are formed.
BLOCK_ROWS = 1 << 16
#: A block keeps its raw sums while they lose at most this factor (three digits).
SAFE = 2.0**10
#: Rows per block with several features. A block's sums are BLAS products whose rounding
#: is bounded, for any order of summation, by the block's length (`_bounds`): 4,096 rows
#: keep that bound near 1e-12 while a block of 10 features still fills the cache.
FEATURE_BLOCK_ROWS = 1 << 12
#: The next block is shifted by this block's means once raw sums would lose this factor:
#: the shift costs a copy, and keeps the rounding bound (which grows with the loss) small.
SHIFT_FROM = 4.0
#: Threads for one pass. The block sums are BLAS dot products, which already use every
#: core; runs in threads on top of them oversubscribe the cores (measured on 2 cores at
#: N = 1e7: 4.6× the two-dot floor with 2 threads against 3.0× with 1, offset data). The
#: threaded runs stay for machines where numpy's BLAS is single-threaded.
MAX_THREADS = int(os.environ.get("LINREG_PASS_THREADS", "1"))


@dataclass(frozen=True)
class Statistics:
    r"""Count, means and centred co-moments: the six numbers of the one-pass statistics,
    and a bound on their rounding.

    `linreg.moments.Moments` is this record with the loss kernel and the ways in; the
    engine builds plain records, one per block, and merges them.

    ``rounding`` bounds the co-moments' error relative to their diagonal,
    $|\Delta C_{jk}| \le \gamma_C\sqrt{C_{jj}C_{kk}}$ (y counted as one more column), and
    ``mean_rounding`` the means', $|\Delta\bar x_j| \le \gamma_m(|\bar x_j| + \sqrt{C_{jj}/N})$:
    worst cases, for any order of summation, from what each block measured (`_bounds`).
    Statistics written by hand are taken as exact (0).
    """

    count: int
    mean_x: FloatArray
    mean_y: float
    cxx: FloatArray
    cxy: FloatArray
    cyy: float
    rounding: float = 0.0
    mean_rounding: float = 0.0


#: The unit roundoff of float64, u = 2⁻⁵³.
_UNIT = 2.0**-53


def _gamma(n: int) -> float:
    """γₙ = nu/(1 − nu): the worst-case relative rounding of a sum of n terms, any order."""
    nu = n * _UNIT
    return nu / (1.0 - nu) if nu < 0.5 else math.inf


def _bounds(n: int, amplification: float) -> tuple[float, float]:
    """(γ_C, γ_m) of one block of n rows whose sums of squares were ``amplification``
    times its centred ones: each square and shifted value rounds once more than a sum's
    n − 1 additions, and cancellation multiplies the sums' error by the amplification."""
    if not math.isfinite(amplification) or amplification > SAFE * SAFE:
        return math.inf, math.inf
    gamma = _gamma(n + 4)
    return 2 * gamma * amplification + 4 * _UNIT, gamma * math.sqrt(amplification) + 2 * _UNIT


def _amplification(raw: Any, centred: Any) -> float:
    """max over columns of raw/centred sums of squares (columns of zero spread skipped)."""
    raw, centred = np.atleast_1d(raw), np.atleast_1d(centred)
    live = centred != 0.0
    if not np.any(live):
        return 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(max(np.max(raw[live] / centred[live]), 1.0))


def merge(a: Statistics, b: Statistics) -> Statistics:
    """The statistics of both datasets together (Chan–Golub–LeVeque update).

    Raises
    ------
    InputError
        The two have different numbers of features.
    """
    if b.mean_x.shape[0] != a.mean_x.shape[0]:
        raise InputError(
            f"cannot merge moments of {a.mean_x.shape[0]} and {b.mean_x.shape[0]} features"
        )
    n = a.count + b.count
    weight = a.count * b.count / n
    dx = b.mean_x - a.mean_x
    dy = b.mean_y - a.mean_y
    merged = Statistics(
        count=n,
        mean_x=a.mean_x + dx * (b.count / n),
        mean_y=a.mean_y + dy * (b.count / n),
        cxx=a.cxx + b.cxx + np.outer(dx, dx) * weight,
        cxy=a.cxy + b.cxy + dx * (dy * weight),
        cyy=a.cyy + b.cyy + dy * dy * weight,
    )
    return _merged_bounds(merged, a, b)


def _merged_bounds(merged: Statistics, a: Statistics, b: Statistics) -> Statistics:
    """The bounds after a merge: the parts' (the larger), the merge's own roundings, and
    w·(|dx_j||Δdx_k| + |dx_k||Δdx_j| + |Δdx_j||Δdx_k|) from the means' errors, measured
    against the merged diagonal with this merge's own w and dx."""
    w = a.count * b.count / merged.count
    dx = np.append(b.mean_x - a.mean_x, b.mean_y - a.mean_y)
    slack = [_mean_slack(part) for part in (a, b)]
    delta = slack[0] + slack[1] + 2 * _UNIT * np.abs(dx)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        root = np.sqrt(np.append(np.diag(merged.cxx), merged.cyy))
        pairs = w * (np.outer(np.abs(dx), delta) * 2 + np.outer(delta, delta))
        term = pairs + 3 * _UNIT * (np.outer(root, root) + w * np.outer(np.abs(dx), np.abs(dx)))
        ratio = term / np.outer(root, root)
    live = np.outer(root > 0, root > 0)
    increment = float(np.max(np.where(live, ratio, 0.0), initial=0.0))
    means = max(a.mean_rounding, b.mean_rounding) + 6 * _UNIT
    if not math.isfinite(increment):
        increment = math.inf
    return replace(merged, rounding=max(a.rounding, b.rounding) + increment, mean_rounding=means)


def _mean_slack(part: Statistics) -> FloatArray:
    """|Δx̄| (and |Δȳ|, last) of one part: γ_m(|x̄| + √(C/N))."""
    with np.errstate(invalid="ignore"):
        spread = np.sqrt(np.append(np.diag(part.cxx), part.cyy) / part.count)
    means = np.abs(np.append(part.mean_x, part.mean_y))
    return np.asarray(part.mean_rounding * (means + spread))


def merge_all(parts: Iterable[Statistics | None]) -> Statistics | None:
    """Merge the parts in order; None if there are none, or if any part is None."""
    total: Statistics | None = None
    for part in parts:
        if part is None:
            return None
        total = part if total is None else merge(total, part)
    return total


# --- the blocked pass over arrays ----------------------------------------------------------


def one_pass(X: FloatArray, y: FloatArray) -> Statistics | None:
    """The blocked pass over arrays, in runs; None if a statistic is not finite.

    Any NaN or infinity in the data makes some sum non-finite, so a finite result
    proves the data finite without a separate pass; on None the caller runs the full
    validation to say which value was wrong (or that the data overflow). The rows are
    cut into one contiguous run per thread (`MAX_THREADS`); each run is reduced in its
    own thread (numpy releases the GIL in its loops and BLAS) and the runs are merged in
    order.
    """
    n, p = X.shape
    rows = BLOCK_ROWS if p == 1 else FEATURE_BLOCK_ROWS
    runs = min(MAX_THREADS, n // (4 * rows))  # os.cpu_count costs microseconds: ask only if so
    workers = max(1, min(os.cpu_count() or 1, runs)) if runs > 1 else 1
    edges = [n * k // workers // rows * rows for k in range(workers)] + [n]
    with np.errstate(over="ignore", invalid="ignore"):
        if workers == 1:
            parts = [_run(X, y, rows)]
        else:
            with ThreadPoolExecutor(workers) as pool:
                parts = list(
                    pool.map(
                        lambda k: _run(
                            X[edges[k] : edges[k + 1]], y[edges[k] : edges[k + 1]], rows
                        ),
                        range(workers),
                    )
                )
        total = merge_all(parts)
    if total is None:
        return None
    finite = np.isfinite(total.cxx).all() and np.isfinite(total.cxy).all()
    return total if finite and math.isfinite(total.cyy) else None


def checked_pass(X: FloatArray, y: FloatArray) -> Statistics:
    """`one_pass` over data already known to be finite; overflow is a clear error."""
    stats = one_pass(X, y)
    if stats is None:
        raise too_large("their squares")
    return stats


def _run(X: FloatArray, y: FloatArray, rows: int) -> Statistics | None:
    """One thread's blocks, each shifted by the mean of the block before it."""
    n = y.shape[0]
    ones = np.ones(min(rows, n))
    # The first rows' mean: the first block's shift (any value near the data would do).
    head = min(n, 1024)
    reference: tuple[FloatArray, float] | None = (
        np.ones(head) @ X[:head] / head,
        float(np.ones(head) @ y[:head]) / head,
    )

    def blocks() -> Iterator[Statistics | None]:
        nonlocal reference
        for start in range(0, n, rows):
            block = _block(X[start : start + rows], y[start : start + rows], ones, reference)
            if block is not None:
                # Shifting costs a copy of the block: keep it only while the means are
                # large against the spread (raw sums about the origin would then cancel).
                reference = (block.mean_x, block.mean_y) if _offset(block) else None
            yield block

    return merge_all(blocks())


def _offset(block: Statistics) -> bool:
    """Whether raw sums about the origin would lose more than a factor `SHIFT_FROM`."""
    n = block.count
    spread_x, spread_y = np.diag(block.cxx) / n, block.cyy / n
    # np.square: a mean near √(float64's largest) squares to inf, not to an OverflowError
    return bool(
        np.any(np.square(block.mean_x) > (SHIFT_FROM - 1) * spread_x)
        or np.square(block.mean_y) > (SHIFT_FROM - 1) * spread_y
    )


def _block(
    X: FloatArray,
    y: FloatArray,
    ones: FloatArray,
    reference: tuple[FloatArray, float] | None = None,
) -> Statistics | None:
    """One block: raw sums by BLAS on data shifted by a reference point when that is
    safe, otherwise centred sums.

    With $s$ the reference (the previous block's means), raw sums give
    $C = \\sum (x-s)^2 - (\\sum (x-s))^2/n$, which loses about
    $\\log_{10}(\\sum (x-s)^2/C)$ digits: $\\log_{10}(1 + (\\bar x - s)^2/\\sigma^2)$.
    The shift makes that small however large the mean. While it is at most `SAFE` (2¹⁰,
    three digits) for every feature and for y, the block keeps the raw result (~13
    digits left); otherwise it subtracts the block's means and sums again.
    """
    unit = ones[: y.shape[0]]
    if reference is not None and np.isfinite(reference[0]).all() and math.isfinite(reference[1]):
        shift_x, shift_y = reference
        # one column is shifted as a vector: broadcasting over a width of 1 is slow
        X = (X[:, 0] - shift_x[0])[:, None] if X.shape[1] == 1 else X - shift_x
        y = y - shift_y
    else:
        shift_x, shift_y = np.zeros(X.shape[1]), 0.0
    block = raw_block(X, y, unit)
    if block is None:
        return None
    mean_x, mean_y = block.mean_x + shift_x, block.mean_y + shift_y
    return replace(block, mean_x=mean_x, mean_y=mean_y)


def raw_block(X: FloatArray, y: FloatArray, unit: FloatArray) -> Statistics | None:
    """The statistics of one block from raw sums, or from a centred pass when the raw
    sums would cancel (see `_block`); None when a sum is not finite."""
    raw = _raw_line(X[:, 0], y, unit) if X.shape[1] == 1 else _raw_features(X, y, unit)
    if raw is None or isinstance(raw, Statistics):
        return raw
    mean_x, mean_y = raw
    n = y.shape[0]
    yc = y - mean_y
    Xc = X - mean_x
    # Second pass on the centred block; its (tiny) leftover means are folded in.
    rest_x, rest_y = (unit @ Xc) / n, float(unit @ yc) / n
    squares = Xc.T @ Xc
    cxx = squares - n * np.outer(rest_x, rest_x)
    cxy = Xc.T @ yc - n * rest_x * rest_y
    y_squares = float(yc @ yc)
    cyy = y_squares - n * rest_y * rest_y
    sums = np.append(np.diag(squares), y_squares)
    rounding, means = _bounds(n, _amplification(sums, np.append(np.diag(cxx), cyy)))
    return Statistics(n, mean_x + rest_x, mean_y + rest_y, cxx, cxy, cyy, rounding, means)


_Raw = Statistics | tuple[FloatArray, float] | None


def _raw_line(x: FloatArray, y: FloatArray, unit: FloatArray) -> _Raw:
    """One feature: five BLAS dot products and a handful of scalar operations; the means
    alone when the raw sums would lose more than `SAFE`."""
    n = y.shape[0]
    sum_x1, sum_y = float(unit @ x), float(unit @ y)
    sxx1, sxy1, syy = float(x @ x), float(x @ y), float(y @ y)
    if not math.isfinite(sum_x1 + sum_y + sxx1 + sxy1 + syy):
        return None
    mx, my = sum_x1 / n, sum_y / n
    cxx1, cxy1, cyy1 = sxx1 - sum_x1 * mx, sxy1 - sum_x1 * my, syy - sum_y * my
    if cxx1 > 0 and cyy1 > 0 and sxx1 <= SAFE * cxx1 and syy <= SAFE * cyy1:
        rounding, means = _bounds(n, max(sxx1 / cxx1, syy / cyy1))
        return Statistics(
            n, np.array([mx]), my, np.array([[cxx1]]), np.array([cxy1]), cyy1, rounding, means
        )
    return np.array([mx]), my


def _raw_features(X: FloatArray, y: FloatArray, unit: FloatArray) -> _Raw:
    """Several features: the same from BLAS products (``XᵀX``, ``Xᵀy``)."""
    n = y.shape[0]
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
        and (np.diag(sxx) <= SAFE * spread).all()
        and syy <= SAFE * cyy
    ):
        amplification = _amplification(np.append(np.diag(sxx), syy), np.append(spread, cyy))
        return Statistics(n, mean_x, mean_y, cxx, cxy, cyy, *_bounds(n, amplification))
    return mean_x, mean_y


# --- files and dask arrays, a chunk at a time ------------------------------------------------


def csv_parts(
    path: str | os.PathLike[str],
    block_bytes: int,
    n_columns: int | None,
    progress: Callable[[int], object] | None,
) -> Iterator[Statistics]:
    """The statistics of each chunk of a CSV file of ``x1, ..., xk, y`` rows."""
    for table in iter_table_chunks(
        path, block_bytes=block_bytes, n_columns=n_columns, progress=progress
    ):
        if table.shape[1] < 2:
            raise DataFileError(path, "needs at least 2 columns (x and y)", line=1)
        yield checked_pass(table[:, :-1], np.ascontiguousarray(table[:, -1]))


def npy_parts(file: Path, chunk_rows: int) -> Iterator[Statistics]:
    """The statistics of each chunk of rows of a memory-mapped ``.npy`` table."""
    table = open_npy(file)
    for start in range(0, table.shape[0], chunk_rows):
        chunk = np.asarray(table[start : start + chunk_rows], dtype=np.float64)
        if not np.isfinite(chunk).all():
            row = start + int(np.argwhere(~np.isfinite(chunk))[0][0])
            raise DataFileError(file, f"row {row} holds a non-finite value")
        yield checked_pass(chunk[:, :-1], np.ascontiguousarray(chunk[:, -1]))


def dask_statistics(X: Any, y: Any, reduce_block: Callable[[Any, Any], Statistics]) -> Statistics:
    """Reduce dask arrays chunk by chunk where they live, then merge in a tree.

    ``reduce_block(X_block, y_block)`` is run on each chunk (as a dask task); the parts
    are merged pairwise, so no single task holds them all.
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
        dask.delayed(reduce_block)(x_block, y_block)
        for x_block, y_block in zip(X.to_delayed().ravel(), y.to_delayed().ravel())
    ]
    while len(parts) > 1:
        parts = [
            dask.delayed(merge)(parts[k], parts[k + 1]) if k + 1 < len(parts) else parts[k]
            for k in range(0, len(parts), 2)
        ]
    (result,) = dask.compute(parts[0])
    assert isinstance(result, Statistics)
    return result
