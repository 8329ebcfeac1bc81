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

from linreg.blas import eigh
from linreg.doubledouble import two_product, two_sum
from linreg.errors import InputError
from linreg.moments import Moments
from linreg.validate import check_not_underflowed, too_large

__all__ = ["Coordinates", "Quadratic", "Spectrum"]

FloatArray = npt.NDArray[np.float64]
_EPS = float(np.finfo(np.float64).eps)


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

    @functools.cached_property
    def _shifted(self) -> bool:
        return bool(self.intercept and self.shift.any())

    @functools.cached_property
    def _divisor(self) -> FloatArray:
        return np.append(self.scale, 1.0)  # [u, b'] / divisor = [w, b']

    @functools.cached_property
    def _abs_shift(self) -> FloatArray:
        return np.abs(self.shift)

    @property
    def size(self) -> int:
        """The number of parameters descended: n_features (+ 1 with an intercept)."""
        return int(self.shift.shape[0]) + int(self.intercept)

    @functools.cached_property
    def _plain(self) -> bool:
        """z = x: no shift, unit scale."""
        return bool(not self.shift.any() and (self.scale == 1.0).all())

    def moments(self, stats: Moments) -> Moments:
        """The statistics of z, from those of x (no pass over the data)."""
        if self._plain:
            return stats
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
        if self._plain:
            return X
        return (X - self.shift) / self.scale

    def penalty(self, alpha: float) -> FloatArray:
        r"""The ridge weights on $u$: $\alpha\lVert w\rVert^2 = \sum_j (\alpha/s_j^2)\,u_j^2$."""
        return alpha / self.scale**2

    def to_descended(self, w: FloatArray, b: float) -> FloatArray:
        """θ on z from (w, b) on x: u = w·scale, b' = b + shift·w (inf where a start far
        beyond float64's range overflows: the run then refuses it, in its own words)."""
        with np.errstate(over="ignore", invalid="ignore"):
            u = w * self.scale
            return np.concatenate((u, [b + float(self.shift @ w)])) if self.intercept else u

    def to_data(self, theta: FloatArray) -> tuple[FloatArray, float]:
        """(w, b) on x from θ on z (`rows_to_data` of one row)."""
        row = self.rows_to_data(theta[None, :])[0]
        return row[:-1], float(row[-1])

    def rough_rows_to_data(self, thetas: FloatArray) -> tuple[FloatArray, FloatArray]:
        """`rows_to_data` in plain float64, and a bound on each row's distance from it.

        The same w; b = b' − shift·w in float64 errs by at most γ_(p+2)(|b'| + Σ|shiftⱼwⱼ|)
        from the exact value, which `rows_to_data` is within a few u of: the bound is twice
        that. For a cheap look at many rows, where only a clear miss is acted on.
        """
        p = self.shift.shape[0]
        if not self._shifted:
            return self.rows_to_data(thetas), np.zeros(thetas.shape[0])
        out = thetas / self._divisor
        w = out[:, :p]
        size = np.abs(thetas[:, p]) + np.abs(w) @ self._abs_shift
        out[:, p] -= w @ self.shift
        return out, 2.0 * (p + 4) * _EPS * size

    def rows_to_data(self, thetas: FloatArray) -> FloatArray:
        r"""Rows θ on z to rows [w..., b] on x (paths; also differences, being linear).

        $w = u/\text{scale}$ rounds; $b = b' - \text{shift}^\top w$ is formed from the
        *exact* quotient (its rounding recovered by an error-free product) in
        double-double, so that b is within a few u of itself however large the shift: the
        map back adds no error the pair (w, b) could have avoided.
        """
        p = self.shift.shape[0]
        out = np.zeros((thetas.shape[0], p + 1))
        out[:, :p] = w = thetas[:, :p] / self.scale
        if not self.intercept:
            return out
        if not self._shifted:  # (with an intercept: no shift)
            out[:, p] = thetas[:, p]
            return out
        # w·scale and −w·shift split exactly, every column at once
        (product, highs), (error, parts) = two_product(
            w, np.stack([self.scale, -self.shift])[:, None]
        )
        lost = ((thetas[:, :p] - product) - error) / self.scale  # u/scale − w, to rounding
        rest = parts - self.shift * lost
        if thetas.shape[0] <= _FSUM_ROWS:  # a few rows (an iterate): each sum correctly rounded
            terms = np.concatenate([thetas[:, p:], highs, rest], axis=1).tolist()
            out[:, p] = [math.fsum(row) for row in terms]
            return out
        total, low = thetas[:, p].copy(), rest.sum(axis=1)
        for high in highs.T:
            total, carry = two_sum(total, high)
            low += carry
        out[:, p] = total + low
        return out


