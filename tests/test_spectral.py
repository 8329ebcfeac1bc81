"""Fixed-step descent in closed form (`linreg.spectral`): its rows-along-K evaluation
against the row-by-row one it replaced, bit for bit.

`_rows_iterates` below is the module as it was (each operation over K rows of d
entries); the module now runs each along a row of K and sums the terms by the same C-order
product. Every output (the final iterate, the count, the reason, the path, the history,
the divergence watch's call, the overflow) must be the same bytes, on the data that break
float64 most easily: offsets up to 1e9 and Unix timestamps, scales 1e-150 to 1e150,
constant x, two points, y = 0, a tiny optimum, and steps past the stability bound.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable

import numpy as np
import pytest

from linreg import spectral
from linreg.descent import gradient_descent
from linreg.errors import DivergenceError, InputError
from linreg.history import History
from linreg.moments import Moments
from linreg.problem import Quadratic


def _rows_sums(rate: float, lambdas: np.ndarray, k: np.ndarray) -> np.ndarray:
    steps = rate * lambdas
    gentle = (steps > 0) & (steps < 1)
    kk = k[:, None]
    if gentle.all():
        return np.asarray(np.expm1(kk * np.log1p(-steps)) / -lambdas)
    with np.errstate(all="ignore"):
        change = np.expm1(kk * np.log1p(-np.where(gentle, steps, 0.0)))
        power = np.where(gentle, 1.0 + change, np.power(1.0 - steps, kk))
        safe = np.where(lambdas > 0, lambdas, 1.0)
        sums = np.where(gentle, -change / safe, (1.0 - power) / safe)
        sums = np.where(steps == 0, rate * kk, sums)
    return np.asarray(sums)


def _rows_iterates(  # the module before: every (K, d) operation row by row
    quadratic: Quadratic, rate: float, theta0: np.ndarray, iterations: int,
    stops: Callable[[np.ndarray], int | None] | None, keep_path: bool,
    watch: Callable[[int, float, float], None], history: History,
) -> tuple[np.ndarray, int, str, np.ndarray | None]:  # fmt: skip
    lambdas, basis = quadratic.eigenvalues, quadratic.eigenvectors
    loss0, g0 = quadratic.loss_and_gradient(theta0)
    g_hat = basis.T @ g0
    path = np.empty((iterations + 1, theta0.shape[0])) if keep_path else None
    previous = np.inf
    for first in range(0, iterations + 1, spectral._BLOCK):
        k = np.arange(first, min(first + spectral._BLOCK, iterations + 1), dtype=np.float64)
        sums = _rows_sums(rate, lambdas, k)
        with np.errstate(all="ignore"):
            losses = loss0 - (sums * (1.0 - 0.5 * lambdas * sums)) @ (g_hat * g_hat)
            steps = sums * g_hat
            compared = np.where(np.isnan(losses), np.inf, losses)
            before = np.concatenate(([previous], compared[:-1]))
            grown = np.flatnonzero(compared - before > 0)
        if grown.size:
            at = int(grown[0])
            watch(first + at, float(compared[at]), float(before[at]))
        if not (np.isfinite(losses).all() and np.isfinite(steps).all()):
            raise OverflowError
        if path is None and stops is None:
            history.block(compared)
            previous = float(losses[-1])
            continue
        rows = theta0 - steps @ basis.T
        if path is not None:
            path[first : first + k.shape[0]] = rows
        stop = None if stops is None else stops(rows)
        if stop is not None:
            history.block(compared[: stop + 1])
            n_done = first + stop
            cut = None if path is None else path[: n_done + 1]
            return rows[stop], n_done, "tol", cut
        history.block(compared)
        previous = float(losses[-1])
    return np.asarray(theta0 - basis @ steps[-1]), iterations, "num_iterations", path


def _run(function: Callable[..., tuple], quadratic: Quadratic, rate: float, iterations: int,
         stop_at: int | None, keep_path: bool) -> tuple:  # fmt: skip
    """Everything the run hands back or records, as bytes; or the overflow."""
    watched: list[tuple[int, float, float]] = []
    history = History(iterations, "full")
    stops = None if stop_at is None else (lambda rows: stop_at if stop_at < rows.shape[0] else None)
    theta0 = np.linspace(-1.0, 2.0, quadratic.coords.size)
    try:
        theta, n_done, reason, path = function(
            quadratic, rate, theta0, iterations, stops, keep_path,
            lambda *seen: watched.append(seen), history,
        )  # fmt: skip
    except OverflowError:
        return ("overflow", watched)
    kept = history.array(n_done + 1)
    return (theta.tobytes(), n_done, reason, None if path is None else path.tobytes(),
            kept.tobytes(), history.first, history.latest, watched)  # fmt: skip


def _family() -> list[tuple[str, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(19)
    cases = []
    for offset in (0.0, 1e4, 1e6, 1e9, 1.7e9):  # 1.7e9: a Unix timestamp
        for scale in (1e-150, 1e-30, 1e-3, 1.0, 1e3, 1e30, 1e150):
            n = int(rng.integers(2, 120))
            x = offset + scale * rng.normal(size=n)
            y = 2.5 * (x - x.mean()) + scale * rng.normal(size=n)
            cases.append((f"{offset:g}+{scale:g}", x[:, None], y))
    x = rng.normal(size=50)
    cases += [
        ("constant x", np.full((30, 1), 3.25), rng.normal(size=30)),
        ("two points", np.array([[1.0], [3.0]]), np.array([2.0, -4.0])),
        ("y = 0", x[:, None], np.zeros(50)),
        ("optimum near zero", x[:, None], 1e-300 * np.sign(x)),
        ("timestamps", 1.7e9 + np.arange(40.0)[:, None] * 60.0, rng.normal(size=40)),
        (
            "three features",
            rng.normal(size=(60, 3)) + np.array([0.0, 1e6, 5.0]),
            rng.normal(size=60),
        ),
    ]
    return cases


@pytest.mark.parametrize(("name", "X", "y"), _family(), ids=[c[0] for c in _family()])
def test_the_iterates_are_the_row_by_row_ones_bit_for_bit(
    name: str, X: np.ndarray, y: np.ndarray
) -> None:
    for standardize in (False, True):
        try:
            quadratic = Quadratic.build(
                Moments.from_arrays(X, y), alpha=0.0, standardize=standardize, intercept=True
            )
        except InputError:
            continue
        top = quadratic.lambda_max
        for factor in (1e-4, 0.5, 1.0, 1.5, 10.0, 1e300):  # 1.0: on the bound 2/λmax
            rate = factor * 2.0 / top if top > 0 else factor
            for stop_at, keep_path in ((None, False), (None, True), (37, False), (5, True)):
                args = (quadratic, rate, 300, stop_at, keep_path)
                ours = _run(spectral.fixed_step_iterates, *args)
                assert ours == _run(_rows_iterates, *args), (name, standardize, factor, stop_at)


def test_many_blocks_are_the_row_by_row_ones(points: np.ndarray) -> None:
    quadratic = Quadratic.build(
        Moments.from_arrays(points[:, :1], points[:, 1]), alpha=0.0, standardize=False,
        intercept=True,
    )  # fmt: skip
    iterations = 2 * spectral._BLOCK + 7
    for rate in (1e-4, 2.0 / quadratic.lambda_max * 1.0001):
        args = (quadratic, rate, iterations, None, False)
        assert _run(spectral.fixed_step_iterates, *args) == _run(_rows_iterates, *args)


def _fit(X: np.ndarray, y: np.ndarray, **options: object) -> dict[str, object]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = gradient_descent(X, y, **options)  # type: ignore[arg-type]
    except (InputError, DivergenceError) as error:
        return {"error": f"{type(error).__name__}: {error}"}
    fields = {}
    for f in dataclasses.fields(fit):
        value = getattr(fit, f.name)
        if f.name != "forecast":
            fields[f.name] = value.tobytes() if isinstance(value, np.ndarray) else repr(value)
    return fields


@pytest.mark.parametrize(("name", "X", "y"), _family(), ids=[c[0] for c in _family()])
def test_every_field_of_the_fit_is_the_row_by_row_ones(
    monkeypatch: pytest.MonkeyPatch, name: str, X: np.ndarray, y: np.ndarray
) -> None:
    """The whole livestream face (`gradient_descent`): every field, the verdict and its
    error bars, repr'd (floats to the last bit) or as bytes."""
    for options in (
        {"learning_rate": 0.0001, "num_iterations": 1000},
        {"learning_rate": "auto", "num_iterations": 200, "tol": 1e-6},
        {"learning_rate": "auto", "num_iterations": 50, "standardize": True, "return_path": True},
        {"learning_rate": 3.0, "num_iterations": 100},  # past the bound on most: diverges
    ):
        ours = _fit(X, y, **options)
        monkeypatch.setattr("linreg.methods.fixed_step_iterates", _rows_iterates)
        before = _fit(X, y, **options)
        monkeypatch.undo()
        assert ours == before, (name, options)
