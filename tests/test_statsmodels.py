"""Parity with statsmodels' OLS (issue 18): every statistic to 1e-10 relative on the
bundled data, Longley and diabetes, and where statsmodels itself is further than that
from the exact answer, linreg is held to the exact answer instead (and the list of such
places is itself asserted, so that none hides)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from linreg.data import load_points, read_nist
from linreg.solve import least_squares

from .conftest import NIST_DIR

sm = pytest.importorskip("statsmodels.api")
datasets = pytest.importorskip("sklearn.datasets")

#: Issue 18's bar for agreeing with statsmodels.
PARITY = 1e-10
#: How close linreg must be to the exact answer where statsmodels is not: float64's
#: rounding of a few operations, times |d ln p/d ln t| for the p-values (see below).
EXACT = 1e-12
SCALARS = ["fvalue", "f_pvalue", "rsquared", "rsquared_adj", "llf", "aic", "bic", "ess", "ssr"]
SCALARS += ["mse_model", "mse_resid", "df_model", "df_resid"]
ARRAYS = ["params", "bse", "tvalues", "pvalues"]
FRAME = ["mean", "mean_se", "mean_ci_lower", "mean_ci_upper", "obs_ci_lower", "obs_ci_upper"]


def _data():
    points = load_points()
    longley = read_nist(NIST_DIR / "Longley.dat")
    X, y = datasets.load_diabetes(return_X_y=True)
    return {
        "bundled": (points[:, :1], points[:, 1]),
        "Longley": (longley.design(), longley.target()),
        "diabetes": (X, y),
    }


DATA = _data()


def relative(value, reference) -> float:
    a = np.asarray([float(v) for v in np.ravel(np.asarray(value, dtype=object))])
    b = np.asarray([float(v) for v in np.ravel(np.asarray(reference, dtype=object))])
    return float(np.max(np.abs(a - b) / np.abs(b)))


def exact_relative(value, reference) -> float:
    values = [Fraction(float(v)) for v in np.ravel(np.asarray(value, dtype=object))]
    references = [Fraction(r) for r in np.ravel(np.asarray(reference, dtype=object))]
    return float(max(abs(v - r) / abs(r) for v, r in zip(values, references)))


@pytest.fixture(scope="module", params=sorted(DATA))
def three(request):
    X, y = DATA[request.param]
    ours = least_squares(X, y)
    theirs = sm.OLS(y, sm.add_constant(X)).fit()
    exact = least_squares(X, y, exact=True)
    return request.param, X, ours, theirs, exact


def _statistics(name, X, ours, theirs, exact):
    """(what, ours, statsmodels', exact) for every statistic compared."""
    rows = X[:5]  # the first observed rows
    frames = [
        fit.get_prediction(
            sm.add_constant(rows, has_constant="add") if fit is theirs else rows
        ).summary_frame(alpha=0.05)
        for fit in (ours, theirs, exact)
    ]
    found = [(s, getattr(ours, s), getattr(theirs, s), getattr(exact, s)) for s in SCALARS + ARRAYS]
    found += [("conf_int", ours.conf_int(0.1), theirs.conf_int(0.1), exact.conf_int(0.1))]
    found += [(f"prediction {c}", *(frame[c].to_numpy() for frame in frames)) for c in FRAME]
    return found


#: Where statsmodels is further than 1e-10 from the exact answer (measured: Longley's
#: mean_se at new X, 3.3e-9: its pinv-based covariance on a κ ≈ 5e9 design).
STATSMODELS_OFF = {("Longley", "prediction mean_se")}


def _bar(what, ours):
    """A p-value's relative error is |d ln p/d ln t| ≈ t² + 1 times t's."""
    if what == "pvalues":
        return EXACT * (1 + float(np.max(np.asarray(ours.tvalues, dtype=float) ** 2)))
    return EXACT


def test_parity_with_statsmodels(three):
    name, X, ours, theirs, exact = three
    off = set()
    for what, mine, statsmodels, truth in _statistics(name, X, ours, theirs, exact):
        assert exact_relative(mine, truth) <= _bar(what, ours), f"{name} {what}: not exact"
        if relative(statsmodels, truth) > PARITY / 2:
            off.add((name, what))
            continue
        assert relative(mine, statsmodels) <= PARITY, f"{name} {what}"
    assert off == {entry for entry in STATSMODELS_OFF if entry[0] == name}


def test_statsmodels_parity_catches_a_one_sided_p_value(three):
    """A planted bug (half the two-sided p-value) is far outside the bar."""
    _, _, ours, theirs, _ = three
    assert relative(np.asarray(ours.pvalues) / 2, theirs.pvalues) > 0.4
