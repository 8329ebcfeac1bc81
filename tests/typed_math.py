"""Find the mathematics typed by hand in the docs' Markdown: the counter behind
`tests/test_typed_math.py`.

Every formula on the site is meant to be printed from `linreg.symbolic` at build time,
so the only mathematics a page may type is a single symbol ($\\eta$, $\\lambda_{\\max}$)
or a number ($10^{-6}$). This module reads a page's Markdown and finds the rest:

- **prose**: every ``$...$`` and ``$$...$$`` outside code, except a reference
  ``${{ name }}$`` that the build fills in from `linreg.symbolic.relations`;
- **generated text**: every ``$...$`` in a string of a block that markdown-exec runs
  and whose output is Markdown. There an interpolation ``{...}`` is generated: it is
  *numeric* when it formats a number (a format spec, or `latex_number` and its kin),
  *symbolic* when its code uses `linreg.symbolic` (directly or through a name assigned
  from it), numeric otherwise. A formula may then state the value of one thing
  (``\\lambda_{\\max} = {latex_number(...)}``, ``{relation} = {number}``), but a relation
  whose meaning is typed (``\\eta < {bound}``, ``{left} = {right}``) is caught;
- **Unicode**: a relation written with Unicode symbols (``η < 2/λ``) in prose, or in a
  ``print`` string where neither side is generated.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

FENCE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<mark>```|~~~)(?P<info>[^\n]*)\n"
    r"(?P<body>.*?)^(?P=indent)(?P=mark)[ \t]*$",
    re.DOTALL | re.MULTILINE,
)
MATH = re.compile(r"\$\$(?P<display>.+?)\$\$|\$(?P<inline>[^$]+?)\$", re.DOTALL)
#: A reference to a named relation or term, filled in by docs/hooks/relations.py.
REFERENCE = re.compile(r"^\s*\{\{\s*[\w .:-]+\s*\}\}\s*$")
#: A relation between two expressions, in TeX: =, <, >, ≤, ≥, ≈, ∝, →, ~, ≠, ≪, ≫, ←.
RELATION = re.compile(
    r"=|<|>|≤|≥|≈|∝|→|←|~|"
    r"\\(?:le|leq|ge|geq|lt|gt|ne|neq|approx|propto|to|sim|simeq|gg|ll|leftarrow|"
    r"rightarrow|Rightarrow|mapsto|equiv|coloneqq|in|subset)(?![A-Za-z])"
)
#: Placeholders for an interpolation in generated text.
NUMERIC, SYMBOLIC = "\x01", "\x02"

_DECORATION = r"(?:\\(?:bar|hat|tilde|vec|mathbf|boldsymbol|mathcal|widehat|overline)\s*)?"
_BASE = r"(?:\{?(?:[A-Za-z]|\\[A-Za-z]+)\}?|\\(?:mathrm|text|operatorname)\{[A-Za-z ]+\})"
_SUB = r"(?:_(?:\{[^{}]*\}|\\[A-Za-z]+|[A-Za-z0-9]))?"
_SUP = r"(?:\^(?:\*|\{\*\}|\\top|\{\\top\}))?"
_SYMBOL = _DECORATION + _BASE + _SUB + _SUP + _SUB
#: One symbol, possibly decorated, with a subscript and a star: η, \lambda_{\max}, \bar x,
#: C_{xx}, \hat\theta^*, E_\alpha; or the size of one, \lVert\theta^*\rVert.
SYMBOL = re.compile(rf"{_SYMBOL}|\\lVert\s*{_SYMBOL}\s*\\rVert|\|\s*{_SYMBOL}\s*\|")
#: What a formula made of numbers alone may hold besides its numbers.
_ARITHMETIC = re.compile(
    r"\\(?:times|cdot|ln|log|exp|lceil|rceil|lfloor|rfloor|left|right|lvert|rvert|lVert|"
    r"rVert|dots|ldots|cdots|pm|quad|qquad|%|,|;|!|begin\{[a-z]*matrix\}|end\{[a-z]*matrix\}|"
    r"\\)|[-+−*/^_{}()\[\]|,.&!%\s]|[0-9]"
)


def strip_spacing(tex: str) -> str:
    tex = re.sub(r"\\(?:[,;:! ]|quad|qquad)", " ", tex)
    return tex.strip().strip(".,;:").strip()


#: Quantities written, by convention, as one symbol with a square: the variance σ² and
#: the coefficient of determination R².
NAMED = frozenset({r"\sigma^2", "R^2"})


def is_symbol(tex: str) -> bool:
    """A single symbol (possibly decorated, subscripted, starred), or a named quantity."""
    bare = strip_spacing(tex).replace(" ", "")
    return bool(SYMBOL.fullmatch(bare)) or bare in NAMED


def is_numeric(tex: str) -> bool:
    """Numbers, numeric placeholders and arithmetic only: no symbol in it."""
    rest = _ARITHMETIC.sub("", strip_spacing(tex).replace(NUMERIC, "0"))
    return rest == "" and SYMBOLIC not in tex


def formula_is_typed(tex: str) -> bool:
    """Whether a formula holds mathematics typed by hand (more than one symbol).

    Allowed: a reference, a symbol, a number, a generated formula; and a relation that
    states the value of one thing: all sides numeric but one, which is a symbol or a
    generated formula."""
    tex = strip_spacing(tex)
    if REFERENCE.match(tex):
        return False
    sides = [side.strip() for side in RELATION.split(tex)]
    named = [side for side in sides if not is_numeric(side)]
    if len(sides) == 1:
        return not (is_symbol(tex) or tex == SYMBOLIC or not named)
    if len(named) > 1:
        return True
    return bool(named) and not (named[0] == SYMBOLIC or is_symbol(named[0]))


def is_relation(tex: str) -> bool:
    return bool(RELATION.search(tex))


@dataclass(frozen=True)
class Typed:
    """A formula typed by hand: where it is and what it says."""

    page: str
    where: str  # "prose", "generated" or "unicode"
    tex: str

    @property
    def relation(self) -> bool:
        return self.where == "unicode" or is_relation(self.tex)

    def __str__(self) -> str:
        shown = self.tex.replace(NUMERIC, "{number}").replace(SYMBOLIC, "{symbolic}")
        return f"{self.page} ({self.where}): {' '.join(shown.split())[:100]}"


# --- prose ------------------------------------------------------------------------------------


#: A table that benchmarks/run.py writes into a page: generated text (its headers state
#: the benchmark's settings, such as d = 10, from the script's own values).
BENCHMARK = re.compile(
    r"<!-- benchmark:(?P<name>[\w-]+):start -->.*?<!-- benchmark:(?P=name):end -->", re.DOTALL
)


def prose(text: str) -> str:
    """A page's Markdown without its code (fenced blocks, inline code), its HTML comments
    and the tables the benchmarks write."""
    text = BENCHMARK.sub("\n", FENCE.sub("\n", text))
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.DOTALL)
    return re.sub(r"`[^`\n]*`", " ", text)


def prose_formulas(text: str) -> list[str]:
    return [m.group("display") or m.group("inline") for m in MATH.finditer(prose(text))]


# --- generated text: the strings of executed blocks -------------------------------------------


def _markdown_blocks(text: str) -> list[str]:
    """The code of the blocks markdown-exec runs whose output is Markdown (not shown
    as a code block, not raw HTML)."""
    blocks = []
    for match in FENCE.finditer(text):
        info = match["info"]
        if 'exec="on"' in info and "result=" not in info and 'html="1"' not in info:
            blocks.append(match["body"])
    return blocks


def _symbolic_names(trees: list[ast.Module]) -> set[str]:
    """Names assigned from code that uses linreg.symbolic, followed to a fixed point."""
    names: set[str] = {"symbolic"}
    assignments = [
        (target, node.value)
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
    ]
    while True:
        before = len(names)
        for target, value in assignments:
            if _uses(value, names):
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
        if len(names) == before:
            return names


def _uses(node: ast.AST, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


#: Functions that write a number: an interpolation through one of them is a number,
#: whatever it was computed from.
NUMBER_FORMATTERS = frozenset(
    {
        "latex_number",
        "plain_number",
        "tex_int",
        "distinct",
        "short_of_one",
        "count",
        "int",
        "round",
        "float",
        "len",
    }
)


def _numeric(value: ast.FormattedValue) -> bool:
    call = value.value
    name = getattr(
        getattr(call, "func", None), "id", getattr(getattr(call, "func", None), "attr", "")
    )
    return value.format_spec is not None or name in NUMBER_FORMATTERS


def _template(node: ast.AST, symbolic: set[str]) -> str | None:
    """A string literal with each interpolation replaced by its placeholder."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if not isinstance(node, ast.JoinedStr):
        return None
    parts = []
    for value in node.values:
        if isinstance(value, ast.FormattedValue):
            generated = _uses(value.value, symbolic) and not _numeric(value)
            parts.append(SYMBOLIC if generated else NUMERIC)
        else:
            parts.append(str(getattr(value, "value", "")))
    return "".join(parts)


