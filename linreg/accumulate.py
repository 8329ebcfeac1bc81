r"""The one-pass engine behind `linreg.moments.Moments`: blocks, shifts, runs and merges.

The data are cut into blocks small enough to stay in the CPU cache. Each block is
shifted by a reference point (the first rows' means) into a reused scratch array, and
its raw sums are added to a run of blocks that share the shift (`Pass`); a block whose
means have moved away from the shift starts a new run shifted by its own, and a block
that would still cancel is centred on its own (`raw_block`). Runs are merged with Chan,
Golub and LeVeque's update (`merge`), so a large mean does not cancel catastrophically
as raw sums $\sum x^2$ would. Files and dask arrays are reduced the same way, a chunk
at a time (`linreg.tables`). Every sequence of partial statistics is combined by the one
loop, `merge_all`.

Everything here returns `Statistics`, the six numbers of `Moments` in a plain record.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg._keep import stays
from linreg._line_sums import (
    FEATURE_PIECE,
    Held,
    Source,
    block_scratch,
    block_sums,
    first_shift,
    line_statistics,
)
from linreg._merge_bounds import merged_bounds
from linreg.errors import InputError
from linreg.validate import too_large

__all__ = [
    "BLOCK_ROWS",
    "FEATURE_BLOCK_ROWS",
    "MAX_FEATURES",
    "MAX_THREADS",
    "RESHIFT",
    "SAFE",
    "Pass",
    "Statistics",
    "block_rows",
    "checked_pass",
    "merge",
    "merge_all",
    "one_pass",
    "raw_block",
]

FloatArray = npt.NDArray[np.float64]

#: Rows per block of the one-feature pass: the shifted block (4 MB) stays in the CPU's
#: last-level cache, so the data are read from memory once while the block's five sums
#: are formed (`linreg._line_sums`), and few enough blocks that their bookkeeping is
#: cheap (1e7 offset rows, one thread, CPU time: 2.5x the two-dot floor with 65,536-row
#: blocks summed piece after piece, 2.0-2.2x with these, their pieces summed in groups).
BLOCK_ROWS = 1 << 18
#: A block keeps its raw sums while they lose at most this factor (three digits).
SAFE = 2.0**10
#: Rows per block with several features: a block of 10 features (and y, and a column of
#: ones) fills the cache. Its sums are products of `FEATURE_PIECE` rows at a time, so the
#: rounding bound does not grow with the block (`_Run`).
FEATURE_BLOCK_ROWS = 1 << 12
#: Numbers per block with many features: fewer rows for wide data, so that a block and
#: its pieces' products stay small (10,000 columns held 5 GB: 4,096-row blocks whose
#: 256-row pieces each made a 10,000² product at once).
BLOCK_NUMBERS = 1 << 20
#: The most features the one-pass statistics take: they hold (p + 2)² co-moments, a few
#: copies at once (p = 2,048: 34 MB a copy; 4,096 features peaked at 1.2 GB).
MAX_FEATURES = 1 << 11


def _whole_number_from_environment(name: str, default: int) -> int:
    """A whole number of ASCII digits in the environment; anything else is ignored."""
    text = os.environ.get(name, "")
    return int(text) if text.isascii() and text.isdigit() else default


#: Threads for one pass: blocks summed a wave at a time, one a thread, with one thread's
#: sums (`Pass._waves`); a second thread did not help (1e7 rows: 15-17 ms, 14 with one).
MAX_THREADS = _whole_number_from_environment("LINREG_PASS_THREADS", default=1)


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
#: One feature's run turns its sums into statistics in Python floats
#: (`linreg._line_sums.line_statistics`); False: in numpy (the tests compare the two).
LINE_FLOATS = True


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


def _mean_bound(n: int, amplification: float, means: FloatArray, spread: FloatArray) -> float:
    r"""γ_m for means formed as $s + \delta$, $\delta = \sum(z - s)/n$, as tight as the
    record allows: $|\Delta\bar z_j| \le (\gamma + 2u)\sqrt{a}\,\sigma_j + 2u|\bar z_j|$
    (the sum's error by Cauchy–Schwarz, $|\delta| \le \sqrt{a}\,\sigma$ for the division,
    and the addition of s), with a the amplification and σ_j = √(C_jj/n), divided by
    $|\bar z_j| + \sigma_j$ and maximised over the columns. The shift's own rounding
    costs only 2u of a large mean, where `_bounds`' γ√a + 2u charged γ√a to it too
    (10⁻⁸ for a mean of 10⁶ instead of 2·10⁻¹⁰)."""
    gamma = _gamma(n + 4)
    size = np.abs(means)
    need = (gamma + 2 * _UNIT) * math.sqrt(amplification) * spread + 2 * _UNIT * size
    live = (size + spread) > 0
    if not np.any(live):
        return 2 * _UNIT
    return float(np.max(need[live] / (size[live] + spread[live])))


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
    rounding, mean_rounding = merged_bounds(merged, a, b)
    return replace(merged, rounding=rounding, mean_rounding=mean_rounding)


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
    validation to say which value was wrong (or that the data overflow). With
    `MAX_THREADS` above 1, the blocks are summed a few at a time in threads (numpy
    releases the GIL in its loops and BLAS), with the same sums as one thread
    (`Pass.add`).
    """
    return Pass(X.shape[1]).add(X, y).result()


