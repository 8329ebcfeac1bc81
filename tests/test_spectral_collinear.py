"""Near-collinear features far from the origin: the Hessian's spectrum is honest about its
errors, and gd's closed form (`linreg.spectral`) follows exact gd on the statistics.

The reference is exact: the statistics' Hessian and gradient formed from their float64
values in mpmath at 120 digits, its eigen-decomposition there (checked against plain
stepping in mpmath), gd's iterates and losses from it. On cf2.csv (x at 1e9, κ ≈ 1e42)
the H⁻¹ route read the middle eigenvalue 1e7 as 1.5e-8 with an error bar of 6e-7 (a
first-order bar, past where it bounds anything): the basis built on it sent w_2 to
78,500 after 1e6 iterations and every loss to -2.5e22 (exact gd: w_2 = 0.0785, E ≈ 67,100).
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

from linreg import minimize, spectral
from linreg.errors import InputError
from linreg.history import History
from linreg.moments import Moments
from linreg.problem import Quadratic

EPS = float(np.finfo(np.float64).eps)
CF2 = (
    np.array(
        [[1000000000.005, 1e9], [1000000000.006, 1000005000.0], [1000000000.003, 1000008000.0]]
    ),
    np.full(3, 157000000.0),
)


def _exact(quadratic: Quadratic) -> tuple[mp.matrix, mp.matrix, mp.mpf]:
    """(H, ∇E(0), E(0)) of the statistics' loss, in mpmath from their float64 values."""
    mp.mp.dps = 120
    st, p = quadratic.stats, quadratic.stats.n_features
    n, my = mp.mpf(st.count), mp.mpf(float(st.mean_y))
    m = [mp.mpf(float(v)) for v in st.mean_x]
    hessian, gradient = mp.matrix(p + 1, p + 1), mp.matrix(p + 1, 1)
    for i in range(p):
        for j in range(p):
            hessian[i, j] = 2 * mp.mpf(float(st.cxx[i, j])) / n + 2 * m[i] * m[j]
        hessian[i, p] = hessian[p, i] = 2 * m[i]
        gradient[i] = -2 * mp.mpf(float(st.cxy[i])) / n - 2 * my * m[i]
    hessian[p, p], gradient[p] = 2, -2 * my
    return hessian, gradient, mp.mpf(float(st.cyy)) / n + my * my


def _exact_gd(quadratic: Quadratic, rate: float, k: int) -> tuple[np.ndarray, float]:
    """Exact gd from θ = 0 after k iterations: (θ_k, E(θ_k)), from the eigenbasis of the
    exact H at 120 digits."""
    hessian, gradient, start = _exact(quadratic)
    values, vectors = mp.eigsy(hessian)
    g_hat, eta = vectors.T * gradient, mp.mpf(rate)
    step, decrease = mp.matrix(hessian.rows, 1), mp.mpf(0)
    for j in range(hessian.rows):
        s = eta * k if values[j] == 0 else (1 - (1 - eta * values[j]) ** k) / values[j]
        step[j], decrease = s * g_hat[j], decrease + g_hat[j] ** 2 * s * (1 - values[j] * s / 2)
    theta = -(vectors * step)
    return np.array([float(v) for v in theta]), float(start - decrease)


def _build(X: np.ndarray, y: np.ndarray) -> Quadratic:
    return Quadratic.build(Moments.from_arrays(X, y), alpha=0.0, standardize=False, intercept=True)


def test_the_reference_is_gd_itself() -> None:
    """The 120-digit closed form is mpmath's step-by-step gd, to 1e-40."""
    quadratic = _build(*CF2)
    rate = 1.0 / quadratic.lambda_max
    hessian, gradient, _ = _exact(quadratic)
    theta = mp.matrix(hessian.rows, 1)
    for _ in range(300):
        theta = theta - mp.mpf(rate) * (hessian * theta + gradient)
    expected = _exact_gd(quadratic, rate, 300)[0]
    assert np.allclose([float(v) for v in theta], expected, rtol=1e-40, atol=0)


def _family() -> list[tuple[np.ndarray, np.ndarray]]:
    """Seeded: 2-3 features at 1e3..1e12 from the origin, spreads 1e-3..1e4 apart, each
    a mild mixture of one shared column (near-collinear), y offset and noisy."""
    rng = np.random.default_rng(2024)
    cases = []
    for _ in range(40):
        p, n = int(rng.integers(2, 4)), int(rng.integers(4, 9))
        offset = 10.0 ** rng.uniform(3, 12)
        spreads = 10.0 ** rng.uniform(-3, 4, size=p)
        shared = rng.normal(size=(n, 1))
        X = offset + spreads * (shared + 10.0 ** rng.uniform(-3, 0) * rng.normal(size=(n, p)))
        y = 10.0 ** rng.uniform(0, 9) * (1 + 0.1 * rng.normal(size=n))
        cases.append((X, y))
    return cases


@pytest.mark.parametrize("case", range(40))
def test_each_eigenvalue_is_within_its_error_bar(case: int) -> None:
    """`Spectrum.errors` bounds every eigenvalue's distance from the exact one."""
    try:
        quadratic = _build(*_family()[case])
    except InputError:
        pytest.skip("refused")
    hessian = _exact(quadratic)[0]
    exact = sorted(float(v) for v in mp.eigsy(hessian)[0])
    spectrum = quadratic.spectrum
    for got, truth, bar in zip(spectrum.values.tolist(), exact, spectrum.errors.tolist()):
        assert abs(got - truth) <= bar, (case, got, truth, bar)


def test_cf2_closed_form_follows_exact_gd() -> None:
    """cf2.csv at the command's rate, 1e6 iterations: the iterate within 1e-8 of exact gd
    (relative to its largest entry), every loss within 1e-12 of the start's of exact
    gd's last and never below −4ε·E₀ (`DescentResult.loss`)."""
    quadratic = _build(*CF2)
    rate, iterations = 1.0 / quadratic.lambda_max, 10**6
    history = History(iterations, "full")
    theta, n_done, _, _ = spectral.fixed_step_iterates(
        quadratic, rate, np.zeros(3), iterations, None, False, lambda *seen: None, history
    )
    losses = history.array(n_done + 1)
    expected, loss = _exact_gd(quadratic, rate, iterations)
    assert np.max(np.abs(theta - expected)) <= 1e-8 * np.max(np.abs(expected))
    assert abs(theta[1] - 0.0785) < 1e-4  # not 78,500
    assert losses.min() >= -4 * EPS * losses[0]
    assert abs(losses[-1] - loss) <= 1e-12 * losses[0]


@pytest.mark.parametrize("method", ["momentum", "nesterov"])
def test_the_default_momentum_stays_below_one(method):
    """At kappa ~ 1e42 Polyak's and Nesterov's mu rounded to 1.0, outside the option's own
    range [0, 1) (a value the user may not pass), where the recurrence has no damping."""
    X = np.array([[1000000000.005, 1e9], [1000000000.006, 1000005000.0],
                  [1000000000.003, 1000008000.0]])  # fmt: skip
    fit = minimize(X, np.full(3, 157000000.0), method=method, num_iterations=10)
    assert 0.0 <= fit.options["momentum"] < 1.0
