"""The command as a hostile user runs it, round two (issue 17): standard streams that are
closed, output files that are not what their names say, values that look like options,
data that cannot make a line, and the crash at exit with pyarrow.

Each case checks the exit code, the exact error line and that nothing was printed before
it, in a subprocess where the case needs a real process (closed descriptors, pipes,
other users' files).
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import stat
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import numpy as np
import pytest

from linreg.cli import (
    EXIT_BROKEN_PIPE,
    EXIT_DIVERGED,
    EXIT_INPUT,
    EXIT_OUTPUT,
    EXIT_USAGE,
    build_parser,
    main,
)

from .conftest import LIVESTREAM_LINES, ROOT

#: Another user, for files and links that are not the tester's: nobody.
OTHER_UID = 65534
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give files away")


def _linreg(*args: str, stdin: object = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "linreg", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        stdin=stdin,
    )


def _shell(script: str) -> subprocess.CompletedProcess[str]:
    """Run a bash script in which $LINREG is the command."""
    env = {**os.environ, "LINREG": f"{sys.executable} -m linreg"}
    return subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
    )


def _in_process(capsys, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    try:
        code = main(list(args))
    except SystemExit as stop:  # argparse's own usage errors
        code = int(stop.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


# --- standard streams ----------------------------------------------------------------


def test_stdout_closed_is_a_write_failure():
    done = _shell('$LINREG >&-; echo "exit $?" >&2')
    assert done.stderr == "linreg: error: cannot write standard output (it is closed)\nexit 5\n"
    assert done.stdout == ""


def test_stderr_closed_keeps_the_error_off_stdout():
    done = _shell('$LINREG --data /nonexistent.csv 2>&-; echo "exit $?"')
    assert done.stdout == "exit 3\n"  # the error line had nowhere to go, not to stdout


@pytest.mark.parametrize("old", [True, False])
def test_a_report_that_cannot_be_written_leaves_the_history_as_it_was(tmp_path, old):
    """`--history h.csv > /dev/full`: exit 5, yet h.csv was replaced (the ninth audit).
    The report is printed before the finished history replaces the old file."""
    history = tmp_path / "h.csv"
    if old:
        history.write_text("OLD\n")
    done = _shell(f'$LINREG --iterations 5 --history {history} > /dev/full; echo "exit $?" >&2')
    assert done.stderr == (
        "linreg: error: cannot write standard output (no space left on device)\nexit 5\n"
    )
    assert (history.read_text() if old else history.exists()) == ("OLD\n" if old else False)
    assert [p.name for p in tmp_path.iterdir()] == (["h.csv"] if old else [])


def test_history_dev_stdout_into_head_exits_quietly_141():
    # The summary fits in the pipe; the history's write finds the reader gone.
    done = _shell(
        '$LINREG --iterations 200000 --history /dev/stdout | head -c1; echo "${PIPESTATUS[0]}" >&2'
    )
    assert done.stdout == "S"
    assert done.stderr == f"{EXIT_BROKEN_PIPE}\n"


def test_history_dash_is_standard_output():
    done = _linreg("--iterations", "2", "--history", "-")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert tuple(lines[:2]) == LIVESTREAM_LINES[:2]
    assert lines[-4] == "iteration,loss"  # after the summary, the rows of iterations 0-2
    assert [row.split(",")[0] for row in lines[-3:]] == ["0", "1", "2"]


@pytest.mark.parametrize("name", ["-", "/dev/stdout"])
def test_history_on_a_standard_output_file_keeps_its_place(tmp_path, name):
    """The eleventh audit: with standard output a file opened by '>', the history was
    written through a new open of /dev/stdout, at its own offset: the shell's next line
    landed over the history's first bytes ('NEXT' then 'tion,loss')."""
    out = tmp_path / "out.txt"
    done = _shell(f"{{ echo hello; $LINREG --iterations 2 --history {name}; echo NEXT; }} > {out}")
    assert done.returncode == 0, done.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "hello" and lines[-1] == "NEXT"
    assert lines[-5:-1] == ["iteration,loss"] + [f"{k},{v}" for k, v in zip("012", (
        "5565.107834483214", "1484.5865574086492", "457.85425757376925"))]  # fmt: skip


# --- output files: decided by what they are -------------------------------------------


