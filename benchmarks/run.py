"""linreg benchmarks: ratios measured in one process, never part of the test run.

    python benchmarks/run.py            # everything (a few minutes)
    python benchmarks/run.py --quick    # smaller sizes, for a smoke run
    python benchmarks/run.py --write-docs   # also put the tables in docs/performance.md
    python benchmarks/run.py --only closed-form nist exact centred-pass --write-docs
    python benchmarks/run.py --billion --write-docs   # 1e9 rows on disk (not in the default run)

Each table is one function, written into its own block of docs/performance.md with the
commit and date it was measured at. Figures are ratios to a floor (or to
numpy.linalg.lstsq) timed in the same process on the same arrays, so the tables travel
between machines better than seconds would. Needs the ``bench`` extra (scikit-learn,
pyarrow, scipy, statsmodels).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from inout import (
    billion,
    columnar_speed,
    csv_speed,
    fmt,
    ill_conditioned,
    line_data,
    offset_pass,
    one_thread_cells,
    partial_fit_speed,
)

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


def one_feature(sizes: list[int], rng: np.random.Generator) -> list[str]:
    from sklearn.linear_model import LinearRegression, SGDRegressor

    rows = [
        "| N | floor (ms) | **linreg** (moments, 1000 it.) | numpy per-pass, 1000 it. | livestream loop | "
        "SGDRegressor, 1000 epochs | LinearRegression | numpy.linalg.lstsq | "
        "one thread: floor (ms) | one thread: **linreg** | one thread, no C loop |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    fit = partial(gradient_descent, learning_rate=1e-4, num_iterations=1000)
    for n in sizes:
        x, y = line_data(n, rng)
        X = x[:, None]
        race = {"floor": lambda: (np.dot(x, x), np.dot(x, y)), "ours": lambda: fit(X, y)}
        floor, ours = best_time(race["floor"]), best_time(race["ours"])
        alone = one_thread_cells(n, race)
        per_pass, pp_x = scaled(
            lambda k: gradient_descent(X, y, learning_rate=1e-4, num_iterations=k, evaluate="pass"),
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
            f"{fmt(lstsq / floor)} | {alone} |"
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
            lambda k: gradient_descent(
                X, y, learning_rate="auto", num_iterations=k, evaluate="pass"
            ),
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
                "import os, runpy, sys; from linreg import csv_reader;\n"
                "if os.environ.get('LINREG_CSV_READER') == 'numpy': csv_reader._pyarrow_csv = lambda: None\n"
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


# --- the closed form: speed and accuracy against the peers ------------------------------------


def _peers() -> dict[str, Callable[[np.ndarray, np.ndarray, bool], tuple[np.ndarray, float]]]:
    """Each peer as fit(X, y, intercept) -> (weights, intercept), on the same float arrays."""
    import scipy.linalg
    import statsmodels.api as sm
    from sklearn.linear_model import LinearRegression

    def design(X: np.ndarray, intercept: bool) -> np.ndarray:
        return np.column_stack([X, np.ones(len(X))]) if intercept else X

    def lstsq(
        solve: Callable[..., tuple[np.ndarray, ...]],
    ) -> Callable[..., tuple[np.ndarray, float]]:
        def fit(X: np.ndarray, y: np.ndarray, intercept: bool) -> tuple[np.ndarray, float]:
            theta = solve(design(X, intercept), y)[0]
            return (theta[:-1], float(theta[-1])) if intercept else (theta, 0.0)

        return fit

    def sklearn(X: np.ndarray, y: np.ndarray, intercept: bool) -> tuple[np.ndarray, float]:
        model = LinearRegression(fit_intercept=intercept).fit(X, y)
        return model.coef_, float(model.intercept_)

    def statsmodels(X: np.ndarray, y: np.ndarray, intercept: bool) -> tuple[np.ndarray, float]:
        theta = sm.OLS(y, design(X, intercept)).fit().params
        return (theta[:-1], float(theta[-1])) if intercept else (theta, 0.0)

    return {
        "numpy.linalg.lstsq": lstsq(lambda A, y: np.linalg.lstsq(A, y, rcond=None)),
        "scipy.linalg.lstsq": lstsq(scipy.linalg.lstsq),
        "scikit-learn LinearRegression": sklearn,
        "statsmodels OLS": statsmodels,
    }


def closed_form(cases: list[tuple[int, int]], rng: np.random.Generator) -> list[str]:
    """`least_squares` against the peers: time in ms, and the ratio to numpy.linalg.lstsq."""
    from linreg.solve import least_squares

    peers = _peers()
    rows = [
        "| N × d | **linreg** `least_squares` | "
        + " | ".join(peers)
        + " | linreg ÷ lstsq | refinement passes |",
        "|---|---|" + "---|" * len(peers) + "---|---|",
    ]
    for n, d in cases:
        X = rng.normal(3.0, 2.0, size=(n, d))
        y = X @ rng.normal(size=d) + rng.normal(size=n)
        ours = best_time(lambda: least_squares(X, y), budget=3.0)
        times = [best_time(lambda: fit(X, y, True), budget=3.0) for fit in peers.values()]
        passes = least_squares(X, y).refinements
        cells = " | ".join(f"{t * 1e3:,.1f} ms" for t in times)
        rows.append(
            f"| {n:.0e} × {d} | **{ours * 1e3:,.1f} ms** | {cells} | "
            f"**{ours / times[0]:.2f}×** | {passes} |"
        )
        print(rows[-1], flush=True)
    return rows


def nist_accuracy() -> list[str]:
    """The worst LRE over each NIST dataset's estimates (and, for linreg, every statistic)."""
    from linreg.data import read_nist
    from linreg.solve import fit_nist, log_relative_error

    peers = _peers()
    rows = [
        "| dataset | **linreg** estimates | **linreg** std. devs | **linreg** residual SD, R² | "
        + " | ".join(peers)
        + " |",
        "|---|---|---|---|" + "---|" * len(peers),
    ]
    folder = ROOT / "tests" / "data" / "nist"
    names = ["Norris", "Pontius", "NoInt1", "NoInt2", "Filip", "Longley"]
    names += [f"Wampler{k}" for k in range(1, 6)]
    for name in names:
        data = read_nist(folder / f"{name}.dat")
        fit = fit_nist(data)

        def worst(values: list[object], certified: list[str]) -> float:
            return min(log_relative_error(v, c) for v, c in zip(values, certified))

        head = [fit.intercept] if data.fit_intercept else []
        estimates = worst(head + list(fit.coef), list(data.estimates))
        sd_head = [fit.intercept_stderr] if data.fit_intercept else []
        stderrs = worst(sd_head + list(fit.coef_stderr), list(data.stderrs))
        stats = worst([fit.residual_std, fit.r_squared], [data.residual_std, data.r_squared])
        cells = []
        for peer in peers.values():
            w, b = peer(data.design(), data.target(), data.fit_intercept)
            values = ([b] if data.fit_intercept else []) + list(w)
            cells.append(f"{worst(values, list(data.estimates)):.1f}")
        rows.append(
            f"| {name} | **{estimates:.1f}** | **{stderrs:.1f}** | **{stats:.1f}** | "
            + " | ".join(cells)
            + " |"
        )
        print(rows[-1], flush=True)
    return rows