#: Up to this many rows, `Coordinates.rows_to_data` sums each intercept by `math.fsum`.
_FSUM_ROWS = 16


@dataclass(frozen=True)
class Spectrum:
    r"""The Hessian's eigen-decomposition, each eigenvalue by the better of two routes.

    ``eigh`` of $H$ finds each eigenvalue to about $d\,u\,\lambda_{\max}$: the small ones of
    an ill-conditioned $H$ (offset or unscaled features) lose their digits. $H^{-1}$,
    formed from the centred statistics (`Quadratic.inverse`), finds them to about
    $d\,u\,\kappa_A/\lambda_{\min}$ in $1/\lambda$, where $\kappa_A$ is the condition of
    the centred, scaled features alone. Each eigenvalue (and its vector) is taken from the
    route with the smaller error; the vectors are then made orthonormal.

    Attributes
    ----------
    values : numpy.ndarray of shape (d,)
        Ascending; exactly 0 only where the Hessian is proven singular.
    vectors : numpy.ndarray of shape (d, d)
        Orthonormal eigenvectors, as columns.
    errors : numpy.ndarray of shape (d,)
        About how far each computed eigenvalue may be from the exact one.
    null : int
        How many leading eigenvalues are proven zero (a constant column with an
        intercept, or an all-zero column without one).
    """

    values: FloatArray
    vectors: FloatArray
    errors: FloatArray
    null: int


def _structured_inverse(
    stats: Moments, penalty: FloatArray, intercept: bool
) -> tuple[FloatArray, float] | None:
    r"""$H^{-1}$ from the centred statistics, and the condition of the scaled $A$.

    With $A = C/N + \text{diag}(\text{penalty})$ and means $m$, $H = 2M^\top
    \text{diag}(A, 1)M$ for $M = [[I, 0], [m^\top, 1]]$, so
    $H^{-1} = \tfrac12[[A^{-1}, -A^{-1}m], [-m^\top A^{-1}, 1 + m^\top A^{-1}m]]$; without an
    intercept $H = 2G$, $G = A + mm^\top$ (the raw second moments), and $G$ itself is
    inverted. With an intercept only $A$ is inverted: however large the means, its
    condition is the centred features' own. Without one, Sherman–Morrison's
    $A^{-1} - A^{-1}mm^\top A^{-1}/(1 + m^\top A^{-1}m)$ cancels to nothing when the means
    dwarf the spread (x = 1e13 + 0..9: an inverse of 0, then a "too large" refusal, or a
    negative loss), while $G$'s own condition is the problem's. None when the matrix
    inverted is singular to float64 precision.
    """
    if stats.n_features == 1 and TWO_BY_TWO_FLOATS and penalty.shape == (1,):
        found = _line_inverse(stats, float(penalty[0]), intercept)
        if found is not None:
            return found
    a = stats.cxx / stats.count + np.diag(penalty)
    if not intercept:
        a = a + np.outer(stats.mean_x, stats.mean_x)
    scale = np.sqrt(a.diagonal())
    if not (scale > 0).all():
        return None
    outer = scale[:, None] * scale
    values, vectors = eigh(a / outer)  # the scaled A: its condition and inverse
    lowest, highest = float(values[0]), float(values[-1])
    if not lowest > highest * a.shape[0] * _EPS:
        return None  # singular to float64 precision
    a_inverse = (vectors / values) @ vectors.T / outer
    if not intercept:
        return 0.5 * a_inverse, float(highest / lowest)
    pulled = a_inverse @ stats.mean_x
    p = stats.n_features
    inverse = np.empty((p + 1, p + 1))
    inverse[:p, :p], inverse[:p, p], inverse[p, :p] = a_inverse, -pulled, -pulled
    inverse[p, p] = 1.0 + float(stats.mean_x @ pulled)
    return 0.5 * inverse, float(highest / lowest)


