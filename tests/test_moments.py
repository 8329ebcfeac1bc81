"""One-pass statistics: stability, merging, files, dask, and descent on them."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from linreg import gradient_descent, livestream
from linreg.data import bundled_data_path
from linreg.errors import DataFileError, InputError
from linreg.moments import Moments
from linreg.solve import least_squares

RNG = np.random.default_rng(7)


def _direct(X, y):
    """Two-pass statistics with plain numpy, as an independent check."""
    mx, my = X.mean(axis=0), y.mean()
    Xc, yc = X - mx, y - my
    return mx, my, Xc.T @ Xc, Xc.T @ yc, yc @ yc


def _assert_close(stats: Moments, X, y, rtol=1e-12):
    """Co-moments agree relative to their scale sqrt(C_ii C_jj): a block keeps raw sums
    only while they lose at most three digits, so ~1e-13 of the scale, never more."""
    mx, my, cxx, cxy, cyy = _direct(X, y)
    assert stats.count == len(y)
    np.testing.assert_allclose(stats.mean_x, mx, rtol=rtol)
    assert stats.mean_y == pytest.approx(my, rel=rtol)
    sx = np.sqrt(np.diag(cxx))
    assert np.all(np.abs(stats.cxx - cxx) <= rtol * np.outer(sx, sx))
    assert np.all(np.abs(stats.cxy - cxy) <= rtol * sx * np.sqrt(cyy))
    assert stats.cyy == pytest.approx(cyy, rel=rtol)


@pytest.mark.parametrize("n_features", [1, 3])
def test_from_arrays_and_merging(n_features):
    X = RNG.normal(5.0, 2.0, size=(100_003, n_features))
    y = X.sum(axis=1) + RNG.normal(size=len(X))
    whole = Moments.from_arrays(X, y)
    _assert_close(whole, X, y)
    parts = Moments.from_arrays(X[:10], y[:10]) + Moments.from_arrays(X[10:], y[10:])
    _assert_close(parts, X, y)
    chunks = Moments.from_chunks((X[k : k + 999], y[k : k + 999]) for k in range(0, len(y), 999))
    _assert_close(chunks, X, y)


def test_large_mean_does_not_cancel():
    # x around 1e9 with unit spread: raw Σx² − (Σx)²/N loses every digit in float64.
    x = 1e9 + RNG.normal(size=200_000)
    y = 3.0 * (x - 1e9) + RNG.normal(size=len(x))
    stats = Moments.from_arrays(x[:, None], y)
    exact_var = np.var(x - 1e9) * len(x)  # shifting first is exact enough here
    assert stats.cxx[0, 0] == pytest.approx(exact_var, rel=1e-6)  # block means err by ~ε·1e9 each
    naive = float(x @ x) - float(x.sum()) ** 2 / len(x)
    assert abs(naive - exact_var) / exact_var > 1e-3  # the naive formula is far off
    fit = least_squares(stats)
    assert fit.coef[0] == pytest.approx(3.0, rel=1e-2)  # slope 3, noise 1, 2e5 points: ±0.002


def test_csv_and_npy_equal_in_memory(tmp_path, points, X, y):
    in_memory = Moments.from_arrays(X, y)
    csv = Moments.from_csv(bundled_data_path(), block_bytes=100)
    _assert_close(csv, X, y, rtol=1e-13)  # repr round-trips: same numbers
    npy = tmp_path / "p.npy"
    np.save(npy, points)
    _assert_close(Moments.from_npy(npy, chunk_rows=13), X, y, rtol=1e-13)
    assert in_memory.count == csv.count == 100


def test_bad_streams(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n" * 10 + "3,x\n")
    with pytest.raises(DataFileError, match=r"line 11, column 2: 'x' is not a number"):
        Moments.from_csv(bad, block_bytes=9)
    one = tmp_path / "one.csv"
    one.write_text("1\n2\n")
    with pytest.raises(DataFileError, match="at least 2 columns"):
        Moments.from_csv(one)
    npy = tmp_path / "v.npy"
    np.save(npy, np.array([1.0, 2.0]))
    with pytest.raises(DataFileError, match=r"\(N, k\) table"):
        Moments.from_npy(npy)
    with pytest.raises(InputError, match="cannot merge"):
        Moments.from_arrays([[1.0]], [1.0]) + Moments.from_arrays([[1.0, 2.0]], [1.0])


def test_descent_on_moments_matches_per_pass_and_livestream(points, X, y):
    by_moments = gradient_descent(X, y, learning_rate=0.0001, num_iterations=1000)
    by_pass = gradient_descent(X, y, learning_rate=0.0001, num_iterations=1000, evaluate="pass")
    stats = gradient_descent(Moments.from_arrays(X, y), learning_rate=0.0001, num_iterations=1000)
    # Same iterates up to rounding; descent contracts, so ≤ 1e-11 relative after 1000.
    for fit in (by_moments, stats):
        assert fit.b == pytest.approx(by_pass.b, rel=1e-11)
        assert fit.m == pytest.approx(by_pass.m, rel=1e-11)
        np.testing.assert_allclose(fit.history, by_pass.history, rtol=1e-11)
    b, m = livestream.gradient_descent_runner(points, 0, 0, 0.0001, 1000)
    assert by_moments.b == pytest.approx(b, rel=1e-11)
    assert by_moments.m == pytest.approx(m, rel=1e-11)


def test_descent_on_moments_many_features():
    X = RNG.normal(size=(500, 4))
    y = X @ [1.0, 2.0, -1.0, 0.5] + 1.0 + RNG.normal(scale=0.1, size=500)
    a = gradient_descent(X, y, learning_rate="auto", num_iterations=300)
    b = gradient_descent(X, y, learning_rate="auto", num_iterations=300, evaluate="pass")
    np.testing.assert_allclose(a.w, b.w, rtol=1e-11)  # same iterates, two ways: rounding
    s = gradient_descent(X, y, learning_rate="auto", num_iterations=50, standardize=True, tol=1e-12)
    best = least_squares(X, y)
    np.testing.assert_allclose(s.w, best.coef, rtol=1e-9)  # tol=1e-12 on a κ≈1 problem


def test_least_squares_on_moments(X, y):
    direct = least_squares(X, y)
    stats = least_squares(Moments.from_arrays(X, y))
    assert stats.coef[0] == pytest.approx(
        direct.coef[0], rel=1e-12
    )  # centred normal eqs., κ≈1 after centring
    assert stats.intercept == pytest.approx(direct.intercept, rel=1e-12)
    assert stats.residual_std == pytest.approx(direct.residual_std, rel=1e-10)


def test_moments_argument_errors(X, y):
    stats = Moments.from_arrays(X, y)
    with pytest.raises(InputError, match="not both"):
        gradient_descent(stats, y, learning_rate=1e-4, num_iterations=1)
    with pytest.raises(InputError, match="need the data"):
        gradient_descent(stats, learning_rate=1e-4, num_iterations=1, evaluate="pass")
    with pytest.raises(InputError, match="y is required"):
        gradient_descent(X, learning_rate=1e-4, num_iterations=1)
    with pytest.raises(InputError, match="evaluate must be"):
        gradient_descent(X, y, learning_rate=1e-4, num_iterations=1, evaluate="fast")


def test_dask_local_cluster_fit_equals_in_memory(two_workers):
    """A real two-worker LocalCluster on 127.0.0.1: chunks reduced on the workers."""
    da = pytest.importorskip("dask.array")
    X = RNG.normal(10.0, 3.0, size=(20_000, 2))
    y = X @ [0.5, -1.5] + 4.0 + RNG.normal(size=len(X))
    stats = Moments.from_dask(da.from_array(X, chunks=(3_000, 2)), da.from_array(y, chunks=3_000))
    _assert_close(stats, X, y, rtol=1e-12)
    on_cluster = gradient_descent(stats, learning_rate="auto", num_iterations=100, standardize=True)
    in_memory = gradient_descent(X, y, learning_rate="auto", num_iterations=100, standardize=True)
    np.testing.assert_allclose(
        on_cluster.w, in_memory.w, rtol=1e-10
    )  # merged in another order: rounding
    assert on_cluster.b == pytest.approx(in_memory.b, rel=1e-10)


def _steps(n: int, step: int) -> np.ndarray:
    """x near 0 with a jump of 1e3 every ``step`` rows (a block past a jump starts a new
    run: near 0 a merge costs little), or none, with mean/sd = 50 (the case of issue 10)."""
    if step > n:
        return 50.0 + RNG.normal(size=n)
    return RNG.normal(size=n) + np.arange(n) // step * 1e3


@pytest.mark.parametrize(
    ("p", "step", "threads"),
    [(1, 10**9, 2), (1, 10**9, 8), (1, 150_000, 3), (3, 10**9, 4), (3, 10_000, 2)],
)
def test_threaded_pass_equals_one_thread(monkeypatch, p, step, threads):
    """Blocks summed a wave at a time in threads, one block a thread: the very numbers
    of one thread, also where a block leaves its run mid-wave (a jump) and the wave's
    later blocks are summed again about the new shift."""
    import linreg.accumulate as accumulate

    monkeypatch.setattr(accumulate.os, "cpu_count", lambda: 8)
    monkeypatch.setattr(accumulate, "BLOCK_ROWS", 1 << 16)  # 700,000 rows: 11 blocks
    n = 700_000 if p == 1 else 60_000  # several features: 4,096-row blocks, 15 of them
    X = _steps(n * p, step).reshape(p, n).T
    y = X @ np.arange(1.0, p + 1) + RNG.normal(size=n)
    monkeypatch.setattr(accumulate, "MAX_THREADS", threads)
    pools, real_pool = [], accumulate.ThreadPoolExecutor
    monkeypatch.setattr(accumulate, "ThreadPoolExecutor", lambda k: pools.append(k) or real_pool(k))
    starts, real_block = [], accumulate.Pass._block
    monkeypatch.setattr(
        accumulate.Pass, "_block", lambda self, X, *a: starts.append(1) or real_block(self, X, *a)
    )
    threaded = Moments.from_arrays(X, y)
    blocks = -(-n // accumulate.block_rows(p))
    assert pools == [min(threads, blocks // 2)]  # the waves ran in threads (two blocks each)
    # one block set the first shift; with jumps, blocks left their runs mid-wave
    assert len(starts) == 1 if step > n else len(starts) > 2
    monkeypatch.setattr(accumulate, "MAX_THREADS", 1)
    single = Moments.from_arrays(X, y)
    _assert_close(single, X, y)
    for name in ("count", "mean_x", "mean_y", "cxx", "cxy", "cyy", "rounding", "mean_rounding"):
        assert np.array_equal(getattr(threaded, name), getattr(single, name)), name


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_threaded_pass_names_a_bad_value_mid_wave(monkeypatch, bad):
    """A NaN or infinity in a block summed in a thread: the pass stops, and the error
    names the value, as with one thread."""
    import linreg.accumulate as accumulate

    monkeypatch.setattr(accumulate.os, "cpu_count", lambda: 8)
    monkeypatch.setattr(accumulate, "BLOCK_ROWS", 1 << 16)
    monkeypatch.setattr(accumulate, "MAX_THREADS", 3)
    x = 50.0 + RNG.normal(size=700_000)
    y = 1.3 * x
    y[5 * (1 << 16) + 17] = bad  # the sixth block: the second wave's middle one
    with pytest.raises(InputError, match=f"y holds .*at index \\[{5 * (1 << 16) + 17}\\]"):
        Moments.from_arrays(x[:, None], y)


def test_shifted_blocks_follow_a_drifting_mean():
    # a trend: each block's mean moves far from the first rows' mean, and a large offset
    x = 1e9 + np.linspace(0.0, 1e6, 300_000) + RNG.normal(size=300_000)
    y = 2.0 * (x - 1e9) + RNG.normal(size=len(x))
    stats = Moments.from_arrays(x[:, None], y)
    xc = x - x.mean()
    assert stats.cxx[0, 0] == pytest.approx(float(xc @ xc), rel=1e-12)  # two-pass value, ~ε·√N
    assert least_squares(stats).coef[0] == pytest.approx(2.0, rel=1e-6)  # noise 1 over a 1e6 range


def test_one_shift_keeps_the_raw_route(monkeypatch):
    # mean/sd = 50 loses log10(2501) > 3 digits in raw sums about the origin: without
    # the shift every block would be centred on its own (raw_block, a second pass) and
    # merged; with it, the blocks form one run: nothing centred twice, nothing merged.
    import linreg.accumulate as accumulate

    x = 50.0 + RNG.normal(size=3 * accumulate.BLOCK_ROWS + 12_345)  # 4 blocks
    y = 1.3 * x + RNG.normal(size=len(x))
    centred, merges = [], []
    monkeypatch.setattr(accumulate, "raw_block", lambda *args: centred.append(args))
    real_merge = accumulate.merge
    monkeypatch.setattr(accumulate, "merge", lambda a, b: merges.append(1) or real_merge(a, b))
    stats = Moments.from_arrays(x[:, None], y)
    assert not centred and not merges
    _assert_close(stats, x[:, None], y)
    # one run's bound: as one block of its longest block + its blocks rows, amplified by
    # at most RESHIFT (the shift is the first 1,024 rows' means: about 1 + 1/1024)
    gamma, _ = accumulate._bounds(accumulate.BLOCK_ROWS + 4, accumulate.RESHIFT)
    assert stats.rounding <= gamma


def test_a_drifting_mean_starts_new_runs(monkeypatch):
    # each block's mean is 1e3 standard deviations from the last, near 0 (a merge costs
    # little): every block starts a new run shifted by its own means (no block centred
    # twice), and the result is the two-pass one
    import linreg.accumulate as accumulate

    steps = np.repeat(np.arange(5.0) * 1e3, accumulate.BLOCK_ROWS)
    x = steps + RNG.normal(size=len(steps))
    y = 0.5 * x + RNG.normal(size=len(x))
    centred, merges = [], []
    real_raw, real_merge = accumulate.raw_block, accumulate.merge
    monkeypatch.setattr(accumulate, "raw_block", lambda *a: centred.append(1) or real_raw(*a))
    monkeypatch.setattr(accumulate, "merge", lambda a, b: merges.append(1) or real_merge(a, b))
    stats = Moments.from_arrays(x[:, None], y)
    assert not centred and len(merges) == 4
    _assert_close(stats, x[:, None], y)


def test_a_mean_near_the_square_root_of_the_largest_float():
    """ȳ ≈ 1.34e154: ȳ² is at the edge of float64. The pass squares means to decide
    whether to shift a block; that must give inf, not raise OverflowError (found by
    tests/test_fuzz.py)."""
    y = np.array([1.3407807929942596e154, 1.3407807929942597e154])
    stats = Moments.from_arrays(np.array([[0.0], [1.0]]), y)
    # two neighbouring floats: Cyy = Δ²/2 exactly (their mean is not a float; the pass
    # centres on the first value, so nothing is rounded but the result)
    delta = Fraction(float(y[1])) - Fraction(float(y[0]))
    assert stats.cyy == float(delta**2 / 2)
    assert stats.mean_y == pytest.approx(float(y[0]), rel=1e-15)  # one ulp either way


@pytest.fixture(scope="module")
def two_workers():
    """A real two-worker LocalCluster on 127.0.0.1 (processes), shared by the tests below."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
            processes=True,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert len(client.scheduler_info()["workers"]) == 2
        yield client