def _finite(stats: Statistics) -> bool:
    if stats.cxx.shape == (1, 1):  # one feature: three floats, without numpy's calls
        return all(map(math.isfinite, (float(stats.cxx[0, 0]), float(stats.cxy[0]), stats.cyy)))
    return bool(
        np.isfinite(stats.cxx).all() and np.isfinite(stats.cxy).all() and math.isfinite(stats.cyy)
    )


def checked_pass(X: FloatArray, y: FloatArray) -> Statistics:
    """`one_pass` over data already known to be finite; overflow is a clear error."""
    stats = one_pass(X, y)
    if stats is None:
        raise too_large("their squares")
    return stats


#: A run keeps its shift while every block's shifted sums of squares are at most this
#: factor of its centred ones (for every feature and for y; more for data far from 0,
#: where a new run's merge would cost more: `_kept`); the run's rounding bound, which
#: grows with that factor (`_bounds`), then stays within a quarter of the best a shift
#: can give. A block past it starts a new run, shifted by its own means.
RESHIFT = 1.25


@dataclass
class _Run:
    r"""Raw sums about one shift $s$ over consecutive blocks, $z = [x; y]$:
    $\sum (z - s)$ and $\sum (z - s)(z - s)^\top$, the blocks' sums added pairwise.

    A term passes through at most (``depth`` − 1) additions inside its block's sums
    (`linreg._line_sums.block_sums`: a piece's sum in any order, then the pieces', in
    groups with one feature) and at most
    2⌈log₂(blocks + 1)⌉ more in the pairwise tree over the blocks, so the run's rounding
    is bounded as one sum of ``depth + 2⌈log₂(blocks + 1)⌉`` terms would be (`_bounds`),
    however many rows the run holds.
    """

    shift: FloatArray
    rows: int = 0
    blocks: int = 0
    depth: int = 0
    stack: list[tuple[int, FloatArray, FloatArray]] = field(default_factory=list)
    #: the sums and sums of squares added in turn: only to judge the next block (`_kept`)
    running: tuple[Any, Any] = (0.0, 0.0)
    #: 2u|s|, by column: a merge's cost, before its γ and spread (`_kept`)
    numerator: FloatArray = field(init=False)

    def __post_init__(self) -> None:
        self.numerator = 2 * _UNIT * np.abs(self.shift)

    def add(self, rows: int, sums: _Sums) -> None:
        """Add a block's sums: equal levels of the tree are added as they meet."""
        total, products, depth = sums
        self.running = (self.running[0] + total, self.running[1] + products.diagonal())
        self.rows, self.blocks, self.depth = (
            self.rows + rows,
            self.blocks + 1,
            max(self.depth, depth),
        )
        level = 0
        while self.stack and self.stack[-1][0] == level:
            _, lower_total, lower_products = self.stack.pop()
            total, products, level = lower_total + total, lower_products + products, level + 1
        self.stack.append((level, total, products))

    def statistics(self) -> Statistics:
        r"""Means $s + \sum(z - s)/n$ and co-moments $\sum (z-s)(z-s)^\top - n\,\delta\delta^\top$,
        $\delta = \sum(z - s)/n$, with the bound of their rounding."""
        total, products = self.stack[-1][1], self.stack[-1][2]
        for _, lower_total, lower_products in reversed(self.stack[:-1]):
            total, products = lower_total + total, lower_products + products
        n, p = self.rows, self.shift.shape[0] - 1
        depth = self.depth + 2 * math.ceil(math.log2(self.blocks + 1)) + 1
        found = None
        if p == 1 and LINE_FLOATS:
            lists = self.shift.tolist(), total.tolist(), products.tolist()
            found = line_statistics(n, *lists, functools.partial(_bounds, depth), _gamma(depth + 4))
        if found is not None:
            (mx, my), (cxx, cxy, cyy), rounding, mean_rounding = found
            arrays = np.array([mx]), np.array([[cxx]]), np.array([cxy])
            return Statistics(n, arrays[0], my, arrays[1], arrays[2], cyy, rounding, mean_rounding)
        delta = total / n
        centred = products - np.outer(total, delta)
        means = self.shift + delta
        amplification = _amplification(products.diagonal(), centred.diagonal())
        tree = 2 * math.ceil(math.log2(self.blocks + 1))
        rounding, mean_rounding = _bounds(self.depth + tree + 1, amplification)
        if math.isfinite(mean_rounding):
            spread = np.sqrt(np.maximum(centred.diagonal(), 0.0) / n)
            mean_rounding = _mean_bound(self.depth + tree + 1, amplification, means, spread)
        return Statistics(
            n, means[:p], float(means[p]), centred[:p, :p], centred[:p, p], float(centred[p, p]),
            rounding, mean_rounding,
        )  # fmt: skip


