"""The sixteenth audit's API findings (issue 17, "never crash"): each bad argument is an
InputError (or DataFileError) naming what was wrong and what to do, never a raw
exception, a warning, or a silent answer."""

from __future__ import annotations

import warnings
from decimal import Decimal

import numpy as np
import pytest

from linreg import GradientDescentRegressor, InputError, columnar, minimize
from linreg._parquet_footer import structure_bytes
from linreg.csv_reader import iter_table_chunks, load_table
from linreg.data import parse_number
from linreg.errors import DataFileError
from linreg.inference import log_likelihood
from linreg.livestream import compute_error_for_line_given_points
from linreg.loss import mse
from linreg.moments import Moments
from linreg.solve import fit_nist

X10, Y10 = np.arange(10.0)[:, None], np.arange(10.0) * 2
M10 = Moments.from_arrays(X10, Y10)


@pytest.mark.parametrize("w", [np.array([5.0, 7.0]), np.ones(3), np.ones(0)])
@pytest.mark.parametrize("call", [M10.mse, M10.mse_gradient, lambda w, b: mse(X10, Y10, w, b)])
def test_weights_of_the_wrong_length_are_refused_as_by_loss_mse(call, w):
    """Moments.mse used w[0] of any w (256.5 for [5, 7]); linreg.loss.mse refused it."""
    with pytest.raises(InputError, match=f"w has {len(w)} weights but X has 1 features"):
        call(w, 0.0)


@pytest.mark.parametrize("call", [M10.mse, M10.mse_gradient])
def test_moments_loss_checks_b_and_alpha_too(call):
    with pytest.raises(InputError, match="b must be a real number"):
        call([1.0], "x")
    with pytest.raises(InputError, match="w holds a non-finite value"):
        call([np.nan], 0.0)
    with pytest.raises(InputError, match="alpha must be non-negative"):
        call([1.0], 0.0, -1.0)
    assert M10.mse([2.0], 0.0) == 0.0


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: minimize(X10, Y10, w0=[[1.0]]),
         r"w0 must be 1-D of shape \(n_features,\), one starting weight per column of X, "
         r"got shape \(1, 1\) \(use w0.ravel\(\) for a column\)"),
        (lambda: mse(X10, Y10, [[1.0, 2.0]], 0.0), r"w must be 1-D of shape \(n_features,\)"),
        (lambda: M10.mse(np.ones((2, 2)), 0.0), r"got shape \(2, 2\)$"),
    ],
)  # fmt: skip
def test_a_2d_weight_vector_is_spoken_of_as_weights(call, message):
    """It was 'w0 must be 1-D of shape (n_samples,) ... use y.ravel()'."""
    with pytest.raises(InputError, match=message) as caught:
        call()
    assert "n_samples" not in str(caught.value) and "y.ravel" not in str(caught.value)


@pytest.mark.parametrize("how", [{"batch_size": 2}, {"evaluate": "pass"}])
def test_mini_batches_do_not_take_sample_weight(how):
    """It said 'need the data, not its Moments' although the data were passed."""
    with pytest.raises(InputError, match="does not take sample_weight") as caught:
        minimize(X10, Y10, sample_weight=np.ones(10), **how)
    assert "Moments" not in str(caught.value)
    with pytest.raises(InputError, match="need the data, not its Moments: pass X and y"):
        minimize(M10, **how)