def test_dask_dataframes_reach_every_entry_point_as_statistics(two_workers, monkeypatch):
    """minimize, least_squares and the estimator take a dask DataFrame directly: the
    partitions are reduced on the workers and only the statistics come back (computing
    the data is made to fail)."""
    dd = pytest.importorskip("dask.dataframe")
    pandas = pytest.importorskip("pandas")
    from linreg import minimize
    from linreg.estimator import GradientDescentRegressor

    X = RNG.normal(10.0, 3.0, size=(30_000, 2))
    y = X @ [0.5, -1.5] + 4.0 + RNG.normal(size=len(X))
    frame = pandas.DataFrame({"hours": X[:, 0], "sleep": X[:, 1], "score": y})
    ddf = dd.from_pandas(frame, npartitions=7)
    features, target = ddf[["hours", "sleep"]], ddf["score"]
    stats = Moments.from_dask(features, target)
    _assert_close(stats, X, y, rtol=1e-12)  # merged in another order: rounding, ~1e-14
    for collection in (type(features), type(target)):
        monkeypatch.setattr(collection, "compute", lambda *a, **k: pytest.fail("computed"))
        monkeypatch.setattr(collection, "__array__", lambda *a, **k: pytest.fail("computed"))
    in_memory = least_squares(X, y)
    on_cluster = least_squares(features, target)
    # both certified within their error bars (1e-10 at most, the float path's working
    # accuracy), of the same optimum
    np.testing.assert_allclose(on_cluster.coef, in_memory.coef, rtol=2e-10)
    fit = minimize(features, target, method="cg", tol=1e-10, standardize=True)
    assert fit.converged
    np.testing.assert_allclose(fit.w, in_memory.coef, rtol=2e-10)  # both within 1e-10
    model = GradientDescentRegressor().fit(features, target)
    assert model.converged_ and list(model.feature_names_in_) == ["hours", "sleep"]
    assert model.statistics_.count == len(y)
    np.testing.assert_allclose(model.coef_, in_memory.coef, rtol=2e-10)  # as above


