"""Iterations that repeat cost nothing (issue 17's audit: ``linreg --method newton
--iterations 100000000`` ran for about 15 minutes though Newton is done in one step).

Once an update returns the iterate and state of one or two iterations back, bit for bit,
every later iteration repeats them (the update is a pure function of them): the loop
records their losses a block at a time and stops working. The result is the full run's,
bit for bit; that is checked here against the loop with the shortcut taken out.
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest

import linreg
from linreg import loop
from linreg.data import load_points
from linreg.methods import METHODS

#: Methods whose iterates reach a cycle of length 1 or 2 on these data (momentum,
#: nesterov and adam keep moving in the last bits, and gd's runs are closed-form).
SETTLING = ["newton", "cg", "steepest", "bb"]


def _data(features: int) -> tuple[np.ndarray, np.ndarray]:
    if features == 1:
        points = load_points()
        return points[:, :1], points[:, 1]
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, features)) * np.array([1.0, 10.0, 100.0, 0.1])[:features]
    return X, X @ np.arange(1.0, features + 1.0) + rng.normal(size=300)


def _every_bit(result: linreg.DescentResult, sunk: list[np.ndarray]) -> bytes:
    parts = [result.w.tobytes(), np.float64(result.b).tobytes(), np.float64(result.loss)]
    parts += [result.path.tobytes(), repr((result.n_iter, result.converged, result.stop_reason))]
    kept = result.history if result.history is not None else np.concatenate(sunk)
    return b"".join(p if isinstance(p, bytes) else str(p).encode() for p in parts) + (
        kept.tobytes()
    )


def _fit(data, method: str, iterations: int, history: str) -> bytes:
    sunk: list[np.ndarray] = []

    def sink(first: int, losses: np.ndarray) -> None:
        assert first == sum(len(s) for s in sunk)  # blocks in order, none missing
        sunk.append(losses.copy())

    result = linreg.minimize(
        *data,
        method=method,
        num_iterations=iterations,
        return_path=True,
        history=sink if history == "sink" else history,
    )
    return _every_bit(result, sunk)


@pytest.mark.parametrize("method", [m for m in METHODS if m != "gd"])
@pytest.mark.parametrize("features", [1, 4])
def test_skipping_the_repeats_changes_no_bit_of_the_result(method, features, monkeypatch):
    data = _data(features)
    runs = [(1, "full"), (3, "sink"), (17, "full"), (18, "sink"), (40, "full"), (3001, "sink")]
    runs.append((3001, "full"))
    for iterations, history in runs:
        shortcut = _fit(data, method, iterations, history)
        with monkeypatch.context() as patched:  # the loop as it was: every iteration run
            patched.setattr(loop._Cycles, "after", lambda self, t, s, loss, new: (*new, None))
            assert shortcut == _fit(data, method, iterations, history), (method, iterations)


@pytest.mark.parametrize("method", SETTLING)
def test_a_hundred_million_iterations_of_a_method_that_settles_take_no_time(method):
    # Before: about 15 minutes for Newton (~9 us an iteration). The repeats are recorded
    # a block at a time; with history="none" nothing is kept.
    points = load_points()
    started = time.perf_counter()
    result = linreg.minimize(
        points[:, :1], points[:, 1], method=method, num_iterations=10**8, history="none"
    )
    assert time.perf_counter() - started < 30  # the whole loop would take 10 minutes or more
    short = linreg.minimize(points[:, :1], points[:, 1], method=method, num_iterations=3000)
    assert (result.n_iter, result.stop_reason) == (10**8, "num_iterations")
    assert (result.w.tobytes(), result.b) == (short.w.tobytes(), short.b)
    assert result.converged


def _command(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "linreg", *args],
        capture_output=True,
        text=True,
        timeout=120,  # the full loop took about 15 minutes
    )
    assert (done.returncode, done.stderr) == (0, "")
    return done.stdout


def test_the_command_runs_newton_for_a_hundred_million_iterations_at_once():
    many = _command("--method", "newton", "--iterations", "100000000")
    few = _command("--method", "newton", "--iterations", "1000")
    # The same start and the same optimum print the same digits, whatever the count: the
    # errors had been the livestream's loops' at 1000 and the statistics' at 1e8
    # (error = 5565.107834483211 against 5565.107834483214 at the start).
    assert "After 100000000 iterations b = " in many
    shown = many.replace("100000000 iterations", "1000 iterations")
    assert shown.replace("100,000,000 iterations", "1,000 iterations") == few
