"""Writing an output file safely: checked before the work, never half-written.

`prepare_output` checks, before any work is done, that a file can be written where the
user asked; `write_output` writes it. What happens to what is already there is decided
by what the name is (`os.stat`), never by how it is spelled:

- **A regular file of the user's own, or a new name.** The text goes to a temporary
  file in the same folder (``.linreg-*.tmp``), which is then renamed over the target: a
  reader sees the old file or the new one, never a part of either. An existing file
  keeps its permission bits (and its group, where the system allows); a new file gets
  ``0666`` less the umask, as any program's new file does. The temporary file is removed
  on every failure and every signal (`linreg._entry` turns them into exceptions, and
  holds them back while the temporary file is created and named). ``/dev/shm/h.csv``
  is such a file too.
- **A regular file owned by another user** keeps its owner, inode, mode and other
  links (a replacement would be a new file of the user running linreg): the text is
  written to the temporary file first, then copied into the file with every signal
  that stops the command blocked, the room reserved beforehand (a full disk fails
  before a byte changes). A signal leaves it old or complete, never half-written; only
  a system crash or a failing disk during the copy can.
- **The file standard output is open on** (``linreg --history out.txt > out.txt``,
  also with ``>>``) gets the history after the report, as ``--history /dev/stdout``
  does, written through standard output itself, so that what the shell writes next
  comes after it; replacing the file would lose the report.
- **A name ending as a folder's does** (``f.csv/``, ``new/``, ``new/.``) is refused:
  "not a directory" for a file, "no such folder" for a name that does not exist.
- **A symbolic link** is followed: the file it points to is written, and the link
  stays a link. A dangling link creates the file it names. A link that belongs to
  another user is followed only to a file of that same user; any other is refused, so
  that a link planted in a shared folder (``/tmp``) cannot turn linreg against a file
  its owner may not write.
- **A file with several hard links** is replaced under the name given; its other names
  keep the old contents (as with any atomic replace).
- **Character devices, FIFOs and sockets** (``/dev/null``, a terminal, a named pipe),
  and every name that leads to an already open file (``/dev/stdout``, ``/dev/fd/3``,
  ``/proc/self/fd/1``: a link through a ``/proc/<pid>/fd`` folder), are written in
  place, appending, and are never replaced or created. When that file is standard output
  and its reader has gone, `BrokenPipeError` is raised as for any write to it. Standard
  input (``/dev/stdin``, ``/dev/fd/0``) is refused, and so is a standard stream that was
  closed when the command started (``/dev/stderr`` with ``2>&-``: it is ``/dev/null``
  now, see `linreg._entry.CLOSED_AT_START`).

Every other failure is an `linreg.errors.OutputError` whose message names the file
(escaped for printing) and the system's reason: permission denied, no space left on
device, file too large, file name too long, read-only file system, is a directory, no
such folder.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import stat
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from linreg._entry import CAUGHT, CLOSED_AT_START, deferred
from linreg.errors import OutputError, reason, shown_name

__all__ = [
    "OutputTarget",
    "prepare_output",
    "refuse_the_input",
    "standard_stream",
    "write_output",
]

# A link in such a folder stands for a file the process already has open.
_OPEN_FILES = re.compile(r"/proc/(self|thread-self|[0-9]+)(/task/[0-9]+)?/fd")
#: The most symbolic links followed in a row (the system's own limit, MAXSYMLINKS).
_MAX_LINKS = 40


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
        Appended to in place (a device, FIFO, stream, or the file standard output is
        open on), not replaced.
    mode : int
        Permission bits for the new file (an existing file's own, or 0666 less the umask).
    group : int or None
        An existing file's group, kept where the system allows.
    copy_into : bool
        Another user's regular file: the text is written to a temporary file first,
        then copied into it (signals blocked), not renamed over it.
    """

    label: str
    path: Path
    final: Path
    in_place: bool
    mode: int
    group: int | None
    copy_into: bool = False


