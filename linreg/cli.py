"""The ``linreg`` command: the livestream's run, then the honest truth about it.

With no arguments it prints the livestream's three lines, digit for digit, followed by
the least-squares optimum, how far the 1000 iterations stopped from it, the stability
bound for the learning rate, and how many iterations these settings would really need.

Exit codes (as ``linreg --help`` lists them): 0 success, 2 usage error, 3 bad input,
4 diverged, 5 cannot write output, 130 interrupted, 141 broken pipe, 143 terminated.

- 2: the command line itself is wrong (an unknown option, a value that is not a number).
- 3: bad input: the data file is missing, unreadable (permissions included) or
  malformed, a value is out of range, or an option the method does not take. (Data with
  no unique optimum, such as a constant x, are not an error: the summary says so.)
- 4: gradient descent diverged (the learning rate is above the stability bound).
- 5: an output could not be written: the ``--history`` file (checked before the fit:
  its folder exists and is writable, it is not a directory) or standard output
  (permission denied, no space left, file too large, name too long, read-only file
  system).
- 130: interrupted by Ctrl-C (SIGINT); 143: terminated by SIGTERM. No partial or
  temporary file is left behind in either case.
- 141: standard output's reader went away (``linreg | head -1``): the command stops
  quietly, as Unix tools do (128 + SIGPIPE).

Every error is one line on stderr, ``linreg: error: ...``, never a traceback; file names
in it are escaped (a newline or an escape sequence in a name is shown as ``\\n``,
``\\x1b``). How ``--history`` treats devices, FIFOs, symbolic and hard links:
`linreg.files`.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import signal
import stat
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
from tqdm import tqdm

from linreg import livestream
from linreg.data import as_features, bundled_data_path, load_points, open_npy
from linreg.descent import DescentResult, minimize
from linreg.errors import (
    DivergenceError,
    InputError,
    LinregError,
    OutputError,
    SingularProblemError,
    shown_name,
)
from linreg.files import prepare_output, reason, write_output
from linreg.methods import METHODS
from linreg.moments import Moments
from linreg.solve import least_squares

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_CODES",
    "EXIT_CODES_TEXT",
    "EXIT_DIVERGED",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_OUTPUT",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "build_parser",
    "main",
]

EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_DIVERGED = 4
EXIT_OUTPUT = 5
EXIT_INTERRUPTED = 128 + signal.SIGINT  # 130
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE  # 141
EXIT_TERMINATED = 128 + signal.SIGTERM  # 143
#: Every exit code and its meaning, in the words the help, this docstring and README use.
EXIT_CODES = {
    0: "success",
    EXIT_USAGE: "usage error",
    EXIT_INPUT: "bad input",
    EXIT_DIVERGED: "diverged",
    EXIT_OUTPUT: "cannot write output",
    EXIT_INTERRUPTED: "interrupted",
    EXIT_BROKEN_PIPE: "broken pipe",
    EXIT_TERMINATED: "terminated",
}
EXIT_CODES_TEXT = "exit codes: " + ", ".join(f"{code} {what}" for code, what in EXIT_CODES.items())
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
        epilog=EXIT_CODES_TEXT,
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
    parser.add_argument(
        "--summary",
        action="store_true",
        help="also print the least-squares fit's statistics as statsmodels' OLS summary "
        "does: standard errors, t and F tests, confidence intervals, R², AIC, BIC",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return its exit code (see the module docstring for the list)."""
    with _signals_as_exceptions():
        try:
            args = build_parser().parse_args(argv)
            if args.data == "":
                raise InputError("--data: the file name is empty")
            if args.history is not None:
                prepare_output(args.history)  # before the fit: fail fast, not after it
            code = _run(args)
            sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit
            return code
        except BrokenPipeError:
            # The reader went away (e.g. `linreg | head -1`): stop quietly, as Unix tools do.
            _silence_stdout()
            return EXIT_BROKEN_PIPE
        except KeyboardInterrupt:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C: no traceback
            _say("linreg: interrupted")
            return EXIT_INTERRUPTED
        except _Terminated:
            _say("linreg: terminated")
            return EXIT_TERMINATED
        except DivergenceError as error:
            _say(f"linreg: error: {error}")
            return EXIT_DIVERGED
        except (InputError, LinregError) as error:
            _say(f"linreg: error: {error}")
            return EXIT_OUTPUT if isinstance(error, OutputError) else EXIT_INPUT
        except OSError as error:  # writing standard output: no space, file too large, ...
            _silence_stdout()
            where = "standard output" if error.filename is None else shown_name(error.filename)
            _say(f"linreg: error: cannot write {where} ({reason(error)})")
            return EXIT_OUTPUT


