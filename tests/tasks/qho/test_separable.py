"""The separable PINN: factorised residual, derivatives, initial condition, training, prediction."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from baselines.qho.exact import psi, psi_initial
from tasks.qho.separable import AxisNet, QHOSeparablePINN

DOMAIN = {"x": [-math.pi, math.pi], "t": [0.0, 2 * math.pi], "omega": [1.0, 1.0]}
OPTIM = {"lr": 3e-3, "lr_final": 1e-3, "adam_steps": 20, "lbfgs_steps": 0, "lbfgs_max_iter": 3}


def make_model(dim=2, state="psi01", rank=3, causal=0.0, seed=0, periodic_time=False):
    torch.manual_seed(seed)
    network = {"width": 8, "depth": 2}
    collocation = {"n_x": 6, "n_t": 5}
    weights = {"pde": 1.0, "boundary": 1.0}
    return QHOSeparablePINN(
        dim, DOMAIN, network, rank, collocation, causal, weights, OPTIM, state, periodic_time
    ).double()


def _boundary(dim, n=16, seed=0):
    rng = np.random.default_rng(seed)
    points = np.column_stack(
        [rng.uniform(-math.pi, math.pi, (n, dim)), rng.uniform(0, 2 * math.pi, n), np.ones(n)]
    )
    points[:, 0] = math.pi
    u, v = psi([points[:, k] for k in range(dim)], points[:, dim], 1.0)
    return {"inputs": torch.tensor(points), "targets": torch.tensor(np.stack([u, v], 1))}


@pytest.mark.parametrize("periodic_time", [False, True])
@pytest.mark.parametrize(("dim", "state"), [(1, "psi01"), (2, "entangled"), (3, "entangled")])
def test_factorised_loss_is_the_mean_over_the_full_grid(dim, state, periodic_time):
    model = make_model(dim, state, periodic_time=periodic_time)
    xs, t = model.draw_grid()
    on_grid = model.residual_on_grid(xs, t).abs() ** 2
    expected = on_grid.mean(dim=tuple(range(1, dim + 1)))
    torch.testing.assert_close(model.residual_in_time(xs, t), expected, rtol=1e-10, atol=0)


@pytest.mark.parametrize("periodic_time", [False, True])
def test_residual_matches_finite_differences_of_the_trial_function(periodic_time):
    model = make_model(2, "entangled", periodic_time=periodic_time)
    x, y, t, h = torch.tensor([0.4]), torch.tensor([-1.1]), torch.tensor([2.3]), 1e-4
    x, y, t = (c.double() for c in (x, y, t))

    def field(dx=0.0, dy=0.0, dt=0.0):
        return model.on_grid([x + dx, y + dy], t + dt).flatten()[0]

    with torch.no_grad():
        centre = field()
        psi_t = (field(dt=h) - field(dt=-h)) / (2 * h)
        laplacian = (field(h) + field(-h) + field(dy=h) + field(dy=-h) - 4 * centre) / h**2
        expected = 1j * psi_t + 0.5 * laplacian - 0.5 * (x**2 + y**2) * centre
        residual = model.residual_on_grid([x, y], t).flatten()[0]
    assert abs(complex(residual - expected)) < 1e-5 * max(1.0, abs(complex(expected)))
    assert abs(complex(expected)) > 1e-2  # an untrained model is not a solution


@pytest.mark.parametrize("state", ["psi01", "entangled"])
def test_untrained_part_off_leaves_minus_h_psi0_at_t0(state):
    """With the learned sum switched off, ψ = ψ(x, 0) and R(t = 0) = -H ψ(x, 0) = -i ∂_t ψ(x, 0)
    of the exact state (centred differences in t of the closed form)."""
    model = make_model(2, state)
    with torch.no_grad():
        model.time_net.net[-1].weight.zero_()
        model.time_net.net[-1].bias.zero_()
    axis = torch.linspace(-3.0, 3.0, 7, dtype=torch.float64)
    residual = model.residual_on_grid([axis, axis], torch.zeros(1, dtype=torch.float64))[0]
    grid = np.meshgrid(axis.numpy(), axis.numpy(), indexing="ij")
    h = 1e-5
    (u_p, v_p), (u_m, v_m) = psi(grid, h, 1.0, state), psi(grid, -h, 1.0, state)
    i_psi_t = 1j * ((u_p - u_m) + 1j * (v_p - v_m)) / (2 * h)
    np.testing.assert_allclose(residual.detach().numpy(), -i_psi_t, atol=1e-8)


@pytest.mark.parametrize("frequency", [None, 1.3])
def test_axis_net_derivatives_match_autograd(frequency):
    torch.manual_seed(1)
    net = AxisNet(-2.0, 3.0, 4, width=8, depth=3, frequency=frequency).double()
    x = torch.linspace(-2.0, 3.0, 11, dtype=torch.float64, requires_grad=True)
    value, first, second = net.jet(x)
    torch.testing.assert_close(value, net(x))
    for j in range(4):
        (d1,) = torch.autograd.grad(net(x)[:, j].sum(), x, create_graph=True)
        (d2,) = torch.autograd.grad(d1.sum(), x)
        torch.testing.assert_close(first[:, j], d1, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(second[:, j], d2, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("periodic_time", [False, True])
@pytest.mark.parametrize(("dim", "state"), [(1, "psi01"), (3, "entangled")])
def test_hard_initial_condition_and_pointwise_equals_grid(dim, state, periodic_time):
    model = make_model(dim, state, periodic_time=periodic_time)
    axis = torch.linspace(-3.0, 3.0, 5, dtype=torch.float64)
    times = torch.tensor([0.0, 1.7], dtype=torch.float64)
    with torch.no_grad():
        grid = model.on_grid([axis] * dim, times)
        mesh = torch.meshgrid(*([axis] * dim), indexing="ij")
        initial = psi_initial(list(mesh), 1.0, state, xp=torch)
        torch.testing.assert_close(grid[0].real, initial, rtol=0, atol=1e-14)
        assert float(grid[0].imag.abs().max()) == 0.0
        rows = torch.stack([m.flatten() for m in mesh], 1)
        rows = torch.cat([rows, torch.full((len(rows), 2), 1.7, dtype=rows.dtype)], 1)
        rows[:, -1] = 1.0
        u, v = model(rows)
    torch.testing.assert_close(torch.complex(u, v), grid[1].flatten(), rtol=1e-12, atol=1e-14)


def _train(model, steps):
    adam = torch.optim.Adam(model.parameters(), lr=3e-3)
    boundary = _boundary(model.dim)
    for _ in range(steps):
        xs, t = model.draw_grid()
        with torch.no_grad():
            weights = model.causal_weights(model.residual_in_time(xs, t))
        loss, _ = model.objective({"grid": (xs, t), "causal": weights, "boundary": boundary})
        adam.zero_grad()
        loss.backward()
        adam.step()


def test_short_training_in_2d_lowers_the_residual():
    model = make_model(2, rank=4, causal=10.0)
    axis, times = torch.linspace(-3, 3, 13).double(), torch.linspace(0, 6, 9).double()
    before = model.residual_in_time([axis, axis], times).mean().item()
    _train(model, 60)
    after = model.residual_in_time([axis, axis], times).mean().item()
    assert after < 0.3 * before


def test_causal_weights_fall_after_a_large_early_residual():
    model = make_model(2, causal=100.0)
    weights = model.causal_weights(torch.tensor([1.0, 0.0, 0.0, 0.0], dtype=torch.float64))
    torch.testing.assert_close(weights, torch.tensor([1.0, *[math.exp(-25.0)] * 3]).double())


@pytest.mark.parametrize("dim", [1, 2])
def test_prediction_has_the_split_shape_and_refuses_other_omegas(dim):
    model = make_model(dim)
    inputs = {"axis": np.linspace(-3, 3, 9), "t": np.linspace(0, 6, 4), "omega": np.array([1.0])}
    prediction = model.predict_split(inputs)
    assert prediction["u"].shape == prediction["v"].shape == (1, 4, *[9] * dim)
    assert np.isfinite(prediction["u"]).all() and prediction["u"].dtype == np.float64
    with pytest.raises(ValueError, match=r"trained at ω = 1\.0"):
        model.predict_split(inputs | {"omega": np.array([1.0, 1.5])})


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="one ω"):
        QHOSeparablePINN(1, DOMAIN | {"omega": [0.5, 1.5]}, {"width": 4, "depth": 1}, 2,
                         {"n_x": 4, "n_t": 4}, 0.0, {"pde": 1.0}, OPTIM)  # fmt: skip
    with pytest.raises(ValueError, match="unknown state"):
        make_model(state="bell")


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_periodic_trial_repeats_after_one_period_up_to_the_sign(dim):
    """ψ(t + 2π/ω) = (-1)^d ψ(t), the oscillator's propagator, for untrained weights."""
    model = make_model(dim, "entangled" if dim > 1 else "psi01", periodic_time=True)
    axis = torch.linspace(-3.0, 3.0, 4, dtype=torch.float64)
    times = torch.tensor([0.3, 2.0], dtype=torch.float64)
    with torch.no_grad():
        now = model.on_grid([axis] * dim, times)
        later = model.on_grid([axis] * dim, times + 2 * math.pi)
        shifted = model.on_grid([axis] * dim, times + 1.0)
    torch.testing.assert_close(later, (-1) ** dim * now, rtol=0, atol=1e-12)
    assert float((shifted - now).abs().max()) > 1e-3
