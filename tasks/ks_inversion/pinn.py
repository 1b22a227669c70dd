"""Physics-informed inversion of the Kohn–Sham equation, one small network pair per system.

For a two-electron singlet the KS orbital is φ = sqrt(n/2) and obeys
f = ε φ + φ''/2 - v_s φ = 0. Writing φ = exp(g) the residual divided by φ reads

    r = ε + (g'' + g'²)/2 - v_s,

which stays well conditioned in the density tails where φ → 0 and f vanishes for any v_s. Each
test system s gets its own networks g_s(x) and v_s(x) (the inversion is per system: no
training set, the input density is all it sees). The loss is

    L = ⟨r²⟩ + λ_n ⟨w (g - ½ ln(n/2))²⟩,

w = 1 where n exceeds ``density_floor`` and 0 elsewhere (the density constraint in log form).
ε = 0 (v_s absorbs the constant). After training, v_xc = v_s - v_ext - v_H[n] gets the exact
target's tail treatment and gauge (``baselines.ks_inversion.inversion.to_task_gauge``: the KS
eigenvalue is set to ε = -I of the system, as for every inverter scored here).

The S systems train together as S independent MLPs evaluated with batched matrix products
(weights of shape (S, fan_in, fan_out)); nothing couples them but the shared optimiser.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any

import lightning as L
import numpy as np
import torch
from torch import Tensor, nn

from baselines.ks_inversion.inversion import to_task_gauge
from tasks.ks_inversion.evaluator import physics_of_split
from tasks.nets import ACTIVATIONS, check_finite

NAN_HINT = "lower model.optim.lr or raise model.density_floor"


class BatchedMLP(nn.Module):
    """``n_models`` independent MLPs R → R^{n_out}, evaluated on inputs of shape (S, P, 1)."""

    def __init__(self, n_models: int, n_out: int, width: int, depth: int, activation: str) -> None:
        super().__init__()
        sizes = [1] + [width] * depth + [n_out]
        self.weights = nn.ParameterList(
            nn.Parameter(torch.randn(n_models, a, b) * math.sqrt(2.0 / (a + b)))
            for a, b in itertools.pairwise(sizes)
        )
        self.biases = nn.ParameterList(nn.Parameter(torch.zeros(n_models, 1, b)) for b in sizes[1:])
        self.activation = ACTIVATIONS[activation]()

    def forward(self, inputs: Tensor) -> Tensor:
        hidden = inputs
        for k, (weight, bias) in enumerate(zip(self.weights, self.biases, strict=True)):
            hidden = torch.baddbmm(bias, hidden, weight)
            if k < len(self.weights) - 1:
                hidden = self.activation(hidden)
        return hidden


class KSInversionPINN(L.LightningModule):
    """Per-system PINN inversion of test densities (fit on the test split's densities).

    The networks are built in ``setup`` once the number of test systems S is known.

    Args:
        box: grid edges (bohr); inputs are scaled to [-1, 1].
        network: ``width``, ``depth``, ``activation`` of each system's MLP (outputs g, v_s),
            ``g_scale``: g = g_scale × output (ln φ spans ~10 over the box).
        density_weight: λ_n.
        density_floor: densities below it (electrons/bohr) are left out of the density term.
        optim: ``lr``, ``lr_final`` (Adam, geometric decay), ``total_steps``.
    """

    def __init__(
        self,
        box: tuple[float, float],
        network: Mapping[str, Any],
        density_weight: float,
        density_floor: float,
        optim: Mapping[str, Any],
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.box = (float(box[0]), float(box[1]))
        self.density_weight, self.density_floor = float(density_weight), float(density_floor)
        self.optim, self.network = dict(optim), dict(network)
        self.g_scale = float(self.network.get("g_scale", 1.0))
        self.net: BatchedMLP | None = None

    def setup(self, stage: str) -> None:
        """One network pair per system of the data module's test split."""
        if self.net is None:
            n_systems = len(self.trainer.datamodule.test_split().arrays["params"])
            self.net = BatchedMLP(
                n_systems, 2, int(self.network["width"]), int(self.network["depth"]),
                self.network.get("activation", "tanh"),
            )  # fmt: skip

    def fields(self, x: Tensor, n_systems: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """g, g', g'' and v_s (each (S, P)) at grid points ``x`` (P,) in bohr."""
        points = x.detach().reshape(1, -1, 1).expand(n_systems, -1, 1).clone()
        points.requires_grad_(True)
        half_width = (self.box[1] - self.box[0]) / 2
        scaled = (points - (self.box[0] + half_width)) / half_width
        out = self.net(scaled)
        g, v_s = self.g_scale * out[..., 0], out[..., 1]
        (g_x,) = torch.autograd.grad(g.sum(), points, create_graph=True)
        (g_xx,) = torch.autograd.grad(g_x.sum(), points, create_graph=True)
        return g, g_x[..., 0], g_xx[..., 0], v_s

    def loss(self, x: Tensor, density: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        g, g_x, g_xx, v_s = self.fields(x, density.shape[0])
        residual = (g_xx + g_x**2) / 2 - v_s
        weight = (density > self.density_floor).to(density.dtype)
        target = 0.5 * torch.log(density.clamp_min(self.density_floor) / 2)
        density_term = (weight * (g - target) ** 2).sum() / weight.sum()
        terms = {"residual": (residual**2).mean(), "density": density_term}
        return terms["residual"] + self.density_weight * terms["density"], terms

    def configure_optimizers(self) -> dict[str, Any]:
        optimizer = torch.optim.Adam(self.parameters(), lr=float(self.optim["lr"]))
        steps = max(1, int(self.optim["total_steps"]))
        gamma = (float(self.optim["lr_final"]) / float(self.optim["lr"])) ** (1 / steps)
        schedule = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}

    def training_step(self, batch: tuple[Tensor, ...], batch_idx: int) -> Tensor:
        x, density = (tensor[0] for tensor in batch)
        loss, terms = self.loss(x, density)
        check_finite(loss, self.global_step, NAN_HINT)
        self.log("train/loss", loss.detach(), prog_bar=True)
        for key, value in terms.items():
            self.log(f"train/{key}", value.detach())
        return loss

    def predict_split(self, split: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """v_xc of every test system from its trained networks, in the target's gauge."""
        density = torch.as_tensor(split["density"], dtype=torch.float32)
        if self.net is None or density.shape[0] != self.net.weights[0].shape[0]:
            raise ValueError(
                "the PINN inverts the densities it was fitted on: fit it on this test split "
                "(task.datamodule.fit_on=test) before predicting"
            )
        with torch.enable_grad():
            *_, v_s = self.fields(torch.as_tensor(split["x"], dtype=torch.float32), len(density))
        v_s = v_s.detach().numpy().astype(float)
        v_xc = v_s - split["v_ext"] - split["v_h"]
        return {
            "v_xc": to_task_gauge(
                split["x"], split["density"], split["v_ext"], v_xc, split["eps"],
                physics_of_split(split),
            )
        }  # fmt: skip
