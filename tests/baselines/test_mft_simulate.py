"""Simulators of walkers and the SSEP against exact lattice results (z-scores)."""

from __future__ import annotations

import numpy as np
import pytest

from baselines.mft import lattice
from baselines.mft.estimators import current_statistics
from baselines.mft.simulate import initial_occupation, simulate, simulate_ssep

TIMES = [1.0, 4.0, 9.0]
HALF_WIDTH = 30
N = 6000


def _z(estimate, error, exact):
    return np.abs((np.asarray(estimate) - exact) / np.asarray(error))


@pytest.mark.parametrize(
    ("model", "setting", "rho_a", "rho_b"),
    [
        ("walkers", "annealed", 0.5, 0.5),
        ("walkers", "quenched", 0.5, 0.5),
        ("walkers", "annealed", 1.0, 0.2),
        ("ssep", "annealed", 0.5, 0.5),
        ("ssep", "quenched", 1.0, 0.0),
        ("ssep", "quenched", 0.5, 0.5),
    ],
)
def test_mean_and_covariance_match_exact_lattice_values(model, setting, rho_a, rho_b):
    rng = np.random.default_rng(11)
    q, events = simulate(model, setting, rho_a, rho_b, HALF_WIDTH, TIMES, N, rng)
    assert q.shape == (N, len(TIMES)) and events > 0
    estimate, error = current_statistics(q, groups=30)
    x = lattice.sites(HALF_WIDTH)
    profile = lattice.step_profile(x, rho_a, rho_b)
    if setting == "quenched":
        profile = lattice.quenched_occupation(x, profile).astype(float)
    mean = [lattice.mean_current(t, x, profile) for t in TIMES]
    assert _z(estimate["cumulants"][0], error["cumulants"][0], mean).max() < 5
    pairs = [[(a, b) for b in TIMES] for a in TIMES]
    if model == "ssep" and (setting == "quenched" or rho_a != rho_b):
        exact = lattice.ssep_fixed_start_covariance(profile.astype(int), HALF_WIDTH, TIMES)
    elif setting == "quenched":
        occupation = profile.astype(int)
        exact = [
            [lattice.quenched_walkers_covariance(x, occupation, a, b) for a, b in row]
            for row in pairs
        ]
    else:
        exact = [
            [lattice.annealed_covariance(model, rho_a, rho_b, a, b) for a, b in row]
            for row in pairs
        ]
    assert _z(estimate["corr"], error["corr"], np.array(exact)).max() < 5


def test_single_ssep_particle_hops_at_rate_one_each_way():
    """One particle on site 0: P(Q(t) = 1) = P(X_t ≥ 1) for the rate-1 walk."""
    rng = np.random.default_rng(3)
    occupation = np.zeros((20000, 2 * HALF_WIDTH), np.int64)
    occupation[:, HALF_WIDTH - 1] = 1  # site x = 0
    q, _ = simulate_ssep(occupation, HALF_WIDTH, [0.5, 2.0], rng)
    n, p = lattice.walk_pmf(2.0)
    for k, t in enumerate([0.5, 2.0]):
        n, p = lattice.walk_pmf(t)
        exact = p[n >= 1].sum()
        assert set(np.unique(q[:, k])) <= {0, 1}
        assert q[:, k].mean() == pytest.approx(exact, abs=5 * np.sqrt(exact * (1 - exact) / 20000))


def test_annealed_occupations_have_poisson_and_bernoulli_statistics():
    rng = np.random.default_rng(0)
    walkers = initial_occupation("walkers", "annealed", 0.7, 0.7, 50, 400, rng)
    ssep = initial_occupation("ssep", "annealed", 0.7, 0.7, 50, 400, rng)
    assert walkers.mean() == pytest.approx(0.7, abs=0.02)
    assert walkers.var() == pytest.approx(0.7, abs=0.03)
    assert set(np.unique(ssep)) == {0, 1} and ssep.var() == pytest.approx(0.21, abs=0.01)


def test_same_seed_same_samples():
    a = simulate("ssep", "annealed", 0.5, 0.5, 10, [1.0, 2.0], 50, np.random.default_rng(5))
    b = simulate("ssep", "annealed", 0.5, 0.5, 10, [1.0, 2.0], 50, np.random.default_rng(5))
    assert np.array_equal(a[0], b[0]) and a[1] == b[1]


def test_bad_inputs_are_rejected():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="model must be"):
        simulate("tasep", "annealed", 0.5, 0.5, 10, [1.0], 5, rng)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        simulate("ssep", "annealed", 1.5, 0.5, 10, [1.0], 5, rng)
    with pytest.raises(ValueError, match="increasing"):
        simulate("walkers", "annealed", 0.5, 0.5, 10, [2.0, 1.0], 5, rng)
