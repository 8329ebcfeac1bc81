"""The one-pass statistics carry a sound bound on their own rounding.

`linreg.accumulate.Statistics.rounding` and ``mean_rounding`` must cover the actual
error of every co-moment and mean, against exact rational sums, however the pass cut
and merged the data: large offsets, many blocks, small chunks, a CSV.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from linreg.moments import Moments


def _exact(X: np.ndarray, y: np.ndarray):
    """Exact means and centred co-moments (y as the last column), as Fractions."""
    columns = [[Fraction(float(v)) for v in X[:, j]] for j in range(X.shape[1])]
    columns.append([Fraction(float(v)) for v in y])
    n = len(y)
    means = [sum(c) / n for c in columns]
    centred = [[v - m for v in c] for c, m in zip(columns, means)]
    co = [[sum(a * b for a, b in zip(ca, cb)) for cb in centred] for ca in centred]
    return means, co


def _covered(stats: Moments, X: np.ndarray, y: np.ndarray) -> None:
    means, co = _exact(X, y)
    p = X.shape[1]
    got = np.zeros((p + 1, p + 1))
    got[:p, :p], got[:p, p], got[p, :p], got[p, p] = stats.cxx, stats.cxy, stats.cxy, stats.cyy
    n = stats.count
    for j in range(p + 1):
        mean = stats.mean_x[j] if j < p else stats.mean_y
        slack = stats.mean_rounding * (abs(mean) + float(co[j][j] / n) ** 0.5)
        assert abs(Fraction(float(mean)) - means[j]) <= Fraction(slack), ("mean", j)
        for k in range(p + 1):
            bound = stats.rounding * float(co[j][j] * co[k][k]) ** 0.5
            assert abs(Fraction(float(got[j, k])) - co[j][k]) <= Fraction(bound), (j, k)


@pytest.mark.parametrize("offset", [0.0, 1e4, 1e8])
@pytest.mark.parametrize("p", [1, 3])
def test_one_pass_bounds_its_rounding(offset, p):
    rng = np.random.default_rng(int(offset) + p)
    X = rng.normal(size=(3000, p)) + offset
    y = X @ np.arange(1.0, p + 1) + rng.normal(size=3000) + offset
    stats = Moments.from_arrays(X, y)
    assert 0 < stats.rounding < 1e-9 and 0 < stats.mean_rounding < 1e-9
    _covered(stats, X, y)


def test_merges_of_small_chunks_bound_their_rounding():
    """Chunks of 7 rows: hundreds of merges, each adding its own rounding."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(700, 2)) * [1.0, 1e3] + [1e6, -5.0]
    y = X[:, 0] - 1e6 + rng.normal(size=700)
    stats = Moments.from_chunks((X[k : k + 7], y[k : k + 7]) for k in range(0, 700, 7))
    _covered(stats, X, y)


@pytest.mark.parametrize(("p", "offset"), [(1, 1.7e9), (3, 1e6), (12, 0.0), (4, -3e4)])
def test_a_long_chain_of_small_merges_keeps_a_useful_bound(p, offset):
    """180 chunks of 1 to 19 rows merged one after another (as Parquet row groups of 10
    rows are): the means' bound was multiplied by √2 at every merge (2^90 after 180:
    mean_rounding 1.6e12, every verdict "unresolved" at kappa 3); now it is the parts'
    errors weighted by their counts. Still sound against the exact sums, and useful."""
    rng = np.random.default_rng(p)
    sizes = rng.integers(1, 20, size=180)
    n = int(sizes.sum())
    X = rng.normal(size=(n, p)) * rng.uniform(0.5, 2.0, size=p) + offset
    y = (X - offset) @ rng.normal(size=p) + rng.normal(size=n) + offset / 3
    ends = np.cumsum(sizes)
    stats = Moments.from_chunks((X[e - k : e], y[e - k : e]) for e, k in zip(ends, sizes))
    _covered(stats, X, y)
    assert stats.mean_rounding < 1e-12, stats.mean_rounding
    assert stats.rounding < 1e-3, stats.rounding  # merges far from 0 carry u·|x̄| into C


