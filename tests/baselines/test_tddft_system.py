"""Kohn–Sham Hamiltonian pieces and the SCF ground state of the TDDFT task."""

import numpy as np
import pytest
from scipy.integrate import quad

from baselines.tddft.ground_state import ground_state
from baselines.tddft.system import (
    Hamiltonian,
    HartreeExchange,
    grid_spacing,
    laplacian_stencil,
    soft_coulomb_ions,
    uniform_axis,
)

X = uniform_axis([-12.0, 12.0], 161)


def test_stencil_known_weights() -> None:
    np.testing.assert_allclose(laplacian_stencil(1), [1, -2, 1])
    np.testing.assert_allclose(laplacian_stencil(2), [-1 / 12, 4 / 3, -5 / 2, 4 / 3, -1 / 12])


@pytest.mark.parametrize("p", [1, 2, 3, 4, 6])
def test_stencil_exact_for_polynomials(p: int) -> None:
    """Σ_k c_k k^j = j! δ_{j2} for j ≤ 2p + 1 (exact on polynomials), nonzero at j = 2p + 2."""
    weights, k = laplacian_stencil(p), np.arange(-p, p + 1, dtype=float)
    for j in range(2 * p + 2):
        assert np.sum(weights * k**j) == pytest.approx(2.0 if j == 2 else 0.0, abs=1e-10)
    assert abs(np.sum(weights * k ** (2 * p + 2))) > 1e-3


def test_apply_matches_banded_matrix_and_is_hermitian() -> None:
    rng = np.random.default_rng(0)
    x = X[:40]
    hamiltonian = Hamiltonian(x, rng.normal(size=x.size), stencil=3)
    v = rng.normal(size=x.size)
    bands, p = hamiltonian.banded(v), hamiltonian.stencil
    dense = sum(np.diag(bands[p - k, max(k, 0) : x.size + min(k, 0)], k) for k in range(-p, p + 1))
    np.testing.assert_allclose(dense, dense.T)
    phi = rng.normal(size=x.size) + 1j * rng.normal(size=x.size)
    np.testing.assert_allclose(hamiltonian.apply(v, phi), dense @ phi, atol=1e-12)


def test_harmonic_ground_state_is_exact() -> None:
    """Non-interacting v = ω² x²/2: ε = ω/2, φ = (ω/π)^{1/4} e^{-ωx²/2}."""
    omega = 1.3
    hamiltonian = Hamiltonian(X, 0.5 * omega**2 * X**2)
    state = ground_state(hamiltonian)
    # Measured: |Δε| = 4.3e-9 and max |Δφ| = 1.9e-8 (8th-order stencil, h = 0.15).
    assert state.eigenvalue == pytest.approx(omega / 2, abs=1e-7)
    exact = (omega / np.pi) ** 0.25 * np.exp(-0.5 * omega * X**2)
    np.testing.assert_allclose(state.orbital, exact, atol=5e-7)
    assert np.sum(state.density) * hamiltonian.h == pytest.approx(2.0, abs=1e-12)


@pytest.mark.parametrize(("xc", "factor"), [("none", 1.0), ("exchange", 0.5)])
def test_hartree_potential_matches_quadrature(xc: str, factor: float) -> None:
    """v_H(x) = ∫ n(x') / sqrt((x - x')² + 1) dx' for a Gaussian pair density, by scipy quad."""
    x = uniform_axis([-10.0, 10.0], 401)

    def density(s: float) -> float:
        return 2 / np.sqrt(np.pi) * np.exp(-((s - 0.3) ** 2))

    hxc = HartreeExchange(x, 1.0, xc)
    potential = hxc.potential(density(x))
    for point in (-4.0, 0.0, 0.3, 2.5):
        i = int(np.argmin(np.abs(x - point)))
        exact = quad(lambda s, xi=x[i]: density(s) / np.sqrt((xi - s) ** 2 + 1), -np.inf, np.inf)
        assert potential[i] == pytest.approx(factor * exact[0], rel=1e-8)
    energy = 0.5 * np.sum(density(x) * potential) * grid_spacing(x)
    assert hxc.energy(density(x)) == pytest.approx(energy, rel=1e-12)


def _diatomic(z1: float, z2: float, d: float) -> Hamiltonian:
    return Hamiltonian(
        X, soft_coulomb_ions(X, z1, z2, d, 1.0), hxc=HartreeExchange(X, 1.0, "exchange")
    )


def test_scf_is_self_consistent_and_symmetric() -> None:
    hamiltonian = _diatomic(1.2, 1.2, 3.0)
    state = ground_state(hamiltonian)
    v = hamiltonian.potential(0.0, hamiltonian.hxc_potential(state.density))
    residual = hamiltonian.apply(v, state.orbital) - state.eigenvalue * state.orbital
    assert np.max(np.abs(residual)) < 1e-8
    np.testing.assert_allclose(state.density, state.density[::-1], atol=1e-9)
    assert state.eigenvalue < 0


def test_scf_minimises_the_energy() -> None:
    """E[φ] = 2⟨φ|T + v|φ⟩ + E_Hxc[2|φ|²] is stationary and minimal at the SCF orbital.

    A v_Hxc inconsistent with E_Hxc (e.g. a wrong exchange factor) would leave a first-order
    change, so one of ±δ would lower the energy.
    """
    hamiltonian = _diatomic(1.5, 0.8, 2.0)
    state = ground_state(hamiltonian)
    energy = hamiltonian.energy(state.orbital)
    rng = np.random.default_rng(1)
    for _ in range(5):
        delta = 1e-3 * rng.normal(size=X.size) * np.exp(-0.1 * X**2)
        for sign in (1, -1):
            trial = state.orbital + sign * delta
            trial /= np.sqrt(np.sum(trial**2) * hamiltonian.h)
            assert hamiltonian.energy(trial) > energy


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: uniform_axis([1.0, -1.0], 10), "box"),
        (lambda: grid_spacing(np.array([0.0, 0.1, 0.3])), "uniform"),
        (lambda: laplacian_stencil(0), "neighbour"),
        (lambda: HartreeExchange(X, 1.0, "lda"), "unknown xc"),
        (lambda: Hamiltonian(X, X[:-1]), "v_ext"),
    ],
)
def test_bad_input_is_rejected(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()
