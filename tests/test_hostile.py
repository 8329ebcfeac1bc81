"""The hostile-input suite: every case that a careless or hostile user found (issue 11),
on the command line and through the API, with its exit code and the exact first line of
its message.

Rules checked throughout: never a traceback, never a warning (the commands run under
``python -W error``), never a replaced special file, never a partial or temporary file
left behind, at most 200 MB of memory whatever the input's shape (measured in a
subprocess), no input array mutated, no pickle loaded, no user text handed to sympy.

Exit codes (linreg.cli): 2 usage, 3 bad input, 4 diverged, 5 cannot write output,
130 interrupted, 141 broken pipe, 143 terminated.
"""

from __future__ import annotations

import importlib.metadata
import io
import os
import re
import resource
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import warnings
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from linreg import DataFileError, InputError, gradient_descent, load_points
from linreg.cli import (
    EXIT_BROKEN_PIPE,
    EXIT_CODES_TEXT,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OUTPUT,
    EXIT_TERMINATED,
    build_parser,
    main,
)
from linreg.data import as_features, as_target, load_table, open_npy, parse_number
from linreg.errors import shown_name
from linreg.moments import Moments

from .conftest import LIVESTREAM_LINES, ROOT

#: The memory bound of the issue, for any input.
MAX_RSS = 200_000_000  # bytes: 200 MB
POINTS_CSV = (ROOT / "data" / "data.csv").read_bytes()
# The loss the history file starts with: linreg's own, from the statistics (the CLI's
# history is the fit's), so the test follows the code rather than a typed constant.
_START_LOSS = float(
    gradient_descent(
        load_points()[:, :1], load_points()[:, 1], learning_rate=1e-4, num_iterations=0
    ).history[0]
)


class Done:
    """A finished command: exit code, output, error output, peak memory (bytes)."""

    def __init__(self, code: int, out: str, err: str, rss: int) -> None:
        self.code, self.out, self.err, self.rss = code, out, err, rss

    @property
    def first_line(self) -> str:
        return self.err.split("\n", 1)[0]

    def one_error_line(self, code: int) -> str:
        """Assert a clean failure: this code, one line on stderr, no traceback."""
        assert self.code == code, (self.code, self.err)
        assert self.err.count("\n") == 1 and self.err.endswith("\n"), self.err
        assert "Traceback" not in self.err and "Warning" not in self.err
        return self.first_line


# The command runs under a wrapper that records its peak memory (VmHWM: the high-water
# mark of this process's own memory, which exec resets; getrusage's ru_maxrss would
# inherit pytest's peak through fork and exec).
_WRAPPER = """
import atexit, os, runpy, sys


def report():
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM"))
    with open(os.environ["LINREG_TEST_PEAK"], "w") as out:
        out.write(peak)

atexit.register(report)
sys.argv = ["linreg", *sys.argv[1:]]
runpy.run_module("linreg", run_name="__main__", alter_sys=True)
"""


def command(*args: str, timeout: float = 120, **popen) -> Done:  # type: ignore[no-untyped-def]
    """Run ``python -W error -m linreg ARGS`` in a subprocess, with its peak memory."""
    with tempfile.TemporaryDirectory() as folder:
        out_path, err_path = Path(folder) / "out", Path(folder) / "err"
        peak = Path(folder) / "peak"
        env = {**os.environ, "LINREG_TEST_PEAK": str(peak)}
        env.pop("PYTHONUNBUFFERED", None)  # stdout block-buffered, as most users run it
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            popen.setdefault("stdout", out)
            process = subprocess.Popen(
                [sys.executable, "-W", "error", "-c", _WRAPPER, *args],
                stderr=err,
                cwd=ROOT,
                env=env,
                **popen,
            )
            try:
                process.wait(timeout=timeout)  # a hang fails the test, never blocks the run
            finally:
                process.kill()
        return Done(
            process.returncode,
            out_path.read_text(errors="replace"),
            err_path.read_text(errors="replace"),
            int(peak.read_text()) * 1024 if peak.exists() else 0,  # VmHWM is in kB
        )


