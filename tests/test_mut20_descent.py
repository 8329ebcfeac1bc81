"""Closed-form iterates (`linreg.spectral`) and the livestream's fused run
(`linreg._line_twins.run`) at the edges the rest of the suite let planted bugs through:
a block boundary (2^15 iterations), a loss flat across it, a direction that never moves.
Each test was written against a planted bug (mutant, branch mut20).
"""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import pytest

from linreg import gradient_descent, line_descent, spectral
from linreg.errors import DivergenceError

#: x = ±2 twice, y = ±1 with Σxy = 0 exactly: w* = 0, b* = 0, H = diag(8, 2) (the loss's
#: Hessian along w and b, in the data's units), the stability bound 2/8 = 0.25 exactly.
_X = np.array([[-2.0], [2.0], [-2.0], [2.0]])
_Y = np.array([1.0, 1.0, -1.0, -1.0])


def _divergence_iteration(error: DivergenceError) -> int:
    found = re.search(r"grew at iteration (\d+)", str(error))
    assert found, str(error)
    return int(found.group(1))


def test_growth_after_a_flat_block_boundary_is_a_divergence() -> None:
    """A rate 1.00029 times the bound from w0 = 3e-20: the exact run's error along w grows
    by |1 − ηλ| = 1 + 5.8e-4 a step, (1 + 5.8e-4)^(2k)·4·(3e-20)² ≈ 1e-8 of loss by k = 6e4,
    but it stays below an ulp of the loss (1.0) until past k = 2^15, so the float losses
    are exactly flat across the first block boundary and grow inside the second block.
    The growth must still be caught (a loss equal to the previous block's last is no
    growth, and no reason to stop looking: `_first_growth`)."""
    rate = 2 * (1 + 2.9e-4) / 8.0
    assert float(Fraction(rate) * 8) > 2.0  # above the bound, in the data's own terms
    with pytest.raises(DivergenceError) as caught:
        gradient_descent(_X, _Y, learning_rate=rate, num_iterations=60_000, w0=[3e-20], b0=0.0)
    assert spectral._BLOCK < _divergence_iteration(caught.value) < 60_000


def test_a_still_direction_at_an_unstable_rate_is_no_divergence() -> None:
    """w starts at its exact optimum (gradient exactly 0 along w, an eigenvector of the
    diagonal H), b off it: at rate 0.5 ηλ_w = 4 (unstable) and ηλ_b = 1. The exact run
    never moves w and puts b at 0 in one step; the loss never grows. (1 − 4)^k overflows
    float64 past k ≈ 646, and 0·inf must not read as growth or overflow."""
    fit = gradient_descent(_X, _Y, learning_rate=0.5, num_iterations=2000, w0=[0.0], b0=1.0)
    assert fit.n_iter == 2000 and (fit.w[0], fit.b) == (0.0, 0.0)
    assert fit.loss == 1.0 and np.all(np.diff(fit.history) <= 0)


def _fit(fused: bool, iterations: int):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(11)
    x = 1.7e9 + 60.0 * np.arange(40)  # Unix timestamps a minute apart
    y = 0.5 * (x - 1.7e9) + rng.normal(size=40)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(line_descent, "FUSED", fused)
        return gradient_descent(x[:, None], y, learning_rate=1e-19, num_iterations=iterations)


@pytest.mark.parametrize("iterations", [spectral._BLOCK - 1, spectral._BLOCK, spectral._BLOCK + 1])
def test_a_run_of_one_block_and_one_more_is_the_same_fused(iterations: int) -> None:
    """Runs of 2^15 − 1, 2^15 and 2^15 + 1 iterations: k = 0…n is one block, one block
    and one more point, or two. Fused or not, n + 1 losses and the same bits (the fused
    run takes one block only: `_line_twins.run` must hand 2^15 over)."""
    fused, general = _fit(True, iterations), _fit(False, iterations)
    assert fused.history.shape == general.history.shape == (iterations + 1,)
    assert fused.history.tobytes() == general.history.tobytes()
    assert (fused.w.tobytes(), fused.b) == (general.w.tobytes(), general.b)
    assert (fused.n_iter, fused.distance, fused.verdict) == (
        general.n_iter, general.distance, general.verdict)  # fmt: skip