def generated_strings(text: str) -> tuple[list[str], list[str]]:
    """(every string of the Markdown-printing blocks, the strings given to ``print``)."""
    trees = []
    for block in _markdown_blocks(text):
        try:
            trees.append(ast.parse(block))
        except SyntaxError:  # not Python: nothing to read
            continue
    symbolic = _symbolic_names(trees)
    strings: list[str] = []
    printed: list[str] = []
    for tree in trees:
        # The literal pieces of an f-string are nodes of their own: read the whole.
        pieces = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
        for node in ast.walk(tree):
            template = None if id(node) in pieces else _template(node, symbolic)
            if template is not None:
                strings.append(template)
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "print":
                for inner in (n for a in node.args for n in ast.walk(a) if id(n) not in pieces):
                    template = _template(inner, symbolic)
                    if template is not None:
                        printed.append(template)
    return strings, printed


def generated_formulas(text: str) -> list[str]:
    strings, _ = generated_strings(text)
    return [
        m.group("display") or m.group("inline") for string in strings for m in MATH.finditer(string)
    ]


# --- Unicode ----------------------------------------------------------------------------------

_MATH_CHAR = r"[α-ωΑ-Ω∂∇∑∏√ᵢⱼₖ²³⁻¹⊤‖̄̂ʹ′∗*]"
_OPERAND_TOKEN = rf"(?:(?<![A-Za-z]){_MATH_CHAR}*[A-Za-z](?![A-Za-z])|{_MATH_CHAR}+|\d[\d.,]*)"
_OPERAND = rf"[(\[|]*{_OPERAND_TOKEN}(?:\s*[-+−×·/^()\[\]|]*\s*{_OPERAND_TOKEN})*[)\]|]*"
UNICODE_RELATION = re.compile(
    rf"(?P<left>{_OPERAND})[ \t]*(?P<op>[=<>≤≥≈∝→←~≠≪≫])[ \t]*(?P<right>{_OPERAND})"
)


