"""Exact solution and a Crank–Nicolson finite-difference solver of the 1D heat equation."""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_banded


def exact(coefficients: np.ndarray, x: np.ndarray, t: np.ndarray, kappa: float) -> np.ndarray:
    """u(x, t) for initial sine coefficients ``coefficients`` (n, K); shape (n, n_t, n_x)."""
    k = np.arange(1, coefficients.shape[1] + 1)
    decay = np.exp(-kappa * np.outer(t, k**2))  # (n_t, K)
    return np.einsum("nk,tk,kx->ntx", coefficients, decay, np.sin(np.outer(k, x)))


def crank_nicolson(u0: np.ndarray, x: np.ndarray, t: np.ndarray, kappa: float, dt: float):
    """u on the grid ``x`` at times ``t`` from ``u0`` (n_x,), steps of at most ``dt``."""
    h = x[1] - x[0]
    m = len(x) - 2
    r = kappa / h**2
    bands = np.zeros((3, m))
    u, now, frames = u0[1:-1].copy(), t[0], [u0.copy()]
    for target in t[1:]:
        steps = max(1, int(np.ceil((target - now) / dt)))
        tau = (target - now) / steps
        bands[0, 1:], bands[1], bands[2, :-1] = -0.5 * tau * r, 1 + tau * r, -0.5 * tau * r
        for _ in range(steps):
            rhs = (1 - tau * r) * u
            rhs[1:] += 0.5 * tau * r * u[:-1]
            rhs[:-1] += 0.5 * tau * r * u[1:]
            u = solve_banded((1, 1), bands, rhs)
        now = target
        frames.append(np.concatenate([[0.0], u, [0.0]]))
    return np.stack(frames)
