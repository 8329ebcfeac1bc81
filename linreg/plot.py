"""Figures of the fit, the descent and the error surface, drawn from the real code.

Needs matplotlib, from the ``plot`` extra (``pip install 'linreg[plot]'``); it is
imported only when a figure is drawn. Every figure is reproducible: SVG output uses a
fixed hash salt and no date, so the same data give the same bytes.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg.data import as_features, as_target
from linreg.descent import DEFAULT_TOL, gradient_descent
from linreg.loss import mse

__all__ = [
    "bands_figure",
    "descent_frames_figure",
    "error_contours_figure",
    "error_surface_figure",
    "explorer_data",
    "fit_figure",
    "latex_number",
    "loss_curves_figure",
    "plain_number",
    "smallest_font",
    "to_html",
    "to_svg",
]

FloatArray = npt.NDArray[np.float64]

#: Font size (pt) of every text in a figure.
FONT_SIZE = 10.0
#: Figures are drawn `MAX_WIDTH` inches wide for wide screens and again, re-laid,
#: `NARROW_WIDTH` inches wide for screens matching `NARROW_SCREEN` (`to_html` offers both):
#: on a 390 px phone a figure is shown about 358 px wide, so 10 pt text is about 14 px
#: tall there, at least 11 px on any phone (the docs' browser tests measure it).
MAX_WIDTH = 5.0
NARROW_WIDTH = 3.6
NARROW_SCREEN = "(max-width: 37.5em)"

_POINTS = {"s": 14, "color": "#1f77b4", "alpha": 0.75, "label": "data"}


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _number_parts(value: float | int, digits: int) -> tuple[str, int | None]:
    """(mantissa text with thousands separators, power of ten or None)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"expected a number, got {value!r}")
    if digits < 1:
        raise ValueError(f"digits must be at least 1, got {digits}")
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}", None
    number = float(value)
    if not np.isfinite(number):
        raise ValueError(f"expected a finite number, got {number}")
    if number == 0.0:
        return "0", None
    rounded = float(f"{number:.{digits}g}")
    if 1e-3 <= abs(rounded) < 1e5:
        decimals = max(0, digits - 1 - math.floor(math.log10(abs(rounded))))
        text = f"{rounded:,.{decimals}f}"
        return (text.rstrip("0").rstrip(".") if "." in text else text), None
    mantissa, exponent = f"{number:.{digits - 1}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return mantissa, int(exponent)


def latex_number(value: float | int, digits: int = 4) -> str:
    r"""A number as TeX for the docs' formulas: $a \times 10^{n}$, never ``4.0130e-04``.

    Parameters
    ----------
    value : float or int
        Finite. An ``int`` is written in full, with thin thousands separators.
    digits : int, default 4
        Significant digits of a float.

    Returns
    -------
    str
        Plain decimals for $10^{-3} \le |x| < 10^5$, otherwise $a \times 10^{n}$
        (just $10^{n}$ when $a = 1$); commas wrapped as ``{,}`` so TeX does not space them.

    Examples
    --------
    >>> latex_number(0.00040130)
    '4.013 \\times 10^{-4}'
    >>> latex_number(1.8e15, 2)
    '1.8 \\times 10^{15}'
    >>> latex_number(66031)
    '66{,}031'
    >>> latex_number(0.0001)
    '10^{-4}'
    >>> latex_number(112.6148, 6)
    '112.615'
    >>> latex_number(0.0012345, 3), latex_number(99999.9, 3), latex_number(-0.5)
    ('0.00123', '10^{5}', '-0.5')
    """
    mantissa, power = _number_parts(value, digits)
    mantissa = mantissa.replace(",", "{,}")
    if power is None:
        return mantissa
    if mantissa in ("1", "-1"):
        return f"{mantissa[:-1]}10^{{{power}}}"
    return f"{mantissa} \\times 10^{{{power}}}"


