"""The command under a hostile environment: warnings made errors, an ASCII-only standard
output (the twentieth and twenty-first audits). Each ends in its documented output or in
one error line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import ROOT


def _linreg(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "linreg", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120, env={**os.environ, **env})  # fmt: skip


@pytest.mark.parametrize("method", ["gd", "cg", "newton", "adam"])
def test_a_far_start_under_standardize_is_one_line_with_warnings_as_errors(method):
    """The twentieth audit: numpy's overflow warnings from the start's change of
    coordinates came before the error line, and a traceback under PYTHONWARNINGS=error."""
    done = _linreg("--standardize", "--initial-m", "1e308", "--method", method,
                   PYTHONWARNINGS="error")  # fmt: skip
    assert (done.returncode, done.stderr) == (
        3,
        "linreg: error: --initial-m 1e+308: too large for these data (the squared error "
        "overflows float64); choose values nearer the data's scale\n",
    )


def test_an_ascii_standard_output_gets_plus_minus_and_escapes():
    """The twenty-first audit: a report with "±" ended in a UnicodeEncodeError traceback
    under PYTHONIOENCODING=ascii, and so did --help; a huge --alpha blamed the data."""
    done = _linreg("--alpha", "1e150", "--method", "cg", PYTHONIOENCODING="ascii")
    assert (done.returncode, done.stderr) == (0, "") and "(+/- " in done.stdout
    helped = _linreg("--help", PYTHONIOENCODING="ascii")
    assert (helped.returncode, helped.stderr) == (0, "") and "R\\xb2" in helped.stdout
    refused = _linreg("--alpha", "1e200")
    assert refused.stderr.startswith("linreg: error: --alpha 1e+200 is too large for float64")


def test_a_non_ascii_column_name_typed_under_the_c_locale_is_found(tmp_path):
    """The twenty-second audit: with LC_ALL=C (and no UTF-8 mode) `--x é` arrived as
    escaped bytes and was not found among the file's UTF-8 names."""
    data = tmp_path / "u.csv"
    data.write_text("é,ü\n1,2\n2,3.1\n3,3.9\n", encoding="utf-8")
    done = _linreg("--data", str(data), "--x", "é", "--y", "ü", LC_ALL="C", PYTHONUTF8="0",
                   PYTHONCOERCECLOCALE="0")  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    assert "Fitting" in done.stdout or "After 1000 iterations" in done.stdout


def test_escaped_column_names_keep_the_summary_table_aligned(tmp_path):
    """The twenty-second audit: under an ASCII standard output, a name escaped after the
    table was laid out ('é' printed as the four characters \\xe9) pushed its row's
    numbers, and the dependent variable's, out of their columns."""
    data = tmp_path / "u.csv"
    data.write_text("été,zz,ü\n1,2,2\n2,3.1,3\n3,3.9,5\n4,5,6.1\n5,5.5,7\n", encoding="utf-8")
    done = _linreg("--data", str(data), "--x", "été", "--x", "zz", "--y", "ü", "--method",
                   "cg", "--summary", PYTHONIOENCODING="ascii")  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    lines = done.stdout.splitlines()
    table = [line for line in lines if line.startswith(("Dep. Variable", "const", "\\xe9t", "zz "))]
    assert len(table) == 4 and "\\xe9t\\xe9 " in table[2]
    width = len(lines[lines.index(table[0]) - 1])  # the rule of '=' above the table: 78
    assert {len(line) for line in table} == {width}
