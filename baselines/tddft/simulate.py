"""One system's density movie under the laser, and the sampler of systems (atomic units).

A system is a row (Z1, Z2, d): soft-Coulomb nuclei of charges Z1, Z2 at x = +d/2 and -d/2
(``baselines.tddft.system``). Atoms are rows with d = 0: both nuclei sit at the origin and act as
one nucleus of charge Z1 + Z2. The ``physics`` dict (``task.physics`` in ``conf/task/tddft.yaml``)
holds:

- ``box`` [x_min, x_max] and ``nx``: the uniform grid (bohr), hard walls just outside;
- ``ion_softening`` a, ``interaction_softening`` b (bohr); ``xc``: ``exchange`` | ``none``;
- ``laser``: ``E0`` (E_h/(e bohr)), ``omega`` (E_h/ħ) of E(t) = E0 sin(ω t);
- ``frames``: ``n`` frames every ``dt`` (ħ/E_h) from t = 0;
- ``reference``: ``propagator`` (``crank_nicolson`` | ``exp_mid`` | ``etrs`` | ``aetrs``) and its
  internal step ``dt`` (ħ/E_h);
- ``stencil`` (optional, default 4 as in Octopus): finite-difference neighbours per side.

The movie starts from the self-consistent ground state (frame 0), whose orbital energy must be
negative (two bound electrons).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from baselines.tddft.ground_state import ground_state
from baselines.tddft.propagators import propagate
from baselines.tddft.system import (
    Hamiltonian,
    HartreeExchange,
    Laser,
    soft_coulomb_ions,
    uniform_axis,
)

DEFAULT_STENCIL = 4  # Octopus' default DerivativesOrder


def system_hamiltonian(params: np.ndarray, physics: Mapping[str, Any]) -> Hamiltonian:
    """The Kohn–Sham Hamiltonian of the system ``params`` = (Z1, Z2, d) on the physics grid."""
    z1, z2, d = (float(value) for value in params)
    x = uniform_axis(physics["box"], int(physics["nx"]))
    laser = Laser(float(physics["laser"]["E0"]), float(physics["laser"]["omega"]))
    hxc = HartreeExchange(x, float(physics["interaction_softening"]), str(physics["xc"]))
    v_ion = soft_coulomb_ions(x, z1, z2, d, float(physics["ion_softening"]))
    return Hamiltonian(x, v_ion, laser, hxc, int(physics.get("stencil", DEFAULT_STENCIL)))


def orbital_movie(
    params: np.ndarray, physics: Mapping[str, Any], propagator: str, dt: float
) -> tuple[Hamiltonian, np.ndarray]:
    """The Hamiltonian and the orbital (n_frames, nx) from the ground state with ``propagator``."""
    hamiltonian = system_hamiltonian(params, physics)
    start = ground_state(hamiltonian)
    if start.eigenvalue >= 0:
        raise ValueError(
            f"system (Z1, Z2, d) = {tuple(params)} does not bind two electrons (orbital energy "
            f"{start.eigenvalue:.3f} E_h ≥ 0): raise the charges of the sampled ranges"
        )
    frames = physics["frames"]
    orbitals = propagate(
        hamiltonian, start.orbital, float(frames["dt"]), int(frames["n"]), propagator, dt
    )
    return hamiltonian, orbitals


def simulate_system(item: tuple[np.ndarray, Mapping[str, Any]]) -> dict[str, np.ndarray]:
    """``density`` (n_frames, nx) in electrons/bohr of ``item`` = (params row, physics dict).

    Propagated with ``physics["reference"]`` (scheme and internal step); frame 0 is the ground
    state; every frame integrates to 2 (Σ n Δx) up to round-off.
    """
    params, physics = item
    reference = physics["reference"]
    hamiltonian, orbitals = orbital_movie(
        params, physics, str(reference["propagator"]), float(reference["dt"])
    )
    return {"density": hamiltonian.density(orbitals)}


def sample_systems(n: int, ranges: Mapping[str, Any], seed: int) -> np.ndarray:
    """``n`` rows (Z1, Z2, d): a fraction ``atom_fraction`` of atoms (d = 0), the rest diatomics.

    Z1, Z2 are uniform in ``ranges["Z"]`` (for atoms too: one nucleus of charge Z1 + Z2) and the
    diatomic bond length uniform in ``ranges["d"]`` (bohr); each row is an atom with probability
    ``atom_fraction``. Every Z1, Z2 ≥ 0.5 with d ≤ 4 binds two electrons (box ±20 or wider):
    the weakest, Z1 = Z2 = 0.5 at d = 4, has ε = -0.024 E_h, its orbital decaying as
    e^{-0.22|x|}; Z ≥ 0.75 keeps ε below -0.2 E_h.
    """
    z_low, z_high = (float(v) for v in ranges["Z"])
    d_low, d_high = (float(v) for v in ranges["d"])
    atom_fraction = float(ranges["atom_fraction"])
    if not (0 < z_low <= z_high and 0 <= d_low <= d_high and 0 <= atom_fraction <= 1):
        raise ValueError(
            "ranges need 0 < Z[0] ≤ Z[1], 0 ≤ d[0] ≤ d[1] and 0 ≤ atom_fraction ≤ 1, got "
            f"{dict(ranges)}"
        )
    rng = np.random.default_rng(seed)
    charges = rng.uniform(z_low, z_high, size=(n, 2))
    bonds = rng.uniform(d_low, d_high, size=n)
    bonds[rng.random(n) < atom_fraction] = 0.0
    return np.column_stack([charges, bonds])
