r"""The quadratic that descent minimises: its coordinates, its curvature, its certificate.

The mean squared error (with ridge, $E_\alpha$) is a quadratic in $\theta = [w;\ b]$:

$$E(\theta) = E^* + \tfrac12 (\theta - \theta^*)^\top H (\theta - \theta^*),\qquad
\nabla E(\theta) = H(\theta - \theta^*).$$

So the distance to the optimum is computable from the gradient alone,
$\theta - \theta^* = H^{+}\nabla E(\theta)$ and $E(\theta) - E^* = \tfrac12\nabla E^\top
H^{+}\nabla E$ (`linreg.symbolic.certificate_expr` derives both): that is the
*certificate* every verdict of `linreg.descent` rests on. This module holds the one place
where features are centred and scaled for descent and where parameters are mapped back
to the data's units (`Coordinates`), and the Hessian's eigen-decomposition from which
the certificate, the stability bounds and the predictions are computed (`Quadratic`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg.errors import InputError
from linreg.moments import Moments

__all__ = ["Certificate", "Coordinates", "Quadratic", "norm"]

FloatArray = npt.NDArray[np.float64]
_EPS = float(np.finfo(np.float64).eps)
#: Co-moments below this have lost digits to underflow (about 1e-292, 52 bits above the
#: smallest subnormal): the statistics of such data no longer describe them.
_TINY = 2.0**-970


def norm(v: npt.ArrayLike, axis: int | None = None) -> Any:
    """The Euclidean norm, scaled first so that squares of 1e154 and more do not overflow."""
    values = np.asarray(v, dtype=np.float64)
    top = np.max(np.abs(values), axis=axis, keepdims=True, initial=0.0)
    safe = np.where((top > 0) & np.isfinite(top), top, 1.0)
    with np.errstate(under="ignore"):
        scaled = np.sqrt(np.sum((values / safe) ** 2, axis=axis, keepdims=True))
    result = np.where(np.isfinite(top), scaled * safe, top)
    return float(result.reshape(())) if axis is None else np.squeeze(result, axis=axis)


def _check_not_underflowed(stats: Moments) -> None:
    """Refuse statistics whose co-moments underflowed: descent on them would be wrong.

    A spread of exactly 0 is a constant column (descent is defined there) unless the
    column's own values are so small that their squares underflow, when nothing can tell
    a constant column from a varying one.
    """
    spread = np.diag(stats.cxx)
    vanished = (spread == 0.0) & (np.abs(stats.mean_x) < math.sqrt(_TINY))
    if (
        np.any((spread > 0.0) & (spread < _TINY))
        or np.any(vanished[stats.mean_x != 0.0])
        or (0.0 < stats.cyy < _TINY)
    ):
        raise InputError(
            "the data are too small: their squares underflow float64 (below 1e-292), so "
            "their statistics have lost their digits; rescale X and y (e.g. divide each by "
            "its largest magnitude)"
        )


@dataclass(frozen=True)
class Coordinates:
    r"""The features descent sees, $z = (x - \text{shift})/\text{scale}$, and the way back.

    With weights $u$ and intercept $b'$ on $z$, the same line in the data's units is
    $w = u/\text{scale}$, $b = b' - \text{shift}^\top w$.

    Attributes
    ----------
    shift, scale : numpy.ndarray of shape (n_features,)
        Zero and one for the data as they are.
    intercept : bool
        Whether $b$ is a parameter (θ has n_features + 1 entries) or fixed at 0.
    """

    shift: FloatArray
    scale: FloatArray
    intercept: bool

    @classmethod
    def identity(cls, n_features: int, intercept: bool) -> Coordinates:
        """The data's own coordinates."""
        return cls(np.zeros(n_features), np.ones(n_features), intercept)

    @classmethod
    def standardizing(cls, stats: Moments, intercept: bool) -> Coordinates:
        """Centred, unit-variance features (only scaled, by their RMS, without an intercept).

        A feature with no spread keeps scale 1.
        """
        spread = np.diag(stats.cxx) / stats.count
        shift = stats.mean_x if intercept else np.zeros(stats.n_features)
        if not intercept:
            spread = spread + stats.mean_x**2
        scale = np.sqrt(spread)
        return cls(shift, np.where(scale > 0, scale, 1.0), intercept)

    @property
    def size(self) -> int:
        """The number of parameters descended: n_features (+ 1 with an intercept)."""
        return int(self.shift.shape[0]) + int(self.intercept)

    def moments(self, stats: Moments) -> Moments:
        """The statistics of z, from those of x (no pass over the data)."""
        s = self.scale
        return Moments(
            stats.count,
            (stats.mean_x - self.shift) / s,
            stats.mean_y,
            stats.cxx / np.outer(s, s),
            stats.cxy / s,
            stats.cyy,
        )

    def features(self, X: FloatArray) -> FloatArray:
        """z for an array of x (a copy only when the coordinates are not the identity)."""
        if not self.shift.any() and (self.scale == 1.0).all():
            return X
        return (X - self.shift) / self.scale

    def penalty(self, alpha: float) -> FloatArray:
        r"""The ridge weights on $u$: $\alpha\lVert w\rVert^2 = \sum_j (\alpha/s_j^2)\,u_j^2$."""
        return alpha / self.scale**2

    def to_descended(self, w: FloatArray, b: float) -> FloatArray:
        """θ on z from (w, b) on x: u = w·scale, b' = b + shift·w."""
        u = w * self.scale
        return np.append(u, b + float(self.shift @ w)) if self.intercept else u

    def to_data(self, theta: FloatArray) -> tuple[FloatArray, float]:
        """(w, b) on x from θ on z."""
        p = self.shift.shape[0]
        w = theta[:p] / self.scale
        b = float(theta[p]) - float(self.shift @ w) if self.intercept else 0.0
        return w, b

    def rows_to_data(self, thetas: FloatArray) -> FloatArray:
        """Rows θ on z to rows [w..., b] on x (paths; also differences, being linear)."""
        p = self.shift.shape[0]
        out = np.zeros((thetas.shape[0], p + 1))
        out[:, :p] = thetas[:, :p] / self.scale
        if self.intercept:
            out[:, p] = thetas[:, p] - out[:, :p] @ self.shift
        return out


