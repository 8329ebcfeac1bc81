"""Every number the docs state is produced by the code, or checked here.

A number in a page's prose (outside its code blocks) was typed by hand, so it can go
stale. This test reads every page's Markdown, takes out what the build generates or
shows as code (fenced blocks, which markdown-exec runs; inline code; HTML tags; link
targets), and finds the numbers left. Each must be one of:

- a single digit (formula constants such as the 2 in 2/λ, list numbers);
- an input the page's own executed code uses (the prose "5000 steps" next to
  ``num_iterations=5000``): change the code and the prose no longer matches;
- a claim in `CLAIMS`, whose check against linreg runs in `test_claim_holds`.

Anything else is a number the code does not produce: the test fails and names it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest

from .conftest import ROOT

DOCS = ROOT / "docs"
#: Pages that are not (yet) held to this rule. Owned by the performance/exactness work
#: (issue 10); bring them under this test when that lands.
NOT_YET = {"performance.md", "explanation/exactness.md"}

FENCE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<mark>```|~~~)(?P<info>[^\n]*)\n"
    r"(?P<body>.*?)^(?P=indent)(?P=mark)[ \t]*$",
    re.DOTALL | re.MULTILINE,
)
NUMBER = re.compile(r"(?<![\w.\\{^_-])\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?(?![\w])")
POWER_OF_TEN = re.compile(r"10\^\{?(-?\d+)\}?")
CODE_NUMBER = re.compile(r"(?<![\w.])\d[\d_]*(?:\.\d+)?(?:e[-+]?\d+)?(?![\w])")


def _source(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def _command_output() -> str:
    import contextlib
    import io

    from linreg.cli import main

    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        assert main([]) == 0
    return output.getvalue()


def _parser_default(option: str) -> object:
    from linreg.cli import build_parser

    return build_parser().get_default(option)


#: Numbers stated in prose that are not generated on their page: each with what it
#: claims and the check that it is still true.
CLAIMS: dict[float, tuple[str, Callable[[], bool]]] = {
    256: (
        "the most --x the command takes",
        lambda: __import__("linreg._cli_columns")._cli_columns.MAX_COMMAND_FEATURES == 256,
    ),
    0.0001: (
        "the livestream's learning rate, the command's default",
        lambda: "Learning rate 0.0001:" in _command_output(),
    ),
    1e-6: (
        "the certificate's default tolerance",
        lambda: __import__("importlib").import_module("linreg.descent").DEFAULT_TOL == 1e-6,
    ),
    1000: (
        "the livestream's iterations, the command's default",
        lambda: _parser_default("iterations") == 1000,
    ),
    100: (
        "the livestream's data has 100 rows",
        lambda: len(__import__("linreg").load_points()) == 100,
    ),
    2015: (
        "the data's copyright year, as its README states",
        lambda: "(c) 2015 Matt Nedrich" in _source("data/README.md"),
    ),
    1e-9: (
        "the explorer's agreement with linreg, the browser test's tolerance",
        lambda: "EXPLORER_TOLERANCE = 1e-9" in _source("tests/test_docs.py"),
    ),
    1e16: (
        "float64 rounds each operation by about one part in 10^16",
        lambda: 1e-16 < float(np.finfo(np.float64).eps) < 1e-15,
    ),
    100_000_000: (
        "the most iterations gradient_descent accepts",
        lambda: (
            __import__("importlib").import_module("linreg.descent").MAX_ITERATIONS == 100_000_000
        ),
    ),
}


def _split(text: str) -> tuple[str, str]:
    """(prose, the code of the page's executed blocks)."""
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.DOTALL)  # front matter
    executed = "\n".join(m["body"] for m in FENCE.finditer(text) if 'exec="on"' in m["info"])
    prose = FENCE.sub(" ", text)
    prose = re.sub(r"<select.*?</select>", " ", prose, flags=re.DOTALL)  # the explorer's menu
    prose = re.sub(r"`[^`\n]*`", " ", prose)  # inline code: names and commands
    prose = re.sub(r"<[^>\n]*>", " ", prose)  # HTML tags and their attributes
    prose = re.sub(r"\]\([^)]*\)", "] ", prose)  # link targets
    prose = re.sub(r"^:::.*$", " ", prose, flags=re.MULTILINE)  # mkdocstrings
    prose = POWER_OF_TEN.sub(lambda m: f"1e{m.group(1)}", prose.replace("{,}", ","))
    return prose, executed


