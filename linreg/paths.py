r"""What a drawn descent path does: the facts a caption states about it, computed.

A figure's caption must not disagree with the figure. `path_summary` reads a path (the
same array the figure draws) and says whether it jumps to the optimum, zigzags, converges
or creeps, and how far it gets, so the caption is written from the path itself.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from linreg.descent import DEFAULT_TOL

__all__ = ["JUMP_STEPS", "PathSummary", "path_summary"]


class PathSummary(NamedTuple):
    r"""What a drawn descent path does, for a caption that cannot disagree with its figure.

    Attributes
    ----------
    behaviour : str
        ``"jumps"`` (within ``tol`` of the optimum in at most `JUMP_STEPS` steps),
        ``"zigzags"`` (the slope's step reverses direction on at least half the steps that
        move), ``"converges"`` (neither, but within ``tol`` on the path) or ``"creeps"``
        (none of these: the path ends farther than ``tol`` from the optimum).
    steps_to_tol : int or None
        The first k with $\lVert\theta_k - \theta^*\rVert \le \text{tol}\,\lVert\theta^*\rVert$
        on the path, None if no point of the path is that close.
    reversals : int
        Steps whose change of slope has the opposite sign to the step before (up to
        ``steps_to_tol``, where there is one: after it, the steps are rounding).
    moving : int
        Steps that move the slope by more than rounding (up to ``steps_to_tol``).
    remaining : float
        $\lVert\theta_K - \theta^*\rVert / \lVert\theta_0 - \theta^*\rVert$ at the path's end.
    slope_range : (float, float)
        The least and greatest slope on the path.
    steps : int
        The path's steps (its rows less one).
    """

    behaviour: str
    steps_to_tol: int | None
    reversals: int
    moving: int
    remaining: float
    slope_range: tuple[float, float]
    steps: int


#: A path "jumps" when it is within tolerance after at most this many steps.
JUMP_STEPS = 3


def path_summary(
    path: npt.ArrayLike, optimum: npt.ArrayLike, *, tol: float = DEFAULT_TOL
) -> PathSummary:
    """The facts a caption states about one path: how it moves and how far it gets.

    Parameters
    ----------
    path : array_like of shape (k + 1, 2)
        (m, b) after each step, row 0 the start.
    optimum : array_like of shape (2,)
        (m*, b*).
    tol : float, default 1e-6
        The relative distance that counts as reaching the optimum.

    Returns
    -------
    PathSummary

    Examples
    --------
    >>> path_summary([[0, 0], [2, 0], [0, 0.1], [2, 0.2]], [1, 5]).behaviour
    'zigzags'
    >>> path_summary([[0, 0], [1, 5]], [1, 5]).steps_to_tol
    1
    """
    rows = np.asarray(path, dtype=np.float64)
    star = np.asarray(optimum, dtype=np.float64)
    distance = np.linalg.norm(rows - star, axis=1)
    close = np.flatnonzero(distance <= tol * np.linalg.norm(star))
    reached = int(close[0]) if close.size else None
    change = np.diff(rows[: None if reached is None else reached + 1, 0])
    scale = np.max(np.abs(rows[:, 0]), initial=1.0)
    moves = np.abs(change) > 64 * np.finfo(np.float64).eps * scale  # above rounding
    flips = (change[1:] * change[:-1] < 0) & moves[1:] & moves[:-1]
    reversals, moving = int(flips.sum()), int(moves.sum())
    if reached is not None and reached <= JUMP_STEPS:
        behaviour = "jumps"
    elif moving > 1 and 2 * reversals >= moving:
        behaviour = "zigzags"
    else:
        behaviour = "creeps" if reached is None else "converges"
    remaining = float(distance[-1] / distance[0]) if distance[0] > 0 else 0.0
    slopes = (float(rows[:, 0].min()), float(rows[:, 0].max()))
    return PathSummary(behaviour, reached, reversals, moving, remaining, slopes, len(rows) - 1)
