"""Numerical solution of the MFT optimal equations for a given λ(t): μ[λ] and Q_t.

For a model with mobility σ(q) and constant D, the least-action path (q, p) of the current
history Q(t) through x = 0 solves (draft eqs. (8)-(9); (17)-(18) for σ = 2q, D = 1)

    ∂_t q = D ∂_xx q - ∂_x(σ(q) ∂_x p),
    ∂_t p = -D ∂_xx p - ½ σ'(q) (∂_x p)² - λ(t) Θ(x),

with p(x, T) = 0 and q(x, 0) = ρ_0(x) (quenched) or, annealed, (10):
p(x, 0) - Θ(x) Λ = ∫_{ρ_0}^{q(x,0)} 2D/σ(r) dr, Λ = ∫_0^T λ dt. Then, eq. (14),

    μ[λ] = ∫ λ(t) Q_t[q] dt - F[q(·, 0)] - ∫∫ σ(q)/2 (∂_x p)² dx dt,
    Q_t[q] = ∫_0^∞ [q(x, t) - q(x, 0)] dx,

with F the free energy (7) of the initial profile (annealed) or 0 (quenched). λ(t) is a
smooth rate plus point pulses Σ_j ε_j δ(t - t_j); a pulse makes p jump by ε_j Θ(x) at t_j.

Method: forward-backward iteration. Given q, p is integrated backward from T; given p, q
is integrated forward from its initial condition; repeat until q stops changing. Space is a
finite-volume grid on [-X, X] (cell faces at x = 0 and ±X, zero flux at ±X, so Q_t is the
exact time-integrated flux through x = 0); time is Crank–Nicolson for diffusion with
predictor-corrector (Heun) for the remaining terms, on a mesh refined geometrically around
every pulse, where p jumps and the source of q is singular. By the envelope theorem,
dμ/dε_j = Q_{t_j}[q], so ∂Q_{t_i}/∂ε_j at ε = 0 is the two-time correlation
⟨Q(t_i)Q(t_j)⟩_c (:func:`two_time_correlation`). Hand-written: no library solves MFT's
coupled forward-backward problem.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.linalg import solve_banded
from scipy.special import xlogy


@dataclass(frozen=True)
class Transport:
    """σ(q), σ'(q), D, the annealed initial profile q(u; ρ_0) and the free-energy density."""

    name: str
    d: float

    def sigma(self, q: np.ndarray) -> np.ndarray:
        return 2.0 * q if self.name == "walkers" else 2.0 * q * (1.0 - q)

    def sigma_prime(self, q: np.ndarray) -> np.ndarray:
        return np.full_like(q, 2.0) if self.name == "walkers" else 2.0 - 4.0 * q

    def initial(self, rho0: np.ndarray, u: np.ndarray) -> np.ndarray:
        """q with ∫_{ρ0}^q 2D/σ(r) dr = D u: ρ0 e^u (walkers), ρ0 e^u/(1 - ρ0 + ρ0 e^u) (SSEP)."""
        weight = rho0 * np.exp(u)
        return weight if self.name == "walkers" else weight / (1.0 - rho0 + weight)

    def free_energy(self, q: np.ndarray, rho0: np.ndarray) -> np.ndarray:
        """∫_{ρ0}^q 2D/σ(r) (q - r) dr: D × (Poisson or Bernoulli relative entropy)."""
        entropy = xlogy(q, q) - xlogy(q, rho0) - (q - rho0)
        if self.name == "ssep":
            entropy = xlogy(q, q) - xlogy(q, rho0) + xlogy(1 - q, 1 - q) - xlogy(1 - q, 1 - rho0)
        return self.d * entropy


def transport(model: str) -> Transport:
    """Transport coefficients of ``walkers`` (σ = 2q) or ``ssep`` (σ = 2q(1-q)), D = 1."""
    if model not in ("walkers", "ssep"):
        raise ValueError(f"unknown model {model!r}; choose 'walkers' or 'ssep'")
    return Transport(model, 1.0)


@dataclass(frozen=True)
class Grid:
    """Finite-volume cells on [-X, X] (centres ``x``, width ``dx``) and a time mesh ``t``."""

    x: np.ndarray
    dx: float
    t: np.ndarray

    @property
    def right(self) -> np.ndarray:
        """Θ(x) at the cell centres."""
        return (self.x > 0).astype(float)


def make_grid(
    t_final: float,
    special_times: Sequence[float],
    half_length: float,
    dx: float,
    dt_max: float,
    dt_min: float,
    growth: float,
    output_times: Sequence[float] = (),
) -> Grid:
    """Grid with x = 0 on a face; time mesh refined geometrically around ``special_times``.

    ``output_times`` are added to the mesh without refinement.
    """
    cells = int(np.ceil(half_length / dx))
    x = (np.arange(-cells, cells) + 0.5) * dx
    mesh = [np.linspace(0.0, t_final, int(np.ceil(t_final / dt_max)) + 1), list(output_times)]
    offsets = dt_min * growth ** np.arange(int(np.log(dt_max / dt_min) / np.log(growth)) + 1)
    for s in special_times:
        mesh += [s - offsets, s + offsets, [s]]
    t = np.unique(np.concatenate(mesh))
    t = t[(t >= 0) & (t <= t_final)]
    return Grid(x, dx, t)


