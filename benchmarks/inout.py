"""The benchmarks of issue 19: files (CSV, Parquet, Arrow IPC), partial_fit, the offset
pass, the closed form on ill-conditioned data, and a billion rows from disk.

Imported by ``benchmarks/run.py``; each table is one function returning its rows. Timings
are the best of a few runs, the contenders interleaved in one process (or, where memory
is measured, each in a fresh process), so that a loaded machine slows both alike.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def interleaved(contenders: dict[str, Callable[[], object]], rounds: int = 3) -> dict[str, float]:
    """The best time of each contender over ``rounds`` rounds, taken in turn."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, run in contenders.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: min(values) for name, values in times.items()}


def one_thread(contenders: dict[str, Callable[[], object]], rounds: int = 9) -> dict[str, float]:
    """`interleaved`, with BLAS held to one thread (``threadpoolctl``): issue 19's floor."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return interleaved(contenders, rounds)


def fmt(ratio: float, extrapolated: bool = False) -> str:
    """A ratio as the tables print it: ~ when extrapolated, — when not measured."""
    if ratio != ratio:  # NaN: not measured
        return "—"
    text = f"{ratio:,.0f}" if ratio >= 100 else f"{ratio:.2f}" if ratio < 10 else f"{ratio:.1f}"
    return ("~" if extrapolated else "") + text + "×"


#: Rows from which the one-feature table also times BLAS held to one thread (issue 19:
#: below, the floor's arrays sit in the cache).
ONE_THREAD_FROM = 10**6


def without_the_loop(function: Callable[[], object]) -> Callable[[], object]:
    """``function`` run with numpy's calls, not the compiled loop (`linreg._kernel`): what
    an install without a C compiler pays."""
    from linreg import _kernel

    def run() -> object:
        with _kernel.turned_off():
            return function()

    return run


def one_thread_cells(n: int, race: dict[str, Callable[[], object]]) -> str:
    """The one-thread columns of a row: the floor (ms), ``race["ours"]``'s ratio to it,
    and the same without the compiled loop; dashes below `ONE_THREAD_FROM` rows."""
    if n < ONE_THREAD_FROM:
        return "— | — | —"
    solo = one_thread({**race, "numpy": without_the_loop(race["ours"])})
    floor = solo["floor"]
    return f"{floor * 1e3:.3f} | **{fmt(solo['ours'] / floor)}** | {fmt(solo['numpy'] / floor)}"


def line_data(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """x uniform on 25..70 (like hours studied: a large mean against the spread), and y."""
    x = rng.uniform(25, 70, n)
    return x, 1.3 * x + 8 + rng.normal(scale=10, size=n)


def _peak_of(code: str, env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(wall seconds, peak resident MB, stdout) of ``code`` run in a fresh interpreter,
    its standard error (a progress bar) passed through.

    Peak memory from VmHWM, which starts afresh at exec (ru_maxrss would carry over this
    process's own peak through the fork).
    """
    wrapped = (
        "try:\n" + "".join(f"    {line}\n" for line in code.splitlines()) + "finally:\n"
        "    hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "    print('peak_kb', hwm.split()[1])\n"
    )
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", wrapped],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        check=True,
    )
    elapsed = time.perf_counter() - start
    out, peak = done.stdout.split("peak_kb")
    return elapsed, int(peak.split()[0]) / 1024, out