def run_main(capsys, *args: str) -> Done:  # type: ignore[no-untyped-def]
    """Run ``linreg.cli.main`` in this process, with every warning an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code = main(list(args))
    out, err = capsys.readouterr()
    return Done(code, out, err, 0)


@pytest.fixture
def deny(monkeypatch):
    """``deny(folder, mode)``: chmod the folder; as root, who passes every permission
    check, also make the system calls answer as they would answer a user (EACCES)."""

    def apply(folder: Path, mode: int) -> None:
        os.chmod(folder, mode)
        if os.geteuid() != 0:
            return
        real_stat, real_access, real_open = os.stat, os.access, open

        def inside(p: object) -> bool:
            searchable = mode & 0o100
            return not searchable and isinstance(p, (str, os.PathLike)) and Path(p).parent == folder

        def fake_stat(p, *args, **kwargs):  # type: ignore[no-untyped-def]
            if inside(p):
                raise PermissionError(13, "Permission denied", str(p))
            return real_stat(p, *args, **kwargs)

        def fake_open(p, *args, **kwargs):  # type: ignore[no-untyped-def]
            if inside(p):
                raise PermissionError(13, "Permission denied", str(p))
            return real_open(p, *args, **kwargs)

        def fake_access(p, how, *args, **kwargs):  # type: ignore[no-untyped-def]
            if Path(p) == folder and how & os.W_OK and not mode & 0o200:
                return False
            return real_access(p, how, *args, **kwargs)

        monkeypatch.setattr(os, "stat", fake_stat)
        monkeypatch.setattr(os, "access", fake_access)
        monkeypatch.setattr("linreg.sources.open", fake_open, raising=False)

    return apply


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".linreg-"))


# --- --history ----------------------------------------------------------------------


def test_history_directory_is_refused_before_the_fit(tmp_path):
    done = command("--history", str(tmp_path))
    assert (
        done.one_error_line(EXIT_OUTPUT) == f"linreg: error: --history {tmp_path}: is a directory"
    )
    assert done.out == ""  # checked before the fit: nothing printed


def test_history_missing_folder_is_refused_before_the_fit(tmp_path):
    target = tmp_path / "no" / "h.csv"
    done = command("--history", str(target))
    assert done.one_error_line(EXIT_OUTPUT) == (
        f"linreg: error: --history {target}: the folder {target.parent} does not exist"
    )
    assert done.out == ""


def test_history_read_only_folder(tmp_path, capsys, deny):
    folder = tmp_path / "ro"
    folder.mkdir()
    deny(folder, 0o555)
    done = run_main(capsys, "--history", str(folder / "h.csv"))
    assert done.one_error_line(EXIT_OUTPUT) == (
        f"linreg: error: --history {folder}/h.csv: the folder {folder} cannot be written "
        "(permission denied)"
    )
    assert done.out == "" and list(folder.iterdir()) == []


def test_history_dev_full_is_written_in_place_and_fails_cleanly():
    before = os.stat("/dev/full")
    done = command("--history", "/dev/full")
    assert done.one_error_line(EXIT_OUTPUT) == (
        "linreg: error: --history /dev/full: cannot write (no space left on device)"
    )
    after = os.stat("/dev/full")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino
    assert done.out == ""  # nothing printed before the history was written (it printed all)


def test_history_name_lengths(tmp_path):
    longest = tmp_path / ("h" * 254)  # within NAME_MAX (255): the temporary name is short
    assert command("--iterations", "3", "--history", str(longest)).code == 0
    assert longest.read_text().splitlines()[0] == "iteration,loss"
    too_long = tmp_path / ("h" * 256)
    done = command("--history", str(too_long))
    assert (
        done.one_error_line(EXIT_OUTPUT)
        == f"linreg: error: --history {too_long}: file name too long"
    )
    assert done.out == ""


def test_history_empty_name():
    done = command("--history", "")
    assert done.one_error_line(EXIT_OUTPUT) == "linreg: error: --history: the file name is empty"


def _small_file_limit() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


def test_history_file_size_limit_leaves_nothing(tmp_path):
    target = tmp_path / "h.csv"
    done = command("--history", str(target), preexec_fn=_small_file_limit)
    assert done.one_error_line(EXIT_OUTPUT) == (
        f"linreg: error: --history {target}: cannot write (file too large)"
    )
    assert list(tmp_path.iterdir()) == []  # neither the target nor a temporary file


def test_history_spool_past_the_file_size_limit_is_named(tmp_path):
    # 3e6 losses (24 MB) outgrow the spool's memory; its temporary file hits the limit.
    target = tmp_path / "h.csv"
    done = command(
        "--iterations", "3000000", "--history", str(target), preexec_fn=_small_file_limit
    )
    assert done.one_error_line(EXIT_OUTPUT) == (
        f"linreg: error: --history {target}: cannot keep the losses in "
        f"{tempfile.gettempdir()} (file too large)"
    )
    assert list(tmp_path.iterdir()) == []


def test_history_dev_null_is_never_replaced(capsys):
    before = os.stat("/dev/null")
    done = run_main(capsys, "--iterations", "3", "--history", "/dev/null")
    assert done.code == 0
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_history_fifo_is_written_in_place(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    done = command("--iterations", "3", "--history", str(fifo))
    reader.join(timeout=60)
    assert done.code == 0, done.err
    assert received[0].decode().splitlines()[:2] == ["iteration,loss", f"0,{_START_LOSS!r}"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still a FIFO, not a regular file
    assert leftovers(tmp_path) == []


def test_history_dev_stdout_appends_after_the_summary(tmp_path):
    target = tmp_path / "out.txt"
    with open(target, "wb") as out:
        done = command("--iterations", "3", "--history", "/dev/stdout", stdout=out)
    assert done.code == 0, done.err
    text = target.read_text()
    assert text.startswith("Starting gradient descent")  # the summary is not truncated
    assert f"\niteration,loss\n0,{_START_LOSS!r}\n" in text
    assert os.path.islink("/dev/stdout")


def test_history_keeps_mode_and_group_of_an_existing_file(tmp_path):
    target = tmp_path / "h.csv"
    target.write_text("old\n")
    os.chmod(target, 0o664)
    group = os.stat(target).st_gid
    assert command("--iterations", "3", "--history", str(target)).code == 0
    info = os.stat(target)
    assert stat.S_IMODE(info.st_mode) == 0o664 and info.st_gid == group
    assert target.read_text().startswith("iteration,loss\n")
    assert leftovers(tmp_path) == []


def test_history_new_file_respects_the_umask(tmp_path):
    target = tmp_path / "h.csv"
    done = command(
        "--iterations", "3", "--history", str(target), preexec_fn=lambda: os.umask(0o027)
    )
    assert done.code == 0
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640  # 0666 less the umask


def test_history_symlink_is_followed_and_kept(tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    os.chmod(real, 0o640)
    link = tmp_path / "link.csv"
    link.symlink_to(real.name)
    assert command("--iterations", "3", "--history", str(link)).code == 0
    assert link.is_symlink() and os.readlink(link) == "real.csv"
    assert real.read_text().startswith("iteration,loss\n")
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o640


def test_history_hard_link_other_name_keeps_the_old_contents(tmp_path):
    """Documented in linreg.files: an atomic replace gives the name a new file."""
    target, other = tmp_path / "h.csv", tmp_path / "other.csv"
    target.write_text("old\n")
    os.link(target, other)
    assert command("--iterations", "3", "--history", str(target)).code == 0
    assert target.read_text().startswith("iteration,loss\n")
    assert other.read_text() == "old\n"


def test_history_unwritable_existing_file(tmp_path, capsys, monkeypatch):
    target = tmp_path / "h.csv"
    target.write_text("old\n")
    os.chmod(target, 0o444)
    if os.geteuid() == 0:  # root may write anything: let access() say what a user hears
        real_access = os.access
        monkeypatch.setattr(
            os, "access", lambda p, mode: False if Path(p) == target else real_access(p, mode)
        )
    done = run_main(capsys, "--history", str(target))
    assert done.one_error_line(EXIT_OUTPUT) == (
        f"linreg: error: --history {target}: the file is not writable (permission denied)"
    )
    assert done.out == "" and target.read_text() == "old\n"


@pytest.mark.slow
def test_sigterm_while_writing_history_leaves_no_temporary(tmp_path):
    target = tmp_path / "h.csv"
    with open(tmp_path.parent / f"{tmp_path.name}.err", "wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "linreg", "--iterations", "3000000", "--history", str(target)],
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=ROOT,
        )
        deadline = time.monotonic() + 60
        while not leftovers(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert leftovers(tmp_path), "the temporary history file never appeared"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == EXIT_TERMINATED
    assert (tmp_path.parent / f"{tmp_path.name}.err").read_text() == "linreg: terminated\n"
    assert list(tmp_path.iterdir()) == []


# --- signals and standard output -----------------------------------------------------


def test_ctrl_c_during_a_streaming_read(tmp_path):
    fifo = tmp_path / "data.csv"
    os.mkfifo(fifo)
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            [sys.executable, "-W", "error", "-m", "linreg", "--data", str(fifo)],
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=ROOT,
        )
        with open(fifo, "wb") as writer:  # opens once the command opens its end
            writer.write(b"x,y\n1,2\n")
            writer.flush()
            time.sleep(0.5)  # the command now waits for more lines
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=60) == EXIT_INTERRUPTED
        err.seek(0)
        assert err.read() == b"linreg: interrupted\n"


@pytest.mark.slow
def test_ctrl_c_while_writing_history_leaves_no_temporary(tmp_path):
    target = tmp_path / "h.csv"
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "linreg", "--iterations", "3000000", "--history", str(target)],
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=ROOT,
        )
        deadline = time.monotonic() + 60
        while not leftovers(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert leftovers(tmp_path), "the temporary history file never appeared"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == EXIT_INTERRUPTED
        err.seek(0)
        assert err.read() == b"linreg: interrupted\n"
    assert list(tmp_path.iterdir()) == []


def test_stdout_on_a_full_disk():
    with open("/dev/full", "wb") as full:
        done = command(stdout=full)
    assert done.one_error_line(EXIT_OUTPUT) == (
        "linreg: error: cannot write standard output (no space left on device)"
    )


def test_stdout_reader_gone_exits_quietly_141():
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader went away before the first line
    try:
        done = command(stdout=write_end)
    finally:
        os.close(write_end)
    assert done.code == EXIT_BROKEN_PIPE and done.err == ""


def test_pipe_into_head_exits_with_a_documented_code():
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    script = f'"{sys.executable}" -W error -m linreg | head -1; echo "${{PIPESTATUS[0]}}" >&2'
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
    )
    assert done.stdout == LIVESTREAM_LINES[0] + "\n"
    # 141 when the pipe broke before the last write, 0 when head read after it: both
    # documented, and nothing else on stderr.
    assert done.stderr in ("0\n", f"{EXIT_BROKEN_PIPE}\n"), done.stderr


# --- memory and hangs ------------------------------------------------------------------


def _cr_only(rows: int) -> bytes:
    rng = np.random.default_rng(11)
    x = rng.uniform(0, 100, rows)
    y = 1.5 * x + rng.normal(0, 5, rows)
    return "".join(f"{a:.6f},{b:.6f}\r" for a, b in zip(x, y)).encode()


@pytest.mark.slow
def test_cr_only_file_streams_in_bounded_memory(tmp_path):
    content = _cr_only(1_000_000)  # about 22 MB, a single "line" to a LF-only reader
    assert len(content) > 20_000_000 and b"\n" not in content
    cr, lf = tmp_path / "cr.csv", tmp_path / "lf.csv"
    cr.write_bytes(content)
    lf.write_bytes(content.replace(b"\r", b"\n"))
    done = command("--data", str(cr), "--learning-rate", "auto", "--standardize")
    assert done.code == 0, done.err
    assert done.rss < MAX_RSS, done.rss
    same = command("--data", str(lf), "--learning-rate", "auto", "--standardize")
    # The optimum is printed to 10 digits: the same rows give the same line (the blocks,
    # so the order of the floating-point merges, may differ in the last bits).
    assert done.out.splitlines()[4] == same.out.splitlines()[4]
    assert done.out.splitlines()[4].startswith("Least-squares optimum")
    np.testing.assert_array_equal(load_table(cr), load_table(lf))


@pytest.mark.slow
@pytest.mark.parametrize("quoted", [False, True])
def test_ten_million_short_rows_stay_in_bounded_memory(tmp_path, quoted):
    """10M rows of ``1,2`` (issue 17: 269 MB; 258 MB again after the CSV went threaded):
    a block's parse holds its numbers, not its bytes, so short rows make smaller blocks.
    Quoted: one ``"1",2`` in every 1000 rows, each block to the careful path."""
    block = ('"1",2\n' if quoted else "1,2\n") + "3,5\n" * 999
    data = tmp_path / "short.csv"
    data.write_text(block * 10_000)
    done = command("--data", str(data))
    assert done.code == 0, done.err
    assert done.rss < MAX_RSS, done.rss


@pytest.mark.slow
def test_a_large_npy_table_stays_in_bounded_memory(tmp_path):
    """10M x 2 float64 (160 MB, from the hostile audit: 205 MB through a memory map whose
    pages stayed resident): read a chunk at a time from the file."""
    data = tmp_path / "big.npy"
    x = np.random.default_rng(3).normal(size=10_000_000)
    np.save(data, np.column_stack([x, 2.0 * x + 1.0]))
    del x
    done = command("--data", str(data), "--iterations", "10")
    assert done.code == 0, done.err
    assert done.rss < MAX_RSS, done.rss


@pytest.mark.slow
def test_a_large_fortran_order_npy_table_stays_in_bounded_memory(tmp_path):
    """13M x 2 float64 in Fortran order (208 MB; from the fresh audit: 10M x 2 through the
    memory map peaked at 198 MB, its pages resident): each column's part of a chunk read
    from the file."""
    data = tmp_path / "big.npy"
    x = np.asfortranarray(np.random.default_rng(4).normal(size=(2, 13_000_000)).T)
    np.save(data, x)
    del x
    done = command("--data", str(data), "--iterations", "10")
    assert done.code == 0, done.err
    assert done.rss < MAX_RSS, done.rss


@pytest.mark.parametrize("dtype", ["float64", "float32", "int32"])
def test_a_fortran_order_npy_table_gives_the_c_order_statistics(tmp_path, dtype):
    """Chunks of 7 rows cross the columns' boundaries: the same statistics, to the bit,
    as the same table in C order."""
    table = np.random.default_rng(6).normal(3.0, 2.0, size=(50, 4)) * 100
    table = table.astype(dtype)
    np.save(tmp_path / "c.npy", np.ascontiguousarray(table))
    np.save(tmp_path / "f.npy", np.asfortranarray(table))
    c, f = (Moments.from_npy(tmp_path / name, chunk_rows=7) for name in ("c.npy", "f.npy"))
    assert (c.count, c.mean_y, c.cyy) == (f.count, f.mean_y, f.cyy)
    for a, b in ((c.mean_x, f.mean_x), (c.cxx, f.cxx), (c.cxy, f.cxy)):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(DataFileError, match="shorter than its header"):
        _truncated = tmp_path / "f.npy"
        _truncated.write_bytes(_truncated.read_bytes()[:-16])
        Moments.from_npy(_truncated, chunk_rows=7)


def test_one_line_of_fifty_million_commas(tmp_path):
    wide = tmp_path / "wide.csv"
    wide.write_bytes(b"," * 50_000_000 + b"\n")
    done = command("--data", str(wide))
    assert done.one_error_line(EXIT_INPUT) == (
        f"linreg: error: {wide}, line 1: the line is longer than 1,048,576 bytes "
        "(is this a CSV file?)"
    )
    assert done.rss < MAX_RSS, done.rss


def test_a_small_file_with_half_a_million_fields(tmp_path):
    wide = tmp_path / "wide.csv"
    wide.write_bytes(b"1," * 500_000 + b"1\n2,3\n")
    done = command("--data", str(wide))
    assert done.one_error_line(EXIT_INPUT) == (
        f"linreg: error: {wide}, line 1: expected 2 comma-separated fields, found 500,001"
    )
    assert done.rss < MAX_RSS, done.rss
    with pytest.raises(DataFileError, match="the row has 500,001 fields; at most 10,000"):
        load_table(wide)


def test_dev_zero_stops_at_the_first_nul():
    done = command("--data", "/dev/zero", timeout=60)
    assert done.one_error_line(EXIT_INPUT) == (
        "linreg: error: /dev/zero, line 1: is not a text file (it contains NUL bytes)"
    )
    assert done.rss < MAX_RSS, done.rss


def test_nul_after_good_lines_names_its_line(tmp_path):
    f = tmp_path / "nul.csv"
    f.write_bytes(b"1,2\n3,4\n5,\x00" + b"\x00" * 10_000_000)  # no newline after the NUL
    with pytest.raises(DataFileError, match=r"line 3: is not a text file") as caught:
        load_points(f)
    assert caught.value.line == 3


def test_a_healthy_big_file_stays_bounded_too(tmp_path):
    rng = np.random.default_rng(3)
    table = rng.normal(size=(600_000, 2))
    big = tmp_path / "big.csv"
    big.write_text("".join(f"{a!r},{b!r}\n" for a, b in table.tolist()))  # about 24 MB
    done = command("--data", str(big), "--learning-rate", "auto", "--standardize")
    assert done.code == 0, done.err
    assert done.rss < MAX_RSS, done.rss


# --- .npy files --------------------------------------------------------------------------


def test_npz_saved_under_a_npy_name(tmp_path):
    f = tmp_path / "data.npy"
    with open(f, "wb") as handle:
        np.savez(handle, points=np.ones((3, 2)))
    done = command("--data", str(f))
    assert done.one_error_line(EXIT_INPUT) == (
        f"linreg: error: {f}: is a .npz archive (a zip of arrays), not a .npy array: load "
        "it with numpy.load and save the table you want with numpy.save"
    )
    assert zipfile.is_zipfile(f)


def _npy_header(shape: tuple[int, ...], descr: str = "<f8") -> bytes:
    buffer = io.BytesIO()
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def test_absurd_npy_header_shape_warns_nothing(tmp_path):
    f = tmp_path / "huge.npy"
    f.write_bytes(_npy_header((2**62, 2)) + b"\x00" * 32)
    done = command("--data", str(f))  # -W error: a numpy RuntimeWarning would be a traceback
    assert done.one_error_line(EXIT_INPUT) == (
        f"linreg: error: {f}: is shorter than its header says: shape (4611686018427387904, 2) "
        "of float64 needs 73,786,976,294,838,206,464 bytes of data, the file has 32"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataFileError, match="is shorter than its header says"):
            Moments.from_npy(f)


def _raw_npy(header: str, version: tuple[int, int] = (1, 0)) -> bytes:
    """A ``.npy`` file's bytes with this header text, as a hand (or a hostile tool) writes it,
    and 20 rows of 2 float64 after it."""
    text = header.encode("latin1")
    size = 2 if version == (1, 0) else 4
    text += b" " * (-(6 + 2 + size + len(text) + 1) % 64) + b"\n"
    length = len(text).to_bytes(size, "little")
    return b"\x93NUMPY" + bytes(version) + length + text + np.ones((20, 2)).tobytes()


_DICT = "{'descr': '<f8', 'fortran_order': %s, 'shape': %s, }"
_UNBALANCED = "cannot parse header: EOF in multi-line statement"


@pytest.mark.parametrize(
    ("header", "version", "why"),
    [  # from issue 17's audit: numpy's ValueError, mmap's OverflowError, TokenError
        (_DICT % ("False", "(-1, 2)"), (1, 0), "shape is not valid: (-1, 2)"),
        (_DICT % ("False", "(-20, 2)"), (1, 0), "shape is not valid: (-20, 2)"),
        (_DICT % ("True", "(-1, 2)"), (1, 0), "shape is not valid: (-1, 2)"),
        (_DICT % ("False", "(20, -2)"), (3, 0), "shape is not valid: (20, -2)"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (20, 2, }", (1, 0), _UNBALANCED),
        (_DICT % ("False", "(20, 2))"), (2, 0), _UNBALANCED),
        (
            _DICT % ("False", "(" + "-" * 9000 + "1, 2)"),
            (1, 0),
            "its header is nested too deeply to parse",
        ),
        (
            _DICT % ("False", "(20, 2)"),
            (9, 0),
            "format version 9.0: numpy writes 1.0, 2.0 and 3.0 only",
        ),
    ],
)
def test_a_malformed_npy_header_is_one_error_line(tmp_path, header, version, why):
    f = tmp_path / "bad.npy"
    f.write_bytes(_raw_npy(header, version))
    done = command("--data", str(f))
    assert done.one_error_line(EXIT_INPUT) == (
        f"linreg: error: {f}: is not a .npy array file ({why})"
    )
    with pytest.raises(DataFileError, match=re.escape(why)):
        Moments.from_npy(f)


def test_a_python_2_npy_header_is_read_without_a_warning(tmp_path, points):
    """``(20L, 2L)``: numpy reads it, and warns (an error under ``-W error``)."""
    f = tmp_path / "py2.npy"
    f.write_bytes(_raw_npy(_DICT % ("False", "(20L, 2L)")))
    done = command("--data", str(f), "--iterations", "1")
    assert done.code == 0, done.err
    assert done.err == ""


def test_a_long_npy_header_problem_is_quoted_short(tmp_path):
    """numpy quotes the whole header it cannot parse (up to 10,000 characters)."""
    f = tmp_path / "deep.npy"
    f.write_bytes(_raw_npy(_DICT % ("False", "(" * 2000 + "1" + ")" * 2000)))
    done = command("--data", str(f))
    line = done.one_error_line(EXIT_INPUT)
    assert line.startswith(f"linreg: error: {f}: is not a .npy array file (Cannot parse header: ")
    assert line.endswith("(((...)") and len(line) < len(str(f)) + 260


@pytest.mark.parametrize(("version", "padding"), [((1, 0), 40_000), ((2, 0), 4 * 2**20)])
def test_a_huge_npy_header_is_one_line_in_linreg_words(tmp_path, version, padding):
    """Issue 17 (audit 6): numpy refuses a header over 10,000 characters in three lines of
    advice on its Python API (``max_header_size``, ``allow_pickle=True``)."""
    f = tmp_path / "big.npy"
    f.write_bytes(_raw_npy(_DICT % ("False", "(20, 2)") + " " * padding, version))
    size = int.from_bytes(f.read_bytes()[8 : 10 if version == (1, 0) else 12], "little")
    why = (
        f"its header is {size:,} bytes long, over the 10,000 numpy reads: save the table "
        "again with numpy.save"
    )
    done = command("--data", str(f))
    assert done.one_error_line(EXIT_INPUT) == (
        f"linreg: error: {f}: is not a .npy array file ({why})"
    )
    with pytest.raises(DataFileError, match=re.escape(why)):
        Moments.from_npy(f)


_HUGE = "0x" + "f" * 9000  # 36,000 bits: Python refuses to write it out in decimal


@pytest.mark.parametrize(
    ("shape", "why"),
    [  # each was a traceback, or numpy's "use sys.set_int_max_str_digits()" (issue 17)
        (
            f"({_HUGE}, 2)",
            "is shorter than its header says: shape (2**35999 or more, 2) of float64 needs "
            "2**36003 or more bytes of data, the file has 320",
        ),
        (
            f"(-{_HUGE}, 2)",
            "is not a .npy array file (shape is not valid: (-(2**35999) or less, 2))",
        ),
        (
            f"({_HUGE}, 2, 0)",
            "must hold a numeric (N, k) table with k >= 2, got float64 of shape "
            "(2**35999 or more, 2, 0)",
        ),
        (
            f"(1.5, {_HUGE})",
            "is not a .npy array file (its header holds an integer of more than 4,300 digits)",
        ),
    ],
)
def test_a_npy_header_dimension_too_long_to_write_out_is_one_line(tmp_path, shape, why):
    f = tmp_path / "huge.npy"
    f.write_bytes(_raw_npy(_DICT % ("False", shape)))
    done = command("--data", str(f))
    assert done.one_error_line(EXIT_INPUT) == f"linreg: error: {f}: {why}"


def test_a_npy_header_problem_quoting_a_newline_is_one_line(tmp_path):
    """numpy's dtype parser quotes the descr as it is: ``format number 1 of "(2,<newline>3)f8"
    is not recognized`` (issue 17, audit 6)."""
    f = tmp_path / "nl.npy"
    f.write_bytes(_raw_npy("{'descr': '(2,\\n3)f8', 'fortran_order': False, 'shape': (20, 2), }"))
    done = command("--data", str(f))
    line = done.one_error_line(EXIT_INPUT)
    assert line.startswith(f"linreg: error: {f}: is not a .npy array file (")
    assert '"(2,\\n3)f8"' in line, line


_WIDE = pytest.mark.skipif(
    np.finfo(np.longdouble).max <= np.finfo(np.float64).max,
    reason="this platform's long double is float64",
)


@_WIDE
@pytest.mark.parametrize(
    ("value", "why"),
    [  # issue 17: two RuntimeWarnings, then "holds a non-finite value (inf)" of a finite value
        ("1e4000", "holds 1e+4000 at index [3, 1], beyond float64's range (about ±1.8e308)"),
        ("-1e400", "holds -1e+400 at index [3, 1], beyond float64's range (about ±1.8e308)"),
        ("-inf", "holds a non-finite value (-inf) at index [3, 1]"),
        ("nan", "holds a non-finite value (nan) at index [3, 1]"),
    ],
)
def test_a_long_double_npy_value_beyond_float64_is_named(tmp_path, points, value, why):
    table = points[:20].astype(np.longdouble)
    table[3, 1] = np.longdouble(value)
    f = tmp_path / "wide.npy"
    np.save(f, table)
    done = command("--data", str(f))  # -W error: numpy's cast warning would be a traceback
    line = done.one_error_line(EXIT_INPUT)
    assert line == f"linreg: error: {f} {why}" + (": rescale it" if "beyond" in why else "")


@_WIDE
@pytest.mark.parametrize("order", ["C", "F"])
def test_a_long_double_npy_value_beyond_float64_is_named_in_chunks(tmp_path, points, order):
    """A large file's path: its chunks (of 7 rows here) cast to float64 as they are read."""
    table = np.array(points[:20], dtype=np.longdouble, order=order)
    table[10, 1] = np.longdouble("-1e4000")
    f = tmp_path / "wide.npy"
    np.save(f, table)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataFileError) as caught:
            Moments.from_npy(f, chunk_rows=7)
    assert str(caught.value) == (
        f"{f}: row 10 holds -1e+4000 (column 1), beyond float64's range (about ±1.8e308): "
        "rescale it"
    )


