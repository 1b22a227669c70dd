"""Exact references of the lattice gas: enumeration, transfer matrix, thermodynamics."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import eigvalsh

from baselines.regc.enumeration import enumerate_dos
from baselines.regc.lattice import K_B, LatticeGas, count_bonds
from baselines.regc.thermo import grid_thermodynamics
from baselines.regc.transfer_matrix import column_orbits, transfer_matrix_dos


def log_dos(dos: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(dos)


@pytest.mark.parametrize("shape", [(2, 2), (2, 3), (3, 3), (4, 3), (3, 5), (4, 4), (2, 6)])
def test_transfer_matrix_counts_every_configuration_like_enumeration(shape):
    model = LatticeGas(shape, 0.3, 0.1)
    np.testing.assert_array_equal(transfer_matrix_dos(model), enumerate_dos(model))


def test_bond_count_of_a_known_configuration():
    occupation = np.zeros((4, 4), int)
    occupation[1, 1:3] = 1  # a horizontal dimer
    occupation[3, 3] = occupation[0, 3] = 1  # a dimer across the periodic boundary
    assert count_bonds(occupation) == 2


def test_column_orbits_are_binary_bracelets():
    """Number of binary bracelets of length 8 is 30; orbit sizes add up to 2^8."""
    representatives, sizes = column_orbits(8)
    assert representatives.size == 30 and sizes.sum() == 256


def numeric_log_xi(model: LatticeGas, temperature: float, mu: float) -> float:
    """ln Tr T^M with the symmetric numeric column-to-column transfer matrix (eigenvalues)."""
    length, columns = model.shape
    b = 1 / (K_B * temperature)
    states = np.arange(1 << length)
    n = np.bitwise_count(states)
    rotated = (states >> 1) | ((states & 1) << (length - 1))
    inner = np.bitwise_count(states & rotated)
    half = 0.5 * b * ((model.eps0 + mu) * n + model.eps * inner)
    between = b * model.eps * np.bitwise_count(states[:, None] & states[None, :])
    log_t = half[:, None] + between + half[None, :]
    shift = log_t.max()
    eigenvalues = eigvalsh(np.exp(log_t - shift))
    peak = np.max(np.abs(eigenvalues))
    return columns * (shift + np.log(peak)) + np.log(np.sum((eigenvalues / peak) ** columns))


@pytest.mark.parametrize(("temperature", "mu"), [(300.0, -0.55), (650.0, -0.5), (1200.0, -0.1)])
def test_grand_potential_matches_the_numeric_transfer_matrix(temperature, mu):
    model = LatticeGas((6, 6), 0.3, 0.1)
    exact = grid_thermodynamics(log_dos(transfer_matrix_dos(model)), model, [temperature], [mu])
    expected = -numeric_log_xi(model, temperature, mu) / model.sites
    assert exact["beta_omega"][0, 0] == pytest.approx(expected, rel=1e-12)


def test_langmuir_limit_without_interactions():
    model = LatticeGas((4, 4), 0.25, 0.0)
    t, mu = np.array([250.0, 700.0]), np.linspace(-0.6, 0.1, 8)
    result = grid_thermodynamics(log_dos(transfer_matrix_dos(model)), model, t, mu)
    b = 1 / (K_B * t[:, None])
    theta = 1 / (1 + np.exp(-b * (mu[None, :] + model.eps0)))
    np.testing.assert_allclose(result["coverage"], theta, rtol=1e-12)
    np.testing.assert_allclose(result["energy"], -model.eps0 * theta, rtol=1e-12)
    np.testing.assert_allclose(
        result["heat_capacity"], (b * model.eps0) ** 2 * theta * (1 - theta), rtol=1e-8
    )
    np.testing.assert_allclose(result["susceptibility"], b * theta * (1 - theta), rtol=1e-8)
    np.testing.assert_allclose(
        result["beta_omega"], -np.log1p(np.exp(b * (mu[None, :] + model.eps0))), rtol=1e-12
    )


def test_derivatives_of_the_grand_potential():
    """θ = -∂(βΩ/LM)/∂(βμ), ⟨E⟩/LM = ∂(βΩ/LM)/∂β at fixed βμ, C = -β²∂²(βΩ/LM)/∂β²."""
    model = LatticeGas((4, 4), 0.3, -0.08)  # repulsive
    log_w = log_dos(enumerate_dos(model))
    t0, mu0, h = 500.0, -0.2, 1e-4

    def beta_omega(b, alpha):
        return grid_thermodynamics(log_w, model, [1 / (K_B * b)], [alpha / b])["beta_omega"][0, 0]

    b0 = 1 / (K_B * t0)
    a0 = b0 * mu0
    result = grid_thermodynamics(log_w, model, [t0], [mu0])
    d_alpha = (beta_omega(b0, a0 + h) - beta_omega(b0, a0 - h)) / (2 * h)
    d_beta = (beta_omega(b0 + h, a0) - beta_omega(b0 - h, a0)) / (2 * h)
    hb = 1e-2
    second = (beta_omega(b0 + hb, a0) - 2 * beta_omega(b0, a0) + beta_omega(b0 - hb, a0)) / hb**2
    assert result["coverage"][0, 0] == pytest.approx(-d_alpha, rel=1e-6)
    assert result["energy"][0, 0] == pytest.approx(d_beta, rel=1e-6)
    assert result["heat_capacity"][0, 0] == pytest.approx(-(b0**2) * second, rel=1e-4)


def test_particle_hole_symmetry_of_the_attractive_gas():
    """n → 1 - n maps μ - μ_c to μ_c - μ with μ_c = -ε0 - 2ε: θ(μ_c + x) = 1 - θ(μ_c - x)."""
    model = LatticeGas((4, 6), 0.3, 0.1)
    mu_c = -model.eps0 - 2 * model.eps
    x = np.array([0.0, 0.02, 0.1])
    log_w = log_dos(transfer_matrix_dos(model))
    up = grid_thermodynamics(log_w, model, [400.0], mu_c + x)["coverage"]
    down = grid_thermodynamics(log_w, model, [400.0], mu_c - x)["coverage"]
    np.testing.assert_allclose(up, 1 - down, atol=1e-12)


def test_wrong_weight_table_is_explained():
    model = LatticeGas((4, 4), 0.3, 0.1)
    with pytest.raises(ValueError, match="needs"):
        grid_thermodynamics(np.zeros((3, 3)), model, [300.0], [0.0])
