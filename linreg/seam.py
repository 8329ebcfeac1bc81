r"""What an optimizer declares to the loop: its options, its update, its theory.

The loop in `linreg.descent` knows no method by name. Each method is a `Method` that
declares

- its **options** (`Option`): name, meaning, range and default, the default possibly
  computed from the Hessian's extreme eigenvalues $\ell \le L$ and the options chosen
  before it. Validation, the command line (``--option name=value``), the estimator and
  the docs all read these declarations;
- a pure **update** $(\theta, g, \text{state}, \text{settings}) \to (\theta, \text{state})$
  and the **start** of its state (each method's state is a small typed record);
- its **theory**: a stability `Bound` on the step where it has one, and exactly one of a
  linear ``recurrence`` (an exact iteration count follows) or a ``classical`` prediction
  (a bound, or `no_theory`);
- optionally a **closed form** for evaluating many iterations at once on the statistics.

Adding a method is one `Method` in `linreg.methods.METHODS`, its test and its docs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from linreg.errors import InputError, underflowed
from linreg.predictions import Prediction
from linreg.problem import Quadratic
from linreg.validate import as_scalar, shorten

__all__ = [
    "Bound",
    "Curvature",
    "Method",
    "Option",
    "Settings",
    "no_theory",
]

FloatArray = npt.NDArray[np.float64]


class Curvature(NamedTuple):
    """What a default may depend on: the Hessian's extreme eigenvalues, and the options
    already chosen (declared earlier)."""

    low: float
    high: float
    chosen: Mapping[str, float]


@dataclass(frozen=True)
class Option:
    """One setting a method takes.

    Attributes
    ----------
    name : str
        The key in ``options=`` (and ``--option name=value``).
    summary : str
        What it is, for messages, ``--help`` and the docs.
    default : callable or float
        A constant, or ``(Curvature) -> float``.
    low, high : float
        Its range; ``closed`` says which ends are allowed: ``"[]"``, ``"[)"``, ``"(]"``
        or ``"()"``.
    aliases : tuple of str
        Other names it answers to (``momentum`` is Adam's ``beta1``).
    """

    name: str
    summary: str
    default: Callable[[Curvature], float] | float
    low: float
    high: float
    closed: str = "()"
    aliases: tuple[str, ...] = ()

    def check(self, value: object) -> float:
        """The value as a float, or an `InputError` naming the option and its range."""
        number = as_scalar(value, self.name)
        if number == 0 and _nonzero(value):  # Fraction(1, 10**400), 10**-400 as a Decimal
            raise InputError(underflowed(f"{self.name} {shorten(repr(value))}", self.takes_zero))
        above = number >= self.low if self.closed[0] == "[" else number > self.low
        below = number <= self.high if self.closed[1] == "]" else number < self.high
        if not (above and below):
            raise InputError(f"{self.name} must be {self.range_in_words}, got {number!r}")
        return number

    @property
    def takes_zero(self) -> bool:
        """Whether 0 is in the range."""
        return self.low < 0.0 or (self.low == 0.0 and self.closed[0] == "[")

    @property
    def range_in_words(self) -> str:
        """ "positive", "non-negative", or the interval."""
        if self.low == 0.0 and math.isinf(self.high):
            return "positive" if self.closed[0] == "(" else "non-negative"
        return f"in {self.range}"

    @property
    def range(self) -> str:
        """The range as an interval, e.g. ``[0, 1)``."""
        return f"{self.closed[0]}{self.low:g}, {self.high:g}{self.closed[1]}"

    def value(self, curvature: Curvature) -> float:
        """The default for this problem."""
        return float(self.default(curvature) if callable(self.default) else self.default)


def _nonzero(value: object) -> bool:
    """Whether a number that float64 made 0 was not 0 itself (an exact type's tiny value)."""
    try:
        return bool(value != 0)
    except (TypeError, ValueError):  # e.g. an array whose comparison is not one truth
        return False


@dataclass(frozen=True)
class Settings:
    """The options of a run, all resolved, and the quadratic the curvature-aware methods
    read. ``settings["beta2"]``; the two common ones also as attributes."""

    values: dict[str, float]
    quadratic: Quadratic

    def __getitem__(self, name: str) -> float:
        return self.values[name]

    @property
    def learning_rate(self) -> float:
        """The step size η (nan for methods that choose their own steps)."""
        return self.values.get("learning_rate", math.nan)

    @property
    def momentum(self) -> float:
        """The momentum μ (Adam's β₁), 0 if none."""
        return self.values.get("momentum", self.values.get("beta1", 0.0))


class Bound(NamedTuple):
    """A stability bound on the learning rate: its name as a formula, and its value."""

    name: str
    value: float


Recurrence = Callable[[Settings, FloatArray], tuple[Any, Any, Any]]
Classical = Callable[[Settings, Quadratic, FloatArray, float], Prediction]


def no_theory(
    settings: Settings, quadratic: Quadratic, e0: FloatArray, target: float
) -> Prediction:
    """The `Method.classical` of a method with no iteration-count theory."""
    return Prediction(math.nan, "none", "no theory predicts this method's iteration count")


@dataclass(frozen=True)
class Method:
    """One optimizer, as the loop sees it (see the module docs).

    Attributes
    ----------
    name, summary : str
        The ``method=`` name, and one line for the docs and ``linreg --help``.
    start : callable
        ``(θ0, settings) -> state``.
    update : callable
        ``(θ, g, state, settings) -> (θ, state)``, pure.
    options : tuple of Option
        In the order their defaults are computed.
    bound : callable or None
        ``(settings) -> Bound``: the largest stable learning rate.
    recurrence : callable or None
        ``(settings, λ) -> (a, c, f)`` per eigenvalue: ``e_{k+1} = a e_k − c e_{k−1}``,
        ``e_1 = f e_0``.
    classical : callable or None
        ``(settings, quadratic, e0, target) -> Prediction`` otherwise.
    minibatch : bool
        Whether it may run on mini-batch gradients.
    closed_form : callable or None
        ``(quadratic, settings, θ0, iterations, stops, keep_path, watch)`` evaluating
        the run at once (see `linreg.spectral`).
    """

    name: str
    summary: str
    start: Callable[[FloatArray, Settings], Any]
    update: Callable[[FloatArray, FloatArray, Any, Settings], tuple[FloatArray, Any]]
    options: tuple[Option, ...] = ()
    bound: Callable[[Settings], Bound] | None = None
    recurrence: Recurrence | None = None
    classical: Classical | None = None
    minibatch: bool = False
    closed_form: Callable[..., Any] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if (self.recurrence is None) == (self.classical is None):
            raise TypeError(
                f"method {self.name!r} must declare exactly one prediction: recurrence= "
                "(a linear method) or classical= (use seam.no_theory when there is none)"
            )

    def option(self, name: str) -> Option:
        """The option called ``name`` (or by an alias), or an `InputError` listing them."""
        for option in self.options:
            if name == option.name or name in option.aliases:
                return option
        takes = ", ".join(o.name for o in self.options) or "none (it chooses its own steps)"
        raise InputError(f"method {self.name!r} takes no option {name!r}; its options: {takes}")

    def settings(
        self, given: Mapping[str, object], low: float, high: float, quadratic: Quadratic
    ) -> Settings:
        """Every option: the given ones checked, the others defaulted in declared order."""
        checked = {self.option(name).name: self.option(name).check(v) for name, v in given.items()}
        chosen: dict[str, float] = {}
        for option in self.options:
            found = checked.get(option.name)
            curvature = Curvature(low, high, MappingProxyType(chosen))
            chosen[option.name] = option.value(curvature) if found is None else found
        return Settings(chosen, quadratic)
