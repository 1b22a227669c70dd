"""The PINN's residual, trial function and training step against exact answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from baselines.qho.exact import psi01
from tasks.qho.data import QHODataModule
from tasks.qho.pinn import QHOPINN

DOMAIN = {"x": [-math.pi, math.pi], "t": [0.0, 2 * math.pi], "omega": [0.5, 1.5]}
OPTIM = {"lr": 1e-3, "lr_final": 1e-4, "adam_steps": 3, "lbfgs_steps": 1, "lbfgs_max_iter": 3,
         "lbfgs_history": 5}  # fmt: skip


def make_model(dim=1, hard=True, natural_units=False, periodic_time=False, **weights):
    loss_weights = {"pde": 1.0, "boundary": 1.0, "initial": 1.0, "data": 0.0} | weights
    network = {"width": 16, "depth": 2, "activation": "tanh"}
    return QHOPINN(
        dim,
        DOMAIN,
        network,
        hard,
        loss_weights,
        OPTIM,
        natural_units=natural_units,
        periodic_time=periodic_time,
    ).double()


class ExactTrial(QHOPINN):
    """A 'network' that is the exact state, to test the residual operator alone."""

    omega_shift = 0.0

    def forward(self, points):
        coords = [points[:, k] for k in range(self.dim)]
        omega = points[:, self.dim + 1] + self.omega_shift
        return psi01(coords, points[:, self.dim], omega, xp=torch)


def _points(dim, n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, (n, dim))
    return torch.tensor(np.column_stack([x, rng.uniform(0, 6, n), rng.uniform(0.5, 2, n)]))


@pytest.mark.parametrize("dim", [1, 3])
def test_exact_state_has_zero_residual(dim):
    model = ExactTrial(dim, DOMAIN, {"width": 4, "depth": 1}, True, {"pde": 1}, OPTIM).double()
    f_u, f_v = model.residuals(_points(dim))
    assert float(torch.max(torch.abs(f_u.detach()))) < 1e-12
    assert float(torch.max(torch.abs(f_v.detach()))) < 1e-12
    model.omega_shift = 0.05  # the residual must see a wrong frequency
    f_u, f_v = model.residuals(_points(dim))
    assert float(torch.max(torch.abs(f_u) + torch.abs(f_v)).detach()) > 1e-2


@pytest.mark.parametrize(
    "units", [{}, {"natural_units": True}, {"natural_units": True, "periodic_time": True}]
)
@pytest.mark.parametrize("dim", [1, 2])
def test_hard_initial_condition_is_exact_for_any_weights(dim, units):
    model = make_model(dim, **units)
    points = _points(dim)
    points[:, dim] = 0.0
    u, v = model(points)
    u0, v0 = psi01([points[:, k] for k in range(dim)], 0.0, points[:, dim + 1], xp=torch)
    torch.testing.assert_close(u, u0, rtol=0, atol=1e-14)
    torch.testing.assert_close(v, v0, rtol=0, atol=1e-14)


def test_natural_inputs_fill_the_unit_box_over_the_training_domain():
    """ξ = √ω x and s = ω t reach ±1 only at the largest ω; ω itself spans [-1, 1]."""
    model = make_model(dim=1, natural_units=True)
    corners = torch.tensor(
        [[x, t, w] for x in DOMAIN["x"] for t in DOMAIN["t"] for w in DOMAIN["omega"]],
        dtype=torch.float64,
    )
    scaled = model.network_inputs(model.natural_features(corners, corners[:, 2]))
    assert scaled.min() >= -1 - 1e-6 and scaled.max() <= 1 + 1e-6
    top = corners[:, 2] == DOMAIN["omega"][1]
    assert torch.allclose(scaled[top, 0].abs().max(), torch.tensor(1.0, dtype=torch.float64))
    assert torch.allclose(scaled[top, 1].max(), torch.tensor(1.0, dtype=torch.float64))
    slow = scaled[~top, 0].abs().max()  # √0.5 π against √1.5 π
    assert float(slow) == pytest.approx(math.sqrt(0.5 / 1.5), rel=1e-6)  # float32 ranges


def _datamodule(seed=0, dim=1, **kw):
    args = {
        "dim": dim, "domain": DOMAIN, "test": {"omega": [1.0], "nx": 5, "nt": 3},
        "boundary": "exact", "collocation": {"n": 64, "sampler": "sobol", "resample": False},
        "n_boundary": 32, "n_initial": 16, "supervised": {"n": 20, "t": [0.0, 1.0]},
        "n_validation": 16, "steps": 4, "cache_dir": None, "seed": seed,
    } | kw  # fmt: skip
    dm = QHODataModule(**args)
    dm.setup()
    return dm


def test_points_lie_where_they_should():
    dm = _datamodule(dim=2)
    boundary = dm.fixed_points["boundary"]["inputs"].numpy()
    on_face = np.isclose(np.abs(boundary[:, :2]), math.pi).any(axis=1)
    assert on_face.all()
    supervised = dm.fixed_points["supervised"]["inputs"].numpy()
    assert supervised[:, 2].max() <= 1.0
    batch = next(iter(dm.train_dataloader()))
    omega = batch["collocation"][:, 3].numpy()
    assert omega.min() >= 0.5 and omega.max() <= 1.5 and omega.std() > 0.1
    zero = _datamodule(boundary="zero").fixed_points["boundary"]["targets"]
    assert float(zero.abs().max()) == 0.0


def test_same_seed_same_points_and_same_step():
    def one_step(seed):
        torch.manual_seed(seed)
        model = make_model()
        dm = _datamodule(seed)
        batch = next(iter(dm.train_dataloader()))
        batch = {k: ({kk: vv.double() for kk, vv in v.items()} if isinstance(v, dict)
                     else v.double()) for k, v in batch.items()}  # fmt: skip
        loss, _ = model.objective(batch)
        loss.backward()
        return loss.item(), model.net[0].weight.grad.clone()

    loss_a, grad_a = one_step(3)
    loss_b, grad_b = one_step(3)
    assert loss_a == loss_b
    torch.testing.assert_close(grad_a, grad_b, rtol=0, atol=0)
    assert one_step(4)[0] != loss_a


def test_all_zero_weights_are_refused():
    model = make_model(pde=0.0, boundary=0.0, initial=0.0)
    with pytest.raises(ValueError, match="loss weight"):
        model.objective(next(iter(_datamodule().train_dataloader())))


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_periodic_trial_repeats_after_one_oscillator_period_up_to_the_sign(dim):
    """ψ(t + 2π/ω) = (-1)^d ψ(t), the oscillator's propagator, for untrained weights."""
    model = make_model(dim, natural_units=True, periodic_time=True)
    points = _points(dim)
    later = points.clone()
    later[:, dim] += 2 * math.pi / points[:, dim + 1]
    u, v = model(points)
    u_later, v_later = model(later)
    torch.testing.assert_close(u_later, (-1) ** dim * u, rtol=0, atol=1e-12)
    torch.testing.assert_close(v_later, (-1) ** dim * v, rtol=0, atol=1e-12)
    shifted = points.clone()
    shifted[:, dim] += 1.0  # not a period: the trial function does change
    assert float(torch.abs(model(shifted)[0] - u).max()) > 1e-3


