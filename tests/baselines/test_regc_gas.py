"""Ideal-gas chemical potential against JANAF-derived values and limiting laws."""

from __future__ import annotations

import math

import numpy as np
import pytest

from baselines.regc.gas import DiatomicGas
from baselines.regc.lattice import K_B

O2 = DiatomicGas("O2", (15.999, 15.999), 1.2075, 1580.19, 2, 3)
P_STANDARD = 101325.0  # Pa (1 atm, the reference pressure of the table below)

# Δμ_O(T, p°) = ½[ΔG_O2(T, p°) - ΔG_O2(0 K)] in eV from the JANAF tables, quoted from
# K. Reuter and M. Scheffler, Phys. Rev. B 65, 035406 (2001), Table I (rounded to 0.01 eV).
REUTER_SCHEFFLER_TABLE_I = {
    100: -0.08, 200: -0.17, 300: -0.27, 400: -0.38, 500: -0.50,
    600: -0.61, 700: -0.73, 800: -0.85, 900: -0.98, 1000: -1.10,
}  # fmt: skip


@pytest.mark.parametrize(("temperature", "expected"), REUTER_SCHEFFLER_TABLE_I.items())
def test_oxygen_chemical_potential_matches_janaf_table(temperature, expected):
    """The tabulated values are relative to ½H(0 K) (no zero-point term); rigid rotor and
    harmonic oscillator agree with them to within the table's rounding plus 0.005 eV."""
    value = O2.atom_chemical_potential(temperature, P_STANDARD, zero_point=False)
    assert value == pytest.approx(expected, abs=0.01)


def test_janaf_entropy_of_oxygen_at_298_k():
    """S = -∂μ/∂T at 1 bar: JANAF gives 205.147 J/(mol K) for O2 (M. W. Chase, NIST-JANAF
    Thermochemical Tables, 4th ed., 1998); the ideal-gas model misses < 0.3 J/(mol K)."""
    h = 1e-3
    mu = [O2.chemical_potential(298.15 + s * h, 1e5) for s in (-1, 1)]
    entropy = -(mu[1] - mu[0]) / (2 * h) * 96485.33212  # eV/K → J/(mol K)
    assert entropy == pytest.approx(205.147, abs=0.3)


def test_pressure_dependence_is_ideal():
    t = np.array([300.0, 800.0])
    low, high = (O2.atom_chemical_potential(t, p) for p in (1.0, 1e5))
    np.testing.assert_allclose(high - low, 0.5 * K_B * t * math.log(1e5), rtol=1e-12)


def test_log10_pressure_inverts_the_chemical_potential():
    t, p = np.array([400.0, 900.0]), np.array([1e-3, 1e7])
    mu = O2.atom_chemical_potential(t, p)
    np.testing.assert_allclose(O2.log10_pressure(t, mu, 1e5), np.log10(p / 1e5), atol=1e-10)


def test_zero_point_energy_is_a_quarter_vibrational_quantum_per_atom():
    with_zpe = O2.atom_chemical_potential(500.0, 1e5)
    without = O2.atom_chemical_potential(500.0, 1e5, zero_point=False)
    assert with_zpe - without == pytest.approx(0.25 * O2.vibrational_quantum)
    assert O2.vibrational_quantum == pytest.approx(0.1959, abs=1e-4)  # 1580 cm⁻¹


def test_bad_input_is_explained():
    with pytest.raises(ValueError, match="positive"):
        O2.chemical_potential(-1.0, 1e5)