def test_npy_suffix_in_any_case(tmp_path, points):
    lower, upper = tmp_path / "p.npy", tmp_path / "P.NPY"
    np.save(lower, points)
    upper.write_bytes(lower.read_bytes())
    done = command("--data", str(upper))
    assert done.code == 0, done.err
    assert tuple(done.out.splitlines()[:3]) == LIVESTREAM_LINES


def test_npy_of_objects_is_never_unpickled(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (os.system, (f"touch {marker}",))

    f = tmp_path / "evil.npy"
    np.save(f, np.array([[Payload(), 1]], dtype=object), allow_pickle=True)
    done = command("--data", str(f))
    assert done.one_error_line(EXIT_INPUT) == (
        f"linreg: error: {f}: must hold a numeric (N, k) table with k >= 2, got object of "
        "shape (1, 2)"
    )
    with pytest.raises(DataFileError):
        open_npy(f)
    assert not marker.exists()


def test_from_npy_chunk_rows_is_checked(tmp_path, points):
    f = tmp_path / "p.npy"
    np.save(f, points)
    for bad in (0, -1, 1.5, True, "3"):
        with pytest.raises(InputError, match=f"chunk_rows must be a positive integer, got {bad!r}"):
            Moments.from_npy(f, chunk_rows=bad)  # type: ignore[arg-type]


# --- paths --------------------------------------------------------------------------------


def test_data_in_a_folder_that_cannot_be_searched(tmp_path, capsys, deny):
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "data.csv").write_bytes(POINTS_CSV)
    deny(folder, 0o600)  # readable listing, but no search (x) permission
    done = run_main(capsys, "--data", str(folder / "data.csv"))
    os.chmod(folder, 0o700)  # so that pytest can clean up
    assert done.one_error_line(EXIT_INPUT) == (
        f"linreg: error: {folder}/data.csv: cannot be read (Permission denied)"
    )