#: Σ(z − s), Σ(z − s)(z − s)ᵀ of a block, and the most additions a term went through + 1.
_Sums = tuple[FloatArray, FloatArray, int]


def _kept(rows: int, sums: _Sums, run: _Run) -> bool:
    r"""Whether a block stays in the run: the run's shifted sums of squares with the
    block's are at most `RESHIFT` times their centred ones, or at most what a merge
    would cost.

    A new run costs a merge, whose bound carries the means' rounding, about
    $4u\,|\bar z|/\sigma$ of the co-moments for data whose mean is far from 0; keeping
    the block costs $2\gamma a$ (a the amplification, γ of the sums' depth). So the
    columns may keep amplifying up to $\max_j 2u|s_j|/(\gamma\sigma_j)$ (at most
    `SAFE`) before a new run pays. Judged on the run with the block, so that a block of
    one row is judged by the spread of the rows before it. Only the tightness of the
    bound depends on this choice: the bound itself is measured (`_Run.statistics`).
    """
    total, products, depth = sums
    raw = run.running[1] + products.diagonal()
    gamma = _gamma(max(depth, run.depth) + 64)
    # the merge's bound is one number for every pair of columns: its largest cost
    bounds = (RESHIFT, SAFE)
    return stays(run.rows + rows, run.running[0] + total, raw, run.numerator, gamma, bounds)


def block_rows(n_features: int) -> int:
    """Rows per block: `BLOCK_ROWS` for one feature, `FEATURE_BLOCK_ROWS` for several,
    fewer for wide data (`BLOCK_NUMBERS`), never under a piece."""
    if n_features == 1:
        return BLOCK_ROWS
    fit = BLOCK_NUMBERS // (n_features + 2) // FEATURE_PIECE * FEATURE_PIECE
    return max(FEATURE_PIECE, min(FEATURE_BLOCK_ROWS, fit))


