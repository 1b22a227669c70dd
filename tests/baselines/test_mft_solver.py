"""MFT solver against exact generating functions, two-time formulas and the draft identities."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import erfc

from baselines.mft.formulas import two_time_mft
from baselines.mft.solver import MFTSolver, make_grid, two_time_correlation

T = 16.0


def _grid(times=(T,), dx=0.25):
    return make_grid(T, times, 8 * np.sqrt(4 * T), dx, 0.25, 0.005, 1.4)


def _crossing(x):
    """P(B_T > 0 | B_0 = -x) for Brownian motion with D = 1."""
    return 0.5 * erfc(x / np.sqrt(4 * T))


def _exact_mu(model, setting, rho_a, rho_b, b):
    """log⟨e^{B Q(T)}⟩: Poisson walkers, fixed walkers (F = 0), annealed SSEP (DG 2009)."""
    if model == "walkers" and setting == "annealed":
        return (rho_a * np.expm1(b) + rho_b * np.expm1(-b)) * np.sqrt(T / np.pi)
    if model == "walkers":
        side = lambda s: quad(lambda x: np.log1p(np.expm1(s) * _crossing(x)), 0, np.inf)[0]  # noqa: E731
        return rho_a * side(b) + rho_b * side(-b)
    omega = rho_a * np.expm1(b) + rho_b * np.expm1(-b) + rho_a * rho_b * np.expm1(b) * np.expm1(-b)
    n = np.arange(1, 400)
    return np.sqrt(T / np.pi) * np.sum((-1.0) ** (n + 1) * omega**n / n**1.5)


@pytest.mark.parametrize(
    ("model", "setting", "rho_a", "rho_b", "b", "tol"),
    [
        ("walkers", "annealed", 0.5, 0.5, 1.0, 1e-3),
        ("walkers", "annealed", 0.8, 0.3, 1.0, 1e-3),
        ("walkers", "quenched", 0.5, 0.5, 1.0, 1e-3),
        ("walkers", "quenched", 1.0, 0.0, -0.7, 1e-3),
        ("ssep", "annealed", 0.5, 0.5, 1.0, 5e-3),
        ("ssep", "quenched", 1.0, 0.0, 0.5, 5e-3),  # deterministic: annealed = quenched
    ],
)
def test_generating_function_at_finite_lambda(model, setting, rho_a, rho_b, b, tol):
    solution = MFTSolver(model, setting, rho_a, rho_b, _grid()).solve([(T, b)])
    assert solution.mu == pytest.approx(_exact_mu(model, setting, rho_a, rho_b, b), rel=tol)


@pytest.mark.parametrize("setting", ["annealed", "quenched"])
def test_draft_identity_22_for_walkers(setting):
    """(22): μ_A = ∫[q(x,0) - ρ0], μ_Q = ∫[p(x,0) - Θ(x)Λ] ρ0, against (14)."""
    b = 0.8
    solver = MFTSolver("walkers", setting, 0.7, 0.4, _grid())
    solution = solver.solve([(T, b)])
    grid = solver.grid
    if setting == "annealed":
        identity = np.sum(solution.q[0] - solver.rho0) * grid.dx
    else:
        identity = np.sum((solution.p_before[0] - grid.right * b) * solver.rho0) * grid.dx
    assert identity == pytest.approx(solution.mu, rel=0.01)


@pytest.mark.parametrize("model", ["walkers", "ssep"])
@pytest.mark.parametrize("setting", ["annealed", "quenched"])
def test_small_lambda_reproduces_two_time_formulas(model, setting):
    times = [4.0, 9.0, 16.0]
    grid = make_grid(T, times, 6 * np.sqrt(4 * T), 0.5, 0.5, 0.01, 1.4)
    corr = two_time_correlation(MFTSolver(model, setting, 0.5, 0.5, grid), times, 1e-3)
    t1, t2 = np.meshgrid(times, times, indexing="ij")
    sigma = 1.0 if model == "walkers" else 0.5
    assert np.allclose(corr, two_time_mft(setting, sigma, 1.0, t1, t2), rtol=5e-3)


def test_mean_current_without_lambda_and_even_mu_at_equilibrium():
    step = MFTSolver("ssep", "annealed", 0.9, 0.1, _grid()).solve()
    assert step.current[-1] == pytest.approx(0.8 * np.sqrt(T / np.pi), rel=2e-3)
    assert step.mu == pytest.approx(0.0, abs=1e-9)
    solver = MFTSolver("ssep", "annealed", 0.3, 0.3, _grid())
    assert solver.solve([(T, 0.6)]).mu == pytest.approx(solver.solve([(T, -0.6)]).mu, rel=1e-3)


def test_failures_are_explained():
    solver = MFTSolver("ssep", "annealed", 0.5, 0.5, _grid(), max_iter=1)
    with pytest.raises(RuntimeError, match="did not converge"):
        solver.solve([(T, 1.0)])
    with pytest.raises(ValueError, match="not on the mesh"):
        MFTSolver("walkers", "annealed", 0.5, 0.5, _grid()).solve([(3.3333, 0.1)])
    with pytest.raises(ValueError, match="setting"):
        MFTSolver("walkers", "flat", 0.5, 0.5, _grid())