@pytest.mark.parametrize("name", ["new\nline.csv", "ansi\x1b[31mred.csv", "tab\there.csv"])
def test_file_names_are_printed_escaped(tmp_path, name):
    done = command("--data", str(tmp_path / name))
    escaped = name.replace("\n", "\\n").replace("\x1b", "\\x1b").replace("\t", "\\t")
    assert done.one_error_line(EXIT_INPUT) == f"linreg: error: {tmp_path}/{escaped}: no such file"
    done = command("--history", str(tmp_path / "missing" / name))
    assert "\x1b" not in done.err and done.err.count("\n") == 1
    assert shown_name(name) == escaped


def test_undecodable_file_name_is_escaped(tmp_path):
    name = os.fsdecode(b"bad\xff.csv")
    done = command("--data", str(tmp_path / name))
    assert (
        done.one_error_line(EXIT_INPUT) == f"linreg: error: {tmp_path}/bad\\xff.csv: no such file"
    )


_NOT_REGULAR = (
    "not a regular file: {kind} files are read with seeks, so they must be regular files; "
    "standard input and pipes are read as CSV only (save the data to a file first)"
)


@pytest.mark.parametrize(("suffix", "kind"), [(".parquet", "Parquet"), (".arrow", "Arrow IPC")])
def test_a_fifo_named_as_a_columnar_file_is_refused_before_it_is_opened(tmp_path, suffix, kind):
    """Issue 17: Arrow opened it, and sought ("lseek failed") or waited for a writer,
    deaf to SIGTERM; now refused before anything opens it, alone or in a folder or glob."""
    pytest.importorskip("pyarrow")
    fifo = tmp_path / f"f{suffix}"
    os.mkfifo(fifo)
    refused = f"linreg: error: {fifo}: is a FIFO (named pipe), " + _NOT_REGULAR.format(kind=kind)
    for data in (fifo, tmp_path, tmp_path / f"*{suffix}"):
        done = command("--data", str(data), "--x", "x", "--y", "y", timeout=60)
        assert done.one_error_line(EXIT_INPUT) == refused


