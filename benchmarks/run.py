"""linreg benchmarks: ratios measured in one process, never part of the test run.

    python benchmarks/run.py            # everything (a few minutes)
    python benchmarks/run.py --quick    # smaller sizes, for a smoke run
    python benchmarks/run.py --write-docs   # also put the tables in docs/performance.md

Every figure is a ratio to a floor timed in the same process on the same arrays, so the
tables travel between machines better than seconds would. Needs the ``bench`` extra
(scikit-learn, pyarrow).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import linreg
from linreg import gradient_descent, livestream

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "performance.md"
START, END = "<!-- benchmark:start -->", "<!-- benchmark:end -->"


def best_time(function: Callable[[], object], budget: float = 1.5, repeats: int = 7) -> float:
    """The fastest of up to ``repeats`` runs, within about ``budget`` seconds."""
    times: list[float] = []
    spent = 0.0
    while len(times) < repeats and (spent < budget or len(times) < 2):
        start = time.perf_counter()
        function()
        elapsed = time.perf_counter() - start
        times.append(elapsed)
        spent += elapsed
        if elapsed > budget:
            break
    return min(times)


def scaled(function: Callable[[int], object], full: int, trial: int) -> tuple[float, bool]:
    """Time ``function(full)``, or ``function(trial)`` × full/trial when full is too slow."""
    if trial >= full:
        return best_time(lambda: function(full)), False
    return best_time(lambda: function(trial)) * full / trial, True


def line_data(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(25, 70, n)  # like hours studied: a large mean against the spread
    return x, 1.3 * x + 8 + rng.normal(scale=10, size=n)


def fmt(ratio: float, extrapolated: bool = False) -> str:
    if ratio != ratio:  # NaN: not measured
        return "—"
    text = f"{ratio:,.0f}" if ratio >= 100 else f"{ratio:.2f}" if ratio < 10 else f"{ratio:.1f}"
    return ("~" if extrapolated else "") + text + "×"


def one_feature(sizes: list[int], rng: np.random.Generator) -> list[str]:
    from sklearn.linear_model import LinearRegression, SGDRegressor

    rows = [
        "| N | floor (ms) | **linreg** (moments, 1000 it.) | numpy per-pass, 1000 it. | livestream loop | "
        "SGDRegressor, 1000 epochs | LinearRegression | numpy.linalg.lstsq |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n in sizes:
        x, y = line_data(n, rng)
        X = x[:, None]
        floor = best_time(lambda: (np.dot(x, x), np.dot(x, y)))
        ours = best_time(lambda: gradient_descent(X, y, learning_rate=1e-4, num_iterations=1000))
        per_pass, pp_x = scaled(
            lambda k: gradient_descent(X, y, learning_rate=1e-4, num_iterations=k, method="pass"),
            1000,
            max(2, min(1000, int(1e7 // n))),
        )
        points = np.column_stack([x, y])
        if n <= 10_000:
            loop, loop_x = scaled(
                lambda k: livestream.gradient_descent_runner(points, 0, 0, 1e-4, k),
                1000,
                max(1, min(1000, int(2e5 // n))),
            )
        else:
            loop, loop_x = float("nan"), False
        sgd, sgd_x = scaled(
            lambda k: SGDRegressor(
                max_iter=k, tol=None, learning_rate="constant", eta0=1e-5, random_state=0
            ).fit(X, y),
            1000,
            max(1, min(1000, int(1e6 // n))),
        )
        ols = best_time(lambda: LinearRegression().fit(X, y))
        A = np.column_stack([x, np.ones(n)])
        lstsq = best_time(lambda: np.linalg.lstsq(A, y, rcond=None))
        rows.append(
            f"| {n:.0e} | {floor * 1e3:.3f} | **{fmt(ours / floor)}** | {fmt(per_pass / floor, pp_x)} | "
            f"{fmt(loop / floor, loop_x)} | {fmt(sgd / floor, sgd_x)} | {fmt(ols / floor)} | "
            f"{fmt(lstsq / floor)} |"
        )
        print(rows[-1], flush=True)
    return rows


def many_features(cases: list[tuple[int, int]], rng: np.random.Generator) -> list[str]:
    from sklearn.linear_model import LinearRegression

    rows = [
        "| N | features | floor: XᵀX + Xᵀy (ms) | **linreg** (moments, 1000 it.) | numpy per-pass, 1000 it. | "
        "LinearRegression | numpy.linalg.lstsq |",
        "|---|---|---|---|---|---|---|",
    ]
    for n, p in cases:
        X = rng.normal(3.0, 2.0, size=(n, p))
        y = X @ rng.normal(size=p) + rng.normal(size=n)
        floor = best_time(lambda: (X.T @ X, X.T @ y))
        ours = best_time(lambda: gradient_descent(X, y, learning_rate="auto", num_iterations=1000))
        per_pass, pp_x = scaled(
            lambda k: gradient_descent(X, y, learning_rate="auto", num_iterations=k, method="pass"),
            1000,
            max(2, min(1000, int(2e7 // (n * p)))),
        )
        ols = best_time(lambda: LinearRegression().fit(X, y))
        A = np.column_stack([X, np.ones(n)])
        lstsq = best_time(lambda: np.linalg.lstsq(A, y, rcond=None))
        rows.append(
            f"| {n:.0e} | {p} | {floor * 1e3:.2f} | **{fmt(ours / floor)}** | {fmt(per_pass / floor, pp_x)} | "
            f"{fmt(ols / floor)} | {fmt(lstsq / floor)} |"
        )
        print(rows[-1], flush=True)
    return rows


def livestream_speedup() -> list[str]:
    points = linreg.load_points()
    X, y = points[:, :1], points[:, 1]
    loop = best_time(lambda: livestream.gradient_descent_runner(points, 0, 0, 0.0001, 1000))
    ours = best_time(
        lambda: gradient_descent(X, y, learning_rate=0.0001, num_iterations=1000), repeats=50
    )
    line = (
        f"On the livestream's 100 points, 1000 iterations: the livestream loop takes "
        f"{loop * 1e3:.1f} ms, `linreg.gradient_descent` {ours * 1e3:.2f} ms: "
        f"**{loop / ours:,.0f}× faster**."
    )
    print(line, flush=True)
    return [line]


def streaming(n: int, rng: np.random.Generator) -> list[str]:
    x, y = line_data(n, rng)
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "big.csv"
        np.savetxt(csv, np.column_stack([x, y]), delimiter=",", fmt="%.17g")
        size = csv.stat().st_size
        start = time.perf_counter()
        subprocess.run(["wc", "-l", str(csv)], check=True, capture_output=True)
        wc = time.perf_counter() - start
        command = [
            sys.executable,
            "-m",
            "linreg",
            "--data",
            str(csv),
            "--learning-rate",
            "auto",
            "--standardize",
            "--iterations",
            "20",
        ]
        results = []
        for reader, env in (
            ("pyarrow (fast extra)", {}),
            ("numpy only", {"LINREG_CSV_READER": "numpy"}),
        ):
            # Peak memory from VmHWM, which starts afresh at exec (ru_maxrss would carry
            # over this benchmark's own peak through the fork).
            code = (
                "import os, runpy, sys; from linreg import data;\n"
                "if os.environ.get('LINREG_CSV_READER') == 'numpy': data._pyarrow_csv = lambda: None\n"
                "sys.argv = ['linreg'] + sys.argv[1:]\n"
                "try:\n    runpy.run_module('linreg', run_name='__main__')\n"
                "finally:\n    hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
                "    print('peak_kb', hwm.split()[1], file=sys.stderr)"
            )
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", code, *command[3:]],
                capture_output=True,
                text=True,
                env={**os.environ, **env},
            )
            elapsed = time.perf_counter() - start
            if done.returncode != 0:
                raise RuntimeError(done.stderr)
            peak = int(done.stderr.split("peak_kb")[1].split()[0]) / 1024
            line = done.stdout.splitlines()[2]
            b = float(line.split("b = ")[1].split(",")[0])
            m = float(line.split("m = ")[1].split(",")[0])
            results.append((reader, elapsed, peak, b, m))
    fit = gradient_descent(x[:, None], y, learning_rate="auto", num_iterations=20, standardize=True)
    rows = [
        f"A CSV of {n:,} rows (x, y), {size / 1e6:.0f} MB; `wc -l` on it: {wc:.2f} s "
        f"({n / wc / 1e6:.0f} M rows/s).",
        "",
        "| reader | wall time of `linreg --data big.csv` | rows per second | peak resident memory | "
        "largest relative difference from the in-memory fit |",
        "|---|---|---|---|---|",
    ]
    for reader, elapsed, peak, b, m in results:
        difference = max(abs(b - fit.b) / abs(fit.b), abs(m - fit.m) / abs(fit.m))
        rows.append(
            f"| {reader} | {elapsed:.1f} s | {n / elapsed / 1e6:.1f} M | {peak:.0f} MB | {difference:.1e} |"
        )
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument(
        "--write-docs", action="store_true", help="write the tables into docs/performance.md"
    )
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    top = 5 if args.quick else 7
    sizes = [10**k for k in range(2, top + 1)]
    cases = [(10**k, p) for p in (10, 100) for k in range(3, (5 if args.quick else 6) + 1)]
    if not args.quick:
        cases.append((10**7, 10))
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}"
    print(f"# {machine}", flush=True)
    out = [
        f"Measured on {machine}, with `python benchmarks/run.py{' --quick' if args.quick else ''}`. "
        "Ratios are to the floor measured in the same process on the same arrays; "
        "~ marks a figure extrapolated linearly from fewer iterations (or epochs).",
        "",
        "### One feature: ratio to the one-pass floor `np.dot(x, x) + np.dot(x, y)`",
        "",
    ]
    out += one_feature(sizes, rng)
    out += ["", "### Many features: ratio to `X.T @ X` plus `X.T @ y`", ""]
    out += many_features(cases, rng)
    out += ["", "### The livestream's data", ""]
    out += livestream_speedup()
    out += ["", "### Streaming a CSV bigger than the floor's arrays", ""]
    out += streaming(10**6 if args.quick else 10**7, rng)
    if args.write_docs:
        text = DOCS.read_text()
        head, rest = text.split(START)
        _, tail = rest.split(END)
        DOCS.write_text(head + START + "\n" + "\n".join(out) + "\n" + END + tail)
        print(f"wrote {DOCS}")


if __name__ == "__main__":
    main()
