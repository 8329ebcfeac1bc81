"""The command's input and its terminal: which file ``--data`` names, how it is read, and
whether the points determine a line; the progress lines on a terminal's stderr.

Part of `linreg.cli` (kept apart to keep each file short).
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from linreg._entry import say
from linreg.data import as_features, load_points, open_npy
from linreg.errors import InputError, shown_name
from linreg.moments import Moments

__all__ = [
    "SMALL_FILE",
    "UsageError",
    "check_points",
    "input_path",
    "progress",
    "read",
    "reading_bar",
]

#: Files up to this size (bytes) are read whole, once; larger ones are streamed.
SMALL_FILE = 1 << 20
#: Seconds before a progress line appears on a terminal, and between its updates.
PROGRESS_DELAY = 1.0


class UsageError(Exception):
    """The command line is wrong in a way argparse does not see: options that clash."""


def input_path(name: str) -> Path:
    """``-`` is standard input (on a terminal, say how to end it)."""
    if name != "-":
        return Path(name)
    if sys.stdin is not None and sys.stdin.isatty():
        say("linreg: reading x,y rows from standard input; end them with Ctrl-D")
    return Path("/dev/stdin")


def read(path: Path) -> tuple[Moments, Any]:
    """The statistics, and the points themselves when the file is small.

    A small regular file is read whole, once (the livestream's loops need the points);
    a larger one, or a pipe or device (``/dev/stdin``), is streamed in one pass, in
    bounded memory, with a progress bar. A ``.npy`` file (any case of the suffix) has its
    header checked, width included, before any data is read.
    """
    if path.suffix.lower() == ".npy":
        table = open_npy(path)
        if table.shape[1] != 2:
            raise InputError(
                f"{shown_name(path)}: expected 2 columns (x, y), found {table.shape[1]}"
            )
        if table.nbytes > SMALL_FILE:
            return Moments.from_npy(path), None
        points = as_features(np.asarray(table, dtype=np.float64), shown_name(path))
        return Moments.from_arrays(points[:, :1], points[:, 1]), points
    try:
        info: os.stat_result | None = os.stat(path)
    except OSError:
        info = None  # load_points names the problem: missing, permission, name too long
    regular = info is not None and stat.S_ISREG(info.st_mode)
    if info is None or (regular and info.st_size <= SMALL_FILE):
        points = load_points(path)
        return Moments.from_arrays(points[:, :1], points[:, 1]), points
    with reading_bar(info.st_size if regular else None, "B") as advance:
        return Moments.from_csv(path, n_columns=2, progress=advance), None


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
def progress(iterations: int) -> Iterator[None]:
    """On a terminal, a line on stderr with the time a fit has taken, after its first second.

    `linreg.descent.minimize` reports no progress of its own, so this shows that the run
    is alive and for how long, not the fraction done.
    """
    if not _on_terminal():
        yield
        return
    done = threading.Event()
    word = "iteration" if iterations == 1 else "iterations"
    with tqdm(
        desc=f"fitting ({iterations:,} {word})",
        bar_format="{desc}: {elapsed}",
        file=sys.stderr,
        leave=False,
        delay=PROGRESS_DELAY,
    ) as bar:
        ticker = threading.Thread(target=_tick, args=(bar, done), daemon=True)
        ticker.start()
        try:
            yield
        finally:
            done.set()
            ticker.join()


def _tick(bar: Any, done: threading.Event) -> None:
    if done.wait(PROGRESS_DELAY):
        return
    while True:
        bar.refresh()
        if done.wait(PROGRESS_DELAY / 2):
            return