def _anova_lre(fit: object, data: object, ols: bool) -> tuple[float, float, str]:
    """(worst LRE over the certified ANOVA table, worst over the std. devs, F's note).

    ``ols``: ``fit`` is statsmodels' (its ``bse`` holds the intercept last, as the design
    does). A certified F of Infinity (Wampler1 and 2, exact fits) is scored by 1/F
    against 0; linreg does not claim an F there (SSR is at float64's rounding floor).
    """
    from linreg.solve import log_relative_error as lre

    d: Any = data
    f: Any = fit
    values = [f.ess, f.ssr, f.mse_model, f.mse_resid]
    certified = [*d.sums_of_squares, *d.mean_squares]
    scores = [lre(v, c) for v, c in zip(values, certified)]
    note = ""
    if d.f_statistic != "Infinity":
        scores.append(lre(f.fvalue, d.f_statistic))
    elif f.fvalue is None:
        note = " (F not claimed)"
    else:
        scores.append(lre(1 / f.fvalue if f.fvalue else math.inf, "0"))
    bse = list(f.bse)
    if ols and d.fit_intercept:
        bse = bse[-1:] + bse[:-1]  # statsmodels' design has the ones last
    return min(scores), min(lre(v, c) for v, c in zip(bse, d.stderrs)), note


