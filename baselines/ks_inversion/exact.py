"""Exact references: two-electron singlet ground state (exact diagonalisation) and its KS data.

The spatial wave function Ψ(x1, x2) of the singlet is symmetric, Ψ = Ψᵀ as an (nx, nx) matrix,
and the Hamiltonian acts on it as

    H Ψ = h Ψ + Ψ h + U ∘ Ψ,    h = -1/2 d²/dx² + v_ext,    U_ij = 1/(|x_i - x_j| + b),

the grid version of H = h(x1) + h(x2) + v_int(x1, x2) with iDEA's finite differences
(``operators``) and normalisation Σ_ij Ψ_ij² dx² = 1. The density is n(x_i) = 2 Σ_j Ψ_ij² dx.

The lowest eigenpair is found by LOBPCG (``scipy.sparse.linalg.lobpcg``, matrix-free), started
from the product φ0 ⊗ φ0 of the lowest orbital of h and preconditioned by the exact inverse of
the non-interacting part, (h ⊗ 1 + 1 ⊗ h - σ)⁻¹, applied in the eigenbasis C of h as
C[(Cᵀ R C) / (ε_i + ε_j - σ)]Cᵀ. Start vector and preconditioner keep Ψ symmetric, so the
iteration stays in the singlet (exchange-symmetric) sector. Because 0 < U ≤ 1/b, the
preconditioned operator is a bounded perturbation of the identity and LOBPCG converges in
~10-25 iterations independent of nx; this is what makes the solver fast. Measured at 301
points on one thread (busy machine, so provisional): 0.16-0.22 s CPU per ground state, against
1.2 s for ARPACK shift-invert, 3.2 s for ARPACK on the packed i ≤ j singlet basis and 37-45 s
CPU for ``iDEA.methods.interacting.solve`` with the same 5-point stencil (82 s with its default
13-point one); energies agree to 1e-13 Ha.

:func:`solve_system` is the per-system job of the data set (top-level and picklable, for
``baselines.parallel.map_systems``): the ground state, then the exact KS inversion of its density
(``inversion``) in the gauge ε = E0(2) - E0(1).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sps
import scipy.sparse.linalg as spla

from baselines.ks_inversion.inversion import invert
from baselines.ks_inversion.operators import hamiltonian
from baselines.ks_inversion.systems import (
    Physics,
    external_potential,
    grid_spacing,
    interaction_matrix,
)

PRECONDITIONER_GAP = 0.1  # σ = 2 ε0 - gap (hartree): keeps the preconditioner positive definite


@dataclass(frozen=True)
class GroundState:
    """Two-electron singlet ground state on the grid.

    Attributes:
        energy: E0 (hartree).
        ion_energy: lowest eigenvalue of h, the one-electron ion's energy E0(1) (hartree).
        density: n(x) (bohr^-1), ∫ n dx = 2.
        psi: symmetric spatial wave function Ψ(x_i, x_j) (bohr^-1), Σ Ψ² dx² = 1, Ψ ≥ 0 in bulk.
        iterations: LOBPCG iterations used.
        residual: ‖HΨ - E0 Ψ‖ / ‖Ψ‖ (hartree, Frobenius norms) at exit.
    """

    energy: float
    ion_energy: float
    density: np.ndarray
    psi: np.ndarray
    iterations: int
    residual: float


def ground_state(
    x: np.ndarray,
    v_ext: np.ndarray,
    interaction_softening: float,
    stencil: int,
    tol: float = 1e-11,
    max_iterations: int = 200,
) -> GroundState:
    """Exact singlet ground state of H = h(x1) + h(x2) + 1/(|x1 - x2| + b).

    Args:
        x: uniform grid (bohr), edges included.
        v_ext: external potential on ``x`` (hartree).
        interaction_softening: b (bohr).
        stencil: points of the second-derivative stencil (iDEA's convention).
        tol: convergence threshold on the residual ‖HΨ - EΨ‖/‖Ψ‖ (hartree).
        max_iterations: LOBPCG iteration cap; RuntimeError if the residual is still above tol.
    """
    nx = x.size
    h = hamiltonian(v_ext, grid_spacing(x), stencil)
    eps, orbitals = sla.eigh(h)
    h_sparse = sps.csr_array(h)
    u = interaction_matrix(x, interaction_softening)
    shifted = eps[:, None] + eps[None, :] - (2 * eps[0] - PRECONDITIONER_GAP)

    def apply_h(block: np.ndarray) -> np.ndarray:
        out = np.empty_like(block)
        for k in range(block.shape[1]):
            psi = block[:, k].reshape(nx, nx)
            h_psi = h_sparse @ psi
            out[:, k] = (h_psi + (h_sparse @ psi.T).T + u * psi).ravel()
        return out

    def precondition(block: np.ndarray) -> np.ndarray:
        out = np.empty_like(block)
        for k in range(block.shape[1]):
            coefficients = orbitals.T @ block[:, k].reshape(nx, nx) @ orbitals
            out[:, k] = (orbitals @ (coefficients / shifted) @ orbitals.T).ravel()
        return out

    size = nx * nx
    operator = spla.LinearOperator((size, size), matvec=apply_h, matmat=apply_h, dtype=float)
    preconditioner = spla.LinearOperator(
        (size, size), matvec=precondition, matmat=precondition, dtype=float
    )
    start = np.outer(orbitals[:, 0], orbitals[:, 0]).reshape(size, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # non-convergence is checked below
        energies, vectors, history = spla.lobpcg(
            operator,
            start,
            M=preconditioner,
            largest=False,
            tol=tol,
            maxiter=max_iterations,
            retResidualNormsHistory=True,
        )
    vector = vectors[:, 0]
    residual = float(np.linalg.norm(apply_h(vector[:, None])[:, 0] - energies[0] * vector))
    residual /= float(np.linalg.norm(vector))
    if residual > tol:
        raise RuntimeError(
            f"two-electron ground state not converged: residual {residual:.3g} Ha > tol {tol:g} "
            f"after {len(history)} LOBPCG iterations; raise max_iterations or check the system"
        )
    psi = vector.reshape(nx, nx)
    psi = 0.5 * (psi + psi.T)
    dx = grid_spacing(x)
    psi /= np.sqrt(np.sum(psi * psi)) * dx
    if psi.sum() < 0:
        psi = -psi
    density = 2.0 * dx * np.sum(psi * psi, axis=1)
    return GroundState(float(energies[0]), float(eps[0]), density, psi, len(history), residual)


def solve_system(
    item: tuple[Sequence[float], Mapping[str, Any] | Physics],
) -> dict[str, np.ndarray]:
    """Exact references of the system ``item = ((Z1, Z2, d), physics)``.

    Returns:
        ``x`` (bohr), ``density`` (bohr^-1), ``v_ext``, ``v_h``, ``v_s``, ``v_xc`` (hartree),
        each of shape (nx,); ``energy``, the interacting ground-state energy E0(2), and
        ``eps`` = E0(2) - E0(1) = -I, the KS eigenvalue that fixes the gauge of v_s and v_xc
        (0-d arrays, hartree).
    """
    (z1, z2, d), physics = item
    settings = Physics.from_mapping(physics)
    x = settings.x
    v_ext = external_potential(x, float(z1), float(z2), float(d), settings.softening)
    state = ground_state(x, v_ext, settings.interaction_softening, settings.stencil)
    eps = state.energy - state.ion_energy
    ks = invert(
        x,
        state.density,
        v_ext,
        eps,
        settings.interaction_softening,
        settings.stencil,
        settings.density_floor,
    )
    return {
        "x": x,
        "density": state.density,
        "v_ext": v_ext,
        **ks,
        "energy": np.asarray(state.energy),
        "eps": np.asarray(eps),
    }
