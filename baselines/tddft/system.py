"""Kohn–Sham Hamiltonian of two electrons in one orbital on a 1D grid (atomic units).

The orbital φ(x) (bohr^-1/2, ∫|φ|² dx = 1) is doubly occupied, n = 2|φ|² (electrons/bohr), and

    H(t)[n] = -1/2 d²/dx² + v_ext(x) + E(t) x + v_Hxc[n](x),

with soft-Coulomb ions v_ion(x) = -Z1/sqrt((x - d/2)² + a²) - Z2/sqrt((x + d/2)² + a²) (or any
static v_ext), the length-gauge laser E(t) x with E(t) = E0 sin(ω t) (E_h/(e bohr)), and

    v_Hxc[n](x) = f ∫ n(x') / sqrt((x - x')² + b²) dx',   E_Hxc[n] = f/2 ∫∫ n n' / sqrt(...).

xc = ``exchange``: exact exchange of two electrons in one orbital, v_x = -v_H/2, so f = 1/2
(this is time-dependent Hartree–Fock; it removes the self-interaction exactly). xc = ``none``:
Hartree only (f = 1). A Hamiltonian without ``hxc`` is non-interacting (any static v_ext).

Space is a uniform grid with the orbital set to zero beyond its ends (hard walls one spacing
outside the box); d²/dx² is the central finite difference with ``stencil`` neighbours on each
side, accurate to O(h^{2·stencil}) (Octopus' default star stencil has 4), applied as one
``np.convolve`` (zero padding is the hard wall).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

OCCUPATION = 2  # electrons in the single Kohn–Sham orbital (spin singlet)
XC_FACTORS = {"exchange": 0.5, "none": 1.0}  # f in v_Hxc = f v_H


def uniform_axis(box: Sequence[float], nx: int) -> np.ndarray:
    """``nx`` uniform points from box[0] to box[1] inclusive (bohr)."""
    low, high = (float(edge) for edge in box)
    if not high > low or int(nx) < 3:
        raise ValueError(f"need box[0] < box[1] and nx >= 3, got box={list(box)}, nx={nx}")
    return np.linspace(low, high, int(nx))


def grid_spacing(values: np.ndarray, name: str = "the grid") -> float:
    """Spacing of a strictly increasing uniform 1D array ``name``; ValueError otherwise."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or values.size < 2:
        raise ValueError(f"{name} must be a 1D array of at least 2 points")
    steps = np.diff(values)
    step = float(steps.mean())
    if step <= 0 or not np.allclose(steps, step, rtol=1e-9, atol=0.0):
        raise ValueError(f"{name} must be uniform and strictly increasing")
    return step


def laplacian_stencil(neighbours: int) -> np.ndarray:
    """Weights c_{-p..p} of h² d²/dx² ≈ Σ_k c_k f(x + k h), error O(h^{2p}), p = ``neighbours``.

    Closed form of the central weights (Fornberg): c_k = 2 (-1)^{k+1} (p!)² / (k² (p-k)! (p+k)!)
    for k ≥ 1, c_0 = -2 Σ_{k≥1} c_k.
    """
    p = int(neighbours)
    if p < 1:
        raise ValueError(f"the stencil needs at least 1 neighbour per side, got {neighbours}")
    side = [
        2 * (-1) ** (k + 1) * math.factorial(p) ** 2
        / (k * k * math.factorial(p - k) * math.factorial(p + k))
        for k in range(1, p + 1)
    ]  # fmt: skip
    return np.array([*side[::-1], -2 * sum(side), *side])


def soft_coulomb_ions(
    x: np.ndarray, z1: float, z2: float, d: float, softening: float
) -> np.ndarray:
    """v_ion(x) = -Z1/sqrt((x - d/2)² + a²) - Z2/sqrt((x + d/2)² + a²) in E_h (x, d, a in bohr)."""
    return -z1 / np.sqrt((x - d / 2) ** 2 + softening**2) - z2 / np.sqrt(
        (x + d / 2) ** 2 + softening**2
    )


@dataclass(frozen=True)
class Laser:
    """Length-gauge field E(t) = E0 sin(ω t) (E_h/(e bohr)); potential E(t) x."""

    amplitude: float
    omega: float

    def field(self, t: float) -> float:
        return self.amplitude * math.sin(self.omega * t)


