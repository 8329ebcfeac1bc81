"""The notebooks the docs offer for download: made from the pages, and they run.

Each notebook is made by the docs hook (``docs/hooks/notebooks.py``) from the page's
Markdown, exactly as the site build makes it. The build itself runs every notebook (a
failing cell fails it); here each one runs again in a fresh virtual environment made
with nothing but the install line its page states, in a copy of the repository, as a
reader's clone would be: the line's extras must be all the notebook needs.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import urllib.request
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import ROOT

DOCS = ROOT / "docs"
#: The shape of a page's install line: a fresh venv, then linreg (with extras) and a kernel.
LINE = re.compile(
    r"python3 -m venv \.venv && \.venv/bin/pip install "
    r"(?P<spec>\.|'\.\[(?P<extras>[a-z,]+)\]') ipykernel"
)


def _hook() -> ModuleType:
    pytest.importorskip("jupytext", reason="the docs extra (jupytext) is not installed")
    spec = importlib.util.spec_from_file_location("notebooks_hook", DOCS / "hooks/notebooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pages() -> list[str]:
    pages = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))
    return [p for p in pages if p == "tutorial.md" or p.startswith("how-to/")]


def test_the_tutorial_and_every_how_to_get_a_notebook():
    hook = _hook()
    chosen = [
        p
        for p in sorted(q.relative_to(DOCS).as_posix() for q in DOCS.rglob("*.md"))
        if hook.wanted(p)
    ]
    assert chosen == _pages() and "tutorial.md" in chosen and len(chosen) >= 5


@pytest.mark.parametrize("page", _pages())
def test_notebook_has_every_executed_block(page):
    hook = _hook()
    source = (DOCS / page).read_text()
    executed = len(re.findall(r'^```python[^\n]*exec="on"', source, flags=re.MULTILINE))
    notebook = hook.make_notebook(DOCS / page, page)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert len(code) == executed > 0
    # No markdown-exec option leaks into the notebook, and nothing runs that the site did not.
    assert all("exec" not in cell.metadata for cell in notebook.cells)
    assert not any(cell.source.startswith("%%") for cell in code)


@pytest.mark.parametrize("page", _pages())
def test_notebook_states_an_install_line_with_real_extras(page):
    hook = _hook()
    line = hook.install_line(DOCS / page)
    shape = LINE.fullmatch(line)
    assert shape, f"{page}: {line!r} is not a fresh venv plus linreg and ipykernel"
    from importlib.metadata import metadata

    declared = metadata("linreg").get_all("Provides-Extra") or []
    assert set((shape["extras"] or "").split(",")) - {""} <= set(declared), line


def test_notebook_links_are_absolute_and_ids_fixed():
    hook = _hook()
    site = "https://example.test/linreg/"
    made = hook.make_notebook(DOCS / "tutorial.md", "tutorial.md", site)
    text = "\n".join(cell.source for cell in made.cells if cell.cell_type == "markdown")
    targets = re.findall(r"\]\(([^)]+)\)", text)
    assert targets and all(t.startswith(("https://", "http://")) for t in targets), targets
    assert f"{site}explanation/derivation/#why-1000-iterations-stop-short" in targets
    again = hook.make_notebook(DOCS / "tutorial.md", "tutorial.md", site)
    assert [c.id for c in made.cells] == [c.id for c in again.cells]
    assert made.cells[0].id == "tutorial-0"
    # An API reference becomes its entry's address, or plain text when it has none.
    linked = hook.absolute_links("[`f`][linreg.loss.mse]", "how-to/x.md", site, lambda i: "r/#" + i)
    assert linked == f"[`f`]({site}r/#linreg.loss.mse)"
    assert hook.absolute_links("[`f`][linreg.nowhere]", "x.md", site, lambda i: None) == "`f`"
    assert hook.absolute_links("[up](../index.md#top)", "how-to/x.md", site) == f"[up]({site}#top)"


# --- each notebook in a fresh venv made with its page's install line -------------------------


def _online() -> bool:
    try:
        with urllib.request.urlopen("https://pypi.org/simple/pip/", timeout=10):
            return True
    except OSError:
        return False


def _clone(target: Path) -> Path:
    """The repository's files as a reader's clone has them (tracked and new, not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (item.decode() for item in listed)):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _by_line() -> dict[str, list[str]]:
    """Each distinct install line and the notebook pages that state it (one venv each)."""
    hook = _hook()
    lines: dict[str, list[str]] = {}
    for page in _pages():
        lines.setdefault(hook.install_line(DOCS / page), []).append(page)
    return lines


@pytest.mark.slow
@pytest.mark.parametrize("line", sorted(_by_line()))
def test_notebooks_run_after_their_install_line(line, tmp_path, monkeypatch):
    hook = _hook()
    nbclient = pytest.importorskip("nbclient", reason="the test extra (nbclient) is missing")
    if not _online():
        pytest.skip("PyPI is not reachable: the install line cannot be run")
    clone = _clone(tmp_path / "clone")
    env = {
        **os.environ,
        # The versions CI tests with (pip's cache then serves them); the line is unchanged.
        "PIP_CONSTRAINT": str(ROOT / "constraints.txt"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "VIRTUAL_ENV": "",
    }
    done = subprocess.run(
        ["bash", "-c", line],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    # A kernel that runs in that venv and nowhere else.
    kernels = tmp_path / "jupyter" / "kernels" / "fresh"
    kernels.mkdir(parents=True)
    python = clone / ".venv" / "bin" / "python"
    spec = {"argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "fresh", "language": "python"}  # fmt: skip
    (kernels / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    for page in _by_line()[line]:
        notebook = hook.make_notebook(DOCS / page, page)
        client = nbclient.NotebookClient(
            notebook,
            timeout=300,  # per cell; the slowest (scikit-learn's grid search) takes seconds
            kernel_name="fresh",
            resources={"metadata": {"path": str(tmp_path)}},
        )
        client.execute()  # raises CellExecutionError, naming the cell, on any error
        outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
        assert outputs, f"{page}: the notebook ran but printed nothing"
        assert not [o for o in outputs if o.output_type == "error"], page