def test_a_device_named_as_a_columnar_file_is_refused(tmp_path):
    pytest.importorskip("pyarrow")
    (tmp_path / "null.parquet").symlink_to("/dev/null")
    done = command("--data", str(tmp_path / "null.parquet"), "--x", "x", "--y", "y")
    assert done.one_error_line(EXIT_INPUT) == (
        f"linreg: error: {tmp_path}/null.parquet: is a device, "
        + _NOT_REGULAR.format(kind="Parquet")
    )


# --- CSV grammar ---------------------------------------------------------------------------

_COMMENT = (
    " (a line starting with '#' is a comment to some programs, but linreg's CSV has no "
    "comment lines: delete the line, or just its '#' if it is the header)"
)
GRAMMAR = [
    # (name, content, first line of the error after "linreg: error: {file}", or None: read)
    ("quoted numbers", b'"1.5","2.5"\n1,2\n3,4\n5,7\n', None),
    ("quoted header", b'"hours","score"\n1,2\n3,4\n5,7\n', None),
    ("hex float", b"0x1p4,2\n1,2\n3,4\n5,7\n", ", line 1, column 1: '0x1p4' is not a number"),
    (
        "semicolon row",
        b"1;2\n1,2\n3,4\n5,7\n",
        ", line 1: expected 2 comma-separated fields, found 1 (this line separates its "
        "fields with semicolons (';'); linreg reads commas)",
    ),
    (
        "N/A row",
        b"N/A,N/A\n1,2\n3,4\n5,7\n",
        ", line 1, column 1: 'N/A' is not a number (a missing value? every value is needed)",
    ),
    (
        "tab-separated",
        b"x\ty\n1\t2\n3\t4\n",
        ", line 1: expected 2 comma-separated fields, found 1 (this line separates its "
        "fields with tabs; linreg reads commas)",
    ),
    (
        "semicolon-separated",
        b"x;y\n1;2\n3;4\n",
        ", line 1: expected 2 comma-separated fields, found 1 (this line separates its "
        "fields with semicolons (';'); linreg reads commas)",
    ),
    (
        "space-separated",
        b"1 2\n3 4\n",
        ", line 1: expected 2 comma-separated fields, found 1 (this line separates its "
        "fields with spaces; linreg reads commas)",
    ),
    (
        "decimal commas",
        b"1,5;2,5\n",
        ", line 1: expected 2 comma-separated fields, found 3 (this line separates its "
        "fields with semicolons (';'); linreg reads commas)",
    ),
    (  # issue 17 (audit 11): each was blamed on spaces, or called a header of names
        "comment line",
        b"# c\n1,2\n2,3\n3,5\n",
        ", line 1: expected 2 comma-separated fields, found 1" + _COMMENT,
    ),
    (
        "commented header",
        b"# x,y\n1,2\n3,4\n5,7\n",
        ", line 1, column 1: '# x' is not a number" + _COMMENT,
    ),
    (
        "comment after rows",
        b"x,y\n1,2\n  #c d\n3,4\n",
        ", line 3: expected 2 comma-separated fields, found 1" + _COMMENT,
    ),
    (
        "'#' in a field",
        b"x,y\n1,2\n3,#4\n",
        ", line 3, column 2: '#4' is not a number (column 'y')",
    ),
    ("CR-only line ends", b"x,y\r1,2\r3,4\r5,7\r", None),
    ("mixed line ends", b"1.5,2.5\r\n1,2\r3,4\n5,7", None),
    (
        "fullwidth digits",
        "１,2\n3,4\n".encode(),
        ", line 1, column 1: '１' is not a number: it contains U+FF11 FULLWIDTH DIGIT ONE "
        "(numbers are read in ASCII only)",
    ),
    (
        "Arabic-Indic digits",
        "1,٢\n3,4\n".encode(),
        ", line 1, column 2: '٢' is not a number: it contains U+0662 ARABIC-INDIC DIGIT TWO "
        "(numbers are read in ASCII only)",
    ),
    (
        "no-break space",
        "1,2\n3,\u00a04\n".encode(),
        ", line 2, column 2: '\\xa04' is not a number: it contains U+00A0 NO-BREAK SPACE "
        "(numbers are read in ASCII only)",
    ),
    (
        "vertical tab",
        b"1,2\x0b\n3,4\n",
        ", line 1, column 2: '2\\x0b' is not a number: it contains U+000B VERTICAL TAB "
        "(numbers are read in ASCII only)",
    ),
    (
        "form feed line",
        b"1,2\n\x0c\n3,4\n",
        ", line 2, column 1: '\\x0c' is not a number: it contains U+000C FORM FEED "
        "(numbers are read in ASCII only)",
    ),
    (
        "unclosed quote",
        b'"1.5,2\n3,4\n',
        ", line 1: a quoted field is not closed (a quote must close on its line)",
    ),
    ("UTF-16", "1,2\n3,4\n".encode("utf-16"), ", line 1: is UTF-16 text; save it as UTF-8"),
]


