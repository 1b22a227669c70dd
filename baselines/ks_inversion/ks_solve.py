"""Forward Kohn–Sham problem of the two-electron singlet: the density of a given potential.

Both electrons occupy the lowest orbital of h_s = -1/2 d²/dx² + v_s (iDEA's finite differences,
``operators``), so n = 2 |φ0|² with Σ φ0² dx = 1. The banded eigenproblem is solved with
``scipy.linalg.eig_banded`` for the lowest eigenpair only (O(nx · stencil²)).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import scipy.linalg as sla

from baselines.ks_inversion.operators import hamiltonian_bands
from baselines.ks_inversion.systems import Physics, grid_spacing, hartree_potential

DEFAULT_STENCIL = 5


def ks_orbital(
    x: np.ndarray, v_s: np.ndarray, stencil: int = DEFAULT_STENCIL
) -> tuple[float, np.ndarray]:
    """Lowest eigenvalue ε (hartree) and orbital φ0 ≥ 0 (bohr^-1/2, Σ φ0² dx = 1) of h_s."""
    v_s = np.asarray(v_s, dtype=float)
    if v_s.shape != np.shape(x):
        raise ValueError(f"v_s has shape {v_s.shape}, the grid x has {np.shape(x)}")
    if not np.all(np.isfinite(v_s)):
        raise ValueError("v_s has NaN or infinite values; the KS equation needs a finite potential")
    dx = grid_spacing(x)
    eps, vectors = sla.eig_banded(
        hamiltonian_bands(v_s, dx, stencil), select="i", select_range=(0, 0), check_finite=False
    )
    phi = vectors[:, 0] / np.sqrt(dx)
    return float(eps[0]), phi if phi.sum() >= 0 else -phi


def ks_density(x: np.ndarray, v_s: np.ndarray, stencil: int = DEFAULT_STENCIL) -> np.ndarray:
    """Two-electron singlet KS density n = 2 |φ0|² of the potential v_s (bohr^-1)."""
    return 2.0 * ks_orbital(x, v_s, stencil)[1] ** 2


def density_errors(
    x: np.ndarray,
    density: np.ndarray,
    v_ext: np.ndarray,
    v_xc: np.ndarray,
    physics: Mapping[str, Any] | Physics,
) -> dict[str, np.ndarray]:
    """Physics check of predicted v_xc: re-solve the KS equation and compare densities.

    v_s = v_ext + v_H[n] + v_xc with the exact density n in v_H (one non-self-consistent KS
    solve per system; the exact v_xc reproduces n to round-off). Accepts one system (1D
    arrays) or a batch (leading system axis, shared ``x``).

    Returns:
        ``density_l1``: ∫ |n_KS - n| dx (electrons, out of 2); ``density_max_abs``:
        max |n_KS - n| (bohr^-1); one value per system, NaN where v_xc is not finite (a
        system the method did not predict).
    """
    settings = Physics.from_mapping(physics)
    density, v_ext, v_xc = (
        np.atleast_2d(np.asarray(a, dtype=float)) for a in (density, v_ext, v_xc)
    )
    if not density.shape == v_ext.shape == v_xc.shape or density.shape[1] != np.size(x):
        raise ValueError("density, v_ext and v_xc must have the same shape (n_systems, nx)")
    dx = grid_spacing(x)
    l1, max_abs = np.empty(len(density)), np.empty(len(density))
    for i, (n, v, xc) in enumerate(zip(density, v_ext, v_xc, strict=True)):
        if not np.all(np.isfinite(xc)):
            l1[i] = max_abs[i] = np.nan
            continue
        v_s = v + hartree_potential(x, n, settings.interaction_softening) + xc
        error = np.abs(ks_density(x, v_s, settings.stencil) - n)
        l1[i], max_abs[i] = error.sum() * dx, error.max()
    return {"density_l1": l1, "density_max_abs": max_abs}
