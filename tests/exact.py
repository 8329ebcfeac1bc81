"""An exact reference for the verdict tests, independent of linreg: rational arithmetic.

`optimum_set` solves the (ridge) normal equations of float data taken at their exact
values with `fractions.Fraction` Gaussian elimination, and returns a minimiser and the
directions along which the minimiser is not unique; `true_distance` measures a float
iterate's distance to that set, exactly, then rounds once (mpmath, 200 bits).
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np


def optimum_set(
    X: np.ndarray, y: np.ndarray, intercept: bool = True, alpha: float = 0.0
) -> tuple[list[Fraction], list[list[Fraction]]]:
    """A minimiser [w..., b] (b = 0 without an intercept) and a basis of the null space."""
    n, p = X.shape
    rows = [[Fraction(float(v)) for v in row] + ([Fraction(1)] if intercept else []) for row in X]
    target = [Fraction(float(v)) for v in y]
    k = p + int(intercept)
    augmented = [
        [sum(r[a] * r[c] for r in rows) for c in range(k)]
        + [sum(r[a] * t for r, t in zip(rows, target))]
        for a in range(k)
    ]
    for j in range(p):
        augmented[j][j] += Fraction(alpha) * n
    pivots = _reduce(augmented, k)
    solution = [Fraction(0)] * k
    for i, c in enumerate(pivots):
        solution[c] = augmented[i][k]
    null = []
    for free in (c for c in range(k) if c not in pivots):
        vector = [Fraction(0)] * k
        vector[free] = Fraction(1)
        for i, c in enumerate(pivots):
            vector[c] = -augmented[i][free]
        null.append(vector)
    if not intercept:
        solution.append(Fraction(0))
        null = [[*v, Fraction(0)] for v in null]
    return solution, null


def _reduce(rows: list[list[Fraction]], k: int) -> list[int]:
    """Reduced row echelon form in place; the pivot columns."""
    pivots: list[int] = []
    for c in range(k):
        lead = next((i for i in range(len(pivots), k) if rows[i][c] != 0), None)
        if lead is None:
            continue
        top = len(pivots)
        rows[top], rows[lead] = rows[lead], rows[top]
        rows[top] = [v / rows[top][c] for v in rows[top]]
        for i in range(k):
            if i != top and rows[i][c] != 0:
                factor = rows[i][c]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[top])]
        pivots.append(c)
    return pivots


def true_distance(
    theta: np.ndarray, solution: list[Fraction], null: list[list[Fraction]]
) -> tuple[float, float]:
    """(‖θ − θ*‖/‖θ*‖, ‖θ − θ*‖) to the nearest minimiser, exactly, rounded once.

    The relative distance is inf when θ* = 0 and θ is not.
    """
    delta = [Fraction(float(v)) - s for v, s in zip(theta, solution)]
    basis: list[list[Fraction]] = []
    for vector in null:  # exact Gram–Schmidt, then project the null space away
        for b in basis:
            vector = _minus(vector, b, _dot(vector, b) / _dot(b, b))
        basis.append(vector)
    for b in basis:
        delta = _minus(delta, b, _dot(delta, b) / _dot(b, b))
    nearest = [Fraction(float(v)) - d for v, d in zip(theta, delta)]
    squared, size = _dot(delta, delta), _dot(nearest, nearest)
    absolute = _root(squared)
    if size == 0:
        return (math.inf if squared else 0.0), absolute
    return _root(squared / size), absolute


def _dot(a: list[Fraction], b: list[Fraction]) -> Fraction:
    return sum((x * y for x, y in zip(a, b)), Fraction(0))


def _minus(a: list[Fraction], b: list[Fraction], factor: Fraction) -> list[Fraction]:
    return [x - factor * y for x, y in zip(a, b)]


def _root(value: Fraction) -> float:
    with mpmath.workprec(200):
        return float(mpmath.sqrt(mpmath.mpf(value.numerator) / value.denominator))


def exact_mse(X: np.ndarray, y: np.ndarray, theta: list[Fraction]) -> float:
    """The mean squared residual of the float data at θ = [w; b] (rationals), in rationals,
    rounded once."""
    rows = [[Fraction(float(v)) for v in row] for row in X]
    residuals = [
        Fraction(float(t)) - sum(a * w for a, w in zip(row, theta[:-1])) - theta[-1]
        for row, t in zip(rows, y)
    ]
    return float(sum(r * r for r in residuals) / len(residuals))
