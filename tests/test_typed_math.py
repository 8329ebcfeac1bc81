"""No page types mathematics: every formula of more than one symbol is generated.

The derivation page says: "The only mathematics typed into the pages themselves is
single symbols, such as η or λ_max, and numbers". This file holds the site to that
sentence. It counts the formulas typed by hand in every page of docs/ (the counter is
`tests/typed_math.py`): in the prose, in the strings the pages' code prints, and in
Unicode. Before issue 20 there were 161, 94 of them relations; now there are none.

    python -c "from tests.test_typed_math import report; print(report())"
"""

from __future__ import annotations

import importlib.util
import re

import pytest

from .conftest import ROOT
from .typed_math import formula_is_typed, typed_math, unicode_relations

DOCS = ROOT / "docs"
PAGES = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))


def _typed(page: str) -> list[str]:
    return [str(t) for t in typed_math(page, (DOCS / page).read_text(encoding="utf-8"))]


def report() -> str:
    """The count, page by page: how many formulas of more than one symbol are typed."""
    found = {page: _typed(page) for page in PAGES}
    lines = [f"{len(f):4d} {page}" for page, f in found.items() if f]
    total = sum(len(f) for f in found.values())
    return "\n".join([*lines, f"{total} typed formulas in {len(PAGES)} pages"])


@pytest.mark.parametrize("page", PAGES)
def test_no_page_types_mathematics(page):
    typed = _typed(page)
    assert typed == [], (
        f"{page} types mathematics by hand; name the relation in linreg.symbolic.relations "
        "and write ${{ name }}$ (or call symbolic.formula in the page's code), or say it in "
        f"words: {typed}"
    )


def test_the_derivation_page_says_what_this_test_holds():
    text = " ".join((DOCS / "explanation/derivation.md").read_text(encoding="utf-8").split())
    assert (
        "The only mathematics typed into the pages themselves is single symbols, such as "
        "$\\eta$ or $\\lambda_{\\max}$ (and, by convention, $\\sigma^2$ and $R^2$), and "
        "numbers; `tests/test_typed_math.py` reads every page" in text
    )


# --- the counter itself: it finds what it should, and nothing else --------------------------


@pytest.mark.parametrize(
    "tex",
    [
        r"\eta < 2/\lambda_{\max}",  # a relation
        r"\nabla E = \frac{2}{N}X^\top(Xw + b - y)",  # the issue's own example
        r"\sum x_i^2",  # an expression of more than one symbol
        r"y_i - (m x_i + b)",
        r"E(m, b)",
        "\x01 = \x02 = \x02",  # two generated things joined by a typed "="
        r"\eta < " + "\x02",  # a typed relation with a generated side
        "\x01\x02",  # a typed left side glued to a generated right side
        r"\kappa^2 \approx " + "\x01",  # κ² is an expression, not a symbol
    ],
)
def test_typed_formulas_are_caught(tex):
    assert formula_is_typed(tex)


@pytest.mark.parametrize(
    "tex",
    [
        r"\eta",
        r"\lambda_{\max}",
        r"\bar x",
        r"C_{xx}",
        r"\hat\theta^*",
        r"\lVert\theta^*\rVert",
        "10^{-6}",
        "0.0001",
        "-9",
        "{{ gd-stable-all }}",  # a reference the build fills in
        "\x02",  # generated
        r"\lambda_{\max} = " + "\x01",  # the value of one symbol, generated
        "\x02 = \x01",  # the value of a generated formula
        "\x01^{1000} = \x01",  # arithmetic on generated numbers
    ],
)
def test_symbols_numbers_and_generated_formulas_pass(tex):
    assert not formula_is_typed(tex)


def test_a_planted_relation_in_a_page_is_caught():
    page = (
        "# A page\n\nThe bound is $\\eta < 2/\\lambda_{\\max}$, with ${{ kappa }}$ and "
        "$\\kappa$.\n\nIn words: η < 2/λ for every λ.\n"
    )
    found = typed_math("planted.md", page)
    assert [t.where for t in found] == ["prose", "unicode"], [str(t) for t in found]
    assert all(t.relation for t in found)


def test_a_planted_relation_in_printed_code_is_caught():
    page = (
        '```python exec="on"\nfrom linreg import symbolic\nfrom linreg.plot import latex_number\n'
        'bound = symbolic.step_bound_latex("gd")\n'
        'print(f"stable for $\\\\eta < {bound}$, here ${bound} = {latex_number(2.0)}$")\n'
        'print(f"the rate η = {0.5 * 2} and η = 2/λ by hand")\n```\n'
    )
    found = [str(t) for t in typed_math("planted.md", page)]
    assert found == [
        "planted.md (generated): \\eta < {symbolic}",
        "planted.md (unicode): η = 2/λ",
    ], found


def test_code_shown_as_code_is_not_prose():
    """A block whose output is shown as text (result=) prints program output, and the
    source of any block is code: neither is the page's mathematics."""
    page = (
        '```python exec="on" result="text"\nprint(f"b = {1.0}, m = {2.0}")\n```\n\n'
        "```python\nx = y + z  # $a = b + c$\n```\n\nUse `η = 2/λ` in code.\n"
    )
    assert typed_math("code.md", page) == []


def test_unicode_relations_need_symbols_on_the_typed_side():
    assert unicode_relations("so z = (x − x̄)/s holds") == ["z = (x − x̄)/s"]
    assert unicode_relations("the 2015 data, ~276,914× faster") == []
    assert unicode_relations("at η = 0", generated=True) == []  # a generated value


# --- the build fills in the references ----------------------------------------------------------


def _hook():
    spec = importlib.util.spec_from_file_location("relations_hook", DOCS / "hooks/relations.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_hook_fills_in_references_and_leaves_code_alone():
    from linreg.symbolic import formula

    hook = _hook()
    page = (
        "Stable when ${{ gd-stable-all }}$:\n\n$$ {{ normal-equations }} $$\n\n"
        "```python\nprint('${{ kappa }}$')\n```\n\nand `{{ kappa }}` in code.\n"
    )
    filled = hook.expand(page)
    assert f"${formula('gd-stable-all', inline=True)}$" in filled
    assert f"$$\n{formula('normal-equations')}\n$$" in filled
    assert "print('${{ kappa }}$')" in filled and "`{{ kappa }}`" in filled


@pytest.mark.parametrize(
    "page, message",
    [
        ("${{ no-such-relation }}$", "no relation or term named"),
        ("$\\eta < {{ gd-bound }}$", "must be the whole formula"),
        ("the bound {{ gd-bound }} in words", "outside a formula"),
    ],
)
def test_the_hook_refuses_a_bad_reference(page, message):
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match=re.escape(message)):
        _hook().expand(page, "planted.md")
