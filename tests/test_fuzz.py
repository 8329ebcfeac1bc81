"""Fuzzing the loader and the command line: only two outcomes are allowed, a correct
fit or a clean error of linreg's own type (never a traceback, a NaN or a warning).

The normal run is bounded (the default hypothesis profile); for a long run:

    HYPOTHESIS_PROFILE=fuzz python -m pytest tests/test_fuzz.py
"""

from __future__ import annotations

import math
import tempfile
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from linreg import LinregError, gradient_descent, load_points
from linreg.cli import EXIT_DIVERGED, EXIT_INPUT, main
from linreg.solve import AccuracyWarning, least_squares

from .conftest import EPS, SMALLEST_SUBNORMAL


def _check_fit(points: np.ndarray) -> None:
    """Every fit is finite, and the closed form's error is the exact minimum's.

    The reference is the exact least-squares fit in rational arithmetic of the very same
    float points, so a wrong formula cannot hide behind "finite".
    """
    X, y = points[:, :1], points[:, 1]
    try:
        exact = least_squares(points[:, :1].tolist(), points[:, 1].tolist(), exact=True)
    except LinregError:  # no unique optimum (constant x): nothing exact to compare with
        exact = None
    for kwargs in (dict(learning_rate="auto", standardize=True), dict(learning_rate=1e-4)):
        try:
            fit = gradient_descent(X, y, num_iterations=30, **kwargs)
        except LinregError:
            continue
        assert math.isfinite(fit.b) and np.isfinite(fit.w).all() and math.isfinite(fit.loss)
        assert np.isfinite(fit.history).all()
        if exact is not None:
            # No descent goes below the minimum (beyond rounding: tolerance as below).
            assert Fraction(fit.loss) >= exact.mse - _slack(exact.mse, y)
    try:
        best = least_squares(X, y)
    except LinregError:
        return
    assert np.isfinite(best.coef).all() and math.isfinite(best.intercept)
    if exact is not None:
        assert abs(Fraction(best.mse) - exact.mse) <= _slack(exact.mse, y), (best.mse, exact.mse)


def _slack(minimum: Fraction, y: np.ndarray) -> Fraction:
    """Rounding allowed on an MSE: the error is quadratic in the parameters, so a float
    solution that is right to rounding has an error right to second order; allow 1e-9 of
    it, plus n·eps of the mean of y² (the float sums' rounding, Higham 4.2) for the case
    where the exact minimum is 0 (collinear points), plus n smallest subnormals: squares
    below that underflow to 0 (conftest.summation_tolerance)."""
    mean_square = sum((Fraction(v) ** 2 for v in y.tolist()), Fraction(0)) / len(y)
    rounding = len(y) * (Fraction(EPS) * mean_square + Fraction(SMALLEST_SUBNORMAL))
    return minimum / 10**9 + 2 * rounding


def _run_everything(content: bytes, capsys) -> None:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.csv"
        path.write_bytes(content)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an overflow or invalid-value warning fails
            # least_squares' own honest warning (its certified bound above 1e-10) may come
            warnings.simplefilter("ignore", AccuracyWarning)
            try:
                points = load_points(path)
            except LinregError as error:
                assert isinstance(error, ValueError)
            else:
                assert points.ndim == 2 and points.shape[1] == 2 and points.shape[0] >= 2
                assert np.isfinite(points).all()
                _check_fit(points)
            code = main(["--data", str(path), "--iterations", "30"])
    out, err = capsys.readouterr()
    assert code in (0, EXIT_INPUT, EXIT_DIVERGED)
    if code == 0:
        assert err == "" and "nan" not in out.lower() and "inf" not in out.lower()
    else:
        assert err.startswith("linreg: error: ") and err.count("\n") == 1 and "Traceback" not in err


@settings(deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes(capsys, content):
    _run_everything(content, capsys)


# Bytes that look like a CSV: digits, signs, points, exponents, commas, newlines, noise.
_csvish = st.lists(
    st.sampled_from(list(b"0123456789") * 4 + list(b"+-.eE,,\n\r \tnaif") + [0xFF, 0x00]),
    max_size=300,
).map(bytes)


@settings(deadline=None)
@given(_csvish)
def test_csv_like_bytes(capsys, content):
    _run_everything(content, capsys)


def _number_text(value: float, style: int) -> str:
    if style == 0:
        return repr(value)
    if style == 1:
        return f"{value:.30e}"  # more digits than a double holds
    return f"{value:.40f}".rstrip("0").rstrip(".") if abs(value) < 1e15 else repr(value)


_extreme = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),  # anything finite, subnormals too
    st.floats(min_value=-1e-300, max_value=1e-300, allow_nan=False),
    st.floats(min_value=1e150, max_value=1e160),
    st.floats(min_value=-100, max_value=100),
)


@settings(deadline=None)
@given(st.lists(st.tuples(_extreme, _extreme, st.integers(0, 2)), min_size=1, max_size=30))
def test_well_formed_extreme_numbers(capsys, rows):
    text = "".join(f"{_number_text(x, s)},{_number_text(y, s)}\n" for x, y, s in rows)
    _run_everything(text.encode(), capsys)


@settings(deadline=None)
@given(
    st.lists(st.tuples(st.floats(-100, 100), st.floats(-100, 100)), min_size=3, max_size=30).filter(
        lambda rows: len({x for x, _ in rows}) > 1
    )
)
def test_ordinary_numbers_fit_the_exact_optimum(capsys, rows):
    """Well-formed, ordinary data: the comparison with the exact fit always runs."""
    text = "".join(f"{x!r},{y!r}\n" for x, y in rows)
    _run_everything(text.encode(), capsys)
