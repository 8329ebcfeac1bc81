"""MkDocs hook: render every formula to HTML with KaTeX during the build.

pymdownx.arithmatex (generic mode) leaves each formula as ``\\(...\\)`` or ``\\[...\\]``
inside a ``span``/``div`` of class ``arithmatex``. After each page is built, this hook
sends all of them to KaTeX (node, from the npm registry via ``npm ci``) and puts the
HTML in their place, so the site needs no JavaScript for math and no network at all.
A formula KaTeX cannot parse fails the build. KaTeX's stylesheet and fonts are copied
from node_modules into the built site, so nothing third-party is committed.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[2]
KATEX_DIST = ROOT / "node_modules" / "katex" / "dist"
SCRIPT = Path(__file__).with_name("katex_render.cjs")
FORMULA = re.compile(r'<(?P<tag>span|div) class="arithmatex">(?P<body>.*?)</(?P=tag)>', re.DOTALL)


def _check_installed() -> None:
    if not (KATEX_DIST / "katex.min.css").is_file():
        raise PluginError("KaTeX is not installed: run `npm ci` at the top of the repository first")


def on_config(config, **kwargs):  # type: ignore[no-untyped-def]
    _check_installed()
    config["extra_css"].insert(0, "assets/katex/katex.min.css")
    return config


def on_post_page(output: str, page, config, **kwargs) -> str:  # type: ignore[no-untyped-def]
    matches = list(FORMULA.finditer(output))
    if not matches:
        return output
    items = []
    for match in matches:
        body = html.unescape(match.group("body").strip())
        display = match.group("tag") == "div"
        opener, closer = ("\\[", "\\]") if display else ("\\(", "\\)")
        if not (body.startswith(opener) and body.endswith(closer)):
            raise PluginError(f"{page.file.src_path}: unexpected math markup {body[:60]!r}")
        items.append({"tex": body[2:-2], "display": display})
    done = subprocess.run(
        ["node", str(SCRIPT)],
        input=json.dumps(items),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise PluginError(f"{page.file.src_path}: {done.stderr.strip()}")
    rendered = iter(json.loads(done.stdout))
    return FORMULA.sub(
        lambda m: f'<{m.group("tag")} class="arithmatex">{next(rendered)}</{m.group("tag")}>',
        output,
    )


def on_post_build(config, **kwargs) -> None:  # type: ignore[no-untyped-def]
    target = Path(config["site_dir"]) / "assets" / "katex"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(KATEX_DIST / "katex.min.css", target / "katex.min.css")
    shutil.copytree(KATEX_DIST / "fonts", target / "fonts", dirs_exist_ok=True)
