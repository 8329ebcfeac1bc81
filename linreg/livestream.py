r"""The livestream's three functions, loop for loop, under their original names.

This is the readable oracle that the rest of linreg is checked against: plain Python
loops over the points in file order, exactly as the livestream wrote them, so the
digits printed match the livestream's to the last one. It is deliberately slow; the
fast path is `linreg.descent`.

The model is the line $\hat y = m x + b$ and the error is the mean squared error

$$E(m, b) = \frac{1}{N} \sum_{i=1}^{N} \bigl(y_i - (m x_i + b)\bigr)^2 .$$
"""

from __future__ import annotations

from collections.abc import Sequence

from linreg.errors import InputError

__all__ = [
    "compute_error_for_line_given_points",
    "gradient_descent_runner",
    "step_gradient",
]

Points = Sequence[Sequence[float]]


def compute_error_for_line_given_points(b: float, m: float, points: Points) -> float:
    r"""Mean squared error of the line y = m·x + b over the points, summed point by point.

    Parameters
    ----------
    b : float
        Intercept $b$.
    m : float
        Slope $m$.
    points : sequence of (x, y) pairs, shape (N, 2)
        The data, e.g. from `linreg.data.load_points`.

    Returns
    -------
    float
        $E = \frac{1}{N}\sum_i (y_i - (m x_i + b))^2$.

    See Also
    --------
    linreg.loss.mse : the vectorised twin.
    linreg.symbolic.mse_expr : the symbolic twin.

    Examples
    --------
    >>> compute_error_for_line_given_points(0, 0, [[1.0, 2.0], [3.0, 4.0]])
    10.0

    Raises
    ------
    InputError
        ``points`` not a sequence, or empty (the mean of no errors).
    """
    _check_points(points)  # the livestream's own lines follow, unchanged
    totalError = 0.0
    for i in range(0, len(points)):
        x = float(points[i][0])
        y = float(points[i][1])
        totalError += (y - (m * x + b)) ** 2
    return totalError / float(len(points))


def _check_points(points: object) -> None:
    """Refuse what the livestream's loop would crash on: no length, or no points."""
    try:
        count = len(points)  # type: ignore[arg-type]
    except TypeError:
        raise InputError(
            f"points must be a sequence of (x, y) pairs, not {type(points).__name__}"
        ) from None
    if count == 0:
        raise InputError("points is empty: the mean squared error needs at least one (x, y) pair")


def step_gradient(
    b_current: float, m_current: float, points: Points, learning_rate: float
) -> list[float]:
    r"""One step of gradient descent on the MSE, the gradient summed point by point.

    Parameters
    ----------
    b_current, m_current : float
        The current intercept and slope.
    points : sequence of (x, y) pairs, shape (N, 2)
    learning_rate : float
        The step size $\eta$.

    Returns
    -------
    list of two floats
        ``[new_b, new_m]`` with $b \leftarrow b - \eta\,\partial E/\partial b$ and
        $m \leftarrow m - \eta\,\partial E/\partial m$.

    Notes
    -----
    $$\frac{\partial E}{\partial b} = -\frac{2}{N}\sum_i \bigl(y_i - (m x_i + b)\bigr),\qquad
    \frac{\partial E}{\partial m} = -\frac{2}{N}\sum_i x_i\bigl(y_i - (m x_i + b)\bigr)$$

    See Also
    --------
    linreg.loss.mse_gradient : the vectorised gradient.
    linreg.descent.gradient_descent : the fast loop.

    Examples
    --------
    >>> step_gradient(0.0, 0.0, [[1.0, 2.0], [3.0, 4.0]], 0.1)
    [0.6000000000000001, 1.4000000000000001]
    """
    b_gradient = 0.0
    m_gradient = 0.0
    N = float(len(points))
    for i in range(0, len(points)):
        x = float(points[i][0])
        y = float(points[i][1])
        b_gradient += -(2 / N) * (y - ((m_current * x) + b_current))
        m_gradient += -(2 / N) * x * (y - ((m_current * x) + b_current))
    new_b = b_current - (learning_rate * b_gradient)
    new_m = m_current - (learning_rate * m_gradient)
    return [new_b, new_m]


def gradient_descent_runner(
    points: Points,
    starting_b: float,
    starting_m: float,
    learning_rate: float,
    num_iterations: int,
) -> list[float]:
    """Run `step_gradient` ``num_iterations`` times from (starting_b, starting_m).

    Parameters
    ----------
    points : sequence of (x, y) pairs, shape (N, 2)
    starting_b, starting_m : float
        The initial intercept and slope.
    learning_rate : float
        The step size.
    num_iterations : int
        How many steps to take.

    Returns
    -------
    list of two floats
        ``[b, m]`` after the last step.

    See Also
    --------
    linreg.descent.gradient_descent : the fast, checked version with a result object.

    Examples
    --------
    >>> from linreg.data import load_points
    >>> gradient_descent_runner(load_points(), 0, 0, 0.0001, 1000)
    [0.08893651993741346, 1.4777440851894448]
    """
    b = starting_b
    m = starting_m
    for i in range(num_iterations):  # noqa: B007 - the livestream's own loop
        b, m = step_gradient(b, m, points, learning_rate)
    return [b, m]