def nist_anova() -> list[str]:
    """linreg's and statsmodels' worst LRE over each dataset's certified ANOVA table (the
    sums of squares, mean squares and F) and over its parameters' standard deviations."""
    import statsmodels.api as sm

    from linreg.data import read_nist
    from linreg.solve import fit_nist

    rows = [
        "| dataset | **linreg** ANOVA | **linreg** std. devs | statsmodels ANOVA "
        "| statsmodels std. devs |",
        "|---|---|---|---|---|",
    ]
    folder = ROOT / "tests" / "data" / "nist"
    names = ["Norris", "Pontius", "NoInt1", "NoInt2", "Filip", "Longley"]
    names += [f"Wampler{k}" for k in range(1, 6)]
    for name in names:
        data = read_nist(folder / f"{name}.dat")
        ours = _anova_lre(fit_nist(data), data, ols=False)
        X = data.design()
        design = np.column_stack([X, np.ones(len(X))]) if data.fit_intercept else X
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # statsmodels warns of Filip's rank, divides by 0
            theirs = _anova_lre(sm.OLS(data.target(), design).fit(), data, ols=True)
        rows.append(
            f"| {name} | **{ours[0]:.1f}**{ours[2]} | **{ours[1]:.1f}** | "
            f"{theirs[0]:.1f}{theirs[2]} | {theirs[1]:.1f} |"
        )
        print(rows[-1], flush=True)
    return rows


