"""The sums of squares of a fit, SSR, ESS and TSS, from its residual: the float path's
(`linreg.float_solver`), private to it."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from linreg.centring import ScaledColumns
from linreg.doubledouble import EPS, squares, sum_terms

__all__ = ["SUMS_TARGET", "sums_of_squares"]

FloatArray = npt.NDArray[np.float64]

#: The largest relative error bound allowed on SSR and ESS from a float64 residual (large,
#: well-conditioned data): above it (a nearly exact fit, or R² near 0) the residual is
#: formed again in double-double and summed nearly exactly. Ten digits: far more than
#: any statistic built on them is printed with.
SUMS_TARGET = 1e-10


def sums_of_squares(
    cols: ScaledColumns,
    residual: tuple[FloatArray, FloatArray | None],
    fit_intercept: bool,
    quick: bool = False,
) -> tuple[float, float, float]:
    """(SSR, ESS, TSS) in the scaled units, from the residual and the target as carried.

    SSR is Σr² and TSS is Σ(y − ȳ)² (Σy² without an intercept); ESS = TSS − SSR. At the
    optimum the identity is exact, and SSR is stationary there: an error δ in the weights
    moves ESS by ‖Zδ‖² only, where the fitted values' own sum of squares would move by
    2ŷᵀZδ. A float64 residual (large, well-conditioned data) is summed pairwise, each sum
    within γ = 2(log₂N + 8)ε of itself, while that keeps ESS = TSS − SSR within
    `SUMS_TARGET`; a double-double residual, or R² so near 0 that the difference would
    cancel more, takes exact squares summed nearly exactly (`linreg.doubledouble.sum_terms`),
    ESS in the same sum, so it keeps its digits however small R² is. With ``quick``, a
    double-double residual (and target) are first summed by their high parts alone, which
    costs their low parts' 2u of each sum more (|lo| ≤ u|hi|, the target centred).
    """
    r_hi, r_lo = residual
    if quick or (r_lo is None and cols.y_lo is None):
        ssr = float(np.sum(np.square(r_hi)))
        y_sum = float(np.sum(cols.y_hi)) if fit_intercept else 0.0
        tss = float(np.sum(np.square(cols.y_hi))) - y_sum * y_sum / len(r_hi)
        gamma = (2 * (math.log2(len(r_hi)) + 8) + (4 if quick else 0)) * EPS
        if gamma * (ssr + tss) <= SUMS_TARGET * (tss - ssr):
            return ssr, tss - ssr, tss
    ssr_terms = sum_terms(*squares(r_hi, r_lo))
    total_terms = sum_terms(*squares(cols.y_hi, cols.y_lo))
    if fit_intercept:
        y_sum = math.fsum(sum_terms(cols.y_hi, 0.0 if cols.y_lo is None else cols.y_lo))
        total_terms.append(-(y_sum * y_sum) / len(cols.y_hi))
    ssr, tss = math.fsum(ssr_terms), math.fsum(total_terms)
    ess = math.fsum([*total_terms, *(-t for t in ssr_terms)])
    return ssr, max(ess, 0.0), tss
