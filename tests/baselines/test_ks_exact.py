"""Two-electron exact diagonalisation against iDEA, dense diagonalisation and exact limits."""

import numpy as np
import pytest

from baselines.ks_inversion import idea
from baselines.ks_inversion.exact import ground_state
from baselines.ks_inversion.operators import hamiltonian
from baselines.ks_inversion.systems import external_potential, interaction_matrix


def _system(nx: int, z1: float = 1.5, z2: float = 0.7, d: float = 2.0) -> tuple[np.ndarray, ...]:
    x = np.linspace(-10, 10, nx)
    return x, external_potential(x, z1, z2, d, 1.0)


@pytest.mark.parametrize(("nx", "stencil"), [(41, 3), (51, 5), (61, 13)])
def test_matches_idea_interacting_solve(nx: int, stencil: int) -> None:
    pytest.importorskip("iDEA")
    x, v = _system(nx)
    state = ground_state(x, v, 1.0, stencil)
    energy, density = idea.ground_state(x, v, 1.0, stencil)
    # Measured: energies equal to ~1e-14 Ha, densities to ~1e-10 (iDEA's eigsh tolerance).
    assert state.energy == pytest.approx(energy, abs=1e-10)
    np.testing.assert_allclose(state.density, density, atol=1e-8)


def test_matches_dense_diagonalisation_of_the_full_hamiltonian() -> None:
    x, v = _system(21, z1=2.0, z2=1.0, d=1.0)
    dx = x[1] - x[0]
    h = hamiltonian(v, dx, 5)
    eye = np.eye(x.size)
    full = np.kron(h, eye) + np.kron(eye, h) + np.diag(interaction_matrix(x, 1.0).ravel())
    energies, vectors = np.linalg.eigh(full)
    psi = vectors[:, 0].reshape(x.size, x.size) / dx
    state = ground_state(x, v, 1.0, 5)
    assert state.energy == pytest.approx(energies[0], abs=1e-11)
    np.testing.assert_allclose(state.density, 2 * dx * (psi**2).sum(axis=1), atol=1e-9)
    np.testing.assert_allclose(np.abs(state.psi), np.abs(psi), atol=1e-8)


def test_normalisation_and_exchange_symmetry() -> None:
    x, v = _system(101)
    state = ground_state(x, v, 1.0, 5)
    dx = x[1] - x[0]
    assert state.density.sum() * dx == pytest.approx(2.0, abs=1e-12)
    assert (state.psi**2).sum() * dx**2 == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_array_equal(state.psi, state.psi.T)
    assert state.psi.min() > -1e-12  # nodeless ground state
    assert state.residual <= 1e-11


def test_mirror_image_has_mirrored_density() -> None:
    x, v = _system(101, z1=2.0, z2=0.5, d=3.0)
    _, mirrored = _system(101, z1=0.5, z2=2.0, d=3.0)
    a, b = ground_state(x, v, 1.0, 5), ground_state(x, mirrored, 1.0, 5)
    assert a.energy == pytest.approx(b.energy, abs=1e-11)
    np.testing.assert_allclose(a.density, b.density[::-1], atol=1e-9)
    assert np.argmax(a.density) > 50  # the larger charge Z1 sits at +d/2


def test_non_interacting_limit() -> None:
    """With b → ∞ the interaction is a constant 1/b: E0 = 2 ε0 + 1/b and n = 2 φ0²."""
    x, v = _system(101)
    b = 1e6
    state = ground_state(x, v, b, 5)
    dx = x[1] - x[0]
    eps, orbitals = np.linalg.eigh(hamiltonian(v, dx, 5))
    assert state.energy == pytest.approx(2 * eps[0] + 1 / b, abs=2e-10)
    np.testing.assert_allclose(state.density, 2 * orbitals[:, 0] ** 2 / dx, atol=1e-8)


def test_variational_bounds() -> None:
    """2ε0 + min U < E0 < <φ0φ0|H|φ0φ0> = 2ε0 + J (the product state is a singlet trial state)."""
    x, v = _system(151)
    dx = x[1] - x[0]
    state = ground_state(x, v, 1.0, 5)
    eps, orbitals = np.linalg.eigh(hamiltonian(v, dx, 5))
    rho = orbitals[:, 0] ** 2
    coulomb = rho @ interaction_matrix(x, 1.0) @ rho
    assert 2 * eps[0] + 1 / 21 < state.energy < 2 * eps[0] + coulomb
    assert state.ion_energy == pytest.approx(eps[0], abs=1e-12)


def test_unconverged_solve_raises() -> None:
    x, v = _system(101)
    with pytest.raises(RuntimeError, match="not converged"):
        ground_state(x, v, 1.0, 5, max_iterations=2)
