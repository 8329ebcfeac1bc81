"""The accuracy of linreg's inference, as issue 18's closing note reports it.

    python benchmarks/inference_accuracy.py

Prints the worst NIST LRE per ANOVA statistic (float mode, all 11 datasets), and for OLS
and WLS (uniform random weights in [0.2, 5], seeded) on the bundled data, Longley and
diabetes the worst relative error of each statistic against statsmodels and against the
exact answer (``least_squares(..., exact=True)``), with statsmodels' own against exact.
"""

from __future__ import annotations

import warnings
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from linreg.data import load_points, read_nist
from linreg.solve import fit_nist, least_squares
from linreg.solve import log_relative_error as lre

NIST = Path(__file__).resolve().parent.parent / "tests" / "data" / "nist"
NAMES = ["Norris", "Pontius", "NoInt1", "NoInt2", "Filip", "Longley"]
NAMES += [f"Wampler{k}" for k in range(1, 6)]
STATISTICS = ["params", "bse", "tvalues", "pvalues", "fvalue", "f_pvalue", "rsquared_adj"]
STATISTICS += ["llf", "aic", "bic", "ess", "ssr"]


def nist() -> None:
    worst: dict[str, tuple[float, str]] = {}
    for name in NAMES:
        data = read_nist(NIST / f"{name}.dat")
        fit = fit_nist(data)
        pairs = {
            "SS regression": (fit.ess, data.sums_of_squares[0]),
            "SS residual": (fit.ssr, data.sums_of_squares[1]),
            "MS regression": (fit.mse_model, data.mean_squares[0]),
            "MS residual": (fit.mse_resid, data.mean_squares[1]),
        }
        if data.f_statistic != "Infinity":
            pairs["F"] = (fit.fvalue, data.f_statistic)
        for what, (value, certified) in pairs.items():
            digits = lre(value, certified)
            if digits < worst.get(what, (99.0, ""))[0]:
                worst[what] = (digits, name)
    print("NIST, float mode: the worst LRE of each statistic over the 11 datasets")
    for what, (digits, name) in worst.items():
        print(f"  {what}: {digits:.2f} ({name})")


def _relative(a: Any, b: Any, exact: bool = False) -> float:
    pairs = zip(np.ravel(np.asarray(a, dtype=object)), np.ravel(np.asarray(b, dtype=object)))
    if exact:
        return float(
            max(abs(Fraction(float(x)) - Fraction(y)) / abs(Fraction(y)) for x, y in pairs)
        )
    return float(max(abs(float(x) - float(y)) / abs(float(y)) for x, y in pairs))


def parity(kind: str) -> None:
    import statsmodels.api as sm
    from sklearn.datasets import load_diabetes

    points, longley = load_points(), read_nist(NIST / "Longley.dat")
    sets = {
        "bundled": (points[:, :1], points[:, 1]),
        "Longley": (longley.design(), longley.target()),
        "diabetes": load_diabetes(return_X_y=True),
    }
    rng = np.random.default_rng(1818)
    worst: dict[str, list[Any]] = {}
    for name, (X, y) in sets.items():
        w = rng.uniform(0.2, 5.0, len(y)) if kind == "WLS" else None
        ours = least_squares(X, y, sample_weight=w)
        exact = least_squares(X, y, sample_weight=w, exact=True)
        model = (
            sm.WLS(y, sm.add_constant(X), weights=w)
            if w is not None
            else sm.OLS(y, sm.add_constant(X))
        )
        theirs = model.fit()
        found = [(s, getattr(ours, s), getattr(theirs, s), getattr(exact, s)) for s in STATISTICS]
        found.append(("conf_int", ours.conf_int(), theirs.conf_int(), exact.conf_int()))
        rows = X[:5]
        frames = [
            ours.get_prediction(rows).summary_frame().to_numpy(),
            theirs.get_prediction(sm.add_constant(rows, has_constant="add"))
            .summary_frame()
            .to_numpy(),
            exact.get_prediction(rows).summary_frame().to_numpy(),
        ]
        found.append(("prediction frame", *frames))
        for what, mine, other, truth in found:
            errors = [
                _relative(mine, other),
                _relative(mine, truth, True),
                _relative(other, truth, True),
            ]
            old = worst.get(what, [0.0, 0.0, 0.0, "", ""])
            worst[what] = [
                max(old[0], errors[0]),
                max(old[1], errors[1]),
                max(old[2], errors[2]),
                name if errors[0] >= old[0] else old[3],
                name if errors[1] >= old[1] else old[4],
            ]
    print(f"{kind} on bundled, Longley, diabetes: worst relative error of linreg against")
    print("statsmodels, of linreg against exact, and of statsmodels against exact")
    for what, (a, b, c, where_a, where_b) in worst.items():
        print(f"  {what}: {a:.1e} ({where_a}), {b:.1e} ({where_b}), statsmodels {c:.1e}")


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    nist()
    parity("OLS")
    parity("WLS")
