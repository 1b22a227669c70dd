"""Physics checks of the exact harmonic-oscillator reference state."""

import numpy as np
import pytest

from baselines.qho.exact import (
    density,
    hermite_functions,
    product_terms,
    psi,
    psi01,
    psi_initial,
    psi_on_grid,
)


def _residual_1d(omega: float, h: float) -> float:
    """Max |TDSE residual| of the 1D state with centred differences of step h in x and t."""
    x = np.linspace(-4.0, 4.0, 81)[None, :] / omega**0.5
    t = np.linspace(0.0, 2 * np.pi / omega, 17)[:, None]
    u, v = psi01([x], t, omega)
    _, v_tp = psi01([x], t + h, omega)
    _, v_tm = psi01([x], t - h, omega)
    u_tp, _ = psi01([x], t + h, omega)
    u_tm, _ = psi01([x], t - h, omega)
    u_xp, v_xp = psi01([x + h], t, omega)
    u_xm, v_xm = psi01([x - h], t, omega)
    u_t, v_t = (u_tp - u_tm) / (2 * h), (v_tp - v_tm) / (2 * h)
    u_xx, v_xx = (u_xp - 2 * u + u_xm) / h**2, (v_xp - 2 * v + v_xm) / h**2
    f_u = -v_t + 0.5 * u_xx - 0.5 * omega**2 * x**2 * u
    f_v = u_t + 0.5 * v_xx - 0.5 * omega**2 * x**2 * v
    return max(np.abs(f_u).max(), np.abs(f_v).max())


def _residual_3d(omega: float, h: float) -> float:
    """Max |TDSE residual| of the 3D product state at random points (finite differences)."""
    rng = np.random.default_rng(0)
    pts = rng.uniform(-2.0, 2.0, size=(3, 20)) / omega**0.5
    t = rng.uniform(0.0, 2 * np.pi / omega, size=20)
    r2 = (pts**2).sum(axis=0)
    u, v = psi01(list(pts), t, omega)
    u_tp, v_tp = psi01(list(pts), t + h, omega)
    u_tm, v_tm = psi01(list(pts), t - h, omega)
    lap_u, lap_v = -6 * u / h**2, -6 * v / h**2
    for k in range(3):
        for sign in (1.0, -1.0):
            shifted = pts.copy()
            shifted[k] += sign * h
            us, vs = psi01(list(shifted), t, omega)
            lap_u, lap_v = lap_u + us / h**2, lap_v + vs / h**2
    f_u = -(v_tp - v_tm) / (2 * h) + 0.5 * lap_u - 0.5 * omega**2 * r2 * u
    f_v = (u_tp - u_tm) / (2 * h) + 0.5 * lap_v - 0.5 * omega**2 * r2 * v
    return max(np.abs(f_u).max(), np.abs(f_v).max())


@pytest.mark.parametrize("omega", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("residual", [_residual_1d, _residual_3d], ids=["1d", "3d"])
def test_tdse_residual_vanishes_as_h_squared(residual, omega: float) -> None:
    h = 1e-2
    coarse, fine = residual(omega, h), residual(omega, h / 2)
    assert fine < 1e-3 * omega**2
    assert 3.5 < coarse / fine < 4.5


@pytest.mark.parametrize("omega", [0.5, 1.0, 2.0])
def test_norm_and_dipole_oscillation(omega: float) -> None:
    x = np.linspace(-12.0, 12.0, 4001) / omega**0.5
    for t in np.linspace(0.0, 2 * np.pi / omega, 9):
        rho = density(*psi01([x], t, omega))
        assert np.trapezoid(rho, x) == pytest.approx(1.0, abs=1e-12)
        mean_x = np.trapezoid(x * rho, x)
        assert mean_x == pytest.approx(np.cos(omega * t) / (2 * omega) ** 0.5, abs=1e-12)


def test_density_closed_form_and_product_structure() -> None:
    omega, t = 1.3, 0.7
    x = np.linspace(-3.0, 3.0, 13)
    rho = density(*psi01([x], t, omega))
    phi0_sq = (omega / np.pi) ** 0.5 * np.exp(-omega * x**2)
    expected = (
        0.5 * phi0_sq * (1 + 2 * (2 * omega) ** 0.5 * x * np.cos(omega * t) + 2 * omega * x**2)
    )
    np.testing.assert_allclose(rho, expected, rtol=1e-13, atol=1e-15)
    u2, v2 = psi01(np.meshgrid(x, x, indexing="ij"), t, omega)
    u1, v1 = psi01([x], t, omega)
    psi1 = u1 + 1j * v1
    np.testing.assert_allclose(u2 + 1j * v2, np.outer(psi1, psi1), rtol=1e-13, atol=1e-15)


def test_array_omega_broadcasts() -> None:
    x = np.linspace(-2.0, 2.0, 5)
    omegas = np.array([0.5, 1.0, 2.0])[:, None]
    u, v = psi01([x], 0.3, omegas)
    for row, omega in enumerate(omegas[:, 0]):
        u_ref, v_ref = psi01([x], 0.3, float(omega))
        np.testing.assert_allclose(u[row], u_ref, rtol=1e-14)
        np.testing.assert_allclose(v[row], v_ref, rtol=1e-14)


def test_torch_matches_numpy_and_propagates_gradients() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    pts, t = rng.normal(size=(3, 7)), rng.uniform(0.0, 5.0, size=7)
    for omega in (0.7, 2.0):
        u_np, v_np = psi01(list(pts), t, omega)
        coords = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in pts]
        cases = [(torch.tensor(t), (u_np, v_np)), (0.0, psi01(list(pts), 0.0, omega))]
        for t_arg, (u_ref, v_ref) in cases:
            u_t, v_t = psi01(coords, t_arg, omega, xp=torch)
            np.testing.assert_allclose(u_t.detach().numpy(), u_ref, rtol=1e-14, atol=1e-15)
            np.testing.assert_allclose(v_t.detach().numpy(), v_ref, rtol=1e-14, atol=1e-15)
    # d u / d x_0 by autograd against a centred difference.
    omega, h = 1.0, 1e-6
    coords = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in pts]
    u_t, _ = psi01(coords, torch.tensor(t), torch.tensor(omega, dtype=torch.float64), xp=torch)
    (grad,) = torch.autograd.grad(u_t.sum(), coords[0])
    up, _ = psi01([pts[0] + h, pts[1], pts[2]], t, omega)
    um, _ = psi01([pts[0] - h, pts[1], pts[2]], t, omega)
    np.testing.assert_allclose(grad.numpy(), (up - um) / (2 * h), rtol=1e-6, atol=1e-9)