def _value(token: str) -> float:
    return float(token.rstrip(",").replace(",", "").replace("_", ""))


def typed_numbers(text: str) -> list[tuple[float, str]]:
    """The numbers in the prose of a page that its own code does not use: (value, context)."""
    prose, executed = _split(text)
    inputs = {_value(m.group()) for m in CODE_NUMBER.finditer(executed)}
    found = []
    for match in NUMBER.finditer(prose):
        token = match.group().rstrip(",")
        if re.fullmatch(r"\d", token) or _value(token) in inputs:
            continue
        context = " ".join(prose[max(0, match.start() - 50) : match.end() + 30].split())
        found.append((_value(token), context))
    return found


PAGES = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))


@pytest.mark.parametrize("page", [p for p in PAGES if p not in NOT_YET])
def test_every_number_in_prose_is_generated_or_checked(page):
    stale = [
        (value, context)
        for value, context in typed_numbers((DOCS / page).read_text())
        if value not in CLAIMS
    ]
    assert not stale, (
        f"{page} states numbers that no code produces; print them from a markdown-exec block "
        f"or add a checked claim to CLAIMS: {stale}"
    )


@pytest.mark.parametrize("value", sorted(CLAIMS))
def test_claim_holds(value):
    what, check = CLAIMS[value]
    assert check(), f"the docs say {value:g} ({what}), but the code no longer does"


def test_a_stale_number_is_caught():
    page = "The Hessian's condition number is $\\kappa \\approx 66{,}031$, after 1000 steps.\n"
    assert [value for value, _ in typed_numbers(page)] == [66031.0, 1000.0]
    code = '```python exec="on"\nfit(num_iterations=5000)\n```\nwhere 5000 steps crawl\n'
    assert typed_numbers(code) == []
    assert typed_numbers(code.replace("where 5000", "where 4000"))[0][0] == 4000.0


# --- sentences: facts about the code that the prose states in words ------------------------------


def _threads_in_one_pass() -> int:
    """How many threads one pass of the statistics starts, on data big enough to split."""
    import threading

    from linreg.moments import Moments

    started = []
    original = threading.Thread.start

    def start(thread: threading.Thread) -> None:
        started.append(thread)
        original(thread)

    rng = np.random.default_rng(0)
    x = rng.normal(size=(1 << 20, 1))
    threading.Thread.start = start  # type: ignore[method-assign]
    try:
        Moments.from_arrays(x, x[:, 0])
    finally:
        threading.Thread.start = original  # type: ignore[method-assign]
    return len(started)


def _in(path: str, text: str) -> bool:
    return text in _source(path)


def _widths() -> list[int]:
    """The bytes `linreg.columnar` counts a value of int8, float64, decimal128, decimal256."""
    import pyarrow as pa

    from linreg import columnar

    kinds = [pa.int8(), pa.float64(), pa.decimal128(30, 5), pa.decimal256(40, 5)]
    return [columnar._row_bytes(pa.schema([("x", kind)]), ["x"]) for kind in kinds]


def _block_depth() -> int:
    """The depth (additions a term meets, + 1) of a full one-feature block's sums."""
    from linreg import accumulate
    from linreg._line_sums import line_sums, scratch_rows

    rows = accumulate.BLOCK_ROWS
    sums = line_sums(np.ones(rows), np.ones(rows), np.zeros(2), np.empty((2, scratch_rows(rows))))
    assert sums is not None
    return sums[2]


def _loop_sums_one_feature() -> bool:
    """A one-feature block of several pieces is summed by the compiled loop in eight
    lanes, the scratch untouched (where the loop is built: `test_kernel` requires it in CI)."""
    from linreg import _kernel
    from linreg._line_sums import LINE_PIECE, line_sums

    source = (_kernel.LIBRARY.parents[1] / "line_kernel.c").read_text()
    scratch = np.full((2, 3 * LINE_PIECE), np.nan)
    rows = np.arange(3 * LINE_PIECE, dtype=float)
    sums = line_sums(rows, rows, np.zeros(2), scratch)
    untouched = bool(np.isnan(scratch).all())
    return "#define LANES 8" in source and sums is not None and untouched == _kernel.loaded()


