"""The ``linreg`` command: the livestream's run, then the honest truth about it.

With no arguments it prints the livestream's three lines, digit for digit, followed by
the least-squares optimum, how far the 1000 iterations stopped from it, the stability
bound for the learning rate, and how many iterations these settings would really need.

Exit codes (as ``linreg --help`` lists them): 0 success, 2 usage error, 3 bad input,
4 diverged, 5 cannot write output, 129 hung up, 130 interrupted, 131 quit, 141 broken
pipe, 143 terminated.

- 2: the command line itself is wrong (an unknown option, a value that is not a number
  or is out of its range, said as typed (``--iterations -1``, ``--initial-b 1e400``,
  ``--tol 1e-400``, which underflows), an option given twice (`linreg._cli_values`),
  an option the method does not take, such as ``--method cg --momentum 0.5``; ``--x``
  without ``--y`` or the other way round, ``--y`` twice, the same ``--x`` twice, ``--y``
  also an ``--x``, ``--initial-m`` with several ``--x``, ``--x`` for a ``.npy`` array;
  more ``--x`` than `linreg._cli_columns.MAX_COMMAND_FEATURES`, 256, which keeps the
  command within 200 MB: more features are fitted through the Python API).
- 3: bad input: the data file is missing, unreadable (permissions included) or
  malformed, has fewer than two points, or a value is out of range; a column named
  that the file does not have (the message lists those it has), one that is not
  numeric, a missing value (its column and row named), one column chosen twice (by its
  name and its position); a glob that matches no file, a folder with no Parquet or
  Arrow IPC file, a corrupt Parquet or Arrow file; a Parquet row group or Arrow batch
  too large to read in bounded memory, or a Parquet footer too long (`linreg.columnar`:
  the message says how to rewrite the file); Parquet or Arrow input when pyarrow
  (the ``fast`` extra) is not installed (the message gives the install command). (Data
  with no unique optimum, such as a constant x, are not an error: the summary says so.)
- 4: gradient descent diverged (the learning rate is above the stability bound).
- 5: an output could not be written: the ``--history`` file (checked before the fit:
  its folder exists and is writable, it is not a directory, it is not the ``--data``
  file) or standard output (closed, permission denied, no space left, file too large,
  name too long, read-only file system).
- 129, 130, 131, 143: stopped by SIGHUP, SIGINT (Ctrl-C), SIGQUIT or SIGTERM, at any
  moment from `linreg._entry.main` on (it installs the handlers before numpy loads;
  before it, in Python's start-up, Python's own handling applies). No partial or
  temporary file is left behind. Every other signal whose default
  action ends a process (SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU, SIGPWR,
  the real-time signals) stops it the same way, with 128 + its number and ``linreg:
  stopped by SIGUSR1``. A signal ignored when the command starts stays ignored
  (``nohup linreg ...``; Python ignores SIGPIPE and SIGXFSZ, so a write fails instead).
- 141: standard output's reader went away (``linreg | head -1``, also with
  ``--history /dev/stdout``): the command stops quietly, as Unix tools do (128 + SIGPIPE).

``--x`` (once for each feature) and ``--y`` choose the columns of a CSV file with a
header, or of Parquet or Arrow IPC files (`linreg._cli_columns`), by name or by 0-based
position; several ``--x`` fit y = w_1*x_1 + ... + w_p*x_p + b, and the report names
the weights w_1..w_p where the livestream's one feature has m. Without them the command
reads x,y rows and prints exactly what it always has.

Nothing is printed until every check that can refuse has passed: the data are read, the
fit is made and the summary is composed first, then printed, then ``--history`` is
written. A value that begins with ``-`` is a value (``--initial-b -1e308``,
``--data -x.csv``); ``--data -`` reads standard input, ``--history -`` writes to
standard output. ``--iterations`` is at most 100,000,000
(`linreg.descent.MAX_ITERATIONS`); on a terminal a long fit shows on stderr the share
of its iterations done, its running time and the time left. Iterations that repeat the
last one or two exactly (Newton after its step; CG, steepest descent and BB at the
optimum) are recorded, not computed (`linreg.loop`).

Every error is one line on stderr, ``linreg: error: ...``, never a traceback; file names
in it are escaped (a newline or an escape sequence in a name is shown as ``\\n``,
``\\x1b``). How ``--history`` treats devices, FIFOs, symbolic and hard links:
`linreg.files`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import signal
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from linreg._cli_columns import (
    Data,
    add_column_arguments,
    chosen_columns,
    data_kind,
    input_files,
    read_data,
    refuse_a_future_input,
)
from linreg._cli_figures import moved, run_figures, too_large
from linreg._cli_input import UsageError, check_points, history_lines, input_path, progress
from linreg._cli_methods import add_option_argument, in_flags, method_options
from linreg._cli_values import (
    ITERATIONS_HELP,
    OnceTrue,
    Typed,
    check_values,
    given_once,
    joined_values,
    whole_number,
)
from linreg._entry import SIGNALS, Stopped, handlers, pending, raise_pending, say, stopped
from linreg.cli_report import model_line, ols_summary, summary, weights_text
from linreg.closed_form_result import AccuracyWarning
from linreg.data import bundled_data_path
from linreg.descent import DescentResult, minimize
from linreg.errors import (
    DivergenceError,
    FarStartError,
    InputError,
    LinregError,
    OutputError,
    conditioning,
    rate_and_bound,
    reason,
    shown_name,
)
from linreg.files import OutputTarget, prepare_output, refuse_the_input, write_output
from linreg.history import Spool
from linreg.methods import METHODS
from linreg.moments import Moments

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_CODES",
    "EXIT_CODES_TEXT",
    "EXIT_DIVERGED",
    "EXIT_HUNG_UP",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_OUTPUT",
    "EXIT_QUIT",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "build_parser",
    "main",
]

EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_DIVERGED = 4
EXIT_OUTPUT = 5
EXIT_HUNG_UP = 128 + signal.SIGHUP  # 129
EXIT_INTERRUPTED = 128 + signal.SIGINT  # 130
EXIT_QUIT = 128 + signal.SIGQUIT  # 131
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE  # 141
EXIT_TERMINATED = 128 + signal.SIGTERM  # 143
#: Every exit code and its meaning, in the words the help, this docstring and README use.
EXIT_CODES = {
    0: "success",
    EXIT_USAGE: "usage error",
    EXIT_INPUT: "bad input",
    EXIT_DIVERGED: "diverged",
    EXIT_OUTPUT: "cannot write output",
    EXIT_HUNG_UP: SIGNALS[signal.SIGHUP],
    EXIT_INTERRUPTED: SIGNALS[signal.SIGINT],
    EXIT_QUIT: SIGNALS[signal.SIGQUIT],
    EXIT_BROKEN_PIPE: "broken pipe",
    EXIT_TERMINATED: SIGNALS[signal.SIGTERM],
}
EXIT_CODES_TEXT = "exit codes: " + ", ".join(f"{code} {what}" for code, what in EXIT_CODES.items())


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, not argparse's usage block: "linreg: error: ...".
        extra = message.removeprefix("unrecognized arguments: ")
        if extra != message and any(os.path.lexists(name) for name in extra.split()):
            # `--data data/*.parquet`: the shell gave linreg the files, not the pattern.
            message += "; quote a glob so that linreg sees it: --data 'data/*.parquet'"
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if file is not None and file is sys.stdout:
            # argparse ignores a failed write; on standard output (--help into a closed
            # pipe, onto a full disk) it is the command's to report, 141 or 5.
            file.write(message)
        else:
            super()._print_message(message, file)


def _learning_rate(text: str) -> float | str:
    if text == "auto":
        return text
    try:
        return Typed(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number or 'auto': {text!r}") from None


def _number(text: str) -> float:
    try:
        return Typed(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


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
    given_once(parser)  # --history a.csv --history b.csv: a usage error
    parser.add_argument(
        "--data",
        metavar="FILE",
        help="CSV file of x,y rows (or with a header row, whose columns --x and --y name), "
        "a .npy (N, 2) array, or Parquet or Arrow IPC files (.parquet, .feather, .arrow, "
        ".ipc; pyarrow, the fast extra): a file, a folder or a quoted glob; read in one "
        "streaming pass; - reads standard input (default: the bundled livestream data)",
    )
    add_column_arguments(parser)
    _add_method_options(parser)
    _add_run_options(parser)
    parser.add_argument(
        "--summary",
        action=OnceTrue,
        help="also print the least-squares fit's statistics as statsmodels' OLS summary "
        "does: standard errors, t and F tests, confidence intervals, R², AIC, BIC",
    )
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
    add_option_argument(parser)
    parser.add_argument(
        "--alpha",
        type=_number,
        default=0.0,
        metavar="ALPHA",
        help="ridge strength: adds ALPHA*m^2 to the error (ALPHA*|w|^2 with several --x) "
        "(default: 0)",
    )


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    """Where to start, when to stop, what to keep."""
    parser.add_argument(
        "--iterations",
        type=whole_number,
        default=1000,
        metavar="N",
        help=ITERATIONS_HELP,
    )
    parser.add_argument(
        "--initial-b",
        type=_number,
        default=0.0,
        metavar="B",
        help="starting intercept (default: 0)",
    )
    parser.add_argument(
        "--initial-m",
        type=_number,
        default=None,
        metavar="M",
        help="starting slope of a one-feature fit (default: 0; with several --x every "
        "weight starts at 0, and --initial-m is refused)",
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
        help="write the loss of every iteration to FILE as CSV (atomically; - is standard output)",
    )
    parser.add_argument(
        "--standardize",
        action=OnceTrue,
        help="descend on centred, scaled x (converges in a few iterations)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return its exit code (see the module docstring for the list)."""
    with handlers(), warnings.catch_warnings():
        # the report says how accurate the closed form is, in the command's words
        warnings.simplefilter("ignore", AccuracyWarning)
        try:
            return _main(sys.argv[1:] if argv is None else list(argv))
        except BaseException as error:
            return _failed(error)