def prepare_output(name: str, option: str = "--history") -> OutputTarget:
    """Check, before any work, that ``name`` can be written; say how it will be.

    Parameters
    ----------
    name : str
        The file name the user gave (``-``: standard output).
    option : str
        The option it came from, for messages.

    Returns
    -------
    OutputTarget

    Raises
    ------
    OutputError
        The name is empty, too long, a directory (or ends in ``/`` as a folder's name
        does), in a folder that does not exist or cannot be written, on a read-only file
        system, an existing file that is not writable, standard input, or a standard
        stream that was closed when the command started.
    """
    label = f"{option} {shown_name(name)}"
    if name == "-":  # standard output, as Unix tools name it
        name, label = "/dev/stdout", f"{option} - (standard output)"
    if not name:
        raise OutputError(f"{option}: the file name is empty")
    path = Path(name)
    try:  # the name as typed: "f.csv/" is not "f.csv" (pathlib drops the slash)
        info: os.stat_result | None = os.stat(name)
    except FileNotFoundError:
        info = None
    except OSError as error:  # too long, a file used as a folder, a folder not searchable
        raise OutputError(f"{label}: {reason(error)}") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise OutputError(f"{label}: is a directory")
    if info is None and _names_a_folder(name):
        raise OutputError(f"{label}: no such folder (the name ends as a folder's does)")
    if _opens_an_open_file(path) or (info is not None and not stat.S_ISREG(info.st_mode)):
        return _stream(label, path, info)
    final = Path(os.path.realpath(path))
    _check_links(label, path, info)
    _check_folder(label, final.parent)
    if info is not None and not os.access(final, os.W_OK):
        raise OutputError(f"{label}: the file is not writable (permission denied)")
    if info is None:
        return OutputTarget(label, path, final, False, 0o666 & ~_umask(), None)
    if _is_standard_output(info):  # `> out.txt --history out.txt`: after the report
        return OutputTarget(label, path, path, True, 0, None)
    mode, owner = stat.S_IMODE(info.st_mode), info.st_uid
    # Another user's file: a replacement would be ours, so it is copied into in the end.
    return OutputTarget(label, path, final, False, mode, info.st_gid, owner != os.geteuid())


def _names_a_folder(name: str) -> bool:
    """Whether ``name`` can only name a folder: ``new/``, ``new/.``, ``new/..``."""
    return name.endswith("/") or os.path.basename(name) in (".", "..")


def _stream(label: str, path: Path, info: os.stat_result | None) -> OutputTarget:
    """A device, FIFO, socket or already open file, appended to in place."""
    if info is None:
        raise OutputError(f"{label}: no such device or stream")
    fd = standard_stream(path)
    if fd == 0:
        raise OutputError(
            f"{label}: is standard input; write the history to a file, or to standard "
            "output with --history -"
        )
    if fd in CLOSED_AT_START:
        raise OutputError(f"{label}: cannot write {_STREAMS[fd]} (it is closed)")
    if not os.access(path, os.W_OK):
        raise OutputError(f"{label}: not writable (permission denied)")
    return OutputTarget(label, path, path, True, 0, None)


#: How messages name the standard descriptors.
_STREAMS = {0: "standard input", 1: "standard output", 2: "standard error"}


def standard_stream(path: Path) -> int | None:
    """The standard descriptor (0, 1 or 2) that ``path`` names through this process's
    ``/proc/<pid>/fd`` folder (``/dev/stdin``, ``/dev/fd/2``, ``/proc/self/fd/1``), if any.
    """
    own = ("self", "thread-self", str(os.getpid()))
    for name in _links(path):
        found = _OPEN_FILES.fullmatch(os.path.realpath(os.path.dirname(name)))
        base = os.path.basename(name)
        if found and found.group(1) in own and base in ("0", "1", "2"):
            return int(base)
    return None


def _is_standard_output(info: os.stat_result) -> bool:
    """Whether the regular file ``info`` is the one standard output is open on."""
    try:
        mine = os.fstat(1)
    except OSError:
        return False
    return (mine.st_dev, mine.st_ino) == (info.st_dev, info.st_ino)