def _line_inverse(
    stats: Moments, penalty: float, intercept: bool
) -> tuple[FloatArray, float] | None:
    """`_structured_inverse` of one feature on Python floats, bit for bit: its 1×1 eigh is
    the entry and the vector 1 (`linreg.blas.eigh`), and a product summed by numpy's
    matmul is 0 + x. None (then numpy's lines) unless every input is 0 or within 2^±100,
    where no step can overflow, underflow or divide by 0 under any error state."""
    c, m, n = float(stats.cxx[0, 0]), float(stats.mean_x[0]), stats.count
    if not (2.0**-100 < c < 2.0**100 and 0 < n < 2.0**60
            and (penalty == 0.0 or 2.0**-100 < abs(penalty) < 2.0**100)
            and (m == 0.0 or 2.0**-100 < abs(m) < 2.0**100)):  # fmt: skip
        return None  # (n, a count below 2^60, is within them)
    a = c / n + penalty
    if not intercept:
        a = a + m * m  # G = A + mm^T
    outer = math.sqrt(a) * math.sqrt(a)
    value = a / outer  # the scaled A (or G), its own eigenvalue
    if not value > value * 1 * _EPS:
        return None  # singular to float64 precision
    a_inverse = (0.0 + (1.0 / value) * 1.0) / outer
    if not intercept:
        return np.array([[0.5 * a_inverse]]), value / value
    pulled = 0.0 + a_inverse * m
    through = 1.0 + (0.0 + m * pulled)
    inverse = [[0.5 * a_inverse, 0.5 * -pulled], [0.5 * -pulled, 0.5 * through]]
    return np.array(inverse), value / value


def _proven_null(stats: Moments, penalty: FloatArray, intercept: bool) -> int:
    """Directions in which H is exactly singular: the pass gives zero spread only to a
    constant column (a free weight with an intercept); without one, only an all-zero
    column leaves H singular."""
    if stats.n_features == 1 and TWO_BY_TWO_FLOATS and penalty.shape == (1,):  # on floats
        spread, ridge, mean = float(stats.cxx[0, 0]), float(penalty[0]), float(stats.mean_x[0])
        return int(spread == 0.0 and ridge == 0.0 and (intercept or mean == 0.0))
    free = (stats.cxx.diagonal() == 0.0) & (penalty == 0.0)
    if not intercept:
        free &= stats.mean_x == 0.0
    return int(np.count_nonzero(free))


def _spectrum(hessian: FloatArray, inverse: tuple[FloatArray, float] | None, null: int) -> Spectrum:
    """Eigenvalues from H or from H⁻¹, whichever resolves each better (see `Spectrum`)."""
    size = hessian.shape[0]
    values, vectors = eigh(hessian)
    if inverse is not None and not null:
        small, small_vectors = eigh(inverse[0])
        if size == 2 and TWO_BY_TWO_FLOATS:
            found = _two_by_two(values, vectors, small, small_vectors, inverse[1])
            if found is not None:
                return found
    errors = np.full(size, 4 * size * _EPS * max(float(values[-1]), 0.0))
    if inverse is not None and not null:
        with np.errstate(divide="ignore"):
            from_inverse = np.where(small > 0, 1.0 / small, np.inf)[::-1]
        absolute = 4 * (size + inverse[1]) * _EPS * float(small[-1])  # each 1/λ's error
        inverse_errors = absolute * from_inverse**2
        # First order only where 1/λ is resolved: an error past half of it bounds nothing
        # (a middle eigenvalue lost in H⁻¹'s rounding read as 1e7 times too small).
        inverse_errors[small[::-1] <= 2.0 * absolute] = np.inf
        better = inverse_errors < errors
        values = np.where(better, from_inverse, values)
        vectors = np.where(better, small_vectors[:, ::-1], vectors)
        errors = np.minimum(errors, inverse_errors)
        if better.any() and not better.all():  # columns from both routes: make them one basis
            vectors = _orthonormal(vectors, better)
    values = np.maximum(values, 0.0)
    values[:null], errors[:null] = 0.0, 0.0
    return Spectrum(values, vectors, errors, null)


#: One feature: `_spectrum` of a 2×2 Hessian picks its eigenvalues in Python floats
#: (`_two_by_two`), as `_structured_inverse` (`_line_inverse`) and `_proven_null` form
#: theirs; False: in numpy (the tests compare the two, bit for bit).
TWO_BY_TWO_FLOATS = True


