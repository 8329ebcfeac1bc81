"""MkDocs hook: fill in each named relation a page refers to, from `linreg.symbolic`.

A page never types a relation. It names one, as the whole of a formula:
``${{ gd-stable-max }}$`` inline, or ``$$ {{ normal-equations }} $$`` on a line of its
own, and this hook puts in the LaTeX that `linreg.symbolic.relations.formula` prints
from the registry (where sympy proves each relation in the tests). An unknown name, a
reference that is only part of a formula, or one outside a formula fails the build.
Code blocks are left alone: their references are Python calls to ``formula``.

The notebooks made from pages (docs/hooks/notebooks.py) get the same text.
"""

from __future__ import annotations

import re

from mkdocs.exceptions import PluginError

#: Fenced code and inline code: references inside them are not references.
CODE = re.compile(r"^([ \t]*)(```|~~~).*?^\1\2[ \t]*$|`[^`\n]*`", re.DOTALL | re.MULTILINE)
MATH = re.compile(r"\$\$(?P<display>.+?)\$\$|\$(?P<inline>[^$\n]+?)\$", re.DOTALL)
REFERENCE = re.compile(r"\{\{\s*(?P<name>[\w.:-]+)\s*\}\}")


def _formula(name: str, inline: bool, where: str) -> str:
    from linreg.symbolic.relations import formula

    try:
        return formula(name, inline=inline)
    except KeyError as error:
        raise PluginError(f"{where}: {error.args[0]}") from None


def _fill(text: str, where: str) -> str:
    """Prose (no code in it) with each reference replaced by its LaTeX."""

    def math(match: re.Match[str]) -> str:
        display = match.group("display") is not None
        body = match.group("display") if display else match.group("inline")
        if "{{" not in body:
            return match.group(0)
        found = REFERENCE.fullmatch(body.strip())
        if not found:
            raise PluginError(f"{where}: a reference must be the whole formula: ${body}$")
        tex = _formula(found.group("name"), not display, where)
        return f"$$\n{tex}\n$$" if display else f"${tex}$"

    filled = MATH.sub(math, text)
    stray = REFERENCE.search(MATH.sub(" ", filled))
    if stray:
        raise PluginError(f"{where}: {stray.group(0)} outside a formula: write ${stray.group(0)}$")
    return filled


def expand(markdown: str, where: str = "page") -> str:
    """A page's Markdown with every reference to a named relation filled in."""
    parts, last = [], 0
    for code in CODE.finditer(markdown):
        parts += [_fill(markdown[last : code.start()], where), code.group(0)]
        last = code.end()
    parts.append(_fill(markdown[last:], where))
    return "".join(parts)


def on_page_markdown(markdown: str, page, config, files, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return expand(markdown, page.file.src_path)
