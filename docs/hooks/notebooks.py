"""MkDocs hook: the tutorial and each how-to, also as a Jupyter notebook, run at build.

The notebook is made from the page's own Markdown source at build time by jupytext
(with its named relations filled in, as docs/hooks/relations.py does for the page),
so page and notebook cannot drift apart. jupytext reads each fenced block as a cell and
markdown-exec's options (``exec="on" source="above" session=...``) as the cell's
metadata; this hook then keeps as code cells only the blocks the site executes (those
with ``exec="on"``), turns every other fenced block (a shell command, say) back into
Markdown, hides the source of the blocks the page hides, and drops the markdown-exec
options. Each page gets a download link under its title.

A notebook is downloaded, so it cannot use the site's relative links: every link to a
page of the site becomes an absolute address under ``site_url`` (set ``SITE_URL`` at
build; see mkdocs.yml), and every API reference (``[name][linreg.x]``) the address of
its entry. Cell ids are the page's name and the cell's number, so a build is
reproducible. Each notebook is executed by nbclient during the build, in an empty
folder, and stored with its outputs; a cell that fails fails the build.

Each page states the one install line that its notebook needs (`install_line`), and
``tests/test_notebooks.py`` runs every notebook in a fresh virtual environment made
with only that line.
"""

from __future__ import annotations

import fnmatch
import html
import posixpath
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jupytext
import nbformat
from mkdocs.exceptions import PluginError

#: The pages that become notebooks (paths under docs/, shell-style patterns).
NOTEBOOK_PAGES = ("tutorial.md", "how-to/*.md")
KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}
LINK = (
    '<p class="linreg-notebook"><a href="{name}" download>'
    "Download this page as a Jupyter notebook</a> ({name}): the same text and code, "
    "to run yourself after the install line below.</p>"
)
#: The install line a notebook page states: a shell block's line that installs linreg.
INSTALL = re.compile(r"^```sh\n(?P<line>[^\n]*pip install [^\n]*)\n```", re.MULTILINE)
#: A Markdown link to a page of the site, or a reference-style link to an API entry.
PAGE_LINK = re.compile(r"\]\((?P<target>[^)\s:]+)\)")
API_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\[(?P<identifier>[\w.]+)\]")
#: Seconds a cell may take at build (the slowest, a grid search, takes a few).
CELL_TIMEOUT = 300
#: The hook that fills in named relations: the notebook's text is the page's, filled in.
RELATIONS_HOOK = Path(__file__).with_name("relations.py")


def wanted(src_path: str) -> bool:
    """Whether the page at ``src_path`` (relative to docs/) gets a notebook."""
    path = src_path.replace("\\", "/")
    return any(fnmatch.fnmatch(path, pattern) for pattern in NOTEBOOK_PAGES)


def notebook_name(src_path: str) -> str:
    return Path(src_path).with_suffix(".ipynb").name


def install_line(source: Path) -> str:
    """The one install line the page states for its notebook (a ``sh`` block)."""
    found = [m.group("line").strip() for m in INSTALL.finditer(source.read_text("utf-8"))]
    if len(found) != 1:
        raise PluginError(f"{source}: a notebook page states one install line, found {found}")
    return found[0]


def page_url(src_path: str) -> str:
    """The site-relative URL of a page (use_directory_urls): how-to/x.md -> how-to/x/."""
    stem = src_path.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return stem.removesuffix("index")
    return stem + "/"


def absolute_links(
    text: str, src_path: str, site_url: str, resolve: Callable[[str], str | None] | None = None
) -> str:
    """Markdown with every link to the site made absolute under ``site_url``."""
    base = site_url.rstrip("/") + "/"

    def page(match: re.Match[str]) -> str:
        path, _, anchor = match.group("target").partition("#")
        if path and not path.endswith(".md"):
            return match.group(0)
        target = page_url(src_path)
        if path:
            target = page_url(posixpath.normpath(posixpath.join(posixpath.dirname(src_path), path)))
        return f"]({base}{target}{'#' + anchor if anchor else ''})"

    def api(match: re.Match[str]) -> str:
        url = resolve(match.group("identifier")) if resolve else None
        return f"[{match.group('text')}]({base}{url})" if url else match.group("text")

    return API_LINK.sub(api, PAGE_LINK.sub(page, text))


def make_notebook(
    source: Path,
    src_path: str | None = None,
    site_url: str = "http://127.0.0.1:8000/",
    resolve: Callable[[str], str | None] | None = None,
) -> Any:
    """The notebook of the Markdown page at ``source`` (``src_path`` relative to docs/)."""
    src_path = src_path or source.name
    text = _relations().expand(source.read_text(encoding="utf-8"), src_path)
    notebook = jupytext.reads(text, fmt="md")
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
            text = absolute_links(cell.source, src_path, site_url, resolve)
            cells.append(nbformat.v4.new_markdown_cell(text))
    stem = Path(src_path).stem
    for index, cell in enumerate(cells):
        cell.id = f"{stem}-{index}"  # not random: the same page gives the same notebook
    made = nbformat.v4.new_notebook(cells=cells)
    made.metadata["kernelspec"] = KERNEL
    made.metadata["language_info"] = {"name": "python"}
    nbformat.validate(made)
    return made


def _relations() -> Any:
    """docs/hooks/relations.py, which fills in the named relations a page refers to."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("linreg_docs_relations", RELATIONS_HOOK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def execute(notebook: Any, kernel_name: str = "python3") -> Any:
    """Run the notebook top to bottom in an empty folder, as a reader's download runs."""
    try:
        import nbclient
    except ImportError:
        raise PluginError(
            "the docs build runs every notebook: install nbclient and ipykernel "
            "(the test extra, pip install '.[test,docs]')"
        ) from None
    with tempfile.TemporaryDirectory() as folder:
        client = nbclient.NotebookClient(
            notebook,
            timeout=CELL_TIMEOUT,
            kernel_name=kernel_name,
            record_timing=False,  # no dates in the stored notebook: reproducible builds
            resources={"metadata": {"path": folder}},
        )
        client.execute()
    return notebook


def on_page_content(content: str, page, config, files, **kwargs) -> str:  # type: ignore[no-untyped-def]
    if not wanted(page.file.src_path):
        return content
    link = LINK.format(name=html.escape(notebook_name(page.file.src_path)))
    head, found, rest = content.partition("</h1>")
    return head + found + link + rest if found else link + content


def _resolver(config) -> Callable[[str], str | None]:  # type: ignore[no-untyped-def]
    autorefs = config.plugins.get("autorefs")

    def resolve(identifier: str) -> str | None:
        try:
            return str(autorefs.get_item_url(identifier)[0]) if autorefs else None
        except (KeyError, ValueError):
            return None

    return resolve


def on_post_build(config, **kwargs) -> None:  # type: ignore[no-untyped-def]
    docs = Path(config["docs_dir"])
    site = Path(config["site_dir"])
    resolve = _resolver(config)
    for source in sorted(docs.rglob("*.md")):
        src_path = source.relative_to(docs).as_posix()
        if not wanted(src_path):
            continue
        install_line(source)  # every notebook page states how to install what it needs
        notebook = make_notebook(source, src_path, config["site_url"] or "", resolve)
        try:
            execute(notebook)
        except Exception as error:  # nbclient's CellExecutionError names the cell
            raise PluginError(f"{src_path}: its notebook fails: {error}") from error
        # The page's URL folder (use_directory_urls): tutorial.md -> site/tutorial/.
        folder = site / page_url(src_path)
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, folder / notebook_name(src_path))
