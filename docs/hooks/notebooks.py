"""MkDocs hook: the tutorial and each how-to, also as a Jupyter notebook.

The notebook is made from the page's own Markdown source at build time by jupytext,
so page and notebook cannot drift apart. jupytext reads each fenced block as a cell and
markdown-exec's options (``exec="on" source="above" session=...``) as the cell's
metadata; this hook then keeps as code cells only the blocks the site executes (those
with ``exec="on"``), turns every other fenced block (a shell command, say) back into
Markdown, hides the source of the blocks the page hides, and drops the markdown-exec
options. Each page gets a download link under its title. ``tests/test_notebooks.py``
executes every notebook with nbclient, so a reader's download runs top to bottom.
"""

from __future__ import annotations

import fnmatch
import html
from pathlib import Path
from typing import Any

import jupytext
import nbformat

#: The pages that become notebooks (paths under docs/, shell-style patterns).
NOTEBOOK_PAGES = ("tutorial.md", "how-to/*.md")
KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}
LINK = (
    '<p class="linreg-notebook"><a href="{name}" download>'
    "Download this page as a Jupyter notebook</a> ({name}): the same text and code, "
    "to run yourself.</p>"
)


def wanted(src_path: str) -> bool:
    """Whether the page at ``src_path`` (relative to docs/) gets a notebook."""
    path = src_path.replace("\\", "/")
    return any(fnmatch.fnmatch(path, pattern) for pattern in NOTEBOOK_PAGES)


def notebook_name(src_path: str) -> str:
    return Path(src_path).with_suffix(".ipynb").name


def make_notebook(source: Path) -> Any:
    """The notebook of the Markdown page at ``source``."""
    notebook = jupytext.read(source, fmt="md")
    cells = []
    for cell in notebook.cells:
        options = dict(cell.metadata)
        if cell.cell_type == "code" and options.get("exec") != "on":
            # Not executed on the site (a shell command, an example): keep it as text.
            body = cell.source.removeprefix("%%sh\n")
            language = "sh" if cell.source.startswith("%%sh") else ""
            cells.append(nbformat.v4.new_markdown_cell(f"```{language}\n{body}\n```"))
        elif cell.cell_type == "code":
            code = nbformat.v4.new_code_cell(_displayed(cell.source, options))
            if options.get("source") is None:
                # The page shows only this block's output; so does the notebook, folded.
                code.metadata["jupyter"] = {"source_hidden": True}
            cells.append(code)
        else:
            cells.append(nbformat.v4.new_markdown_cell(cell.source))
    made = nbformat.v4.new_notebook(cells=cells)
    made.metadata["kernelspec"] = KERNEL
    made.metadata["language_info"] = {"name": "python"}
    nbformat.validate(made)
    return made


def _displayed(source: str, options: dict[str, Any]) -> str:
    """The block's code; where the site renders its printout as Markdown or HTML (no
    ``result=`` option), the notebook displays it the same way instead of as text."""
    if options.get("result") is not None:
        return source
    kind = "HTML" if str(options.get("html", "")).lower() in ("1", "true", "on") else "Markdown"
    body = "\n".join(f"    {line}" if line else "" for line in source.splitlines())
    return (
        f"import contextlib, io\nfrom IPython.display import {kind}, display\n\n"
        f"with contextlib.redirect_stdout(io.StringIO()) as page_output:\n{body}\n"
        f"display({kind}(page_output.getvalue()))"
    )


def on_page_content(content: str, page, config, files, **kwargs) -> str:  # type: ignore[no-untyped-def]
    if not wanted(page.file.src_path):
        return content
    link = LINK.format(name=html.escape(notebook_name(page.file.src_path)))
    head, found, rest = content.partition("</h1>")
    return head + found + link + rest if found else link + content


def on_post_build(config, **kwargs) -> None:  # type: ignore[no-untyped-def]
    docs = Path(config["docs_dir"])
    site = Path(config["site_dir"])
    for source in sorted(docs.rglob("*.md")):
        src_path = source.relative_to(docs).as_posix()
        if not wanted(src_path):
            continue
        # The page's URL folder (use_directory_urls): tutorial.md -> site/tutorial/.
        folder = site / Path(src_path).with_suffix("")
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(make_notebook(source), folder / notebook_name(src_path))