def test_dask_inputs_that_do_not_fit(two_workers):
    dd = pytest.importorskip("dask.dataframe")
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame(
        {"name": ["a", "b", "c", "d"], "x": [1.0, 2, 3, 5], "y": [2.0, 4, 7, 9]}
    )
    ddf = dd.from_pandas(frame, npartitions=2)
    with pytest.raises(InputError, match="X's column 'name' holds"):
        Moments.from_dask(ddf[["name", "x"]], ddf["y"])
    other = dd.from_pandas(frame, npartitions=1)
    with pytest.raises(InputError, match="cut into 2 and 1 partitions"):
        Moments.from_dask(ddf[["x"]], other["y"])
    with pytest.raises(InputError, match="sample_weight with dask input is not supported"):
        least_squares(ddf[["x"]], ddf["y"], sample_weight=np.ones(4))
    stats = Moments.from_dask(ddf[["x"]], ddf["y"])
    _assert_close(stats, frame[["x"]].to_numpy(), frame["y"].to_numpy())


def test_wide_data_take_smaller_blocks_and_a_cap():
    """10,000 columns held 5 GB (4,096-row blocks, each 256-row piece a 10,000² product at
    once); blocks now hold about `BLOCK_NUMBERS` numbers, and past `MAX_FEATURES` the
    statistics (p² co-moments, a few copies) are refused with the cure."""
    from linreg import accumulate

    for p in (2, 10, 100, 500, 1000, accumulate.MAX_FEATURES):
        rows = accumulate.block_rows(p)
        assert rows % accumulate.FEATURE_PIECE == 0
        assert rows * (p + 2) <= max(accumulate.BLOCK_NUMBERS, accumulate.FEATURE_PIECE * (p + 2))
    assert accumulate.block_rows(10) == accumulate.FEATURE_BLOCK_ROWS  # the usual case
    wide = np.zeros((3, accumulate.MAX_FEATURES + 1))
    with pytest.raises(InputError, match=r"2,049 features: .* at most 2,048 .* --x"):
        Moments.from_arrays(wide, np.arange(3.0))
    stats = Moments.from_arrays(RNG.normal(size=(300, 600)), RNG.normal(size=300))
    assert stats.n_features == 600 and stats.count == 300