def _two_by_two(
    values: FloatArray, vectors: FloatArray, small: FloatArray, small_vectors: FloatArray,
    kappa: float,
) -> Spectrum | None:  # fmt: skip
    """`_spectrum`'s choice between the routes for a 2×2 Hessian, each number formed as
    numpy forms it (a tie of numpy's minimum and maximum goes to the second argument, as
    here). None where a number is not finite, or the turned vector's sign is close to
    call: numpy's lines then decide, raising or not as the caller's error state says."""
    (v0, v1), (s0, s1) = values.tolist(), small.tolist()
    error = 4 * 2 * _EPS * max(v1, 0.0)
    if not (s0 > 0 and s1 > 0):  # numpy's 1/s of s <= 0 may overflow, or be inf
        return None
    if not (_IN < s0 < _OUT and _IN < s1 < _OUT and _IN < kappa < _OUT
            and (v1 == 0.0 or _IN < abs(v1) < _OUT)):  # fmt: skip
        return None  # a product could underflow, where the caller's state decides: numpy
    f0, f1 = 1.0 / s1, 1.0 / s0  # the inverse's, ascending
    factor = 4 * (2 + kappa) * _EPS * s1
    e0 = factor * (f0 * f0) if s1 > 2.0 * factor else math.inf
    e1 = factor * (f1 * f1) if s0 > 2.0 * factor else math.inf
    if not (_finite(v0) and _finite(v1) and _finite(f0) and _finite(f1) and _finite(e0)
            and _finite(e1)):  # fmt: skip
        return None
    better = [e0 < error, e1 < error]
    columns = vectors.T.tolist()
    if better[0] or better[1]:
        turned = small_vectors.T.tolist()
        columns = [turned[1] if better[0] else columns[0], turned[0] if better[1] else columns[1]]
    if better[0] != better[1]:  # `_orthonormal`: the kept one turned a right angle
        kept = 0 if better[0] else 1
        (a, b), other = columns[kept], columns[1 - kept]
        dot = -b * other[0] + a * other[1]
        if not abs(dot) > 0.5:
            return None
        columns[1 - kept] = [-b, a] if dot >= 0 else [b, -a]
    (a0, a1), (b0, b1) = columns
    picked = [f0 if better[0] else v0, f1 if better[1] else v1]
    return Spectrum(
        np.array([picked[0] if picked[0] > 0.0 else 0.0, picked[1] if picked[1] > 0.0 else 0.0]),
        np.array([[a0, b0], [a1, b1]]),
        np.array([error if error < e0 else e0, error if error < e1 else e1]),  # np.minimum
        0,
    )


#: `_two_by_two`'s range where no product of its numbers can underflow or overflow.
_IN, _OUT = 2.0**-400, 2.0**400
_finite = math.isfinite


def _orthonormal(vectors: FloatArray, first: Any) -> FloatArray:
    """Gram–Schmidt with the columns marked ``first`` (the small eigenvalues', from H⁻¹)
    kept as they are, the others made orthogonal to them."""
    if vectors.shape[1] == 2:  # one of each: the other is the kept one turned a right angle
        kept = int(np.flatnonzero(first)[0])
        a, b = vectors[:, kept]
        turned = np.array([-b, a])
        result = vectors.copy()
        result[:, 1 - kept] = turned if turned @ vectors[:, 1 - kept] >= 0 else -turned
        return result
    order = np.concatenate([np.flatnonzero(first), np.flatnonzero(~first)])
    q, r = np.linalg.qr(vectors[:, order])
    q = q * np.where(np.diag(r) < 0, -1.0, 1.0)
    result = np.empty_like(q)
    result[:, order] = q
    return result


def _too_large(
    descended: Moments, penalty: FloatArray, alpha: float, standardize: bool
) -> InputError:
    """The error for a Hessian too large for its eigenvalues' arithmetic: the ridge term
    where it is the larger part (``alpha=1e200`` on data of size 20), else the data."""
    with np.errstate(all="ignore"):
        bare = descended.hessian(np.zeros_like(penalty))
        ridge = 2 * float(np.max(penalty, initial=0.0))
        by_alpha = bool(np.isfinite(bare).all()) and ridge > float(np.max(np.abs(bare)))
    if alpha and by_alpha:
        return InputError(
            f"alpha {alpha:g} is too large for float64: its ridge term makes the Hessian too "
            "large for its eigenvalues' arithmetic (which squares its entries); choose a "
            "smaller alpha"
        )
    return too_large("the Hessian's eigenvalues", "" if standardize else ", or standardize=True")


