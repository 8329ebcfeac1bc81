"""A scikit-learn estimator over `linreg.descent`: fit, predict, score, pipelines, search.

Needs the ``sklearn`` extra (``pip install 'linreg[sklearn]'``). It has no mathematics
of its own: validation follows scikit-learn's conventions (its own ``validate_data``),
and fitting is `linreg.descent.minimize`.

Two conventions differ from the rest of linreg, on purpose, because a scikit-learn user
expects them:

- a column vector y of shape (n, 1) is accepted with a ``DataConversionWarning`` and
  flattened, as every scikit-learn regressor does (`gradient_descent` itself refuses it);
- a run whose certificate does not hold after ``num_iterations`` emits a
  ``ConvergenceWarning`` (like ``SGDRegressor``) instead of passing silently. A learning
  rate above the stability bound still raises `linreg.DivergenceError` from ``fit``: a grid search
  records that candidate as a failed fit (``error_score``, NaN by default, with a
  ``FitFailedWarning``) and carries on with the others.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterable
from typing import Any, cast

import numpy as np

try:
    from sklearn.base import BaseEstimator, RegressorMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "linreg.GradientDescentRegressor needs scikit-learn: pip install 'linreg[sklearn]'"
    ) from error

from linreg._partial import ChunkPass
from linreg.descent import DescentResult, minimize
from linreg.errors import InputError
from linreg.moments import Moments
from linreg.tables import is_dask

__all__ = ["DEFAULT_ESTIMATOR_TOL", "GradientDescentRegressor"]

#: The estimator's default tolerance: about ten correct digits of the optimum's norm.
DEFAULT_ESTIMATOR_TOL = 1e-10
#: What a fit sets from its result: partial_fit leaves them to be refit when next read.
_FITTED = (
    "coef_", "intercept_", "n_iter_", "loss_curve_", "converged_", "verdict_", "distance_",
    "distance_bound_", "error_floor_",
)  # fmt: skip


class GradientDescentRegressor(RegressorMixin, BaseEstimator):  # type: ignore[misc]
    r"""Linear regression (optionally ridge) fitted by descent on the mean squared error.

    Parameters
    ----------
    method : str, default "cg"
        Any method of `linreg.minimize`. The default, conjugate gradients on standardized
        features, usually certifies the optimum in a handful of steps; ``"gd"`` is the
        livestream's fixed step.
    learning_rate : float, "auto" or None, default None
        The step of gd, momentum, nesterov and adam; None picks the optimal one from
        the Hessian's eigenvalues (see `linreg.minimize`).
    momentum : float or None, default None
        Momentum of momentum and nesterov (β₁ of adam); None picks the optimal one.
    options : dict or None, default None
        The method's own settings by name, as `linreg.minimize` takes them (e.g.
        ``{"beta2": 0.99}`` for adam; ``linreg.methods.METHODS[method].options`` lists
        each method's).
    alpha : float, default 0.0
        Ridge strength: the loss is $\frac1N\lVert y - Xw - b\rVert^2 + \alpha\lVert w
        \rVert^2$. scikit-learn's ``Ridge(alpha=a)`` penalises the *sum* of squares,
        $\lVert y - Xw - b\rVert^2 + a\lVert w\rVert^2$, so it matches ``alpha = a/N``.
    num_iterations : int, default 1000
        The most iterations to run.
    tol : float or None, default 1e-10
        Stop at the first iteration whose verdict is "converged": a sound upper bound on
        ‖θ − θ*‖/‖θ*‖ is at most ``tol`` (`linreg.DescentResult.converged`). The default
        asks for about ten correct digits, what a direct solver such as
        ``LinearRegression`` gives on ordinary data. None runs every iteration and judges
        convergence at 1e-6.
    standardize : bool, default True
        Descend on centred, unit-variance features (well conditioned); ``coef_`` and
        ``intercept_`` are in the data's own units.
    fit_intercept : bool, default True
        Fit the intercept $b$; otherwise the model is $\hat y = Xw$.

    Attributes
    ----------
    coef_ : numpy.ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
    loss_curve_ : numpy.ndarray of shape (n_iter_ + 1,)
        The loss after each iteration.
    converged_ : bool
        Whether the verdict is "converged" (see ``tol``).
    verdict_ : str
        ``"converged"``, ``"not converged"`` or ``"cannot be certified"`` (float64
        cannot resolve ``tol`` for these data; ``error_floor_`` says how far it can).
    distance_ : float
        ‖θ − θ̂*‖/‖θ̂*‖ at the end, against the best estimate θ̂* of the optimum.
    distance_bound_ : float
        A sound upper bound on the exact relative distance ‖θ − θ*‖/‖θ*‖.
    error_floor_ : float
        The smallest relative distance float64 can certify for these data.
    n_features_in_ : int
    feature_names_in_ : numpy.ndarray of shape (n_features_in_,)
        Only when X had column names.

    Examples
    --------
    >>> from linreg import load_points
    >>> points = load_points()
    >>> model = GradientDescentRegressor().fit(points[:, :1], points[:, 1])
    >>> print(round(model.coef_[0], 6), round(model.intercept_, 6), model.converged_)
    1.322431 7.991021 True
    """

    def __init__(
        self,
        *,
        method: str = "cg",
        learning_rate: float | str | None = None,
        momentum: float | None = None,
        options: dict[str, float] | None = None,
        alpha: float = 0.0,
        num_iterations: int = 1000,
        tol: float | None = DEFAULT_ESTIMATOR_TOL,
        standardize: bool = True,
        fit_intercept: bool = True,
    ) -> None:
        self.method = method
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.options = options
        self.alpha = alpha
        self.num_iterations = num_iterations
        self.tol = tol
        self.standardize = standardize
        self.fit_intercept = fit_intercept

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> GradientDescentRegressor:
        """Fit the model; returns ``self``.

        ``sample_weight`` (shape (n_samples,), or a number for all): per-sample weights of
        the squared error (`linreg.descent.minimize`); integer weights act as repeated rows.

        Raises
        ------
        ValueError
            Bad data or hyperparameters (linreg's ``InputError`` is a ``ValueError``).
        linreg.DivergenceError
            The learning rate is above the method's stability bound for these data.
        """
        if is_dask(X):  # issue 19: the statistics where the chunks live, never the data
            return self._fit_statistics(self._dask_statistics(X, y, sample_weight))
        _numbers_only(X, "X")
        _numbers_only(y, "y")
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64)
        for name in ("statistics_", "_stream", "_stale"):  # a partial_fit stream ends here
            self.__dict__.pop(name, None)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        result = minimize(
            X,
            y,
            method=self.method,
            learning_rate=self.learning_rate,  # type: ignore[arg-type]
            momentum=self.momentum,
            options=self.options,
            alpha=self.alpha,
            num_iterations=self.num_iterations,
            tol=self.tol,
            standardize=self.standardize,
            fit_intercept=self.fit_intercept,
            sample_weight=sample_weight,
        )
        self.coef_ = result.w
        self.intercept_ = result.b
        self.n_iter_ = result.n_iter
        self.loss_curve_ = result.history
        self.converged_ = result.converged
        self.verdict_ = result.verdict
        self.distance_ = result.relative_distance
        self.distance_bound_ = result.relative_distance_bound
        self.error_floor_ = result.error_floor
        if not result.converged:
            warnings.warn(self._advice(result), ConvergenceWarning, stacklevel=2)
        return self

    def _advice(self, result: DescentResult) -> str:
        """The warning: what was measured, and only advice not already taken."""
        if not result.certified:
            cures = ["a larger tol"] + ([] if self.standardize else ["standardize=True"])
            return (
                f"{self.method} cannot be certified at tol={result.tol:g}: "
                f"{result.verdict_reason}; try " + " or ".join(cures)
            )
        advice = ["raise num_iterations"]
        if not self.standardize:
            advice.append("use standardize=True")
        if self.method != "cg":
            advice.append("use method='cg'")
        return (
            f"{self.method} did not converge in {result.n_iter} iterations: the certified "
            f"distance to the optimum is at most {result.relative_distance_bound:.3g} of its "
            f"norm (about {result.relative_distance:.3g}), above tol={result.tol:g}; "
            + ", or ".join(advice)
        )

    def predict(self, X: Any) -> Any:
        """Predictions $Xw + b$ of shape (n_samples,).

        Raises
        ------
        InputError
            A prediction beyond float64's range (about ±1.8e308), naming its row: not
            returned as ``inf``, which no prediction is.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            predictions = X @ self.coef_ + self.intercept_
        beyond = np.flatnonzero(~np.isfinite(predictions))
        if beyond.size:
            raise InputError(
                f"the prediction for row {beyond[0]} of X (counting from 0) is beyond float64's "
                "range (about ±1.8e308): rescale X and refit, or predict nearer the data"
            )
        return predictions

    def partial_fit(self, X: Any, y: Any) -> GradientDescentRegressor:
        """Add a chunk of rows to the model of every row seen so far, exactly; returns ``self``.

        scikit-learn's convention for data larger than memory (as
        ``SGDRegressor.partial_fit``), but exact: the chunks feed one pass
        (`linreg.accumulate.Pass`, blocks sharing one shift), so ``statistics_`` are those
        of one pass over the concatenation, and the model is fitted on them as `fit` fits
        on the data: after any split of the rows it equals `fit` on all of them (to
        rounding). The pass takes the rows a block at a time, whatever the chunks' sizes:
        a chunk's rows short of a whole block wait in a buffer of one block
        (`linreg.accumulate.block_rows`), summed when it fills or when the statistics are
        read. The descent runs when the model is next read (its fitted attributes,
        `predict`, `score`), once however many chunks came before: a loop of
        ``partial_fit`` costs one pass and one descent, and a read between chunks changes
        nothing that follows. The first call fixes ``n_features_in_`` (and
        ``feature_names_in_``); a chunk with other features is refused. A call to `fit`
        starts afresh.

        Raises
        ------
        ValueError
            Bad data, or a chunk whose number of features differs from the first's.
            Data too large for float64 are refused by the call that sums their block: this
            one, a later one that fills the block, or the next read.
        linreg.DivergenceError
            As `fit`, when the model is read.

        Examples
        --------
        >>> from linreg import load_points
        >>> points = load_points()
        >>> model = GradientDescentRegressor()
        >>> for chunk in (points[:30], points[30:70], points[70:]):
        ...     model = model.partial_fit(chunk[:, :1], chunk[:, 1])
        >>> print(round(model.coef_[0], 6), round(model.intercept_, 6), model.converged_)
        1.322431 7.991021 True
        """
        state = self.__dict__
        # a stream continues only from a model partial_fit made: fit() sets coef_ anew
        stale = state.get("_stale", False) and "coef_" not in state
        stream = state.get("_stream")
        if stream is None or not (stale or state.get("coef_") is state.get("_stream_coef")):
            X, y = self._validated(X, y, reset=True)
            stream = self._stream = ChunkPass(X.shape[1])
        elif "feature_names_in_" in state or not _plain(X, y, state["n_features_in_"]):
            X, y = self._validated(X, y, reset=False)
        stream.add(X, y)
        if "coef_" in state:  # read again, they are refit on every chunk so far
            for name in _FITTED:
                state.pop(name, None)
        state.pop("statistics_", None)
        self._stale = True
        return self

    def _validated(self, X: Any, y: Any, reset: bool) -> tuple[Any, Any]:
        """A chunk checked and converted as scikit-learn's ``validate_data`` does."""
        _numbers_only(X, "X")
        _numbers_only(y, "y")
        checked = validate_data(self, X, y, y_numeric=True, dtype=np.float64, reset=reset)
        return cast(tuple[Any, Any], checked)

    def __getattr__(self, name: str) -> Any:
        # Reached only when an attribute is not found: a model that partial_fit left to
        # refit is fitted on its statistics when one of its fitted attributes is read,
        # and the statistics are formed when they are read (or the model is).
        state = self.__dict__
        if name in _FITTED and state.get("_stale") and "_stream" in state:
            self._fit_statistics(state["_stream"].statistics(), stacklevel=4)
            return state[name]
        if name == "statistics_" and "_stream" in state:
            self.statistics_ = state["_stream"].statistics()
            return self.statistics_
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _fit_statistics(self, stats: Moments, stacklevel: int = 3) -> GradientDescentRegressor:
        """Fit on one-pass statistics as `fit` fits on data (partial_fit, dask input)."""
        self.statistics_ = stats
        self._stale = False
        result = minimize(
            stats,
            method=self.method,
            learning_rate=self.learning_rate,  # type: ignore[arg-type]
            momentum=self.momentum,
            alpha=self.alpha,
            num_iterations=self.num_iterations,
            tol=self.tol,
            standardize=self.standardize,
            fit_intercept=self.fit_intercept,
            options=self.options,
        )
        self.coef_, self.intercept_, self.n_iter_ = result.w, result.b, result.n_iter
        self.loss_curve_, self.converged_, self.verdict_ = (
            result.history,
            result.converged,
            result.verdict,
        )
        self.distance_, self.distance_bound_ = (
            result.relative_distance,
            result.relative_distance_bound,
        )
        self.error_floor_ = result.error_floor
        self._stream_coef = self.coef_
        if not result.converged:
            warnings.warn(self._advice(result), ConvergenceWarning, stacklevel=stacklevel)
        return self

    def _dask_statistics(self, X: Any, y: Any, sample_weight: Any) -> Moments:
        """A dask array's or DataFrame's statistics, with ``n_features_in_`` (and a
        DataFrame's ``feature_names_in_``) set as scikit-learn's validation sets them."""
        self.__dict__.pop("_stream", None)  # fit starts afresh: no stream continues
        columns = getattr(X, "columns", None)
        self.n_features_in_ = len(columns) if columns is not None else int(X.shape[1])
        if columns is not None and all(isinstance(c, str) for c in columns):
            self.feature_names_in_ = np.asarray(list(columns), dtype=object)
        else:
            self.__dict__.pop("feature_names_in_", None)
        return Moments.from_dask(X, y, sample_weight=sample_weight)


#: dtype kinds that scikit-learn's conversion would turn into numbers silently.
_NOT_NUMBERS = {"M": "dates", "m": "time spans", "U": "strings", "S": "bytes"}


def _numbers_only(value: Any, name: str) -> None:
    """Refuse what scikit-learn would convert silently: dates, time spans, strings, bytes
    and masked values, as linreg's own functions do (`linreg.validate`)."""
    if isinstance(value, np.ma.MaskedArray) and np.ma.getmaskarray(value).any():
        raise InputError(
            f"{name} is a masked array; linreg does not use masks: drop the masked rows "
            "first (or fill them in with .filled())"
        )
    dtypes = getattr(value, "dtypes", getattr(value, "dtype", None))  # a DataFrame: per column
    if dtypes is None:
        with contextlib.suppress(TypeError, ValueError):
            dtypes = np.asarray(value).dtype
    single = dtypes is None or hasattr(dtypes, "kind")
    listed: list[Any] = [dtypes] if single else list(cast(Iterable[Any], dtypes))
    kinds = [getattr(t, "kind", None) for t in listed]
    for kind in kinds:
        if kind in _NOT_NUMBERS:
            raise InputError(
                f"{name} must hold numbers, got {_NOT_NUMBERS[kind]}: convert them to numbers first"
            )


_FLOAT64 = np.dtype(np.float64)


def _plain(X: Any, y: Any, n_features: int) -> bool:
    """Whether a chunk is what ``validate_data`` would return as it is: finite float64
    ndarrays, X C-contiguous with ``n_features`` columns and y of as many rows, at least
    one. Such a chunk skips the generic conversion (which costs a small chunk more than
    its sums do); finiteness is checked as scikit-learn checks it first, by a sum
    (a NaN or an infinity makes it non-finite; a sum that overflows sends the chunk to
    the generic check, which looks value by value)."""
    if type(X) is not np.ndarray or type(y) is not np.ndarray:  # no subclass (masked)
        return False
    if X.dtype != _FLOAT64 or y.dtype != _FLOAT64 or X.ndim != 2 or y.ndim != 1:
        return False
    if X.shape[1] != n_features or not 0 < y.shape[0] == X.shape[0]:
        return False
    if not X.flags.c_contiguous:
        return False
    return math.isfinite(np.add.reduce(X, axis=None) + np.add.reduce(y))
