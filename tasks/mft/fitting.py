"""Shared pieces of the ``mft`` models: the data they fit and a full-batch training loop.

The data are the simulated equilibrium two-time correlations C(t1, t2) at times ≥ ``t_min``
(as flattened pairs t1 ≤ t2 with jackknife errors, or as whole sample covariance matrices)
and the step mean currents. Training: Adam with a geometrically decaying learning rate, then
L-BFGS (strong-Wolfe line search), on the model's ``loss``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import lightning as L
import torch
from torch import Tensor

from tasks.nets import check_finite

NAN_HINT = "lower model.optim.lr (and lr_final)"


def equilibrium_pairs(batch: Mapping[str, Tensor], t_min: float) -> dict[str, Tensor]:
    """Flattened equilibrium pairs: case index, t1 ≤ t2, estimate and error."""
    t = batch["t"]
    i, j = torch.triu_indices(len(t), len(t))
    keep = t[i] >= t_min
    i, j = i[keep], j[keep]
    systems = torch.nonzero(batch["rho_a"] == batch["rho_b"]).flatten()
    n = len(i)
    return {
        "case": batch["system_case"][systems].long().repeat_interleave(n),
        "t1": t[i].repeat(len(systems)),
        "t2": t[j].repeat(len(systems)),
        "value": batch["corr"][systems][:, i, j].flatten(),
        "error": batch["corr_err"][systems][:, i, j].flatten(),
    }


def covariance_blocks(batch: Mapping[str, Tensor], t_min: float, step: bool) -> list[dict]:
    """Per system (equilibrium or step): case, ρ_a - ρ_b, samples, times ≥ t_min, the sample
    mean and the sample covariance matrix S of Q on those times."""
    t = batch["t"]
    keep = t >= t_min
    chosen = (batch["rho_a"] != batch["rho_b"]) if step else (batch["rho_a"] == batch["rho_b"])
    blocks = [
        {
            "case": int(batch["system_case"][s]),
            "drho": batch["rho_a"][s] - batch["rho_b"][s],
            "n": batch["n_samples"][s],
            "t": t[keep],
            "mean": batch["cumulants"][s, 0][keep],
            "cov": batch["corr"][s][keep][:, keep],
        }
        for s in torch.nonzero(chosen).flatten().tolist()
    ]
    for block in blocks:
        if torch.linalg.cholesky_ex(block["cov"]).info != 0:
            raise ValueError(
                f"the sample covariance of a case-{block['case']} system on t ≥ {t_min} is not "
                "positive definite: simulate more samples (task.cases) or raise model.t_min"
            )
    return blocks


def wishart_deviance(model: Tensor, sample: Tensor) -> Tensor:
    """tr(Σ⁻¹S) - log det(Σ⁻¹S) - K: twice the Gaussian negative log-likelihood per sample of
    a sample covariance S under the model covariance Σ, minus its minimum (0 at Σ = S)."""
    ratio, info = torch.linalg.solve_ex(model, sample)
    if info != 0:  # a singular model covariance: let the NaN check stop training
        return model.new_tensor(float("nan"))
    return torch.trace(ratio) - torch.logdet(ratio) - len(sample)


class FullBatchFit(L.LightningModule):
    """Full-batch minimisation of ``loss(batch)``: Adam then L-BFGS (subclasses define it).

    ``optim``: ``lr``, ``lr_final`` (Adam, geometric decay over ``adam_steps``), then
    ``lbfgs_steps`` L-BFGS steps of at most ``lbfgs_max_iter`` iterations.
    """

    def __init__(self, optim: Mapping[str, Any]) -> None:
        super().__init__()
        self.automatic_optimization = False
        self.optim = dict(optim)

    def loss(self, batch: Mapping[str, Tensor]) -> Tensor:
        raise NotImplementedError

    def configure_optimizers(self) -> list[torch.optim.Optimizer]:
        adam = torch.optim.Adam(self.parameters(), lr=float(self.optim["lr"]))
        lbfgs = torch.optim.LBFGS(
            self.parameters(),
            lr=1.0,
            max_iter=int(self.optim["lbfgs_max_iter"]),
            tolerance_grad=1e-12,
            tolerance_change=1e-15,
            line_search_fn="strong_wolfe",
        )
        return [adam, lbfgs]

    def training_step(self, batch: Mapping[str, Tensor], batch_idx: int) -> Tensor:
        adam, lbfgs = self.optimizers()
        adam_steps = int(self.optim["adam_steps"])
        if self.global_step < adam_steps:
            lr, lr_final = float(self.optim["lr"]), float(self.optim["lr_final"])
            for group in adam.param_groups:
                group["lr"] = lr * (lr_final / lr) ** (self.global_step / max(1, adam_steps))
            loss = self.loss(batch)
            check_finite(loss, self.global_step, NAN_HINT)
            adam.zero_grad()
            self.manual_backward(loss)
            adam.step()
        else:

            def closure() -> Tensor:
                lbfgs.zero_grad()
                value = self.loss(batch)
                check_finite(value, self.global_step, NAN_HINT)
                self.manual_backward(value)
                return value

            loss = lbfgs.step(closure)
        self.log("train/loss", loss.detach(), prog_bar=True)
        return loss.detach()
