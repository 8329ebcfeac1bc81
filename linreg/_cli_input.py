"""The command's input and its terminal: which file ``--data`` names, how it is read, and
whether the points determine a line; the progress lines on a terminal's stderr.

Part of `linreg.cli` (kept apart to keep each file short).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import stat
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from linreg._entry import CLOSED_AT_START, say
from linreg.csv_reader import iter_table_chunks
from linreg.data import as_features, load_points, open_npy
from linreg.errors import STANDARD_INPUT, DataFileError, InputError, shown_name
from linreg.files import standard_stream
from linreg.history import Spool
from linreg.moments import Moments

__all__ = [
    "SMALL_FILE",
    "UsageError",
    "check_points",
    "input_path",
    "progress",
    "read",
    "read_stream",
    "reading_bar",
]

#: Files up to this size (bytes) are read whole, once; larger ones are streamed.
SMALL_FILE = 1 << 20
#: Seconds before a progress line appears on a terminal, and between its updates.
PROGRESS_DELAY = 1.0


class UsageError(Exception):
    """The command line is wrong in a way argparse does not see: options that clash."""


def input_path(name: str) -> Path:
    """``-`` is standard input (on a terminal, say how to end it); standard input closed
    when the command started (``<&-``, now ``/dev/null``) is refused, by any name."""
    path = Path(STANDARD_INPUT if name == "-" else name)
    if 0 in CLOSED_AT_START and (name == "-" or standard_stream(path) == 0):
        raise InputError(f"--data {shown_name(name)}: standard input is closed")
    if name != "-":
        return path
    if sys.stdin is not None and sys.stdin.isatty():
        say("linreg: reading x,y rows from standard input; end them with Ctrl-D")
    return Path(STANDARD_INPUT)


def read(path: Path) -> tuple[Moments, Any]:
    """The statistics, and the points themselves when the file is small.

    A small regular file is read whole, once (the livestream's loops need the points);
    a larger one is streamed in one pass, in bounded memory, with a progress bar. A pipe
    or device (``/dev/stdin``) is read once, kept whole while it is small
    (`read_stream`), so that it prints what the same file given by name does. A
    ``.npy`` file (any case of the suffix) has its header checked, width included,
    before any data is read.
    """
    if path.suffix.lower() == ".npy":
        table = open_npy(path)
        if table.shape[1] != 2:
            raise InputError(
                f"{shown_name(path)}: expected 2 columns (x, y), found {table.shape[1]}"
            )
        if table.nbytes > SMALL_FILE:
            return Moments.from_npy(path), None
        points = as_features(table, shown_name(path))  # as float64, checked
        return Moments.from_arrays(points[:, :1], points[:, 1]), points
    try:
        info: os.stat_result | None = os.stat(path)
    except OSError:
        info = None  # load_points names the problem: missing, permission, name too long
    regular = info is not None and stat.S_ISREG(info.st_mode)
    if info is None or (regular and info.st_size <= SMALL_FILE):
        points = load_points(path)
    elif regular:
        with reading_bar(info.st_size, "B") as advance:
            return Moments.from_csv(path, n_columns=2, progress=advance), None
    else:
        stats, points = read_stream(path, None)
        if stats is not None:
            return stats, None
        if len(points) < 2:  # as load_points says it
            raise DataFileError(
                path, f"found {len(points)} point; at least 2 are needed to fit a line"
            )
    return Moments.from_arrays(points[:, :1], points[:, 1]), points


def read_stream(path: Path, columns: list[Any] | None) -> tuple[Moments | None, Any]:
    """A pipe or a device (standard input), read once: its table, as a small file's, if it
    ends within `SMALL_FILE` bytes (so that the same data print the same digits from a
    file and from a pipe); else its statistics, as `Moments.from_csv` streams them.

    Returns
    -------
    (None, table) or (Moments, None)
        ``table``: the rows (the columns chosen, y last).
    """
    done = [0]
    with reading_bar(None, "B") as advance:

        def counted(read: int) -> None:
            done[0] = read
            advance(read)

        n_columns = 2 if columns is None else None
        chunks = iter_table_chunks(path, n_columns=n_columns, progress=counted, columns=columns)
        kept: list[Any] = []
        for chunk in chunks:
            kept.append(chunk)
            if done[0] > SMALL_FILE:
                break
        if done[0] > SMALL_FILE:  # the rest streams through the same pass
            return Moments.from_table_chunks(path, itertools.chain(kept, chunks)), None
    return None, np.concatenate(kept)


@contextlib.contextmanager
def reading_bar(total: int | None, unit: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr for a read that takes more than a second, only on a
    terminal; yields the callable a reader reports its bytes or rows read so far to."""
    with tqdm(
        total=total,
        unit=unit,
        unit_scale=True,
        desc="reading",
        delay=PROGRESS_DELAY,
        disable=not _on_terminal(),
        file=sys.stderr,
        leave=False,
    ) as bar:

        def advance(done: int) -> None:
            bar.update(done - bar.n)

        yield advance


def check_points(stats: Moments, path: Path) -> None:
    """Refuse fewer than 2 points from any file, as the CSV reader does, before any output.

    (Every x the same is not refused: descent is defined, and the summary says that the
    optimum is not unique.)
    """
    if stats.count < 2:  # the CSV reader refuses a CSV file so; a .npy comes here
        raise InputError(
            f"{shown_name(path)}: found {stats.count} point; at least 2 are needed to fit a line"
        )


def _on_terminal() -> bool:
    return sys.stderr is not None and sys.stderr.isatty()


@contextlib.contextmanager
def progress(iterations: int) -> Iterator[Callable[[Any], Any]]:
    """On a terminal, a line on stderr after a fit's first second: the share of its
    iterations done, the time taken and the time left.

    Yields the function that wraps the fit's ``history`` (``"none"`` or a sink) in a
    sink that counts the losses as they pass, a block at a time (`linreg.history`):
    `linreg.descent.minimize` reports no progress of its own.
    """
    if not _on_terminal():
        yield _unchanged
        return
    done, counted = threading.Event(), [0]

    def counting(history: Any) -> Any:
        def sink(first: int, losses: Any) -> None:
            counted[0] = first + len(losses)
            if callable(history):
                history(first, losses)

        return sink

    word = "iteration" if iterations == 1 else "iterations"
    with _bar(iterations + 1, f"fitting ({iterations:,} {word})") as bar:
        ticker = threading.Thread(target=_tick, args=(bar, done, counted), daemon=True)
        ticker.start()
        try:
            yield counting
        finally:
            done.set()
            ticker.join()


def _unchanged(history: Any) -> Any:
    return history


def _tick(bar: Any, done: threading.Event, counted: list[int]) -> None:
    if done.wait(PROGRESS_DELAY):
        return
    while True:
        bar.update(counted[0] - bar.n)
        bar.refresh()
        if done.wait(PROGRESS_DELAY / 2):
            return


#: Rows of ``--history`` formatted at a time (a few MB of text).
HISTORY_BLOCK = 1 << 16


def history_lines(spool: Spool, rows: int) -> Iterator[str]:
    """``iteration,loss`` rows of the ``rows`` losses spooled, a block of them at a time
    (as fast as the disk at 1e8); on a terminal, a line on stderr after the first second
    shows the share written (1e8 rows take minutes)."""
    with _writing(rows) as done:
        yield "iteration,loss\n"
        start = 0
        for losses in spool.blocks(HISTORY_BLOCK):
            block = losses.tolist()  # Python floats: repr
            yield "".join(f"{k},{value!r}\n" for k, value in enumerate(block, start))
            start += len(block)
            done(start)


@contextlib.contextmanager
def _writing(rows: int) -> Iterator[Callable[[int], None]]:
    """The share of the history written, shown as `progress` shows the fit's."""
    if not _on_terminal():
        yield lambda written: None
        return
    with _bar(rows, f"writing the history ({rows:,} rows)") as bar:
        yield lambda written: bar.update(written - bar.n)


def _bar(total: int, what: str) -> Any:
    """A line on stderr, shown after `PROGRESS_DELAY`: the share done, the time taken and
    the time left (read when the bar is made, so that a test can shorten the delay)."""
    return tqdm(
        total=total,
        desc=what,
        bar_format="{desc}: {percentage:.0f}%, {elapsed} (about {remaining} left)",
        file=sys.stderr,
        leave=False,
        delay=PROGRESS_DELAY,
    )
