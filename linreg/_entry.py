"""Where the ``linreg`` command starts: the signal handlers first, every heavy import after.

``linreg`` (the console script) and ``python -m linreg`` both call `main` here. Python's
own SIGINT handler raises `KeyboardInterrupt` wherever the program is, inside an import of
numpy too, and SIGTERM, SIGHUP, SIGQUIT (and SIGUSR1, SIGALRM, ... : every signal whose
default action ends a process) end a process on the spot, leaving any temporary file
behind. So this module imports only the standard library, installs one handler for
every such signal that can be caught (`CAUGHT`) that raises `Stopped` (a
`BaseException`, so cleanup code runs and ``except Exception`` cannot catch it), and
only then imports `linreg.cli`. A signal found ignored is left ignored: Python ignores
SIGPIPE and SIGXFSZ (a write then fails with an error the command reports), and a
parent's ``nohup`` or a shell's ``command &`` ignores SIGHUP, or SIGINT and SIGQUIT,
on purpose.

The handler also records the signal, because library code can lose the exception: a C
extension that imports a module and discards the import's error drops it (pyarrow did
so while importing pandas). `raise_pending` raises a recorded signal again at the
command's checkpoints, so no signal is swallowed; `deferred` holds signals back over a
few statements that must not be cut apart (creating a temporary file and recording its
name). A second signal while the first is being handled is recorded, not raised, so
cleanup finishes and no traceback is printed.

The standard streams are checked first of all: a closed descriptor 0, 1 or 2 is opened
on ``/dev/null``, so that no file the command opens later takes its number, and recorded
in `CLOSED_AT_START`; `linreg.cli` then reports a closed standard output as a write
failure, and `linreg.files` refuses a ``--history`` (``/dev/stderr``) or a ``--data -``
that names a closed one.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator

__all__ = [
    "ARROW_POOL",
    "CAUGHT",
    "CLOSED_AT_START",
    "READ_BYTES",
    "SIGNALS",
    "Stopped",
    "deferred",
    "handlers",
    "main",
    "pending",
    "raise_pending",
    "say",
    "stopped",
]

#: The signals that stop the command cleanly, with the word it prints for each.
SIGNALS: dict[int, str] = {
    getattr(signal, name): word
    for name, word in (
        ("SIGINT", "interrupted"),
        ("SIGTERM", "terminated"),
        ("SIGHUP", "hung up"),
        ("SIGQUIT", "quit"),
    )
    if hasattr(signal, name)
}

#: Every other signal whose default action ends the process, stopped the same way, as
#: "linreg: stopped by SIGUSR1" (and 128 + signum). Not the faults (SIGSEGV, SIGBUS,
#: SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT): a handler cannot return from a real one.
_OTHERS = (
    "SIGUSR1",
    "SIGUSR2",
    "SIGALRM",
    "SIGVTALRM",
    "SIGPROF",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGPIPE",
    "SIGSTKFLT",
    "SIGIO",
    "SIGPWR",
)
_REAL_TIME = range(signal.SIGRTMIN, signal.SIGRTMAX + 1) if hasattr(signal, "SIGRTMIN") else ()
#: The signals the command stops cleanly on, where they are not ignored when it starts.
CAUGHT: tuple[int, ...] = (
    *SIGNALS,
    *(getattr(signal, name) for name in _OTHERS if hasattr(signal, name)),
    *_REAL_TIME,
)

#: The standard descriptors (0, 1, 2) that were closed when the command started, now
#: open on ``/dev/null``: a name for one of them (``/dev/stderr``) is not a place to write.
CLOSED_AT_START: set[int] = set()

_received: list[int] = []  # signals that arrived while the handler was installed
_deferring: list[int] = [0]  # how many `deferred` blocks are open
_depth: list[int] = [0]  # how many `handlers` blocks are open


class Stopped(BaseException):
    """A signal, raised where the program is, so that cleanup code runs.

    Attributes
    ----------
    signum : int
        The signal's number; the command exits with 128 + signum.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum: int, frame: object) -> None:
    first = not _received
    _received.append(signum)
    if first and not _deferring[0] and not _drops_exceptions(frame):
        raise Stopped(signum)