def _failed(error: BaseException) -> int:
    """Say what went wrong in one line; return the exit code. A signal explains everything."""
    signum = error.signum if isinstance(error, Stopped) else pending()
    if signum is not None:  # also when a library turned its exception into another
        return stopped(signum)
    if isinstance(error, KeyboardInterrupt):  # where linreg._entry's handler is not installed
        return stopped(signal.SIGINT)
    if isinstance(error, BrokenPipeError):
        # The reader went away (e.g. `linreg | head -1`): stop quietly, as Unix tools do.
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    if isinstance(error, UsageError):
        say(f"linreg: error: {error} (see linreg --help)")
        return EXIT_USAGE
    if isinstance(error, DivergenceError):
        say(f"linreg: error: {_divergence(error)}")
        return EXIT_DIVERGED
    if isinstance(error, LinregError):
        say(f"linreg: error: {error}")
        return EXIT_OUTPUT if isinstance(error, OutputError) else EXIT_INPUT
    if isinstance(error, OSError):  # writing standard output: no space, file too large, ...
        _silence_stdout()
        where = "standard output" if error.filename is None else shown_name(error.filename)
        say(f"linreg: error: cannot write {where} ({reason(error)})")
        return EXIT_OUTPUT
    raise error


def _main(argv: list[str]) -> int:
    """Check everything that can be checked before reading, then run."""
    if sys.stdout is None:  # started with standard output closed (`linreg >&-`)
        raise OutputError("cannot write standard output (it is closed)")
    with contextlib.suppress(AttributeError, ValueError):  # (not a text stream: a test's)
        sys.stdout.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    parser = build_parser()
    try:
        args = parser.parse_args(joined_values(parser, argv))
    except SystemExit as done:  # --help printed, or a usage error said
        sys.stdout.flush()  # `linreg --help | head -1`: the broken pipe shows here
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    check_values(args)  # before anything is read: a usage error, as typed
    args.options = method_options(args)
    columns = chosen_columns(args.x, args.y, args.initial_m)
    if args.data == "":
        raise InputError("--data: the file name is empty")
    data = bundled_data_path() if args.data is None else input_path(args.data)
    kind = data_kind(data)
    history = None
    if args.history is not None:  # before the fit: fail fast, not after it
        history = prepare_output(args.history)
        refuse_the_input(history, input_files(data, kind), "--data")
        refuse_a_future_input(history, data, kind)
    code = _run(args, read_data(data, kind, columns), history)
    sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit
    return code


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the flush at exit cannot fail a second time."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _shown(value: float) -> str:
    # The livestream started from the integers 0 and printed "0"; do the same.
    return str(int(value)) if value.is_integer() and abs(value) < 1e16 else str(value)


