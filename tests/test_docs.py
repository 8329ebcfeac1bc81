"""The docs site as a test: the strict build, reproducible figures, and a real browser.

The browser tests drive Debian's Chromium through Playwright (``executable_path``; no
browser is ever downloaded) against the built site served on 127.0.0.1. Where Chromium
is missing they skip; ``.ci/run`` installs it and makes every skip a failure.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MATH_PAGES = [
    "",
    "tutorial/",
    "explanation/derivation/",
    "explorer/",
    "reference/loss/",
    "reference/symbolic/",
    "explanation/conditioning/",
    "explanation/exactness/",
    "performance/",
    "reference/errors-guide/",
    "reference/moments/",
]
FIGURE_PAGES = ["tutorial/", "explanation/derivation/", "explanation/conditioning/"]


def _mkdocs(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    done = _mkdocs(ROOT / "mkdocs.yml", target)
    assert done.returncode == 0, done.stdout + done.stderr
    return target


def test_strict_build_has_every_page(site):
    for page in [
        "index.html",
        "tutorial/index.html",
        "explanation/derivation/index.html",
        "explorer/index.html",
        "how-to/check-gradient/index.html",
        "how-to/learning-rate/index.html",
        "how-to/own-csv/index.html",
        "how-to/scikit-learn/index.html",
        "explanation/conditioning/index.html",
        "explanation/exactness/index.html",
        "performance/index.html",
        "reference/loss/index.html",
        "reference/moments/index.html",
        "reference/estimator/index.html",
        "reference/errors-guide/index.html",
        "assets/katex/katex.min.css",
    ]:
        assert (site / page).is_file(), page
    derivation = (site / "explanation/derivation/index.html").read_text()
    assert 'class="katex-display"' in derivation
    assert "\\(" not in derivation.replace('encoding="application/x-tex"', "")


def test_a_bad_formula_fails_the_build(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Broken\n\n$$ \\frac{1}{ $$\n")
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        textwrap.dedent(f"""\
        site_name: broken
        docs_dir: {docs}
        hooks: [{ROOT / "docs/hooks/katex.py"}]
        markdown_extensions:
          - pymdownx.arithmatex: {{generic: true}}
        """)
    )
    done = _mkdocs(config, tmp_path / "site")
    assert done.returncode != 0
    assert "KaTeX cannot render" in done.stdout + done.stderr


def test_figures_are_reproducible(points):
    from linreg import plot

    first = plot.to_svg(plot.fit_figure(points, {"line": (1.0, 1.5)}))
    second = plot.to_svg(plot.fit_figure(points, {"line": (1.0, 1.5)}))
    assert first == second and "<svg" in first
    assert "dc:date" not in first


# --- in a real browser --------------------------------------------------------------------


@pytest.fixture(scope="session")
def server(site: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    opened = context.new_page()
    opened.requests = []  # every URL the page asked for
    opened.on("request", lambda request: opened.requests.append(request.url))
    yield opened
    context.close()


def _visit(page, server: str, path: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(server + path)
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")


def _only_local(page, server: str) -> None:  # type: ignore[no-untyped-def]
    outside = [u for u in page.requests if not (u.startswith(server) or u.startswith("data:"))]
    assert outside == [], f"requests left 127.0.0.1: {outside}"


@pytest.mark.parametrize("path", MATH_PAGES)
def test_math_renders_offline(page, server, path):
    _visit(page, server, path)
    text = page.evaluate("document.querySelector('article').innerText")
    assert "\\(" not in text and "\\[" not in text and "$$" not in text
    assert page.locator(".katex-error").count() == 0
    assert page.locator(".katex").count() > 0
    # KaTeX's own font, from the site, is in use.
    loaded = page.evaluate(
        "[...document.fonts].filter(f => f.family.replace(/\"/g, '') === 'KaTeX_Main'"
        " && f.status === 'loaded').length"
    )
    assert loaded > 0
    _only_local(page, server)


@pytest.mark.parametrize("path", FIGURE_PAGES)
def test_every_figure_loads(page, server, path):
    _visit(page, server, path)
    figures = page.locator("img.linreg-figure")
    assert figures.count() > 0
    sizes = page.evaluate(
        "[...document.querySelectorAll('article img')].map(i => [i.complete, i.naturalWidth, "
        "i.getBoundingClientRect().width, i.getBoundingClientRect().height])"
    )
    for complete, natural, width, height in sizes:
        assert complete and natural > 0 and width > 0 and height > 0
    _only_local(page, server)


def test_api_reference_shows_mse(page, server):
    _visit(page, server, "reference/loss/")
    assert page.get_by_text("linreg.loss.mse", exact=False).count() > 0
    assert page.locator("[id='linreg.loss.mse']").count() == 1
    _only_local(page, server)


def test_explorer_label_changes_past_the_bound(page, server):
    _visit(page, server, "explorer/")
    verdict = page.locator("#explorer-verdict")
    slider = page.locator("#explorer-rate")
    assert verdict.inner_text().startswith("Crawls")
    slider.focus()
    seen = []
    for _ in range(20):  # step right, one precomputed rate at a time, past the red mark
        page.keyboard.press("ArrowRight")
        rate = float(page.locator("#explorer-rate-value").inner_text())
        seen.append((rate, verdict.inner_text().split(":")[0]))
    bound = 4.013e-4
    assert all(label == ("Diverges" if rate > bound else "Crawls") for rate, label in seen), seen
    assert {label for _, label in seen} == {"Crawls", "Diverges"}
    # The drawings follow: the path on the surface has points, the line moved.
    assert len(page.locator("#explorer-surface polyline").get_attribute("points").split()) > 1
    page.locator("#explorer-iteration").focus()
    page.keyboard.press("Home")
    assert page.locator("#explorer-iteration-value").inner_text() == "0"
    _only_local(page, server)
