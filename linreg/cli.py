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
from linreg.descent import DescentResult, minimize
from linreg.errors import DivergenceError, InputError, LinregError, SingularProblemError
from linreg.methods import METHODS
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
    _add_method_options(parser)
    _add_run_options(parser)
    return parser


def _add_method_options(parser: argparse.ArgumentParser) -> None:
    """The optimizer and its hyperparameters."""
    parser.add_argument(
        "--method",
        choices=list(METHODS),
        default="gd",
        metavar="NAME",
        help="the optimizer: "
        + ", ".join(f"{name} ({method.summary})" for name, method in METHODS.items())
        + " (default: gd)",
    )
    parser.add_argument(
        "--learning-rate",
        type=_learning_rate,
        default=None,
        metavar="RATE",
        help="step size of gd, momentum, nesterov and adam, or 'auto' for 1/lambda_max "
        "(default: 0.0001 for gd, as in the livestream; the optimal one from the "
        "Hessian's eigenvalues for the others)",
    )
    parser.add_argument(
        "--momentum",
        type=_number,
        default=None,
        metavar="MU",
        help="momentum in [0, 1) for momentum and nesterov, beta1 for adam "
        "(default: the optimal one from the Hessian's eigenvalues)",
    )
    parser.add_argument(
        "--alpha",
        type=_number,
        default=0.0,
        metavar="ALPHA",
        help="ridge strength: adds ALPHA*m^2 to the error (default: 0)",
    )


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    """Where to start, when to stop, what to keep."""
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
        "--tol",
        type=_number,
        default=None,
        help="stop at the first iteration whose certified relative distance to the optimum, "
        "|theta - theta*|/|theta*|, is at most TOL (default: run every iteration, and "
        "judge convergence at 1e-6)",
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
    _check_method_options(args)
    rate = 0.0001 if args.learning_rate is None and args.method == "gd" else args.learning_rate
    fit = minimize(
        stats,
        method=args.method,
        learning_rate=rate,
        momentum=args.momentum,
        alpha=args.alpha,
        num_iterations=args.iterations,
        w0=[m0],
        b0=b0,
        tol=args.tol,
        standardize=args.standardize,
    )
    b, m, error = fit.b, fit.m, fit.loss
    start_error = float(fit.history[0])
    plain = (
        args.method == "gd"
        and args.tol is None
        and args.alpha == 0.0
        and not args.standardize
        and rate != "auto"
    )
    if points is not None and stats.count * max(args.iterations, 1) <= LIVESTREAM_BUDGET:
        # Small enough for the livestream's own loops, for its exact digits (the fast
        # path agrees to ~1e-13).
        start_error = livestream.compute_error_for_line_given_points(b0, m0, points)
        if plain:
            b, m = livestream.gradient_descent_runner(points, b0, m0, rate, args.iterations)
            error = livestream.compute_error_for_line_given_points(b, m, points)
        elif args.alpha == 0.0:
            error = livestream.compute_error_for_line_given_points(b, m, points)
    name = "gradient descent" if args.method == "gd" else METHODS[args.method].summary
    print(f"Starting {name} at b = {_shown(b0)}, m = {_shown(m0)}, error = {start_error}")
    print("Running...")
    print(f"After {fit.n_iter} iterations b = {b}, m = {m}, error = {error}")
    print()
    _summary(stats, fit, b, m, error, args.standardize, args.alpha)
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


def _check_method_options(args: argparse.Namespace) -> None:
    """Options the chosen method does not take are usage errors, named as such."""
    uses = METHODS[args.method].uses
    for option, value, name in (
        ("--learning-rate", args.learning_rate, "learning_rate"),
        ("--momentum", args.momentum, "momentum"),
    ):
        if value is not None and name not in uses:
            raise InputError(
                f"--method {args.method} takes no {option} (it chooses its own steps); "
                f"leave {option} out"
            )