def plain_number(value: float | int, digits: int = 4) -> str:
    """The same number as `latex_number`, in Unicode text: ``4.013 × 10⁻⁴``.

    Examples
    --------
    >>> plain_number(0.0004013)
    '4.013 × 10⁻⁴'
    >>> plain_number(-2.5e-7, 2)
    '−2.5 × 10⁻⁷'
    >>> plain_number(1830347)
    '1,830,347'
    """
    mantissa, power = _number_parts(value, digits)
    mantissa = mantissa.replace("-", "−")
    if power is None:
        return mantissa
    exponent = str(power).translate(_SUPERSCRIPT)
    if mantissa in ("1", "−1"):
        return f"{mantissa[:-1]}10{exponent}"
    return f"{mantissa} × 10{exponent}"


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        matplotlib.rcParams.update(
            {
                "svg.hashsalt": "linreg",
                "svg.fonttype": "path",
                "font.size": FONT_SIZE,
                # Every figure is laid out again when drawn at another width (to_html).
                "figure.constrained_layout.use": True,
                # An opaque white card, legible on the site's light and dark schemes alike.
                "savefig.facecolor": "white",
                "figure.facecolor": "white",
            }
        )
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "linreg.plot needs matplotlib: install the plot extra, pip install 'linreg[plot]'"
        ) from None
    return plt


