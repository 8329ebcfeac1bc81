r"""The closed form in exact arithmetic: integer sums, then rationals.

The sums $Z^\top Z$ and $Z^\top y$ are formed in integers: a float is an integer times a
power of two, a decimal an integer over a power of ten, so each column is a list of
integers times one rational scale (`_IntegerColumn`), and float columns are summed by
21-bit limbs at numpy speed, exactly. The normal equations are then solved in
rationals, so the coefficients are the exact least-squares solution of the data as
given; square roots (standard errors, residual SD) are taken to `SQRT_DIGITS`
significant digits. Every input is held to exact mode's limits
(`linreg.validate.MAX_EXACT_DIGITS`, `linreg.validate.MAX_EXACT_EXPONENT`) before any
big integer is built.
"""

from __future__ import annotations

import math
import operator
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg.closed_form_result import LeastSquaresResult, check_count
from linreg.distributions import rounded, working_context
from linreg.errors import InputError, SingularProblemError
from linreg.inference import Covariance
from linreg.intervals import EXACT_DIGITS, decimal_sqrt
from linreg.numbers import parse_number
from linreg.validate import check_exact_decimal, check_exact_rational, refuse_bad_weights

__all__ = [
    "SQRT_DIGITS",
    "exact_columns",
    "exact_powers",
    "exact_sums",
    "exact_weights",
    "integers",
    "solve_exact",
    "weighted_sums",
]

FloatArray = npt.NDArray[np.float64]

#: Significant digits of the exact mode's square roots (standard errors, residual SD).
SQRT_DIGITS = EXACT_DIGITS


@dataclass(frozen=True)
class _IntegerColumn:
    """A column of exact values as integers times one rational scale: ``values = ints·scale``."""

    ints: list[int]
    scale: Fraction


#: A column in exact mode: a float array (summed by limbs), or integers times a scale.
_Column = Any


def _float_column(values: Any) -> _IntegerColumn:
    """Floats are odd integers times powers of two: one shift each puts them on a common grid."""
    mantissa, exponent = np.frexp(np.asarray(values, dtype=np.float64))
    whole = (mantissa * 2.0**53).astype(np.int64)
    exponent = exponent.astype(np.int64) - 53
    nonzero = whole != 0
    if nonzero.any():
        # strip trailing zero bits, so that the integers stay as short as the data allow
        low_bit = whole & -whole
        zeros = np.zeros_like(whole)
        zeros[nonzero] = np.log2(np.abs(low_bit[nonzero]).astype(np.float64)).astype(np.int64)
        whole = whole >> zeros
        exponent = exponent + zeros
        bottom = int(exponent[nonzero].min())
    else:
        bottom = 0
    shifts = np.where(nonzero, exponent - bottom, 0).tolist()
    ints = [m << s for m, s in zip(whole.tolist(), shifts)]
    return _IntegerColumn(ints, Fraction(2) ** bottom)


