"""A merge's declared rounding (`linreg._merge_bounds`) against the exact merge of exact parts.

Two records stand for exact statistics; each is moved within its own declaration
(co-moments by 0.99·γ_C·√(C_jj C_kk), means by 0.99·γ_m·(|z̄| + σ)), in every sign pattern
of the means and both of the co-moments, then merged. The merged record's declaration
must cover the exact merge of the unmoved parts, computed in rationals. Written against
planted bugs (mutants) the rest of the suite let through.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from linreg.moments import Moments

_Part = tuple[int, list[float], list[list[float]]]  # N, means [x..., y], co-moments of [x..., y]


def _exact_merge(a: _Part, b: _Part):
    """(N, means, co-moments) of the two parts together, in rationals (Chan et al.)."""
    (na, ma, ca), (nb, mb, cb) = a, b
    n, k = na + nb, len(ma)
    mean = [(na * Fraction(ma[j]) + nb * Fraction(mb[j])) / n for j in range(k)]
    weight, dz = Fraction(na * nb, n), [Fraction(mb[j]) - Fraction(ma[j]) for j in range(k)]
    cov = [[Fraction(ca[j][i]) + Fraction(cb[j][i]) + weight * dz[j] * dz[i] for i in range(k)]
           for j in range(k)]  # fmt: skip
    return n, mean, cov


def _record(part: _Part, declared: tuple[float, float], sign_c: float, signs_m) -> Moments:
    """The part as a record: moved by just under its declared rounding."""
    n, means, cov = part
    rounding, mean_rounding = declared
    k = len(means)
    roots = [math.sqrt(cov[j][j]) for j in range(k)]
    full = np.array(cov, dtype=float) + sign_c * 0.99 * rounding * np.outer(roots, roots)
    moved = [m + s * 0.99 * mean_rounding * (abs(m) + r / math.sqrt(n))
             for m, s, r in zip(means, signs_m, roots)]  # fmt: skip
    return Moments(n, np.array(moved[:-1]), moved[-1], full[:-1, :-1].copy(),
                   full[:-1, -1].copy(), float(full[-1, -1]), rounding, mean_rounding)  # fmt: skip


def _worst(a: _Part, b: _Part, declared_a, declared_b) -> float:
    """max over the sign patterns of |merged − exact| over the merged record's declaration."""
    n, mean, cov = _exact_merge(a, b)
    k, worst = len(mean), 0.0
    for signs in itertools.product((-1.0, 1.0), repeat=2 * k):
        for sign_c in (-1.0, 1.0):  # the parts' co-moments moved in opposite senses, or not
            first = _record(a, declared_a, sign_c, signs[:k])
            merged = first + _record(b, declared_b, -sign_c, signs[k:])
            full = np.zeros((k, k))
            full[:-1, :-1], full[:-1, -1], full[-1, :-1] = merged.cxx, merged.cxy, merged.cxy
            full[-1, -1] = merged.cyy
            roots = np.sqrt(np.diag(full))
            means = [*merged.mean_x.tolist(), merged.mean_y]
            for j, i in itertools.product(range(k), repeat=2):
                off = abs(Fraction(float(full[j, i])) - cov[j][i])
                worst = max(worst, float(off / Fraction(merged.rounding * roots[j] * roots[i])))
            for j in range(k):
                off = abs(Fraction(means[j]) - mean[j])
                scale = merged.mean_rounding * (abs(means[j]) + roots[j] / math.sqrt(n))
                worst = max(worst, float(off / Fraction(scale)))
    return worst


_CASES = {
    "far": ((3, [1.0, 2.0], [[0.5, 0.25], [0.25, 1.0]]),
            (7, [5.0, -4.0], [[2.0, 0.5], [0.5, 3.0]])),
    "near": ((3, [0.1, 0.7], [[0.5, 0.25], [0.25, 1.0]]),
             (7, [0.3, -0.2], [[2.0, 0.5], [0.5, 3.0]])),
    "offset": ((50, [1e6 + 0.1, 2e6], [[40.0, 10.0], [10.0, 90.0]]),
               (3, [1e6 + 30.0, 2e6 - 7.0], [[1.0, 0.5], [0.5, 2.0]])),
    "one-row-far": ((1000, [0.0, 0.0], [[1e3, 0.0], [0.0, 1e3]]),
                    (1, [1e3, 1e3], [[0.0, 0.0], [0.0, 0.0]])),
}  # fmt: skip
_DECLARED = [
    ((0.0, 0.0), (0.0, 0.0)),
    ((0.0, 1e-9), (0.0, 1e-9)),
    ((1e-9, 0.0), (0.0, 0.0)),
    ((0.0, 0.0), (1e-9, 0.0)),
    ((1e-9, 1e-9), (2e-9, 3e-10)),
]


@pytest.mark.parametrize("declared", _DECLARED, ids=[str(d) for d in _DECLARED])
@pytest.mark.parametrize("case", list(_CASES), ids=list(_CASES))
def test_a_merge_declares_what_its_parts_declared_and_its_own_rounding(case, declared):
    """Planted, each alone: the cross terms w·|dz_j||Δdz_k| counted once, not twice (the
    exact merge 1.98 declarations away, one-row-far); the parts' γ_C merged by min, not
    max (up to 1.4e6 away); the √2 of the means' worst case dropped (1.18 away, near).
    Unmutated, the worst is 0.99: the parts' own moves (0.99 of their declarations)
    passed through exactly."""
    a, b = _CASES[case]
    assert _worst(a, b, *declared) <= 1.0
