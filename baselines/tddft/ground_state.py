"""Self-consistent Kohn–Sham ground state of two electrons in one orbital.

Solves H[n] φ = ε φ for the lowest orbital of H(t = 0) with n = 2|φ|², i.e. the fixed point
n_out[n] = n where n_out is the density of the lowest orbital of H[n], from the non-interacting
ground state. The root is found by Anderson mixing (``scipy.optimize.root``, method
``anderson``): plain linear mixing oscillates for stretched symmetric diatomics, Anderson
converges in 15-30 evaluations for every bound system of the task. Each evaluation solves the
banded eigenproblem for the lowest eigenpair only (``scipy.linalg.eig_banded``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.linalg import LinAlgWarning, eig_banded
from scipy.optimize import root

from baselines.tddft.system import Hamiltonian


@dataclass(frozen=True)
class GroundState:
    """Self-consistent orbital (real, ∫φ² dx = 1, Σφ > 0), ε (E_h), density, SCF evaluations."""

    orbital: np.ndarray
    eigenvalue: float
    density: np.ndarray
    evaluations: int


def lowest_orbital(hamiltonian: Hamiltonian, v: np.ndarray) -> tuple[np.ndarray, float]:
    """Lowest eigenpair of T + v on the grid, φ normalised to ∫φ² dx = 1 with Σφ > 0."""
    p = hamiltonian.stencil
    upper = hamiltonian.banded(v)[: p + 1]  # rows of diagonals +p .. 0 (upper form)
    values, vectors = eig_banded(upper, select="i", select_range=(0, 0), check_finite=False)
    phi = vectors[:, 0] / np.sqrt(hamiltonian.h)
    return (phi if phi.sum() > 0 else -phi), float(values[0])


def ground_state(hamiltonian: Hamiltonian, tol: float = 1e-11, max_iter: int = 200) -> GroundState:
    """SCF ground state of ``hamiltonian`` at t = 0 (no field: E(0) = 0 for a sine laser).

    Args:
        hamiltonian: the Kohn–Sham Hamiltonian.
        tol: stop when max |n_out[n] - n| < tol (electrons/bohr).
        max_iter: RuntimeError after this many Anderson iterations without convergence.
    """
    v_fixed = hamiltonian.potential(0.0, np.zeros_like(hamiltonian.x))
    phi, eps = lowest_orbital(hamiltonian, v_fixed)
    if hamiltonian.hxc is None:
        return GroundState(phi, eps, hamiltonian.density(phi), 0)
    evaluations = 0

    def residual(density: np.ndarray) -> np.ndarray:
        nonlocal evaluations
        evaluations += 1
        orbital, _ = lowest_orbital(hamiltonian, v_fixed + hamiltonian.hxc_potential(density))
        return hamiltonian.density(orbital) - density

    with warnings.catch_warnings():
        # Near convergence Anderson's small least-squares system becomes ill-conditioned
        # (LinAlgWarning); it still converges, and scipy's max-norm test of the residual is
        # checked below.
        warnings.simplefilter("ignore", LinAlgWarning)
        solution = root(
            residual,
            hamiltonian.density(phi),
            method="anderson",
            options={"fatol": tol, "maxiter": max_iter},
        )
    if not solution.success:
        raise RuntimeError(
            f"SCF not converged in {max_iter} Anderson iterations ({solution.message}); "
            "check that the system binds two electrons or raise max_iter"
        )
    phi, eps = lowest_orbital(hamiltonian, v_fixed + hamiltonian.hxc_potential(solution.x))
    return GroundState(phi, eps, hamiltonian.density(phi), evaluations)