ACCEPTED = {
    "quoted numbers": [[1.5, 2.5], [1, 2], [3, 4], [5, 7]],  # all four rows: no header
    "quoted header": [[1, 2], [3, 4], [5, 7]],
    "CR-only line ends": [[1, 2], [3, 4], [5, 7]],
    "mixed line ends": [[1.5, 2.5], [1, 2], [3, 4], [5, 7]],
}


@pytest.mark.parametrize("name, content, message", GRAMMAR, ids=[g[0] for g in GRAMMAR])
def test_csv_grammar_through_the_api(tmp_path, name, content, message):
    f = tmp_path / "data.csv"
    f.write_bytes(content)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if message is None:
            assert load_points(f).tolist() == ACCEPTED[name]
            return
        with pytest.raises(DataFileError) as caught:
            load_points(f)
    assert str(caught.value) == f"{f}{message}"


@pytest.mark.parametrize("name, content, message", GRAMMAR, ids=[g[0] for g in GRAMMAR])
def test_csv_grammar_through_the_command(tmp_path, name, content, message):
    f = tmp_path / "data.csv"
    f.write_bytes(content)
    done = command("--data", str(f), "--learning-rate", "auto", "--standardize")
    if message is None:
        assert done.code == 0 and done.err == ""
        return
    assert done.one_error_line(EXIT_INPUT) == f"linreg: error: {f}{message}"
    assert done.out == ""