def _xy(points: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    table = as_features(points, "points")
    if table.shape[1] != 2:
        raise ValueError(f"points must have 2 columns (x, y), got {table.shape[1]}")
    return table[:, 0], as_target(table[:, 1], "y")


def fit_figure(points: npt.ArrayLike, lines: Mapping[str, tuple[float, float]]) -> Any:
    """The points with one or more lines y = m·x + b.

    Parameters
    ----------
    points : array_like of shape (N, 2)
    lines : mapping of label to (b, m)

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = _pyplot()
    x, y = _xy(points)
    fig, ax = plt.subplots(figsize=(MAX_WIDTH, 3.4))
    ax.scatter(x, y, **_POINTS)
    grid = np.linspace(x.min(), x.max(), 2)
    for label, (b, m) in lines.items():
        ax.plot(grid, m * grid + b, linewidth=2, label=label)
    ax.set_xlabel("hours studied, x")
    ax.set_ylabel("test score, y")
    ax.legend(loc="upper left")
    return fig


def bands_figure(points: npt.ArrayLike, alpha: float = 0.05) -> Any:
    """The least-squares line with its 1 − alpha bands: the mean's and a new point's.

    Both come from the fit's own `get_prediction` (`linreg.intervals`) on a grid of x:
    the narrow band is where the line itself may lie, the wide one where a new point may
    fall.

    Parameters
    ----------
    points : array_like of shape (N, 2)
    alpha : float, default 0.05

    Returns
    -------
    matplotlib.figure.Figure
    """
    from linreg.solve import least_squares

    plt = _pyplot()
    x, y = _xy(points)
    fit = least_squares(x[:, None], y)
    grid = np.linspace(x.min(), x.max(), 200)
    prediction = fit.get_prediction(grid[:, None])
    if prediction is None:
        raise ValueError(f"no bands for these points: {fit.why_none('tvalues')}")
    mean, line = prediction.conf_int(obs=False, alpha=alpha), prediction.predicted_mean
    new = prediction.conf_int(obs=True, alpha=alpha)
    level = f"{100 * (1 - alpha):g}%"
    fig, ax = plt.subplots(figsize=(MAX_WIDTH, 3.4))
    ax.fill_between(grid, new[:, 0], new[:, 1], color="#ff7f0e", alpha=0.18,
                    label=f"{level} prediction band (a new point)")  # fmt: skip
    ax.fill_between(grid, mean[:, 0], mean[:, 1], color="#ff7f0e", alpha=0.45,
                    label=f"{level} confidence band (the line)")  # fmt: skip
    ax.scatter(x, y, **_POINTS)
    ax.plot(grid, line, color="#d62728", linewidth=2, label="least-squares line")
    ax.set_xlabel("hours studied, x")
    ax.set_ylabel("test score, y")
    ax.legend(loc="upper left", fontsize=FONT_SIZE)
    return fig


def descent_frames_figure(
    points: npt.ArrayLike,
    *,
    learning_rate: float = 0.0001,
    frames: Sequence[int] = (0, 1, 2, 5, 20, 100, 1000, 100_000),
) -> Any:
    """The line moving during gradient descent: one small panel per chosen iteration.

    Parameters
    ----------
    points : array_like of shape (N, 2)
    learning_rate : float, default 0.0001
    frames : sequence of int
        The iterations to show, in increasing order.

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = _pyplot()
    x, y = _xy(points)
    fit = gradient_descent(
        x[:, None], y, learning_rate=learning_rate, num_iterations=max(frames), return_path=True
    )
    assert fit.path is not None
    columns = 2
    rows = -(-len(frames) // columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(MAX_WIDTH, 1.9 * rows), sharex=True, sharey=True
    )
    grid = np.linspace(x.min(), x.max(), 2)
    assert fit.history is not None  # kept whole by default
    for ax, k in zip(np.ravel(axes), frames):
        m, b = fit.path[k]
        ax.scatter(x, y, s=5, color="#1f77b4", alpha=0.6)
        ax.plot(grid, m * grid + b, color="#d62728", linewidth=2)
        ax.set_title(f"k = {k:,}: E = {fit.history[k]:.1f}")
    for ax in np.ravel(axes)[len(frames) :]:
        ax.axis("off")
    return fig


def _surface(
    x: FloatArray,
    y: FloatArray,
    m_range: tuple[float, float],
    b_range: tuple[float, float],
    size: int,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    ms = np.linspace(*m_range, size)
    bs = np.linspace(*b_range, size)
    M, B = np.meshgrid(ms, bs)
    X = x[:, None]
    E = np.array([[mse(X, y, [m], b) for m in ms] for b in bs])
    return M, B, E


def error_surface_figure(
    points: npt.ArrayLike,
    *,
    m_range: tuple[float, float] = (-1.0, 3.5),
    b_range: tuple[float, float] = (-20.0, 40.0),
    size: int = 60,
) -> Any:
    """The error E(m, b) over a grid of slopes and intercepts, as a 3-D bowl.

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = _pyplot()
    x, y = _xy(points)
    M, B, E = _surface(x, y, m_range, b_range, size)
    fig = plt.figure(figsize=(MAX_WIDTH, 4.2))
    ax = fig.add_subplot(projection="3d")
    ax.plot_surface(M, B, E, cmap="viridis", linewidth=0, antialiased=True, alpha=0.9)
    ax.set_xlabel("slope m")
    ax.set_ylabel("intercept b")
    ax.set_zlabel("E(m, b)")
    ax.view_init(elev=28, azim=-125)
    return fig


def error_contours_figure(
    points: npt.ArrayLike,
    paths: Mapping[str, FloatArray] | None = None,
    *,
    m_range: tuple[float, float] | None = (-0.2, 2.2),
    b_range: tuple[float, float] | None = (-5.0, 15.0),
    optimum: tuple[float, float] | None = None,
    size: int = 120,
    labels: tuple[str, str] = ("slope m", "intercept b"),
    equal_aspect: bool = False,
) -> Any:
    """Contours of E(m, b) with descent paths drawn on them.

    Parameters
    ----------
    points : array_like of shape (N, 2)
    paths : mapping of label to array of shape (k, 2) of (m, b), optional
    m_range, b_range : (float, float) or None
        The window; None fits it to every path and the optimum, with a margin, so that
        nothing drawn is cut off.
    optimum : (m, b), optional
        Marked with a star.
    labels : (str, str), default ("slope m", "intercept b")
        The axis labels (say which coordinates the grid is in).
    equal_aspect : bool, default False
        Draw one unit the same length on both axes, so that round contours look round.

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = _pyplot()
    x, y = _xy(points)
    drawn = [np.asarray(path, dtype=np.float64)[:, :2] for path in (paths or {}).values()]
    if optimum is not None:
        drawn.append(np.asarray([optimum], dtype=np.float64))
    m_range = m_range or _window(drawn, 0)
    b_range = b_range or _window(drawn, 1)
    M, B, E = _surface(x, y, m_range, b_range, size)
    fig, ax = plt.subplots(figsize=(MAX_WIDTH, 4.4 if equal_aspect else 4.0))
    levels = np.geomspace(E.min() * 1.0005, E.max(), 25)
    contours = ax.contour(M, B, E, levels=levels, cmap="viridis", linewidths=0.8)
    fig.colorbar(contours, ax=ax, label="E(m, b)")
    for order, (label, path) in enumerate((paths or {}).items()):
        # The first path listed is drawn on top.
        ax.plot(
            path[:, 0],
            path[:, 1],
            marker=".",
            markersize=4,
            linewidth=max(2.6 - 0.4 * order, 1.2),
            label=label,
            zorder=10 - order,
        )
    if optimum is not None:
        ax.plot(
            *optimum, marker="*", markersize=14, color="black", linestyle="none", label="optimum"
        )
    ax.set_xlim(*m_range)
    ax.set_ylim(*b_range)
    if equal_aspect:
        ax.set_aspect("equal")
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    if paths or optimum is not None:
        # Below the axes, never over a path or the optimum.
        count = len(paths or {}) + (optimum is not None)
        fig.legend(loc="outside lower center", ncols=min(count, 2), fontsize=FONT_SIZE)
    return fig


def _window(drawn: Sequence[FloatArray], column: int) -> tuple[float, float]:
    """The range of one coordinate over everything drawn, with a 6% margin each side."""
    values = np.concatenate([d[:, column] for d in drawn]) if drawn else np.zeros(1)
    values = values[np.isfinite(values)]
    low, high = float(values.min()), float(values.max())
    margin = 0.06 * (high - low) or 1.0
    return low - margin, high + margin


def loss_curves_figure(
    curves: Mapping[str, npt.ArrayLike], *, minimum: float | None = None, early: int = 25
) -> Any:
    """Loss against iteration on a log scale: the first steps of every run, and the
    whole of each run that stays finite.

    Parameters
    ----------
    curves : mapping of label to loss history
    minimum : float, optional
        The least-squares minimum, drawn as a dashed line.
    early : int, default 25
        How many iterations the left panel shows.

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = _pyplot()
    fig, (left, right) = plt.subplots(2, 1, figsize=(MAX_WIDTH, 6.0))
    for index, (label, history) in enumerate(curves.items()):
        values = np.asarray(history, dtype=np.float64)
        colour = f"C{index}"
        shown = values[: early + 1]
        left.plot(np.arange(len(shown)), shown, marker=".", color=colour, label=label)
        if len(values) > early + 1 and np.isfinite(values).all():
            right.plot(np.arange(1, len(values) + 1), values, color=colour, label=label)
    for ax in (left, right):
        if minimum is not None:
            ax.axhline(minimum, color="black", linestyle="--", linewidth=1, label="minimum")
        ax.set_yscale("log")
        ax.set_ylabel("E (mean squared error)")
    left.set_xlabel("iteration")
    left.set_title(f"the first {early} iterations")
    left.legend()
    right.set_xscale("log")
    right.set_xlabel("iteration (log scale)")
    right.set_title("the stable runs, to the end")
    return fig


def to_svg(fig: Any, *, close: bool = True) -> str:
    """The figure as SVG text, byte-for-byte reproducible (no date, fixed hash salt)."""
    plt = _pyplot()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    if close:
        plt.close(fig)
    return buffer.getvalue()


def smallest_font(fig: Any) -> float:
    """The smallest font size (pt) of any visible text in the figure."""
    from matplotlib.text import Text

    sizes = [
        float(text.get_fontsize())
        for text in fig.findobj(Text)
        if text.get_visible() and text.get_text().strip()
    ]
    return min(sizes, default=FONT_SIZE)


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def to_html(fig: Any, alt: str) -> str:
    """The figure as a ``<picture>`` of two SVG data URIs (no file, no request): as drawn,
    and re-laid `NARROW_WIDTH` inches wide for screens matching `NARROW_SCREEN`, so its
    text stays legible on a phone.

    The ``data-font-pt`` attribute is the smallest font in the figure, in points of the
    SVG's own size, so a browser test can tell how tall its text is as rendered.
    """
    smallest = smallest_font(fig)
    wide = to_svg(fig, close=False)
    width, height = fig.get_size_inches()
    if width > NARROW_WIDTH:
        # A legend under the axes goes to one column, and the figure grows to hold it.
        added = 0
        for legend in list(fig.legends):
            labels = [text.get_text() for text in legend.get_texts()]
            added += len(labels) - math.ceil(len(labels) / getattr(legend, "_ncols", 1))
            handles = legend.legend_handles
            legend.remove()
            fig.legend(handles, labels, loc="outside lower center", ncols=1, fontsize=FONT_SIZE)
        fig.set_size_inches(NARROW_WIDTH, height + 0.22 * added)
    narrow = to_svg(fig)
    return (
        f'<picture class="linreg-picture"><source media="{NARROW_SCREEN}" '
        f'srcset="{_data_uri(narrow)}"><img class="linreg-figure" alt="{html.escape(alt)}" '
        f'data-font-pt="{smallest:g}" src="{_data_uri(wide)}"></picture>'
    )


#: The explorer stops a run once its loss has grown this many times: past it the picture
#: cannot change, and float64 would soon overflow.
EXPLORER_GROWTH_LIMIT = 1e12


def explorer_data(
    points: npt.ArrayLike,
    *,
    m_range: tuple[float, float] = (-0.5, 3.0),
    b_range: tuple[float, float] = (-10.0, 20.0),
    learning_rate: float = 0.0001,
    num_iterations: int = 1000,
    tol: float = DEFAULT_TOL,
) -> dict[str, Any]:
    r"""What the explorer page needs: the points, their one-pass statistics, the defaults.

    The page runs gradient descent itself, in JavaScript, on the statistics
    (`linreg.moments.Moments`): for one feature the loss, the gradient and the Hessian
    depend on the data only through $N$, $\bar x$, $\bar y$, $C_{xx}$, $C_{xy}$ and
    $C_{yy}$ (see `linreg.moments`). The browser tests hold the page's iterates to
    `linreg.gradient_descent`'s on sampled settings.

    Parameters
    ----------
    points : array_like of shape (N, 2)
    m_range, b_range : (float, float)
        The window of the error surface, in the data's units.
    learning_rate : float, default 0.0001
        The rate the page starts with (the livestream's).
    num_iterations : int, default 1000
        The number of iterations the page starts with (the livestream's).
    tol : float, default 1e-6
        The verdict's tolerance on the relative distance $\lVert\theta - \theta^*\rVert /
        \lVert\theta^*\rVert$.

    Returns
    -------
    dict
        JSON-ready: ``points`` (``x``, ``y`` lists), ``moments`` (``count``, ``mean_x``,
        ``mean_y``, ``cxx``, ``cxy``, ``cyy``), ``view`` (``m`` and ``b`` ranges) and
        ``defaults`` (``learning_rate``, ``momentum``, ``num_iterations``, ``m0``, ``b0``,
        ``tol``, ``growth_limit``: a run stops once its loss has grown that many times).
    """
    from linreg.moments import Moments

    x, y = _xy(points)
    stats = Moments.from_arrays(x[:, None], y)
    return {
        "points": {"x": x.tolist(), "y": y.tolist()},
        "moments": {
            "count": stats.count,
            "mean_x": float(stats.mean_x[0]),
            "mean_y": float(stats.mean_y),
            "cxx": float(stats.cxx[0, 0]),
            "cxy": float(stats.cxy[0]),
            "cyy": float(stats.cyy),
        },
        "view": {"m": list(m_range), "b": list(b_range)},
        "defaults": {
            "learning_rate": learning_rate,
            "momentum": 0.0,
            "num_iterations": num_iterations,
            "m0": 0.0,
            "b0": 0.0,
            "tol": tol,
            "growth_limit": EXPLORER_GROWTH_LIMIT,
        },
    }