def _run(args: argparse.Namespace, data: Data, history: OutputTarget | None) -> int:
    """Check what was read, fit; then write the history and print (a history that cannot
    be written leaves nothing printed); a history sent to standard output comes after the
    lines printed."""
    raise_pending()  # a signal whose exception a library lost while reading
    check_points(data.stats, Path(args.data or bundled_data_path()))
    # The table, where it was read, lets the verdict refine its reference against it.
    given = (data.stats,) if data.table is None else (data.table[:, :-1], data.table[:, -1])
    # The losses wait on disk, not in memory (1e8 iterations would be 800 MB).
    label = None if history is None else history.label
    with contextlib.closing(Spool(f"{label}: cannot keep the losses")) as spool:
        fit = _fit(args, given, "none" if history is None else spool)
        report = _encodable(_report(args, fit, data))  # may still refuse: nothing printed
        raise_pending()
        after = history is not None and _is_stdout(history)
        if history is not None and not after:
            # the report is printed once the history is complete, before it replaces the
            # old file: a failure of either keeps the old file and prints nothing more
            write_output(history, history_lines(spool, fit.n_iter + 1), _printer(report))
            return 0
        sys.stdout.write(report)
        if history is not None and after:
            sys.stdout.flush()  # --history /dev/stdout comes after the lines already printed
            write_output(history, history_lines(spool, fit.n_iter + 1))
    return 0