@pytest.fixture
def shm_file():
    """A name under /dev/ that is a plain file on a RAM file system."""
    folder = Path("/dev/shm")
    assert folder.is_dir(), "the tests expect /dev/shm (a tmpfs) as on every Linux"
    path = folder / f"linreg-test-{os.getpid()}.csv"
    yield path
    for leftover in [path, *folder.glob(".linreg-*.tmp")]:
        leftover.unlink(missing_ok=True)


def test_history_in_dev_shm_replaces_the_file(shm_file):
    shm_file.write_text("old\n" * 1000)
    before = os.stat(shm_file)
    done = _linreg("--iterations", "3", "--history", str(shm_file))
    assert done.returncode == 0, done.stderr
    rows = shm_file.read_text().splitlines()
    assert rows[0] == "iteration,loss" and len(rows) == 5 and "old" not in rows
    assert os.stat(shm_file).st_ino != before.st_ino  # replaced, not appended to


def test_history_new_file_in_dev_shm(shm_file):
    done = _linreg("--iterations", "3", "--history", str(shm_file))
    assert done.returncode == 0, done.stderr
    assert shm_file.read_text().splitlines()[0] == "iteration,loss"


@pytest.mark.parametrize("kind", ["same name", "hard link", "symbolic link"])
def test_history_naming_the_data_file_is_refused(tmp_path, kind):
    data = tmp_path / "data.csv"
    data.write_bytes((ROOT / "data" / "data.csv").read_bytes())
    history = {
        "same name": data,
        "hard link": tmp_path / "h.csv",
        "symbolic link": tmp_path / "s.csv",
    }[kind]
    if kind == "hard link":
        os.link(data, history)
    if kind == "symbolic link":
        history.symlink_to(data)
    done = _linreg("--data", str(data), "--history", str(history))
    assert done.returncode == EXIT_OUTPUT
    assert done.stderr == (
        f"linreg: error: --history {history}: is the --data file; writing the history "
        "would overwrite the data\n"
    )
    assert done.stdout == ""
    assert data.read_bytes() == (ROOT / "data" / "data.csv").read_bytes()


@as_root
def test_history_through_another_users_link_to_a_root_file_is_refused(tmp_path):
    # A link planted in a shared folder by another user, pointing at root's file.
    victim = tmp_path / "passwd"
    victim.write_text("root's\n")
    link = tmp_path / "h.csv"
    link.symlink_to(victim)
    os.lchown(link, OTHER_UID, OTHER_UID)
    done = _linreg("--iterations", "3", "--history", str(link))
    assert done.returncode == EXIT_OUTPUT
    assert done.stderr == (
        f"linreg: error: --history {link}: is a symbolic link of another user (uid "
        f"{OTHER_UID}) to a file that user does not own; linreg does not write through it\n"
    )
    assert victim.read_text() == "root's\n" and done.stdout == ""


@as_root
@pytest.mark.parametrize("exists", [True, False], ids=["their file", "a new file"])
def test_history_through_another_users_folder_link_is_refused(tmp_path, exists):
    """The twelfth audit: only the last name's links were checked, so another user's link
    to a folder (``st/dl/precious.txt``, dl -> root's folder) replaced root's file."""
    mine = tmp_path / "mine"
    mine.mkdir()
    victim = mine / "precious.txt"
    victim.write_text("root's\n")
    shared = tmp_path / "st"
    shared.mkdir(mode=0o1777)
    planted = shared / "dl"
    planted.symlink_to(mine)
    os.lchown(planted, OTHER_UID, OTHER_UID)
    hop = tmp_path / "hop"  # root's own link to the shared folder: trusted, then theirs
    hop.symlink_to(shared)
    name = hop / "dl" / ("precious.txt" if exists else "new.txt")
    done = _linreg("--iterations", "3", "--history", str(name))
    assert done.returncode == EXIT_OUTPUT and done.stdout == ""
    assert done.stderr == (  # dl leads to a folder (issue 17 said "a file that does not exist")
        f"linreg: error: --history {name}: goes through {shared / 'dl'}, a link of another "
        f"user (uid {OTHER_UID}) to a folder; linreg does not write through it\n"
    )
    assert victim.read_text() == "root's\n" and sorted(os.listdir(mine)) == ["precious.txt"]


def test_the_links_on_the_way_are_resolved_as_the_kernel_resolves_them(tmp_path):
    from linreg.files import _links_on_the_way

    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "l").symlink_to("a/b")  # l/.. is a, not tmp_path
    (tmp_path / "a" / "m").symlink_to(tmp_path / "l")
    name = tmp_path / "a" / "m" / ".." / "x.csv"
    assert _links_on_the_way(name) == [str(tmp_path / "a" / "m"), str(tmp_path / "l")]
    assert _links_on_the_way(tmp_path / "a" / "b" / "x.csv") == []