#: (page, words, check): the page says these words (whitespace aside), and the check is the
#: code still making them true. Change the code and the test names the sentence to fix.
SENTENCES: list[tuple[str, str, Callable[[], bool]]] = [
    (
        "performance.md",
        "The pass reads the data in cache-sized blocks, in one thread",
        lambda: (
            "LINREG_PASS_THREADS" not in __import__("os").environ and _threads_in_one_pass() == 0
        ),
    ),
    (
        "performance.md",
        "With one feature, the block is shifted and summed in one compiled loop "
        "(`linreg/line_kernel.c`): each row is read once and added into eight lanes",
        _loop_sums_one_feature,
    ),
    (
        "performance.md",
        "so a block of 262,144 rows rounds like about 1,056 terms",
        lambda: (
            __import__("linreg.accumulate").accumulate.BLOCK_ROWS == 262_144
            and abs(_block_depth() - 1056) <= 2
        ),
    ),
    (
        "performance.md",
        "a column at a time where the group's columns fit in 24 MiB, a batch at a time beyond",
        lambda: (
            __import__("linreg.columnar").columnar.COLUMNWISE_BYTES == 24 << 20
            and __import__("linreg.columnar").columnar.WIDE_COLUMNS == 2
            and _in("linreg/columnar.py", "own.read_row_group(index, columns=[name]")
            and _in("linreg/columnar.py", "for batch in batches:")
        ),
    ),
    (
        "performance.md",
        "counts a value at its width in memory: 8 bytes, or a decimal's 16 or 32 until it is cast",
        lambda: _widths() == [8, 8, 16, 32],
    ),
    (
        "performance.md",
        "would hold more than 88 MiB as its columns are streamed",
        lambda: (
            __import__("linreg._zstd_frame")._zstd_frame.DECODER_BYTES == 88 << 20
            and _in("linreg/_ipc_file.py", "_zstd_frame.check_decoders(")
        ),
    ),
    (
        "performance.md",
        "so is a column whose dictionary page is over 1.5 MiB beside such a group",
        lambda: __import__("linreg.columnar").columnar.DICTIONARY_BYTES == 3 << 19,
    ),
    (
        "performance.md",
        "rows short of a block wait in a buffer of one block, so the pass sums the blocks "
        "`fit`'s pass sums",
        lambda: (
            _in("linreg/_partial.py", "self.block = block_rows(n_features)")
            and _in("tests/test_estimator_stream.py", "def test_the_buffer_holds_less_than_a_block")
        ),
    ),
    (
        "performance.md",
        "plain float64 arrays skip scikit-learn's conversion (their finiteness still checked, "
        "by a sum",
        lambda: _in("linreg/estimator.py", "math.isfinite(np.add.reduce(X, axis=None)"),
    ),
    (
        "performance.md",
        "the data's columns followed by a column of ones, last (`benchmarks/run.py` builds it",
        lambda: _in("benchmarks/run.py", "np.column_stack([X, np.ones(len(X))]) if intercept"),
    ),
    (
        "explanation/exactness.md",
        "followed by a column of ones, *last*",
        lambda: _in("benchmarks/run.py", "np.column_stack([X, np.ones(len(X))]) if intercept"),
    ),
    (
        "explanation/exactness.md",
        "The test suite holds the float mode to the peers (`tests/test_nist.py`",
        lambda: _in("tests/test_nist.py", "def test_float_mode_beats_the_peers"),
    ),
    (
        "how-to/scikit-learn.md",
        "It passes scikit-learn's own estimator checks (`parametrize_with_checks`, in "
        "`tests/test_estimator.py`)",
        lambda: _in("tests/test_estimator.py", "@parametrize_with_checks("),
    ),
    (
        "how-to/scikit-learn.md",
        "emits a `ConvergenceWarning`",
        lambda: _in("tests/test_estimator.py", "pytest.warns(ConvergenceWarning"),
    ),
    (
        "how-to/scikit-learn.md",
        "flattened with a `DataConversionWarning`",
        lambda: _in("tests/test_estimator.py", "DataConversionWarning"),
    ),
]


@pytest.mark.parametrize("page, words, check", SENTENCES, ids=[s[1][:40] for s in SENTENCES])
def test_sentence_holds(page, words, check):
    prose = " ".join((DOCS / page).read_text(encoding="utf-8").split())
    assert " ".join(words.split()) in prose, f"{page} no longer says {words!r}: drop the entry"
    assert check(), f"{page} says {words!r}, but the code no longer does"


def test_mu_is_momentum_on_every_page():
    import re

    # μ is the momentum everywhere; a per-step factor such as 1 − ηλ gets another letter.
    redefined = [
        page
        for page in PAGES
        if re.search(r"\\mu\s*=\s*1\s*-", (DOCS / page).read_text(encoding="utf-8"))
    ]
    assert redefined == []