class _Terminated(BaseException):
    """SIGTERM, raised where the program is, so that cleanup code runs."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated


@contextlib.contextmanager
def _signals_as_exceptions() -> Iterator[None]:
    """SIGTERM raises `_Terminated` (SIGINT already raises KeyboardInterrupt) for a while."""
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _say(line: str) -> None:
    """One line on stderr; if stderr itself is gone, there is no one to tell."""
    with contextlib.suppress(OSError, ValueError):
        print(line, file=sys.stderr, flush=True)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the flush at exit cannot fail a second time."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


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
    # The points, where they were read, let the verdict refine its reference against them.
    data: tuple[Any, ...] = (stats,) if points is None else (points[:, :1], points[:, 1])
    fit = minimize(
        *data,
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
    _summary(stats if points is None else points, fit, b, m, error, args.standardize, args.alpha)
    if args.summary:  # the closed form's statistics, for the data as given
        print(f"\n{least_squares(*data).summary(yname='y', xname=['x'])}")
    if args.history is not None:
        _write_history(Path(args.history), fit.history)
    return 0


def _read(path: Path) -> tuple[Moments, Any]:
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
    # A progress bar on stderr for reads that take more than a second, only on a terminal.
    with tqdm(
        total=info.st_size if regular else None,
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
    """Write ``iteration,loss`` rows: atomically, or in place for a device (`linreg.files`)."""
    target = prepare_output(str(path))
    sys.stdout.flush()  # --history /dev/stdout comes after the lines already printed
    write_output(target, _history_lines(history))


def _history_lines(history: np.ndarray) -> Iterator[str]:
    yield "iteration,loss\n"
    for k, value in enumerate(history):
        yield f"{k},{float(value)!r}\n"


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
    data: Moments | np.ndarray,
    fit: DescentResult,
    b: float,
    m: float,
    error: float,
    standardized: bool,
    alpha: float,
) -> None:
    """The honest part: the optimum, the certified distance, the bound, the iterations needed."""
    try:
        source = data if isinstance(data, Moments) else (data[:, :1], data[:, 1])
        best = least_squares(*(source if isinstance(source, tuple) else (source,))) if (
            alpha == 0.0) else None  # fmt: skip
    except SingularProblemError:
        print("Least-squares optimum: not unique. Every x is the same (to float64 precision),")
        print("so every line through that x and the mean y fits equally well; descent")
        print("found one of them.")
        return
    fit = fit.sharpened()
    best_m, best_b = float(fit.optimum[0]), float(fit.optimum[1])
    minimum, slack = fit.minimum_loss()
    kind = "Least-squares optimum (closed form)" if best is not None else "Ridge optimum"
    bar = fit.distance_error
    print(
        f"{kind}: b = {_sound(best_b, bar)}, m = {_sound(best_m, bar)}, "
        f"error = {_sound(minimum, slack)}"
    )
    print(_verdict(fit, b, m, best_b, best_m, error, minimum))
    print(_bound_line(fit, standardized))
    print(_needed_line(fit))


def _sound(value: float, error: float, digits: int = 10) -> str:
    """``value`` with at most ``digits`` significant digits, and none beyond its error bar."""
    if value == 0 or not math.isfinite(error):
        return f"{value:.{digits}g}" if math.isfinite(error) else f"{value:.3g} (unresolved)"
    if error >= abs(value):
        return f"{value:.2g} (± {error:.2g})"
    kept = max(1, min(digits, math.floor(math.log10(abs(value) / error)) if error else digits))
    return f"{value:.{kept}g}"


def _verdict(
    fit: DescentResult,
    b: float,
    m: float,
    best_b: float,
    best_m: float,
    error: float,
    minimum: float,
) -> str:
    """The verdict, from the certificate: converged, not converged, or cannot be certified."""
    name = "Gradient descent" if fit.method == "gd" else f"Method {fit.method}"
    after = f"{fit.n_iter:,} {_plural(fit.n_iter, 'iteration')}"
    if fit.converged:
        certified = f"|theta - theta*|/|theta*| <= {fit.relative_distance_bound:.2g} <= {fit.tol:g}"
        if fit.optimum_is_zero:
            certified = (
                f"|theta - theta*| <= {fit.relative_distance_bound:.2g} <= {fit.tol:g} "
                "(the optimum is exactly 0)"
            )
        return f"{name} converged: after {after}, certified {certified}."
    if fit.verdict == "cannot be certified":
        return (
            f"After {after} {name[0].lower() + name[1:]} cannot be certified at --tol "
            f"{fit.tol:g}: {fit.verdict_reason}. Try --standardize or a larger --tol."
        )
    gap = (
        f"{_relative(error - minimum, minimum)} above the minimum"
        if minimum != 0
        else f"{error:.4g} above the minimum of 0"
    )
    bar = fit.distance_error
    return (
        f"After {after} {name[0].lower() + name[1:]} has not converged: "
        f"b is off by {_off(b, best_b, bar)}, m by {_off(m, best_m, bar)}, and the error is {gap}."
    )


def _bound_line(fit: DescentResult, standardized: bool) -> str:
    where = " (on standardized x)" if standardized else ""
    if math.isnan(fit.bound):
        rate = (
            "" if math.isnan(fit.learning_rate) else f" with learning rate {fit.learning_rate:.4g}"
        )
        return f"Method {fit.method}{rate}{where} has no stability bound on its step size."
    verdict = "converges" if fit.learning_rate < fit.bound else "diverges"
    rate, bound = _distinct(fit.learning_rate, fit.bound)
    return (
        f"Learning rate {rate}{where}: the stability bound is "
        f"{fit.bound_name} = {bound}, so this rate {verdict}."
    )


def _distinct(a: float, b: float) -> tuple[str, str]:
    """a and b with 4 significant digits, or as many more as it takes to tell them apart."""
    for digits in range(4, 18):
        shown = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if shown[0] != shown[1] or a == b:
            return shown
    return f"{a!r}", f"{b!r}"


def _needed_line(fit: DescentResult) -> str:
    needed, tol = fit.predicted_iterations, f"{fit.tol:g}"
    goal = f"|theta - theta*|/|theta*| <= {tol}"
    if math.isnan(needed):
        why = fit.prediction_reason or f"no theory predicts how many iterations {fit.method} needs"
        tail = f"to reach {goal} from this start: {why}."
    elif math.isinf(needed):
        why = (
            "a step is above the stability bound"
            if fit.learning_rate >= fit.bound
            else "in float64 the slowest direction stops shrinking"
        )
        tail = f"these settings never reach {goal} from this start: {why}."
    else:
        count = f"{needed:,.0f} {_plural(needed, 'iteration')}"
        how = {"exact": "exactly", "bound": "at most"}.get(fit.prediction_kind, "about")
        tail = f"to reach {goal} from this start these settings need {how} {count}."
        if fit.prediction_kind == "estimate":
            tail = tail[:-1] + f" (an estimate: {fit.prediction_reason})."
    if math.isinf(fit.condition_number):
        return f"Kappa is not resolved in float64 (the Hessian is singular or nearly so): {tail}"
    kappa = fit.condition_number
    shown = f"{kappa:,.0f}" if kappa < 1e6 else f"{kappa:.6g}"
    return f"Condition number kappa = {shown}: {tail}"


def _plural(count: float, word: str) -> str:
    return word if count == 1 else word + "s"


def _off(value: float, target: float, error: float) -> str:
    """How far value is from target, to the digits the error bar allows."""
    difference = abs(value - target)
    if difference <= error:
        return f"less than its error bar {error:.2g}"
    return f"{_sound(difference, error, 4)} ({_relative(difference, target)})"


def _relative(difference: float, reference: float) -> str:
    """``difference`` as a percentage of ``reference``, or in words where that has no value."""
    if reference == 0:
        return "the reference is 0" if difference else "0%"
    ratio = 100 * difference / abs(reference)
    return f"{ratio:.3g}%" if math.isfinite(ratio) else "more than 1e300 times the reference"