def _drops_exceptions(frame: object) -> bool:
    """Whether an exception raised in ``frame`` would be printed as "Exception ignored"
    and dropped: a finaliser (``__del__``) or importlib's module-lock weakref callback.
    There the signal is only recorded; `raise_pending` raises it at the next checkpoint.
    """
    code = getattr(frame, "f_code", None)
    if code is None:
        return False
    name, file = str(code.co_name), str(code.co_filename)
    return name == "__del__" or (name == "cb" and file.startswith("<frozen importlib"))


def _quiet_stopped(unraisable: object) -> None:
    """`sys.unraisablehook` for the command: a `Stopped` that Python could only print as
    "Exception ignored in ..." (a weakref callback, a finaliser, a frame that
    `_drops_exceptions` does not know) is silent, as it is recorded and raised again at
    the next checkpoint; anything else is printed as Python prints it."""
    if not isinstance(getattr(unraisable, "exc_value", None), Stopped):
        sys.__unraisablehook__(unraisable)  # type: ignore[arg-type]


def raise_pending() -> None:
    """Raise `Stopped` for a signal that has arrived, if its exception was lost or held."""
    if _received and not _deferring[0]:
        raise Stopped(_received[0])


def pending() -> int | None:
    """The first signal that has arrived, if any: it explains any error that followed.

    (A C extension may turn the exception into its own: numpy reports an import that a
    signal cut short as a broken installation.)
    """
    return _received[0] if _received else None


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold signals back for the statements inside; raise the first one at the end."""
    _deferring[0] += 1
    try:
        yield
    finally:
        _deferring[0] -= 1
    raise_pending()


@contextlib.contextmanager
def handlers() -> Iterator[None]:
    """Install the handler for `CAUGHT` (those not ignored) for a while, then restore the
    previous ones.

    Nested uses keep the outer one's record of signals. Outside the main thread signals
    cannot be handled; they are left alone there.
    """
    try:
        previous = {signum: signal.signal(signum, _on_signal) for signum in _catchable()}
    except ValueError:  # not the main thread
        yield
        return
    _depth[0] += 1
    try:
        yield
    finally:
        _depth[0] -= 1
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        if not _depth[0]:
            _received.clear()


def _catchable() -> list[int]:
    """The signals of `CAUGHT` not ignored now (ignored ones are left so: see above)."""
    return [signum for signum in CAUGHT if signal.getsignal(signum) != signal.SIG_IGN]


def _name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:  # a real-time signal between SIGRTMIN and SIGRTMAX
        return f"SIGRTMIN+{signum - signal.SIGRTMIN}"


def say(line: str) -> None:
    """One line on standard error; if it is closed, there is no one to tell."""
    stream = sys.stderr
    if stream is None:  # never print(file=None): that writes to standard output
        return
    with contextlib.suppress(OSError, ValueError):
        stream.write(line + "\n")
        stream.flush()


def stopped(signum: int) -> int:
    """Say that the command was stopped by ``signum``; return its exit code, 128 + signum."""
    say(f"linreg: {SIGNALS.get(signum) or 'stopped by ' + _name(signum)}")
    return 128 + signum


def _open_standard_streams() -> None:
    """Open ``/dev/null`` on a closed descriptor 0, 1 or 2 (the lowest free one is given)."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.open(os.devnull, os.O_RDWR)
                CLOSED_AT_START.add(fd)


def main() -> int:
    """Run the ``linreg`` command: handlers first, then `linreg.cli.main`.

    Once the command has its exit code, a signal is only recorded (and turns a success
    into 128 + signum); after the last look at that record, the system's default action
    is restored, so a signal even then ends the process (exit status 128 + signum in a
    shell) rather than being lost.
    """
    _open_standard_streams()
    sys.unraisablehook = _quiet_stopped
    installed = _catchable()
    for signum in installed:
        signal.signal(signum, _on_signal)
    _depth[0] += 1  # for good: `handlers` inside keeps this record
    try:
        code = _run()
        _deferring[0] += 1
    except Stopped as stop:  # the first signal, arriving just after the command returned
        _deferring[0] += 1
        code = stopped(stop.signum)
    for signum in installed:  # from here on the system's own action: the signal ends the process
        signal.signal(signum, signal.SIG_DFL)
    if _received and code == 0:  # it arrived after the command's last checkpoint
        code = stopped(_received[0])
    return code


