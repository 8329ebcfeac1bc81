"""linreg._keep: whether a block stays in its run, judged in Python floats for few
columns and in numpy for many; both forms must decide alike on every input, the
awkward ones (columns at zero, no spread, overflowing squares, NaN) included."""

from __future__ import annotations

import math

import numpy as np
import pytest

from linreg import _keep, accumulate
from linreg.moments import Moments

BOUNDS = (accumulate.RESHIFT, accumulate.SAFE)


def _old_rule(n, total, raw, shift, gamma):
    """The rule as `accumulate._kept` wrote it in numpy before the float form (verbatim
    but for the arguments): the oracle both forms are held to."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        centred = raw - total * total / n
        spread = np.sqrt(np.maximum(centred, 0.0) / n)
        merge_cost = 2 * 2.0**-53 * np.abs(shift) / (gamma * spread)
    allowed = min(max(float(np.fmax.reduce(merge_cost, initial=0.0)), BOUNDS[0]), BOUNDS[1])
    return bool(np.all((raw == 0.0) | (raw <= allowed * centred)))


def _cases(rng, columns):
    """(n, total, raw, shift, gamma): random runs near and far from their shift, and
    the edges: a column at zero, one with no spread, squares that overflow, a NaN."""
    for _ in range(400):
        n = int(rng.integers(1, 10**6))
        mean = rng.normal(size=columns) * 10.0 ** rng.integers(-3, 9, size=columns)
        sd = 10.0 ** rng.uniform(-8, 3, size=columns)
        total = n * mean
        raw = n * (mean * mean + sd * sd * rng.uniform(0.5, 1.5, size=columns))
        shift = rng.normal(size=columns) * 10.0 ** rng.integers(-2, 10, size=columns)
        yield n, total, raw, shift, accumulate._gamma(int(rng.integers(2, 5000)))
    n, gamma = 1000, accumulate._gamma(1100)
    for column_total, column_raw, shift in [
        (0.0, 0.0, 0.0),  # a column at zero: 0/0, skipped
        (0.0, 0.0, 5.0),  # zero spread at a shift: an infinite cost, SAFE
        (1e3, 1e3, 1.0),  # no spread: raw = total²/n exactly
        (1e200, 1e300, 1.0),  # total² overflows
        (math.nan, 1.0, 1.0),
        (1.0, math.inf, 1.0),
    ]:
        total = np.full(columns, 190.0)  # the other columns amplify 10x: the factor
        raw = np.full(columns, 40.0)  # allowed (RESHIFT or up to SAFE) decides
        shift_v = np.full(columns, 2.0)
        total[0], raw[0], shift_v[0] = column_total, column_raw, shift
        yield n, total, raw, shift_v, gamma


@pytest.mark.parametrize("columns", [1, 2, 3, _keep.FEW_COLUMNS, _keep.FEW_COLUMNS + 1, 12])
def test_both_forms_decide_as_the_rule_does(columns):
    rng = np.random.default_rng(columns)
    kept = 0
    for n, total, raw, shift, gamma in _cases(rng, columns):
        numerator = 2 * 2.0**-53 * np.abs(shift)
        expected = _old_rule(n, total, raw, shift, gamma)
        with np.errstate(all="ignore"):
            floats = _keep._stays_floats(
                n, total.tolist(), raw.tolist(), numerator.tolist(), gamma, BOUNDS
            )
            arrays = _keep._stays_arrays(n, total, raw, numerator, gamma, BOUNDS)
        assert floats == arrays == expected, (n, total, raw, shift, gamma)
        kept += expected
    assert 0 < kept < 406  # both answers were exercised


def test_one_feature_is_judged_in_floats(monkeypatch):
    """The one-feature pass takes the float form (numpy's costs 14 µs a block, 0.5 ms of
    a 1e7-row pass), and keeps its blocks in runs as before."""

    def refuse(*args):
        raise AssertionError("the numpy form, for two columns")

    monkeypatch.setattr(_keep, "_stays_arrays", refuse)
    rng = np.random.default_rng(7)
    x = 1e6 + rng.normal(size=3 * accumulate.BLOCK_ROWS)
    merges = []
    real_merge = accumulate.merge
    monkeypatch.setattr(accumulate, "merge", lambda a, b: merges.append(1) or real_merge(a, b))
    stats = Moments.from_arrays(x[:, None], 2.0 * x)
    assert stats.count == x.size and not merges  # one run: every block kept
