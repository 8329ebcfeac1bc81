"""Singular and near-singular Hessians (the sixteenth audit's F1 and F3): the relative
distance of a problem with many minimisers is over the least norm of a minimiser, Newton's
pseudo-inverse leaves out eigenvalues float64 cannot tell from 0, and its iteration count
is not promised where its float64 step is not accurate."""

from __future__ import annotations

import math
import warnings

import numpy as np

from linreg import minimize
from linreg.certificate import judge
from linreg.moments import Moments
from linreg.problem import Quadratic
from linreg.reference import exact_reference

RNG = np.random.default_rng(4)
X, Y = RNG.random((3, 5)), RNG.random(3)  # 3 points, 5 features: a 3-dimensional null space


def test_a_point_far_out_along_the_null_space_is_not_converged():
    """1e7 off the set of minimisers, but next to a minimiser of norm 1e23: relative to the
    nearest minimiser that was 1e-16, "converged"; relative to the least norm, 1e7."""
    reference = exact_reference(X, Y, 0.0, True)
    assert reference.null.shape[1] == 3
    off = np.linalg.svd(reference.null.T)[2][-1]  # a direction orthogonal to the null space
    theta = reference.point + 1e23 * reference.null[:, 0] + 1e7 * off
    verdict = judge(theta, reference, 1e-6)
    assert not verdict.converged and verdict.relative_distance > 1e6
    assert judge(reference.point + 1e-9 * reference.null[:, 0], reference, 1e-6).converged


def test_newton_on_more_features_than_points_reaches_a_minimiser():
    """Newton's pseudo-inverse took 1/lambda of an eigenvalue 1.1e-16 (error bar 3.2e-14)
    and stepped to |w| = 3e23, loss 1.1e15 (the minimum is 0), and was "converged"."""
    fit = minimize(X, Y, method="newton")
    assert fit.converged and fit.loss < 1e-20 and np.abs(fit.w).max() < 10


def test_no_newton_count_where_its_float64_step_is_not_accurate():
    """x ~ 1e15 with a tiny ridge: kappa 8.6e59, and the step lands at b ~ 1e147; the
    prediction was "exactly 1 iteration"."""
    x = 1e15 + np.array([0.0, 1.0, 2.0, 4.0, 7.0])
    fit = minimize(x[:, None], np.array([1.0, 3.0, 2.0, 5.0, 4.0]), method="newton",
                   alpha=1e-6, num_iterations=1)  # fmt: skip
    assert fit.prediction_kind == "none" and "not accurate" in fit.prediction_reason
    plain = minimize(x[:, None] - 1e15, np.array([1.0, 3.0, 2.0, 5.0, 4.0]), method="newton")
    assert plain.prediction_kind == "exact" and plain.predicted_iterations == 1


def test_the_loss_gap_that_overflows_is_inf_without_a_warning():
    quadratic = Quadratic.build(Moments.from_arrays(X[:, :1], Y), alpha=0.0,
                                standardize=False, intercept=True)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert quadratic.loss_gap(np.array([1e200, 1e200])) == math.inf


def test_the_statistics_reach_is_said_relative_to_the_optimum():
    """The forecast's "guaranteed to come only within X of the optimum, more than tol
    allows" printed an absolute 1.1e+06 beside a relative tol (the seventeenth audit's F5)."""
    import dataclasses

    from linreg.descent_result import _goal

    fit = minimize(X[:, :1], Y, method="cg", num_iterations=2)
    ladder = fit.forecast.ladder
    ladder.floor = dataclasses.replace(ladder.floor, error=1e-3 * np.linalg.norm(fit.optimum))
    target, reason, _, _ = _goal(fit.forecast)
    assert target is None and "within 0.001 of |theta*| of the optimum" in reason


def test_judged_at_refuses_what_is_not_an_iterate():
    from linreg.errors import InputError

    fit = minimize(X[:, :1], Y, method="cg", num_iterations=2)
    assert fit.judged_at(fit.w, fit.b).verdict == fit.verdict
    for w, b in (([np.nan], 0.0), ([1.0, 2.0], 0.0), ([1.0], np.inf)):
        try:
            fit.judged_at(w, b)
        except InputError as error:
            assert "1 finite weight and a finite b" in str(error)
        else:
            raise AssertionError((w, b))