@as_root
@pytest.mark.parametrize("through_a_link", [False, True], ids=["the file", "a link to it"])
def test_history_of_another_users_file_keeps_its_owner_and_inode(tmp_path, through_a_link):
    theirs = tmp_path / "theirs.csv"
    theirs.write_text("old\n" * 1000)
    os.chown(theirs, OTHER_UID, OTHER_UID)
    os.chmod(theirs, 0o640)
    before = os.stat(theirs)
    name = theirs
    if through_a_link:  # root's own link to their file
        name = tmp_path / "link.csv"
        name.symlink_to(theirs)
    done = _linreg("--iterations", "3", "--history", str(name))
    assert done.returncode == 0, done.stderr
    after = os.stat(theirs)
    assert (after.st_ino, after.st_uid, after.st_gid) == (before.st_ino, OTHER_UID, OTHER_UID)
    assert stat.S_IMODE(after.st_mode) == 0o640
    rows = theirs.read_text().splitlines()
    assert rows[0] == "iteration,loss" and len(rows) == 5  # the whole history, copied in
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({"theirs.csv", name.name})


# --- values that begin with "-" -------------------------------------------------------


def test_negative_numbers_are_values(capsys):
    code, out, err = _in_process(capsys, "--initial-b", "-1e-3", "--iterations", "0")
    assert code == 0, err
    assert out.startswith("Starting gradient descent at b = -0.001, m = 0,")
    code, out, err = _in_process(capsys, "--initial-b", "-1e308")
    assert code == EXIT_INPUT  # a value now, refused for what it is
    assert err == (
        "linreg: error: --initial-b -1e+308: too large for these data (the squared error "
        "overflows float64); choose values nearer the data's scale\n"
    )
    assert out == ""