def _statistics_both_ways(monkeypatch, x, y, under="ignore"):
    """The one-pass statistics with one feature's run in Python floats, and in numpy:
    every field as bytes (or the error, and any warning), the same either way."""
    import warnings

    from linreg.errors import InputError

    outcomes = []
    for floats in (True, False):
        monkeypatch.setattr("linreg.accumulate.LINE_FLOATS", floats)
        with warnings.catch_warnings(record=True) as caught, np.errstate(under=under):
            warnings.simplefilter("always")
            try:
                m = Moments.from_arrays(x[:, None], y)
                fields = (m.count, m.mean_x, m.mean_y, m.cxx, m.cxy, m.cyy, m.rounding,
                          m.mean_rounding)  # fmt: skip
                outcomes.append([np.asarray(f, dtype=float).tobytes() for f in fields])
            except (InputError, FloatingPointError) as error:
                outcomes.append([str(error)])
        outcomes[-1].append(sorted(str(w.message) for w in caught))
    return outcomes


def test_one_features_statistics_in_floats_are_numpys(monkeypatch):
    """Offsets up to 1e9 and Unix timestamps, scales 1e-150 to 1e150 (and near the
    largest float, where a square overflows), constant x, two points, y = 0, a tiny
    optimum, one row, many blocks."""
    rng = np.random.default_rng(19)
    cases = [(np.full(30, 3.25), rng.normal(size=30)), (np.array([1.0, 3.0]), np.zeros(2)),
             (np.array([2.0]), np.array([5.0])), (1.7e9 + 60.0 * np.arange(40.0), np.zeros(40)),
             (np.array([1e154, -1e154, 3e153]), np.ones(3)),
             (np.array([1.3e308, -1.3e308]), np.ones(2)),
             (rng.normal(size=300_000), rng.normal(size=300_000))]  # fmt: skip
    for offset in (0.0, 1e4, 1e6, 1e9, 1.7e9, -3.3e5):
        for scale in (1e-150, 1e-30, 1e-3, 1.0, 1e3, 1e30, 1e150):
            x = offset + scale * rng.normal(size=int(rng.integers(1, 200)))
            cases.append((x, 1e-300 * np.sign(x)))
            cases.append((x, 2.5 * x + scale * rng.normal(size=x.shape[0])))
    for _ in range(100):  # the first 1,024 rows' means (the shift) are not the others':
        n = int(rng.integers(1100, 4000))  # the shifted sums' products count, last bits too
        later = np.arange(n) >= 1024
        x = rng.normal(size=n) + later * rng.uniform(-0.4, 0.4)
        cases.append((x, rng.uniform(-0.05, 0.05) * x + rng.normal(size=n) + 0.4 * later))
    for x, y in cases:
        for under in ("ignore", "raise"):  # the caller's state, which numpy's lines obey
            floats, arrays = _statistics_both_ways(monkeypatch, x, y, under)
            assert floats == arrays, (x[:3], y[:3], under)