def test_periodic_time_needs_natural_units():
    with pytest.raises(ValueError, match="natural_units"):
        make_model(1, periodic_time=True)


@pytest.mark.parametrize("dim", [1, 3])
def test_norm_term_vanishes_for_the_exact_state_and_sees_a_lost_norm(dim):
    """The box norm of ψ_{0,1} is conserved exactly (odd cross terms); 0.9 ψ loses 19 %."""
    model = ExactTrial(
        dim, DOMAIN, {"width": 4, "depth": 1}, True, {"pde": 1, "norm": 1}, OPTIM
    ).double()
    rows = _points(dim, n=5)
    assert float(model.norm_drift(rows)) < 1e-20
    model.forward = lambda points: tuple(0.9 * part for part in ExactTrial.forward(model, points))
    assert model.norm_cell * len(model.norm_points) == pytest.approx((2 * math.pi) ** dim)
    assert float(model.norm_drift(rows)) == pytest.approx(0.19**2, rel=2e-2)


def test_norm_term_enters_the_loss_only_with_its_weight():
    no_labels = {"inputs": torch.zeros(0, 3, dtype=torch.float64), "targets": torch.zeros(0, 2)}
    batch = {"collocation": _points(1, n=16), "boundary": no_labels}
    assert set(make_model(dim=1, norm=1.0).loss_terms(batch)) == {"pde", "boundary", "norm"}
    assert "norm" not in make_model(dim=1).loss_terms(batch)
