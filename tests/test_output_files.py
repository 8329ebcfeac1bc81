"""``--history`` from a fresh hostile audit (issue 17, files17): the file standard output
is open on, names that end as a folder's do, another user's file cut by a signal, and
standard streams (closed ones, standard input) named as the history.

Each case checks the exit code, the exact error line and what was left on disk.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from linreg import files
from linreg._entry import Stopped, handlers
from linreg.cli import EXIT_INPUT, EXIT_OUTPUT, main
from linreg.errors import OutputError

from .conftest import ROOT

#: Another user, for files that are not the tester's: nobody.
OTHER_UID = 65534


def _shell(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a bash script in which $LINREG is the command."""
    env = {**os.environ, "LINREG": f"{sys.executable} -m linreg"}
    return subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )


def _history(tmp_path: Path) -> str:
    """What ``--iterations 3 --history`` writes, from a file of the tester's own."""
    own = tmp_path / "own.csv"
    assert main(["--iterations", "3", "--history", str(own)]) == 0
    text = own.read_text()
    own.unlink()
    return text


# --- 1. the history into the file standard output is open on -------------------------


@pytest.mark.parametrize("redirect", [">", ">>"])
def test_history_into_standard_outputs_file_comes_after_the_report(tmp_path, redirect):
    (tmp_path / "out.txt").write_text("before\n")
    done = _shell(
        f'$LINREG --iterations 3 --history out.txt {redirect} out.txt; echo "exit $?"',
        tmp_path,
    )
    assert done.stdout == "exit 0\n" and done.stderr == ""
    report = _shell("$LINREG --iterations 3", tmp_path).stdout
    history = _history(tmp_path)
    kept = "before\n" if redirect == ">>" else ""
    assert (tmp_path / "out.txt").read_text() == kept + report + history
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


# --- 2. a name that ends as a folder's does ------------------------------------------


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("f.csv/", "not a directory"),
        ("newdir/", "no such folder (the name ends as a folder's does)"),
        ("newdir/.", "no such folder (the name ends as a folder's does)"),
        ("newdir/..", "no such folder (the name ends as a folder's does)"),
    ],
)
def test_a_name_ending_as_a_folders_is_refused(tmp_path, capsys, name, why):
    (tmp_path / "f.csv").write_text("mine\n")
    given = f"{tmp_path}/{name}"
    assert main(["--iterations", "3", "--history", given]) == EXIT_OUTPUT
    out, err = capsys.readouterr()
    assert out == "" and err == f"linreg: error: --history {given}: {why}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.csv"]
    assert (tmp_path / "f.csv").read_text() == "mine\n"


# --- 3. another user's file: old or complete, never half-written ---------------------


