"""Typing and style are tests too: mypy (strict, on the package) and ruff must be clean."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT

SOURCES = ["linreg", "tests", "benchmarks", "docs/hooks", "hatch_build.py"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_mypy_strict_is_clean():
    done = _run("mypy")  # settings, strict = true on linreg, in pyproject.toml
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_is_clean():
    done = _run("ruff", "check", *SOURCES)
    assert done.returncode == 0, done.stdout + done.stderr
    done = _run("ruff", "format", "--check", *SOURCES)
    assert done.returncode == 0, done.stdout + done.stderr


def test_typed_marker_ships():
    assert (ROOT / "linreg" / "py.typed").is_file()
