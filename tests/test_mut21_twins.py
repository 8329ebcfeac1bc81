"""The fused route's norm (`linreg._line_twins.norm`) is `linreg.blas.norm` bit for bit on
vectors whose sum of squares is near and beyond 2^±900 (where `norm` scales first), under
the fit's raising error state. Written against planted bugs the rest of the suite let
through (mutants, branch mut21): either end of the range dropped.
"""

from __future__ import annotations

import numpy as np
import pytest

from linreg import _line_twins, blas


@pytest.mark.parametrize(
    "power", [-470, -460, -451, -450, -449, -440, 440, 449, 450, 451, 460, 500]
)
def test_the_twins_norm_is_blas_norm_near_and_beyond_the_range(power):
    rng = np.random.default_rng(power + 1000)
    for _ in range(200):
        v = rng.normal(size=int(rng.integers(1, 4))) * 2.0**power
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            try:
                got = _line_twins.norm(v)
            except FloatingPointError:
                got = None  # (the fit hands over: allowed only where a square overflows)
        want = blas.norm(v)
        if got is None:
            assert power >= 500, v
            continue
        assert np.float64(got).tobytes() == np.float64(want).tobytes(), v


def test_the_twins_norm_of_subnormal_and_zero_vectors():
    for v in ([0.0, 0.0], [-0.0], [5e-324, 0.0], [1e-310, -3e-320], [2.0**-600, 2.0**-601]):
        array = np.array(v)
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            got = _line_twins.norm(array)
        assert np.float64(got).tobytes() == np.float64(blas.norm(array)).tobytes()