#: Arrow's allocator for the command, whatever ARROW_DEFAULT_MEMORY_POOL held (mimalloc,
#: a user's choice, peaked at 203-279 MB on 48-column zstd files: the ninth audit):
#: jemalloc returns a freed column's memory, where mimalloc, Arrow's default, kept some,
#: and the system's allocator kept more with two reading threads (one Parquet row group
#: of 300,000 rows x 25 read a column at a time: 202 MB peak with mimalloc, 149 MB with
#: the system's; twelve groups of 1M rows x 2, two at a time: 145 MB with jemalloc,
#: 180 to 220 MB with the system's).
ARROW_POOL = "jemalloc"
#: The SIMD levels Arrow takes, in any case (another value, ``MAX`` included, makes it
#: print a line on stderr).
ARROW_SIMD_LEVELS = ("NONE", "SSE4_2", "AVX", "AVX2", "AVX512")
#: The values Arrow takes of each setting it reads from the environment and prints a line
#: on stderr for (its ``GetEnvVar`` strings in libarrow, each tried with pyarrow 26):
#: ``ARROW_IO_THREADS=2147483648`` printed "Invalid value for ARROW_IO_THREADS" and
#: ``ARROW_DEBUG_MEMORY_POOL=bogus`` (or ``ABORT``) "Valid values are 'abort', ...".
ARROW_TAKES: dict[str, Callable[[str], bool]] = {
    "ARROW_IO_THREADS": lambda value: _whole(value, 1, 2**31 - 1),  # an int32, positive
    "ARROW_REGISTER_ATFORK": lambda value: _whole(value, 0, 1),
    "ARROW_DEBUG_MEMORY_POOL": lambda value: value in ("abort", "trap", "warn", "none"),
    "ARROW_USER_SIMD_LEVEL": lambda value: value.upper() in ARROW_SIMD_LEVELS,
}
#: Dropped whatever they hold: Arrow's tracing (an unknown backend is a line on stderr,
#: ``ostream`` and ``arrow_otlp_stdout`` write spans to stdout, ``otlp_http`` errors when no
#: collector listens) and the options of Arrow's jemalloc (``JE_ARROW_MALLOC_CONF=bogus``:
#: "<jemalloc>: Conf string ends with key"; the command's allocator is its own choice).
ARROW_DROPPED = ("ARROW_TRACING_BACKEND", "JE_ARROW_MALLOC_CONF")
#: Bytes of Parquet row groups the command reads ahead or decodes at once
#: (`linreg.columnar.READ_BYTES_VARIABLE`, set whatever the environment held): twelve groups
#: of 1M rows x 2, 249 MB peak unbounded on 2 cores, 177 MB within this.
READ_BYTES = 48 << 20


def _arrow_environment() -> None:
    """Arrow's settings for the command: its allocator, and no value Arrow would complain
    of on stderr (`ARROW_TAKES`: ``ARROW_IO_THREADS=abc``, ``ARROW_USER_SIMD_LEVEL=bogus``)
    nor any that makes Arrow write (`ARROW_DROPPED`): those are dropped, and Arrow's
    defaults apply. Arrow reads ``OMP_NUM_THREADS`` too, and prints nothing for any value."""
    environ = os.environ
    environ["ARROW_DEFAULT_MEMORY_POOL"] = ARROW_POOL
    for name in ARROW_DROPPED:
        environ.pop(name, None)
    for name, takes in ARROW_TAKES.items():
        value = environ.get(name)
        if value is not None and not takes(value):
            del environ[name]


def _whole(text: str, low: int, high: int) -> bool:
    """``text`` is ASCII digits (``int`` reads ``'٣'`` and ``' 3'``) from ``low`` to ``high``."""
    return text.isascii() and text.isdigit() and low <= int(text) <= high


def _run() -> int:
    _arrow_environment()  # before pyarrow loads
    os.environ["LINREG_READ_BYTES"] = str(READ_BYTES)  # the command's own: never lifted
    try:
        from linreg.cli import main as run  # numpy and the rest come in here

        raise_pending()
    except BaseException as error:  # during the imports
        signum = error.signum if isinstance(error, Stopped) else pending()
        if signum is None:
            raise
        return stopped(signum)
    return run()
