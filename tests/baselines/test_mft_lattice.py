"""Exact lattice quantities of the walk on Z, against sums, symmetry and the continuum limit."""

from __future__ import annotations

import numpy as np
import pytest

from baselines.mft import lattice
from baselines.mft.formulas import annealed_shape, quenched_shape


@pytest.mark.parametrize("t", [0.3, 2.0, 25.0])
def test_propagator_is_normalised_with_variance_2t(t):
    n, p = lattice.walk_pmf(t)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    assert (n**2 * p).sum() == pytest.approx(2 * t, rel=1e-10)


@pytest.mark.parametrize("t", [0.5, 7.3, 100.0])
def test_positive_part_mean_matches_direct_sum_and_continuum(t):
    n, p = lattice.walk_pmf(t)
    assert lattice.positive_part_mean(t) == pytest.approx((np.maximum(n, 0) * p).sum(), rel=1e-10)
    # E[X⁺] = √(t/π)(1 - 1/(16t) + O(t^-2))
    assert lattice.positive_part_mean(t) == pytest.approx(
        np.sqrt(t / np.pi) * (1 - 1 / (16 * t)), rel=2 / t**2
    )


def test_min_positive_mean_reduces_to_positive_part_and_tends_to_continuum():
    assert lattice.min_positive_mean(9.0, 9.0) == pytest.approx(lattice.positive_part_mean(9.0))
    for t1, t2 in [(36.0, 100.0), (100.0, 400.0)]:
        continuum = annealed_shape(t1, t2) / np.sqrt(np.pi)
        assert lattice.min_positive_mean(t1, t2) == pytest.approx(continuum, rel=2.0 / t1)
    assert lattice.min_positive_mean(4.0, 9.0) == lattice.min_positive_mean(9.0, 4.0)


def test_quenched_occupation_has_the_requested_density():
    x = lattice.sites(50)
    for rho in (0.0, 0.25, 0.5, 1.0, 1.5):
        occupation = lattice.quenched_occupation(x, np.full(x.size, rho))
        assert abs(occupation.sum() - rho * x.size) <= 1
    half = lattice.quenched_occupation(x, np.full(x.size, 0.5))
    assert set(half[x % 2 == 1]) == {1} and set(half[x % 2 == 0]) == {0}


def test_quenched_walkers_covariance_tends_to_eq48():
    x = lattice.sites(200)
    occupation = lattice.quenched_occupation(x, np.full(x.size, 0.5))
    for t1, t2 in [(64.0, 64.0), (36.0, 100.0)]:
        exact = lattice.quenched_walkers_covariance(x, occupation, t1, t2)
        assert exact == pytest.approx(quenched_shape(t1, t2) / np.sqrt(np.pi), rel=0.01)


def test_mean_current_of_steps_and_of_the_alternating_configuration():
    x = lattice.sites(120)
    step = lattice.step_profile(x, 1.0, 0.0)
    assert lattice.mean_current(16.0, x, step) == pytest.approx(lattice.positive_part_mean(16.0))
    assert lattice.mean_current(16.0, x, lattice.step_profile(x, 0.3, 0.3)) == pytest.approx(
        0.0, abs=1e-12
    )
    alternating = lattice.quenched_occupation(x, np.full(x.size, 0.5)).astype(float)
    # odd sites occupied: an O(1) lattice offset → -1/4 at large t (not a √t current)
    assert lattice.mean_current(49.0, x, alternating) == pytest.approx(-0.25, abs=1e-3)


def test_annealed_covariance_rejects_unknown_cases():
    with pytest.raises(ValueError, match="equilibrium SSEP"):
        lattice.annealed_covariance("ssep", 1.0, 0.0, 1.0, 2.0)


def test_box_and_end_effect_bound():
    half_width = lattice.box_half_width(144.0, 5.0)
    assert half_width == int(np.ceil(5 * np.sqrt(288)))
    bound = lattice.end_effect_bound(half_width, 144.0)
    assert 0 < bound < 1e-5
    assert lattice.end_effect_bound(10, 144.0) > 0.1
    with pytest.raises(ValueError, match="half_width"):
        lattice.sites(0)


def test_ssep_fixed_start_covariance_limits():
    """Full lattice: no fluctuations; the alternating start exceeds (48) by an O(1) amount."""
    x = lattice.sites(40)
    full = lattice.ssep_fixed_start_covariance(np.ones(x.size, int), 40, np.array([1.0, 4.0]))
    assert np.allclose(full, 0.0)
    times = np.array([16.0, 36.0])
    alternating = lattice.quenched_occupation(x, np.full(x.size, 0.5))
    exact = lattice.ssep_fixed_start_covariance(alternating, 40, times)
    t1, t2 = np.meshgrid(times, times, indexing="ij")
    excess = exact - 0.5 * quenched_shape(t1, t2) / np.sqrt(np.pi)
    assert np.allclose(np.diag(excess), 0.06, atol=0.005)
    assert 0 < excess[0, 1] < excess[0, 0]