def _summary(
    stats: Moments,
    fit: DescentResult,
    b: float,
    m: float,
    error: float,
    standardized: bool,
    alpha: float,
) -> None:
    """The honest part: the optimum, the certified distance, the bound, the iterations needed."""
    try:
        best = least_squares(stats) if alpha == 0.0 else None
    except SingularProblemError:
        print("Least-squares optimum: not unique. Every x is the same (to float64 precision),")
        print("so every line through that x and the mean y fits equally well; descent")
        print("found one of them.")
        return
    best_m, best_b = float(fit.optimum[0]), float(fit.optimum[1])
    minimum = error - fit.loss_gap
    if best is not None:
        best_m, best_b, minimum = float(best.coef[0]), float(best.intercept), float(best.mse)
    kind = "Least-squares optimum (closed form)" if best is not None else "Ridge optimum"
    print(f"{kind}: b = {best_b:.10g}, m = {best_m:.10g}, error = {minimum:.10g}")
    print(_verdict(fit, b, m, best_b, best_m, error, minimum))
    print(_bound_line(fit, standardized))
    print(_needed_line(fit))


def _verdict(
    fit: DescentResult,
    b: float,
    m: float,
    best_b: float,
    best_m: float,
    error: float,
    minimum: float,
) -> str:
    """The verdict, from the certificate: distance ≤ tol·|θ*| or not."""
    name = "Gradient descent" if fit.method == "gd" else f"Method {fit.method}"
    after = f"{fit.n_iter:,} {_plural(fit.n_iter, 'iteration')}"
    certified = f"|theta - theta*|/|theta*| = {fit.relative_distance:.2g} <= {fit.tol:g}"
    if fit.converged:
        return f"{name} converged: after {after}, certified {certified}."
    gap = f"{_relative(error - minimum, minimum)} above the minimum"
    return (
        f"After {after} {name[0].lower() + name[1:]} has not converged: "
        f"b is off by {_off(b, best_b)}, m by {_off(m, best_m)}, and the error is {gap}."
    )


def _bound_line(fit: DescentResult, standardized: bool) -> str:
    where = " (on standardized x)" if standardized else ""
    if math.isnan(fit.bound):
        rate = (
            "" if math.isnan(fit.learning_rate) else f" with learning rate {fit.learning_rate:.4g}"
        )
        return f"Method {fit.method}{rate}{where} has no stability bound on its step size."
    verdict = "converges" if fit.learning_rate < fit.bound else "diverges"
    return (
        f"Learning rate {fit.learning_rate:.4g}{where}: the stability bound is "
        f"{fit.bound_name} = {fit.bound:.4g}, so this rate {verdict}."
    )


def _needed_line(fit: DescentResult) -> str:
    needed, tol = fit.predicted_iterations, f"{fit.tol:g}"
    goal = f"to reach |theta - theta*|/|theta*| <= {tol} from this start"
    if math.isnan(needed):
        tail = f"no theory predicts how many iterations {fit.method} needs {goal}."
    elif math.isinf(needed):
        tail = f"these settings never converge {goal[3:]}: a step is above the stability bound."
    else:
        count = f"{needed:,.0f} {_plural(needed, 'iteration')}"
        how = "exactly" if fit.prediction_kind == "exact" else "at most"
        tail = f"{goal} these settings need {how} {count}."
    return f"Condition number kappa = {fit.condition_number:,.0f}: {tail}"


def _plural(count: float, word: str) -> str:
    return word if count == 1 else word + "s"


def _off(value: float, target: float) -> str:
    difference = abs(value - target)
    return f"{difference:.4g} ({_relative(difference, target)})"


def _relative(difference: float, reference: float) -> str:
    """``difference`` as a percentage of ``reference``, or in words where that has no value."""
    if reference == 0:
        return "the reference is 0" if difference else "0%"
    ratio = 100 * difference / abs(reference)
    return f"{ratio:.3g}%" if math.isfinite(ratio) else "more than 1e300 times the reference"
