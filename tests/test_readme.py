"""The README's claims, each produced by the code: its printed output and its example."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from .conftest import ROOT

README = (ROOT / "README.md").read_text()


def _block(language: str, after: str) -> str:
    start = README.index(after)
    match = re.compile(rf"```{language}\n(.*?)```", re.DOTALL).search(README, start)
    assert match, f"no {language} block after {after!r}"
    return match.group(1)


def _linreg(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "linreg", *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_printed_output_is_the_commands():
    assert _block("text", "## Run it") == _linreg()


def test_cg_reaches_the_optimum_in_two_steps():
    assert "Method cg converged: after 2 iterations" in _linreg(
        "--method", "cg", "--iterations", "2"
    )


def test_the_usage_example_runs_and_its_comments_are_true():
    namespace: dict[str, object] = {}
    exec(_block("python", "## Use it"), namespace)  # the README's own code
    fit, heavy = namespace["fit"], namespace["heavy"]
    assert (round(fit.b, 4), round(fit.m, 4), fit.converged) == (0.0889, 1.4777, False)
    assert fit.verdict == "not converged" and 1e-12 < fit.distance_error < 1e-11
    assert fit.relative_distance == pytest.approx(0.976, abs=5e-4)
    assert fit.predicted_iterations == 1828163
    assert (heavy.n_iter, heavy.converged) == (2659, True)


def test_the_big_data_example_runs(tmp_path, monkeypatch):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    pytest.importorskip("sklearn")
    import numpy as np

    import linreg

    rng = np.random.default_rng(3)
    hours = rng.uniform(25, 70, 5000)
    score = 1.3 * hours + 8 + rng.normal(scale=10, size=5000)
    (tmp_path / "students").mkdir()
    for k in range(2):
        rows = slice(2500 * k, 2500 * (k + 1))
        table = pa.table({"hours": hours[rows], "score": score[rows]})
        pq.write_table(table, tmp_path / "students" / f"part-{k}.parquet")
    monkeypatch.chdir(tmp_path)
    chunks = [(hours[k : k + 700, None], score[k : k + 700]) for k in range(0, 5000, 700)]
    namespace: dict[str, object] = {"linreg": linreg, "chunks": chunks}
    exec(
        "from linreg.moments import Moments\n" + _block("python", "Data bigger than memory"),
        namespace,
    )
    fit, model = namespace["fit"], namespace["model"]
    best = linreg.solve.least_squares(hours[:, None], score)
    assert fit.converged and fit.m == pytest.approx(best.coef[0], rel=1e-9)  # cg, certified
    assert model.coef_[0] == pytest.approx(best.coef[0], rel=1e-9)  # its default tol, 1e-10