@pytest.fixture
def h_csv(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("a,b\n1,2\n3,4\n")
    return path


@pytest.mark.parametrize("x, y, got", [(-1, "b", -1), (-2, "b", -2), (0, -1, -1)])
def test_a_negative_column_position_is_named_as_given(h_csv, x, y, got):
    """x=-1 said 'must be a positive integer, got 0' (off by one; and 0 is valid)."""
    message = rf"a column position \(0 is the first\) must be a non-negative integer, got {got}$"
    with pytest.raises(InputError, match=message):
        Moments.from_csv(h_csv, x=x, y=y)
    assert Moments.from_csv(h_csv, x=0, y=1).count == 2


@pytest.mark.parametrize("n_columns", [-5, 0, 2.5, True])
@pytest.mark.parametrize(
    "read",
    [
        lambda path, n: Moments.from_csv(path, n_columns=n),
        lambda path, n: load_table(path, n_columns=n),
        lambda path, n: iter_table_chunks(path, n_columns=n),  # before any chunk is read
    ],
)
def test_n_columns_is_a_positive_int(h_csv, read, n_columns):
    with pytest.raises(InputError, match=f"n_columns must be a positive integer, got {n_columns}"):
        read(h_csv, n_columns)


# --- raw exceptions (finding 5): each an InputError naming what was wrong ---------------


def _quiet(call):
    """Run ``call`` with every warning an error: a refusal must come without one."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return call()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: Moments.from_checked(np.arange(3.0), np.arange(3.0)), "X must be 2-D"),
        (lambda: Moments.from_table_chunks("x", [1, 2]),
         "chunks must be the 2-D float64 arrays .* not 1$"),
        (lambda: Moments.from_table_chunks("x", 5), "chunks must be an iterable, not int"),
        (lambda: Moments.from_table_chunks("x", [np.ones((2, 2), dtype=int)]),
         r"not shape \(2, 2\), int64"),
        (lambda: Moments.from_csv("h.csv", x=1.5, y="b"), "not 1.5 \\(float\\)"),
        (lambda: log_likelihood(10, 10**400), "ssr must be a real number within float64"),
        (lambda: log_likelihood(10, -1), "ssr is a sum of squares: it cannot be negative"),
        (lambda: log_likelihood(10, -1, digits=5), "it cannot be negative, got -1"),
        (lambda: log_likelihood(10, float("nan")), "ssr must be finite"),
        (lambda: log_likelihood(0, 1.0), "n must be a positive integer, got 0"),
        (lambda: log_likelihood(10, "x", digits=5), "ssr must be a real number, got 'x'"),
        (lambda: parse_number(None), r"parse_number reads a str, not None \(NoneType\)"),
        (lambda: fit_nist(None), r"fit_nist takes a NistDataset .*read_nist.* not None"),
        (lambda: compute_error_for_line_given_points(0.0, 1.0, ""), "points is empty"),
        (lambda: compute_error_for_line_given_points(0.0, 1.0, None), "not NoneType"),
        (lambda: minimize(X10.astype(np.longdouble) * np.longdouble("1e4000"), Y10),
         "X holds 1e\\+4000 at index \\[1, 0\\], beyond float64's range"),
        (lambda: GradientDescentRegressor().fit(X10, Y10).predict([[1.0], [1e308]]),
         "the prediction for row 1 of X .* beyond float64's range"),
    ],
)  # fmt: skip
def test_no_raw_exception_nor_warning(call, message):
    with pytest.raises(InputError, match=message):
        _quiet(call)


def test_the_refusals_keep_valid_answers():
    """The checks come before the lines they guard: valid input is answered as before."""
    assert log_likelihood(4, 8.0) == -7.0620484939385815
    assert log_likelihood(10, 10**400, digits=5) == Decimal("-4607.8")  # exact: no float
    assert compute_error_for_line_given_points(0, 0, [[1.0, 2.0], [3.0, 4.0]]) == 10.0
    assert Moments.from_checked(np.ones((3, 1)), np.arange(3.0)).count == 3
    fitted = GradientDescentRegressor().fit(X10, Y10)
    np.testing.assert_allclose(_quiet(lambda: fitted.predict([[1.0], [3.0]])), [2.0, 6.0])


# --- a long Parquet footer: what made it long (finding 3) -------------------------------


def _parquet(path, rows=3, row_group_size=None, metadata=None):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table({"x": np.arange(float(rows)), "y": np.arange(float(rows))})
    if metadata is not None:
        table = table.replace_schema_metadata(metadata)
    pq.write_table(table, path, row_group_size=row_group_size)
    return path


def test_a_footer_long_with_metadata_names_the_metadata(tmp_path):
    """The sixteenth audit's bigmeta.parquet (3 rows, 150 MB of metadata) was told to
    rewrite with fewer, larger row groups: it has one."""
    path = _parquet(tmp_path / "meta.parquet", metadata={"big": "a" * (3 << 20)})
    with pytest.raises(DataFileError, match="mostly its schema's metadata") as caught:
        Moments.from_parquet(path, x="x", y="y")
    said = str(caught.value)
    assert "replace_schema_metadata(None)" in said and "row group" not in said


def test_a_footer_long_with_row_groups_names_them(tmp_path, monkeypatch):
    monkeypatch.setattr(columnar, "FOOTER_BYTES", 1 << 20)  # 6,000 row groups: 1.35 MB
    path = _parquet(tmp_path / "groups.parquet", rows=6000, row_group_size=1)
    with pytest.raises(DataFileError, match="its row groups × columns") as caught:
        Moments.from_parquet(path, x="x", y="y")
    assert "fewer, larger row groups" in str(caught.value)
    assert "metadata" not in str(caught.value)


def test_the_footer_is_walked_within_its_budget(tmp_path):
    """Where the key-value metadata starts, from the footer's first bytes only: a file
    whose schema and row groups pass the budget is not walked further."""
    path = _parquet(tmp_path / "small.parquet")
    footer = columnar._footer_bytes(path)
    start = structure_bytes(path, footer)
    assert start is not None and 0 < start < footer
    assert structure_bytes(path, footer, budget=start) is None  # the walk stops at the budget
    assert structure_bytes(path, footer, budget=start + 1) == start


@pytest.mark.parametrize("columns", [2, 3])
def test_an_empty_npy_is_a_data_file_error(tmp_path, columns):
    """numpy maps no file for an empty table (the seventeenth audit: AttributeError
    'ndarray' object has no attribute 'filename')."""
    path = tmp_path / "empty.npy"
    np.save(path, np.zeros((0, columns)))
    with pytest.raises(DataFileError, match="at least 2 points"):
        Moments.from_npy(path)