def _links(path: Path) -> list[str]:
    """The names met while following ``path``'s symbolic links, ``path`` first."""
    names = [os.path.abspath(path)]
    while len(names) <= _MAX_LINKS:
        try:
            target = os.readlink(names[-1])
        except OSError:  # not a link, or missing
            break
        names.append(os.path.join(os.path.dirname(names[-1]), target))
    return names


def _opens_an_open_file(path: Path) -> bool:
    """Whether ``path`` leads through a ``/proc/<pid>/fd`` folder (``/dev/stdout``)."""
    return any(
        _OPEN_FILES.fullmatch(os.path.realpath(os.path.dirname(name))) for name in _links(path)
    )


def _links_on_the_way(path: Path) -> list[str]:
    """Every symbolic link met while resolving ``path`` as the kernel does, the folders'
    included (``shared/theirs/h.csv``, where ``theirs`` is a link), in order."""
    pending = list(Path(os.path.join(os.getcwd(), path)).parts[1:])
    current = "/"
    met: list[str] = []
    while pending and len(met) <= _MAX_LINKS:
        part = pending.pop(0)
        if part in (".", ".."):  # `current` is resolved: its parent is the real one
            current = os.path.dirname(current) if part == ".." else current
            continue
        candidate = os.path.join(current, part)
        try:
            target = os.readlink(candidate)
        except OSError:  # not a link, or missing
            current = candidate
            continue
        met.append(candidate)
        current = "/" if os.path.isabs(target) else current
        pending[:0] = [each for each in Path(target).parts if each != "/"]
    return met


def _check_links(label: str, path: Path, info: os.stat_result | None) -> None:
    """Refuse to follow another user's symbolic link, in the name or in a folder above it,
    to a file that is not that user's (root's links are trusted, as root could write
    anything)."""
    me = os.geteuid()
    for name in _links_on_the_way(path):
        try:
            owner = os.lstat(name).st_uid
        except OSError:
            continue
        if owner in (me, 0) or (info is not None and info.st_uid == owner):
            continue
        what = "is a symbolic link" if _is_the_name(name, path) else f"goes through {name}, a link"
        raise OutputError(
            f"{label}: {what} of another user (uid {owner}) to {_leads_to(name, info)}; "
            "linreg does not write through it"
        )


def _is_the_name(link: str, path: Path) -> bool:
    """Whether ``link`` is ``path`` itself (not a link further along its chain, such as
    link2 of link1 -> link2 -> h.csv, nor a folder's)."""
    try:
        mine, theirs = os.lstat(path), os.lstat(link)
    except OSError:
        return False
    return (mine.st_dev, mine.st_ino) == (theirs.st_dev, theirs.st_ino)


def _leads_to(link: str, info: os.stat_result | None) -> str:
    """What the link ``link`` leads to, for messages: a folder (a link on the way), or
    the file ``info`` describes (``None``: it does not exist)."""
    try:
        if stat.S_ISDIR(os.stat(link).st_mode):
            return "a folder"
    except OSError:
        pass  # a dangling link: the file it names does not exist
    return "a file that does not exist" if info is None else "a file that user does not own"


def refuse_the_input(target: OutputTarget, sources: list[Path], option: str) -> None:
    """Refuse an output that is one of the input files ``sources`` (by any name: the
    same inode), such as a file of a ``--data`` folder or glob.

    Raises
    ------
    OutputError
        ``target`` is a regular file among ``sources``: writing it would replace the input.
    """
    try:
        written = os.stat(target.final)
    except OSError:
        return  # it does not exist yet: nothing to replace
    if not stat.S_ISREG(written.st_mode):
        return
    for source in sources:
        try:
            read = os.stat(source)
        except OSError:
            continue  # reading will say what is wrong
        if (read.st_dev, read.st_ino) == (written.st_dev, written.st_ino):
            which = f"the {option} file" if len(sources) == 1 else f"one of the {option} files"
            raise OutputError(
                f"{target.label}: is {which}; writing the history would overwrite the data"
            )


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