def _fraction_column(values: list[Fraction]) -> _IntegerColumn:
    """Rationals over one common denominator (a power of ten times a power of two for decimals)."""
    denominator = 1
    for each in {v.denominator for v in values}:
        denominator = math.lcm(denominator, each)
    return _IntegerColumn(
        [v.numerator * (denominator // v.denominator) for v in values], Fraction(1, denominator)
    )


def _numeric(value: Any) -> Any:
    """value as an int or float ndarray, or None when it is not one (strings, Fractions...)."""
    if isinstance(value, (str, bytes)):
        return None
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        return None
    return array if array.dtype.kind in "fiu" else None


def exact_columns(X: Any, y: Any) -> tuple[list[_Column], _Column]:
    """The columns of X and y as integers times a scale, read exactly.

    Float arrays are kept as they are, for the vectorised sums of `_limb_sums`; anything
    else goes value by value through `fractions.Fraction`, with decimal strings read
    exactly.
    """
    features, target = _numeric(X), _numeric(y)
    if (
        features is not None
        and target is not None
        and features.ndim == 2
        and target.ndim == 1
        and features.shape[0] == target.shape[0]
        and features.size > 0
        and np.isfinite(features).all()
        and np.isfinite(target).all()
    ):

        def column(values: Any) -> _Column:
            if values.dtype.kind == "f":
                return np.ascontiguousarray(values, dtype=np.float64)
            return _IntegerColumn([int(v) for v in values.tolist()], Fraction(1))

        return [column(features[:, j]) for j in range(features.shape[1])], column(target)
    rows, values = _exact_inputs(X, y)
    columns = [_fraction_column([row[j] for row in rows]) for j in range(len(rows[0]))]
    return columns, _fraction_column(values)


def integers(column: _Column) -> _IntegerColumn:
    """A column as integers times a scale (a float column is cut into its mantissas)."""
    return _float_column(column) if isinstance(column, np.ndarray) else column


def _dot(a: _IntegerColumn | None, b: _IntegerColumn | None, n: int) -> Fraction:
    """aᵀb exactly: one integer sum, then the two scales (None is the column of ones)."""
    if a is None and b is None:
        return Fraction(n)
    if a is None or b is None:
        one = a if b is None else b
        assert one is not None
        return Fraction(sum(one.ints)) * one.scale
    return Fraction(sum(map(operator.mul, a.ints, b.ints))) * (a.scale * b.scale)


#: Bits per limb: two limbs multiply to below 2⁴², and `_LIMB_ROWS` such products sum to
#: below 2⁵³, so BLAS forms those sums in float64 exactly.
_LIMB_BITS = 21
_LIMB_ROWS = 2048
#: Bins of one `_pair_sum` chunk, at most (32 MB of float64).
_BINS = 1 << 22


def _limbs(values: FloatArray) -> tuple[Any, FloatArray, int, int]:
    """Each float as an integer on the column's grid 2^bottom, cut into 21-bit limbs.

    Returns (first limb index per row, the four limbs per row (signed), bottom, width):
    a value is Σₜ limbs[t]·2^(21·(first + t) + bottom), exactly.
    """
    mantissa, exponent = np.frexp(values)
    whole = mantissa * 2.0**53  # an integer, |whole| < 2⁵³, times 2^(exponent − 53)
    nonzero = whole != 0
    bottom = int((exponent[nonzero] - 53).min()) if nonzero.any() else 0
    shift = np.where(nonzero, exponent - 53 - bottom, 0)
    first, rest = np.divmod(shift, _LIMB_BITS)
    magnitude = np.abs(whole).astype(np.int64)
    mask = (1 << _LIMB_BITS) - 1
    limbs = np.empty((len(values), 4))
    # the bits of magnitude·2^rest (up to 74 of them), 21 at a time, in int64
    limbs[:, 0] = (magnitude << rest) & mask  # wraps above bit 63: only the low 21 count
    limbs[:, 1] = (magnitude >> (_LIMB_BITS - rest)) & mask
    limbs[:, 2] = (magnitude >> (2 * _LIMB_BITS - rest)) & mask
    limbs[:, 3] = magnitude >> (3 * _LIMB_BITS - rest)
    limbs *= np.sign(whole)[:, None]
    return first, limbs, bottom, int(first.max()) + 4


def _pair_sum(a: tuple[Any, FloatArray, int, int], b: tuple[Any, FloatArray, int, int]) -> int:
    """Σᵢ aᵢbᵢ on the grid 2^(bottom_a + bottom_b), exactly, from two columns' limbs.

    Every product of two limbs is below 2⁴²; grouped by row block (of `_LIMB_ROWS`), by
    the two rows' first limbs and by the limb pair, one `numpy.bincount` adds them in
    float64 exactly (each bin stays below 2⁵³). The bins are then shifted into place. Rows
    are taken a chunk at a time, so the bins stay under `_BINS` however wide the spread of
    exponents (1e6 rows spread over 10^±300 held 1.6 GB of bins at once).
    """
    first_a, limbs_a, _, width_a = a
    first_b, limbs_b, _, width_b = b
    cells = width_a * width_b * 16
    # at most 2¹⁰ blocks a chunk: int64 holds their sums below 2⁵³ exactly
    step = _LIMB_ROWS * max(1, min(1 << 10, _BINS // cells))
    total: Any = 0
    for start in range(0, len(first_a), step):
        rows = slice(start, start + step)
        m = len(first_a[rows])
        blocks = (m + _LIMB_ROWS - 1) // _LIMB_ROWS
        cell = ((np.arange(m) // _LIMB_ROWS) * width_a + first_a[rows]) * width_b + first_b[rows]
        keys = (cell[:, None] * 16 + np.arange(16)).ravel()
        products = (limbs_a[rows, :, None] * limbs_b[rows, None, :]).ravel()
        bins = np.bincount(keys, products, minlength=blocks * cells)
        part = bins.reshape(blocks, -1).astype(np.int64).sum(axis=0)
        total = part if start == 0 else total + part.astype(object)  # Python integers
    per_cell = np.asarray(total)
    qa, qb, t, u = np.unravel_index(np.arange(per_cell.size), (width_a, width_b, 4, 4))
    shifts = (_LIMB_BITS * (qa + qb + t + u)).tolist()
    return sum(int(v) << s for v, s in zip(per_cell.tolist(), shifts) if v)


def _limb_sums(columns: list[FloatArray]) -> list[list[Fraction]]:
    """Every Σᵢ aᵢbᵢ over pairs of float columns, exactly, at numpy speed (`_pair_sum`)."""
    layouts = [_limbs(column) for column in columns]
    sums = [[Fraction(0)] * len(columns) for _ in columns]
    for a, layout_a in enumerate(layouts):
        for c, layout_c in enumerate(layouts[: a + 1]):
            scale = Fraction(2) ** (layout_a[2] + layout_c[2])
            sums[a][c] = sums[c][a] = _pair_sum(layout_a, layout_c) * scale
    return sums


def exact_sums(
    columns: list[_Column], target: _Column, fit_intercept: bool
) -> tuple[list[list[Fraction]], list[Fraction], Fraction, Fraction]:
    """(ZᵀZ, Zᵀy, yᵀy, Σy) exactly, Z = [X 1] or X: by limbs for floats, else in integers."""
    n = len(target) if isinstance(target, np.ndarray) else len(target.ints)
    if all(isinstance(c, np.ndarray) for c in [*columns, target]):
        ones = [np.ones(n)] if fit_intercept else []
        sums = _limb_sums([*columns, *ones, target])
        k = len(sums) - 1
        return (
            [row[:k] for row in sums[:k]],
            sums[k][:k],
            sums[k][k],
            sums[k][-2 if fit_intercept else k],
        )
    design: list[_IntegerColumn | None] = [integers(c) for c in columns]
    design += [None] if fit_intercept else []
    y = integers(target)
    k = len(design)
    gram = [[Fraction(0)] * k for _ in range(k)]
    for a in range(k):
        for c in range(a, k):
            gram[a][c] = gram[c][a] = _dot(design[a], design[c], n)
    return gram, [_dot(column, y, n) for column in design], _dot(y, y, n), _dot(None, y, n)


def exact_powers(x: _IntegerColumn, degree: int) -> list[_IntegerColumn]:
    """The columns x, x², …, x^degree, in integers."""
    columns = [x]
    for _ in range(degree - 1):
        last = columns[-1]
        columns.append(
            _IntegerColumn(list(map(operator.mul, last.ints, x.ints)), last.scale * x.scale)
        )
    return columns


def exact_weights(sample_weight: Any, n: int) -> _IntegerColumn:
    """Per-sample weights read exactly (as the data are), checked: one per sample,
    non-negative, not all zero."""
    if isinstance(sample_weight, (str, bytes)) or not isinstance(
        sample_weight, (Sequence, np.ndarray)
    ):
        raise InputError("sample_weight must be a 1-D sequence of shape (n_samples,)")
    values = [_to_fraction(value, f"sample_weight[{k}]") for k, value in enumerate(sample_weight)]
    if len(values) != n:
        raise InputError(f"sample_weight has {len(values)} values; X has {n} samples")
    refuse_bad_weights(values)
    return _fraction_column(values)


def weighted_sums(
    columns: list[_Column], target: _Column, weights: _IntegerColumn, fit_intercept: bool
) -> tuple[list[list[Fraction]], list[Fraction], Fraction, Fraction]:
    """(ZᵀWZ, ZᵀWy, yᵀWy, Σwy) exactly, W = diag(weights): sums of integer triple products."""
    design: list[_IntegerColumn | None] = [integers(c) for c in columns]
    design += [None] if fit_intercept else []
    y = integers(target)
    k = len(design)

    def dot(a: _IntegerColumn | None, b: _IntegerColumn | None) -> Fraction:
        ints, scale = weights.ints, weights.scale
        for column in (a, b):
            if column is not None:
                ints, scale = list(map(operator.mul, ints, column.ints)), scale * column.scale
        return Fraction(sum(ints)) * scale

    gram = [[Fraction(0)] * k for _ in range(k)]
    for a in range(k):
        for c in range(a, k):
            gram[a][c] = gram[c][a] = dot(design[a], design[c])
    return gram, [dot(column, y) for column in design], dot(y, y), dot(None, y)


def solve_exact(
    columns: list[_Column],
    target: _Column,
    fit_intercept: bool,
    alpha: float = 0.0,
    weights: _IntegerColumn | None = None,
) -> LeastSquaresResult[Any]:
    """Exact mode: ZᵀZ and Zᵀy (ZᵀWZ and ZᵀWy, weighted) as integer sums, then the normal
    equations in rationals."""
    n = len(target) if isinstance(target, np.ndarray) else len(target.ints)
    p = len(columns)
    k = p + int(fit_intercept)
    rows = n if weights is None else sum(1 for v in weights.ints if v > 0)
    check_count(rows, k)
    if weights is None:
        gram, moment, yty, y_sum = exact_sums(columns, target, fit_intercept)
        total_weight = Fraction(n)
    else:
        gram, moment, yty, y_sum = weighted_sums(columns, target, weights, fit_intercept)
        total_weight = Fraction(sum(weights.ints)) * weights.scale
    penalised = [row[:] for row in gram]
    for a in range(p):
        penalised[a][a] += total_weight * Fraction(alpha)
    inverse = _invert(penalised)
    theta = [sum((inverse[a][c] * moment[c] for c in range(k)), Fraction(0)) for a in range(k)]
    # ‖y − Zθ‖² = yᵀy − 2θᵀZᵀy + θᵀZᵀZθ (W-weighted alike): exact, from the sums alone
    fitted = sum(
        (theta[a] * gram[a][c] * theta[c] for a in range(k) for c in range(k)), Fraction(0)
    )
    ssr = yty - 2 * sum((t * m for t, m in zip(theta, moment)), Fraction(0)) + fitted
    total = yty - y_sum**2 / total_weight if fit_intercept else yty
    mean = [gram[a][p] / total_weight if fit_intercept else Fraction(0) for a in range(p)]
    result = _exact_result(theta, inverse, (ssr, total), rows, mean, fit_intercept, alpha)
    if weights is None:
        return result
    return replace(
        result,
        mse=ssr / total_weight,
        weight_total=total_weight,
        log_weight_sum=_log_sum(weights),
    )


def _log_sum(weights: _IntegerColumn) -> Decimal:
    """Σ ln wᵢ over the positive weights, to 80 digits (each distinct weight once)."""
    ctx = working_context(80)
    counts = Counter(v for v in weights.ints if v > 0)
    scale = weights.scale
    total = ctx.fsum(
        count * ctx.log(ctx.mpf(value) * scale.numerator / scale.denominator)
        for value, count in counts.items()
    )
    return rounded(ctx, total, 80)  # type: ignore[no-any-return]


def _exact_result(
    theta: list[Fraction],
    inverse: list[list[Fraction]],
    sums: tuple[Fraction, Fraction],
    n: int,
    mean: list[Fraction],
    fit_intercept: bool,
    alpha: float,
) -> LeastSquaresResult[Any]:
    """NIST's statistics from the exact solution: rationals, and roots to `SQRT_DIGITS`.

    ``sums`` is (SSR, TSS). ``inverse`` is (ZᵀZ)⁻¹ (Z = [X 1]); its block of the
    weights is (X_cᵀX_c)⁻¹, the inverse of the centred Gram (the Schur complement of
    N), which the intervals at new X need.
    """
    (ssr, total), k, p = sums, len(theta), len(mean)
    dof = n - k
    variance = ssr / dof if dof > 0 else None
    stderr = (
        None
        if variance is None or alpha
        else [decimal_sqrt(variance * inverse[a][a], SQRT_DIGITS) for a in range(k)]
    )
    covariance = Covariance(mean, unscaled=[row[:p] for row in inverse[:p]])
    return LeastSquaresResult(
        coef=theta[:p],
        intercept=theta[p] if fit_intercept else Fraction(0),
        coef_stderr=None if stderr is None else stderr[:p],
        intercept_stderr=None if stderr is None else (stderr[p] if fit_intercept else Decimal(0)),
        residual_std=None if variance is None else decimal_sqrt(variance, SQRT_DIGITS),
        r_squared=1 - ssr / total if total else Fraction(1),
        mse=ssr / n,
        n_samples=n,
        dof=dof,
        condition=math.nan,
        refinements=0,
        error_estimate=0.0,
        accurate=True,
        fit_intercept=fit_intercept,
        ssr=ssr,
        ess=None if alpha else total - ssr,
        covariance=None if stderr is None else covariance,
        alpha=alpha,
    )


def _to_fraction(value: Any, name: str) -> Fraction:
    """One exact value, held to exact mode's limits before any big integer is built."""
    if isinstance(value, (bool, np.bool_)):
        raise InputError(f"{name} must hold numbers, got {value!r}")
    if isinstance(value, (Fraction, int, np.integer)):
        rational = value if isinstance(value, Fraction) else Fraction(int(value))
        check_exact_rational(rational, name)
        return rational
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            raise InputError(f"{name} holds a non-finite value ({value})")
        return Fraction(float(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InputError(f"{name} holds a non-finite value ({value})")
        shown = f"{name} = {str(value)[:40]}"
        digits = len(value.as_tuple().digits) if value else 0
        check_exact_decimal(shown, digits, value.adjusted())
        return Fraction(value)
    if isinstance(value, str):
        try:
            parsed = parse_number(value, exact=True)
        except ValueError as problem:
            raise InputError(f"{name}: {problem}") from None
        assert isinstance(parsed, Fraction)
        return parsed
    raise InputError(f"{name} must hold numbers (str, int, Fraction, float), got {value!r}")


def _exact_inputs(X: Any, y: Any) -> tuple[list[list[Fraction]], list[Fraction]]:
    if isinstance(X, (str, bytes)) or not isinstance(X, (Sequence, np.ndarray)):
        raise InputError("X must be a 2-D sequence of shape (n_samples, n_features)")
    rows = []
    for row_number, row in enumerate(X):
        if isinstance(row, (str, bytes)) or not isinstance(row, (Sequence, np.ndarray)):
            raise InputError(
                f"X must be 2-D of shape (n_samples, n_features): row {row_number} is not a row"
            )
        rows.append([_to_fraction(v, f"X[{row_number}]") for v in row])
    if not rows or not rows[0]:
        raise InputError("X is empty")
    if any(len(row) != len(rows[0]) for row in rows):
        raise InputError("X must be rectangular: its rows differ in length")
    if isinstance(y, (str, bytes)) or not isinstance(y, (Sequence, np.ndarray)):
        raise InputError("y must be a 1-D sequence of shape (n_samples,)")
    target = []
    for index, value in enumerate(y):
        if isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, str):
            raise InputError("y must be 1-D of shape (n_samples,), not a column")
        target.append(_to_fraction(value, f"y[{index}]"))
    if len(target) != len(rows):
        raise InputError(
            f"X and y have different numbers of samples: X has {len(rows)}, y has {len(target)}"
        )
    return rows, target


def _invert(matrix: list[list[Fraction]]) -> list[list[Fraction]]:
    """Gauss–Jordan inversion in rationals; a zero pivot means the problem is singular."""
    size = len(matrix)
    work = [row[:] + [Fraction(int(a == c)) for c in range(size)] for a, row in enumerate(matrix)]
    for col in range(size):
        pivot = next((r for r in range(col, size) if work[r][col] != 0), None)
        if pivot is None:
            raise SingularProblemError(
                f"the columns of X are linearly dependent: column {col} is a combination "
                "of the others (or constant, with an intercept)"
            )
        work[col], work[pivot] = work[pivot], work[col]
        lead = work[col][col]
        work[col] = [v / lead for v in work[col]]
        for r in range(size):
            if r != col and work[r][col] != 0:
                factor = work[r][col]
                work[r] = [v - factor * u for v, u in zip(work[r], work[col])]
    return [row[size:] for row in work]
