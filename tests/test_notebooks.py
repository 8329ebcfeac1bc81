"""The notebooks the docs offer for download: made from the pages, and they run.

Each notebook is made by the docs hook (``docs/hooks/notebooks.py``) from the page's
Markdown, exactly as the site build makes it, then executed top to bottom by nbclient
in an empty folder, as a reader's download would be.
"""

from __future__ import annotations

import importlib.util
import re
from types import ModuleType

import pytest

from .conftest import ROOT

DOCS = ROOT / "docs"


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
    notebook = hook.make_notebook(DOCS / page)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert len(code) == executed > 0
    # No markdown-exec option leaks into the notebook, and nothing runs that the site did not.
    assert all("exec" not in cell.metadata for cell in notebook.cells)
    assert not any(cell.source.startswith("%%") for cell in code)


@pytest.mark.slow
@pytest.mark.parametrize("page", _pages())
def test_notebook_runs_top_to_bottom(page, tmp_path):
    hook = _hook()
    nbclient = pytest.importorskip("nbclient", reason="the test extra (nbclient) is missing")
    notebook = hook.make_notebook(DOCS / page)
    client = nbclient.NotebookClient(
        notebook,
        timeout=300,  # per cell; the slowest (scikit-learn's grid search) takes seconds
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]
    assert outputs, "the notebook ran but printed nothing"
    assert not [out for out in outputs if out.output_type == "error"]
