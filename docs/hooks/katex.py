"""MkDocs hook: render every formula to HTML with KaTeX during the build.

pymdownx.arithmatex (generic mode) leaves each formula as ``\\(...\\)`` or ``\\[...\\]``
inside a ``span``/``div`` of class ``arithmatex``. After each page is built, this hook
sends all of them to KaTeX (node, from the npm registry via ``npm ci``) and puts the
HTML in their place, so the site needs no JavaScript for math and no network at all.
A formula KaTeX cannot parse fails the build. KaTeX's stylesheet and fonts are copied
from node_modules into the built site, so nothing third-party is committed.

The search plugin indexes each page before this hook renders its math, so after the
build the hook rewrites ``search/search_index.json``: every ``\\(...\\)`` and
``\\[...\\]`` becomes the formula as plain text, read from KaTeX's MathML (``E(m, b) =
1/N ∑_(i=1)^N ...``), so a search shows what the page shows, never raw TeX.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[2]
KATEX_DIST = ROOT / "node_modules" / "katex" / "dist"
SCRIPT = Path(__file__).with_name("katex_render.cjs")
FORMULA = re.compile(r'<(?P<tag>span|div) class="arithmatex">(?P<body>.*?)</(?P=tag)>', re.DOTALL)
#: Math as the search plugin leaves it in the index: the TeX between its delimiters.
INDEXED_MATH = re.compile(r"\\\((?P<inline>.*?)\\\)|\\\[(?P<display>.*?)\\\]", re.DOTALL)
MATHML = "{http://www.w3.org/1998/Math/MathML}"


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
    rendered = iter(_katex(items, page.file.src_path))
    return FORMULA.sub(
        lambda m: f'<{m.group("tag")} class="arithmatex">{next(rendered)}</{m.group("tag")}>',
        output,
    )


def _katex(items: list[dict[str, object]], where: str) -> list[str]:
    done = subprocess.run(
        ["node", str(SCRIPT)],
        input=json.dumps(items),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise PluginError(f"{where}: {done.stderr.strip()}")
    rendered: list[str] = json.loads(done.stdout)
    return rendered


def on_post_build(config, **kwargs) -> None:  # type: ignore[no-untyped-def]
    target = Path(config["site_dir"]) / "assets" / "katex"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(KATEX_DIST / "katex.min.css", target / "katex.min.css")
    shutil.copytree(KATEX_DIST / "fonts", target / "fonts", dirs_exist_ok=True)
    index = Path(config["site_dir"]) / "search" / "search_index.json"
    if index.is_file():
        index.write_text(plain_math_index(index.read_text(encoding="utf-8")), encoding="utf-8")


def plain_math_index(text: str) -> str:
    """The search index with every formula in its entries replaced by plain text."""
    data = json.loads(text)
    fields = [(doc, key) for doc in data["docs"] for key in ("title", "text") if doc.get(key)]
    formulas: list[str] = []
    for doc, key in fields:
        for match in INDEXED_MATH.finditer(doc[key]):
            formulas.append(html.unescape(match.group("inline") or match.group("display") or ""))
    if not formulas:
        return text
    items = [{"tex": tex, "display": False, "mathml": True} for tex in formulas]
    plain = iter([mathml_text(markup) for markup in _katex(items, "search index")])
    for doc, key in fields:
        doc[key] = INDEXED_MATH.sub(lambda _: html.escape(next(plain), quote=False), doc[key])
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def mathml_text(markup: str) -> str:
    """KaTeX's MathML as one line of text: fractions as a/b, scripts as ^ and _."""
    start, end = markup.find("<math"), markup.rfind("</math>")
    root = ET.fromstring(markup[start : end + len("</math>")])
    text = re.sub(r"\s+", " ", _text(root)).strip()
    return re.sub(r"([(^_]) ?([−+]) ", r"\1\2", text)  # a sign, not an operator: 10^(−4)


def _text(node: ET.Element) -> str:
    tag = node.tag.removeprefix(MATHML)
    if tag == "annotation":
        return ""
    parts = [part for part in (_text(child) for child in node) if part.strip()]
    if tag == "mfrac" and len(parts) == 2:
        return f"{_grouped(parts[0])}/{_grouped(parts[1])}"
    if tag in ("msup", "msub", "msubsup", "munder", "mover", "munderover") and parts:
        marks = {"msup": "^", "msub": "_", "mover": "^", "munder": "_"}
        if tag in marks and len(parts) == 2:
            return f"{parts[0]}{marks[tag]}{_grouped(parts[1])}"
        if len(parts) == 3:
            return f"{parts[0]}_{_grouped(parts[1])}^{_grouped(parts[2])}"
    if tag == "msqrt":
        return f"√{_grouped(''.join(parts))}"
    own = (node.text or "").replace("\u2061", "")
    if tag == "mo" and own.strip() in {"=", "+", "−", "<", ">", "≤", "≥", "≈", "×", "→", "←"}:
        own = f" {own.strip()} "
    return own + "".join(parts) + ("" if node.tail is None else node.tail)


def _grouped(text: str) -> str:
    bare = len(text.strip()) == 1 or re.fullmatch(r"[\w.]+", text.strip())
    return text.strip() if bare else f"({text.strip()})"