@dataclass(frozen=True)
class Certificate:
    r"""How far a point is from the optimum, computed from its gradient.

    Attributes
    ----------
    distance : float
        $\lVert\theta - \theta^*\rVert_2$ in the data's units, $[w; b]$.
    loss_gap : float
        $E(\theta) - E^*$.
    optimum_norm : float
        $\lVert\theta^*\rVert_2$ in the data's units.
    optimum : numpy.ndarray of shape (n_features + 1,)
        $\theta^* = \theta - H^{+}\nabla E$ as $[w; b]$ in the data's units (the nearest
        minimiser, if there are many).
    resolution : float
        The smallest relative distance float64 can certify for this problem, about
        $\kappa\,\varepsilon_{\text{mach}}$: below it the computed distance is rounding.
    """

    distance: float
    loss_gap: float
    optimum_norm: float
    resolution: float
    optimum: FloatArray

    @property
    def relative_distance(self) -> float:
        r"""$\lVert\theta - \theta^*\rVert / \lVert\theta^*\rVert$ (the distance if θ* = 0)."""
        return self.distance / self.optimum_norm if self.optimum_norm > 0 else self.distance

    def holds(self, tol: float) -> bool:
        """Whether the distance is certified to be within ``tol`` of ‖θ*‖."""
        return self.relative_distance <= tol and self.resolution <= tol


