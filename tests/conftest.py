"""Shared fixtures, hypothesis strategies and tolerances for the linreg tests.

Every tolerance says where it comes from. The MSE is a quadratic in the parameters, so
central differences have no truncation error at all, and two correct ways of computing
the same sums differ only by rounding: a mismatch above rounding level is a bug.
"""

from __future__ import annotations

import os

# scikit-learn's estimator checks include one that runs only with SciPy's array API
# mode on (it must be set before SciPy is imported): turn it on so it runs, not skips.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from linreg.data import load_points

# Hypothesis profiles: "default" keeps the normal run quick and random (each run tries new
# examples); "ci" is the same size, derandomized, so that CI passes or fails the same way
# on every run of the same commit; "fuzz" is the long local run
# (HYPOTHESIS_PROFILE=fuzz python -m pytest tests/test_fuzz.py).
_QUIET = [HealthCheck.function_scoped_fixture]
settings.register_profile("default", max_examples=60, suppress_health_check=_QUIET)
settings.register_profile(
    "ci", max_examples=60, derandomize=True, database=None, suppress_health_check=_QUIET
)
settings.register_profile("fuzz", max_examples=5000, suppress_health_check=_QUIET)
REQUIRE_ALL = os.environ.get("LINREG_REQUIRE_ALL") == "1"
IN_CI = REQUIRE_ALL or os.environ.get("CI", "").lower() == "true"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if IN_CI else "default"))

EPS = float(np.finfo(np.float64).eps)
SMALLEST_SUBNORMAL = float(np.finfo(np.float64).smallest_subnormal)
ROOT = Path(__file__).resolve().parent.parent
NIST_DIR = Path(__file__).resolve().parent / "data" / "nist"

#: The livestream's printed digits (shared/data/README.md).
LIVESTREAM_LINES = (
    "Starting gradient descent at b = 0, m = 0, error = 5565.107834483211",
    "Running...",
    "After 1000 iterations b = 0.08893651993741346, m = 1.4777440851894448, "
    "error = 112.61481011613473",
)


def summation_tolerance(n_terms: int, magnitude: float | np.ndarray) -> float | np.ndarray:
    """Worst-case rounding of a sum of n terms in any order: n·eps·Σ|terms| (Higham 4.2).

    Two correct summations of the same terms can differ by at most twice this. Below
    the normal range rounding is absolute (half the smallest subnormal per operation),
    hence the second term.
    """
    return 2.0 * n_terms * EPS * np.asarray(magnitude) + 2.0 * n_terms * SMALLEST_SUBNORMAL


@pytest.fixture(scope="session")
def points() -> np.ndarray:
    return load_points()


@pytest.fixture(scope="session")
def X(points: np.ndarray) -> np.ndarray:
    return points[:, :1]


@pytest.fixture(scope="session")
def y(points: np.ndarray) -> np.ndarray:
    return points[:, 1]


# Bounded, finite data: |values| ≤ 1e3 keeps every square far from overflow.
_value = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def regression_problems(draw: st.DrawFn, max_features: int = 5, max_samples: int = 30):
    """(X, y, w, b) with n_features 1..max_features and n_samples 2..max_samples."""
    n_features = draw(st.integers(1, max_features))
    n_samples = draw(st.integers(2, max_samples))
    X = draw(hnp.arrays(np.float64, (n_samples, n_features), elements=_value))
    y = draw(hnp.arrays(np.float64, (n_samples,), elements=_value))
    w = draw(hnp.arrays(np.float64, (n_features,), elements=_value))
    b = draw(_value)
    return X, y, w, b


# In CI (.ci/run sets LINREG_REQUIRE_ALL=1) a skipped test is a failure: a tool that is
# missing there is a broken set-up, not a reason to pass. Tests skip when they run
# (pytest_runtest_makereport); whole modules skip while they are collected (a module-level
# pytest.importorskip), which pytest_make_collect_report catches.
def _skip_is_failure(report) -> None:  # type: ignore[no-untyped-def]
    if report.skipped and os.environ.get("LINREG_REQUIRE_ALL") == "1":
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, but LINREG_REQUIRE_ALL=1 makes every skip a failure: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    outcome = yield
    _skip_is_failure(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):  # type: ignore[no-untyped-def]
    outcome = yield
    _skip_is_failure(outcome.get_result())