class Pass:
    """One pass over rows that may arrive in pieces (chunks of a file, say).

    The rows are cut into blocks small enough to stay in the CPU cache. Every block is
    shifted by one reference point (the first rows' means) into a reused scratch array
    and its raw sums are added to the current run (`_Run`), as long as the shift keeps
    them from cancelling (`RESHIFT`); a block whose means have moved away starts a new
    run shifted by its own means, and a block that still cancels (a column constant to
    within rounding) is centred by `raw_block` on its own. Runs are merged in order
    (`merge`), so the merges are as few as the data's drift allows.
    """

    def __init__(self, n_features: int) -> None:
        if n_features > MAX_FEATURES:
            raise InputError(
                f"{n_features:,} features: the one-pass statistics hold a "
                f"{n_features:,} x {n_features:,} matrix of co-moments, a few copies at "
                f"once; at most {MAX_FEATURES:,} features are taken: choose the columns to "
                "fit (x=[...] in the readers, --x on the command line)"
            )
        self.n_features = n_features
        self.block_rows = block_rows(n_features)
        self.run: _Run | None = None
        self.parts: Statistics | None = None
        self.finite = True
        #: calls of `add` so far, and the one whose rows a sum was not finite in
        self.calls = self.failed = 0
        self.held: Held | None = None

    def add(self, X: FloatArray, y: FloatArray, lasting: bool = False) -> Pass:
        """Sum these rows, a block at a time (nothing more once a sum was not finite).

        ``lasting``: the caller keeps these rows, unchanged, until `flush` (a file's
        memory map): one feature's are then held (`hold`)."""
        if lasting and self.n_features == 1:
            return self.hold(y.shape[0], (X[:, 0], y))
        self.calls += 1
        if not self.flush().finite:
            return self
        self.failed = self.calls
        rows, starts = self.block_rows, range(0, y.shape[0], self.block_rows)
        threads = min(MAX_THREADS, len(starts) // 2)  # os.cpu_count costs microseconds
        threads = max(1, min(os.cpu_count() or 1, threads)) if threads > 1 else 1
        # scratch for this call's blocks, one per thread, reused from block to block (not
        # kept: a Pass held between calls, as partial_fit holds one, stays small)
        size = min(rows, max(y.shape[0], 1))
        scratch = [block_scratch(self.n_features, size) for _ in range(threads)]
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow shows in the sums
            if threads == 1:
                for start in starts:
                    if self.finite:
                        block = slice(start, start + rows)
                        self.finite = self._block(X[block], y[block], scratch[0])
            else:
                with ThreadPoolExecutor(threads) as pool:
                    self._waves(X, y, list(starts), scratch, pool)
        return self

    def _waves(
        self, X: FloatArray, y: FloatArray, starts: list[int], scratch: list[FloatArray], pool: Any
    ) -> None:
        """The blocks a wave at a time, one a thread, each summed about the run's shift,
        then judged in order as one thread judges them: a block that leaves the run (or
        does not sum) goes to `_block`, and the wave's later blocks are summed again
        about the new shift. So the sums, and their order, are one thread's."""
        rows, k = self.block_rows, 0
        while k < len(starts) and self.finite:
            if self.run is None:  # the first block sets the shift
                block = slice(starts[k], starts[k] + rows)
                self.finite, k = self._block(X[block], y[block], scratch[0]), k + 1
                continue
            wave = starts[k : k + len(scratch)]
            shift = self.run.shift
            jobs = [
                pool.submit(block_sums, X[s : s + rows], y[s : s + rows], shift, each)
                for s, each in zip(wave, scratch)
            ]
            for s, sums in zip(wave, [job.result() for job in jobs]):
                k, block = k + 1, slice(s, s + rows)
                m = y[block].shape[0]
                if sums is None or not _kept(m, sums, self.run):
                    self.finite = self._block(X[block], y[block], scratch[0])
                    break
                self.run.add(m, sums)

    def hold(self, rows: int, source: Source) -> Pass:
        """One feature's rows, held and summed a block at a time (`linreg._line_sums.Held`):
        x and y unchanged until `flush`, or ``read(start, [x, y])`` (an IPC batch): into
        the block, shifted there, and again into fresh arrays to sum a call at a time."""
        self.calls += 1
        held = self.held = self.held or Held(self.block_rows)
        done = 0
        while done < rows and self.finite:
            x, y = held.raw(source, done, rows)
            if self.run is None:
                self.run = _Run(first_shift(x[:, None], y))
            done += held.take((x, y), self.run.shift, (source, done, self.calls))
            if held.filled == held.rows:
                self.flush()
        return self

    def flush(self) -> Pass:
        """Sum the rows held (`add`'s ``lasting``) as one block. A block that does not
        stay in the run, or whose sums are not finite, is summed again a call's rows at a
        time, as `add` sums them: ``failed`` then names the call whose sums were not."""
        if self.held is None or not self.held.filled:
            return self
        sums, rows, views = self.held.sums()
        if not self.finite or self.run is None:
            return self
        if sums is not None and _kept(rows, sums, self.run):
            self.run.add(rows, sums)
            return self
        for again, call in views:
            self.finite, self.failed = self._block(*again(), self.held.scratch), call
            if not self.finite:
                break
        return self

    def holding(self) -> int:
        """The first call whose rows are held, not summed yet (the next call if none)."""
        return self.held.views[0][1] if self.held and self.held.views else self.calls + 1

    def result(self) -> Statistics | None:
        """The statistics of every row added so far (more may be added after); None if
        there were none or a sum overflowed."""
        if not self.flush().finite:
            return None
        stats = self.parts
        if self.run is not None and self.run.rows:
            current = self.run.statistics()
            stats = current if stats is None else merge(stats, current)
        return stats if stats is not None and _finite(stats) else None

    def _block(self, X: FloatArray, y: FloatArray, scratch: FloatArray) -> bool:
        m = y.shape[0]
        if self.run is None:
            self.run = _Run(first_shift(X, y))
        sums = block_sums(X, y, self.run.shift, scratch)
        if sums is not None and not _kept(m, sums, self.run):
            # the block's means moved away from the shift: a new run, shifted by them
            shift = self.run.shift + sums[0] / m
            self._close()
            self.run = _Run(shift if np.isfinite(shift).all() else np.zeros_like(shift))
            sums = block_sums(X, y, self.run.shift, scratch)
            if sums is not None and not _kept(m, sums, self.run):
                return self._centred(X, y)
        if sums is None:
            return False
        self.run.add(m, sums)
        return True

    def _centred(self, X: FloatArray, y: FloatArray) -> bool:
        """A block centred on its own (`raw_block` on the shifted rows), merged in as is."""
        assert self.run is not None
        shift, p = self.run.shift, X.shape[1]
        Xs, ys = X - shift[:p], y - shift[p]
        block = raw_block(Xs, ys, np.ones(y.shape[0]))
        if block is None:
            return False
        block = replace(
            block, mean_x=block.mean_x + shift[:p], mean_y=float(block.mean_y + shift[p])
        )
        self.parts = block if self.parts is None else merge(self.parts, block)
        return True

    def _close(self) -> None:
        """Merge the current run, if it has rows, into the parts."""
        if self.run is not None and self.run.rows:
            stats = self.run.statistics()
            self.parts = stats if self.parts is None else merge(self.parts, stats)
        self.run = None


def raw_block(X: FloatArray, y: FloatArray, unit: FloatArray) -> Statistics | None:
    """The statistics of one block from raw sums, or from a centred pass when the raw
    sums would lose more than `SAFE` to cancellation; None when a sum is not finite."""
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
