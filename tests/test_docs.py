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

import numpy as np
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
FIGURE_PAGES = [
    "",
    "tutorial/",
    "explanation/derivation/",
    "explanation/conditioning/",
    "explanation/optimizers/",
]
#: The site is built for a project site under this address (as the Pages workflow sets
#: SITE_URL), and the test server serves it there as well as at its root.
SITE_URL = "http://127.0.0.1/linreg/"
PREFIX = "/linreg"


def _mkdocs(config: Path, site: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **env},
    )


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    done = _mkdocs(ROOT / "mkdocs.yml", target, SITE_URL=SITE_URL)
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
    handler = functools.partial(_SiteHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class _SiteHandler(_QuietHandler):
    """The site at / and at /linreg/ (as GitHub Pages serves a project site), with its
    404.html, status 404, for any path that is not there."""

    def translate_path(self, path: str) -> str:
        if path == PREFIX or path.startswith(PREFIX + "/"):
            path = path[len(PREFIX) :] or "/"
        return super().translate_path(path)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


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


# --- the explorer -------------------------------------------------------------------------

#: The page iterates in float64 like linreg, but adds up the same terms in another
#: order (and linreg's plain steps use the eigenbasis form): rounding differences of a
#: few ulps per step, amplified at most by the step count (≤ 2000 here), stay far below.
EXPLORER_TOLERANCE = 1e-9


METHODS = ["gd", "momentum", "nesterov", "steepest", "bb", "adam", "cg", "newton"]


def _explorer_settings(seed: int = 12) -> list[dict[str, object]]:
    """Sampled settings of every method: stable rates, both coordinate systems, any start."""
    from linreg.data import load_points
    from linreg.loss import mse_hessian

    points = load_points()
    X = points[:, :1]
    z = (X - X.mean()) / X.std()
    top = {
        False: float(np.linalg.eigvalsh(mse_hessian(X))[-1]),
        True: float(np.linalg.eigvalsh(mse_hessian(z))[-1]),
    }
    rng = np.random.default_rng(seed)
    chosen = []
    for k in range(24):
        method = METHODS[k % len(METHODS)]
        standardize = bool((k // len(METHODS)) % 2)
        momentum = float(rng.choice([0.0, 0.5, 0.9])) if method in ("momentum", "nesterov") else 0.0
        if method == "adam":
            momentum = float(rng.choice([0.5, 0.9]))
        bounds = {
            "gd": 2 / top[standardize],
            "momentum": 2 * (1 + momentum) / top[standardize],
            "nesterov": 2 * (1 + momentum) / ((1 + 2 * momentum) * top[standardize]),
            "adam": 1.0,  # no bound: Adam's steps are about η in size
        }
        rate = float(bounds.get(method, 0.0) * 10 ** rng.uniform(-3, -0.02))
        chosen.append(
            {
                "method": method,
                "rate": rate,
                "momentum": momentum,
                "standardize": standardize,
                "m0": float(rng.uniform(-0.5, 3.0)),
                "b0": float(rng.uniform(-10, 20)),
                "iterations": int(rng.integers(50, 2000)),
            }
        )
    return chosen


def _linreg_run(X, y, settings):  # type: ignore[no-untyped-def]
    """linreg.minimize with the explorer's settings (only the hyperparameters it takes)."""
    import linreg
    from linreg.methods import METHODS as LINREG_METHODS

    uses = LINREG_METHODS[settings["method"]].uses
    options = {}
    if "learning_rate" in uses:
        options["learning_rate"] = settings["rate"]
    if "momentum" in uses:
        options["momentum"] = settings["momentum"]
    return linreg.minimize(
        X,
        y,
        method=settings["method"],
        num_iterations=settings["iterations"],
        standardize=settings["standardize"],
        w0=[settings["m0"]],
        b0=settings["b0"],
        return_path=True,
        **options,
    )


@pytest.fixture
def explorer(page, server):  # type: ignore[no-untyped-def]
    _visit(page, server, "explorer/")
    page.wait_for_function("window.linregExplorer !== undefined")
    return page


def test_explorer_iterates_as_linreg_does(explorer, points):
    from linreg.solve import least_squares

    X, y = points[:, :1], points[:, 1]
    star = least_squares(X, y)
    optimum = explorer.evaluate("linregExplorer.optimum()")
    scale = float(np.hypot(star.coef[0], star.intercept))
    assert abs(optimum["m"] - star.coef[0]) <= EXPLORER_TOLERANCE * scale
    assert abs(optimum["b"] - star.intercept) <= EXPLORER_TOLERANCE * scale
    options = explorer.evaluate(
        "[...document.querySelectorAll('#explorer-method option')].map(o => o.value)"
    )
    from linreg.methods import METHODS as LINREG_METHODS

    assert options == METHODS == list(LINREG_METHODS)  # the menu offers every method
    for settings in _explorer_settings():
        got = explorer.evaluate("s => linregExplorer.run(s)", settings)
        fit = _linreg_run(X, y, settings)
        assert fit.path is not None and got["reached"] == fit.n_iter, settings
        for column, key in ((0, "m"), (1, "b")):
            np.testing.assert_allclose(
                got[key],
                fit.path[:, column],
                rtol=EXPLORER_TOLERANCE,
                atol=EXPLORER_TOLERANCE * scale,
                err_msg=str(settings),
            )
        np.testing.assert_allclose(
            got["loss"], fit.history, rtol=EXPLORER_TOLERANCE, err_msg=str(settings)
        )
        if fit.prediction_kind == "exact" and settings["method"] != "newton":
            assert got["bound"] == pytest.approx(fit.bound, rel=EXPLORER_TOLERANCE)
            # The verdict's count is linreg's exact prediction for this start (±1 where
            # the distance crosses the tolerance within rounding of it).
            assert got["neededKind"] == "exact" and got["needed"] is not None, settings
            assert abs(got["needed"] - fit.predicted_iterations) <= 1, (got["needed"], settings)
        else:
            assert got["bound"] is None and got["needed"] is None, settings


def test_explorer_defaults_are_linregs(explorer, points):
    import linreg

    X, y = points[:, :1], points[:, 1]
    for method in ("gd", "momentum", "nesterov", "adam"):
        for standardize in (False, True):
            got = explorer.evaluate(
                "([m, s]) => linregExplorer.defaults(m, s)", [method, standardize]
            )
            fit = linreg.minimize(X, y, method=method, standardize=standardize, num_iterations=0)
            where = (method, standardize)
            assert got["rate"] == pytest.approx(fit.learning_rate, rel=EXPLORER_TOLERANCE), where
            assert got["momentum"] == pytest.approx(fit.momentum, abs=EXPLORER_TOLERANCE), where
    # The button sets them.
    explorer.select_option("#explorer-method", "momentum")
    explorer.locator("#explorer-defaults").click()
    state = explorer.evaluate("linregExplorer.state()")
    fit = linreg.minimize(X, y, method="momentum", num_iterations=0)
    assert state["rate"] == pytest.approx(fit.learning_rate, rel=EXPLORER_TOLERANCE)
    assert state["momentum"] == pytest.approx(fit.momentum, rel=EXPLORER_TOLERANCE)
    # A method that chooses its own steps has no rate to set.
    explorer.select_option("#explorer-method", "cg")
    assert explorer.locator("#explorer-rate").is_disabled()
    assert explorer.locator("#explorer-defaults").is_disabled()


def test_explorer_diverges_where_linreg_does(explorer, points):
    import linreg
    from linreg.descent import step

    X, y = points[:, :1], points[:, 1]
    for rate, momentum in ((0.001, 0.0), (0.01, 0.0), (0.0009, 0.5)):
        settings = {
            "rate": rate,
            "momentum": momentum,
            "standardize": False,
            "m0": 0.0,
            "b0": 0.0,
            "iterations": 1000,
        }
        got = explorer.evaluate("s => linregExplorer.run(s)", settings)
        with pytest.raises(linreg.DivergenceError) as raised:
            linreg.gradient_descent(
                X, y, learning_rate=rate, num_iterations=1000, momentum=momentum
            )
        assert got["linregStops"] == raised.value.iteration
        assert got["stop"] == "grew" and got["reached"] < 1000
        if momentum == 0.0:
            w, b = np.zeros(1), 0.0
            for k in range(1, got["reached"] + 1):  # the unchecked update, step by step
                w, b = step(X, y, w, b, rate)
                assert got["m"][k] == pytest.approx(w[0], rel=EXPLORER_TOLERANCE)
                assert got["b"][k] == pytest.approx(b, rel=EXPLORER_TOLERANCE)


def _readout(page):  # type: ignore[no-untyped-def]
    data = page.evaluate("({...document.getElementById('explorer-readout').dataset})")
    return {key: float(value) for key, value in data.items()}


def test_explorer_verdict_is_the_certified_distance(explorer, points):
    import linreg
    from linreg.solve import least_squares

    X, y = points[:, :1], points[:, 1]
    star = least_squares(X, y)
    theta_star = np.array([star.coef[0], star.intercept])
    verdict = explorer.locator("#explorer-verdict")
    assert verdict.get_attribute("data-verdict") == "crawls"
    assert "Crawls" in verdict.inner_text()
    # 100,000 steps: the loss barely changes any more (a proxy would call it converged),
    # but the certified distance is still far above 1e-6.
    explorer.select_option("#explorer-budget", "100000")
    slow = linreg.gradient_descent(X, y, learning_rate=1e-4, num_iterations=100_000)
    distance = np.linalg.norm([slow.m, slow.b] - theta_star) / np.linalg.norm(theta_star)
    assert abs(slow.history[-1] - slow.history[-2]) / slow.loss < 1e-6 < distance
    assert verdict.get_attribute("data-verdict") == "crawls"
    assert _readout(explorer)["distance"] == pytest.approx(distance, rel=EXPLORER_TOLERANCE)
    explorer.select_option("#explorer-budget", "1000")
    explorer.locator("#explorer-standardize").check()
    for expected in ("converges",):
        state = explorer.evaluate("linregExplorer.state()")
        fit = linreg.gradient_descent(
            X, y, learning_rate=state["rate"], num_iterations=state["iterations"], standardize=True
        )
        distance = np.linalg.norm([fit.m, fit.b] - theta_star) / np.linalg.norm(theta_star)
        assert distance <= 1e-6
        assert verdict.get_attribute("data-verdict") == expected
        shown = _readout(explorer)
        # Both are rounding-level numbers here: agreement to the tolerance, absolutely.
        assert abs(shown["distance"] - distance) <= EXPLORER_TOLERANCE
    assert "certified within 10⁻⁶" in verdict.inner_text()


def test_explorer_controls_by_keyboard(explorer):
    page = explorer
    verdict = page.locator("#explorer-verdict")
    page.locator("#explorer-rate").focus()
    kinds = []
    for _ in range(140):  # step right along the log-scaled rate slider, past the red mark
        page.keyboard.press("ArrowRight")
        state = page.evaluate("linregExplorer.state()")
        kinds.append((state["rate"], verdict.get_attribute("data-verdict")))
    bound = page.evaluate(
        "linregExplorer.run({rate: 1e-4, momentum: 0, standardize: false,"
        " m0: 0, b0: 0, iterations: 1}).bound"
    )
    assert all((kind == "diverges") == (rate > bound) for rate, kind in kinds), kinds
    assert kinds[-1][1] == "diverges"
    # Diverging runs are labelled honestly: where the run stopped, and linreg's iteration.
    text = verdict.inner_text()
    stopped = int(text.split("stopped at iteration ")[1].split()[0].replace(",", ""))
    assert stopped < 1000 and "raises DivergenceError at iteration" in text
    assert page.locator("#explorer-iteration-value").inner_text() == f"{stopped:,}"
    # Momentum moves the bound's red mark to the right.
    before = page.locator("#explorer-bound").evaluate("e => e.getBoundingClientRect().left")
    page.locator("#explorer-momentum").focus()
    for _ in range(50):
        page.keyboard.press("ArrowRight")
    after = page.locator("#explorer-bound").evaluate("e => e.getBoundingClientRect().left")
    assert after > before
    # The iteration scrubber, the budget and the reset.
    page.locator("#explorer-reset").click()
    page.locator("#explorer-iteration").focus()
    page.keyboard.press("Home")
    assert page.locator("#explorer-iteration-value").inner_text() == "0"
    assert _readout(page)["m"] == 0.0
    page.select_option("#explorer-budget", "10000")
    assert page.locator("#explorer-iteration").get_attribute("max") == "10000"
    assert page.locator("#explorer-iteration-value").inner_text() == "10,000"
    # The starting point moves with the arrow keys.
    page.locator(".explorer-handle").focus()
    page.keyboard.press("ArrowUp")
    assert page.evaluate("linregExplorer.state().b0") == pytest.approx(1.0)
    _only_local(page, server=page.url.split("explorer/")[0])


def test_explorer_play_and_drag(explorer):
    page = explorer
    page.locator("#explorer-iteration").focus()
    page.keyboard.press("Home")
    page.locator("#explorer-play").click()
    page.wait_for_function("Number(document.getElementById('explorer-iteration').value) > 20")
    page.locator("#explorer-play").click()  # pause
    # Drag the start with the mouse to the top-left corner of the surface.
    box = page.locator("#explorer-surface").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.1, steps=5)
    page.mouse.up()
    state = page.evaluate("linregExplorer.state()")
    assert state["m0"] < 0.5 and state["b0"] > 15, state
    handle = page.locator(".explorer-handle").bounding_box()
    assert abs(handle["x"] + handle["width"] / 2 - (box["x"] + box["width"] * 0.2)) < 3


def test_explorer_panels_are_equal_and_framed(explorer):
    boxes = explorer.evaluate(
        "['line', 'surface', 'loss'].map(n => document.getElementById('explorer-' + n)"
        ".getBoundingClientRect()).map(r => [r.top, r.width, r.height])"
    )
    assert len({round(top) for top, _, _ in boxes}) == 1, boxes  # one row at 1300 px
    assert len({round(width) for _, width, _ in boxes}) == 1, boxes
    # Every drawing of the run lies inside a clipped frame; every panel has tick labels.
    unclipped = explorer.evaluate(
        "[...document.querySelectorAll('#explorer polyline, #explorer line[stroke=\"#d62728\"]')]"
        ".filter(e => !e.closest('[clip-path]')).length"
    )
    assert unclipped == 0
    ticks = explorer.evaluate(
        "['line', 'surface', 'loss'].map(n => document.querySelectorAll("
        "'#explorer-' + n + ' text.tick').length)"
    )
    assert all(count >= 8 for count in ticks), ticks
    assert explorer.locator(".explorer-colourbar text.tick").count() >= 3


@pytest.fixture
def phone(browser, server):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        has_touch=True,
        is_mobile=True,
        device_scale_factor=2,
    )
    opened = context.new_page()
    yield opened
    context.close()


def test_explorer_by_touch_on_a_phone(phone, server):
    _visit(phone, server, "explorer/")
    phone.wait_for_function("window.linregExplorer !== undefined")
    surface = phone.locator("#explorer-surface")
    surface.scroll_into_view_if_needed()
    box = surface.bounding_box()
    phone.touchscreen.tap(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.2)
    state = phone.evaluate("linregExplorer.state()")
    assert state["m0"] > 1.5 and state["b0"] > 10, state
    # A drag with a finger (Chromium's touch events, through the DevTools protocol).
    touch = phone.context.new_cdp_session(phone)
    box = surface.bounding_box()
    scrolled = phone.evaluate("window.scrollY")
    path = [(0.75 - 0.1 * k, 0.2 + 0.1 * k) for k in range(6)]  # down and to the left
    for kind, (fx, fy) in zip(["touchStart"] + ["touchMove"] * 5, path):
        point = {"x": box["x"] + box["width"] * fx, "y": box["y"] + box["height"] * fy}
        touch.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [point]})
    touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    dragged = phone.evaluate("linregExplorer.state()")
    assert dragged["m0"] < state["m0"] - 0.5 and dragged["b0"] < state["b0"] - 5, dragged
    assert phone.evaluate("window.scrollY") == scrolled  # the finger moved the start, not the page
    # The rate slider answers a tap too.
    rate = phone.locator("#explorer-rate")
    rate.scroll_into_view_if_needed()
    rbox = rate.bounding_box()
    phone.touchscreen.tap(rbox["x"] + rbox["width"] * 0.98, rbox["y"] + rbox["height"] / 2)
    assert phone.locator("#explorer-verdict").get_attribute("data-verdict") == "diverges"
    # Numbers never break across lines: each number span is one line box.
    lines = phone.evaluate(
        "[...document.querySelectorAll('#explorer-verdict .explorer-nowrap')]"
        ".map(e => e.getClientRects().length)"
    )
    assert lines and all(count == 1 for count in lines), lines
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390


