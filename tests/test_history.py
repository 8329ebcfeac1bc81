"""The loss history kept whole, streamed to a sink, or not kept (`linreg.history`)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from linreg import InputError, load_points, minimize
from linreg.history import HISTORY_BLOCK, History, Spool

POINTS = load_points()
X, Y = POINTS[:, :1], POINTS[:, 1]

RUNS = [  # the closed form, the loop on the moments, on the data, and mini-batches
    dict(method="gd", learning_rate=1e-4),
    dict(method="gd", tol=0.1),  # stops at 76,021: inside the closed form's third block
    dict(method="momentum"),
    dict(method="momentum", tol=1e-9),
    dict(method="nesterov", evaluate="pass"),
    dict(method="adam", learning_rate=0.1, batch_size=10, random_state=3),
]


def _streamed(iterations: int, **options: object) -> tuple[object, np.ndarray]:
    got: list[tuple[int, np.ndarray]] = []
    fit = minimize(
        X, Y, num_iterations=iterations, history=lambda k, a: got.append((k, a.copy())), **options
    )
    firsts = [k for k, _ in got]
    assert firsts == sorted(firsts)
    return fit, np.concatenate([a for _, a in got]) if got else np.empty(0)


@pytest.mark.parametrize("options", RUNS, ids=lambda o: "-".join(map(str, o.values())))
def test_every_way_of_keeping_the_history_records_the_same_losses(options: dict) -> None:
    iterations = 3 * HISTORY_BLOCK + 17 if "batch_size" not in options else 40
    full = minimize(X, Y, num_iterations=iterations, **options)
    none = minimize(X, Y, num_iterations=iterations, history="none", **options)
    streamed, losses = _streamed(iterations, **options)
    assert full.history is not None and none.history is None and streamed.history is None
    np.testing.assert_array_equal(losses, full.history)
    assert full.history.shape == (full.n_iter + 1,)
    for fit in (none, streamed):
        assert (fit.n_iter, fit.b, fit.loss, fit.verdict) == (
            full.n_iter, full.b, full.loss, full.verdict,
        )  # fmt: skip
        assert fit.start_loss == full.start_loss == full.history[0]
    assert full.loss == full.history[-1]


@pytest.mark.parametrize("method", ["gd", "momentum", "nesterov"])
def test_divergence_is_caught_at_the_same_iteration_however_the_history_is_kept(
    method: str,
) -> None:
    # Near the optimum, far along the slow direction and a hair along the fast one:
    # above the bound the loss first falls, then grows, at an iteration well past 1.
    from linreg import DivergenceError

    z = np.c_[X, np.ones(len(Y))]
    _, basis = np.linalg.eigh(2.0 * z.T @ z / len(Y))
    optimum = np.linalg.solve(z.T @ z, z.T @ Y)
    start = optimum + 50.0 * basis[:, 0] + 1e-5 * basis[:, 1]
    rate = 1.01 * minimize(X, Y, method=method, num_iterations=0).bound
    seen = set()
    for evaluate in ("moments", "pass"):
        for history in ("full", "none", lambda k, losses: None):
            with pytest.raises(DivergenceError) as caught:
                minimize(
                    X, Y, method=method, learning_rate=rate, w0=start[:1], b0=start[1],
                    evaluate=evaluate, history=history,
                )  # fmt: skip
            seen.add(caught.value.iteration)
    assert len(seen) == 1 and seen.pop() > 20


@pytest.mark.parametrize("bad", ["all", None, 0, b"full"])
def test_a_history_that_is_neither_full_none_nor_callable_is_refused(bad: object) -> None:
    with pytest.raises(InputError, match="history must be 'full', 'none' or a callable"):
        minimize(X, Y, history=bad)


def test_a_long_run_without_history_needs_no_memory_for_it() -> None:
    iterations = 2_000_000  # kept whole: 16 MB
    tracemalloc.start()
    try:
        minimize(X, Y, learning_rate=1e-4, num_iterations=iterations, history="none")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8e6, peak  # the closed form's blocks: ~4 MB


def test_the_spool_gives_back_every_loss_in_order() -> None:
    spool = Spool("keeping")
    history = History(10, spool)
    for k in range(HISTORY_BLOCK + 3):
        history.one(float(k))
    history.block(np.array([-1.0, -2.0]))
    history.flush()
    back = np.concatenate(list(spool.blocks(1000)))
    expected = np.r_[np.arange(HISTORY_BLOCK + 3.0), -1.0, -2.0]
    np.testing.assert_array_equal(back, expected)
    assert (history.first, history.previous, history.latest) == (0.0, -1.0, -2.0)
    with pytest.raises(ValueError, match="out of order"):
        spool(0, np.zeros(1))
    spool.close()