def test_a_csv_bounds_its_rounding(tmp_path):
    rng = np.random.default_rng(4)
    x = rng.normal(size=2000) + 1.7e9
    y = 0.001 * (x - 1.7e9) + rng.normal(size=2000)
    path = tmp_path / "d.csv"
    np.savetxt(path, np.column_stack([x, y]), delimiter=",", fmt="%.17g")
    stats = Moments.from_csv(path, block_bytes=4096)
    _covered(stats, x[:, None], y)


def test_statistics_written_by_hand_are_exact():
    stats = Moments(3, np.array([2.0]), 4.0, np.array([[2.0]]), np.array([4.0]), 8.0)
    assert stats.rounding == 0.0 and stats.mean_rounding == 0.0
    merged = stats + Moments(2, np.array([5.0]), 1.0, np.array([[0.5]]), np.array([0.25]), 3.0)
    assert merged.rounding > 0.0  # the merge's own arithmetic rounds


def _exact_by_integers(X: np.ndarray, y: np.ndarray):
    """`_exact` for many rows: each column as integers over one power of two (floats are
    dyadic), the sums in Python integers, one Fraction per statistic."""
    columns = [X[:, j] for j in range(X.shape[1])] + [y]
    integers, scales = [], []
    for column in columns:
        ratios = [float(v).as_integer_ratio() for v in column]
        scale = max(d for _, d in ratios)
        integers.append([a * (scale // d) for a, d in ratios])
        scales.append(scale)
    n = len(y)
    totals = [sum(c) for c in integers]
    means = [Fraction(t, n * s) for t, s in zip(totals, scales)]
    co = [
        [
            Fraction(n * sum(a * b for a, b in zip(ca, cb)) - ta * tb, n * sa * sb)
            for cb, tb, sb in zip(integers, totals, scales)
        ]
        for ca, ta, sa in zip(integers, totals, scales)
    ]
    return means, co


@pytest.mark.parametrize(
    ("p", "n", "drift"),
    [(1, 300_000, 0.0), (1, 300_000, 1e4), (3, 40_000, 0.0), (3, 40_000, 1e4)],
)
def test_runs_of_blocks_bound_their_rounding(p, n, drift, monkeypatch):
    """Many blocks in runs that share a shift (and, with a drift, runs broken and
    merged): the bounds cover the exact co-moments."""
    import tests.test_rounding as here

    monkeypatch.setattr(here, "_exact", _exact_by_integers)
    rng = np.random.default_rng(p + int(drift))
    X = rng.normal(size=(n, p)) * 3.0 + 1e8 + np.linspace(0.0, drift, n)[:, None]
    y = (X - 1e8) @ np.arange(1.0, p + 1) + rng.normal(size=n) - 7e7
    stats = Moments.from_arrays(X, y)
    # one run: the bound of one block (~1e-11); runs merged across a drift carry each
    # mean's worst-case rounding, mean_rounding·|x̄| with |x̄| = 1e8, into the merge
    # (about 2e-6 here; 7e-6 before runs, when every block was merged)
    assert 0 < stats.rounding < (1e-9 if not drift else 1e-5)
    _covered(stats, X, y)


def _covered_at_any_scale(stats: Moments, X: np.ndarray, y: np.ndarray) -> None:
    """`_covered` for data near the ends of float64's range: √(C_jj·C_kk) as the product
    of two square roots (the product of the co-moments of data at 1e±150 is past float64)."""
    means, co = _exact_by_integers(X, y)
    p = X.shape[1]
    got = np.zeros((p + 1, p + 1))
    got[:p, :p], got[:p, p], got[p, :p], got[p, p] = stats.cxx, stats.cxy, stats.cxy, stats.cyy
    root = [math.sqrt(float(co[j][j])) for j in range(p + 1)]
    for j in range(p + 1):
        mean = stats.mean_x[j] if j < p else stats.mean_y
        slack = stats.mean_rounding * (abs(mean) + root[j] / math.sqrt(stats.count))
        assert abs(Fraction(float(mean)) - means[j]) <= Fraction(slack), ("mean", j)
        for k in range(p + 1):
            bound = Fraction(stats.rounding * root[j] * root[k])
            assert abs(Fraction(float(got[j, k])) - co[j][k]) <= bound, (j, k)


def _family(name: str, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """One feature, the adversarial families: large offsets, Unix timestamps (seconds of a
    day after 2023, in float64), scales near the ends of float64's range."""
    if name == "timestamps":
        x = 1.7e9 + np.sort(rng.uniform(0.0, 86_400.0, n))
        return x, 1e-3 * (x - 1.7e9) + rng.normal(size=n)
    offset, scale = {"1e4": (1e4, 1.0), "1e9": (1e9, 1.0), "tiny": (3.0, 1e-150)}.get(
        name, (3.0, 1e150)
    )
    x = (offset + rng.normal(size=n)) * scale
    return x, (2.0 * x + rng.normal(size=n) * scale) + 5.0 * offset * scale


@pytest.mark.parametrize("family", ["1e4", "1e9", "timestamps", "tiny", "huge"])
@pytest.mark.parametrize("block", [1 << 14, None])
def test_blocks_summed_in_grouped_pieces_bound_their_rounding(family, block, monkeypatch):
    """One feature, many pieces a block (added in groups, `linreg._line_sums`), many
    blocks (1 << 14 rows: 16 pieces in 4 groups of 4; the default: 256 in 16 of 16), the
    last block partial: the bounds cover the exact statistics on every family."""
    from linreg import accumulate

    if block is not None:
        monkeypatch.setattr(accumulate, "BLOCK_ROWS", block)
    rows = accumulate.BLOCK_ROWS
    x, y = _family(family, np.random.default_rng(len(family)), 2 * rows + 3 * 1024 + 77)
    stats = Moments.from_arrays(x[:, None], y)
    assert 0 < stats.rounding < 1e-9
    _covered_at_any_scale(stats, x[:, None], y)


@pytest.mark.parametrize("m", [1, 2, 7, 1023, 1024, 1025, 5000, 16 * 1024, 1 << 18, (1 << 18) - 1])
def test_a_block_counts_every_addition_its_sums_made(m):
    """The depth a block reports covers the most additions any term can meet: a sum of q
    terms, in any order, puts a term through at most q − 1; a block sums pieces of
    min(m, 1,024) rows, then the pieces' sums in g groups (the last may be short), then the
    g groups. A depth below that would undercut every bound built on it (`_bounds`)."""
    from linreg._line_sums import LINE_PIECE, line_sums, scratch_rows

    rng = np.random.default_rng(m)
    x, y = rng.normal(size=m) + 50.0, rng.normal(size=m)
    total, products, depth = line_sums(x, y, np.array([50.0, 0.0]), np.empty((2, scratch_rows(m))))
    sums = [*total, products[0, 0], products[0, 1], products[1, 1]]
    piece = min(m, LINE_PIECE)
    pieces = -(-m // piece)
    groups = min(g for g in range(1, pieces + 1) if g * g >= pieces)
    per_group = -(-pieces // groups)
    additions = (piece - 1) + (per_group - 1) + (groups - 1)
    assert depth - 1 >= additions
    # and the sums are the block's: against exact rational sums (the rows are few enough)
    if m <= 5000:
        a = [Fraction(float(v)) - 50 for v in x]
        b = [Fraction(float(v)) for v in y]
        exact = [sum(a), sum(b), sum(v * v for v in a), sum(u * v for u, v in zip(a, b))]
        exact.append(sum(v * v for v in b))
        gamma = depth * 2.0**-53 / (1 - depth * 2.0**-53)
        sizes = [sum(map(abs, a)), sum(map(abs, b)), exact[2], None, exact[4]]
        sizes[3] = math.sqrt(exact[2] * exact[4])
        for got, want, size in zip(sums, exact, sizes):
            assert abs(Fraction(got) - want) <= Fraction(2 * gamma * float(size))


@pytest.mark.parametrize("seed", range(6))
def test_a_merged_mean_bound_covers_every_error_its_parts_allow(seed):
    """Whatever errors the parts' means have within their own declared bounds, the merged
    mean's declared bound covers the worst of them, plus the merge's own rounding: the
    worst case (n_a·γ_a(|x̄_a| + σ_a) + n_b·γ_b(|x̄_b| + σ_b))/n, in rationals, from parts
    of unequal sizes and means far apart (where the √2 of the old bound was needed)."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 400, size=2)
    parts = []
    for size, offset in zip(sizes, rng.choice([0.0, 1e3, -1e6, 1.7e9], size=2)):
        X = rng.normal(size=(size, 2)) * rng.uniform(0.1, 10, size=2) + offset
        y = X @ rng.normal(size=2) + rng.normal(size=size) + offset
        parts.append(Moments.from_arrays(X, y))
    merged = parts[0] + parts[1]
    n = merged.count
    for j in range(3):

        def mean(m, j=j):
            return float(m.mean_x[j]) if j < 2 else float(m.mean_y)

        def spread(m, j=j):
            c = float(m.cxx[j, j]) if j < 2 else float(m.cyy)
            return Fraction(math.sqrt(c / m.count))

        worst = (
            sum(
                m.count * Fraction(m.mean_rounding) * (abs(Fraction(mean(m))) + spread(m))
                for m in parts
            )
            / n
        )
        exact = sum(m.count * Fraction(mean(m)) for m in parts) / n  # of the parts' means
        own = abs(Fraction(mean(merged)) - exact)  # the merge's own rounding, exactly
        declared = Fraction(merged.mean_rounding) * (abs(Fraction(mean(merged))) + spread(merged))
        assert worst + own <= declared, (j, float(worst + own), float(declared))


@pytest.mark.parametrize("m", [1, 2, 3, 100, 1023, 1024])
def test_one_pieces_sums_are_the_reduces_of_its_table(m):
    """A block of one piece takes its five sums from the table as numpy's reduce of one
    entry gives them (0 + x: −0 becomes +0), bit for bit: against the reduce itself."""
    from linreg._line_sums import _ONES, _dots, line_sums, scratch_rows

    rng = np.random.default_rng(m)
    for x, y, shift in (
        (rng.normal(size=m) + 50.0, rng.normal(size=m), np.array([50.0, 0.0])),
        (np.full(m, 3.0), np.full(m, -0.0), np.array([3.0, 0.0])),  # Σb = −0 in BLAS
        (np.full(m, 2.0), -rng.uniform(size=m) * 1e-300, np.array([2.0, -0.0])),
    ):
        total, products, _ = line_sums(x, y, shift, np.empty((2, scratch_rows(m))))
        rows = np.stack([x - shift[0], y - shift[1]]).reshape(2, 1, m)
        table = np.zeros((5, 1))
        np.matmul(rows, _ONES[:m], out=table[0:2, :1])
        _dots(rows, rows, out=table[2:5:2, :1])
        _dots(rows[0], rows[1], out=table[3, :1])
        sums = np.add.reduce(np.add.reduce(table.reshape(5, 1, 1), axis=2), axis=1)
        ours = [*total, products[0, 0], products[0, 1], products[1, 1]]
        assert np.array(ours).tobytes() == sums.tobytes(), (ours, sums)


@pytest.mark.parametrize("route", ["chunks", "calls"])
def test_a_small_part_far_from_a_large_one_bounds_the_merged_means(route):
    """Three rows near 1e13, then 40,000 about 1e8 at scale 1e8: merged (two chunks' own
    statistics, or the pass's first run of three rows closed when the next rows moved
    away), the means are x̄_a + dx·(n_b/n), whose step rounds by about u·|dx|, here 130
    times σ: the bound charged 6u of |x̄| + σ for it (9e-16 claimed, 5.5e-15 made)."""
    from linreg.accumulate import Pass

    rng = np.random.default_rng(21)
    n = 40_003
    x = 1e8 + 1e8 * (rng.normal(size=n) + 1e5 * (np.arange(n) < 3))
    y = -7e7 + 2.0 * (x - 1e8) + 1e8 * rng.normal(size=n)
    if route == "chunks":
        stats = Moments.from_chunks([(x[:3, None], y[:3]), (x[3:, None], y[3:])])
    else:
        one = Pass(1).add(x[:3, None], y[:3]).add(x[3:, None], y[3:])
        stats = one.result()
    _covered_at_any_scale(stats, x[:, None], y)
