"""partial_fit's blocks of rows (`linreg._partial`): small chunks wait in a buffer of one
block of the pass, plain float64 chunks skip scikit-learn's conversion but not its checks,
and neither changes the model: any split, read at any time, is `fit` on all the rows."""

from __future__ import annotations

import itertools
import warnings
from unittest import mock

import numpy as np
import pytest

pytest.importorskip("sklearn")

from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning

from linreg import GradientDescentRegressor, _partial
from linreg.accumulate import block_rows
from tests.exact import optimum_set, true_distance


def _relative(model, reference):
    theta = np.append(model.coef_, model.intercept_)
    best = np.append(reference.coef_, reference.intercept_)
    return float(np.linalg.norm(theta - best) / np.linalg.norm(best))


def _data(n, p, seed, offset=0.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * rng.uniform(0.5, 5.0, p) + offset
    y = (X - offset) @ rng.normal(size=p) + 3.0 + rng.normal(size=n)
    return X, y


def _streamed(X, y, edges, read_each=False):
    model = GradientDescentRegressor()
    for start, stop in itertools.pairwise(edges):
        model.partial_fit(X[start:stop], y[start:stop])
        if read_each:
            model.coef_  # noqa: B018 - a read fits on the rows so far
    return model


@settings(deadline=None, max_examples=40)  # 1-row blocks make up to 400 sums a stream
@given(
    n=st.integers(20, 400),
    p=st.integers(1, 3),
    block=st.sampled_from([1, 3, 7, 64]),
    cuts=st.lists(st.floats(0.0, 1.0), max_size=12),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_split_across_blocks_is_fit_and_within_the_certified_bound(n, p, block, cuts, seed):
    """The pass's real blocks (4,096 rows and more) hold more rows than a property test
    draws: smaller ones here, so that chunks fill, straddle and skip them."""
    X, y = _data(n, p, seed, offset=50.0)
    edges = sorted({0, n, *(int(c * n) for c in cuts)})
    with mock.patch.object(_partial, "block_rows", lambda features: block):
        streamed = _streamed(X, y, edges)
        assert streamed.statistics_.count == n
    whole = GradientDescentRegressor().fit(X, y)
    assert streamed.converged_ and whole.converged_
    # as tests/test_estimator.py's split test: statistics equal to rounding, κ ≤ 100
    assert _relative(streamed, whole) <= 1e-12
    # and the certificate holds against the exact optimum of the rows (rationals)
    solution, null = optimum_set(X, y)
    distance, _ = true_distance(np.append(streamed.coef_, streamed.intercept_), solution, null)
    assert distance <= streamed.distance_bound_ <= 1e-10


@pytest.mark.parametrize("block", [None, 7])
def test_reading_between_chunks_changes_nothing_that_follows(block):
    """A read forms the statistics from a copy of the pass and the buffer; the buffer stays,
    so the model read after every chunk ends exactly (bit for bit) as the one read once."""
    X, y = _data(3000, 3, 11, offset=1e3)
    edges = [0, 1, 2, 500, 503, 1200, 1201, 2999, 3000]
    patch = mock.patch.object(_partial, "block_rows", lambda features: block or block_rows(3))
    with patch, warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a read of 1 or 2 rows
        each = _streamed(X, y, edges, read_each=True)
        once = _streamed(X, y, edges)
    assert np.array_equal(each.coef_, once.coef_) and each.intercept_ == once.intercept_
    for name in ("count", "mean_x", "mean_y", "cxx", "cxy", "cyy", "rounding"):
        assert np.array_equal(getattr(each.statistics_, name), getattr(once.statistics_, name))
    assert each._stream.fill == once._stream.fill > 0  # rows still wait in both


def test_the_buffer_holds_less_than_a_block():
    """Rows wait in one block-sized buffer, allocated once; a stream of whole blocks needs none."""
    X, y = _data(20_000, 3, 12)
    block = block_rows(3)
    model = GradientDescentRegressor()
    for start, size in zip(itertools.accumulate([0, *range(1, 200)]), range(1, 200)):
        model.partial_fit(X[start : start + size], y[start : start + size])
        stream = model._stream
        assert stream.X.shape == (block, 3) and stream.y.shape == (block,)
        assert 0 <= stream.fill < block
    assert model.statistics_.count == start + size
    blocks = GradientDescentRegressor()
    for start in range(0, 3 * block, block):
        blocks.partial_fit(X[start : start + block], y[start : start + block])
    assert blocks._stream.X.size == 0 and blocks.statistics_.count == 3 * block


def _refused(model, X, y, match):
    with pytest.raises(ValueError, match=match):
        model.partial_fit(X, y)


def test_later_chunks_are_checked_as_the_first_and_refused_whole():
    """After the first chunk, plain float64 chunks take the fast path: a NaN or an infinity
    is still refused (scikit-learn's message), and so is everything else scikit-learn or
    linreg refuses; a refused chunk adds nothing. Chunks that need converting are taken."""
    X, y = _data(400, 3, 13)
    model = GradientDescentRegressor().partial_fit(X[:100], y[:100])
    for bad, where in ((np.nan, "X"), (np.inf, "X"), (-np.inf, "y"), (np.nan, "y")):
        Xb, yb = X[100:200].copy(), y[100:200].copy()
        (Xb if where == "X" else yb)[7] = bad
        _refused(model, Xb, yb, f"Input {'X' if where == 'X' else 'y'} contains")
    for columns in (2, 4):  # C-contiguous, as the fast path takes them
        Xc = np.ascontiguousarray(np.resize(X[100:200], (100, columns)))
        _refused(model, Xc, y[100:200], f"X has {columns} features, but")
    _refused(model, X[100:100], y[100:100], "0 sample")
    _refused(model, X[100:200], y[100:199], "inconsistent numbers of samples")
    _refused(model, X[100:200, 0], y[100:200], "Expected 2D array")
    masked = np.ma.masked_array(X[100:200], mask=np.zeros_like(X[100:200], dtype=bool))
    masked.mask[3, 1] = True
    _refused(model, masked, y[100:200], "masked array")
    _refused(model, np.zeros((100, 3), dtype="datetime64[s]"), y[100:200], "dates")
    _refused(model, X[100:200].astype(str), y[100:200], "strings")
    # taken, converted as validate_data converts them
    model.partial_fit(np.asfortranarray(X[100:200]), y[100:200])
    model.partial_fit(X[200:300].tolist(), y[200:300].tolist())
    with pytest.warns(DataConversionWarning):
        model.partial_fit(X[300:400], y[300:400, None])
    assert model.statistics_.count == 400
    assert _relative(model, GradientDescentRegressor().fit(X, y)) <= 1e-12  # as above


def test_later_data_frames_keep_their_checks():
    """A model that has column names checks every chunk's names (no fast path for it)."""
    pandas = pytest.importorskip("pandas")
    X, y = _data(60, 2, 14)
    frame = pandas.DataFrame(X, columns=["hours", "sleep"])
    model = GradientDescentRegressor().partial_fit(frame[:30], y[:30])
    with pytest.raises(ValueError, match="feature names"):
        model.partial_fit(frame[30:][["sleep", "hours"]], y[30:])
    model.partial_fit(frame[30:45], y[30:45])
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        model.partial_fit(np.ascontiguousarray(X[45:]), y[45:])  # plain, but names were set
    assert model.statistics_.count == 60


def test_too_large_rows_are_refused_when_their_block_is_summed():
    """Rows whose squares overflow are refused by the call that sums their block: the read
    when they wait in the buffer, the partial_fit itself when they fill a block."""
    X, y = _data(2 * block_rows(2), 2, 15)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        waiting = GradientDescentRegressor().partial_fit(X[:10], y[:10])
        waiting.partial_fit(X[10:20] * 1e160, y[10:20])
        with pytest.raises(ValueError, match="too large"):
            waiting.coef_  # noqa: B018
        with pytest.raises(ValueError, match="too large"):
            GradientDescentRegressor().partial_fit(X[:10], y[:10]).partial_fit(X * 1e160, y)
