"""Lanczos exponential against scipy's dense matrix exponential."""

import numpy as np
import pytest
from scipy.linalg import expm

from baselines.tddft.krylov import expm_krylov
from baselines.tddft.system import Hamiltonian, soft_coulomb_ions, uniform_axis

X = uniform_axis([-10.0, 10.0], 81)
HAMILTONIAN = Hamiltonian(X, soft_coulomb_ions(X, 1.0, 1.0, 2.0, 1.0) + 0.3 * X, stencil=2)
V = HAMILTONIAN.v_ext
DENSE = np.column_stack([HAMILTONIAN.apply(V, e) for e in np.eye(X.size, dtype=complex)])


def _apply(psi: np.ndarray) -> np.ndarray:
    return HAMILTONIAN.apply(V, psi)


def _state() -> np.ndarray:
    rng = np.random.default_rng(3)
    return np.exp(-0.3 * X**2) * (rng.normal(size=X.size) + 1j * rng.normal(size=X.size))


@pytest.mark.parametrize("tau", [0.01, 0.2, 1.0])  # τ‖H‖ from 0.45 to 45
def test_matches_dense_exponential(tau: float) -> None:
    phi = _state()
    full, half = expm_krylov(_apply, phi, [tau, tau / 2], tol=1e-12)
    for result, t in ((full, tau), (half, tau / 2)):
        exact = expm(-1j * t * DENSE) @ phi
        assert np.linalg.norm(result - exact) < 1e-10 * np.linalg.norm(phi)


def test_conserves_the_norm_to_round_off() -> None:
    phi = _state()
    for tau in (0.05, 1.0):
        (result,) = expm_krylov(_apply, phi, [tau])
        assert np.linalg.norm(result) == pytest.approx(np.linalg.norm(phi), rel=1e-14)


def test_eigenvector_is_exact_in_one_step() -> None:
    values, vectors = np.linalg.eigh(DENSE)
    (result,) = expm_krylov(_apply, vectors[:, 0].astype(complex), [0.7])
    np.testing.assert_allclose(result, np.exp(-0.7j * values[0]) * vectors[:, 0], atol=1e-12)


def test_too_small_basis_raises() -> None:
    with pytest.raises(RuntimeError, match="smaller time step"):
        expm_krylov(_apply, _state(), [1.0], max_dim=5)
