"""The ``linreg`` command: the livestream's run, then the honest truth about it.

With no arguments it prints the livestream's three lines, digit for digit, followed by
the least-squares optimum, how far the 1000 iterations stopped from it, the stability
bound for the learning rate, and how many iterations these settings would really need.

Exit codes: 0 success; 2 bad command-line usage; 3 bad input (a file that cannot be
read, a malformed value, a singular problem); 4 gradient descent diverged. Errors are
one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
from tqdm import tqdm

from linreg import livestream
from linreg.data import as_features, bundled_data_path, load_points, open_npy
from linreg.descent import DescentResult, gradient_descent
from linreg.errors import DivergenceError, InputError, LinregError, SingularProblemError
from linreg.moments import Moments
from linreg.solve import least_squares

__all__ = ["EXIT_DIVERGED", "EXIT_INPUT", "EXIT_USAGE", "build_parser", "main"]

EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_DIVERGED = 4
#: Runs up to this many point-steps (points × iterations) use the livestream's own loops
#: for the first three lines, so their digits are the livestream's exactly (about 1 s).
LIVESTREAM_BUDGET = 2_000_000
#: Files up to this size (bytes) are read whole, once; larger ones are streamed.
SMALL_FILE = 1 << 20


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, not argparse's usage block: "linreg: error: ...".
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _learning_rate(text: str) -> float | str:
    if text == "auto":
        return text
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number or 'auto': {text!r}") from None


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def _count(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    """The command's argument parser (also used by the docs)."""
    parser = _Parser(
        prog="linreg",
        description=(
            "Fit a line y = m*x + b to (x, y) points by gradient descent on the mean "
            "squared error, as in the livestream, and compare it with the exact optimum."
        ),
        epilog="exit codes: 0 success, 2 usage error, 3 bad input, 4 diverged",
    )
    parser.add_argument(
        "--data",
        metavar="FILE",
        help="CSV file of x,y rows, or a .npy (N, 2) array; read in one "
        "streaming pass (default: the bundled livestream data)",
    )
    parser.add_argument(
        "--learning-rate",
        type=_learning_rate,
        default=0.0001,
        metavar="RATE",
        help="step size, or 'auto' for 1/lambda_max (default: 0.0001)",
    )
    parser.add_argument(
        "--iterations",
        type=_count,
        default=1000,
        metavar="N",
        help="number of iterations (default: 1000)",
    )
    parser.add_argument(
        "--initial-b",
        type=_number,
        default=0.0,
        metavar="B",
        help="starting intercept (default: 0)",
    )
    parser.add_argument(
        "--initial-m", type=_number, default=0.0, metavar="M", help="starting slope (default: 0)"
    )
    parser.add_argument(
        "--tol", type=_number, default=None, help="stop when the gradient norm is at most TOL"
    )
    parser.add_argument(
        "--history",
        metavar="FILE",
        help="write the loss of every iteration to FILE as CSV (atomically)",
    )
    parser.add_argument(
        "--standardize",
        action="store_true",
        help="descend on centred, scaled x (converges in a few iterations)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return its exit code."""
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except BrokenPipeError:
        # The reader went away (e.g. `linreg | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except DivergenceError as error:
        print(f"linreg: error: {error}", file=sys.stderr)
        return EXIT_DIVERGED
    except (InputError, LinregError) as error:
        print(f"linreg: error: {error}", file=sys.stderr)
        return EXIT_INPUT


def _shown(value: float) -> str:
    # The livestream started from the integers 0 and printed "0"; do the same.
    return str(int(value)) if value.is_integer() and abs(value) < 1e16 else str(value)


def _run(args: argparse.Namespace) -> int:
    path = bundled_data_path() if args.data is None else Path(args.data)
    stats, points = _read(path)
    b0, m0 = args.initial_b, args.initial_m
    # Fit first, print after: a bad option fails before any output.
    fit = gradient_descent(
        stats,
        learning_rate=args.learning_rate,
        num_iterations=args.iterations,
        w0=[m0],
        b0=b0,
        tol=args.tol,
        standardize=args.standardize,
    )
    b, m, error = fit.b, fit.m, fit.loss
    start_error = float(fit.history[0])
    plain = args.tol is None and not args.standardize and args.learning_rate != "auto"
    if points is not None and stats.count * max(args.iterations, 1) <= LIVESTREAM_BUDGET:
        # Small enough for the livestream's own loops, for its exact digits (the fast
        # path agrees to ~1e-13).
        start_error = livestream.compute_error_for_line_given_points(b0, m0, points)
        if plain:
            b, m = livestream.gradient_descent_runner(
                points, b0, m0, args.learning_rate, args.iterations
            )
            error = livestream.compute_error_for_line_given_points(b, m, points)
    print(f"Starting gradient descent at b = {_shown(b0)}, m = {_shown(m0)}, error = {start_error}")
    print("Running...")
    print(f"After {fit.n_iter} iterations b = {b}, m = {m}, error = {error}")
    print()
    _summary(stats, fit, b, m, error, args.standardize)
    if args.history is not None:
        _write_history(Path(args.history), fit.history)
    return 0


def _read(path: Path) -> tuple[Moments, Any]:
    """The statistics, and the points themselves when the file is small.

    A small file is read whole, once (the livestream's loops need the points); a larger
    one is streamed in one pass, in bounded memory, with a progress bar.
    """
    size = path.stat().st_size if path.is_file() else 0
    if size <= SMALL_FILE:
        if path.suffix == ".npy":
            points = as_features(np.asarray(open_npy(path), dtype=np.float64), str(path))
            if points.shape[1] != 2:
                raise InputError(f"{path}: expected 2 columns (x, y), found {points.shape[1]}")
        else:
            points = load_points(path)
        return Moments.from_arrays(points[:, :1], points[:, 1]), points
    if path.suffix == ".npy":
        stats = Moments.from_npy(path)
        if stats.n_features != 1:
            raise InputError(f"{path}: expected 2 columns (x, y), found {stats.n_features + 1}")
        return stats, None
    # A progress bar on stderr for reads that take more than a second, only on a terminal.
    with tqdm(
        total=size,
        unit="B",
        unit_scale=True,
        desc="reading",
        delay=1.0,
        disable=not sys.stderr.isatty(),
        file=sys.stderr,
        leave=False,
    ) as bar:

        def advance(done: int) -> None:
            bar.update(done - bar.n)

        return Moments.from_csv(path, n_columns=2, progress=advance), None


def _write_history(path: Path, history: np.ndarray) -> None:
    """Write ``iteration,loss`` rows atomically: a temporary file, then a rename."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"--history {path}: the folder {directory} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        with os.fdopen(handle, "w") as out:
            out.write("iteration,loss\n")
            for k, value in enumerate(history):
                out.write(f"{k},{float(value)!r}\n")
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _summary(
    stats: Moments, fit: DescentResult, b: float, m: float, error: float, standardized: bool
) -> None:
    """The honest part: the optimum, the distance to it, the bound, the iterations needed."""
    try:
        best = least_squares(stats)
    except SingularProblemError:
        print("Least-squares optimum: not unique. Every x is the same (to float64 precision),")
        print("so every line through that x and the mean y fits equally well; descent")
        print("found one of them.")
        return
    best_m, best_b = float(best.coef[0]), float(best.intercept)
    print(
        f"Least-squares optimum (closed form): b = {best_b:.10g}, m = {best_m:.10g}, "
        f"error = {best.mse:.10g}"
    )
    gap = error - best.mse
    above = f"{_relative(gap, best.mse)} above the minimum"
    if fit.converged:
        closeness = (
            "the same error to rounding" if abs(gap) <= 1e-12 * best.mse else f"error {above}"
        )
        print(f"Gradient descent converged to it in {fit.n_iter} iterations ({closeness}).")
    else:
        print(
            f"After {fit.n_iter} iterations gradient descent has not converged: "
            f"b is off by {_off(b, best_b)}, m by {_off(m, best_m)}, "
            f"and the error is {above}."
        )
    where = " (on standardized x)" if standardized else ""
    print(
        f"Learning rate {fit.learning_rate:.4g}{where}: the stability bound is "
        f"2/lambda_max = {fit.bound:.4g}, so this rate "
        f"{'converges' if fit.learning_rate < fit.bound else 'diverges'}."
    )
    needed = fit.predicted_iterations
    count = "never" if math.isinf(needed) else f"about {needed:,.0f} iteration{'s' * (needed != 1)}"
    print(
        f"Condition number kappa = {fit.condition_number:,.0f}: to get within 1e-6 of the "
        f"optimum from the start these settings need {count}."
    )


def _off(value: float, target: float) -> str:
    difference = abs(value - target)
    return f"{difference:.4g} ({_relative(difference, target)})"


def _relative(difference: float, reference: float) -> str:
    """``difference`` as a percentage of ``reference``, or in words where that has no value."""
    if reference == 0:
        return "the reference is 0" if difference else "0%"
    ratio = 100 * difference / abs(reference)
    return f"{ratio:.3g}%" if math.isfinite(ratio) else "more than 1e300 times the reference"
