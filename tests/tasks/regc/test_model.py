"""The grand-potential network: observables are the derivatives of βΩ it outputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from baselines.regc.lattice import K_B
from tasks.nets import NonFiniteLossError
from tasks.regc.model import GrandPotentialNet


@pytest.fixture
def net():
    torch.manual_seed(0)
    return GrandPotentialNet(
        [400.0, 1000.0], [-0.5, 0.25], {"width": 16, "depth": 2, "activation": "tanh"},
        {"coverage": 1e-3, "energy": 1e-3}, {"lr": 1e-2, "lr_final": 1e-3, "total_steps": 10},
    ).double()  # fmt: skip


def test_observables_are_finite_differences_of_the_grand_potential(net):
    t, mu = torch.tensor([550.0, 830.0], dtype=torch.float64), torch.tensor([-0.2, 0.1])
    out = net.observables(t, mu.double(), second=True)
    beta = 1 / (K_B * t)
    alpha = beta * mu.double()
    h = 1e-4
    with torch.no_grad():
        g = lambda b, a: net(b, a)  # noqa: E731
        d_alpha = (g(beta, alpha + h) - g(beta, alpha - h)) / (2 * h)
        d_beta = (g(beta + h, alpha) - g(beta - h, alpha)) / (2 * h)
        hb = 1e-3
        d_bb = (g(beta + hb, alpha) - 2 * g(beta, alpha) + g(beta - hb, alpha)) / hb**2
        d_aa = (g(beta, alpha + hb) - 2 * g(beta, alpha) + g(beta, alpha - hb)) / hb**2
    torch.testing.assert_close(out["coverage"], -d_alpha, rtol=1e-6, atol=1e-9)
    torch.testing.assert_close(out["energy"], d_beta, rtol=1e-6, atol=1e-9)
    torch.testing.assert_close(out["heat_capacity"], -(beta**2) * d_bb, rtol=1e-4, atol=1e-7)
    torch.testing.assert_close(out["susceptibility"], -beta * d_aa, rtol=1e-4, atol=1e-7)


def test_predict_split_shapes(net):
    split = {"temperature": np.array([400.0, 700.0, 1000.0]), "mu": np.array([-0.5, 0.0])}
    predictions = net.predict_split(split)
    assert set(predictions) == {"coverage", "energy", "heat_capacity", "susceptibility",
                                "beta_omega"}  # fmt: skip
    assert all(value.shape == (3, 2) for value in predictions.values())


def test_training_reduces_the_loss_on_langmuir_data(net):
    """θ and ⟨E⟩ of independent sites (ε = 0) are learnt; C comes out as β²ε0²θ(1-θ)."""
    t = torch.linspace(400.0, 1000.0, 12, dtype=torch.float64).repeat_interleave(8)
    mu = torch.linspace(-0.5, 0.25, 8, dtype=torch.float64).repeat(12)
    beta = 1 / (K_B * t)
    theta = torch.sigmoid(beta * (mu + 0.3))
    batch = {
        "temperature": t,
        "mu": mu,
        "coverage": theta,
        "energy": -0.3 * theta,
        "coverage_sigma": torch.full_like(t, 1e-2),
        "energy_sigma": torch.full_like(t, 1e-2),
    }
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    first = net.loss(batch).item()
    for _ in range(150):
        optimizer.zero_grad()
        loss = net.loss(batch)
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.05 * first


def test_nan_loss_stops_training(net):
    batch = {key: torch.tensor([float("nan")], dtype=torch.float64)
             for key in ("temperature", "mu", "coverage", "energy", "coverage_sigma",
                         "energy_sigma")}  # fmt: skip
    with pytest.raises(NonFiniteLossError, match="sigma_floor"):
        net.training_step(batch, 0)