@dataclass(frozen=True)
class Quadratic:
    """The loss in the coordinates descended: statistics, Hessian, its inverse and spectrum.

    Build one with `Quadratic.build`. Every method of `linreg.descent` is evaluated on
    it. The verdict itself is `linreg.certificate`'s, against `linreg.reference`.
    """

    stats: Moments
    coords: Coordinates
    penalty: FloatArray
    hessian: FloatArray
    inverse: FloatArray | None
    spectrum: Spectrum

    @classmethod
    def build(
        cls, stats: Moments, *, alpha: float, standardize: bool, intercept: bool
    ) -> Quadratic:
        """The quadratic for data with these statistics, ridge strength and coordinates.

        Raises
        ------
        InputError
            The Hessian overflows float64 (data too large: rescale them), or the
            statistics underflowed.
        """
        check_not_underflowed(
            stats.cxx.diagonal(), stats.mean_x, stats.cyy, mean_y=stats.mean_y, moment=stats.cxy
        )
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
                inverse = _structured_inverse(descended, penalty, intercept)
                null = _proven_null(descended, penalty, intercept)
                spectrum = _spectrum(hessian, inverse, null)
            except (FloatingPointError, np.linalg.LinAlgError):
                # entries near 1e308 leave no room for its eigenvalues' arithmetic
                raise _too_large(descended, penalty, alpha, standardize) from None
        matrix = None if inverse is None or null else inverse[0]
        return cls(descended, coords, penalty, hessian, matrix, spectrum)

    @property
    def eigenvalues(self) -> FloatArray:
        """The Hessian's eigenvalues, ascending (see `Spectrum`)."""
        return self.spectrum.values

    @property
    def eigenvectors(self) -> FloatArray:
        """Its orthonormal eigenvectors, as columns."""
        return self.spectrum.vectors

    @property
    def lambda_max(self) -> float:
        """The largest eigenvalue of the Hessian."""
        return float(self.eigenvalues[-1])

    @property
    def lambda_min(self) -> float:
        """The smallest eigenvalue of the Hessian (0 when it is proven singular)."""
        return float(self.eigenvalues[0])

    @property
    def resolved(self) -> bool:
        """Whether every non-null eigenvalue is known to at least a tenth of itself."""
        live = self.spectrum.null
        return bool(np.all(self.spectrum.errors[live:] < 0.1 * self.eigenvalues[live:]))

    @property
    def condition_number(self) -> float:
        r"""$\kappa = \lambda_{\max}/\lambda_{\min}$ (inf when the Hessian is singular, or its
        smallest eigenvalue is below float64's resolution)."""
        if self.spectrum.null or not self.lambda_min > 0:
            return math.inf
        return self.lambda_max / self.lambda_min

    @property
    def effective_condition_number(self) -> float:
        """λ_max over the smallest eigenvalue that is not proven zero (the range of H)."""
        live = self.eigenvalues[self.spectrum.null :]
        return self.lambda_max / float(live[0]) if live[0] > 0 else math.inf

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
        """1/λ for each eigenvalue, 0 where λ is proven zero or within its own error bar
        of zero (the pseudo-inverse's: 1/λ of an eigenvalue float64 cannot tell from 0
        would send Newton's step ~1/u along a direction that may be null)."""
        values = self.eigenvalues
        kept = values > self.spectrum.errors
        with np.errstate(divide="ignore"):
            return np.where(kept, 1.0 / np.where(kept, values, 1.0), 0.0)

    @functools.cached_property
    def _pinv(self) -> FloatArray:
        if self.inverse is not None:
            return self.inverse
        return np.asarray((self.eigenvectors * self.inverse_eigenvalues) @ self.eigenvectors.T)

    def solve(self, g: FloatArray) -> FloatArray:
        r"""$H^{-1}g$ ($H^{+}g$ when H is singular): $O(d^2)$ once built."""
        return np.asarray(self._pinv @ g)

    def loss_gap(self, g: FloatArray) -> float:
        r"""$E(\theta) - E^* = \tfrac12 g^\top H^{+} g$ for the gradient g at θ (inf where
        float64 overflows forming it)."""
        with np.errstate(all="ignore"):
            gap = 0.5 * float(g @ self.solve(g))
        return max(gap, 0.0) if math.isfinite(gap) else math.inf

    def to_data(self, theta: FloatArray) -> FloatArray:
        """θ on z as [w; b] on x (b = 0 without an intercept), as the caller receives it."""
        return np.asarray(self.coords.rows_to_data(theta[None, :])[0])  # [w; b], one row

    def resolution(self, optimum: FloatArray) -> float:
        """How closely an iterate mapped back to the data's units can approach ``optimum``:
        the rounding of w = u/scale and of b, a few u of each (`Coordinates.rows_to_data`)."""
        if not self.coords._shifted:  # no intercept, or no shift
            return 0.0
        return float(4 * (optimum.shape[0] + 2) * _EPS * float(np.abs(optimum).sum()))
