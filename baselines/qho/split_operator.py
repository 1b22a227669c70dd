"""Strang split-operator Fourier propagator for the d-dim harmonic oscillator (atomic units).

Solves i ∂_t ψ = (T + V) ψ with T = -1/2 ∇² and V = 1/2 ω² r² on a periodic grid:

    ψ(t + Δt) ≈ e^{-iVΔt/2} F⁻¹[ e^{-i|k|²Δt/2} F[ e^{-iVΔt/2} ψ(t) ] ],

which is unitary and second-order accurate in Δt; the spatial error is spectral. The periodic
grid shares the spacing of the evaluation axes and extends beyond them, so evaluation points are
exact grid points and the (non-vanishing) state at the window edge does not feel the period.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import fft

from baselines.qho import exact

_RTOL = 1e-9  # relative tolerance of the uniformity checks


@dataclass(frozen=True)
class PaddedGrid:
    """Periodic grid containing the evaluation axes as a contiguous block of points.

    Attributes:
        axes: periodic grid coordinates per dimension (bohr).
        window: index slices selecting the evaluation axes inside ``axes``.
    """

    axes: tuple[np.ndarray, ...]
    window: tuple[slice, ...]


def _spacing(values: np.ndarray, name: str) -> float:
    """Spacing of a strictly increasing uniform 1D array; ValueError otherwise."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or values.size < 2:
        raise ValueError(f"{name} must be a 1D array with at least 2 points")
    steps = np.diff(values)
    step = float(steps.mean())
    if step <= 0 or not np.allclose(steps, step, rtol=_RTOL, atol=0.0):
        raise ValueError(f"{name} must be uniform and strictly increasing")
    return step


def padded_grid(axes: Sequence[np.ndarray], padding: float = 2.0) -> PaddedGrid:
    """Extend each uniform axis on both sides by ``padding`` × its half-width (same spacing)."""
    if padding < 0:
        raise ValueError("padding must be non-negative")
    full, window = [], []
    for i, axis in enumerate(axes):
        axis = np.asarray(axis, dtype=float)
        h = _spacing(axis, f"axes[{i}]")
        extra = math.ceil(padding * 0.5 * (axis[-1] - axis[0]) / h - _RTOL)
        full.append(axis[0] + h * np.arange(-extra, axis.size + extra))
        window.append(slice(extra, extra + axis.size))
    return PaddedGrid(tuple(full), tuple(window))


class StrangPropagator:
    """Strang splitting e^{-iVΔt/2} e^{-iTΔt} e^{-iVΔt/2} on a periodic uniform grid.

    The phase factors are computed once at construction; consecutive half potential steps are
    merged into one full step.
    """

    def __init__(self, axes: Sequence[np.ndarray], omega: float, dt: float) -> None:
        """Set up for periodic grid ``axes`` (bohr), frequency ω (E_h/ħ) and step Δt (ħ/E_h)."""
        spacings = [_spacing(a, f"axes[{i}]") for i, a in enumerate(axes)]
        mesh = np.meshgrid(*axes, indexing="ij", sparse=True)
        potential = 0.5 * omega**2 * sum(x * x for x in mesh)
        wavenumbers = np.meshgrid(
            *(2 * np.pi * fft.fftfreq(len(a), d=h) for a, h in zip(axes, spacings, strict=True)),
            indexing="ij",
            sparse=True,
        )
        kinetic = 0.5 * sum(k * k for k in wavenumbers)
        self.half_potential = np.exp(-0.5j * dt * potential)
        self.full_potential = self.half_potential**2
        self.kinetic = np.exp(-1j * dt * kinetic)

    def __call__(self, psi: np.ndarray, n_steps: int) -> np.ndarray:
        """Advance complex ``psi`` (on the grid) by ``n_steps`` steps; returns a new array."""
        psi = psi * self.half_potential if n_steps > 0 else psi.copy()
        for step in range(n_steps):
            psi = fft.ifftn(fft.fftn(psi, workers=-1) * self.kinetic, workers=-1, overwrite_x=True)
            psi *= self.full_potential if step < n_steps - 1 else self.half_potential
        return psi


def propagate_on_grid(
    axes: Sequence[np.ndarray],
    times: np.ndarray,
    omega: float,
    dt: float,
    padding: float = 2.0,
    initial_state: str = "psi01",
) -> tuple[np.ndarray, np.ndarray]:
    """Propagate ``initial_state`` (``exact.STATES``) from t = 0; sample it at ``times``.

    Args:
        axes: uniform 1D evaluation axes per dimension (bohr), d = ``len(axes)`` in 1..3.
        times: uniform evaluation times (ħ/E_h) starting at 0.
        omega: angular frequency ω (E_h/ħ).
        dt: maximal internal time step; the step used is the largest ≤ dt dividing the frame
            interval.
        padding: extra box on each side, in units of the evaluation half-width.

    Returns:
        (u, v) = (Re ψ, Im ψ), each of shape ``(len(times), *[len(a) for a in axes])``.
    """
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or times.size == 0 or times[0] != 0.0:
        raise ValueError("times must be a non-empty 1D array starting at 0")
    if dt <= 0:
        raise ValueError("dt must be positive")
    grid = padded_grid(axes, padding)
    psi = np.empty((times.size, *(len(a) for a in axes)), dtype=np.complex128)
    u0, v0 = exact.psi(
        np.meshgrid(*grid.axes, indexing="ij", sparse=True), 0.0, omega, initial_state
    )
    state = (u0 + 1j * v0).astype(np.complex128)
    psi[0] = state[grid.window]
    if times.size > 1:
        interval = _spacing(times, "times")
        n_sub = max(1, math.ceil(interval / dt - _RTOL))
        propagator = StrangPropagator(grid.axes, omega, interval / n_sub)
        for frame in range(1, times.size):
            state = propagator(state, n_sub)
            psi[frame] = state[grid.window]
    return psi.real.copy(), psi.imag.copy()
