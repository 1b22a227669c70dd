"""Exact superposition state of the isotropic harmonic oscillator (atomic units).

Hamiltonian H = -1/2 ∇² + 1/2 ω² r² (ħ = m = 1; lengths in bohr, times in ħ/E_h, ω in E_h/ħ).
In one dimension the reference state is the equal superposition of the two lowest eigenstates

    ψ_{0,1}(x, t) = (φ0(x) e^{-iωt/2} + φ1(x) e^{-3iωt/2}) / √2,
    φ0(x) = (ω/π)^{1/4} e^{-ωx²/2},    φ1(x) = √(2ω) x φ0(x),

and in d dimensions the product ψ(x_1..x_d, t) = Π_k ψ_{0,1}(x_k, t), an exact, normalised
solution of i ∂_t ψ = H ψ (state ``psi01``). The state ``entangled`` is not a product:

    ψ = c [Π_k ψ_{0,1}(x_k, t) + ψ_{1,2}(x_1, t) ψ_{0,2}(x_2, t) Π_{k≥3} ψ_{0,1}(x_k, t)],

ψ_{a,b}(x, t) = (φ_a(x) e^{-i(a+1/2)ωt} + φ_b(x) e^{-i(b+1/2)ωt})/√2, with c = 1/√(2 + 2⟨A|B⟩)
(c = 1/√2.5 for d ≥ 2), a sum of two products of eigenstate superpositions. Everything is
written with real arithmetic on (u, v) = (Re ψ, Im ψ) and only ``xp.exp``, ``xp.cos``,
``xp.sin``, so the same code runs on NumPy arrays and on torch tensors (``xp=torch``) with
autograd flowing through it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

Array = Any  # numpy.ndarray or torch.Tensor


def psi01(coords: Sequence[Array], t: Array, omega: Array, xp: Any = np) -> tuple[Array, Array]:
    """Return (u, v) = (Re ψ, Im ψ) of the d-dim product state, d = ``len(coords)``.

    Args:
        coords: one coordinate array per dimension (bohr), mutually broadcastable.
        t: time (ħ/E_h), scalar or array broadcastable with the coordinates.
        omega: angular frequency ω (E_h/ħ), scalar or broadcastable array.
        xp: array namespace providing ``exp``, ``cos``, ``sin`` (``numpy`` or ``torch``).

    Per dimension u_k = (φ0 cos(ωt/2) + φ1 cos(3ωt/2))/√2 and
    v_k = -(φ0 sin(ωt/2) + φ1 sin(3ωt/2))/√2; the factors are multiplied as complex numbers.
    """
    if not coords:
        raise ValueError("psi01 needs at least one coordinate array")
    # The phase carries a zero multiple of a coordinate so that it is an array of the
    # coordinates' library even when t and ω are Python scalars (torch.cos rejects floats).
    phase = 0.5 * omega * t + 0.0 * coords[0]
    c1, s1 = xp.cos(phase), xp.sin(phase)
    c3, s3 = xp.cos(3.0 * phase), xp.sin(3.0 * phase)
    u: Array = 1.0
    v: Array = 0.0
    for x in coords:
        phi0, phi1 = _eigenfunctions(x, omega, xp)
        uk = phi0 * c1 + phi1 * c3
        vk = -(phi0 * s1 + phi1 * s3)
        u, v = u * uk - v * vk, u * vk + v * uk
    return u, v


def psi01_initial(coords: Sequence[Array], omega: Array, xp: Any = np) -> Array:
    """Re ψ at t = 0, Π_k (φ0 + φ1)(x_k)/√2 (Im ψ(x, 0) = 0); cheaper than ``psi01`` at t = 0.

    Used inside training losses, where it is differentiated twice in x.
    """
    u: Array = 1.0
    for x in coords:
        phi0, phi1 = _eigenfunctions(x, omega, xp)
        u = u * (phi0 + phi1)
    return u


def _eigenfunctions(x: Array, omega: Array, xp: Any) -> tuple[Array, Array]:
    """φ0(x)/√2 and φ1(x)/√2 (the 1/√2 of the superposition is folded in)."""
    phi0 = (omega / math.pi) ** 0.25 * 2.0**-0.5 * xp.exp(-0.5 * omega * x * x)
    return phi0, (2.0 * omega) ** 0.5 * x * phi0


STATES = ("psi01", "entangled")

Levels = tuple[tuple[int, int], ...]  # one pair (a, b) of oscillator levels per axis


def product_terms(state: str, dim: int) -> list[tuple[float, Levels]]:
    """ψ = Σ_q c_q Π_k ψ_{a_qk, b_qk}(x_k, t) as rows (c_q, ((a_q1, b_q1), ...)), normalised."""
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}; choose one of {STATES}")
    if dim < 1:
        raise ValueError(f"dim must be at least 1, got {dim}")
    first: Levels = ((0, 1),) * dim
    if state == "psi01":
        return [(1.0, first)]
    second: Levels = (((1, 2), (0, 2)) + ((0, 1),) * (dim - 2))[:dim]
    overlap = math.prod(_pair_overlap(p, q) for p, q in zip(first, second, strict=True))
    c = (2.0 + 2.0 * overlap) ** -0.5
    return [(c, first), (c, second)]


def _pair_overlap(p: tuple[int, int], q: tuple[int, int]) -> float:
    """⟨ψ_p|ψ_q⟩ at equal times of two normalised pair superpositions (levels a < b)."""
    return sum(float(a == b) for a in p for b in q) / 2.0


def hermite_functions(n_max: int, x: Array, omega: Array, xp: Any = np) -> list[Array]:
    """Normalised eigenfunctions φ_0..φ_{n_max} (bohr^-1/2) by the three-term recurrence

    φ_{n+1} = √(2ω/(n+1)) x φ_n - √(n/(n+1)) φ_{n-1}.
    """
    phi = [(omega / math.pi) ** 0.25 * xp.exp(-0.5 * omega * x * x)]
    previous: Array = 0.0 * x
    for n in range(n_max):
        phi.append((2.0 * omega / (n + 1)) ** 0.5 * x * phi[n] - (n / (n + 1)) ** 0.5 * previous)
        previous = phi[n]
    return phi


def pair_state(
    levels: tuple[int, int], x: Array, t: Array, omega: Array, xp: Any = np
) -> tuple[Array, Array]:
    """(u, v) of ψ_{a,b}(x, t) = (φ_a e^{-i(a+1/2)ωt} + φ_b e^{-i(b+1/2)ωt})/√2 in 1D."""
    phi = hermite_functions(max(levels), x, omega, xp)
    u: Array = 0.0
    v: Array = 0.0
    for n in levels:
        phase = (n + 0.5) * omega * t + 0.0 * x
        u = u + phi[n] * xp.cos(phase) * 2.0**-0.5
        v = v - phi[n] * xp.sin(phase) * 2.0**-0.5
    return u, v


def psi(
    coords: Sequence[Array], t: Array, omega: Array, state: str = "psi01", xp: Any = np
) -> tuple[Array, Array]:
    """(u, v) of a named state (``STATES``); ``psi01`` is :func:`psi01` itself."""
    if state == "psi01":
        return psi01(coords, t, omega, xp)
    u_sum: Array = 0.0
    v_sum: Array = 0.0
    for coefficient, levels in product_terms(state, len(coords)):
        u: Array = coefficient
        v: Array = 0.0
        for x, pair in zip(coords, levels, strict=True):
            uk, vk = pair_state(pair, x, t, omega, xp)
            u, v = u * uk - v * vk, u * vk + v * uk
        u_sum, v_sum = u_sum + u, v_sum + v
    return u_sum, v_sum


def psi_initial(coords: Sequence[Array], omega: Array, state: str = "psi01", xp: Any = np) -> Array:
    """Re ψ(x, 0) of a named state (real at t = 0); ``psi01`` is :func:`psi01_initial`."""
    if state == "psi01":
        return psi01_initial(coords, omega, xp)
    return psi(coords, 0.0, omega, state, xp)[0]


def psi_on_grid(
    axis: np.ndarray, times: np.ndarray, omegas: np.ndarray, dim: int, state: str = "psi01"
) -> tuple[np.ndarray, np.ndarray]:
    """(u, v) of a named state on the grid ``axis``^dim for every (ω, t): (n_ω, n_t, n_x^dim)."""
    if state == "psi01":
        return psi01_on_grid(axis, times, omegas, dim)
    grids = np.meshgrid(*([axis] * dim), indexing="ij")
    u = np.empty((len(omegas), len(times), *grids[0].shape))
    v = np.empty_like(u)
    for i, omega in enumerate(omegas):
        for j, t in enumerate(times):
            u[i, j], v[i, j] = psi(grids, t, omega, state)
    return u, v


def psi01_on_grid(
    axis: np.ndarray, times: np.ndarray, omegas: np.ndarray, dim: int
) -> tuple[np.ndarray, np.ndarray]:
    """(u, v) on the tensor grid ``axis``^dim for every (ω, t): shape (n_ω, n_t, n_x^dim)."""
    grids = np.meshgrid(*([axis] * dim), indexing="ij")
    u = np.empty((len(omegas), len(times), *grids[0].shape))
    v = np.empty_like(u)
    for i, omega in enumerate(omegas):
        for j, t in enumerate(times):
            u[i, j], v[i, j] = psi01(grids, t, omega)
    return u, v


def density(u: Array, v: Array) -> Array:
    """Probability density |ψ|² = u² + v² (bohr^-d)."""
    return u * u + v * v
