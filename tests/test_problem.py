"""The quadratic's spectrum (`linreg.problem`): a 2×2 Hessian's eigenvalues picked in
Python floats (`problem.TWO_BY_TWO_FLOATS`) against numpy's lines, bit for bit.

The choice between the Hessian's and its inverse's eigenvalues, their error bars and the
vectors made one basis are formed either way from the same two `eigh` calls; every
array must be the same bytes, and where numpy raises (an overflow under the build's error
state) the float route must hand over and raise alike.
"""

from __future__ import annotations

import numpy as np
import pytest

from linreg import problem
from linreg.errors import InputError
from linreg.moments import Moments

from .test_spectral import _family


def _spectrum_both_ways(monkeypatch: pytest.MonkeyPatch, under: str, *args: object) -> list[object]:
    """Under the build's error state, with the caller's choice for underflow."""
    outcomes: list[object] = []
    for floats in (True, False):
        monkeypatch.setattr(problem, "TWO_BY_TWO_FLOATS", floats)
        try:
            with np.errstate(over="raise", invalid="raise", under=under):
                s = problem._spectrum(*args)  # type: ignore[arg-type]
            outcomes.append((s.values.tobytes(), s.vectors.tobytes(), s.vectors.strides,
                             s.errors.tobytes(), s.null))  # fmt: skip
        except FloatingPointError as error:
            outcomes.append(str(error))
    return outcomes


def test_crafted_two_by_two_spectra_are_numpys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any condition (1 to 1e30), either route better, ties, an inverse whose eigenvalues
    are zero, negative or near the smallest float (1/s overflows)."""
    rng = np.random.default_rng(19)
    for trial in range(3000):
        angle = rng.uniform(0, np.pi)
        q = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        top = 10.0 ** rng.uniform(-150, 150)
        low = top / 10.0 ** rng.uniform(0, 30)
        hessian = (q * [low, top]) @ q.T
        inverse = (q / [low, top]) @ q.T
        if trial % 7 == 1:
            with np.errstate(over="ignore"):
                inverse = inverse * rng.choice([-1.0, 0.0, 1e-300, 1e300])
        if trial % 7 == 2:
            inverse = np.diag(rng.choice([0.0, -1e-310, 1e-310, 3e-309, 1.0], size=2))
        if trial % 7 == 3:
            hessian = np.eye(2) * rng.choice([0.0, -0.0, 1.0])
        kappa = float(10.0 ** rng.uniform(0, 20))
        for under in ("ignore", "raise"):
            floats, arrays = _spectrum_both_ways(monkeypatch, under, hessian, (inverse, kappa), 0)
            assert floats == arrays, (trial, under, hessian, inverse)


@pytest.mark.parametrize(("name", "X", "y"), _family(), ids=[c[0] for c in _family()])
def test_the_quadratics_of_hard_data_are_numpys(
    monkeypatch: pytest.MonkeyPatch, name: str, X: np.ndarray, y: np.ndarray
) -> None:
    stats = Moments.from_arrays(X, y)
    for options in ({}, {"standardize": True}, {"alpha": 0.1}, {"intercept": False}):
        settings = {"alpha": 0.0, "standardize": False, "intercept": True, **options}
        outcomes = []
        for floats in (True, False):
            monkeypatch.setattr(problem, "TWO_BY_TWO_FLOATS", floats)
            try:
                s = problem.Quadratic.build(stats, **settings).spectrum  # type: ignore[arg-type]
                outcomes.append((s.values.tobytes(), s.vectors.tobytes(), s.errors.tobytes()))
            except InputError as error:
                outcomes.append(str(error))
        assert outcomes[0] == outcomes[1], (name, options)
