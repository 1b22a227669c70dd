"""Analytic Kohn–Sham inversion of a two-electron singlet density; tails and gauge of v_xc.

Both electrons occupy one KS orbital, so φ = sqrt(n/2) exactly and the KS equation
-1/2 φ'' + v_s φ = ε φ inverts pointwise:

    v_s(x) = ε + φ''(x) / (2 φ(x)),    v_xc = v_s - v_ext - v_H[n].

φ'' is taken with the same finite-difference operator as the Hamiltonian (``operators``), so on
the grid the inversion is exact: the KS Hamiltonian with this v_s has φ as its (nodeless)
ground state with eigenvalue ε.

Gauge (the constant ε): the ionisation-potential theorem, ε = -I = E0(2 electrons) -
E0(1 electron), the exact-KS condition that goes with v_xc → 0 far away. In the box it gives
v_xc + v_H/2 → ~0 at the edges (measured over the 729 systems at 301 points: ≤ 3e-3 Ha for
atoms, ≤ 0.07 Ha for molecules, the largest for near-symmetric heteronuclear pairs at d = 4,
whose exact v_xc steps between the wells and has not reached its asymptote by the edge).
:func:`fix_gauge` brings any other inverter's v_xc into this gauge by one KS solve: it shifts
v_xc so that the lowest eigenvalue of v_ext + v_H + v_xc is ε. That eigenvalue is a
density-weighted property of the potential, so the shift is insensitive to errors in the
low-density tails, where iterative inverters are least accurate.

Tails: where n < ``density_floor`` the density no longer resolves v_xc: φ''/φ amplifies the
relative error of φ (measured: tightening the exact solver's tolerance from 1e-9 to 1e-11 Ha
changes v_xc by ≤ 3e-6 Ha where n ≥ 1e-10 but by up to 1e-4 Ha where n ~ 1e-14). There v_xc
is continued by its asymptotic form: far out the remaining electron screens one unit of
charge, v_s → v_ext + v_int ≈ v_ext + v_H/2, so v_xc → -v_H/2 + const (the 1D analogue of
-1/r). :func:`continue_tails` interpolates g = v_xc + v_H/2 linearly across unresolved points
and holds it constant beyond the outermost resolved ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from baselines.ks_inversion.ks_solve import ks_orbital
from baselines.ks_inversion.operators import second_derivative
from baselines.ks_inversion.systems import Physics, grid_spacing, hartree_potential


def continue_tails(
    x: np.ndarray, density: np.ndarray, v_xc: np.ndarray, v_h: np.ndarray, density_floor: float
) -> np.ndarray:
    """v_xc with its values where n < ``density_floor`` replaced by -v_H/2 + const (a copy).

    Args:
        x: grid (bohr).
        density: n (bohr^-1) that v_xc belongs to.
        v_xc: exchange-correlation potential (hartree), any gauge.
        v_h: Hartree potential of ``density`` (hartree).
        density_floor: smallest density (bohr^-1) at which v_xc is kept.
    """
    resolved = density >= density_floor
    if not resolved.any():
        raise ValueError(f"the density is below density_floor={density_floor:g} everywhere")
    g = v_xc + 0.5 * v_h
    return np.interp(x, x[resolved], g[resolved]) - 0.5 * v_h


def fix_gauge(
    x: np.ndarray,
    v_ext: np.ndarray,
    v_h: np.ndarray,
    v_xc: np.ndarray,
    eps: float,
    stencil: int,
) -> np.ndarray:
    """v_xc shifted so that the KS eigenvalue of v_ext + v_H + v_xc equals ``eps`` (a copy).

    ``v_h`` is the Hartree potential of the density (hartree); ``eps`` the exact KS eigenvalue
    -I of the system (``exact.solve_system``'s ``eps``).
    """
    return v_xc + (eps - ks_orbital(x, v_ext + v_h + v_xc, stencil)[0])


def to_task_gauge(
    x: np.ndarray,
    density: np.ndarray,
    v_ext: np.ndarray,
    v_xc: np.ndarray,
    eps: np.ndarray,
    physics: Mapping[str, Any] | Physics,
) -> np.ndarray:
    """The target's tail treatment and gauge applied to v_xc from any inverter (a copy).

    :func:`continue_tails` below ``physics.density_floor``, then :func:`fix_gauge` to the KS
    eigenvalue ``eps``. Takes one system (1D arrays, scalar ``eps``) or a batch (``density``,
    ``v_ext``, ``v_xc`` of shape (n, nx), ``eps`` (n,)); rows of v_xc that are not finite (systems
    a method did not predict) are returned unchanged.
    """
    p = Physics.from_mapping(physics)
    single = np.ndim(v_xc) == 1
    density, v_ext, v_xc = (
        np.atleast_2d(np.asarray(a, dtype=float)) for a in (density, v_ext, v_xc)
    )
    eps = np.atleast_1d(np.asarray(eps, dtype=float))
    if not density.shape == v_ext.shape == v_xc.shape or eps.shape != density.shape[:1]:
        raise ValueError("density, v_ext, v_xc must have one shape (n, nx) and eps shape (n,)")
    out = v_xc.copy()
    for i in np.flatnonzero(np.all(np.isfinite(v_xc), axis=1)):
        v_h = hartree_potential(x, density[i], p.interaction_softening)
        tails = continue_tails(x, density[i], v_xc[i], v_h, p.density_floor)
        out[i] = fix_gauge(x, v_ext[i], v_h, tails, eps[i], p.stencil)
    return out[0] if single else out


def invert(
    x: np.ndarray,
    density: np.ndarray,
    v_ext: np.ndarray,
    eps: float,
    interaction_softening: float,
    stencil: int,
    density_floor: float,
) -> dict[str, np.ndarray]:
    """Exact KS potentials of a two-electron singlet density (module docstring).

    Args:
        x: uniform grid (bohr).
        density: n > 0 (bohr^-1).
        v_ext: external potential (hartree).
        eps: KS eigenvalue fixing the gauge, -I = E0(2) - E0(1) (hartree).
        interaction_softening: b of 1/(|x - x'| + b) (bohr).
        stencil: points of the second-derivative stencil.
        density_floor: below it v_xc is continued by :func:`continue_tails`.

    Returns:
        ``v_s``, ``v_h``, ``v_xc`` (hartree, shape of ``x``).
    """
    density = np.asarray(density, dtype=float)
    if density.shape != np.shape(x) or np.shape(v_ext) != np.shape(x):
        raise ValueError("density and v_ext must have the shape of the grid x")
    if np.any(density <= 0):
        raise ValueError(
            "the density must be positive on every grid point (the singlet ground state is "
            "nodeless); clip round-off zeros to a tiny positive value before inverting"
        )
    phi = np.sqrt(0.5 * density)
    curvature = second_derivative(x.size, grid_spacing(x), stencil) @ phi / (2.0 * phi)
    v_h = hartree_potential(x, density, interaction_softening)
    v_xc = continue_tails(x, density, eps + curvature - v_ext - v_h, v_h, density_floor)
    return {"v_s": v_ext + v_h + v_xc, "v_h": v_h, "v_xc": v_xc}
