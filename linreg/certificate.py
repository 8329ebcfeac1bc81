r"""The verdict on an iterate, with its error bar: converged, not converged, or cannot tell.

Given an iterate $\theta$ (in the data's units, as the caller will receive it) and a
`linreg.reference.Reference` $\hat\theta^*$ with $\lVert\hat\theta^* - \theta^*\rVert \le E$,
the distance to the exact optimum satisfies

$$\lVert\theta - \theta^*\rVert \le \hat d\,(1 + c\,u) + E,\qquad
\lVert\theta^*\rVert \ge \lVert\hat\theta^*\rVert\,(1 - c\,u) - E,$$

where $\hat d$ is the computed $\lVert\theta - \hat\theta^*\rVert$ and $c\,u$ covers the
rounding of that subtraction and of the norms. So "converged" is said exactly when the
upper bound on the relative distance is at most ``tol``: sound whatever rounding did.
When the error bar alone exceeds ``tol``, no float64 iterate could be certified, and the
verdict is "cannot be certified" (`CANNOT`), with the floor and its cures. When
$\theta^* = 0$ exactly (proven), relative distances mean nothing, and the absolute
distance is compared with ``tol`` instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg.blas import norm
from linreg.errors import SingularProblemError
from linreg.moments import Moments
from linreg.problem import Quadratic
from linreg.reference import EXACT_BUDGET, UNIT, Reference, exact_reference
from linreg.reference_data import BLAS_RESOLUTION, from_data
from linreg.reference_statistics import Prepared, from_statistics, prepare

__all__ = [
    "CANNOT",
    "CONVERGED",
    "DEFAULT_TOL",
    "NOT_CONVERGED",
    "Certificate",
    "Judge",
    "ReferenceLadder",
    "judge",
]

FloatArray = npt.NDArray[np.float64]

CONVERGED = "converged"
NOT_CONVERGED = "not converged"
CANNOT = "cannot be certified"
#: The verdict's tolerance when none is given: ‖θ − θ*‖ ≤ 1e-6·‖θ*‖.
DEFAULT_TOL = 1e-6


@dataclass(frozen=True)
class Certificate:
    r"""How far an iterate is from the exact optimum, and what can be said of it.

    Attributes
    ----------
    distance : float
        $\hat d = \lVert\theta - \hat\theta^*\rVert_2$ in the data's units.
    distance_error : float
        A bound on $|\lVert\theta - \theta^*\rVert - \hat d|$: the error bar.
    relative_distance : float
        $\hat d/\lVert\hat\theta^*\rVert$ (the absolute distance when θ* = 0 exactly);
        where the optimum is not unique, over the least norm of a minimiser.
    relative_bound : float
        A sound upper bound on $\lVert\theta - \theta^*\rVert/\lVert\theta^*\rVert$ (inf when
        $\lVert\theta^*\rVert$ cannot be bounded away from 0).
    floor : float
        The smallest relative distance this problem lets float64 certify: the error bar
        of the optimum (and of the run's own coordinates) over $\lVert\theta^*\rVert$.
    optimum : numpy.ndarray of shape (n_features + 1,)
        $\hat\theta^*$, the nearest minimiser.
    optimum_norm : float
    verdict : str
        `CONVERGED`, `NOT_CONVERGED` or `CANNOT`.
    reason : str
        For `CANNOT`: why, in words.
    zero : bool
        θ* = 0 exactly (proven): the distances are absolute.
    """

    distance: float
    distance_error: float
    relative_distance: float
    relative_bound: float
    floor: float
    optimum: FloatArray
    optimum_norm: float
    verdict: str
    reason: str = ""
    zero: bool = False

    @property
    def converged(self) -> bool:
        """Whether the verdict is `CONVERGED`."""
        return self.verdict == CONVERGED

    def withdrawn(self, reason: str) -> Certificate:
        """This certificate with its verdict withdrawn: `CANNOT`, for ``reason``, and no
        tolerance that could be certified (the floor is inf)."""
        return replace(self, verdict=CANNOT, reason=reason, floor=math.inf)


def judge(
    theta: FloatArray, reference: Reference, tol: float, resolution: float = 0.0
) -> Certificate:
    r"""The verdict on θ at ``tol``.

    Parameters
    ----------
    theta : numpy.ndarray of shape (n_features + 1,)
        $[w; b]$ in the data's units, as returned to the caller.
    reference : linreg.reference.Reference
    tol : float
        The relative tolerance (absolute when θ* = 0 exactly).
    resolution : float, default 0.0
        How closely the run itself can approach θ* (absolute, data units): below it, a
        run that has not converged is reported as `CANNOT` rather than `NOT_CONVERGED`.
    """
    optimum = reference.nearest(theta)
    delta = theta - optimum
    size = theta.shape[0]
    distance = norm(delta)
    # fl(θ − θ̂*) and the two norms: (size + 4)u relative; a projection on null adds its
    # own, and the nearest minimiser θ̂* + n·c rounds at u‖θ̂* + n·c‖ ≤ u(‖θ̂*‖ + ‖θ − θ̂*‖).
    moved = 0.0
    if reference.null.shape[1]:
        moved = norm(theta - reference.point) + norm(reference.point)
    slack = (size + 4) * UNIT * (distance + moved)
    error = slack + reference.error
    optimum_norm = norm(optimum)
    # Distances are relative to the least norm of a minimiser: with many, the nearest one
    # can be far out along the null space, where any iterate out there looks close.
    least, least_slack = optimum_norm, 0.0
    if reference.null.shape[1]:
        least = norm(reference.smallest())
        least_slack = (size + 4) * UNIT * norm(reference.point)
    if reference.zero:
        bound = distance + error
        verdict = CONVERGED if bound <= tol else NOT_CONVERGED
        return Certificate(distance, error, distance, bound, 0.0, optimum, 0.0, verdict, "", True)
    low = least * (1 - (size + 4) * UNIT) - reference.error - least_slack
    bound = (distance + error) / low if low > 0 else math.inf
    floor = (reference.error + resolution) / low if low > 0 else math.inf
    relative = distance / least if least > 0 else math.inf
    if bound <= tol:
        verdict, reason = CONVERGED, ""
    elif floor >= tol or not math.isfinite(reference.error):
        verdict, reason = CANNOT, _why(reference, low, floor, tol)
    else:
        verdict, reason = NOT_CONVERGED, ""
    return Certificate(distance, error, relative, bound, floor, optimum, optimum_norm,
                       verdict, reason)  # fmt: skip


def _why(reference: Reference, low: float, floor: float, tol: float) -> str:
    """The reason a verdict cannot be given, in words."""
    if not math.isfinite(reference.error):
        return reference.reason or "the optimum's error cannot be bounded"
    if low <= 0:
        return (
            f"the optimum is within its own error bar ({reference.error:.2g}) of zero, so no "
            "relative distance to it can be certified"
        )
    return f"float64 resolves the optimum only to {floor:.2g} of its norm, above tol={tol:g}"


class ReferenceLadder:
    """The routes above, climbed one rung at a time only when a verdict needs it.

    ``current`` starts from the statistics; `climb` moves to the data's a-posteriori
    bound, then to the exact optimum, where the data are at hand (and small enough for
    the exact route), and returns whether anything changed.
    """

    def __init__(
        self,
        stats: Moments,
        alpha: float,
        intercept: bool,
        data: tuple[FloatArray, FloatArray] | None = None,
        solved: tuple[Prepared, Reference] | None = None,
    ) -> None:
        """``solved``: `prepare`'s and `from_statistics`' answers for these arguments,
        where already at hand (`linreg._line_twins.ladder` forms them on floats)."""
        self.stats, self.alpha, self.intercept, self.data = stats, alpha, intercept, data
        if solved is None:
            prepared = prepare(stats, alpha, intercept)  # both routes share its solve
            solved = prepared, from_statistics(stats, alpha, intercept, prepared)
        self._prepared, self.current = solved
        self.floor = self.current  # what descent on the statistics itself can resolve
        self._rungs = ["data", "exact"] if data is not None else []

    def __getstate__(self) -> dict[str, Any]:
        # A pickled result keeps its reference, not a copy of the data it was refined on.
        return {**self.__dict__, "data": None, "_rungs": []}

    def climb(self, resolution: float = BLAS_RESOLUTION, sufficient: float = 0.0) -> bool:
        """Try the next, more precise route; True when the reference improved.
        ``resolution``: the relative error wanted; ``sufficient``: one that is enough, so
        that the data's route may stop after its first pass (see
        `linreg.reference_data.from_data`; a later climb then refines, unless the bar is
        already within ``sufficient``: two passes more to sharpen a bar nobody asked for
        cost more than the iteration or two that decide the verdict on their own)."""
        current = self.current
        enough = current.error <= sufficient * norm(current.point)
        for rung in list(self._rungs):
            if rung == "refine" and enough:
                continue  # kept for a caller that asks for more (`DescentResult.sharpened`)
            self._rungs.remove(rung)
            better = self._run(rung, resolution, sufficient)
            if rung == "data" and better is not None and better.source == "data, unrefined":
                self._rungs.insert(0, "refine")  # the data's full route, if asked again
            if better is not None and (better.error < self.current.error or better.null.shape[1]
                                       or better.zero):  # fmt: skip
                self.current = better
                return True
        return False

    def _run(self, rung: str, resolution: float, sufficient: float) -> Reference | None:
        assert self.data is not None
        X, y = self.data
        if rung in ("data", "refine"):
            return from_data(
                self.stats, X, y, self.current, self.alpha, self.intercept, self._prepared,
                resolution, sufficient if rung == "data" else 0.0,
            )  # fmt: skip
        if X.shape[0] * (X.shape[1] + 1) ** 2 > EXACT_BUDGET:
            return None
        try:
            return exact_reference(X, y, self.alpha, self.intercept)
        except (SingularProblemError, OverflowError, ZeroDivisionError):
            return None


def _undecided(certificate: Certificate, tol: float) -> bool:
    """Whether a more precise reference could change the verdict: the iterate may be
    within tol (its distance minus the error bar is), or nothing could be said."""
    if certificate.verdict == CANNOT:
        return True
    if certificate.verdict == CONVERGED:
        return False
    high = certificate.optimum_norm + certificate.distance_error
    return certificate.distance - certificate.distance_error <= tol * max(high, 0.0)


class Judge:
    """Verdicts on a run's iterates, climbing the reference's ladder only when needed.

    Parameters
    ----------
    quadratic : linreg.problem.Quadratic
        Maps iterates from the coordinates descended to the data's units.
    ladder : linreg.reference.ReferenceLadder
    tol : float
    """

    def __init__(self, quadratic: Quadratic, ladder: ReferenceLadder, tol: float) -> None:
        self.quadratic, self.ladder, self.tol = quadratic, ladder, tol
        self._cached: tuple[Reference, float, float] | None = None
        self._last: tuple[bytes, Reference, Certificate] | None = None

    def on_data(self, theta: FloatArray) -> Certificate:
        """The verdict on θ = [w; b] in the data's units, as precise as the data allow.
        The last one is kept: the run's final iterate is judged by the loop, then again
        for the result."""
        key = theta.tobytes()
        last = self._last
        if last is not None and last[0] == key and last[1] is self.ladder.current:
            return last[2]
        verdict = self._on_data(theta)
        self._last = (key, self.ladder.current, verdict)
        return verdict

    def _on_data(self, theta: FloatArray) -> Certificate:
        while True:
            reference = self.ladder.current
            resolution = self.quadratic.resolution(reference.point)
            verdict = judge(theta, reference, self.tol, resolution)
            if not _undecided(verdict, self.tol) or not self._climb():
                return verdict

    def _climb(self) -> bool:
        # A reference within tol/4 decides every verdict the float64 iterate allows: ask
        # for that much, and no more (the data's route may then stop after one pass)
        return self.ladder.climb(self.tol / 4, self.tol / 4)

    def first_converged(self, thetas: FloatArray) -> int | None:
        """The first row of ``thetas`` (iterates in the coordinates descended) whose
        verdict is "converged", or None.

        Vectorised: the distance of every row to the reference, a refinement of the
        reference when the nearest candidate is undecided, then the verdict of the first
        rows that are surely within tol, confirmed one by one.
        """
        if self._clearly_outside(thetas):
            return None  # the usual case, on every iteration but the last few: in float64
        rows = self.quadratic.coords.rows_to_data(thetas)
        while True:
            reference = self.ladder.current
            deltas = rows - reference.point
            if reference.null.shape[1]:
                deltas = deltas - (deltas @ reference.null) @ reference.null.T
            distances = norm(deltas, axis=1)
            sure, maybe = self._thresholds(reference)
            candidates = np.flatnonzero(distances <= maybe)
            if not candidates.size:
                return None
            if distances[candidates[0]] > sure and self._climb():
                continue  # undecided: look again against a sharper reference
            for index in np.flatnonzero(distances <= sure)[:8]:
                if self.on_data(self.quadratic.to_data(thetas[index])).converged:
                    return int(index)
            return None

    def _clearly_outside(self, thetas: FloatArray) -> bool:
        """Whether every row is, by a margin that covers float64's rounding, farther from
        the reference than any converged iterate could be (`Coordinates.rough_rows_to_data`)."""
        reference = self.ladder.current
        if reference.null.shape[1]:
            return False
        rows, slack = self.quadratic.coords.rough_rows_to_data(thetas)
        deltas = rows - reference.point
        size = self.quadratic.coords.size + 1
        limit = self._thresholds(reference)[1]
        if deltas.shape[0] == 1:  # the loop's one iterate: hypot is within an ulp, and fast
            distance = math.hypot(*deltas[0].tolist())
            return distance * (1 - 2 * (size + 4) * UNIT) - float(slack[0]) > limit
        lowest = norm(deltas, axis=1) * (1 - 2 * (size + 4) * UNIT) - slack
        return bool(np.all(lowest > limit))

    def _thresholds(self, reference: Reference) -> tuple[float, float]:
        """Distances below which the verdict surely holds, and may hold (see `judge`)."""
        if self._cached is None or self._cached[0] is not reference:
            self._cached = (reference, *self._limits(reference))
        return self._cached[1], self._cached[2]

    def _limits(self, reference: Reference) -> tuple[float, float]:
        size = self.quadratic.coords.size + 1
        if reference.zero:
            return (self.tol - reference.error) / (1 + (size + 8) * UNIT), self.tol
        scale = norm(reference.point)
        low = scale * (1 - (size + 4) * UNIT) - reference.error
        sure = (self.tol * low - reference.error) / (1 + (size + 8) * UNIT)
        maybe = self.tol * (scale + reference.error) + 2 * reference.error
        return sure, maybe * (1 + 8 * UNIT)
