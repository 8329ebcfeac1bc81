r"""A relation between sympy expressions, and how sympy proves it.

The registry of the relations the docs print is `linreg.symbolic.relations`; this module
is its machinery. A `Relation` is one of three kinds, and `proved` says how each is
checked:

- a **definition** names something (``C_xx``, the loss, the line). It cannot be proved;
  it is checked through what is proved with it, so every definition must be ``used``
  by at least one relation that is proved.
- an **identity** (``=``, or ``≈`` for a limit) is proved by its claims: expressions
  sympy reduces to zero, or statements it reduces to True, after the definitions it
  ``uses`` are substituted. Without explicit claims, the difference of each pair of
  neighbouring sides is the claim.
- a **condition** (``<``, ``≤``, ``~``) is proved the same way: its claims say which
  solution set or comparison makes it true.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import sympy as sp
from sympy.logic.boolalg import Boolean, BooleanAtom

from linreg.symbolic.line import split_sums
from linreg.symbolic.printing import latex
from linreg.symbolic.symbols import i, j

__all__ = ["OPERATORS", "Relation", "definition", "identity", "proved", "register"]

Kind = Literal["definition", "identity", "condition"]
#: The relation signs, as a sentence reads them and as LaTeX prints them.
OPERATORS: Mapping[str, str] = {
    "=": "=",
    "<": "<",
    "<=": r"\le",
    ">": ">",
    ">=": r"\ge",
    "≈": r"\approx",
    "~": r"\sim",
    "<-": r"\leftarrow",
}


@dataclass(frozen=True)
class Relation:
    """A named relation between sympy expressions, and how sympy proves it.

    Attributes
    ----------
    name : str
        What a page calls it (in double braces, as the whole of a formula).
    sides : tuple of sympy objects
        Left to right: ``a = b`` has two sides, ``0 < η < 2/λ`` three.
    ops : tuple of str
        The signs between neighbouring sides, keys of `OPERATORS`.
    kind : {"definition", "identity", "condition"}
    says : str
        The relation in words, for the list on the derivation page.
    uses : tuple of str
        The definitions substituted into the claims before sympy checks them.
    claims : tuple of sympy objects, or a function returning one
        What must reduce to zero (an expression or matrix) or to True (a statement);
        a function where building them is slow (a limit, a solution set), so that
        importing the registry stays quick. Empty for an identity: the neighbouring
        sides' differences are the claims.
    """

    name: str
    sides: tuple[Any, ...]
    ops: tuple[str, ...]
    kind: Kind
    says: str
    uses: tuple[str, ...] = ()
    claims: tuple[Any, ...] | Callable[[], tuple[Any, ...]] = field(default=())

    def latex(self, *, inline: bool = False) -> str:
        """The relation as LaTeX: sides printed by the textbook printer, signs between."""
        parts = [latex(self.sides[0], inline=inline)]
        for op, side in zip(self.ops, self.sides[1:]):
            parts += [OPERATORS[op], latex(side, inline=inline)]
        return " ".join(parts)

    def to_prove(self) -> tuple[Any, ...]:
        """The claims, or for an identity without any, each pair's difference."""
        claims = self.claims() if callable(self.claims) else self.claims
        if claims or self.kind == "definition":
            return claims
        return tuple(a - b for a, b in zip(self.sides, self.sides[1:]))


# --- checking -------------------------------------------------------------------------------


def _canonical_sums(expr: Any) -> Any:
    """Every flat sum over 1..N with its index renamed to i, so Σ x_j and Σ x_i cancel."""

    def rename(total: sp.Sum) -> Any:
        (index, low, high), body = total.limits[0], total.function
        if len(total.limits) != 1 or body.has(sp.Sum) or index == i:
            return total
        return sp.Sum(body.xreplace({index: i}), (i, low, high))

    return expr.replace(lambda e: isinstance(e, sp.Sum), rename)


def _vanishes(expr: Any) -> bool:
    """Whether sympy reduces ``expr`` (a scalar, a matrix or a matrix expression) to zero."""
    if isinstance(expr, sp.MatrixBase):
        return all(_vanishes(entry) for entry in expr)
    if isinstance(expr, sp.MatrixExpr):
        reduced = sp.simplify(sp.expand(expr.doit()))
        return bool(reduced == 0 or reduced.is_ZeroMatrix)
    expr = sp.expand(sp.expand_log(sp.sympify(expr).doit(), force=True))
    for _ in range(3):  # a sum split may leave sums of sums with their own indices
        expr = _canonical_sums(split_sums(expr))
    return bool(sp.simplify(expr) == 0)


def _holds(claim: Any) -> bool:
    if isinstance(claim, (bool, BooleanAtom)):
        return bool(claim)
    if isinstance(claim, Boolean):  # a relation or a statement about sets
        return sp.simplify(claim) is sp.true
    return _vanishes(claim)


def _substituted(claim: Any, definitions: Iterable[Relation]) -> Any:
    """``claim`` with each definition's left side replaced by its right, to a fixed point."""
    replace = {d.sides[0]: _own_index(d.sides[0], d.sides[1]) for d in definitions}
    for _ in range(4):  # definitions refer to one another (C_xx to x̄): a few rounds
        claim = claim.xreplace(replace) if hasattr(claim, "xreplace") else claim
    return claim


def _own_index(left: Any, right: Any) -> Any:
    """A definition's sums with their index renamed to j, unless the defined thing is
    itself indexed (ŷ_i): x̄ = Σ_j x_j / N can then stand inside a sum over i."""
    if isinstance(right, sp.Basic) and i not in getattr(left, "free_symbols", set()):
        return right.xreplace({i: j})
    return right


def proved(name: str, registry: Mapping[str, Relation]) -> bool:
    """Whether sympy proves every claim of the relation ``name`` in ``registry`` (for a
    definition: whether a relation that is proved uses it).

    Examples
    --------
    >>> import sympy as sp
    >>> m = sp.Symbol("m")
    >>> registry = register([identity("double", (m + m, 2 * m), "twice m")])
    >>> proved("double", registry)
    True
    """
    relation = registry[name]
    if relation.kind == "definition":
        users = [r for r in registry.values() if name in r.uses]
        return any(proved(r.name, registry) for r in users)
    used = [registry[u] for u in relation.uses]
    claims = relation.to_prove()
    return bool(claims) and all(_holds(_substituted(c, used)) for c in claims)


def register(relations: Iterable[Relation]) -> dict[str, Relation]:
    """The relations by name, each checked for a unique name and one sign per gap."""
    registry: dict[str, Relation] = {}
    for relation in relations:
        if relation.name in registry:
            raise ValueError(f"two relations named {relation.name!r}")
        if len(relation.ops) != len(relation.sides) - 1:
            raise ValueError(f"{relation.name}: {len(relation.sides)} sides need one sign fewer")
        registry[relation.name] = relation
    return registry


def definition(name: str, left: Any, right: Any, says: str, op: str = "=") -> Relation:
    """A definition: ``left`` is named for ``right``."""
    return Relation(name, (left, right), (op,), "definition", says)


def identity(name: str, sides: tuple[Any, ...], says: str, **more: Any) -> Relation:
    """An identity: every side equal, proved by its claims (or the sides' differences)."""
    return Relation(name, sides, ("=",) * (len(sides) - 1), "identity", says, **more)