@dataclass
class Solution:
    """Optimal path on the grid: q at mesh times, p just after/before them, Q_t and μ."""

    grid: Grid
    q: np.ndarray  # (n_t, n_x)
    p_after: np.ndarray  # p(t_k⁺), (n_t, n_x); row n_t - 1 is p(T) = 0
    p_before: np.ndarray  # p(t_k⁻), (n_t, n_x); row 0 is p(0⁻) (includes a pulse at 0)
    current: np.ndarray  # Q_{t_k}[q], (n_t,)
    mu: float
    iterations: int


class MFTSolver:
    """Forward-backward solver of the optimal equations for one model, setting and step.

    Args:
        model: ``walkers`` or ``ssep``.
        setting: ``annealed`` or ``quenched``.
        rho_a, rho_b: step densities left (x < 0) and right (x > 0) of the origin.
        grid: space-time grid (:func:`make_grid`); its last time is T.
        tol: stop when max |q_new - q| < tol.
        max_iter: iterations before giving up.
        damping: ω in q ← (1-ω) q + ω q_new.
    """

    def __init__(
        self,
        model: str,
        setting: str,
        rho_a: float,
        rho_b: float,
        grid: Grid,
        tol: float = 1e-10,
        max_iter: int = 200,
        damping: float = 1.0,
    ) -> None:
        if setting not in ("annealed", "quenched"):
            raise ValueError(f"setting must be 'annealed' or 'quenched', got {setting!r}")
        self.transport = transport(model)
        self.setting = setting
        self.grid = grid
        self.rho0 = np.where(grid.x < 0, float(rho_a), float(rho_b))
        self.tol, self.max_iter, self.damping = float(tol), int(max_iter), float(damping)
        n, d = grid.x.size, self.transport.d
        # Neumann Laplacian (zero flux at ±X) in banded form.
        self._lap = np.zeros((3, n))
        self._lap[0, 1:] = 1.0
        self._lap[2, :-1] = 1.0
        self._lap[1] = -2.0
        self._lap[1, [0, -1]] = -1.0
        self._lap *= d / grid.dx**2

    # -- spatial operators ---------------------------------------------------------------
    def _apply_lap(self, u: np.ndarray) -> np.ndarray:
        out = self._lap[1] * u
        out[:-1] += self._lap[0, 1:] * u[1:]
        out[1:] += self._lap[2, :-1] * u[:-1]
        return out

    def _implicit(self, h: float, rhs: np.ndarray) -> np.ndarray:
        """Solve (I - h/2 · D L) u = rhs."""
        banded = -0.5 * h * self._lap
        banded[1] += 1.0
        return solve_banded((1, 1), banded, rhs)

    def _face_gradient(self, u: np.ndarray) -> np.ndarray:
        return np.diff(u) / self.grid.dx

    def _flux_divergence(self, q: np.ndarray, p: np.ndarray) -> np.ndarray:
        """∂_x(σ(q) ∂_x p) with zero flux through the outer faces."""
        flux = self.transport.sigma(0.5 * (q[1:] + q[:-1])) * self._face_gradient(p)
        return np.diff(np.concatenate([[0.0], flux, [0.0]])) / self.grid.dx

    def _hamiltonian_term(self, q: np.ndarray, p: np.ndarray) -> np.ndarray:
        """½ σ'(q) (∂_x p)² at the cell centres (face values averaged)."""
        g2 = np.concatenate([[0.0], self._face_gradient(p) ** 2, [0.0]])
        return 0.5 * self.transport.sigma_prime(q) * 0.5 * (g2[1:] + g2[:-1])

    # -- sweeps --------------------------------------------------------------------------
    def _backward(self, q: np.ndarray, pulses: dict[int, float], rate: np.ndarray):
        """p(t_k⁺) and p(t_k⁻) from p(T) = 0, given q on the mesh."""
        t, right = self.grid.t, self.grid.right
        after, before = np.empty_like(q), np.empty_like(q)
        after[-1] = 0.0
        before[-1] = pulses.get(len(t) - 1, 0.0) * right
        for k in range(len(t) - 2, -1, -1):
            h, p1 = t[k + 1] - t[k], before[k + 1]
            base = p1 + 0.5 * h * self._apply_lap(p1) + h * rate[k] * right
            n1 = self._hamiltonian_term(q[k + 1], p1)
            guess = self._implicit(h, base + h * n1)
            p0 = self._implicit(h, base + 0.5 * h * (n1 + self._hamiltonian_term(q[k], guess)))
            after[k] = p0
            before[k] = p0 + pulses.get(k, 0.0) * right
        return after, before

    def _initial_q(self, p0: np.ndarray, total_lambda: float) -> np.ndarray:
        if self.setting == "quenched":
            return self.rho0.copy()
        u = (p0 - self.grid.right * total_lambda) / self.transport.d
        return self.transport.initial(self.rho0, u)

    def _forward(self, after: np.ndarray, before: np.ndarray, total_lambda: float) -> np.ndarray:
        """q on the mesh from its initial condition, given p on the mesh intervals."""
        t = self.grid.t
        q = np.empty_like(after)
        q[0] = self._initial_q(after[0], total_lambda)
        for k in range(len(t) - 1):
            h, q0 = t[k + 1] - t[k], q[k]
            s0 = -self._flux_divergence(q0, after[k])
            base = q0 + 0.5 * h * self._apply_lap(q0)
            guess = self._implicit(h, base + h * s0)
            s1 = -self._flux_divergence(guess, before[k + 1])
            q[k + 1] = self._implicit(h, base + 0.5 * h * (s0 + s1))
        return q

    # -- public --------------------------------------------------------------------------
    def solve(
        self,
        pulses: Sequence[tuple[float, float]] = (),
        rate: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> Solution:
        """Optimal path and μ for λ(t) = rate(t) + Σ ε_j δ(t - t_j), pulses (t_j, ε_j).

        Pulse times must be mesh times (pass them to :func:`make_grid` as special times).
        """
        t, dx = self.grid.t, self.grid.dx
        pulse_index: dict[int, float] = {}
        for time, eps in pulses:
            k = int(np.argmin(np.abs(t - time)))
            if abs(t[k] - time) > 1e-9 * max(1.0, t[-1]):
                raise ValueError(f"pulse time {time} is not on the mesh; add it to make_grid")
            pulse_index[k] = pulse_index.get(k, 0.0) + float(eps)
        mid = 0.5 * (t[1:] + t[:-1])
        rate_mid = np.zeros(len(t)) if rate is None else np.append(rate(mid), 0.0)
        total_lambda = sum(pulse_index.values()) + float(np.sum(rate_mid[:-1] * np.diff(t)))
        zero = np.zeros((len(t), self.grid.x.size))
        q = self._forward(zero, zero, 0.0)
        iterations, change = 0, np.inf
        while change >= self.tol and iterations < self.max_iter:
            after, before = self._backward(q, pulse_index, rate_mid)
            q_new = self._forward(after, before, total_lambda)
            change = float(np.max(np.abs(q_new - q)))
            q = q_new if self.damping == 1.0 else (1 - self.damping) * q + self.damping * q_new
            iterations += 1
        if change >= self.tol:
            raise RuntimeError(
                f"MFT iteration did not converge in {self.max_iter} steps (last change "
                f"{change:.3g}); reduce λ, lower solver damping or raise max_iter"
            )
        current = ((q[:, self.grid.x > 0] - q[0, self.grid.x > 0]).sum(axis=1)) * dx
        mu = self._mu(q, after, before, current, pulse_index, rate_mid)
        return Solution(self.grid, q, after, before, current, mu, iterations)

    def _mu(self, q, after, before, current, pulses, rate_mid) -> float:
        """Eq. (14) on the grid (trapezoid in time between p(t_k⁺) and p(t_{k+1}⁻))."""
        t, dx = self.grid.t, self.grid.dx
        h = np.diff(t)
        source = sum(eps * current[k] for k, eps in pulses.items())
        source += float(np.sum(rate_mid[:-1] * 0.5 * (current[1:] + current[:-1]) * h))

        def action_density(qk, pk):
            grad = self._face_gradient(pk)
            return 0.5 * np.sum(self.transport.sigma(0.5 * (qk[1:] + qk[:-1])) * grad**2) * dx

        action = sum(
            0.5 * h[k] * (action_density(q[k], after[k]) + action_density(q[k + 1], before[k + 1]))
            for k in range(len(h))
        )
        free = 0.0
        if self.setting == "annealed":
            free = float(np.sum(self.transport.free_energy(q[0], self.rho0)) * dx)
        return float(source - free - action)


def two_time_correlation(
    solver: MFTSolver,
    times: Sequence[float],
    epsilon: float,
    pulse_times: Sequence[float] | None = None,
) -> np.ndarray:
    """⟨Q(t_i)Q(s_j)⟩_c = ∂Q_{t_i}/∂ε_j by central differences of pulses ±ε at each s_j.

    ``times`` are the read-out times t_i, ``pulse_times`` the s_j (default: ``times``); all
    must be mesh times. Returns (len(times), len(pulse_times)).
    """
    t = solver.grid.t
    index = [int(np.argmin(np.abs(t - s))) for s in times]
    columns = []
    for s in times if pulse_times is None else pulse_times:
        plus = solver.solve([(s, epsilon)]).current[index]
        minus = solver.solve([(s, -epsilon)]).current[index]
        columns.append((plus - minus) / (2 * epsilon))
    return np.stack(columns, axis=1)