def test_a_file_name_beginning_with_a_dash(tmp_path):
    (tmp_path / "-x.csv").write_bytes((ROOT / "data" / "data.csv").read_bytes())
    done = subprocess.run(
        [sys.executable, "-m", "linreg", "--data", "-x.csv"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    assert tuple(done.stdout.splitlines()[:3]) == LIVESTREAM_LINES


def test_an_option_where_a_value_belongs_is_still_named(capsys):
    code, out, err = _in_process(capsys, "--data", "--history", "h.csv")
    assert (code, out) == (EXIT_USAGE, "")
    assert err == "linreg: error: argument --data: expected one argument (see linreg --help)\n"


VALUE_OPTIONS = sorted(
    action.option_strings[-1]
    for action in build_parser()._actions
    if action.option_strings and action.nargs is None
)


@pytest.mark.parametrize("form", ["apart", "joined"])
@pytest.mark.parametrize("option", VALUE_OPTIONS)
def test_a_double_dash_is_not_a_value(capsys, option, form):
    """Python before 3.12 gave `--data --` an empty list, and --data, --iterations,
    --method, --alpha and others ended in a TypeError traceback (the eighth audit)."""
    given = [option, "--"] if form == "apart" else [f"{option}=--"]
    code, out, err = _in_process(capsys, *given)
    assert (code, out) == (EXIT_USAGE, "")
    assert err == (
        f"linreg: error: argument {option}: expected one argument, not '--' "
        "(-- ends the options) (see linreg --help)\n"
    )


def test_joined_values_keep_abbreviations_and_the_double_dash():
    from linreg._cli_values import joined_values

    parser = build_parser()
    assert joined_values(parser, ["--initial-b", "-1", "--iter", "-5", "--", "-x"]) == [
        "--initial-b=-1",
        "--iter=-5",
        "--",
        "-x",
    ]
    assert joined_values(parser, ["--standardize", "-x"]) == ["--standardize", "-x"]


@pytest.mark.parametrize("how", ["redirected", "piped"])
def test_data_dash_reads_standard_input(how):
    source = ROOT / "data" / "data.csv"
    if how == "redirected":
        with open(source, "rb") as stdin:
            done = _linreg("--data", "-", "--method", "cg", stdin=stdin)
    else:
        done = _shell(f'cat "{source}" | $LINREG --data - --method cg')
    assert done.returncode == 0, done.stderr
    assert "b = 7.991020982, m = 1.322431023" in done.stdout


# --- data that cannot make a line ------------------------------------------------------


def test_one_point_npy_is_refused_like_a_one_point_csv(tmp_path, capsys):
    npy, csv = tmp_path / "one.npy", tmp_path / "one.csv"
    np.save(npy, np.array([[1.0, 2.0]]))
    csv.write_text("1,2\n")
    for path in (npy, csv):
        code, out, err = _in_process(capsys, "--data", str(path))
        assert (code, out) == (EXIT_INPUT, "")
        assert err == (
            f"linreg: error: {path}: found 1 point; at least 2 are needed to fit a line\n"
        )


@pytest.mark.parametrize("x", ["0", "3"])
def test_constant_x_zero_or_not_is_one_story(tmp_path, capsys, x):
    """x all exactly 0 was refused ("data too small") after 3 lines of output, while
    x = 3 was accepted: both are one constant column, so the optimum is not unique."""
    data = tmp_path / "constant.csv"
    data.write_text(f"{x},1\n{x},2\n{x},3\n")
    code, out, err = _in_process(capsys, "--data", str(data))
    assert (code, err) == (0, "")
    assert "Least-squares optimum: not unique" in out


# --- messages in the command's own words ------------------------------------------------


def test_divergence_names_the_command_s_options(capsys):
    code, out, err = _in_process(capsys, "--learning-rate", "0.001")
    assert (code, out) == (EXIT_DIVERGED, "")
    assert err == (
        "linreg: error: descent (gd) diverged: the loss grew at iteration 1 with "
        "--learning-rate 0.001, above the stability bound 2/lambda_max = 0.0004013 for these "
        "data; use a --learning-rate below 0.00040129, --learning-rate auto (1/lambda_max, "
        "always stable), or --standardize\n"
    )


def test_the_iteration_cap_is_in_the_help():
    from linreg.descent import MAX_ITERATIONS

    assert f"at most {MAX_ITERATIONS:,}" in build_parser().format_help().replace("\n", " ")


# --- progress on a terminal -------------------------------------------------------------


def _on_a_terminal(*args: str) -> tuple[int, bytes]:
    """Run the command with stderr on a pty 80 columns wide (a new pty has 0, and tqdm
    fits its line to the width); its exit code and what it wrote there. Progress lines
    appear after PROGRESS_DELAY (1 s); 0.05 s here, so that a run of a few tenths of a
    second on a fast machine still shows them."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    code = (
        "import sys, linreg._cli_input as c; c.PROGRESS_DELAY = 0.05\n"
        "sys.argv = ['linreg', *sys.argv[1:]]\n"
        "from linreg._entry import main; raise SystemExit(main())"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.DEVNULL, stderr=terminal, cwd=ROOT
    )
    os.close(terminal)
    seen = b""
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        if select.select([controller], [], [], 0.1)[0]:
            try:
                seen += os.read(controller, 4096)
            except OSError:
                break
    process.wait(timeout=120)
    os.close(controller)
    return process.returncode, seen


def test_a_long_fit_shows_its_running_time_on_a_terminal():
    # --learning-rate 1e-6: no early cycle to skip to, so the run takes seconds on any machine
    # (at the default rate it settles into a cycle and ends in milliseconds, before a tick)
    code, seen = _on_a_terminal(
        "--method", "momentum", "--learning-rate", "1e-6", "--iterations", "300000"
    )  # fmt: skip
    assert code == 0
    # The share done, counted as the losses pass (issue 17: it had been the time alone).
    shares = [int(s) for s in re.findall(rb"fitting \(300,000 iterations\): (\d+)%, 00:", seen)]
    assert shares and shares[-1] > 0, seen
    assert b"left)" in seen, seen


def test_a_long_history_shows_the_share_written_on_a_terminal(tmp_path):
    """From the fresh audit: 1e8 iterations with --history showed the fit's progress for
    6 s, then nothing for the 100 s the history took to write."""
    path = tmp_path / "h.csv"
    code, seen = _on_a_terminal("--iterations", "2000000", "--history", str(path))
    assert code == 0
    found = re.findall(rb"writing the history \(2,000,001 rows\): (\d+)%, 00:", seen)
    assert found and int(found[-1]) > 0, seen
    assert path.read_bytes().count(b"\n") == 2_000_002


# --- no crash at exit with pyarrow ------------------------------------------------------


@pytest.mark.slow
def test_thirty_runs_on_a_two_block_csv_all_exit_0(tmp_path):
    # Before: 3 of 40 such runs aborted after printing everything ("terminate called
    # without an active exception", exit 134), pyarrow's threads at interpreter exit.
    rng = np.random.default_rng(17)
    x = rng.uniform(0, 100, 300_000)
    data = tmp_path / "big.csv"
    data.write_text("".join(f"{a:.6f},{1.5 * a + 4:.6f}\n" for a in x))  # about 6 MB
    codes = [_linreg("--data", str(data), "--iterations", "10").returncode for _ in range(30)]
    assert codes == [0] * 30


def test_the_csv_fast_path_starts_no_arrow_threads(monkeypatch, tmp_path):
    import pyarrow.csv

    import linreg.data

    seen = []
    real = pyarrow.csv.read_csv

    def spy(source, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append((type(source).__name__, kwargs["read_options"].use_threads))
        return real(source, *args, **kwargs)

    monkeypatch.setattr(pyarrow.csv, "read_csv", spy)
    f = tmp_path / "d.csv"
    f.write_text("1,2\n3,4\n5,7\n")
    assert linreg.data.load_points(f).tolist() == [[1, 2], [3, 4], [5, 7]]
    assert seen == [("BufferReader", False)]  # no thread pool, no Python file object


def test_help_and_usage_errors_are_returned_not_raised(capsys):
    assert main(["--help"]) == 0
    assert capsys.readouterr().out.startswith("usage: linreg")
    assert main(["--bogus"]) == EXIT_USAGE


def test_help_into_a_pipe_nobody_reads_exits_quietly_141():
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader went away before the first line
    try:
        done = subprocess.run(
            [sys.executable, "-m", "linreg", "--help"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (EXIT_BROKEN_PIPE, "")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        *(("LINREG_PASS_THREADS", value) for value in ("abc", "", "-2", "1.5")),
        *(("ARROW_DEFAULT_MEMORY_POOL", value) for value in ("bogus", "", "JEMALLOC")),
        *(("ARROW_IO_THREADS", value) for value in ("abc", "0", "-1", "", "2147483648")),
        *(("ARROW_USER_SIMD_LEVEL", value) for value in ("bogus", "", "max")),
        # issue 17 (audit 7): each printed Arrow's (or jemalloc's) line, exit 0
        *(("ARROW_DEBUG_MEMORY_POOL", value) for value in ("bogus", "ABORT", "")),
        *(("ARROW_REGISTER_ATFORK", value) for value in ("2", "true", "")),
        *(("ARROW_TRACING_BACKEND", value) for value in ("bogus", "ostream")),
        ("JE_ARROW_MALLOC_CONF", "bogus"),
    ],
)
def test_a_malformed_setting_in_the_environment_is_ignored(variable, value):
    """LINREG_PASS_THREADS=abc was a ValueError traceback at import, and an allocator
    Arrow does not know printed Arrow's warning on stderr (the eighth audit)."""
    done = subprocess.run(
        [sys.executable, "-m", "linreg"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, variable: value},
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert tuple(done.stdout.splitlines()[:3]) == LIVESTREAM_LINES


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ARROW_USER_SIMD_LEVEL", "max"),  # taken by the CSV path, not by Parquet's
        ("ARROW_TRACING_BACKEND", "ostream"),  # spans on stdout
        ("ARROW_IO_THREADS", "2147483648"),
    ],
)
def test_an_arrow_setting_arrow_refuses_is_ignored_reading_parquet(tmp_path, variable, value):
    """Issue 17 (audit 7): Arrow's own line on stderr (cpu_info.cc, status.cc), exit 0."""
    pa, parquet = pytest.importorskip("pyarrow"), pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "t.parquet"
    parquet.write_table(pa.table({"x": [1.0, 2, 3, 4], "y": [2.0, 3, 5, 4]}), path)
    args = [sys.executable, "-m", "linreg", "--data", str(path), "--x", "x", "--y", "y"]
    plain = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=120)
    done = subprocess.run(
        args,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, variable: value},
    )
    assert (done.returncode, done.stderr, done.stdout) == (0, "", plain.stdout)


def test_the_command_s_allocator_is_jemalloc_whatever_the_environment_says():
    """ARROW_DEFAULT_MEMORY_POOL=mimalloc was kept: 48-column zstd files peaked at 203-279
    MB (the ninth audit); the command's bound is measured with jemalloc."""
    code = (
        "import os; os.environ['ARROW_DEFAULT_MEMORY_POOL'] = 'mimalloc'\n"
        "from linreg._entry import _arrow_environment; _arrow_environment()\n"
        "import pyarrow; print(pyarrow.default_memory_pool().backend_name)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout == "jemalloc\n", done.stderr
