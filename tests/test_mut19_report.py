"""The command's "E is P% above the minimum" (`linreg.cli_report._above`) against every truth
its error bars allow.

E = value ± bar and E* = best ± slack; whatever the truth within those bars, the line
must hold: "at most X%" bounds it, and a printed P has no digit beyond what the bars
vouch for (`sound`: the last digit kept is within 1 of the truth's). Written against a
planted bug (mutant) the rest of the suite let through.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import pytest

from linreg.cli_report import _above


def _truths(value: float, bar: float, best: float, slack: float) -> list[Fraction]:
    """100·(E − E*)/E* at the corners of the bars (it is monotone in each)."""
    found = []
    for e in (Fraction(value) - Fraction(bar), Fraction(value) + Fraction(bar)):
        for star in (Fraction(best) - Fraction(slack), Fraction(best) + Fraction(slack)):
            found.append(100 * (e - star) / star)
    return found


def _check(text: str, truths: list[Fraction]) -> None:
    """The line holds for every truth (see the module docs)."""
    most = re.fullmatch(r"at most (\S+)% above the minimum", text)
    if most:
        assert all(t <= Fraction(Decimal(most.group(1))) for t in truths), (text, truths)
        return
    shown = re.fullmatch(r"(\S+)( \(± (\S+)\))?% above the minimum", text)
    assert shown, text
    printed = Decimal(shown.group(1))
    if shown.group(3):  # under one digit: the value to 2 digits, and its bar
        reach = (
            Fraction(Decimal(shown.group(3)))
            + Fraction(Decimal(1).scaleb(printed.adjusted() - 1)) / 2
        )  # the 2-digit value's own rounding: half a unit of its last digit
    else:  # the last digit kept within 1 of the truth's
        reach = Fraction(Decimal(1).scaleb(printed.as_tuple().exponent))
    assert all(abs(t - Fraction(printed)) <= reach for t in truths), (text, truths, reach)


@pytest.mark.parametrize("scale", [1e-8, 1.0, 1e8])
@pytest.mark.parametrize(
    "gap, bar, slack",
    [
        (0.0123456, 1e-15, 1e-4),  # the minimum's bar decides the digits
        (0.0123456, 1e-4, 1e-15),  # the loss's bar decides them
        (0.5, 1e-15, 0.3),  # the minimum known only to 30%
        (2e-4, 1e-15, 1e-4),  # a gap twice the minimum's bar
        (1e-6, 1e-15, 1e-4),  # a gap within it: a bound
    ],
)
def test_the_percentage_above_the_minimum_holds_for_every_truth_in_the_bars(scale, gap, bar, slack):
    """Planted (the gap's error without the minimum's ``slack``): at a gap of 1.23% whose
    minimum is known to 1e-4, "1.23%" was printed where the truth may be 1.2446%; the
    correct line says "1%"."""
    best = 1.0 * scale
    value = best * (1 + gap)
    loss, minimum = (value, bar * scale), (best, slack * scale)
    _check(_above(loss, minimum), _truths(*loss, *minimum))
