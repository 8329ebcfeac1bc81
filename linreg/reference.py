r"""The optimum of the data as given, with a sound error bar: the type, and exactly.

A verdict "converged" compares an iterate with $\theta^*$, the exact least-squares (or
ridge) optimum of the data as they are, each float taken at its exact value. $\theta^*$
is itself only known to float64 accuracy, so linreg works with a `Reference`: an
estimate $\hat\theta^*$ and a rigorous bound $E \ge \lVert\hat\theta^* - \theta^*\rVert_2$
in the data's units. Three routes make one, each more precise and more costly than the
last (`linreg.certificate.ReferenceLadder` climbs them only when a verdict needs it):

1. **From the one-pass statistics** (`linreg.reference_statistics`): an a-priori bound
   from the rounding of the statistics, the smallest eigenvalue of the scaled normal
   matrix (bounded from below, never guessed) and the map back to the intercept.
2. **From the data** (`linreg.reference_data`): refinement with a gradient formed in
   double-double over the data, and the a-posteriori bound
   $\hat\theta^* - \theta^* = H^{-1}\nabla E(\hat\theta^*)$. Tight: $E$ is about the
   true error.
3. **In rational arithmetic** (`exact_reference`, here), when the data are small enough:
   $\theta^*$ exactly. Only this route may declare the data rank-deficient (a direction
   along which the optimum is not unique); an ill-conditioned problem is never taken
   for a singular one.

A route that cannot bound its error says so with $E = \infty$ and a reason, and the
verdict is then "cannot be certified".
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg.blas import norm
from linreg.exact_solver import exact_sums

__all__ = ["EXACT_BUDGET", "UNIT", "Reference", "exact_reference"]

FloatArray = npt.NDArray[np.float64]
#: The unit roundoff of float64, u = 2⁻⁵³: |fl(a ∘ b) − a ∘ b| ≤ u|a ∘ b|.
UNIT = 2.0**-53
#: The exact route runs when N·(p + 1)² is at most this (about a second of big-integer sums).
EXACT_BUDGET = 4_000_000


@dataclass(frozen=True)
class Reference:
    r"""An estimate of the optimum and a bound on its error, in the data's units.

    Attributes
    ----------
    point : numpy.ndarray of shape (n_features + 1,)
        $\hat\theta^* = [w; b]$ ($b = 0$ without an intercept): a minimiser.
    error : float
        $E \ge \lVert\hat\theta^* - \theta^*\rVert_2$ (inf when no bound could be found);
        with a null space, the distance of $\hat\theta^*$ from the set of minimisers.
    null : numpy.ndarray of shape (n_features + 1, q)
        Orthonormal directions along which the optimum is not unique (q = 0 unless the
        data are proven rank-deficient).
    zero : bool
        Whether $\theta^* = 0$ exactly (proven), so that only an absolute distance means
        anything.
    source : str
        ``"statistics"``, ``"data"`` or ``"exact"``: which route produced it
        (``"data, unrefined"``: the data's bound on the statistics' point, where that was
        enough).
    reason : str
        Why ``error`` is infinite, in words ("" otherwise).
    """

    point: FloatArray
    error: float
    null: FloatArray
    zero: bool
    source: str
    reason: str = ""

    def nearest(self, theta: FloatArray) -> FloatArray:
        """The minimiser nearest to θ: ``point`` moved along ``null``."""
        if not self.null.shape[1]:
            return self.point
        return np.asarray(self.point + self.null @ (self.null.T @ (theta - self.point)))

    def smallest(self) -> FloatArray:
        """The minimiser of least norm: ``point`` with its part along ``null`` removed
        (``point`` itself when the optimum is unique)."""
        if not self.null.shape[1]:
            return self.point
        return np.asarray(self.point - self.null @ (self.null.T @ self.point))


# --- exact -----------------------------------------------------------------------------------


def exact_reference(X: FloatArray, y: FloatArray, alpha: Any, intercept: bool) -> Reference:
    r"""θ* in rational arithmetic: exact sums $Z^\top Z$, $Z^\top y$, then Gauss–Jordan.

    A singular normal matrix here is proof of rank deficiency: the optimum is then an
    affine set, returned as one of its points and the set's directions (``null``).
    """
    p = X.shape[1]
    columns = [np.ascontiguousarray(X[:, j]) for j in range(p)]
    gram, moment, _, _ = exact_sums(columns, np.ascontiguousarray(y), intercept)
    for j, strength in enumerate(np.broadcast_to(alpha, (p,)).tolist()):
        gram[j][j] += X.shape[0] * Fraction(strength)
    solution, null = _rational_solve(gram, moment)
    if not intercept:
        solution.append(Fraction(0))
        null = [[*v, Fraction(0)] for v in null]
    point = np.array([float(v) for v in solution])
    zero = all(v == 0 for v in solution) and not null
    # float() rounds each entry to nearest: within u of itself, or (below the normal
    # range) within the smallest subnormal
    error = UNIT * norm(point) + 2.0**-1074 * point.shape[0]
    basis = np.linalg.qr(np.array([[float(v) for v in vec] for vec in null]).T)[0] if null else (
        np.zeros((p + 1, 0)))  # fmt: skip
    return Reference(point, error, np.asarray(basis), zero, "exact")


def _rational_solve(
    gram: list[list[Fraction]], moment: list[Fraction]
) -> tuple[list[Fraction], list[list[Fraction]]]:
    """A solution of G θ = g (free variables 0) and a basis of G's null space, exactly."""
    k = len(gram)
    rows = [[*gram[a][:], moment[a]] for a in range(k)]
    pivots: list[int] = []
    for col in range(k):
        lead = next((r for r in range(len(pivots), k) if rows[r][col] != 0), None)
        if lead is None:
            continue
        top = len(pivots)
        rows[top], rows[lead] = rows[lead], rows[top]
        rows[top] = [v / rows[top][col] for v in rows[top]]
        for r in range(k):
            if r != top and rows[r][col] != 0:
                factor = rows[r][col]
                rows[r] = [v - factor * u for v, u in zip(rows[r], rows[top])]
        pivots.append(col)
    solution = [Fraction(0)] * k
    for r, col in enumerate(pivots):
        solution[col] = rows[r][k]
    null = []
    for free in (c for c in range(k) if c not in pivots):
        vector = [Fraction(0)] * k
        vector[free] = Fraction(1)
        for r, col in enumerate(pivots):
            vector[col] = -rows[r][free]
        null.append(vector)
    return solution, null