def exact_mode(n: int, rng: np.random.Generator) -> list[str]:
    """Exact mode (integer sums, rational solve) against the float path on the same arrays."""
    from linreg.solve import least_squares

    X = rng.normal(3.0, 2.0, size=(n, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + rng.normal(size=n)
    spread = rng.integers(-100, 101, size=(n, 4))
    X_wide, y_wide = X * 10.0 ** spread[:, :3], y * 10.0 ** spread[:, 3]
    text = (
        [[repr(float(v)) for v in row] for row in X[: n // 10]],
        [repr(float(v)) for v in y[: n // 10]],
    )
    floor = best_time(lambda: least_squares(X, y))
    narrow = best_time(lambda: least_squares(X, y, exact=True), budget=5.0, repeats=3)
    wide = best_time(lambda: least_squares(X_wide, y_wide, exact=True), budget=5.0, repeats=3)
    strings = best_time(lambda: least_squares(*text, exact=True), budget=5.0, repeats=3)
    rows = [
        "| input, N × d | exact mode | float mode | exact ÷ float |",
        "|---|---|---|---|",
        f"| floats, {n:.0e} × 3 | {narrow * 1e3:,.0f} ms | {floor * 1e3:.1f} ms | {narrow / floor:.0f}× |",
        f"| floats with exponents spread over 10^±100, {n:.0e} × 3 | {wide * 1e3:,.0f} ms | — | "
        f"{wide / narrow:.1f}× the narrow floats |",
        f"| decimal strings (`repr` of the floats), {n // 10:.0e} × 3 | {strings * 1e3:,.0f} ms | — | — |",
    ]
    for row in rows[2:]:
        print(row, flush=True)
    return rows


def optimizers(n: int, rng: np.random.Generator) -> list[str]:
    """Each method's cost per iteration: on the statistics (d = 1 and 10), and per pass."""
    from linreg.methods import METHODS
    from linreg.moments import Moments

    points = linreg.load_points()
    line = Moments.from_arrays(points[:, :1], points[:, 1])
    X = rng.normal(size=(n, 10)) * np.geomspace(1, 10, 10)
    y = X @ rng.normal(size=10) + rng.normal(size=n)
    wide = Moments.from_arrays(X, y)
    rows = [
        f"| method | µs per iteration, statistics, d = 1 | d = 10 | ms per iteration, "
        f"per pass, N = {n:,}, d = 10 |",
        "|---|---|---|---|",
    ]
    k, k_pass = 2000, 20

    def cost(data: object, y_: object, method: str, count: int, **kw: object) -> float:
        def run(iterations: int) -> object:
            return linreg.minimize(data, y_, method=method, num_iterations=iterations, **kw)  # type: ignore[arg-type]

        # The cost of `count` iterations less the set-up (one pass, eigen-decomposition).
        return max(best_time(lambda: run(count)) - best_time(lambda: run(0)), 0.0) / count

    for method in METHODS:
        on_line = cost(line, None, method, k)
        on_wide = cost(wide, None, method, k)
        per_pass = cost(X, y, method, k_pass, evaluate="pass")
        rows.append(
            f"| `{method}` | {1e6 * on_line:.1f} | {1e6 * on_wide:.1f} | {1e3 * per_pass:.2f} |"
        )
        print(rows[-1], flush=True)
    return rows


def estimator_vs_sklearn() -> list[str]:
    """`GradientDescentRegressor()` with its defaults against `LinearRegression` on diabetes."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import LinearRegression

    from linreg.estimator import GradientDescentRegressor

    X, y = load_diabetes(return_X_y=True)
    ours = best_time(lambda: GradientDescentRegressor().fit(X, y), repeats=30)
    theirs = best_time(lambda: LinearRegression().fit(X, y), repeats=30)
    model, reference = GradientDescentRegressor().fit(X, y), LinearRegression().fit(X, y)
    worst = float(np.max(np.abs(model.coef_ - reference.coef_) / np.abs(reference.coef_)))
    rows = [
        "| data | `LinearRegression` | `GradientDescentRegressor()` | ratio | iterations | "
        "verdict | worst coefficient's relative difference |",
        "|---|---|---|---|---|---|---|",
        f"| diabetes (442 × 10) | {theirs * 1e3:.2f} ms | {ours * 1e3:.2f} ms | "
        f"**{ours / theirs:.2f}×** | {model.n_iter_} | {model.verdict_} | {worst:.1e} |",
    ]
    print(rows[-1], flush=True)
    return rows


def stamp() -> str:
    """The commit and date a table was measured at, and the machine."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        commit += " (with uncommitted changes)" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return (
        f"Measured at commit `{commit}` on {date}, on {platform.machine()} with "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}."
    )


def sections(quick: bool, rng: np.random.Generator) -> dict[str, Callable[[], list[str]]]:
    """Every table, by the name of its block in docs/performance.md (one function each)."""
    top = 5 if quick else 7
    sizes = [10**k for k in range(2, top + 1)]
    cases = [(10**k, p) for p in (10, 100) for k in range(3, (5 if quick else 6) + 1)]
    if not quick:
        cases.append((10**7, 10))
    solve_cases = (
        [(10**4, 2), (10**5, 10), (2 * 10**4, 100)]
        if quick
        else [(10**5, 2), (10**6, 10), (2 * 10**5, 100)]
    )
    return {
        "one-feature": lambda: one_feature(sizes, rng),
        "many-features": lambda: many_features(cases, rng),
        "livestream": livestream_speedup,
        "streaming": lambda: streaming(10**6 if quick else 10**7, rng),
        "closed-form": lambda: closed_form(solve_cases, rng),
        "nist": nist_accuracy,
        "nist-anova": nist_anova,
        "exact": lambda: exact_mode(10**4 if quick else 10**5, rng),
        "centred-pass": lambda: offset_pass([10**5, 10**6] if quick else [10**6, 10**7], rng),
        "csv": lambda: csv_speed(10**6 if quick else 10**7, rng),
        "columnar": lambda: columnar_speed(10**6 if quick else 10**7, rng),
        "partial-fit": lambda: partial_fit_speed([10**4, 10**5] if quick else [10**5, 10**6], rng),
        "ill-conditioned": lambda: ill_conditioned(10**5 if quick else 10**6, rng),
        "optimizers": lambda: optimizers(10**4 if quick else 10**5, rng),
        "estimator": estimator_vs_sklearn,
    }


def write_docs(tables: dict[str, list[str]]) -> None:
    """Replace each table's block in docs/performance.md, stamped with commit and date."""
    text = DOCS.read_text()
    for name, rows in tables.items():
        start, end = f"<!-- benchmark:{name}:start -->", f"<!-- benchmark:{name}:end -->"
        if start not in text:
            raise SystemExit(f"{DOCS} has no block {start}")
        head, rest = text.split(start)
        _, tail = rest.split(end)
        text = head + start + "\n" + stamp() + "\n\n" + "\n".join(rows) + "\n" + end + tail
    DOCS.write_text(text)
    print(f"wrote {', '.join(tables)} in {DOCS}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument(
        "--write-docs", action="store_true", help="write the tables into docs/performance.md"
    )
    parser.add_argument("--only", nargs="+", metavar="TABLE", help="run only these tables")
    parser.add_argument(
        "--billion",
        nargs="?",
        const=10**9,
        type=int,
        metavar="ROWS",
        help="only the billion-row run: write ROWS rows (1e9) to Parquet on disk and fit them",
    )
    args = parser.parse_args()
    available = sections(args.quick, np.random.default_rng(0))
    if args.billion:
        available["billion"] = lambda: billion(args.billion)
    chosen = ["billion"] if args.billion else args.only or list(available)
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        parser.error(f"unknown table(s) {unknown}; choose from {list(available)}")
    print(f"# {stamp()}", flush=True)
    tables = {}
    for name in chosen:
        print(f"## {name}", flush=True)
        tables[name] = available[name]()
    if args.write_docs:
        write_docs(tables)


if __name__ == "__main__":
    main()