# --- search, notebooks, figures, phones -----------------------------------------------------


def test_search_index_has_no_tex(site):
    import json

    index = json.loads((site / "search/search_index.json").read_text())
    raw = [
        d["location"]
        for d in index["docs"]
        if any(mark in d["title"] + d["text"] for mark in ("\\(", "\\[", "$$"))
    ]
    assert raw == []
    assert any("λ" in d["text"] for d in index["docs"])  # formulas are there, as text


def test_search_finds_the_normal_equations(page, server):
    _visit(page, server, "")
    query = page.locator("input[data-md-component='search-query']")
    query.click()
    query.press_sequentially("normal equations", delay=20)  # the search listens to keys
    results = page.locator(".md-search-result__item a")
    results.first.wait_for(timeout=10_000)
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert any("exactness" in h or "derivation" in h for h in hrefs), hrefs
    assert "\\(" not in page.locator(".md-search-result").inner_text()
    _only_local(page, server)


NOTEBOOK_PAGES = [
    "tutorial/",
    "how-to/check-gradient/",
    "how-to/learning-rate/",
    "how-to/own-csv/",
    "how-to/scikit-learn/",
]


@pytest.mark.parametrize("path", NOTEBOOK_PAGES)
def test_notebook_link_downloads_a_notebook(page, server, path):
    import json

    _visit(page, server, path)
    link = page.locator("article .linreg-notebook a[download]")
    assert link.count() == 1
    href = link.get_attribute("href")
    assert href is not None and href.endswith(".ipynb")
    response = page.request.get(server + path + href)
    assert response.status == 200
    notebook = json.loads(response.text())
    assert notebook["nbformat"] == 4
    assert any(cell["cell_type"] == "code" for cell in notebook["cells"])
    _only_local(page, server)


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("path", FIGURE_PAGES)
def test_figure_text_is_legible(browser, server, path, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    _visit(page, server, path)
    # Smallest text as rendered: its size in the SVG's points, times the image's scale.
    sizes = page.evaluate(
        "[...document.querySelectorAll('img.linreg-figure')].map(i => "
        "Number(i.dataset.fontPt) * (4 / 3) * i.getBoundingClientRect().width / i.naturalWidth)"
    )
    context.close()
    assert sizes and min(sizes) >= 9, sizes


def test_phone_home_page_needs_no_sideways_scroll(phone, server):
    _visit(phone, server, "")
    blocks = phone.evaluate(
        "[...document.querySelectorAll('.linreg-wrap pre code')]"
        ".map(c => [c.scrollWidth, c.clientWidth])"
    )
    assert blocks and all(scroll <= client + 1 for scroll, client in blocks), blocks
    assert "Least-squares optimum" in phone.locator(".linreg-wrap").inner_text()


def test_phone_tables_do_not_break_names(phone, server):
    _visit(phone, server, "explanation/derivation/")
    names = phone.evaluate(
        "[...document.querySelectorAll('article table code')].map(c => c.getClientRects().length)"
    )
    assert names and all(count == 1 for count in names), names


@pytest.mark.parametrize("path", sorted({*MATH_PAGES, *NOTEBOOK_PAGES, "reference/cli/"}))
def test_phone_pages_do_not_scroll_sideways(phone, server, path):
    # Wide formulas, tables and code scroll inside their own boxes, never the page.
    _visit(phone, server, path)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
