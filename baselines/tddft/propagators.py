"""The four Octopus time propagators of the Kohn–Sham orbital (definitions of Castro et al.,
J. Chem. Phys. 121, 3425 (2004)), sharing the interface ``step(φ, t, Δt) -> φ(t + Δt)``.

With H(τ) = T + v(τ), v(τ) = v_ext + E(τ) x + v_Hxc[n(τ)] (``baselines.tddft.system``):

- ``crank_nicolson``: (1 + iΔt/2 H(t + Δt/2)) φ(t + Δt) = (1 - iΔt/2 H(t + Δt/2)) φ(t), a banded
  solve (``scipy.linalg.solve_banded``); unitary (Cayley transform).
- ``exp_mid`` (exponential midpoint): φ(t + Δt) = exp(-iΔt H(t + Δt/2)) φ(t).
- ``etrs`` (enforced time-reversal symmetry, Octopus' default):
  φ(t + Δt) = exp(-iΔt/2 H(t + Δt)) exp(-iΔt/2 H(t)) φ(t), where v_Hxc(t + Δt) is built from
  the density of the trial orbital exp(-iΔt H(t)) φ(t).
- ``aetrs`` (approximated ETRS): the same product with v_Hxc(t + Δt) extrapolated from the
  previous steps instead of the trial propagation.

The laser term E(τ) x is known at any time and always evaluated exactly; v_Hxc at t + Δt/2
(CN, EM) or t + Δt (AETRS) is the quadratic Lagrange extrapolation through v_Hxc at the last
three step starts (fewer in the first two steps: a local O(Δt²) error once, so the global
order stays 2). Each scheme is second order in Δt (measured in the tests). Exponentials are
Krylov (Lanczos, ``baselines.tddft.krylov``). A propagator instance follows one trajectory (it
keeps the v_Hxc history): make a new one per run.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
from scipy.linalg import solve_banded

from baselines.tddft.krylov import expm_krylov
from baselines.tddft.system import Hamiltonian

HISTORY = 3  # v_Hxc samples kept for the extrapolation (quadratic)
KRYLOV_TOL = 1e-12  # relative error bound of each exponential, far below the Δt² error


class Propagator(Protocol):
    """One time step of the orbital: ``step(φ, t, Δt)`` returns φ(t + Δt) (times in ħ/E_h)."""

    def step(self, phi: np.ndarray, t: float, dt: float) -> np.ndarray: ...


class _KohnShamStep:
    """Shared state of the schemes: the Hamiltonian, the Krylov tolerance, the v_Hxc history."""

    def __init__(self, hamiltonian: Hamiltonian, krylov_tol: float = KRYLOV_TOL) -> None:
        self.hamiltonian, self.krylov_tol = hamiltonian, float(krylov_tol)
        self.history: list[tuple[float, np.ndarray]] = []

    def _record(self, phi: np.ndarray, t: float) -> np.ndarray:
        """v_Hxc[n(φ)] at time t, appended to the history (later or stale entries dropped)."""
        v_hxc = self.hamiltonian.hxc_potential(self.hamiltonian.density(phi))
        self.history = [entry for entry in self.history if entry[0] < t][1 - HISTORY :]
        self.history.append((t, v_hxc))
        return v_hxc

    def _extrapolated(self, t: float) -> np.ndarray:
        """Lagrange extrapolation of the recorded v_Hxc to time t."""
        times = [entry[0] for entry in self.history]
        result = np.zeros_like(self.hamiltonian.x)
        for i, (t_i, v_i) in enumerate(self.history):
            weight = math.prod((t - t_j) / (t_i - t_j) for j, t_j in enumerate(times) if j != i)
            result = result + weight * v_i
        return result

    def _exp(self, v: np.ndarray, phi: np.ndarray, *taus: float) -> list[np.ndarray]:
        """exp(-iτ(T + v)) φ for each τ (one Krylov basis)."""
        return expm_krylov(
            lambda psi: self.hamiltonian.apply(v, psi), phi, taus, tol=self.krylov_tol
        )


class CrankNicolson(_KohnShamStep):
    """Crank–Nicolson with H(t + Δt/2) from the extrapolated v_Hxc."""

    def step(self, phi: np.ndarray, t: float, dt: float) -> np.ndarray:
        ham = self.hamiltonian
        self._record(phi, t)
        v = ham.potential(t + dt / 2, self._extrapolated(t + dt / 2))
        matrix = 0.5j * dt * ham.banded(v)
        matrix[ham.stencil] += 1.0
        rhs = phi - 0.5j * dt * ham.apply(v, phi)
        return solve_banded((ham.stencil, ham.stencil), matrix, rhs, check_finite=False)


class ExponentialMidpoint(_KohnShamStep):
    """exp(-iΔt H(t + Δt/2)) with the extrapolated v_Hxc."""

    def step(self, phi: np.ndarray, t: float, dt: float) -> np.ndarray:
        self._record(phi, t)
        v = self.hamiltonian.potential(t + dt / 2, self._extrapolated(t + dt / 2))
        return self._exp(v, phi, dt)[0]


class EnforcedTimeReversal(_KohnShamStep):
    """ETRS with H(t + Δt) from the trial orbital exp(-iΔt H(t)) φ (one basis for both τ)."""

    def step(self, phi: np.ndarray, t: float, dt: float) -> np.ndarray:
        ham = self.hamiltonian
        v_now = ham.potential(t, self._record(phi, t))
        trial, half = self._exp(v_now, phi, dt, dt / 2)
        v_next = ham.potential(t + dt, ham.hxc_potential(ham.density(trial)))
        return self._exp(v_next, half, dt / 2)[0]


class ApproximatedETRS(_KohnShamStep):
    """AETRS: ETRS with v_Hxc(t + Δt) extrapolated from the previous steps."""

    def step(self, phi: np.ndarray, t: float, dt: float) -> np.ndarray:
        ham = self.hamiltonian
        half = self._exp(ham.potential(t, self._record(phi, t)), phi, dt / 2)[0]
        v_next = ham.potential(t + dt, self._extrapolated(t + dt))
        return self._exp(v_next, half, dt / 2)[0]


PROPAGATORS: dict[str, type[_KohnShamStep]] = {
    "crank_nicolson": CrankNicolson,
    "exp_mid": ExponentialMidpoint,
    "etrs": EnforcedTimeReversal,
    "aetrs": ApproximatedETRS,
}


def make_propagator(
    name: str, hamiltonian: Hamiltonian, krylov_tol: float = KRYLOV_TOL
) -> Propagator:
    """A fresh propagator of scheme ``name`` (one of ``PROPAGATORS``) for ``hamiltonian``."""
    if name not in PROPAGATORS:
        raise ValueError(f"unknown propagator {name!r}; choose one of {sorted(PROPAGATORS)}")
    return PROPAGATORS[name](hamiltonian, krylov_tol)


def propagate(
    hamiltonian: Hamiltonian,
    phi0: np.ndarray,
    frame_dt: float,
    n_frames: int,
    propagator: str,
    dt: float,
    krylov_tol: float = KRYLOV_TOL,
) -> np.ndarray:
    """Orbitals at t = k · frame_dt, k = 0..n_frames-1, from φ(0) = ``phi0``.

    The internal step is the largest frame_dt / m ≤ ``dt`` (m integer); returns a complex array
    of shape (n_frames, nx) whose first row is ``phi0``.
    """
    if frame_dt <= 0 or dt <= 0 or n_frames < 1:
        raise ValueError(
            f"need frame_dt > 0, dt > 0, n_frames ≥ 1; got {frame_dt}, {dt}, {n_frames}"
        )
    substeps = max(1, math.ceil(frame_dt / dt - 1e-9))
    step = frame_dt / substeps
    scheme = make_propagator(propagator, hamiltonian, krylov_tol)
    frames = np.empty((n_frames, phi0.size), dtype=np.complex128)
    frames[0] = phi = np.asarray(phi0, dtype=np.complex128)
    for k in range((n_frames - 1) * substeps):
        phi = scheme.step(phi, k * step, step)
        if (k + 1) % substeps == 0:
            frames[(k + 1) // substeps] = phi
    return frames
