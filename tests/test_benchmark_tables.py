"""benchmarks/inout.py's one-thread columns (issue 19's figure: 1000 iterations on 1e7
points against the floor with BLAS held to one thread): measured as the issue defines
it, from `ONE_THREAD_FROM` rows. Timings themselves are never tested."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

threadpoolctl = pytest.importorskip("threadpoolctl")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import inout  # noqa: E402


def _blas_threads() -> list[int]:
    return [pool["num_threads"] for pool in threadpoolctl.threadpool_info()]


def test_the_one_thread_columns_run_both_contenders_in_one_blas_thread():
    from linreg import _kernel

    seen: dict[str, list[list[int]]] = {"floor": [], "ours": []}
    loop: list[bool] = []
    race = {name: (lambda name=name: seen[name].append(_blas_threads())) for name in seen}
    race["ours"] = lambda: (seen["ours"].append(_blas_threads()), loop.append(_kernel.loaded()))
    cells = inout.one_thread_cells(inout.ONE_THREAD_FROM, race)
    floor, ratio, numpy = cells.split(" | ")
    assert float(floor) >= 0.0 and ratio.startswith("**") and ratio.endswith("×**")
    assert numpy.endswith("×") and not numpy.startswith("*")
    assert len(seen["floor"]) == 9  # interleaved, best of 9
    assert len(seen["ours"]) == 18  # with the compiled loop, and without it
    for name, threads in seen.items():
        assert all(t == [1] * len(t) for t in threads), (name, threads)
    assert loop.count(False) >= 9  # the third column: numpy's calls


def test_smaller_tables_leave_the_one_thread_columns_empty():
    race = {"floor": lambda: pytest.fail("timed"), "ours": lambda: pytest.fail("timed")}
    assert inout.one_thread_cells(inout.ONE_THREAD_FROM - 1, race) == "— | — | —"


def test_the_one_feature_table_has_the_columns_at_1e6_and_1e7_rows():
    assert inout.ONE_THREAD_FROM == 10**6  # docs/performance.md: "From 1e6 rows"
    source = (Path(inout.__file__).parent / "run.py").read_text()
    assert "one thread: floor (ms) | one thread: **linreg** | one thread, no C loop |" in source
    assert "alone = one_thread_cells(n, race)" in source
