"""The docs' number formatter (`linreg.plot.latex_number`, `plain_number`) and the
explorer's data (`linreg.plot.explorer_data`)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linreg.plot import explorer_data, latex_number, plain_number

LATEX = re.compile(r"(?P<mantissa>-?[\d{},.]+|-)?(?: \\times )?(?:10\^\{(?P<power>-?\d+)\})?")


def _parse_latex(text: str) -> float:
    match = LATEX.fullmatch(text)
    assert match is not None, text
    mantissa = match["mantissa"]
    power = match["power"]
    if mantissa is None or mantissa == "-":  # a bare power of ten: 10^{n} or -10^{n}
        return float(f"{mantissa or ''}1e{power}")
    number = mantissa.replace("{,}", "")
    return float(f"{number}e{power}" if power is not None else number)


@given(
    st.floats(min_value=-1e300, max_value=1e300, allow_nan=False).filter(lambda v: v != 0),
    st.integers(min_value=1, max_value=8),
)
def test_latex_number_round_trips_to_its_digits(value, digits):
    text = latex_number(value, digits)
    assert not re.search(r"\d[eE]", text)  # never 4.0130e-04
    assert not re.search(r"\d,\d", text)  # commas braced: 66{,}031, never "66, 031"
    # The value back, to the digits asked for (one unit in the last digit, from rounding).
    assert math.isclose(_parse_latex(text), value, rel_tol=10.0 ** (1 - digits))


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_integers_are_written_in_full(value):
    assert int(latex_number(value).replace("{,}", "")) == value
    assert int(plain_number(value).replace(",", "").replace("−", "-")) == value


SUPERSCRIPTS = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")


def test_plain_number_matches_latex_number():
    for value in (4.013e-4, 1.8e15, -2.5e-7, 0.5, 12345.678, 1e-4):
        latex = latex_number(value, 4).replace(" \\times ", " × ").replace("{,}", ",")
        plain = plain_number(value, 4).replace("−", "-")
        plain = re.sub(
            r"10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)", lambda m: "10^{" + m[1].translate(SUPERSCRIPTS) + "}", plain
        )
        assert plain == latex


@pytest.mark.parametrize("bad", [math.nan, math.inf, "1.0", True])
def test_latex_number_refuses_what_is_not_a_finite_number(bad):
    with pytest.raises((TypeError, ValueError)):
        latex_number(bad)


def test_explorer_data_carries_the_moments(points):
    from linreg.moments import Moments

    data = explorer_data(points)
    stats = Moments.from_arrays(points[:, :1], points[:, 1])
    moments = data["moments"]
    assert moments["count"] == stats.count == len(points)
    # The same one pass: equal to the last bit.
    assert moments["cxx"] == stats.cxx[0, 0] and moments["cxy"] == stats.cxy[0]
    assert moments["mean_x"] == stats.mean_x[0] and moments["cyy"] == stats.cyy
    assert data["points"]["x"] == points[:, 0].tolist()
    defaults = data["defaults"]
    assert (defaults["learning_rate"], defaults["num_iterations"]) == (0.0001, 1000)
    assert np.isfinite(list(moments.values())).all()
