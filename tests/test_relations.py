"""The registry of named relations: sympy proves every relation the site prints.

`linreg.symbolic.RELATIONS` holds each relation a page shows; this file proves each one
(an identity's claims reduce to zero, a condition's solution set is the stated one, a
definition is used by a relation that is proved), and plants wrong relations to watch
the proof fail.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
import sympy as sp

from linreg import symbolic
from linreg.symbolic import symbols as s
from linreg.symbolic.relation import Relation, definition, identity, proved, register
from linreg.symbolic.relations import RELATIONS, TERMS, formula

from .conftest import ROOT
from .typed_math import prose


@pytest.mark.parametrize("name", list(RELATIONS))
def test_every_relation_is_proved(name):
    relation = RELATIONS[name]
    assert proved(name, RELATIONS), f"sympy does not prove {name}: {relation.latex()}"


def test_every_definition_is_used_and_every_use_is_a_definition():
    for relation in RELATIONS.values():
        for used in relation.uses:
            assert used in RELATIONS, (relation.name, used)
    definitions = {n for n, r in RELATIONS.items() if r.kind == "definition"}
    used = {u for r in RELATIONS.values() for u in r.uses}
    assert definitions <= used, f"definitions nothing is proved with: {definitions - used}"


def _planted(name: str, **change: object) -> dict[str, Relation]:
    """The registry with one relation changed."""
    return {**RELATIONS, name: dataclasses.replace(RELATIONS[name], **change)}


def test_a_wrong_identity_is_caught():
    # A dropped square: Σx² = C_xx + N x̄ (not x̄²).
    wrong = _planted("raw-xx", sides=(sp.Sum(s.x[s.i] ** 2, (s.i, 1, s.N)), s.C_xx + s.N * s.x_bar))
    assert not proved("raw-xx", wrong)
    # The partials swapped: ∂E/∂m printed with ∂E/∂b's expression.
    swapped = _planted(
        "partial-m", sides=(RELATIONS["partial-m"].sides[0], symbolic.mse_partials[1])
    )
    assert not proved("partial-m", swapped)


def test_a_wrong_claim_or_condition_is_caught():
    # gd's bound with a factor dropped: 1/λ instead of 2/λ.
    half = _planted(
        "gd-step-range",
        claims=lambda: (
            sp.Eq(
                sp.solveset(sp.Abs(1 - s.eta * s.lam) < 1, s.eta, sp.S.Reals),
                sp.Interval.open(0, 1 / s.lam),
            ),
        ),
    )
    assert not proved("gd-step-range", half)
    # Momentum's recurrence with the sign of μ flipped.
    a, c = symbolic.recurrences["momentum"]
    flipped = _planted(
        "momentum-recurrence",
        claims=(
            RELATIONS["recurrence"]
            .sides[1]
            .subs({sp.Symbol("a", real=True): a, sp.Symbol("c", real=True): -c})
            - RELATIONS["momentum-recurrence"].sides[1],
        ),
    )
    assert not proved("momentum-recurrence", flipped)


def test_a_wrong_definition_is_caught_through_what_uses_it():
    # C_xx defined without the square: every raw-sum identity that uses it fails, so the
    # definition is no longer proved through them.
    wrong = _planted("C_xx", sides=(s.C_xx, sp.Sum(s.x[s.i] - s.x_bar, (s.i, 1, s.N))))
    assert not proved("raw-xx", wrong)
    assert not proved("loss-moments", wrong)
    # A definition nothing uses is not proved at all.
    alone = {**RELATIONS, "alone": definition("alone", sp.Symbol("q"), s.m + 1, "unused")}
    assert not proved("alone", alone)


def test_an_identity_without_claims_needs_its_sides_equal():
    right = identity("two", (s.m + s.m, 2 * s.m), "2m")
    wrong = identity("three", (s.m + s.m, 3 * s.m), "3m")
    registry = register([right, wrong])
    assert proved("two", registry) and not proved("three", registry)


def test_the_registry_refuses_clashes():
    with pytest.raises(ValueError, match="two relations named"):
        register([identity("x", (s.m, s.m), ""), identity("x", (s.b, s.b), "")])
    with pytest.raises(ValueError, match="one sign fewer"):
        register([Relation("x", (s.m, s.b, s.N), ("=",), "identity", "")])


def test_terms_and_relations_print_in_both_styles():
    for name in [*RELATIONS, *TERMS]:
        display, inline = formula(name), formula(name, inline=True)
        assert display and inline, name
        assert r"\frac" not in inline and r"\dfrac" not in inline, (name, inline)
        assert r"\frac{" not in display, (name, display)  # \dfrac only: full size
    assert not set(RELATIONS) & set(TERMS), "one name, two formulas"
    with pytest.raises(KeyError, match="no relation or term named"):
        formula("no-such-relation")


def test_every_name_a_page_uses_is_registered():
    """A page refers to a relation as ``{{ name }}`` in its prose, or its code calls
    ``formula("name")``."""
    names = set()
    for page in (ROOT / "docs").rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        names |= set(re.findall(r"\{\{\s*([\w.:-]+)\s*\}\}", prose(text)))
        names |= set(re.findall(r"formula\(\s*f?[\"']([\w.:-]+)[\"']", text))
    assert names, "no page refers to a relation"
    assert names - set(RELATIONS) - set(TERMS) == set()
