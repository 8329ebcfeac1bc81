"""The docs site as a test: the strict build, reproducible figures, and a real browser.

The browser tests drive Debian's Chromium through Playwright (``executable_path``; no
browser is ever downloaded) against the built site served on 127.0.0.1. Where Chromium
is missing they skip; ``.ci/run`` installs it and makes every skip a failure.
"""

from __future__ import annotations

import functools
import html
import html.parser
import http.server
import os
import re
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
    "explanation/inference/",
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
    "explanation/inference/",
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
        "how-to/big-data/index.html",
        "explanation/conditioning/index.html",
        "explanation/exactness/index.html",
        "explanation/inference/index.html",
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


#: What raw TeX looks like on a rendered page: a dollar sign, a TeX command of two letters or
#: more (\\n, \\x1b and \\u0661 are escapes, not TeX), or a control character (a form
#: feed is what "\\frac" becomes in a docstring that is not raw).
RAW_TEX = re.compile(r"\$|\\[A-Za-z]{2,}|[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _visible_text(html: str) -> str:
    """What a reader sees: no scripts, no KaTeX source, no doctest examples (their
    output may rightly show a LaTeX string, e.g. `linreg.symbolic.latex`'s)."""
    for pattern in (
        r"<script.*?</script>",
        r"<style.*?</style>",
        r'<span class="katex-mathml">.*?</math></span>',
        r"<annotation.*?</annotation>",
    ):
        html = re.sub(pattern, " ", html, flags=re.DOTALL)
    html = re.sub(
        r'<div class="highlight"><pre>.*?</pre></div>',
        lambda block: " " if 'class="gp"' in block.group() else block.group(),
        html,
        flags=re.DOTALL,
    )
    return re.sub(r"<[^>]+>", " ", html)


def test_no_api_page_shows_raw_tex(site):
    """Every formula of the API reference is rendered by KaTeX: a docstring with broken
    math (not raw, or mis-indented) leaves its TeX, or a form feed, on the page."""
    shown = {}
    for page in sorted(site.glob("reference/**/index.html")):
        text = _visible_text(page.read_text())
        hits = [text[max(0, m.start() - 30) : m.end() + 30] for m in RAW_TEX.finditer(text)]
        if hits:
            shown[str(page.relative_to(site))] = hits[:3]
    assert not shown, shown


def test_every_module_has_a_reference_entry(site):
    import pkgutil

    import linreg

    anchors = {
        anchor
        for page in site.glob("reference/**/index.html")
        for anchor in re.findall(r'id="(linreg[\w.]*)"', page.read_text())
    }
    # a module is documented when it, or one of its members, has an anchor
    documented = {anchor.rsplit(".", n)[0] for anchor in anchors for n in range(3)}
    modules = {info.name for info in pkgutil.walk_packages(linreg.__path__, "linreg.")}
    missing = sorted(modules - documented - set(UNDOCUMENTED_MODULES))
    assert not missing, missing


#: Modules with no reference entry, and why.
UNDOCUMENTED_MODULES = {
    "linreg.__main__": "python -m linreg: the command, documented as linreg.cli",
    "linreg._entry": "the command's first module (signal handlers before numpy): private",
    "linreg._cli_input": "the command's reading of its data file: private, documented as cli",
    "linreg._cli_columns": "the command's --x, --y and file kinds: private, documented as cli",
    "linreg._cli_methods": "the command's method settings (--option): private, documented as cli",
    "linreg._cli_values": "the command's option values: private, documented as cli",
    "linreg._cli_figures": "the command's printed errors: private, documented as cli",
    "linreg._ipc_file": "Arrow IPC files read in pieces: private, documented as columnar",
    "linreg._ipc_layout": "where an IPC batch's fields lie, by type: private, part of _ipc_file",
    "linreg._ipc_placed": "IPC batches read where the pass says: private, part of _ipc_file",
    "linreg._ipc_head": "an IPC file's ends checked: private, documented as columnar",
    "linreg._zstd_frame": "a zstd frame header's window: private, documented as columnar",
    "linreg._parquet_footer": "what made a Parquet footer long: private, documented as columnar",
    "linreg._partial": "partial_fit's blocks of rows: private, documented as estimator",
    "linreg._line_sums": "one block's sums: private, documented as accumulate",
    "linreg._kernel": "the optional compiled loop of one block's sums: private, part of _line_sums",
    "linreg._keep": "whether a block stays in its run: private, documented as accumulate",
    "linreg._merge_bounds": "a merge's rounding bounds: private, documented as accumulate",
    "linreg._squares": "the float path's sums of squares: private, documented as float_solver",
    "linreg._line_twins": "the fused fit's float twins: private, documented as line_descent",
    "linreg.files": "the command line's output files: no page yet",
}


def test_the_raw_tex_check_sees_a_broken_docstring():
    """The check above, on what the broken estimator docstring rendered as (a form feed,
    then TeX the parser left as text), and on a page that renders its math."""
    broken = "<p>Ridge strength: the loss is $\x0crac1N\\lVert y - Xw - b</p>"
    rendered = (
        '<p><span class="katex"><span class="katex-mathml"><math><annotation>\\frac1N'
        "</annotation></math></span>E</span></p>"
        '<div class="highlight"><pre><span class="gp">&gt;&gt;&gt;</span> latex(e)\n'
        "<span class=\"go\">'\\\\frac{1}{N}'</span></pre></div>"
    )
    assert RAW_TEX.search(_visible_text(broken))
    assert not RAW_TEX.search(_visible_text(rendered))


def test_the_module_map_is_built(site):
    page = (site / "explanation/architecture/index.html").read_text()
    for module in ("validate", "doubledouble", "accumulate", "csv_reader", "symbolic.twins"):
        assert f"<code>{module}</code>" in page, module


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

    uses = {
        name for o in LINREG_METHODS[settings["method"]].options for name in (o.name, *o.aliases)
    }
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
    page.select_option("#explorer-method", "momentum")
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
        "[...document.querySelectorAll('#explorer polyline, #explorer path.explorer-path,"
        ' #explorer line[stroke="#d62728"]\')]'
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
    "how-to/big-data/",
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
    assert sizes and min(sizes) >= 11, sizes


def test_phone_home_page_needs_no_sideways_scroll(phone, server):
    _visit(phone, server, "")
    blocks = phone.evaluate(
        "[...document.querySelectorAll('.linreg-wrap pre code')]"
        ".map(c => [c.scrollWidth, c.clientWidth])"
    )
    assert blocks and all(scroll <= client + 1 for scroll, client in blocks), blocks
    assert "Least-squares optimum" in " ".join(phone.locator(".linreg-wrap").all_inner_texts())


def test_phone_tables_do_not_break_names(phone, server):
    # The derivation's twins (a list now, once a table) and the optimizers' tables.
    for path, names in (
        ("explanation/derivation/", "article .linreg-twins code"),
        ("explanation/optimizers/", "article table code"),
    ):
        _visit(phone, server, path)
        rects = phone.evaluate(
            f"[...document.querySelectorAll('{names}')].map(c => c.getClientRects().length)"
        )
        assert rects and all(count == 1 for count in rects), (path, rects)


@pytest.mark.parametrize("path", sorted({*MATH_PAGES, *NOTEBOOK_PAGES, "reference/cli/"}))
def test_phone_pages_do_not_scroll_sideways(phone, server, path):
    # Wide formulas, tables and code scroll inside their own boxes, never the page.
    _visit(phone, server, path)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


# --- the explorer: verdicts, prose, standardize, geometry, accessibility ----------------------


def test_explorer_verdict_on_the_bound_and_far_below_it(explorer, points):
    from linreg.loss import mse_hessian
    from linreg.solve import least_squares

    page = explorer
    verdict = page.locator("#explorer-verdict")
    bound = page.evaluate(
        "linregExplorer.run({rate: 1e-4, momentum: 0, standardize: false,"
        " m0: 0, b0: 0, iterations: 1}).bound"
    )
    # Exactly on the bound the steep direction neither grows nor shrinks: never, not "∞".
    page.locator("#explorer-rate-number").fill(repr(bound))
    page.locator("#explorer-rate-number").press("Enter")
    assert page.evaluate("linregExplorer.state().rate") == bound
    assert verdict.get_attribute("data-verdict") == "never", verdict.inner_text()
    assert "∞" not in verdict.inner_text()
    # η = 1e-13 converges, after more iterations than can be counted one by one: the
    # slowest direction's estimate, ln(tol‖θ*‖/|c|)/ln(1 − ηλmin), here in Python.
    page.locator("#explorer-rate-number").fill("1e-13")
    page.locator("#explorer-rate-number").press("Enter")
    assert verdict.get_attribute("data-verdict") == "crawls"
    text = verdict.inner_text()
    assert "∞" not in text and "about" in text, text
    got = page.evaluate(
        "linregExplorer.run({rate: 1e-13, momentum: 0, standardize: false,"
        " m0: 0, b0: 0, iterations: 1})"
    )
    X, y = points[:, :1], points[:, 1]
    best = least_squares(X, y)
    star = np.array([best.coef[0], best.intercept])
    lam, vectors = np.linalg.eigh(mse_hessian(X))
    share = abs(vectors[:, 0] @ (np.zeros(2) - star))
    expected = np.log(1e-6 * np.linalg.norm(star) / share) / np.log1p(-1e-13 * lam[0])
    assert got["neededKind"] == "estimate"
    assert got["needed"] == pytest.approx(expected, rel=1e-3)  # ln(1 − ηλ) to ~1e-16/ηλ


def test_explorer_prose_matches_the_widget(explorer):
    page = explorer
    claimed_rate = float(page.locator("[data-claim='standardized-rate']").inner_text())
    claimed = int(page.locator("[data-claim='standardized-iterations']").inner_text())
    page.locator("#explorer-standardize").check()
    state = page.evaluate("linregExplorer.state()")
    assert state["rate"] == claimed_rate
    text = page.locator("#explorer-verdict").inner_text()
    assert f"first at iteration {claimed:,}." in text, text
    # Unticking restores the livestream's rate exactly.
    page.locator("#explorer-standardize").uncheck()
    assert page.evaluate("linregExplorer.state().rate") == 0.0001


def test_explorer_surface_follows_standardize(explorer):
    page = explorer
    surface = page.locator("#explorer-surface")
    before = surface.locator("image.explorer-heat").get_attribute("href")
    assert surface.get_attribute("data-coordinates") == "data"
    assert "slope m" in (surface.text_content() or "")
    page.locator("#explorer-standardize").check()
    assert surface.get_attribute("data-coordinates") == "standardized"
    labels = surface.text_content() or ""
    assert "w_z" in labels and "b_z" in labels
    assert surface.locator("image.explorer-heat").get_attribute("href") != before
    # The start (0, 0) is the origin in these coordinates too, and the handle is on it.
    handle = page.evaluate(
        "[...['cx', 'cy']].map(a => Number(document.querySelector('.explorer-handle')"
        ".getAttribute(a)))"
    )
    drawn = page.evaluate("linregExplorer.drawn()")
    assert handle == pytest.approx([drawn["xs"][0], drawn["ys"][0]], abs=0.01)


def test_explorer_divergence_is_clipped_in_the_plane(explorer):
    page = explorer
    page.locator("#explorer-rate-number").fill("0.01")
    page.locator("#explorer-rate-number").press("Enter")
    assert page.locator("#explorer-verdict").get_attribute("data-verdict") == "diverges"
    drawn = page.evaluate("linregExplorer.drawn()")
    frame, xs, ys = drawn["frame"], drawn["xs"], drawn["ys"]
    assert drawn["segments"], "nothing of the path is drawn"
    # The run leaves the picture: some iterate is far outside the frame.
    assert max(abs(x) for x in xs) > 10 * (frame["right"] - frame["left"])
    for ax, ay, bx, by, k in drawn["segments"]:
        # Inside the frame (to the 0.01 px the path is written with)...
        for x, y in ((ax, ay), (bx, by)):
            assert frame["left"] - 0.01 <= x <= frame["right"] + 0.01
            assert frame["top"] - 0.01 <= y <= frame["bottom"] + 0.01
        # ...and on the straight line between the two iterates it comes from.
        x0, y0, x1, y1 = xs[k - 1], ys[k - 1], xs[k], ys[k]
        length = np.hypot(x1 - x0, y1 - y0)
        for x, y in ((ax, ay), (bx, by)):
            off = abs((x1 - x0) * (y - y0) - (y1 - y0) * (x - x0)) / length
            assert off <= 0.02, (off, k)  # rounding to 0.01 px, never a bent path


def test_explorer_is_accessible(explorer):
    page = explorer
    assert page.locator("#explorer-readout").get_attribute("aria-live") is None
    assert page.locator("#explorer-verdict").get_attribute("role") is None
    live = page.locator("#explorer-announce")
    assert live.get_attribute("aria-live") == "polite"
    page.wait_for_timeout(1500)  # the first verdict is announced once the page is still
    assert live.inner_text().startswith("Crawls")
    updates = int(live.get_attribute("data-updates") or 0)
    # Ten quick moves of the rate slider: the verdict changes ten times, the screen
    # reader hears it once, when the slider stops.
    page.locator("#explorer-rate").focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    assert int(live.get_attribute("data-updates") or 0) == updates
    page.wait_for_timeout(1500)
    assert int(live.get_attribute("data-updates") or 0) == updates + 1
    assert "learning rate" in (page.locator("#explorer-rate").get_attribute("aria-valuetext") or "")
    # Play rewrites the readout every 40 ms; the live region stays quiet.
    page.locator("#explorer-iteration").focus()
    page.keyboard.press("Home")
    page.wait_for_timeout(1500)
    settled = int(live.get_attribute("data-updates") or 0)
    page.locator("#explorer-play").click()
    page.wait_for_timeout(1500)
    assert int(live.get_attribute("data-updates") or 0) == settled
    # The start handle says where it is.
    handle = page.locator(".explorer-handle")
    handle.focus()
    page.keyboard.press("ArrowRight")
    m0 = page.evaluate("linregExplorer.state().m0")
    assert float(handle.get_attribute("aria-valuenow")) == m0 > 0
    assert handle.get_attribute("aria-valuemin") is not None
    assert handle.get_attribute("aria-valuemax") is not None
    assert "slope m" in (handle.get_attribute("aria-valuetext") or "")


@pytest.mark.parametrize("width", [1280, 390])
def test_explorer_text_stays_inside_its_pictures(browser, server, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    _visit(page, server, "explorer/")
    page.wait_for_function("window.linregExplorer !== undefined")
    for standardize in (False, True):
        page.locator("#explorer-standardize").set_checked(standardize)
        outside = page.evaluate(
            """() => [...document.querySelectorAll('#explorer svg')].flatMap(svg => {
                 const box = svg.getBoundingClientRect();
                 return [...svg.querySelectorAll('text')]
                   .map(t => [t.textContent, t.getBoundingClientRect()])
                   .filter(([, r]) => r.width > 0
                     && (r.left < box.left - 0.5 || r.right > box.right + 0.5
                         || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5))
                   .map(([text]) => svg.id + ': ' + text);
               })"""
        )
        assert outside == [], outside
    context.close()


def test_phone_explorer_panels_stay_in_view_while_a_slider_moves(phone, server):
    _visit(phone, server, "explorer/")
    phone.wait_for_function("window.linregExplorer !== undefined")
    top = phone.evaluate(
        "document.getElementById('explorer-surface').getBoundingClientRect().top + window.scrollY"
    )
    phone.evaluate(f"window.scrollTo(0, {top} - 60)")
    rate = phone.locator("#explorer-rate")
    before = phone.locator("#explorer-surface path.explorer-path").get_attribute("d")
    rbox = rate.bounding_box()
    assert rbox is not None and rbox["y"] >= 0 and rbox["y"] + rbox["height"] <= 844, rbox
    # A finger on the slider, moving left: the path and the verdict change...
    phone.touchscreen.tap(rbox["x"] + rbox["width"] * 0.3, rbox["y"] + rbox["height"] / 2)
    after = phone.locator("#explorer-surface path.explorer-path").get_attribute("d")
    assert after != before
    # ...and the surface is on screen, above the controls, while it does.
    controls = phone.locator(".explorer-controls").bounding_box()
    surface = phone.locator("#explorer-surface").bounding_box()
    assert controls is not None and surface is not None
    visible = min(surface["y"] + surface["height"], controls["y"]) - max(surface["y"], 0)
    assert visible >= 0.8 * surface["height"], (surface, controls)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


# --- the site as a whole: what a reader sees, at 1280 and 390 px -------------------------------


def _pages(site: Path) -> list[str]:
    return sorted(
        "" if p.parent == site else p.parent.relative_to(site).as_posix() + "/"
        for p in site.rglob("index.html")
        if "assets" not in p.parts
    )


class _Prose(html.parser.HTMLParser):
    """The text a reader sees in an article, without code, scripts and rendered math."""

    SKIP = frozenset({"code", "pre", "script", "style", "annotation", "svg", "math"})

    def __init__(self) -> None:
        super().__init__()
        self.depth, self.inside, self.skipping, self.text = 0, False, [], []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "article":
            self.inside = True
        if self.inside and tag not in ("br", "img", "input", "hr", "meta", "link", "source"):
            hidden = tag in self.SKIP or "katex" in classes
            self.skipping.append(hidden)

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self.inside = False
        elif self.inside and self.skipping:
            self.skipping.pop()

    def handle_data(self, data: str) -> None:
        if self.inside and not any(self.skipping):
            self.text.append(data)


#: Pages known to show raw TeX, and why: the test fails when one is fixed, so it goes.
_RAW_TEX_KNOWN: dict[str, str] = {}


def test_no_raw_tex_or_dollar_in_rendered_text(site):
    import re

    bad = {}
    for path in _pages(site):
        prose = _Prose()
        prose.feed((site / path / "index.html").read_text(encoding="utf-8"))
        text = " ".join(prose.text)
        found = re.findall(r"\$|\\[()\[\]]|\\[A-Za-z]{2,}", text)
        if found:
            bad[path] = found[:5]
    assert {p: f for p, f in bad.items() if p not in _RAW_TEX_KNOWN} == {}
    assert set(_RAW_TEX_KNOWN) <= set(bad), "fixed: take it out of _RAW_TEX_KNOWN"


def test_a_raw_dollar_would_be_caught():
    prose = _Prose()
    prose.feed("<article><p>costs $5 and \\frac{1}{2}</p><code>$x</code></article>")
    assert "$5" in "".join(prose.text) and "$x" not in "".join(prose.text)


#: On a 390 px phone: every formula, table, figure and code block either fits the screen
#: or sits in a box that scrolls sideways; no formula is cut off above or below.
_OVERFLOW = """() => {
  const vw = document.documentElement.clientWidth, out = [];
  const scroller = (e) => {
    for (let a = e.parentElement; a && a.tagName !== 'ARTICLE'; a = a.parentElement) {
      const scrolls = /(auto|scroll)/.test(getComputedStyle(a).overflowX);
      if (scrolls && a.scrollWidth > a.clientWidth) return a;
    }
    return null;
  };
  const things = 'article .katex-display, article table, article img, article svg, article pre';
  for (const e of document.querySelectorAll(things)) {
    const r = e.getBoundingClientRect();
    const outside = r.right > vw + 1 || r.left < -1;
    if (r.width > 0 && outside && !scroller(e)) out.push(['overflows', e.tagName]);
  }
  for (const e of document.querySelectorAll('article .katex-display, article .arithmatex')) {
    if (getComputedStyle(e).overflowY !== 'visible' && e.scrollHeight > e.clientHeight + 1)
      out.push(['cut off', e.textContent.slice(0, 30)]);
  }
  return out;
}"""


def test_phone_nothing_overflows_or_is_cut_off(phone, server, site):
    problems = {}
    for path in _pages(site):
        _visit(phone, server, path)
        found = phone.evaluate(_OVERFLOW)
        if found:
            problems[path] = found[:3]
    assert problems == {}, problems


#: The smallest glyph of every formula on a page, in CSS pixels, as the browser sets it:
#: each leaf of KaTeX's HTML that draws a character (not a strut or a zero-width space).
_GLYPHS = """() => [...document.querySelectorAll('article .katex')].map(k => {
  let least = Infinity;
  for (const e of k.querySelectorAll('.katex-html *')) {
    if (!e.childElementCount && e.textContent.replace(/[\\u200b\\s]/g, '')) {
      least = Math.min(least, parseFloat(getComputedStyle(e).fontSize));
    }
  }
  const source = k.querySelector('annotation');
  return [least, source ? source.textContent.trim().slice(0, 50) : ''];
})"""
#: The smallest glyph a formula may have: 13 px on a desktop, 11 px on a 390 px phone
#: (the body text is 16 px; KaTeX's second-level scripts, half the formula's size, were
#: 8-9 px in tables and fractions: see linreg.symbolic.printing and linreg.css).
LEAST_GLYPH = {1280: 13, 390: 11}
#: Pages whose formulas are the docstrings' own (typed in the code, beside what they
#: describe) rather than printed by linreg.symbolic: not held to the glyph sizes yet.
_DOCSTRING_PAGES = ("reference/",)


@pytest.mark.parametrize("width", sorted(LEAST_GLYPH))
def test_formula_glyphs_are_legible(browser, server, site, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    small = {}
    for path in _pages(site):
        if path.startswith(_DOCSTRING_PAGES):
            continue
        _visit(page, server, path)
        found = [
            (round(size, 1), tex)
            for size, tex in page.evaluate(_GLYPHS)
            if size < LEAST_GLYPH[width]
        ]
        if found:
            small[path] = found[:3]
    context.close()
    assert small == {}, small


def test_the_glyph_check_sees_a_small_script(page, server):
    """A fraction inside a sentence sets a subscript in its denominator at half size:
    the check above must see it."""
    _visit(page, server, "")
    page.evaluate(
        """() => { const p = document.createElement('p');
                   p.innerHTML = document.querySelector('article .katex').outerHTML;
                   p.querySelector('.katex').style.fontSize = '0.5em';
                   document.querySelector('article').appendChild(p); }"""
    )
    sizes = [size for size, _ in page.evaluate(_GLYPHS)]
    assert min(sizes) < LEAST_GLYPH[390]


@pytest.mark.parametrize("width", [1280, 390])
def test_wide_formulas_scroll_in_their_box_and_say_so(browser, server, width):
    """On the derivation page no formula overflows the column without a scroll box, and
    every formula wider than its box has a visible hint above it."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    _visit(page, server, "explanation/derivation/")
    page.wait_for_function("document.documentElement.dataset.scrollHints === 'ready'")
    assert page.evaluate(_OVERFLOW) == []
    # A display formula scrolls in its div.arithmatex or in KaTeX's box inside it.
    hints = page.evaluate(
        """() => [...document.querySelectorAll('article div.arithmatex')]
             .filter(d => [d, d.querySelector('.katex-display')]
                            .some(e => e && e.scrollWidth > e.clientWidth + 1))
             .map(d => { const hint = d.previousElementSibling;
                         return !!hint && hint.classList.contains('linreg-scroll-hint')
                                && !hint.hidden && hint.getBoundingClientRect().height > 0; })"""
    )
    widths = page.evaluate(
        "[...document.querySelectorAll('article div.arithmatex')]"
        ".map(d => d.getBoundingClientRect().right)"
    )
    column = page.evaluate("document.querySelector('article').getBoundingClientRect().right")
    context.close()
    assert all(hints), hints
    assert max(widths) <= column + 1, "a formula is wider than the column"
    if width == 390:
        assert hints, "the derivation has formulas wider than a phone: they must say so"


def test_the_twins_are_one_formula_per_row(page, server):
    """The twins were a 24-row table 1,455 px wide in a 720 px column: now each twin is
    its name and its formula, one under the other, and none is a table."""
    _visit(page, server, "explanation/derivation/")
    twins = page.locator("article .linreg-twins")
    assert twins.count() == 1 and twins.locator("table").count() == 0
    from linreg.symbolic import TWINS

    assert twins.locator(".katex-display").count() == len(TWINS)


def test_phone_wide_tables_say_they_scroll(phone, server):
    _visit(phone, server, "performance/")
    phone.wait_for_function("document.documentElement.dataset.scrollHints === 'ready'")
    wraps = phone.evaluate(
        """() => [...document.querySelectorAll('.md-typeset__scrollwrap')]
             .filter(w => w.scrollWidth > w.clientWidth + 1)
             .map(w => { const hint = w.previousElementSibling;
                         return !!hint && hint.classList.contains('linreg-scroll-hint')
                                && !hint.hidden && hint.getBoundingClientRect().height > 0; })"""
    )
    assert wraps and all(wraps), wraps


def test_the_404_page_is_styled_under_the_project_path(page, server):
    response = page.goto(server + "linreg/no/such/page/")
    page.wait_for_load_state("networkidle")
    assert response is not None and response.status == 404
    header = page.evaluate("getComputedStyle(document.querySelector('.md-header')).backgroundColor")
    assert header not in ("", "rgba(0, 0, 0, 0)", "transparent"), header
    home = page.evaluate("document.querySelector('.md-header__button.md-logo').href")
    assert home == server + "linreg/", home
    _only_local(page, server)


def test_hooks_are_not_published(site):
    assert not (site / "hooks").exists()
    assert not list(site.rglob("*.py")) and not list(site.rglob("*.cjs"))


def test_dark_scheme_keeps_figures_legible(page, server):
    _visit(page, server, "explanation/optimizers/")
    page.locator("label[for='__palette_1']").click()
    assert page.evaluate("document.body.dataset.mdColorScheme") == "slate"
    # Each figure is an opaque white card: its corner pixel, drawn to a canvas.
    corners = page.evaluate(
        """() => [...document.querySelectorAll('img.linreg-figure')].map(img => {
             const c = document.createElement('canvas');
             c.width = img.naturalWidth; c.height = img.naturalHeight;
             const g = c.getContext('2d'); g.drawImage(img, 0, 0);
             return [...g.getImageData(2, 2, 1, 1).data];
           })"""
    )
    assert corners and all(corner == [255, 255, 255, 255] for corner in corners), corners


# --- generated pages say what the code says ------------------------------------------------------


def _cells(html_text: str, table_after: str) -> list[list[str]]:
    """The rows of the first table after the heading or text `table_after`, as plain text."""
    import re

    start = html_text.index(table_after)
    table = html_text[start : html_text.index("</table>", start)]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.DOTALL)
    strip = lambda cell: " ".join(html.unescape(re.sub(r"<[^>]+>", "", cell)).split())  # noqa: E731
    return [
        [strip(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.DOTALL)] for r in rows
    ]


def test_cli_reference_shows_each_option_as_the_parser_has_it(site):
    import argparse

    from linreg.cli import build_parser

    rows = _cells((site / "reference/cli/index.html").read_text(), 'id="options"')
    shown = {row[0]: row[3] for row in rows[1:]}
    for action in build_parser()._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        names = ", ".join(action.option_strings)
        assert shown[names] == " ".join(str(action.help).split()), names


def test_scikit_learn_how_to_has_the_estimators_signature(site):
    import inspect

    pytest.importorskip("sklearn")
    from linreg import GradientDescentRegressor

    rows = _cells((site / "how-to/scikit-learn/index.html").read_text(), 'id="its-hyperparameters"')
    shown = [(row[0], row[1]) for row in rows[1:]]
    expected = [
        (name, repr(p.default))
        for name, p in inspect.signature(GradientDescentRegressor).parameters.items()
    ]
    assert shown == expected


def _docstrings() -> list[tuple[str, str]]:
    import importlib
    import inspect
    import pkgutil

    import linreg

    found = []
    for info in pkgutil.walk_packages(linreg.__path__, "linreg."):
        if info.name.endswith("__main__"):  # importing it runs the command
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional extra that is not installed
            continue
        found.append((info.name, module.__doc__ or ""))
        for name, value in vars(module).items():
            if getattr(value, "__module__", None) == info.name and (
                inspect.isfunction(value) or inspect.isclass(value)
            ):
                found.append((f"{info.name}.{name}", value.__doc__ or ""))
                for member, inner in vars(value).items() if inspect.isclass(value) else ():
                    if inspect.isfunction(inner):
                        found.append((f"{info.name}.{name}.{member}", inner.__doc__ or ""))
    return found


#: Docstrings known to hold control characters (none now): the test fails when one is
#: fixed, so its entry goes.
_BROKEN_DOCSTRINGS: set[str] = set()


def test_docstrings_have_no_control_characters():
    import re

    bad = {name for name, text in _docstrings() if re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text)}
    assert bad - _BROKEN_DOCSTRINGS == set()
    assert bad >= _BROKEN_DOCSTRINGS, "fixed: take it out of _BROKEN_DOCSTRINGS"


def test_built_notebooks_have_outputs_fixed_ids_and_absolute_links(site):
    import json
    import re

    notebooks = sorted(site.rglob("*.ipynb"))
    assert len(notebooks) == len(NOTEBOOK_PAGES)
    for path in notebooks:
        notebook = json.loads(path.read_text())
        stem = path.stem
        assert [c["id"] for c in notebook["cells"]] == [
            f"{stem}-{k}" for k in range(len(notebook["cells"]))
        ]
        code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
        assert code and all(c["outputs"] for c in code), path.name
        assert all(c["execution_count"] for c in code), path.name
        text = "\n".join(
            "".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown"
        )
        for target in re.findall(r"\]\(([^)]+)\)", text):
            assert target.startswith(("https://", "http://")), (path.name, target)
        assert "](" + SITE_URL in text or path.stem != "tutorial", path.name


def test_contour_legend_is_off_the_optimum_and_the_paths(points):
    from linreg import plot

    optimum = (1.3224, 7.991)
    paths = {"a": np.array([[0.0, 0.0], [1.5, 0.0], optimum]), "b": np.array([[0.0, 0.0], optimum])}
    fig = plot.error_contours_figure(points, paths, m_range=None, b_range=None, optimum=optimum)
    fig.canvas.draw()
    (ax,) = [a for a in fig.axes if a.get_label() != "<colorbar>"]
    legend = fig.legends[0].get_window_extent()
    assert not legend.overlaps(ax.get_window_extent())
    # Every point drawn is inside the window (the window fits the paths).
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    for path in paths.values():
        assert ((x0 <= path[:, 0]) & (path[:, 0] <= x1)).all()
        assert ((y0 <= path[:, 1]) & (path[:, 1] <= y1)).all()


def test_math_never_writes_numbers_as_floats(site):
    import re

    # In a formula, 1.8e+15 is a typo of 1.8 × 10^{15} (linreg.plot.latex_number writes those).
    found = {}
    for path in _pages(site):
        text = (site / path / "index.html").read_text(encoding="utf-8")
        for tex in re.findall(r'<annotation encoding="application/x-tex">(.*?)</annotation>', text):
            if re.search(r"\d\.?\d*[eE][+-]?\d", html.unescape(tex)):
                found.setdefault(path, []).append(html.unescape(tex)[:60])
    assert found == {}, found


def test_optimizers_table_tells_each_rate_from_its_bound(site):
    rows = _cells((site / "explanation/optimizers/index.html").read_text(), 'id="the-raw-data"')
    header = rows[0]
    rate, bound = header.index("η"), header.index("stability bound")
    checked = 0
    for row in rows[1:]:
        if "=" in row[bound]:
            shown_bound = row[bound].rsplit("=", 1)[1].strip()
            assert row[rate] != shown_bound, row
            assert row[header.index("η ÷ bound")] not in ("1", "1.0", "1.00"), row
            checked += 1
    assert checked >= 3  # gd, momentum, nesterov


@pytest.mark.parametrize("width", [1280, 390])
def test_home_page_command_lines_are_never_cut_off(browser, server, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    _visit(page, server, "")
    blocks = page.evaluate(
        "[...document.querySelectorAll('.linreg-wrap pre code')]"
        ".map(c => [c.scrollWidth, c.clientWidth, c.textContent])"
    )
    context.close()
    assert any("pip install" in text for _, _, text in blocks)
    assert all(scroll <= client + 1 for scroll, client, _ in blocks), blocks
