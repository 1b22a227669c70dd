"""Network for the grand potential per site, g(β, α) = βΩ/LM with α = βμ.

Every observable is a derivative of g (thermodynamically consistent by construction):

    θ = ⟨N⟩/LM = -∂g/∂α,   ⟨E⟩/LM = ∂g/∂β,   C = β²Var(E)/LM = -β² ∂²g/∂β²,
    χ = ∂θ/∂μ|_T = -β ∂²g/∂α²,

(derivatives at fixed α resp. β; ln Ξ = -LM·g). The network sees (β, α) scaled affinely to
[-1, 1] over the task's (T, μ) window and is trained on MBAR's θ and ⟨E⟩/LM only, with the
loss ⟨((θ - θ_MBAR)/σ_θ)² + ((e - e_MBAR)/σ_e)²⟩ (σ: pymbar's uncertainties, floored). C and χ
are second derivatives it never sees; g itself is fixed up to a constant, which the evaluator
ignores. Adam with an exponentially decaying learning rate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import lightning as L
import numpy as np
import torch
from torch import Tensor

from baselines.regc.lattice import K_B
from tasks.nets import check_finite, mlp

NAN_HINT = "lower model.optim.lr or raise model.sigma_floor"


class GrandPotentialNet(L.LightningModule):
    """βΩ/LM as a smooth MLP of (β, βμ); observables by automatic differentiation.

    Args:
        temperature_range: [T_min, T_max] (K) of the input window.
        mu_range: [μ_min, μ_max] (eV) of the input window.
        network: ``width``, ``depth``, ``activation`` (smooth: tanh, softplus, silu, gelu).
        sigma_floor: ``coverage`` and ``energy`` (eV) lower bounds of the loss uncertainties.
        optim: ``lr``, ``lr_final`` (geometric decay over ``total_steps``), ``total_steps``.
        predict_chunk: grid points per forward pass when predicting the test grid.
    """

    def __init__(
        self,
        temperature_range: Sequence[float],
        mu_range: Sequence[float],
        network: Mapping[str, Any],
        sigma_floor: Mapping[str, float],
        optim: Mapping[str, Any],
        predict_chunk: int = 8192,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        t_low, t_high = (float(t) for t in temperature_range)
        mu_low, mu_high = (float(m) for m in mu_range)
        beta_low, beta_high = 1 / (K_B * t_high), 1 / (K_B * t_low)
        alphas = [b * m for b in (beta_low, beta_high) for m in (mu_low, mu_high)]
        self.register_buffer("low", torch.tensor([beta_low, min(alphas)]))
        self.register_buffer(
            "span", torch.tensor([beta_high - beta_low, max(alphas) - min(alphas)])
        )
        self.net = mlp(2, 1, **network)
        self.floor = {key: float(sigma_floor[key]) for key in ("coverage", "energy")}
        self.optim = dict(optim)
        self.predict_chunk = int(predict_chunk)

    def forward(self, beta: Tensor, alpha: Tensor) -> Tensor:
        """g = βΩ/LM at (β in 1/eV, α = βμ)."""
        scaled = 2.0 * (torch.stack([beta, alpha], dim=-1) - self.low) / self.span - 1.0
        return self.net(scaled).squeeze(-1)

    def observables(
        self, temperature: Tensor, mu: Tensor, second: bool = False
    ) -> dict[str, Tensor]:
        """θ, ⟨E⟩/LM and βΩ/LM (and C, χ when ``second``) at (T in K, μ in eV)."""
        dtype = self.low.dtype
        temperature, mu = temperature.to(dtype), mu.to(dtype)
        beta = (1.0 / (K_B * temperature)).detach().requires_grad_(True)
        alpha = (beta * mu).detach().requires_grad_(True)
        g = self(beta, alpha)
        d_beta, d_alpha = torch.autograd.grad(g.sum(), (beta, alpha), create_graph=True)
        out = {"coverage": -d_alpha, "energy": d_beta, "beta_omega": g}
        if second:
            d_beta_beta = torch.autograd.grad(d_beta.sum(), beta, retain_graph=True)[0]
            d_alpha_alpha = torch.autograd.grad(d_alpha.sum(), alpha)[0]
            out["heat_capacity"] = -(beta**2) * d_beta_beta
            out["susceptibility"] = -beta * d_alpha_alpha
        return out

    def loss(self, batch: Mapping[str, Tensor]) -> Tensor:
        """Mean squared error of θ and ⟨E⟩/LM in units of their (floored) MBAR uncertainties."""
        predicted = self.observables(batch["temperature"], batch["mu"])
        total = batch["coverage"].new_zeros(())
        for key in ("coverage", "energy"):
            sigma = batch[f"{key}_sigma"].clamp_min(self.floor[key])
            total = total + (((predicted[key] - batch[key]) / sigma) ** 2).mean()
        return total

    def configure_optimizers(self) -> dict[str, Any]:
        optimizer = torch.optim.Adam(self.parameters(), lr=float(self.optim["lr"]))
        steps = max(1, int(self.optim["total_steps"]))
        decay = (float(self.optim["lr_final"]) / float(self.optim["lr"])) ** (1 / steps)
        scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=decay)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step"},
        }

    def training_step(self, batch: Mapping[str, Tensor], batch_idx: int) -> Tensor:
        loss = self.loss(batch)
        check_finite(loss, self.global_step, NAN_HINT)
        self.log("train/loss", loss.detach(), prog_bar=True)
        return loss

    def validation_step(self, batch: Mapping[str, Tensor], batch_idx: int) -> None:
        if batch["coverage"].numel() == 0:
            return
        with torch.enable_grad():
            self.log("val/loss", self.loss(batch).detach(), prog_bar=True)

    def predict_split(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The five per-site grids of the evaluator on the split's (T, μ) grid (its inputs)."""
        grid_t, grid_mu = np.meshgrid(inputs["temperature"], inputs["mu"], indexing="ij")
        dtype = self.low.dtype
        as_tensor = lambda a: torch.as_tensor(a.ravel(), dtype=dtype, device=self.device)  # noqa: E731
        parts: dict[str, list[np.ndarray]] = {}
        with torch.enable_grad():
            for t, mu in zip(
                as_tensor(grid_t).split(self.predict_chunk),
                as_tensor(grid_mu).split(self.predict_chunk),
                strict=True,
            ):
                for key, value in self.observables(t, mu, second=True).items():
                    parts.setdefault(key, []).append(value.detach().cpu().numpy())
        return {key: np.concatenate(value).reshape(grid_t.shape) for key, value in parts.items()}
