"""The compiled loop (`linreg/line_kernel.c`, loaded by `linreg._kernel`): built, its
sums exact where the terms are small integers and within their bound against rationals
elsewhere, and the pass's statistics within their stated rounding with the loop and
with numpy's calls alike, on offsets, timestamps, far-apart scales and tiny numbers."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import math
import platform
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from linreg import _kernel, accumulate
from linreg._line_sums import LINE_PIECE, block_scratch, line_sums

from .conftest import ROOT, SMALLEST_SUBNORMAL

NEEDS_LOOP = pytest.mark.skipif(
    not _kernel.loaded(), reason="the C loop is not built (no C compiler): numpy's calls run"
)


def test_the_loop_is_built():
    # A skip is a failure in CI (LINREG_REQUIRE_ALL=1): there the loop must be built.
    if not _kernel.loaded():
        pytest.skip("the C loop is not built (no C compiler at install): numpy's calls run")
    assert _kernel.LIBRARY.is_file()


def test_the_loop_can_be_turned_off():
    code = "from linreg import _kernel; print(_kernel.loaded())"
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={"LINREG_KERNEL": "0", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "False"


def _table(x: np.ndarray, y: np.ndarray, shift: tuple[float, float]) -> np.ndarray:
    pieces = -(-y.shape[0] // LINE_PIECE)
    table = np.full((5, pieces), np.nan)
    assert _kernel.piece_sums(x, y, shift, LINE_PIECE, table)
    return table


def _terms(a: np.ndarray, b: np.ndarray) -> list[list[Fraction]]:
    A, B = [Fraction(v) for v in a.tolist()], [Fraction(v) for v in b.tolist()]
    return [A, B, [u * u for u in A], [u * v for u, v in zip(A, B)], [v * v for v in B]]


ROWS = [1, 7, 8, 9, LINE_PIECE - 1, LINE_PIECE, LINE_PIECE + 1, 3 * LINE_PIECE + 5]


@NEEDS_LOOP
@pytest.mark.parametrize("n", ROWS)
def test_small_integers_are_summed_exactly(n):
    # Every sum of these terms is exact in float64, whatever the order: a row left out,
    # a lane added twice or a shift taken wrongly changes a sum.
    rng = np.random.default_rng(n)
    x, y = rng.integers(-50, 50, n).astype(float), rng.integers(-1000, 1000, n).astype(float)
    table = _table(x, y, (3.0, -7.0))
    a, b = x - 3.0, y + 7.0
    for p in range(table.shape[1]):
        rows = slice(p * LINE_PIECE, (p + 1) * LINE_PIECE)
        expected = [sum(column) for column in _terms(a[rows], b[rows])]
        assert table[:, p].tolist() == [float(e) for e in expected]


def _families(n: int) -> dict[str, tuple[np.ndarray, np.ndarray, tuple[float, float]]]:
    rng = np.random.default_rng(19)
    noise = rng.normal(size=n)
    stamps = 1.7e9 + np.sort(rng.uniform(0, 3e7, n))
    return {
        "offset 1e4": (1e4 + noise, 2e4 + 3 * noise + rng.normal(size=n), (1e4, 2e4)),
        "timestamps": (stamps, 1e-3 * (stamps - 1.7e9), (float(stamps[0]), 0.0)),
        "scales 1e-150, 1e150": (1e-150 * noise, 1e150 * rng.normal(size=n), (0.0, 0.0)),
        "tiny": (1e-310 * noise, 1e-300 * rng.normal(size=n), (0.0, 0.0)),
        "collinear": (noise, noise * (1 + 1e-12), (0.5, 0.5)),
        "constant": (np.full(n, 3.25), np.full(n, -1.5), (3.25, -1.5)),
    }


@NEEDS_LOOP
@pytest.mark.parametrize("family", list(_families(8)))
def test_each_piece_is_within_its_bound(family):
    # A term of a piece passes through one product and at most ⌈m/8⌉ + 3 additions
    # (eight lanes, then a tree of three): |error| ≤ γ·Σ|terms|, plus the subnormal
    # range's absolute rounding, half its smallest step per operation.
    x, y, shift = _families(2 * LINE_PIECE + 77)[family]
    table = _table(x, y, shift)
    a, b = x - shift[0], y - shift[1]
    for p in range(table.shape[1]):
        rows = slice(p * LINE_PIECE, (p + 1) * LINE_PIECE)
        m = a[rows].shape[0]
        operations = -(-m // 8) + 4
        gamma = accumulate._gamma(operations)
        for k, column in enumerate(_terms(a[rows], b[rows])):
            exact = sum(column)
            magnitude = sum(abs(t) for t in column)
            error = abs(Fraction(table[k, p]) - exact)
            assert error <= gamma * magnitude + operations * SMALLEST_SUBNORMAL, (family, k)


@NEEDS_LOOP
def test_a_sum_that_overflows_is_not_finite_and_leaves_the_flags_alone():
    x, y = np.full(2 * LINE_PIECE, 1e200), np.ones(2 * LINE_PIECE)
    libm = ctypes.CDLL(ctypes.util.find_library("m"))
    if platform.machine() != "x86_64" or sys.platform != "linux":
        pytest.skip("the flags' values are x86-64 Linux's")
    libm.feclearexcept(0x3D)  # FE_ALL_EXCEPT
    table = _table(x, y, (0.0, 0.0))
    assert np.isinf(table[2]).all()  # Σa² overflows
    assert libm.fetestexcept(0x3D) == 0  # no overflow flag left for numpy to find
    assert line_sums(x, y, np.zeros(2), block_scratch(1, x.shape[0])) is None


@NEEDS_LOOP
def test_arrays_that_are_not_plain_take_numpys_calls():
    x = np.arange(4 * LINE_PIECE, dtype=float)[::2]
    table = np.zeros((5, 2))
    assert not _kernel.piece_sums(x, x.copy(), (0.0, 0.0), LINE_PIECE, table)
    assert not table.any()
    with pytest.raises(ValueError, match="do not match"):
        _kernel.piece_sums(x.copy(), x[:10].copy(), (0.0, 0.0), LINE_PIECE, table)


def _exact_statistics(x: np.ndarray, y: np.ndarray) -> tuple[Fraction, ...]:
    X, Y = [Fraction(v) for v in x.tolist()], [Fraction(v) for v in y.tolist()]
    n = len(X)
    mx, my = sum(X) / n, sum(Y) / n
    cxx = sum((u - mx) ** 2 for u in X)
    cxy = sum((u - mx) * (v - my) for u, v in zip(X, Y))
    cyy = sum((v - my) ** 2 for v in Y)
    return mx, my, cxx, cxy, cyy


@pytest.mark.parametrize("loop", [True, False], ids=["loop", "numpy"])
@pytest.mark.parametrize("family", ["offset 1e4", "timestamps", "collinear"])
def test_the_pass_is_within_its_stated_rounding_either_way(family, loop, monkeypatch):
    if loop and not _kernel.loaded():
        pytest.skip("the C loop is not built (no C compiler): numpy's calls run")
    monkeypatch.setattr(accumulate, "BLOCK_ROWS", 4 * LINE_PIECE)  # several blocks
    x, y, _ = _families(9 * LINE_PIECE + 13)[family]
    with contextlib.nullcontext() if loop else _kernel.turned_off():
        assert _kernel.loaded() is loop
        stats = accumulate.one_pass(x[:, None], y)
    assert stats is not None
    mx, my, cxx, cxy, cyy = _exact_statistics(x, y)
    scale = {"xx": cxx, "xy": (cxx * cyy) ** 0.5, "yy": cyy}
    found = {"xx": stats.cxx[0, 0], "xy": stats.cxy[0], "yy": stats.cyy}
    exact = {"xx": cxx, "xy": cxy, "yy": cyy}
    for k in found:
        assert abs(Fraction(float(found[k])) - exact[k]) <= stats.rounding * float(scale[k]), k
    n = x.shape[0]
    for mean, exact_mean, c in [(stats.mean_x[0], mx, cxx), (stats.mean_y, my, cyy)]:
        allowed = stats.mean_rounding * (abs(float(exact_mean)) + math.sqrt(float(c) / n))
        assert abs(Fraction(float(mean)) - exact_mean) <= allowed


@NEEDS_LOOP
@pytest.mark.parametrize("family", ["offset 1e4", "timestamps", "collinear", "constant"])
def test_the_bounds_are_the_same_with_the_loop_or_without(family, monkeypatch):
    # README and the performance page: without a C compiler, numpy's calls run "within
    # the same error bounds". The bounds are the pass's depth and the data's spread,
    # never the route; the sums themselves may differ in their last bits.
    monkeypatch.setattr(accumulate, "BLOCK_ROWS", 4 * LINE_PIECE)
    x, y, _ = _families(9 * LINE_PIECE + 13)[family]
    looped = accumulate.one_pass(x[:, None], y)
    with _kernel.turned_off():
        plain = accumulate.one_pass(x[:, None], y)
    assert looped is not None and plain is not None
    assert looped.count == plain.count
    assert looped.rounding == pytest.approx(plain.rounding, rel=1e-9)
    assert looped.mean_rounding == pytest.approx(plain.mean_rounding, rel=1e-9)
