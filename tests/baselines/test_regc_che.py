"""Computational hydrogen electrode: limiting potentials and pH/potential shifts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from baselines.regc.che import (
    WATER_FORMATION,
    free_energy,
    limiting_potential,
    orr_associative_path,
    path_free_energies,
)
from baselines.regc.lattice import K_B


def ideal_path():
    """Every proton–electron step of the ideal ORR catalyst costs -1.229 eV at U = 0."""
    g = WATER_FORMATION
    return orr_associative_path(g_o2=4 * g, g_ooh=3 * g, g_o=2 * g, g_oh=g)


def test_ideal_catalyst_is_limited_at_the_equilibrium_potential():
    _, g0, n = ideal_path()
    assert limiting_potential(g0, n) == pytest.approx(WATER_FORMATION)
    steps = np.diff(path_free_energies(g0, n, potential=WATER_FORMATION))
    np.testing.assert_allclose(steps[1:], 0.0, atol=1e-12)


def test_weakest_step_sets_the_limiting_potential():
    _, g0, n = orr_associative_path(g_o2=4.72, g_ooh=4.00, g_o=1.57, g_oh=0.80)
    # steps at U = 0: -0.72 (O2*→HOO*), -2.43, -0.77, -0.80
    assert limiting_potential(g0, n) == pytest.approx(0.72)


def test_overall_reaction_free_energy_is_four_times_water_formation():
    _, g0, n = orr_associative_path(4.72, 4.0, 1.57, 0.8)
    for u in (0.0, 0.5, 1.23):
        g = path_free_energies(g0, n, potential=u)
        assert g[0] - g[-1] == pytest.approx(4 * (WATER_FORMATION - u))


def test_ph_shifts_the_she_limiting_potential_by_59_mv_per_unit():
    _, g0, n = orr_associative_path(4.72, 4.0, 1.57, 0.8)
    shift = limiting_potential(g0, n, ph=0) - limiting_potential(g0, n, ph=1)
    assert shift == pytest.approx(K_B * 298.15 * math.log(10), rel=1e-12)
    assert shift == pytest.approx(0.0592, abs=1e-4)


def test_free_energy_of_an_intermediate():
    assert free_energy(1.0, 0.3, 0.1) == pytest.approx(1.2)


def test_oxidation_path_is_rejected():
    with pytest.raises(ValueError, match="must not decrease"):
        limiting_potential([0.0, 1.0], [1, 0])
