"""The figures the command prints for the start and the end of a descent (`linreg.cli`).

For one feature in small data the livestream's own loops run (`linreg.livestream`), so
that the livestream's digits come out exactly: its b and m after a plain run, and its
errors. Its errors are float64 sums that cancel where x is far from 0 (on x ~ 1e9 they
can be wrong from the 6th significant digit). So an error is printed with the
livestream's digits only where they lie within the error bar of the loss there
(`linreg.descent_result.DescentResult.loss_at`, formed in double-double); elsewhere,
and for every other run, with the digits that error bar vouches for
(`linreg.cli_report.sound`). With ``--alpha`` every error is the penalised objective,
the start's included (the livestream's sums have no ridge term: they lie outside the
bar unless the term is below it).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence

from linreg import livestream
from linreg._cli_columns import Data
from linreg.cli_report import sound
from linreg.descent_result import DescentResult
from linreg.errors import InputError

__all__ = ["LIVESTREAM_BUDGET", "moved", "run_figures", "too_large"]

#: Runs up to this many point-steps (points × iterations) use the livestream's own loops
#: for the first three lines, so their digits are the livestream's exactly (about 1 s);
#: the errors are the livestream's loops' for data of up to this many points, however
#: many the iterations (the same start prints the same error).
LIVESTREAM_BUDGET = 2_000_000


def run_figures(
    args: argparse.Namespace, fit: DescentResult, data: Data
) -> tuple[float, list[float], str, str]:
    """b and the weights after the run, and the start's and the end's error as printed."""
    b, w = fit.b, [float(v) for v in fit.w]
    start = [args.initial_m or 0.0] if len(w) == 1 else [0.0] * len(w)
    if not math.isfinite(fit.start_loss):  # a start far enough out (--initial-m 1e150 on x ~ 1e9)
        raise too_large(moved(args) or "the start")
    own_start = own_end = None  # the livestream loops' own errors, where they run
    points = data.table
    if points is not None and points.shape[1] == 2 and data.stats.count <= LIVESTREAM_BUDGET:
        try:  # Python's floats raise where numpy's overflow to inf
            own_start = livestream.compute_error_for_line_given_points(
                args.initial_b, start[0], points
            )
            if _plain(args, data):
                b, m = livestream.gradient_descent_runner(
                    points, args.initial_b, start[0], fit.learning_rate, args.iterations
                )
                w = [m]
                own_end = livestream.compute_error_for_line_given_points(b, m, points)
        except OverflowError:
            raise too_large(moved(args) or "the start") from None
    return b, w, _error(fit, start, args.initial_b, own_start), _error(fit, w, b, own_end)


def _plain(args: argparse.Namespace, data: Data) -> bool:
    """The livestream's own run: plain gd at a given rate, within the budget."""
    plain = args.method == "gd" and args.tol is None and args.alpha == 0.0
    plain = plain and data.stats.count * max(args.iterations, 1) <= LIVESTREAM_BUDGET
    return plain and not args.standardize and args.learning_rate != "auto"


def _error(fit: DescentResult, w: Sequence[float], b: float, own: float | None) -> str:
    """The loss at (w, b) as printed: the livestream's own value where it lies within the
    loss's error bar, else the digits that bar vouches for."""
    value, bar = fit.loss_at(w, b)
    if own is not None and abs(own - value) <= bar:
        return str(own)
    return sound(value, bar, 17)


def moved(args: argparse.Namespace) -> str:
    """The options that moved the start or added a penalty, as typed (or '')."""
    given = (
        ("--initial-b", args.initial_b),
        ("--initial-m", args.initial_m),
        ("--alpha", args.alpha),
    )
    return ", ".join(f"{name} {value:g}" for name, value in given if value not in (None, 0.0))


def too_large(moved: str) -> InputError:
    """The options ``moved`` make the squared error overflow: blame them, not the data."""
    return InputError(
        f"{moved}: too large for these data (the squared error overflows float64); "
        "choose values nearer the data's scale"
    )