def test_quoted_first_row_is_fitted_not_dropped(tmp_path, capsys):
    quoted, plain = tmp_path / "q.csv", tmp_path / "p.csv"
    quoted.write_bytes(b'"1.5","2.5"\n1,2\n3,4\n5,7\n')
    plain.write_bytes(b"1.5,2.5\n1,2\n3,4\n5,7\n")
    assert run_main(capsys, "--data", str(quoted)).out == run_main(capsys, "--data", str(plain)).out


def test_header_rule_only_names(tmp_path):
    for header in (b"hours,score", b"x1, y", b'"Stunden","Punkte"', "温度,y".encode()):
        f = tmp_path / "h.csv"
        f.write_bytes(header + b"\n1,2\n3,4\n")
        assert load_points(f).tolist() == [[1, 2], [3, 4]], header
    for first in (b"1st,2nd", b"x,", b"NA,y", b"nan,score", b"x,1"):
        f = tmp_path / "h.csv"
        f.write_bytes(first + b"\n1,2\n3,4\n")
        with pytest.raises(DataFileError, match="line 1, column"):
            load_points(f)


# --- Python API ------------------------------------------------------------------------------

X_OK = np.array([[1.0], [2.0], [3.0], [4.0]])
Y_OK = np.array([2.0, 4.0, 5.0, 8.0])
ARRAYS = [
    (
        "numeric strings",
        dict(X=np.array([["1"], ["2"], ["3"], ["4"]])),
        "X must hold numbers, got strings (dtype <U1): convert them to numbers first",
    ),
    (
        "bytes",
        dict(y=np.array([b"2", b"4", b"5", b"8"])),
        "y must hold numbers, got bytes (dtype |S1): convert them to numbers first",
    ),
    (
        "datetime64",
        dict(X=np.array([["2020-01-01"], ["2020-01-02"], ["2020-01-03"], ["2020-01-04"]], "M8[D]")),
        "X must hold numbers, got dates (datetime64) (dtype datetime64[D]): convert them to "
        "numbers first",
    ),
    (
        "timedelta64",
        dict(y=np.array([2, 4, 5, 8], "m8[ns]")),
        "y must hold numbers, got time spans (timedelta64) (dtype timedelta64[ns]): convert "
        "them to numbers first",
    ),
    (
        "masked array",
        dict(y=np.ma.masked_array([2.0, 4.0, 5.0, 1e20], mask=[0, 0, 0, 1])),
        "y is a masked array and 1 of its 4 values are masked; linreg does not use masks: "
        "drop the masked rows first (or fill them in with .filled())",
    ),
    (
        "None in an object array",  # the twelfth audit: was "a non-finite value (nan)"
        dict(y=np.array([2.0, None, 5.0, 8.0], dtype=object)),
        "y holds None (a missing value) at index [1]: drop or fill in the missing values first",
    ),
    (
        "strings in an object array",
        dict(X=np.array([[1], ["2"], [3], [4]], dtype=object)),
        "X must hold numbers, got str '2': convert it to a number first",
    ),
    (
        "multi-output y",
        dict(y=np.column_stack([Y_OK, Y_OK])),
        "y must be 1-D of shape (n_samples,), got shape (4, 2) (linreg fits one target: fit "
        "each of the 2 columns separately)",
    ),
]


@pytest.mark.parametrize("name, change, message", ARRAYS, ids=[a[0] for a in ARRAYS])
def test_arrays_that_are_not_numbers(name, change, message):
    args = {"X": X_OK, "y": Y_OK, **change}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputError) as caught:
            gradient_descent(args["X"], args["y"], learning_rate="auto", num_iterations=5)
    assert str(caught.value) == message


def test_a_masked_array_with_nothing_masked_is_its_data():
    masked = np.ma.masked_array(Y_OK, mask=False)
    plain = gradient_descent(X_OK, Y_OK, learning_rate="auto", num_iterations=20)
    fit = gradient_descent(X_OK, masked, learning_rate="auto", num_iterations=20)
    assert (fit.b, fit.m) == (plain.b, plain.m)  # the same numbers, the same operations


def test_no_input_array_is_mutated():
    X, y = X_OK.copy(), Y_OK.copy()
    gradient_descent(X, y, learning_rate="auto", num_iterations=20, standardize=True)
    as_features(X)
    as_target(y)
    assert np.array_equal(X, X_OK) and np.array_equal(y, Y_OK)


def test_no_user_text_reaches_sympy(tmp_path, capsys, monkeypatch):
    import sympy

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("user text reached sympy")

    monkeypatch.setattr(sympy, "sympify", refuse)
    monkeypatch.setattr(sympy, "parse_expr", refuse, raising=False)
    f = tmp_path / "evil.csv"
    f.write_text("__import__('os').system('true'),1\n2,3\n")
    done = run_main(capsys, "--data", str(f))
    assert done.one_error_line(EXIT_INPUT).startswith(f"linreg: error: {f}, line 1, column 1: ")


@pytest.mark.parametrize(
    "text, message",
    [
        ("1e100000000", "out of exact mode's range"),
        ("-1e-100000000", "out of exact mode's range"),
        ("1e99999999999999999999", "out of exact mode's range"),
        ("1" * 5000, "has 5,000 significant digits; exact mode reads at most 4,000"),
    ],
)
def test_exact_mode_refuses_huge_exponents_quickly(tmp_path, text, message):
    start = time.perf_counter()
    with pytest.raises(ValueError, match=message):
        parse_number(text, exact=True)
    f = tmp_path / "exact.csv"
    f.write_text(f"1,2\n3,{text}\n")
    with pytest.raises(DataFileError, match=f"line 2, column 2: .*{message}"):
        load_points(f, exact=True)
    # Computing 10**100000000 takes seconds; a refusal takes microseconds.
    assert time.perf_counter() - start < 1.0


