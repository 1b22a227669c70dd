"""Finite-difference one-electron operators on the task's grid (iDEA's discretisation).

The second derivative is the central (2m+1)-point stencil with weights from
``sympy.finite_diff_weights``, order 2m, truncated at the box edges, which is the same as
setting the wave function to zero at the m points beyond each edge (iDEA's
``kinetic_energy_operator``). The one-electron Hamiltonian is h = -1/2 d²/dx² + v(x), in
hartree for x in bohr.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import scipy.sparse as sps
from sympy import finite_diff_weights

from baselines.ks_inversion.systems import STENCILS


@cache
def stencil_weights(stencil: int) -> np.ndarray:
    """Weights w_k, k = -m..m, of f''(x) ≈ Σ_k w_k f(x + k dx) / dx² (exact rationals as floats)."""
    if stencil not in STENCILS:
        raise ValueError(f"stencil must be one of {STENCILS} (points), got {stencil}")
    half = stencil // 2
    weights = finite_diff_weights(2, list(range(-half, half + 1)), 0)[2][-1]
    array = np.array([float(w) for w in weights])
    array.setflags(write=False)  # shared by the cache
    return array


def second_derivative(nx: int, dx: float, stencil: int) -> sps.dia_array:
    """Sparse (nx, nx) matrix of d²/dx² with zero values beyond the grid (bohr^-2)."""
    weights = stencil_weights(stencil) / dx**2
    half = stencil // 2
    offsets = np.arange(-half, half + 1)
    return sps.diags_array(
        [np.full(nx - abs(k), w) for k, w in zip(offsets, weights, strict=True)],
        offsets=offsets,
        shape=(nx, nx),
    )


def hamiltonian_bands(v: np.ndarray, dx: float, stencil: int) -> np.ndarray:
    """Upper banded storage of h = -1/2 d²/dx² + diag(v) for ``scipy.linalg.eig_banded``.

    Row ``m - k`` holds the k-th superdiagonal (``m = stencil // 2``), right-aligned.
    """
    half = stencil // 2
    weights = -0.5 * stencil_weights(stencil)[half:] / dx**2  # diagonal, then k = 1..m
    bands = np.zeros((half + 1, v.size))
    for k in range(half + 1):
        bands[half - k, k:] = weights[k]
    bands[half] += v
    return bands


def hamiltonian(v: np.ndarray, dx: float, stencil: int) -> np.ndarray:
    """Dense h = -1/2 d²/dx² + diag(v) (hartree)."""
    h = -0.5 * second_derivative(v.size, dx, stencil).toarray()
    h[np.diag_indices(v.size)] += v
    return h