def _encodable(text: str) -> str:
    """The report as standard output can encode it (``PYTHONIOENCODING=ascii``): ± as
    +/-, anything else (a column's name) escaped, as `_main` has standard output do for
    --help."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return text.replace("±", "+/-").encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:  # an encoding Python does not know cannot have been set up
        pass
    return text


def _printer(report: str) -> Callable[[], None]:
    def print_report() -> None:
        raise_pending()
        sys.stdout.write(report)
        sys.stdout.flush()  # a full disk or a closed pipe shows here

    return print_report


def _is_stdout(target: OutputTarget) -> bool:
    """Whether the history goes where the report does (``-``, ``/dev/stdout``, the same file)."""
    try:
        mine, its = os.fstat(sys.stdout.fileno()), os.stat(target.final)
    except (OSError, ValueError, AttributeError):
        return target.in_place
    return (mine.st_dev, mine.st_ino) == (its.st_dev, its.st_ino)


def _fit(args: argparse.Namespace, data: tuple[Any, ...], history: Any) -> DescentResult:
    """The descent the options ask for; an overflow is blamed on the options that cause it."""
    try:
        with progress(args.iterations) as counting:  # on a terminal: the share done
            start = (args.initial_b, args.initial_m or 0.0)
            return _minimize(args, data, args.iterations, args.alpha, *start, counting(history))
    except DivergenceError as error:
        blamed = moved(args)
        if not blamed or not math.isnan(error.bound):
            raise  # a rate above its stability bound is to blame whatever the start
        # No bound to blame (Newton, CG, ... or Adam): from the default start as well, in
        # as many iterations as this start took to overflow?
        until = args.iterations if error.iteration is None else error.iteration + 1
        _minimize(args, data, min(args.iterations, until), args.alpha, 0.0, 0.0, "none")
        raise too_large(blamed) from None
    except FarStartError:
        raise too_large(moved(args) or "the start") from None
    except InputError as error:
        blamed = moved(args)
        if not str(error).startswith("the data are too large") or not blamed:
            raise in_flags(error) from None
    # Raises as before if the data alone are too large; else the options are to blame.
    try:
        _minimize(args, data, 0, 0.0, 0.0, 0.0, "none")
    except InputError as error:
        raise in_flags(error) from None
    raise too_large(blamed)


def _minimize(
    args: argparse.Namespace,
    data: tuple[Any, ...],
    iterations: int,
    alpha: float,
    b0: float,
    m0: float,
    history: Any,
) -> DescentResult:
    rate = 0.0001 if args.learning_rate is None and args.method == "gd" else args.learning_rate
    return minimize(
        *data,
        method=args.method,
        learning_rate=rate,
        momentum=args.momentum,
        options=args.options,
        alpha=alpha,
        num_iterations=iterations,
        w0=[m0] if _n_features(data) == 1 else None,  # several: zeros (--initial-m refused)
        b0=b0,
        tol=args.tol,
        standardize=args.standardize,
        history=history,
    )


def _n_features(data: tuple[Any, ...]) -> int:
    return data[0].n_features if isinstance(data[0], Moments) else int(data[0].shape[1])


def _report(args: argparse.Namespace, fit: DescentResult, data: Data) -> str:
    """Everything the command prints, as one text (the summary may still refuse)."""
    b0, m0 = args.initial_b, args.initial_m or 0.0
    b, w, start_error, error = run_figures(args, fit, data)
    if (b, w) != (fit.b, fit.w.tolist()):  # the livestream loop's iterate: its own verdict
        fit = fit.judged_at(w, b)
    name = "gradient descent" if args.method == "gd" else METHODS[args.method].summary
    text = io.StringIO()
    # names escaped before the tables are laid out, so that an escape keeps its column
    y_name = _encodable(data.y_name) if data.y_name else data.y_name
    x_names = [_encodable(name) for name in data.x_names] if data.x_names else data.x_names
    if len(w) > 1:
        print(model_line(y_name or "y", x_names or []), file=text)
    start = weights_text([m0] if len(w) == 1 else [0.0] * len(w), _shown)
    print(f"Starting {name} at b = {_shown(b0)}, {start}, error = {start_error}", file=text)
    print("Running...", file=text)
    print(
        f"After {fit.n_iter} iterations b = {b}, {weights_text(w, str)}, error = {error}", file=text
    )
    print(file=text)
    with contextlib.redirect_stdout(text):
        summary(fit, b, w, args.standardize, args.alpha)
        if args.summary:
            print(ols_summary(data.stats, data.table, y_name, x_names))
    return text.getvalue()


def _divergence(error: DivergenceError) -> str:
    """The divergence message in the command's own words (its options, not the API's)."""
    when = "" if error.iteration is None else f" at iteration {error.iteration}"
    if error.steps_overflowed:  # a method without a step size (newton, cg, ...)
        return (
            f"descent ({error.method}) diverged{when}: its iterates overflowed float64; "
            f"{error.method} has no step size to lower, but "
            f"{conditioning(error.condition_number)} its float64 steps are not accurate; "
            "use --standardize, or another --method"
        )
    if math.isnan(error.bound):  # a step size without a stability bound (adam)
        return (
            f"descent ({error.method}) diverged{when}: its iterates overflowed float64 with "
            f"--learning-rate {error.learning_rate:.4g}; {error.method} has no stability "
            "bound, but its steps grow with the learning rate: use a smaller one, or leave it "
            "unset for the default"
        )
    rate, bound, below = rate_and_bound(error.learning_rate, error.bound)
    return (
        f"descent ({error.method}) diverged: the loss grew{when} with --learning-rate "
        f"{rate}, above the stability bound {error.bound_name} = {bound} "
        f"for these data; use a --learning-rate below {below}, --learning-rate auto "
        "(1/lambda_max, always stable), or --standardize"
    )
