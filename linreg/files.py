"""Writing an output file safely: checked before the work, never half-written.

`prepare_output` checks, before any work is done, that a file can be written where the
user asked; `write_output` writes it. What happens to what is already there:

- **A regular file, or a new name.** The text goes to a temporary file in the same
  folder (``.linreg-*.tmp``), which is then renamed over the target: a reader sees the
  old file or the new one, never a part of either. An existing file keeps its permission
  bits (and its group, where the system allows); a new file gets ``0666`` less the umask,
  as any program's new file does. The temporary file is removed on every failure,
  Ctrl-C and SIGTERM included (`linreg.cli` turns both into exceptions).
- **A symbolic link** is followed: the file it points to is replaced, and the link
  stays a link. A dangling link creates the file it names.
- **A file with several hard links** is replaced under the name given; its other names
  keep the old contents (as with any atomic replace).
- **Character devices, FIFOs and sockets** (``/dev/null``, a terminal, a named pipe), and
  every name under ``/dev/`` or ``/proc/`` (``/dev/stdout``, ``/dev/fd/3``), are written
  in place, appending, and are never replaced or created.

Every failure is an `linreg.errors.OutputError` whose message names the file (escaped for
printing) and the system's reason: permission denied, no space left on device, file too
large, file name too long, read-only file system, is a directory, no such folder.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from linreg.errors import OutputError, shown_name

__all__ = ["OutputTarget", "prepare_output", "reason", "write_output"]

# Names that stand for an already open stream: written in place, never replaced.
_STREAM_FOLDERS = ("/dev/", "/proc/")


@dataclass(frozen=True)
class OutputTarget:
    """Where and how an output is written, as `prepare_output` decided.

    Attributes
    ----------
    label : str
        How messages name it, e.g. ``"--history out.csv"`` (the name escaped).
    path : pathlib.Path
        The name as given.
    final : pathlib.Path
        The file that receives the text: ``path`` with symbolic links followed.
    in_place : bool
        Written in place (a device, FIFO or stream), not replaced.
    mode : int
        Permission bits for the new file (an existing file's own, or 0666 less the umask).
    group : int or None
        An existing file's group, kept where the system allows.
    """

    label: str
    path: Path
    final: Path
    in_place: bool
    mode: int
    group: int | None


def prepare_output(name: str, option: str = "--history") -> OutputTarget:
    """Check, before any work, that ``name`` can be written; say how it will be.

    Parameters
    ----------
    name : str
        The file name the user gave.
    option : str
        The option it came from, for messages.

    Returns
    -------
    OutputTarget

    Raises
    ------
    OutputError
        The name is empty, too long, a directory, in a folder that does not exist or
        cannot be written, on a read-only file system, or an existing file that is not
        writable.
    """
    label = f"{option} {shown_name(name)}"
    if not name:
        raise OutputError(f"{option}: the file name is empty")
    path = Path(name)
    try:
        info: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        info = None
    except OSError as error:  # too long, a file used as a folder, a folder not searchable
        raise OutputError(f"{label}: {reason(error)}") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise OutputError(f"{label}: is a directory")
    stream = os.path.abspath(name).startswith(_STREAM_FOLDERS)
    if (info is not None and not stat.S_ISREG(info.st_mode)) or stream:
        if info is None:
            raise OutputError(f"{label}: no such device or stream")
        if not os.access(path, os.W_OK):
            raise OutputError(f"{label}: not writable (permission denied)")
        return OutputTarget(label, path, path, True, 0, None)
    final = Path(os.path.realpath(path))
    _check_folder(label, final.parent)
    if info is not None and not os.access(final, os.W_OK):
        raise OutputError(f"{label}: the file is not writable (permission denied)")
    if info is None:
        return OutputTarget(label, path, final, False, 0o666 & ~_umask(), None)
    return OutputTarget(label, path, final, False, stat.S_IMODE(info.st_mode), info.st_gid)


def _check_folder(label: str, folder: Path) -> None:
    try:
        info = os.stat(folder)
    except FileNotFoundError:
        raise OutputError(f"{label}: the folder {shown_name(folder)} does not exist") from None
    except OSError as error:
        raise OutputError(f"{label}: {reason(error)}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise OutputError(f"{label}: {shown_name(folder)} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
        why = (
            "is on a read-only file system"
            if read_only
            else "cannot be written (permission denied)"
        )
        raise OutputError(f"{label}: the folder {shown_name(folder)} {why}")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def reason(error: OSError) -> str:
    """The system's reason for an `OSError`, lower-cased as in linreg's other messages.

    Examples
    --------
    >>> reason(OSError(28, "No space left on device"))
    'no space left on device'
    """
    if not error.strerror:
        return str(error) or type(error).__name__
    return error.strerror[:1].lower() + error.strerror[1:]


def write_output(target: OutputTarget, chunks: Iterable[str]) -> None:
    """Write the text ``chunks`` to ``target``: atomically, or in place for a stream.

    Raises
    ------
    OutputError
        The system refused a write (no space, file too large, permission, a FIFO's
        reader gone); no partial or temporary file is left behind.
    """
    if target.in_place:
        try:
            handle = os.open(target.path, os.O_WRONLY | os.O_APPEND | os.O_NOCTTY)
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.writelines(chunks)
        except OSError as error:
            raise OutputError(f"{target.label}: cannot write ({reason(error)})") from None
        return
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=".linreg-", suffix=".tmp", dir=target.final.parent
        )
    except OSError as error:
        raise OutputError(f"{target.label}: cannot write ({reason(error)})") from None
    try:
        _fill(handle, target, chunks)
        os.replace(temporary, target.final)
    except BaseException as error:  # Ctrl-C and SIGTERM too: never leave the temporary
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise OutputError(f"{target.label}: cannot write ({reason(error)})") from None
        raise


def _fill(handle: int, target: OutputTarget, chunks: Iterable[str]) -> None:
    """Write the temporary file: the target's group and mode first, then the text."""
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        if target.group is not None:
            with contextlib.suppress(OSError):  # only root or a member may set the group
                os.fchown(out.fileno(), -1, target.group)
        os.fchmod(out.fileno(), target.mode)
        out.writelines(chunks)
        out.flush()
        os.fsync(out.fileno())