class HartreeExchange:
    """v_Hxc[n] = f W n with W_ij = h / sqrt((x_i - x_j)² + b²) (quadrature of the convolution)."""

    def __init__(self, x: np.ndarray, softening: float, xc: str) -> None:
        if xc not in XC_FACTORS:
            raise ValueError(f"unknown xc {xc!r}; choose one of {sorted(XC_FACTORS)}")
        h = grid_spacing(x)
        self.factor = XC_FACTORS[xc]
        self.kernel = self.factor * h / np.sqrt((x[:, None] - x[None, :]) ** 2 + softening**2)
        self.h = h

    def potential(self, density: np.ndarray) -> np.ndarray:
        """v_Hxc(x) in E_h for a density in electrons/bohr."""
        return self.kernel @ density

    def energy(self, density: np.ndarray) -> float:
        """E_Hxc = 1/2 ∫ n v_Hxc dx (E_h)."""
        return 0.5 * self.h * float(density @ self.kernel @ density)


class Hamiltonian:
    """H(t)[n] of the module docstring on the grid ``x``.

    The propagators work with the local potential v = v_ext + E(t) x + v_Hxc as an array:
    ``potential(t, v_hxc)`` builds it, ``apply(v, φ)`` returns H φ.

    Args:
        x: uniform grid (bohr).
        v_ext: static external potential on the grid (E_h).
        laser: the field, or None for a static Hamiltonian.
        hxc: the Hartree–exchange term, or None for non-interacting electrons.
        stencil: finite-difference neighbours per side of the Laplacian.
    """

    def __init__(
        self,
        x: np.ndarray,
        v_ext: np.ndarray,
        laser: Laser | None = None,
        hxc: HartreeExchange | None = None,
        stencil: int = 4,
    ) -> None:
        self.x = np.asarray(x, dtype=float)
        self.h = grid_spacing(self.x)
        self.v_ext = np.asarray(v_ext, dtype=float)
        if self.v_ext.shape != self.x.shape:
            raise ValueError(f"v_ext has shape {self.v_ext.shape}, the grid {self.x.shape}")
        if 2 * int(stencil) + 1 > self.x.size:
            raise ValueError(f"a {stencil}-neighbour stencil needs more than {self.x.size} points")
        self.laser, self.hxc = laser, hxc
        self.kinetic = -0.5 * laplacian_stencil(stencil) / self.h**2  # weights of T = -1/2 d²/dx²
        self.stencil = int(stencil)

    def density(self, phi: np.ndarray) -> np.ndarray:
        """n = 2|φ|² (electrons/bohr)."""
        return OCCUPATION * (phi.real**2 + phi.imag**2)

    def hxc_potential(self, density: np.ndarray) -> np.ndarray:
        """v_Hxc[n] (zero for non-interacting electrons)."""
        return np.zeros_like(self.x) if self.hxc is None else self.hxc.potential(density)

    def potential(self, t: float, v_hxc: np.ndarray) -> np.ndarray:
        """Local potential v_ext + E(t) x + v_Hxc at time t (E_h)."""
        v = self.v_ext + v_hxc
        return v if self.laser is None else v + self.laser.field(t) * self.x

    def apply(self, v: np.ndarray, phi: np.ndarray) -> np.ndarray:
        """H φ = T φ + v φ (T with hard walls beyond the grid ends)."""
        return np.convolve(phi, self.kinetic, mode="same") + v * phi

    def banded(self, v: np.ndarray) -> np.ndarray:
        """H in the (2p + 1, nx) diagonal-ordered form of ``scipy.linalg.solve_banded``."""
        p = self.stencil
        bands = np.repeat(self.kinetic[:, None], self.x.size, axis=1)
        bands[p] += v
        return bands

    def energy(self, phi: np.ndarray, t: float = 0.0) -> float:
        """E = 2 ⟨φ|T + v_ext + E(t) x|φ⟩ + E_Hxc[n] (E_h); φ normalised on the grid."""
        v = self.potential(t, np.zeros_like(self.x))
        one_body = self.h * float(np.vdot(phi, self.apply(v, phi)).real)
        density = self.density(phi)
        return OCCUPATION * one_body + (0.0 if self.hxc is None else self.hxc.energy(density))