# --- issue 17 (lesser17): a column named by bytes, a path that is not one -------------


def _table_files(folder):  # type: ignore[no-untyped-def]
    """The same two columns as CSV, and (with pyarrow) Parquet and Arrow IPC."""
    csv = folder / "t.csv"
    csv.write_text("x,y\n1,1\n2,3\n3,2\n4,5\n")
    readers = [(Moments.from_csv, csv)]
    try:
        import pyarrow as pa
        import pyarrow.feather as feather
        import pyarrow.parquet as pq
    except ImportError:
        return readers
    table = pa.table({"x": [1.0, 2.0, 3.0, 4.0], "y": [1.0, 3.0, 2.0, 5.0]})
    pq.write_table(table, folder / "t.parquet")
    feather.write_feather(table, folder / "t.arrow")
    parquet, ipc = (
        (Moments.from_parquet, folder / "t.parquet"),
        (Moments.from_ipc, folder / "t.arrow"),
    )
    return [*readers, parquet, ipc]


@pytest.mark.parametrize(
    ("x", "y", "got"),
    [
        (b"x", "y", "b'x' (bytes)"),  # was iterated: "... not 120"
        (["x"], b"y", "b'y' (bytes)"),
        (1.5, "y", "1.5 (float)"),  # was a TypeError: 'float' object is not iterable
    ],
)
def test_a_column_name_that_is_not_a_str_is_named(tmp_path, x, y, got):
    for reader, path in _table_files(tmp_path):
        with pytest.raises(InputError) as raised:
            reader(path, x=x, y=y)
        assert str(raised.value) == f"a column is named by a str (or a position, an int), not {got}"
        assert reader(path, x=["x"], y="y").count == 4


@pytest.mark.parametrize(
    ("path", "got"), [(None, "None (NoneType)"), (3, "3 (int)"), (b"t.csv", "b't.csv' (bytes)")]
)
@pytest.mark.parametrize("method", ["from_csv", "from_parquet", "from_ipc", "from_npy"])
def test_a_path_that_names_no_file_is_an_input_error(method, path, got):
    """It was os.fspath's bare TypeError ("expected str, bytes or os.PathLike object")."""
    columns = {} if method == "from_npy" else {"x": "x", "y": "y"}
    with pytest.raises(InputError) as raised:
        getattr(Moments, method)(path, **columns)
    assert str(raised.value) == (
        f"Moments.{method}: path must be a file's name, a str or a path-like such as "
        f"pathlib.Path, not {got}"
    )