def test_exact_mode_still_reads_what_floats_cannot():
    from fractions import Fraction

    assert parse_number("1e400", exact=True) == Fraction(10) ** 400
    assert parse_number("-2.5e-400", exact=True) == Fraction(-25, 10**401)
    assert parse_number("0e99999999999", exact=True) == 0


# --- exit codes, CI and the lock -----------------------------------------------------------


def _words(text: str) -> str:
    return " ".join(text.split())


def test_exit_codes_agree_in_help_docstring_and_readme():
    import linreg.cli

    codes = EXIT_CODES_TEXT.removeprefix("exit codes: ")
    assert build_parser().epilog == EXIT_CODES_TEXT
    assert codes in _words(linreg.cli.__doc__ or "")
    assert codes in _words((ROOT / "README.md").read_text())
    assert codes in _words(command("--help").out)
    for code in (2, 3, 4, 5, 130, 141, 143):
        assert f" {code} " in f" {codes} "


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    command = re.search(r"## Test it.*?```sh\n(.*?)\n```", readme, re.S)
    assert command is not None
    line = command.group(1)
    assert "\n" not in line and "-c constraints.txt" in line
    assert line in (ROOT / ".ci" / "run").read_text()


def _extra_packages(extra: str) -> set[str]:
    """The packages an extra installs, other extras of linreg expanded (installed metadata)."""
    names: set[str] = set()
    for requirement in importlib.metadata.requires("linreg") or []:
        spec, _, marker = requirement.partition(";")
        wanted = re.search(r"extra\s*==\s*['\"]([\w-]+)['\"]", marker)
        if (wanted.group(1) if wanted else "") != extra:
            continue
        match = re.match(r"\s*([A-Za-z0-9_.-]+)(?:\[([^\]]*)\])?", spec)
        assert match is not None
        name = match.group(1).lower().replace("_", "-")
        if name == "linreg":
            for inner in (match.group(2) or "").split(","):
                names |= _extra_packages(inner.strip())
        else:
            names.add(name)
    return names


def test_constraints_pin_every_test_docs_and_bench_package():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version and re.fullmatch(r"[\w.+!-]+", version), line
            pins[name.lower().replace("_", "-")] = version
    needed = set().union(*(_extra_packages(e) for e in ("", "test", "docs", "bench")))
    assert {"numpy", "ruff", "mypy", "hypothesis", "hatchling", "mkdocs"} <= needed
    assert needed - set(pins) == set()
    assert "linreg" not in pins


def test_pages_workflow_node_satisfies_the_npm_lock():
    import json

    lock = json.loads((ROOT / "package-lock.json").read_text())
    wanted = [
        tuple(int(n) for n in re.findall(r"\d+", package["engines"]["node"])[:3])
        for package in lock["packages"].values()
        if isinstance(package.get("engines"), dict) and "node" in package["engines"]
    ]
    workflow = (ROOT / ".github" / "workflows" / "docs.yml").read_text()
    node = re.search(r'node-version:\s*"?(\d+)', workflow)
    assert node is not None
    # "22" installs the newest 22.x, which satisfies any ">=22.y.z".
    assert all(int(node.group(1)) >= minimum[0] for minimum in wanted), wanted


def test_missing_optional_dependency_fails_the_ci_run():
    script = (
        "import sys, pytest\n"
        "sys.modules['sklearn'] = None  # as if scikit-learn were not installed\n"
        "sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', 'tests/test_estimator.py']))\n"
    )
    env = {**os.environ, "LINREG_REQUIRE_ALL": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert done.returncode != 0, done.stdout
    assert "LINREG_REQUIRE_ALL=1 makes every skip a failure" in done.stdout


def test_hypothesis_is_derandomized_in_ci():
    script = "import tests.conftest, hypothesis; print(hypothesis.settings.default.derandomize)"
    for env, expected in ((dict(LINREG_REQUIRE_ALL="1"), "True"), (dict(CI="true"), "True")):
        clean = {k: v for k, v in os.environ.items() if k not in ("CI", "LINREG_REQUIRE_ALL")}
        clean.pop("HYPOTHESIS_PROFILE", None)
        done = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**clean, **env},
        )
        assert done.stdout.strip() == expected, done.stderr


# --- descent.py's items of issue 11 (the lead's, in descent.py; they pass on main) -------


@pytest.mark.parametrize("seed", ["abc", -1, 1.5])
def test_random_state_is_checked(seed):
    with pytest.raises(InputError, match="random_state"):
        gradient_descent(
            X_OK, Y_OK, learning_rate="auto", num_iterations=2, batch_size=2, random_state=seed
        )


def test_predicted_iterations_of_no_eigenvalues():
    from linreg.descent import slowest_direction_estimate as predicted_iterations

    with pytest.raises(InputError, match="eigenvalues"):
        predicted_iterations(1e-4, [])


def test_step_with_a_decimal_intercept():
    from linreg.descent import step

    try:
        w, b = step(X_OK, Y_OK, np.zeros(1), Decimal("0.5"), 0.01)
    except InputError as error:
        assert "b" in str(error)
    else:
        assert isinstance(b, float) and np.isfinite(w).all()


@pytest.mark.parametrize(
    "shape", ["__import__('os').system('touch PWNED')", "(2, 1+1)", "[x for x in 'ab']"]
)
def test_a_npy_header_of_expressions_is_named_without_pythons_node(tmp_path, shape):
    """The eleventh audit: 'malformed node or string on line 1: <ast.Call object at
    0x7f1be49f7d90>'; nothing in the header is run."""
    f = tmp_path / "evil.npy"
    f.write_bytes(_raw_npy(_DICT % ("False", shape)))
    done = command("--data", str(f))
    assert done.one_error_line(EXIT_INPUT) == (
        f"linreg: error: {f}: is not a .npy array file (its header is not a dictionary of "
        "plain values (numbers, strings, tuples))"
    )
    assert not (ROOT / "PWNED").exists()


def test_options_that_are_not_a_mapping_are_named():
    """The thirteenth audit: options=[1] was a raw TypeError from dict()."""
    from linreg.descent import minimize

    with pytest.raises(InputError, match=r"options must be a mapping .* got \[1\]"):
        minimize(X_OK, Y_OK, method="adam", options=[1])


def test_weights_whose_sum_overflows_are_named():
    """The thirteenth audit: sample_weight of 1e308 each was a raw OverflowError (fsum)."""
    from linreg.descent import minimize

    with pytest.raises(InputError, match=r"sample_weight: the weights' sum overflows float64"):
        minimize(X_OK, Y_OK, method="cg", sample_weight=np.full(4, 1e308))