def write_output(
    target: OutputTarget, chunks: Iterable[str], before: Callable[[], object] | None = None
) -> None:
    """Write the text ``chunks`` to ``target``: atomically, or in place for a stream.

    ``before``, if given, runs once the text is complete and before it replaces the old
    file (the command prints its report there): if it fails, the old file is kept and
    its exception is raised as it was. (For a stream it runs after the text.)

    Raises
    ------
    OutputError
        The system refused a write (no space, file too large, permission, a FIFO's
        reader gone); no partial or temporary file is left behind.
    """
    if target.in_place:  # a stream: nothing to keep, so ``before`` comes after
        _write_in_place(target, chunks)
        if before is not None:
            before()
        return
    temporary: str | None = None
    try:
        with deferred():  # a signal here would leave a file whose name no one knows
            handle, temporary = tempfile.mkstemp(
                prefix=".linreg-", suffix=".tmp", dir=target.final.parent
            )
        _fill(handle, target, chunks)
        if before is not None:
            try:
                before()
            except BaseException as error:
                raise _BeforeError(error) from error
        if target.copy_into:
            _copy_into(temporary, target.final)
            os.unlink(temporary)
        else:
            os.replace(temporary, target.final)
    except BaseException as error:  # every signal too: never leave the temporary
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        if isinstance(error, _BeforeError):
            raise error.error from None
        if isinstance(error, OSError):
            raise OutputError(f"{target.label}: cannot write ({reason(error)})") from None
        raise


class _BeforeError(Exception):
    """What `write_output`'s ``before`` raised, passed through untouched."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


def _copy_into(temporary: str, final: Path) -> None:
    """Copy the finished ``temporary`` into ``final`` (keeping its owner and inode), with
    every signal that stops the command blocked, so that ``final`` is old or complete.

    The room is reserved first (``posix_fallocate``): a full disk fails before a byte
    of ``final`` has changed. Then the text is written over the old from its start, and
    the file cut to the text's length. The temporary file is removed by the caller.
    """
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, CAUGHT)
    try:
        with deferred(), open(temporary, "rb") as source:
            handle = os.open(final, os.O_WRONLY | os.O_NOCTTY)
            try:
                size = os.fstat(source.fileno()).st_size
                _reserve(handle, size)
                while block := memoryview(source.read(_COPY_BLOCK)):
                    while block:
                        block = block[os.write(handle, block) :]
                os.ftruncate(handle, size)
                os.fsync(handle)
            finally:
                os.close(handle)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _reserve(handle: int, size: int) -> None:
    """Reserve ``size`` bytes of room for ``handle``'s file, where the system can."""
    reserve = getattr(os, "posix_fallocate", None)  # not on macOS
    try:
        if size and reserve is not None:
            reserve(handle, 0, size)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            raise  # no room: said before the file changes
        # EOPNOTSUPP, EINVAL: this file system cannot reserve; the copy goes ahead


#: Bytes copied at a time into another user's file.
_COPY_BLOCK = 1 << 20


def _write_in_place(target: OutputTarget, chunks: Iterable[str]) -> None:
    """Append to a stream, or to the file standard output is open on."""
    flags = os.O_WRONLY | os.O_NOCTTY | os.O_APPEND
    standard_output = False
    try:
        handle = os.open(target.path, flags)
        standard_output = _same_file(handle, 1)
        if standard_output:  # through standard output's own open file, at its offset: a
            os.close(handle)  # new open of a '>' file has its own, and the shell's next
            handle = os.dup(1)  # write landed over the history's first bytes
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.writelines(chunks)
    except OSError as error:
        if isinstance(error, BrokenPipeError) and standard_output:
            raise  # standard output's reader went away: the command's quiet exit
        raise OutputError(f"{target.label}: cannot write ({reason(error)})") from None


def _same_file(first: int, second: int) -> bool:
    try:
        a, b = os.fstat(first), os.fstat(second)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


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
