"""Adsorbate lattice gas on an L × M periodic square lattice (energies in eV, T in K).

Every site holds n_i ∈ {0, 1} adsorbates. With N = Σ_i n_i and B = Σ_<ij> n_i n_j the number of
occupied nearest-neighbour bonds, the energy and the grand-canonical weight are

    E = -ε0 N - ε B,        w(n; T, μ) ∝ exp[-β(E - μN)],   β = 1/(k_B T),

with ε0 the adsorption energy (ε0 > 0 binds) and ε the pair interaction (ε > 0 attractive,
ε < 0 repulsive). The bonds are the 2LM pairs (i, i + x̂) and (i, i + ŷ) of the torus; for an
axis of length 2 the two bonds of a site along it join the same pair of sites and both count,
which is what periodic neighbour sums (``np.roll``) give. μ is the chemical potential of the
adsorbate relative to the reference of ε0 (e.g. ½E of the gas molecule), so the adsorbates carry
no momentum integral: see :mod:`baselines.regc.sampler` for the thermal-wavelength convention.
Since E depends on the configuration only through (N, B), every thermodynamic quantity follows
from the density of states g(N, B) (:mod:`baselines.regc.thermo`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.constants import Boltzmann, electron_volt

K_B = Boltzmann / electron_volt  # Boltzmann constant in eV/K


@dataclass(frozen=True)
class LatticeGas:
    """Model parameters: lattice ``shape`` (L, M) and energies ``eps0``, ``eps`` (eV)."""

    shape: tuple[int, int]
    eps0: float
    eps: float

    def __post_init__(self) -> None:
        if len(self.shape) != 2 or min(self.shape) < 2:
            raise ValueError(f"lattice shape must be two lengths >= 2, got {self.shape}")
        object.__setattr__(self, "shape", (int(self.shape[0]), int(self.shape[1])))
        object.__setattr__(self, "eps0", float(self.eps0))
        object.__setattr__(self, "eps", float(self.eps))

    @property
    def sites(self) -> int:
        """Number of sites L·M."""
        return self.shape[0] * self.shape[1]

    @property
    def max_bonds(self) -> int:
        """Number of bonds 2LM (the largest possible B)."""
        return 2 * self.sites

    def energy(self, n_ads: np.ndarray, bonds: np.ndarray) -> np.ndarray:
        """E = -ε0 N - ε B (eV) for adsorbate counts N and occupied-bond counts B."""
        return -self.eps0 * np.asarray(n_ads, float) - self.eps * np.asarray(bonds, float)


def count_bonds(occupation: np.ndarray) -> np.ndarray:
    """Occupied bonds B of configurations ``(..., L, M)`` of 0/1 occupations (periodic)."""
    occ = np.asarray(occupation, np.int64)
    return (occ * np.roll(occ, -1, axis=-2)).sum(axis=(-2, -1)) + (
        occ * np.roll(occ, -1, axis=-1)
    ).sum(axis=(-2, -1))


def beta(temperature: np.ndarray | float) -> np.ndarray:
    """β = 1/(k_B T) in 1/eV for T in K."""
    temperature = np.asarray(temperature, float)
    if np.any(temperature <= 0):
        raise ValueError("temperatures must be positive (K)")
    return 1.0 / (K_B * temperature)