def _entangled_residual(h: float) -> tuple[float, float]:
    """Max |TDSE residual| of the entangled 3D state at random points (centred differences),
    and the largest |ψ| there (to compare against)."""
    rng = np.random.default_rng(1)
    pts = rng.uniform(-2.5, 2.5, size=(3, 30))
    t = rng.uniform(0.0, 2 * np.pi, size=30)

    def field(shift=(0.0, 0.0, 0.0), dt=0.0):
        u, v = psi([p + s for p, s in zip(pts, shift, strict=True)], t + dt, 1.0, "entangled")
        return u + 1j * v

    centre = field()
    laplacian = -6 * centre
    for k in range(3):
        for sign in (1.0, -1.0):
            laplacian = laplacian + field(tuple(sign * h * (j == k) for j in range(3)))
    laplacian /= h**2
    residual = 1j * (field(dt=h) - field(dt=-h)) / (2 * h)
    residual += 0.5 * laplacian - 0.5 * (pts**2).sum(axis=0) * centre
    return float(np.abs(residual).max()), float(np.abs(centre).max())


def test_entangled_state_solves_the_tdse():
    coarse, size = _entangled_residual(1e-2)
    fine, _ = _entangled_residual(5e-3)
    assert fine < 1e-3 * size and 3.5 < coarse / fine < 4.5


def test_entangled_state_keeps_its_norm_and_is_not_a_product():
    x = np.linspace(-9.0, 9.0, 91)
    grid = np.meshgrid(x, x, x, indexing="ij")
    for t in (0.0, 1.3, 4.0):
        u, v = psi(grid, t, 1.0, "entangled")
        norm = np.trapezoid(np.trapezoid(np.trapezoid(density(u, v), x), x), x)
        assert norm == pytest.approx(1.0, abs=1e-10)
        wave = (u + 1j * v).reshape(len(x), -1)  # x against (y, z)
        singular = np.linalg.svd(wave, compute_uv=False)
        assert singular[1] > 1e-2 * singular[0]  # rank > 1: not ψ_x(x) χ(y, z)
        product = psi(grid, t, 1.0, "psi01")
        singular01 = np.linalg.svd(
            (product[0] + 1j * product[1]).reshape(len(x), -1), compute_uv=False
        )
        assert singular01[1] < 1e-12 * singular01[0]


def test_named_states_and_grid_helpers():
    x = np.linspace(-3.0, 3.0, 7)
    grid = np.meshgrid(x, x, indexing="ij")
    np.testing.assert_array_equal(psi(grid, 0.4, 1.2, "psi01")[0], psi01(grid, 0.4, 1.2)[0])
    u0 = psi_initial(grid, 1.2, "entangled")
    u, v = psi(grid, 0.0, 1.2, "entangled")
    np.testing.assert_allclose(u0, u, rtol=0, atol=1e-15)
    assert np.abs(v).max() == 0.0
    u_grid, _ = psi_on_grid(x, np.array([0.0, 0.5]), np.array([1.2]), 2, "entangled")
    assert u_grid.shape == (1, 2, 7, 7)
    np.testing.assert_allclose(u_grid[0, 0], u0, rtol=0, atol=1e-15)
    assert [c for c, _ in product_terms("entangled", 3)] == pytest.approx([2.5**-0.5] * 2)
    with pytest.raises(ValueError, match="unknown state"):
        product_terms("bell", 2)


def test_hermite_functions_are_orthonormal():
    x = np.linspace(-12.0, 12.0, 4001)
    phi = np.array(hermite_functions(4, x, 0.7))
    overlaps = np.trapezoid(phi[:, None] * phi[None, :], x, axis=-1)
    np.testing.assert_allclose(overlaps, np.eye(5), atol=1e-12)