@pytest.fixture
def theirs(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A long file of another user: given away where the tester is root; elsewhere the
    ownership check is told the tester is someone else."""
    path = tmp_path / "theirs.csv"
    path.write_text("old row\n" * 50_000)  # longer than the history: a cut shows
    if os.geteuid() == 0:
        os.chown(path, OTHER_UID, OTHER_UID)
    else:
        me = os.geteuid()
        monkeypatch.setattr(files.os, "geteuid", lambda: me + 1)
    return path


def _rows(count: int):  # type: ignore[no-untyped-def]
    for i in range(count):
        yield f"{i},{i / 7!r}\n"


def test_another_users_file_is_written_through_a_temporary_copy(theirs):
    target = files.prepare_output(str(theirs))
    assert target.copy_into and not target.in_place
    before = os.stat(theirs)
    files.write_output(target, _rows(1000))
    after = os.stat(theirs)
    assert theirs.read_text() == "".join(_rows(1000))
    assert (after.st_ino, after.st_uid) == (before.st_ino, before.st_uid)
    assert sorted(p.name for p in theirs.parent.iterdir()) == ["theirs.csv"]


def test_a_signal_while_the_history_is_made_leaves_their_file_old(theirs):
    old = theirs.read_text()

    def cut():  # type: ignore[no-untyped-def]
        yield from _rows(500)
        os.kill(os.getpid(), signal.SIGTERM)
        yield from _rows(500)

    with handlers(), pytest.raises(Stopped):
        files.write_output(files.prepare_output(str(theirs)), cut())
    assert theirs.read_text() == old
    assert sorted(p.name for p in theirs.parent.iterdir()) == ["theirs.csv"]


def test_a_signal_during_the_copy_waits_for_it_to_end(theirs, monkeypatch):
    # The signal arrives between the text's last byte and cutting the file to its
    # length: a file written in place would keep the old file's tail.
    real = os.ftruncate

    def signalled(handle: int, size: int) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        real(handle, size)

    monkeypatch.setattr(files.os, "ftruncate", signalled)
    with handlers(), pytest.raises(Stopped):
        files.write_output(files.prepare_output(str(theirs)), _rows(1000))
    monkeypatch.undo()
    assert theirs.read_text() == "".join(_rows(1000))
    assert sorted(p.name for p in theirs.parent.iterdir()) == ["theirs.csv"]


def test_no_room_for_their_file_is_said_before_it_changes(theirs, monkeypatch):
    old = theirs.read_text()

    def full(handle: int, offset: int, size: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "posix_fallocate", full)
    with pytest.raises(OutputError, match="no space left on device"):
        files.write_output(files.prepare_output(str(theirs)), _rows(1000))
    assert theirs.read_text() == old
    assert sorted(p.name for p in theirs.parent.iterdir()) == ["theirs.csv"]


# --- 4, 5. standard streams named as the history; closed standard input ---------------


@pytest.mark.parametrize("name", ["/dev/stderr", "/dev/fd/2", "/proc/self/fd/2"])
def test_a_closed_standard_error_is_not_written_as_the_history(tmp_path, name):
    done = _shell(
        f'$LINREG --iterations 3 --history {name} >out.txt 2>&-; echo "exit $?" >&2', tmp_path
    )
    assert done.stderr == f"exit {EXIT_OUTPUT}\n"
    assert (tmp_path / "out.txt").read_text() == ""


@pytest.mark.parametrize(
    ("fd", "name", "what"),
    [(2, "/dev/stderr", "standard error"), (1, "/proc/self/fd/1", "standard output")],
)
def test_a_closed_standard_stream_is_named_in_the_message(monkeypatch, fd, name, what):
    monkeypatch.setattr(files, "CLOSED_AT_START", {fd})
    with pytest.raises(OutputError) as error:
        files.prepare_output(name)
    assert str(error.value) == f"--history {name}: cannot write {what} (it is closed)"


@pytest.mark.parametrize("name", ["/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"])
@pytest.mark.parametrize("stdin", ["< q.csv", "<&-"])
def test_standard_input_is_not_a_place_for_the_history(tmp_path, name, stdin):
    data = (ROOT / "data" / "data.csv").read_bytes()
    (tmp_path / "q.csv").write_bytes(data)
    done = _shell(f'$LINREG --iterations 2 --history {name} {stdin}; echo "exit $?"', tmp_path)
    assert done.stdout == f"exit {EXIT_OUTPUT}\n"
    assert done.stderr == (
        f"linreg: error: --history {name}: is standard input; write the history to a "
        "file, or to standard output with --history -\n"
    )
    assert (tmp_path / "q.csv").read_bytes() == data


@pytest.mark.parametrize("name", ["-", "/dev/stdin"])
def test_data_from_a_closed_standard_input_says_so(tmp_path, name):
    done = _shell(f'$LINREG --data {name} <&-; echo "exit $?"', tmp_path)
    assert done.stdout == f"exit {EXIT_INPUT}\n"
    assert done.stderr == f"linreg: error: --data {name}: standard input is closed\n"


# --- 4. a chain of links, one of them another user's (issue 17, lesser17) ------------

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give links away")


@as_root
@pytest.mark.parametrize("exists", [True, False], ids=["root's file", "a new file"])
def test_the_other_users_link_of_a_chain_is_the_one_named(tmp_path, capsys, exists):
    """link1 (root's) -> link2 (nobody's) -> h.csv: the refusal named link1 as "a symbolic
    link of another user", which it is not; it names link2."""
    target = tmp_path / "h.csv"
    if exists:
        target.write_text("root's\n")
    link2, link1 = tmp_path / "link2", tmp_path / "link1"
    link2.symlink_to(target)
    os.lchown(link2, OTHER_UID, OTHER_UID)
    link1.symlink_to(link2)
    assert main(["--iterations", "3", "--history", str(link1)]) == EXIT_OUTPUT
    out, err = capsys.readouterr()
    leads_to = "a file that user does not own" if exists else "a file that does not exist"
    assert out == "" and err == (
        f"linreg: error: --history {link1}: goes through {link2}, a link of another user "
        f"(uid {OTHER_UID}) to {leads_to}; linreg does not write through it\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["link1", "link2"] + (["h.csv"] if exists else [])
    )
    if exists:
        assert target.read_text() == "root's\n"


def test_a_history_on_standard_output_appended_to_the_data_is_named_as_typed(tmp_path):
    """`linreg --data d.csv --history - >> d.csv` was refused as "--history /dev/stdout:
    ... would replace the data": the user typed -, and an append overwrites nothing."""
    data = tmp_path / "d.csv"
    data.write_text("x,y\n1,2\n2,3\n3,5\n")
    done = _shell("$LINREG --data d.csv --history - >> d.csv", tmp_path)
    assert done.returncode == EXIT_OUTPUT
    assert done.stderr == (
        "linreg: error: --history - (standard output): is the --data file; writing the "
        "history would overwrite the data\n"
    )
    assert data.read_text() == "x,y\n1,2\n2,3\n3,5\n"
