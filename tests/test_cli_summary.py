"""``linreg --summary``: the least-squares fit's statsmodels-style summary, for the data given."""

from __future__ import annotations

import contextlib
import io

import numpy as np

from linreg.cli import main
from linreg.data import load_points
from linreg.moments import Moments
from linreg.solve import least_squares

from .test_summary import check


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _summary_part(text: str) -> str:
    return text[text.index("OLS Regression Results") - 28 :]


def test_summary_of_the_bundled_data():
    code, out, _ = _run("--summary", "--iterations", "5")
    assert code == 0
    points = load_points()
    fit = least_squares(points[:, :1], points[:, 1])
    pairs, rows = check(fit, _summary_part(out))
    assert [row[0] for row in rows] == ["const", "x"] and pairs["No. Observations:"] == "100"


def test_summary_of_a_streamed_file(tmp_path):
    """A file too large to keep is streamed into Moments; the summary is the statistics'."""
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 10, 30_000)
    data = np.column_stack([x, 2 + 0.5 * x + rng.normal(size=x.size)])
    path = tmp_path / "big.csv"
    np.savetxt(path, data, delimiter=",")
    code, out, _ = _run("--data", str(path), "--summary", "--iterations", "2")
    assert code == 0
    with path.open() as handle:
        values = np.loadtxt(handle, delimiter=",")
    fit = least_squares(Moments.from_arrays(values[:, :1], values[:, 1]))
    check(fit, _summary_part(out))


def test_without_the_option_no_summary():
    assert "OLS Regression Results" not in _run("--iterations", "5")[1]


def test_a_constant_x_has_no_summary_and_says_why(tmp_path):
    """No unique optimum is not an error (from the fresh audit: --summary refused data
    the plain run accepts, in the library's words): the report says the optimum is not
    unique, the summary part says why it is missing, and the run succeeds."""
    path = tmp_path / "constant.csv"
    path.write_text("1,2\n1,3\n1,5\n")
    code, out, err = _run("--data", str(path), "--summary", "--iterations", "3")
    assert (code, err) == (0, "")
    assert "not unique" in out and "OLS Regression Results" not in out
    assert out.rstrip().endswith(
        "No OLS summary: column 0 of X is constant: its weight is not determined; its "
        "statistics need a unique optimum."
    )
    dependent = tmp_path / "dependent.csv"
    rows = [f"{k},{2 * k},{3 * k + (k % 3)}" for k in range(20)]
    dependent.write_text("a,b,y\n" + "\n".join(rows) + "\n")
    code, out, err = _run("--data", str(dependent), "--x", "a", "--x", "b", "--y", "y",
                          "--summary", "--iterations", "3")  # fmt: skip
    assert (code, err) == (0, "")
    assert "No OLS summary: the columns of X are linearly dependent" in out


def test_a_closed_form_short_of_working_accuracy_is_said_in_the_commands_words(monkeypatch):
    """The fourth audit: Python's raw AccuracyWarning (a source path, a code line, and
    "try exact=True", which the command has no option for) reached stderr, exit 0."""
    import dataclasses
    import warnings

    import linreg.cli_report
    from linreg.closed_form_result import AccuracyWarning, inaccuracy, warn_inaccurate

    def short(*given):  # type: ignore[no-untyped-def]
        fit = dataclasses.replace(least_squares(*given), accurate=False, error_estimate=3e-9)
        warn_inaccurate(fit)
        return fit

    monkeypatch.setattr(linreg.cli_report, "least_squares", short)
    with warnings.catch_warnings():
        warnings.simplefilter("error", AccuracyWarning)  # one escaping fails the test
        code, out, err = _run("--summary", "--iterations", "5")
    assert (code, err) == (0, "")
    assert out.endswith("correct digits.\n")
    assert out.splitlines()[-1] == f"Note: {inaccuracy(_short_fit())}."


def _short_fit():  # type: ignore[no-untyped-def]
    import dataclasses

    points = load_points()
    fit = least_squares(points[:, :1], points[:, 1])
    return dataclasses.replace(fit, accurate=False, error_estimate=3e-9)
