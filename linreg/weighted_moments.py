r"""Weighted one-pass statistics: the weighted count, means and co-moments, mergeable.

With per-sample weights $w_i \ge 0$ the weighted mean squared error
$E_w = \frac1W\sum_i w_i (y_i - x_i^\top w - b)^2$, $W = \sum_i w_i$, depends on the data
only through

$$W,\quad \bar x_w = \tfrac1W\textstyle\sum w_i x_i,\quad \bar y_w,\quad
C_{xx} = \sum_i w_i (x_i - \bar x_w)(x_i - \bar x_w)^\top,\quad C_{xy},\quad C_{yy},$$

the same six numbers as `linreg.moments.Moments` with the count $N$ become the weighted
count $W$: so `WeightedMoments` *is* a `Moments` whose ``count`` is $W$, and its loss
kernel, its merge (Chan, Golub and LeVeque's update, which weighs the two parts by
their counts) and every consumer of the statistics work unchanged. It also keeps
``rows``, the samples of positive weight (the residual degrees of freedom count them,
as statsmodels' WLS does), and ``log_weights``, $\sum\ln w_i$ (the weighted Gaussian
likelihood's extra term). Integer weights give the statistics of the rows repeated.

The pass is two BLAS passes over the rows of positive weight (means, then centred
co-moments), with the rounding bounds `linreg.accumulate.Statistics` records.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg import accumulate
from linreg.errors import InputError
from linreg.moments import Moments
from linreg.validate import (
    check_features_target,
    check_not_underflowed,
    check_sample_weight,
    too_large,
)

__all__ = ["WeightedMoments"]

FloatArray = npt.NDArray[np.float64]
_UNIT = 2.0**-53


def _gamma(n: int) -> float:
    nu = n * _UNIT
    return nu / (1.0 - nu) if nu < 0.5 else math.inf


@dataclass(frozen=True)
class WeightedMoments(Moments):
    """`Moments` of weighted samples: ``count`` is the weighted count $W = \\sum w_i$.

    Attributes
    ----------
    rows : int
        The samples of positive weight.
    log_weights : float
        $\\sum \\ln w_i$ over them.
    """

    rows: int = 0
    log_weights: float = 0.0

    @classmethod
    def from_arrays(
        cls, X: npt.ArrayLike, y: npt.ArrayLike, sample_weight: Any = None
    ) -> WeightedMoments:
        r"""The weighted statistics of in-memory arrays, in two passes.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)
        sample_weight : array_like of shape (n_samples,)
            Non-negative, finite, not all zero (a weight of 0 drops its sample).

        Raises
        ------
        InputError
            As `linreg.validate.check_sample_weight`; also weights so small, or spanning
            so wide a range, that the weighted statistics underflow where the data's own
            do not (the message says which, and what to change).

        Notes
        -----
        $W$ is summed exactly (`math.fsum`); each mean is off by at most
        $\gamma_{n+2}\sum w|x|/W \le \gamma_{n+2}(|\bar x| + \sqrt{C/W})$, and each
        co-moment by $\gamma_{n+4}\sqrt{C_{jj}C_{kk}}$ (Cauchy–Schwarz on the BLAS sums)
        plus $W|\Delta\bar x_j||\Delta\bar x_k|$ from centring on rounded means.

        Examples
        --------
        >>> m = WeightedMoments.from_arrays([[1.0], [2.0], [3.0]], [2.0, 4.0, 7.0], [1, 2, 1])
        >>> m.count, m.rows, m.mean_x, m.mean_y
        (4.0, 3, array([2.]), 4.25)
        """
        features, target = check_features_target(X, y)
        weights = check_sample_weight(sample_weight, len(target))
        keep = weights > 0
        features, target, weights = features[keep], target[keep], weights[keep]
        with np.errstate(over="ignore", invalid="ignore"):
            total, mean_x, mean_y, cxx, cxy, cyy, gamma_c, gamma_m = _weighted_pass(
                features, target, weights
            )
            if not _kept_their_digits((mean_x, mean_y, cxx, cxy, cyy)):
                _blame_the_weights(features, target, weights)
        return cls(
            total, mean_x, mean_y, cxx, cxy, cyy, gamma_c, gamma_m,
            rows=int(keep.sum()), log_weights=math.fsum(np.log(weights)),
        )  # fmt: skip

    def checked(self) -> WeightedMoments:
        """These statistics, checked: a positive, finite weighted count, a positive number
        of rows, and the fields `Moments.checked` asks for."""
        count = self.count
        if isinstance(count, (bool, np.bool_)) or not (math.isfinite(count) and count > 0):
            raise InputError(f"WeightedMoments.count must be positive and finite, got {count!r}")
        if isinstance(self.rows, (bool, np.bool_)) or not isinstance(self.rows, (int, np.integer)):
            raise InputError(f"WeightedMoments.rows must be a positive integer, got {self.rows!r}")
        if self.rows < 1:
            raise InputError(f"WeightedMoments.rows must be a positive integer, got {self.rows!r}")
        replace(self, count=1).as_moments().checked()
        return self

    def as_moments(self) -> Moments:
        """The six statistics as a plain `Moments` (its count the weighted count)."""
        return Moments(
            self.count, self.mean_x, self.mean_y, self.cxx, self.cxy, self.cyy,
            self.rounding, self.mean_rounding,
        )  # fmt: skip

    def merge(self, other: Moments) -> WeightedMoments:
        """Both samples together: counts (weights) add, and so do rows and log-weights; a
        plain `Moments` counts as N samples of weight 1."""
        if not isinstance(other, Moments):
            raise InputError(f"can only merge Moments with Moments, got {type(other).__name__}")
        merged = accumulate.merge(self.checked(), other.checked())
        rows = other.rows if isinstance(other, WeightedMoments) else int(other.count)
        logs = other.log_weights if isinstance(other, WeightedMoments) else 0.0
        return WeightedMoments(
            merged.count, merged.mean_x, merged.mean_y, merged.cxx, merged.cxy, merged.cyy,
            merged.rounding, merged.mean_rounding, self.rows + rows, self.log_weights + logs,
        )  # fmt: skip

    def __add__(self, other: object) -> WeightedMoments:
        if not isinstance(other, Moments):
            return NotImplemented
        return self.merge(other)

    def __radd__(self, other: object) -> WeightedMoments:
        if not isinstance(other, Moments):
            return NotImplemented
        return self.merge(other)


def _kept_their_digits(stats: tuple[Any, ...]) -> bool:
    """Whether the statistics (x̄, ȳ, Cxx, Cxy, Cyy) pass `check_not_underflowed`."""
    mean_x, mean_y, cxx, cxy, cyy = stats
    try:
        check_not_underflowed(np.diag(cxx), mean_x, cyy, mean_y=mean_y, moment=cxy)
    except InputError:
        return False
    return True


def _blame_the_weights(X: FloatArray, y: FloatArray, w: FloatArray) -> None:
    """Refuse weighted statistics that underflowed where the data's own (unit weights)
    did not: the weights are the cause, not X and y, which the solvers' message names.
    Data too small themselves are left to that message."""
    try:
        if not _kept_their_digits(_weighted_pass(X, y, np.ones_like(w))[1:6]):
            return
    except InputError:
        return  # the data's own sums overflow: small weights are what keeps them finite
    largest, smallest = float(np.max(w)), float(np.min(w))
    head = (
        "sample_weight: the weighted statistics underflow float64 (below 1e-292) and "
        "have lost their digits, though the data's own do not: "
    )
    scale = 2.0 ** -math.frexp(largest)[1]  # a power of two: exact
    if largest < 1.0 and _kept_their_digits(_weighted_pass(X, y, w * scale)[1:6]):
        raise InputError(
            f"{head}the weights are too small (the largest is {largest:.3g}); rescale them "
            "(e.g. divide each by the largest: only their ratios matter)"
        )
    raise InputError(
        f"{head}the weights span too wide a range (from {smallest:.3g} to {largest:.3g}): "
        "what the least-weighted samples add underflows; give them larger weights (only "
        "the ratios matter), or weight 0 to drop them"
    )


def _weighted_pass(X: FloatArray, y: FloatArray, w: FloatArray) -> tuple[Any, ...]:
    """(W, x̄, ȳ, Cxx, Cxy, Cyy, γ_C, γ_m) by two BLAS passes, with the bounds of the
    `WeightedMoments.from_arrays` notes; refused when a sum is not finite."""
    try:
        total = math.fsum(w)
    except OverflowError:
        raise InputError(
            "sample_weight: the weights' sum overflows float64; rescale them (only their "
            "ratios matter)"
        ) from None
    mean_x = (w @ X) / total
    mean_y = float(w @ y) / total
    dx, dy = X - mean_x, y - mean_y
    weighted = dx * w[:, None]
    cxx, cxy, cyy = dx.T @ weighted, weighted.T @ dy, float((w * dy) @ dy)
    if not all(np.all(np.isfinite(v)) for v in (total, mean_x, mean_y, cxx, cxy, cyy)):
        raise too_large("the weighted sums of squares")
    n = len(y)
    gamma_m = _gamma(n + 2) + 2 * _UNIT
    spread = np.sqrt(np.append(np.diag(cxx), cyy) / total)
    means = np.abs(np.append(mean_x, mean_y))
    live = spread > 0
    amplification = float(np.max(means[live] / spread[live], initial=0.0))
    gamma_c = 2 * _gamma(n + 4) + 2 * (gamma_m * (1 + amplification)) ** 2
    return total, mean_x, mean_y, cxx, cxy, cyy, gamma_c, gamma_m