@dataclass(frozen=True)
class Quadratic:
    """The loss in the coordinates descended: statistics, Hessian, eigen-decomposition.

    Build one with `Quadratic.build`. Every method of `linreg.descent` is evaluated on
    it; its `certificate` is the verdict.
    """

    stats: Moments
    coords: Coordinates
    penalty: FloatArray
    hessian: FloatArray
    eigenvalues: FloatArray
    eigenvectors: FloatArray

    @classmethod
    def build(
        cls, stats: Moments, *, alpha: float, standardize: bool, intercept: bool
    ) -> Quadratic:
        """The quadratic for data with these statistics, ridge strength and coordinates.

        Raises
        ------
        InputError
            The Hessian overflows float64 (data too large: rescale them).
        """
        _check_not_underflowed(stats)
        coords = (
            Coordinates.standardizing(stats, intercept)
            if standardize
            else Coordinates.identity(stats.n_features, intercept)
        )
        descended = coords.moments(stats)
        penalty = coords.penalty(alpha)
        with np.errstate(over="raise", invalid="raise"):
            try:
                hessian = descended.hessian(penalty)[: coords.size, : coords.size]
                eigenvalues, eigenvectors = np.linalg.eigh(hessian)
            except (FloatingPointError, np.linalg.LinAlgError):
                raise InputError(
                    "the data are too large: the Hessian overflows float64; rescale X and y"
                ) from None
        return cls(descended, coords, penalty, hessian, eigenvalues, eigenvectors)

    @property
    def lambda_max(self) -> float:
        """The largest eigenvalue of the Hessian."""
        return float(self.eigenvalues[-1])

    @property
    def lambda_min(self) -> float:
        """The smallest eigenvalue of the Hessian (0 when the optimum is not unique)."""
        return max(float(self.eigenvalues[0]), 0.0)

    @property
    def condition_number(self) -> float:
        r"""$\kappa = \lambda_{\max}/\lambda_{\min}$ (inf when the Hessian is singular)."""
        return self.lambda_max / self.lambda_min if self._positive.all() else math.inf

    @property
    def effective_condition_number(self) -> float:
        """λ_max over the smallest eigenvalue that is not a rounded zero (the range of H)."""
        return self.lambda_max / float(self.eigenvalues[self._positive][0])

    @property
    def _positive(self) -> npt.NDArray[np.bool_]:
        # Eigenvalues below this are rounding of a zero: the Hessian is singular there.
        cutoff = self.lambda_max * self.eigenvalues.shape[0] * 8 * _EPS
        return np.asarray(self.eigenvalues > cutoff)

    def loss_and_gradient(self, theta: FloatArray) -> tuple[float, FloatArray]:
        """E(θ) and ∇E(θ) from the statistics (the `linreg.moments` kernel)."""
        u, b = self.split(theta)
        loss, grad_u, grad_b = self.stats.loss_and_gradient(u, b, self.penalty)
        return loss, self.join(grad_u, grad_b)

    def split(self, theta: FloatArray) -> tuple[FloatArray, float]:
        """(u, b') from θ; b' is 0 without an intercept."""
        p = self.stats.n_features
        return theta[:p], float(theta[p]) if self.coords.intercept else 0.0

    def join(self, u: Any, b: float) -> FloatArray:
        """θ from (u, b'); b' is dropped without an intercept."""
        if not self.coords.intercept:
            return np.asarray(u, dtype=np.float64)
        theta = np.empty(self.coords.size)
        theta[:-1], theta[-1] = u, b
        return theta

    @functools.cached_property
    def inverse_eigenvalues(self) -> FloatArray:
        """1/λ for each eigenvalue, 0 where λ is a rounded zero (the pseudo-inverse's)."""
        positive = self._positive
        return np.where(positive, 1.0 / np.where(positive, self.eigenvalues, 1.0), 0.0)

    @functools.cached_property
    def _pinv(self) -> FloatArray:
        return np.asarray((self.eigenvectors * self.inverse_eigenvalues) @ self.eigenvectors.T)

    @functools.cached_property
    def _to_data(self) -> FloatArray:
        # The linear map from θ on z to [w; b] on x, as a matrix (rows_to_data is linear).
        return self.coords.rows_to_data(np.eye(self.coords.size)).T

    @functools.cached_property
    def _distance_map(self) -> FloatArray:
        return np.asarray(self._to_data @ self._pinv)

    def solve(self, g: FloatArray) -> FloatArray:
        r"""$H^{+}g$: $O(d^2)$ once the decomposition exists."""
        return np.asarray(self._pinv @ g)

    def within(self, theta: FloatArray, g: FloatArray, tol: float) -> bool:
        """``certificate(theta, g).holds(tol)``, with less work (checked every iteration)."""
        delta = self._distance_map @ g
        if norm(delta) > tol * norm(self._to_data @ theta - delta):
            return False
        return self.certificate(theta, g).holds(tol)

    def certificate(self, theta: FloatArray, g: FloatArray) -> Certificate:
        r"""Distance and loss gap at θ from its gradient g: $\theta - \theta^* = H^{+}g$."""
        step = self._pinv @ g
        delta = self._to_data @ step
        here = self._to_data @ theta
        distance = norm(delta)
        optimum = norm(here - delta)
        best = here - delta
        # E − E* = ½ gᵀH⁺g, the same in every coordinates
        gap = max(0.5 * float(g @ step), 0.0)
        resolution = self.eigenvalues.shape[0] * 8 * _EPS * self.effective_condition_number
        resolution *= max(norm(here), optimum) / optimum if optimum > 0 else 1.0
        return Certificate(distance, gap, optimum, resolution, best)
