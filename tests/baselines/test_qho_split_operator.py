"""Split-operator baseline against the exact harmonic-oscillator state."""

import itertools

import numpy as np
import pytest

from baselines.qho.exact import psi01
from baselines.qho.split_operator import StrangPropagator, padded_grid, propagate_on_grid

X = np.linspace(-np.pi, np.pi, 129)
TIMES = np.linspace(0.0, 2 * np.pi, 33)


def _max_error_1d(dt: float, omega: float = 1.0) -> float:
    """Max |ψ_split - ψ_exact| over the 1D evaluation grid and all frames."""
    u, v = propagate_on_grid([X], TIMES, omega, dt)
    u_ex, v_ex = psi01([X[None, :]], TIMES[:, None], omega)
    return float(np.abs((u - u_ex) + 1j * (v - v_ex)).max())


def test_matches_exact_1d() -> None:
    u, _ = propagate_on_grid([X], TIMES, 1.0, dt=0.01)
    assert u.shape == (TIMES.size, X.size)
    # Measured 2.15e-5 (internal step 2π/640 ≈ 9.8e-3); assert with a 10x margin.
    assert _max_error_1d(0.01) < 3e-4


def test_second_order_in_dt() -> None:
    interval = TIMES[1]
    errors = [_max_error_1d(interval / n) for n in (2, 4, 8)]
    # Measured ratios 4.004 and 4.001.
    for coarse, fine in itertools.pairwise(errors):
        assert 3.5 < coarse / fine < 4.5


def test_norm_conserved_on_periodic_grid() -> None:
    grid = padded_grid([X])
    x = grid.axes[0]
    h = x[1] - x[0]
    u0, v0 = psi01([x], 0.0, 1.0)
    psi = u0 + 1j * v0
    norm0 = np.sum(np.abs(psi) ** 2) * h
    assert norm0 == pytest.approx(1.0, abs=1e-12)
    propagate = StrangPropagator(grid.axes, omega=1.0, dt=0.05)
    for _ in range(10):
        psi = propagate(psi, 50)
        assert np.sum(np.abs(psi) ** 2) * h == pytest.approx(norm0, abs=1e-12)


def test_matches_exact_3d() -> None:
    axis = np.linspace(-np.pi, np.pi, 17)
    times = np.linspace(0.0, 1.0, 5)
    omega = 1.5
    u, v = propagate_on_grid([axis] * 3, times, omega, dt=0.01)
    assert u.shape == v.shape == (5, 17, 17, 17)
    coords = [axis[:, None, None], axis[None, :, None], axis[None, None, :]]
    for frame, t in enumerate(times):
        u_ex, v_ex = psi01(coords, t, omega)
        # Measured max error 3.0e-5 over all frames.
        assert np.abs((u[frame] - u_ex) + 1j * (v[frame] - v_ex)).max() < 3e-4


def test_initial_frame_is_exact_and_window_aligned() -> None:
    grid = padded_grid([X], padding=2.0)
    np.testing.assert_allclose(grid.axes[0][grid.window[0]], X, rtol=0, atol=1e-13)
    assert grid.axes[0][0] <= -3 * np.pi + 1e-12 and grid.axes[0][-1] >= 3 * np.pi - 1e-12
    u, v = propagate_on_grid([X], TIMES[:1], 1.0, dt=0.1)
    u_ex, v_ex = psi01([X], 0.0, 1.0)
    np.testing.assert_allclose(u[0], u_ex, atol=1e-15)
    np.testing.assert_allclose(v[0], v_ex, atol=1e-15)


@pytest.mark.parametrize(
    ("axes", "times", "match"),
    [
        ([np.array([0.0, 0.1, 0.3])], TIMES, "uniform"),
        ([X], TIMES + 0.1, "starting at 0"),
        ([X], np.array([0.0, 0.1, 0.3]), "uniform"),
    ],
)
def test_rejects_bad_grids(axes, times, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        propagate_on_grid(axes, times, 1.0, dt=0.01)
