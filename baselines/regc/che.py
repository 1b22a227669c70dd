"""Computational hydrogen electrode (CHE): free-energy diagrams of proton–electron transfers.

With the standard hydrogen electrode as reference, the pair H⁺ + e⁻ has the free energy
½G(H2) - eU - k_B T ln10 · pH. A reaction path is a list of states k (intermediates on the
surface plus gas/liquid species) with free energies G_k(0, 0) at U = 0, pH = 0 (each
intermediate from ΔG = ΔE + ΔZPE - TΔS relative to H2O and H2) and the number n_k of H⁺ + e⁻
pairs consumed to reach it. Then

    G_k(U, pH) = G_k(0, 0) + n_k (eU + k_B T ln10 · pH),    ΔG_i = G_{i+1} - G_i,

and the limiting potential of a reduction path is the highest U at which every
proton–electron step is downhill: U_L = min_i (-ΔG_i(0, pH) / Δn_i) over steps with Δn_i > 0
(on the RHE scale, U - k_B T ln10 · pH / e, it does not depend on pH).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from baselines.regc.lattice import K_B

WATER_FORMATION = 1.229  # -ΔG°/2e of H2 + ½O2 → H2O(l) at 298 K (eV per H⁺ + e⁻ pair)


def free_energy(delta_e: float, delta_zpe: float, t_delta_s: float) -> float:
    """ΔG = ΔE + ΔZPE - TΔS of an intermediate (eV)."""
    return delta_e + delta_zpe - t_delta_s


def path_free_energies(
    g0: Sequence[float],
    transferred: Sequence[int],
    potential: float = 0.0,
    ph: float = 0.0,
    temperature: float = 298.15,
) -> np.ndarray:
    """G_k(U, pH) of the path states (eV) at potential U (V vs SHE), pH and T (K)."""
    g0, n = np.asarray(g0, float), np.asarray(transferred, float)
    if g0.shape != n.shape or g0.ndim != 1:
        raise ValueError("g0 and transferred must be 1D sequences of equal length")
    return g0 + n * (potential + K_B * temperature * math.log(10.0) * ph)


def limiting_potential(
    g0: Sequence[float], transferred: Sequence[int], ph: float = 0.0, temperature: float = 298.15
) -> float:
    """U_L (V vs SHE) of a reduction path: the largest U with every H⁺ + e⁻ step downhill."""
    steps = np.diff(path_free_energies(g0, transferred, 0.0, ph, temperature))
    electrons = np.diff(np.asarray(transferred, float))
    if np.any(electrons < 0) or not np.any(electrons > 0):
        raise ValueError("a reduction path consumes H⁺ + e⁻ pairs: transferred must not decrease")
    active = electrons > 0
    return float(np.min(-steps[active] / electrons[active]))


def orr_associative_path(
    g_o2: float, g_ooh: float, g_o: float, g_oh: float
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """States of the associative O2 reduction path in acid (labels, G_k(0, 0), n_k).

    O2(g) + * → O2* → HOO* → O* (+H2O) → HO* → * + 2H2O(l); the intermediates' free energies
    ΔG_X (eV) are relative to H2O(l) and H2 at U = 0, and 2H2O + * is the zero, so the initial
    state lies at 4 × 1.229 eV. ``g_o2`` is the free energy of the O2* state on that scale.
    """
    labels = ["O2 + *", "O2*", "HOO*", "O*", "HO*", "* + 2H2O"]
    g0 = np.array([4 * WATER_FORMATION, g_o2, g_ooh, g_o, g_oh, 0.0])
    return labels, g0, np.array([0, 0, 1, 2, 3, 4])