def csv_speed(n: int, rng: np.random.Generator) -> list[str]:
    """`Moments.from_csv` against `pyarrow.csv.read_csv` on one file, default threads."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from linreg import csv_reader
    from linreg.moments import Moments

    x, y = line_data(n, rng)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.csv"
        pacsv.write_csv(pa.table({"x": x, "y": y}), path)
        size = path.stat().st_size
        best = interleaved(
            {
                "pyarrow": lambda: pacsv.read_csv(path),
                "linreg": lambda: Moments.from_csv(path),
            }
        )
        real = csv_reader._pyarrow_csv
        csv_reader._pyarrow_csv = lambda: None  # the numpy-only reader (no fast extra)
        try:
            numpy_only = interleaved({"numpy": lambda: Moments.from_csv(path)}, rounds=1)
        finally:
            csv_reader._pyarrow_csv = real
        _, peak, _ = _peak_of(
            f"from linreg.moments import Moments\nMoments.from_csv({str(path)!r})"
        )
    rows = [
        f"A CSV of {n:,} rows (`x,y`, with a header), {size / 1e6:.0f} MB.",
        "",
        "| reader | time | rows per second | ÷ `pyarrow.csv.read_csv` |",
        "|---|---|---|---|",
        f"| `pyarrow.csv.read_csv` (a table in memory) | {best['pyarrow']:.2f} s | "
        f"{n / best['pyarrow'] / 1e6:.1f} M | 1 |",
        f"| **`Moments.from_csv`** (the statistics, fast extra) | **{best['linreg']:.2f} s** | "
        f"{n / best['linreg'] / 1e6:.1f} M | **{best['linreg'] / best['pyarrow']:.2f}×** |",
        f"| `Moments.from_csv` without the fast extra (numpy's reader) | "
        f"{numpy_only['numpy']:.2f} s | {n / numpy_only['numpy'] / 1e6:.1f} M | "
        f"{numpy_only['numpy'] / best['pyarrow']:.1f}× |",
        "",
        f"Peak resident memory of `Moments.from_csv` on this file, in a fresh process: "
        f"{peak:.0f} MB.",
    ]
    print("\n".join(rows), flush=True)
    return rows


def columnar_speed(n: int, rng: np.random.Generator) -> list[str]:
    """`Moments.from_parquet` / `from_ipc` against pyarrow reading the same two columns."""
    import pyarrow as pa
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    from linreg.moments import Moments

    x, y = line_data(n, rng)
    table = pa.table({"x": x, "y": y, "other": rng.normal(size=n)})
    with tempfile.TemporaryDirectory() as folder:
        parquet, ipc = Path(folder) / "big.parquet", Path(folder) / "big.arrow"
        one = Path(folder) / "one-batch.arrow"
        pq.write_table(table, parquet)
        feather.write_feather(table, ipc, compression="uncompressed")
        feather.write_feather(table, one, compression="uncompressed", chunksize=n)
        best = interleaved(
            {
                "pq": lambda: pq.read_table(parquet, columns=["x", "y"]),
                "ours_pq": lambda: Moments.from_parquet(parquet, x="x", y="y"),
                "ipc": lambda: feather.read_table(ipc, columns=["x", "y"], memory_map=False),
                "ours_ipc": lambda: Moments.from_ipc(ipc, x="x", y="y"),
                "one": lambda: feather.read_table(one, columns=["x", "y"], memory_map=False),
                "ours_one": lambda: Moments.from_ipc(one, x="x", y="y"),
            },
            rounds=5,
        )
    rows = [
        f"{n:,} rows; the files hold a third column that neither reads.",
        "",
        "| file | pyarrow reads the two columns | **linreg**: the statistics | ratio |",
        "|---|---|---|---|",
        f"| Parquet (snappy, 1 Mi-row groups) | {best['pq'] * 1e3:.0f} ms "
        "(`pyarrow.parquet.read_table`) | "
        f"**{best['ours_pq'] * 1e3:.0f} ms** | **{best['ours_pq'] / best['pq']:.2f}×** |",
        f"| Arrow IPC / Feather (uncompressed, 65,536-row batches) | {best['ipc'] * 1e3:.0f} ms "
        "(`pyarrow.feather.read_table`, no memory map) | "
        f"**{best['ours_ipc'] * 1e3:.0f} ms** | **{best['ours_ipc'] / best['ipc']:.2f}×** |",
        f"| Arrow IPC / Feather (uncompressed, one batch: read in place) | "
        f"{best['one'] * 1e3:.0f} ms (the same) | "
        f"**{best['ours_one'] * 1e3:.0f} ms** | **{best['ours_one'] / best['one']:.2f}×** |",
    ]
    print("\n".join(rows), flush=True)
    return rows


def partial_fit_speed(sizes: list[int], rng: np.random.Generator) -> list[str]:
    """`partial_fit` over 100 chunks against one `fit` on the concatenation."""
    from linreg.estimator import GradientDescentRegressor

    rows = [
        "| data | one `fit` | `partial_fit` over 100 chunks, then the model read | ratio | "
        "the model read after every chunk | ratio | relative difference |",
        "|---|---|---|---|---|---|---|",
    ]
    for n in sizes:
        X = rng.normal(3.0, 2.0, size=(n, 10))
        y = X @ rng.normal(size=10) + rng.normal(size=n)
        size = n // 100

        def streamed(read_each: bool = False) -> GradientDescentRegressor:
            model = GradientDescentRegressor()
            for start in range(0, n, size):
                model.partial_fit(X[start : start + size], y[start : start + size])
                if read_each:
                    model.coef_  # noqa: B018 - a read refits on the rows so far
            model.coef_  # noqa: B018 - the one descent, on every row
            return model

        best = interleaved(
            {
                "fit": lambda: GradientDescentRegressor().fit(X, y).coef_,
                "partial_fit": streamed,
                "each": lambda: streamed(read_each=True),
            }
        )
        whole, parts = GradientDescentRegressor().fit(X, y), streamed()
        theta = np.append(parts.coef_, parts.intercept_)
        reference = np.append(whole.coef_, whole.intercept_)
        difference = np.linalg.norm(theta - reference) / np.linalg.norm(reference)
        rows.append(
            f"| {n:.0e} × 10 | {best['fit'] * 1e3:.0f} ms | "
            f"**{best['partial_fit'] * 1e3:.0f} ms** | "
            f"**{best['partial_fit'] / best['fit']:.2f}×** | {best['each'] * 1e3:.0f} ms | "
            f"{best['each'] / best['fit']:.1f}× | {difference:.1e} |"
        )
        print(rows[-1], flush=True)
    return rows


def ill_conditioned(n: int, rng: np.random.Generator) -> list[str]:
    """`least_squares` against `numpy.linalg.lstsq` at condition number 2e6, with digits."""
    import warnings

    from linreg.solve import least_squares

    p = 10
    rotation, _ = np.linalg.qr(rng.normal(size=(p, p)))
    X = rng.normal(size=(n, p)) @ np.diag(np.geomspace(1.0, 1 / 2e6, p)) @ rotation.T + 3.0
    y = X @ rng.normal(size=p) + 0.5 + rng.normal(scale=1e-3, size=n)
    design = np.column_stack([X, np.ones(n)])
    condition = float(np.linalg.cond(X - X.mean(axis=0)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        best = interleaved(
            {
                "lstsq": lambda: np.linalg.lstsq(design, y, rcond=None),
                "linreg": lambda: least_squares(X, y),
            }
        )
        fit = least_squares(X, y)
        exact = least_squares(X, y, exact=True)
    truth = np.array([float(v) for v in [*exact.coef, exact.intercept]])

    def digits(theta: np.ndarray) -> float:
        error = np.linalg.norm(theta - truth) / np.linalg.norm(truth)
        return float(min(16.0, -np.log10(error))) if error > 0 else 16.0

    ours = digits(np.append(fit.coef, fit.intercept))
    theirs = digits(np.linalg.lstsq(design, y, rcond=None)[0][[*range(p), p]])
    rows = [
        f"{n:,} × {p} normal features, columns mixed to condition number {condition:.1e} "
        "(centred), mean 3; digits: −log₁₀ of the relative error against exact mode.",
        "",
        "| | time | ÷ lstsq | correct digits | certified bound (`error_estimate`) |",
        "|---|---|---|---|---|",
        f"| `numpy.linalg.lstsq` | {best['lstsq'] * 1e3:.0f} ms | 1 | {theirs:.1f} | — |",
        f"| **`least_squares`** | **{best['linreg'] * 1e3:.0f} ms** | "
        f"**{best['linreg'] / best['lstsq']:.1f}×** | **{ours:.1f}** | "
        f"{fit.error_estimate:.1e} (accurate: {fit.accurate}) |",
    ]
    print("\n".join(rows), flush=True)
    return rows


def offset_pass(sizes: list[int], rng: np.random.Generator) -> list[str]:
    """The one-pass statistics on one feature with mean/sd = 50: default threads, and one."""
    from linreg.moments import Moments

    rows = [
        "| N | floor: `np.dot(x, x)` + `np.dot(x, y)` | `Moments.from_arrays` | ratio | "
        "one thread: floor | one thread: linreg | one thread: ratio | "
        "one thread, no C loop: ratio | rounding bound |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for n in sizes:
        x = 50.0 + rng.normal(size=n)
        y = 1.3 * x + rng.normal(size=n)
        X = x[:, None]
        contenders = {
            "floor": lambda: (np.dot(x, x), np.dot(x, y)),
            "ours": lambda: Moments.from_arrays(X, y),
        }
        best = interleaved(contenders, rounds=15)
        single = one_thread({**contenders, "numpy": without_the_loop(contenders["ours"])}, 15)
        bound = Moments.from_arrays(X, y).rounding
        rows.append(
            f"| {n:.0e} | {best['floor'] * 1e3:.2f} ms | {best['ours'] * 1e3:.2f} ms | "
            f"**{best['ours'] / best['floor']:.2f}×** | {single['floor'] * 1e3:.2f} ms | "
            f"{single['ours'] * 1e3:.2f} ms | **{single['ours'] / single['floor']:.2f}×** | "
            f"{single['numpy'] / single['floor']:.2f}× | "
            f"{bound:.1e} |"
        )
        print(rows[-1], flush=True)
    return rows


# --- a billion rows ---------------------------------------------------------------------------

#: Bytes of disk a row of the billion run takes (two float64 columns, uncompressed
#: Parquet, plus a margin for the pages' headers).
BYTES_PER_ROW = 17
#: Rows per file of the dataset; files are written one at a time.
FILE_ROWS = 10_000_000


def billion(rows: int, folder: Path | None = None) -> list[str]:
    """Write ``rows`` rows of (x, y) to a Parquet dataset in chunks, then time a fresh
    process fitting it (statistics, then 1000 iterations of descent) against pyarrow's
    bare read of the same files; the data's generation is timed apart and never counted."""
    base = Path(folder or tempfile.gettempdir())
    free = shutil.disk_usage(base).free
    fits = int(0.5 * free / BYTES_PER_ROW) // FILE_ROWS * FILE_ROWS
    size = min(rows, fits)
    print(f"# {free / 1e9:.0f} GB free at {base}: {size:,} rows", flush=True)
    target = Path(tempfile.mkdtemp(prefix="linreg-billion-", dir=base))
    try:
        written = _write_dataset(target, size)
        fit_time, peak, out = _peak_of(_FIT.format(folder=str(target)))
        read_time, read_peak, _ = _peak_of(_READ.format(folder=str(target)))
        fit_again, peak_again, _ = _peak_of(_FIT.format(folder=str(target)))
    finally:
        shutil.rmtree(target, ignore_errors=True)
    fit_time, peak = min(fit_time, fit_again), max(peak, peak_again)
    rows_out = [
        f"{size:,} rows of (x, y) in {size // FILE_ROWS} Parquet files "
        f"({written / 1e9:.1f} GB on disk, written in {size // FILE_ROWS} chunks; drawing and "
        "writing them is not timed). Each reader runs in a fresh process.",
        "",
        "| | wall time | rows per second | peak resident memory |",
        "|---|---|---|---|",
        f"| pyarrow reads the two columns, a file at a time | {read_time:.1f} s | "
        f"{size / read_time / 1e6:.0f} M | {read_peak:.0f} MB |",
        f"| **linreg**: `Moments.from_parquet`, then 1000 iterations of `minimize` | "
        f"**{fit_time:.1f} s** | **{size / fit_time / 1e6:.0f} M** | **{peak:.0f} MB** |",
        "",
        f"The fit: {out.strip()}",
    ]
    print("\n".join(rows_out), flush=True)
    return rows_out


def _write_dataset(folder: Path, rows: int) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(19)
    for k in range(rows // FILE_ROWS):
        x, y = line_data(FILE_ROWS, rng)
        pq.write_table(
            pa.table({"x": x, "y": y}),
            folder / f"part-{k:05d}.parquet",
            compression="none",
            row_group_size=1 << 20,
        )
        print(f"  wrote {(k + 1) * FILE_ROWS:,} rows", end="\r", file=sys.stderr, flush=True)
    return sum(f.stat().st_size for f in folder.iterdir())


_FIT = """
from linreg import minimize
from linreg.moments import Moments
stats = Moments.from_parquet({folder!r}, x="x", y="y", progress=True)
fit = minimize(stats, method="gd", learning_rate="auto", num_iterations=1000, standardize=True)
print(f"N = {{stats.count:,}}, b = {{fit.b:.6f}}, m = {{fit.m:.6f}}, verdict: {{fit.verdict}}")
"""

_READ = """
import pathlib
import pyarrow.parquet as pq
for path in sorted(pathlib.Path({folder!r}).glob("*.parquet")):
    pq.read_table(path, columns=["x", "y"])
"""
