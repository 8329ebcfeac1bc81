r"""Whether a block stays in its run, for `linreg.accumulate.Pass`: the rule of
`linreg.accumulate._kept` on the run's sums with the block's.

Column $j$ (each feature, then y) of $n$ rows has shifted sum $t_j$ and sum of squares
$r_j$; its centred sum of squares is $c_j = r_j - t_j^2/n$ and its spread
$\sigma_j = \sqrt{\max(c_j, 0)/n}$. A new run would cost a merge whose bound is
$2u|s_j|/(\gamma\sigma_j)$ of the co-moments (s the shift, γ of the sums' depth), so the
columns may amplify up to $a = \min(\max(\max_j 2u|s_j|/(\gamma\sigma_j), \text{low}),
\text{high})$ (a cost of 0/0, a column at zero with no spread, skipped), and the block
stays when every column has $r_j = 0$ or $r_j \le a\,c_j$.

One feature judges its two columns in Python floats (a dozen numpy calls on arrays of
two cost more than the block's own sums' bookkeeping: 14 µs a block, 0.5 ms of a 1e7-row
pass); many, in numpy. Both forms round alike and decide alike (tests/test_keep.py).

Part of `linreg.accumulate` (kept apart to keep each file short).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["FEW_COLUMNS", "stays"]

FloatArray = npt.NDArray[np.float64]

#: Columns judged in Python floats: up to this many, a loop over floats is quicker than
#: numpy's calls (measured, one block: 2 µs against 13 µs for two columns).
FEW_COLUMNS = 4


def stays(
    n: int,
    total: FloatArray,
    raw: FloatArray,
    numerator: FloatArray,
    gamma: float,
    bounds: tuple[float, float],
) -> bool:
    r"""Whether every column's sum of squares ``raw`` is 0 or at most the allowed factor
    of its centred one (module docstring); ``numerator`` is $2u|s|$ by column and
    ``bounds`` the factor's (low, high).

    Examples
    --------
    >>> stays(2, np.array([0.0, 0.2]), np.array([2.0, 1.0]), np.zeros(2), 1e-13, (1.25, 1024.0))
    True
    >>> stays(2, np.array([1.9, 0.0]), np.array([2.0, 1.0]), np.zeros(2), 1e-13, (1.25, 1024.0))
    False
    """
    if total.shape[0] <= FEW_COLUMNS:
        return _stays_floats(n, total.tolist(), raw.tolist(), numerator.tolist(), gamma, bounds)
    return _stays_arrays(n, total, raw, numerator, gamma, bounds)


def _stays_arrays(
    n: int,
    total: FloatArray,
    raw: FloatArray,
    numerator: FloatArray,
    gamma: float,
    bounds: tuple[float, float],
) -> bool:
    """`stays` in numpy, for many columns."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        centred = raw - total * total / n
        spread = np.sqrt(np.maximum(centred, 0.0) / n)
        cost = numerator / (gamma * spread)
    # fmax skips the 0/0 of a column at zero with no spread; an infinite cost is the high
    allowed = min(max(float(np.fmax.reduce(cost, initial=0.0)), bounds[0]), bounds[1])
    return bool(np.all((raw == 0.0) | (raw <= allowed * centred)))


def _stays_floats(
    n: int,
    total: list[float],
    raw: list[float],
    numerator: list[float],
    gamma: float,
    bounds: tuple[float, float],
) -> bool:
    """`stays` in Python floats, the same operations in the same order, for few columns."""
    centred = [r - t * t / n for r, t in zip(raw, total)]
    worst = 0.0
    for c, top in zip(centred, numerator):
        spread = math.sqrt(max(c, 0.0) / n)  # max keeps a NaN first, as numpy does
        below = gamma * spread
        cost = top / below if below != 0.0 else (math.inf if top > 0.0 else math.nan)
        if cost > worst:  # a NaN cost is skipped, as numpy's fmax skips it
            worst = cost
    allowed = min(max(worst, bounds[0]), bounds[1])
    return all(r == 0.0 or r <= allowed * c for r, c in zip(raw, centred))
