"""Chemical potential of an ideal diatomic gas (ab initio atomistic thermodynamics), in eV.

From the molecular partition function q = q_trans q_rot q_vib q_el / σ of an ideal gas
(rigid rotor, harmonic oscillator, ground electronic state of spin multiplicity 2s+1),
μ = -k_B T ln(q/N) + pV/N gives, relative to the electronic energy E of the molecule at rest,

    μ(T, p) - E = -kT ln[(2πm/h²)^{3/2} (kT)^{5/2} / p] - kT ln[8π² I kT / (σ h²)]
                  - kT ln(2s + 1) + hν/2 + kT ln(1 - e^{-hν/kT}),

with m the molecular mass, I = m_red r² the moment of inertia and ν the vibrational frequency
(SI units inside the logarithms, p in Pa). Per adsorbed atom of a dissociating molecule X2,
Δμ_X = ½(μ_X2 - E_X2), and Δμ_X(T, p) = Δμ_X(T, p0) + ½ kT ln(p/p0). The zero of Δμ_X is
½E_X2 without zero-point energy unless ``zero_point`` is kept (Reuter & Scheffler tabulate it
without, i.e. relative to ½H(0 K)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import constants as c

from baselines.regc.lattice import K_B


@dataclass(frozen=True)
class DiatomicGas:
    """A diatomic molecule X2 or XY.

    Attributes:
        name: label for figures.
        atom_masses_amu: masses of the two atoms (u).
        bond_length_angstrom: equilibrium bond length r (Å).
        wavenumber_per_cm: harmonic vibrational wavenumber ω_e (cm⁻¹).
        symmetry_number: σ = 2 for homonuclear, 1 for heteronuclear molecules.
        spin_multiplicity: 2s + 1 of the electronic ground state (3 for O2, 1 for H2).
    """

    name: str
    atom_masses_amu: tuple[float, float]
    bond_length_angstrom: float
    wavenumber_per_cm: float
    symmetry_number: int
    spin_multiplicity: int

    @property
    def vibrational_quantum(self) -> float:
        """hν (eV)."""
        return c.h * c.c * self.wavenumber_per_cm * 100.0 / c.electron_volt

    def chemical_potential(self, temperature: np.ndarray, pressure: np.ndarray) -> np.ndarray:
        """μ(T, p) - E of the molecule (eV) for T in K and p in Pa (broadcast)."""
        t = np.asarray(temperature, float)
        p = np.asarray(pressure, float)
        if np.any(t <= 0) or np.any(p <= 0):
            raise ValueError("temperature (K) and pressure (Pa) must be positive")
        m1, m2 = (mass * c.atomic_mass for mass in self.atom_masses_amu)
        inertia = m1 * m2 / (m1 + m2) * (self.bond_length_angstrom * 1e-10) ** 2
        kt_joule = c.k * t
        kt = K_B * t
        translational = -kt * np.log((2 * math.pi * (m1 + m2) / c.h**2) ** 1.5 * kt_joule**2.5 / p)
        rotational = -kt * np.log(
            8 * math.pi**2 * inertia * kt_joule / (self.symmetry_number * c.h**2)
        )
        electronic = -kt * math.log(self.spin_multiplicity)
        h_nu = self.vibrational_quantum
        vibrational = h_nu / 2 + kt * np.log1p(-np.exp(-h_nu / kt))
        return translational + rotational + electronic + vibrational

    def atom_chemical_potential(
        self, temperature: np.ndarray, pressure: np.ndarray, zero_point: bool = True
    ) -> np.ndarray:
        """Δμ_X = ½(μ_X2 - E_X2) per atom (eV); without ½·hν/2 when ``zero_point`` is False."""
        mu = 0.5 * self.chemical_potential(temperature, pressure)
        return mu if zero_point else mu - 0.25 * self.vibrational_quantum

    def log10_pressure(
        self, temperature: np.ndarray, atom_mu: np.ndarray, reference_pressure: float
    ) -> np.ndarray:
        """log10(p/p0) at which the gas has the atom chemical potential Δμ_X (eV) at T (K)."""
        t = np.asarray(temperature, float)
        at_reference = self.atom_chemical_potential(t, reference_pressure)
        return 2.0 * (np.asarray(atom_mu, float) - at_reference) / (K_B * t * math.log(10.0))