def _has_symbol(operand: str) -> bool:
    return bool(re.search(rf"[A-Za-z]|{_MATH_CHAR}", operand.replace("*", "")))


def unicode_relations(line: str, *, generated: bool = False) -> list[str]:
    """Relations written in Unicode in one line of text. In generated text a relation
    whose one side is a number (an interpolation) states a value, and is allowed."""
    found = []
    text = re.sub(r"<[^>\n]*>", " ", line).replace(NUMERIC, "0").replace(SYMBOLIC, "0")
    for match in UNICODE_RELATION.finditer(text):
        left, right = _has_symbol(match["left"]), _has_symbol(match["right"])
        if (left and right) if generated else (left or right):
            found.append(match.group().strip())
    return found


def _prose_lines(text: str) -> list[str]:
    body = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.DOTALL)  # front matter
    body = MATH.sub(" ", prose(body))
    body = re.sub(r"\]\([^)]*\)", "] ", body)  # link targets
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.DOTALL)
    return body.splitlines()


# --- the page, all together ---------------------------------------------------------------------


def typed_math(page: str, text: str) -> list[Typed]:
    """Every piece of mathematics typed by hand on one page."""
    found = [Typed(page, "prose", f) for f in prose_formulas(text) if formula_is_typed(f)]
    found += [Typed(page, "generated", f) for f in generated_formulas(text) if formula_is_typed(f)]
    for line in _prose_lines(text):
        found += [Typed(page, "unicode", r) for r in unicode_relations(line)]
    _, printed = generated_strings(text)
    for string in printed:
        for line in MATH.sub(" ", string).splitlines():
            found += [Typed(page, "unicode", r) for r in unicode_relations(line, generated=True)]
    return found
