"""The arguments of one descent run, checked once: `Request`.

`linreg.descent.minimize` hands its keyword arguments to `request`, which checks each
with `linreg.validate` (one phrasing per kind of error) and returns a `Request`; the
method's own options are checked against what the method declares (`linreg.seam`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from linreg.errors import InputError
from linreg.history import Sink, check_history
from linreg.methods import METHODS
from linreg.seam import Method
from linreg.validate import (
    check_alpha,
    check_choice,
    check_flag,
    check_non_negative_int,
    check_positive_int,
    check_tol,
    shorten,
)

__all__ = ["MAX_ITERATIONS", "Request", "request"]

#: The most iterations one call may ask for (kept whole, their losses would be 800 MB).
MAX_ITERATIONS = 100_000_000


@dataclass(frozen=True)
class Request:
    """Validated arguments of one run. ``options`` are the method's, as given (checked
    against its declarations; defaults are resolved on the problem, `linreg.seam`);
    ``auto_rate`` asks for η = 1/L."""

    method: Method
    iterations: int
    tol: float | None
    options: Mapping[str, float]
    auto_rate: bool
    alpha: float
    standardize: bool
    intercept: bool
    keep_path: bool
    batch_size: int | None
    seed: Any
    evaluate: str
    history: str | Sink


def request(**given: Any) -> Request:
    """A `Request` from `minimize`'s keyword arguments (see there)."""
    method = METHODS[check_choice(given["method"], "method", list(METHODS))]
    batch = _batch_size(given["batch_size"], method)
    evaluate = given["evaluate"]
    if evaluate not in (None, "moments", "pass"):
        raise InputError(f"evaluate must be 'moments' or 'pass', got {evaluate!r}")
    options, auto = _options(method, given)
    iterations = check_non_negative_int(
        given["num_iterations"], "num_iterations", MAX_ITERATIONS,
        "use tol to stop at convergence, or a faster method (e.g. method='cg')",
    )  # fmt: skip
    return Request(
        method=method,
        iterations=iterations,
        tol=None if given["tol"] is None else check_tol(given["tol"]),
        options=options,
        auto_rate=auto,
        alpha=check_alpha(given["alpha"]),
        standardize=check_flag(given["standardize"], "standardize"),
        intercept=check_flag(given["fit_intercept"], "fit_intercept"),
        keep_path=check_flag(given["return_path"], "return_path"),
        batch_size=batch,
        seed=_seed(given["random_state"]),
        evaluate="pass" if batch is not None else str(evaluate or "moments"),
        history=check_history(given["history"]),
    )


def _options(method: Method, given: Mapping[str, Any]) -> tuple[dict[str, float], bool]:
    """The method's options from ``options=`` and the two shared keywords, each checked
    against its declaration; ``learning_rate="auto"`` is passed on as a flag."""
    if not isinstance(given["options"] or {}, Mapping):
        raise InputError(
            "options must be a mapping of option names to values (e.g. {'beta2': 0.99}), "
            f"got {shorten(repr(given['options']))}"
        )
    options = dict(given["options"] or {})
    rate, auto = given["learning_rate"], False
    if isinstance(rate, str):
        if rate != "auto":
            raise InputError(f"learning_rate must be a positive number or 'auto', got {rate!r}")
        method.option("learning_rate")  # refused, with the method's options, if it takes none
        rate, auto = None, True
    for name, value in (("learning_rate", rate), ("momentum", given["momentum"])):
        if value is not None:
            options[name] = value
    return {method.option(k).name: method.option(k).check(v) for k, v in options.items()}, auto


def _batch_size(value: object, method: Method) -> int | None:
    if value is None:
        return None
    size = check_positive_int(value, "batch_size")
    if not method.minibatch:
        able = ", ".join(name for name, m in METHODS.items() if m.minibatch)
        raise InputError(f"batch_size works with the methods {able}, not {method.name!r}")
    return size


def _seed(value: object) -> Any:
    if value is None or isinstance(value, np.random.Generator):
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise InputError(
            f"random_state must be None, a non-negative integer or a numpy Generator, got {value!r}"
        )
    return check_non_negative_int(value, "random_state")
