"""The rounding bounds of two datasets' statistics merged (`linreg.accumulate.merge`).

Private, documented as `linreg.accumulate`: a merge's co-moments are within γ_C of their
diagonal, its means within γ_m of |x̄| + σ, from the parts' bounds and the merge's own
rounding.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["Part", "merged_bounds"]

FloatArray = npt.NDArray[np.float64]
#: The unit roundoff of float64, u = 2⁻⁵³.
_UNIT = 2.0**-53


class Part(Protocol):
    """What a merge's bounds read of each part's statistics (`linreg.accumulate.Statistics`)."""

    @property
    def count(self) -> int: ...
    @property
    def mean_x(self) -> FloatArray: ...
    @property
    def mean_y(self) -> float: ...
    @property
    def cxx(self) -> FloatArray: ...
    @property
    def cyy(self) -> float: ...
    @property
    def rounding(self) -> float: ...
    @property
    def mean_rounding(self) -> float: ...


def merged_bounds(merged: Part, a: Part, b: Part) -> tuple[float, float]:
    """The bounds after a merge, (γ_C, γ_m): the parts' (the larger), the merge's own roundings, and
    w·(|dx_j||Δdx_k| + |dx_k||Δdx_j| + |Δdx_j||Δdx_k|) from the means' errors, measured
    against the merged diagonal with this merge's own w and dx."""
    w = a.count * b.count / merged.count
    dx = np.append(b.mean_x - a.mean_x, b.mean_y - a.mean_y)
    slack = [_mean_slack(part) for part in (a, b)]
    delta = slack[0] + slack[1] + 2 * _UNIT * np.abs(dx)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        root = np.sqrt(np.append(np.diag(merged.cxx), merged.cyy))
        pairs = w * (np.outer(np.abs(dx), delta) * 2 + np.outer(delta, delta))
        term = pairs + 3 * _UNIT * (np.outer(root, root) + w * np.outer(np.abs(dx), np.abs(dx)))
        ratio = term / np.outer(root, root)
    live = np.outer(root > 0, root > 0)
    increment = float(np.max(np.where(live, ratio, 0.0), initial=0.0))
    means = _merged_mean_rounding(merged, (a, b), slack) + 6 * _UNIT + _step_rounding(merged, dx, b)
    if not math.isfinite(increment):
        increment = math.inf
    return max(a.rounding, b.rounding) + increment, means


def _merged_mean_rounding(merged: Part, parts: tuple[Part, Part], slack: list[FloatArray]) -> float:
    """The merged means' error, before the merge's own rounding, relative to |x̄| + σ:
    the parts' errors weighted by their counts, (n_a|Δx̄_a| + n_b|Δx̄_b|)/n, column by
    column; never more than √2·max(γ_a, γ_b), as γ(Σ nₖ(|x̄ₖ| + σₖ))/n ≤ γ(|x̄| + √2·σ)
    (Cauchy–Schwarz over the parts). The √2 alone, charged at every merge, grew as
    √2^merges along a chain of small parts (180 row groups of 10 rows: 2^90)."""
    a, b = parts
    worst = math.sqrt(2.0) * max(a.mean_rounding, b.mean_rounding)
    error = (a.count * slack[0] + b.count * slack[1]) / merged.count
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        spread = np.sqrt(np.append(np.diag(merged.cxx), merged.cyy) / merged.count)
        scale = np.abs(np.append(merged.mean_x, merged.mean_y)) + spread
        ratio = np.where(error == 0.0, 0.0, error / scale)
    weighted = float(np.max(ratio, initial=0.0))
    return weighted if weighted <= worst else worst  # a NaN or inf keeps the worst case


def _step_rounding(merged: Part, dx: FloatArray, b: Part) -> float:
    """The rounding of the means' step dx·(n_b/n) (dx, the quotient and the product each
    rounded once, 4u of the step), relative to |x̄| + σ. The 6u charged beside it is of
    the merged means alone; the step can be far larger than they and their spread when a
    small part lies far from a large one (3 rows at 1e13 merged after 55,264 about 1e8:
    |dx| = 133σ, an error of 5.5e-15 of |x̄| + σ where 9e-16 was claimed)."""
    step = np.abs(dx) * (b.count / merged.count)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        spread = np.sqrt(np.append(np.diag(merged.cxx), merged.cyy) / merged.count)
        scale = np.abs(np.append(merged.mean_x, merged.mean_y)) + spread
        ratio = np.where(step == 0.0, 0.0, 4 * _UNIT * step / scale)
    worst = float(np.max(ratio, initial=0.0))
    return worst if math.isfinite(worst) else math.inf


def _mean_slack(part: Part) -> FloatArray:
    """|Δx̄| (and |Δȳ|, last) of one part: γ_m(|x̄| + √(C/N))."""
    with np.errstate(invalid="ignore"):
        spread = np.sqrt(np.append(np.diag(part.cxx), part.cyy) / part.count)
    means = np.abs(np.append(part.mean_x, part.mean_y))
    return np.asarray(part.mean_rounding * (means + spread))
